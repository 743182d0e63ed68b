"""Calls to machines that call nothing run without recording their steps (`run_quietly`),
in sweeps where they can: what a composite's trace shows of them, and the steps read later,
equal the recorded run. Both take a step's cached `Effect` instead of interpreting its command
again; stepping with `decide` and `apply` alone (as the model runtime steps) is the reference."""
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from caef_dsl import interpreter, machine_set
from caef_dsl.actions import apply
from caef_dsl.budget import Budget
from caef_dsl.errors import CallDepthExceeded, NoRuleFires, RunError, StepBudgetExceeded
from caef_dsl.fast_paths import QuietTrace, run_quietly
from caef_dsl.interpreter import run
from caef_dsl.strategies import operands

def forget_calls(machines):
    """Empty every machine's memo of calls, so a test starts with none kept."""
    for name in machines.machines:
        machines.executable(name).fast_paths.calls.clear()


QUIET = ["ADD", "EQUAL", "GREATER_THAN", "LESS_THAN", "REFLECTION", "LEFT_MASK",  # the paper's
         "MUL_DIGIT", "REVERSE_MARKED", "SHIFT_IN", "SUB_BORROW"]  # long_mul's and long_div's


@pytest.mark.parametrize("name", QUIET)
def test_machines_that_call_nothing_run_quietly(machines, name):
    assert machines.executables[name].decisions_cacheable


@st.composite
def quiet_calls(draw, max_digits=30):
    """A machine that runs quietly and valid operands of it."""
    name = draw(st.sampled_from(QUIET))
    a, b = draw(operands(name, max_digits=max_digits))
    return name, [a] if b is None else [a, b]


@settings(max_examples=60, deadline=None)
@given(call=quiet_calls())
def test_quiet_run_ends_where_the_recorded_run_ends(machines, call):
    name, operands_ = call
    recorded = run(machines.executables, name, operands_)
    quiet = run_quietly(machines.executables[name], operands_, Budget())
    assert quiet.final == recorded.final
    assert quiet.first == recorded.steps[0]
    assert quiet.total_steps() == recorded.total_steps() == len(recorded.steps) - 1
    assert quiet.steps == recorded.steps  # read later: the same steps, run again


SHAPES = Path(__file__).parent / "machines" / "sweep_shapes.tm"


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return machine_set.load(str(SHAPES), directory=tmp_path_factory.mktemp("none")).executables


def outcome(run_machine):
    """The final configuration and step count of a run, or the error it stops with."""
    try:
        trace = run_machine()
    except RunError as error:
        return type(error), str(error)
    return trace.final, trace.total_steps()


def applied(exe, operands_):
    """The configurations of a run stepped by `decide` and `apply` alone."""
    config = exe.initial(operands_)
    configs = [config]
    while config.state != exe.halt:
        config, _ = apply(config, exe.decide(config))
        configs.append(config)
    return configs


def configurations(run_machine):
    """The configurations a run goes through, or the error it stops with."""
    try:
        return [step.config for step in run_machine().steps]
    except RunError as error:
        return type(error), str(error)


@settings(max_examples=60, deadline=None)
@given(call=quiet_calls())
def test_recorded_runs_step_as_apply_does(machines, call):
    name, operands_ = call
    exe = machines.executables[name]
    assert configurations(lambda: run(machines.executables, name, operands_)) == applied(exe, operands_)


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(["SKIP_AFTER_NINE", "ODD_OUTPUT", "TWO_OUT", "WAIT", "TRIM_THEN_SWEEP"]),
       a=st.integers(0, 10 ** 12), b=st.integers(0, 10 ** 12))
def test_cached_effects_do_what_apply_does(shapes, name, a, b):
    # A goto that reads the head after the move, a put overwritten by a second put, output
    # moves that fail: the recorded run (and the quiet one) step or fail as `apply` does.
    exe = shapes[name]
    args = [a, b][:len(exe.operand_names)]
    try:
        expected = applied(exe, args)
    except RunError as error:
        expected = (type(error), str(error))
    assert configurations(lambda: run(shapes, name, args)) == expected
    quiet = outcome(lambda: run_quietly(exe, args, Budget()))
    assert quiet == (expected if isinstance(expected, tuple) else (expected[-1], len(expected) - 1))


def test_odd_output_actions_fail_with_their_message(shapes):
    with pytest.raises(RunError, match="moved OUT right without writing a digit"):
        run(shapes, "ODD_OUTPUT", [20])
    with pytest.raises(RunError, match="moved OUT left of its first cell"):
        run_quietly(shapes["ODD_OUTPUT"], [1], Budget())
    assert run(shapes, "ODD_OUTPUT", [438]).result.decimal == "438"
    assert run(shapes, "ODD_OUTPUT", [23]).result.decimal == "523"  # the last 2 leaves a 5 pending


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(["TWO_OUT", "WAIT", "TRIM_THEN_SWEEP"]),
       a=st.integers(0, 10 ** 25), b=st.integers(0, 10 ** 25))
def test_sweeps_leave_off_where_their_shape_ends(shapes, name, a, b):
    # Two outputs, heads that wait on a digit or walk past the end, a state reading an output
    # between two sweeps: the quiet run takes those steps the ordinary way.
    quiet = outcome(lambda: run_quietly(shapes[name], [a, b], Budget()))
    assert quiet == outcome(lambda: run(shapes, name, [a, b]))


@settings(max_examples=30, deadline=None)
@given(a=st.integers(0, 10 ** 25))
def test_a_step_no_rule_takes_fails_the_same_inside_a_sweep(shapes, a):
    quiet = outcome(lambda: run_quietly(shapes["NO_SEVENS"], [a], Budget()))
    assert quiet == outcome(lambda: run(shapes, "NO_SEVENS", [a]))
    assert (quiet[0] is NoRuleFires) == ("7" in str(a))


def test_sweeps_take_the_steps_between_the_ends(shapes, monkeypatch):
    swept = []
    sweeps = shapes["TWO_OUT"].fast_paths.sweeps
    walk = sweeps.run

    def spy(*args):
        taken = walk(*args)
        swept.append(taken[0])
        return taken
    monkeypatch.setattr(sweeps, "run", spy)
    trace = run_quietly(shapes["TWO_OUT"], [10 ** 24 + 7, 3 * 10 ** 24 + 5], Budget())
    # q0 (heads on `^`) and 25 digit columns in one sweep, then the halting step.
    assert swept == [26] and trace.total_steps() == 27


def test_a_sweep_spends_the_step_budget():
    with pytest.raises(StepBudgetExceeded, match="more than 20 steps"):
        run_quietly(load_add(), [10 ** 40, 10 ** 40], Budget(max_steps=20))


def load_add():
    return machine_set.load().executables["ADD"]


def test_composites_record_quiet_calls_and_replay_them_on_reading(machines):
    forget_calls(machines)
    trace = run(machines.executables, "SUB", [123456, 789])
    calls = [s.call for s in trace.steps if s.call is not None]
    assert [c.machine.name for c in calls] == ["REFLECTION", "ADD", "ADD", "LEFT_MASK"]
    assert all(isinstance(c, QuietTrace) and "steps" not in c.__dict__ for c in calls)
    add = calls[1]
    assert add.steps[-1].config == add.final and add.steps[0] == add.first
    assert trace.total_steps() == len(trace.steps) - 1 + sum(len(c.steps) - 1 for c in calls)


def test_quiet_calls_spend_the_step_budget(machines):
    forget_calls(machines)
    with pytest.raises(StepBudgetExceeded, match="more than 30 steps"):
        run(machines.executables, "SUB", [10 ** 20, 1], max_steps=30)


def test_quiet_calls_count_towards_the_depth_limit(machines):
    forget_calls(machines)
    with pytest.raises(CallDepthExceeded, match="deeper than 0 frames"):
        run(machines.executables, "SUB", [5, 3], max_depth=0)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("name", ["SUB", "MUL", "DIV", "LONG_MUL", "LONG_DIV"])
def test_composites_render_the_same_with_calls_recorded_step_by_step(machines, name, data):
    from caef_dsl.render import step_pairs
    a, b = data.draw(operands(name, max_digits=12))
    forget_calls(machines)
    quiet = step_pairs(run(machines.executables, name, [a, b]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(interpreter, "run_quietly", lambda exe, args, budget: run(
            {exe.name: exe}, exe.name, args, _budget=budget))
        forget_calls(machines)
        recorded = step_pairs(run(machines.executables, name, [a, b]))
    forget_calls(machines)
    assert quiet == recorded


def test_small_calls_come_from_the_memo_and_still_spend_the_budget(machines):
    forget_calls(machines)
    first = run(machines.executables, "MUL", [3, 9])
    again = run(machines.executables, "MUL", [3, 9])
    calls = [(s.call, t.call) for s, t in zip(first.steps, again.steps) if s.call is not None]
    assert calls and all(a is b for a, b in calls)  # LESS_THAN(COUNT, 9), ADD(3, OUTPUT), …
    with pytest.raises(StepBudgetExceeded):
        run(machines.executables, "MUL", [3, 9], max_steps=first.total_steps() - 1)
    assert run(machines.executables, "MUL", [3, 9], max_steps=first.total_steps()).result == first.result


def test_long_calls_are_not_kept(machines):
    # Operands of more than CALL_MEMO_DIGITS digits in all almost never come back.
    forget_calls(machines)
    a, b = 10 ** 30 + 12345, 10 ** 29 + 678
    first, again = (run(machines.executables, "SUB", [a, b]) for _ in range(2))
    calls = [(s.call, t.call) for s, t in zip(first.steps, again.steps) if s.call is not None]
    assert all(x is not y and x.final == y.final for x, y in calls)
    assert not any(machines.executable(name).fast_paths.calls for name in machines.machines)

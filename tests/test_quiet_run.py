"""Calls to machines that call nothing run without recording their steps (`run_quietly`):
what a composite's trace shows of them, and the steps read later, equal the recorded run."""
import pytest
from hypothesis import given, settings, strategies as st

from caef_dsl import interpreter
from caef_dsl.errors import CallDepthExceeded, StepBudgetExceeded
from caef_dsl.interpreter import Budget, QuietTrace, run, run_quietly

QUIET = ["ADD", "EQUAL", "GREATER_THAN", "LESS_THAN", "REFLECTION", "LEFT_MASK"]


@pytest.mark.parametrize("name", QUIET)
def test_paper_basic_machines_run_quietly(machines, name):
    assert machines.executables[name].decisions_cacheable


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(QUIET), a=st.integers(0, 10 ** 30), b=st.integers(0, 10 ** 30))
def test_quiet_run_ends_where_the_recorded_run_ends(machines, name, a, b):
    exe = machines.executables[name]
    nines = 10 ** max(len(str(a)), len(str(b))) - 1  # REFLECTION computes 99…9 - b
    operands = [a] if name == "LEFT_MASK" else [nines, b] if name == "REFLECTION" else [a, b]
    recorded = run(machines.executables, name, operands)
    quiet = run_quietly(exe, operands, Budget())
    assert quiet.final == recorded.final
    assert quiet.first == recorded.steps[0]
    assert quiet.total_steps() == recorded.total_steps() == len(recorded.steps) - 1
    assert quiet.steps == recorded.steps  # read later: the same steps, run again


def test_composites_record_quiet_calls_and_replay_them_on_reading(machines):
    interpreter._CALLS.clear()
    trace = run(machines.executables, "SUB", [123456, 789])
    calls = [s.call for s in trace.steps if s.call is not None]
    assert [c.machine.name for c in calls] == ["REFLECTION", "ADD", "ADD", "LEFT_MASK"]
    assert all(isinstance(c, QuietTrace) and "steps" not in c.__dict__ for c in calls)
    add = calls[1]
    assert add.steps[-1].config == add.final and add.steps[0] == add.first
    assert trace.total_steps() == len(trace.steps) - 1 + sum(len(c.steps) - 1 for c in calls)


def test_quiet_calls_spend_the_step_budget(machines):
    interpreter._CALLS.clear()
    with pytest.raises(StepBudgetExceeded, match="more than 30 steps"):
        run(machines.executables, "SUB", [10 ** 20, 1], max_steps=30)


def test_quiet_calls_count_towards_the_depth_limit(machines):
    interpreter._CALLS.clear()
    with pytest.raises(CallDepthExceeded, match="deeper than 0 frames"):
        run(machines.executables, "SUB", [5, 3], max_depth=0)

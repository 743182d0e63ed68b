"""Errors a run ends with, each with its exact message, alike on the reference loop and the
fast paths: a register leaving its declared range (step, state, rule), a configuration that
repeats (the machine never halts: said at once, with where the loop began), and a step budget
spent inside calls (the caller chain). The machines are written here, small."""
import pytest

from caef.cli import main
from caef_dsl import interpreter
from caef_dsl.budget import Budget
from caef_dsl.errors import LoopDetected, OutOfRange, StepBudgetExceeded
from caef_dsl.fast_paths import run_quietly, run_recorded
from caef_dsl.interpreter import run
from caef_dsl.machine_set import load

COUNT = """machine COUNT(a)
  head HEAD on a
  register N in 0..9
  result N
  start q0
  halt qH

  q0: N := 0; move HEAD right; -> q1
  q1 (HEAD = x): N := N + 1; move HEAD right; -> q1
  q1 (HEAD = _): finish N; -> qH
"""

# Reads its first digit, steps right and back: on a digit other than 0 it never halts.
SPIN = """machine SPIN(a)
  head HEAD on a
  register R in 0..1
  result R
  start q0
  halt qH

  q0: R := 0; move HEAD right; -> q1
  q1 (HEAD = 0): finish R; -> qH
  q1 (HEAD = x) if x != 0: move HEAD right; -> q2
  q1 (HEAD = _): move HEAD left; -> q2
  q2: move HEAD left; -> q3
  q3: move HEAD right; -> q1
"""

# Composites: T = A + A, then A = T - A: A never changes.
TWICE = """machine TWICE(a)
  register A
  register T
  result A
  start q0
  halt qH

  q0: A := a; -> q1
  q1 if A == 0: -> qH
  q1 if A != 0: call ADD(A, A) -> T; -> q2
  q2: call SUB(T, A) -> A; -> q1
"""

GROW = """machine GROW(a)
  register A
  result A
  start q0
  halt qH

  q0: A := a; -> q1
  q1 if A == 0: -> qH
  q1 if A != 0: call DOUBLE(A) -> A; -> q1

machine DOUBLE(a)
  register A
  result A
  start q0
  halt qH

  q0: call ADD(a, a) -> A; -> qH
"""

CALLERS = """machine SUMS(a)
  register S in 0..9
  result S
  start q0
  halt qH

  q0: call ADD(a, a) -> S; -> qH

machine COUNTS(a)
  register M
  result M
  start q0
  halt qH

  q0: call COUNT(a) -> M; -> qH

machine SPINS(a)
  register M
  result M
  start q0
  halt qH

  q0: call SPIN(a) -> M; -> qH
"""


@pytest.fixture
def tm(tmp_path):
    """Load .tm texts written here, with the library: (executables, path of the file)."""
    def load_text(*texts):
        path = tmp_path / "mine.tm"
        path.write_text("\n".join(texts))
        return load(str(path)).executables, str(path)
    return load_text


def message(run_machine) -> tuple[type, str]:
    with pytest.raises(Exception) as caught:
        run_machine()
    return caught.type, str(caught.value)


def reference(exes, name, operands, **kw):
    """The reference loop alone: decide and apply, no cached effects, no quiet calls."""
    with pytest.MonkeyPatch.context() as patch:
        for exe in exes.values():
            patch.setattr(exe, "decisions_cacheable", False)
        patch.setattr(interpreter, "run_quietly", lambda exe, args, budget: run(
            {exe.name: exe}, exe.name, args, _budget=budget))
        return run(exes, name, operands, **kw)


def loop(name: str, begin: int, end: int, state: str) -> tuple[type, str]:
    return LoopDetected, (f"{name}: the configuration of step {begin} repeats at step {end} "
                          f"(state {state}): the machine never halts")


# ---- a register out of its range ------------------------------------------------------------

def test_a_register_leaving_its_range_names_state_step_and_rule(tm):
    exes, path = tm(COUNT)
    expected = (OutOfRange, f"COUNT: N = 10 is outside its range 0..9, at step 10 in state q1 "
                            f"(the rule at {path}:9)")
    assert run(exes, "COUNT", [999999999]).result == 9
    assert message(lambda: run(exes, "COUNT", [1234567890])) == expected
    assert message(lambda: reference(exes, "COUNT", [1234567890])) == expected
    assert message(lambda: run_recorded(exes["COUNT"], [1234567890], Budget())) == expected
    assert message(lambda: run_quietly(exes["COUNT"], [1234567890], Budget())) == expected


def test_a_call_out_of_range_is_the_callers_or_the_callees(tm):
    exes, path = tm(COUNT, SPIN, CALLERS)
    line = "\n".join([COUNT, SPIN, CALLERS]).splitlines().index("  q0: call ADD(a, a) -> S; -> qH") + 1
    assert message(lambda: run(exes, "SUMS", [5])) == (
        OutOfRange, f"SUMS: S = 10 is outside its range 0..9, at step 0 in state q0 "
                    f"(the rule at {path}:{line})")
    in_callee = (OutOfRange, f"COUNT: N = 10 is outside its range 0..9, at step 10 in state q1 "
                             f"(the rule at {path}:9)")
    assert message(lambda: run(exes, "COUNTS", [10 ** 11])) == in_callee  # a quiet call
    assert message(lambda: reference(exes, "COUNTS", [10 ** 11])) == in_callee


def test_out_of_range_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "count.tm"
    path.write_text(COUNT)
    assert main(["trace", str(path), "12345678901"]) == 2
    assert capsys.readouterr().err == (f"caef trace: error: COUNT: N = 10 is outside its range "
                                       f"0..9, at step 10 in state q1 (the rule at {path}:9)\n")


# ---- a configuration that repeats ---------------------------------------------------------

def test_a_repeated_configuration_is_a_loop_said_at_once(tm):
    exes, _ = tm(SPIN, COUNT, CALLERS)
    # 5: steps 1-6 walk right onto _, back, and right again; step 7 is step 1 again.
    expected = loop("SPIN", 1, 7, "q1")
    assert run(exes, "SPIN", [10]).result == 0
    for runner in (run, reference):
        assert message(lambda: runner(exes, "SPIN", [5])) == expected
        assert message(lambda: runner(exes, "SPINS", [5])) == expected  # a quiet call
    assert message(lambda: run_quietly(exes["SPIN"], [5], Budget())) == expected
    # 12345: the walk to the end comes first; the loop begins there.
    assert message(lambda: run(exes, "SPIN", [12345])) == loop("SPIN", 11, 17, "q2")


def test_a_composite_that_loops_says_so(tm):
    exes, _ = tm(TWICE)
    expected = loop("TWICE", 2, 4, "q2")
    assert run(exes, "TWICE", [0]).result.number == 0
    assert message(lambda: run(exes, "TWICE", [5])) == expected
    assert message(lambda: reference(exes, "TWICE", [5])) == expected


def test_past_the_steps_kept_a_run_keeps_none_and_still_halts_the_same(machines, tm):
    # Past `keep` steps a frame walks on keeping no step, and records again if it halts.
    exes = machines.executables
    for name, operands in [("ADD", [987654321, 12345]), ("MUL", [123, 45]), ("DIV", [100, 7])]:
        full, short = Budget(), Budget()
        kept = run(exes, name, operands, _budget=full)
        again = run(exes, name, operands, _budget=short, _keep=4)
        assert [s.config for s in again.steps] == [s.config for s in kept.steps]
        assert short.used == full.used
    exes, _ = tm(SPIN, TWICE)
    # A loop found past them is named by the repeat found (not walked back: no steps kept).
    assert message(lambda: run_recorded(exes["SPIN"], [12345], Budget(), keep=4)) == loop("SPIN", 15, 21, "q3")
    assert message(lambda: run(exes, "TWICE", [5], _keep=2)) == loop("TWICE", 2, 4, "q2")


# ---- the step budget spent inside calls ------------------------------------------------------

def test_a_budget_spent_in_calls_names_the_caller_chain(tm):
    exes, _ = tm(GROW)
    expected = (StepBudgetExceeded, "GROW → DOUBLE → ADD: more than 1000 steps in all "
                                    "(raise the budget with --max-steps)")
    for exe in exes.values():
        exe.fast_paths.calls.clear()
    assert message(lambda: run(exes, "GROW", [5], max_steps=1000)) == expected  # quiet calls
    assert message(lambda: run(exes, "GROW", [5], max_steps=1000)) == expected  # from the memo
    assert message(lambda: reference(exes, "GROW", [5], max_steps=1000)) == expected
    assert message(lambda: run(exes, "GROW", [5], max_steps=1)) == (  # in GROW's own step
        StepBudgetExceeded, "GROW: more than 1 steps (raise the budget with --max-steps)")


@pytest.mark.slow
def test_a_run_to_the_budget_keeps_memory_flat(tm):
    # GROW never repeats: every frame of its run to the budget stays under the steps kept.
    import tracemalloc
    exes, _ = tm(GROW, SPIN)
    tracemalloc.start()
    try:
        with pytest.raises(StepBudgetExceeded):
            run(exes, "GROW", [5], max_steps=2_000_000)
        # A basic machine that walks right forever past its operand never repeats either.
        walker = tm(GROW, SPIN, "machine WALK(a)\n  head H on a\n  register R in 0..1\n"
                    "  result R\n  start q0\n  halt qH\n\n"
                    "  q0 (H = 9): R := 0; finish R; -> qH\n  q0 (H = x) if x != 9: move H right; -> q0\n"
                    "  q0 (H = _): move H right; -> q0\n  q0 (H = ^): move H right; -> q0\n")[0]
        with pytest.raises(StepBudgetExceeded):
            run(walker, "WALK", [5], max_steps=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 150 * 2 ** 20, peak

"""The scalable machines — LONG_MUL, LONG_DIV, LONG_MOD — and the helpers they are built from
(MUL_DIGIT, SHIFT_IN, SUB_BORROW, QUOTIENT_DIGITS, REVERSE_MARKED): exact results against
Python integers, canonical digit tapes, step counts that grow as len(a)·len(b), clear errors,
canonical rendering that reads back. The 300-digit cases are in the slow tier (-m slow)."""
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from caef_dsl.align import FAMILIES
from caef.cli import main as caef
from caef_dsl.errors import RequirementFailed
from caef_dsl.interpreter import run
from caef_dsl.render import result_token, step_pairs
from caef_dsl.values import Digits
from support import assert_round_trips

LONG = ["LONG_MUL", "LONG_DIV", "LONG_MOD"]
HELPERS = ["MUL_DIGIT", "SHIFT_IN", "SUB_BORROW", "QUOTIENT_DIGITS", "REVERSE_MARKED"]
FILES = {"LONG_MUL": "long_mul", "LONG_DIV": "long_div", "LONG_MOD": "long_mod",
         "MUL_DIGIT": "mul_digit", "SHIFT_IN": "shift_in", "SUB_BORROW": "sub_borrow",
         "QUOTIENT_DIGITS": "quotient_digits", "REVERSE_MARKED": "reverse_marked"}
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def numbers(max_digits: int, min_value: int = 0):
    """Integers whose length is drawn first, so long operands are as common as short ones."""
    return st.integers(1, max_digits).flatmap(
        lambda n: st.integers(max(min_value, 10 ** (n - 1) if n > 1 else 0), 10 ** n - 1))


def compute(machines, name, *operands):
    return run(machines.executables, name, list(operands)).result


def exact(machines, name, *operands) -> int:
    """The result as a number, after checking it is a canonical tape (no leading zeros)."""
    value = compute(machines, name, *operands)
    assert isinstance(value, Digits), (name, operands, value)
    assert value == Digits.of(value.number), f"{name}{operands} left leading zeros: {value!r}"
    return value.number


def quotient_digits(a: int, b: int) -> int:
    """QUOTIENT_DIGITS's result as a number: the quotient's digits most significant first on
    the tape, then the marker 1."""
    q = a // b
    cells = ("" if q == 0 else str(q)) + "1"
    return int(cells[::-1])


# ---- the files and the machine set -------------------------------------------------------

def test_files_and_names(machines):
    for name, stem in FILES.items():
        assert machines.resolve(stem) == name
    # The aligner's "long" family resolves to these machines.
    assert machines.resolve(FAMILIES["long"]["*"]) == "LONG_MUL"
    assert machines.resolve(FAMILIES["long"]["//"]) == "LONG_DIV"


def test_canonical_rendering(machines):
    """The new machines declare no render lines: they get the canonical rendering."""
    for name in FILES:
        assert machines.machines[name].renders == ()


def test_check_passes(capsys):
    from caef_dsl.machine_set import MACHINES_DIR
    files = [str(MACHINES_DIR / f"{stem}.tm") for stem in FILES.values()]
    assert caef(["check", *files]) == 0
    assert f"ok: {len(files)} file(s) checked" in capsys.readouterr().out


# ---- helpers: small cases and properties --------------------------------------------------

@pytest.mark.parametrize("a,d", [(0, 0), (0, 7), (7, 0), (123, 0), (1, 1), (5, 2), (987, 6),
                                 (99999, 9), (10, 5), (250, 4)])
def test_mul_digit_small(machines, a, d):
    assert exact(machines, "MUL_DIGIT", a, d) == a * d


@FAST
@given(a=numbers(100), d=st.integers(0, 9))
def test_mul_digit(machines, a, d):
    assert exact(machines, "MUL_DIGIT", a, d) == a * d


def test_mul_digit_one_pass(machines):
    a = 10 ** 40 - 1
    trace = run(machines.executables, "MUL_DIGIT", [a, 9])
    assert trace.total_steps() == len(str(a)) + 2


@pytest.mark.parametrize("a,d", [(0, 0), (0, 5), (5, 0), (120, 7), (10, 0), (999, 9), (1, 0)])
def test_shift_in_small(machines, a, d):
    assert exact(machines, "SHIFT_IN", a, d) == 10 * a + d


@FAST
@given(a=numbers(100), d=st.integers(0, 9))
def test_shift_in(machines, a, d):
    assert exact(machines, "SHIFT_IN", a, d) == 10 * a + d


@pytest.mark.parametrize("a,b", [(0, 0), (5, 5), (10, 1), (1000, 999), (1000, 1), (123, 45),
                                 (100, 0), (10 ** 30, 1), (10 ** 30, 10 ** 30 - 1)])
def test_sub_borrow_small(machines, a, b):
    assert exact(machines, "SUB_BORROW", a, b) == a - b


@FAST
@given(x=numbers(100), y=numbers(100))
def test_sub_borrow(machines, x, y):
    a, b = max(x, y), min(x, y)
    assert exact(machines, "SUB_BORROW", a, b) == a - b


@pytest.mark.parametrize("t,expected", [(1, 0), (21, 1), (1021, 120), (1001, 100), (10001, 1000),
                                        (91, 1), (3, 0), (100, 0), (54321, 1234)])
def test_reverse_marked_small(machines, t, expected):
    assert exact(machines, "REVERSE_MARKED", t) == expected


@FAST
@given(t=numbers(100, min_value=1))
def test_reverse_marked(machines, t):
    below = str(t)[1:]  # the digits under the marker, most significant first
    assert exact(machines, "REVERSE_MARKED", t) == int(below[::-1] or "0")


@FAST
@given(a=numbers(60), b=numbers(30, min_value=1))
def test_quotient_digits(machines, a, b):
    assert compute(machines, "QUOTIENT_DIGITS", a, b).number == quotient_digits(a, b)


# ---- LONG_MUL ------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [(0, 0), (0, 5), (5, 0), (123, 0), (0, 123), (1, 1), (12, 305),
                                 (99, 99), (7, 123456), (123456, 7), (10 ** 20, 10 ** 15),
                                 (10 ** 50 - 1, 10 ** 50 - 1)])
def test_long_mul_small(machines, a, b):
    assert exact(machines, "LONG_MUL", a, b) == a * b


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=numbers(100), b=numbers(100))
def test_long_mul(machines, a, b):
    assert exact(machines, "LONG_MUL", a, b) == a * b


def test_long_mul_steps_grow_as_the_product_of_lengths(machines):
    nines = lambda n: 10 ** n - 1  # no zero digit is skipped: the most work for a length
    ratios = []
    for n, m in [(10, 10), (50, 50), (100, 100), (100, 10), (10, 100), (1, 100), (100, 1)]:
        steps = run(machines.executables, "LONG_MUL", [nines(n), nines(m)]).total_steps()
        ratios.append(steps / (n * m))
        # 3·len·len for MUL_DIGIT, ADD and SHIFT_IN over the longer operand, plus the growth
        # of the shifted multiplicand over the shorter one's digits.
        assert steps <= 5 * n * m + 10 * (n + m), (n, m, steps)
    assert max(ratios[:3]) / min(ratios[:3]) < 1.5


def test_long_mul_walks_the_shorter_operand(machines):
    # LESS_THAN picks the multiplier, then one MUL_DIGIT, one ADD and one SHIFT_IN.
    trace = run(machines.executables, "LONG_MUL", [7, 10 ** 100 - 1])
    assert trace.total_calls() == 4 and trace.result.number == 7 * (10 ** 100 - 1)


def test_long_mul_trace_json(capsys):
    a, b = 3 ** 200 % 10 ** 100 + 10 ** 99, 7 ** 150 % 10 ** 100 + 10 ** 99
    assert caef(["trace", "long_mul", str(a), str(b), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["result"] == str(a * b) and out["machine"] == "LONG_MUL"
    assert out["total_steps"] < 50_000 and out["calls"] < 400


# ---- LONG_DIV and LONG_MOD -----------------------------------------------------------------

@pytest.mark.parametrize("a,b", [(0, 1), (0, 7), (5, 1), (7, 7), (6, 7), (1200, 7), (1200, 12),
                                 (99, 99), (7, 123456), (1000, 10), (10 ** 20, 3), (10 ** 30, 10 ** 15),
                                 (999999, 9), (10 ** 40 - 1, 10 ** 20 - 1)])
def test_long_div_mod_small(machines, a, b):
    assert exact(machines, "LONG_DIV", a, b) == a // b
    assert exact(machines, "LONG_MOD", a, b) == a % b


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=numbers(100), b=numbers(100, min_value=1))
def test_long_div(machines, a, b):
    assert exact(machines, "LONG_DIV", a, b) == a // b


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=numbers(100), b=numbers(100, min_value=1))
def test_long_mod(machines, a, b):
    assert exact(machines, "LONG_MOD", a, b) == a % b


@FAST
@given(a=numbers(100), b=numbers(3, min_value=1))
def test_long_div_short_divisors(machines, a, b):
    assert exact(machines, "LONG_DIV", a, b) == a // b


def test_long_div_steps_grow_as_the_product_of_lengths(machines):
    for n, m in [(10, 1), (100, 1), (100, 10), (100, 50), (100, 100), (60, 30)]:
        a, b = 10 ** n - 1, 10 ** (m - 1) + 1  # a quotient digit of 9 at almost every place
        steps = run(machines.executables, "LONG_DIV", [a, b]).total_steps()
        # Per digit of a: SHIFT_IN, at most 9 comparisons and 9 subtractions over ~len(b).
        assert steps <= 20 * n * (m + 4), (n, m, steps)


def test_at_most_nine_subtractions_per_digit(machines):
    trace = run(machines.executables, "QUOTIENT_DIGITS", [99999, 1])
    counts = {}
    for step in trace.steps:
        if step.call is not None:
            counts[step.call.machine.name] = counts.get(step.call.machine.name, 0) + 1
    # 9 comparisons and 9 subtractions per digit: after the 9th, no comparison is needed.
    assert counts == {"SHIFT_IN": 5, "LESS_THAN": 45, "SUB_BORROW": 45}


@pytest.mark.parametrize("name", ["LONG_DIV", "LONG_MOD", "QUOTIENT_DIGITS"])
def test_division_by_zero_is_an_error_at_entry(machines, name):
    with pytest.raises(RequirementFailed, match="division by zero"):
        run(machines.executables, name, [12, 0])


def test_division_by_zero_on_the_command_line(capsys):
    assert caef(["trace", "long_div", "5", "0"]) == 2
    assert "division by zero" in capsys.readouterr().err


@pytest.mark.parametrize("name,operands,message", [
    ("MUL_DIGIT", [5, 12], "one digit"), ("SHIFT_IN", [5, 10], "one digit"),
    ("SUB_BORROW", [3, 4], "a >= b")])
def test_helper_requirements(machines, name, operands, message):
    with pytest.raises(RequirementFailed, match=message):
        run(machines.executables, name, operands)


# ---- rendering reads back ------------------------------------------------------------------

@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=numbers(12), b=numbers(8, min_value=1))
def test_round_trip(machines, a, b):
    for name in LONG:
        assert_round_trips(run(machines.executables, name, [a, b]))


def test_result_token_and_steps(machines):
    trace = run(machines.executables, "LONG_DIV", [1200, 7])
    assert result_token(trace.result) == "171"
    pairs = step_pairs(trace)
    assert pairs[-1][1].splitlines()[0].startswith("LONG_DIV, qH, ")


# ---- the slow tier -------------------------------------------------------------------------

@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.integers(10 ** 299, 10 ** 300 - 1), b=st.integers(10 ** 299, 10 ** 300 - 1))
def test_long_mul_300_digits(machines, a, b):
    assert exact(machines, "LONG_MUL", a, b) == a * b


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.integers(10 ** 299, 10 ** 300 - 1), b=numbers(150, min_value=1))
def test_long_div_mod_300_digits(machines, a, b):
    assert exact(machines, "LONG_DIV", a, b) == a // b
    assert exact(machines, "LONG_MOD", a, b) == a % b

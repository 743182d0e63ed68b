"""Hypothesis strategies for operands: valid (a, b) per machine, by the constraint its own
declaration gives (operand_rules.py), rich in the cases that break arithmetic — carry and
borrow chains (9…9, 10…0, numbers made of 9s and 0s), zeros, equal operands — and shrinking
towards short, small ones.

    from caef_dsl.strategies import operands
    @given(operands("sub", max_digits=30))
    def test_sub(pair): a, b = pair; ...

Used by `caef crosscheck`; imports hypothesis, so nothing else in caef_dsl imports this module.
"""
from __future__ import annotations

from hypothesis import strategies as st

from .align import text_entries
from .api import machines_for
from .formulas import formulas, reads_formulas
from .operand_rules import machine_constraint
from .sampling import highest, lowest

# How a number is drawn; the first shape is what failures shrink to.
SHAPES = ("plain", "nines", "power", "chain", "repeated")


@st.composite
def numbers(draw, min_digits: int = 1, max_digits: int = 20, min_value: int = 0):
    """Non-negative integers of min_digits..max_digits digits, at least `min_value`: uniform,
    9…9, 10…0 (0 for one digit), chains of 9s and 0s under a non-zero top digit, or one digit
    repeated (equal digits make equal prefixes for the comparisons)."""
    n = draw(st.integers(min_digits, max_digits))
    shape = draw(st.sampled_from(SHAPES))
    if shape == "nines":
        value = highest(n)
    elif shape == "power":
        value = lowest(n)
    elif shape == "chain" and n > 1:
        top = draw(st.integers(1, 9))
        rest = draw(st.lists(st.sampled_from("90"), min_size=n - 1, max_size=n - 1))
        value = int(str(top) + "".join(rest))
    elif shape == "repeated" and n > 1:
        value = int(str(draw(st.integers(1, 9))) * n)
    else:  # digit by digit, so that hypothesis can shrink each digit (and the length) to the smallest
        top = draw(st.integers(0 if n == 1 else 1, 9))
        rest = draw(st.lists(st.integers(0, 9), min_size=n - 1, max_size=n - 1))
        value = int(str(top) + "".join(map(str, rest)))
    return max(value, min_value)


def operands(machine: str, max_digits: int = 20, *, min_digits: int = 1, b_cap: int | None = None,
             quotient_cap: int | None = None, machines=None):
    """Valid (a, b) of `machine` (a name or file stem of machines/, or a .tm path) with
    min_digits..max_digits digits each, where the constraint allows (a capped b may be
    shorter); b is None for one-operand machines. The caps of the paper's MUL (b <= 30) and
    DIV (a // b <= 30) apply unless overridden."""
    if not 1 <= min_digits <= max_digits:
        raise ValueError(f"need 1 <= min_digits <= max_digits, got {min_digits}, {max_digits}")
    machines = machines or machines_for(machine)
    name = machines.resolve(machine)
    if reads_formulas(machines, name):  # EVALUATE: expressions of 2-6 operators
        return formulas(max_digits=max_digits).map(lambda formula: (formula.body, None))
    entries = text_entries(machines, name)
    if entries is not None:  # ALIGN, ALIGN_LONG, …: an operator's operands written `A op B=`
        return st.sampled_from(entries).flatmap(lambda entry: operands(
            entry[0], max_digits, min_digits=min_digits, machines=machines).map(
            lambda pair: (f"{pair[0]}{entry[1]}{pair[1]}=", None)))
    c = machine_constraint(machines, name, b_cap=b_cap, quotient_cap=quotient_cap)
    drawn = _within_bounds(c, min_digits, max_digits)
    # the machine's other `require`/`sample` conditions: kept where the interpreter accepts them
    return drawn.filter(lambda pair: c.holds(*pair)) if c.checks else drawn


def _within_bounds(c, min_digits: int, max_digits: int):
    """Pairs that meet the bounds of the constraint `c` (its checks aside)."""
    if c.operands == 1:
        return numbers(min_digits, max_digits).map(lambda a: (a, None))
    if c.b_limit is None:
        b_values = numbers(min_digits, max_digits, c.b_min)
    else:  # a small b (MUL's cap, a single digit): every value in range, shrinking to b_min
        limit = min(c.b_limit, highest(max_digits))
        b_values = st.integers(max(c.b_min, lowest(min(min_digits, len(str(limit))))), limit)
    if c.a_nines:  # a = 9…9 at least as long as b
        return st.tuples(b_values, st.integers(0, max_digits)).map(
            lambda t: (highest(max(len(str(t[0])), min(t[1], max_digits), min_digits)), t[0]))
    if c.quotient_cap is not None:
        return _by_quotient(b_values, c.quotient_cap, min_digits, max_digits)
    # one pair in four has equal operands
    pairs = st.tuples(numbers(min_digits, max_digits), b_values, st.integers(0, 3)).map(
        lambda t: (t[1], t[1]) if t[2] == 3 else t[:2])
    if c.a_at_least_b:
        pairs = pairs.map(lambda t: (max(t), min(t)))
    return pairs


def _by_quotient(b_values, cap: int, min_digits: int, max_digits: int):
    """a = q·b + r with q <= cap and r < b: the quotient is drawn, not hoped for."""
    @st.composite
    def pairs(draw):
        b = draw(b_values)
        top = highest(max_digits)
        q = draw(st.integers(0, min(cap, top // b)))
        r = draw(st.integers(0, min(b - 1, top - q * b)))
        a = max(q * b + r, lowest(min_digits))
        return (a, b) if a // b <= cap else (q * b, b)
    return pairs()

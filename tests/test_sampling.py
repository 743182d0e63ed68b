"""The operand sampler (caef_dsl/sampling.py) and the hypothesis strategies built on the
constraints the machines declare (caef_dsl/strategies.py): counts, distinctness, constraints,
determinism."""
import itertools

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from caef_dsl import load_machines
from caef_dsl.interpreter import run
from caef_dsl.operand_rules import machine_constraint
from caef_dsl.sampling import (Constraint, Permutation, _sum_clamped, capacity, class_pairs, highest,
                               in_class, lowest)
from caef_dsl.strategies import numbers, operands

LIBRARY = load_machines()
CONSTRAINTS = {name: machine_constraint(LIBRARY, name) for name in sorted(LIBRARY.machines)}
TABLE = sorted(CONSTRAINTS.items()) + [("MUL*", machine_constraint(LIBRARY, "MUL", b_cap=12)),
                                       ("DIV*", machine_constraint(LIBRARY, "DIV", quotient_cap=3))]


def brute_force(constraint, la, lb):
    bs = [None] if constraint.operands == 1 else range(lowest(lb), highest(lb) + 1)
    return sum(constraint.holds(a, b) for a in range(lowest(la), highest(la) + 1) for b in bs)


@pytest.mark.parametrize("name, constraint", TABLE, ids=[n for n, _ in TABLE])
def test_capacity_counts_every_valid_pair(name, constraint):
    for la, lb in itertools.product(range(1, 4), repeat=2):
        if la + lb <= 5:
            lb = None if constraint.operands == 1 else lb
            assert capacity(constraint, la, lb) == brute_force(constraint, la, lb), (la, lb)


@given(st.integers(-40, 40).filter(bool), st.integers(-500, 500), st.integers(-60, 60),
       st.integers(0, 80), st.integers(1, 300))
def test_sum_clamped_closed_form(p, s, lo, length, w):
    hi = lo + length - 1
    assert _sum_clamped(p, s, lo, hi, w) == sum(min(max(p * x + s, 0), w) for x in range(lo, hi + 1))


@given(st.integers(1, 400), st.text(max_size=8))
def test_permutation_is_a_bijection(size, key):
    perm = Permutation(size, key)
    assert sorted(perm[i] for i in range(size)) == list(range(size))


@st.composite
def class_requests(draw):
    name, constraint = draw(st.sampled_from(TABLE))
    la = draw(st.integers(1, 6))
    lb = None if constraint.operands == 1 else draw(st.integers(1, 6))
    room = capacity(constraint, la, lb)
    if room == 0:
        return constraint, la, lb, 0, 0, draw(st.text(max_size=5))
    n = draw(st.integers(1, min(room, 60)))
    return constraint, la, lb, n, draw(st.integers(0, n)), draw(st.text(max_size=5))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(class_requests())
def test_class_pairs_distinct_valid_and_deterministic(request):
    constraint, la, lb, n, edges, key = request
    pairs = list(class_pairs(constraint, la, lb, n, edges, key))
    assert len(pairs) == n == len(set(pairs))
    assert all(in_class(constraint, la, lb, a, b) for a, b in pairs)
    assert all(len(str(a)) == la and (lb is None or len(str(b)) == lb) for a, b in pairs)
    assert pairs == list(class_pairs(constraint, la, lb, n, edges, key))


@settings(max_examples=60, deadline=None)
@given(class_requests(), st.data())
def test_reserved_pairs_are_never_drawn(request, data):
    constraint, la, lb, n, edges, key = request
    if n < 2:
        return
    first = list(class_pairs(constraint, la, lb, n, edges, key))
    reserved = frozenset(data.draw(st.lists(st.sampled_from(first), min_size=1, max_size=n // 2)))
    if capacity(constraint, la, lb) - len(reserved) < n:
        n -= len(reserved)
    again = list(class_pairs(constraint, la, lb, n, edges, key, reserved))
    assert len(again) == n and not reserved & set(again)


def test_whole_small_class_is_every_pair():
    pairs = list(class_pairs(Constraint(), 1, 1, 100, 10, "k"))
    assert sorted(pairs) == [(a, b) for a in range(10) for b in range(10)]


def test_seed_changes_the_draw():
    one = list(class_pairs(Constraint(), 8, 8, 50, 0, "0:ADD:8:8"))
    two = list(class_pairs(Constraint(), 8, 8, 50, 0, "1:ADD:8:8"))
    assert one != two and not set(one) & set(two)  # 8-digit pairs: a repeat would be a fluke


@pytest.mark.parametrize("name, la, lb, wanted", [
    ("ADD", 6, 1, (999999, 1)),      # carry through every digit
    ("SUB", 6, 1, (100000, 1)),      # borrow through every digit
    ("ADD", 3, 1, (100, 0)),         # a zero
    ("REFLECTION", 4, 4, (9999, 9999)),
])
def test_edge_cases_come_first(name, la, lb, wanted):
    constraint = CONSTRAINTS.get(name, Constraint())
    assert wanted in list(class_pairs(constraint, la, lb, 40, 9, f"0:{name}:{la}:{lb}"))


def test_edge_share_brings_chains_and_equal_operands():
    pairs = list(class_pairs(Constraint(), 8, 8, 200, 200, "k"))
    assert any(a == b for a, b in pairs)
    assert sum(set(str(a)[1:]) <= {"0", "9"} for a, _ in pairs) > 50


def test_caps_apply_only_where_the_machine_declares_them():
    assert machine_constraint(LIBRARY, "MUL", b_cap=99).b_limit == 99
    assert machine_constraint(LIBRARY, "MUL_DIGIT", b_cap=99).b_limit == 9   # validity, not a cap
    assert machine_constraint(LIBRARY, "ADD", quotient_cap=5) == Constraint()
    assert machine_constraint(LIBRARY, "LEFT_MASK").operands == 1


# ---- strategies --------------------------------------------------------------------------

MACHINES = ["add", "sub", "mul", "div", "equal", "greater_than", "less_than", "reflection",
            "left_mask", "long_mul", "long_div", "sub_borrow", "mul_digit", "shift_in"]


@pytest.mark.parametrize("machine", MACHINES)
def test_operands_are_valid_and_run(machine, machines):
    name = machines.resolve(machine)
    if name not in machines.machines:
        pytest.skip(f"{machine} is not in machines/")
    constraint = machine_constraint(machines, name)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operands(machine, max_digits=5))
    def check(pair):
        a, b = pair
        assert len(str(a)) <= 5 and (b is None or len(str(b)) <= 5)
        assert constraint.holds(a, b)
        run(machines.executables, name, [a] + ([] if b is None else [b]))  # `require`s hold

    check()


@given(numbers(1, 12))
def test_numbers_have_the_asked_lengths(x):
    assert 1 <= len(str(x)) <= 12


def test_numbers_reach_chains_and_zeros():
    from hypothesis import find
    assert set(str(find(numbers(1, 10), lambda x: x > 10 ** 5 and set(str(x)) == {"9"}))) == {"9"}
    assert find(numbers(1, 10), lambda x: x > 10 ** 5 and str(x).endswith("00000")) % 10 ** 5 == 0
    assert find(operands("add", 5), lambda p: p[1] == 0)[1] == 0
    a, b = find(operands("sub", 5), lambda p: p[0] == p[1] and p[0] > 100)
    assert a == b > 100

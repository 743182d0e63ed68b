"""The interpreter computes what Python integers compute, for all nine paper machines."""
from hypothesis import given, settings, strategies as st

from caef_dsl.interpreter import run
from caef_dsl.values import Digits


def numbers(max_digits=60):
    return st.one_of(
        st.integers(0, 10 ** max_digits - 1),
        st.integers(1, max_digits).map(lambda n: 10 ** n - 1),     # 9…9: carry chains
        st.integers(1, max_digits - 1).map(lambda n: 10 ** n),     # 10…0: borrow chains
    )


def result(machines, name, *operands):
    value = run(machines.executables, name, list(operands)).result
    return value.number if isinstance(value, Digits) else value


@settings(max_examples=40, deadline=None)
@given(a=numbers(), b=numbers())
def test_add_equal_compare(machines, a, b):
    assert result(machines, "ADD", a, b) == a + b
    assert result(machines, "EQUAL", a, b) == (a == b)
    assert result(machines, "GREATER_THAN", a, b) == (a > b)
    assert result(machines, "LESS_THAN", a, b) == (a < b)


@settings(max_examples=25, deadline=None)
@given(a=numbers(), b=numbers())
def test_sub(machines, a, b):
    a, b = max(a, b), min(a, b)
    assert result(machines, "SUB", a, b) == a - b


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 60), data=st.data())
def test_reflection_and_left_mask(machines, n, data):
    nines = 10 ** n - 1
    b = data.draw(st.integers(0, nines))
    assert result(machines, "REFLECTION", nines, b) == nines - b
    a = data.draw(numbers())
    assert result(machines, "LEFT_MASK", a) == int(str(a)[1:] or "0")


@settings(max_examples=15, deadline=None)
@given(a=numbers(), b=st.integers(0, 12))
def test_mul_small_b(machines, a, b):
    assert result(machines, "MUL", a, b) == a * b


@settings(max_examples=15, deadline=None)
@given(b=st.integers(1, 10 ** 12), q=st.integers(0, 12), data=st.data())
def test_div_small_quotient(machines, b, q, data):
    a = q * b + data.draw(st.integers(0, b - 1))
    assert result(machines, "DIV", a, b) == a // b

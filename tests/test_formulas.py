"""Expressions of several operators: the syntax check before a run, Python's integers as the
oracle, and EVALUATE (machines/evaluate.tm) held against them on hypothesis-drawn expressions."""
import random

import pytest
from hypothesis import given, settings

from caef_dsl.errors import CaefError
from caef_dsl.formulas import Formula, draw_formula, formula_value, formulas, parse_formula
from caef_dsl.interpreter import run
from caef_dsl.render import renderer


@pytest.mark.parametrize("text, body, value", [("(12+345)*6-78//9=", "(12+345)*6-78//9", 2134),
                                               (" 007 * (1 + 2) ", "7*(1+2)", 21), ("10-3-2", "10-3-2", 5),
                                               ("100//7%3=", "100//7%3", 2)])
def test_a_formula_is_read_and_valued_as_python_reads_it(text, body, value):
    assert parse_formula(text) == Formula(body)
    assert formula_value(text) == value == eval(body)


@pytest.mark.parametrize("text, message", [
    ("1-2=", "1-2=: 1-2 is negative (SUB computes a - b for a >= b only)"),
    ("5//(3-3)", "5//(3-3): 5//0 divides by zero"),
    ("1+", "expected a number or '(' in '1+', found 'the end'"),
    ("(1+2", "a parenthesis is not closed in '(1+2'"),
    ("1++2", "expected a number or '(' in '1++2', found '+'"),
    ("2^3", "not an expression of numbers, + - * // % and parentheses: '2^3'"),
    ("(1+2))", "unexpected ')' in '(1+2))'")])
def test_a_bad_formula_is_one_clear_error(text, message):
    with pytest.raises(CaefError) as error:
        parse_formula(text)
    assert str(error.value) == message


@settings(max_examples=40, deadline=None)
@given(formulas(max_digits=12))
def test_evaluate_computes_what_python_computes(machines, formula):
    assert str(run(machines.executables, "EVALUATE", [formula.body]).result) == str(formula_value(formula.body))


def test_drawn_formulas_keep_every_intermediate_result_a_natural_number():
    rng = random.Random(0)
    for _ in range(200):
        formula = draw_formula(rng, rng.randint(1, 6), 5)
        assert formula_value(formula.body) >= 0 and len(parse_formula(formula.text).body) == len(formula.body)


def test_a_text_tape_takes_characters_and_moved_text(machines):
    """REDUCE copies `+` onto its text tape (`[OUT] +`) and puts a whole value there by name
    (`[OUT] V` in the head view): both read back to the command the interpreter gave."""
    trace = run(machines.executables, "REDUCE", ["12+3*4"])
    exe = trace.machine
    r = renderer(exe)
    view, command_of = r.executor_view("head")
    commands = [(s.config, s.command) for s in trace.steps if s.command is not None]
    texts = [command_of(c) for _, c in commands]
    assert "CMD [OUT] +, [OUT] RIGHT, [H] RIGHT, low" in texts
    assert "CMD [OUT] V, [OUT] RIGHT, rest" in texts
    for config, command in commands:
        read = r.parse_command(config.state, command_of(command))
        assert [a[:2] for a in read] == [a[:2] for a in command]
    assert str(trace.result) == "12+12"

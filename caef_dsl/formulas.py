"""Expressions of several operators, `(12+345)*6-78//9=`: their syntax, drawn examples, and
their value by Python's integers — the oracle EVALUATE (machines/evaluate.tm) is held against.

The machine reads the text and calls the library's operators; nothing here takes part in a
run. `parse_formula` checks a text before a run (as `align.parse_expression` checks `A op B=`),
`draw_formula` draws seeded examples for datasets and evaluations, and `formulas` is the
hypothesis strategy `caef crosscheck` shrinks failures with. Operators: + - * // %, the usual
precedence (* // % before + -, left to right), parentheses; every intermediate result must be
a non-negative integer (SUB takes a >= b) and no divisor zero — a text that breaks this is an
error before the run, naming the operation.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from .errors import CaefError, OperandError

EVALUATOR = "evaluate"  # the machine that evaluates them
OPERATORS = ("+", "-", "*", "//", "%")
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "//": 2, "%": 2}
COMPUTE = {"+": int.__add__, "-": int.__sub__, "*": int.__mul__, "//": int.__floordiv__, "%": int.__mod__}
TOKEN = re.compile(r"\d+|//|[-+*%()]")


class FormulaError(CaefError):
    """Text that is not an expression of numbers, + - * // % and parentheses."""


@dataclass(frozen=True)
class Formula:
    """An expression of several operators; `body` is the text without the closing `=`."""
    body: str

    @property
    def text(self) -> str:
        return f"{self.body}="


def parse_formula(text: str) -> Formula:
    """`text` (spaces and a closing `=` allowed) as a Formula; FormulaError where it is not one,
    OperandError where an operation would leave the non-negative integers."""
    body = "".join(text.split()).removesuffix("=")
    tokens = TOKEN.findall(body)
    if not body or "".join(tokens) != body:
        raise FormulaError(f"not an expression of numbers, + - * // % and parentheses: {text!r}")
    tree, end = _parse(tokens, 0, text)
    if end != len(tokens):
        raise FormulaError(f"unexpected {tokens[end]!r} in {text!r}")
    value(tree, text)
    return Formula(re.sub(r"\d+", lambda m: str(int(m.group())), body))


def _parse(tokens: list[str], at: int, text: str, level: int = 1):
    """Precedence climbing: the tree of tokens[at:] at this level or tighter, and where it ends."""
    if level > 2:
        if at < len(tokens) and tokens[at] == "(":
            tree, at = _parse(tokens, at + 1, text)
            if at >= len(tokens) or tokens[at] != ")":
                raise FormulaError(f"a parenthesis is not closed in {text!r}")
            return tree, at + 1
        if at < len(tokens) and tokens[at].isdigit():
            return int(tokens[at]), at + 1
        found = tokens[at] if at < len(tokens) else "the end"
        raise FormulaError(f"expected a number or '(' in {text!r}, found {found!r}")
    tree, at = _parse(tokens, at, text, level + 1)
    while at < len(tokens) and PRECEDENCE.get(tokens[at]) == level:
        op = tokens[at]
        right, at = _parse(tokens, at + 1, text, level + 1)
        tree = (op, tree, right)
    return tree, at


def value(tree, text: str = "") -> int:
    """The value of a tree (an int, or (operator, left, right)); OperandError at an operation
    outside the non-negative integers."""
    if isinstance(tree, int):
        return tree
    op, left, right = tree
    a, b = value(left, text), value(right, text)
    if op == "-" and a < b:
        raise OperandError(f"{text or render(tree)}: {a}-{b} is negative (SUB computes a - b for a >= b only)")
    if op in ("//", "%") and b == 0:
        raise OperandError(f"{text or render(tree)}: {a}{op}{b} divides by zero")
    return COMPUTE[op](a, b)


def render(tree, parent: int = 0, right: bool = False) -> str:
    """The tree as text, parenthesized where the precedence would otherwise regroup it."""
    if isinstance(tree, int):
        return str(tree)
    op, left, rhs = tree
    inner = render(left, PRECEDENCE[op]) + op + render(rhs, PRECEDENCE[op], right=True)
    return f"({inner})" if PRECEDENCE[op] < parent or (right and PRECEDENCE[op] == parent) else inner


def formula_value(text: str) -> int:
    """What Python's integers make of an expression text."""
    return value(_parse(TOKEN.findall("".join(text.split()).removesuffix("=")), 0, text)[0], text)


def draw_formula(rng: random.Random, operators: int, digits: int) -> Formula:
    """A random expression of `operators` operators and operands of 1..`digits` digits whose
    every intermediate result is a non-negative integer (drawn again until it is)."""
    while True:
        tree = _draw_tree(rng, operators, digits)
        try:
            value(tree)
        except OperandError:
            continue
        return Formula(render(tree))


def _draw_tree(rng: random.Random, operators: int, digits: int):
    if operators == 0:
        n = rng.randint(1, digits)
        return rng.randint(0 if n == 1 else 10 ** (n - 1), 10 ** n - 1)
    left = rng.randint(0, operators - 1)
    return (rng.choice(OPERATORS), _draw_tree(rng, left, digits), _draw_tree(rng, operators - 1 - left, digits))


def reads_formulas(machines, name: str) -> bool:
    """Whether machine `name` (declared) is the evaluator, whose problems are Formulas."""
    return machines.by_file.get(EVALUATOR) == name


def drawn_formulas(seed_key: int, count: int, digits: int, min_operators: int = 1,
                   max_operators: int = 6) -> list[Formula]:
    """`count` seeded Formulas of min..max operators over operands of up to `digits` digits: a
    class of a dataset, or an evaluation."""
    rng = random.Random(seed_key)
    return [draw_formula(rng, rng.randint(min_operators, max_operators), digits) for _ in range(count)]


def formulas(min_operators: int = 2, max_operators: int = 6, max_digits: int = 30):
    """Hypothesis strategy of Formulas: trees of min..max operators over operands of up to
    `max_digits` digits, every intermediate result non-negative; shrinks toward fewer
    operators and smaller operands."""
    from hypothesis import strategies as st

    number = st.integers(0, 10 ** max_digits - 1)

    def trees(operators: int):
        if operators == 0:
            return number
        return st.integers(0, operators - 1).flatmap(
            lambda left: st.tuples(st.sampled_from(OPERATORS), trees(left), trees(operators - 1 - left)))

    def valid(tree) -> bool:
        try:
            value(tree)
            return True
        except OperandError:
            return False

    return (st.integers(min_operators, max_operators).flatmap(trees).filter(valid)
            .map(lambda tree: Formula(render(tree))))

"""Expressions of rules as Python functions: what `+`, `len(x)` or `a < b` compute.

`evaluator(expr)` turns a checked `ast.Expr` into a closure over an environment dict (the
names a rule can read), never into Python source for `eval`. The operator and function tables
are the language's: the checker reads `FUNCTIONS` for names and arities, and evaluates
conditions and divisors with the same closures.
"""
from __future__ import annotations

import operator
from typing import Callable

from . import ast
from .errors import RunError
from .values import Digits, as_number


def _floordiv(a, b):
    if b == 0:
        raise RunError("division by zero in an expression")
    return a // b


def _mod(a, b):
    if b == 0:
        raise RunError("modulo by zero in an expression")
    return a % b


BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "//": _floordiv, "%": _mod,
          "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
          ">": operator.gt, ">=": operator.ge}


def _len(x):
    """The number of digits of the number x spells (a tape's leading zeros do not count)."""
    return len(x.rstrip("0")) or 1 if isinstance(x, Digits) else len(str(x))


def _fill(digit, count):
    digit, count = as_number(digit), as_number(count)
    if not 0 <= digit <= 9 or count < 0:
        raise RunError(f"fill({digit}, {count}): needs a digit and a non-negative count")
    return Digits(str(digit) * count)


FUNCTIONS = {"len": (1, _len), "fill": (2, _fill)}


def evaluator(expr: ast.Expr) -> Callable[[dict], object]:
    """An expression as a closure over an environment dict (never Python `eval`)."""
    if isinstance(expr, (ast.Int, ast.Bool)):
        value = expr.value
        return lambda env: value
    if isinstance(expr, ast.Name):
        name = expr.name
        return lambda env: env[name]
    if isinstance(expr, ast.Neg):
        inner = evaluator(expr.operand)
        return lambda env: -as_number(inner(env))
    if isinstance(expr, ast.Not):
        inner = evaluator(expr.operand)
        return lambda env: not inner(env)
    if isinstance(expr, ast.Binary):
        fn, left, right = BINARY[expr.op], evaluator(expr.left), evaluator(expr.right)
        return lambda env: fn(as_number(left(env)), as_number(right(env)))
    if isinstance(expr, ast.Logic):
        parts = [evaluator(e) for e in expr.operands]
        if expr.op == "and":
            return lambda env: all(p(env) for p in parts)
        return lambda env: any(p(env) for p in parts)
    if isinstance(expr, ast.Function):
        _, fn = FUNCTIONS[expr.name]
        args = [evaluator(a) for a in expr.args]
        return lambda env: fn(*[a(env) for a in args])
    raise TypeError(f"not an expression: {expr!r}")

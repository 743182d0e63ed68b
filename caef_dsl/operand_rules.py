"""What operands a machine accepts, read from its own declaration: the `Constraint` that
`compile`, `eval`, `crosscheck` and the demo draw under.

A machine's `require` lines check its operands at run time; the same lines shape its draws.
The forms the sampler can draw inside directly become bounds of the `Constraint`:

    a >= b (or b <= a)           the first operand at least the second
    b <= N, b >= N, b > N, b != 0  bounds on the second operand
    a == fill(9, len(a))         a is 9…9

(`a`, `b` stand for the names the machine declares.) Any other condition becomes a `Check`:
pairs are drawn from the bounds and kept where the interpreter's own evaluation of the
condition holds. `sample` lines shape the draws the same way and are never checked at run
time; their `b <= N` and `a // b <= N` are the caps `--max-b` / `--max-quotient` replace.
"""
from __future__ import annotations

from dataclasses import replace

from . import ast
from .describe import _expr as written  # an expression as a .tm file writes it
from .errors import RunError
from .expressions import evaluator
from .sampling import Constraint
from .values import Digits


class Check(str):
    """A condition the sampler does not read as a bound, written out (`(a % 2) == 0`);
    `accepts(a, b)` evaluates it as the machine's `require` does when it runs."""

    def __new__(cls, text: str, machine: str, names: tuple[str, ...], condition: ast.Expr):
        check = super().__new__(cls, text)
        check.machine, check.names, check.condition = machine, names, condition
        check.test = evaluator(condition)
        return check

    def __reduce__(self):  # copies and pickles are built again: the evaluator is a closure
        return Check, (str(self), self.machine, self.names, self.condition)

    def accepts(self, a: int, b: int | None) -> bool:
        env = {name: Digits.of(value) for name, value in zip(self.names, (a, b))}
        try:
            return bool(self.test(env))
        except RunError:  # `a // b` with b = 0: the machine refuses these operands too
            return False


def _conjuncts(expr: ast.Expr) -> list[ast.Expr]:
    """`x and y` as its parts: each part is read on its own."""
    if isinstance(expr, ast.Logic) and expr.op == "and":
        return [part for operand in expr.operands for part in _conjuncts(operand)]
    return [expr]


def _name(expr: ast.Expr) -> str | None:
    return expr.name if isinstance(expr, ast.Name) else None


def _int(expr: ast.Expr) -> int | None:
    return expr.value if isinstance(expr, ast.Int) else None


def _bound(expr: ast.Expr, a: str, b: str) -> dict | None:
    """The Constraint fields a validity condition sets, or None for a form read otherwise."""
    if not isinstance(expr, ast.Binary):
        return None
    op, left, right = expr.op, expr.left, expr.right
    names, number = (_name(left), _name(right)), _int(right)
    if (op, names) in ((">=", (a, b)), ("<=", (b, a))):
        return {"a_at_least_b": True}
    if names[0] == b and number is not None:
        return {"<=": {"b_max": number}, ">=": {"b_min": number}, ">": {"b_min": number + 1},
                "!=": {"b_min": 1} if number == 0 else None}.get(op)
    if op == "==" and names[0] == a and written(right) == f"fill(9, len({a}))":
        return {"a_nines": True}
    return None


def _cap(expr: ast.Expr, a: str, b: str) -> dict | None:
    """The cap a `sample` condition sets: `b <= N` or `a // b <= N`, or None."""
    if not (isinstance(expr, ast.Binary) and expr.op == "<=" and _int(expr.right) is not None):
        return None
    left, number = expr.left, expr.right.value
    if _name(left) == b:
        return {"b_cap": number}
    if (isinstance(left, ast.Binary) and left.op == "//"
            and (_name(left.left), _name(left.right)) == (a, b)):
        return {"quotient_cap": number}
    return None


def _sampled(expr: ast.Expr, a: str, b: str) -> dict | None:
    """A `sample` condition: a cap, or any bound a `require` could set."""
    return _cap(expr, a, b) or _bound(expr, a, b)


def _merge(fields: dict, found: dict) -> None:
    """Add the bounds `found` to `fields`: the tighter of two bounds on the same side."""
    for key, value in found.items():
        if key == "b_min":
            fields[key] = max(fields.get(key, 0), value)
        elif key in ("b_max", "b_cap", "quotient_cap") and fields.get(key) is not None:
            fields[key] = min(fields[key], value)
        else:
            fields[key] = value


def constraint_of(machine: ast.Machine, *, b_cap: int | None = None,
                  quotient_cap: int | None = None) -> Constraint:
    """The operands `machine` accepts, from its `require` and `sample` lines, with its caps,
    where it declares them, replaced by `b_cap` / `quotient_cap`."""
    names = machine.operands
    fields: dict = {"operands": len(names)}
    checks: list[Check] = []
    conditions = ([(c, _bound) for r in machine.requires for c in _conjuncts(r.condition)]
                  + [(c, _sampled) for s in machine.samples for c in _conjuncts(s.condition)])
    for condition, read in conditions:
        found = read(condition, *names) if len(names) == 2 else None
        # the sampler counts a >= b or a quotient cap, not both: the second is checked instead
        clash = {"a_at_least_b", "quotient_cap"} <= set(fields) | set(found or ())
        if found is None or clash:
            checks.append(Check(written(condition), machine.name, names, condition))
        else:
            _merge(fields, found)
    if b_cap is not None and fields.get("b_cap") is not None:
        fields["b_cap"] = b_cap
    if quotient_cap is not None and fields.get("quotient_cap") is not None:
        fields["quotient_cap"] = quotient_cap
    return replace(Constraint(**fields), checks=tuple(checks))


def machine_constraint(machines, name: str, *, b_cap: int | None = None,
                       quotient_cap: int | None = None) -> Constraint:
    """`constraint_of` the declared machine `name` of the MachineSet `machines`."""
    return constraint_of(machines.machines[name], b_cap=b_cap, quotient_cap=quotient_cap)

"""The syntax tree of a .tm file: frozen dataclasses, each with its source position.

`syntax.py` builds these from the lark parse tree; `check.py` validates them; `executable.py`
turns them into closures. Nothing here computes anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


NOWHERE = Pos(0, 0)


# ---- expressions -------------------------------------------------------------------------

@dataclass(frozen=True)
class Int:
    value: int
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Bool:
    value: bool
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Name:
    name: str
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Neg:
    operand: "Expr"
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Not:
    operand: "Expr"
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Binary:
    """Arithmetic (`+ - * // %`) or comparison (`== != < <= > >=`)."""
    op: str
    left: "Expr"
    right: "Expr"
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Logic:
    """`and` / `or` over two or more operands, short-circuit."""
    op: str
    operands: tuple["Expr", ...]
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Function:
    """A built-in function: `len(x)` (number of digits) or `fill(d, n)` (n copies of digit d)."""
    name: str
    args: tuple["Expr", ...]
    pos: Pos = NOWHERE


Expr = Int | Bool | Name | Neg | Not | Binary | Logic | Function


def children(expr: Expr) -> tuple[Expr, ...]:
    """The sub-expressions of an expression."""
    if isinstance(expr, (Neg, Not)):
        return (expr.operand,)
    if isinstance(expr, Binary):
        return (expr.left, expr.right)
    if isinstance(expr, Logic):
        return expr.operands
    if isinstance(expr, Function):
        return expr.args
    return ()


def free_names(expr: Expr) -> set[str]:
    """The names an expression reads."""
    if isinstance(expr, Name):
        return {expr.name}
    return set().union(*(free_names(c) for c in children(expr)))


# ---- rules -------------------------------------------------------------------------------

# What a head or read output can read: the start, the blank, digits, and the other characters
# of a text tape (`text t`: an expression such as `45+67=`, read as written).
TEXT_CHARACTERS = tuple("+-*/%=<>()")
SYMBOLS = ("^", "_") + tuple("0123456789") + TEXT_CHARACTERS


@dataclass(frozen=True)
class Pattern:
    """What one head must read. kind: bind (any digit, named), digit, blank (`_`, past the
    end), start (`^`, before the first cell), any (`*`), characters (`"+-"`: any one of them,
    on a text tape)."""
    head: str
    kind: str
    value: str | int | None = None
    pos: Pos = NOWHERE

    def accepts(self, symbol: str) -> bool:
        """Whether the pattern matches a head reading `symbol` (one of SYMBOLS)."""
        if self.kind == "bind":
            return symbol.isdigit()
        if self.kind == "digit":
            return symbol == str(self.value)
        if self.kind == "characters":
            return symbol in self.value
        return self.kind == "any" or symbol == {"blank": "_", "start": "^"}[self.kind]


@dataclass(frozen=True)
class Let:
    name: str
    expr: Expr
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Assign:
    register: str
    expr: Expr
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Put:
    expr: Expr
    output: str
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Move:
    target: str
    direction: str  # "left" | "right"
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Finish:
    target: str
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class CallMachine:
    machine: str
    args: tuple[Expr, ...]
    result: str
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Goto:
    target: str
    condition: Expr | None = None
    otherwise: str | None = None
    pos: Pos = NOWHERE


Action = Let | Assign | Put | Move | Finish | CallMachine | Goto


@dataclass(frozen=True)
class Rule:
    state: str
    patterns: tuple[Pattern, ...]
    condition: Expr | None
    actions: tuple[Action, ...]
    pos: Pos = NOWHERE

    @property
    def goto(self) -> Goto | None:
        last = self.actions[-1] if self.actions else None
        return last if isinstance(last, Goto) else None


# ---- rendering ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    text: str
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Ref:
    """An element rendered into a state line: `NAME`, `view(NAME)`, optionally `or "text"`
    when the rendering is empty."""
    name: str
    view: str | None = None
    fallback: str | None = None
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class StateName:
    """The name of the current state, in a render shared by several states."""
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Render:
    states: tuple[str, ...]
    items: tuple[Text | Ref | StateName, ...]
    pos: Pos = NOWHERE


# ---- declarations ------------------------------------------------------------------------

@dataclass(frozen=True)
class Head:
    name: str
    operand: str
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Register:
    name: str
    domain: tuple[int, int] | None = None
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Output:
    name: str
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class TextTape:
    """`text NAME`: the operand or output NAME holds characters as written (`45+67=`), not a
    number's digits least significant first."""
    name: str
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Require:
    condition: Expr
    message: str
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Sample:
    """`sample <condition>`: what the draws of compile/eval/crosscheck meet (a cap that keeps
    traces short), never checked at run time."""
    condition: Expr
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Machine:
    name: str
    operands: tuple[str, ...]
    heads: tuple[Head, ...] = ()
    registers: tuple[Register, ...] = ()
    outputs: tuple[Output, ...] = ()
    result: str | None = None
    start: str | None = None
    halt: str | None = None
    requires: tuple[Require, ...] = ()
    texts: tuple[TextTape, ...] = ()
    samples: tuple[Sample, ...] = ()
    command_prefix: str | None = None
    rules: tuple[Rule, ...] = ()
    renders: tuple[Render, ...] = ()
    path: str = "<string>"
    source: str = field(default="", repr=False, compare=False)
    pos: Pos = NOWHERE
    # Positions of the single-valued declarations, for diagnostics.
    decl_pos: tuple[tuple[str, Pos], ...] = ()

    def position_of(self, decl: str) -> Pos:
        return dict(self.decl_pos).get(decl, self.pos)

    @property
    def states(self) -> list[str]:
        """Every state the machine names, in order of first mention."""
        seen: dict[str, None] = {}
        for state in (self.start, *(r.state for r in self.rules), self.halt):
            if state:
                seen.setdefault(state, None)
        for rule in self.rules:
            for action in rule.actions:
                if isinstance(action, Goto):
                    seen.setdefault(action.target, None)
                    if action.otherwise:
                        seen.setdefault(action.otherwise, None)
        return list(seen)

    @property
    def calls(self) -> set[str]:
        return {a.machine for r in self.rules for a in r.actions if isinstance(a, CallMachine)}

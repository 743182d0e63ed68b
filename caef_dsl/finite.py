"""Machines → their head views: what a machine's finite control reads, and a proof that it is
bounded (or the rules that make it not).

A head view (docs/design.md, "The head view is the finite control") shows the state and what that
state's rules read: the symbols under the heads and read outputs they test, and the values
their conditions and computed values use — nothing else, so that a decision's view holds only
what the decision depends on. The runtime holds every number (operand tapes, number-valued registers); the model that
executes a machine only decides. For that, every value the view shows must be bounded:

  bounded   a register declared with a range (`register C in 0..1`), or one that only ever
            holds literals, digits, True/False or the result of a machine whose result is
            bounded (LESS_THAN's). Shown as its value.
  number    an operand, or a register that holds a whole number (a call's digits, an operand
            moved into it). Not shown, unless a rule tests it against 0 (`if b != 0`): then as
            `0` or `+` (`-` while unset), which is all such a test reads.

What keeps a view finite, checked rule by rule:
  - a value that moves a number names its source: `OUTPUT := a` is written `[OUTPUT] a` in the
    head view's command, and the runtime reads `a` at the rule's site — as `[CALL] ADD` takes
    its arguments from the call site (call arguments are the runtime's, any expression);
  - conditions, `let`, `put` and computed values read bounded values, and numbers only in a
    test against 0;
  - an unranged register gets no arithmetic (a counter needs a declared range).
A rule that breaks one of these is reported (`caef check` warns, with file:line:col and why);
its machine still runs, and its head view then spells the numbers the rules read (as digits),
so it trains and runs at the lengths it was trained on but cannot generalize past them.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import ast
from .errors import Diagnostic, source_line

ARITHMETIC = ("+", "-", "*", "//", "%")
ZERO_TESTS = ("==", "!=", ">", "<")  # X == 0, X != 0, X > 0, 0 < X


@dataclass(frozen=True)
class Shown:
    """One value of a head view: `how` is "value" (bounded: as it is), "zero" (a number as
    `0`, `+`, or `-` unset) or "digits" (a number spelled out: the view is not finite)."""
    name: str
    how: str


@dataclass(frozen=True)
class RuleReads:
    """What one rule reads: its patterns, the heads its expressions read by name, and the
    values (operands, registers) its condition and computed values read."""
    patterns: tuple[ast.Pattern, ...]
    heads: frozenset[str]
    values: frozenset[str]


@dataclass(frozen=True)
class StateView:
    """The rules of one state as the head view reads them. A reader is shown only where a
    rule still in question tests it, in declaration order: ADD's q1 shows both heads,
    SUB_BORROW's q1 shows its output tape only once both heads read `_`. A value is shown
    where a rule still in question reads it, as `how` says."""
    rules: tuple[RuleReads, ...]
    how: dict[str, str]   # value → "value" / "zero" / "digits"

    def select(self, readers: list[str], symbols: tuple[str, ...], names: list[str]):
        """(readers shown, values shown) for a configuration whose `readers` read `symbols`;
        `names` is the machine's operands then registers, the order values are shown in."""
        candidates, shown = list(self.rules), []
        for reader, symbol in zip(readers, symbols):
            tests = [any(p.head == reader for p in r.patterns) or reader in r.heads for r in candidates]
            if any(tests):
                shown.append(reader)
                candidates = [r for r in candidates
                              if all(p.accepts(symbol) for p in r.patterns if p.head == reader)]
        read = set().union(*(r.values for r in candidates))
        return tuple(shown), tuple(Shown(n, self.how[n]) for n in names if n in read)


@dataclass(frozen=True)
class HeadView:
    """One machine's head view: per state, what its rules read; and why it is not finite (no
    problems: it is)."""
    machine: str
    states: dict[str, StateView]
    problems: tuple[Diagnostic, ...] = ()

    @property
    def finite(self) -> bool:
        return not self.problems


def head_views(machines: dict[str, ast.Machine]) -> dict[str, HeadView]:
    """The head view of every machine of a checked set (calls resolve within it)."""
    numbers = number_registers(machines)
    return {name: _Analysis(m, numbers[name]).view() for name, m in machines.items()}


def number_registers(machines: dict[str, ast.Machine]) -> dict[str, set[str]]:
    """Per machine, its registers that can hold a whole number (the others are bounded).
    A fixed point, growing from none: a call's result is a number when the callee's is."""
    numbers: dict[str, set[str]] = {name: set() for name in machines}
    changed = True
    while changed:
        changed = False
        for name, m in machines.items():
            found = {r.name for r in m.registers
                     if r.domain is None and _holds_number(m, r.name, machines, numbers)}
            if found != numbers[name]:
                numbers[name], changed = found, True
    return numbers


def _holds_number(m: ast.Machine, register: str, machines: dict[str, ast.Machine],
                  numbers: dict[str, set[str]]) -> bool:
    operands, own = set(m.operands), numbers[m.name]
    for rule in m.rules:
        lets: dict[str, bool] = {}
        for action in rule.actions:
            if isinstance(action, ast.Let):
                lets[action.name] = _unbounded(action.expr, operands, own, lets)
            elif isinstance(action, ast.Assign) and action.register == register:
                if _unbounded(action.expr, operands, own, lets) or _computes(action.expr):
                    return True
            elif isinstance(action, ast.CallMachine) and action.result == register:
                callee = machines.get(action.machine)
                # a callee returns a number from an output tape or from a number register
                if (callee is None or callee.result not in {r.name for r in callee.registers}
                        or callee.result in numbers[callee.name]):
                    return True
    return False


def _unbounded(expr: ast.Expr, operands: set[str], numbers: set[str], lets: dict[str, bool]) -> bool:
    """Whether `expr` can be a whole number: it is one, or computes with one (comparisons and
    logic give True/False whatever they read)."""
    if isinstance(expr, ast.Name):
        return expr.name in operands or expr.name in numbers or lets.get(expr.name, False)
    if isinstance(expr, (ast.Not, ast.Logic)) or (isinstance(expr, ast.Binary) and expr.op not in ARITHMETIC):
        return False
    if isinstance(expr, ast.Function):
        return expr.name == "len" or any(_unbounded(a, operands, numbers, lets) for a in expr.args)
    return any(_unbounded(c, operands, numbers, lets) for c in ast.children(expr))


def _computes(expr: ast.Expr) -> bool:
    """Arithmetic anywhere in `expr`: an unranged register it sets could count without bound."""
    if isinstance(expr, ast.Binary) and expr.op in ARITHMETIC or isinstance(expr, ast.Neg):
        return True
    return any(_computes(c) for c in ast.children(expr))


def moved_name(machine: ast.Machine, action: ast.Assign | ast.Put) -> str | None:
    """The operand or register an assignment moves by name (`OUTPUT := a`), or a put moves
    whole onto a text tape (`put S on TEXT`: the characters of S), if it does."""
    expr = action.expr
    if isinstance(action, ast.Put) and action.output not in {t.name for t in machine.texts}:
        return None  # a put on a number's tape writes one digit, as computed
    declared = set(machine.operands) | {r.name for r in machine.registers}
    return expr.name if isinstance(expr, ast.Name) and expr.name in declared else None


class _Analysis:
    """One machine's head view, from its rules, state by state."""

    def __init__(self, m: ast.Machine, numbers: set[str]):
        self.m, self.numbers = m, numbers
        self.heads = {h.name for h in m.heads}
        self.problems: list[Diagnostic] = []
        self.how: dict[str, dict[str, str]] = {}  # per state: value → how it is shown

    def problem(self, pos: ast.Pos, message: str) -> None:
        self.problems.append(Diagnostic(self.m.path, pos.line, pos.column, f"head view not finite: {message}",
                                        source_line(self.m.source, pos.line), "warning"))

    def view(self) -> HeadView:
        rules: dict[str, list[RuleReads]] = {}
        for rule in self.m.rules:
            rules.setdefault(rule.state, []).append(self.rule(rule))
        states = {state: StateView(tuple(reads), self.how[state]) for state, reads in rules.items()}
        return HeadView(self.m.name, states, tuple(self.problems))

    def is_number(self, name: str, lets: dict[str, bool]) -> bool:
        return name in self.m.operands or name in self.numbers or lets.get(name, False)

    def rule(self, rule: ast.Rule) -> RuleReads:
        m, lets = self.m, {}
        how = self.how.setdefault(rule.state, {})
        values, heads = set(), set()
        ranged = {r.name for r in m.registers if r.domain is not None}

        def reads(expr: ast.Expr, pos: ast.Pos, what: str, counter: str | None = None,
                  into: str | None = None) -> None:
            found: list[tuple[ast.Pos, str]] = []
            read = self._walk(expr, lets, found, how)
            values.update(read)
            heads.update(n for n in ast.free_names(expr) if n in self.heads)
            if counter is not None and {w for _, w in found} <= {f"the number {counter}"}:
                self.problem(pos, f"{counter} is computed without a declared range: declare one "
                                  f"(register {counter} in LO..HI)")
            elif found:
                where = next((p for p, _ in found if p.line), pos)
                fix = suggestion(expr, lambda n: self.is_number(n, lets), into)
                self.problem(where, f"{what} reads {' and '.join(dict.fromkeys(w for _, w in found))}: {fix}")

        if rule.condition is not None:
            reads(rule.condition, rule.pos, "the condition")
        for action in rule.actions:
            if isinstance(action, ast.Let):
                reads(action.expr, action.pos, f"let {action.name}", into="R")
                lets[action.name] = _unbounded(action.expr, set(m.operands), self.numbers, lets)
            elif isinstance(action, ast.Put):
                if moved_name(m, action) is None:  # else a move onto a text tape: the view names it
                    reads(action.expr, action.pos, f"the digit put on {action.output}")
            elif isinstance(action, ast.Assign):
                source = moved_name(m, action)
                if source is None:
                    computed = action.register not in ranged and _computes(action.expr)
                    reads(action.expr, action.pos, f"the value of {action.register}",
                          action.register if computed else None, into=action.register)
                elif action.register in ranged and self.is_number(source, lets):
                    self.problem(action.pos, f"{action.register} is declared with a range but gets the "
                                             f"number {source}")
                # else a move: the runtime carries the value, the view names it
            elif isinstance(action, ast.Goto) and action.condition is not None:
                # The runtime decides it after the actions (the command names the first target),
                # so the view need not show what it reads; but the runtime must not read numbers.
                found: list = []
                self._walk(action.condition, lets, found, {})
                if found:
                    fix = suggestion(action.condition, lambda n: self.is_number(n, lets), "R", action)
                    self.problem(found[0][0] if found[0][0].line else action.pos,
                                 f"the condition of the goto reads {found[0][1]}: {fix}")
        return RuleReads(rule.patterns, frozenset(heads), frozenset(values))

    def _walk(self, expr: ast.Expr, lets: dict[str, bool], found: list, how: dict[str, str]) -> set[str]:
        """The values `expr` reads, with how each is shown noted in `how` ("digits", not
        finite, wins over "zero"). A number read other than in a test against 0 goes to
        `found`; a let computed from a number was reported at its own expression."""
        zero = _zero_test(expr)
        if zero is not None and self.is_number(zero, lets):
            if zero in lets:
                return set()
            how.setdefault(zero, "zero")
            return {zero}
        if isinstance(expr, ast.Name):
            name = expr.name
            if self.is_number(name, lets):
                if name in lets:
                    return set()
                how[name] = "digits"
                found.append((expr.pos, f"the number {name}"))
                return {name}
            if any(r.name == name for r in self.m.registers):
                how[name] = "value"
                return {name}
            return set()
        if isinstance(expr, ast.Function) and expr.name == "len":
            read = {n for n in ast.free_names(expr) if self.is_number(n, lets) and n not in lets}
            how.update((n, "digits") for n in read)
            found += [(expr.pos, f"the length of {name}") for name in sorted(read)]
            return read
        return set().union(*(self._walk(c, lets, found, how) for c in ast.children(expr)))


# The library machine that decides a comparison of numbers (its result register, and whether
# the test then negates it), and the one that computes an arithmetic operator.
COMPARED_BY = {"<": ("LESS_THAN", "LT", ""), ">=": ("LESS_THAN", "LT", "not "),
               ">": ("GREATER_THAN", "GT", ""), "<=": ("GREATER_THAN", "GT", "not "),
               "==": ("EQUAL", "EQ", ""), "!=": ("EQUAL", "EQ", "not ")}
COMPUTED_BY = {"+": "ADD", "-": "SUB", "*": "LONG_MUL", "//": "LONG_DIV", "%": "LONG_MOD"}


def suggestion(expr: ast.Expr, is_number, into: str | None, goto: ast.Goto | None = None) -> str:
    """What fits the expression that reads a number: heads for lengths and digits, a compare
    machine for a comparison, an arithmetic machine for a computed value, a move for a copy.
    `is_number(name)`: whether a name holds a whole number; `into`: the register the value goes
    to (None: a digit put on an output); `goto`: the conditional goto `expr` decides."""
    nodes = list(_nodes(expr))
    reads = [n for n in nodes if isinstance(n, ast.Name) and is_number(n.name)]
    lengths = list(dict.fromkeys(n.name for f in nodes if isinstance(f, ast.Function) and f.name == "len"
                                 for n in _nodes(f) if isinstance(n, ast.Name) and is_number(n.name)))
    if len(lengths) > 1:
        return (f"compare the lengths with heads: a head on each of {' and '.join(lengths)}, moved "
                f"together, and a rule for which reads _ first")
    if lengths:
        return f"measure {lengths[0]} with a head on it (head H on {lengths[0]}), moved until it reads _"
    uses = {n.name for n in reads}

    def reading(e):
        return any(isinstance(n, ast.Name) and n.name in uses for n in _nodes(e))
    for node in nodes:  # a digit of a number (a % 10, a // 10): what a head reads
        if isinstance(node, ast.Binary) and node.op in ("%", "//") and isinstance(node.right, ast.Int) \
                and node.right.value == 10 and reading(node.left):
            return _digits_by_head(node.left)
    for node in nodes:
        if isinstance(node, ast.Binary) and node.op in COMPARED_BY and reading(node):
            machine, result, negate = COMPARED_BY[node.op]
            then = f"test {negate}{result}"
            if goto is not None:
                targets = (goto.target, goto.otherwise)[::-1 if negate else 1]
                then = f"go on it (-> {targets[0]} if {result} else {targets[1]})"
            return (f"decide through a call whose result goes to a register: call {machine}"
                    f"({_shown(node.left)}, {_shown(node.right)}) -> {result}, then {then}")
    for node in nodes:
        if isinstance(node, ast.Binary) and node.op in COMPUTED_BY and reading(node):
            return (f"compute it with a call whose result goes to a register: call {COMPUTED_BY[node.op]}"
                    f"({_shown(node.left)}, {_shown(node.right)}) -> {into or 'R'}")
    if isinstance(expr, ast.Name) and into is not None:
        return f"move {expr.name} by name where it is needed ({into} := {expr.name}): the runtime carries a moved number"
    return _digits_by_head(reads[0]) if reads else "test a number against 0 only"


def _digits_by_head(expr: ast.Expr) -> str:
    name = _shown(expr)
    return f"read the digits of {name} with a head on it (head H on {name}): a rule tests the digit under it"


def _shown(expr: ast.Expr) -> str:
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.Int):
        return str(expr.value)
    return "…"


def _nodes(expr: ast.Expr):
    """`expr` and every expression inside it, outermost first."""
    yield expr
    for child in ast.children(expr):
        yield from _nodes(child)


def _zero_test(expr: ast.Expr) -> str | None:
    """The name `expr` tests against 0 (`X == 0`, `X != 0`, `X > 0`, `0 < X`, either side), if any."""
    if not isinstance(expr, ast.Binary) or expr.op not in ZERO_TESTS:
        return None
    left, right = expr.left, expr.right
    if isinstance(right, ast.Int) and right.value == 0 and isinstance(left, ast.Name) and expr.op != "<":
        return left.name
    if isinstance(left, ast.Int) and left.value == 0 and isinstance(right, ast.Name) and expr.op != ">":
        return right.name
    return None

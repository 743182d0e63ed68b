"""The reference interpreter: the only place where a transition is computed.

A checked `ast.Machine` is compiled once into an `Executable` (rules as closures, dispatch
cached per state and symbols read). `run` fires one rule per step; firing a rule *decides* a
`Command` (a tuple of resolved actions, values already computed) and `apply` carries it out.
`apply` is the action code shared with the model runtime, which applies commands written by a
language model to the same configurations without ever consulting the rules.

Data passed between stages:
  Configuration  state, operand tapes, head positions, registers, output tapes, finished set
  Command        tuple of actions: ("set", R, v) ("put", O, d) ("move", X, ±1) ("finish", X)
                 ("call", CallSite) ("goto", q) ("goto", GotoSite); ("set", R, v, N) moves the
                 value of operand or register N (`R := N`): the head view names N, not v
  Trace          the machine, its Steps (configuration, command, callee trace) and the result
  QuietTrace     a call's trace as its first step and halting configuration only; the steps
                 between are run again, on first reading, by the same code
  Effect         what a step of a machine whose rules read no operand does, computed once by
                 `apply` per state, symbols read and registers; runs take it (`advance`)
                 instead of interpreting the command again
  Sweeps         per machine, the table a quiet run walks in C while heads only move right:
                 node (state, registers, digit written) --symbols read--> next node
"""
from __future__ import annotations

import operator
from itertools import accumulate, islice, takewhile, zip_longest
from operator import getitem
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, NamedTuple

from . import ast
from .finite import moved_name
from .errors import (CallDepthExceeded, NoRuleFires, OperandError, RequirementFailed, RunError,
                     StepBudgetExceeded)
from .values import Digits, as_number, barred, operand

DEFAULT_MAX_STEPS = 10_000_000
DEFAULT_MAX_DEPTH = 32
DECISION_CACHE_LIMIT = 200_000
CALL_MEMO_SIZE = 512
CALL_MEMO_DIGITS = 16  # calls whose operands hold more digits in all are not memoized
_CALLS: "OrderedDict[tuple, Trace]" = OrderedDict()


# ---- configurations ----------------------------------------------------------------------

class OutputTape(NamedTuple):
    """Digits written so far (committed), the digit under the head not yet moved past
    (pending), and the committed digits in the paper's barred form, kept incrementally."""
    cells: str = ""
    pending: str | None = None
    barred: str = ""

    def symbol(self) -> str:
        # An output head reads the last digit written: machines that trim (LEFT_MASK) need it.
        return self.cells[-1] if self.cells else "^"

    def value(self) -> Digits:
        cells = self.cells + self.pending if self.pending not in (None, "0") else self.cells
        return Digits(cells or "0")

    def appended(self, digits: str) -> "OutputTape":
        """The tape with `digits` committed after its cells, the head past them."""
        return OutputTape(self.cells + digits, None, self.barred + barred(digits))


def output_action(exe: "Executable", outputs: list, action: tuple) -> None:
    """Carry out a put, move or finish on an output tape of `outputs`, in place."""
    kind, name = action[0], action[1]
    i = exe.output_index[name]
    tape = outputs[i]
    if kind == "put":
        outputs[i] = OutputTape(tape.cells, action[2], tape.barred)
    elif kind == "finish":
        # The digit under the head counts only when non-zero: a number has no leading 0.
        outputs[i] = (tape.appended(tape.pending) if tape.pending not in (None, "0")
                      else OutputTape(tape.cells, None, tape.barred))
    elif action[2] > 0:
        if tape.pending is None:
            raise RunError(f"{exe.name}: moved {name} right without writing a digit")
        outputs[i] = tape.appended(tape.pending)
    else:
        if not tape.cells:
            raise RunError(f"{exe.name}: moved {name} left of its first cell")
        outputs[i] = OutputTape(tape.cells[:-1], None, barred(tape.cells[:-1]))


def read_symbols(exe: "Executable", operands, heads, outputs) -> tuple[str, ...]:
    """What every head reads: a digit, `^` before the first cell, `_` past the last; then the
    last digit of every output tape a rule reads (`^` while it is empty)."""
    out = []
    for tape_index, position in zip(exe.head_tapes, heads):
        tape = operands[tape_index]
        out.append("^" if position < 0 else tape[position] if position < len(tape) else "_")
    for i in exe.read_outputs:
        out.append(outputs[i].symbol())
    return tuple(out)


def names(exe: "Executable", operands, heads, registers) -> dict:
    """Names an expression can read: operands, registers, and each head as the digit under it
    (None before the first or past the last cell)."""
    env = dict(zip(exe.operand_names, operands))
    env.update(zip(exe.register_names, registers))
    for name, tape_index, position in zip(exe.head_names, exe.head_tapes, heads):
        tape = operands[tape_index]
        env[name] = int(tape[position]) if 0 <= position < len(tape) else None
    return env


class Configuration(NamedTuple):
    """Everything a step depends on. Immutable: `apply` returns a new one."""
    machine: "Executable"
    state: str
    operands: tuple[Digits, ...]
    heads: tuple[int, ...]
    registers: tuple
    outputs: tuple[OutputTape, ...]
    finished: frozenset = frozenset()

    def symbols(self) -> tuple[str, ...]:
        return read_symbols(self.machine, self.operands, self.heads, self.outputs)

    def env(self) -> dict:
        return names(self.machine, self.operands, self.heads, self.registers)

    def value(self, name: str):
        """The value of a register, output tape or operand by name."""
        exe = self.machine
        if name in exe.register_index:
            return self.registers[exe.register_index[name]]
        if name in exe.output_index:
            return self.outputs[exe.output_index[name]].value()
        return self.operands[exe.operand_names.index(name)]

    @property
    def result(self):
        return self.value(self.machine.result)


@dataclass(frozen=True, eq=False)
class CallSite:
    """`call M(args) -> R` in one rule: the command names it as `[CALL] M`."""
    machine: str
    args: tuple[Callable, ...]
    result: str
    state: str


@dataclass(frozen=True, eq=False)
class GotoSite:
    """`-> q if cond else r`: the command names q; the condition is read after the actions."""
    target: str
    condition: Callable
    otherwise: str
    state: str


class Step(NamedTuple):
    config: Configuration
    command: tuple | None  # None at the halting configuration
    call: "Trace | None" = None


@dataclass
class Trace:
    machine: "Executable"
    steps: list[Step]
    # Text views of this trace made once (by `render`): a call answered from the memo of
    # calls shows the same lines in every trace that makes it.
    views: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def first(self) -> Step:
        return self.steps[0]

    @property
    def final(self) -> Configuration:
        return self.steps[-1].config

    @property
    def result(self):
        return self.final.result

    def total_steps(self) -> int:
        """Steps of this frame and of every call it made, halting configurations excluded."""
        return self._totals[0]

    def total_calls(self) -> int:
        return self._totals[1]

    @cached_property
    def _totals(self) -> tuple[int, int]:
        steps, calls = len(self.steps) - 1, 0
        for s in self.steps:
            if s.call is not None:
                steps, calls = steps + s.call.total_steps(), calls + 1 + s.call.total_calls()
        return steps, calls


class QuietTrace(Trace):
    """The trace of a call whose steps nobody has read yet: a composite's own lines need only
    the callee's first step and halting configuration (docs/trace-format.md), so a machine that
    calls nothing runs without recording its steps (`run_quietly`). Reading `steps` runs it
    again, once, step by step: the same decisions, the same `apply`."""

    def __init__(self, machine: "Executable", first: Step, final: Configuration, step_count: int):
        self.machine, self._first, self._final, self._step_count = machine, first, final, step_count
        self._result, self.views = final.result, {}

    @cached_property
    def steps(self) -> list[Step]:
        operands = list(self._first.config.operands)
        return run({self.machine.name: self.machine}, self.machine.name, operands).steps

    @property
    def first(self) -> Step:
        return self._first

    @property
    def final(self) -> Configuration:
        return self._final

    @property
    def result(self):
        return self._result

    def total_steps(self) -> int:
        return self._step_count

    def total_calls(self) -> int:
        return 0


# ---- expressions -------------------------------------------------------------------------

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


def compile_expr(expr: ast.Expr) -> Callable[[dict], object]:
    """An expression as a closure over an environment dict (never Python `eval`)."""
    if isinstance(expr, (ast.Int, ast.Bool)):
        value = expr.value
        return lambda env: value
    if isinstance(expr, ast.Name):
        name = expr.name
        return lambda env: env[name]
    if isinstance(expr, ast.Neg):
        inner = compile_expr(expr.operand)
        return lambda env: -as_number(inner(env))
    if isinstance(expr, ast.Not):
        inner = compile_expr(expr.operand)
        return lambda env: not inner(env)
    if isinstance(expr, ast.Binary):
        fn, left, right = BINARY[expr.op], compile_expr(expr.left), compile_expr(expr.right)
        return lambda env: fn(as_number(left(env)), as_number(right(env)))
    if isinstance(expr, ast.Logic):
        parts = [compile_expr(e) for e in expr.operands]
        if expr.op == "and":
            return lambda env: all(p(env) for p in parts)
        return lambda env: any(p(env) for p in parts)
    if isinstance(expr, ast.Function):
        _, fn = FUNCTIONS[expr.name]
        args = [compile_expr(a) for a in expr.args]
        return lambda env: fn(*[a(env) for a in args])
    raise TypeError(f"not an expression: {expr!r}")


# ---- compiled machines -------------------------------------------------------------------

class CompiledRule:
    """A rule as closures: `matches(symbols)` for its patterns, `decide(env)` → Command."""

    def __init__(self, exe: "Executable", rule: ast.Rule):
        self.rule = rule
        slots = {n: i for i, n in enumerate(exe.reader_names)}
        self.checks = []   # (slot, the symbols its pattern accepts)
        self.binds = []    # (slot, variable)
        for p in rule.patterns:
            if p.kind != "any":
                self.checks.append((slots[p.head], frozenset(filter(p.accepts, ast.SYMBOLS))))
            if p.kind == "bind":
                self.binds.append((slots[p.head], p.value))
        self.condition = compile_expr(rule.condition) if rule.condition is not None else None
        self.steps = [self._compile_action(exe.ast, a) for a in rule.actions]
        # A rule whose actions compute nothing gives the same command every time; with no
        # condition either, it fires without reading a name.
        self.constant = (tuple(step[1] for step in self.steps)
                         if all(step[0] == "const" for step in self.steps) else None)
        self.fixed = self.constant if self.condition is None else None

    @staticmethod
    def _compile_action(machine: ast.Machine, action: ast.Action):
        if isinstance(action, ast.Let):
            return ("let", action.name, compile_expr(action.expr))
        if isinstance(action, ast.Assign):
            source = moved_name(machine, action)
            if source is not None:
                return ("copy", action.register, source)
            return ("set", action.register, compile_expr(action.expr))
        if isinstance(action, ast.Put):
            return ("put", action.output, compile_expr(action.expr))
        if isinstance(action, ast.Move):
            return ("const", ("move", action.target, 1 if action.direction == "right" else -1))
        if isinstance(action, ast.Finish):
            return ("const", ("finish", action.target))
        if isinstance(action, ast.CallMachine):
            site = CallSite(action.machine, tuple(compile_expr(a) for a in action.args),
                            action.result, "")
            return ("const", ("call", site))
        if isinstance(action, ast.Goto):
            if action.condition is None:
                return ("const", ("goto", action.target))
            site = GotoSite(action.target, compile_expr(action.condition), action.otherwise, "")
            return ("const", ("goto", site))
        raise TypeError(f"not an action: {action!r}")

    def matches(self, symbols: tuple[str, ...]) -> bool:
        return all(symbols[slot] in allowed for slot, allowed in self.checks)

    def decide(self, env: dict, symbols: tuple[str, ...]) -> tuple | None:
        """The command this rule gives, or None when its condition does not hold."""
        for slot, var in self.binds:
            env[var] = int(symbols[slot])
        if self.condition is not None and not self.condition(env):
            return None
        if self.constant is not None:
            return self.constant
        command = []
        for step in self.steps:
            kind = step[0]
            if kind == "const":
                command.append(step[1])
            elif kind == "let":
                env[step[1]] = step[2](env)
            elif kind == "put":
                value = step[2](env)
                value = as_number(value)
                if isinstance(value, bool) or not 0 <= value <= 9:
                    raise RunError(f"put {value!r} on {step[1]}: an output cell holds one digit")
                command.append(("put", step[1], str(value)))
            elif kind == "copy":
                command.append(("set", step[1], env[step[2]], step[2]))
            else:  # set
                command.append(("set", step[1], step[2](env)))
        return tuple(command)


class Executable:
    """A machine ready to run: declarations indexed, rules compiled, dispatch cached. It carries
    its `head_view` (finite.HeadView: what the head view shows), which the renderer reads."""

    def __init__(self, machine: ast.Machine, head_view=None):
        self.ast = machine
        self.head_view = head_view
        self.name = machine.name
        self.operand_names = list(machine.operands)
        self.head_names = [h.name for h in machine.heads]
        self.head_tapes = tuple(self.operand_names.index(h.operand) for h in machine.heads)
        self.head_index = {n: i for i, n in enumerate(self.head_names)}
        self.register_names = [r.name for r in machine.registers]
        self.register_index = {n: i for i, n in enumerate(self.register_names)}
        self.output_names = [o.name for o in machine.outputs]
        self.output_index = {n: i for i, n in enumerate(self.output_names)}
        patterned = {p.head for rule in machine.rules for p in rule.patterns}
        self.read_outputs = tuple(i for i, n in enumerate(self.output_names) if n in patterned)
        # What `Configuration.symbols()` lists, in order: every head, then the outputs read.
        self.reader_names = self.head_names + [self.output_names[i] for i in self.read_outputs]
        self.result = machine.result
        self.start, self.halt = machine.start, machine.halt
        self.requires = [(compile_expr(r.condition), r.message) for r in machine.requires]
        self.rules: dict[str, list[CompiledRule]] = {}
        for rule in machine.rules:
            self.rules.setdefault(rule.state, []).append(CompiledRule(self, rule))
        self.composite = bool(machine.calls)
        # Heads before their tapes, registers unset, outputs empty: how every run starts.
        self._blank = (tuple(-1 for _ in self.head_names), tuple(None for _ in self.register_names),
                       tuple(OutputTape() for _ in self.output_names))
        self._dispatch: dict[tuple, list[CompiledRule]] = {}
        # Rules that read no operand and call nothing decide from the finite control alone.
        read = set()
        for rule in machine.rules:
            for expr in [rule.condition] + [getattr(a, "expr", None) for a in rule.actions]:
                read |= ast.free_names(expr) if expr is not None else set()
        self.decisions_cacheable = not self.composite and not read & set(self.operand_names)
        self._decisions: dict[tuple, tuple] = {}
        self._transitions: dict[tuple, tuple] = {}
        self.sweeps = Sweeps(self) if self.decisions_cacheable else None
        self.call_sites = {}   # (state, machine) -> CallSite, for reading commands back
        self.goto_sites = {}   # (state, target) -> GotoSite
        for state, rules in self.rules.items():
            for compiled in rules:
                for step in compiled.steps:
                    if step[0] != "const":
                        continue
                    action = step[1]
                    if action[0] == "call":
                        object.__setattr__(action[1], "state", state)
                        self.call_sites[(state, action[1].machine)] = action[1]
                    elif action[0] == "goto" and isinstance(action[1], GotoSite):
                        object.__setattr__(action[1], "state", state)
                        self.goto_sites[(state, action[1].target)] = action[1]

    def initial(self, operands) -> Configuration:
        if len(operands) != len(self.operand_names):
            raise OperandError(f"{self.name} takes {len(self.operand_names)} operand(s) "
                               f"({', '.join(self.operand_names)}), got {len(operands)}")
        config = Configuration(self, self.start, tuple(map(operand, operands)), *self._blank)
        if self.requires:
            env = config.env()
            for condition, message in self.requires:
                if not condition(env):
                    raise RequirementFailed(f"{self.name}: {message}")
        return config

    def decide(self, config: Configuration) -> tuple:
        """Fire the one rule that applies to `config` and return its command."""
        symbols = config.symbols() if self.reader_names else ()
        if not self.decisions_cacheable:
            return self._decide(config.state, symbols, config.env)
        return self.decide_finite(config.state, symbols, config.registers)

    def transition(self, config: Configuration) -> "tuple[tuple, Effect | None]":
        """The command a machine whose rules read no operand gives in `config`, and its
        `Effect` (None for a conditional goto): both cached per state, symbols and registers."""
        key = (config.state, config.symbols(), config.registers)
        entry = self._transitions.get(key)
        if entry is None:
            command = self.decide_finite(*key)
            if len(self._transitions) > DECISION_CACHE_LIMIT:
                self._transitions.clear()
            entry = self._transitions[key] = (command, _effect(config, command))
        return entry

    def decide_finite(self, state: str, symbols: tuple[str, ...], registers: tuple) -> tuple:
        """The decision of a machine whose rules read no operand: a pure function of state,
        symbols read and registers, so cached."""
        key = (state, symbols, registers)
        command = self._decisions.get(key)
        if command is None:
            def env():
                values = dict(zip(self.register_names, registers))
                values.update((n, int(s) if s.isdigit() else None)
                              for n, s in zip(self.head_names, symbols))
                return values
            if len(self._decisions) > DECISION_CACHE_LIMIT:
                self._decisions.clear()
            command = self._decisions[key] = self._decide(state, symbols, env)
        return command

    def _decide(self, state: str, symbols: tuple[str, ...], env: Callable[[], dict]) -> tuple:
        """The command of the first rule of `state` that fires; `env()` makes the names its
        expressions read, only when some rule has a condition or computes a value."""
        key = (state, symbols)
        candidates = self._dispatch.get(key)
        if candidates is None:
            candidates = [r for r in self.rules.get(state, ()) if r.matches(symbols)]
            self._dispatch[key] = candidates
        values = None
        for rule in candidates:
            if rule.fixed is not None:
                return rule.fixed
            values = values or env()
            command = rule.decide(values, symbols)
            if command is not None:
                return command
        reads = ", ".join(f"{n} reads {s!r}" for n, s in zip(self.reader_names, symbols))
        raise NoRuleFires(f"{self.name}: no rule fires in state {state}"
                          + (f" ({reads})" if reads else ""))


# ---- the shared action code --------------------------------------------------------------

CallRunner = Callable[[str, list[Digits]], tuple[object, "Trace | None"]]


def apply(config: Configuration, command: tuple, run_call: CallRunner | None = None):
    """Carry out `command` on `config`: returns (next configuration, callee trace or None).

    This is the one definition of what an action does; the model runtime calls it too.
    Values were computed when the rule fired; calls and conditional gotos read the
    configuration as the earlier actions of the command left it."""
    exe = config.machine
    heads, registers, outputs = list(config.heads), list(config.registers), list(config.outputs)
    finished, state, callee = config.finished, config.state, None
    values = None  # the names expressions read, as the actions so far left them; made on demand
    for action in command:
        kind = action[0]
        if kind == "move":
            i = exe.head_index.get(action[1])
            if i is not None:
                heads[i] += action[2]
                values = None
            else:
                output_action(exe, outputs, action)
        elif kind == "set":
            # A moved value is read at the rule's site, from the configuration before the step:
            # the head view's command names it (`[OUTPUT] a`) and does not spell it.
            value = action[2] if len(action) == 3 else config.value(action[3])
            registers[exe.register_index[action[1]]] = value
            if values is not None:
                values[action[1]] = value
        elif kind == "put":
            output_action(exe, outputs, action)
        elif kind == "goto":
            target = action[1]
            if target.__class__ is GotoSite:
                values = values or names(exe, config.operands, heads, registers)
                state = target.target if target.condition(values) else target.otherwise
            else:
                state = target
        elif kind == "finish":
            finished = finished | {action[1]}
            if action[1] in exe.output_index:
                output_action(exe, outputs, action)
        elif kind == "call":
            site = action[1]
            if run_call is None:
                raise RunError(f"{exe.name}: a call to {site.machine} needs a call runner")
            values = values or names(exe, config.operands, heads, registers)
            result, callee = run_call(site.machine, [argument(f(values)) for f in site.args])
            registers[exe.register_index[site.result]] = values[site.result] = result
        else:
            raise RunError(f"unknown action {kind!r}")
    return Configuration(exe, state, config.operands, tuple(heads), tuple(registers),
                         tuple(outputs), finished), callee


def argument(value) -> Digits:
    """A call argument as the callee's tape: the number it spells, without leading zeros."""
    if value.__class__ is Digits:
        trimmed = value.rstrip("0")
        return value if trimmed == value and value else Digits(trimmed or "0")
    return Digits.of(as_number(value))


class Effect(NamedTuple):
    """What a cached decision does, as `apply` computed it once: with no conditional goto, the
    next state, the registers, the head moves and what is finished are the same wherever the
    state, symbols read and registers are. An output tape's `put d; move right` appends d
    whatever the tape held (`appends`: output index, digit); other output actions depend on
    the tape and are replayed by `output_action`."""
    state: str
    registers: tuple
    moves: tuple[int, ...]
    appends: tuple[tuple[int, str], ...]
    output_actions: tuple
    finished: frozenset


def _effect(config: Configuration, command: tuple) -> Effect | None:
    """The effect of `command` on any configuration like `config`; None when it holds a
    conditional goto, whose target depends on what the heads read after the moves."""
    if any(a[0] == "goto" and a[1].__class__ is GotoSite for a in command):
        return None
    exe = config.machine
    after, _ = apply(config, command)
    on_outputs = [a for a in command if a[0] == "put" or a[0] in ("move", "finish")
                  and a[1] in exe.output_index]
    appends = {}
    for name in exe.output_names:
        actions = [a for a in on_outputs if a[1] == name]
        if len(actions) == 2 and actions[0][0] == "put" and actions[1] == ("move", name, 1):
            appends[name] = actions[0][2]
    return Effect(after.state, after.registers,
                  tuple(b - a for a, b in zip(config.heads, after.heads)),
                  tuple((exe.output_index[name], digit) for name, digit in appends.items()),
                  tuple(a for a in on_outputs if a[1] not in appends),  # in the command's order
                  after.finished - config.finished)


def advance(config: Configuration, effect: Effect) -> Configuration:
    """`config` after a step whose effect is known: what `apply` would return, without
    interpreting the command again (output actions are replayed, so their errors still show)."""
    outputs = config.outputs
    if effect.appends or effect.output_actions:
        outputs = list(outputs)
        for i, digit in effect.appends:
            outputs[i] = outputs[i].appended(digit)
        for action in effect.output_actions:
            output_action(config.machine, outputs, action)
        outputs = tuple(outputs)
    return Configuration(config.machine, effect.state, config.operands,
                         tuple(map(operator.add, config.heads, effect.moves)), effect.registers,
                         outputs, config.finished | effect.finished if effect.finished else config.finished)


class _Node(dict):
    """A sweep's view of one step: the state and registers it leaves, and `code`, the digit it
    committed to each output tape ("-" for none). Indexed by what the heads read next, a node
    gives the next node; the table fills on first use, so a warm sweep never leaves C code."""
    __slots__ = ("sweeps", "state", "registers", "code")

    def __missing__(self, symbols):
        node = self[symbols] = self.sweeps.successor(self, symbols)
        return node


class _Exit(_Node):
    """Where a sweep ends: every symbol leads here, and it is the one empty (false) node."""
    __slots__ = ()

    def __missing__(self, symbols):
        return self


class Sweeps:
    """Runs of steps executed as one (`run_quietly`). While every head moves right over `^`
    and digits (and stays once it reads `_`), output tapes only take a digit and move right,
    and the state reads no output tape, what the heads read next is known in advance (the rest
    of each tape), so the run is a walk over a table of `_Node`s that `itertools.accumulate`
    takes in C. A step of any other shape leads to `exit`, and the quiet run takes it the
    ordinary way."""

    def __init__(self, exe: "Executable"):
        self.exe = exe
        self.fillers = ("^",) * len(exe.read_outputs)  # the states swept read no output tape
        outputs = set(exe.output_names)
        self.states = frozenset(
            state for state, rules in exe.rules.items()
            if exe.head_names and not any(p.head in outputs for r in rules for p in r.rule.patterns))
        self.exit = _Exit()
        self._nodes: dict[tuple, _Node] = {}

    def node(self, state: str, registers: tuple, code: str = "") -> _Node:
        key = (state, registers, code)
        node = self._nodes.get(key)
        if node is None:
            if len(self._nodes) > DECISION_CACHE_LIMIT:  # registers that never repeat
                self._nodes.clear()
            node = self._nodes[key] = _Node()
            node.sweeps, node.state, node.registers, node.code = self, state, registers, code
            node[None] = self.exit  # never empty: `bool` tells a node from `exit`
        return node

    def successor(self, node: _Node, symbols: tuple[str, ...]) -> _Node:
        """The node after `node` when the heads read `symbols`, or `exit`."""
        exe = self.exe
        if node.state not in self.states:
            return self.exit
        try:
            command = exe.decide_finite(node.state, symbols + self.fillers, node.registers)
            start = Configuration(exe, node.state, (), (0,) * len(symbols), node.registers,
                                  tuple(OutputTape() for _ in exe.output_names))
            effect = _effect(start, command)
        except RunError:  # the ordinary step reports it, with the real configuration
            return self.exit
        if (effect is None or effect.finished or effect.output_actions
                or effect.moves != tuple(int(s != "_") for s in symbols)):
            return self.exit
        written = dict(effect.appends)
        return self.node(effect.state, effect.registers,
                         "".join(written.get(i, "-") for i in range(len(exe.output_names))))

    def run(self, config: Configuration) -> tuple[int, Configuration]:
        """Sweep from `config`: the number of steps taken and the configuration they leave."""
        tapes, heads = config.operands, config.heads
        streams = [tapes[t][p:] if p >= 0 else "^" + tapes[t]
                   for t, p in zip(self.exe.head_tapes, heads)]
        nodes = list(takewhile(bool, accumulate(zip_longest(*streams, fillvalue="_"), getitem,
                                                initial=self.node(config.state, config.registers))))
        steps = len(nodes) - 1
        if not steps:
            return 0, config
        outputs = config.outputs
        if outputs:
            codes, width, outputs = "".join(map(_code, islice(nodes, 1, None))), len(outputs), list(outputs)
            for i, tape in enumerate(outputs):
                written = codes[i::width].replace("-", "")
                if written:
                    outputs[i] = tape.appended(written)
            outputs = tuple(outputs)
        heads = tuple(h + min(steps, len(stream)) for h, stream in zip(heads, streams))
        last = nodes[-1]
        return steps, Configuration(self.exe, last.state, tapes, heads, last.registers, outputs,
                                    config.finished)


_code = operator.attrgetter("code")


def run_quietly(exe: Executable, operands, budget: Budget) -> QuietTrace:
    """Run a machine that calls nothing and decides from its finite control alone, keeping
    its first step and halting configuration, in `Sweeps` where it can (ADD of two 50-digit
    numbers: 14.6 us, 86 us without sweeps; docs/results.md)."""
    config = exe.initial(operands)
    first = Step(config, None if config.state == exe.halt else exe.transition(config)[0])
    halt, sweeps, steps = exe.halt, exe.sweeps, 0
    allowance = budget.max_steps - budget.used
    while config.state != halt:
        if config.state in sweeps.states and min(config.heads) >= -1:
            swept, config = sweeps.run(config)
            steps += swept
            if config.state == halt:
                break
        steps += 1
        if steps > allowance:
            budget.spend(steps, exe.name)
        command, effect = exe.transition(config)
        config = advance(config, effect) if effect is not None else apply(config, command)[0]
    budget.spend(steps, exe.name)
    return QuietTrace(exe, first, config, steps)


# ---- running -----------------------------------------------------------------------------

@dataclass
class Budget:
    """Steps left across every frame of one run, and how deep calls may nest."""
    max_steps: int = DEFAULT_MAX_STEPS
    max_depth: int = DEFAULT_MAX_DEPTH
    used: int = field(default=0)

    def spend(self, steps: int, name: str) -> None:
        self.used += steps
        if self.used > self.max_steps:
            raise StepBudgetExceeded(f"{name}: more than {self.max_steps} steps "
                                     f"(raise the budget with --max-steps)")

    def enter(self, depth: int, name: str) -> None:
        if depth > self.max_depth:
            raise CallDepthExceeded(f"calls nested deeper than {self.max_depth} frames (at {name})")


def run(machines: "dict[str, Executable]", name: str, operands, *,
        max_steps: int = DEFAULT_MAX_STEPS, max_depth: int = DEFAULT_MAX_DEPTH,
        _budget: Budget | None = None, _depth: int = 0) -> Trace:
    """Run machine `name` on `operands` to its halt state; the whole trace, calls nested."""
    budget = _budget or Budget(max_steps, max_depth)
    budget.enter(_depth, name)
    exe = machines[name]
    config = exe.initial(operands)

    def run_call(callee: str, args: list[Digits]):
        exe = machines[callee]
        # Traces are immutable and a run is a pure function of machine and operands, so a
        # small call made before (in this run or another) is not executed again. Small only:
        # counters and digits come back often, long operands almost never, and keeping their
        # traces costs more than it saves (SUB of 50 digits: 9% slower with them kept).
        small = sum(map(len, args)) <= CALL_MEMO_DIGITS
        key = (exe, tuple(args), budget.max_depth - _depth) if small else None
        trace = _CALLS.get(key) if key else None
        if trace is None:
            if exe.decisions_cacheable:
                budget.enter(_depth + 1, callee)
                trace = run_quietly(exe, args, budget)
            else:
                trace = run(machines, callee, args, _budget=budget, _depth=_depth + 1)
            if key:
                _CALLS[key] = trace
                if len(_CALLS) > CALL_MEMO_SIZE:
                    _CALLS.popitem(last=False)
        else:
            _CALLS.move_to_end(key)
            budget.spend(trace.total_steps(), name)
        return trace.result, trace

    steps = []
    halt, cached, allowance = exe.halt, exe.decisions_cacheable, budget.max_steps
    while config.state != halt:
        budget.used += 1
        if budget.used > allowance:
            budget.spend(0, name)
        if cached:  # the step's effect, computed once per state, symbols read and registers
            command, effect = exe.transition(config)
            if effect is not None:
                steps.append(Step(config, command))
                config = advance(config, effect)
                continue
        else:
            command = exe.decide(config)
        next_config, callee = apply(config, command, run_call)
        steps.append(Step(config, command, callee))
        config = next_config
    steps.append(Step(config, None, None))
    return Trace(exe, steps)

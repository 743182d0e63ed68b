"""The machine ready to run: a checked `ast.Machine` as an `Executable`, its rules as
closures (`ExecutableRule`), and the decision of a step.

Firing a rule *decides* a `Command` (a tuple of resolved actions, values already computed;
configuration.py lists the actions); `actions.apply` carries it out. An `Executable` indexes
the machine's declarations once, keeps its rules per state and caches which rules a state and
the symbols read can fire (a pure function of the two). The tables the fast paths fill as the
machine runs (`fast_paths.FastPaths`) hang off it as `fast_paths`; a reader of the semantics
can skip them.
"""
from __future__ import annotations

from typing import Callable

from . import ast
from .configuration import CallSite, Configuration, GotoSite, OutputTape
from .errors import NoRuleFires, OperandError, RequirementFailed, RunError
from .expressions import evaluator
from .fast_paths import FastPaths
from .finite import moved_name
from .values import as_number, operand, text_operand

TEXT_ALPHABET = "0123456789" + "".join(ast.TEXT_CHARACTERS)


class ExecutableRule:
    """A rule as closures: `matches(symbols)` for its patterns, `decide(env)` → Command."""

    def __init__(self, exe: "Executable", rule: ast.Rule):
        self.rule = rule
        self.texts = {t.name for t in exe.ast.texts}
        slots = {n: i for i, n in enumerate(exe.reader_names)}
        self.checks = []   # (slot, the symbols its pattern accepts)
        self.binds = []    # (slot, variable)
        for p in rule.patterns:
            if p.kind != "any":
                self.checks.append((slots[p.head], frozenset(filter(p.accepts, ast.SYMBOLS))))
            if p.kind == "bind":
                self.binds.append((slots[p.head], p.value))
        self.condition = evaluator(rule.condition) if rule.condition is not None else None
        self.steps = [self._action_step(exe.ast, rule.state, a) for a in rule.actions]
        # A rule whose actions compute nothing gives the same command every time; with no
        # condition either, it fires without reading a name.
        self.constant = (tuple(step[1] for step in self.steps)
                         if all(step[0] == "const" for step in self.steps) else None)
        self.fixed = self.constant if self.condition is None else None

    @staticmethod
    def _action_step(machine: ast.Machine, state: str, action: ast.Action):
        """What `decide` does for one action: ("const", action) where the action computes
        nothing, else how to compute it (let, copy, set, put)."""
        if isinstance(action, ast.Let):
            return ("let", action.name, evaluator(action.expr))
        if isinstance(action, ast.Assign):
            source = moved_name(machine, action)
            if source is not None:
                return ("copy", action.register, source)
            return ("set", action.register, evaluator(action.expr))
        if isinstance(action, ast.Put):
            source = moved_name(machine, action)
            if source is not None:
                return ("copy_put", action.output, source)
            return ("put", action.output, evaluator(action.expr))
        if isinstance(action, ast.Move):
            return ("const", ("move", action.target, 1 if action.direction == "right" else -1))
        if isinstance(action, ast.Finish):
            return ("const", ("finish", action.target))
        if isinstance(action, ast.CallMachine):
            read = set().union(*(ast.free_names(a) for a in action.args))
            site = CallSite(action.machine, tuple(evaluator(a) for a in action.args),
                            action.result, state, tuple(o.name for o in machine.outputs if o.name in read))
            return ("const", ("call", site))
        if isinstance(action, ast.Goto):
            if action.condition is None:
                return ("const", ("goto", action.target))
            site = GotoSite(action.target, evaluator(action.condition), action.otherwise, state)
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
                value = as_number(step[2](env))
                if step[1] in self.texts and isinstance(value, str) and value in ast.TEXT_CHARACTERS:
                    command.append(("put", step[1], value))  # a character onto a text tape
                    continue
                if isinstance(value, (bool, str)) or not 0 <= value <= 9:
                    raise RunError(f"put {value!r} on {step[1]}: an output cell holds one digit")
                command.append(("put", step[1], str(value)))
            elif kind == "copy_put":
                command.append(("put", step[1], env[step[2]], step[2]))
            elif kind == "copy":
                command.append(("set", step[1], env[step[2]], step[2]))
            else:  # set
                command.append(("set", step[1], step[2](env)))
        return tuple(command)


class Executable:
    """A machine ready to run: declarations indexed, rules as closures, dispatch cached. It
    carries its `head_view` (finite.HeadView: what the head view shows), which the renderer
    reads."""

    def __init__(self, machine: ast.Machine, head_view=None):
        self.ast = machine
        self.head_view = head_view
        self.name = machine.name
        self.operand_names = list(machine.operands)
        texts = {t.name for t in machine.texts}
        self.text_operands = tuple(n in texts for n in self.operand_names)
        self.head_names = [h.name for h in machine.heads]
        self.head_tapes = tuple(self.operand_names.index(h.operand) for h in machine.heads)
        self.head_index = {n: i for i, n in enumerate(self.head_names)}
        self.register_names = [r.name for r in machine.registers]
        self.register_index = {n: i for i, n in enumerate(self.register_names)}
        self.domains = tuple(r.domain for r in machine.registers)  # (low, high) or None
        self.output_names = [o.name for o in machine.outputs]
        self.text_outputs = tuple(n in texts for n in self.output_names)
        self.output_index = {n: i for i, n in enumerate(self.output_names)}
        patterned = {p.head for rule in machine.rules for p in rule.patterns}
        self.read_outputs = tuple(i for i, n in enumerate(self.output_names) if n in patterned)
        # What `Configuration.symbols()` lists, in order: every head, then the outputs read.
        self.reader_names = self.head_names + [self.output_names[i] for i in self.read_outputs]
        self.result = machine.result
        self.start, self.halt = machine.start, machine.halt
        self.requires = [(evaluator(r.condition), r.message) for r in machine.requires]
        self.rules: dict[str, list[ExecutableRule]] = {}
        for rule in machine.rules:
            self.rules.setdefault(rule.state, []).append(ExecutableRule(self, rule))
        self.composite = bool(machine.calls)
        # Heads before their tapes, registers unset, outputs empty: how every run starts.
        self._blank = (tuple(-1 for _ in self.head_names), tuple(None for _ in self.register_names),
                       tuple(OutputTape() for _ in self.output_names))
        self._dispatch: dict[tuple, list[ExecutableRule]] = {}
        # Rules that read no operand and call nothing decide from the finite control alone.
        read = set()
        for rule in machine.rules:
            for expr in [rule.condition] + [getattr(a, "expr", None) for a in rule.actions]:
                read |= ast.free_names(expr) if expr is not None else set()
        self.decisions_cacheable = not self.composite and not read & set(self.operand_names)
        self.call_sites = {}   # (state, machine) -> CallSite, for reading commands back
        self.goto_sites = {}   # (state, target) -> GotoSite
        for state, rules in self.rules.items():
            for rule in rules:
                for step in rule.steps:
                    if step[0] != "const":
                        continue
                    action = step[1]
                    if action[0] == "call":
                        self.call_sites[(state, action[1].machine)] = action[1]
                    elif action[0] == "goto" and isinstance(action[1], GotoSite):
                        self.goto_sites[(state, action[1].target)] = action[1]
        self.fast_paths = FastPaths(self)

    def initial(self, operands) -> Configuration:
        if len(operands) != len(self.operand_names):
            raise OperandError(f"{self.name} takes {len(self.operand_names)} operand(s) "
                               f"({', '.join(self.operand_names)}), got {len(operands)}")
        tapes = tuple(text_operand(v, TEXT_ALPHABET) if text else operand(v)
                      for v, text in zip(operands, self.text_operands))
        config = Configuration(self, self.start, tapes, *self._blank)
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
            return self.fire(config.state, symbols, config.env)
        # A pure function of state, symbols read and registers: the fast paths keep it.
        return self.fast_paths.decision(config.state, symbols, config.registers)

    def fire(self, state: str, symbols: tuple[str, ...], env: Callable[[], dict]) -> tuple:
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

    def rule_firing(self, config: Configuration) -> "ast.Rule | None":
        """The rule whose command `decide` gives in `config` (for an error to point at)."""
        symbols = config.symbols() if self.reader_names else ()
        for rule in self.rules.get(config.state, ()):
            if rule.matches(symbols) and rule.decide(config.env(), symbols) is not None:
                return rule.rule
        return None

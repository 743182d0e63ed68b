"""Static checks over a set of machines. Every problem is reported, not just the first:
`check(machines)` returns the diagnostics, each with file:line:col, the source line and a caret.

Checked: unknown names (state, head, register, output, operand, machine, function, variable),
declarations missing or misused, call arity, recursive calls, unreachable states, states with
no path to the halt state, rules that can both fire for the same symbols, and expressions that
can divide by zero. The last two enumerate every digit a head can read and every value of a
register declared with a range (`register C in 0..1`); where a condition depends on anything
unbounded they are undecidable and not reported.
"""
from __future__ import annotations

import itertools

from . import ast
from .errors import Diagnostic, source_line
from .ast import SYMBOLS, children, free_names
from .expressions import FUNCTIONS, evaluator
from .render import VIEWS

ENUMERATION_LIMIT = 50_000


def _not_call_arguments(rule: ast.Rule, names: set[str]) -> dict[str, str]:
    """Why each pattern variable and let name of `rule` cannot be a call's argument: the
    arguments are read from the configuration when the call is made (actions.py's call
    site), which holds operands, registers and heads, not the rule's own names."""
    reads = {p.value: p.head for p in rule.patterns if p.kind == "bind"}
    allowed = "a call's arguments can name operands, registers, heads and outputs"
    return {name: (f"{allowed}, not the pattern variable {name}: pass the head {reads[name]} it reads"
                   if name in reads else
                   f"{allowed}, not the let name {name}: set a register to it in an earlier action "
                   f"and pass the register") for name in names}


class _Undecidable(Exception):
    pass


def check(machines: dict[str, ast.Machine]) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    for machine in machines.values():
        diagnostics += _MachineCheck(machine, machines).run()
    diagnostics += _recursion(machines)
    return sorted(diagnostics, key=lambda d: (d.path, d.line, d.column))


def _diag(machine: ast.Machine, pos: ast.Pos, message: str) -> Diagnostic:
    return Diagnostic(machine.path, pos.line, pos.column, message, source_line(machine.source, pos.line))


class _MachineCheck:
    def __init__(self, machine: ast.Machine, machines: dict[str, ast.Machine]):
        self.m, self.machines, self.out = machine, machines, []

    def error(self, pos: ast.Pos, message: str):
        self.out.append(_diag(self.m, pos, message))

    def run(self) -> list[Diagnostic]:
        m = self.m
        self.heads = {h.name: h for h in m.heads}
        self.registers = {r.name: r for r in m.registers}
        self.outputs = {o.name: o for o in m.outputs}
        self._declarations()
        states_with_rules = {r.state for r in m.rules}
        self.known_states = states_with_rules | ({m.halt} if m.halt else set())
        for rule in m.rules:
            self._rule(rule)
        for render in m.renders:
            self._render(render)
        for require in (*m.requires, *m.samples):
            self._expr(require.condition, set(m.operands), require.pos)
        self._graph(states_with_rules)
        self._overlaps()
        self._readable_gotos()
        return self.out

    def _readable_gotos(self):
        """A command names only the first target of a conditional goto; read back, the
        target must identify the goto, or a runtime applying model commands would guess."""
        seen: dict[tuple[str, str], ast.Goto] = {}
        for rule in self.m.rules:
            goto = rule.goto
            if goto is None:
                continue
            earlier = seen.setdefault((rule.state, goto.target), goto)
            if earlier is not goto and (earlier.condition is not None or goto.condition is not None) \
                    and (earlier.condition, earlier.otherwise) != (goto.condition, goto.otherwise):
                self.error(goto.pos, f"two rules of state {rule.state} go to {goto.target}, one of them "
                                     f"conditionally: their commands read the same ('{goto.target}')")

    def _declarations(self):
        m, seen = self.m, {}
        named = [(n, m.pos, "operand") for n in m.operands]
        named += [(h.name, h.pos, "head") for h in m.heads]
        named += [(r.name, r.pos, "register") for r in m.registers]
        named += [(o.name, o.pos, "output") for o in m.outputs]
        for name, pos, kind in named:
            if name in seen:
                self.error(pos, f"{kind} {name} is already declared as a {seen[name]}")
            seen[name] = kind
        for h in m.heads:
            if h.operand not in m.operands:
                self.error(h.pos, f"head {h.name} is on unknown operand {h.operand}")
        for r in m.registers:
            if r.domain and r.domain[0] > r.domain[1]:
                self.error(r.pos, f"register {r.name} has an empty range {r.domain[0]}..{r.domain[1]}")
        for key in ("start", "halt", "result"):
            if getattr(m, key) is None:
                self.error(m.pos, f"machine {m.name} declares no {key}")
        if m.result is not None and m.result not in self.registers and m.result not in self.outputs:
            self.error(m.position_of("result"), f"result {m.result} is not a register or output")
        if m.start is not None and m.start == m.halt:
            self.error(m.position_of("start"), "the start state is the halt state")
        for t in m.texts:
            if t.name not in m.operands and t.name not in self.outputs:
                self.error(t.pos, f"text {t.name}: only an operand or an output can be a text tape")

    def _tape_of(self, head: str) -> str:
        """The operand a head reads, or the output tape itself."""
        return self.heads[head].operand if head in self.heads else head

    def _expr(self, expr, scope: set[str], pos: ast.Pos, out_of_scope: dict[str, str] | None = None):
        """Report the unknown names and functions of `expr`; `out_of_scope` says why a name
        the rule knows cannot be used here."""
        if isinstance(expr, ast.Name):
            if expr.name not in scope:
                why = (out_of_scope or {}).get(expr.name, f"unknown name {expr.name}")
                self.error(expr.pos if expr.pos.line else pos, why)
        elif isinstance(expr, ast.Function):
            spec = FUNCTIONS.get(expr.name)
            if spec is None:
                self.error(expr.pos, f"unknown function {expr.name} (known: {', '.join(FUNCTIONS)})")
            elif spec[0] != len(expr.args):
                self.error(expr.pos, f"{expr.name} takes {spec[0]} argument(s), got {len(expr.args)}")
            for a in expr.args:
                self._expr(a, scope, pos, out_of_scope)
        else:
            for child in children(expr):
                self._expr(child, scope, pos, out_of_scope)

    def _rule(self, rule: ast.Rule):
        m = self.m
        if rule.state == m.halt:
            self.error(rule.pos, f"the halt state {m.halt} cannot have rules")
        scope = set(m.operands) | set(self.registers) | set(self.heads)
        seen_heads = set()
        for p in rule.patterns:
            if p.head not in self.heads and p.head not in self.outputs:
                self.error(p.pos, f"unknown head {p.head}")
            if p.head in seen_heads:
                self.error(p.pos, f"{p.head} has two patterns in one rule")
            seen_heads.add(p.head)
            if p.kind == "characters" and (p.head in self.heads or p.head in self.outputs) \
                    and self._tape_of(p.head) not in {t.name for t in m.texts}:
                self.error(p.pos, f"{p.head} is not on a text tape: only a head on one (declared like "
                                  f"`text t`) reads characters like {p.value!r}")
            if p.kind == "bind":
                if p.value in scope:
                    self.error(p.pos, f"pattern variable {p.value} shadows a declared name")
                scope.add(p.value)
        if rule.condition is not None:
            self._expr(rule.condition, scope, rule.pos)
        gotos = [a for a in rule.actions if isinstance(a, ast.Goto)]
        if not gotos or not isinstance(rule.actions[-1], ast.Goto):
            self.error(rule.pos, "a rule must end with a goto (-> state)")
        elif len(gotos) > 1:
            self.error(gotos[0].pos, "a rule has one goto, at its end")
        outer = set(m.operands) | set(self.registers) | set(self.heads)
        for action in rule.actions:
            if isinstance(action, ast.Let):
                self._expr(action.expr, scope, action.pos)
                scope.add(action.name)
            elif isinstance(action, ast.Assign):
                if action.register not in self.registers:
                    self.error(action.pos, f"unknown register {action.register}")
                self._expr(action.expr, scope, action.pos)
            elif isinstance(action, ast.Put):
                if action.output not in self.outputs:
                    self.error(action.pos, f"unknown output {action.output}")
                self._expr(action.expr, scope, action.pos)
            elif isinstance(action, ast.Move):
                if action.target not in self.heads and action.target not in self.outputs:
                    self.error(action.pos, f"unknown head {action.target}")
            elif isinstance(action, ast.Finish):
                if action.target not in self.registers and action.target not in self.outputs:
                    self.error(action.pos, f"unknown register or output {action.target}")
            elif isinstance(action, ast.CallMachine):
                callee = self.machines.get(action.machine)
                if callee is None:
                    self.error(action.pos, f"unknown machine {action.machine}")
                elif len(callee.operands) != len(action.args):
                    self.error(action.pos, f"{action.machine} takes {len(callee.operands)} "
                                           f"operand(s), the call passes {len(action.args)}")
                if action.result not in self.registers:
                    self.error(action.pos, f"the result of a call goes to a register; "
                                           f"{action.result} is not one")
                for a in action.args:  # evaluated when the call is made: no pattern variables
                    self._expr(a, outer | set(self.outputs), action.pos, _not_call_arguments(rule, scope - outer))
            elif isinstance(action, ast.Goto):
                for target in (action.target, action.otherwise):
                    if target is not None and target not in self.known_states:
                        self.error(action.pos, f"unknown state {target}")
                if action.condition is not None:
                    self._expr(action.condition, outer, action.pos)
        for expr, pos in _divisors(rule):
            self._division(rule, expr, pos)

    def _render(self, render: ast.Render):
        for state in render.states:
            if state not in self.known_states:
                self.error(render.pos, f"render for unknown state {state}")
        names = set(self.m.operands) | set(self.heads) | set(self.registers) | set(self.outputs)
        for item in render.items:
            if isinstance(item, ast.Ref):
                if item.name not in names:
                    self.error(item.pos, f"unknown name {item.name} in render")
                if item.view is not None and item.view not in VIEWS:
                    self.error(item.pos, f"unknown view {item.view} (known: {', '.join(VIEWS)})")

    def _graph(self, states_with_rules: set[str]):
        m = self.m
        edges: dict[str, set[str]] = {}
        for rule in m.rules:
            g = rule.goto
            if g is not None:
                edges.setdefault(rule.state, set()).update(t for t in (g.target, g.otherwise) if t)
        if m.start is not None and m.start not in states_with_rules:
            self.error(m.position_of("start"), f"the start state {m.start} has no rules")
        reached, todo = set(), [m.start] if m.start else []
        while todo:
            s = todo.pop()
            if s not in reached:
                reached.add(s)
                todo.extend(edges.get(s, ()))
        first_rule = {}
        for rule in m.rules:
            first_rule.setdefault(rule.state, rule)
        for state, rule in first_rule.items():
            if state not in reached:
                self.error(rule.pos, f"state {state} is unreachable from {m.start}")
        if m.halt is None:
            return
        reverse: dict[str, set[str]] = {}
        for src, dsts in edges.items():
            for d in dsts:
                reverse.setdefault(d, set()).add(src)
        can_halt, todo = set(), [m.halt]
        while todo:
            s = todo.pop()
            if s not in can_halt:
                can_halt.add(s)
                todo.extend(reverse.get(s, ()))
        for state, rule in first_rule.items():
            if state in reached and state not in can_halt:
                self.error(rule.pos, f"no path from state {state} to the halt state {m.halt}")

    # -- enumeration-based checks
    def _envs(self, rule: ast.Rule, symbols: dict[str, str], names: set[str]):
        """Every environment the rule can see for these symbols (registers with a range)."""
        env, choices = {}, []
        for p in rule.patterns:
            if p.kind == "bind":
                s = symbols.get(p.head)
                if s is None or not s.isdigit():
                    return
                env[p.value] = int(s)
        for name in names:
            if name in env:
                continue
            reg = self.registers.get(name)
            if reg is None or reg.domain is None:
                raise _Undecidable(name)
            choices.append((name, range(reg.domain[0], reg.domain[1] + 1)))
        count = 1
        for _, values in choices:
            count *= len(values)
        if count > ENUMERATION_LIMIT:
            raise _Undecidable("too many values")
        for combo in itertools.product(*(v for _, v in choices)):
            e = dict(env)
            e.update(zip((n for n, _ in choices), combo))
            yield e

    def _overlaps(self):
        by_state: dict[str, list[ast.Rule]] = {}
        for rule in self.m.rules:
            by_state.setdefault(rule.state, []).append(rule)
        for rules in by_state.values():
            for first, second in itertools.combinations(rules, 2):
                witness = self._both_fire(first, second)
                if witness:
                    self.error(second.pos, f"this rule and the one at line {first.pos.line} can both "
                                           f"fire in state {first.state} ({witness})")

    def _both_fire(self, r1: ast.Rule, r2: ast.Rule) -> str | None:
        heads = sorted({p.head for p in r1.patterns + r2.patterns})
        names = set()
        for r in (r1, r2):
            if r.condition is not None:
                names |= free_names(r.condition) - {p.value for p in r.patterns if p.kind == "bind"}
        conds = [(r, _evaluator(r.condition) if r.condition is not None else None) for r in (r1, r2)]
        if any(r.condition is not None and c is None for r, c in conds):
            return None
        for combo in itertools.product(SYMBOLS, repeat=len(heads)):
            symbols = dict(zip(heads, combo))
            if not (_matches(r1, symbols) and _matches(r2, symbols)):
                continue
            if conds[0][1] is None and conds[1][1] is None:
                return ", ".join(f"{h} reads {s}" for h, s in symbols.items()) or "no patterns"
            try:
                envs1 = list(self._envs(r1, symbols, names))
                envs2 = list(self._envs(r2, symbols, names))
            except _Undecidable:
                return None
            for e1, e2 in zip(envs1, envs2):
                try:
                    if all(c is None or c(e) for (_, c), e in zip(conds, (e1, e2))):
                        shown = {**symbols, **{n: e1[n] for n in names if n in e1}}
                        return ", ".join(f"{k} = {v}" for k, v in shown.items())
                except Exception:
                    return None
        return None

    def _division(self, rule: ast.Rule, divisor, pos: ast.Pos):
        heads = sorted({p.head for p in rule.patterns})
        names = free_names(divisor)
        fn = _evaluator(divisor)
        if fn is None:
            return
        lets = {a.name: a.expr for a in rule.actions if isinstance(a, ast.Let)}
        if names & set(lets):
            return  # a divisor computed by a let: not enumerated
        if names & set(self.m.operands):
            return
        for combo in itertools.product(SYMBOLS, repeat=len(heads)):
            symbols = dict(zip(heads, combo))
            if not _matches(rule, symbols):
                continue
            try:
                for env in self._envs(rule, symbols, names - {p.value for p in rule.patterns if p.kind == "bind"}):
                    if fn(env) == 0:
                        self.error(pos, "this expression can divide by zero")
                        return
            except (_Undecidable, KeyError, TypeError):
                return


def _evaluator(expr: ast.Expr):
    """The expression as a closure, or None when it calls an unknown function (`_expr` reports it)."""
    try:
        return evaluator(expr)
    except KeyError:
        return None


def _matches(rule: ast.Rule, symbols: dict[str, str]) -> bool:
    return all(p.accepts(symbols[p.head]) for p in rule.patterns)


def _divisors(rule: ast.Rule):
    def walk(expr):
        if isinstance(expr, ast.Binary) and expr.op in ("//", "%"):
            yield expr.right, expr.pos
        for child in children(expr):
            yield from walk(child)
    for action in rule.actions:
        for expr in (getattr(action, "expr", None), getattr(action, "condition", None)):
            if expr is not None:
                yield from walk(expr)
        for arg in getattr(action, "args", ()):
            yield from walk(arg)
    if rule.condition is not None:
        yield from walk(rule.condition)


def _recursion(machines: dict[str, ast.Machine]) -> list[Diagnostic]:
    out = []
    for machine in machines.values():
        for rule in machine.rules:
            for action in rule.actions:
                if not isinstance(action, ast.CallMachine):
                    continue
                # Does the callee (transitively) call back into this machine?
                seen, todo = set(), [action.machine]
                while todo:
                    name = todo.pop()
                    if name == machine.name:
                        out.append(_diag(machine, action.pos,
                                         f"recursive call: {action.machine} leads back to {machine.name}"))
                        break
                    if name in seen or name not in machines:
                        continue
                    seen.add(name)
                    todo.extend(machines[name].calls)
    return out


"""The fast paths: the steps the reference run takes (interpreter.py), taken faster. A reader
of the semantics can skip this module; tests/test_quiet_run.py and the golden traces hold it
equal to stepping with `Executable.decide` and `actions.apply` alone.

  decisions      a machine whose rules read no operand and call nothing decides from its
                 finite control alone: its command is cached per state, symbols read and
                 registers (`FastPaths.decision`)
  Effect         what such a step does, computed once by `apply` per state, symbols read and
                 registers; runs take it (`advance`) instead of interpreting the command again
                 (`FastPaths.transition`, `run_recorded`)
  Sweeps         per machine, the table a quiet run walks in C while heads only move right:
                 node (state, registers, digit written) --symbols read--> next node
  QuietTrace     a call's trace as its first step and halting configuration only
                 (`run_quietly`); the steps between are run again, on first reading
  CallMemo       per machine, the traces of its small runs as a callee, answered again
                 without running them (they spend the budget all the same)

The tables are per machine: every `Executable` carries its `FastPaths`, so they live as long
as the machine and nothing is shared between machine sets.
"""
from __future__ import annotations

import operator
from collections import OrderedDict
from functools import cached_property
from itertools import accumulate, islice, takewhile, zip_longest
from operator import getitem
from typing import NamedTuple

from .actions import apply, located, output_action
from .budget import KEEP_STEPS, Budget, never_halts, repeats
from .configuration import Configuration, GotoSite, OutputTape, Step, Trace
from .errors import OutOfRange, RunError

DECISION_CACHE_LIMIT = 200_000  # entries of a per-machine table before it is cleared
CALL_MEMO_SIZE = 512            # traces kept per callee, the least recently used dropped
CALL_MEMO_DIGITS = 16           # calls whose operands hold more digits in all are not kept


class FastPaths:
    """What the fast paths keep for one machine, filled as it runs."""

    def __init__(self, exe: "Executable"):
        self.exe = exe
        self.calls = CallMemo()
        self._decisions: dict[tuple, tuple] = {}
        self._transitions: dict[tuple, tuple] = {}
        self.sweeps = Sweeps(exe) if exe.decisions_cacheable else None

    def decision(self, state: str, symbols: tuple[str, ...], registers: tuple) -> tuple:
        """The decision of a machine whose rules read no operand: a pure function of state,
        symbols read and registers, so cached."""
        key = (state, symbols, registers)
        command = self._decisions.get(key)
        if command is None:
            exe = self.exe

            def env():
                values = dict(zip(exe.register_names, registers))
                values.update((n, int(s) if s.isdigit() else None)
                              for n, s in zip(exe.head_names, symbols))
                return values
            if len(self._decisions) > DECISION_CACHE_LIMIT:
                self._decisions.clear()
            command = self._decisions[key] = exe.fire(state, symbols, env)
        return command

    def transition(self, config: Configuration) -> "tuple[tuple, Effect | None]":
        """The command a machine whose rules read no operand gives in `config`, and its
        `Effect` (None for a conditional goto): both cached per state, symbols and registers."""
        key = (config.state, config.symbols(), config.registers)
        entry = self._transitions.get(key)
        if entry is None:
            command = self.decision(*key)
            if len(self._transitions) > DECISION_CACHE_LIMIT:
                self._transitions.clear()
            entry = self._transitions[key] = (command, _effect(config, command))
        return entry


class CallMemo(OrderedDict):
    """Traces of one machine's small runs as a callee, by operands and the call depth left,
    the least recently used first. Traces are immutable and a run is a pure function of
    machine and operands, so a small call made before (in this run or another) is not run
    again. Small only: counters and digits come back often, long operands almost never, and
    keeping their traces costs more than it saves (docs/results.md)."""

    @staticmethod
    def key(args: list, depth_left: int) -> tuple | None:
        """The memo's key of a call, or None for a call too long to keep."""
        return (tuple(args), depth_left) if sum(map(len, args)) <= CALL_MEMO_DIGITS else None

    def recall(self, key: tuple | None, budget: Budget, name: str) -> Trace | None:
        """The trace kept under `key`, its steps spent again on `budget`, or None."""
        trace = self.get(key) if key else None
        if trace is not None:
            self.move_to_end(key)
            budget.spend(trace.total_steps(), name)
        return trace

    def keep(self, key: tuple | None, trace: Trace) -> None:
        if key:
            self[key] = trace
            if len(self) > CALL_MEMO_SIZE:
                self.popitem(last=False)


# ---- effects: a step carried out once, then replayed -----------------------------------------

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
    conditional goto, whose target depends on what the heads read after the moves, or moves a
    value onto a text tape, read where it is applied."""
    if any(a[0] == "goto" and a[1].__class__ is GotoSite or a[0] == "put" and len(a) == 4 for a in command):
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


def run_recorded(exe: "Executable", operands, budget: Budget, keep: int = KEEP_STEPS) -> Trace:
    """The whole trace of a machine whose rules read no operand and call nothing: the steps
    the reference `run` takes, each carried out by its cached `Effect` (by `apply` where a
    conditional goto leaves it none). Past `keep` steps (budget.KEEP_STEPS) it walks on
    without keeping them, and records again from the start only if the run halts."""
    start = budget.used
    config = exe.initial(operands)
    steps = []
    halt, allowance, transition = exe.halt, budget.max_steps, exe.fast_paths.transition
    mark, lap = config, 1  # watching for a repeat (budget.never_halts)
    try:
        while config.state != halt:
            budget.used += 1
            if budget.used > allowance:
                budget.spend(0, exe.name)
            command, effect = transition(config)
            steps.append(Step(config, command))
            config = advance(config, effect) if effect is not None else apply(config, command)[0]
            if config == mark:
                raise never_halts(exe.name, [s.config for s in steps] + [config], lap)
            if len(steps) == lap:
                if lap == keep:
                    steps.clear()  # not kept while the walk goes on
                    walk(exe, config, budget, lap)
                    budget.used = start  # it halted: run again, keeping every step
                    return run_recorded(exe, operands, budget, keep=0)
                mark, lap = config, 2 * lap
    except OutOfRange as error:
        raise located(error, config, len(steps))
    steps.append(Step(config, None, None))
    return Trace(exe, steps)


# ---- sweeps: runs of steps walked in C -------------------------------------------------------

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
            command = exe.fast_paths.decision(node.state, symbols + self.fillers, node.registers)
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


# ---- quiet runs: a call's first step and halting configuration only ------------------------

def run_quietly(exe: "Executable", operands, budget: Budget) -> "QuietTrace":
    """Run a machine that calls nothing and decides from its finite control alone, keeping
    its first step and halting configuration, in `Sweeps` where it can."""
    config = exe.initial(operands)
    first = Step(config, None if config.state == exe.halt else exe.fast_paths.transition(config)[0])
    final, steps = walk(exe, config, budget, 0, exact=lambda: run_recorded(
        exe, operands, Budget(budget.max_steps, budget.max_depth)))
    return QuietTrace(exe, first, final, steps)


def walk(exe: "Executable", config: Configuration, budget: Budget, taken: int,
         exact=None) -> tuple[Configuration, int]:
    """Step `config` to the halt state keeping no step, in `Sweeps` where it can: the halting
    configuration and the steps taken, spent on `budget`. `taken` counts the steps before
    `config`, for the messages. A repeated configuration (budget.never_halts) raises: `exact()`,
    where given, runs again recording the steps, to name where the loop began."""
    transition, halt, sweeps, steps = exe.fast_paths.transition, exe.halt, exe.fast_paths.sweeps, 0
    allowance = budget.max_steps - budget.used
    mark, mark_step, lap, unswept = config, taken, 1, 0  # watching for a repeat
    try:
        while config.state != halt:
            if config.state in sweeps.states and min(config.heads) >= -1:
                swept, config = sweeps.run(config)
                steps += swept
                if config.state == halt:
                    break
            steps += 1
            if steps > allowance:
                budget.spend(steps, exe.name)
            command, effect = transition(config)
            config = advance(config, effect) if effect is not None else apply(config, command)[0]
            unswept += 1
            if config == mark:
                if exact is not None:
                    exact()
                raise repeats(exe.name, mark_step, taken + steps, config.state)
            if unswept == lap:
                mark, mark_step, lap = config, taken + steps, 2 * lap
    except OutOfRange as error:
        raise located(error, config, taken + steps - 1)
    budget.spend(steps, exe.name)
    return config, steps


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
        return run_recorded(self.machine, operands, Budget()).steps

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

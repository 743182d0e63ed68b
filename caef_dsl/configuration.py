"""The data a run passes between its stages: configurations, call and goto sites, steps and
traces.

  Configuration  state, operand tapes, head positions, registers, output tapes, finished set
  Command        tuple of actions: ("set", R, v) ("put", O, d) ("move", X, ±1) ("finish", X)
                 ("call", CallSite) ("goto", q) ("goto", GotoSite); ("set", R, v, N) moves the
                 value of operand or register N (`R := N`): the head view names N, not v
  Trace          the machine, its Steps (configuration, command, callee trace) and the result

A configuration's `machine` is the `executable.Executable` it belongs to: its indexes say
which register, output tape or operand a name is. Nothing here decides or carries out a step
(`executable.py` and `actions.py` do).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, NamedTuple

from .values import Digits, Text, barred


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

    def text(self) -> Text:
        """The tape as a text tape's value: the characters written, in order."""
        return Text(self.cells + (self.pending or ""))

    def appended(self, digits: str) -> "OutputTape":
        """The tape with `digits` committed after its cells, the head past them."""
        return OutputTape(self.cells + digits, None, self.barred + barred(digits))


def output_value(exe: "Executable", outputs, name: str) -> Digits | Text:
    """What output tape `name` holds: a number, or a text tape's characters."""
    i = exe.output_index[name]
    return outputs[i].text() if exe.text_outputs[i] else outputs[i].value()


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
        cell = tape[position] if 0 <= position < len(tape) else None
        env[name] = int(cell) if cell is not None and cell.isdigit() else cell
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
            return output_value(exe, self.outputs, name)
        return self.operands[exe.operand_names.index(name)]

    @property
    def result(self):
        return self.value(self.machine.result)


@dataclass(frozen=True, eq=False)
class CallSite:
    """`call M(args) -> R` in a rule of `state`: the command names it as `[CALL] M`."""
    machine: str
    args: tuple[Callable, ...]
    result: str
    state: str
    outputs: tuple[str, ...] = ()  # the output tapes the arguments read


@dataclass(frozen=True, eq=False)
class GotoSite:
    """`-> q if cond else r` in a rule of `state`: the command names q; the condition is read
    after the actions."""
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

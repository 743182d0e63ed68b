"""Configurations and commands → text, and text → configurations and commands.

One definition serves both directions: every state line comes from a *template* (the
machine's `render` declaration for that state, or the canonical template built from its
declarations), and the reader is a regular expression compiled from the same template.
Commands are the comma-separated fragments of their actions, read back fragment by fragment.

Three views (docs/design.md): the full step (state line + command line; blocks for composites),
the state line alone (`tape` mode reads it), and the finite-control `head` line.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from . import ast, values
from .errors import TextParseError
from .configuration import Configuration, GotoSite, OutputTape, Trace
from .executable import Executable
from .values import Digits, Text, as_number, display

HALT_COMMAND = "No command to execute. Halt state."
DEFAULT_COMMAND_PREFIX = "CMD "
VIEWS = ("marked", "digits", "value")
_BARS = r"(?:\|[0-9+\-*/%=<>()])*"  # a barred tape: digits, or a text tape's characters


# Operand tapes come back in every line of a trace: their barred forms are kept.
barred = lru_cache(maxsize=4096)(values.barred)


def _marked(text: str, position: int, marker: str) -> str:
    """A barred tape with a head's marker before the cell it is on (or before the tape)."""
    return f"{marker} {text}" if position < 0 else text[:2 * position] + marker + text[2 * position:]


def _register_digits(value) -> str:
    if value.__class__ is Digits:
        return barred(value)
    return "" if value is None else barred(Digits.of(value))


_LINE_HELPERS = {"barred": barred, "marked": _marked, "display": display,
                 "register_digits": _register_digits, "__builtins__": {}}


class Renderer:
    """Text views of one machine's configurations and commands."""

    def __init__(self, exe: Executable):
        self.exe = exe
        machine = exe.ast
        self.prefix = machine.command_prefix if machine.command_prefix is not None else DEFAULT_COMMAND_PREFIX
        self.templates = {state: r.items for r in machine.renders for state in r.states}
        self._line_fns: dict[str, Callable[[Configuration], str]] = {}
        self._readers: dict[str, tuple] = {}
        self._commands: dict[tuple, str] = {}
        self._head_commands: dict[tuple, str] = {}
        self.state_pattern = re.compile(re.escape(exe.name) + r", (\w+),")
        self._head_fns: dict[str, Callable[[Configuration], str]] = {}

    # -- kinds of elements
    def kind(self, name: str) -> str:
        exe = self.exe
        if name in exe.head_index:
            return "head"
        if name in exe.output_index:
            return "output"
        if name in exe.register_index:
            return "register"
        if name in exe.operand_names:
            return "operand"
        raise KeyError(name)

    def template(self, state: str) -> tuple:
        """The render items of `state`: declared, or canonical from the declarations."""
        if state in self.templates:
            return self.templates[state]
        exe = self.exe
        items: list = [ast.Text(f"{exe.name}, {state}, ")]
        parts: list[list] = [[ast.Ref(h)] for h in exe.head_names]
        parts += [[ast.Ref(o)] for o in exe.output_names]
        parts += [[ast.Text(f"[{r}]"), ast.Ref(r)] for r in exe.register_names]
        if not exe.head_names:  # composites: their operands, plainly
            parts = [[ast.Text(f"[{n}]"), ast.Ref(n, "digits")] for n in exe.operand_names] + parts
        for i, part in enumerate(parts):
            items += ([ast.Text(" ")] if i else []) + part
        return tuple(items)

    # -- state lines
    def _expression(self, ref: ast.Ref) -> str:
        """One rendered element as Python source over the configuration `c`."""
        exe, name, view = self.exe, ref.name, ref.view or "marked"
        kind = self.kind(name)
        if kind == "head":
            i = exe.head_index[name]
            tape = f"barred(c.operands[{exe.head_tapes[i]}])"
            return tape if view == "digits" else f"marked({tape}, c.heads[{i}], {f'[{name}]'!r})"
        if kind == "output":
            tape = f"c.outputs[{exe.output_index[name]}].barred"
            return tape if view == "digits" else f"{tape} + {f'[{name}]'!r}"
        if kind == "register":
            value = f"c.registers[{exe.register_index[name]}]"
            return f"register_digits({value})" if view == "digits" else f"display({value})"
        return f"barred(c.operands[{exe.operand_names.index(name)}])"

    def _line(self, state: str) -> Callable[[Configuration], str]:
        """The state's template compiled once into one function of a configuration: the
        template is walked here, not at every line (its texts enter the source as literals)."""
        fn = self._line_fns.get(state)
        if fn is None:
            parts = []
            for item in self.template(state):
                if isinstance(item, ast.Text):
                    parts.append(repr(item.text))
                elif isinstance(item, ast.StateName):
                    parts.append("c.state")
                elif item.fallback is None:
                    parts.append(self._expression(item))
                else:
                    parts.append(f"({self._expression(item)} or {item.fallback!r})")
            source = f"lambda c: ''.join(({', '.join(parts)},))"
            fn = self._line_fns[state] = eval(source, dict(_LINE_HELPERS))
        return fn

    def state_line(self, config: Configuration) -> str:
        return self._line(config.state)(config)

    def head_line(self, config: Configuration) -> str:
        """The finite-control view: the state, then what its rules read (finite.py) — the
        symbol under each head and read output they test, bounded values as they are, a
        number only as `0` or `+` where a rule tests it against 0; `-` is unset."""
        fn = self._head_fns.get(config.state)
        if fn is None:
            fn = self._head_fns[config.state] = self._head_function(config.state)
        return fn(config)

    def _head_function(self, state: str) -> Callable[[Configuration], str]:
        """The head line of one state as one function of a configuration; what it shows is
        chosen once per symbols read (finite.StateView.select)."""
        exe = self.exe
        view = exe.head_view.states.get(state) if exe.head_view else None
        if view is None:  # the halt state: nothing is read there
            return lambda c: f"{exe.name} {c.state}"
        names = exe.operand_names + exe.register_names
        plans: dict[tuple, tuple] = {}

        def plan(symbols: tuple[str, ...]) -> tuple:
            readers, values = view.select(exe.reader_names, symbols, names)
            slots = tuple((name, exe.reader_names.index(name)) for name in readers)
            return slots, tuple((v.name, v.how, *self._value_slot(v.name)) for v in values)

        def line(c: Configuration) -> str:
            symbols = c.symbols()
            readers, values = plans.get(symbols) or plans.setdefault(symbols, plan(symbols))
            parts = [exe.name, c.state]
            for name, slot in readers:
                parts += [name, symbols[slot]]
            for name, how, where, i in values:
                parts += [name, _head_value(getattr(c, where)[i], how)]
            return " ".join(parts)
        return line

    def _value_slot(self, name: str) -> tuple[str, int]:
        if name in self.exe.register_index:
            return "registers", self.exe.register_index[name]
        return "operands", self.exe.operand_names.index(name)

    def executor_view(self, mode: str) -> tuple[Callable[[Configuration], str], Callable[[tuple | None], str]]:
        """(prompt, completion) renderers of the tape and head views: the state line or the
        finite-control line, and the command as that view writes it."""
        if mode == "tape":
            return self.state_line, self.command_line
        if mode == "head":
            return self.head_line, self.head_command_line
        raise ValueError(f"{mode!r} is not a view of one line (tape, head)")

    # -- commands
    def command_line(self, command: tuple | None) -> str:
        """The command as the paper writes it: every value spelled (`[OUTPUT]|7|1|4|2`)."""
        if command is None:
            return HALT_COMMAND
        text = self._commands.get(command)
        if text is None:
            text = self.prefix + ", ".join(_fragment(a) for a in command)
            self._commands[command] = text
        return text

    def head_command_line(self, command: tuple | None) -> str:
        """The command as the head view writes it: a moved value by its source's name
        (`[OUTPUT] a`), so no command spells a number."""
        if command is None or not any(len(a) == 4 for a in command):
            return self.command_line(command)
        key = tuple(("moved", a[1], a[3]) if len(a) == 4 else a for a in command)  # not the value moved
        text = self._head_commands.get(key)
        if text is None:
            text = self.prefix + ", ".join(f"[{a[1]}] {a[3]}" if len(a) == 4 else _fragment(a) for a in command)
            self._head_commands[key] = text
        return text

    # -- reading text back
    def parse_command(self, state: str, text: str) -> tuple | None:
        """A command line → the command (None for the halt line). Raises TextParseError."""
        text = text.strip("\n")
        if text == HALT_COMMAND:
            return None
        if not text.startswith(self.prefix.rstrip()):
            raise TextParseError(f"command does not start with {self.prefix.strip()!r}: {text!r}")
        body = text[len(self.prefix.rstrip()):].lstrip(" ")
        fragments = body.split(", ")
        exe, command = self.exe, []
        for fragment in fragments[:-1]:
            read = self.parse_call if fragment.startswith("[CALL]") else self._read_fragment
            command.append(read(state, fragment))
        target = fragments[-1]
        if not re.fullmatch(r"\w+", target):
            raise TextParseError(f"command must end with the next state, not {target!r}")
        site = exe.goto_sites.get((state, target))
        command.append(("goto", site if site is not None else target))
        return tuple(command)

    def _read_fragment(self, state: str, fragment: str) -> tuple:
        m = re.fullmatch(r"\[(\w+)\](?: (RIGHT|LEFT)| (True|False|\d+|[+\-*/%=<>()])|((?:\|\d)+)| ([A-Za-z_]\w*))?",
                         fragment)
        if not m:
            raise TextParseError(f"cannot read command fragment {fragment!r}")
        name, direction, word, digits, source = m.groups()
        exe = self.exe
        if source:  # a moved value, read by the action code where the command is applied
            if name in exe.output_index and exe.text_outputs[exe.output_index[name]] \
                    and source in exe.register_index:
                return ("put", name, None, source)
            if name not in exe.register_index:
                raise TextParseError(f"{name} is not a register of {exe.name}")
            if source not in exe.register_index and source not in exe.operand_names:
                raise TextParseError(f"{source} is not an operand or register of {exe.name}")
            return ("set", name, None, source)
        if direction:
            if name not in exe.head_index and name not in exe.output_index:
                raise TextParseError(f"{name} is not a head or output of {exe.name}")
            return ("move", name, 1 if direction == "RIGHT" else -1)
        if word is None and digits is None:
            if name not in exe.register_index and name not in exe.output_index:
                raise TextParseError(f"{name} is not a register or output of {exe.name}")
            return ("finish", name)
        if name in exe.output_index:
            text_tape = exe.text_outputs[exe.output_index[name]]
            if word is None or len(word) != 1 or not (word.isdigit() or text_tape):
                raise TextParseError(f"an output cell holds one digit: {fragment!r}")
            return ("put", name, word)
        if name not in exe.register_index:
            raise TextParseError(f"{name} is not a register of {exe.name}")
        if digits is not None:
            return ("set", name, Digits(digits.replace("|", "")))
        return ("set", name, word == "True" if word in ("True", "False") else int(word))

    def parse_call(self, state: str, fragment: str):
        m = re.fullmatch(r"\[CALL\] (\w+)", fragment)
        site = self.exe.call_sites.get((state, m.group(1))) if m else None
        if site is None:
            raise TextParseError(f"state {state} of {self.exe.name} makes no call {fragment!r}")
        return ("call", site)

    def _reader(self, state: str):
        reader = self._readers.get(state)
        if reader is None:
            pattern, slots = [], []
            for item in self.template(state):
                if isinstance(item, ast.Text):
                    pattern.append(re.escape(item.text))
                    continue
                if isinstance(item, ast.StateName):
                    pattern.append(re.escape(state))
                    continue
                group = f"g{len(slots)}"
                view, kind = item.view or "marked", self.kind(item.name)
                if kind == "head" and view == "marked":
                    marker = re.escape(f"[{item.name}]")
                    inner = (f"(?:{marker} (?P<{group}s>{_BARS})|"
                             f"(?P<{group}l>{_BARS}){marker}(?P<{group}r>{_BARS}))")
                elif kind == "output" and view == "marked":
                    inner = f"(?P<{group}>{_BARS}){re.escape(f'[{item.name}]')}"
                elif kind == "register" and view != "digits":
                    inner = f"(?P<{group}>True|False|-?\\d+|(?:\\|\\d)+|)"
                else:
                    inner = f"(?P<{group}>{_BARS})"
                if item.fallback is not None:
                    inner = f"(?:{inner}|{re.escape(item.fallback)})"
                pattern.append(inner)
                slots.append((group, item.name, kind, view))
            reader = (re.compile("".join(pattern)), slots)
            self._readers[state] = reader
        return reader

    def _tape(self, operand: int, barred_cells: str) -> Digits | Text:
        cells = barred_cells.replace("|", "")
        return Text(cells) if self.exe.text_operands[operand] else Digits(cells)

    def parse_state_line(self, text: str) -> Configuration:
        """A state line → the configuration it shows (what it does not show is unset)."""
        exe = self.exe
        m = self.state_pattern.match(text)
        state = m.group(1) if m else None
        if state is None:
            m = re.match(re.escape(exe.name) + r" (\w+) ", text)
            state = m.group(1) if m else None
        if state is None or (state not in exe.rules and state != exe.halt):
            raise TextParseError(f"not a state line of {exe.name}: {text!r}")
        pattern, slots = self._reader(state)
        m = pattern.fullmatch(text)
        if not m:
            raise TextParseError(f"state line does not match the {state} template of {exe.name}: {text!r}")
        operands = [None] * len(exe.operand_names)
        heads = [-1] * len(exe.head_names)
        registers = [None] * len(exe.register_names)
        outputs = [OutputTape() for _ in exe.output_names]
        for group, name, kind, view in slots:
            if kind == "head":
                i = exe.head_index[name]
                tape = exe.head_tapes[i]
                if view == "marked" and m.group(group + "s") is None and m.group(group + "l") is not None:
                    left, right = m.group(group + "l"), m.group(group + "r")
                    heads[i] = len(left) // 2
                    operands[tape] = operands[tape] or self._tape(tape, left + right)
                else:
                    raw = m.group(group + "s") if view == "marked" else m.group(group)
                    operands[tape] = operands[tape] or self._tape(tape, raw or "")
            elif kind == "output":
                raw = m.group(group) or ""
                outputs[exe.output_index[name]] = OutputTape(raw.replace("|", ""), None, raw)
            elif kind == "register":
                registers[exe.register_index[name]] = _read_value(m.group(group))
            else:
                i = exe.operand_names.index(name)
                operands[i] = operands[i] or self._tape(i, m.group(group) or "")
        missing = [n for n, v in zip(exe.operand_names, operands) if v is None]
        if missing:
            raise TextParseError(f"the {state} line of {exe.name} does not show operand(s) {', '.join(missing)}")
        return Configuration(exe, state, tuple(operands), tuple(heads), tuple(registers), tuple(outputs))


def _head_value(value, how: str) -> str:
    """A value as the head view shows it (finite.Shown.how)."""
    if value is None:
        return "-"
    if how == "zero":
        return "0" if as_number(value) == 0 else "+"
    return _register_digits(value) if how == "digits" else display(value)


def _read_value(raw: str | None):
    if raw is None or raw == "":
        return None
    if raw in ("True", "False"):
        return raw == "True"
    if raw.startswith("|"):
        return Digits(raw.replace("|", ""))
    return int(raw)


def _fragment(action: tuple) -> str:
    kind = action[0]
    if kind == "set":
        value = action[2]
        return f"[{action[1]}]{value.barred}" if isinstance(value, Digits) else f"[{action[1]}] {value}"
    if kind == "put":
        return f"[{action[1]}] {action[2]}"
    if kind == "move":
        return f"[{action[1]}] {'RIGHT' if action[2] > 0 else 'LEFT'}"
    if kind == "finish":
        return f"[{action[1]}]"
    if kind == "call":
        return f"[CALL] {action[1].machine}"
    target = action[1]
    return target.target if isinstance(target, GotoSite) else target


def renderer(exe: Executable) -> Renderer:
    """The (cached) renderer of a machine."""
    r = getattr(exe, "_renderer", None)
    if r is None:
        r = exe._renderer = Renderer(exe)
    return r


# ---- whole traces ------------------------------------------------------------------------

def step_pairs(trace: Trace) -> list[list[str]]:
    """The paper's `get_transition_seq()`: [state, command] per step for basic machines;
    for composites, [input block, output block] per transition (see docs/trace-format.md)."""
    r = renderer(trace.machine)
    if not trace.machine.composite:
        return [[r.state_line(s.config), r.command_line(s.command)] for s in trace.steps]
    own = [own_lines(step) for step in trace.steps]  # each step is in two blocks: render it once
    return [[returning_block(trace.steps[t], own[t]), entering_block(trace.steps[t + 1], own[t + 1])]
            for t in range(len(trace.steps) - 1)]


def own_lines(step) -> str:
    """A step's state and command lines."""
    r = renderer(step.config.machine)
    return r.state_line(step.config) + "\n" + r.command_line(step.command)


def entering_block(step, own: str | None = None) -> str:
    """State + command, and for a call the callee's first state + command (output block).
    `own`: the step's `own_lines`, when already rendered."""
    own = own_lines(step) if own is None else own
    if step.call is None:
        return own
    return own + "\n" + _callee_view(step.call, "first")


def returning_block(step, own: str | None = None) -> str:
    """State + command, and for a call the callee's halting state (input block).
    `own`: the step's `own_lines`, when already rendered."""
    own = own_lines(step) if own is None else own
    if step.call is None:
        return own + "\n"
    return own + "\n" + _callee_view(step.call, "final") + "\n"


def _callee_view(call: Trace, which: str) -> str:
    """The lines a composite shows of a call: its first state and command ("first") or its
    halting state ("final"), kept in the call's `views`."""
    text = call.views.get(which)
    if text is None:
        if which == "first":
            first = call.first
            r = renderer(first.config.machine)
            text = r.state_line(first.config) + "\n" + r.command_line(first.command)
        else:
            text = renderer(call.machine).state_line(call.final) + "\n" + HALT_COMMAND
        call.views[which] = text
    return text


def result_token(value) -> str:
    """The result as the paper's aligner reads it from the halting line: digits or True/False."""
    if isinstance(value, Digits):
        return value.decimal
    return str(value)

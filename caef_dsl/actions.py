"""What one command does to a configuration: `apply`, and the output-tape actions it shares
with the fast paths (`output_action`).

The reference run (interpreter.py) applies the command a rule decided; the model runtime
applies the command a language model wrote, to the same configurations, without ever
consulting the rules.
"""
from __future__ import annotations

from typing import Callable

from .configuration import Configuration, GotoSite, OutputTape, Trace, names, output_value
from .errors import OutOfRange, RunError
from .values import Digits, Text, as_number, barred, display

CallRunner = Callable[[str, list[Digits]], tuple[object, "Trace | None"]]


def output_action(exe: "Executable", outputs: list, action: tuple) -> None:
    """Carry out a put, move or finish on an output tape of `outputs`, in place."""
    kind, name = action[0], action[1]
    i = exe.output_index[name]
    tape = outputs[i]
    if kind == "put":
        outputs[i] = OutputTape(tape.cells, action[2], tape.barred)
    elif kind == "finish":
        # The digit under the head counts only when non-zero: a number has no leading 0 (a
        # text tape keeps every character).
        kept = tape.pending is not None and (tape.pending != "0" or exe.text_outputs[i])
        outputs[i] = tape.appended(tape.pending) if kept else OutputTape(tape.cells, None, tape.barred)
    elif action[2] > 0:
        if tape.pending is None:
            raise RunError(f"{exe.name}: moved {name} right without writing a digit")
        outputs[i] = tape.appended(tape.pending)
    else:
        if not tape.cells:
            raise RunError(f"{exe.name}: moved {name} left of its first cell")
        outputs[i] = OutputTape(tape.cells[:-1], None, barred(tape.cells[:-1]))


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
            i = exe.register_index[action[1]]
            if exe.domains[i] is not None:
                in_range(exe, i, value, config.state)
            registers[i] = value
            if values is not None:
                values[action[1]] = value
        elif kind == "put":
            if len(action) == 4:  # a value moved whole onto a text tape, read at the rule's site
                value = config.value(action[3])
                if value.__class__ is not Text:
                    raise RunError(f"{exe.name}: put {action[3]} on {action[1]}: a text tape takes text, and "
                                   f"{action[3]} holds {display(value) or 'nothing'} (DECIMAL writes a number as text)")
                action = ("put", action[1], str(value))
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
            for n in site.outputs:  # an output tape passed as it stands now
                values[n] = output_value(exe, outputs, n)
            result, callee = run_call(site.machine, [argument(f(values)) for f in site.args])
            i = exe.register_index[site.result]
            if exe.domains[i] is not None:
                in_range(exe, i, result, config.state)
            registers[i] = values[site.result] = result
        else:
            raise RunError(f"unknown action {kind!r}")
    return Configuration(exe, state, config.operands, tuple(heads), tuple(registers),
                         tuple(outputs), finished), callee


def in_range(exe: "Executable", i: int, value, state: str) -> None:
    """Raise `OutOfRange` unless register `i` may hold `value`: a declared range is what keeps
    the head view finite (finite.py), so a run may not leave it."""
    low, high = exe.domains[i]
    number = as_number(value)
    if number is not None and not low <= number <= high:
        raise OutOfRange(exe.name, exe.register_names[i], number, (low, high), state)


def located(error: OutOfRange, config: Configuration, step: int) -> OutOfRange:
    """`error`, raised by the step `step` takes from `config`, with that step and its rule."""
    if error.step is None:
        exe = config.machine
        rule = exe.rule_firing(config)
        error.locate(step, f"the rule at {exe.ast.path}:{rule.pos.line}" if rule else "a command")
    return error


def argument(value) -> Digits | Text:
    """A call argument as the callee's tape: the number it spells, without leading zeros; a
    text tape as it is."""
    if value.__class__ is Text:
        return value
    if value.__class__ is Digits:
        trimmed = value.rstrip("0")
        return value if trimmed == value and value else Digits(trimmed or "0")
    return Digits.of(as_number(value))

"""A machine's .tm declaration → the plain-text description the `prompt` stage puts in front of
every prompt: what the machine computes (its header comment), how numbers are written, its
heads, registers, outputs and states, what each state does, what every command item means,
and what the model is asked to write in the given view.

Generated from the AST alone, so a new machine gets its description for free.
"""
from __future__ import annotations

from . import ast
from .render import DEFAULT_COMMAND_PREFIX

TASKS = {
    "full": "Task: read a step (state line, command line) and write the next step.",
    "full-composite": ("Task: read a step block (state line, command line; after a call also the "
                       "called machine's halting line and its halt command) and write the next "
                       "block (for a call also the called machine's first state line and command)."),
    "tape": "Task: read a state line and write its command.",
    "head": ("Task: read the finite-control view (machine, state, then what the state's rules read: "
             "the symbol under a head or output, a register's value, a number only as 0 or +; - is "
             "unset) and write the command, naming a number it moves instead of spelling it."),
    "aligner": ("Task: turn an expression A op B= into the first step, or the halting state line "
                "into A op B=result."),
}


def describe(machine: ast.Machine, task: str) -> str:
    """The description for one task: a view ("full", "tape", "head") or "aligner". Ends with
    a blank line, so the step text that follows starts a paragraph of its own."""
    if task not in ("full", "tape", "head", "aligner"):
        raise ValueError(f"unknown task {task!r}")
    lines = [_title(machine),
             'Numbers are written least significant digit first, "|" before each digit: 45 is |5|4.']
    if machine.heads:
        lines.append("Heads: " + ", ".join(f"{h.name} on {h.operand}" for h in machine.heads)
                     + '. A head reads a digit, "^" before the first cell or "_" past the last.')
    if machine.registers:
        lines.append("Registers: " + ", ".join(
            r.name + (f" in {r.domain[0]}..{r.domain[1]}" if r.domain else "") for r in machine.registers) + ".")
    if machine.outputs:
        lines.append("Output tapes: " + ", ".join(o.name for o in machine.outputs) + ", written left to right.")
    lines.append(f"Result: {machine.result}.")
    for require in machine.requires:
        lines.append(f"Requires: {_expr(require.condition)}.")
    lines.append(f"States (start {machine.start}, halt {machine.halt}):")
    lines += [f"  {state}: {_state_summary(machine, state)}." for state in machine.states]
    lines.append(_command_legend(machine))
    composite = bool(machine.calls)
    lines.append(TASKS["full-composite" if task == "full" and composite else task])
    return "\n".join(lines) + "\n\n"


def _title(machine: ast.Machine) -> str:
    """`NAME(a, b)`, then the comment block written just above the declaration."""
    title = f"{machine.name}({', '.join(machine.operands)})"
    source = machine.source.splitlines()
    comment: list[str] = []
    line = machine.pos.line - 2  # the line above `machine …` (positions are 1-based)
    while 0 <= line < len(source) and source[line].lstrip().startswith("#"):
        comment.insert(0, source[line].lstrip()[1:].strip())
        line -= 1
    text = " ".join(c for c in comment if c)
    if text.startswith(machine.name + ":"):
        text = text[len(machine.name) + 1:].strip()
    return f"{title}: {text}" if text else title


def _state_summary(machine: ast.Machine, state: str) -> str:
    if state == machine.halt:
        return "halts"
    found: dict[str, dict[str, None]] = {k: {} for k in
                                         ("reads", "sets", "writes", "moves", "finishes", "calls", "goes to")}
    for rule in machine.rules:
        if rule.state != state:
            continue
        for p in rule.patterns:
            found["reads"][p.head] = None
        for action in rule.actions:
            if isinstance(action, ast.Assign):
                found["sets"][action.register] = None
            elif isinstance(action, ast.Put):
                found["writes"][action.output] = None
            elif isinstance(action, ast.Move):
                found["moves"][f"{action.target} {action.direction}"] = None
            elif isinstance(action, ast.Finish):
                found["finishes"][action.target] = None
            elif isinstance(action, ast.CallMachine):
                found["calls"][f"{action.machine} into {action.result}"] = None
            elif isinstance(action, ast.Goto):
                found["goes to"][action.target] = None
                if action.otherwise:
                    found["goes to"][action.otherwise] = None
    parts = []
    for verb, items in found.items():
        if items:
            joiner = " or " if verb == "goes to" else ", "
            parts.append(f"{verb} {joiner.join(items)}")
    return "; ".join(parts)


def _command_legend(machine: ast.Machine) -> str:
    prefix = machine.command_prefix if machine.command_prefix is not None else DEFAULT_COMMAND_PREFIX
    actions = [a for r in machine.rules for a in r.actions]
    used = {type(a) for a in actions}
    items = []
    if ast.Move in used:
        items.append('"[X] RIGHT" or "[X] LEFT" moves head or output X one cell')
    if ast.Assign in used:
        items.append('"[R] v" sets register R to v')
    if ast.Put in used:
        items.append('"[O] d" writes digit d on output O')
    if ast.Finish in used:
        items.append('"[X]" alone finishes X')
    if ast.CallMachine in used:
        items.append('"[CALL] M" runs machine M')
    return (f'Commands: "{prefix}" then items separated by ", ", the last one the next state; '
            + "; ".join(items) + '. At the halt state: "No command to execute. Halt state."')


def _expr(expr: ast.Expr) -> str:
    """An expression as it would be written in a .tm file."""
    if isinstance(expr, (ast.Int, ast.Bool)):
        return str(expr.value)
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.Neg):
        return "-" + _operand(expr.operand)
    if isinstance(expr, ast.Not):
        return "not " + _operand(expr.operand)
    if isinstance(expr, ast.Binary):
        return f"{_operand(expr.left)} {expr.op} {_operand(expr.right)}"
    if isinstance(expr, ast.Logic):
        return f" {expr.op} ".join(_operand(e) for e in expr.operands)
    return f"{expr.name}({', '.join(_expr(a) for a in expr.args)})"


def _operand(expr: ast.Expr) -> str:
    text = _expr(expr)
    return f"({text})" if isinstance(expr, (ast.Binary, ast.Logic)) else text

"""The language's commands — `caef check`, `caef trace`, `caef graph` — each an
`add_*_arguments` and a `run_*` that the command line (caef/cli.py) lists."""
from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

from . import ast
from .align import check_text
from .api import load_machines, machines_for
from .budget import MAX_CALL_DEPTH, MAX_STEPS_PER_RUN
from .errors import CaefError
from .options import positive_int
from .interpreter import run
from .machine_set import MachineSet
from .render import renderer, result_token, step_pairs

def _console(stderr: bool = False):
    from rich.console import Console
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


# ---- check -------------------------------------------------------------------------------

def run_check(args) -> int:
    from .finite import head_views
    from .check import check
    from .machine_set import gather
    for spec in args.files:
        if not Path(spec).is_file():
            raise CaefError(f"no such file: {spec}")
    # A syntax error in one file does not hide the others'; the machines a file calls come
    # from its folder, --machines and machines/, as every command resolves them.
    machines, _, checked, problems = gather(*args.files)
    problems = [str(d) for d in problems + check(machines)]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 2
    print(f"ok: {len(args.files)} file(s) checked")
    # Whether the head view of each machine is a finite control (finite.py): a warning, as the
    # machine still runs, but a model trained on short operands cannot generalize past them.
    views = head_views(machines)
    open_views = [views[name] for name in dict.fromkeys(checked) if not views[name].finite]
    for view in open_views:
        print("\n".join(map(str, view.problems)))
    finite = len(set(checked)) - len(open_views)
    print(f"head view: finite for {finite} of {len(set(checked))} machine(s)"
          + "".join(f"; not for {v.machine} ({len(v.problems)} rule(s) above)" for v in open_views))
    return _new_decisions(args, list(dict.fromkeys(checked))) if args.decisions else 0


def _new_decisions(args, names: list[str]) -> int:
    """--decisions SHORT:LONG: the head-view decisions long problems need and short ones lack."""
    from .decisions import compare
    short, long = args.decisions
    machines = load_machines(*args.files)
    code = 0
    for name in names:
        found = compare(machines, name, short, long, per_class=args.per_class)
        print(f"{name}: {len(found.short):,} decisions on {short} digits; {long} digits need "
              f"{len(found.long):,}, {len(found.new):,} of them new")
        for machine, view, command in sorted(found.new)[:10]:
            print(f"  {machine}: {view} -> {command}")
        code = code or int(bool(found.new))
    return code


def decision_lengths(text: str) -> tuple[str, str]:
    """argparse type of --decisions: SHORT:LONG operand lengths, every long one longer than
    every short one (checked before anything runs, so a mistake never follows an "ok")."""
    from .sampling import parse_lengths
    short, _, long = text.partition(":")
    if not short.strip() or not long.strip():
        raise argparse.ArgumentTypeError(f"takes SHORT:LONG operand lengths, e.g. 1-10:100, not {text!r}")
    try:
        shorts, longs = parse_lengths(short), parse_lengths(long)
    except CaefError as e:
        raise argparse.ArgumentTypeError(f"{e}; SHORT:LONG takes e.g. 1-10:100") from None
    if min(longs) <= max(shorts):
        raise argparse.ArgumentTypeError(
            f"every LONG length must be longer than every SHORT one, e.g. 1-10:100; "
            f"{long} is not longer than {short}")
    return short, long


# ---- trace -------------------------------------------------------------------------------

def _trace_json(machines: MachineSet, name: str, operands: list, args) -> dict:
    """The --json object: the golden records' keys (tests/golden/README.md), documented in
    docs/trace-format.md#the-json-object."""
    trace = run(machines.executables, name, operands, max_steps=args.max_steps, max_depth=args.max_depth)
    steps = step_pairs(trace)
    return {"machine": name, "operands": [str(o) for o in operands], "steps": steps,
            "result": result_token(trace.result),
            "step_format": "io_block" if trace.machine.composite else "state_cmd", "n_steps": len(steps),
            "total_steps": trace.total_steps(), "calls": trace.total_calls()}


_TOKEN = re.compile(r"\[\w+\]|\|\d|\s+|[^\s|\[]+|.")


def _styled_line(line: str, previous: str | None):
    """A state line as rich Text: head markers bold cyan, cells changed since the previous
    line yellow."""
    from rich.text import Text
    tokens = _TOKEN.findall(line)
    changed = set()
    if previous is not None:
        matcher = difflib.SequenceMatcher(a=_TOKEN.findall(previous), b=tokens, autojunk=False)
        for tag, _, _, j1, j2 in matcher.get_opcodes():
            if tag in ("replace", "insert"):
                changed.update(range(j1, j2))
    text = Text()
    for i, token in enumerate(tokens):
        style = "bold cyan" if token.startswith("[") and token.endswith("]") else ""
        if i in changed and token.startswith("|"):
            style = "bold yellow"
        text.append(token, style=style)
    return text


def _print_trace_table(machines: MachineSet, name: str, operands: list, args):
    from rich.table import Table
    trace = run(machines.executables, name, operands, max_steps=args.max_steps, max_depth=args.max_depth)
    r = renderer(trace.machine)
    table = Table(title=f"{name}({', '.join(str(o) for o in operands)}) = {result_token(trace.result)}",
                  show_lines=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("state line")
    table.add_column("command")
    if trace.machine.composite:
        table.add_column("call")
    previous = None
    for i, step in enumerate(trace.steps):
        line = r.state_line(step.config)
        row = [str(i), _styled_line(line, previous), r.command_line(step.command)]
        if trace.machine.composite:
            row.append("" if step.call is None else
                       f"{step.call.machine.name} → {result_token(step.call.result)} "
                       f"({len(step.call.steps) - 1} steps)")
        table.add_row(*row)
        previous = line
    console = _console()
    console.print(table)
    console.print(f"{len(trace.steps) - 1} steps in this frame, {trace.total_steps()} in all, "
                  f"{trace.total_calls()} calls")


def _batch_operands(machines: MachineSet, name: str, file: str) -> list[list]:
    """Every problem of a --batch file, each checked as the machine's first configuration
    checks it (arity, digits, `require`); every bad line reported at once, with its number."""
    path = Path(file)
    if not path.is_file():
        raise CaefError(f"no such file: {file}")
    problems, bad = [], []
    with path.open() as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                bad.append(f"{file}:{number}: not JSON ({e.msg})")
                continue
            if not isinstance(item, dict) or "a" not in item:
                bad.append(f"{file}:{number}: expected an object with 'a' (and 'b'), like {{\"a\": 45, \"b\": 67}}")
                continue
            operands = [item["a"]] + ([item["b"]] if item.get("b") is not None else [])
            try:
                check_text(machines, name, operands)
                machines.executables[name].initial(operands)
            except CaefError as e:
                bad.append(f"{file}:{number}: {e}")
                continue
            problems.append(operands)
    if bad:
        raise CaefError(f"{len(bad)} bad line(s) in {file}, nothing traced:\n" + "\n".join(bad))
    return problems


def run_trace(args) -> int:
    machines = machines_for(args.machine)
    name = machines.resolve(args.machine)
    if args.batch:
        if not args.json:
            raise CaefError("--batch writes JSON Lines: add --json")
        if args.operands:
            raise CaefError("--batch reads the operands from its file: give none after MACHINE")
        for operands in _batch_operands(machines, name, args.batch):
            print(json.dumps(_trace_json(machines, name, operands, args)), flush=True)
        return 0
    if not args.operands:
        raise CaefError("give the operands (caef trace MACHINE A [B]) or --batch FILE")
    check_text(machines, name, args.operands)
    if args.json:
        print(json.dumps(_trace_json(machines, name, args.operands, args)))
    else:
        _print_trace_table(machines, name, args.operands, args)
    return 0


# ---- graph -------------------------------------------------------------------------------

def _rule_label(rule: ast.Rule) -> str:
    parts = []
    for p in rule.patterns:
        shown = {"bind": p.value, "digit": p.value, "blank": "_", "start": "^", "any": "*",
                 "characters": f'"{p.value}"'}[p.kind]
        parts.append(f"{p.head}={shown}")
    label = ", ".join(parts)
    if rule.condition is not None:
        label += (" " if label else "") + "if …"
    return label


def graph_text(machine: ast.Machine, mermaid: bool = False) -> str:
    """The state diagram: one edge per rule (and its else-branch), calls as edges to the
    called machine."""
    edges, calls = [], []
    for rule in machine.rules:
        goto = rule.goto
        label = _rule_label(rule)
        for action in rule.actions:
            if isinstance(action, ast.CallMachine):
                calls.append((rule.state, action.machine))
        if goto is not None:
            edges.append((rule.state, goto.target, label + (" [then]" if goto.condition else "")))
            if goto.otherwise:
                edges.append((rule.state, goto.otherwise, label + " [else]"))
    if mermaid:
        lines = ["flowchart LR"]
        lines += [f'  {s}(["{s}"])' if s != machine.halt else f'  {s}((("{s}")))' for s in machine.states]
        lines += [f'  {a} -->|"{lbl or " "}"| {b}' for a, b, lbl in edges]
        lines += [f'  call_{callee}["{callee}"]' for callee in sorted({c for _, c in calls})]
        lines += [f"  {state} -.->|call| call_{callee}" for state, callee in sorted(set(calls))]
        return "\n".join(lines) + "\n"
    lines = [f'digraph "{machine.name}" {{', "  rankdir=LR;", "  node [shape=circle];",
             f'  "{machine.start}" [style=bold];', f'  "{machine.halt}" [shape=doublecircle];']
    lines += [f'  "{a}" -> "{b}" [label="{lbl}"];' for a, b, lbl in edges]
    lines += [f'  "call:{callee}" [shape=box, label="{callee}"];' for callee in sorted({c for _, c in calls})]
    lines += [f'  "{state}" -> "call:{callee}" [style=dashed, label="call"];' for state, callee in sorted(set(calls))]
    return "\n".join(lines + ["}"]) + "\n"


def run_graph(args) -> int:
    machines = machines_for(args.machine)
    print(graph_text(machines.machines[machines.resolve(args.machine)], mermaid=args.mermaid), end="")
    return 0


# ---- arguments ---------------------------------------------------------------------------

def add_check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--decisions", metavar="SHORT:LONG", type=decision_lengths,
                   help="also run problems of SHORT and of LONG operand lengths (e.g. 1-10:100) and list "
                        "the head-view decisions that only the long ones need (exit 1 if any)")
    p.add_argument("--per-class", type=int, default=40, metavar="N",
                   help="short problems per (len a, len b) class for --decisions (default 40)")
    p.add_argument("files", nargs="+", metavar="FILE")


def add_trace_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("machine", metavar="MACHINE", help="a .tm path or a machine of machines/ (add, ADD, …)")
    # Any number of operands here, so that a wrong count gets the machine's own arity message.
    p.add_argument("operands", nargs="*", metavar="OPERAND", help="the operands: A, or A B")
    p.add_argument("--json", action="store_true", help="one JSON object: steps, result, counts")
    p.add_argument("--batch", metavar="FILE", help="JSON Lines of {a, b}: one JSON result per line")
    p.add_argument("--max-steps", type=positive_int, default=MAX_STEPS_PER_RUN,
                   help=f"step budget over all frames (default {MAX_STEPS_PER_RUN:,})")
    p.add_argument("--max-depth", type=positive_int, default=MAX_CALL_DEPTH,
                   help=f"call-depth limit (default {MAX_CALL_DEPTH})")


def add_graph_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("machine", metavar="MACHINE")
    p.add_argument("--mermaid", action="store_true", help="Mermaid flowchart instead of DOT")

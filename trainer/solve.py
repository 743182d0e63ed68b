"""`caef solve "123+456=" --model RUN…`: compute an expression with the trained models only.

The aligner turns the expression into the first step, the executor model(s) run the machine to
its halt state (calls into other machines with their own adapters), and the output aligner reads
the result. No interpreter is in the loop; `--check` runs it afterwards and shows the first step
where the model left it.
"""
from __future__ import annotations

import argparse

from caef_dsl.align import FAMILIES, parse_expression
from trainer.runtime import Frame, Solution
from trainer.runtime_cli import add_runtime_arguments, console, print_divergence


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", metavar="EXPRESSION", help='e.g. "123+456=" (operators + - * // == > <)')
    parser.add_argument("--family", choices=sorted(FAMILIES), default="paper",
                        help="machines of * and //: paper (mul, div: repeated addition) or long (long_mul, long_div)")
    parser.add_argument("--check", action="store_true",
                        help="also run the interpreter and show the first step where the model differs")
    add_runtime_arguments(parser)


def execution_order(frame: Frame, depth: int = 0):
    """(depth, machine, step number, step) of a run, calls where they ran."""
    if frame.opening is not None:
        yield from execution_order(frame.opening, depth + 1)
    for t, step in enumerate(frame.steps):
        yield depth, frame.machine, t, step
        if step.call is not None:
            yield from execution_order(step.call, depth + 1)


def steps_table(solution: Solution, mode: str):
    from rich.table import Table
    from rich.text import Text
    table = Table(title=f"{solution.task.label} ({mode} mode)", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("machine")
    if mode != "full":  # in full mode each step reads what the one before wrote
        table.add_column("read")
    table.add_column("wrote")
    if solution.first is not None:
        row = ["", "aligner"] + ([Text(solution.task.label)] if mode != "full" else [])
        table.add_row(*row, Text(solution.first.rstrip("\n")))
    for n, (depth, machine, t, step) in enumerate(execution_order(solution.frame)):
        wrote = Text(step.completion.rstrip("\n"), style="red" if step.error else "")
        if step.error:
            wrote.append(f"\n{step.error}", style="bold red")
        row = [str(n), "  " * depth + f"{machine} {t}"] + ([Text(step.prompt)] if mode != "full" else [])
        table.add_row(*row, wrote)
    return table


def run(args) -> int:
    from caef_dsl.api import load_machines
    from caef_dsl.interpreter import run as run_machine
    from trainer.comparison import compare
    from trainer.runtime import make_task
    from trainer.runtime_cli import open_runtime

    machines = load_machines()
    expression = parse_expression(args.expression)
    task = make_task(machines, expression.machine(args.family), expression.a, expression.b)
    runtime = open_runtime(args, machines)
    runtime.require(task.machine)
    [solution] = runtime.solve([task])
    out = console()
    out.print(steps_table(solution, runtime.mode))
    out.print(f"{solution.frame.total_steps()} model steps ({runtime.asked():,} distinct prompts asked of "
              f"the model), {solution.read:,} tokens read, {solution.written:,} written")
    if solution.error is not None:
        out.print(f"[bold red]no result[/]: format error {solution.error}", markup=True)
    else:
        out.print(solution.result_text, style="bold", markup=False)
    agrees = True
    if args.check:
        trace = run_machine(machines.executables, task.machine, list(task.operands))
        divergence = compare(solution, trace, runtime.mode)
        agrees = divergence is None
        if agrees:
            out.print(f"agrees with the interpreter at every step ({trace.total_steps()} steps)")
        else:
            print_divergence(out, divergence)
    return 0 if solution.error is None and agrees else 1

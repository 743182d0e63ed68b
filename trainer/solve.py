"""Solving one problem with the trained models only, and `caef solve "123+456=" --model RUN…`.

The aligner turns the expression into the first step, the executor model(s) run the machine to
its halt state (calls into other machines with their own adapters), and the output aligner reads
the result. No interpreter is in the loop; `check` runs it afterwards and finds the first step
where the model left it. `solve_problem` is the one way to do this: `caef solve` and
`trainer.api.Library` (`solve`, `run`) both call it.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

from caef_dsl.align import FAMILIES, ExpressionError, parse_expression
from caef_dsl.formulas import EVALUATOR, FormulaError, parse_formula
from caef_dsl.api import load_machines
from caef_dsl.interpreter import Trace
from caef_dsl.interpreter import run as run_machine
from caef_dsl.machine_set import MachineSet
from caef_dsl.options import add_options, from_args, option
from trainer.comparison import Divergence, compare
from trainer.runtime import Frame, Runtime, Solution, Task, make_task
from trainer.runtime_cli import RuntimeOptions, console, open_runtime, print_divergence

# The long machines run any length; the paper's MUL and DIV add b (or the quotient) times.
DEFAULT_FAMILY = "long"


@dataclass
class Answer:
    """A solved problem: the model's solution, and with `check` the interpreter's run and where
    the model first left it (None: it agreed at every step)."""
    solution: Solution
    divergence: Divergence | None = None
    trace: Trace | None = None

    @property
    def result_text(self) -> str | None:
        """`123*456=56088` for an expression, the result alone for a machine's operands."""
        return self.solution.result_text

    @property
    def steps(self) -> int:
        """Model steps over every frame."""
        return self.solution.frame.total_steps()


def expression_task(machines: MachineSet, expression: str, family: str = DEFAULT_FAMILY) -> Task:
    """The task of `A op B=` (family "long": `*` and `//` by LONG_MUL and LONG_DIV), or of an
    expression of several operators and parentheses (EVALUATE: every decision on the model,
    the parsing included); checked."""
    try:
        e = parse_expression(expression)
    except ExpressionError:
        try:
            formula = parse_formula(expression)
        except FormulaError:
            raise ExpressionError(f"not an expression: {expression!r} (A op B= with op one of + - * // % == > <, "
                                  f"or several of + - * // % with parentheses, e.g. (12+345)*6-78//9=)") from None
        return Task(machines.resolve(EVALUATOR), (formula.body,), formula)
    return make_task(machines, e.machine(family), e.a, e.b)


def solve_problem(runtime: Runtime, task: Task, check: bool = False, family: str | None = None) -> Answer:
    """`task` solved by the runtime's models, entered as they enter it (`Runtime.entered`: by
    its text through `family`'s text machine unless --rule-aligner); with `check`, every step
    compared with the interpreter. Raises unless the models execute the machine and every
    machine it may call."""
    task = runtime.entered(task, family)
    runtime.require(task.machine)
    [solution] = runtime.solve([task])
    if not check:
        return Answer(solution)
    trace = run_machine(runtime.machines.executables, task.machine, list(task.operands))
    return Answer(solution, compare(solution, trace, runtime.mode), trace)


# ---- caef solve ----------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class SolveSettings(RuntimeOptions):
    """What `caef solve` is told."""
    expression: str = option(positional=True, metavar="EXPRESSION",
                             help='e.g. "123+456=" (operators + - * // %% == > <) or "(12+345)*6-78//9="')
    family: str = option(DEFAULT_FAMILY, choices=sorted(FAMILIES),
                         help=f"machines of * and //: long (long_mul, long_div; %% long_mod; the default) or paper "
                              f"(mul, div: repeated addition)")
    check: bool = option(False, action="store_true",
                         help="also run the interpreter and show the first step where the model differs")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, SolveSettings)


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
    return solve_command(from_args(SolveSettings, args))


def solve_command(settings: SolveSettings) -> int:
    """`caef solve`: the steps, the result and with `check` the first divergence, printed; the
    exit code (1: no result, or the model left the interpreter)."""
    machines = load_machines()
    task = expression_task(machines, settings.expression, settings.family)
    runtime = open_runtime(settings, machines)
    answer = solve_problem(runtime, task, check=settings.check, family=settings.family)
    solution = answer.solution
    out = console()
    out.print(steps_table(solution, runtime.mode))
    out.print(f"{solution.frame.total_steps()} model steps ({runtime.asked():,} distinct prompts asked of "
              f"the model), {solution.read:,} tokens read, {solution.written:,} written")
    if solution.error is not None:
        out.print(f"[bold red]no result[/]: format error {solution.error}", markup=True)
    else:
        out.print(solution.result_text, style="bold", markup=False)
    if settings.check:
        if answer.divergence is None:
            out.print(f"agrees with the interpreter at every step ({answer.trace.total_steps()} steps)")
        else:
            print_divergence(out, answer.divergence)
    return 0 if solution.error is None and answer.divergence is None else 1

"""The short way in from Python, as `caef_dsl.trace` is for the interpreter:

    from trainer import open_library
    library = open_library("runs/library")                  # trained runs, loaded once
    library.solve("123*456=", family="long").result_text    # '123*456=56088', the model computing
    library.evaluate("long_mul", lengths="1-10,100", n=5)   # the report `caef eval` writes

A library is the models of one or more `caef train` runs (or a folder of per-operator adapters)
behind one runtime: the memo of decisions is shared by every call, so a second problem asks the
model only what the first did not.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from caef_dsl.align import parse_expression
from caef_dsl.api import load_machines
from caef_dsl.interpreter import run as run_machine
from caef_dsl.library import MachineSet
from trainer.comparison import Divergence, compare
from trainer.runtime import MAX_MODEL_STEPS, Runtime, Solution, make_task


@dataclass
class Answer:
    """A solved problem: the model's solution, and with `check` where it first left the
    interpreter (None: it agreed at every step)."""
    solution: Solution
    divergence: Divergence | None = None

    @property
    def result_text(self) -> str | None:
        """`123*456=56088` for an expression, the result alone for a machine's operands."""
        return self.solution.result_text

    @property
    def steps(self) -> int:
        """Model steps over every frame."""
        return self.solution.frame.total_steps()


class Library:
    """Trained models that execute machines; see `open_library`."""

    def __init__(self, runtime: Runtime, machines: MachineSet):
        self.runtime, self.machines = runtime, machines

    def solve(self, expression: str, family: str = "paper", check: bool = False) -> Answer:
        """Compute `A op B=` with the models only (family "long": `*` and `//` by LONG_MUL and
        LONG_DIV). With `check`, compare every step with the interpreter."""
        e = parse_expression(expression)
        return self.run(e.machine(family), e.a, e.b, check=check)

    def run(self, machine: str, a, b=None, check: bool = False) -> Answer:
        """Run `machine` (file stem, declared name or .tm path) on operands, on the models."""
        task = make_task(self.machines, machine, a, b)
        self.runtime.require(task.machine)
        [solution] = self.runtime.solve([task])
        divergence = None
        if check:
            trace = run_machine(self.machines.executables, task.machine, list(task.operands))
            divergence = compare(solution, trace, self.runtime.mode)
        return Answer(solution, divergence)

    def evaluate(self, machine: str, *, digits: str = "1-10", lengths: str | None = None,
                 digits_b: str | None = None, n: int = 10, seed: int = 1, progress: bool = False) -> dict:
        """Accuracy by operand length, every step checked: the report `caef eval` writes
        (report.json), with `by_class` rows."""
        from trainer.evaluate import classes, evaluate
        name = self.machines.resolve(machine)
        wanted = classes(len(self.machines.machines[name].operands), digits=digits, lengths=lengths,
                         digits_b=digits_b)
        return evaluate(self.runtime, self.machines, name, wanted, n, seed, progress)


def open_library(*models: str | Path, machines: tuple[str, ...] = (), rule_aligner: bool = False,
                 memo: bool = True, max_steps: int = MAX_MODEL_STEPS, device: str | None = None) -> Library:
    """Open trained run folders (`caef train --out`, `caef library --out`) as one library.
    `machines`: .tm files of your own beside machines/ (a composite trained over the library)."""
    from trainer.language_models import open_models
    machine_set = load_machines(*machines)
    executor = open_models(list(models), machine_set, device=device)
    return Library(Runtime(executor, machine_set, rule_aligner=rule_aligner, memo=memo, max_steps=max_steps),
                   machine_set)

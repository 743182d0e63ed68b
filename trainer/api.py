"""The short way in from Python, as `caef_dsl.trace` is for the interpreter:

    from trainer import open_library
    library = open_library("runs/library")                  # trained runs, loaded once
    library.solve("123*456=", family="long").result_text    # '123*456=56088', the model computing
    library.evaluate("long_mul", lengths="1-10,100", n=5)   # the report `caef eval` writes

A library is the models of one or more `caef train` runs (or a folder of per-operator adapters)
behind one runtime: the memo of decisions is shared by every call, so a second problem asks the
model only what the first did not. A problem is solved as `caef solve` solves it
(`trainer.solve.solve_problem`), with the same options.
"""
from __future__ import annotations

from pathlib import Path

from caef_dsl.api import load_machines
from caef_dsl.machine_set import MachineSet
from trainer.executor import DEFAULT_POSITION_DRAWS
from trainer.runtime import DEFAULT_BATCH_SIZE, MAX_MODEL_STEPS, Runtime, make_task
from trainer.solve import DEFAULT_FAMILY, Answer, expression_task, solve_problem


class Library:
    """Trained models that execute machines; see `open_library`."""

    def __init__(self, runtime: Runtime, machines: MachineSet):
        self.runtime, self.machines = runtime, machines

    def solve(self, expression: str, family: str = DEFAULT_FAMILY, check: bool = False) -> Answer:
        """Compute `A op B=` with the models only, the aligning included unless the library was
        opened with `rule_aligner` (family "paper": `*` and `//` by the paper's MUL and DIV).
        With `check`, compare every step with the interpreter."""
        return solve_problem(self.runtime, expression_task(self.machines, expression, family), check, family)

    def run(self, machine: str, a, b=None, check: bool = False) -> Answer:
        """Run `machine` (file stem, declared name or .tm path) on operands, on the models."""
        return solve_problem(self.runtime, make_task(self.machines, machine, a, b), check)

    def evaluate(self, machine: str, *, digits: str = "1-10", lengths: str | None = None,
                 digits_b: str | None = None, n: int = 10, seed: int = 1, progress: bool = False) -> dict:
        """Accuracy by operand length, every step checked: the report `caef eval` writes
        (report.json), with `by_class` rows."""
        from trainer.evaluate import classes, evaluate
        name = self.machines.resolve(machine)
        wanted = classes(len(self.machines.machines[name].operands), digits=digits, lengths=lengths,
                         digits_b=digits_b)
        return evaluate(self.runtime, self.machines, name, wanted, n, seed, progress)


def open_library(*models: str | Path, machines: tuple[str, ...] = (), base: str | None = None,
                 rule_aligner: bool = False, max_steps: int = MAX_MODEL_STEPS,
                 batch_size: int = DEFAULT_BATCH_SIZE, max_new_tokens: int | None = None,
                 position_draws: int = DEFAULT_POSITION_DRAWS, device: str | None = None,
                 memo: bool = True) -> Library:
    """Open trained run folders (`caef train --out`, `caef library --out`) as one library.
    `machines`: .tm files of your own (a composite trained over the library), their calls resolved
    in the files beside them, then in any folder among `machines`, then machines/ (docs/language.md,
    "A library of your own").
    The other options are `caef solve`'s (`--base`, `--rule-aligner`, `--max-steps`, …)."""
    from trainer.language_models import open_models
    machine_set = load_machines(*machines)
    executor = open_models(list(models), machine_set, base=base, device=device, max_new_tokens=max_new_tokens,
                           position_draws=position_draws)
    return Library(Runtime(executor, machine_set, rule_aligner=rule_aligner, max_steps=max_steps,
                           batch_size=batch_size, memo=memo), machine_set)

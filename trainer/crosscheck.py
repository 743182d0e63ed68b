"""`caef crosscheck --model RUN… --machine M`: hypothesis draws operands (carry and borrow
chains, zeros, equal operands: `caef_dsl.strategies`), the model solves them, the interpreter
checks every step, and a failure shrinks to the smallest operands that still break the model.
The minimal counterexample is printed with its first diverging step; every failing pair is
appended to a JSON Lines file that `caef compile --include-failures FILE` oversamples.

In your own property tests:

    from hypothesis import given
    from caef_dsl.strategies import operands
    from trainer.crosscheck import ModelChecker, crosscheck_model

    checker = ModelChecker(["runs/add"], "add")

    @given(operands("add", max_digits=20))
    def test_model_adds(pair):
        checker.check(*pair)          # raises Disagreement (an AssertionError) on a divergence

    def test_model_adds_everywhere():
        assert crosscheck_model(checker, "add", max_examples=200).minimal is None
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

from caef_dsl.formulas import formula_value, reads_formulas
from caef_dsl.options import add_options, from_args, option
from trainer.comparison import Divergence
from trainer.runtime import Runtime
from trainer.runtime_cli import RuntimeOptions, console, print_divergence

DEFAULT_EXAMPLES = 100
DEFAULT_MAX_DIGITS = 10


@dataclass
class Counterexample:
    machine: str
    a: str
    b: str | None
    expression: str | None
    divergence: Divergence

    @property
    def label(self) -> str:
        return self.expression or f"{self.machine}({', '.join(v for v in (self.a, self.b) if v is not None)})"

    def as_json(self) -> dict:
        """A line of the failures file (`caef compile --include-failures` reads machine, a, b)."""
        return {"machine": self.machine, "a": self.a, "b": self.b, "expression": self.expression,
                "diverging_step": self.divergence.as_json()}


class Disagreement(AssertionError):
    """The model and the interpreter disagree on these operands."""

    def __init__(self, counterexample: Counterexample):
        d = counterexample.divergence
        super().__init__(f"{counterexample.label}: the model leaves the interpreter at {d.where} "
                         f"(expected {d.expected!r}, produced {d.produced!r})")
        self.counterexample = counterexample


class ModelChecker:
    """Solves one problem at a time with the model and compares it with the interpreter.
    `models`: run folders, an executor (`trainer.executor.Executor`) or a `Runtime`."""

    def __init__(self, models, machine: str, machines=None, **runtime_options):
        from caef_dsl.api import machines_for
        self.machines = machines or machines_for(str(machine))
        self.machine = self.machines.resolve(str(machine))
        if isinstance(models, Runtime):
            self.runtime = models
        else:
            executor = models
            if not hasattr(models, "generate"):
                from trainer.language_models import open_models
                executor = open_models([models] if isinstance(models, (str, Path)) else list(models), self.machines)
            self.runtime = Runtime(executor, self.machines, **runtime_options)
        self.runtime.require(self.machine)

    def check(self, a, b=None) -> None:
        """Raise Disagreement unless the model solves (a, b) exactly as the interpreter does."""
        from caef_dsl.interpreter import run as run_machine
        from trainer.comparison import compare
        from trainer.runtime import make_task

        task = self.runtime.entered(make_task(self.machines, self.machine, a, b))
        trace = run_machine(self.machines.executables, task.machine, list(task.operands))
        [solution] = self.runtime.solve([task], [min(self.runtime.max_steps, 2 * trace.total_steps() + 16)])
        divergence = compare(solution, trace, self.runtime.mode)
        if divergence is None and reads_formulas(self.machines, task.machine) \
                and solution.result != str(formula_value(task.operands[0])):  # and Python's integers
            divergence = Divergence(f"{task.machine} result", task.machine, None, None, {}, task.operands[0],
                                    str(formula_value(task.operands[0])), solution.result, [])
        if divergence is not None:
            a_text, *b_text = task.operands
            raise Disagreement(Counterexample(self.machine, a_text, (b_text or [None])[0],
                                              task.expression and task.expression.text, divergence))


@dataclass
class CrosscheckResult:
    examples: int = 0
    minimal: Counterexample | None = None             # what hypothesis shrank to
    failures: list[Counterexample] = field(default_factory=list)  # every failing pair met, minimal first


def crosscheck_model(models, machine: str, strategy=None, max_examples: int = DEFAULT_EXAMPLES, *,
                     max_digits: int = DEFAULT_MAX_DIGITS, seed: int = 0, **runtime_options) -> CrosscheckResult:
    """Hypothesis-driven model vs interpreter on `machine`; `strategy` draws (a, b) pairs
    (default `caef_dsl.strategies.operands(machine, max_digits)`)."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as fixed_seed

    from caef_dsl.strategies import operands

    checker = models if isinstance(models, ModelChecker) else ModelChecker(models, machine, **runtime_options)
    if strategy is None:
        strategy = operands(checker.machine, max_digits, machines=checker.machines)
    result = CrosscheckResult()
    met: dict[tuple, Counterexample] = {}

    @fixed_seed(seed)
    @settings(max_examples=max_examples, deadline=None, database=None, verbosity=Verbosity.quiet,
              report_multiple_bugs=False, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate, Phase.shrink])
    @given(strategy)
    def agrees(pair):
        result.examples += 1
        try:
            checker.check(*pair)
        except Disagreement as e:
            found = e.counterexample
            met.setdefault((found.a, found.b), found)
            raise

    try:
        agrees()
    except Disagreement as e:
        result.minimal = e.counterexample
        key = (result.minimal.a, result.minimal.b)
        result.failures = [result.minimal] + [c for k, c in met.items() if k != key]
    return result


def append_failures(path: Path, failures: list[Counterexample]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for failure in failures:
            out.write(json.dumps(failure.as_json(), ensure_ascii=False) + "\n")


@dataclass(frozen=True, kw_only=True)
class CrosscheckSettings(RuntimeOptions):
    """What `caef crosscheck` is told."""
    machine: str = option(metavar="M", help="machine of machines/ (add, sub, …) or a .tm path")
    max_digits: int = option(DEFAULT_MAX_DIGITS, type=int, help=f"longest operand drawn (default {DEFAULT_MAX_DIGITS})")
    examples: int = option(DEFAULT_EXAMPLES, type=int,
                           help=f"operand pairs hypothesis tries before shrinking (default {DEFAULT_EXAMPLES})")
    seed: int = option(0, type=int, help="hypothesis seed (default 0)")
    failures: str | None = option(None, metavar="FILE",
                                  help="JSON Lines to append the failing pairs to (default: failures.jsonl in "
                                       "the first --model)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, CrosscheckSettings)


def run(args) -> int:
    return crosscheck_command(from_args(CrosscheckSettings, args))


def crosscheck_command(settings: CrosscheckSettings) -> int:
    """`caef crosscheck`: what it found, printed, and failures appended to a file; the exit code
    (1: a counterexample, shrunk)."""
    from caef_dsl.api import machines_for
    from trainer.runtime_cli import open_runtime

    machines = machines_for(settings.machine)
    checker = ModelChecker(open_runtime(settings, machines), settings.machine, machines)
    out = console()
    with out.status(f"cross-checking {checker.machine} against the interpreter"):
        result = crosscheck_model(checker, checker.machine, max_examples=settings.examples,
                                  max_digits=settings.max_digits, seed=settings.seed)
    if result.minimal is None:
        out.print(f"{checker.machine}: the model agrees with the interpreter on all {result.examples} examples")
        return 0
    path = Path(settings.failures) if settings.failures else Path(settings.model[0]) / "failures.jsonl"
    append_failures(path, result.failures)
    out.print(f"{checker.machine}: {len(result.failures)} failing operand pair(s) in {result.examples} examples; "
              f"minimal counterexample {result.minimal.label}")
    print_divergence(out, result.minimal.divergence)
    out.print(f"appended {len(result.failures)} failure(s) to {path} "
              f"(oversample them: caef compile … --include-failures {path})")
    return 1

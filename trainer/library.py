"""`caef library`: one shared model that executes every machine — the executor library.

    caef library --out runs/library            # every machine of machines/, on 2 cores

compile the head-view decisions of every machine, callees included, met on operands of 1–10
digits (`--distinct`: the table of decisions, each once), a machine with an operator entered
by its expression text (`--from-text`: the text machines ALIGN and ALIGN_LONG read `A op B=`
and print the result, so the model aligns too) → train one `tiny` model from scratch on them,
until greedy decoding reproduces every held-out decision (two checks in a row; the step budget
caps it, the wall clock is only a safety limit) → say where the run is and how to use it.

The head view is a finite control (caef_dsl/finite.py): a machine meets the same decisions at
100 digits as at 10, so a model right on this table executes every machine at any length —
`caef eval --model runs/library --machine long_mul --lengths 100`, text in, text out. A user's own
composite trains an adapter over the library for its own steps only (docs/tutorial.md).
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

from caef_dsl.compiler.command import CompileOptions
from caef_dsl.compiler.pipeline import compile_datasets
from caef_dsl.compiler.settings import Settings
from caef_dsl.align import text_entries
from caef_dsl.api import load_machines
from caef_dsl.formulas import reads_formulas
from caef_dsl.options import add_options, from_args, option
from trainer.stages import stage
from trainer.train_settings import TrainSettings

DEFAULT_OUT = "runs/library"
DEFAULT_DATA = "compiled/library-head"
WHO = "caef library"


@dataclass(frozen=True, kw_only=True)
class LibrarySettings:
    """What `caef library` is told."""
    machines: tuple[str, ...] = option((), positional=True, nargs="*", metavar="MACHINE",
                                       help="machines to learn (default: every machine of machines/); callees "
                                            "come along")
    out: str = option(DEFAULT_OUT, help=f"the run folder (default {DEFAULT_OUT})")
    data: str | None = option(None, help=f"where the compiled data goes (default {DEFAULT_DATA})")
    digits: str = option("1-10", help="training operand lengths (default 1-10)")
    per_class: int = option(40, type=int, help="problems per (len a, len b) class whose decisions make the "
                                               "table (default 40)")
    model: str = option("tiny", help="preset trained from scratch (default tiny)")
    max_steps: int = option(5000, type=int,
                            help="optimizer steps at most; the learning rate's cosine spans them (default 5000)")
    lr: float = option(1e-3, type=float, help="peak learning rate (default 1e-3)")
    time_budget: float = option(120, type=float, metavar="MINUTES",
                                help="a safety limit only: training stops on accuracy or steps first (default 120)")
    eval_every: int = option(250, type=int, metavar="STEPS",
                             help="how often the held-out decisions are checked (default 250)")
    seed: int = option(0, type=int)
    workers: str = option("2", help="compile processes (same data for any number)")
    skip_compile: bool = option(False, action="store_true", help="train on the data already in --data")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, LibrarySettings)


def run(args) -> int:
    metrics = build_library(from_args(LibrarySettings, args))
    return 0 if metrics["stopped_by"] == "accuracy" else 1


def drawn_machines() -> tuple[str, ...]:
    """The machines of machines/ whose problems are drawn (file stems): those of numbers, and
    EVALUATE's expressions. The other machines that read text come along as callees of the
    operators entered by their text (--from-text)."""
    machines = load_machines()
    return tuple(sorted(stem for stem, name in machines.by_file.items()
                        if text_entries(machines, name) is None or reads_formulas(machines, name)))


def build_library(settings: LibrarySettings) -> dict:
    """Compile every decision, operators entered by their text; train one model on them; its
    metrics."""
    from trainer.train import train  # torch
    machines = settings.machines or drawn_machines()
    data = Path(settings.data or DEFAULT_DATA)
    common = dict(mode="head", digits=settings.digits, whole_small_classes=True, seed=str(settings.seed),
                  workers=settings.workers, force=True)
    seconds = {}
    if not settings.skip_compile:
        decisions = CompileOptions(machines=machines, kind="executor", with_callees=True, from_text=True,
                                   distinct=True, per_class=str(settings.per_class), out=str(data), **common)
        seconds["compile"] = stage("1. every decision of every machine, callees included, operators entered by "
                                   "their text (head view)", "caef compile", decisions,
                                   lambda: compile_datasets(Settings.from_arguments(decisions)), who=WHO)
    training = TrainSettings(
        data=(data,), out=Path(settings.out), model=settings.model, max_steps=settings.max_steps, lr=settings.lr,
        warmup=200.0, epochs=math.inf, stop_at_accuracy=1.0, eval_every=settings.eval_every,
        time_budget=settings.time_budget, seed=settings.seed)
    metrics = {}
    seconds["train"] = stage("2. one model for all of them, until every held-out decision is right", "caef train",
                             training, lambda: metrics.update(train(training)), who=WHO)
    accuracy = (metrics["accuracy_curve"] or [[0, None]])[-1][1]
    print(f"\n=== the library: {settings.out}")
    print(f"  {metrics['global_step']:,} steps, stopped by {metrics['stopped_by']}, held-out decisions exact: "
          f"{accuracy if accuracy is None else f'{accuracy:.2%}'}")
    print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    print(f"  caef eval --model {settings.out} --machine long_mul --lengths 1-10,20,50,100")
    print(f"  caef solve \"123*456=\" --model {settings.out} --check")
    return metrics

"""`caef compile MACHINE… --out DIR`: machines → training datasets (JSON Lines), a manifest and
a dataset card. The command's options (`CompileOptions`: every flag and its default, declared
once), and `run`, which compiles through `pipeline.compile_datasets` and says what it wrote.

From Python (as the demo and `caef library` do):

    options = CompileOptions(machines=("add",), mode="head", per_class="40", out="compiled/add-head")
    compile_datasets(Settings.from_arguments(options))
    command_line("caef compile", options)   # 'caef compile add --out compiled/add-head --per-class 40 --mode head'
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

from ..options import add_options, from_args, option
from ..views import MODES
from .pipeline import compile_datasets
from .settings import DEFAULT_DIGITS, DEFAULT_PER_CLASS, STAGES, Settings

OPERANDS, RECORDS, SCALE = "operands", "records", "scale"


@dataclass(frozen=True, kw_only=True)
class CompileOptions:
    """What `caef compile` is told. Values are the text given (numbers too): `Settings.from_arguments`
    checks each, so a bad one is one line of error, from the command line or from Python."""
    machines: tuple[str, ...] = option(positional=True, nargs="+", metavar="MACHINE",
                                       help="machines of machines/ (add, SUB, …) or paths to .tm files")
    out: str | None = option(None, metavar="DIR", help="output folder (default compiled/<machines>-<mode>-<stage>)")
    force: bool = option(False, action="store_true", help="replace an existing output folder")

    digits: str = option(DEFAULT_DIGITS, metavar="LO-HI", group=OPERANDS,
                         help=f"operand lengths, e.g. 1-20 or 5 (default {DEFAULT_DIGITS})")
    digits_a: str | None = option(None, metavar="LO-HI", group=OPERANDS, help="lengths of a (default: --digits)")
    digits_b: str | None = option(None, metavar="LO-HI", group=OPERANDS, help="lengths of b (default: --digits)")
    per_class: str | None = option(None, metavar="N", group=OPERANDS,
                                   help=f"distinct operand pairs per (len a, len b) class (default "
                                        f"{DEFAULT_PER_CLASS}, or the whole class where it holds fewer)")
    whole_small_classes: bool = option(False, action="store_true", group=OPERANDS,
                                       help="where a class holds fewer than --per-class pairs, take all of them "
                                            "instead of failing (e.g. 1-digit classes with --per-class 500)")
    seed: str = option("0", metavar="N", group=OPERANDS, help="seed of every draw (default 0)")
    edge_share: str = option("0.1", metavar="F", group=OPERANDS,
                             help="share of each class drawn from edge cases: carry/borrow chains, zeros, "
                                  "equal operands, extremes (default 0.1)")
    max_b: str | None = option(None, metavar="N", group=OPERANDS, help="cap on b for the paper's MUL (default 30)")
    max_quotient: str | None = option(None, metavar="N", group=OPERANDS,
                                      help="cap on a // b for the paper's DIV (default 30)")
    include_failures: str | None = option(None, metavar="FILE", group=OPERANDS,
                                          help='JSON Lines of {"machine", "a", "b"} (from `caef crosscheck`) '
                                               'added to train')
    oversample: str = option("4", metavar="K", group=OPERANDS,
                             help="copies of each --include-failures pair (default 4)")

    mode: str = option("full", choices=MODES, group=RECORDS,
                       help="full: step → next step (the paper's); tape: state line → command; "
                            "head: finite-control view → command (default full)")
    stage: str = option("plain", choices=STAGES, group=RECORDS,
                        help="prompt: a description of the machine before every prompt (default plain)")
    with_callees: bool = option(False, action="store_true", group=RECORDS,
                                help="also the steps of every machine a composite calls, tagged with its name")
    from_text: bool = option(False, action="store_true", group=RECORDS,
                             help="run each problem of a machine with an operator from its expression text, "
                                  "through the text machine that reads it and prints the result (ALIGN, "
                                  "ALIGN_LONG): the model learns to align too (with --with-callees)")
    kind: str = option("both", choices=("executor", "aligner", "both"), group=RECORDS,
                       help="which records: executor steps, aligner pairs, or both (default both)")
    distinct: bool = option(False, action="store_true", group=RECORDS,
                            help="one record per distinct prompt and completion in each file (the first met): "
                                 "in the head view, the table of every decision the problems need")
    test_ratio: str = option("0.1", metavar="R", group=RECORDS,
                             help="share of each class's operand pairs in the test split (default 0.1)")
    split: str = option("both", choices=("train", "test", "both"), group=RECORDS,
                        help="which split(s) to write (default both)")

    workers: str = option("1", metavar="N", group=SCALE, help="processes (same bytes for any N)")
    shard: str | None = option(None, metavar="I/N", group=SCALE,
                               help="only the I-th of N contiguous parts (0-based); the parts concatenated "
                                    "are the whole dataset")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, CompileOptions)


def run(args) -> int:
    done = compile_datasets(Settings.from_arguments(from_args(CompileOptions, args)))
    print(f"wrote {done.records:,} records of {done.problems:,} problems to {done.folder} in {done.seconds:.1f} s "
          f"({done.problems / max(done.seconds, 1e-9):,.0f} examples/s)")
    return 0

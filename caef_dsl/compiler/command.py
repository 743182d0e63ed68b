"""`caef compile MACHINE… --out DIR`: machines → training datasets (JSON Lines), a manifest and
a dataset card. The command line: its flags (read into `Settings`, which checks them) and
`run`, which compiles through `pipeline.compile_datasets` and says what it wrote.
"""
from __future__ import annotations

import argparse

from ..views import MODES
from .pipeline import compile_datasets
from .settings import DEFAULT_DIGITS, DEFAULT_PER_CLASS, STAGES, Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Values are read as text and checked by `Settings.from_arguments`: a bad one is one line of error.
    parser.add_argument("machines", nargs="+", metavar="MACHINE",
                        help="machines of machines/ (add, SUB, …) or paths to .tm files")
    parser.add_argument("--out", metavar="DIR",
                        help="output folder (default compiled/<machines>-<mode>-<stage>)")
    parser.add_argument("--force", action="store_true", help="replace an existing output folder")
    ops = parser.add_argument_group("operands")
    ops.add_argument("--digits", default=DEFAULT_DIGITS, metavar="LO-HI",
                     help=f"operand lengths, e.g. 1-20 or 5 (default {DEFAULT_DIGITS})")
    ops.add_argument("--digits-a", metavar="LO-HI", help="lengths of a (default: --digits)")
    ops.add_argument("--digits-b", metavar="LO-HI", help="lengths of b (default: --digits)")
    ops.add_argument("--per-class", metavar="N",
                     help=f"distinct operand pairs per (len a, len b) class (default {DEFAULT_PER_CLASS}, "
                          "or the whole class where it holds fewer)")
    ops.add_argument("--whole-small-classes", action="store_true",
                     help="where a class holds fewer than --per-class pairs, take all of them "
                          "instead of failing (e.g. 1-digit classes with --per-class 500)")
    ops.add_argument("--seed", default="0", metavar="N", help="seed of every draw (default 0)")
    ops.add_argument("--edge-share", default="0.1", metavar="F",
                     help="share of each class drawn from edge cases: carry/borrow chains, zeros, "
                          "equal operands, extremes (default 0.1)")
    ops.add_argument("--max-b", metavar="N", help="cap on b for the paper's MUL (default 30)")
    ops.add_argument("--max-quotient", metavar="N", help="cap on a // b for the paper's DIV (default 30)")
    ops.add_argument("--include-failures", metavar="FILE",
                     help='JSON Lines of {"machine", "a", "b"} (from `caef crosscheck`) added to train')
    ops.add_argument("--oversample", default="4", metavar="K",
                     help="copies of each --include-failures pair (default 4)")
    out = parser.add_argument_group("records")
    out.add_argument("--mode", default="full", choices=MODES,
                     help="full: step → next step (the paper's); tape: state line → command; "
                          "head: finite-control view → command (default full)")
    out.add_argument("--stage", default="plain", choices=STAGES,
                     help="prompt: a description of the machine before every prompt (default plain)")
    out.add_argument("--with-callees", action="store_true",
                     help="also the steps of every machine a composite calls, tagged with its name")
    out.add_argument("--kind", default="both", choices=("executor", "aligner", "both"),
                     help="which records: executor steps, aligner pairs, or both (default both)")
    out.add_argument("--distinct", action="store_true",
                     help="one record per distinct prompt and completion in each file (the first met): "
                          "in the head view, the table of every decision the problems need")
    out.add_argument("--test-ratio", default="0.1", metavar="R",
                     help="share of each class's operand pairs in the test split (default 0.1)")
    out.add_argument("--split", default="both", choices=("train", "test", "both"),
                     help="which split(s) to write (default both)")
    scale = parser.add_argument_group("scale")
    scale.add_argument("--workers", default="1", metavar="N", help="processes (same bytes for any N)")
    scale.add_argument("--shard", metavar="I/N",
                       help="only the I-th of N contiguous parts (0-based); the parts concatenated "
                            "are the whole dataset")


def run(args) -> int:
    done = compile_datasets(Settings.from_arguments(args))
    print(f"wrote {done.records:,} records of {done.problems:,} problems to {done.folder} in {done.seconds:.1f} s "
          f"({done.problems / max(done.seconds, 1e-9):,.0f} examples/s)")
    return 0

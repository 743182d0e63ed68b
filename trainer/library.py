"""`caef library`: one shared model that executes every machine — the executor library.

    caef library --out runs/library            # every machine of machines/, ~45 minutes on 2 cores

compile the head-view decisions of every machine, callees included, met on operands of 1–10
digits (`--distinct`: the table of decisions, each once) → compile aligner pairs for the
machines with an operator → train one `tiny` model from scratch on both, until greedy decoding
reproduces every held-out decision (two checks in a row; the step budget caps it, the wall
clock is only a safety limit) → say where the run is and how to use it.

The head view is a finite control (caef_dsl/finite.py): a machine meets the same decisions at
100 digits as at 10, so a model right on this table executes every machine at any length —
`caef eval --model runs/library --machine long_mul --lengths 100 --rule-aligner`. A user's own
composite trains an adapter over the library for its own steps only (docs/tutorial.md).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from caef.cli import main as caef
from caef_dsl.machine_set import MACHINES_DIR

DEFAULT_OUT = "runs/library"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("machines", nargs="*", metavar="MACHINE",
                        help="machines to learn (default: every machine of machines/); callees come along")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"the run folder (default {DEFAULT_OUT})")
    parser.add_argument("--data", help="where the compiled data goes (default compiled/library-head)")
    parser.add_argument("--digits", default="1-10", help="training operand lengths (default 1-10)")
    parser.add_argument("--per-class", type=int, default=40,
                        help="problems per (len a, len b) class whose decisions make the table (default 40)")
    parser.add_argument("--aligner-per-class", type=int, default=2,
                        help="problems per class for the aligner pairs (default 2; 0: no aligner)")
    parser.add_argument("--aligner-share", type=float, default=0.1,
                        help="share of the batches that hold aligner pairs (default 0.1: an aligner pair is "
                             "~5 times as costly as a head-view step)")
    parser.add_argument("--model", default="tiny", help="preset trained from scratch (default tiny)")
    parser.add_argument("--max-steps", type=int, default=7000,
                        help="optimizer steps at most; the learning rate's cosine spans them (default 7000)")
    parser.add_argument("--time-budget", type=float, default=120, metavar="MINUTES",
                        help="a safety limit only: training stops on accuracy or steps first (default 120)")
    parser.add_argument("--eval-every", type=int, default=250, metavar="STEPS",
                        help="how often the held-out decisions are checked (default 250)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", default="2", help="compile processes (same data for any number)")
    parser.add_argument("--skip-compile", action="store_true", help="train on the data already in --data")


def stage(title: str, argv: list[str]) -> float:
    """Run one `caef` command in-process; stop if it fails."""
    print(f"\n=== {title}\n$ caef {' '.join(argv)}", flush=True)
    start = time.perf_counter()
    code = caef(argv)
    if code != 0:
        print(f"caef library: `caef {argv[0]}` failed with exit code {code}", file=sys.stderr)
        sys.exit(code)
    return time.perf_counter() - start


def run(args) -> int:
    machines = args.machines or sorted(p.stem for p in MACHINES_DIR.glob("*.tm"))
    data = Path(args.data or "compiled/library-head")
    executor, aligner = data / "executor", data / "aligner"
    common = ["--mode", "head", "--digits", args.digits, "--whole-small-classes", "--seed", str(args.seed),
              "--workers", str(args.workers), "--force"]
    seconds = {}
    if not args.skip_compile:
        seconds["compile"] = stage("1. every decision of every machine, callees included (head view)", [
            "compile", *machines, "--kind", "executor", "--with-callees", "--distinct",
            "--per-class", str(args.per_class), "--out", str(executor), *common])
        if args.aligner_per_class:
            seconds["compile"] += stage("2. aligner pairs: expression → first step, halting line → result", [
                "compile", *machines, "--kind", "aligner", "--per-class", str(args.aligner_per_class),
                "--split", "train", "--out", str(aligner), *common])
    folders = [str(executor)] + ([str(aligner)] if (aligner / "manifest.json").is_file() else [])
    mixed = ["--kind", "both", "--aligner-share", str(args.aligner_share)] if len(folders) > 1 else []
    seconds["train"] = stage("3. one model for all of them, until every held-out decision is right", [
        "train", "--data", *folders, *mixed, "--out", args.out, "--model", args.model,
        "--max-steps", str(args.max_steps), "--warmup", "200", "--epochs", "1000000", "--stop-at-accuracy", "1.0",
        "--eval-every", str(args.eval_every), "--time-budget", str(args.time_budget), "--seed", str(args.seed)])
    metrics = json.loads((Path(args.out) / "metrics.json").read_text())
    accuracy = (metrics["accuracy_curve"] or [[0, None]])[-1][1]
    print(f"\n=== the library: {args.out}")
    print(f"  {metrics['global_step']:,} steps, stopped by {metrics['stopped_by']}, held-out decisions exact: "
          f"{accuracy if accuracy is None else f'{accuracy:.2%}'}")
    print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    print(f"  caef eval --model {args.out} --machine long_mul --lengths 1-10,20,50,100 --rule-aligner")
    print(f"  caef solve \"123*456=\" --family long --model {args.out} --rule-aligner --check")
    return 0 if metrics["stopped_by"] == "accuracy" else 1

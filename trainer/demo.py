"""`make demo`: the whole idea on a laptop CPU, in minutes.

compile a machine's traces → train a tiny model from scratch → evaluate it against the
interpreter at the trained lengths and far beyond → cross-check with hypothesis, shrinking any
failure → say where every artifact is. Each stage is the `caef` command of the same name, run
in-process, so the demo is also a worked example of the command line.

    python -m trainer.demo                                   # add, head mode, ~10 minutes
    python -m trainer.demo --machine less_than --budget 5
    python -m trainer.demo --mode tape --budget 60 --out demo-tape
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from caef_dsl.cli import main as caef

STAGES = ("compile", "train", "eval", "crosscheck")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m trainer.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--machine", default="add", help="machine to learn (default add; e.g. sub, less_than)")
    parser.add_argument("--mode", choices=["head", "tape", "full"], default="head",
                        help="executor view (default head: the one that generalizes in length)")
    parser.add_argument("--budget", type=float, default=8.0, metavar="MINUTES",
                        help="training wall-clock budget (default 8)")
    parser.add_argument("--max-steps", type=int, default=3000, help="optimizer steps at most (default 3000)")
    parser.add_argument("--model", default="tiny", help="model preset or local checkpoint (default tiny)")
    parser.add_argument("--digits", default="1-10", help="training operand lengths (default 1-10)")
    parser.add_argument("--per-class", type=int, default=40, help="training problems per length class")
    parser.add_argument("--lengths", default="1-10,20,50,100",
                        help="evaluation lengths, a and b equally long (default 1-10,20,50,100)")
    parser.add_argument("--n", type=int, default=100, help="evaluation problems per length (default 100)")
    parser.add_argument("--crosscheck-examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="demo", help="folder for every artifact (default demo/)")
    parser.add_argument("--skip", nargs="*", choices=STAGES, default=[],
                        help="stages to skip (their artifacts must already be in --out)")
    return parser.parse_args(argv)


def stage(title: str, argv: list[str], ok: tuple[int, ...] = (0,)) -> float:
    """Run one `caef` command; stop the demo if it fails."""
    print(f"\n=== {title}\n$ caef {' '.join(argv)}", flush=True)
    start = time.perf_counter()
    code = caef(argv)
    if code not in ok:
        print(f"demo: `caef {argv[0]}` failed with exit code {code}", file=sys.stderr)
        sys.exit(code)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    data, run, report, failures = out / "data", out / "run", out / "eval", out / "failures.jsonl"
    seconds = {}
    if "compile" not in args.skip:
        seconds["compile"] = stage("1. compile the machine's traces into training data", [
            "compile", args.machine, "--mode", args.mode, "--digits", args.digits,
            "--per-class", str(args.per_class), "--seed", str(args.seed), "--out", str(data), "--force"])
    if "train" not in args.skip:
        seconds["train"] = stage("2. train a model from scratch on the CPU", [
            "train", "--data", str(data), "--out", str(run), "--model", args.model,
            "--time-budget", str(args.budget), "--max-steps", str(args.max_steps), "--seed", str(args.seed)])
    if "eval" not in args.skip:
        seconds["eval"] = stage("3. evaluate against the interpreter, every step checked (rule aligner)", [
            "eval", "--model", str(run), "--machine", args.machine, "--lengths", args.lengths,
            "--n", str(args.n), "--seed", str(args.seed + 1), "--out", str(report)])
    if "crosscheck" not in args.skip:
        seconds["crosscheck"] = stage("4. cross-check with hypothesis, shrinking any failure", [
            "crosscheck", "--model", str(run), "--machine", args.machine,
            "--examples", str(args.crosscheck_examples), "--failures", str(failures)],
            ok=(0, 1))  # 1: a counterexample was found and shrunk — a result, not a crash
    summary = {"machine": args.machine, "mode": args.mode, "seconds": seconds,
               "artifacts": {"dataset": str(data), "model": str(run), "report": str(report / "report.json"),
                             "heat map": str(report / "heatmap.png"), "failures": str(failures)}}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print("\n=== where everything is")
    for what, path in summary["artifacts"].items():
        print(f"  {what:10} {path}")
    print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

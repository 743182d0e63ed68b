"""Training speed of a preset (default `tiny`) on this machine in each mode: full, tape and head.

full and tape use the golden ADD traces (../shared/golden/caef/add.jsonl); head uses a synthetic
view of the same machine (`ADD q1 HEAD1 5 HEAD2 7 C 1` → its command line). A fixed number of
steps per mode; prints a table of non-padding training tokens per second.

    .venv/bin/python benchmarks/train_speed.py [--steps 30] [--batch-size 64] [--bf16]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trainer.cli import main as trainer_main
from trainer.data import write_dataset
from trainer.golden import GOLDEN_DIR, executor_records, golden_cases


def head_records() -> list[dict]:
    """Every (digit, digit, carry) view of ADD's q1 state with its command."""
    records = []
    for x in range(10):
        for y in range(10):
            for carry in (0, 1):
                total = x + y + carry
                records.append({
                    "prompt": f"ADD q1 HEAD1 {x} HEAD2 {y} C {carry}",
                    "completion": f"CMD: [C] {total // 10}, [OUTPUT] {total % 10}, [OUTPUT] RIGHT, [HEAD1] RIGHT, [HEAD2] RIGHT, q1",
                })
    return records


def mode_records(mode: str) -> list[dict]:
    if mode == "head":
        return head_records()
    return [r for case in golden_cases(GOLDEN_DIR / "add.jsonl") for r in executor_records(case, mode)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast")
    args = parser.parse_args()

    table = Table(title=f"{args.model}: training speed, {args.steps} steps of {args.batch_size} examples")
    for column in ("mode", "records", "tokens/step", "tokens/s", "wall s"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("full", "tape", "head"):
            data = write_dataset(Path(tmp) / mode, mode_records(mode), mode=mode, stage="plain", machines=["add"])
            out = Path(tmp) / f"run-{mode}"
            argv = ["train", "--data", str(data), "--out", str(out), "--model", args.model, "--max-steps", str(args.steps),
                    "--epochs", "1000", "--batch-size", str(args.batch_size), "--save-every", str(args.steps + 1)]
            if trainer_main(argv + (["--bf16"] if args.bf16 else [])) != 0:
                raise SystemExit(f"training failed in mode {mode}")
            m = json.loads((out / "metrics.json").read_text())
            table.add_row(mode, str(m["records"]), f"{m['tokens_seen'] / m['global_step']:,.0f}",
                          f"{m['tokens_per_second']:,.0f}", f"{m['wall_time_s']:.1f}")
    Console().print(table)


if __name__ == "__main__":
    main()

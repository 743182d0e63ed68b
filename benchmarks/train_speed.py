"""Training speed of a preset (default `tiny`) on this machine in each mode: full, tape and head.

The data is every step of 60 seeded random ADD problems of 1–20 digits (as the reference traces
of tests/golden/ draw them), in each mode's view. A fixed number of steps per mode; prints a
table of non-padding training tokens per second.

    .venv/bin/python benchmarks/train_speed.py [--steps 30] [--batch-size 64] [--bf16]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from caef_dsl import trace
from caef_dsl.views import executor_examples
from caef.cli import main as trainer_main
from trainer.data import write_dataset


def mode_records(mode: str, problems: int = 60) -> list[dict]:
    """Every executor record of `problems` ADD problems of 1–20 digits in `mode`."""
    draw = random.Random(f"train_speed:{problems}")
    records = []
    for _ in range(problems):
        a, b = (draw.randrange(10 ** (n - 1) if n > 1 else 0, 10 ** n) for n in (draw.randint(1, 20), draw.randint(1, 20)))
        for e in executor_examples(trace("add", a, b).trace, mode):
            records.append({"prompt": e.prompt, "completion": e.completion})
    return records


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

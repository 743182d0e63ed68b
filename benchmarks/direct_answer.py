"""The direct-answer baseline of the paper's Table 1 ("LLaMA 3.1 (L)"), in miniature: the same
tiny preset, trained from scratch on the problems the executor library's table is drawn from
(operands of 1–10 digits, 40 per (len a, len b) class, the seven operators), to answer
`a op b=` with the result in one completion — no machine, no steps. Then the accuracy at the
paper's lengths, so the table shows what executing machines buys.

    .venv/bin/python benchmarks/direct_answer.py --out runs/direct --max-steps 5000   # train
    .venv/bin/python benchmarks/direct_answer.py --out runs/direct --eval-only          # the table

Per operator and length (a and b of that length; greedy decoding, the answer compared as text
with Python's): accuracy over --n problems drawn with seed 1 (training drew with seed 0).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from caef_dsl import load_machines
from caef_dsl.operand_rules import machine_constraint
from caef_dsl.sampling import capacity, class_key, class_pairs, lowest, highest

# The paper's seven operators, by the library machine whose operands they take.
OPERATORS = {"+": "add", "-": "sub", "*": "long_mul", "//": "long_div", "==": "equal", ">": "greater_than",
             "<": "less_than"}
ANSWER = {"+": int.__add__, "-": int.__sub__, "*": int.__mul__, "//": int.__floordiv__, "==": int.__eq__,
          ">": int.__gt__, "<": int.__lt__}


def record(op: str, a: int, b: int, machine: str) -> dict:
    return {"machine": machine, "prompt": f"{a}{op}{b}=", "completion": str(ANSWER[op](a, b)), "kind": "executor"}


def dataset(folder: Path, per_class: int, digits: int, seed: int = 0) -> Path:
    """Every operator's problems of 1..digits digits, per_class per (len a, len b) class, a tenth
    held out: the draws `caef compile` makes for the library."""
    from trainer.data import write_dataset
    machines = load_machines()
    train, test = [], []
    for op, stem in OPERATORS.items():
        name = machines.resolve(stem)
        constraint = machine_constraint(machines, name)
        for la in range(1, digits + 1):
            for lb in range(1, digits + 1):
                count = min(per_class, capacity(constraint, la, lb))
                pairs = class_pairs(constraint, la, lb, count, max(1, count // 10) if count else 0,
                                    class_key(seed, name, la, lb))
                for i, (a, b) in enumerate(pairs):
                    (test if i % 10 == 9 else train).append(record(op, a, b, name))
    return write_dataset(folder, train, test, mode="head", stage="plain",
                         machines=sorted({r["machine"] for r in train}))


def evaluate(run: Path, lengths: list[int], n: int, seed: int = 1) -> dict:
    """Accuracy per operator and length: greedy answers against Python's."""
    from trainer.language_models import open_models
    machines = load_machines()
    executor = open_models([run], machines, max_new_tokens=2 * max(lengths) + 4)
    rng = random.Random(seed)
    table = {}
    for op, stem in OPERATORS.items():
        name = machines.resolve(stem)
        for length in lengths:
            problems = []
            while len(problems) < n:
                a, b = (rng.randint(lowest(length), highest(length)) for _ in range(2))
                if machine_constraint(machines, name).holds(a, b):
                    problems.append(record(op, a, b, name))
            replies = executor.generate(name, [p["prompt"] for p in problems])
            right = sum(r.finished and r.text == p["completion"] for r, p in zip(replies, problems))
            table.setdefault(op, {})[length] = right / n
            print(f"{op} {length}: {right}/{n}", flush=True)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/direct"))
    parser.add_argument("--data", type=Path, default=Path("compiled/direct"))
    parser.add_argument("--max-steps", type=int, default=5000, help="optimizer steps (default 5000, the library's cap)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--lengths", default="5,10,50,100")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--eval-only", action="store_true")
    args = parser.parse_args()
    if not args.eval_only:
        from trainer.train import train
        from trainer.train_settings import TrainSettings
        dataset(args.data, args.per_class, 10)
        began = time.perf_counter()
        metrics = train(TrainSettings(data=(args.data,), out=args.out, model="tiny", max_steps=args.max_steps,
                                      lr=args.lr, warmup=200.0, epochs=math.inf, time_budget=120))
        print(f"trained {metrics['global_step']} steps in {(time.perf_counter() - began) / 60:.1f} min")
    lengths = [int(x) for x in args.lengths.split(",")]
    table = evaluate(args.out, lengths, args.n)
    (args.out / "direct_answer.json").write_text(json.dumps(table, indent=2) + "\n")
    shown = Table(title=f"direct answers ({args.out}), {args.n} problems per cell")
    shown.add_column("operator")
    for length in lengths:
        shown.add_column(str(length), justify="right")
    for op, row in table.items():
        shown.add_row(op, *[f"{row[length]:.0%}" for length in lengths])
    Console().print(shown)


if __name__ == "__main__":
    main()

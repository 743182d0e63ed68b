"""Length generalization of the paper's views (tape, full): position techniques on and off.

Each setting trains the `tiny` preset from scratch on the same ADD data (operands of 1–10
digits) for the same number of steps, then `caef eval` checks it at 1–10 digits and beyond
(every step against the interpreter, rule aligner). One more row answers `a+b=` directly,
without a machine (digits least significant first, as the machines read them), so the table
shows what executing the machine buys.

    .venv/bin/python benchmarks/length_ablation.py --out ablation                  # every setting
    .venv/bin/python benchmarks/length_ablation.py --out ablation --settings rope-first --seeds 0 1

Runs, reports and `results.json` land in --out; a setting already trained or evaluated there
is not redone, so the script can be stopped and started again. docs/results.md has the table.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from caef.cli import main as caef
from caef_dsl.compiler.dataset import DatasetRecord
from caef_dsl.sampling import Constraint, capacity, class_key, class_pairs, parse_lengths

SETTINGS = {
    "rope": [],                                    # Llama: RoPE in every layer
    "nope": ["--rope-layers", "0"],                # no position encoding (Kazemnejad et al. 2023)
    "rope-first": ["--rope-layers", "1"],          # RoPE in the first layer only, NoPE above
    "random-positions": ["--random-positions", "1024"],  # Ruoss et al. 2023
    "varied-density": ["--random-positions", "1024", "--varied-density"],  # … at every spacing up to 1024
    "head-positions": ["--head-positions"],        # cells away from the heads count in a region of their own
    "far-mass": ["--head-positions", "--far-mass", "100"],  # … weighed up to 100 times in training
    "tape-regions": ["--head-positions", "--far-mass", "100", "--tape-regions"],  # … each tape in a region of its own
    "two-axes": ["--head-positions", "--far-mass", "100", "--tape-regions", "--two-axes"],  # … rotary on two axes
    "tape-mass": ["--head-positions", "--far-mass", "100", "--tape-regions", "--tape-mass", "4"],  # … each tape weighed on its own
    "direct": [],                                  # no machine: a+b= → the sum
}
DEFAULT_SETTINGS = ["rope", "nope", "rope-first", "random-positions", "varied-density", "head-positions", "far-mass",
                    "tape-regions", "two-axes", "tape-mass", "direct"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("ablation"))
    parser.add_argument("--mode", choices=["tape", "full"], default="tape")
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=DEFAULT_SETTINGS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--steps", type=int, default=4000, help="optimizer steps of every setting (default 4000)")
    parser.add_argument("--per-class", type=int, default=500, help="training problems per (len a, len b) class")
    parser.add_argument("--lengths", default="1-10,12,15,20,50,100")
    parser.add_argument("--n", type=int, default=50, help="evaluation problems per length (default 50)")
    return parser.parse_args(argv)


def compiled(args) -> Path:
    data = args.out / f"data-{args.mode}"
    if not (data / "manifest.json").is_file():
        check(caef(["compile", "add", "--mode", args.mode, "--digits", "1-10", "--per-class", str(args.per_class),
                    "--whole-small-classes", "--split", "train", "--out", str(data), "--force"]), "compile")
    return data


def check(code: int, what: str) -> None:
    if code != 0:
        raise SystemExit(f"{what} failed with exit code {code}")


def train(data: Path, run: Path, flags: list[str], args, seed: int) -> None:
    if not (run / "metrics.json").is_file():
        check(caef(["train", "--data", str(data), "--out", str(run), "--model", "tiny", "--max-steps", str(args.steps),
                    "--epochs", "1000", "--seed", str(seed), "--save-every", str(args.steps + 1), *flags]), "train")


def machine_row(run: Path, args) -> dict:
    report = run / "eval" / "report.json"
    if not report.is_file():
        # The rule aligner: the table measures the executor (a model aligner spells the operands).
        # A tape command is ~25 tokens: a lost model stops at 64, not at twice its long prompt.
        limit = ["--max-new-tokens", "64"] if args.mode == "tape" else []
        check(caef(["eval", "--model", str(run), "--machine", "add", "--lengths", args.lengths, "--n", str(args.n),
                    "--rule-aligner", *limit, "--out", str(report.parent)]), "eval")
    rows = json.loads(report.read_text())["by_class"]
    return {str(r["len_a"]): r["end_to_end_accuracy"] for r in rows}


# ---- the baseline: no machine -------------------------------------------------------------

def direct_text(a: int, b: int) -> tuple[str, str]:
    """`a+b=` → the sum, every number least significant digit first."""
    return f"{str(a)[::-1]}+{str(b)[::-1]}=", str(a + b)[::-1]


def direct_data(args, machine_data: Path) -> Path:
    """The same operand pairs as the machine's data, answered directly."""
    from trainer.data import write_dataset
    folder = args.out / "data-direct"
    if not (folder / "manifest.json").is_file():
        records = []
        with open(machine_data / "train.jsonl", encoding="utf-8") as lines:
            for line in lines:
                r = DatasetRecord.from_line(line)
                if r.step == 0:
                    prompt, completion = direct_text(int(r.a), int(r.b))
                    records.append({"prompt": prompt, "completion": completion})
        write_dataset(folder, records, mode="direct", stage="plain", machines=["add"])
    return folder


def direct_row(run: Path, args) -> dict:
    """End-to-end accuracy per length of a model that answers directly (greedy, batched)."""
    import torch
    from trainer.model import load_run
    report = run / "direct_eval.json"
    if not report.is_file():
        model, tokenizer = load_run(run)
        tokenizer.padding_side = "left"
        constraint = Constraint()  # ADD takes any two operands
        row = {}
        for n in parse_lengths(args.lengths):
            pairs = list(class_pairs(constraint, n, n, min(args.n, capacity(constraint, n, n)), 0,
                                     class_key(1, "ADD", n, n)))
            texts = [direct_text(a, b) for a, b in pairs]
            batch = tokenizer([p for p, _ in texts], return_tensors="pt", padding=True)
            with torch.inference_mode():
                out = model.generate(**batch, max_new_tokens=n + 3, do_sample=False,
                                     eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
            answers = tokenizer.batch_decode(out[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
            row[str(n)] = sum(got == want for got, (_, want) in zip(answers, texts)) / len(texts)
        report.write_text(json.dumps(row, indent=2) + "\n")
    return json.loads(report.read_text())


def main(argv=None) -> None:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    data = compiled(args)
    results_path = args.out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    for setting in args.settings:
        for seed in args.seeds:
            name = f"{setting}-seed{seed}" if setting == "direct" else f"{args.mode}-{setting}-seed{seed}"
            run = args.out / name
            began = time.perf_counter()
            if setting == "direct":
                train(direct_data(args, data), run, [], args, seed)
                row = direct_row(run, args)
            else:
                train(data, run, SETTINGS[setting], args, seed)
                row = machine_row(run, args)
            metrics = json.loads((run / "metrics.json").read_text())
            results[name] = {"setting": setting, "seed": seed, "mode": "direct" if setting == "direct" else args.mode,
                             "steps": metrics["global_step"], "train_s": metrics["wall_time_s"],
                             "threads": os.environ.get("OMP_NUM_THREADS", "all"), "accuracy": row,
                             "seconds": round(time.perf_counter() - began, 1)}
            results_path.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results, parse_lengths(args.lengths))


def print_table(results: dict, lengths: list[int]) -> None:
    table = Table(title="end-to-end accuracy by operand length (trained on 1–10 digits)")
    for column in ("run", "steps", "train min", *[str(n) for n in lengths]):
        table.add_column(column, justify="left" if column == "run" else "right")
    for name, r in sorted(results.items()):
        table.add_row(name, str(r["steps"]), f"{r['train_s'] / 60:.0f}",
                      *[f"{r['accuracy'][str(n)]:.0%}" if str(n) in r["accuracy"] else "-" for n in lengths])
    Console().print(table)


if __name__ == "__main__":
    main()

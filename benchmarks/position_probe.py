"""Which position ids a tape model needs at inference: one step at a time, teacher-forced.

For each length, the state lines of a few ADD problems (`caef compile add --mode tape`) go to
the model with position ids numbered 0, 1, 2, … (what the runtime does) and as a sorted random
draw from 0..N-1 (what `--random-positions N` trained on); greedy decoding writes the command,
and the share of commands right is printed. Step accuracy only: no run of whole problems.

    .venv/bin/python benchmarks/position_probe.py ablation/tape-random-positions-seed0 --lengths 5 10 15 20 50
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

from caef_dsl.cli import main as caef
from trainer.data import random_positions
from trainer.model import load_run


def state_lines(digits: int, per_class: int, folder: Path) -> list[dict]:
    out = folder / f"tape-{digits}"
    code = caef(["compile", "add", "--mode", "tape", "--digits-a", str(digits), "--digits-b", str(digits),
                 "--per-class", str(per_class), "--split", "train", "--kind", "executor", "--out", str(out), "--force"])
    if code:
        raise SystemExit(f"compile failed with exit code {code}")
    return [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]


def command(model, prompt: list[int], positions: torch.Tensor, limit: int, eos: int) -> list[int]:
    ids = list(prompt)
    with torch.inference_mode():
        while len(ids) < len(prompt) + limit and (len(ids) == len(prompt) or ids[-1] != eos):
            # An explicit mask: without one, transformers reads position ids that do not step by
            # 1 as packed sequences and lets each token attend to itself only.
            logits = model(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                           position_ids=positions[:len(ids)].unsqueeze(0)).logits
            ids.append(int(logits[0, -1].argmax()))
    return ids[len(prompt):]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="a tape-view run (`caef train --random-positions N`)")
    parser.add_argument("--lengths", nargs="+", type=int, default=[5, 10, 15, 20, 50])
    parser.add_argument("--per-class", type=int, default=5, help="problems per length (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model, tokenizer = load_run(args.run)
    model.eval()
    span = json.loads((Path(args.run) / "caef_run.json").read_text())["positions"]["random_positions"]
    if not span:
        raise SystemExit(f"{args.run} was not trained with --random-positions")
    generator = torch.Generator().manual_seed(args.seed)
    eos = tokenizer.eos_token_id
    with tempfile.TemporaryDirectory() as folder:
        for digits in args.lengths:
            records = state_lines(digits, args.per_class, Path(folder))
            right = {"0, 1, 2, …": 0, f"random of 0..{span - 1}": 0}
            for r in records:
                prompt = tokenizer(r["prompt"])["input_ids"]
                want = tokenizer(r["completion"], add_special_tokens=False)["input_ids"] + [eos]
                width = len(prompt) + len(want) + 8
                drawn = random_positions(1, width, span, generator)[0]
                for how, positions in zip(right, (torch.arange(width), drawn)):
                    right[how] += command(model, prompt, positions, len(want) + 8, eos) == want
            print(f"{digits:>3} digits, {len(records)} steps: "
                  + ", ".join(f"positions {how}: {n / len(records):.1%}" for how, n in right.items()), flush=True)


if __name__ == "__main__":
    main()

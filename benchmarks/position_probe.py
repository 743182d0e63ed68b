"""Which position ids a tape model needs at inference: one step at a time, teacher-forced.

For each length, the state lines of a few ADD problems (`caef compile add --mode tape`) go to
the model with position ids numbered 0, 1, 2, … and as the runtime gives them to the run
(`trainer.positions`: for `--random-positions N` a sorted random draw from 0..N-1 seeded by the
prompt, for `--head-positions` the head layout); greedy decoding writes the command, and the share
of commands right is printed. Step accuracy only: `caef eval` runs whole problems.

    .venv/bin/python benchmarks/position_probe.py ablation/tape-random-positions-seed0 --lengths 5 10 15 20 50
    .venv/bin/python benchmarks/position_probe.py ablation/tape-random-positions-seed0 --lengths 20 --room 300
"""
from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

import torch

from caef_dsl.compiler.command import CompileOptions
from caef_dsl.compiler.dataset import DatasetRecord
from caef_dsl.compiler.pipeline import compile_datasets
from caef_dsl.compiler.settings import Settings
from trainer.data import load_records
from trainer.decoding import generate_at_positions
from trainer.model import load_run
from trainer.positions import RandomPositions, positions_of_run
from trainer.run_file import RunFile


def add_steps(folder: Path, mode: str, digits_a: int, digits_b: int, per_class: int, seed: int = 0) -> list[DatasetRecord]:
    """The executor steps of `per_class` ADD problems of `digits_a` × `digits_b` digits in `mode`
    (`caef compile add --mode MODE`), compiled into `folder`."""
    options = CompileOptions(machines=("add",), mode=mode, digits_a=str(digits_a), digits_b=str(digits_b),
                             per_class=str(per_class), seed=str(seed), split="train", kind="executor",
                             out=str(folder / f"{mode}-{digits_a}x{digits_b}"), force=True)
    compile_datasets(Settings.from_arguments(options))
    return load_records([Path(options.out)])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="a tape-view run (`caef train --random-positions N` or `--head-positions`)")
    parser.add_argument("--lengths", nargs="+", type=int, default=[5, 10, 15, 20, 50])
    parser.add_argument("--per-class", type=int, default=5, help="problems per length (default 5)")
    parser.add_argument("--room", type=int, metavar="N",
                        help="draw positions for the prompt and N more tokens (default: the run's longest "
                             "completion, as the runtime does); more room packs the prompt's positions denser")
    args = parser.parse_args()
    model, tokenizer = load_run(args.run)
    model.eval()
    positions = positions_of_run(RunFile.read(args.run))
    if positions is None:
        raise SystemExit(f"{args.run} was not trained at positions of its own (--random-positions, --head-positions)")
    if args.room:
        positions = replace(positions, completion_tokens=args.room)
    scheme = f"drawn from 0..{positions.span - 1}" if isinstance(positions, RandomPositions) else "of the heads"
    eos = tokenizer.eos_token_id
    with tempfile.TemporaryDirectory() as folder:
        for digits in args.lengths:
            records = add_steps(Path(folder), "tape", digits, digits, args.per_class)
            right = {"0, 1, 2, …": 0, scheme: 0}
            for r in records:
                ids = tokenizer(r.prompt, return_tensors="pt")["input_ids"]
                want = tokenizer(r.completion, add_special_tokens=False)["input_ids"] + [eos]
                mask = ids.new_ones(ids.shape)
                drawn = positions.draw(r.prompt, tokenizer.convert_ids_to_tokens(ids[0].tolist()))
                for how, at in zip(right, (torch.arange(ids.shape[1]), drawn)):
                    [written] = generate_at_positions(model, ids, mask, len(want) + 8, eos, [at])
                    right[how] += written == want
            print(f"{digits:>3} digits, {len(records)} steps: "
                  + ", ".join(f"positions {how}: {n / len(records):.1%}" for how, n in right.items()), flush=True)


if __name__ == "__main__":
    main()

"""Does a full-view model fail by how much each tape weighs? One step at a time, teacher-forced.

For a few ADD problems of the lengths given (`caef compile add --mode full`), every step goes to
a `--head-positions --tape-regions` run at the positions the runtime gives it, once as it is and
once per weighting: `T=W` adds log W to every attention logit on tape T's cells away from the
heads (tapes numbered along the line as `trainer.positions.far_tapes` numbers them: ADD's a is
0, b is 1), as if tape T held W times as many cells. The share of steps whose whole completion
(next state line, command, EOS) is the argmax at every token is printed per weighting.

    .venv/bin/python benchmarks/tape_weight_probe.py demo-full/run --digits-a 20 --digits-b 1 --weigh 0=0.25 1=4
"""
from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import torch

from position_probe import add_steps  # benchmarks/, beside this script
from trainer.model import load_run
from trainer.positions import HeadPositions, far_tapes, positions_of_run, unspaced_layout
from trainer.run_file import RunFile
from trainer.train import weighted_mask


def weighing(text: str) -> dict[int, float]:
    tape, _, weight = text.partition("=")
    try:
        return {int(tape): float(weight)}
    except ValueError:
        raise argparse.ArgumentTypeError(f"a weighting is TAPE=WEIGHT, like 0=0.25, not {text!r}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", help="a full-view run trained with --head-positions --tape-regions")
    parser.add_argument("--digits-a", type=int, default=20)
    parser.add_argument("--digits-b", type=int, default=1)
    parser.add_argument("--per-class", type=int, default=10, help="problems (default 10)")
    parser.add_argument("--weigh", nargs="*", type=weighing, default=[], metavar="TAPE=WEIGHT",
                        help="weightings to try besides none, one tape each")
    args = parser.parse_args()
    scheme = positions_of_run(RunFile.read(args.run))
    if not (isinstance(scheme, HeadPositions) and scheme.tapes):
        raise SystemExit(f"{args.run} was not trained with --head-positions --tape-regions")
    model, tokenizer = load_run(args.run)
    model.eval()
    vocabulary = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    with tempfile.TemporaryDirectory() as folder:
        records = add_steps(Path(folder), "full", args.digits_a, args.digits_b, args.per_class, seed=5)
    for weights in [{}, *args.weigh]:
        right = 0
        for r in records:
            prompt = tokenizer(r.prompt)["input_ids"]
            completion = tokenizer(r.completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
            tokens = [vocabulary[i] for i in prompt + completion]
            tapes = torch.tensor(far_tapes(unspaced_layout(tokens, axes=scheme.axes), scheme.axes))
            bias = torch.zeros(len(tokens))
            for tape, weight in weights.items():
                bias[tapes == tape] = math.log(weight)
            mask = weighted_mask(torch.ones(1, len(tokens), dtype=torch.long), bias[None])
            with torch.no_grad():  # the completion's tokens go on by the prompt's rule, as `HeadPositions.written`
                logits = model(input_ids=torch.tensor([prompt + completion]), attention_mask=mask,
                               position_ids=scheme.draw(r.prompt, tokens)[None, :len(tokens)]).logits[0]
            right += logits[len(prompt) - 1:-1].argmax(-1).tolist() == completion
        how = ", ".join(f"tape {t} weighs {w:g}" for t, w in weights.items()) or "as it is"
        print(f"{args.digits_a}x{args.digits_b} digits, {len(records)} steps, {how}: {right / len(records):.1%} right",
              flush=True)


if __name__ == "__main__":
    main()

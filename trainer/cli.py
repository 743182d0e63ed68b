"""`train` command line: `add_train_arguments` and `run_train` for the `caef` CLI, and a standalone main.

Nothing here imports torch at import time, so building the `caef` parser stays fast.

    python -m trainer.cli train --data compiled/add --out runs/add --model tiny --max-steps 2000
    torchrun --nproc_per_node=2 -m trainer.cli train --data compiled/add --out runs/add
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trainer.errors import TrainerError
from trainer.presets import describe_presets


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `train` options to `parser`."""
    data = parser.add_argument_group("data")
    data.add_argument("--data", type=Path, nargs="+", action="extend", required=True, metavar="DIR",
                      help="compiled dataset folder(s); several train one shared model")
    data.add_argument("--stage", choices=["prompt", "plain"], help="train only on records of this stage")
    data.add_argument("--kind", choices=["executor", "aligner", "both"], default="executor",
                      help="which records to learn: executor steps (default), aligner pairs, or both in one "
                           "model (head view only)")
    data.add_argument("--aligner-share", type=float, metavar="F",
                      help="with --kind both: the share of batches that hold aligner pairs (default 0.2); "
                           "each batch holds one kind, so short executor steps are not padded to long pairs")
    data.add_argument("--out", type=Path, required=True, metavar="DIR",
                      help="run folder: checkpoints, then the model or adapter, tokenizer, metrics.json, caef_run.json")

    model = parser.add_argument_group("model")
    model.add_argument("--model", metavar="PRESET|PATH",
                       help=f"a preset trained from scratch (default tiny) or a local Hugging Face causal-LM "
                            f"folder fine-tuned with LoRA. Presets: {describe_presets()}")
    model.add_argument("--init-from", type=Path, metavar="RUN", help="continue from the weights of an earlier run")
    model.add_argument("--add-tokens", action="store_true",
                       help="add trace symbols the base tokenizer lacks as new tokens (else they must be encodable)")
    model.add_argument("--lora-rank", type=int, default=16)
    model.add_argument("--lora-alpha", type=int, default=32)
    model.add_argument("--lora-dropout", type=float, default=0.05)
    model.add_argument("--lora-targets", default="q_proj,k_proj,v_proj,o_proj", help="comma-separated module names")

    positions = parser.add_argument_group("positions (length generalization; docs/results.md has the ablation)")
    positions.add_argument("--rope-layers", type=int, metavar="N",
                           help="rotary position embeddings in the lowest N layers only, none above (NoPE); "
                                "0: no position encoding at all (default: every layer, a plain Llama)")
    positions.add_argument("--random-positions", type=int, metavar="N",
                           help="train on position ids drawn as sorted random positions of 0..N-1 (randomized "
                                "positional encodings), so short examples meet the distances of long ones; "
                                "inference draws them the same way")
    positions.add_argument("--varied-density", action="store_true",
                           help="with --random-positions: each example takes consecutive positions of a draw of "
                                "a random size, so training meets the denser positions of longer lines too")

    budget = parser.add_argument_group("budget (whichever ends first)")
    budget.add_argument("--max-steps", type=int, help="optimizer steps")
    budget.add_argument("--epochs", type=float, default=3.0, help="passes over the data (default 3)")
    budget.add_argument("--time-budget", type=float, metavar="MINUTES",
                        help="stop after this wall time, a safety limit (the cosine still spans the step budget)")
    budget.add_argument("--stop-at-accuracy", type=float, metavar="F",
                        help="stop once greedy decoding reproduces this share (1.0: all) of the held-out "
                             "executor records exactly at two checks in a row — the test split, or train "
                             "where there is none; checked every --eval-every steps")
    budget.add_argument("--eval-every", type=int, default=100, metavar="STEPS",
                        help="interval of the --stop-at-accuracy check (default 100)")

    optim = parser.add_argument_group("optimization")
    optim.add_argument("--batch-size", type=int, default=64, help="examples per device per step")
    optim.add_argument("--grad-accum", type=int, default=1)
    optim.add_argument("--lr", type=float, help="peak learning rate (default 2e-3 from scratch, 2e-4 for LoRA)")
    optim.add_argument("--warmup", type=float, default=0.05, help="warm-up steps, or a fraction of them if < 1")
    optim.add_argument("--weight-decay", type=float, default=0.01)
    optim.add_argument("--seed", type=int, default=0)
    optim.add_argument("--bf16", action=argparse.BooleanOptionalAction,
                       help="bf16 autocast (default: on for GPUs that support it; on CPU ~15%% faster when asked)")
    optim.add_argument("--group-by-length", action=argparse.BooleanOptionalAction, default=False,
                       help="batch examples of similar length together: less padding, but batches of one "
                            "kind of step (all halting steps, all of one operand length) made the loss "
                            "spike and stall on trace data, so it is off by default")

    run = parser.add_argument_group("checkpoints and logging")
    run.add_argument("--save-every", type=int, default=200, metavar="STEPS", help="checkpoint interval")
    run.add_argument("--keep-checkpoints", type=int, default=2)
    run.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    run.add_argument("--log-every", type=int, default=10, metavar="STEPS", help="loss-curve interval")


def run_train(args: argparse.Namespace) -> int:
    """Run `caef train`; returns the exit code (2 with one line on stderr for bad input)."""
    try:
        from trainer.train import run

        return run(args)
    except TrainerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    """`python -m trainer.cli train ...`"""
    parser = argparse.ArgumentParser(prog="python -m trainer.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    add_train_arguments(commands.add_parser("train", help="train a model on compiled datasets"))
    args = parser.parse_args(argv)
    return run_train(args)


if __name__ == "__main__":
    sys.exit(main())

"""`caef train`'s settings: `TrainSettings`, every option of a training run and its default,
declared once, and the parser options they make. Nothing here imports torch, so building the
`caef` parser stays fast; `trainer.train.train(settings)` does the work.

    caef train --data compiled/add --out runs/add --model tiny --max-steps 2000
    torchrun --nproc_per_node=2 -m caef train --data compiled/add --out runs/add
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from caef_dsl.options import add_options, option
from trainer.presets import describe_presets

DATA, MODEL, POSITIONS, BUDGET, OPTIMIZATION, LOGGING = (
    "data", "model", "positions (length generalization; docs/results.md has the ablation)",
    "budget (whichever ends first)", "optimization", "checkpoints and logging")


@dataclass(frozen=True, kw_only=True)
class TrainSettings:
    """What `caef train` is told; `caef train --help` shows each field's help."""
    data: tuple[Path, ...] = option(
        type=Path, nargs="+", action="extend", metavar="DIR", group=DATA,
        help="compiled dataset folder(s); several train one shared model")
    stage: str | None = option(None, choices=["prompt", "plain"], group=DATA,
                               help="train only on records of this stage")
    kind: str = option("executor", choices=["executor", "aligner", "both"], group=DATA,
                       help="which records to learn: executor steps (default), aligner pairs, or both in one "
                            "model (head view only)")
    aligner_share: float | None = option(
        None, type=float, metavar="F", group=DATA,
        help="with --kind both: the share of batches that hold aligner pairs (default 0.2); each batch holds "
             "one kind, so short executor steps are not padded to long pairs")
    out: Path = option(type=Path, metavar="DIR", group=DATA,
                       help="run folder: checkpoints, then the model or adapter, tokenizer, metrics.json, "
                            "caef_run.json")

    model: str | None = option(
        None, metavar="PRESET|PATH", group=MODEL,
        help=f"a preset trained from scratch (default tiny) or a local Hugging Face causal-LM folder "
             f"fine-tuned with LoRA. Presets: {describe_presets()}")
    init_from: Path | None = option(None, type=Path, metavar="RUN", group=MODEL,
                                    help="continue from the weights of an earlier run")
    add_tokens: bool = option(False, action="store_true", group=MODEL,
                              help="add trace symbols the base tokenizer lacks as new tokens (else they must "
                                   "be encodable)")
    lora_rank: int = option(16, type=int, group=MODEL)
    lora_alpha: int = option(32, type=int, group=MODEL)
    lora_dropout: float = option(0.05, type=float, group=MODEL)
    lora_targets: str = option("q_proj,k_proj,v_proj,o_proj", group=MODEL, help="comma-separated module names")

    rope_layers: int | None = option(
        None, type=int, metavar="N", group=POSITIONS,
        help="rotary position embeddings in the lowest N layers only, none above (NoPE); 0: no position "
             "encoding at all (default: every layer, a plain Llama)")
    random_positions: int | None = option(
        None, type=int, metavar="N", group=POSITIONS,
        help="train on position ids drawn as sorted random positions of 0..N-1 (randomized positional "
             "encodings), so short examples meet the distances of long ones; inference draws them the same way")
    varied_density: bool = option(
        False, action="store_true", group=POSITIONS,
        help="with --random-positions: each example takes consecutive positions of a draw of a random size, "
             "so training meets the denser positions of longer lines too")

    head_positions: bool = option(
        False, action="store_true", group=POSITIONS,
        help="position ids that count the tokens near the heads 0, 1, 2, … and the tape cells away from them in a "
             "region of their own, so a long state line lays out like a short one around its heads (tape and full "
             "views); inference reads lines the same way")
    tape_regions: bool = option(
        False, action="store_true", group=POSITIONS,
        help="with --head-positions: each tape of a line has its cells away from the heads in a region of its own, "
             "a cell at its index on the tape, so the full view's next state line puts each cell where the line "
             "before has it and a copy that runs off a tape finds nothing there")
    two_axes: bool = option(
        False, action="store_true", group=POSITIONS,
        help="with --head-positions: rotary positions on two axes, half the frequencies each (like M-RoPE): the "
             "count near the heads, and a cell's place away from them, so every step between a cell and a token "
             "near the heads is one offset at any length; the run file tells the loader")
    far_mass: float | None = option(
        None, type=float, metavar="K", group=POSITIONS,
        help="with --head-positions: in training, weigh each example's cells away from the heads as if there were "
             "w times as many (w drawn log-uniform from 1..K), as in lines up to K times as long, so the decisions "
             "of long lines are read as sharply; inference reads lines as they are")
    tape_mass: float | None = option(
        None, type=float, metavar="R", group=POSITIONS,
        help="with --far-mass: weigh each tape's cells up to R times more again, drawn per tape (log-uniform from "
             "1..R), as in lines where a long tape stands beside a short one (the full view copies each tape to its "
             "end whatever the tapes beside it hold)")

    max_steps: int | None = option(None, type=int, group=BUDGET, help="optimizer steps")
    epochs: float = option(3.0, type=float, group=BUDGET,
                           help="passes over the data (default 3; inf: no limit, with --max-steps)")
    time_budget: float | None = option(
        None, type=float, metavar="MINUTES", group=BUDGET,
        help="stop after this wall time, a safety limit (the cosine still spans the step budget)")
    stop_at_accuracy: float | None = option(
        None, type=float, metavar="F", group=BUDGET,
        help="stop once greedy decoding reproduces this share (1.0: all) of the held-out executor records "
             "exactly at two checks in a row — the test split, or train where there is none; checked every "
             "--eval-every steps")
    eval_every: int = option(100, type=int, metavar="STEPS", group=BUDGET,
                             help="interval of the --stop-at-accuracy check (default 100)")

    batch_size: int = option(64, type=int, group=OPTIMIZATION, help="examples per device per step")
    grad_accum: int = option(1, type=int, group=OPTIMIZATION)
    lr: float | None = option(None, type=float, group=OPTIMIZATION,
                              help="peak learning rate (default 2e-3 from scratch, 2e-4 for LoRA)")
    warmup: float = option(0.05, type=float, group=OPTIMIZATION,
                           help="warm-up steps, or a fraction of them if < 1")
    weight_decay: float = option(0.01, type=float, group=OPTIMIZATION)
    seed: int = option(0, type=int, group=OPTIMIZATION)
    bf16: bool | None = option(
        None, action=argparse.BooleanOptionalAction, group=OPTIMIZATION,
        help="bf16 autocast (default: on for GPUs that support it; on CPU ~15%% faster when asked)")
    group_by_length: bool = option(
        False, action=argparse.BooleanOptionalAction, group=OPTIMIZATION,
        help="batch examples of similar length together: less padding, but batches of one kind of step (all "
             "halting steps, all of one operand length) made the loss spike and stall on trace data, so it is "
             "off by default")

    save_every: int = option(200, type=int, metavar="STEPS", group=LOGGING, help="checkpoint interval")
    keep_checkpoints: int = option(2, type=int, group=LOGGING)
    resume: bool = option(False, action="store_true", group=LOGGING,
                          help="continue from the last checkpoint in --out")
    log_every: int = option(10, type=int, metavar="STEPS", group=LOGGING, help="loss-curve interval")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, TrainSettings)

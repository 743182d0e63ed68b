"""The training run: data → tokenizer + model → Hugging Face `Trainer` → a loadable folder.

The HF Trainer does the loop (AdamW, warm-up + cosine, checkpoints, resume, progress bar), so
the same command runs under `torchrun --nproc_per_node=N` and `accelerate launch` (DDP; gloo on CPU).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch
from transformers import Trainer, TrainerCallback, TrainingArguments, set_seed

from caef_dsl.options import from_args
from trainer import data as datasets
from trainer import model as models
from trainer.errors import TrainerError
from trainer.presets import PRESETS
from trainer.run_file import Positions, RunFile
from trainer.tokenizer import build_tokenizer, missing_symbols, symbols_to_add
from trainer.train_settings import TrainSettings

LORA_LR, SCRATCH_LR = 2e-4, 2e-3
DEFAULT_ALIGNER_SHARE = 0.2


class TimeBudget(TrainerCallback):
    """Stops training (and saves a checkpoint to resume from) once the wall-time budget is spent."""

    def __init__(self, minutes: float):
        self.seconds = minutes * 60
        self.start = time.monotonic()
        self.fired = False

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = time.monotonic()

    def on_step_end(self, args, state, control, **kwargs):
        over = torch.tensor(float(time.monotonic() - self.start > self.seconds))
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            # Every rank must stop at the same step, or the others hang in the next all-reduce.
            torch.distributed.all_reduce(over, op=torch.distributed.ReduceOp.MAX)
        if over.item():
            self.fired = True
            control.should_training_stop = True
            control.should_save = True


class WeighingTrainer(Trainer):
    """The HF Trainer, with `--far-mass`: a batch's `far_bias` goes into its attention mask."""

    def compute_loss(self, model, inputs, *args, **kwargs):
        bias = inputs.pop("far_bias", None)
        if bias is not None:
            inputs["attention_mask"] = weighted_mask(inputs["attention_mask"], bias)
        return super().compute_loss(model, inputs, *args, **kwargs)


def weighted_mask(mask: torch.Tensor, key_bias: torch.Tensor) -> torch.Tensor:
    """A 4D additive attention mask: causal, padding masked, and `key_bias` [batch, keys] added
    to every logit on each key (transformers passes a 4D mask to attention as it is)."""
    width = mask.shape[1]
    allowed = torch.ones(width, width, dtype=torch.bool, device=mask.device).tril()[None] & mask.bool()[:, None, :]
    floor = torch.finfo(key_bias.dtype).min
    return torch.where(allowed, key_bias[:, None, :], floor)[:, None]


class KindBatchTrainer(WeighingTrainer):
    """The HF Trainer, drawing batches of one record kind (`data.KindBatches`)."""

    def __init__(self, *args, aligner_share: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.aligner_share = aligner_share

    def _get_train_sampler(self, train_dataset=None):
        dataset = train_dataset or self.train_dataset
        return datasets.KindBatches(dataset.kinds, self.args.train_batch_size, self.aligner_share, self.args.seed)


class ExactMatch(TrainerCallback):
    """Stops training once greedy decoding reproduces `target` of `examples` exactly at
    `patience` checks in a row (one good check at a high learning rate can be luck), checked
    every `every` steps. Teacher-forced and batched: an example is exact when the argmax at
    each completion position and at the EOS is the label, which is when greedy decoding writes
    the completion and stops. In the head view the records are a finite table of decisions, so
    1.0 means every decision the problems need is right (docs/results.md)."""

    def __init__(self, examples: list[dict], collate: datasets.PadCollator, target: float, every: int,
                 patience: int = 2, batch_size: int = 256):
        self.examples, self.target, self.every, self.batch_size = examples, target, every, batch_size
        self.patience, self.streak = patience, 0
        self.collate = collate  # the training batches' positions
        self.curve: list[list] = []
        self.reached = False

    def accuracy(self, model) -> float:
        was_training = model.training
        model.eval()
        right = 0
        with torch.inference_mode():
            for start in range(0, len(self.examples), self.batch_size):
                batch = {k: v.to(model.device) for k, v in self.collate(self.examples[start:start + self.batch_size]).items()}
                logits = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
                labels = batch["labels"][:, 1:]
                hits = (logits[:, :-1].argmax(-1) == labels) | (labels == datasets.IGNORE_INDEX)
                right += int(hits.all(dim=1).sum())
        model.train(was_training)
        return right / len(self.examples)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if state.global_step % self.every:
            return
        accuracy = self.accuracy(model)
        self.curve.append([state.global_step, round(accuracy, 6)])
        if state.is_world_process_zero:
            print(f"\nstep {state.global_step}: {accuracy:.2%} of {len(self.examples):,} held-out records exact",
                  file=sys.stderr, flush=True)
        self.streak = self.streak + 1 if accuracy >= self.target else 0
        if self.streak >= self.patience:
            self.reached = True
            control.should_training_stop = True
            control.should_save = True


class Throughput(TrainerCallback):
    """Wall time and non-padding tokens per second of this session (a resumed run counts its own part)."""

    def on_train_begin(self, args, state, control, **kwargs):
        self.start, self.tokens_at_start = time.monotonic(), state.num_input_tokens_seen

    def on_train_end(self, args, state, control, **kwargs):
        self.wall_s = time.monotonic() - self.start
        self.tokens = state.num_input_tokens_seen - self.tokens_at_start
        self.tokens_per_s = self.tokens / self.wall_s if self.wall_s > 0 else 0.0


def last_complete_checkpoint(out: Path) -> Path | None:
    """The newest checkpoint-N folder whose save finished. The Trainer writes trainer_state.json
    last, so a run killed while saving leaves a newer folder without it, or with it cut short."""
    complete = []
    for folder in out.glob("checkpoint-*"):
        step = folder.name.removeprefix("checkpoint-")
        try:
            json.loads((folder / "trainer_state.json").read_text())
        except (OSError, ValueError):
            continue
        if step.isdigit():
            complete.append((int(step), folder))
    return max(complete)[1] if complete else None


def _check_out(out: Path, resume: bool) -> Path | None:
    """The checkpoint to resume from (None for a fresh run); refuses to train over a used folder."""
    if out.exists() and not out.is_dir():
        raise TrainerError(f"--out {out} is a file")
    if resume:
        checkpoint = last_complete_checkpoint(out) if out.is_dir() else None
        if checkpoint is None:
            raise TrainerError(f"--resume: no checkpoint-* folder with a finished save in {out} to continue from")
        return checkpoint
    if out.is_dir() and any(out.iterdir()):
        raise TrainerError(f"--out {out} is not empty: pass --resume to continue it, or choose another folder")
    return None


def _base_tokenizer(source: Path, symbols: set[str], add_tokens: bool):
    """The tokenizer of a base model or earlier run, with trace symbols added or checked present."""
    tokenizer = models.load_tokenizer(source)
    if add_tokens:
        tokenizer.add_tokens(symbols_to_add(tokenizer, symbols))
    elif missing := missing_symbols(tokenizer, symbols):
        shown = " ".join(repr(s) for s in missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise TrainerError(
            f"the tokenizer of {source} cannot encode {len(missing)} dataset symbols ({shown}): "
            "pass --add-tokens or use a matching model"
        )
    return tokenizer


def build_model(settings: TrainSettings, symbols: set[str], checkpoint: Path | None):
    """(model, tokenizer, run description) for a preset, a base model + LoRA, or --init-from.

    On --resume the tokenizer comes from the checkpoint, so the vocabulary is the one trained.
    """
    if settings.init_from:
        run = RunFile.read(settings.init_from)
        if run.weights == "lora" and settings.add_tokens:
            raise TrainerError("--add-tokens cannot grow the vocabulary of a LoRA run given to --init-from")
        if checkpoint:
            tokenizer = models.load_tokenizer(checkpoint)
        else:
            tokenizer = _base_tokenizer(Path(settings.init_from), symbols, settings.add_tokens)
        model, _ = models.load_run(settings.init_from, trainable=True)
        if len(tokenizer) > model.get_input_embeddings().num_embeddings:
            model.resize_token_embeddings(len(tokenizer))
        description = {"weights": run.weights, "base_model": run.base_model, "tokenizer": run.tokenizer}
        return model, tokenizer, description

    if settings.model in PRESETS:
        tokenizer = models.load_tokenizer(checkpoint) if checkpoint else build_tokenizer(symbols)
        description = {"weights": "full", "base_model": None, "tokenizer": "caef-word-level"}
        return models.new_model(settings.model, tokenizer, settings.rope_layers), tokenizer, description

    base = Path(settings.model)
    models.check_causal_lm(base)
    base_size = len(models.load_tokenizer(base))
    tokenizer = models.load_tokenizer(checkpoint) if checkpoint else _base_tokenizer(base, symbols, settings.add_tokens)
    model = models.load_causal_lm(base, tokenizer)
    model = models.add_lora(
        model,
        rank=settings.lora_rank,
        alpha=settings.lora_alpha,
        dropout=settings.lora_dropout,
        targets=[t.strip() for t in settings.lora_targets.split(",") if t.strip()],
        new_token_ids=list(range(base_size, len(tokenizer))),
    )
    tokenizer_kind = "base+added-tokens" if len(tokenizer) > base_size else "base"
    return model, tokenizer, {"weights": "lora", "base_model": str(base.resolve()), "tokenizer": tokenizer_kind}


def _held_out(settings: TrainSettings, tokenizer) -> list[dict]:
    """The examples --stop-at-accuracy checks: the test split's executor records, or the
    training ones where the data has no test split."""
    if not 0 < settings.stop_at_accuracy <= 1:
        raise TrainerError(f"--stop-at-accuracy takes a share in (0, 1], not {settings.stop_at_accuracy}")
    try:
        records, _ = datasets.load_records(settings.data, split="test", stage=settings.stage)
    except TrainerError:
        records, _ = datasets.load_records(settings.data, stage=settings.stage)
    return datasets.TokenizedDataset(records, tokenizer).examples


def _max_steps(settings: TrainSettings, examples: int) -> int:
    """--max-steps or --epochs, whichever ends first, as optimizer steps (the cosine spans them)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    per_epoch = math.ceil(examples / (settings.batch_size * world * settings.grad_accum))
    if math.isinf(settings.epochs):
        if not settings.max_steps:
            raise TrainerError("--epochs inf needs --max-steps: a run must end on steps")
        return settings.max_steps
    by_epochs = math.ceil(settings.epochs * per_epoch)
    return min(settings.max_steps, by_epochs) if settings.max_steps else by_epochs


def run(args) -> int:
    """`caef train`; the exit code (2 with one line on stderr for bad input)."""
    try:
        train(from_args(TrainSettings, args))
        return 0
    except TrainerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def train(settings: TrainSettings) -> dict:
    """Train as `settings` say; the run's metrics (also written to metrics.json). Raises
    TrainerError on bad input."""
    out = Path(settings.out)
    if settings.init_from and settings.model:
        raise TrainerError("give --model or --init-from, not both")
    settings = replace(settings, model=settings.model or "tiny")
    if settings.rope_layers is not None and (settings.init_from or settings.model not in PRESETS):
        raise TrainerError("--rope-layers shapes a preset trained from scratch; a checkpoint keeps its own positions")
    if settings.varied_density and not settings.random_positions:
        raise TrainerError("--varied-density varies the spacing of --random-positions: give --random-positions N too")
    if settings.head_positions and settings.random_positions:
        raise TrainerError("--head-positions and --random-positions are two position schemes: give one")
    if settings.tape_regions and not settings.head_positions:
        raise TrainerError("--tape-regions lays out the cells --head-positions counts apart: give --head-positions too")
    if settings.two_axes and not settings.head_positions:
        raise TrainerError("--two-axes turns by the two counts of --head-positions: give --head-positions too")
    if settings.far_mass is not None and not (settings.head_positions and settings.far_mass >= 1):
        raise TrainerError("--far-mass K weighs the cells --head-positions counts apart: give --head-positions and "
                           "K >= 1")
    if settings.tape_mass is not None and not (settings.far_mass and settings.tape_mass >= 1):
        raise TrainerError("--tape-mass R weighs each tape on top of --far-mass: give --far-mass K and R >= 1")
    if not settings.init_from and settings.model not in PRESETS and not Path(settings.model).exists():
        raise TrainerError(f"unknown preset {settings.model!r} (presets: {', '.join(PRESETS)}) and no such model folder")
    checkpoint = _check_out(out, settings.resume)
    records, info = datasets.load_records(settings.data, stage=settings.stage, kind=settings.kind)
    symbols = datasets.trace_symbols(records, info)
    set_seed(settings.seed)
    model, tokenizer, description = build_model(settings, symbols, checkpoint)
    if settings.two_axes:
        models.use_two_axes(model)
    train_set = datasets.TokenizedDataset(records, tokenizer)
    max_steps = _max_steps(settings, len(train_set))
    use_cuda = torch.cuda.is_available()
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    bf16 = settings.bf16 if settings.bf16 is not None else (use_cuda and torch.cuda.is_bf16_supported())
    lr = settings.lr or (LORA_LR if description["weights"] == "lora" else SCRATCH_LR)

    training_args = TrainingArguments(
        output_dir=str(out),
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.grad_accum,
        learning_rate=lr,
        lr_scheduler_type="cosine",
        warmup_steps=settings.warmup,
        weight_decay=settings.weight_decay,
        max_steps=max_steps,
        logging_steps=settings.log_every,
        save_strategy="steps",
        save_steps=settings.save_every,
        save_total_limit=settings.keep_checkpoints,
        seed=settings.seed,
        bf16=bf16,
        use_cpu=not use_cuda,
        ddp_backend="gloo" if distributed and not use_cuda else None,
        ddp_find_unused_parameters=False,
        train_sampling_strategy="group_by_length" if settings.group_by_length else "random",
        include_num_input_tokens_seen="non_padding",
        remove_unused_columns=False,
        dataloader_pin_memory=use_cuda,
        report_to="none",
    )
    budget = TimeBudget(settings.time_budget) if settings.time_budget else None
    exact = None
    if settings.stop_at_accuracy is not None:
        exact = ExactMatch(_held_out(settings, tokenizer), _collator(replace(settings, far_mass=None), tokenizer),
                           settings.stop_at_accuracy, settings.eval_every)
    throughput = Throughput()
    if settings.aligner_share is not None and info.kind != "both":
        raise TrainerError("--aligner-share mixes executor and aligner batches: it needs --kind both")
    share = DEFAULT_ALIGNER_SHARE if settings.aligner_share is None else settings.aligner_share
    if not 0 < share < 1:
        raise TrainerError(f"--aligner-share takes a share in (0, 1), not {share}")
    kind_batches = {"aligner_share": share} if info.kind == "both" else {}
    trainer = (KindBatchTrainer if kind_batches else WeighingTrainer)(
        model=model,
        args=training_args,
        train_dataset=train_set,
        data_collator=_collator(settings, tokenizer),
        processing_class=tokenizer,
        callbacks=[throughput] + [c for c in (budget, exact) if c is not None],
        **kind_batches,
    )
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    if not trainer.is_world_process_zero():
        return {}
    if description["weights"] == "lora":
        # The rows of added tokens are in the adapter already; whole embedding matrices (GBs for
        # a large vocabulary) are not needed, as the runtime grows the base to the saved tokenizer.
        model.save_pretrained(out, save_embedding_layers=False)
        tokenizer.save_pretrained(out)
    else:
        trainer.save_model(str(out))

    total, trainable = models.parameter_counts(model)
    curve = [[entry["step"], entry["loss"]] for entry in trainer.state.log_history if "loss" in entry]
    if exact and exact.reached:
        stopped_by = "accuracy"
    elif budget and budget.fired:
        stopped_by = "time_budget"
    else:
        stopped_by = "max_steps" if settings.max_steps and max_steps == settings.max_steps else "epochs"
    metrics = {
        "global_step": trainer.state.global_step,
        "max_steps": max_steps,
        "stopped_by": stopped_by,
        "resumed_from": checkpoint.name if checkpoint else None,
        "final_loss": curve[-1][1] if curve else None,
        "loss_curve": curve,
        "accuracy_curve": exact.curve if exact else None,
        "tokens_per_second": round(throughput.tokens_per_s, 1),
        "tokens_seen": throughput.tokens,
        "wall_time_s": round(throughput.wall_s, 2),
        "parameters": {"total": total, "trainable": trainable},
        "records": len(train_set),
        "world_size": training_args.world_size,
        "device": str(training_args.device),
        "bf16": bf16,
        "learning_rate": lr,
        "arguments": asdict(settings),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n", encoding="utf-8")
    RunFile(
        **description,
        mode=info.mode,
        stage=info.stage,
        task=info.kind,
        aligners=sorted({r.machine for r in records if r.kind == "aligner"}) if info.kind == "both" else None,
        machines=info.machines,
        datasets=info.folders,
        vocab_size=len(tokenizer),
        # With positions of its own, inference gives a prompt's tokens and the longest completion
        # trained on their positions, as training gave an example's.
        positions=Positions(rope_layers=models.rope_layers(model), random_positions=settings.random_positions,
                            varied_density=settings.varied_density, head_positions=settings.head_positions,
                            tape_regions=settings.tape_regions, two_axes=settings.two_axes,
                            far_mass=settings.far_mass, tape_mass=settings.tape_mass,
                            completion_tokens=train_set.longest_completion()
                            if settings.random_positions or settings.head_positions else None),
    ).write(out)
    _print_summary(out, metrics)
    return metrics


def _collator(settings: TrainSettings, tokenizer) -> datasets.PadCollator:
    """Batches at the positions `settings` ask for; each collator draws its own random ones."""
    vocabulary = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer)))) if settings.head_positions else None
    return datasets.PadCollator(tokenizer.pad_token_id, settings.random_positions, settings.seed,
                                settings.varied_density, vocabulary, settings.far_mass, settings.tape_regions,
                                settings.two_axes, settings.tape_mass)


def _print_summary(out: Path, metrics: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"trained → {out}")
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in (
        ("steps", metrics["global_step"]),
        ("stopped by", metrics["stopped_by"]),
        ("final loss", f"{metrics['final_loss']:.4f}" if metrics["final_loss"] is not None else "-"),
        ("tokens/s", f"{metrics['tokens_per_second']:,.0f}"),
        ("wall time", f"{metrics['wall_time_s']:.1f} s"),
        ("parameters (trainable)", f"{metrics['parameters']['total']:,} ({metrics['parameters']['trainable']:,})"),
    ):
        table.add_row(label, str(value))
    Console(stderr=True).print(table)

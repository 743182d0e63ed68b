"""The command-line side shared by `caef solve`, `caef eval` and `caef crosscheck`: the model
options (`RuntimeOptions`), the runtime they open, and a diverging step printed for a terminal.
Nothing here imports torch or rich at import time, so building the `caef` parser stays fast.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from caef_dsl.errors import CaefError
from caef_dsl.machine_set import MachineSet
from caef_dsl.options import option
from trainer.comparison import Divergence
from trainer.executor import DEFAULT_POSITION_DRAWS
from trainer.runtime import DEFAULT_BATCH_SIZE, MAX_MODEL_STEPS, Runtime

MODELS = "models"


@dataclass(frozen=True, kw_only=True)
class RuntimeOptions:
    """The models a command runs and how: the options `caef solve`, `caef eval` and
    `caef crosscheck` share (their settings extend this class)."""
    model: tuple[str, ...] = option(
        nargs="+", metavar="RUN", group=MODELS,
        help="trained run folders (caef train --out), or a folder of per-operator LoRA adapters laid out "
             "like the paper's (add/, add_aligner/, …; give --base)")
    base: str | None = option(None, metavar="DIR", group=MODELS,
                              help="the base checkpoint of adapters (default: the one each names)")
    rule_aligner: bool = option(False, action="store_true", group=MODELS,
                                help="the deterministic aligner even where a trained one exists")
    max_steps: int = option(MAX_MODEL_STEPS, type=int, metavar="N", group=MODELS,
                            help=f"model steps per problem, all frames (default {MAX_MODEL_STEPS:,})")
    batch_size: int = option(DEFAULT_BATCH_SIZE, type=int, metavar="N", group=MODELS,
                             help=f"prompts per generation (default {DEFAULT_BATCH_SIZE})")
    max_new_tokens: int | None = option(None, type=int, metavar="N", group=MODELS,
                                        help="token limit of one completion (default twice the prompt, plus 32)")
    position_draws: int = option(
        DEFAULT_POSITION_DRAWS, type=int, metavar="K", group=MODELS,
        help="a --random-positions run reads each prompt at K draws of positions and answers with the most "
             f"common completion (default {DEFAULT_POSITION_DRAWS}; K times the compute)")
    device: str | None = option(None, group=MODELS, help="cpu, cuda, … (default: cuda when available)")
    memo: bool = option(True, "--no-memo", action="store_false", group=MODELS,
                        help="ask the model at every step (default: each distinct prompt once per run: greedy "
                             "decoding makes the answer a function of the prompt)")


def open_runtime(options: RuntimeOptions, machines: MachineSet) -> Runtime:
    """The runtime over the models `options` name (imports torch, once the folders exist: a
    mistyped --model is reported at once, not after the seconds torch takes to import)."""
    missing = [folder for folder in options.model if not Path(folder).is_dir()]
    if missing:
        raise CaefError(f"no such model folder: {', '.join(missing)}")
    from trainer.language_models import open_models
    if options.position_draws < 1:
        raise CaefError(f"--position-draws takes a count of at least 1, not {options.position_draws}")
    executor = open_models(list(options.model), machines, base=options.base, device=options.device,
                           max_new_tokens=options.max_new_tokens, position_draws=options.position_draws)
    return Runtime(executor, machines, rule_aligner=options.rule_aligner, max_steps=options.max_steps,
                   batch_size=options.batch_size, memo=options.memo)


def print_divergence(console, d: Divergence) -> None:
    """The first diverging step, for a terminal."""
    from rich.table import Table
    from rich.text import Text
    table = Table(title=f"first diverging step: {d.where}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    rows = [("state", d.state), ("reads", "  ".join(f"{k} {v}" for k, v in d.reads.items())),
            ("prompt", d.prompt.rstrip("\n")), ("expected", d.expected.rstrip("\n")),
            ("produced", "(nothing)" if d.produced is None else d.produced.rstrip("\n")),
            ("fields", "; ".join(f"{e or '∅'} → {p or '∅'}" for e, p in d.fields)), ("error", d.error)]
    for label, value in rows:
        if value:
            table.add_row(label, Text(value, style="red" if label in ("produced", "error") else ""))
    console.print(table)


def console():
    from rich.console import Console
    out = Console(highlight=False, soft_wrap=True)
    if not out.is_terminal:  # a log or a pipe: wide enough that no figure of a table is cut
        out.width = max(out.width, 200)
    return out

"""The command-line side shared by `caef solve`, `caef eval` and `caef crosscheck`: the model
options, the runtime they open, and a diverging step printed for a terminal. Nothing here
imports torch or rich at import time, so building the `caef` parser stays fast.
"""
from __future__ import annotations

import argparse

from caef_dsl.errors import CaefError
from caef_dsl.machine_set import MachineSet
from trainer.comparison import Divergence
from trainer.executor import DEFAULT_POSITION_DRAWS
from trainer.runtime import DEFAULT_BATCH_SIZE, MAX_MODEL_STEPS, Runtime


def add_runtime_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("models")
    g.add_argument("--model", nargs="+", required=True, metavar="RUN",
                   help="trained run folders (caef train --out), or a folder of per-operator LoRA "
                        "adapters laid out like the paper's (add/, add_aligner/, …; give --base)")
    g.add_argument("--base", metavar="DIR", help="the base checkpoint of adapters (default: the one each names)")
    g.add_argument("--rule-aligner", action="store_true",
                   help="the deterministic aligner even where a trained one exists")
    g.add_argument("--max-steps", type=int, default=MAX_MODEL_STEPS, metavar="N",
                   help=f"model steps per problem, all frames (default {MAX_MODEL_STEPS:,})")
    g.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="N",
                   help=f"prompts per generation (default {DEFAULT_BATCH_SIZE})")
    g.add_argument("--max-new-tokens", type=int, metavar="N",
                   help="token limit of one completion (default twice the prompt, plus 32)")
    g.add_argument("--position-draws", type=int, default=DEFAULT_POSITION_DRAWS, metavar="K",
                   help="a --random-positions run reads each prompt at K draws of positions and answers "
                        f"with the most common completion (default {DEFAULT_POSITION_DRAWS}; K times the compute)")
    g.add_argument("--device", help="cpu, cuda, … (default: cuda when available)")
    g.add_argument("--no-memo", dest="memo", action="store_false",
                   help="ask the model at every step (default: each distinct prompt once per run: greedy "
                        "decoding makes the answer a function of the prompt)")


def open_runtime(args, machines: MachineSet) -> Runtime:
    """The runtime over the models named on the command line (imports torch)."""
    from trainer.language_models import open_models
    if args.position_draws < 1:
        raise CaefError(f"--position-draws takes a count of at least 1, not {args.position_draws}")
    executor = open_models(args.model, machines, base=args.base, device=args.device,
                           max_new_tokens=args.max_new_tokens, position_draws=args.position_draws)
    return Runtime(executor, machines, rule_aligner=args.rule_aligner, max_steps=args.max_steps,
                   batch_size=args.batch_size, memo=args.memo)


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
    return Console(highlight=False, soft_wrap=True)

"""What a solved ADD problem costs the runtime in each mode, against the paper's full mode.

A perfect model is simulated: the oracle (the interpreter's exact next step) decides every
output, and an untrained model of the same preset generates as many tokens as the oracle's
answer (its batch's longest, as a real batch runs until every row ends), so the time is what
a trained model of that size would spend. Per operand length and mode: steps, tokens read and
written, seconds per problem, and the ratios to `full`.

    .venv/bin/python benchmarks/runtime_speed.py [--digits 10,20] [--problems 8] [--preset tiny]
"""
from __future__ import annotations

import argparse
import time

import torch
from rich.console import Console
from rich.table import Table

from caef_dsl import load_machines
from caef_dsl.sampling import class_key, class_pairs, constraint_for
from trainer.model import new_model
from trainer.language_models import LanguageModels, Route
from trainer.runtime import OracleExecutor, Runtime, make_task
from trainer.tokenizer import build_tokenizer

MODES = ("full", "tape", "head")


class TimedOracle:
    """The oracle's answers, at the compute of `models` generating as many tokens."""

    def __init__(self, oracle: OracleExecutor, models: LanguageModels):
        self.oracle, self.models, self.mode = oracle, models, oracle.mode
        self.covers, self.has_aligner = oracle.covers, oracle.has_aligner

    def generate(self, machine, prompts, aligner=False):
        answers = self.oracle.generate(machine, prompts, aligner)
        self.models.max_new_tokens = max(a.written for a in answers)  # an untrained model never stops early
        self.models.generate(machine, prompts)
        return answers


def executor(machines, tasks, mode: str, preset: str, device: torch.device) -> TimedOracle:
    plain = OracleExecutor(machines, tasks, mode)
    texts = [t for (_, prompt, _), answer in plain.answers.items() for t in (prompt, answer)]
    tokenizer = build_tokenizer(set(texts))
    tokenizer.padding_side = "left"
    model = new_model(preset, tokenizer).to(device).eval()
    models = LanguageModels({(name, False): Route(model, tokenizer, None, "plain") for name in plain.names},
                            mode, machines, device)

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    return TimedOracle(OracleExecutor(machines, tasks, mode, tokens=count), models)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", default="10,20", help="operand lengths (a and b alike)")
    parser.add_argument("--problems", type=int, default=8, help="problems per length, solved as one batch")
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    machines = load_machines()
    device = torch.device(args.device)
    table = Table(title=f"ADD per solved problem: {args.preset} model, {args.problems} problems per batch, {device}")
    for column in ("digits", "mode", "steps", "tokens read", "tokens written", "s/problem",
                   "written ÷ full", "time ÷ full"):
        table.add_column(column, justify="right")
    for n in (int(d) for d in args.digits.split(",")):
        pairs = class_pairs(constraint_for("ADD", 2), n, n, args.problems, 0, class_key(0, "ADD", n, n))
        tasks = [make_task(machines, "add", a, b) for a, b in pairs]
        full = None
        for mode in MODES:
            runtime = Runtime(executor(machines, tasks, mode, args.preset, device), machines)
            runtime.solve(tasks[:1])  # warm-up
            start = time.perf_counter()
            solutions = runtime.solve(tasks)
            seconds = (time.perf_counter() - start) / len(tasks)
            assert all(s.error is None for s in solutions)
            written = sum(s.written for s in solutions) / len(tasks)
            read = sum(s.read for s in solutions) / len(tasks)
            steps = sum(s.frame.total_steps() for s in solutions) / len(tasks)
            full = full or (written, seconds)
            table.add_row(str(n), mode, f"{steps:.1f}", f"{read:,.0f}", f"{written:,.0f}", f"{seconds:.3f}",
                          f"{written / full[0]:.2f}", f"{seconds / full[1]:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()

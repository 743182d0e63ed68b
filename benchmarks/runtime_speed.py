"""How fast a trained model executes machines: steps per second of the interpreter, of the model
asked at every step, and of the model with the memo of decisions (head view), against the
compute bound of the model's size on this machine.

    .venv/bin/python benchmarks/runtime_speed.py --model runs/library      # ADD and LONG_MUL rows
    .venv/bin/python benchmarks/runtime_speed.py --model demo/run --rows add:100 add:1000

Each row solves fresh problems with a fresh runtime (an empty memo); "no memo" runs the first
--no-memo-steps steps only (a 100×100 LONG_MUL would take an hour). The compute bound: the
model's multiply-adds for the tokens a step reads and writes (each token through every layer
once: prompt and completion, as a KV-cached decoder does), at the matrix-product speed this CPU
reaches on a large product. Then one command at a time on the first row's prompts: `generate`
against the lean decoder, without a guess and with the right one. `--modes` prints the older
comparison of the three views with a perfect model (the interpreter's answers at the compute of
an untrained model).
"""
from __future__ import annotations

import argparse
import time

import torch
from rich.console import Console
from rich.table import Table

from caef_dsl import load_machines
from caef_dsl.interpreter import run
from trainer.evaluate import draw
from trainer.runtime import Runtime, make_task

DEFAULT_ROWS = ["add:100", "add:1000", "long_mul:20", "long_mul:100"]
PROBLEMS = {"add": 4, "long_mul": 1}


def problems(machines, machine: str, digits: int, count: int, seed: int = 3) -> list:
    pairs = draw(machines, machines.resolve(machine), digits, digits, count, seed)
    return [make_task(machines, machine, a, b) for a, b in pairs]


def matmul_flops() -> float:
    """FLOP/s of a large fp32 matrix product here: the best any model of ours could do."""
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    a @ b
    start, count = time.perf_counter(), 10
    for _ in range(count):
        a @ b
    return count * 2 * 1024 ** 3 / (time.perf_counter() - start)


def flops_per_token(model) -> float:
    """Multiply-adds of one token through the model, attention over a short context excluded:
    2 per weight of every layer and of the output head."""
    body = sum(p.numel() for name, p in model.named_parameters()
               if "embed_tokens" not in name and "lm_head" not in name)
    return 2.0 * (body + model.get_output_embeddings().weight.numel())


def measure(executor, machines, tasks, *, memo: bool, max_steps: int | None = None) -> dict:
    # The rule aligner: the rows time execution (a library's model aligner spells whole operands).
    runtime = Runtime(executor, machines, rule_aligner=True, memo=memo, **({"max_steps": max_steps} if max_steps else {}))
    start = time.perf_counter()
    solutions = runtime.solve(tasks)
    seconds = time.perf_counter() - start
    steps = sum(s.frame.total_steps() for s in solutions)
    tokens = sum(s.read + s.written for s in solutions)
    right = sum(s.error is None for s in solutions)
    return {"seconds": seconds / len(tasks), "steps/s": steps / seconds, "asked": runtime.asked(),
            "tokens/step": tokens / max(steps, 1), "solved": right}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", help="trained head-view run(s) that execute the rows' machines")
    parser.add_argument("--rows", nargs="+", default=DEFAULT_ROWS, metavar="MACHINE:DIGITS")
    parser.add_argument("--no-memo-steps", type=int, default=2000,
                        help="steps per problem the model is asked at every step (default 2000)")
    parser.add_argument("--modes", action="store_true", help="the three views with a perfect model instead")
    args = parser.parse_args()
    if args.modes:
        return compare_modes()
    if not args.model:
        parser.error("--model RUN is needed (a head-view run: `caef library`, or `make demo` for add)")
    from trainer.language_models import open_models
    machines = load_machines()
    executor = open_models(args.model, machines, device="cpu")
    route = next(iter(executor.routes.values()))
    peak = matmul_flops()
    per_token = flops_per_token(route.model)
    table = Table(title=f"head view, {', '.join(args.model)}: per row fresh problems and an empty memo; "
                        f"{torch.get_num_threads()} threads, matrix products at {peak / 1e9:.0f} GFLOP/s")
    for column in ("row", "problems", "steps/problem", "interpreter steps/s", "no memo steps/s",
                   "memo steps/s", "memo s/problem", "asked", "bound steps/s", "no memo ÷ bound"):
        table.add_column(column, justify="right")
    for row in args.rows:
        machine, digits = row.split(":")
        tasks = problems(machines, machine, int(digits), PROBLEMS.get(machine, 2))
        start = time.perf_counter()
        traces = [run(machines.executables, t.machine, list(t.operands)) for t in tasks]
        interpreter = sum(t.total_steps() for t in traces) / (time.perf_counter() - start)
        steps = sum(t.total_steps() for t in traces) / len(tasks)
        cold = measure(executor, machines, tasks, memo=True)
        every = measure(executor, machines, tasks, memo=False, max_steps=args.no_memo_steps)
        bound = peak / (per_token * cold["tokens/step"])
        table.add_row(row, f"{cold['solved']}/{len(tasks)}", f"{steps:,.0f}", f"{interpreter:,.0f}",
                      f"{every['steps/s']:,.1f}", f"{cold['steps/s']:,.0f}", f"{cold['seconds']:.2f}",
                      f"{cold['asked']:,}", f"{bound:,.0f}", f"{every['steps/s'] / bound:.3f}")
    Console().print(table)
    if route.decoder is not None:
        compare_decoders(executor, machines, args.rows[0])


class Recorder:
    """An executor that passes every request on and keeps each (machine, prompt) asked."""

    def __init__(self, executor):
        self.executor, self.asked = executor, []

    def __getattr__(self, name):
        return getattr(self.executor, name)

    def generate(self, machine, prompts, aligner=False):
        self.asked += [(machine, p) for p in prompts]
        return self.executor.generate(machine, prompts, aligner)


def compare_decoders(executor, machines, row: str, count: int = 200) -> None:
    """Milliseconds per command, one prompt at a time: `generate`, the lean loop without a
    guess, and the lean loop given the right guess (its own answer: what a draft is when the
    machine's last decision in that state was the same)."""
    machine, digits = row.split(":")
    recorder = Recorder(executor)
    Runtime(recorder, machines, rule_aligner=True, memo=False, max_steps=count).solve(
        problems(machines, machine, int(digits), 1))
    table = Table(title=f"one command at a time, {len(recorder.asked[:count])} prompts of {machine} at {digits} digits")
    for column in ("decoder", "ms / command", "÷ generate"):
        table.add_column(column, justify="right")
    timings, own = {}, {}
    for name in ("generate", "lean, no guess", "lean, right guess"):
        start = time.perf_counter()
        for machine_name, prompt in recorder.asked[:count]:
            route = executor.routes[(machine_name, False)]
            batch = route.tokenizer([prompt], return_tensors="pt")
            eos = route.tokenizer.eos_token_id
            if name == "generate":
                with torch.inference_mode():
                    route.model.generate(**batch, max_new_tokens=64, do_sample=False, eos_token_id=eos,
                                         pad_token_id=route.tokenizer.pad_token_id)
            else:
                guess = own.get((machine_name, prompt)) if name == "lean, right guess" else None
                out = route.decoder.generate(batch["input_ids"], batch["attention_mask"], 64, eos,
                                             [guess] if guess else None)
                own[(machine_name, prompt)] = out[0]
        timings[name] = (time.perf_counter() - start) / len(recorder.asked[:count]) * 1000
        table.add_row(name, f"{timings[name]:.1f}", f"{timings[name] / timings['generate']:.2f}")
    Console().print(table)


def compare_modes(digits=(10, 20), count: int = 8, preset: str = "tiny") -> None:
    """The older table: a solved ADD problem in each view, a perfect model at a real one's cost."""
    from trainer.language_models import LanguageModels, Route
    from trainer.model import new_model
    from trainer.testing import OracleExecutor
    from trainer.tokenizer import build_tokenizer

    class TimedOracle:
        """The oracle's answers, at the compute of `models` generating as many tokens."""

        def __init__(self, oracle, models):
            self.oracle, self.models, self.mode = oracle, models, oracle.mode
            self.covers, self.has_aligner = oracle.covers, oracle.has_aligner

        def generate(self, machine, prompts, aligner=False):
            answers = self.oracle.generate(machine, prompts, aligner)
            self.models.max_new_tokens = max(a.written for a in answers)  # an untrained model never stops early
            self.models.generate(machine, prompts)
            return answers

    machines = load_machines()
    table = Table(title=f"ADD per solved problem: {preset} model, {count} problems per batch, memo off")
    for column in ("digits", "mode", "tokens read", "tokens written", "s/problem", "written ÷ full", "time ÷ full"):
        table.add_column(column, justify="right")
    for n in digits:
        tasks = problems(machines, "add", n, count, seed=0)
        full = None
        for mode in ("full", "tape", "head"):
            plain = OracleExecutor(machines, tasks, mode)
            texts = [t for (_, prompt, _), answer in plain.answers.items() for t in (prompt, answer)]
            tokenizer = build_tokenizer(set(texts))
            tokenizer.padding_side = "left"
            model = new_model(preset, tokenizer).eval()
            models = LanguageModels({(name, False): Route(model, tokenizer, None, "plain") for name in plain.names},
                                    mode, machines, torch.device("cpu"))
            count_tokens = lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])
            runtime = Runtime(TimedOracle(OracleExecutor(machines, tasks, mode, tokens=count_tokens), models),
                              machines, memo=False)
            start = time.perf_counter()
            solutions = runtime.solve(tasks)
            seconds = (time.perf_counter() - start) / len(tasks)
            written = sum(s.written for s in solutions) / len(tasks)
            read = sum(s.read for s in solutions) / len(tasks)
            full = full or (written, seconds)
            table.add_row(str(n), mode, f"{read:,.0f}", f"{written:,.0f}", f"{seconds:.3f}",
                          f"{written / full[0]:.2f}", f"{seconds / full[1]:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()

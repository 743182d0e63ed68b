"""`caef cost MACHINE --digits 10,50,100`: what one problem costs, by operand length.

For seeded random operands of each length the machine runs in the interpreter, and the table
shows, per problem (mean over `--samples` draws):

  steps    every step of every frame (`Trace.total_steps()`)
  calls    calls made, nested ones included (`Trace.total_calls()`)
  tokens   what an executor reads (prompts) and writes (completions) in each of the modes
           full, tape and head (`views.executor_examples(trace, mode, callees=True)`),
           counted with the trainer's word-level tokenizer: one token per bracket marker
           (`[HEAD1]`), per word (`CMD`, `q1`), per digit, per space and per other symbol.

A machine whose cost explodes (the paper's MUL is repeated addition: a 10-digit b is ~10^10
steps) stops at the step budget (`--max-steps`) and its row reads "infeasible (> N steps)";
longer operands are then not tried.
"""
from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .align import text_entries
from .decisions import problems
from .errors import CaefError, RequirementFailed, StepBudgetExceeded
from .interpreter import run as run_machine
from .options import positive_int
from .sampling import class_label, parse_lengths
from .tokens import TOKEN, count_tokens
from .views import MODES, executor_examples

FEASIBLE_STEPS = 300_000  # steps a sampled problem may take before its length is infeasible
DEFAULT_SAMPLES = 3
DEFAULT_SEED = 0


@dataclass
class Row:
    """One operand length: the mean cost per problem, or why there is none."""
    a_digits: int
    b_digits: int | None
    samples: int = 0
    steps: float = 0
    calls: float = 0
    tokens: dict = field(default_factory=dict)   # mode → {"read": n, "written": n}
    infeasible: bool = False
    skipped: bool = False                        # not run: a shorter length was infeasible
    note: str = ""

    def as_json(self) -> dict:
        out = {"a_digits": self.a_digits, "b_digits": self.b_digits, "samples": self.samples}
        if self.infeasible or self.note:
            out.update(infeasible=self.infeasible, skipped=self.skipped, note=self.note)
            return out
        out.update(steps=round(self.steps, 1), calls=round(self.calls, 1),
                   tokens={m: {k: round(v, 1) for k, v in t.items()} for m, t in self.tokens.items()},
                   infeasible=False)
        return out


def problem_cost(trace) -> dict:
    """Steps, calls and tokens read/written per executor mode of one trace."""
    tokens = {}
    for mode in MODES:
        read = written = 0
        for example in executor_examples(trace, mode, callees=True):
            read += count_tokens(example.prompt)
            written += count_tokens(example.completion)
        tokens[mode] = {"read": read, "written": written}
    return {"steps": trace.total_steps(), "calls": trace.total_calls(), "tokens": tokens}


def _number(rng: random.Random, digits: int) -> int:
    return rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10 ** digits)


def draw_operands(rng: random.Random, exe, a_digits: int, b_digits: int | None,
                  tries: int = 50) -> list[int]:
    """Operands of the given lengths that the machine's `require` declarations accept: a fresh
    draw, or the same pair swapped (SUB needs a >= b), up to `tries` draws. The pair is swapped
    only when both lengths are equal: a swapped 2×3-digit pair would be a 3×2 problem reported
    as 2×3, so lengths that `require` refuses are refused, with its message."""
    message = ""
    for _ in range(tries):
        operands = [_number(rng, a_digits)]
        if b_digits is not None:
            operands.append(_number(rng, b_digits))
        candidates = [operands] + ([operands[::-1]] if b_digits == a_digits else [])
        for candidate in candidates:
            try:
                exe.initial(candidate)
                return candidate
            except RequirementFailed as e:
                message = str(e)
    raise RequirementFailed(message or f"{exe.name}: no operands of these lengths")


def measure(machines, name: str, lengths: list[int], *, samples: int = DEFAULT_SAMPLES,
            seed: int = DEFAULT_SEED, max_steps: int = FEASIBLE_STEPS,
            b_digits: int | None = None, progress=None) -> list[Row]:
    """One Row per length. `machines` is a MachineSet, `name` a declared machine name."""
    exe = machines.executable(name)
    two = len(exe.operand_names) == 2
    if len(exe.operand_names) not in (1, 2):
        raise CaefError(f"caef cost measures machines of one or two operands; {name} takes "
                        f"{len(exe.operand_names)}")
    rows, exploded = [], None
    for length in lengths:
        row = Row(length, (b_digits or length) if two else None)
        rows.append(row)
        if exploded is not None:
            row.infeasible, row.skipped, row.note = True, True, exploded
            continue
        rng = random.Random(f"{seed}:{name}:{row.a_digits}:{row.b_digits}")
        texts = (iter(problems(machines, name, row.a_digits, row.b_digits, samples, seed, edges=False))
                 if text_entries(machines, name) is not None else None)  # an expression's text
        totals = {"steps": 0, "calls": 0, "tokens": {m: {"read": 0, "written": 0} for m in MODES}}
        for _ in range(samples):
            try:
                operands = next(texts) if texts else draw_operands(rng, exe, row.a_digits, row.b_digits)
            except StopIteration:
                break
            except RequirementFailed as e:
                row.note = f"no operands of these lengths ({e}; see --b-digits)"
                break
            try:
                trace = run_machine(machines.executables, name, operands, max_steps=max_steps)
            except StepBudgetExceeded:
                row.infeasible = True
                row.note = exploded = f"infeasible (> {max_steps:,} steps)"
                break
            cost = problem_cost(trace)
            totals["steps"] += cost["steps"]
            totals["calls"] += cost["calls"]
            for mode, counts in cost["tokens"].items():
                for k, v in counts.items():
                    totals["tokens"][mode][k] += v
            row.samples += 1
            if progress is not None:
                progress()
        if row.samples and not row.infeasible and not row.note:
            n = row.samples
            row.steps, row.calls = totals["steps"] / n, totals["calls"] / n
            row.tokens = {m: {k: v / n for k, v in t.items()} for m, t in totals["tokens"].items()}
    return rows


# ---- the command -------------------------------------------------------------------------

def _lengths(text: str) -> list[int]:
    import argparse
    try:
        return parse_lengths(text)
    except CaefError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_arguments(parser) -> None:
    parser.add_argument("machine", metavar="MACHINE", help="a .tm path or a machine of machines/ (long_mul, MUL, …)")
    parser.add_argument("--digits", type=_lengths, default=[10, 50, 100], metavar="N,N,…",
                        help="operand lengths in digits (default 10,50,100)")
    parser.add_argument("--b-digits", type=positive_int, default=None, metavar="N",
                        help="length of the second operand (default: the same as the first)")
    parser.add_argument("--samples", type=positive_int, default=DEFAULT_SAMPLES,
                        help=f"random problems per length (default {DEFAULT_SAMPLES})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    parser.add_argument("--max-steps", type=positive_int, default=FEASIBLE_STEPS,
                        help=f"step budget per problem, all frames (default {FEASIBLE_STEPS:,})")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--out", metavar="FILE", help="also write the JSON report to FILE")


def report(name: str, rows: list[Row], args) -> dict:
    return {"machine": name, "samples": args.samples, "seed": args.seed,
            "max_steps": args.max_steps, "token_pattern": TOKEN.pattern,
            "rows": [r.as_json() for r in rows]}


def _fmt(value: float) -> str:
    """A count in three significant figures: 518, 10.8k, 25.7M (the JSON keeps the exact mean)."""
    value = round(value)
    for unit, size in (("G", 10 ** 9), ("M", 10 ** 6), ("k", 10 ** 3)):
        if value >= size:
            scaled = value / size
            return f"{scaled:.3g}{unit}" if scaled < 1000 else f"{scaled:,.0f}{unit}"
    return str(value)


def print_table(name: str, rows: list[Row], args, console=None) -> None:
    from rich.console import Console
    from rich.table import Table
    console = console or Console(highlight=False)
    table = Table(title=f"{name}: cost per problem (mean of {args.samples} seeded sample(s), seed {args.seed})")
    table.add_column("digits", justify="right", no_wrap=True)
    table.add_column("steps", justify="right", no_wrap=True)
    table.add_column("calls", justify="right", no_wrap=True)
    for mode in MODES:
        table.add_column(f"{mode}\nread", justify="right", no_wrap=True)
        table.add_column(f"{mode}\nwrite", justify="right", no_wrap=True)
    notes = []
    for row in rows:
        digits = class_label(row.a_digits, row.b_digits)
        if row.infeasible or row.note:
            if row.infeasible:
                cells = [f"> {_fmt(args.max_steps)}", "—"]
            else:
                cells = ["n/a", ""]
            table.add_row(digits, *cells, *["—"] * (2 * len(MODES)), style="yellow")
            notes.append(f"{digits}: {row.note}" + ("  (not run)" if row.skipped else ""))
            continue
        cells = [_fmt(row.steps), _fmt(row.calls)]
        for mode in MODES:
            cells += [_fmt(row.tokens[mode]["read"]), _fmt(row.tokens[mode]["written"])]
        table.add_row(digits, *cells)
    console.print(table)
    for note in notes:
        console.print(note, style="yellow")
    console.print("steps and calls include nested calls; tokens are what an executor reads and "
                  "writes per problem, one per marker, tape cell (|7), word, digit, space or other symbol", style="dim")


def run(args) -> int:
    from .api import machines_for
    spec = args.machine
    machines = machines_for(spec)
    name = machines.resolve(spec)
    from rich.console import Console
    from rich.progress import Progress
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"{name}: running", total=len(args.digits) * args.samples)
        rows = measure(machines, name, args.digits, samples=args.samples, seed=args.seed,
                       max_steps=args.max_steps, b_digits=args.b_digits,
                       progress=lambda: bar.advance(task))
    data = report(name, rows, args)
    if args.out:
        Path(args.out).write_text(json.dumps(data, indent=2) + "\n")
    if args.json:
        json.dump(data, sys.stdout)
        print()
    else:
        print_table(name, rows, args)
        if args.out:
            print(f"report written to {args.out}")
    return 0

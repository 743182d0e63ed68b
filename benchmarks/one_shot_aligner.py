"""The paper's one-shot aligner, measured alone (its Table 2 columns aligner (I) and (O)): a run
trained on aligner pairs (`caef compile … --kind aligner`, `caef train --kind aligner`) writes
the whole first step of `a+b=` in one completion, and reads the result off the halting line in
another. Per length, the share of each written exactly as the rule aligner writes it.

    .venv/bin/python benchmarks/one_shot_aligner.py --model runs/tape-aligner --machine add \\
        --lengths 5,10,50,100 --n 50
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from caef_dsl import load_machines
from caef_dsl.align import OPERATORS, Expression, first_step, result_text
from caef_dsl.interpreter import run
from caef_dsl.render import renderer
from trainer.evaluate import draw


def measure(model: str, machine: str, lengths: list[int], n: int, seed: int = 1) -> dict:
    from trainer.language_models import open_models
    machines = load_machines()
    name = machines.resolve(machine)
    exe = machines.executable(name)
    op = OPERATORS[machines.stems[name]]
    executor = open_models([model], machines, aligners_alone=True)
    table = {}
    for length in lengths:
        pairs = draw(machines, name, length, length, n, seed)
        expressions = [Expression(str(a), op, str(b)) for a, b in pairs]
        halting = [renderer(exe).state_line(run(machines.executables, name, [a, b]).final) for a, b in pairs]
        firsts = executor.generate(name, [e.text for e in expressions], aligner=True)
        results = executor.generate(name, halting, aligner=True)
        table[length] = {
            "n": len(pairs),
            "aligner_input_accuracy": sum(r.finished and r.text == first_step(exe, [a, b])
                                          for r, (a, b) in zip(firsts, pairs)) / len(pairs),
            "aligner_output_accuracy": sum(r.finished and r.text == result_text(e, line, exe)
                                           for r, e, line in zip(results, expressions, halting)) / len(pairs)}
        print(length, table[length], flush=True)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--machine", default="add")
    parser.add_argument("--lengths", default="5,10,50,100")
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    lengths = [int(x) for x in args.lengths.split(",")]
    table = measure(args.model, args.machine, lengths, args.n)
    (Path(args.model) / "one_shot_aligner.json").write_text(json.dumps(table, indent=2) + "\n")
    shown = Table(title=f"one-shot aligner {args.model}: written exactly, {args.n} problems per length")
    shown.add_column("")
    for length in lengths:
        shown.add_column(str(length), justify="right")
    for key, label in (("aligner_input_accuracy", "aligner (I)"), ("aligner_output_accuracy", "aligner (O)")):
        shown.add_row(label, *[f"{table[length][key]:.0%}" for length in lengths])
    Console().print(shown)


if __name__ == "__main__":
    main()

"""Expressions on the executor library: hypothesis draws expressions of 2–6 operators (+ - *
// % and parentheses, every intermediate result a natural number) with operands of up to
--max-digits digits; EVALUATE runs each on the model, every decision there (the parsing, the
operators' machines, the printing); each result is compared with Python's integers. A failure
is then shrunk by `caef crosscheck`'s search to the shortest expression that still fails.
Hypothesis favours small operands; `--uniform` draws instead 2–6 operators over operands of
uniformly 1..--max-digits digits (`caef_dsl.formulas.drawn_formulas`, seeded).

    .venv/bin/python benchmarks/expressions.py --model runs/library --n 200 --max-digits 30
    .venv/bin/python benchmarks/expressions.py --model runs/library --n 200 --max-digits 30 --uniform
"""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from caef_dsl.formulas import drawn_formulas, formula_value, formulas
from trainer import open_library
from trainer.runtime import Task


def drawn(n: int, max_digits: int, seed: int) -> list:
    """The first n expressions hypothesis draws with this seed (no shrinking: a sample)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed
    found = []

    @fixed_seed(seed)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(formulas(2, 6, max_digits))
    def collect(formula):
        found.append(formula)

    collect()
    return found[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", required=True)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--max-digits", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shrink", type=int, default=100, metavar="N",
                        help="examples crosscheck tries when hunting the shortest failure (0: none)")
    parser.add_argument("--uniform", action="store_true", help="operands of uniformly drawn lengths, not hypothesis's")
    parser.add_argument("--out", type=Path, default=None, help="write expressions.json here")
    args = parser.parse_args()
    library = open_library(*args.model)
    evaluator = library.machines.resolve("evaluate")
    library.runtime.require(evaluator)
    formulas_drawn = (drawn_formulas(args.seed, args.n, args.max_digits, min_operators=2) if args.uniform
                      else drawn(args.n, args.max_digits, args.seed))
    longest = sorted(max(len(x) for x in re.findall(r"\d+", f.body)) for f in formulas_drawn)
    print(f"{len(formulas_drawn)} expressions; longest operand per expression: median {longest[len(longest) // 2]}, "
          f"{sum(n >= 20 for n in longest)} with one of 20 digits or more")
    began = time.perf_counter()
    solutions = library.runtime.solve([Task(evaluator, (f.body,), f) for f in formulas_drawn])
    seconds = time.perf_counter() - began
    wrong = [(f, s) for f, s in zip(formulas_drawn, solutions) if s.result != str(formula_value(f.body))]
    steps = sum(s.frame.total_steps() for s in solutions) / len(solutions)
    print(f"{len(solutions) - len(wrong)} of {len(solutions)} expressions right "
          f"({(len(solutions) - len(wrong)) / len(solutions):.1%}), {steps:,.0f} model steps per expression, "
          f"{seconds / len(solutions):.2f} s each")
    for formula, solution in wrong:
        print(f"  {formula.text} model: {solution.result} ({solution.error}), Python: {formula_value(formula.body)}")
    minimal = None
    if wrong and args.shrink:
        from trainer.crosscheck import ModelChecker, crosscheck_model
        checker = ModelChecker(library.runtime, evaluator, library.machines)
        result = crosscheck_model(checker, evaluator, max_examples=args.shrink, max_digits=args.max_digits,
                                  seed=args.seed)
        if result.minimal is not None:
            minimal = result.minimal.a
            print(f"shrunk: {minimal}= (first diverging step: {result.minimal.divergence.where})")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "expressions.json").write_text(json.dumps({
            "n": len(solutions), "right": len(solutions) - len(wrong), "max_digits": args.max_digits,
            "steps_per_expression": steps, "seconds": round(seconds, 1), "shrunk": minimal,
            "wrong": [{"expression": f.text, "model": s.result, "python": str(formula_value(f.body))}
                      for f, s in wrong]}, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""The executor library against the interpreter: every operator at every length, the paper's
Tables 1 and 2 in miniature.

    .venv/bin/python benchmarks/library_eval.py --model runs/library --out reports/library
    .venv/bin/python benchmarks/library_eval.py --model runs/library --crosscheck 100 --max-digits 100

Per operator, `caef eval` text in, text out (the model aligns too: the text machines read
`A op B=` and print the result; `--rule-aligner` for the executor alone), every step of every
call checked against the interpreter, at 5, 10, 50 and 100 digits (the paper's lengths): a and b
of the same length, MUL's b of 1–2 digits (the paper's MUL takes b ≤ 30), --n problems per
length (--n-long for the long machines at 100 digits). Table 1: end to end; Table 2: each run
split into aligner (I), executor and aligner (O), each over the problems that reached it right. Writes each operator's report.json and heat map under
--out, and `table.json` and `table.png` (operator × length). With --crosscheck N, hypothesis
draws N operand pairs per operator up to --max-digits and shrinks any failure. One runtime for
everything: the memo of decisions is shared.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from caef_dsl.operand_rules import machine_constraint
from trainer import open_library
from trainer.evaluate import b_digits, write_report

OPERATORS = ["add", "sub", "equal", "greater_than", "less_than", "mul", "div", "long_mul", "long_div", "long_mod"]
LONG = {"long_mul", "long_div", "long_mod"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", required=True)
    parser.add_argument("--out", type=Path, default=Path("reports/library"))
    parser.add_argument("--operators", nargs="+", default=OPERATORS)
    parser.add_argument("--lengths", default="5,10,50")
    parser.add_argument("--longest", type=int, default=100, help="the last length (default 100)")
    parser.add_argument("--n", type=int, default=50, help="problems per length (default 50)")
    parser.add_argument("--n-long", type=int, default=20, help="problems of the long machines at --longest (default 20)")
    parser.add_argument("--rule-aligner", action="store_true", help="align by the rules: the executor alone")
    parser.add_argument("--crosscheck", type=int, default=0, metavar="N", help="hypothesis examples per operator")
    parser.add_argument("--max-digits", type=int, default=100, help="longest crosscheck operand (default 100)")
    args = parser.parse_args()
    library = open_library(*args.model, rule_aligner=args.rule_aligner)
    began = time.perf_counter()
    rows = {}
    for op in args.operators:
        started = time.perf_counter()
        b = b_digits(machine_constraint(library.machines, library.machines.resolve(op)))
        report = library.evaluate(op, lengths=args.lengths, digits_b=b, n=args.n, progress=True)
        longest = library.evaluate(op, lengths=str(args.longest), digits_b=b, n=args.n_long if op in LONG else args.n,
                                   progress=True)
        report["by_class"] += longest["by_class"]
        report["models"] = [str(m) for m in args.model]
        write_report(report, args.out / op)
        rows[op] = {"seconds": round(time.perf_counter() - started, 1), "asked": library.runtime.asked(),
                    "aligner": report["aligner"],
                    "by_class": [{k: r[k] for k in ("len_a", "len_b", "n", "end_to_end_accuracy", "step_accuracy",
                                                     "aligner_input_accuracy", "executor_accuracy",
                                                     "aligner_output_accuracy", "aligner_steps",
                                                     "steps_executed", "seconds_per_problem")}
                                 for r in report["by_class"]]}
        if args.crosscheck:
            rows[op]["crosscheck"] = crosscheck(library, op, args.crosscheck, args.max_digits)
        print(f"{op}: {rows[op]['seconds']:.0f} s", flush=True)
    total = time.perf_counter() - began
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.json").write_text(json.dumps({"seconds": round(total, 1), "operators": rows}, indent=2) + "\n")
    print_table(rows, total)
    print_split(rows)
    plot(rows, args.out / "table.png")


def crosscheck(library, op: str, examples: int, max_digits: int) -> dict:
    from trainer.crosscheck import ModelChecker, crosscheck_model
    checker = ModelChecker(library.runtime, op, library.machines)
    started = time.perf_counter()
    result = crosscheck_model(checker, op, max_examples=examples, max_digits=max_digits)
    return {"examples": result.examples, "failures": len(result.failures),
            "minimal": None if result.minimal is None else result.minimal.expression or
            f"{result.minimal.a}, {result.minimal.b}", "seconds": round(time.perf_counter() - started, 1)}


def columns(rows: dict) -> list[str]:
    return list(dict.fromkeys(_label(r) for row in rows.values() for r in row["by_class"]))


def _label(r: dict) -> str:
    return str(r["len_a"])


def print_table(rows: dict, total: float) -> None:
    labels = columns(rows)
    table = Table(title=f"end to end accuracy (every step checked); {total / 60:.1f} minutes")
    table.add_column("operator")
    for label in labels:
        table.add_column(label, justify="right")
    table.add_column("crosscheck", justify="right")
    for op, row in rows.items():
        cells = {}
        for r in row["by_class"]:  # MUL has two rows per length (b of 1 and 2 digits): the worse
            cells[_label(r)] = min(cells.get(_label(r), 1.0), r["end_to_end_accuracy"])
        check = row.get("crosscheck")
        table.add_row(op, *[f"{cells[label]:.0%}" if label in cells else "-" for label in labels],
                      "-" if check is None else f"{check['failures']} of {check['examples']}")
    Console().print(table)


def _share(value) -> str:
    return "–" if value is None else f"{value:.1%}"


def print_split(rows: dict) -> None:
    """Table 2: per operator and length, aligner (I) / executor / aligner (O), and the model's
    decisions reading and printing the text per problem."""
    labels = columns(rows)
    table = Table(title="aligner (I) / executor / aligner (O); align steps per problem")
    table.add_column("operator")
    for label in labels:
        table.add_column(label, justify="right")
    for op, row in rows.items():
        cells = {}
        for r in row["by_class"]:
            cells.setdefault(_label(r), " / ".join(_share(r[k]) for k in (
                "aligner_input_accuracy", "executor_accuracy", "aligner_output_accuracy"))
                + f"; {r['aligner_steps']:,.0f}")
        table.add_row(f"{op} ({row['aligner']})", *[cells.get(label, "-") for label in labels])
    Console().print(table)


def plot(rows: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    labels = columns(rows)
    grid = []
    for row in rows.values():
        cells = {}
        for r in row["by_class"]:
            cells[_label(r)] = min(cells.get(_label(r), 1.0), r["end_to_end_accuracy"])
        grid.append([cells.get(label, float("nan")) for label in labels])
    fig, ax = plt.subplots(figsize=(1.2 + 0.55 * len(labels), 1 + 0.45 * len(rows)))
    image = ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    for y, line in enumerate(grid):
        for x, value in enumerate(line):
            if value == value:
                ax.text(x, y, f"{value:.0%}", ha="center", va="center", fontsize=7,
                        color="black" if value > 0.6 else "white")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(rows)), list(rows))
    ax.set_xlabel("digits per operand (MUL: of a; b ≤ 30)")
    ax.set_title("executor library: end-to-end accuracy")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()

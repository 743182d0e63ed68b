"""`python -m trainer.demo` for many machines, one after the other, and one table of what each
reached: training steps and why they stopped, end-to-end accuracy at each evaluated length,
the cross-check, and the time of each stage.

    .venv/bin/python benchmarks/demo_machines.py                       # every basic machine of machines/
    .venv/bin/python benchmarks/demo_machines.py sub mul div examples/digit_sum.tm
    .venv/bin/python benchmarks/demo_machines.py long_mul long_div --library runs/library --n 20

Each demo writes its folder under --out (`demos/<machine>`); a demo already there is read, not
run again, so the script can be stopped and started. Extra options go to every demo.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from caef_dsl import load_machines
from trainer import demo


def basic_machines() -> list[str]:
    machines = load_machines()
    return sorted(stem for stem, name in machines.by_file.items() if not machines.machines[name].calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("machines", nargs="*", help="machines (default: every basic machine of machines/)")
    parser.add_argument("--out", type=Path, default=Path("demos"))
    args, extra = parser.parse_known_args()
    results = {}
    for machine in args.machines or basic_machines():
        out = args.out / Path(machine).stem
        if not (out / "summary.json").is_file():
            code = demo.main(["--machine", machine, "--out", str(out), *extra])
            if code:
                sys.exit(code)
        results[machine] = read(out)
    (args.out / "table.json").write_text(json.dumps(results, indent=2) + "\n")
    show(results)


def read(out: Path) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    report = json.loads((Path(summary["artifacts"]["report"])).read_text())
    metrics_path = Path(summary["artifacts"]["model"]) / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    lengths: dict[str, float] = {}
    for r in report["by_class"]:  # MUL: rows of b of 1 and 2 digits per length — the worse
        lengths[str(r["len_a"])] = min(lengths.get(str(r["len_a"]), 1.0), r["end_to_end_accuracy"])
    failures = Path(summary["artifacts"]["failures"])
    return {"steps": metrics.get("global_step"), "stopped_by": metrics.get("stopped_by"),
            "end_to_end": lengths, "problems": report["n"], "seconds": summary["seconds"],
            "counterexamples": len(failures.read_text().splitlines()) if failures.is_file() else 0}


def show(results: dict) -> None:
    lengths = list(dict.fromkeys(n for r in results.values() for n in r["end_to_end"]))
    table = Table(title="python -m trainer.demo, per machine: end-to-end accuracy by operand length")
    for column in ("machine", "steps", "stopped by", *lengths, "counterexamples", "minutes"):
        table.add_column(column, justify="left" if column == "machine" else "right")
    for machine, r in results.items():
        table.add_row(machine, str(r["steps"] or "library"), r["stopped_by"] or "-",
                      *[f"{r['end_to_end'][n]:.0%}" if n in r["end_to_end"] else "-" for n in lengths],
                      str(r["counterexamples"]), f"{sum(r['seconds'].values()) / 60:.1f}")
    Console().print(table)


if __name__ == "__main__":
    main()

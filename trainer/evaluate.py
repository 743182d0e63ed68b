"""`caef eval --model RUN… --machine M --digits 1-10 --n N [--out DIR]`: the models against the
interpreter, per operand-length class.

Per class (len a, len b), or per length with `--lengths 1-10,20,50,100` (equal-length a and b):

  step accuracy        teacher-forced: the model's completion for each of the interpreter's
                       prompts (every frame, calls included) equals the interpreter's
  end-to-end accuracy  free-running from the aligner to the result, every step checked; with
                       the text machines (the default for a library), text in and text out
  aligner (I),         the paper's Table 2: where a run first leaves the interpreter's — in
  executor,            the machines reading the expression, the operator's machine (its calls
  aligner (O)          included) or the printing — each part's accuracy over the problems
                       that reached it right
  align steps          the model's decisions reading and printing the text, per problem
  first divergence     of the first failing problem: state, symbols read, expected vs
                       produced, the fields that differ
  tokens, seconds      read and written per problem, wall time per problem (batched)
  steps, asked         executor steps per problem (every frame), and the distinct prompts
                       this class sent to the model (the memo answers the others; --no-memo
                       asks at every step)

A rich table, and with `--out DIR`: report.json, a heat map of end-to-end accuracy over
(len a, len b) and, for equal-length classes, accuracy by length.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from caef_dsl.align import INPUT_ALIGNERS, OUTPUT_ALIGNERS, OUTPUT_STATES
from caef_dsl.errors import CaefError
from caef_dsl.options import add_options, from_args, option
from caef_dsl.sampling import class_label, parse_lengths
from trainer.runtime_cli import RuntimeOptions, console

DEFAULT_N = 10
DEFAULT_SEED = 1  # caef compile draws with seed 0: another seed mostly draws other pairs
SHOWN_FAILURES = 3


@dataclass(frozen=True, kw_only=True)
class EvalSettings(RuntimeOptions):
    """What `caef eval` is told."""
    machine: str = option(metavar="M", help="machine of machines/ (add, sub, …) or a .tm path")
    digits: str = option("1-10", metavar="LENGTHS", exclusive="lengths",
                         help="classes (len a, len b) for all these lengths of a and of b, e.g. 1-10 (default)")
    lengths: str | None = option(None, metavar="LENGTHS", exclusive="lengths",
                                 help="equal-length classes only, e.g. 1-10,20,50,100")
    digits_b: str | None = option(None, metavar="LENGTHS",
                                  help="lengths of b instead (with --lengths: a of each length and b of these, "
                                       "e.g. --digits-b 1-2 for MUL, whose b is at most 30)")
    n: int = option(DEFAULT_N, type=int, help=f"problems per class (default {DEFAULT_N})")
    seed: int = option(DEFAULT_SEED, type=int, help=f"operand draw (default {DEFAULT_SEED})")
    out: str | None = option(None, metavar="DIR", help="write report.json and the plots here")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, EvalSettings)


def classes(operands: int, *, digits: str = "1-10", lengths: str | None = None,
            digits_b: str | None = None) -> list[tuple[int, int | None]]:
    """The (len a, len b) classes: every pair of `digits` lengths, or with `lengths` a = b
    (or b of each `digits_b` length: MUL's b stays under 30)."""
    if operands == 1:
        return [(n, None) for n in parse_lengths(lengths or digits)]
    b_lengths = parse_lengths(digits_b) if digits_b else None
    if lengths:
        return [(n, m) for n in parse_lengths(lengths) for m in (b_lengths or [n])]
    return [(la, lb) for la in parse_lengths(digits) for lb in (b_lengths or parse_lengths(digits))]


def b_digits(constraint) -> str | None:
    """The lengths of b that are valid at every length of a, as `--digits-b` takes them (MUL's
    b is at most 30: "1-2"); None where b has no cap."""
    return None if constraint.b_limit is None else f"1-{len(str(constraint.b_limit))}"


def draw(machines, name: str, la: int, lb: int | None, n: int, seed: int) -> list:
    """Up to n distinct valid operand pairs of the class, uniformly drawn (no edge cases: the
    accuracy of the class, not of its hardest corners; `caef crosscheck` hunts those). A machine
    that reads text gets texts (b None): its operators' problems written `A op B=`, or EVALUATE's
    expressions."""
    from caef_dsl.align import text_entries
    from caef_dsl.decisions import problems
    from caef_dsl.operand_rules import machine_constraint
    from caef_dsl.sampling import capacity, class_key, class_pairs
    if text_entries(machines, name) is not None:
        return [(operands[0], None) for operands in problems(machines, name, la, lb, n, seed, edges=False)]
    constraint = machine_constraint(machines, name)
    count = min(n, capacity(constraint, la, lb))
    return list(class_pairs(constraint, la, lb, count, 0, class_key(seed, name, la, lb)))


def evaluate_class(runtime, machines, name: str, pairs: list) -> dict:
    """The row of one class: accuracies, errors, cost, and the first failures."""
    from caef_dsl.interpreter import run as run_machine
    from trainer.comparison import compare
    from trainer.runtime import make_task

    tasks = [runtime.entered(make_task(machines, name, a, b)) for a, b in pairs]
    runtime.require(tasks[0].machine)
    traces = [run_machine(machines.executables, t.machine, list(t.operands)) for t in tasks]
    # A run that goes on twice as long as the interpreter's has failed already.
    budgets = [min(runtime.max_steps, 2 * t.total_steps() + 16) for t in traces]
    asked_before = runtime.asked()
    start = time.perf_counter()
    solutions = runtime.solve(tasks, budgets)
    seconds = time.perf_counter() - start
    scores = runtime.teacher_forced(traces)
    failures, parts = [], Counter()
    for solution, trace in zip(solutions, traces):
        divergence = compare(solution, trace, runtime.mode)
        if divergence is not None:
            parts[part_of(divergence, trace.machine.start)] += 1
            failures.append({"a": solution.task.operands[0], "b": (solution.task.operands[1:] or [None])[0],
                             "expression": solution.task.expression and solution.task.expression.text,
                             "error": solution.error and str(solution.error), "divergence": divergence.as_json()})
    n = len(tasks)
    # Table 2's columns: each part's accuracy over the problems that reached it right.
    reached_executor = n - parts["input"]
    reached_output = reached_executor - parts["executor"]
    return {
        "n": n,
        "end_to_end_accuracy": (n - len(failures)) / n,
        "aligner_input_accuracy": reached_executor / n,
        "executor_accuracy": _ratio(reached_output, reached_executor),
        "aligner_output_accuracy": _ratio(reached_output - parts["output"], reached_output),
        "reached": {"executor": reached_executor, "output": reached_output, "output_wrong": parts["output"]},
        "aligner_steps": sum(aligner_steps(s.frame) for s in solutions) / n,
        "step_accuracy": sum(r for r, _ in scores) / max(1, sum(t for _, t in scores)),
        "steps": sum(t for _, t in scores) / n,
        "format_errors": sum(s.error is not None for s in solutions),
        "error_kinds": dict(Counter(s.error.kind for s in solutions if s.error is not None)),
        "tokens_read": sum(s.read for s in solutions) / n,
        "tokens_written": sum(s.written for s in solutions) / n,
        "seconds_per_problem": seconds / n,
        "steps_executed": sum(s.frame.total_steps() for s in solutions) / n,
        "model_calls": runtime.asked() - asked_before,
        "failures": failures[:SHOWN_FAILURES],
    }


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def part_of(divergence, start: str) -> str:
    """The part of a run where it first left the interpreter's, in the paper's Table 2 terms:
    "input" (the aligner reading the expression), "executor" (the operator's machine, its calls
    included) or "output" (the aligner writing the result). `start`: the run's first state."""
    machines = [place.split(" ")[0] for place in divergence.where.split(" › ")]
    if divergence.where.endswith(" aligner"):  # a one-shot aligner: the first step, or the result
        return "input" if divergence.state == start else "output"
    if any(m in OUTPUT_ALIGNERS for m in machines) or (
            all(m in INPUT_ALIGNERS for m in machines) and divergence.state in OUTPUT_STATES):
        return "output"
    return "input" if all(m in INPUT_ALIGNERS for m in machines) else "executor"


def aligner_steps(frame) -> int:
    """The model's decisions in a run's aligner machines (reading and printing the text)."""
    own = len(frame.steps) if frame.machine in INPUT_ALIGNERS + OUTPUT_ALIGNERS else 0
    return own + sum(aligner_steps(s.call) for s in frame.steps if s.call is not None)


def summary(rows: list[dict]) -> dict:
    """Totals over the classes, weighted by their problems (and steps)."""
    n = sum(r["n"] for r in rows)
    steps = sum(r["steps"] * r["n"] for r in rows)

    def mean(key):
        return sum(r[key] * r["n"] for r in rows) / n

    return {"n": n, "end_to_end_accuracy": mean("end_to_end_accuracy"),
            "aligner_input_accuracy": mean("aligner_input_accuracy"),
            "executor_accuracy": _ratio(sum(r["reached"]["output"] for r in rows),
                                        sum(r["reached"]["executor"] for r in rows)),
            "aligner_output_accuracy": _ratio(sum(r["reached"]["output"] - r["reached"]["output_wrong"] for r in rows),
                                              sum(r["reached"]["output"] for r in rows)),
            "aligner_steps_per_problem": mean("aligner_steps"),
            "step_accuracy": sum(r["step_accuracy"] * r["steps"] * r["n"] for r in rows) / max(steps, 1),
            "format_errors": sum(r["format_errors"] for r in rows),
            "tokens_read_per_problem": mean("tokens_read"), "tokens_written_per_problem": mean("tokens_written"),
            "seconds_per_problem": mean("seconds_per_problem"),
            "steps_executed_per_problem": mean("steps_executed"),
            "model_calls": sum(r["model_calls"] for r in rows)}


def _short(failure: dict | None) -> str:
    if failure is None:
        return ""
    d = failure["divergence"]
    fields = "; ".join(f"{e or '∅'} → {p or '∅'}" for e, p in d["fields"][:2])
    return f"{d['where']}: {fields or d['error'] or ''}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def print_report(report: dict) -> None:
    from rich.table import Table
    from rich.text import Text
    table = Table(title=f"{report['machine']} ({report['mode']} mode): {report['n']} problems, "
                        f"end to end {report['end_to_end_accuracy']:.1%}, step {report['step_accuracy']:.1%}",
                  title_justify="left")
    # step: teacher-forced step accuracy; e2e: end to end; read, written: tokens per problem
    # aligner (I), executor, aligner (O): the paper's Table 2, each over the problems that reached
    # it right; align steps: the model's decisions reading and printing the text
    for column in ("class", "n", "step", "e2e", "aligner (I)", "executor", "aligner (O)", "errors", "steps",
                   "align steps", "asked", "read", "written", "s/prob", "first divergence"):
        table.add_column(column, justify="left" if column in ("class", "first divergence") else "right")
    for r in report["by_class"]:
        label = class_label(r["len_a"], r["len_b"])
        table.add_row(label, str(r["n"]), f"{r['step_accuracy']:.1%}", f"{r['end_to_end_accuracy']:.1%}",
                      *(_percent(r[k]) for k in ("aligner_input_accuracy", "executor_accuracy",
                                                 "aligner_output_accuracy")),
                      str(r["format_errors"]), f"{r['steps_executed']:,.0f}", f"{r['aligner_steps']:,.0f}",
                      f"{r['model_calls']:,}",
                      f"{r['tokens_read']:,.0f}", f"{r['tokens_written']:,.0f}",
                      f"{r['seconds_per_problem']:.3f}", Text(_short((r["failures"] or [None])[0])))
    console().print(table)


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    return plt


def plot_heatmap(report: dict, path: Path) -> None:
    """End-to-end accuracy over (len a, len b)."""
    plt = _pyplot()
    rows = report["by_class"]
    las = sorted({r["len_a"] for r in rows})
    lbs = sorted({r["len_b"] for r in rows})
    grid = [[float("nan")] * len(las) for _ in lbs]
    for r in rows:
        grid[lbs.index(r["len_b"])][las.index(r["len_a"])] = r["end_to_end_accuracy"]
    fig, ax = plt.subplots(figsize=(max(5, 1.5 + 0.5 * len(las)), max(4, 1 + 0.5 * len(lbs))))
    image = ax.imshow(grid, origin="lower", vmin=0, vmax=1, cmap="viridis", aspect="auto")
    for y, row in enumerate(grid):
        for x, value in enumerate(row):
            if value == value:  # not NaN: a class that was evaluated
                ax.text(x, y, f"{value:.0%}", ha="center", va="center", fontsize=7,
                        color="black" if value > 0.6 else "white")
    ax.set_xticks(range(len(las)), [str(x) for x in las])
    ax.set_yticks(range(len(lbs)), [str(y) for y in lbs])
    ax.set_xlabel("digits of a")
    ax.set_ylabel("digits of b")
    ax.set_title(f"{report['machine']} ({report['mode']}): end-to-end accuracy")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_by_length(report: dict, path: Path) -> None:
    """Accuracy against the operand length (equal-length classes, or one-operand machines)."""
    plt = _pyplot()
    rows = sorted(report["by_class"], key=lambda r: r["len_a"])
    lengths = [r["len_a"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(lengths, [r["end_to_end_accuracy"] for r in rows], marker="o", label="end to end")
    ax.plot(lengths, [r["step_accuracy"] for r in rows], marker="s", label="step (teacher-forced)")
    ax.set_xlabel("digits per operand")
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{report['machine']} ({report['mode']}): accuracy by length")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(report: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    written = [out / "report.json"]
    rows = report["by_class"]
    if any(r["len_b"] is not None for r in rows):
        plot_heatmap(report, out / "heatmap.png")
        written.append(out / "heatmap.png")
    if all(r["len_b"] in (None, r["len_a"]) for r in rows):
        plot_by_length(report, out / "by_length.png")
        written.append(out / "by_length.png")
    return written


def evaluate(runtime, machines, name: str, wanted: list, n: int, seed: int = DEFAULT_SEED,
             progress: bool = True) -> dict:
    """The report of `runtime` on machine `name` (declared) over the classes `wanted`: what
    `caef eval` prints and writes to report.json."""
    from rich.progress import Progress

    from trainer.runtime import make_task

    if n < 1:
        raise CaefError("--n must be at least 1")
    runtime.require(name)
    rows, aligner = [], "rule"
    out = console()
    # A bar is drawn on a terminal only; a log (a run in the background) gets a line per class.
    lines = progress and not out.is_terminal
    with Progress(console=out, transient=True, disable=not progress) as bar:
        task = bar.add_task(f"evaluating {name}", total=len(wanted))
        for la, lb in wanted:
            pairs = draw(machines, name, la, lb, n, seed)
            if pairs:  # else a class the machine's operands cannot fill (sub: a shorter than b)
                began = time.perf_counter()
                rows.append({"len_a": la, "len_b": lb, **evaluate_class(runtime, machines, name, pairs)})
                if lines:
                    print(f"evaluated {name} {class_label(la, lb)}: {len(pairs)} problems, end to end "
                          f"{rows[-1]['end_to_end_accuracy']:.1%}, {time.perf_counter() - began:.0f} s",
                          file=sys.stderr, flush=True)
                entered = runtime.entered(make_task(machines, name, *pairs[0]))
                aligner = ("text machine " + entered.machine if entered.machine != name
                           else "trained" if runtime.trained_aligner(entered) else aligner)
            bar.advance(task)
    if not rows:
        raise CaefError(f"{name} takes no operands of these lengths")
    return {"machine": name, "mode": runtime.mode, "aligner": aligner, "seed": seed,
            "memo": bool(runtime.memo.size), **summary(rows), "by_class": rows}


def run(args) -> int:
    eval_command(from_args(EvalSettings, args))
    return 0


def eval_command(settings: EvalSettings) -> dict:
    """`caef eval`: the report, printed as a table and with `out` written with its plots."""
    from caef_dsl.api import machines_for
    from trainer.runtime_cli import open_runtime

    machines = machines_for(settings.machine)
    name = machines.resolve(settings.machine)
    wanted = classes(len(machines.machines[name].operands), digits=settings.digits, lengths=settings.lengths,
                     digits_b=settings.digits_b)
    runtime = open_runtime(settings, machines)
    report = {"models": [str(m) for m in settings.model],
              **evaluate(runtime, machines, name, wanted, settings.n, settings.seed)}
    print_report(report)
    if settings.out:
        for path in write_report(report, Path(settings.out)):
            console().print(f"wrote {path}")
    return report

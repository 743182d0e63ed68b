"""`make demo`: the whole idea on a laptop CPU, in minutes.

compile a machine's traces → train a tiny model from scratch → evaluate it against the
interpreter at the trained lengths and far beyond → cross-check with hypothesis, shrinking any
failure → say where every artifact is. Each stage calls the function of the `caef` command of
the same name with typed settings and prints the command line that does the same, so the demo
is also a worked example of the command line.

    python -m trainer.demo                                   # add, head view, ~5 minutes
    python -m trainer.demo --machine sub                     # a composite: its callees come along
    python -m trainer.demo --machine long_mul --library runs/library   # reuse `caef library`
    python -m trainer.demo --machine my_machine.tm           # your own machine (its callees: beside it)
    python -m trainer.demo --mode tape --out demo-tape        # the paper's state line, ~30 minutes
    python -m trainer.demo --mode full --out demo-full        # the paper's own format, ~50 minutes

Each mode has its own recipe (`RECIPES`: data, steps, budget, evaluation lengths); every
option below overrides its part of it. In the head view, training stops once greedy decoding
gets every held-out decision right (two checks in a row), so a slower machine takes longer
and ends at the same quality; the wall-clock budget is a safety limit only.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

from caef_dsl.compiler.command import CompileOptions
from caef_dsl.compiler.pipeline import compile_datasets
from caef_dsl.compiler.settings import Settings
from caef_dsl.machine_set import using_folders
from caef_dsl.options import add_machines_option
from trainer.crosscheck import CrosscheckSettings, crosscheck_command
from trainer.evaluate import EvalSettings, eval_command
from trainer.stages import stage
from trainer.train_settings import TrainSettings

STAGES = ("compile", "train", "tune", "eval", "crosscheck")

# What each view needs on this 2-core CPU (docs/results.md has the runs behind these choices).
# head: nothing grows with the operands: the decisions of 4,000 problems spread over the
# machine's length classes (40 per class for ADD's 100, 400 for a one-operand machine's 10, so
# it meets its whole table too), each once (`distinct`), callees included, trained until every
# held-out one is right, and evaluated far past the training lengths; at a quarter of the
# preset's learning rate, where a small table (a user's machine of a few dozen decisions) does
# not sit on a plateau and ADD needs fewer steps. tape and full read whole state lines: more
# problems and steps, at positions of their own (positions 0, 1, 2, … never seen in training break
# them past the trained lengths). Both read at head positions, the cells away from the heads
# weighed up to 100 times in training: tape is exact at 100 digits. full, which copies the line,
# also puts each tape's far cells in a region of its own, spaced at random in training, so a copy
# does not run off one tape into the next; its examples are twice tape's, so its batches hold
# half as many, and it needs 6,000 steps. Where such a model finds a tape's end can still hang on
# how much the tapes beside it weigh (a 17-digit operand beside a 1-digit one fails in seed 0), so
# a tune stage goes on from it for 1,000 steps at a tenth of the learning rate with each tape
# weighed up to 4 times more on its own (`--tape-mass`; from scratch it spoils the trained
# lengths). A 100-digit line takes long to write, so it evaluates 20 problems per length.
RECIPES = {
    "head": {"problems": 4000, "max_steps": 6000, "batch_size": 64, "lr": 5e-4, "budget": 60,
             "lengths": "1-10,20,50,100", "n": 100, "random_positions": 0, "head_positions": False,
             "tape_regions": False, "two_axes": False, "far_mass": 0, "tune_steps": 0, "tape_mass": 0,
             "crosscheck_digits": 10},
    "tape": {"problems": 50000, "max_steps": 4000, "batch_size": 64, "lr": 2e-3, "budget": 60,
             "lengths": "1-10,12,15,20,50,100", "n": 100, "random_positions": 0, "head_positions": True,
             "tape_regions": False, "two_axes": False, "far_mass": 100, "tune_steps": 0, "tape_mass": 0,
             "crosscheck_digits": 20},
    "full": {"problems": 50000, "max_steps": 6000, "batch_size": 32, "lr": 2e-3, "budget": 90,
             "lengths": "1-10,12,15,20,50,100", "n": 20, "random_positions": 0, "head_positions": True,
             "tape_regions": True, "two_axes": False, "far_mass": 100, "tune_steps": 1000, "tape_mass": 4,
             "crosscheck_digits": 20},
}


def recipe_help(key: str) -> str:
    return ", ".join(f"{RECIPES[mode][key]} ({mode})" for mode in RECIPES)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m trainer.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--machine", default="add",
                        help="machine to learn (default add; e.g. sub, long_mul, less_than, or a .tm file)")
    add_machines_option(parser)
    parser.add_argument("--library", metavar="RUN",
                        help="a `caef library` run to reuse instead of compiling and training (head view)")
    parser.add_argument("--mode", choices=list(RECIPES), default="head",
                        help="executor view (default head: the one that generalizes in length)")
    parser.add_argument("--budget", type=float, metavar="MINUTES",
                        help=f"training wall-clock safety limit (default {recipe_help('budget')})")
    parser.add_argument("--max-steps", type=int,
                        help=f"optimizer steps at most (default {recipe_help('max_steps')})")
    parser.add_argument("--batch-size", type=int,
                        help=f"examples per optimizer step (default {recipe_help('batch_size')})")
    parser.add_argument("--lr", type=float, help=f"peak learning rate (default {recipe_help('lr')})")
    parser.add_argument("--random-positions", type=int, metavar="N",
                        help=f"train on random position ids from 0..N-1, 0: none (default "
                             f"{recipe_help('random_positions')})")
    parser.add_argument("--head-positions", action=argparse.BooleanOptionalAction,
                        help=f"train and read at head positions (default {recipe_help('head_positions')})")
    parser.add_argument("--tape-regions", action=argparse.BooleanOptionalAction,
                        help=f"with head positions: each tape's cells in a region of their own "
                             f"(default {recipe_help('tape_regions')})")
    parser.add_argument("--two-axes", action=argparse.BooleanOptionalAction,
                        help=f"with head positions: rotary positions on two axes (default {recipe_help('two_axes')})")
    parser.add_argument("--far-mass", type=float, metavar="K",
                        help=f"with head positions: weigh the cells away from the heads up to K times in training, "
                             f"0: not (default {recipe_help('far_mass')})")
    parser.add_argument("--tune-steps", type=int, metavar="N",
                        help=f"then N steps more from the trained model at a tenth of the learning rate, 0: none "
                             f"(default {recipe_help('tune_steps')})")
    parser.add_argument("--tape-mass", type=float, metavar="R",
                        help=f"in those steps, each tape's cells away from the heads weigh up to R times more again, "
                             f"0: not (default {recipe_help('tape_mass')})")
    parser.add_argument("--model", default="tiny", help="model preset or local checkpoint (default tiny)")
    parser.add_argument("--digits", default="1-10", help="training operand lengths (default 1-10)")
    parser.add_argument("--problems", type=int,
                        help=f"training problems, spread evenly over the machine's length classes "
                             f"(default {recipe_help('problems')})")
    parser.add_argument("--lengths",
                        help=f"evaluation lengths, a and b equally long (default {recipe_help('lengths')})")
    parser.add_argument("--n", type=int, help=f"evaluation problems per length (default {recipe_help('n')})")
    parser.add_argument("--crosscheck-examples", type=int, default=100)
    parser.add_argument("--crosscheck-digits", type=int, metavar="N",
                        help=f"longest operand the crosscheck draws (default {recipe_help('crosscheck_digits')})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="demo", help="folder for every artifact (default demo/)")
    parser.add_argument("--skip", nargs="*", choices=STAGES, default=[],
                        help="stages to skip (their artifacts must already be in --out)")
    args = parser.parse_args(argv)
    for key, value in RECIPES[args.mode].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.tape_mass and not args.tune_steps:
        parser.error("--tape-mass weighs the tapes in the tune stage: give --tune-steps N too")
    return args


def constraint(machine: str):
    """The operand constraint `caef compile` and `caef eval` draw the machine's problems under."""
    from caef_dsl.api import machines_for
    from caef_dsl.operand_rules import machine_constraint
    machines = machines_for(machine)
    return machine_constraint(machines, machines.resolve(machine))


def per_class(machine: str, digits: str, problems: int) -> int:
    """Problems per (len a, len b) class so that the machine's nonempty classes hold `problems`."""
    from caef_dsl.sampling import capacity, parse_range
    drawn = constraint(machine)
    low, high = parse_range(digits)
    b_lengths = [None] if drawn.operands == 1 else range(low, high + 1)
    classes = sum(capacity(drawn, la, lb) > 0 for la in range(low, high + 1) for lb in b_lengths)
    return -(-problems // max(classes, 1))


def b_lengths(machine: str) -> str | None:
    """`caef eval`'s lengths of b that keep b valid at every length of a (MUL's b is at most 30);
    None: b as long as a."""
    from trainer.evaluate import b_digits
    return b_digits(constraint(machine)) or None


def train_settings(args, data: Path, out: Path) -> TrainSettings:
    """`caef train` from scratch as the recipe and the options say."""
    head = args.mode == "head"
    return TrainSettings(
        data=(data,), out=out, model=args.model, epochs=math.inf, time_budget=args.budget,
        max_steps=args.max_steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
        random_positions=args.random_positions or None, head_positions=args.head_positions,
        tape_regions=args.tape_regions, two_axes=args.two_axes, far_mass=args.far_mass or None,
        **(dict(stop_at_accuracy=1.0, eval_every=100, warmup=100.0) if head else {}))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with using_folders(args.machine_folders):  # every stage resolves the machine alike
        return _stages(args)


def _stages(args) -> int:
    out = Path(args.out)
    data, run, report, failures = out / "data", Path(args.library or out / "run"), out / "eval", out / "failures.jsonl"
    trained = out / "run-base" if args.tune_steps else run  # with a tune stage, the model it goes on from
    head = args.mode == "head"
    seconds = {}
    if args.library:
        args.skip = sorted(set(args.skip) | {"compile", "train", "tune"})
    if "compile" not in args.skip:
        options = CompileOptions(
            machines=(args.machine,), mode=args.mode, digits=args.digits,
            per_class=str(per_class(args.machine, args.digits, args.problems)), whole_small_classes=True,
            seed=str(args.seed), kind="executor", with_callees=head, distinct=head, out=str(data), force=True)
        seconds["compile"] = stage("1. compile the machine's traces into training data", "caef compile", options,
                                   lambda: compile_datasets(Settings.from_arguments(options)))
    if "train" not in args.skip:
        settings = train_settings(args, data, trained)
        from trainer.train import train  # torch
        seconds["train"] = stage("2. train a model from scratch on the CPU", "caef train", settings,
                                 lambda: train(settings))
    if args.tune_steps and "tune" not in args.skip:
        settings = replace(train_settings(args, data, run), init_from=trained, model=None,
                           max_steps=args.tune_steps, lr=args.lr / 10, tape_mass=args.tape_mass or None)
        from trainer.train import train  # torch
        title = f"2b. go on from it for {args.tune_steps:,} steps"
        title += ", each tape weighed on its own" if args.tape_mass else ""
        seconds["tune"] = stage(title, "caef train", settings, lambda: train(settings))
    if "eval" not in args.skip:
        evaluation = EvalSettings(
            model=(str(run),), machine=args.machine, lengths=args.lengths, digits_b=b_lengths(args.machine),
            n=args.n, seed=args.seed + 1, rule_aligner=True, out=str(report))
        seconds["eval"] = stage("3. evaluate against the interpreter, every step checked (rule aligner)",
                                "caef eval", evaluation, lambda: eval_command(evaluation))
    if "crosscheck" not in args.skip:
        check = CrosscheckSettings(model=(str(run),), machine=args.machine, rule_aligner=True,
                                   examples=args.crosscheck_examples, max_digits=args.crosscheck_digits,
                                   failures=str(failures))
        seconds["crosscheck"] = stage("4. cross-check with hypothesis, shrinking any failure", "caef crosscheck",
                                      check, lambda: crosscheck_command(check),
                                      ok=(0, 1))  # 1: a counterexample was found and shrunk — a result, not a crash
    summary = {"machine": args.machine, "mode": args.mode, "seconds": seconds,
               "artifacts": {"dataset": str(data), "model": str(run), "report": str(report / "report.json"),
                             "heat map": str(report / "heatmap.png"), "failures": str(failures)}}
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print("\n=== where everything is")
    for what, path in summary["artifacts"].items():
        print(f"  {what:10} {path}")
    print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m trainer.demo` (`make demo`): every stage runs, with a recipe per mode."""
import json
import math
import shlex

from caef.cli import build_parser
from caef_dsl.options import from_args
from trainer import demo
from trainer.train_settings import TrainSettings


def test_each_mode_has_its_recipe_and_options_override_it():
    tape = demo.parse_args(["--mode", "tape"])
    assert (tape.problems, tape.max_steps, tape.lengths) == (50000, 4000, "1-10,12,15,20,50,100")
    assert (tape.head_positions, tape.far_mass, tape.random_positions, tape.crosscheck_digits) == (True, 100, 0, 20)
    assert demo.parse_args(["--mode", "tape", "--no-head-positions"]).head_positions is False
    head = demo.parse_args(["--budget", "3", "--lengths", "1-4"])
    assert (head.mode, head.budget, head.lengths, head.problems) == ("head", 3.0, "1-4", 4000)
    assert (head.lr, tape.lr, demo.parse_args(["--lr", "1e-3"]).lr) == (5e-4, 2e-3, 1e-3)
    assert (head.random_positions, demo.parse_args(["--mode", "full", "--random-positions", "0"]).random_positions) == (0, 0)
    # full's examples are twice tape's: half the batch
    full = demo.parse_args(["--mode", "full"])
    assert (tape.batch_size, full.batch_size, demo.parse_args(["--batch-size", "8"]).batch_size) == (64, 32, 8)
    # full copies the line: each tape's cells in a region of their own; 100-digit lines are slow to write
    assert (full.head_positions, full.tape_regions, full.far_mass, full.random_positions) == (True, True, 100, 0)
    assert (tape.tape_regions, demo.parse_args(["--mode", "full", "--no-tape-regions"]).tape_regions) == (False, False)
    assert (full.two_axes, demo.parse_args(["--mode", "full", "--two-axes"]).two_axes) == (False, True)
    # full goes on from its model with each tape weighed on its own; the others do not
    assert (full.tune_steps, full.tape_mass, tape.tune_steps, tape.tape_mass, head.tune_steps) == (1000, 4, 0, 0, 0)
    assert (full.lengths, full.n, tape.n, demo.parse_args(["--n", "5"]).n) == ("1-10,12,15,20,50,100", 20, 100, 5)


def test_the_problems_spread_over_the_length_classes_a_machine_has():
    """ADD has 100 classes of 1-10 digits; MUL_DIGIT's d is one digit and LEFT_MASK takes one
    operand: 10 classes, so ten times the problems per class — and every decision of the table."""
    assert demo.per_class("add", "1-10", 4000) == 40
    assert demo.per_class("mul_digit", "1-10", 4000) == demo.per_class("left_mask", "1-10", 4000) == 400
    assert demo.per_class("add", "1-2", 10) == 3


def test_the_demo_runs_every_stage_and_says_where_the_artifacts_are(tmp_path, capsys):
    out = tmp_path / "demo"
    assert demo.main(["--model", "nano", "--mode", "tape", "--problems", "12", "--digits", "1-2",
                      "--max-steps", "4", "--lengths", "1-2", "--n", "2",
                      "--crosscheck-examples", "2", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["seconds"]) == set(demo.STAGES) - {"tune"}  # the tape recipe has no tune stage
    report = json.loads((out / "eval" / "report.json").read_text())
    assert report["mode"] == "tape" and report["n"] == 4  # 2 problems at each of 2 lengths
    assert json.loads((out / "run" / "caef_run.json").read_text())["positions"]["head_positions"]
    assert (out / "eval" / "heatmap.png").stat().st_size > 0
    printed = capsys.readouterr().out
    assert "where everything is" in printed and str(out / "run") in printed
    # Each stage shows the command line that does what it did: it parses, to the same settings.
    lines = [line[2:] for line in printed.splitlines() if line.startswith("$ caef ")]
    assert [shlex.split(line)[1] for line in lines] == ["compile", "train", "eval", "crosscheck"]
    parsed = [build_parser().parse_args(shlex.split(line)[1:]) for line in lines]
    train = from_args(TrainSettings, parsed[1])
    assert (train.max_steps, train.epochs, train.head_positions, train.far_mass, train.data) \
        == (4, math.inf, True, 100, (out / "data",))
    assert (parsed[2].lengths, parsed[2].rule_aligner, parsed[3].examples, parsed[3].max_digits) == ("1-2", True, 2, 20)


def test_the_head_demo_of_a_composite_compiles_its_callees_and_can_reuse_a_library(tmp_path):
    out = tmp_path / "demo-mul"
    assert demo.main(["--machine", "mul", "--model", "nano", "--problems", "8", "--digits", "1-2",
                      "--max-steps", "3", "--lengths", "1,3", "--n", "2", "--crosscheck-examples", "2",
                      "--out", str(out)]) == 0
    assert json.loads((out / "run" / "metrics.json").read_text())["learning_rate"] == 5e-4  # the head recipe's
    run = json.loads((out / "run" / "caef_run.json").read_text())
    assert run["mode"] == "head" and set(run["machines"]) == {"MUL", "LESS_THAN", "ADD"}
    manifest = json.loads((out / "data" / "manifest.json").read_text())
    assert manifest["arguments"]["distinct"] and manifest["arguments"]["with_callees"]
    report = json.loads((out / "eval" / "report.json").read_text())
    assert [(r["len_a"], r["len_b"]) for r in report["by_class"]] == [(1, 1), (1, 2), (3, 1), (3, 2)]  # b <= 30
    again = tmp_path / "demo-reuse"
    assert demo.main(["--machine", "mul", "--library", str(out / "run"), "--lengths", "1", "--n", "1",
                      "--crosscheck-examples", "1", "--out", str(again)]) == 0
    assert set(json.loads((again / "summary.json").read_text())["seconds"]) == {"eval", "crosscheck"}


def test_the_full_demo_goes_on_from_its_model_with_each_tape_weighed_on_its_own(tmp_path, capsys):
    out = tmp_path / "demo-full"
    assert demo.main(["--model", "nano", "--mode", "full", "--problems", "12", "--digits", "1-2", "--max-steps", "2",
                      "--tune-steps", "2", "--lengths", "1", "--n", "1", "--crosscheck-examples", "1",
                      "--out", str(out)]) == 0
    assert set(json.loads((out / "summary.json").read_text())["seconds"]) == set(demo.STAGES)
    tuned = json.loads((out / "run" / "caef_run.json").read_text())["positions"]
    assert (tuned["tape_regions"], tuned["far_mass"], tuned["tape_mass"]) == (True, 100, 4)
    assert json.loads((out / "run-base" / "caef_run.json").read_text())["positions"]["tape_mass"] is None
    lines = [line[2:] for line in capsys.readouterr().out.splitlines() if line.startswith("$ caef train")]
    tune = from_args(TrainSettings, build_parser().parse_args(shlex.split(lines[1])[1:]))
    assert (tune.init_from, tune.model, tune.max_steps, tune.lr, tune.tape_mass) \
        == (out / "run-base", None, 2, 2e-4, 4)


def test_tape_mass_without_a_tune_stage_is_a_clean_error(capsys):
    import pytest
    with pytest.raises(SystemExit):
        demo.parse_args(["--mode", "tape", "--tape-mass", "4"])
    assert "give --tune-steps N too" in capsys.readouterr().err

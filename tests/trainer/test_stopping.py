"""Training stops on a measured criterion: every held-out record reproduced by greedy decoding,
not on the wall clock (training to it is the slow tier; the check and its stopping rule are
fast). And one head-view model can learn executor and aligner records both."""

import json
from types import SimpleNamespace

import pytest

from caef.cli import main
from trainer.data import PadCollator, write_dataset

TABLE = [{"prompt": f"ADD q1 HEAD1 {x} HEAD2 {y} C 0", "completion": f"CMD: [C] 0, [OUTPUT] {(x + y) % 10}, q1"}
         for x in range(3) for y in range(3)]


@pytest.mark.slow
def test_training_stops_once_greedy_decoding_reproduces_every_held_out_record(tmp_path, fast):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    data = write_dataset(tmp_path / "data", TABLE, TABLE[::2], mode="head", stage="plain", machines=["ADD"])
    out = tmp_path / "run"
    assert main(["train", "--data", str(data), "--out", str(out), "--max-steps", "3000", "--epochs", "100000",
                 "--lr", "5e-3", "--warmup", "10", "--stop-at-accuracy", "1.0", "--eval-every", "25", *fast]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["stopped_by"] == "accuracy" and metrics["global_step"] < 3000
    curve = metrics["accuracy_curve"]
    assert curve[-1] == [metrics["global_step"], 1.0] and curve[-2][1] == 1.0  # two checks in a row
    model, tokenizer = AutoModelForCausalLM.from_pretrained(out), AutoTokenizer.from_pretrained(out)
    for record in TABLE[::2]:  # what the check measured is what greedy decoding writes
        ids = tokenizer(record["prompt"], return_tensors="pt")
        new = model.generate(**ids, max_new_tokens=30, do_sample=False)[0, ids["input_ids"].shape[1]:]
        assert tokenizer.decode(new, skip_special_tokens=True) == record["completion"]


def test_the_held_out_check_runs_every_eval_every_steps(tmp_path, capfd, fast):
    data = write_dataset(tmp_path / "data", TABLE, TABLE[::2], mode="head", stage="plain", machines=["ADD"])
    out = tmp_path / "run"
    assert main(["train", "--data", str(data), "--out", str(out), "--max-steps", "4", "--epochs", "100",
                 "--stop-at-accuracy", "1.0", "--eval-every", "2", *fast]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["stopped_by"] == "max_steps" and [step for step, _ in metrics["accuracy_curve"]] == [2, 4]
    assert all(0 <= accuracy <= 1 for _, accuracy in metrics["accuracy_curve"])
    assert "step 4: " in capfd.readouterr().err


def test_the_check_stops_training_at_the_second_good_check_in_a_row():
    from transformers import TrainerControl

    from trainer.train import ExactMatch

    exact = ExactMatch([], PadCollator(0), target=1.0, every=2)
    accuracies = iter([1.0, 0.5, 1.0, 1.0])  # a good check, a miss (the streak starts over), two good ones
    exact.accuracy = lambda model: next(accuracies)
    stops = []
    for step in range(1, 9):
        control = TrainerControl()
        exact.on_step_end(None, SimpleNamespace(global_step=step, is_world_process_zero=False), control)
        stops.append((control.should_training_stop, control.should_save))
    assert stops == [(False, False)] * 7 + [(True, True)]
    assert exact.curve == [[2, 1.0], [4, 0.5], [6, 1.0], [8, 1.0]] and exact.reached


def test_a_bad_accuracy_target_is_one_line_of_error(tmp_path, capfd, fast):
    data = write_dataset(tmp_path / "data", TABLE, mode="head", stage="plain", machines=["ADD"])
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "run"), "--stop-at-accuracy", "2", *fast]) == 2
    assert "--stop-at-accuracy takes a share in (0, 1]" in capfd.readouterr().err


def test_one_head_view_model_executes_and_aligns(tmp_path, fast):
    from caef_dsl import load_machines
    from caef.cli import main as caef
    from trainer.language_models import open_models

    data = tmp_path / "data"
    assert caef(["compile", "add", "equal", "--mode", "head", "--digits", "1-2", "--per-class", "5", "--out", str(data)]) == 0
    out = tmp_path / "run"
    assert main(["train", "--data", str(data), "--out", str(out), "--kind", "both", "--max-steps", "2", *fast]) == 0
    run = json.loads((out / "caef_run.json").read_text())
    assert run["task"] == "both" and run["aligners"] == ["ADD", "EQUAL"]
    models = open_models([out], load_machines(), device="cpu")
    assert all(models.covers(m) and models.has_aligner(m) for m in ("ADD", "EQUAL"))


def test_both_kinds_in_one_model_need_the_head_view(add_tape, tmp_path, capfd, fast):
    assert main(["train", "--data", str(add_tape), "--out", str(tmp_path / "run"), "--kind", "both", *fast]) == 2
    assert "--kind both needs head-view data" in capfd.readouterr().err

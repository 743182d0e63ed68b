"""Stopping and resuming: a killed (slow tier: a subprocess run) or time-limited run continues
from its last checkpoint."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caef.cli import main
from trainer.train import last_complete_checkpoint

REPO = Path(__file__).resolve().parents[2]


def _metrics(out):
    return json.loads((out / "metrics.json").read_text())


def test_time_budget_stops_with_a_checkpoint_and_resume_continues(add_tape, tmp_path, fast):
    out = tmp_path / "run"
    argv = ["train", "--data", str(add_tape), "--out", str(out), "--max-steps", "8", *fast, "--log-every", "1"]
    assert main([*argv, "--time-budget", "0.00001"]) == 0
    first = _metrics(out)
    assert first["stopped_by"] == "time_budget" and first["global_step"] == 1
    assert (out / "checkpoint-1").is_dir()
    assert main([*argv, "--resume"]) == 0
    second = _metrics(out)
    assert second["resumed_from"] == "checkpoint-1" and second["global_step"] == 8 and second["max_steps"] == 8
    assert [step for step, _ in second["loss_curve"]] == list(range(1, 9))  # the curve keeps the step before the stop


@pytest.mark.slow
def test_killed_run_resumes_from_its_last_checkpoint(add_tape, tmp_path, fast):
    out = tmp_path / "run"
    argv = [sys.executable, "-m", "caef", "train", "--data", str(add_tape), "--out", str(out),
            "--max-steps", "5000", "--epochs", "1000", *fast, "--save-every", "5"]
    process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (out / "checkpoint-10" / "trainer_state.json").is_file():
            assert process.poll() is None and time.monotonic() < deadline, "the run ended before its 10th step"
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait()
    killed_at = max(int(p.name.split("-")[1]) for p in out.glob("checkpoint-*") if (p / "trainer_state.json").is_file())
    assert not (out / "metrics.json").exists()  # it really died mid-run

    assert main(["train", *argv[4:], "--resume", "--time-budget", "0.01"]) == 0
    metrics = _metrics(out)
    assert metrics["resumed_from"] == f"checkpoint-{killed_at}"
    assert metrics["global_step"] > killed_at and metrics["max_steps"] == 5000
    assert metrics["loss_curve"][0][0] == 2  # the curve keeps the steps before the kill


def test_resume_skips_a_checkpoint_whose_save_was_cut_short(tmp_path):
    # A run killed while saving checkpoint-15 leaves it without (or with half) its trainer state.
    for step, state in [(5, '{"global_step": 5}'), (10, '{"global_step": 10}'), (15, '{"glob'), (20, None)]:
        folder = tmp_path / f"checkpoint-{step}"
        folder.mkdir()
        if state is not None:
            (folder / "trainer_state.json").write_text(state)
    assert last_complete_checkpoint(tmp_path) == tmp_path / "checkpoint-10"
    assert last_complete_checkpoint(tmp_path / "checkpoint-15") is None

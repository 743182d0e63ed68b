"""Two-process DDP on CPU (gloo) through torchrun, unchanged command line (slow tier: two
processes start torch); the time budget's cross-rank agreement in one process (fast)."""

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_torchrun_two_processes(add_tape, tmp_path, fast):
    out = tmp_path / "ddp"
    # The time budget is never reached; it makes every step run the callback's cross-rank agreement.
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "caef", "train", "--data", str(add_tape), "--out", str(out), "--max-steps", "4",
               *fast, "--save-every", "2", "--time-budget", "10"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and metrics["global_step"] == 4 and metrics["stopped_by"] == "max_steps"
    assert (out / "model.safetensors").is_file() and (out / "checkpoint-4").is_dir()


def test_the_time_budget_agrees_across_ranks_in_a_process_group(tmp_path):
    """The all-reduce branch of the budget check, in a group of one rank: a rank over its
    budget stops and saves, one within it goes on."""
    import torch.distributed as dist
    from transformers import TrainerControl

    from trainer.train import TimeBudget

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        decisions = []
        for minutes in (1, 60):
            budget, control = TimeBudget(minutes), TrainerControl()
            budget.start -= 120  # two minutes into the run
            budget.on_step_end(None, SimpleNamespace(), control)
            decisions.append((control.should_training_stop, control.should_save))
    finally:
        dist.destroy_process_group()
    assert decisions == [(True, True), (False, False)]

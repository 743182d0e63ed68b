"""Two-process DDP on CPU (gloo) through torchrun, unchanged command line."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_torchrun_two_processes(add_tape, tmp_path, fast):
    out = tmp_path / "ddp"
    # The time budget is never reached; it makes every step run the callback's cross-rank agreement.
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "trainer.cli", "train", "--data", str(add_tape), "--out", str(out), "--max-steps", "4",
               *fast, "--save-every", "2", "--time-budget", "10"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and metrics["global_step"] == 4 and metrics["stopped_by"] == "max_steps"
    assert (out / "model.safetensors").is_file() and (out / "checkpoint-4").is_dir()

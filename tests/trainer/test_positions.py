"""Length-generalization options of `caef train`: RoPE in the lowest layers only (NoPE above)
and randomized position ids. They train, save, reload with plain transformers, and run."""

import json

import pytest
import torch

from trainer.cli import main
from trainer.data import PadCollator


def test_random_positions_are_sorted_distinct_draws_within_the_range():
    collate = PadCollator(0, random_positions=50, seed=3)
    batch = collate([{"input_ids": [5] * 7, "labels": [5] * 7}, {"input_ids": [5] * 4, "labels": [5] * 4}])
    positions = batch["position_ids"]
    assert positions.shape == (2, 7)
    assert all(row.tolist() == sorted(set(row.tolist())) for row in positions)
    assert positions.min() >= 0 and positions.max() < 50
    assert not torch.equal(positions[0], torch.arange(7))  # drawn, not counted


def test_plain_collation_leaves_positions_to_the_model():
    assert "position_ids" not in PadCollator(0)([{"input_ids": [1, 2], "labels": [1, 2]}])


@pytest.mark.parametrize("rope_layers", [0, 1])
def test_a_model_with_rope_in_the_lowest_layers_trains_reloads_and_runs(add_tape, tmp_path, fast, rope_layers):
    from transformers import AutoModelForCausalLM

    from caef_dsl import load_machines
    from trainer.language_models import open_models
    from trainer.runtime import Runtime, make_task

    out = tmp_path / "run"
    assert main(["train", "--data", str(add_tape), "--out", str(out), "--max-steps", "3", "--rope-layers",
                 str(rope_layers), "--random-positions", "512", *fast]) == 0
    model = AutoModelForCausalLM.from_pretrained(out)  # plain transformers, no remote code
    assert model.config.no_rope_layers == [int(i < rope_layers) for i in range(model.config.num_hidden_layers)]
    run = json.loads((out / "caef_run.json").read_text())
    assert run["positions"] == {"rope_layers": rope_layers, "random_positions": 512}
    machines = load_machines()
    runtime = Runtime(open_models([out], machines, device="cpu"), machines, max_steps=3)
    [solution] = runtime.solve([make_task(machines, "add", 45, 67)])
    assert solution.frame.steps  # the untrained model wrote something the runtime handled


def test_rope_layers_beyond_the_preset_is_a_clean_error(add_tape, tmp_path, capfd):
    out = tmp_path / "run"
    assert main(["train", "--data", str(add_tape), "--out", str(out), "--model", "nano", "--rope-layers", "5"]) == 2
    assert "--rope-layers must be 0..2" in capfd.readouterr().err

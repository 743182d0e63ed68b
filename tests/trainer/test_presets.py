"""Preset sizes shown in --help match the models built, and the CLI imports without torch."""

import subprocess
import sys
from pathlib import Path

import pytest

from trainer.presets import PRESETS
from trainer.tokenizer import build_tokenizer


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_parameter_count_matches_the_model(name):
    from trainer.model import new_model, parameter_counts

    tokenizer = build_tokenizer(["ADD", "q1", "[HEAD1]", "|", " ", *"0123456789"])
    total, trainable = parameter_counts(new_model(name, tokenizer))
    assert total == trainable == PRESETS[name].parameters(len(tokenizer))


def test_tiny_is_the_first_measurements_model():
    assert 1.0e6 < PRESETS["tiny"].parameters(80) < 1.1e6


def test_help_lists_presets_and_cli_does_not_import_torch():
    code = ("import sys, argparse; from trainer.train_settings import add_arguments; p = argparse.ArgumentParser(); "
            "add_arguments(p); print(p.format_help()); assert 'torch' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2])
    shown = " ".join(result.stdout.split())  # argparse wraps lines
    for name, preset in PRESETS.items():
        assert f"{name}: hidden {preset.hidden}" in shown and f"{preset.body_parameters() / 1e6:.2f}M parameters" in shown

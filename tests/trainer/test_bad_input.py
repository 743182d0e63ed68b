"""Bad input: one line on stderr, exit code 2, and nothing written to --out."""

import json

import pytest

from caef.cli import main


def _fails_cleanly(capfd, argv, out, expected):
    assert main(argv) == 2
    err = capfd.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and expected in err, err
    assert not out.exists()


def test_dataset_without_manifest(tmp_path, capfd):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(json.dumps({"prompt": "a", "completion": "b"}) + "\n")
    out = tmp_path / "out"
    _fails_cleanly(capfd, ["train", "--data", str(tmp_path / "data"), "--out", str(out)], out, "no manifest.json")


def test_missing_dataset_folder(tmp_path, capfd):
    out = tmp_path / "out"
    _fails_cleanly(capfd, ["train", "--data", str(tmp_path / "nope"), "--out", str(out)], out, "does not exist")


def test_unknown_preset(add_tape, tmp_path, capfd):
    out = tmp_path / "out"
    _fails_cleanly(capfd, ["train", "--data", str(add_tape), "--out", str(out), "--model", "huge"], out, "unknown preset 'huge'")


def test_tokenizer_missing_dataset_symbols(tape_run_40_steps, equal_tape, tmp_path, capfd):
    out = tmp_path / "out"
    argv = ["train", "--data", str(equal_tape), "--out", str(out), "--init-from", str(tape_run_40_steps)]
    _fails_cleanly(capfd, argv, out, "--add-tokens")


@pytest.mark.parametrize("content", ["empty", "t5"])
def test_model_folder_that_is_not_a_causal_lm(add_tape, tmp_path, capfd, content):
    from transformers import AutoConfig

    model = tmp_path / "model"
    model.mkdir()
    if content == "t5":
        AutoConfig.for_model("t5").save_pretrained(model)
    out = tmp_path / "out"
    expected = "not a causal LM" if content == "t5" else "not a Hugging Face model folder"
    _fails_cleanly(capfd, ["train", "--data", str(add_tape), "--out", str(out), "--model", str(model)], out, expected)


def test_stage_absent_from_the_data(add_tape, tmp_path, capfd):
    out = tmp_path / "out"
    _fails_cleanly(capfd, ["train", "--data", str(add_tape), "--out", str(out), "--stage", "prompt"], out, "no stage 'prompt' executor train records")


def test_resume_without_a_checkpoint(add_tape, tmp_path, capfd):
    out = tmp_path / "out"
    _fails_cleanly(capfd, ["train", "--data", str(add_tape), "--out", str(out), "--resume"], out, "no checkpoint")


def test_used_out_folder_is_not_overwritten(tape_run_40_steps, add_tape, capfd):
    before = sorted(p.name for p in tape_run_40_steps.iterdir())
    assert main(["train", "--data", str(add_tape), "--out", str(tape_run_40_steps)]) == 2
    assert "not empty" in capfd.readouterr().err
    assert sorted(p.name for p in tape_run_40_steps.iterdir()) == before

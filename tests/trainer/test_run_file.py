"""The run file (`caef_run.json`): what `caef train` writes is what every reader reads, a run
trained before the file had a version still opens, and a missing, malformed or newer file is a
one-line error."""

import json

import pytest

from trainer.errors import TrainerError
from trainer.run_file import RUN_FILE, VERSION, Positions, RunFile

# A run file as `caef train` wrote it before the version key (version 1).
VERSION_1 = {
    "weights": "full", "base_model": None, "tokenizer": "caef-word-level", "mode": "tape", "stage": "plain",
    "task": "executor", "aligners": None, "machines": ["add"], "datasets": ["/data/add-tape"], "vocab_size": 44,
    "eos_token": "<eos>", "prompt_add_special_tokens": True,
    "positions": {"rope_layers": 2, "random_positions": 256, "varied_density": True, "completion_tokens": 30},
}


def write(folder, data) -> None:
    folder.mkdir(exist_ok=True)
    (folder / RUN_FILE).write_text(json.dumps(data))


def test_a_tape_run_40_steps_writes_the_current_version(tape_run_40_steps):
    written = json.loads((tape_run_40_steps / RUN_FILE).read_text())
    assert written["version"] == VERSION and "eos_token" not in written
    run = RunFile.read(tape_run_40_steps)
    assert run.version == VERSION and run.weights == "full" and run.mode == "tape" and run.machines == ["add"]
    assert run.positions == Positions(rope_layers=2)


def test_a_version_1_file_reads_and_writes_back_as_the_current_version(tmp_path):
    write(tmp_path / "old", VERSION_1)
    run = RunFile.read(tmp_path / "old")
    assert run.version == 1 and run.task == "executor" and run.vocab_size == 44
    assert run.positions == Positions(rope_layers=2, random_positions=256, varied_density=True, completion_tokens=30)
    run.write(tmp_path)
    assert RunFile.read(tmp_path) == RunFile(**{**vars(run), "version": VERSION})


def test_the_oldest_version_1_files_read_as_executors_at_plain_positions(tmp_path):
    oldest = {k: v for k, v in VERSION_1.items() if k not in ("task", "aligners", "positions")}
    write(tmp_path, oldest)
    run = RunFile.read(tmp_path)
    assert run.task == "executor" and run.aligners is None and run.positions == Positions()


@pytest.mark.parametrize("body, message", [
    (None, "is not a trained caef run"),
    ("{nope", "is not a run file: Expecting property name"),
    ("[]", "not a JSON object"),
    (json.dumps({**VERSION_1, "version": VERSION + 1}), f"version {VERSION + 1}, which this caef does not read"),
    (json.dumps({k: v for k, v in VERSION_1.items() if k != "mode"}), "not a version 1 run file: no mode"),
    (json.dumps({**VERSION_1, "version": 2}), "an unknown key eos_token"),
    (json.dumps({**VERSION_1, "positions": {"span": 3}}), "an unknown key positions.span"),
])
def test_a_missing_malformed_or_newer_run_file_is_a_clean_error(tmp_path, body, message):
    if body is not None:
        (tmp_path / RUN_FILE).write_text(body)
    with pytest.raises(TrainerError, match=message):
        RunFile.read(tmp_path)


def test_the_runtime_reports_a_malformed_run_file_in_one_line(tmp_path, capsys):
    from caef.cli import main

    (tmp_path / RUN_FILE).write_text("{nope")
    assert main(["solve", "1+2=", "--model", str(tmp_path), "--device", "cpu"]) == 2
    assert capsys.readouterr().err.startswith(f"caef solve: error: {tmp_path / RUN_FILE} is not a run file")

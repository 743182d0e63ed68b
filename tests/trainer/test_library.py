"""`caef library`: every decision and the aligner pairs compiled, one model trained on both."""
import json
import shlex

from caef.cli import build_parser, main
from caef_dsl.options import from_args
from trainer.train_settings import TrainSettings


def test_the_library_compiles_both_kinds_and_trains_one_model_on_them(tmp_path, capsys):
    out, data = tmp_path / "library", tmp_path / "data"
    code = main(["library", "add", "--model", "nano", "--digits", "1-2", "--per-class", "2",
                 "--aligner-per-class", "1", "--max-steps", "4", "--eval-every", "2", "--workers", "1",
                 "--out", str(out), "--data", str(data)])
    assert code in (0, 1)  # 1: four steps do not reach every held-out decision
    run = json.loads((out / "caef_run.json").read_text())
    assert run["task"] == "both" and run["aligners"] == ["ADD"] and run["mode"] == "head"
    printed = capsys.readouterr().out
    lines = [line[2:] for line in printed.splitlines() if line.startswith("$ caef ")]
    assert [shlex.split(line)[1] for line in lines] == ["compile", "compile", "train"]
    train = from_args(TrainSettings, build_parser().parse_args(shlex.split(lines[2])[1:]))
    assert train.data == (data / "executor", data / "aligner") and train.kind == "both"
    assert (train.stop_at_accuracy, train.max_steps, train.eval_every) == (1.0, 4, 2)
    assert f"the library: {out}" in printed

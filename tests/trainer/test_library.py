"""`caef library`: every decision compiled, operators entered by their text (the text machines
come along as callees), one model trained on them."""
import json
import shlex

from caef.cli import build_parser, main
from caef_dsl.options import from_args
from trainer.train_settings import TrainSettings


def test_the_library_compiles_the_operators_from_their_text_and_trains_one_model(tmp_path, capsys):
    out, data = tmp_path / "library", tmp_path / "data"
    code = main(["library", "add", "--model", "nano", "--digits", "1-2", "--per-class", "2",
                 "--max-steps", "4", "--eval-every", "2", "--workers", "1",
                 "--out", str(out), "--data", str(data)])
    assert code in (0, 1)  # 1: four steps do not reach every held-out decision
    run = json.loads((out / "caef_run.json").read_text())
    assert run["task"] == "executor" and not run["aligners"] and run["mode"] == "head"
    # ADD's problems ran from `a+b=` through ALIGN_LONG: the model learns to align too.
    assert {"ADD", "ALIGN", "ALIGN_LONG", "LEFT_OPERAND", "RIGHT_OPERAND", "DECIMAL"} <= set(run["machines"])
    printed = capsys.readouterr().out
    lines = [line[2:] for line in printed.splitlines() if line.startswith("$ caef ")]
    assert [shlex.split(line)[1] for line in lines] == ["compile", "train"]
    assert "--from-text" in shlex.split(lines[0])
    train = from_args(TrainSettings, build_parser().parse_args(shlex.split(lines[1])[1:]))
    assert train.data == (data,) and train.lr == 1e-3
    assert (train.stop_at_accuracy, train.max_steps, train.eval_every) == (1.0, 4, 2)
    assert f"the library: {out}" in printed

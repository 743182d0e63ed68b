"""`caef solve`, `caef eval` and `caef crosscheck` end to end, with a nano model trained in the
test run and a broken (one-step) model that only makes format errors."""
import json

from caef.cli import main

# The longest head-mode ADD command is 30 tokens: a broken model's garbage stops soon after.
# These runs execute ADD only (no text machine): the rule aligner turns the text into its
# first step.
FAST = ["--max-new-tokens", "40", "--rule-aligner"]


def test_a_run_that_cannot_align_says_so_in_one_line(head_run_300_steps, capsys):
    assert main(["solve", "12+34=", "--model", str(head_run_300_steps), "--max-new-tokens", "40"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (  # after the weights' progress bar
        "caef solve: error: the model cannot align 12+34=: its run executes no text machine (ALIGN_LONG) and "
        "has no trained aligner for ADD; train with caef library, or add --rule-aligner to align by the rules")


def test_solve_prints_the_steps_and_the_result(head_run_300_steps, capsys):
    code = main(["solve", "12+34=", "--model", str(head_run_300_steps), "--check", *FAST])
    out = capsys.readouterr().out
    assert "12+34= (head mode)" in out and "model steps" in out
    assert code == (0 if "agrees with the interpreter" in out else 1)
    assert code == 0 or "first diverging step" in out


def test_a_broken_model_gives_a_format_error_not_an_exception(broken_run, capsys):
    assert main(["solve", "45+67=", "--model", str(broken_run), *FAST]) == 1
    out = capsys.readouterr().out
    assert "no result: format error" in out


def test_a_trained_aligner_run_is_used_unless_the_rule_aligner_is_asked_for(head_run_300_steps, broken_aligner_run, capsys):
    models = ["--model", str(head_run_300_steps), str(broken_aligner_run)]
    assert main(["solve", "45+67=", *models, "--check", "--max-new-tokens", "40"]) == 1
    out = capsys.readouterr().out
    assert "0 model steps" in out and "first diverging step: ADD aligner" in out
    main(["solve", "45+67=", *models, *FAST])
    assert "0 model steps" not in capsys.readouterr().out


def test_eval_reports_by_class_with_plots(head_run_300_steps, broken_run, tmp_path, capsys):
    reports = {}
    for name, run in [("trained", head_run_300_steps), ("broken", broken_run)]:
        out = tmp_path / name
        argv = ["eval", "--model", str(run), "--machine", "add", "--lengths", "1-2", "--n", "4", "--out", str(out)]
        assert main(argv + FAST) == 0
        reports[name] = json.loads((out / "report.json").read_text())
        assert (out / "heatmap.png").stat().st_size > 0
        assert (out / "by_length.png").stat().st_size > 0
        # not a terminal (a log): a line per class as it is done, in place of the bar
        assert "evaluated ADD 2x2: 4 problems, end to end" in capsys.readouterr().err
    trained, broken = reports["trained"], reports["broken"]
    assert trained["n"] == 8 and trained["mode"] == "head"
    assert [(c["len_a"], c["len_b"], c["n"]) for c in trained["by_class"]] == [(1, 1, 4), (2, 2, 4)]
    assert 0 <= trained["end_to_end_accuracy"] <= 1 and trained["tokens_written_per_problem"] > 0
    assert trained["step_accuracy"] > broken["step_accuracy"]
    assert broken["end_to_end_accuracy"] == 0 and broken["format_errors"] == 8
    failure = broken["by_class"][0]["failures"][0]
    assert failure["divergence"]["where"] == "ADD step 0" and failure["error"]


def test_crosscheck_shrinks_a_broken_model_to_the_smallest_operands(broken_run, tmp_path, capsys):
    failures = tmp_path / "failures.jsonl"
    argv = ["crosscheck", "--model", str(broken_run), "--machine", "add", "--examples", "5", "--max-digits", "3",
            "--failures", str(failures)]
    assert main(argv + FAST) == 1
    out = capsys.readouterr().out
    assert "minimal counterexample 0+0=" in out and "first diverging step: ADD step 0" in out
    first = json.loads(failures.read_text().splitlines()[0])
    assert (first["machine"], first["a"], first["b"], first["expression"]) == ("ADD", "0", "0", "0+0=")
    assert first["diverging_step"]["step"] == 0
    # what `caef compile --include-failures` oversamples
    again = ["compile", "add", "--mode", "head", "--digits", "1", "--per-class", "3",
             "--include-failures", str(failures), "--out", str(tmp_path / "again")]
    assert main(again) == 0


def test_crosscheck_of_a_trained_model(head_run_300_steps, tmp_path, capsys):
    failures = tmp_path / "failures.jsonl"
    argv = ["crosscheck", "--model", str(head_run_300_steps), "--machine", "add", "--examples", "5", "--max-digits", "2",
            "--failures", str(failures)]
    code = main(argv + FAST)
    out = capsys.readouterr().out
    assert code == (1 if failures.exists() else 0)
    assert ("agrees with the interpreter on all" in out) == (code == 0)


def test_a_one_shot_aligner_opens_alone_only_when_asked(broken_aligner_run, machines):
    """benchmarks/one_shot_aligner.py measures an aligner run without an executor."""
    import pytest

    from trainer.language_models import ModelError, open_models
    with pytest.raises(ModelError, match="no executor among the models"):
        open_models([broken_aligner_run], machines)
    models = open_models([broken_aligner_run], machines, aligners_alone=True, max_new_tokens=8)
    [reply] = models.generate("ADD", ["45+67="], aligner=True)
    assert isinstance(reply.text, str) and models.has_aligner("ADD") and not models.covers("ADD")

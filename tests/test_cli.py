"""The language commands end to end: trace (table, JSON, batch), graph, check."""
import json
from pathlib import Path

import pytest

from caef.cli import main
from support import golden_records


def test_trace_json_matches_golden(capsys):
    record = golden_records("add")[10]
    assert main(["trace", "add", record["a_str"], record["b_str"], "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["steps"] == record["steps"] and out["result"] == record["result"]


def test_trace_accepts_a_path_and_a_declared_name(capsys):
    assert main(["trace", "machines/less_than.tm", "12", "13", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "True"
    assert main(["trace", "GREATER_THAN", "12", "13", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "False"
    assert main(["trace", "examples/digit_sum.tm", "987", "--json"]) == 0  # a machine not in machines/
    assert json.loads(capsys.readouterr().out)["result"] == str(987 % 9)


def test_trace_table_shows_steps_and_result(capsys):
    assert main(["trace", "mul", "12", "3"]) == 0
    out = capsys.readouterr().out
    assert "MUL(12, 3) = 36" in out and "LESS_THAN → True" in out and "CMD [CALL] ADD" in out


def test_trace_batch(tmp_path, capsys):
    batch = tmp_path / "ops.jsonl"
    big = "9" * 80
    batch.write_text(json.dumps({"a": "45", "b": 67}) + "\n\n" + json.dumps({"a": big, "b": "1"}) + "\n")
    assert main(["trace", "add", "--batch", str(batch), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["result"] for line in lines] == ["112", "1" + "0" * 80]


def test_trace_batch_reports_every_bad_line_and_traces_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("ops.jsonl").write_text('{"a": 1, "b": 2}\nnot json\n\n[1, 2]\n{"a": 4}\n{"a": "1x", "b": 2}\n'
                                 '{"a": -5, "b": 2}\n{"a": 3, "b": 4}\n')
    assert main(["trace", "add", "--batch", "ops.jsonl", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("caef trace: error: 5 bad line(s) in ops.jsonl, nothing traced:\n"
                   "ops.jsonl:2: not JSON (Expecting value)\n"
                   "ops.jsonl:4: expected an object with 'a' (and 'b'), like {\"a\": 45, \"b\": 67}\n"
                   "ops.jsonl:5: ADD takes 2 operand(s) (a, b), got 1\n"
                   "ops.jsonl:6: operand '1x' is not a non-negative integer\n"
                   "ops.jsonl:7: operand -5 is negative; machines take non-negative integers\n")


def test_trace_batch_checks_the_machines_require(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("ops.jsonl").write_text('{"a": 5, "b": 3}\n{"a": 3, "b": 5}\n')
    assert main(["trace", "sub", "--batch", "ops.jsonl", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.endswith("\nops.jsonl:2: SUB: SUB computes a - b for a >= b only\n")
    assert main(["trace", "sub", "5", "--batch", "ops.jsonl", "--json"]) == 2
    assert capsys.readouterr().err == ("caef trace: error: --batch reads the operands from its file: "
                                       "give none after MACHINE\n")


@pytest.mark.parametrize("operands, got", [(["1", "2", "3"], 3), (["1"], 1)])
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_trace_gives_the_arity_for_a_wrong_operand_count(operands, got, json_flag, capsys):
    assert main(["trace", "add", *operands, *json_flag]) == 2
    assert capsys.readouterr().err == f"caef trace: error: ADD takes 2 operand(s) (a, b), got {got}\n"
    assert main(["trace", "left_mask", "1", "2"]) == 2
    assert capsys.readouterr().err == "caef trace: error: LEFT_MASK takes 1 operand(s) (a), got 2\n"


@pytest.mark.parametrize("machine, step_format", [("add", "state_cmd"), ("sub", "io_block")])
def test_trace_json_is_one_documented_shape(machine, step_format, capsys):
    """Every key always, in the documented order; step_format and n_steps as the golden records
    have them, for basic and composite machines alike (their steps: test_golden.py)."""
    record = golden_records(machine)[10]
    assert main(["trace", machine, record["a_str"], record["b_str"], "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["machine", "operands", "steps", "result", "step_format", "n_steps",
                         "total_steps", "calls"]
    assert out["step_format"] == record["step_format"] == step_format
    assert out["n_steps"] == record["n_steps"] == len(out["steps"])


def test_graph_dot_and_mermaid(capsys):
    assert main(["graph", "mul"]) == 0
    dot = capsys.readouterr().out
    assert dot.startswith('digraph "MUL"') and '"q1" -> "qH"' in dot and '"q2" -> "call:ADD"' in dot
    assert dot.count('"call:ADD" [shape=box') == 1
    assert main(["graph", "add", "--mermaid"]) == 0
    mermaid = capsys.readouterr().out
    assert mermaid.startswith("flowchart LR") and "q1 -->" in mermaid


def test_check_clean_machines_dir(capsys):
    from caef_dsl.machine_set import MACHINES_DIR
    files = sorted(str(p) for p in MACHINES_DIR.glob("*.tm"))
    assert main(["check", *files]) == 0
    assert f"ok: {len(files)} file(s) checked" in capsys.readouterr().out


@pytest.mark.parametrize("value, message", [
    ("1-10", "takes SHORT:LONG operand lengths, e.g. 1-10:100, not '1-10'"),
    ("10:1", "every LONG length must be longer than every SHORT one, e.g. 1-10:100; 1 is not longer than 10"),
    ("1-10:5-100", "every LONG length must be longer than every SHORT one, e.g. 1-10:100; "
                   "5-100 is not longer than 1-10"),
    ("x:100", "not lengths like 1-10,20: 'x'; SHORT:LONG takes e.g. 1-10:100"),
])
def test_check_decisions_argument_is_refused_before_anything_runs(value, message, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["check", "machines/add.tm", "--decisions", value])
    assert exit.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"caef check: error: argument --decisions: {message} (see caef check --help)\n"


def test_the_help_opens_with_what_caef_is_and_every_command_says_what_it_does(capsys):
    """`caef --help` opens with the tool's description (never an internal docstring), and
    each command's --help with its own one-line description."""
    import pytest as _pytest

    from caef.cli import COMMANDS, main
    with _pytest.raises(SystemExit):
        main(["--help"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("Arithmetic operators as Turing machines: write them as .tm files")
    for command, *_ in COMMANDS:
        with _pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        description = text.split("\n\n")[1].strip()
        assert description and not description.startswith(("positional", "options", "usage")), command

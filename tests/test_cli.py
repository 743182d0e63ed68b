"""The language commands end to end: trace (table, JSON, batch), graph, check."""
import json

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


def test_trace_batch_reports_bad_lines(tmp_path, capsys):
    batch = tmp_path / "ops.jsonl"
    batch.write_text('{"a": 1, "b": 2}\nnot json\n')
    assert main(["trace", "add", "--batch", str(batch), "--json"]) == 2
    assert "ops.jsonl:2: not JSON" in capsys.readouterr().err


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

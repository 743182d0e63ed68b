"""A folder of .tm files is a library (caef_dsl/machine_set.py): a machine's calls resolve in its
own file, the .tm files beside it, the folders of `--machines`, then machines/ — alike in every
command — and a user's machine never silently takes a name of machines/."""
import json
import shutil
from pathlib import Path

import pytest

from caef.cli import main
from caef_dsl import api

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "folder"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A user's folder with count7.tm (basic) and c7sum.tm (calls COUNT7 and ADD), as the cwd."""
    for name in ("count7.tm", "c7sum.tm"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    api._cached_machine_set.cache_clear()
    return tmp_path


def test_every_command_takes_the_composite_alone(folder, capsys):
    assert main(["check", "c7sum.tm"]) == 0
    assert capsys.readouterr().out.startswith("ok: 1 file(s) checked\nhead view: finite for 1 of 1")
    assert main(["trace", "c7sum.tm", "77", "717", "--json"]) == 0
    traced = json.loads(capsys.readouterr().out)
    assert (traced["machine"], traced["result"], traced["calls"]) == ("C7SUM", "4", 3)
    assert main(["graph", "c7sum.tm"]) == 0
    assert '"call:COUNT7" [shape=box, label="COUNT7"];' in capsys.readouterr().out
    assert main(["cost", "c7sum.tm", "--digits", "1-2", "--samples", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["machine"] == "C7SUM"
    assert main(["compile", "c7sum.tm", "--with-callees", "--digits", "1-2", "--per-class", "3",
                 "--out", str(folder / "data")]) == 0
    records = [json.loads(line) for line in (folder / "data" / "train.jsonl").read_text().splitlines()]
    assert {r["machine"] for r in records} >= {"C7SUM", "COUNT7", "ADD"}
    assert main(["check", "--decisions", "1-2:3", "c7sum.tm"]) in (0, 1)
    assert "C7SUM: " in capsys.readouterr().out


def test_the_demo_learns_the_composite_of_a_folder(folder, capsys):
    from trainer import demo
    assert demo.per_class("c7sum.tm", "1-2", 8) == 2  # its 4 classes of a and b lengths
    assert demo.main(["--machine", "c7sum.tm", "--model", "nano", "--problems", "8", "--digits", "1-2",
                      "--max-steps", "3", "--lengths", "1,3", "--n", "2", "--crosscheck-examples", "2",
                      "--out", str(folder / "demo")]) == 0
    assert json.loads((folder / "demo" / "eval" / "report.json").read_text())["machine"] == "C7SUM"


def test_a_broken_file_beside_stops_only_the_machines_that_need_it(folder, capsys):
    (folder / "broken.tm").write_text("machine BROKEN(a\n")
    assert main(["trace", "c7sum.tm", "7", "7", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "2"
    (folder / "count7.tm").rename(folder / "elsewhere.txt")
    api._cached_machine_set.cache_clear()
    assert main(["check", "c7sum.tm"]) == 2
    err = capsys.readouterr().err
    assert "c7sum.tm:10:7: error: unknown machine COUNT7" in err and "broken.tm:1:" in err


def test_machines_dir_adds_a_folder_ahead_of_machines(folder, capsys):
    (folder / "lib").mkdir()
    (folder / "count7.tm").rename(folder / "lib" / "count7.tm")
    assert main(["trace", "c7sum.tm", "77", "717", "--json"]) == 2
    assert "c7sum.tm:10:7: error: unknown machine COUNT7" in capsys.readouterr().err
    assert main(["trace", "--machines", "lib", "c7sum.tm", "77", "717", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "4"
    assert main(["check", "--machines", "lib", "c7sum.tm"]) == 0
    assert main(["trace", "--machines", "nowhere", "c7sum.tm", "1", "2"]) == 2
    assert capsys.readouterr().err == "caef trace: error: --machines nowhere: no such folder\n"


def test_a_folder_among_the_specs_is_a_library_too(folder):
    (folder / "lib").mkdir()
    (folder / "count7.tm").rename(folder / "lib" / "count7.tm")
    from caef_dsl.machine_set import load
    assert "COUNT7" in load("c7sum.tm", "lib").machines


def test_a_machine_that_takes_a_library_name_is_one_error_at_its_line(folder, capsys):
    (folder / "my_add.tm").write_text("machine ADD(a)\n  register N\n  result N\n  start q0\n  halt qH\n"
                                      "  q0: N := 1; finish N; -> qH\n")
    expected = ("my_add.tm:1:9: error: machine ADD is already defined in machines/add.tm; give yours another name\n"
                "    machine ADD(a)\n"
                "            ^\n")
    assert main(["check", "my_add.tm"]) == 2
    assert capsys.readouterr().err == expected + "1 problem(s) found\n"
    assert main(["trace", "my_add.tm", "5"]) == 2
    assert capsys.readouterr().err == expected.rstrip("\n") + "\n"


def test_two_files_that_declare_one_name_is_one_error(folder, capsys):
    (folder / "again.tm").write_text((folder / "count7.tm").read_text())
    assert main(["check", "count7.tm", "again.tm"]) == 2
    assert capsys.readouterr().err.startswith(
        "again.tm:3:9: error: machine COUNT7 is already defined in count7.tm; give yours another name\n")
    # Beside a composite that calls it, both files are where COUNT7 may come from.
    assert main(["check", "c7sum.tm"]) == 2
    assert capsys.readouterr().err.startswith(
        "count7.tm:3:9: error: machine COUNT7 is already defined in again.tm; give yours another name\n")


def test_the_files_language_md_shows_are_those_of_examples_folder():
    doc = (EXAMPLES.parent.parent / "docs" / "language.md").read_text()
    for name in ("count7.tm", "c7sum.tm"):
        assert f"```tm {name}\n{(EXAMPLES / name).read_text()}```" in doc

"""`caef compile`: determinism (workers, shards), the split by operand pair, every record
re-derived through the interpreter, the manifest and card, and bad input (one line, exit 2,
nothing half-written, Ctrl-C included)."""
import glob
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dataclasses import fields

from caef_dsl.align import OPERATORS, Expression, first_step, result_text
from caef.cli import main
from caef_dsl.compiler.dataset import DatasetRecord, Manifest
from caef_dsl.tokens import TOKEN
from caef_dsl.describe import describe
from caef_dsl.interpreter import run
from caef_dsl.render import renderer
from caef_dsl.views import executor_examples

REPO = Path(__file__).resolve().parent.parent


def compile_(out, *args):
    """Run `caef compile` in-process; the folder's files by name (bytes)."""
    assert main(["compile", *args, "--out", str(out)]) == 0
    return {p.name: p.read_bytes() for p in sorted(Path(out).iterdir())}


def records(folder, name):
    path = Path(folder) / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def all_records(folder):
    manifest = json.loads((Path(folder) / "manifest.json").read_text())
    return [r for name in manifest["files"] for r in records(folder, name)]


SMALL = ["--digits", "1-3", "--per-class", "12"]


# ---- determinism -------------------------------------------------------------------------

def test_same_arguments_same_bytes_with_any_workers(tmp_path):
    args = ["add", "sub", *SMALL, "--mode", "tape", "--with-callees"]
    one = compile_(tmp_path / "one", *args)
    again = compile_(tmp_path / "again", *args)
    two = compile_(tmp_path / "two", *args, "--workers", "2")
    assert one == again == two
    assert {"train.jsonl", "test.jsonl", "aligner_train.jsonl", "aligner_test.jsonl",
            "manifest.json", "README.md"} <= set(one)


def test_distinct_keeps_the_first_of_each_record_with_any_workers(tmp_path):
    """--distinct: the head view's table of decisions. Each (prompt, completion) once per file,
    the first met in stream order, for 1 or 2 workers; nothing of the full compile is lost."""
    args = ["mul", "sub", "--digits", "1-3", "--per-class", "20", "--whole-small-classes", "--mode", "head",
            "--with-callees"]
    full = tmp_path / "full"
    compile_(full, *args)
    one = compile_(tmp_path / "one", *args, "--distinct")
    assert one == compile_(tmp_path / "two", *args, "--distinct", "--workers", "2")
    for name in ("train.jsonl", "test.jsonl", "aligner_train.jsonl"):
        pairs = lambda folder: [(r["prompt"], r["completion"]) for r in records(folder, name)]
        kept = pairs(tmp_path / "one")
        assert len(kept) == len(set(kept)) and kept == list(dict.fromkeys(pairs(full)))
    manifest = json.loads(one["manifest.json"])
    assert manifest["arguments"]["distinct"] and "--distinct" in manifest["command"]
    counted = sum(n for groups in manifest["classes"].values() for g in groups.values() for n in g["records"].values())
    assert counted == sum(f["records"] for f in manifest["files"].values())


def test_shards_concatenated_are_the_whole(tmp_path):
    args = ["add", "left_mask", "--digits", "1-3", "--per-class", "10", "--include-failures", str(_failures(tmp_path, [("add", 7, 5)]))]
    whole = compile_(tmp_path / "whole", *args)
    shards = [compile_(tmp_path / f"s{i}", *args, "--shard", f"{i}/3") for i in range(3)]
    for name in whole:
        if name.endswith(".jsonl"):
            assert b"".join(s.get(name, b"") for s in shards) == whole[name], name
    assert all(len(s) > 2 for s in shards)  # every shard holds data


def test_other_seed_other_data(tmp_path):
    one = compile_(tmp_path / "one", "add", *SMALL)
    two = compile_(tmp_path / "two", "add", *SMALL, "--seed", "1")
    assert one["train.jsonl"] != two["train.jsonl"]


# ---- the split ---------------------------------------------------------------------------

def pairs(folder, name):
    return {(r["machine"], r["a"], r["b"]) for r in records(folder, name)}


def test_no_test_pair_in_train(tmp_path):
    out = tmp_path / "d"
    compile_(out, "add", "sub", "div", *SMALL, "--test-ratio", "0.25")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["test_train_overlap"] == 0
    train, test = pairs(out, "train.jsonl"), pairs(out, "test.jsonl")
    assert test and train and not train & test
    assert pairs(out, "aligner_test.jsonl") == test and pairs(out, "aligner_train.jsonl") == train
    # per class a quarter of the pairs, and never a step of a problem on both sides
    for groups in manifest["classes"].values():
        for counts in groups.values():
            assert counts["problems"]["test"] == (counts["problems"]["test"] + counts["problems"]["train"]) // 4


def test_split_flag_writes_one_side_of_the_same_split(tmp_path):
    both = compile_(tmp_path / "both", "equal", *SMALL)
    train = compile_(tmp_path / "train", "equal", *SMALL, "--split", "train")
    test = compile_(tmp_path / "test", "equal", *SMALL, "--split", "test")
    assert train["train.jsonl"] == both["train.jsonl"] and "test.jsonl" not in train
    assert test["test.jsonl"] == both["test.jsonl"] and "train.jsonl" not in test


def _failures(tmp_path, items):
    path = tmp_path / "failures.jsonl"
    path.write_text("".join(json.dumps({"machine": m, "a": a, "b": b}) + "\n" for m, a, b in items))
    return path


def test_failures_go_to_train_only_oversampled(tmp_path):
    first = tmp_path / "first"
    compile_(first, "add", *SMALL)
    stolen = next(r for r in records(first, "test.jsonl"))  # a test pair that crosscheck "failed"
    failures = _failures(tmp_path, [("ADD", stolen["a"], stolen["b"]), ("add", "123", "4567"),
                                    ("sub", 1, 2)])  # a machine not compiled now: ignored
    out = tmp_path / "d"
    compile_(out, "add", *SMALL, "--include-failures", str(failures), "--oversample", "3")
    train = records(out, "train.jsonl")
    assert ("ADD", stolen["a"], stolen["b"]) not in pairs(out, "test.jsonl")
    starts = [(r["a"], r["b"]) for r in train if r["step"] == 0]
    assert starts.count((stolen["a"], stolen["b"])) == 3 and starts.count(("123", "4567")) == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["test_train_overlap"] == 0
    assert manifest["classes"]["ADD"]["failures"]["problems"] == {"train": 6}


# ---- every record re-derived -------------------------------------------------------------

def replay(machines, record, mode, stage):
    """The record recomputed from its machine and operands alone."""
    name = machines.resolve(record["machine"])
    exe = machines.executable(name)
    operands = [record["a"]] + ([record["b"]] if record["b"] is not None else [])
    trace = run(machines.executables, name, operands)
    task = mode if record["kind"] == "executor" else "aligner"
    intro = describe(exe.ast, task) if stage == "prompt" else ""
    if record["kind"] == "executor":
        example = list(executor_examples(trace, mode))[record["step"]]
        return intro + example.prompt, example.completion
    expression = Expression(record["a"], OPERATORS[name.lower()], record["b"])
    if record["step"] == 0:
        return intro + expression.text, first_step(exe, operands)
    assert record["step"] == len(trace.steps) - 1
    halting = renderer(exe).state_line(trace.final)
    return intro + halting, result_text(expression, halting, exe)


@pytest.mark.parametrize("machine, mode, stage, extra", [
    ("add", "full", "plain", []),
    ("add", "head", "prompt", []),
    ("sub", "tape", "plain", ["--with-callees"]),
    ("mul", "full", "prompt", ["--with-callees"]),
    ("div", "head", "plain", []),
    ("left_mask", "full", "plain", []),
    ("greater_than", "tape", "prompt", []),
])
def test_every_record_replays_through_the_interpreter(tmp_path, machines, machine, mode, stage, extra):
    out = tmp_path / "d"
    compile_(out, machine, "--digits", "1-2", "--per-class", "6", "--mode", mode, "--stage", stage, *extra)
    found = all_records(out)
    assert found
    for record in found:
        assert replay(machines, record, mode, stage) == (record["prompt"], record["completion"]), record
        assert record["mode"] == mode and record["stage"] == stage
    names = {r["machine"] for r in found}
    assert (len(names) > 1) == bool(extra)  # callees' records are tagged with their own name


def test_aligner_results_are_the_arithmetic(tmp_path):
    out = tmp_path / "d"
    compile_(out, "add", "sub", "mul", "div", "less_than", *SMALL)
    python = {"+": int.__add__, "-": int.__sub__, "*": int.__mul__, "//": int.__floordiv__,
              "<": lambda a, b: a < b}
    checked = 0
    for record in records(out, "aligner_train.jsonl"):
        if record["step"]:
            expression, result = record["completion"].split("=")
            op = OPERATORS[record["machine"].lower()]
            assert expression == f"{record['a']}{op}{record['b']}"
            assert result == str(python[op](int(record["a"]), int(record["b"])))
            checked += 1
    assert checked > 100


def test_no_aligner_data_without_an_operator(tmp_path):
    files = compile_(tmp_path / "d", "left_mask", "reflection", "--digits", "2-3", "--per-class", "12")
    assert not [n for n in files if n.startswith("aligner")]


# ---- records, manifest, card -------------------------------------------------------------

def test_records_are_json_dumps_with_stable_keys(tmp_path):
    out = tmp_path / "d"
    compile_(out, "left_mask", "add", "--digits", "2-3", "--per-class", "12", "--stage", "prompt")
    for name in ("train.jsonl", "aligner_test.jsonl"):
        for line in (out / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert tuple(record) == tuple(f.name for f in fields(DatasetRecord))  # every field, in order
            assert json.dumps(record, ensure_ascii=False) == line
            assert DatasetRecord.from_line(line) == DatasetRecord(**record)
            assert record["len_a"] == len(record["a"])
            assert record["len_b"] == (None if record["b"] is None else len(record["b"]))
            assert record["split"] in name


def test_manifest_describes_the_folder(tmp_path):
    out = tmp_path / "d"
    files = compile_(out, "add", "left_mask", "--digits", "1-2", "--mode", "head", "--stage", "prompt")
    manifest = json.loads(files["manifest.json"])
    assert Manifest.from_json(manifest).to_json() == files["manifest.json"].decode()  # the type is the format
    listed = manifest["files"]
    assert sorted(listed) == sorted(n for n in files if n.endswith(".jsonl"))
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest()
        assert entry["records"] == files[name].count(b"\n")
        assert entry["split"] in ("train", "test") and entry["kind"] in ("executor", "aligner")
    found = all_records(out)
    assert set(manifest["alphabet"]) == {t for r in found for text in (r["prompt"], r["completion"]) for t in TOKEN.findall(text)}
    assert manifest["machines"] == ["ADD", "LEFT_MASK"]
    assert manifest["mode"] == "head" and manifest["stage"] == "prompt" and manifest["version"]
    source = (REPO / "machines" / "add.tm").read_bytes()
    assert manifest["sources"]["machines/add.tm"] == hashlib.sha256(source).hexdigest()
    assert manifest["command"].startswith("caef compile add left_mask --digits-a 1-2")
    total = sum(sum(c["problems"].values()) for g in manifest["classes"].values() for c in g.values())
    assert total == 4 * 100 + 10 + 90  # by default a class smaller than 100 is taken whole
    assert "caef compile add left_mask" in files["README.md"].decode()
    # the manifest's command makes the same data
    again = tmp_path / "again"
    argv = manifest["command"].split()[1:] + ["--out", str(again)]
    assert main(argv) == 0 and (again / "train.jsonl").read_bytes() == files["train.jsonl"]


def test_class_sizes_and_skipped_classes(tmp_path):
    files = compile_(tmp_path / "d", "sub", "--digits", "1-3", "--per-class", "20", "--test-ratio", "0")
    manifest = json.loads(files["manifest.json"])
    assert manifest["skipped_classes"] == {"SUB": ["1x2", "1x3", "2x3"]}  # a >= b
    assert {g: c["problems"] for g, c in manifest["classes"]["SUB"].items()}["2x1"] == {"train": 20}
    assert "test.jsonl" not in files


def test_default_out_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "equal", "--digits", "1", "--mode", "tape"]) == 0
    assert (tmp_path / "compiled" / "equal-tape-plain" / "manifest.json").is_file()


# ---- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["nosuch"], "no machine 'nosuch'"),
    (["add", "--digits", "5-3"], "--digits 5-3 is empty"),
    (["add", "--digits", "0-2"], "at least 1 digit"),
    (["add", "--digits", "x"], "--digits takes"),
    (["add", "--digits", "1", "--per-class", "101"], "ADD class 1x1 holds only 100 distinct operand pair(s)"),
    (["sub", "--digits", "1", "--per-class", "56"], "holds only 55"),
    (["left_mask", "--digits", "1-2", "--per-class", "20"], "LEFT_MASK class 1 holds only 10 distinct operand(s)"),
    (["sub", "--digits-a", "1", "--digits-b", "2"], "needs a >= b"),
    (["add", "--per-class", "0"], "--per-class must be at least 1"),
    (["add", "--test-ratio", "1"], "--test-ratio must be at least 0 and below 1"),
    (["add", "--edge-share", "2"], "--edge-share"),
    (["add", "--shard", "3/3"], "--shard takes I/N"),
    (["add", "--workers", "0"], "--workers must be at least 1"),
    (["add", "--include-failures", "nosuch.jsonl"], "no such file"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert main(["compile", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("caef compile: error: ") and message in err, err
    assert list(tmp_path.iterdir()) == []


def test_bad_failures_file(tmp_path, capsys):
    failures = _failures(tmp_path, [("sub", 1, 2)])
    assert main(["compile", "sub", "--include-failures", str(failures), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{failures}:1:" in err and "a >= b" in err and not (tmp_path / "o").exists()


def test_existing_folder_needs_force(tmp_path, capsys):
    out = tmp_path / "d"
    out.mkdir()
    (out / "keep").write_text("mine")
    assert main(["compile", "equal", "--digits", "1", "--out", str(out)]) == 2
    assert "exists: add --force" in capsys.readouterr().err and (out / "keep").exists()
    assert main(["compile", "equal", "--digits", "1", "--out", str(out), "--force"]) == 0
    assert not (out / "keep").exists() and (out / "manifest.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["d"]  # no temp folder left beside it


def test_an_error_mid_run_leaves_nothing(tmp_path, capsys):
    tm = tmp_path / "partial.tm"  # no rule fires once a has 3 digits: the classes 3xN fail
    tm.write_text("machine PARTIAL(a, b)\n  register OUTPUT\n  result OUTPUT\n  start q0\n  halt qH\n"
                  "  q0 if a < 100: OUTPUT := b; -> qH\n")
    out = tmp_path / "out"
    assert main(["compile", str(tm), "--digits", "1-3", "--out", str(out)]) == 2
    assert "caef compile: error: PARTIAL: no rule fires in state q0" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["partial.tm"]


def test_ctrl_c_leaves_no_folder_and_no_partial_files(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "caef.cli", "compile", "add", "--digits", "2-20",
               "--per-class", "200", "--workers", "2", "--out", str(out)]
    # A background job (`pytest … &`) starts with SIGINT ignored, and so would the compile: give
    # it the default, as a terminal's Ctrl-C finds it.
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO)},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not glob.glob(str(tmp_path / ".out.*.partial" / "train.jsonl")):  # mid-run: writing
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_memory_stays_flat(tmp_path):
    """Peak RSS of a 10x bigger compile (90,250 problems, 1.6M records) stays within a few MB
    of the small one: records stream to disk."""
    def peak(per_class):
        code = ("import resource, sys; from caef.cli import main; "
                f"assert main(['compile', 'add', '--digits', '2-20', '--per-class', '{per_class}', "
                f"'--mode', 'tape', '--out', r'{tmp_path / str(per_class)}']) == 0; "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
        return int(done.stdout.split()[-1])
    small, big = peak(25), peak(250)
    assert big < small + 20_000, (small, big)  # KiB

"""The docs' examples run as shown: every `$ caef …` transcript in README.md and docs/*.md is
run in a shell and its output compared with the text below it, and every machine a doc shows
is the one in machines/, line for line.

Transcript conventions: a line `...` (or `…`) stands for any number of lines, a `…` inside a
line for any text; trailing spaces and blank lines around the output do not count; tables
are as a 100-column terminal prints them. A block opened as ```` ```tm NAME ```` is a file
the transcripts of that doc can use; one named as a file of examples/ must be that file."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from caef_dsl import machine_set

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```(\w*)[ \t]*([\w.]*)\n(.*?)^```", re.S | re.M)
# Transcripts the tests cannot run, and why.
NOT_RUN = {
    "caef check times_digit.tm": "the file is described (MUL_DIGIT without one condition), not shown",
}


def blocks(doc: Path):
    """(line, info, file name, body) of every fenced block of a doc."""
    text = doc.read_text()
    for m in BLOCK.finditer(text):
        yield text[:m.start()].count("\n") + 1, m.group(1), m.group(2), m.group(3)


def transcripts():
    for doc in DOCS:
        files = {name: body for _, _, name, body in blocks(doc) if name}
        for line, _, _, body in blocks(doc):
            for part in re.split(r"^\$ ", body, flags=re.M)[1:]:
                command, _, expected = part.partition("\n")
                if command.startswith(("caef ", ".venv/bin/caef ")) and "--model" not in command:
                    yield pytest.param(command, expected, files, id=f"{doc.name}:{line}:{command[:40]}")


def shown_as(expected: str) -> re.Pattern:
    """The outputs a transcript's text stands for."""
    parts = []
    for line in expected.rstrip("\n").split("\n"):
        if line.strip() in ("...", "…"):
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(map(re.escape, line.rstrip().split("…"))) + r"\n")
    return re.compile("".join(parts), re.S)


@pytest.mark.parametrize("command, expected, files", list(transcripts()))
def test_a_transcript_prints_what_the_doc_shows(command, expected, files, tmp_path):
    if command in NOT_RUN:
        pytest.skip(NOT_RUN[command])
    (tmp_path / "machines").symlink_to(ROOT / "machines")
    for name, body in files.items():
        (tmp_path / name).write_text(body)
    env = dict(os.environ, COLUMNS="100", NO_COLOR="1", TERM="dumb",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    done = subprocess.run(command.removeprefix(".venv/bin/"), shell=True, cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    printed = "".join(line.rstrip() + "\n" for line in (done.stdout + done.stderr).strip("\n").splitlines())
    assert shown_as(expected).fullmatch(printed), f"$ {command}\n{printed}"


def shown_machines():
    for doc in DOCS:
        for line, info, name, body in blocks(doc):
            if info in ("", "tm") and re.search(r"^machine \w+\(", body, re.M) and not name:
                yield pytest.param(body, id=f"{doc.name}:{line}")


@pytest.mark.parametrize("body", list(shown_machines()))
def test_a_machine_the_docs_show_is_the_one_in_machines_dir(body):
    # Shown with `...` where lines are left out and comments of their own: each line of code is
    # in the files of machines/. (A machine of a doc's own is a named block its transcripts check.)
    names = re.findall(r"^machine (\w+)\(", body, re.M)
    held = machine_set.load().machines
    assert all(n in held for n in names), f"not in machines/: {[n for n in names if n not in held]}"
    source = {line for f in (ROOT / "machines").glob("*.tm") for line in f.read_text().splitlines()}
    missing = [line for line in body.splitlines()
               if line.strip() not in ("", "...") and not line.lstrip().startswith("#") and line not in source]
    assert not missing, f"not in the files of machines/: {missing}"


def shown_examples():
    for doc in DOCS:
        for line, _, name, body in blocks(doc):
            if name and (ROOT / "examples" / name).is_file():
                yield pytest.param(name, body, id=f"{doc.name}:{line}:{name}")


@pytest.mark.parametrize("name, body", list(shown_examples()))
def test_an_example_a_doc_shows_is_the_file_in_examples(name, body):
    assert body == (ROOT / "examples" / name).read_text()


def test_every_example_checks_with_a_finite_head_view():
    files = sorted((ROOT / "examples").glob("*.tm"))
    machines = machine_set.load(*map(str, files))
    assert files and all(machines.head_views[machines.by_file[f.stem]].finite for f in files)

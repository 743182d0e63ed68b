"""The dataset folder's format, defined once: the record of a JSON Lines file
(`DatasetRecord`), the files' names, and `manifest.json` (`Manifest`). The compiler writes
them (records through `RunLines`, the fast way); the trainer and the benchmarks read them back
into these types. docs/datasets.md describes every field.

`caef compile` fills every field. A dataset made otherwise (the trainer's test fixtures,
`trainer.data.write_dataset`, the direct baseline of benchmarks/length_ablation.py) may hold
records of a prompt and a completion only, and a manifest of its files, mode, stage, machines
and alphabet: the other fields are None when read.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..sampling import Constraint

SPLITS = ("train", "test")
KINDS = ("executor", "aligner")
MANIFEST = "manifest.json"
# (kind, split) → file name, and back
FILES = {(kind, split): f"{split}.jsonl" if kind == "executor" else f"aligner_{split}.jsonl"
         for kind in KINDS for split in SPLITS}
FILE_ROLES = {name: role for role, name in FILES.items()}


@dataclass(frozen=True)
class DatasetRecord:
    """One line of a dataset file: json.dumps of these fields, in this order, non-ASCII
    characters kept (ensure_ascii=False)."""
    prompt: str
    completion: str
    machine: str | None = None    # declared name of the machine taking the step (a callee's own)
    mode: str | None = None
    stage: str | None = None
    kind: str | None = None       # executor or aligner
    a: str | None = None          # that machine's operands, decimal; b is null with one operand
    b: str | None = None
    step: int | None = None       # index of the step in that machine's trace
    len_a: int | None = None
    len_b: int | None = None
    split: str | None = None

    @classmethod
    def from_line(cls, line: str) -> DatasetRecord:
        """A line read back; ValueError unless it is a JSON object with a string prompt and
        completion. Keys that are not fields are left out."""
        data = json.loads(line)
        if not (isinstance(data, dict) and all(isinstance(data.get(k), str) for k in ("prompt", "completion"))):
            raise ValueError("not a record with string prompt and completion")
        return _known(cls, data)


def _known(cls, data: dict):
    """A `cls` of the fields of `data` (keys that are not its fields left out: a reader of an
    older or newer folder takes what it knows)."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


_string = json.encoder.encode_basestring  # what json.dumps uses for str when ensure_ascii=False


def _members(**values) -> str:
    return json.dumps(values, ensure_ascii=False)[1:-1]


class RunLines:
    """The lines of the records of one run of a machine, exactly as json.dumps writes a
    DatasetRecord: every field but prompt, completion and step is the run's, so the members
    around "step" are encoded once per run, by json.dumps itself, not once per record."""

    def __init__(self, machine: str, mode: str, stage: str, kind: str, a: str, b: str | None, split: str):
        self.before = _members(machine=machine, mode=mode, stage=stage, kind=kind, a=a, b=b)
        self.after = _members(len_a=len(a), len_b=None if b is None else len(b), split=split)

    def line(self, prompt: str, completion: str, step: int) -> str:
        return (f'{{"prompt": {_string(prompt)}, "completion": {_string(completion)}, '
                f'{self.before}, "step": {step}, {self.after}}}\n')


@dataclass
class DatasetFile:
    """manifest.json's entry for one file. A manifest that leaves out the split or kind means
    train and executor."""
    split: str = "train"
    kind: str = "executor"
    records: int | None = None
    sha256: str | None = None


@dataclass
class ClassCounts:
    """Per machine and class (or `failures`): problems per split, records per file."""
    problems: dict[str, int]
    records: dict[str, int]


@dataclass(kw_only=True)
class Manifest:
    """manifest.json, its keys in this order (indent 2, non-ASCII kept)."""
    tool: str | None = None
    version: str | None = None
    command: str | None = None                     # the `caef compile` command that makes this data
    arguments: dict | None = None                  # its arguments (Settings.recipe)
    seed: int | None = None
    mode: str | None = None
    stage: str | None = None
    machines: list[str] = field(default_factory=list)   # machines with records, in order of first record
    sources: dict[str, str] | None = None          # .tm file → sha256, callees' included
    files: dict[str, DatasetFile]
    classes: dict[str, dict[str, ClassCounts]] | None = None
    skipped_classes: dict[str, list[str]] | None = None
    constraints: dict[str, Constraint] | None = None
    test_train_overlap: int | None = None
    alphabet: list[str] = field(default_factory=list)   # distinct tokens (caef_dsl/tokens.py)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data) -> Manifest:
        """A manifest read back; ValueError unless it is an object with a "files" table. Keys
        that are not fields are left out."""
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            raise ValueError('no "files" table')
        manifest = _known(cls, data)
        manifest.files = {name: _known(DatasetFile, entry) for name, entry in manifest.files.items()}
        if manifest.classes is not None:
            manifest.classes = {machine: {group: _known(ClassCounts, counts) for group, counts in groups.items()}
                                for machine, groups in manifest.classes.items()}
        if manifest.constraints is not None:
            manifest.constraints = {machine: _known(Constraint, c) for machine, c in manifest.constraints.items()}
        return manifest

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The manifest of a dataset folder (json.JSONDecodeError, ValueError as they come)."""
        return cls.from_json(json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8")))

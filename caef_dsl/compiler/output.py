"""The output folder and what describes it: `Output` writes the files into a temp folder
beside the target and renames it into place only when complete; `manifest` and `card` make
manifest.json (a `dataset.Manifest`) and the dataset card README.md from the counts gathered
while writing (`Tally`).
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..machine_set import MACHINES_DIR, MachineSet
from ..sampling import class_label
from .dataset import FILE_ROLES, ClassCounts, DatasetFile, Manifest
from .plan import MachinePlan
from .records import Chunk
from .settings import CompileError, Settings, command_line
from .stream import Problem

CARD = "README.md"


def default_out(s: Settings, names: list[str]) -> Path:
    """compiled/<machines>-<mode>-<stage>[-shard<i>of<n>], where no --out is given."""
    shard = f"-shard{s.shard[0]}of{s.shard[1]}" if s.shard else ""
    return Path("compiled") / f"{'+'.join(n.lower() for n in names)}-{s.mode}-{s.stage}{shard}"


class Output:
    """The dataset folder, written into a temp folder beside the target and renamed into place
    only when complete: an error or Ctrl-C leaves neither the folder nor a partial file."""

    def __init__(self, target: Path, force: bool):
        self.target, self.force = target, force
        self.files: dict[str, dict] = {}   # name → handle, hash, records, first line
        self.done = False

    def __enter__(self):
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.temp = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".partial",
                                          dir=self.target.parent))
        return self

    def write(self, chunk: Chunk) -> None:
        for name in sorted(chunk.text):
            self.write_lines(name, chunk.text[name])

    def write_lines(self, name: str, text: str) -> None:
        """Append `text`, one record per line, to the file `name` (dataset.FILES)."""
        entry = self.files.get(name)
        if entry is None:  # files are made on first record: no empty split files
            entry = self.files[name] = {"handle": open(self.temp / name, "wb"),
                                        "sha256": hashlib.sha256(), "records": 0,
                                        "first": text[:text.index("\n") + 1]}
        data = text.encode("utf-8")
        entry["handle"].write(data)
        entry["sha256"].update(data)
        entry["records"] += text.count("\n")

    def table(self) -> dict[str, DatasetFile]:
        """manifest.json's `files`: split, kind, records and sha256 per file."""
        table = {}
        for name in sorted(self.files):
            kind, split = FILE_ROLES[name]
            entry = self.files[name]
            table[name] = DatasetFile(split, kind, entry["records"], entry["sha256"].hexdigest())
        return table

    def commit(self, extra: dict[str, str]) -> None:
        """Write the `extra` files (manifest, card) and move the folder into place."""
        self._close()
        for name, text in extra.items():
            (self.temp / name).write_text(text, encoding="utf-8")
        if self.target.exists():
            if not self.force:
                raise CompileError(f"{self.target} appeared while compiling; not replaced")
            old = self.temp.with_suffix(".old")
            self.target.rename(old)
            self.temp.rename(self.target)
            shutil.rmtree(old)
        else:
            self.temp.rename(self.target)
        self.done = True

    def _close(self) -> None:
        for entry in self.files.values():
            entry["handle"].close()

    def __exit__(self, *exc):
        if not self.done:
            self._close()
            shutil.rmtree(self.temp, ignore_errors=True)


@dataclass
class Tally:
    """Counts gathered while writing: problems per class and split, records per class and file."""
    problems: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)
    machines: dict = field(default_factory=dict)
    alphabet: set = field(default_factory=set)

    def problem(self, p: Problem) -> None:
        counts = self.problems.setdefault(p.machine, {}).setdefault(p.group, {})
        counts[p.split] = counts.get(p.split, 0) + 1

    def chunk(self, chunk: Chunk) -> None:
        for (machine, group, name), n in chunk.records.items():
            counts = self.records.setdefault(machine, {}).setdefault(group, {})
            counts[name] = counts.get(name, 0) + n
        for name in chunk.machines:
            self.machines.setdefault(name)
        self.alphabet |= chunk.alphabet


def _sources(machines: MachineSet, names: list[str]) -> dict[str, str]:
    """sha256 of every .tm file the traces depend on: the machines and all they call."""
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += sorted(machines.machines[name].calls)
    files = {}
    for name in seen:
        path = Path(machines.machines[name].path).resolve()
        shown = path.relative_to(MACHINES_DIR.parent) if path.is_relative_to(MACHINES_DIR.parent) else path
        files[str(shown)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(files.items()))


def manifest(s: Settings, plans: list[MachinePlan], machines: MachineSet, output: Output,
             tally: Tally, overlap: int) -> Manifest:
    classes = {}
    for p in plans:
        groups = [class_label(la, lb) for la, lb, _ in p.classes] + (["failures"] if p.failures else [])
        seen = tally.problems.get(p.name, {})
        classes[p.name] = {g: ClassCounts(problems=dict(sorted(seen[g].items())),
                                          records=dict(sorted(tally.records.get(p.name, {}).get(g, {}).items())))
                           for g in groups if g in seen}
    return Manifest(
        tool="caef compile", version=__version__,
        command=command_line(s.recipe), arguments=s.recipe, seed=s.seed,
        mode=s.mode, stage=s.stage, machines=list(tally.machines),
        sources=_sources(machines, [p.name for p in plans]),
        files=output.table(),
        classes=classes,
        skipped_classes={p.name: p.skipped for p in plans if p.skipped},
        constraints={p.name: p.constraint for p in plans},
        test_train_overlap=overlap,
        alphabet=sorted(tally.alphabet),
    )


def card(m: Manifest, output: Output) -> str:
    """The dataset card: README.md of the folder."""
    files = m.files
    rows = "\n".join(f"| `{n}` | {f.split} | {f.kind} | {f.records:,} |" for n, f in files.items())
    problems = Counter()
    for groups in m.classes.values():
        for counts in groups.values():
            problems.update(counts.problems)
    first = "train.jsonl" if "train.jsonl" in files else next(iter(files), None)
    example = json.dumps(json.loads(output.files[first]["first"]), indent=2, ensure_ascii=False) if first else "{}"
    return f"""# {', '.join(m.arguments['machines'])}: {m.mode} view, {m.stage} stage

Training data for language models that execute the Turing machines {', '.join(m.machines)}
step by step (CAEF), compiled by caef {m.version} from the `.tm` sources listed in
`manifest.json` (with their sha256). One record per step of each problem's trace (kind
`executor`) and, for machines with an operator, two aligner records per problem (expression →
first step, halting state line → result). Test and train hold different operand pairs
(`test_train_overlap`: {m.test_train_overlap}).

Made with:

    {m.command}

Problems (operand pairs): {', '.join(f'{k} {v:,}' for k, v in sorted(problems.items())) or 'none'}.
Per class counts are in `manifest.json` (`classes`).

| file | split | kind | records |
|---|---|---|---|
{rows}

Example record:

```json
{example}
```

Load it with `datasets.load_dataset("json", data_files={{"train": "train.jsonl", "test": "test.jsonl"}})`;
the `prompt` / `completion` fields are TRL's prompt-completion format. See docs/datasets.md.
"""

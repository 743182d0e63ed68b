"""The dataset compiler's pipeline, stage by stage (`compile_datasets`):

  Settings + machines ──plan──► MachinePlan per machine: constraint, classes and their sizes
  plans ──stream──► Problem stream (machine, a, b, class, split), lazily, in a fixed order
  Problems ──chunks of CHUNK──► workers: interpreter ──views / align──► Chunk (JSON lines per
                               file, record counts, alphabet)
  Chunks, in stream order ──Output──► files of a temp folder beside the target, hashed as
                               written; then manifest.json and README.md, and one rename

The `caef compile` command (command.py) and any Python caller call `compile_datasets`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ..api import load_machines
from .dataset import MANIFEST, Manifest
from .output import CARD, Output, Tally, card, default_out, manifest
from .plan import plan
from .records import Distinct
from .settings import CompileError, Settings
from .stream import OverlapCount, Problem, problems, shard_range, wanted_count
from .workers import CHUNK, Workers, batches


@dataclass(frozen=True)
class CompiledDataset:
    """What a compile made: the folder, its manifest, and how much and how fast."""
    folder: Path
    manifest: Manifest
    records: int
    problems: int
    seconds: float  # writing the folder: running the problems, writing the files


def compile_datasets(s: Settings) -> CompiledDataset:
    """Compile the dataset `s` describes into s.out (default compiled/<machines>-<mode>-<stage>).
    Raises CompileError (or another CaefError) before anything is written where the settings
    cannot make it; on any error or Ctrl-C later, the folder is left as it was."""
    specs = _file_specs(s.machines)
    machines = load_machines(*specs)
    names = list(dict.fromkeys(machines.resolve(m) for m in s.machines))
    plans = plan(machines, names, s)
    target = s.out or default_out(s, names)
    if target.exists() and not s.force:
        raise CompileError(f"{target} exists: add --force to replace it")
    start, stop = shard_range(plans, s)

    overlap, tally = OverlapCount(plans), Tally()

    def wanted(stream: Iterator[Problem]) -> Iterator[Problem]:
        for p in stream:
            overlap.add(p)  # both splits count, even when only one is written
            if p.split in s.splits:
                tally.problem(p)
                yield p

    began = time.perf_counter()
    with Output(target, s.force) as output, Workers(s.workers, specs, s) as workers, _progress() as bar:
        task = bar.add_task("compile", total=wanted_count(plans, s, start, stop), rate="-", records=0)
        written, distinct = 0, Distinct() if s.distinct else None
        for chunk in workers.map(batches(wanted(problems(plans, s, start, stop)), CHUNK)):
            if distinct is not None:
                chunk = distinct(chunk)
            output.write(chunk)
            tally.chunk(chunk)
            written += sum(chunk.records.values())
            rate = bar.tasks[0].speed
            bar.update(task, advance=chunk.problems, records=written, rate=f"{rate or 0:,.0f}")
        if overlap.count:  # a sampling bug: refuse to leave a contaminated test split
            raise CompileError(f"{overlap.count} operand pair(s) drawn for both test and train")
        m = manifest(s, plans, machines, output, tally, overlap.count)
        output.commit({MANIFEST: m.to_json(), CARD: card(m, output)})
    solved = sum(sum(c.values()) for groups in tally.problems.values() for c in groups.values())
    return CompiledDataset(target, m, written, solved, time.perf_counter() - began)


def _file_specs(specs: Iterable[str]) -> list[str]:
    """The specs that name .tm files (the others are machines of machines/)."""
    return [s for s in specs if s.endswith(".tm") or Path(s).is_file()]


def _progress():
    """A progress bar on stderr when it is a terminal: problems done, examples/s, records."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    console = Console(stderr=True)
    return Progress(TextColumn("compiling"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]} examples/s"),
                    TextColumn("{task.fields[records]:,} records"), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console, disable=not console.is_terminal)

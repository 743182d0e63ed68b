"""The short way in: `trace("add", 45, 67)` loads, checks and runs a machine and renders it."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .budget import MAX_CALL_DEPTH, MAX_STEPS_PER_RUN
from .configuration import Trace
from .interpreter import run
from .machine_set import MachineSet, folders, load
from .render import result_token, step_pairs


@lru_cache(maxsize=16)
def _cached_machine_set(specs: tuple[str, ...], library_folders: tuple[str, ...], cwd: str) -> MachineSet:
    return load(*specs)


def load_machines(*specs: str) -> MachineSet:
    """The machines of machines/ plus the .tm files among `specs` and what their calls reach in
    the files beside them and in the folders among `specs` or of `--machines`
    (machine_set.py), checked (cached per specs and folders)."""
    return _cached_machine_set(tuple(specs), folders(), os.getcwd())  # relative paths: per folder


def machines_for(machine: str) -> MachineSet:
    """The machine set `machine` resolves in: machines/ plus its file where it names one (a .tm
    path) with the machines its calls reach, machines/ alone for a file stem or a declared name
    (`add`, `ADD`)."""
    return load_machines(*([machine] if machine.endswith(".tm") or Path(machine).is_file() else []))


@dataclass
class TraceResult:
    name: str
    trace: Trace

    @property
    def steps(self) -> list[list[str]]:
        """The paper's step pairs (the golden files' `steps`)."""
        return step_pairs(self.trace)

    @property
    def result_text(self) -> str:
        return result_token(self.trace.result)


def trace(machine: str, *operands, max_steps: int = MAX_STEPS_PER_RUN,
          max_depth: int = MAX_CALL_DEPTH, machines: MachineSet | None = None) -> TraceResult:
    """Run `machine` (file stem, declared name or path to a .tm file) on `operands`."""
    machines = machines or machines_for(machine)
    name = machines.resolve(machine)
    return TraceResult(name, run(machines.executables, name, list(operands),
                                 max_steps=max_steps, max_depth=max_depth))

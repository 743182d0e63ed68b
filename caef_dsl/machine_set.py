"""The machine set: finding, loading and checking the machines of `machines/` plus the .tm
files a user names. A machine is named by its file (`add`, `machines/add.tm`, `./my_op.tm`) or
by the name it declares (`ADD`).

A folder of .tm files is a library: the calls of a named file's machines resolve, by declared
name, in that file, then in the other .tm files beside it, then in the folders of
`--machines DIR` (or `CAEF_MACHINES`, folders separated by the path separator), then in
machines/. Only what those calls reach is loaded from the folders, so a broken file beside
yours that your machine does not call stops nothing (its syntax errors are shown where a call
finds no machine, as they may be why). A user's machine may not take a name of machines/ (it
would change every library machine that calls it), and two files of one tier may not declare
one name: each is an error at the declaration."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from . import ast
from .check import check
from .errors import CaefError, CheckError, Diagnostic, MachineNotFound, source_line
from .finite import HeadView, head_views
from .executable import Executable
from .syntax import parse_file

MACHINES_DIR = Path(__file__).resolve().parent.parent / "machines"
FOLDERS_VARIABLE = "CAEF_MACHINES"


class MachineSet:
    """Checked machines by declared name, made `Executable` on first use, with their head views."""

    def __init__(self, machines: dict[str, ast.Machine], by_file: dict[str, str]):
        self.machines = machines
        self.by_file = by_file  # file stem → first machine declared in it
        self.stems = {name: stem for stem, name in by_file.items()}  # and back
        self.head_views: dict[str, HeadView] = head_views(machines)
        self._executables: dict[str, Executable] = {}

    def resolve(self, spec: str) -> str:
        """A user's machine spec (file stem, path or declared name) → declared name."""
        path = Path(spec)
        if path.suffix == ".tm":
            stem = path.stem
            if stem in self.by_file:
                return self.by_file[stem]
        if spec in self.machines:
            return spec
        lowered = {n.lower(): n for n in self.machines}
        if spec.lower() in lowered:
            return lowered[spec.lower()]
        if spec in self.by_file:
            return self.by_file[spec]
        known = ", ".join(sorted(self.by_file))
        raise MachineNotFound(f"no machine {spec!r} (known: {known}; or give a path to a .tm file)")

    def executable(self, name: str) -> Executable:
        exe = self._executables.get(name)
        if exe is None:
            exe = self._executables[name] = Executable(self.machines[name], self.head_views[name])
        return exe

    @property
    def executables(self) -> "_Lazy":
        return _Lazy(self)


class _Lazy(dict):
    """A dict view that makes machines `Executable` as the interpreter asks for them."""

    def __init__(self, machines: MachineSet):
        super().__init__()
        self._set = machines

    def __missing__(self, name):
        exe = self[name] = self._set.executable(name)
        return exe


def folders() -> tuple[str, ...]:
    """The library folders of `--machines` / CAEF_MACHINES, in order."""
    return tuple(f for f in os.environ.get(FOLDERS_VARIABLE, "").split(os.pathsep) if f)


@contextmanager
def using_folders(extra: list[str] | tuple[str, ...] | None):
    """Within the block, `extra` folders come before CAEF_MACHINES's (and so before machines/).
    Kept in the environment so that the compiler's worker processes resolve alike."""
    before = os.environ.get(FOLDERS_VARIABLE)
    for folder in extra or ():
        if not Path(folder).is_dir():
            raise MachineNotFound(f"--machines {folder}: no such folder")
    if extra:
        os.environ[FOLDERS_VARIABLE] = os.pathsep.join([*extra, *folders()])
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(FOLDERS_VARIABLE, None)
        else:
            os.environ[FOLDERS_VARIABLE] = before


def _shown(path: str) -> str:
    """A machines/ file as `machines/add.tm`, wherever the command runs; others as given."""
    file = Path(path)
    return f"machines/{file.name}" if file.resolve().parent == MACHINES_DIR.resolve() else path


def _redefined(machine: ast.Machine, earlier: ast.Machine) -> Diagnostic:
    return Diagnostic(machine.path, machine.pos.line, machine.pos.column,
                      f"machine {machine.name} is already defined in {_shown(earlier.path)}; "
                      f"give yours another name", source_line(machine.source, machine.pos.line))


class _Tier:
    """The machines of some .tm files, parsed as far as they parse (their syntax errors kept)."""

    def __init__(self, files: list[Path], keep_going: bool = True):
        self.files: dict[str, list[ast.Machine]] = {}  # file → its machines
        self.broken: list[Diagnostic] = []
        for file in files:
            try:
                self.files[str(file)] = parse_file(file)
            except CaefError as e:
                if not keep_going:
                    raise
                self.broken += getattr(e, "diagnostics", None) or [getattr(e, "diagnostic", None) or
                                                                  Diagnostic(str(file), 1, 1, str(e))]

    def declaring(self, name: str) -> list[ast.Machine]:
        return [m for machines in self.files.values() for m in machines if m.name == name]


def _tm_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.tm")) if folder.is_dir() else []


def gather(*specs: str, directory: Path | str = MACHINES_DIR, keep_going: bool = True):
    """What `load` finds: (machines by name, file stem → first machine, the named files' machine
    names, every problem found). `specs`: .tm files (their folders come along) and folders; other
    specs (machine names) are ignored here. Without `keep_going`, a named file's syntax error is
    raised as it is."""
    named: list[Path] = []
    extra_folders = [Path(f) for f in folders()]
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            extra_folders.append(path)
        elif path.suffix == ".tm" or path.exists():
            if not path.is_file():
                raise MachineNotFound(f"no such .tm file: {spec}")
            named.append(path)
    library = [f.resolve() for f in _tm_files(Path(directory))]
    taken = set(library) | {p.resolve() for p in named}

    def tier(files):  # each file once, in the first tier that holds it
        fresh = [f for f in files if f.resolve() not in taken]
        taken.update(f.resolve() for f in fresh)
        return _Tier(fresh)

    own = _Tier([p for p in named if p.resolve() not in library], keep_going)  # machines/add.tm is the library's
    tiers = [tier([f for p in named for f in _tm_files(p.parent)])]
    tiers += [tier(_tm_files(folder)) for folder in extra_folders]
    problems = list(own.broken)
    machines: dict[str, ast.Machine] = {}
    by_file: dict[str, str] = {}
    for file in _tm_files(Path(directory)):
        for machine in parse_file(file):
            earlier = machines.get(machine.name)
            if earlier is not None and Path(earlier.path).resolve() != file.resolve():
                problems.append(Diagnostic(str(file), machine.pos.line, machine.pos.column,
                                           f"machine {machine.name} is also declared in {earlier.path}"))
            machines[machine.name] = machine
            by_file.setdefault(file.stem, machine.name)
    user: dict[str, ast.Machine] = {}

    def add(machine: ast.Machine) -> None:
        earlier = machines.get(machine.name) or user.get(machine.name)
        if earlier is not None:
            problems.append(_redefined(machine, earlier))
        else:
            user[machine.name] = machine

    for machines_of_file in own.files.values():
        for machine in machines_of_file:
            add(machine)
    checked = [m.name for m in machines.values() if Path(m.path).resolve() in {p.resolve() for p in named}]
    checked += [m.name for ms in own.files.values() for m in ms]
    todo, missing = list(user.values()), False
    while todo:
        for callee in sorted(todo.pop().calls):
            if callee in user or callee in machines:
                continue
            for t in tiers:
                found = t.declaring(callee)
                if found:
                    for machine in found:
                        add(machine)
                    todo.append(user[callee])
                    by_file.setdefault(Path(found[0].path).stem, callee)
                    break
            else:
                missing = True
    if missing:  # a call finds no machine: a broken file of the folders may be why
        problems += [d for t in tiers for d in t.broken]
    for file, machines_of_file in own.files.items():
        if machines_of_file:
            by_file[Path(file).stem] = machines_of_file[0].name
    machines.update(user)
    return machines, by_file, checked, problems


def load(*specs: str, directory: Path | str = MACHINES_DIR) -> MachineSet:
    """Load the machines of `directory` and the .tm files among `specs` with what their calls
    reach (see the module's docstring); check everything; raise CheckError (with every problem
    found) or MachineNotFound."""
    machines, by_file, _, problems = gather(*specs, directory=directory, keep_going=False)
    problems += check(machines)
    if problems:
        raise CheckError(problems)
    return MachineSet(machines, by_file)

"""The machine set: finding, loading and checking the machines of `machines/` plus any .tm
file a user names. A machine is named by its file (`add`, `machines/add.tm`, `./my_op.tm`) or
by the name it declares (`ADD`); calls between machines resolve by declared name across the
whole set."""
from __future__ import annotations

from pathlib import Path

from . import ast
from .check import check
from .errors import CheckError, Diagnostic, MachineNotFound
from .finite import HeadView, head_views
from .executable import Executable
from .syntax import parse_file

MACHINES_DIR = Path(__file__).resolve().parent.parent / "machines"


class MachineSet:
    """Checked machines by declared name, made `Executable` on first use, with their head views."""

    def __init__(self, machines: dict[str, ast.Machine], by_file: dict[str, str]):
        self.machines = machines
        self.by_file = by_file  # file stem → first machine declared in it
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


def _files(directory: Path, extra: list[Path]) -> list[Path]:
    files = sorted(directory.glob("*.tm")) if directory.is_dir() else []
    return files + [p for p in extra if p.resolve() not in {f.resolve() for f in files}]


def load(*specs: str, directory: Path | str = MACHINES_DIR) -> MachineSet:
    """Load the machines of `directory` and the .tm files among `specs`; check everything; raise CheckError
    (with every problem found) or MachineNotFound."""
    extra = []
    for spec in specs:
        path = Path(spec)
        if path.suffix == ".tm" or path.exists():
            if not path.is_file():
                raise MachineNotFound(f"no such .tm file: {spec}")
            extra.append(path)
    machines: dict[str, ast.Machine] = {}
    by_file: dict[str, str] = {}
    duplicates: list[Diagnostic] = []
    for file in _files(Path(directory), extra):
        declared = parse_file(file)
        for machine in declared:
            earlier = machines.get(machine.name)
            if earlier is not None and Path(earlier.path).resolve() != file.resolve():
                if file in extra:  # a user's file overrides the machines/ machine of that name
                    pass
                else:
                    duplicates.append(Diagnostic(str(file), machine.pos.line, machine.pos.column,
                                                 f"machine {machine.name} is also declared in {earlier.path}"))
            machines[machine.name] = machine
        if declared:
            by_file[file.stem] = declared[0].name
    diagnostics = duplicates + check(machines)
    if diagnostics:
        raise CheckError(diagnostics)
    return MachineSet(machines, by_file)

"""The plan: what each machine contributes to a compile — its constraint, its classes of
operand lengths with their sizes, the classes left empty, and the failure pairs of
--include-failures. A pure function of the settings and the machines.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..align import text_entries
from ..formulas import reads_formulas
from ..errors import CaefError
from ..machine_set import MachineSet
from ..operand_rules import machine_constraint
from ..sampling import Constraint, capacity, class_label, digits
from ..values import operand
from .settings import DEFAULT_PER_CLASS, CompileError, Settings


@dataclass
class MachinePlan:
    """What one machine contributes: its classes with their sizes, and the failure pairs."""
    name: str
    constraint: Constraint
    classes: list[tuple[int, int | None, int]]    # (len a, len b or None, operand pairs)
    skipped: list[str]                             # classes the constraint leaves empty
    failures: list[tuple[int, int | None]]
    formulas: bool = False                         # EVALUATE: expressions with operands of up to len a digits

    def size(self, oversample: int) -> int:
        return sum(n for _, _, n in self.classes) + oversample * len(self.failures)


def pair_class(a: int, b: int | None) -> tuple[int, int | None]:
    return digits(a), None if b is None else digits(b)


def _read_failures(path: Path, machines: MachineSet, names: list[str]) -> dict[str, list]:
    """--include-failures: distinct valid pairs per compiled machine, in file order."""
    found: dict[str, dict] = {name: {} for name in names}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            raise CompileError(f"{where}: not JSON ({e.msg})") from None
        if not isinstance(item, dict) or "machine" not in item or "a" not in item:
            raise CompileError(f'{where}: expected an object with "machine", "a" (and "b")')
        values = [item["a"]] + ([item["b"]] if item.get("b") is not None else [])
        try:
            name = machines.resolve(str(item["machine"]))
            if name not in found:
                continue  # a failure of a machine not compiled now
            machines.executable(name).initial([str(v) for v in values])  # count, digits, `require`s
        except CaefError as e:
            raise CompileError(f"{where}: {e}") from None
        numbers = [int(operand(str(v)).decimal) for v in values]
        found[name][(numbers[0], numbers[1] if len(numbers) > 1 else None)] = None
    return {name: list(pairs) for name, pairs in found.items()}


def plan(machines: MachineSet, names: list[str], s: Settings) -> list[MachinePlan]:
    """A MachinePlan per machine of `names` (declared names); CompileError where a class holds
    fewer pairs than --per-class asks, or no class holds any."""
    failures = (_read_failures(s.failures, machines, names) if s.failures
                else {name: [] for name in names})
    readers = [name for name in names if text_entries(machines, name) is not None
               and not reads_formulas(machines, name)]
    if readers:
        raise CompileError(f"{', '.join(readers)} read(s) an expression's text, not numbers: compile the "
                           f"operator machines with --from-text --with-callees instead")
    plans = []
    for name in names:
        if reads_formulas(machines, name):
            classes = [(n, None, s.per_class or DEFAULT_PER_CLASS) for n in range(s.digits_a[0], s.digits_a[1] + 1)]
            plans.append(MachinePlan(name, Constraint(operands=1), classes, [], [], formulas=True))
            continue
        constraint = machine_constraint(machines, name, b_cap=s.b_cap, quotient_cap=s.quotient_cap)
        reserved = Counter(pair_class(a, b) for a, b in failures[name] if constraint.holds(a, b))
        classes, skipped = [], []
        b_lengths = [None] if constraint.operands == 1 else range(s.digits_b[0], s.digits_b[1] + 1)
        for la in range(s.digits_a[0], s.digits_a[1] + 1):
            for lb in b_lengths:
                # the failure pairs of a class are in train already: never drawn again
                room = capacity(constraint, la, lb) - reserved[(la, lb)]
                if room <= 0:
                    skipped.append(class_label(la, lb))
                elif s.per_class is None or (s.whole_small_classes and room < s.per_class):
                    classes.append((la, lb, min(s.per_class or DEFAULT_PER_CLASS, room)))
                elif room < s.per_class:
                    what = "operand pair(s)" if lb is not None else "operand(s)"
                    raise CompileError(
                        f"{name} class {class_label(la, lb)} holds only {room} distinct {what}, not "
                        f"{s.per_class}: lower --per-class or leave that length out of --digits")
                else:
                    classes.append((la, lb, s.per_class))
        if not classes:
            raise CompileError(f"{name} takes no operands of these lengths (a: {s.recipe['digits_a']} "
                               f"digits, b: {s.recipe['digits_b']}; it needs {constraint})")
        plans.append(MachinePlan(name, constraint, classes, skipped, failures[name]))
    return plans

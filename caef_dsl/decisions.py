"""Problems → the decisions they need: every (machine, head view, command) of every step of
every frame, callees included — what a model that executes the machine must get right.

A machine whose head view is a finite control (finite.py) needs no decision on long operands
that short ones do not already need: a model trained on short problems then runs long ones.
`compare` measures it, as `caef check FILE --decisions 1-10:100` prints it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .align import Expression, text_entries
from .formulas import drawn_formulas, reads_formulas
from .interpreter import run
from .machine_set import MachineSet
from .operand_rules import machine_constraint
from .sampling import capacity, class_key, class_pairs, parse_lengths
from .views import executor_examples

Decision = tuple[str, str, str]  # machine, head view, command


def decisions(machines: MachineSet, name: str, classes: list[tuple[int, int | None]], per_class: int,
              seed: int = 0) -> set[Decision]:
    """The decisions of `per_class` seeded problems of each class (len a, len b) of machine
    `name` (declared), drawn by the sampler `caef compile` uses, a tenth of them (at least one)
    edge cases: carry chains and zeros are where a new decision would show first."""
    found: set[Decision] = set()
    for la, lb in classes:
        for operands in problems(machines, name, la, lb, per_class, seed):
            trace = run(machines.executables, name, operands)
            found.update((e.machine, e.prompt, e.completion) for e in executor_examples(trace, "head", callees=True))
    return found


def problems(machines: MachineSet, name: str, la: int, lb: int | None, per_class: int, seed: int,
             edges: bool = True) -> list[list]:
    """The operands of up to `per_class` problems of a class, a tenth of them edge cases (unless
    not `edges`). A machine that reads text reads the problems of each operator machine it
    enters, written `A op B=` (align.text_entries), of lengths la and lb (la where lb is None);
    EVALUATE reads expressions with operands of up to la digits."""
    if reads_formulas(machines, name):
        return [[f.body] for f in drawn_formulas(class_key(seed, name, la, lb), per_class, la)]
    entries = text_entries(machines, name)
    lb = la if entries and lb is None else lb
    found = []
    for machine, op in entries or [(name, None)]:
        constraint = machine_constraint(machines, machine)
        count = min(per_class, capacity(constraint, la, lb))
        corners = max(1, count // 10) if count and edges else 0
        for a, b in class_pairs(constraint, la, lb, count, corners, class_key(seed, machine, la, lb)):
            found.append([Expression(str(a), op, str(b)).text] if op else [a] if b is None else [a, b])
    return found


def classes(machines: MachineSet, name: str, lengths: str, mixed: bool = False) -> list[tuple[int, int | None]]:
    """Every (len a, len b) of `lengths`; with `mixed`, also each length against 1 and 2 digits
    both ways (a long operand meets a short one: MUL's b stays under 30)."""
    ns = parse_lengths(lengths)
    if len(machines.machines[name].operands) == 1 and (text_entries(machines, name) is None
                                                       or reads_formulas(machines, name)):
        return [(n, None) for n in ns]
    pairs = [(a, b) for a in ns for b in ns] if not mixed else [(n, n) for n in ns]
    if mixed:
        pairs += [p for n in ns for m in (1, 2) for p in ((n, m), (m, n))]
    return list(dict.fromkeys(pairs))


@dataclass
class Comparison:
    """The decisions of short problems, of long ones, and those only long ones need."""
    short: set[Decision]
    long: set[Decision]

    @property
    def new(self) -> set[Decision]:
        return self.long - self.short


def compare(machines: MachineSet, name: str, short: str = "1-10", long: str = "100", per_class: int = 40,
            long_per_class: int = 2, seed: int = 0) -> Comparison:
    """Decisions of problems of `short` lengths (every pair, `per_class` each) against those of
    `long` lengths (equal and mixed with 1–2 digits, `long_per_class` each, another seed)."""
    return Comparison(decisions(machines, name, classes(machines, name, short), per_class, seed),
                      decisions(machines, name, classes(machines, name, long, mixed=True), long_per_class, seed + 1))

"""The problem stream: the plans → operand pairs to run (`Problem`), lazily and in a fixed
order, each pair in the train or the test split; the count a progress bar needs; and the
check that no pair was drawn for both splits.

The stream is a pure function of the settings (sampling.py draws every class from its own
keyed permutation), so a shard of it (`--shard i/N`) is positions start..stop-1 of the same
stream, and classes outside the range are not drawn at all.
"""
from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Iterator, NamedTuple

from ..formulas import drawn_formulas
from ..sampling import class_key, class_label, class_pairs
from .plan import MachinePlan, pair_class
from .settings import Settings


class Problem(NamedTuple):
    """One operand pair to run: the unit of the split (never a single step)."""
    machine: str
    a: str
    b: str | None
    group: str   # class label, or "failures"
    split: str


def is_test(index: int, ratio: Fraction) -> bool:
    """Pair `index` of a class is a test pair: spread evenly, floor(n·ratio) of the first n."""
    return (index + 1) * ratio.numerator // ratio.denominator > index * ratio.numerator // ratio.denominator


def count_test_pairs(start: int, stop: int, ratio: Fraction) -> int:
    """How many of the pairs start..stop-1 of a class are test pairs."""
    return stop * ratio.numerator // ratio.denominator - start * ratio.numerator // ratio.denominator


def shard_range(plans: list[MachinePlan], s: Settings) -> tuple[int, int]:
    """The stream positions start, stop of --shard I/N: the I-th of N contiguous parts (all of
    the stream without --shard)."""
    total = sum(p.size(s.oversample) for p in plans)
    return (0, total) if s.shard is None else (
        s.shard[0] * total // s.shard[1], (s.shard[0] + 1) * total // s.shard[1])


def _slices(plans: list[MachinePlan], s: Settings, start: int, stop: int):
    """The parts of the stream's positions start..stop-1, per segment of the stream — a class,
    or a machine's failure pairs (class None): (plan, class, first, end) within the segment."""
    position = 0
    for p in plans:
        segments = [(cls, cls[2]) for cls in p.classes]
        segments += [(None, s.oversample * len(p.failures))] if p.failures else []
        for cls, size in segments:
            lo, hi = max(start - position, 0), min(stop - position, size)
            position += size
            if lo < hi:
                yield p, cls, lo, hi


def problems(plans: list[MachinePlan], s: Settings, start: int, stop: int) -> Iterator[Problem]:
    """Problems start..stop-1 of the stream. Classes outside the range are not drawn at all."""
    for p, cls, lo, hi in _slices(plans, s, start, stop):
        if cls is None:
            pairs = (pair for _ in range(s.oversample) for pair in p.failures)
            for a, b in itertools.islice(pairs, lo, hi):
                yield Problem(p.name, str(a), None if b is None else str(b), "failures", "train")
            continue
        la, lb, n = cls
        if p.formulas:  # expressions of 1-6 operators, operands of up to la digits
            for i, formula in enumerate(drawn_formulas(class_key(s.seed, p.name, la, lb), hi, la)):
                if i >= lo:
                    yield Problem(p.name, formula.body, None, class_label(la, lb),
                                  "test" if is_test(i, s.test_ratio) else "train")
            continue
        edges = int(s.edge_share * n + Fraction(1, 2))
        reserved = frozenset(pair for pair in p.failures if pair_class(*pair) == (la, lb))
        drawn = class_pairs(p.constraint, la, lb, n, edges, class_key(s.seed, p.name, la, lb), reserved)
        label = class_label(la, lb)
        for i, (a, b) in enumerate(itertools.islice(drawn, hi)):
            if i >= lo:
                yield Problem(p.name, str(a), None if b is None else str(b), label,
                              "test" if is_test(i, s.test_ratio) else "train")


def wanted_count(plans: list[MachinePlan], s: Settings, start: int, stop: int) -> int:
    """How many problems of start..stop-1 fall in the requested splits (the progress total)."""
    total = 0
    for _, cls, lo, hi in _slices(plans, s, start, stop):
        tests = 0 if cls is None else count_test_pairs(lo, hi, s.test_ratio)
        total += ("test" in s.splits) * tests + ("train" in s.splits) * (hi - lo - tests)
    return total


class OverlapCount:
    """Operand pairs drawn for both splits of one machine: 0 unless sampling is broken.
    Pairs of different classes differ in length, so only the current class's pairs are kept
    (memory bounded by --per-class), and the failure pairs, which are all train."""

    def __init__(self, plans: list[MachinePlan]):
        self.failures = {(p.name, str(a), None if b is None else str(b)) for p in plans for a, b in p.failures}
        self.group: tuple | None = None
        self.seen: dict[int, str] = {}
        self.count = 0

    def add(self, problem: Problem) -> None:
        if problem.group == "failures":
            return
        if (problem.machine, problem.group) != self.group:
            self.group, self.seen = (problem.machine, problem.group), {}
        key = hash((problem.a, problem.b))
        before = self.seen.setdefault(key, problem.split)
        if before != problem.split or (problem.split == "test" and problem[:3] in self.failures):
            self.count += 1

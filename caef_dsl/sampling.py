"""Operands for datasets: length classes, constraints, and seeded distinct draws.

A *class* is one pair of operand lengths (len(a), len(b)), or len(a) alone for one-operand
machines. `class_pairs` yields the operand pairs of one class: first the class's edge cases
(carry/borrow chains, zeros, equal operands, extremes), then uniform draws. Every pair of a
class is distinct, and no state grows with the number of pairs: uniform draws walk a keyed
pseudo-random permutation of the class (`Permutation`), so the k-th draw is a pure function of
(seed, machine, class, k) and nothing remembers the earlier ones. Only the edge pairs and the
caller's reserved pairs are kept in sets, to skip them in the uniform walk.

A machine's `Constraint` is read from its own declaration (operand_rules.py).

Data passed on:  (a, b) as ints, b None for one-operand machines.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from typing import Iterator

from .errors import CaefError

# Numbers of n digits: 0..9 for n = 1 (0 is a one-digit number), else 10^(n-1) .. 10^n - 1.


def lowest(n: int) -> int:
    return 0 if n == 1 else 10 ** (n - 1)


def highest(n: int) -> int:
    return 10 ** n - 1


def digits(x: int) -> int:
    return len(str(x))


@dataclass(frozen=True)
class Constraint:
    """What operands a machine takes (validity), and the caps that keep the traces of the
    paper's repeated-addition machines short enough to train on (overridable). `checks` are
    the machine's other conditions (operand_rules.Check): pairs drawn inside the bounds are
    kept where each accepts them."""
    operands: int = 2
    a_at_least_b: bool = False        # results are non-negative
    a_nines: bool = False             # a is 9…9 (REFLECTION computes a nines' complement)
    b_min: int = 0
    b_max: int | None = None          # largest valid b (9: a one-digit multiplier)
    b_cap: int | None = None          # the paper's MUL adds b times: 3b - 1 steps
    quotient_cap: int | None = None   # the paper's DIV adds q times: 3q + 2 steps
    checks: tuple = ()                # conditions as written, each with accepts(a, b)

    def __post_init__(self):
        if self.a_at_least_b and self.quotient_cap is not None:  # capacity() counts one or the other
            raise ValueError("a constraint takes a >= b or a quotient cap, not both")

    def __str__(self) -> str:
        """In words, for messages: "a >= b, b <= 30"."""
        parts = {1: ["one operand"]}.get(self.operands, [])
        parts += ["a is 9…9"] * self.a_nines + ["a >= b"] * self.a_at_least_b
        parts += [f"b >= {self.b_min}"] * (self.b_min > 0)
        parts += [f"b <= {self.b_limit}"] * (self.b_limit is not None)
        parts += [f"a // b <= {self.quotient_cap}"] * (self.quotient_cap is not None)
        parts += list(self.checks)
        return ", ".join(parts) or "any operands"

    @property
    def b_limit(self) -> int | None:
        limits = [x for x in (self.b_max, self.b_cap) if x is not None]
        return min(limits) if limits else None

    def holds(self, a: int, b: int | None) -> bool:
        if self.operands == 1:
            return all(check.accepts(a, b) for check in self.checks)
        limit = self.b_limit
        return (b >= self.b_min and (limit is None or b <= limit)
                and (not self.a_at_least_b or a >= b)
                and (not self.a_nines or a == highest(digits(a)))
                and (self.quotient_cap is None or a // b <= self.quotient_cap)
                and all(check.accepts(a, b) for check in self.checks))


# ---- counting and boxing a class ---------------------------------------------------------

def _sum_clamped(p: int, s: int, lo: int, hi: int, w: int) -> int:
    """Σ over integers x in [lo, hi] of min(max(p·x + s, 0), w), for p != 0, in closed form."""
    if lo > hi:
        return 0
    if p < 0:
        return _sum_clamped(-p, s, -hi, -lo, w)
    first = max(lo, -s // p + 1)            # first x with p·x + s > 0
    full = max(lo, -((s - w) // p))          # first x with p·x + s >= w
    total = w * max(0, hi - max(full, lo) + 1)
    x, y = first, min(hi, full - 1)
    if x <= y:
        total += p * (x + y) * (y - x + 1) // 2 + s * (y - x + 1)
    return total


def box(constraint: Constraint, la: int, lb: int | None):
    """The smallest (a range, b range) rectangle holding every valid pair of the class, or None
    when the class is empty. Ranges are inclusive (lo, hi)."""
    a_lo, a_hi = lowest(la), highest(la)
    if constraint.operands == 1:
        return (a_lo, a_hi), None
    if constraint.a_nines:
        a_lo = a_hi
    b_lo, b_hi = max(lowest(lb), constraint.b_min), highest(lb)
    if constraint.b_limit is not None:
        b_hi = min(b_hi, constraint.b_limit)
    if constraint.a_at_least_b:
        a_lo, b_hi = max(a_lo, b_lo), min(b_hi, a_hi)
    if constraint.quotient_cap is not None:
        # a // b <= Q  ⇔  a <= (Q+1)·b - 1
        q1 = constraint.quotient_cap + 1
        a_hi = min(a_hi, q1 * b_hi - 1)
        b_lo = max(b_lo, -(-(a_lo + 1) // q1))
    if a_lo > a_hi or b_lo > b_hi:
        return None
    return (a_lo, a_hi), (b_lo, b_hi)


# A class with checks is counted pair by pair up to this many pairs in its box; a larger one
# counts as its bounds allow, and its draws stop after CHECK_TRIES rejections in a row.
EXACT_COUNT = 20_000
CHECK_TRIES = 10_000


def capacity(constraint: Constraint, la: int, lb: int | None) -> int:
    """How many distinct valid pairs the class holds (with checks, on a large class: how many
    its bounds hold)."""
    bounded = _bounded_capacity(constraint, la, lb)
    if not constraint.checks or not bounded or bounded > EXACT_COUNT:
        return bounded
    (a_lo, a_hi), b_range = box(constraint, la, lb)
    b_values = [None] if b_range is None else range(b_range[0], b_range[1] + 1)
    return sum(constraint.holds(a, b) for a in range(a_lo, a_hi + 1) for b in b_values)


def _bounded_capacity(constraint: Constraint, la: int, lb: int | None) -> int:
    bounds = box(constraint, la, lb)
    if bounds is None:
        return 0
    (a_lo, a_hi), b_range = bounds
    width = a_hi - a_lo + 1
    if b_range is None:
        return width
    b_lo, b_hi = b_range
    if constraint.a_at_least_b:   # for each b: the a in [max(a_lo, b), a_hi]
        return _sum_clamped(-1, a_hi + 1, b_lo, b_hi, width)
    if constraint.quotient_cap is not None:   # for each b: the a in [a_lo, (Q+1)·b - 1]
        return _sum_clamped(constraint.quotient_cap + 1, -a_lo, b_lo, b_hi, width)
    return width * (b_hi - b_lo + 1)


# ---- distinct draws without memory -------------------------------------------------------

class Permutation:
    """A keyed pseudo-random permutation of range(size): a balanced Feistel network over the
    smallest even number of bits that covers `size`, cycle-walked back into range. Draw k is
    `perm[k]`: distinct for distinct k, with nothing stored but the keys."""
    ROUNDS = 4

    def __init__(self, size: int, key: str):
        self.size = size
        self.half = max(1, ((size - 1).bit_length() + 1) // 2)
        self.mask = (1 << self.half) - 1
        self.full = (1 << 2 * self.half) - 1
        width = (2 * self.half + 7) // 8
        stream = hashlib.shake_256(key.encode()).digest(2 * width * self.ROUNDS)
        words = [int.from_bytes(stream[i * width:(i + 1) * width], "big") for i in range(2 * self.ROUNDS)]
        # (xor key, odd multiplier) per round: the product's high half mixes every input bit
        self.keys = [(words[2 * i] & self.mask, (words[2 * i + 1] & self.full) | 1) for i in range(self.ROUNDS)]

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise IndexError(index)
        half, mask, full, x = self.half, self.mask, self.full, index
        while True:
            left, right = x >> half, x & mask
            for key, multiplier in self.keys:
                t = ((right ^ key) * multiplier) & full
                left, right = right, left ^ ((t >> half) ^ t) & mask
            x = (left << half) | right
            if x < self.size:
                return x


def class_key(seed: int, machine: str, la: int, lb: int | None) -> str:
    return f"{seed}:{machine}:{la}:{lb}"


def class_label(la: int, lb: int | None) -> str:
    """A class as datasets and reports name it: `12x12`, or `5` for a one-operand machine."""
    return str(la) if lb is None else f"{la}x{lb}"


def uniform_pairs(constraint: Constraint, la: int, lb: int | None, key: str) -> Iterator[tuple[int, int | None]]:
    """Every valid pair of the class once, in a seeded pseudo-random order. With checks, a
    CaefError when CHECK_TRIES pairs in a row are rejected."""
    bounds = box(constraint, la, lb)
    if bounds is None:
        return
    (a_lo, a_hi), b_range = bounds
    b_lo, b_hi = b_range or (None, None)
    height = 1 if b_range is None else b_hi - b_lo + 1
    perm = Permutation((a_hi - a_lo + 1) * height, key)
    misses = 0
    for k in range(perm.size):
        i, j = divmod(perm[k], height)
        a, b = a_lo + i, None if b_range is None else b_lo + j
        if b_range is None and not constraint.checks or constraint.holds(a, b):
            misses = 0
            yield a, b
        elif constraint.checks and (misses := misses + 1) == CHECK_TRIES:
            check = constraint.checks[0]
            raise CaefError(f"{check.machine}: no operands of class {class_label(la, lb)} in {CHECK_TRIES:,} "
                            f"draws where {' and '.join(constraint.checks)} holds: leave that length "
                            f"out, or write the rule as a bound (b <= N, b >= N, a >= b)")


# ---- edge cases --------------------------------------------------------------------------

def _extremes(n: int) -> list[int]:
    """9…9, and 0 and 1 for one digit, else 10…0 and 10…01: zeros, carry and borrow chains."""
    return [9, 0, 1] if n == 1 else [highest(n), lowest(n), lowest(n) + 1]


def _chain(n: int, rng: random.Random) -> int:
    """An n-digit number made mostly of 9s and 0s: long carry and borrow chains."""
    if n == 1:
        return rng.choice((0, 9, rng.randrange(10)))
    body = "".join(rng.choice("90") if rng.random() < 0.9 else str(rng.randrange(10)) for _ in range(n - 1))
    return int(str(rng.choice((1, 9, rng.randrange(1, 10)))) + body)


def _number(n: int, rng: random.Random) -> int:
    return rng.randint(lowest(n), highest(n))


def edge_candidates(constraint: Constraint, la: int, lb: int | None, rng: random.Random) -> Iterator[tuple[int, int | None]]:
    """Pairs that stress a machine, possibly invalid or repeated (the caller filters): the
    extremes of both lengths, then seeded draws of chains, complements (a + b = 10^k: a carry
    through every digit), equal operands, and exact or maximal quotients."""
    one = constraint.operands == 1
    fixed = [(highest(la) if constraint.a_nines else a, b)
             for a in _extremes(la) for b in ([None] if one else _extremes(lb))]
    rng.shuffle(fixed)  # a small edge share still gets a varied few
    yield from fixed
    while True:
        a = highest(la) if constraint.a_nines else _chain(la, rng)
        if one:
            yield a, None
            continue
        family = rng.randrange(4)
        if family == 0:
            yield a, _chain(lb, rng)
        elif family == 1:
            x = _number(la, rng)
            yield x, (10 ** lb - x % 10 ** lb) % 10 ** lb
        elif family == 2:
            yield a, (a if la == lb else _chain(lb, rng))
        else:
            b = max(1, _number(lb, rng))
            q = rng.randint(0, constraint.quotient_cap or 9)
            yield q * b + rng.choice((0, b - 1)), b


def in_class(constraint: Constraint, la: int, lb: int | None, a: int, b: int | None) -> bool:
    return (digits(a) == la and (b is None) == (lb is None)
            and (b is None or digits(b) == lb) and constraint.holds(a, b))


def class_pairs(constraint: Constraint, la: int, lb: int | None, count: int, edges: int, key: str,
                reserved: frozenset = frozenset()) -> Iterator[tuple[int, int | None]]:
    """`count` distinct valid pairs of the class: up to `edges` edge cases first, then uniform
    draws; pairs in `reserved` are never drawn. The caller checks `capacity` first."""
    edges = min(edges, count)
    rng = random.Random(key + ":edges")
    chosen: set = set()
    candidates = edge_candidates(constraint, la, lb, rng)
    for _ in range(20 * edges + 50 if edges else 0):  # edge families may miss a small class
        if len(chosen) == edges:
            break
        pair = next(candidates)
        if pair not in chosen and pair not in reserved and in_class(constraint, la, lb, *pair):
            chosen.add(pair)
            yield pair
    left = count - len(chosen)
    for pair in uniform_pairs(constraint, la, lb, key):
        if left == 0:
            return
        if pair not in chosen and pair not in reserved:
            left -= 1
            yield pair
    if left:
        raise ValueError(f"class {la}x{lb} ran out of pairs: check capacity() before drawing")


def parse_range(text: str) -> tuple[int, int]:
    """A length or a range of lengths as users write them: `7` → (7, 7), `1-10` → (1, 10).
    ValueError with what is wrong, phrased to follow the option's name."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if not m:
        raise ValueError(f"takes a length or a range of lengths like 1-20, not {text!r}")
    low, high = int(m.group(1)), int(m.group(2) or m.group(1))
    if low < 1:
        raise ValueError(f"{text}: numbers have at least 1 digit")
    if low > high:
        raise ValueError(f"{text} is empty: write the shorter length first ({high}-{low})")
    return low, high


def parse_lengths(text: str) -> list[int]:
    """Operand lengths as users write them: `1-10,20,50` → [1, …, 10, 20, 50]."""
    found: list[int] = []
    for part in text.split(","):
        try:
            low, high = parse_range(part)
        except ValueError:
            raise CaefError(f"not lengths like 1-10,20: {text!r}") from None
        found += [n for n in range(low, high + 1) if n not in found]
    return found

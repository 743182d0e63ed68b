"""What a compile is asked to make: the validated `Settings`, read from the command line's
values (`Settings.from_arguments`), and `command_line`, the command that makes the same data.

Nothing is written before the settings pass: a bad value is one line of error.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import CaefError
from ..sampling import parse_range
from .dataset import SPLITS

STAGES = ("plain", "prompt")
DEFAULT_DIGITS = "1-10"
DEFAULT_PER_CLASS = 100


class CompileError(CaefError):
    """Arguments that cannot make a dataset."""


@dataclass(frozen=True)
class Settings:
    """The validated arguments. `recipe` holds the ones that decide the data (the manifest
    records them); --out, --force and --workers do not change a byte."""
    machines: tuple[str, ...]
    digits_a: tuple[int, int]
    digits_b: tuple[int, int]
    per_class: int | None
    whole_small_classes: bool
    seed: int
    edge_share: Fraction
    b_cap: int | None
    quotient_cap: int | None
    failures: Path | None
    oversample: int
    mode: str
    stage: str
    with_callees: bool
    from_text: bool
    kinds: tuple[str, ...]
    distinct: bool
    test_ratio: Fraction
    splits: tuple[str, ...]
    workers: int
    shard: tuple[int, int] | None
    out: Path | None
    force: bool
    recipe: dict = field(compare=False)

    @classmethod
    def from_arguments(cls, args) -> Settings:
        """The settings of `caef compile`'s options (`command.CompileOptions`), whose values
        are still the text given: each is checked here."""
        digits_a = _digit_range(args.digits_a or args.digits, "--digits-a" if args.digits_a else "--digits")
        digits_b = _digit_range(args.digits_b or args.digits, "--digits-b" if args.digits_b else "--digits")
        shard = None
        if args.shard is not None:
            m = re.fullmatch(r"(\d+)/(\d+)", args.shard.strip())
            if not m or int(m.group(2)) < 1 or int(m.group(1)) >= int(m.group(2)):
                raise CompileError(f"--shard takes I/N with 0 <= I < N (e.g. 0/4), not {args.shard!r}")
            shard = (int(m.group(1)), int(m.group(2)))
        failures = None
        if args.include_failures is not None:
            failures = Path(args.include_failures)
            if not failures.is_file():
                raise CompileError(f"--include-failures: no such file: {args.include_failures}")
        values = dict(
            machines=tuple(args.machines), digits_a=digits_a, digits_b=digits_b,
            per_class=None if args.per_class is None else _integer(args.per_class, "--per-class", 1),
            whole_small_classes=args.whole_small_classes,
            seed=_integer(args.seed, "--seed", 0), edge_share=_fraction(args.edge_share, "--edge-share"),
            b_cap=None if args.max_b is None else _integer(args.max_b, "--max-b", 0),
            quotient_cap=None if args.max_quotient is None else _integer(args.max_quotient, "--max-quotient", 0),
            failures=failures, oversample=_integer(args.oversample, "--oversample", 1),
            mode=args.mode, stage=args.stage, with_callees=args.with_callees, from_text=args.from_text,
            kinds=("executor", "aligner") if args.kind == "both" else (args.kind,), distinct=args.distinct,
            test_ratio=_fraction(args.test_ratio, "--test-ratio", below_one=True),
            splits=SPLITS if args.split == "both" else (args.split,),
            workers=_integer(args.workers, "--workers", 1), shard=shard,
            out=None if args.out is None else Path(args.out), force=args.force)
        recipe = {
            "machines": list(values["machines"]),
            "digits_a": "%d-%d" % digits_a, "digits_b": "%d-%d" % digits_b,
            "per_class": values["per_class"], "whole_small_classes": args.whole_small_classes,
            "seed": values["seed"],
            "edge_share": args.edge_share.strip(), "max_b": values["b_cap"],
            "max_quotient": values["quotient_cap"],
            "include_failures": None if failures is None else {
                "file": str(failures), "sha256": hashlib.sha256(failures.read_bytes()).hexdigest()},
            "oversample": values["oversample"], "mode": args.mode, "stage": args.stage,
            "with_callees": args.with_callees, "kind": args.kind, "distinct": args.distinct,
            "test_ratio": args.test_ratio.strip(),
            "split": args.split, "shard": args.shard and "%d/%d" % shard,
        }
        if args.from_text:  # only then: the recipes (and manifests) of other compiles stay as they were
            recipe["from_text"] = True
        return cls(**values, recipe=recipe)


def _integer(text: str, flag: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise CompileError(f"{flag} takes an integer, not {text!r}") from None
    if value < low:
        raise CompileError(f"{flag} must be at least {low}, not {value}")
    return value


def _fraction(text: str, flag: str, below_one: bool = False) -> Fraction:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise CompileError(f"{flag} takes a number like 0.1, not {text!r}") from None
    if not 0 <= value <= 1 or (below_one and value == 1):
        raise CompileError(f"{flag} must be at least 0 and {'below' if below_one else 'at most'} 1, not {text}")
    return value


def _digit_range(text: str, flag: str) -> tuple[int, int]:
    try:
        return parse_range(text)
    except ValueError as e:
        raise CompileError(f"{flag} {e}") from None


def command_line(recipe: dict) -> str:
    """The `caef compile` command that makes this data (any --out, --workers)."""
    flags = {"digits_a": "--digits-a", "digits_b": "--digits-b", "per_class": "--per-class",
             "seed": "--seed", "edge_share": "--edge-share", "max_b": "--max-b",
             "max_quotient": "--max-quotient", "oversample": "--oversample", "mode": "--mode",
             "stage": "--stage", "test_ratio": "--test-ratio", "split": "--split", "shard": "--shard",
             "kind": "--kind"}
    words = ["caef", "compile", *recipe["machines"]]
    for key, flag in flags.items():
        if recipe.get(key) is not None:
            words += [flag, str(recipe[key])]
    if recipe["include_failures"]:
        words += ["--include-failures", recipe["include_failures"]["file"]]
    for flag in ("with_callees", "from_text", "distinct"):
        if recipe.get(flag):
            words.append("--" + flag.replace("_", "-"))
    if recipe["whole_small_classes"]:
        words.append("--whole-small-classes")
    return " ".join(words)

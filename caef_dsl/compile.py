"""`caef compile MACHINE… --out DIR`: machines → training datasets (JSON Lines), a manifest and
a dataset card.

The pipeline (`run`):

  arguments ──settings──► Settings (validated; nothing is written before this passes)
  Settings + machines ──plan──► MachinePlan per machine: constraint, classes and their sizes
  plans ──problems──► Problem stream (machine, a, b, class, split), lazily, in a fixed order
  Problems ──chunks of CHUNK──► workers: interpreter ──views / align──► Chunk (JSON lines per
                               file, record counts, alphabet)
  Chunks, in stream order ──Output──► files of a temp folder beside the target, hashed as
                               written; then manifest.json and README.md, and one rename

Determinism: the stream is a pure function of the settings (sampling.py draws every class
from its own keyed permutation), chunks are cut at fixed positions and written in stream order,
so 1 or N workers, and the shards of `--shard i/N` concatenated, give the same bytes.
Memory: problems flow through; at most 2 chunks per worker are in flight.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import multiprocessing
import queue
import re
import shutil
import signal
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from . import __version__
from .align import FAMILIES, Expression, first_step, result_text
from .api import load_machines
from .describe import describe
from .errors import CaefError
from .interpreter import run as run_machine
from .library import MACHINES_DIR, MachineSet
from .render import renderer
from .sampling import Constraint, capacity, class_key, class_pairs, constraint_for, digits, parse_range
from .tokens import alphabet_of
from .values import operand
from .views import MODES, executor_examples, frames

STAGES = ("plain", "prompt")
SPLITS = ("train", "test")
DEFAULT_DIGITS = "1-10"
DEFAULT_PER_CLASS = 100
CHUNK = 64  # problems per unit of work: big enough to amortise the pickling, small enough to stream
# Machine (file stem) → the operator of its expressions, for the aligner data.
OPERATORS = {stem: op for family in FAMILIES.values() for op, stem in family.items()}


class CompileError(CaefError):
    """Arguments that cannot make a dataset."""


# ---- the command line --------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Values are read as text and checked in `settings`: a bad one is one line of error.
    parser.add_argument("machines", nargs="+", metavar="MACHINE",
                        help="machines of machines/ (add, SUB, …) or paths to .tm files")
    parser.add_argument("--out", metavar="DIR",
                        help="output folder (default compiled/<machines>-<mode>-<stage>)")
    parser.add_argument("--force", action="store_true", help="replace an existing output folder")
    ops = parser.add_argument_group("operands")
    ops.add_argument("--digits", default=DEFAULT_DIGITS, metavar="LO-HI",
                     help=f"operand lengths, e.g. 1-20 or 5 (default {DEFAULT_DIGITS})")
    ops.add_argument("--digits-a", metavar="LO-HI", help="lengths of a (default: --digits)")
    ops.add_argument("--digits-b", metavar="LO-HI", help="lengths of b (default: --digits)")
    ops.add_argument("--per-class", metavar="N",
                     help=f"distinct operand pairs per (len a, len b) class (default {DEFAULT_PER_CLASS}, "
                          "or the whole class where it holds fewer)")
    ops.add_argument("--whole-small-classes", action="store_true",
                     help="where a class holds fewer than --per-class pairs, take all of them "
                          "instead of failing (e.g. 1-digit classes with --per-class 500)")
    ops.add_argument("--seed", default="0", metavar="N", help="seed of every draw (default 0)")
    ops.add_argument("--edge-share", default="0.1", metavar="F",
                     help="share of each class drawn from edge cases: carry/borrow chains, zeros, "
                          "equal operands, extremes (default 0.1)")
    ops.add_argument("--max-b", metavar="N", help="cap on b for the paper's MUL (default 30)")
    ops.add_argument("--max-quotient", metavar="N", help="cap on a // b for the paper's DIV (default 30)")
    ops.add_argument("--include-failures", metavar="FILE",
                     help='JSON Lines of {"machine", "a", "b"} (from `caef crosscheck`) added to train')
    ops.add_argument("--oversample", default="4", metavar="K",
                     help="copies of each --include-failures pair (default 4)")
    out = parser.add_argument_group("records")
    out.add_argument("--mode", default="full", choices=MODES,
                     help="full: step → next step (the paper's); tape: state line → command; "
                          "head: finite-control view → command (default full)")
    out.add_argument("--stage", default="plain", choices=STAGES,
                     help="prompt: a description of the machine before every prompt (default plain)")
    out.add_argument("--with-callees", action="store_true",
                     help="also the steps of every machine a composite calls, tagged with its name")
    out.add_argument("--kind", default="both", choices=("executor", "aligner", "both"),
                     help="which records: executor steps, aligner pairs, or both (default both)")
    out.add_argument("--distinct", action="store_true",
                     help="one record per distinct prompt and completion in each file (the first met): "
                          "in the head view, the table of every decision the problems need")
    out.add_argument("--test-ratio", default="0.1", metavar="R",
                     help="share of each class's operand pairs in the test split (default 0.1)")
    out.add_argument("--split", default="both", choices=("train", "test", "both"),
                     help="which split(s) to write (default both)")
    scale = parser.add_argument_group("scale")
    scale.add_argument("--workers", default="1", metavar="N", help="processes (same bytes for any N)")
    scale.add_argument("--shard", metavar="I/N",
                       help="only the I-th of N contiguous parts (0-based); the parts concatenated "
                            "are the whole dataset")


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
    kinds: tuple[str, ...]
    distinct: bool
    test_ratio: Fraction
    splits: tuple[str, ...]
    workers: int
    shard: tuple[int, int] | None
    out: Path | None
    force: bool
    recipe: dict = field(compare=False)


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


def settings(args) -> Settings:
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
        mode=args.mode, stage=args.stage, with_callees=args.with_callees,
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
        "with_callees": args.with_callees, "kind": args.kind, "distinct": args.distinct, "test_ratio": args.test_ratio.strip(),
        "split": args.split, "shard": args.shard and "%d/%d" % shard,
    }
    return Settings(**values, recipe=recipe)


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
    for flag in ("with_callees", "distinct"):
        if recipe.get(flag):
            words.append("--" + flag.replace("_", "-"))
    if recipe["whole_small_classes"]:
        words.append("--whole-small-classes")
    return " ".join(words)


# ---- the plan ----------------------------------------------------------------------------

@dataclass
class MachinePlan:
    """What one machine contributes: its classes with their sizes, and the failure pairs."""
    name: str
    constraint: Constraint
    classes: list[tuple[int, int | None, int]]    # (len a, len b or None, operand pairs)
    skipped: list[str]                             # classes the constraint leaves empty
    failures: list[tuple[int, int | None]]

    def size(self, oversample: int) -> int:
        return sum(n for _, _, n in self.classes) + oversample * len(self.failures)


def class_label(la: int, lb: int | None) -> str:
    return str(la) if lb is None else f"{la}x{lb}"


def _library_specs(specs: Iterable[str]) -> list[str]:
    """The specs that name .tm files (the others are machines of the library)."""
    return [s for s in specs if s.endswith(".tm") or Path(s).is_file()]


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
    failures = (_read_failures(s.failures, machines, names) if s.failures
                else {name: [] for name in names})
    plans = []
    for name in names:
        arity = len(machines.machines[name].operands)
        constraint = constraint_for(name, arity, b_cap=s.b_cap, quotient_cap=s.quotient_cap)
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


# ---- the problem stream ------------------------------------------------------------------

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


def pair_class(a: int, b: int | None) -> tuple[int, int | None]:
    return digits(a), None if b is None else digits(b)


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


# ---- problems → records (in the worker processes) ----------------------------------------

# (kind, split) → file name, and back
FILES = {(kind, split): f"{split}.jsonl" if kind == "executor" else f"aligner_{split}.jsonl"
         for kind in ("executor", "aligner") for split in SPLITS}
FILE_ROLES = {name: role for role, name in FILES.items()}


@dataclass
class Chunk:
    """What the workers hand back for one chunk of problems."""
    problems: int
    text: dict[str, str]                  # file name → its JSON lines
    records: Counter                      # (machine, class, file name) → records
    machines: list[str]                   # machines of the records, in order of first record
    alphabet: set[str]
    # --distinct: per file, each line's (record key, problem's machine, class), in line order
    keys: dict[str, list[tuple[int, str, str]]] | None = None


class Distinct:
    """--distinct in the main process: keeps the first line of each record key in stream
    order. Each worker already drops what it met before, so little comes this far; what is left
    is the same for any number of workers (a worker's earlier chunk is earlier in the stream)."""

    def __init__(self):
        self.seen: set[int] = set()

    def __call__(self, chunk: Chunk) -> Chunk:
        text, records = {}, Counter()
        for name, keys in chunk.keys.items():
            kept = []
            for line, (key, machine, group) in zip(chunk.text[name].split("\n"), keys):
                if key not in self.seen:
                    self.seen.add(key)
                    kept.append(line + "\n")
                    records[(machine, group, name)] += 1
            if kept:
                text[name] = "".join(kept)
        return Chunk(chunk.problems, text, records, chunk.machines, chunk.alphabet)


class RecordMaker:
    """Problems → JSON lines: runs each problem in the interpreter and renders the executor
    steps (views.executor_examples) and the aligner pairs (align)."""

    def __init__(self, specs: list[str], mode: str, stage: str, with_callees: bool,
                 kinds: tuple[str, ...] = ("executor", "aligner"), distinct: bool = False):
        self.machines = load_machines(*specs)
        self.mode, self.stage, self.with_callees, self.kinds = mode, stage, with_callees, kinds
        self.seen: set[int] | None = set() if distinct else None
        stems = {name: stem for stem, name in self.machines.by_file.items()}
        self.operators = {name: OPERATORS.get(stem) for name, stem in stems.items()}
        self._intros: dict[tuple[str, str], str] = {}

    def intro(self, name: str, task: str) -> str:
        """The machine's description in the prompt stage; nothing in the plain one."""
        if self.stage == "plain":
            return ""
        key = (name, task)
        if key not in self._intros:
            self._intros[key] = describe(self.machines.machines[name], task)
        return self._intros[key]

    def records(self, p: Problem):
        """(kind, machine, a, b, step, prompt, completion) of every record of one problem."""
        operands = [p.a] if p.b is None else [p.a, p.b]
        trace = run_machine(self.machines.executables, p.machine, operands)
        executed = frames(trace) if self.with_callees else [trace]
        for t in executed if "executor" in self.kinds else ():
            a, *b = (tape.decimal for tape in t.steps[0].config.operands)
            intro = self.intro(t.machine.name, self.mode)
            for example in executor_examples(t, self.mode):
                yield ("executor", example.machine, a, b[0] if b else None, example.step,
                       intro + example.prompt, example.completion)
        op = self.operators.get(p.machine)
        if op is not None and p.b is not None and "aligner" in self.kinds:
            exe, expression = trace.machine, Expression(p.a, op, p.b)
            intro = self.intro(p.machine, "aligner")
            yield "aligner", p.machine, p.a, p.b, 0, intro + expression.text, first_step(exe, operands)
            halting = renderer(exe).state_line(trace.final)
            yield ("aligner", p.machine, p.a, p.b, len(trace.steps) - 1, intro + halting,
                   result_text(expression, halting, exe))

    def chunk(self, problems: list[Problem]) -> Chunk:
        lines: dict[str, list[str]] = {}
        records: Counter = Counter()
        machines: dict[str, None] = {}
        texts, intros = [], set()
        keys: dict[str, list] | None = None if self.seen is None else {}
        for p in problems:
            fixed: dict[tuple, tuple[str, str]] = {}
            for kind, machine, a, b, step, prompt, completion in self.records(p):
                name = FILES[kind, p.split]
                if keys is not None:
                    record = hash((name, machine, prompt, completion))
                    if record in self.seen:
                        continue
                    self.seen.add(record)
                    keys.setdefault(name, []).append((record, p.machine, p.group))
                # The members around "step" are the same for every step of a trace: encoded
                # once, by json.dumps itself (a third of the time went to dumps per record).
                key = (kind, machine, a, b)
                if key not in fixed:
                    fixed[key] = (_members(machine=machine, mode=self.mode, stage=self.stage, kind=kind, a=a, b=b),
                                  _members(len_a=len(a), len_b=None if b is None else len(b), split=p.split))
                before, after = fixed[key]
                lines.setdefault(name, []).append(
                    f'{{"prompt": {_string(prompt)}, "completion": {_string(completion)}, '
                    f'{before}, "step": {step}, {after}}}\n')
                records[(p.machine, p.group, name)] += 1
                machines.setdefault(machine)
                intro = self.intro(machine, self.mode if kind == "executor" else "aligner")
                intros.add(intro)
                texts += (prompt[len(intro):], completion)  # each description tokenized once
        return Chunk(len(problems), {n: "".join(l) for n, l in lines.items()}, records,
                     list(machines), alphabet_of(texts + sorted(intros)), keys)


# A record line is exactly json.dumps(record, ensure_ascii=False) with the keys in RECORD_KEYS order.
RECORD_KEYS = ("prompt", "completion", "machine", "mode", "stage", "kind", "a", "b", "step",
               "len_a", "len_b", "split")
_string = json.encoder.encode_basestring  # what json.dumps uses for str when ensure_ascii=False


def _members(**values) -> str:
    return json.dumps(values, ensure_ascii=False)[1:-1]


def _serve(args, tasks, results):
    """A worker process: (index, problems) from `tasks` → (index, Chunk or error) to `results`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    maker = RecordMaker(*args)
    while (task := tasks.get()) is not None:
        index, problems = task
        try:
            results.put((index, maker.chunk(problems)))
        except Exception as e:  # the parent re-raises it
            results.put((index, e))


class Workers:
    """Chunks of problems → Chunks, in order. One worker runs in this process; N run as
    processes with at most 2N chunks in flight, so memory does not grow with the dataset.
    Plain processes rather than multiprocessing.Pool: on Ctrl-C they are killed outright,
    where a Pool's shutdown can deadlock on its queues or respawn the workers it lost."""

    def __init__(self, count: int, specs: list[str], s: Settings):
        self.count, self.args = count, (specs, s.mode, s.stage, s.with_callees, s.kinds, s.distinct)
        self.processes: list = []

    def __enter__(self):
        if self.count > 1:  # started before the progress bar's thread: fork copies no running thread
            context = multiprocessing.get_context("fork")
            self.tasks, self.results = context.Queue(), context.Queue()
            self.processes = [context.Process(target=_serve, args=(self.args, self.tasks, self.results),
                                              daemon=True) for _ in range(self.count)]
            for process in self.processes:
                process.start()
        return self

    def __exit__(self, *exc):
        if not self.processes:
            return
        if exc[0] is None:
            for _ in self.processes:
                self.tasks.put(None)
            for process in self.processes:
                process.join()
        else:
            for process in self.processes:
                process.kill()
            self.tasks.cancel_join_thread()  # unsent tasks must not hold up the exit

    def map(self, chunks: Iterable[list[Problem]]) -> Iterator[Chunk]:
        if not self.processes:
            maker = RecordMaker(*self.args)
            yield from map(maker.chunk, chunks)
            return
        done: dict[int, Chunk] = {}
        sent = received = 0
        for chunk in chunks:
            self.tasks.put((sent, chunk))
            sent += 1
            while sent - received >= 2 * self.count:
                yield self._next(done, received)
                received += 1
        while received < sent:
            yield self._next(done, received)
            received += 1

    def _next(self, done: dict, index: int) -> Chunk:
        while index not in done:
            try:
                i, result = self.results.get(timeout=1)
            except queue.Empty:
                if not all(p.is_alive() for p in self.processes):  # killed, out of memory, …
                    raise CompileError("a worker process died; rerun, or use --workers 1") from None
                continue
            if isinstance(result, Exception):
                raise result
            done[i] = result
        return done.pop(index)


def batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# ---- the output folder -------------------------------------------------------------------

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
            text = chunk.text[name]
            entry = self.files.get(name)
            if entry is None:  # files are made on first record: no empty split files
                entry = self.files[name] = {"handle": open(self.temp / name, "wb"),
                                            "sha256": hashlib.sha256(), "records": 0,
                                            "first": text[:text.index("\n") + 1]}
            data = text.encode("utf-8")
            entry["handle"].write(data)
            entry["sha256"].update(data)
            entry["records"] += text.count("\n")

    def table(self) -> dict:
        """manifest.json's `files`: split, kind, records and sha256 per file."""
        table = {}
        for name in sorted(self.files):
            kind, split = FILE_ROLES[name]
            entry = self.files[name]
            table[name] = {"split": split, "kind": kind, "records": entry["records"],
                           "sha256": entry["sha256"].hexdigest()}
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


# ---- manifest and card -------------------------------------------------------------------

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
             tally: Tally, overlap: int) -> dict:
    classes = {}
    for p in plans:
        groups = [class_label(la, lb) for la, lb, _ in p.classes] + (["failures"] if p.failures else [])
        seen = tally.problems.get(p.name, {})
        classes[p.name] = {g: {"problems": dict(sorted(seen[g].items())),
                               "records": dict(sorted(tally.records.get(p.name, {}).get(g, {}).items()))}
                           for g in groups if g in seen}
    return {
        "tool": "caef compile", "version": __version__,
        "command": command_line(s.recipe), "arguments": s.recipe, "seed": s.seed,
        "mode": s.mode, "stage": s.stage, "machines": list(tally.machines),
        "sources": _sources(machines, [p.name for p in plans]),
        "files": output.table(),
        "classes": classes,
        "skipped_classes": {p.name: p.skipped for p in plans if p.skipped},
        "constraints": {p.name: asdict(p.constraint) for p in plans},
        "test_train_overlap": overlap,
        "alphabet": sorted(tally.alphabet),
    }


def card(m: dict, output: Output) -> str:
    """The dataset card: README.md of the folder."""
    files = m["files"]
    rows = "\n".join(f"| `{n}` | {f['split']} | {f['kind']} | {f['records']:,} |" for n, f in files.items())
    problems = Counter()
    for groups in m["classes"].values():
        for counts in groups.values():
            problems.update(counts["problems"])
    first = "train.jsonl" if "train.jsonl" in files else next(iter(files), None)
    example = json.dumps(json.loads(output.files[first]["first"]), indent=2, ensure_ascii=False) if first else "{}"
    return f"""# {', '.join(m['arguments']['machines'])}: {m['mode']} view, {m['stage']} stage

Training data for language models that execute the Turing machines {', '.join(m['machines'])}
step by step (CAEF), compiled by caef {m['version']} from the `.tm` sources listed in
`manifest.json` (with their sha256). One record per step of each problem's trace (kind
`executor`) and, for machines with an operator, two aligner records per problem (expression →
first step, halting state line → result). Test and train hold different operand pairs
(`test_train_overlap`: {m['test_train_overlap']}).

Made with:

    {m['command']}

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


# ---- the command -------------------------------------------------------------------------

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


def default_out(s: Settings, names: list[str]) -> Path:
    shard = f"-shard{s.shard[0]}of{s.shard[1]}" if s.shard else ""
    return Path("compiled") / f"{'+'.join(n.lower() for n in names)}-{s.mode}-{s.stage}{shard}"


def run(args) -> int:
    s = settings(args)
    specs = _library_specs(s.machines)
    machines = load_machines(*specs)
    names = list(dict.fromkeys(machines.resolve(m) for m in s.machines))
    plans = plan(machines, names, s)
    target = s.out or default_out(s, names)
    if target.exists() and not s.force:
        raise CompileError(f"{target} exists: add --force to replace it")
    total = sum(p.size(s.oversample) for p in plans)
    start, stop = (0, total) if s.shard is None else (
        s.shard[0] * total // s.shard[1], (s.shard[0] + 1) * total // s.shard[1])

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
        output.commit({"manifest.json": json.dumps(m, indent=2, ensure_ascii=False) + "\n",
                       "README.md": card(m, output)})
    elapsed = time.perf_counter() - began
    solved = sum(sum(c.values()) for groups in tally.problems.values() for c in groups.values())
    print(f"wrote {written:,} records of {solved:,} problems to {target} in {elapsed:.1f} s "
          f"({solved / max(elapsed, 1e-9):,.0f} examples/s)")
    return 0

"""Problems → records, in the worker processes: `RecordMaker` runs each problem in the
interpreter and renders the executor steps (views.executor_examples) and the aligner pairs
(align) as dataset lines; a `Chunk` is what it hands back for one chunk of problems.
`Distinct` is --distinct's last pass, in the main process.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..align import OPERATORS, TEXT_MACHINES, Expression, family_of, first_step, result_text
from ..api import load_machines
from ..describe import describe
from ..interpreter import run as run_machine
from ..render import renderer
from ..tokens import alphabet_of
from ..values import Text
from ..views import executor_examples, frames
from .dataset import FILES, RunLines
from .stream import Problem


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
                 kinds: tuple[str, ...] = ("executor", "aligner"), distinct: bool = False, from_text: bool = False):
        self.machines = load_machines(*specs)
        self.mode, self.stage, self.with_callees, self.kinds = mode, stage, with_callees, kinds
        self.seen: set[int] | None = set() if distinct else None
        stems = self.machines.stems
        self.operators = {name: OPERATORS.get(stem) for name, stem in stems.items()}
        # --from-text: a machine with an operator is entered by its text, through this machine
        self.text_machines = {name: self.machines.resolve(TEXT_MACHINES[family_of(stem)])
                              for name, stem in stems.items() if from_text and self.operators[name]}
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
        op = self.operators.get(p.machine)
        aligner_pairs = op is not None and p.b is not None and "aligner" in self.kinds
        by_text = p.machine in self.text_machines and p.b is not None
        # The machine's own run: the executor's records unless entered by its text, and the
        # aligner pairs' halting line.
        trace = run_machine(self.machines.executables, p.machine, operands) if aligner_pairs or not by_text else None
        entered = (run_machine(self.machines.executables, self.text_machines[p.machine],
                               [Expression(p.a, op, p.b).text]) if by_text else trace)
        executed = frames(entered) if self.with_callees else [entered]
        for t in executed if "executor" in self.kinds else ():
            a, *b = (str(tape) if isinstance(tape, Text) else tape.decimal for tape in t.steps[0].config.operands)
            intro = self.intro(t.machine.name, self.mode)
            for example in executor_examples(t, self.mode):
                yield ("executor", example.machine, a, b[0] if b else None, example.step,
                       intro + example.prompt, example.completion)
        if aligner_pairs:
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
            runs: dict[tuple, RunLines] = {}  # a run's fixed fields, encoded once
            for kind, machine, a, b, step, prompt, completion in self.records(p):
                name = FILES[kind, p.split]
                if keys is not None:
                    record = hash((name, machine, prompt, completion))
                    if record in self.seen:
                        continue
                    self.seen.add(record)
                    keys.setdefault(name, []).append((record, p.machine, p.group))
                key = (kind, machine, a, b)
                if key not in runs:
                    runs[key] = RunLines(machine, self.mode, self.stage, kind, a, b, p.split)
                lines.setdefault(name, []).append(runs[key].line(prompt, completion, step))
                records[(p.machine, p.group, name)] += 1
                machines.setdefault(machine)
                intro = self.intro(machine, self.mode if kind == "executor" else "aligner")
                intros.add(intro)
                texts += (prompt[len(intro):], completion)  # each description tokenized once
        return Chunk(len(problems), {n: "".join(l) for n, l in lines.items()}, records,
                     list(machines), alphabet_of(texts + sorted(intros)), keys)

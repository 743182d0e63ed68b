"""The executor interface: what the runtime asks of the model, and the exact memo of its answers.

The model sits behind `Executor.generate(machine, prompts)`: `trainer.language_models` implements
it with trained models, `trainer.testing.OracleExecutor` with the interpreter's own answers. A
problem asks by yielding a `Request` and receives a `Generation`; `Memo` sits between the
problems and the executor so that a distinct prompt is asked once per run. No torch here.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple, Protocol

# A random-positions model misreads a few draws; the most common of 5 completions is right
# where one draw is not (docs/results.md, the rows read at one draw and at 5).
DEFAULT_POSITION_DRAWS = 5


class Generation(NamedTuple):
    """One completion: its text (EOS excluded), whether it ended with EOS within the token
    limit, and the tokens read (prompt) and written (completion and EOS), every position draw's;
    `unread`: why the model could not read the prompt (a line too long for the positions its run
    was trained at), None when it could."""
    text: str
    finished: bool = True
    read: int = 0
    written: int = 0
    unread: str | None = None


class Executor(Protocol):
    """What the runtime needs from the model(s) of one mode."""
    mode: str

    def covers(self, machine: str) -> bool:
        """Whether a model executes `machine` (declared name)."""

    def has_aligner(self, machine: str) -> bool:
        """Whether a trained aligner maps `machine`'s expressions to steps and back."""

    def generate(self, machine: str, prompts: list[str], aligner: bool = False) -> list[Generation]:
        """Greedy completions of `prompts`, by `machine`'s executor (or its aligner)."""


class Request(NamedTuple):
    machine: str
    prompt: str
    aligner: bool = False


class Memo:
    """An exact memo of model decisions, shared by every problem of a run. With greedy
    decoding a model's completion is a function of its prompt, so each distinct prompt of a
    machine (and its model or adapter: routes are per machine and aligner) is asked once; in
    the head view a long LONG_MUL asks only the distinct questions its views hold. `asked`
    counts the prompts sent to the model, `answered` every prompt answered. Bounded (least
    recently used out first): full and tape prompts rarely come back. Disabled (`size` 0), it
    sends every prompt to the model and only counts."""

    SIZE = 200_000

    def __init__(self, executor: Executor, size: int = SIZE):
        self.inner, self.size = executor, size
        self.mode = executor.mode
        self.answers: OrderedDict[tuple[str, bool, str], Generation] = OrderedDict()
        self.asked = self.answered = 0

    def covers(self, machine: str) -> bool:
        return self.inner.covers(machine)

    def has_aligner(self, machine: str) -> bool:
        return self.inner.has_aligner(machine)

    def generate(self, machine: str, prompts: list[str], aligner: bool = False) -> list[Generation]:
        self.answered += len(prompts)
        if not self.size:
            self.asked += len(prompts)
            return self.inner.generate(machine, prompts, aligner)
        answers = self.answers
        keys = [(machine, aligner, p) for p in prompts]
        for key in keys:
            if key in answers:
                answers.move_to_end(key)  # recently used: the last to be forgotten
        missing = list(dict.fromkeys(k for k in keys if k not in answers))
        new = dict(zip(missing, self.inner.generate(machine, [k[2] for k in missing], aligner) if missing else []))
        replies = [new[k] if k in new else answers[k] for k in keys]
        answers.update(new)
        self.asked += len(new)
        while len(answers) > self.size:
            answers.popitem(last=False)
        return replies

"""Executor examples in the three modes of docs/design.md, from one trace.

  full  prompt = step t as the paper's executor reads it, completion = step t+1
        (basic machines: state + "\\n" + command + "\\n"; composites: the input/output blocks)
  tape  prompt = the state line of step t, completion = its command line
  head  prompt = the finite-control line of step t (state, symbol under each head, the values
        the rules read: caef_dsl/finite.py), completion = its command line, which names a moved
        number instead of spelling it

In `tape` and `head` modes a composite's calls are separate problems of the called machines
(their own traces); the runtime applies every command with the interpreter's action code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .configuration import Trace
from .render import renderer, step_pairs

MODES = ("full", "tape", "head")


@dataclass(frozen=True, slots=True)
class Example:
    machine: str
    step: int
    prompt: str
    completion: str


def executor_examples(trace: Trace, mode: str, *, callees: bool = False) -> Iterator[Example]:
    """The executor's (prompt, completion) pairs of a trace; with `callees`, those of every
    nested call trace too (so each machine a composite calls gets its training data)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (known: {', '.join(MODES)})")
    name = trace.machine.name
    if mode == "full":
        pairs = step_pairs(trace)
        if trace.machine.composite:
            for t, (prompt, completion) in enumerate(pairs):
                yield Example(name, t, prompt, completion)
        else:
            texts = [f"{state}\n{command}\n" for state, command in pairs]
            for t in range(len(texts) - 1):
                yield Example(name, t, texts[t], texts[t + 1])
    else:
        prompt, completion = renderer(trace.machine).executor_view(mode)
        for t, step in enumerate(trace.steps[:-1]):
            yield Example(name, t, prompt(step.config), completion(step.command))
    if callees:
        for frame in frames(trace):
            if frame is not trace:
                yield from executor_examples(frame, mode)


def frames(trace: Trace) -> Iterator[Trace]:
    """A trace and every trace it calls, depth first in call order."""
    yield trace
    for step in trace.steps:
        if step.call is not None:
            yield from frames(step.call)

"""The comparison with the interpreter: where a model's run first leaves the reference.

`expected_frame` lays the interpreter's trace out as a model run (the prompts and completions
the executor is trained on, frame by frame); `compare` walks a `Solution` against it in
execution order, aligners included, and names the first step that differs as a `Divergence`
(`caef solve --check`, `caef eval`, `caef crosscheck`).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from caef_dsl.align import first_step, read_result
from caef_dsl.interpreter import Trace
from caef_dsl.render import entering_block, renderer, returning_block
from trainer.runtime import Frame, Solution, StepRecord


def expected_frame(trace: Trace, mode: str) -> Frame:
    """The interpreter's run in the shape of a model run (the prompts and completions the
    executor is trained on, in execution order)."""
    exe, steps = trace.machine, trace.steps
    r = renderer(exe)
    frame = Frame(exe.name, halting_line=r.state_line(trace.final))
    if mode == "full":
        if steps[0].call is not None:
            frame.opening = expected_frame(steps[0].call, mode)
        following = entering_block if exe.composite else returning_block
        for now, nxt in zip(steps, steps[1:]):
            call = expected_frame(nxt.call, mode) if nxt.call is not None else None
            frame.steps.append(StepRecord(returning_block(now), following(nxt), call, config=now.config))
        return frame
    prompt, completion = r.executor_view(mode)
    for s in steps[:-1]:
        call = expected_frame(s.call, mode) if s.call is not None else None
        frame.steps.append(StepRecord(prompt(s.config), completion(s.command), call, config=s.config))
    return frame


@dataclass
class Divergence:
    """The first step where the model's run leaves the interpreter's."""
    where: str                      # "ADD step 3", "MUL step 2 › ADD step 1", "ADD aligner"
    machine: str
    step: int | None
    state: str | None
    reads: dict                     # head (or read output) → symbol under it
    prompt: str
    expected: str
    produced: str | None
    fields: list                    # [expected field, produced field] where they differ
    error: str | None = None

    def as_json(self) -> dict:
        return {"where": self.where, "machine": self.machine, "step": self.step, "state": self.state,
                "reads": self.reads, "prompt": self.prompt, "expected": self.expected,
                "produced": self.produced, "fields": self.fields, "error": self.error}


_FIELD = re.compile(r"\[\w+\] \w+(?=,|$)|[^\s,]+")


def field_diff(expected: str, produced: str) -> list[list[str]]:
    """The fields (command fragments, state-line cells) that differ, as [expected, produced]."""
    a, b = _FIELD.findall(expected), _FIELD.findall(produced)
    diff = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    return [[" ".join(a[i1:i2]), " ".join(b[j1:j2])] for tag, i1, i2, j1, j2 in diff if tag != "equal"]


def _diverged(where: str, want: Frame, t: int, got: StepRecord | None, error: str | None) -> Divergence:
    w = want.steps[t]
    config = w.config
    reads = dict(zip(config.machine.reader_names, config.symbols())) if config is not None else {}
    produced = got.completion if got is not None else None
    return Divergence(f"{where}{want.machine} step {t}", want.machine, t, config and config.state, reads,
                      w.prompt, w.completion, produced, field_diff(w.completion, produced or ""),
                      (got.error if got is not None else None) or error)


def first_divergence(got: Frame, want: Frame, error: str | None = None, where: str = "") -> Divergence | None:
    """The first step, in execution order, where `got` (a model run) differs from `want` (an
    expected frame): a different completion, a format error, or a run that stopped early."""
    if want.opening is not None:
        found = first_divergence(got.opening or Frame(want.opening.machine), want.opening, error,
                                 f"{where}{want.machine} opening › ")
        if found:
            return found
    for t, w in enumerate(want.steps):
        g = got.steps[t] if t < len(got.steps) else None
        if g is None or g.error or g.completion != w.completion:
            return _diverged(where, want, t, g, (error or "the run stopped") if g is None else None)
        if w.call is not None:
            found = first_divergence(g.call or Frame(w.call.machine), w.call, error,
                                     f"{where}{want.machine} step {t} › ")
            if found:
                return found
    return None


def compare(solution: Solution, trace: Trace, mode: str) -> Divergence | None:
    """Where a model's solution first differs from the interpreter's run (None: nowhere),
    the aligners' outputs included."""
    exe = trace.machine
    task = solution.task
    first = first_step(exe, list(task.operands))
    label = f"{exe.name} aligner"
    error = str(solution.error) if solution.error else None
    if solution.first != first:
        return Divergence(label, exe.name, None, exe.start, {}, task.label, first, solution.first,
                          field_diff(first, solution.first or ""), error)
    found = first_divergence(solution.frame, expected_frame(trace, mode), error)
    if found is not None:
        return found
    halting_line = renderer(exe).state_line(trace.final)
    want = read_result(halting_line, exe)
    if solution.result != want:
        return Divergence(label, exe.name, None, exe.halt, {}, halting_line, want, solution.result,
                          [[want, solution.result or ""]], error)
    return None

"""A test double of the model: an executor that answers with the interpreter's own steps.

`OracleExecutor` is a perfect model: with it the runtime's protocol runs without any weights
(tests/runtime/test_protocol.py), and a benchmark counts what a perfect model reads and writes.
"""
from __future__ import annotations

from typing import Iterable

from caef_dsl.align import first_step, read_result
from caef_dsl.interpreter import run
from caef_dsl.machine_set import MachineSet
from caef_dsl.render import renderer
from caef_dsl.views import executor_examples
from trainer.executor import Generation
from trainer.runtime import Task


class OracleExecutor:
    """Answers every prompt of the given tasks with the interpreter's exact next step (the
    training data's completion), and anything else with text no machine reads. For testing
    the runtime's protocol and for counting what a perfect model reads and writes."""

    def __init__(self, machines: MachineSet, tasks: Iterable[Task], mode: str, *, aligner: bool = False,
                 tokens=None):
        self.mode, self.aligner = mode, aligner
        self.count = tokens or (lambda text: 0)
        self.answers: dict[tuple, str] = {}
        self.calls: list[tuple[str, int]] = []  # (machine, batch size) of every generate call
        self.names = set()
        for task in tasks:
            trace = run(machines.executables, task.machine, list(task.operands))
            for e in executor_examples(trace, mode, callees=True):
                self.answers[(e.machine, e.prompt, False)] = e.completion
                self.names.add(e.machine)
            if task.expression is not None:
                halting = renderer(trace.machine).state_line(trace.final)
                self.answers[(task.machine, task.expression.text, True)] = first_step(trace.machine, list(task.operands))
                self.answers[(task.machine, halting, True)] = task.expression.text + read_result(halting, trace.machine)

    def covers(self, machine: str) -> bool:
        return machine in self.names

    def has_aligner(self, machine: str) -> bool:
        return self.aligner

    def generate(self, machine: str, prompts: list[str], aligner: bool = False) -> list[Generation]:
        self.calls.append((machine, len(prompts)))
        out = []
        for p in prompts:
            text = self.answers.get((machine, p, aligner), "?")
            out.append(Generation(text, True, self.count(p), self.count(text) + 1))
        return out

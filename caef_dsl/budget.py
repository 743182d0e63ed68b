"""What one run may spend: steps over all its frames, and how deep its calls may nest.

One `Budget` goes with a run through every frame it opens, the fast paths included (a quiet
call and a call answered from the memo spend the steps the call takes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import CallDepthExceeded, LoopDetected, StepBudgetExceeded

MAX_STEPS_PER_RUN = 10_000_000  # steps of one run, every frame counted (`--max-steps`)
MAX_CALL_DEPTH = 32             # frames calls may nest below the first (`--max-depth`)


@dataclass
class Budget:
    """Steps left across every frame of one run, and how deep calls may nest."""
    max_steps: int = MAX_STEPS_PER_RUN
    max_depth: int = MAX_CALL_DEPTH
    used: int = field(default=0)

    def spend(self, steps: int, name: str) -> None:
        self.used += steps
        if self.used > self.max_steps:
            raise self.exceeded([name])

    def exceeded(self, chain: list[str]) -> StepBudgetExceeded:
        """The error of a run out of steps in the frame `chain` ends with, its callers before it
        (each frame a call opened adds its caller on the way out: interpreter.run)."""
        error = StepBudgetExceeded(f"{' → '.join(chain)}: more than {self.max_steps} steps"
                                   f"{' in all' if len(chain) > 1 else ''} "
                                   f"(raise the budget with --max-steps)")
        error.chain = chain
        return error

    def enter(self, depth: int, name: str) -> None:
        if depth > self.max_depth:
            raise CallDepthExceeded(f"calls nested deeper than {self.max_depth} frames (at {name})")


# A frame keeps its steps for its trace up to here; a run past it that has not halted goes on
# without keeping them (memory stays flat up to the step budget) and, should it halt after
# all, runs again from its start to record its trace. A power of two: a mark is taken there.
KEEP_STEPS = 1 << 17


def repeats(name: str, begin: int, end: int, state: str) -> LoopDetected:
    return LoopDetected(f"{name}: the configuration of step {begin} repeats at step {end} "
                        f"(state {state}): the machine never halts")


def never_halts(name: str, configs, lap: int) -> LoopDetected:
    """The error of a run whose last configuration, `configs[-1]`, equals an earlier one.

    The run loops watch for a repeat as Brent's cycle finding does: each compares every new
    configuration with one kept mark, taken again at step 1, 2, 4, 8, … (`lap` is the next
    such step, so the mark is step `lap // 2`): no memory beyond the mark, one comparison a
    step. A run is a function of its configuration (calls included: a call's result is a
    function of its arguments), so a repeat is a certain loop. The steps before the mark
    that already repeat with the same period are walked back to name where the loop began."""
    period = len(configs) - 1 - lap // 2
    begin = lap // 2
    while begin > 0 and configs[begin - 1] == configs[begin - 1 + period]:
        begin -= 1
    return repeats(name, begin, begin + period, configs[begin].state)

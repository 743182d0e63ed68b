"""What one run may spend: steps over all its frames, and how deep its calls may nest.

One `Budget` goes with a run through every frame it opens, the fast paths included (a quiet
call and a call answered from the memo spend the steps the call takes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import CallDepthExceeded, StepBudgetExceeded

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
            raise StepBudgetExceeded(f"{name}: more than {self.max_steps} steps "
                                     f"(raise the budget with --max-steps)")

    def enter(self, depth: int, name: str) -> None:
        if depth > self.max_depth:
            raise CallDepthExceeded(f"calls nested deeper than {self.max_depth} frames (at {name})")

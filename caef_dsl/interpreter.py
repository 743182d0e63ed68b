"""The reference interpreter: `run` a machine on its operands to its halt state, and keep
the whole trace, calls nested.

A run is a loop over steps: the machine decides a command from its configuration
(`executable.Executable.decide`: the one rule that fires) and `actions.apply` carries it out,
running a call in a frame of its own one deeper. Every frame spends one `budget.Budget`: the
steps of the whole run, and how deep its calls may nest. The stages, in reading order:

  expressions.py    rule expressions as closures
  configuration.py  Configuration, OutputTape, CallSite, GotoSite, Step, Trace
  executable.py     the machine ready to run: rules, decisions
  actions.py        what a command does to a configuration (`apply`, shared with the runtime)
  budget.py         steps and call depth a run may take
  interpreter.py    this loop
  fast_paths.py     the same steps, taken faster: cached effects, quiet calls, sweeps, the
                    memo of calls; a reader of the semantics can skip it

The loop below is the semantics. Two fast paths take its place where they can: a machine that
decides from its finite control alone runs by its cached effects (`run_recorded`), and a call
is answered from the callee's memo or, for a callee that calls nothing, run without recording
its steps (`run_quietly`).
"""
from __future__ import annotations

from .actions import apply
from .budget import MAX_CALL_DEPTH, MAX_STEPS_PER_RUN, Budget
from .configuration import Step, Trace
from .fast_paths import run_quietly, run_recorded
from .values import Digits


def run(machines: "dict[str, Executable]", name: str, operands, *,
        max_steps: int = MAX_STEPS_PER_RUN, max_depth: int = MAX_CALL_DEPTH,
        _budget: Budget | None = None, _depth: int = 0) -> Trace:
    """Run machine `name` on `operands` to its halt state; the whole trace, calls nested."""
    budget = _budget or Budget(max_steps, max_depth)
    budget.enter(_depth, name)
    exe = machines[name]
    if exe.decisions_cacheable:  # the same steps, each carried out by its cached effect
        return run_recorded(exe, operands, budget)
    config = exe.initial(operands)

    def run_call(callee: str, args: list[Digits]):
        """The callee's run in a frame one deeper, on this run's budget."""
        exe = machines[callee]
        memo = exe.fast_paths.calls
        key = memo.key(args, budget.max_depth - _depth)
        trace = memo.recall(key, budget, name)
        if trace is None:
            if exe.decisions_cacheable:
                budget.enter(_depth + 1, callee)
                trace = run_quietly(exe, args, budget)
            else:
                trace = run(machines, callee, args, _budget=budget, _depth=_depth + 1)
            memo.keep(key, trace)
        return trace.result, trace

    steps = []
    while config.state != exe.halt:
        budget.spend(1, name)
        command = exe.decide(config)
        next_config, callee = apply(config, command, run_call)
        steps.append(Step(config, command, callee))
        config = next_config
    steps.append(Step(config, None, None))
    return Trace(exe, steps)

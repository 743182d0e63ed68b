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
  budget.py         steps and call depth a run may take; a repeated configuration (a loop)
  interpreter.py    this loop
  fast_paths.py     the same steps, taken faster: cached effects, quiet calls, sweeps, the
                    memo of calls; a reader of the semantics can skip it

The loop below is the semantics. Three ways it ends other than halting, alike on every path:
a register written outside its declared range (`actions.apply` raises; the loop names the
step and rule), a configuration that repeats (`budget.never_halts`), the budget spent (the
message names the chain of callers). Past `budget.KEEP_STEPS` steps a frame keeps none, and
runs again to record them only if it halts.

The loop below is the semantics. Two fast paths take its place where they can: a machine that
decides from its finite control alone runs by its cached effects (`run_recorded`), and a call
is answered from the callee's memo or, for a callee that calls nothing, run without recording
its steps (`run_quietly`).
"""
from __future__ import annotations

from .actions import apply, located
from .budget import KEEP_STEPS, MAX_CALL_DEPTH, MAX_STEPS_PER_RUN, Budget, never_halts, repeats
from .configuration import Step, Trace
from .errors import OutOfRange, StepBudgetExceeded
from .fast_paths import run_quietly, run_recorded
from .values import Digits


def run(machines: "dict[str, Executable]", name: str, operands, *,
        max_steps: int = MAX_STEPS_PER_RUN, max_depth: int = MAX_CALL_DEPTH,
        _budget: Budget | None = None, _depth: int = 0, _keep: int = KEEP_STEPS) -> Trace:
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
        try:
            trace = memo.recall(key, budget, callee)
            if trace is None:
                if exe.decisions_cacheable:
                    budget.enter(_depth + 1, callee)
                    trace = run_quietly(exe, args, budget)
                else:
                    trace = run(machines, callee, args, _budget=budget, _depth=_depth + 1)
                memo.keep(key, trace)
        except StepBudgetExceeded as error:  # name the frames it ran out in, callers first
            raise budget.exceeded([name, *error.chain]) from None
        return trace.result, trace

    start, steps, n = budget.used, [], 0
    record = steps.append
    mark, lap = config, 1  # watching for a repeat (budget.never_halts)
    try:
        while config.state != exe.halt:
            budget.spend(1, name)
            command = exe.decide(config)
            next_config, callee = apply(config, command, run_call)
            record(Step(config, command, callee))
            config, n = next_config, n + 1
            if config == mark:
                raise (never_halts(name, [s.config for s in steps] + [config], lap) if steps
                       else repeats(name, lap // 2, n, config.state))
            if n == lap:
                if n == _keep:  # long, and not halted: go on keeping no step
                    steps, record = [], _forget
                mark, lap = config, 2 * lap
    except OutOfRange as error:
        raise located(error, config, n)
    if record is _forget:  # it halted after all: run again, keeping every step
        budget.used = start
        return run(machines, name, operands, _budget=budget, _depth=_depth, _keep=0)
    steps.append(Step(config, None, None))
    return Trace(exe, steps)


def _forget(step: Step) -> None:
    """Where a run past budget.KEEP_STEPS puts its steps: nowhere."""

"""The problem driver: a trained language model runs a machine step after step.

    expression ──aligner──► first step ──executor, step after step──► halting line ──aligner──► result

The model sits behind `Executor.generate(machine, prompts)` (`trainer.executor`); everything
here is pure Python (no torch), so a stub that answers with the interpreter's text
(`trainer.testing.OracleExecutor`) runs the same code as a trained model. Per mode
(docs/design.md, "Three execution modes"):

  full  the model writes the next step (basic machines) or the next block (composites, the
        paper's protocol): a block that calls shows the callee's first step, the callee runs
        from there with its own executor, and its halting line goes into the next input block,
        laid out as `caef_dsl.render.returning_block` lays it out. The stop rule is the paper's:
        the model writes the halt command.
  tape, head  the model writes the command for the state line (or the finite-control line);
        the runtime reads it back (`Renderer.parse_command`) and carries it out with the
        interpreter's action code (`caef_dsl.actions.apply`), never consulting the rules;
        a call runs the callee with the model. The run stops at the halt state.

Each problem is a generator that yields `Request`s and receives `Generation`s; `drive` runs
many of them at once, batching the requests of one machine (and adapter) into one greedy,
KV-cached generation; problems that halt or fail ask nothing more, so they leave the batch.
A malformed output never raises: it ends the problem with a `FormatError` kept on the step.
`trainer.comparison` holds a finished run against the interpreter's.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Generator, NamedTuple

from caef_dsl.actions import apply
from caef_dsl.align import OPERATORS, TEXT_MACHINES, Expression, family_of, first_step, read_result
from caef_dsl.configuration import CallSite, Configuration, Trace
from caef_dsl.errors import CaefError, TextParseError
from caef_dsl.formulas import Formula
from caef_dsl.machine_set import MachineSet
from caef_dsl.render import HALT_COMMAND, renderer
from caef_dsl.views import MODES, executor_examples
from trainer.executor import Executor, Generation, Memo, Request

# The budget of model steps per problem, every frame counted (`--max-steps`): far above the
# longest runs a model is asked to make (docs/runtime.md), so it ends only a run that would
# never halt without repeating a configuration (a repeat ends it as a loop).
MAX_MODEL_STEPS = 1_000_000
DEFAULT_BATCH_SIZE = 64


# ---- what a run leaves ---------------------------------------------------------------------

@dataclass
class StepRecord:
    """One executor call: what the model read and wrote, the call its output led to (tape,
    head: the call the command makes; full: the callee its block enters), and, in expected
    frames, the interpreter's configuration at this step."""
    prompt: str
    completion: str
    call: "Frame | None" = None
    error: str | None = None
    config: Configuration | None = None


@dataclass
class Frame:
    """One machine's run, as the interpreter nests frames. `opening` is the call made by a
    full-mode first step (its block cannot show the callee's first step)."""
    machine: str
    steps: list[StepRecord] = field(default_factory=list)
    halting_line: str | None = None
    opening: "Frame | None" = None

    def total_steps(self) -> int:
        """Model steps of this frame and of every call it made."""
        calls = [s.call for s in self.steps if s.call is not None]
        if self.opening is not None:
            calls.append(self.opening)
        return len(self.steps) + sum(c.total_steps() for c in calls)


class FormatError(CaefError):
    """A model output the runtime cannot use. `kind`: parse (not a line of the machine),
    apply (a command the action code refuses), protocol (a block of the wrong shape), eos (no
    EOS within the token limit), loop (back to an earlier step: greedy decoding would repeat
    it forever), budget (more steps than allowed), positions (a prompt, the model's own line
    fed back, too long for the positions the model reads at), aligner. `step`: the model's step it is
    about (None: an aligner's output, or the budget); the problem's program records the error
    there when it ends the problem."""

    def __init__(self, kind: str, message: str, step: StepRecord | None = None):
        super().__init__(f"{kind}: {message}")
        self.kind, self.step = kind, step


class Task(NamedTuple):
    """One problem: a machine (declared name), its operands, and its expression when the
    machine has an operator (the trained aligner reads it). Entered by its text, the machine
    is a text machine (ALIGN, ALIGN_LONG) and the operand the expression's text; a Formula
    (several operators) is EVALUATE's."""
    machine: str
    operands: tuple[str, ...]
    expression: Expression | Formula | None = None

    @property
    def label(self) -> str:
        return self.expression.text if self.expression else f"{self.machine}({', '.join(self.operands)})"


def make_task(machines: MachineSet, machine: str, a, b=None) -> Task:
    """A Task for operands of a machine given by file stem, declared name or path; checked."""
    name = machines.resolve(str(machine))
    operands = tuple(str(v) for v in (a, b) if v is not None)
    machines.executable(name).initial(list(operands))  # operand count, digits, `require`s
    stem = machines.stems.get(name)
    op = OPERATORS.get(stem)
    expression = Expression(operands[0], op, operands[1]) if op and len(operands) == 2 else None
    return Task(name, operands, expression)


@dataclass
class Solution:
    task: Task
    frame: Frame
    first: str | None = None          # the aligner's first step
    result: str | None = None         # the output aligner's reading
    error: FormatError | None = None
    read: int = 0
    written: int = 0

    @property
    def result_text(self) -> str | None:
        if self.result is None:
            return None
        return self.task.expression.text + self.result if self.task.expression else self.result


# ---- one problem, as a generator of requests ---------------------------------------------

class NeedCall(Exception):
    """Raised through `apply` when a command calls a machine whose result is not known yet:
    the runtime runs the callee with the model, then applies the command again (apply is a
    pure function of the configuration)."""

    def __init__(self, machine: str, args: list):
        super().__init__(machine)
        self.machine, self.args = machine, args


def _known_results(results: dict):
    def run_call(machine, args):
        key = (machine, tuple(args))
        if key not in results:
            raise NeedCall(machine, args)
        return results[key], None
    return run_call


def _called(command: tuple) -> CallSite | None:
    return next((a[1] for a in command if a[0] == "call"), None)


class Problem:
    """The run of one task: tokens spent, steps left, and the program that yields requests."""

    def __init__(self, runtime: "Runtime", task: Task, max_steps: int):
        self.runtime, self.task, self.max_steps = runtime, task, max_steps
        self.solution = Solution(task, Frame(task.machine))
        self.steps_left = max_steps

    def ask(self, request: Request, frame: Frame | None = None):
        """Yield one request; record the step on `frame` (None: an aligner call)."""
        reply = yield request
        self.solution.read += reply.read
        self.solution.written += reply.written
        step = None
        if frame is not None:
            step = StepRecord(request.prompt, reply.text)
            frame.steps.append(step)
        if reply.unread:
            raise FormatError("positions", reply.unread, step)
        if not reply.finished:
            raise FormatError("eos", f"no end of sequence within the token limit: {reply.text[:80]!r}…", step)
        return reply.text, step

    def model_step(self, frame: Frame, prompt: str):
        if self.steps_left <= 0:
            raise FormatError("budget", f"more than {self.max_steps} steps")
        self.steps_left -= 1
        return (yield from self.ask(Request(frame.machine, prompt), frame))

    def program(self) -> Generator[Request, Generation, Solution]:
        s, rt = self.solution, self.runtime
        exe = rt.machines.executable(self.task.machine)
        try:
            s.first = yield from self.align_input()
            if rt.mode == "full":
                yield from self.run_full(s.frame, s.first)
                halting_line = s.frame.halting_line
            else:
                state_line = s.first.split("\n", 1)[0]
                try:
                    operands = renderer(exe).parse_state_line(state_line).operands
                    config = exe.initial(list(operands))
                except CaefError as e:
                    raise FormatError("aligner", f"{e}") from None
                final = yield from self.run_view(s.frame, config)
                halting_line = renderer(exe).state_line(final)
            s.result = yield from self.align_output(halting_line)
        except FormatError as e:
            s.error = e
            if e.step is not None:
                e.step.error = str(e)
        return s

    # -- the aligners
    def align_input(self):
        exe = self.runtime.machines.executable(self.task.machine)
        if not self.runtime.trained_aligner(self.task):
            return first_step(exe, list(self.task.operands))
        text, _ = yield from self.ask(Request(self.task.machine, self.task.expression.text, aligner=True))
        return text

    def align_output(self, halting_line: str):
        if not self.runtime.trained_aligner(self.task):
            return read_result(halting_line, self.runtime.machines.executable(self.task.machine))
        text, _ = yield from self.ask(Request(self.task.machine, halting_line, aligner=True))
        head = self.task.expression.text
        if not text.startswith(head) or not text[len(head):]:
            raise FormatError("aligner", f"expected {head}<result>, got {text!r}")
        return text[len(head):]

    # -- full mode
    def run_full(self, frame: Frame, block: str, origin: StepRecord | None = None):
        """Run `frame` from its first step `block` to the halt command: its steps, its calls
        and its halting line. `origin` is the step whose output block holds `block` (None: an
        aligner wrote it); a malformed first step is that step's error."""
        exe = self.runtime.machines.executable(frame.machine)
        r, step, first = renderer(exe), origin, True
        seen = set()
        while True:
            try:
                # A first step is a state and a command line; later outputs of a composite are
                # blocks that may show a callee's first step (docs/trace-format.md).
                state_line, command_line, callee_start = _split_block(block, exe.composite and not first)
                config = r.parse_state_line(state_line)
                command = r.parse_command(config.state, command_line)
                if command is None and config.state != exe.halt:
                    raise TextParseError(f"the halt command in state {config.state}, not {exe.halt}")
            except TextParseError as e:
                kind = "protocol" if isinstance(e, BlockError) else "parse" if step else "aligner"
                raise FormatError(kind, str(e), step) from None
            if command is None:
                frame.halting_line = state_line
                return
            prompt = f"{state_line}\n{command_line}\n"
            site = _called(command)
            if site is not None:
                callee = Frame(site.machine)
                if first:
                    # A first step shows no callee step: the runtime aligns the callee itself,
                    # on the operands the action code passes to it.
                    frame.opening = callee
                    callee_start = self.call_first_step(exe, config, command, step)
                elif callee_start is None:
                    raise FormatError("protocol", f"the block calls {site.machine} but shows no first step of it", step)
                else:
                    step.call = callee
                yield from self.run_full(callee, callee_start, step)
                prompt += f"{callee.halting_line}\n{HALT_COMMAND}\n"
            elif callee_start is not None:
                raise FormatError("protocol", "a block without a call shows a callee step", step)
            if prompt in seen:
                raise FormatError("loop", f"back to an earlier step of {frame.machine}", step)
            seen.add(prompt)
            block, step = yield from self.model_step(frame, prompt)
            first = False

    def call_first_step(self, exe, config: Configuration, command: tuple, step: StepRecord | None) -> str:
        """The rule aligner's first step of the machine that a first step calls."""
        try:
            apply(exe.initial(list(config.operands)), command, _known_results({}))
        except NeedCall as need:
            try:
                return first_step(self.runtime.machines.executable(need.machine), need.args)
            except CaefError as e:
                raise FormatError("apply", str(e), step) from None
        except CaefError as e:
            raise FormatError("apply", str(e), step) from None
        raise FormatError("apply", "the command names a call that the action code does not make", step)

    # -- tape and head modes
    def run_view(self, frame: Frame, config: Configuration):
        """Run `frame` from `config` to the halt state: the model writes each command, the
        action code carries it out. Returns the halting configuration."""
        exe = config.machine
        r = renderer(exe)
        view, _ = r.executor_view(self.runtime.mode)
        seen, step = set(), None
        while config.state != exe.halt:
            if config in seen:
                raise FormatError("loop", f"back to an earlier configuration of {frame.machine}", step)
            seen.add(config)
            text, step = yield from self.model_step(frame, view(config))
            try:
                command = r.parse_command(config.state, text)
            except TextParseError as e:
                raise FormatError("parse", str(e), step) from None
            if command is None:
                raise FormatError("parse", f"the halt command in state {config.state}", step)
            config = yield from self.carry_out(config, command, step)
        frame.halting_line = r.state_line(config)
        return config

    def carry_out(self, config: Configuration, command: tuple, step: StepRecord):
        """`apply`, with every call it makes run by the model first (see NeedCall)."""
        results: dict = {}
        while True:
            try:
                return apply(config, command, _known_results(results))[0]
            except NeedCall as call:
                need = call
            except CaefError as e:
                raise FormatError("apply", str(e), step) from None
            try:
                start = self.runtime.machines.executable(need.machine).initial(need.args)
            except CaefError as e:
                raise FormatError("apply", str(e), step) from None
            # The callee runs outside the try: its own format errors pass up unchanged.
            step.call = Frame(need.machine)
            final = yield from self.run_view(step.call, start)
            results[(need.machine, tuple(need.args))] = final.result


class BlockError(TextParseError):
    """An output of the wrong shape for the block protocol."""


def _split_block(block: str, composite_output: bool) -> tuple[str, str, str | None]:
    """(state line, command line, callee's first step or None). A step ends with a newline;
    a composite's output block does not, and shows the callee's first step after a call."""
    if composite_output:
        lines = block.split("\n")
        if len(lines) not in (2, 4):
            raise BlockError(f"a block has 2 or 4 lines, not {len(lines)}: {block!r}")
        callee = f"{lines[2]}\n{lines[3]}\n" if len(lines) == 4 else None
        return lines[0], lines[1], callee
    lines = block.split("\n")
    if len(lines) != 3 or lines[2] != "":
        raise BlockError(f"a step is a state line and a command line, each ending with a newline: {block!r}")
    return lines[0], lines[1], None


# ---- running many problems ---------------------------------------------------------------

def drive(executor: Executor, programs: list[Generator], batch_size: int = DEFAULT_BATCH_SIZE) -> list:
    """Run generator programs to their return values, answering their requests in batches:
    all waiting requests of one (machine, aligner) go to one `generate` call per round."""
    results: list = [None] * len(programs)
    waiting: dict[int, Request] = {}

    def advance(i: int, reply) -> None:
        try:
            waiting[i] = programs[i].send(reply)
        except StopIteration as stop:
            waiting.pop(i, None)
            results[i] = stop.value

    for i in range(len(programs)):
        advance(i, None)
    while waiting:
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i, request in waiting.items():
            groups[(request.machine, request.aligner)].append(i)
        for (machine, aligner), ids in groups.items():
            for start in range(0, len(ids), batch_size):
                chunk = ids[start:start + batch_size]
                replies = executor.generate(machine, [waiting[i].prompt for i in chunk], aligner)
                for i, reply in zip(chunk, replies):
                    advance(i, reply)
    return results


class Runtime:
    """Solves tasks with an executor: batched, model only (no transition rule is consulted
    after the rule aligner's first step)."""

    def __init__(self, executor: Executor, machines: MachineSet, *, rule_aligner: bool = False,
                 max_steps: int = MAX_MODEL_STEPS, batch_size: int = DEFAULT_BATCH_SIZE, memo: bool = True):
        if executor.mode not in MODES:
            raise CaefError(f"unknown mode {executor.mode!r} (known: {', '.join(MODES)})")
        # Every question goes to the model through the memo (disabled: it only counts).
        self.memo = Memo(executor, size=Memo.SIZE if memo else 0)
        self.machines, self.mode = machines, executor.mode
        self.rule_aligner, self.max_steps, self.batch_size = rule_aligner, max_steps, batch_size

    def asked(self) -> int:
        """Prompts sent to the model so far (with the memo on: distinct ones)."""
        return self.memo.asked

    def entered(self, task: Task, family: str | None = None) -> Task:
        """`task` as this runtime's models enter it. With --rule-aligner, or for a machine
        without an operator, as it is (the rule aligner writes the first step). Otherwise the
        model aligns: by the expression's text through the text machine of `family` (default:
        the machine's own, `align.family_of`) where the models execute it, else by a trained
        one-shot aligner; a run with neither cannot align, and says so."""
        if self.rule_aligner or not isinstance(task.expression, Expression):
            return task  # none to align, or an expression its machine reads (EVALUATE)
        text_stem = TEXT_MACHINES[family or family_of(self.machines.stems.get(task.machine))]
        text_machine = self.machines.by_file.get(text_stem)
        if text_machine is not None and self.memo.covers(text_machine):
            return Task(text_machine, (task.expression.text,), task.expression)
        if self.memo.has_aligner(task.machine):
            return task
        raise CaefError(f"the model cannot align {task.expression.text}: its run executes no text machine "
                        f"({text_machine or text_stem.upper()}) and has no trained aligner for {task.machine}; "
                        f"train with caef library, or add --rule-aligner to align by the rules")

    def trained_aligner(self, task: Task) -> bool:
        """Whether a trained aligner (rather than the rule aligner) handles `task`."""
        return (not self.rule_aligner and task.expression is not None
                and self.memo.has_aligner(task.machine))

    def require(self, machine: str) -> None:
        """Raise unless the models execute `machine` and every machine it may call."""
        todo, seen = [machine], set()
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += sorted(self.machines.machines[name].calls)
        missing = sorted(n for n in seen if not self.memo.covers(n))
        if missing:
            raise CaefError(f"no model executes {', '.join(missing)} (needed by {machine}): "
                            f"train on it (caef compile --with-callees) or add its run to --model")

    def solve(self, tasks: list[Task], max_steps: list[int] | None = None) -> list[Solution]:
        """Every task solved by the model (batched); `max_steps` per task overrides the budget."""
        budgets = max_steps or [self.max_steps] * len(tasks)
        programs = [Problem(self, t, budget).program() for t, budget in zip(tasks, budgets)]
        return drive(self.memo, programs, self.batch_size)

    def teacher_forced(self, traces: list[Trace]) -> list[tuple[int, int]]:
        """(steps right, steps) per trace: the model's completion for each of the
        interpreter's prompts (every frame), compared with the interpreter's."""
        examples = [list(executor_examples(t, self.mode, callees=True)) for t in traces]
        flat = [e for group in examples for e in group]
        replies = drive(self.memo, [_single(Request(e.machine, e.prompt)) for e in flat], self.batch_size)
        scores, at = [], 0
        for group in examples:
            right = sum(r.finished and r.text == e.completion for e, r in zip(group, replies[at:at + len(group)]))
            scores.append((right, len(group)))
            at += len(group)
        return scores


def _single(request: Request):
    return (yield request)

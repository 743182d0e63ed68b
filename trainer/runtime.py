"""The model as executor: a trained language model runs a machine step after step.

    expression ──aligner──► first step ──executor, step after step──► halting line ──aligner──► result

The model sits behind `Executor.generate(machine, prompts)`; everything else is pure Python
(no torch here), so a stub that answers with the interpreter's text (`OracleExecutor`) runs
the same code as a trained model. Per mode (docs/design.md, "Three execution modes"):

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
"""
from __future__ import annotations

import argparse
import difflib
import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Generator, Iterable, NamedTuple, Protocol

from caef_dsl.actions import apply
from caef_dsl.align import OPERATORS, Expression, first_step, read_result
from caef_dsl.configuration import CallSite, Configuration, Trace
from caef_dsl.errors import CaefError, TextParseError
from caef_dsl.interpreter import run
from caef_dsl.library import MachineSet
from caef_dsl.render import HALT_COMMAND, entering_block, renderer, returning_block
from caef_dsl.views import MODES, executor_examples

DEFAULT_MAX_STEPS = 1_000_000
DEFAULT_BATCH_SIZE = 64
# A random-positions model misreads a few draws (4 % of the steps of 20-digit ADD in the tape
# view); the most common of 5 completions is right where one draw is not (docs/results.md).
DEFAULT_POSITION_DRAWS = 5


# ---- the model interface -----------------------------------------------------------------

class Generation(NamedTuple):
    """One completion: its text (EOS excluded), whether it ended with EOS within the token
    limit, and the tokens read (prompt) and written (completion and EOS), every position draw's."""
    text: str
    finished: bool = True
    read: int = 0
    written: int = 0


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
    the head view a 42,000-step LONG_MUL asks only the few hundred distinct questions its views
    hold. `asked` counts the prompts sent to the model, `answered` every prompt answered.
    Bounded (least recently used out first): full and tape prompts rarely come back.
    Disabled (`size` 0), it sends every prompt to the model and only counts."""

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
    it forever), budget (more steps than allowed), aligner."""

    def __init__(self, kind: str, message: str, step: StepRecord | None = None):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        if step is not None and step.error is None:
            step.error = str(self)


class Task(NamedTuple):
    """One problem: a machine (declared name), its operands, and its expression when the
    machine has an operator (the trained aligner reads it)."""
    machine: str
    operands: tuple[str, ...]
    expression: Expression | None = None

    @property
    def label(self) -> str:
        return self.expression.text if self.expression else f"{self.machine}({', '.join(self.operands)})"


def make_task(machines: MachineSet, machine: str, a, b=None) -> Task:
    """A Task for operands of a machine given by file stem, declared name or path; checked."""
    name = machines.resolve(str(machine))
    operands = tuple(str(v) for v in (a, b) if v is not None)
    machines.executable(name).initial(list(operands))  # operand count, digits, `require`s
    stem = {n: s for s, n in machines.by_file.items()}.get(name)
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
                 max_steps: int = DEFAULT_MAX_STEPS, batch_size: int = DEFAULT_BATCH_SIZE, memo: bool = True):
        if executor.mode not in MODES:
            raise CaefError(f"unknown mode {executor.mode!r} (known: {', '.join(MODES)})")
        self.memo = Memo(executor, size=Memo.SIZE if memo else 0)
        self.executor, self.machines = self.memo, machines
        self.mode = executor.mode
        self.rule_aligner, self.max_steps, self.batch_size = rule_aligner, max_steps, batch_size

    def asked(self) -> int:
        """Prompts sent to the model so far (with the memo on: distinct ones)."""
        return self.memo.asked

    def trained_aligner(self, task: Task) -> bool:
        """Whether a trained aligner (rather than the rule aligner) handles `task`."""
        return (not self.rule_aligner and task.expression is not None
                and self.executor.has_aligner(task.machine))

    def require(self, machine: str) -> None:
        """Raise unless the models execute `machine` and every machine it may call."""
        todo, seen = [machine], set()
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += sorted(self.machines.machines[name].calls)
        missing = sorted(n for n in seen if not self.executor.covers(n))
        if missing:
            raise CaefError(f"no model executes {', '.join(missing)} (needed by {machine}): "
                            f"train on it (caef compile --with-callees) or add its run to --model")

    def solve(self, tasks: list[Task], max_steps: list[int] | None = None) -> list[Solution]:
        """Every task solved by the model (batched); `max_steps` per task overrides the budget."""
        budgets = max_steps or [self.max_steps] * len(tasks)
        programs = [Problem(self, t, budget).program() for t, budget in zip(tasks, budgets)]
        return drive(self.executor, programs, self.batch_size)

    def teacher_forced(self, traces: list[Trace]) -> list[tuple[int, int]]:
        """(steps right, steps) per trace: the model's completion for each of the
        interpreter's prompts (every frame), compared with the interpreter's."""
        examples = [list(executor_examples(t, self.mode, callees=True)) for t in traces]
        flat = [e for group in examples for e in group]
        replies = drive(self.executor, [_single(Request(e.machine, e.prompt)) for e in flat], self.batch_size)
        scores, at = [], 0
        for group in examples:
            right = sum(r.finished and r.text == e.completion for e, r in zip(group, replies[at:at + len(group)]))
            scores.append((right, len(group)))
            at += len(group)
        return scores


def _single(request: Request):
    return (yield request)


# ---- comparing with the interpreter ------------------------------------------------------

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


# ---- a stub executor: the interpreter's own answers --------------------------------------

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


# ---- the command-line side shared by solve, eval and crosscheck --------------------------

def add_runtime_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("models")
    g.add_argument("--model", nargs="+", required=True, metavar="RUN",
                   help="trained run folders (caef train --out), or a folder of per-operator LoRA "
                        "adapters laid out like the paper's (add/, add_aligner/, …; give --base)")
    g.add_argument("--base", metavar="DIR", help="the base checkpoint of adapters (default: the one each names)")
    g.add_argument("--rule-aligner", action="store_true",
                   help="the deterministic aligner even where a trained one exists")
    g.add_argument("--max-steps", type=int, default=DEFAULT_MAX_STEPS, metavar="N",
                   help=f"model steps per problem, all frames (default {DEFAULT_MAX_STEPS:,})")
    g.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="N",
                   help=f"prompts per generation (default {DEFAULT_BATCH_SIZE})")
    g.add_argument("--max-new-tokens", type=int, metavar="N",
                   help="token limit of one completion (default twice the prompt, plus 32)")
    g.add_argument("--position-draws", type=int, default=DEFAULT_POSITION_DRAWS, metavar="K",
                   help="a --random-positions run reads each prompt at K draws of positions and answers "
                        f"with the most common completion (default {DEFAULT_POSITION_DRAWS}; K times the compute)")
    g.add_argument("--device", help="cpu, cuda, … (default: cuda when available)")
    g.add_argument("--no-memo", dest="memo", action="store_false",
                   help="ask the model at every step (default: each distinct prompt once per run: greedy "
                        "decoding makes the answer a function of the prompt)")


def open_runtime(args, machines: MachineSet) -> Runtime:
    """The runtime over the models named on the command line (imports torch)."""
    from trainer.language_models import open_models
    if args.position_draws < 1:
        raise CaefError(f"--position-draws takes a count of at least 1, not {args.position_draws}")
    executor = open_models(args.model, machines, base=args.base, device=args.device,
                           max_new_tokens=args.max_new_tokens, position_draws=args.position_draws)
    return Runtime(executor, machines, rule_aligner=args.rule_aligner, max_steps=args.max_steps,
                   batch_size=args.batch_size, memo=args.memo)


def print_divergence(console, d: Divergence) -> None:
    """The first diverging step, for a terminal."""
    from rich.table import Table
    from rich.text import Text
    table = Table(title=f"first diverging step: {d.where}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    rows = [("state", d.state), ("reads", "  ".join(f"{k} {v}" for k, v in d.reads.items())),
            ("prompt", d.prompt.rstrip("\n")), ("expected", d.expected.rstrip("\n")),
            ("produced", "(nothing)" if d.produced is None else d.produced.rstrip("\n")),
            ("fields", "; ".join(f"{e or '∅'} → {p or '∅'}" for e, p in d.fields)), ("error", d.error)]
    for label, value in rows:
        if value:
            table.add_row(label, Text(value, style="red" if label in ("produced", "error") else ""))
    console.print(table)


def console():
    from rich.console import Console
    return Console(highlight=False, soft_wrap=True)

"""Helpers shared by the tests: the reference traces (tests/golden/, the paper's implementation's
own output, kept in this repository) and how to read them."""
import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
OPERATORS = ["add", "sub", "mul", "div", "equal", "greater_than", "less_than", "reflection", "left_mask"]


def golden_records(op: str) -> list[dict]:
    """The records of one golden file (schema: tests/golden/README.md)."""
    path = GOLDEN / f"{op}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def executor_records(case: dict, mode: str) -> list[dict]:
    """One executor record per step of a golden case, in `tape` or `full` mode, as `caef compile`
    writes them.

    tape: state line → its command line (`state_cmd` files only).
    full: state + command of step i → state + command of step i+1 (`state_cmd`), or the
    reference's own input block → output block (`io_block`).
    """
    steps = case["steps"]
    if case["step_format"] == "io_block":
        if mode != "full":
            raise ValueError(f"{case['op']}: io_block traces have only the full view")
        pairs = [(inp, out) for inp, out in steps]
    elif mode == "tape":
        pairs = [(state, command) for state, command in steps]
    elif mode == "full":
        pairs = [(f"{s}\n{c}\n", f"{s2}\n{c2}\n") for (s, c), (s2, c2) in zip(steps, steps[1:])]
    else:
        raise ValueError(f"unknown mode {mode!r}")
    a, b = case["a_str"], case["b_str"] or ""
    return [{"prompt": prompt, "completion": completion, "machine": case["op"], "mode": mode,
             "stage": "plain", "kind": "executor", "a": a, "b": b, "step": step,
             "len_a": len(a), "len_b": len(b)}
            for step, (prompt, completion) in enumerate(pairs)]


def assert_round_trips(trace):
    """Every state line and command of every frame reads back to what it shows, and a command
    read back from either view does what the interpreter's command did."""
    from caef_dsl.actions import apply
    from caef_dsl.render import renderer
    from caef_dsl.views import frames
    for frame in frames(trace):
        r = renderer(frame.machine)
        for step, after in zip(frame.steps, frame.steps[1:] + [None]):
            line = r.state_line(step.config)
            back = r.parse_state_line(line)
            assert r.state_line(back) == line
            assert back.state == step.config.state and back.operands == step.config.operands
            assert back.heads == step.config.heads or not frame.machine.head_names
            text = r.command_line(step.command)
            command = r.parse_command(step.config.state, text)
            # the full and tape views spell a moved value; the head view names it
            assert command == spelled(step.command) and r.command_line(command) == text
            head_text = r.head_command_line(step.command)
            head_command = r.parse_command(step.config.state, head_text)
            assert r.head_command_line(head_command) == head_text
            if after is not None:
                called = (lambda machine, args: (step.call.result, None)) if step.call else None
                for read_back in (command, head_command):
                    assert apply(step.config, read_back, called)[0] == after.config


def spelled(command):
    """A command as its text spells it: a moved value without the name it was moved from."""
    return command and tuple(a[:3] for a in command)

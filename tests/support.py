"""Helpers shared by the tests: where the golden traces are, and how to read them."""
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO.parent / "shared" / "golden" / "caef"
OPERATORS = ["add", "sub", "mul", "div", "equal", "greater_than", "less_than", "reflection", "left_mask"]


def golden_records(op: str) -> list[dict]:
    path = GOLDEN / f"{op}.jsonl"
    if not path.exists():
        pytest.skip(f"golden traces not found at {GOLDEN} (../shared beside the repo)")
    return [json.loads(line) for line in path.read_text().splitlines()]


def assert_round_trips(trace):
    """Every state line and command of every frame reads back to what it shows."""
    from caef_dsl.render import renderer
    from caef_dsl.views import frames
    for frame in frames(trace):
        r = renderer(frame.machine)
        for step in frame.steps:
            line = r.state_line(step.config)
            back = r.parse_state_line(line)
            assert r.state_line(back) == line
            assert back.state == step.config.state and back.operands == step.config.operands
            assert back.heads == step.config.heads or not frame.machine.head_names
            text = r.command_line(step.command)
            command = r.parse_command(step.config.state, text)
            assert command == step.command and r.command_line(command) == text

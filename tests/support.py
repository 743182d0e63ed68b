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

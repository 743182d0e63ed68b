"""The public CAEF golden traces (`../shared/golden/caef/*.jsonl`) as executor records.

Lets tests and benchmarks train on the paper's own traces without `caef compile`.
"""

from __future__ import annotations

import json
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "shared" / "golden" / "caef"


def golden_cases(path: Path) -> list[dict]:
    """The records of one golden file."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def executor_records(case: dict, mode: str) -> list[dict]:
    """One executor record per step of a golden case, in `tape` or `full` mode.

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
    return [
        {
            "prompt": prompt,
            "completion": completion,
            "machine": case["op"],
            "mode": mode,
            "stage": "plain",
            "kind": "executor",
            "a": a,
            "b": b,
            "step": step,
            "len_a": len(a),
            "len_b": len(b),
        }
        for step, (prompt, completion) in enumerate(pairs)
    ]

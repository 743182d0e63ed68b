"""Interpreter + renderer speed: traces/s and steps/s against the paper's own generator.

Each row runs the machine on seeded random operands and renders every step to text (the
paper's `get_transition_seq()` output), as the reference generator does. steps/s counts the
rendered step pairs of the top machine, as the paper's generator returns them; composite rows
also execute every step of every call (the reference writes its callees' lines from templates). The reference
figures were measured with the paper's code on this kind of machine (2-core CPU), see the
issue; the ratio column is ours / theirs. Each row is measured --repeat times and the best
is printed (as timeit does: slower runs measure the machine's other work, not ours).

    .venv/bin/python benchmarks/trace_speed.py [--seconds 2] [--repeat 3]
"""
from __future__ import annotations

import argparse
import random
import time

from caef_dsl import load_machines
from caef_dsl.interpreter import run
from caef_dsl.render import step_pairs

ROWS = [  # label, machine, digits of a, digits of b (or a fixed b), reference traces/s
    ("add 100+100 digits", "add", 100, 100, 1050),
    ("add 10+10 digits", "add", 10, 10, 12900),
    ("sub 50-50 digits", "sub", 50, 50, 12300),
    ("less_than 100 vs 100", "less_than", 100, 100, 1300),
    ("mul 20-digit x 9", "mul", 20, "9", 2600),
]


def number(rng: random.Random, digits: int) -> str:
    return str(rng.randrange(10 ** (digits - 1), 10 ** digits))


def operands(rng, machine, da, db):
    a = number(rng, da)
    b = db if isinstance(db, str) else number(rng, db)
    if machine == "sub" and int(a) < int(b):
        a, b = b, a
    return [a, b]


def measure(machines, machine: str, da, db, seconds: float, reference: int, seed: int = 0):
    """Fresh random operands for every trace (none repeats, so no cached call helps), drawn
    before the clock starts: enough for `seconds` at 4x the reference's rate."""
    rng = random.Random(f"bench:{machine}:{da}:{db}:{seed}")
    name = machines.resolve(machine)
    problems = [operands(rng, machine, da, db) for _ in range(int(4 * reference * seconds) + 100)]
    for known in machines.machines:  # no call kept from an earlier row
        machines.executable(known).fast_paths.calls.clear()
    count = steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds and count < len(problems):
        for ops in problems[count: count + 20]:
            trace = run(machines.executables, name, ops)
            steps += len(step_pairs(trace))
            count += 1
    elapsed = time.perf_counter() - start
    return count / elapsed, steps / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per row, best printed (default 3)")
    args = parser.parse_args()
    if args.seconds <= 0 or args.repeat < 1:
        parser.error("--seconds must be > 0 and --repeat >= 1")
    machines = load_machines()
    print(f"{'row':24} {'traces/s':>10} {'steps/s':>10} {'paper':>8} {'ratio':>7}")
    for label, machine, da, db, reference in ROWS:
        traces, steps = max(measure(machines, machine, da, db, args.seconds, reference, seed)
                            for seed in range(args.repeat))
        print(f"{label:24} {traces:10.0f} {steps:10.0f} {reference:8d} {traces / reference:6.2f}x")


if __name__ == "__main__":
    main()

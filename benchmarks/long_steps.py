"""Steps of the scalable machines against the paper's, by operand length.

    .venv/bin/python benchmarks/long_steps.py [--digits 2,3,10,20,50,100] [--max-steps N]

LONG_MUL (schoolbook) grows as len(a)·len(b); the paper's MUL is repeated addition and grows
with the *value* of b (about 10^len(b) additions), so past a few digits it only reaches the
step budget. The same for LONG_DIV against the paper's DIV, with a divisor half as long as the
dividend (so the quotient has about len(a)/2 digits). Steps are over all frames
(Trace.total_steps()), averaged over seeded random operands; the last column is the interpreter's
wall time per problem on this machine.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from caef_dsl import load_machines  # noqa: E402
from caef_dsl.errors import StepBudgetExceeded  # noqa: E402
from caef_dsl.interpreter import run  # noqa: E402


def number(rng: random.Random, digits: int) -> int:
    return rng.randrange(10 ** (digits - 1) if digits > 1 else 1, 10 ** digits)


def steps(machines, name, a, b, max_steps):
    """(total steps, seconds), or (None, seconds) past the budget."""
    start = time.perf_counter()
    try:
        trace = run(machines.executables, name, [a, b], max_steps=max_steps)
    except StepBudgetExceeded:
        return None, time.perf_counter() - start
    return trace.total_steps(), time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--digits", default="2,3,10,20,50,100")
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--max-steps", type=int, default=300_000,
                        help="budget for the paper's machines (default 300,000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    lengths = [int(x) for x in args.digits.split(",")]
    machines = load_machines()
    pairs = [("LONG_MUL", "MUL", lambda n: n), ("LONG_DIV", "DIV", lambda n: (n + 1) // 2)]
    for long_name, paper_name, b_len in pairs:
        print(f"\n{long_name} vs the paper's {paper_name}: a has n digits, b has "
              f"{'n' if long_name == 'LONG_MUL' else 'ceil(n/2)'}")
        print(f"{'n':>5} {'len(b)':>6} {long_name + ' steps':>15} {'/ (len a·len b)':>16} "
              f"{paper_name + ' steps':>18} {'long s/problem':>15}")
        paper_dead = False
        for n in lengths:
            rng = random.Random(f"{args.seed}:{long_name}:{n}")
            m = b_len(n)
            problems = [(number(rng, n), number(rng, m)) for _ in range(args.samples)]
            long_runs = [steps(machines, long_name, a, b, 10 ** 9) for a, b in problems]
            mean = sum(s for s, _ in long_runs) / len(long_runs)
            wall = sum(t for _, t in long_runs) / len(long_runs)
            if paper_dead:
                paper = f"> {args.max_steps:,}"
            else:
                paper_runs = [steps(machines, paper_name, a, b, args.max_steps) for a, b in problems[:1]]
                if paper_runs[0][0] is None:
                    paper_dead, paper = True, f"> {args.max_steps:,}"
                else:
                    paper = f"{paper_runs[0][0]:,}"
            print(f"{n:>5} {m:>6} {round(mean):>15,} {mean / (n * m):>16.2f} {paper:>18} {wall:>15.3f}")
    print(f"\n(the paper's machines: one problem per length, stopped at {args.max_steps:,} steps; "
          "a longer length is not tried once one is past the budget)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

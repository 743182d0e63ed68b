"""`caef compile` speed and memory: ~100k add problems (operand pairs) of 2–20 digits in the
full and tape modes, with 1 and 2 workers: examples (problems) per second, records per second,
peak RSS of the main process and of the largest worker, and the speed-up of 2 workers over 1.

Each row runs `caef compile` in a fresh process (so peak RSS is that run's own) into a temp
folder that is deleted afterwards. The 1-digit lengths are left out because the 1x1 class holds
only 100 pairs; 361 classes x 277 pairs = 99,997 problems.

    .venv/bin/python benchmarks/compile_speed.py [--per-class 277] [--modes full tape]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from caef_dsl.compiler.dataset import Manifest

REPO = Path(__file__).resolve().parent.parent

# Runs one compile and reports what the parent cannot see: peak RSS and CPU seconds of the
# process and of its (pool) children. On a busy machine the wall times mislead; the CPU split
# shows how much of the work the workers carry (the main process only draws and writes).
CHILD = """
import json, resource, sys
from caef.cli import main
code = main(sys.argv[1:])
me, pool = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "self_kib": me.ru_maxrss, "children_kib": pool.ru_maxrss,
                  "self_cpu": me.ru_utime + me.ru_stime, "children_cpu": pool.ru_utime + pool.ru_stime}))
"""


def compile_once(mode: str, workers: int, per_class: int, folder: Path) -> dict:
    out = folder / f"{mode}-{workers}"
    argv = ["compile", "add", "--digits", "2-20", "--per-class", str(per_class), "--mode", mode,
            "--workers", str(workers), "--out", str(out)]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, *argv], cwd=REPO, capture_output=True,
                          text=True, check=True)
    elapsed = time.perf_counter() - start
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        sys.exit(f"compile failed: {done.stderr.strip()}")
    manifest = Manifest.read(out)
    problems = sum(sum(c.problems.values()) for g in manifest.classes.values() for c in g.values())
    records = sum(f.records for f in manifest.files.values())
    size = sum(p.stat().st_size for p in out.iterdir())
    return dict(mode=mode, workers=workers, seconds=elapsed, problems=problems, records=records,
                mb=size / 1e6, rss_mb=result["self_kib"] / 1024, worker_rss_mb=result["children_kib"] / 1024,
                main_cpu=result["self_cpu"], worker_cpu=result["children_cpu"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=277, help="pairs per class (default 277: ~100k)")
    parser.add_argument("--modes", nargs="+", default=["full", "tape"])
    args = parser.parse_args()
    print(f"{'mode':5} {'workers':>7} {'problems':>9} {'records':>10} {'seconds':>8} {'examples/s':>10} "
          f"{'records/s':>10} {'output MB':>9} {'peak RSS MB':>11} {'worker RSS':>10} {'CPU s main':>10} "
          f"{'workers':>7}")
    with tempfile.TemporaryDirectory(prefix="compile-speed-") as folder:
        for mode in args.modes:
            rows = [compile_once(mode, workers, args.per_class, Path(folder)) for workers in (1, 2)]
            for r in rows:
                print(f"{r['mode']:5} {r['workers']:7d} {r['problems']:9,d} {r['records']:10,d} "
                      f"{r['seconds']:8.1f} {r['problems'] / r['seconds']:10,.0f} "
                      f"{r['records'] / r['seconds']:10,.0f} {r['mb']:9.0f} {r['rss_mb']:11.0f} "
                      f"{r['worker_rss_mb'] if r['workers'] > 1 else 0:10.0f} {r['main_cpu']:10.1f} "
                      f"{r['worker_cpu']:7.1f}")
            print(f"{mode}: 2 workers are {rows[0]['seconds'] / rows[1]['seconds']:.2f}x as fast as 1")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

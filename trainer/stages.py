"""A stage of a longer program (the demo, `caef library`): one command's function called with
its typed settings, the command line that does the same printed above it, and a failure ending
the program in one line."""
from __future__ import annotations

import sys
import time
from typing import Callable

from caef_dsl.errors import CaefError
from caef_dsl.options import command_line
from trainer.errors import TrainerError


def stage(title: str, program: str, settings, command: Callable[[], object], ok: tuple[int, ...] = (0,),
          who: str = "demo") -> float:
    """Run one stage as its command's function, showing the command line that does the same;
    stop the program (`who`) if it fails: an error the toolkit raises on purpose, or an exit
    code outside `ok`."""
    print(f"\n=== {title}\n$ {command_line(program, settings)}", flush=True)
    start = time.perf_counter()
    try:
        result = command()
    except (CaefError, TrainerError) as e:
        print(f"{who}: `{program}` failed: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"{who}: `{program}` interrupted", file=sys.stderr)
        sys.exit(130)
    code = result if isinstance(result, int) else 0
    if code not in ok:
        print(f"{who}: `{program}` failed with exit code {code}", file=sys.stderr)
        sys.exit(code)
    return time.perf_counter() - start

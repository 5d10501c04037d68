"""Run the benchmarks: ``python -m bench`` runs every one, ``python -m bench pairing`` one.

``--quick`` (or ``BENCH_QUICK=1``) asks each benchmark for a short run, for a smoke test.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast


def benchmarks() -> list[str]:
    """The names of the benchmark modules, sorted."""
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def run(argv: list[str]) -> int:
    names = [a for a in argv if not a.startswith("-")]
    if "--quick" in argv:
        os.environ["BENCH_QUICK"] = "1"
    known = benchmarks()
    unknown = [n for n in names if n not in known]
    if unknown:
        print(
            f"unknown benchmark {', '.join(unknown)}; there are: {', '.join(known)}",
            file=sys.stderr,
        )
        return 2
    for name in names or known:
        module = importlib.import_module(f"bench.{name}")
        main = cast(Callable[[], None], module.main)
        print(f"## bench/{name}.py\n", flush=True)
        main()
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

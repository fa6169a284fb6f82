"""`python benchmarks/bench.py [options]`: the same run as `python -m benchmarks`
(see benchmarks/__init__.py), kept as the suite's script entry point."""

import sys
from pathlib import Path

if __name__ == "__main__":
    # Run as a script, Python puts this folder first on sys.path, where the
    # package's modules would stand in for top-level ones; the package is
    # imported from the repository root instead, appended so that an installed
    # rnnc still comes before the source tree's.
    here = Path(__file__).resolve().parent
    if sys.path and Path(sys.path[0]).resolve() == here:
        del sys.path[0]
    sys.path.append(str(here.parent))

    from benchmarks.__main__ import main

    main("python " + sys.argv[0])

"""The driver: `python -m benchmarks [--quick] [--rounds N] [--sections 1,3]`
(or `python benchmarks/bench.py ...`) runs the sections and saves the report."""

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

import rnnc

from .batch import section_batch
from .harness import N_CORES, Report, optional
from .scaling import plot_hidden, section_scaling
from .simd import helper_clone, section_simd
from .threads import section_threads
from .tutorial import section_tutorial, section_tutorial_rule

RESULTS = Path(__file__).resolve().parent / "results"
ALL_SECTIONS = {1, 2, 3, 4, 5, 6}


def main(command="python -m benchmarks"):
    """command: how the run was started, for --help and the report's header."""
    parser = argparse.ArgumentParser(prog=command, description="rnnc benchmark suite")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per section (default 5)")
    parser.add_argument("--quick", action="store_true", help="2 rounds and a smaller grid")
    parser.add_argument("--sections", default="1,2,3,4,5,6", help="comma-separated sections")
    args = parser.parse_args()
    rounds = 2 if args.quick else args.rounds
    sections = {int(s) for s in args.sections.split(",")}

    torch = optional("torch")
    numba = optional("numba")
    jax = optional("jax")
    isa, helpers = helper_clone()
    report = Report()
    report("# rnnc benchmark results")
    report()
    versions = [
        f"rnnc {rnnc.__version__}",
        f"NumPy {np.__version__}",
        f"Python {platform.python_version()}",
    ]
    for mod in (torch, numba, jax):
        if mod is not None:
            versions.append(f"{mod.__name__} {mod.__version__}")
    report(
        f"`{' '.join([command] + sys.argv[1:])}` on {platform.machine()}, {N_CORES} cores; "
        f"{', '.join(versions)}; {rounds} interleaved rounds per section, medians."
    )
    report()
    report(helpers)
    report()
    start = time.perf_counter()
    if 1 in sections:
        section_tutorial(report, rounds, torch, numba, jax)
    if 2 in sections:
        section_tutorial_rule(report, max(2, rounds - 2))
    plot = None
    if 3 in sections:
        plot = section_scaling(report, max(2, rounds - 2), torch, numba, args.quick)
    if 4 in sections:
        section_threads(report, rounds)
    if 5 in sections:
        section_simd(report)
    if 6 in sections:
        section_batch(report, rounds, torch, args.quick)
    report(f"Total run time {time.perf_counter() - start:.0f} s.")
    # only a full run replaces the saved results; a partial one prints only
    if sections != ALL_SECTIONS or args.quick:
        return
    RESULTS.mkdir(exist_ok=True)
    md, png = RESULTS / f"{isa}.md", RESULTS / f"{isa}.png"
    md.write_text("\n".join(report.lines) + "\n")
    if plot and plot_hidden(plot, png):
        print(f"[bench] wrote {md} and {png}", file=sys.stderr)
    else:
        print(f"[bench] wrote {md}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""The timing harness: interleaved rounds, medians, and the Markdown report."""

import functools
import gc
import os
import statistics
import sys
import time

import numpy as np

N_CORES = os.cpu_count() or 1
# Seconds of rest before each timed run: thread pools that spin-wait after
# their work (OpenMP's, BLAS's, XLA's) stop, so that no contender runs
# beside the leftovers of the one before it.
SETTLE = 0.2


def optional(name):
    try:
        return __import__(name)
    except Exception as exc:  # ImportError, or a broken install
        print(
            f"[bench] {name} not available ({exc.__class__.__name__}: {exc}); skipped",
            file=sys.stderr,
        )
        return None


def interleave(contenders, rounds):
    """contenders: {name: setup} where setup() returns a zero-argument run().
    Runs every contender once per round, rotating the order; returns
    {name: [seconds, ...]} (setup is not timed)."""
    names = list(contenders)
    times = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            run = contenders[name]()
            gc.collect()
            time.sleep(SETTLE)
            gc.disable()
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            gc.enable()
            times[name].append(elapsed)
    return times


def fixed(fn, *args, **kwargs):
    """A setup for interleave whose run is fn(*args, **kwargs), on these same
    arguments every round (nothing to copy).  Binding them here, not in a
    closure, keeps each contender made in a loop on its own iteration's values."""
    run = functools.partial(fn, *args, **kwargs)
    return lambda: run


def on_copies(fn, arrays, *args, **kwargs):
    """A setup for interleave whose run is fn(*copies, *args, **kwargs), with
    fresh copies of arrays made (untimed) for every round."""
    return lambda: functools.partial(fn, *copies(arrays), *args, **kwargs)


def copies(arrays):
    return tuple(np.array(a, copy=True) for a in arrays)


def med(ts):
    return statistics.median(ts)


def fmt_time(s):
    if s >= 1:
        return f"{s:.3f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


def spread(ts):
    return f"{fmt_time(min(ts))} – {fmt_time(max(ts))}"


def rel_diff(a, b):
    """max |a - b| / max |b| over all of U, V, W."""
    num = max(
        float(np.max(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64))))
        for x, y in zip(a, b)
    )
    den = max(float(np.max(np.abs(np.asarray(y, np.float64)))) for y in b)
    return num / den


class Report:
    """Prints each line as it comes and keeps them for the results file."""

    def __init__(self):
        self.lines = []

    def __call__(self, text=""):
        print(text, flush=True)
        self.lines.append(text)

    def table(self, header, rows):
        self("| " + " | ".join(header) + " |")
        self("|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            self("| " + " | ".join(str(c) for c in row) + " |")
        self()

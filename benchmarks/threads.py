"""Section 4: predict and calculate_loss on one thread against all cores, the
GIL, and the memory one training epoch allocates."""

import threading
import tracemalloc

import numpy as np

import rnnc

from .contenders import rnnc_kernels
from .harness import N_CORES, copies, fixed, fmt_time, interleave, med, spread
from .workloads import scaling_data


def predict_in_two_threads(weights, X):
    """Two Python threads each calling predict(n_threads=1) at once."""
    ts = [
        threading.Thread(target=rnnc.predict, args=(*weights, X), kwargs={"n_threads": 1})
        for _ in range(2)
    ]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def section_threads(report, rounds):
    report("## 4. Threads")
    report()
    rng = np.random.default_rng(2)
    n, T, H = 5000, 50, 100
    weights, X, Y = scaling_data(n, T, H, np.float64, False, rng)
    contenders = {}
    for threads in (1, N_CORES):
        contenders[f"predict, n_threads={threads}"] = rnnc_kernels.predict(weights, X, threads)
        contenders[f"calculate_loss, n_threads={threads}"] = fixed(
            rnnc.calculate_loss, X, Y, *weights, n_threads=threads
        )
    two = "2 Python threads x predict(n_threads=1)"
    contenders[two] = fixed(predict_in_two_threads, weights, X)
    times = interleave(contenders, rounds)
    one = med(times["predict, n_threads=1"])
    report(f"{n} records, seq {T}, hidden {H}, float64, shared layout; {N_CORES} cores.")
    report()
    report.table(
        ["call", "median", "min – max"],
        [(k, fmt_time(med(v)), spread(v)) for k, v in times.items()],
    )
    p = one / med(times[f"predict, n_threads={N_CORES}"])
    c = med(times["calculate_loss, n_threads=1"]) / med(
        times[f"calculate_loss, n_threads={N_CORES}"]
    )
    g = 2 * one / med(times[two])
    report(
        f"Speed-up on {N_CORES} threads: predict {p:.2f}x, calculate_loss {c:.2f}x. "
        f"Two Python threads running predict(n_threads=1) together do {g:.2f}x the "
        f"work of one in the same time (2.0 would mean the GIL is released throughout)."
    )
    report()

    # memory: tracemalloc sees NumPy's allocations (not the kernels' own malloc)
    data = X.nbytes + Y.nbytes
    weight_bytes = sum(w.nbytes for w in weights)
    w = copies(weights)
    tracemalloc.start()
    rnnc.train(*w, X, Y, None, None, max_epochs=1, verbose=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report(
        f"Memory, one epoch of `rnnc.train` on these {n} records (tracemalloc, "
        f"NumPy allocations made during the call): peak {peak / 1e6:.2f} MB, against data "
        f"{data / 1e6:.2f} MB (not copied), weights {weight_bytes / 1e6:.3f} MB, "
        f"O(T x hidden) SGD workspace {(T + 1) * H * 8 * 2 / 1e6:.3f} MB, and "
        f"n_records x hidden = {n * H * 8 / 1e6:.2f} MB (the loss pass's h_T)."
    )
    report()

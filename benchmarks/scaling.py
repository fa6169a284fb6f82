"""Section 3: scaling over hidden size, sequence length, records, dtype and
input layout, next to the roofline measured in the same run; and training at
hidden 400 against PyTorch."""

import functools

import numpy as np

import rnnc

from .contenders import numpy_forward, pytorch, rnnc_kernels
from .harness import N_CORES, fixed, fmt_time, interleave, med
from .roofline import measure_rooflines
from .workloads import K, predict_flops, scaling_data, train_flops

HIDDENS = (10, 100, 400)
SEQS = (50, 400)
RECORDS = (100, 5000)
DTYPES = (np.float64, np.float32)
# the columns that name a cell of the grid
CELL = ["hidden", "seq", "records", "dtype", "layout"]


def grid(budget):
    """The cells (hidden, seq, records) of at most budget multiply-adds per pass,
    and a description of the others."""
    cells, skipped = [], []
    for H in HIDDENS:
        for T in SEQS:
            for n in RECORDS:
                if n * T * H * H > budget:
                    skipped.append(f"hidden {H}, seq {T}, records {n}")
                else:
                    cells.append((H, T, n))
    return cells, skipped


def layout(per_step):
    return "per-step" if per_step else "shared"


def section_scaling(report, rounds, torch, numba, quick):
    report("## 3. Scaling")
    report()
    budget = 6.5e9 if not quick else 1e9  # multiply-adds per pass: larger cells are skipped
    report("### Roofline measured in this run (one core)")
    report()
    report(
        "Best of three implementations of an n x n matrix-vector product, run "
        "`reps` times in a tight compiled loop: chained (x <- W x, the shape of the "
        "recurrence: each product waits for the last; W orthogonal so values neither "
        "grow nor vanish) and independent (y = W x, same x: throughput). The roofline "
        "used below is the best *chained* figure. 2 flops per multiply-add. These "
        "kernels (and rnnc's helpers below) report their fastest of 7 interleaved "
        "rounds, as a best achievable figure; everything else reports medians."
    )
    report()
    best = measure_rooflines(HIDDENS, DTYPES, numba, max(7, rounds), report)

    rng = np.random.default_rng(1)
    cells, skipped = grid(budget)
    report(
        f"Grid run: hidden {HIDDENS} x sequence {SEQS} x records {RECORDS}, pruned to cells "
        f"of at most {budget:.2g} multiply-adds per pass; skipped: "
        + "; ".join(skipped)
        + ". Each cell in float64 and float32, shared (U (hidden, 1)) and per-step "
        "(U (hidden, seq)) layouts, one input feature. Training = one SGD epoch "
        "(`rnnc._sgd.sgd_epoch`, bptt_truncate 5, no loss passes); predict = "
        "`rnnc.predict` with n_threads=1 (per-core, to set against the one-core "
        "roofline) and with all cores."
    )
    report()
    report(
        "GFLOP/s counts 2 flops per multiply-add of the matrix products only (forward "
        "T x (hidden^2 + hidden) + hidden per record; training adds the backward "
        "over the 6 steps that carry gradient and the update); sigmoid, clip and copies "
        "are not counted. '% roof' = GFLOP/s / chained gemv roofline at that hidden "
        "size and dtype (predict: / chained gemm n x n @ n x 32)."
    )
    report()
    rows, plot, against_numpy = [], [], []
    for H, T, n in cells:
        for dtype in DTYPES:
            for per_step in (False, True):
                weights, X, Y = scaling_data(n, T, H, dtype, per_step, rng)
                contenders = {
                    "train": rnnc_kernels.sgd_epoch(weights, X, Y, per_step),
                    "predict 1T": rnnc_kernels.predict(weights, X, 1),
                    f"predict {N_CORES}T": rnnc_kernels.predict(weights, X, N_CORES),
                    "NumPy": numpy_forward.setup(weights, X, per_step),
                }
                times = interleave(contenders, rounds)
                dname = np.dtype(dtype).name
                tf, pf = train_flops(H, T, 1, K), predict_flops(H, T, 1)
                t_train, t_p1, t_pn, t_np = (med(times[k]) for k in contenders)
                against_numpy.append(
                    (
                        H,
                        T,
                        n,
                        dname,
                        layout(per_step),
                        fmt_time(t_p1),
                        fmt_time(t_np),
                        f"{t_np / t_p1:.2f}",
                        f"{relative_difference(weights, X, per_step):.1e}",
                    )
                )
                g_train = n * tf / t_train / 1e9
                g_p1 = n * pf / t_p1 / 1e9
                roof_v = best.get((dname, H, "gemv"), float("nan"))
                roof_m = best.get((dname, H, "gemm"), float("nan"))
                rows.append(
                    (
                        H,
                        T,
                        n,
                        dname,
                        layout(per_step),
                        fmt_time(t_train),
                        f"{t_train / (n * T) * 1e9:.0f}",
                        f"{g_train:.1f}",
                        f"{100 * g_train / roof_v:.0f}%",
                        fmt_time(t_p1),
                        f"{t_p1 / (n * T) * 1e9:.0f}",
                        f"{g_p1:.1f}",
                        f"{100 * g_p1 / roof_m:.0f}%",
                        fmt_time(t_pn),
                        f"{t_p1 / t_pn:.2f}",
                    )
                )
                plot.append(
                    dict(
                        H=H,
                        T=T,
                        n=n,
                        dtype=dname,
                        per_step=per_step,
                        train=t_train / (n * T),
                        predict=t_p1 / (n * T),
                    )
                )
    report.table(
        [
            *CELL,
            "train epoch",
            "train ns/rec-step",
            "train GFLOP/s",
            "% roof (gemv)",
            "predict 1T",
            "predict ns/rec-step",
            "predict GFLOP/s",
            "% roof (gemm)",
            f"predict {N_CORES}T",
            f"{N_CORES}T speed-up",
        ],
        rows,
    )

    report(
        "Batched predict on one thread against a plain NumPy forward pass on the same "
        "records (every record a column of one matrix: per step one np.matmul on "
        "OpenBLAS, one thread, and the sigmoid as NumPy ufuncs into buffers made once; "
        "benchmarks/contenders/numpy_forward.py), timed in the same rounds; difference: "
        "max |rnnc - NumPy| / max |rnnc| over the predictions."
    )
    report()
    report.table(
        [
            *CELL,
            "rnnc predict 1T",
            "NumPy forward",
            "NumPy / rnnc",
            "difference",
        ],
        against_numpy,
    )

    # float32 against float64
    by = {(p["H"], p["T"], p["n"], p["per_step"], p["dtype"]): p for p in plot}
    f32 = []
    for H, T, n in cells:
        for per_step in (False, True):
            a, b = by[(H, T, n, per_step, "float64")], by[(H, T, n, per_step, "float32")]
            f32.append(
                (
                    H,
                    T,
                    n,
                    layout(per_step),
                    f"{a['train'] / b['train']:.2f}",
                    f"{a['predict'] / b['predict']:.2f}",
                )
            )
    report("float32 speed-up over float64 (time float64 / time float32):")
    report()
    report.table(["hidden", "seq", "records", "layout", "train", "predict 1T"], f32)

    if torch is not None:
        against_torch(report, rounds, torch, budget, rng)
        few_records_against_torch(report, rounds, torch, rng)
    return plot


def relative_difference(weights, X, per_step):
    """max |rnnc.predict - the NumPy forward| / max |rnnc.predict|."""
    ours = rnnc.predict(*weights, X, n_threads=1)
    theirs = numpy_forward.predict(*weights, X, per_step)
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(ours)))


def against_torch(report, rounds, torch, budget, rng):
    """One SGD epoch at hidden 400, shared layout, 100 records: rnnc and PyTorch."""
    report(
        "### Training at hidden 400 against PyTorch (one SGD epoch, shared layout, "
        "100 records, PyTorch on 1 thread)"
    )
    report()
    torch_train = pytorch.make_trainer(torch)
    rows = []
    for T in SEQS:
        if 100 * T * 400 * 400 > budget:
            continue
        for dtype in DTYPES:
            weights, X, Y = scaling_data(100, T, 400, dtype, False, rng)
            contenders = {
                "rnnc": rnnc_kernels.sgd_epoch(weights, X, Y, False),
                "PyTorch": fixed(torch_train, weights, X, Y, None, None, epochs=1, losses=False),
            }
            times = interleave(contenders, rounds)
            a, b = med(times["rnnc"]), med(times["PyTorch"])
            rows.append((T, np.dtype(dtype).name, fmt_time(a), fmt_time(b), f"{b / a:.2f}"))
    report.table(["seq", "dtype", "rnnc", "PyTorch", "PyTorch / rnnc"], rows)


def few_records_against_torch(report, rounds, torch, rng):
    """predict on 1 to 32 records of 50 steps: rnnc on one thread and PyTorch's nn.RNN."""
    report(
        "### Predict on a few records against PyTorch (50 steps, tanh, float64, one "
        "thread; PyTorch's nn.RNN)"
    )
    report()
    report(
        "One window is what each step of a forecast reads. rnnc runs a block of at "
        "most 2 records (float64) one record at a time, and more as a matrix product "
        "over a whole tile of 8 columns."
    )
    report()
    make = pytorch.make_predictor(torch)
    calls = 20  # per timed run: one call takes tens of microseconds
    rows = []
    for H in (10, 100, 256):
        for n in (1, 2, 4, 32):
            weights, X, _ = scaling_data(n, 50, H, np.float64, False, rng)
            theirs = make(weights, X)
            ours = functools.partial(rnnc.predict, *weights, X, activation="tanh", n_threads=1)
            difference = np.max(np.abs(ours() - theirs()))
            times = interleave(
                {
                    name: fixed(lambda f: [f() for _ in range(calls)], f)
                    for name, f in (("rnnc", ours), ("PyTorch", theirs))
                },
                rounds,
            )
            a, b = med(times["rnnc"]) / calls, med(times["PyTorch"]) / calls
            rows.append((H, n, fmt_time(a), fmt_time(b), f"{b / a:.2f}", f"{difference:.1e}"))
    report.table(
        ["hidden", "records", "rnnc", "PyTorch", "PyTorch / rnnc", "max |difference|"], rows
    )


def plot_hidden(plot, path):
    """Time per record-step against hidden size, to path; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, T in zip(axes, sorted({p["T"] for p in plot})):
        for kind, style in (("train", "-"), ("predict", "--")):
            for dtype, marker in (("float64", "o"), ("float32", "s")):
                for per_step, color in ((False, "C0"), (True, "C1")):
                    pts = sorted(
                        (p["H"], p[kind])
                        for p in plot
                        if p["T"] == T
                        and p["n"] == 100
                        and p["dtype"] == dtype
                        and p["per_step"] == per_step
                    )
                    if pts:
                        ax.plot(
                            [a for a, _ in pts],
                            [b * 1e9 for _, b in pts],
                            style,
                            marker=marker,
                            color=color if dtype == "float64" else ("C2" if not per_step else "C3"),
                            label=f"{kind} {dtype} {layout(per_step)}",
                        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("hidden size")
        ax.set_title(f"sequence {T}, 100 records (predict on 1 thread)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ns per record-step")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True

"""Section 6: mini-batch training (rnnc.train(batch_size=B)) against per-record
updates and PyTorch's nn.RNN on a noisy two-tone series: time per epoch and
validation error after the same epochs, threads, GFLOP/s against BLAS gemm,
and the cost as the number of windows grows."""

import math
import os

import numpy as np

import rnnc

from .harness import N_CORES, fmt_time, interleave, med, spread

T, LR, BATCH = 50, 3e-3, 64
# rnnc.train's settings for every rnnc contender
TRAIN = dict(learning_rate=LR, max_epochs=1, bptt_truncate=None, min_clip_val=-1,
             max_clip_val=1, optimizer="adam", activation="tanh", verbose=False,
             history=False, shuffle=True)  # fmt: skip


def two_tone_windows(n, n_validation, seed=0):
    """Windows of T steps of sin(2 pi t / 40) + 0.5 sin(2 pi t / 13) + noise
    (sd 0.1), each predicting the next value: n to train on, the next
    n_validation to validate on, as (X, Y, Xv, Yv) C-contiguous float64."""
    rng = np.random.default_rng(seed)
    t = np.arange(n + n_validation + T, dtype=np.float64)
    series = np.sin(2 * np.pi * t / 40) + 0.5 * np.sin(2 * np.pi * t / 13)
    series += 0.1 * rng.normal(size=t.size)
    X = np.lib.stride_tricks.sliding_window_view(series[:-1], T)[:, :, None]
    Y = series[T:, None]
    return (np.ascontiguousarray(X[:n]), Y[:n].copy(), np.ascontiguousarray(X[n:]), Y[n:].copy())


def initial_weights(hidden, seed=1):
    """U (hidden, 1), V (1, hidden), W (hidden, hidden): uniform(+-1/sqrt(hidden)),
    PyTorch's initialisation of nn.RNN."""
    rng = np.random.default_rng(seed)
    b = 1 / math.sqrt(hidden)
    return [rng.uniform(-b, b, shape) for shape in ((hidden, 1), (1, hidden), (hidden, hidden))]


class RnncRun:
    """rnnc.train, one epoch per call, Adam at LR, tanh, full BPTT, gradients
    clipped to +-1 (the estimator's default), a new order each epoch."""

    def __init__(self, hidden, batch_size, n_threads):
        self.weights = initial_weights(hidden)
        self.state = rnnc.AdamState(*self.weights)
        self.batch_size, self.n_threads = batch_size, n_threads
        self.orders = np.random.default_rng(2)

    def epoch(self, X, Y):
        settings = dict(TRAIN, batch_size=self.batch_size, n_threads=self.n_threads)
        rnnc.train(
            *self.weights, X, Y, None, None, optimizer_state=self.state,
            random_state=self.orders, **settings,
        )  # fmt: skip

    def mse(self, X, Y):
        return float(np.mean((rnnc.predict(*self.weights, X, activation="tanh") - Y) ** 2))


class TorchRun:
    """PyTorch as one would write it: nn.RNN (tanh, no bias, as rnnc's cell)
    and a Linear head starting from rnnc's weights (head bias 0), mean
    squared error over batches of BATCH, Adam at LR, n_threads threads."""

    def __init__(self, torch, hidden, n_threads):
        self.torch = torch
        torch.set_num_threads(n_threads)
        U, V, W = initial_weights(hidden)
        self.rnn = torch.nn.RNN(
            1, hidden, nonlinearity="tanh", bias=False, batch_first=True, dtype=torch.float64
        )
        self.head = torch.nn.Linear(hidden, 1, dtype=torch.float64)
        with torch.no_grad():
            self.rnn.weight_ih_l0.copy_(torch.from_numpy(U))
            self.rnn.weight_hh_l0.copy_(torch.from_numpy(W))
            self.head.weight.copy_(torch.from_numpy(V))
            self.head.bias.zero_()
        self.params = list(self.rnn.parameters()) + list(self.head.parameters())
        self.optimizer = torch.optim.Adam(self.params, lr=LR)
        self.generator = torch.Generator().manual_seed(2)

    def forward(self, X):
        return self.head(self.rnn(X)[0][:, -1])

    def epoch(self, X, Y):
        torch = self.torch
        X, Y = torch.from_numpy(X), torch.from_numpy(Y)  # shared with NumPy, not copied
        order = torch.randperm(len(X), generator=self.generator)
        for start in range(0, len(X), BATCH):
            rows = order[start : start + BATCH]
            loss = torch.nn.functional.mse_loss(self.forward(X[rows]), Y[rows])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()

    def mse(self, X, Y):
        with self.torch.no_grad():
            yhat = self.forward(self.torch.from_numpy(X)).numpy()
        return float(np.mean((yhat - Y) ** 2))


def epochs_side_by_side(runs, X, Y, epochs):
    """One epoch of every run per round, the order rotating: {name: [seconds]}."""
    return interleave(
        {name: (lambda run=run: lambda: run.epoch(X, Y)) for name, run in runs.items()}, epochs
    )


def batch_flops(hidden, n_records, F=1, n_out=1):
    """2 x multiply-adds of one epoch of full-BPTT batches over n_records of T
    steps: forward T (H H + H F), backward T (H H + H F) for dW and dU and
    (T - 1) H H for W.T delta, and 2 n_out H at the output."""
    H = hidden
    per_record = T * (H * H + H * F) * 2 + (T - 1) * H * H + 2 * n_out * H
    return 2 * per_record * n_records


def gemm_gflops(hidden, rounds):
    """BLAS (np.dot, one thread as this package sets it) on one block's product
    (hidden, hidden) @ (hidden, 32) and one batch's (hidden, hidden) @ (hidden, 64)."""
    rng = np.random.default_rng(3)
    W = rng.normal(size=(hidden, hidden))
    out = {}
    for cols in (32, BATCH):
        H = rng.normal(size=(hidden, cols))
        reps = max(1, int(2e8 // (2 * hidden * hidden * cols)))

        def run(W=W, H=H, reps=reps):
            for _ in range(reps):
                np.dot(W, H)

        times = interleave({"gemm": lambda run=run: run}, rounds)["gemm"]
        out[cols] = 2 * hidden * hidden * cols * reps / med(times) / 1e9
    return out


def section_batch(report, rounds, torch, quick):
    report("## 6. Mini-batch training")
    report()
    if hasattr(os, "getloadavg"):  # the machine may be shared: say how busy it was
        report(f"Load average at the start: {os.getloadavg()[0]:.2f} on {N_CORES} cores.")
        report()
    threads = min(2, N_CORES)
    n, hidden = (5000, 64) if quick else (20000, 64)
    epochs = 3 if quick else 10
    X, Y, Xv, Yv = two_tone_windows(n, n // 10)
    report(
        f"{n} windows of {T} steps of a noisy two-tone series (next value), {n // 10} "
        f"validation windows, hidden {hidden}, float64, tanh, Adam at {LR}, full BPTT, "
        f"the same initial weights; {epochs} epochs each, one epoch of each contender per "
        f"round, interleaved. {threads} threads for the batch contenders."
    )
    report()
    runs = {
        "rnnc, batch_size=1 (per record, 1 thread)": RnncRun(hidden, 1, 1),
        f"rnnc, batch_size={BATCH}, {threads} threads": RnncRun(hidden, BATCH, threads),
    }
    if torch is not None:
        runs[f"PyTorch nn.RNN, batches of {BATCH}, {threads} threads"] = TorchRun(
            torch, hidden, threads
        )
    times = epochs_side_by_side(runs, X, Y, epochs)
    batched = med(times[f"rnnc, batch_size={BATCH}, {threads} threads"])
    rows = []
    for name, run in runs.items():
        rows.append(
            (
                name,
                fmt_time(med(times[name])),
                spread(times[name]),
                f"{med(times[name]) / batched:.2f}",
                f"{run.mse(Xv, Yv):.5f}",
            )
        )
    report.table(
        [
            "contender",
            "epoch (median)",
            "min – max",
            "time / rnnc batches",
            f"validation MSE after {epochs} epochs",
        ],
        rows,
    )
    mse_zero = float(np.mean((Yv - np.mean(Y)) ** 2))
    report(f"(Predicting the training mean: validation MSE {mse_zero:.5f}.)")
    report()

    # threads: the same batch epochs on 1 and on all threads
    X1, Y1 = X[: n // 4], Y[: n // 4]
    scaling = {
        f"{t} thread{'s' if t > 1 else ''}": RnncRun(hidden, BATCH, t) for t in sorted({1, threads})
    }
    # the control: predict on the same windows, whose threads meet once per call,
    # shows whether the machine gave the second core at all
    weights = initial_weights(hidden)
    contenders = {
        f"{name}, batch epoch": (lambda run=run: lambda: run.epoch(X1, Y1))
        for name, run in scaling.items()
    }
    for t in sorted({1, threads}):
        contenders[f"{t} thread{'s' if t > 1 else ''}, predict (control)"] = lambda t=t: (
            lambda: rnnc.predict(*weights, X, activation="tanh", n_threads=t)
        )
    times = interleave(contenders, rounds + 1)
    report(
        f"Threads, rnnc batch_size={BATCH}, {n // 4} windows, hidden {hidden}; and, as a "
        f"control of how much of a second core the machine gave, predict on {n} windows:"
    )
    report()
    rows = []
    for name, ts in times.items():
        one = med(times[name.replace(name.split(",")[0], "1 thread")])
        rows.append((name, fmt_time(med(ts)), spread(ts), f"{one / med(ts):.2f}x"))
    report.table(["threads", "median", "min – max", "speed-up"], rows)

    # GFLOP/s at hidden 256 against BLAS gemm measured in the same run
    wide, n_wide = 256, 1000 if quick else 4000
    Xw, Yw = X[:n_wide], Y[:n_wide]
    wide_runs = {
        f"{t} thread{'s' if t > 1 else ''}": RnncRun(wide, BATCH, t) for t in sorted({1, threads})
    }
    times = epochs_side_by_side(wide_runs, Xw, Yw, rounds)
    blas = gemm_gflops(wide, rounds)
    flops = batch_flops(wide, n_wide)
    report(
        f"GFLOP/s at hidden {wide} ({n_wide} windows, batch_size={BATCH}; flops counted "
        f"as 2 x the multiply-adds of forward, backward and output), against NumPy's BLAS "
        f"gemm on one thread on ({wide}, {wide}) @ ({wide}, 32): {blas[32]:.1f} GFLOP/s, "
        f"@ ({wide}, {BATCH}): {blas[BATCH]:.1f} GFLOP/s:"
    )
    report()
    report.table(
        ["rnnc", "epoch (median)", "GFLOP/s", "per thread / BLAS gemm (64 columns)"],
        [
            (
                name,
                fmt_time(med(ts)),
                f"{flops / med(ts) / 1e9:.1f}",
                f"{flops / med(ts) / 1e9 / int(name.split()[0]) / blas[BATCH]:.0%}",
            )
            for name, ts in times.items()
        ],
    )

    # the cost of an epoch as the windows grow
    sizes = (1000, 10000) if quick else (1000, 10000, 100000, 1000000)
    rows = []
    for size in sizes:
        Xs, Ys, _, _ = two_tone_windows(size, 0)
        grow = {"rnnc": RnncRun(hidden, BATCH, threads)}
        if torch is not None:
            grow["PyTorch"] = TorchRun(torch, hidden, threads)
        times = epochs_side_by_side(grow, Xs, Ys, 1 if size >= 100000 else rounds)
        row = [
            f"{size:,}",
            fmt_time(med(times["rnnc"])),
            f"{med(times['rnnc']) / size * 1e6:.1f} µs",
        ]
        if torch is not None:
            row += [
                fmt_time(med(times["PyTorch"])),
                f"{med(times['PyTorch']) / med(times['rnnc']):.2f}x",
            ]
        rows.append(row)
        del Xs, Ys
    report(
        f"One epoch as the windows grow (hidden {hidden}, batches of {BATCH}, {threads} "
        f"threads; the data is not copied):"
    )
    report()
    header = ["windows", "rnnc epoch", "rnnc per window"]
    if torch is not None:
        header += ["PyTorch epoch", "PyTorch / rnnc"]
    report.table(header, rows)
    if hasattr(os, "getloadavg"):
        report(f"Load average at the end: {os.getloadavg()[0]:.2f} on {N_CORES} cores.")
        report()

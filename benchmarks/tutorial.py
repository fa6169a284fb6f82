"""Sections 1 and 2: the tutorial's workload, with exact truncated gradients
against every contender, and with the tutorial's own update rule."""

import time

from .contenders import jax_jit, numba_njit, pytorch, reference
from .contenders.rnnc_kernels import train_in_place
from .harness import fmt_time, interleave, med, rel_diff, spread
from .workloads import sine_data, tutorial_weights


def recorded(train, w0, data, finals, name):
    """A setup for interleave: a contender's train(w0, *data), its final weights
    to finals[name]."""

    def run():
        finals[name] = train(w0, *data)

    return lambda: run


def compiled(train, w0, data, what, notes):
    """Runs train for one epoch, to compile it before the rounds; its time to notes."""
    start = time.perf_counter()
    train(w0, *data, epochs=1)
    notes.append(f"{what} {fmt_time(time.perf_counter() - start)}")
    return train


def section_tutorial(report, rounds, torch, numba, jax):
    report("## 1. Tutorial workload: 25 epochs, exact truncated gradients (float64)")
    report()
    report(
        "Sine data (100 training, 50 validation windows of 50 steps), seed 12161, "
        "uniform(0, 1) init, lr 1e-4, bptt_truncate 5, clip ±10; every epoch computes "
        "the training and validation loss, then per-record SGD. rnnc uses all cores "
        "for the loss passes by default (also shown on 1 thread); PyTorch runs on one "
        "thread."
    )
    report()
    data = sine_data()
    w0 = tutorial_weights()
    finals = {}
    bptt = dict(backprop="bptt", verbose=True)
    contenders = {
        "rnnc": train_in_place(w0, data, finals, "rnnc", **bptt, n_threads=None),
        "rnnc (n_threads=1)": train_in_place(w0, data, finals, "rnnc1", **bptt, n_threads=1),
    }
    notes = []

    def add(name, train):
        contenders[name] = recorded(train, w0, data, finals, name)

    if torch is not None:
        add("PyTorch (autograd, 1 thread)", pytorch.make_trainer(torch))
    if numba is not None:
        train = compiled(numba_njit.make_trainer(numba), w0, data, "Numba compile", notes)
        add("Numba @njit", train)
    if jax is not None:
        train = compiled(jax_jit.make_trainer(jax), w0, data, "JAX jit compile + 1 epoch", notes)
        add("JAX (jit epochs)", train)
    contenders["rnnc.reference (NumPy)"] = reference.train_setup(
        w0, data, finals, "rnnc.reference", backprop="bptt", verbose=False
    )

    times = interleave(contenders, rounds)
    base = med(times["rnnc"])
    rows = []
    for name, ts in times.items():
        rows.append(
            (name, fmt_time(med(ts)), spread(ts), f"{med(ts) / base:.2f}", f"{base / med(ts):.2f}")
        )
    report.table(["contender", "median", "min – max", "time / rnnc", "rnnc speed-up"], rows)
    if notes:
        report("Not timed above (done once before the rounds): " + "; ".join(notes) + ".")
        report()

    key_of = {
        "PyTorch (autograd, 1 thread)": "PyTorch",
        "Numba @njit": "Numba",
        "JAX (jit epochs)": "JAX",
        "rnnc.reference": "rnnc.reference",
        "rnnc1": "rnnc on 1 thread",
    }
    rows = [
        (label, f"{rel_diff(finals['rnnc'], finals[k]):.2e}")
        for k, label in key_of.items()
        if k in finals
    ]
    report("Final weights against rnnc's (max |difference| / max |weight| over U, V, W):")
    report()
    report.table(["contender", "relative difference"], rows)
    return times


def section_tutorial_rule(report, rounds):
    report('## 2. The tutorial\'s update rule (`backprop="tutorial"`), 25 epochs')
    report()
    data = sine_data()
    w0 = tutorial_weights()
    finals = {}
    rule = dict(backprop="tutorial", verbose=True)
    times = interleave(
        {
            "rnnc": train_in_place(w0, data, finals, "rnnc", **rule),
            "rnnc.reference (NumPy)": reference.train_setup(w0, data, finals, "ref", **rule),
        },
        rounds,
    )
    base = med(times["rnnc"])
    report.table(
        ["contender", "median", "min – max", "time / rnnc"],
        [(n, fmt_time(med(t)), spread(t), f"{med(t) / base:.2f}") for n, t in times.items()],
    )
    report(
        f"Final weights, rnnc against the reference: relative difference "
        f"{rel_diff(finals['ref'], finals['rnnc']):.2e}."
    )
    report()

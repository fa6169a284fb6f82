"""Record the tutorial's own training run as a test fixture.

The tutorial's code (as printed, with only NumPy 2's ``float()`` fixed) is not
part of rnnc; it lives in ``shared/seed/as-printed``.  This script imports it
from the directory given on the command line, runs it on the tutorial's sine
data with its seed, and stores the 25 (train, validation) losses it prints and
its final weights in ``tutorial_run.npz``, which ``tests/test_tutorial_mode.py``
compares ``backprop="tutorial"`` with.

    python tests/data/make_tutorial_fixture.py ../shared/seed/as-printed
"""

import contextlib
import io
import math
import os
import re
import sys
from pathlib import Path

import numpy as np


def tutorial_data(seq_len=50):
    series = np.array([math.sin(v) for v in range(200)])
    n_windows = len(series) - seq_len
    train = [(series[i : i + seq_len], series[i + seq_len]) for i in range(n_windows - 50)]
    valid = [
        (series[i : i + seq_len], series[i + seq_len]) for i in range(n_windows - 50, n_windows)
    ]

    def stack(pairs):
        xs, ys = zip(*pairs)
        return np.array(xs)[:, :, None], np.array(ys)[:, None]

    return stack(train) + stack(valid)


def rounding_fingerprint():
    """np.exp and np.dot on fixed inputs: the tutorial's numbers past epoch 5
    hold only where these come out bit for bit the same."""
    rng = np.random.default_rng(12161)
    z = rng.uniform(-60, 60, 4096)
    A, h = rng.uniform(0, 1, (100, 100)), rng.uniform(0, 1, (100, 1))
    return np.concatenate([np.exp(z), np.dot(A, h)[:, 0], np.dot(A[:1], h)[:, 0]])


def main(seed_dir):
    sys.path.insert(0, str(Path(seed_dir).resolve()))
    import simple_rnn  # the tutorial's module, outside this repository

    X, Y, Xv, Yv = tutorial_data()
    rng = np.random  # the tutorial seeds NumPy's global generator
    rng.seed(12161)
    U = rng.uniform(0, 1, (100, 50))
    V = rng.uniform(0, 1, (1, 100))
    W = rng.uniform(0, 1, (100, 100))
    U0, V0, W0 = U.copy(), V.copy(), W.copy()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        simple_rnn.train(U, V, W, X, Y, Xv, Yv)
    pattern = r"Epoch: (\d+), Loss: (\S+), Validation Loss: (\S+)"
    losses = np.array([[float(a), float(b)] for _, a, b in re.findall(pattern, printed.getvalue())])
    assert losses.shape == (25, 2), printed.getvalue()
    out = Path(os.environ.get("RNNC_FIXTURE_OUT", Path(__file__).with_name("tutorial_run.npz")))
    np.savez(
        out,
        losses=losses,
        fingerprint=rounding_fingerprint(),
        U0=U0,
        V0=V0,
        W0=W0,
        U=U,
        V=V,
        W=W,
        printed=printed.getvalue(),
    )
    print(printed.getvalue())
    print("wrote", out)


if __name__ == "__main__":
    main(sys.argv[1])

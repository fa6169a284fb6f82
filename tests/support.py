"""Helpers shared by the test modules (fixtures live in conftest.py).

Imported as `from support import ...`: pytest puts this directory on sys.path
(it holds conftest.py and no __init__.py), whether the tests run from the
repository or, as in CI, from a fresh clone against an installed wheel.
"""

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

import rnnc

# The directory holding the rnnc these tests imported: a child Python started
# there imports the same rnnc (the installed wheel in CI), never a source tree
# that happens to be the working directory.
RNNC_PARENT = Path(rnnc.__file__).resolve().parents[1]

README = Path(__file__).resolve().parents[1] / "README.md"
DATA = Path(__file__).resolve().with_name("data")


def run_python(*args, timeout=120):
    """Run `python *args` in a child process that sees the rnnc under test."""
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=RNNC_PARENT
    )


def relative_error(actual, expected):
    """||actual - expected|| / ||expected||, the measure every comparison uses."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = np.linalg.norm(expected)
    return np.linalg.norm(actual - expected) / (scale if scale > 0 else 1.0)


def random_model(rng, hidden, T, n_features, output_dim, per_step, dtype=np.float64, scale=1.0):
    """Weights and one record; per_step picks U (hidden, T) over (hidden, n_features)."""
    U = rng.normal(0, scale, (hidden, T if per_step else n_features))
    V = rng.normal(0, scale, (output_dim, hidden))
    W = rng.normal(0, scale / np.sqrt(hidden), (hidden, hidden))
    x = rng.normal(size=(T, 1 if per_step else n_features))
    y = rng.normal(size=output_dim)
    return [a.astype(dtype) for a in (U, V, W, x, y)]


# Settings under which rnnc.train diverges within a few epochs on diverging_problem
DIVERGING = dict(
    learning_rate=1e306, max_epochs=50, min_clip_val=-100, max_clip_val=100, verbose=False
)


def diverging_problem(rng):
    """U, V, W, X, Y that training under DIVERGING drives to overflow."""
    U, V, W, _, _ = random_model(rng, 4, 3, 1, 1, True)
    X, Y = rng.normal(size=(5, 3, 1)), rng.normal(size=(5, 1))
    return U, V, W, X, Y


def readme_blocks(first_line_has=""):
    """The python code blocks of README.md whose first line contains first_line_has."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    return [b for b in blocks if first_line_has in b.splitlines()[0]]


def recorded_tutorial_run():
    """data/tutorial_run.npz (what the tutorial's code printed and ended with), and
    whether NumPy here rounds exp and dot exactly as on the machine that recorded it."""
    if str(DATA) not in sys.path:
        sys.path.insert(0, str(DATA))
    from make_tutorial_fixture import rounding_fingerprint

    run = np.load(DATA / "tutorial_run.npz")
    return run, np.array_equal(rounding_fingerprint(), run["fingerprint"])


def run_cli(capsys, line, folder=None):
    """(exit status, stdout, stderr) of `rnnc line`, run in this process; the words of
    line are the arguments, with {tmp} in a word standing for folder (spaces and all)."""
    from rnnc import cli

    argv = [word.replace("{tmp}", str(folder)) for word in line.split()]
    try:
        status = cli.main(argv)
    except SystemExit as exc:  # argparse's own exits (--help, usage errors)
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def write_dated_csv(path, dates, values, column="y", delimiter=","):
    """A CSV file with a date column and one value column."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(["date", column])
        writer.writerows(zip(dates, values, strict=True))


def seasonal_series(n, period=12, noise=0.3, seed=0):
    """A trend, a sine season of the period and Gaussian noise of that std."""
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return 20 + 0.05 * t + 3 * np.sin(2 * np.pi * t / period) + noise * rng.normal(size=n)


def stored_fields(model):
    """The arrays of a valid model file, to damage one at a time."""
    return dict(
        format_version=np.int64(1),
        rnnc_version=np.str_(rnnc.__version__),
        U=model.U,
        V=model.V,
        W=model.W,
        seq_len=np.int64(model.seq_len),
        layout=np.str_(model.layout),
        activation=np.str_(model.activation),
        bptt_truncate=np.int64(model.bptt_truncate),
        offset=np.float64(model.offset),
        scale=np.float64(model.scale),
        info=np.str_(json.dumps(model.info)),
    )

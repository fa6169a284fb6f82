"""Fixtures and the report header; shared helpers are in support.py."""

import contextlib
import io

import numpy as np
import pytest
from support import random_model

import rnnc


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)


@pytest.fixture
def model(rng):
    """A small per-step problem: U, V, W (hidden 5, 4 steps) and X, Y of 6 records."""
    U, V, W, _, _ = random_model(rng, 5, 4, 1, 1, True)
    X, Y = rng.normal(size=(6, 4, 1)), rng.normal(size=(6, 1))
    return U, V, W, X, Y


@pytest.fixture(scope="session")
def rnnc_sine(tmp_path_factory):
    """`rnnc sine ARGS... --out DIR --save DIR/sine.npz`, run in this process once per
    ARGS for the whole session (test_cli and test_readme check the same run):
    returns (exit status, stdout, stderr, DIR)."""
    from rnnc import cli

    runs = {}

    def run(*args):
        if args not in runs:
            folder = tmp_path_factory.mktemp("sine")
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = cli.main(
                    ["sine", *args, "--out", str(folder), "--save", str(folder / "sine.npz")]
                )
            runs[args] = (status, out.getvalue(), err.getvalue(), folder)
        return runs[args]

    return run


def pytest_report_header(config):
    from rnnc import _numpy_loops

    return (
        f"rnnc {rnnc.__version__} from {rnnc.__file__}; NumPy {np.__version__}; "
        f"tutorial rule rounds as NumPy: {_numpy_loops.matches_numpy()}"
    )

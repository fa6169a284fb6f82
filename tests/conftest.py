"""Fixtures and the report header; shared helpers are in support.py."""
import numpy as np
import pytest

import rnnc
from support import random_model


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)


@pytest.fixture
def model(rng):
    """A small per-step problem: U, V, W (hidden 5, 4 steps) and X, Y of 6 records."""
    U, V, W, _, _ = random_model(rng, 5, 4, 1, 1, True)
    X, Y = rng.normal(size=(6, 4, 1)), rng.normal(size=(6, 1))
    return U, V, W, X, Y


def pytest_report_header(config):
    from rnnc import _numpy_loops

    return (
        f"rnnc {rnnc.__version__} from {rnnc.__file__}; NumPy {np.__version__}; "
        f"tutorial rule rounds as NumPy: {_numpy_loops.matches_numpy()}"
    )

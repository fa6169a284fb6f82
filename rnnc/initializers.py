"""Initial weights (U, V, W) for a network with n_inputs input columns.

n_inputs is seq_len for the per-step layout and n_features for the shared one.
"""

import math

import numpy as np
from numpy.typing import DTypeLike, NDArray

from rnnc import _validation as check


def _sizes(hidden_dim, n_inputs, output_dim):
    """The three sizes as ints of at least 1, or a TypeError / ValueError naming one."""
    names = ("hidden_dim", "n_inputs", "output_dim")
    return [
        check.check_count_between(v, name, 1)
        for name, v in zip(names, (hidden_dim, n_inputs, output_dim), strict=True)
    ]


def tutorial_weights(
    hidden_dim: int = 100, n_inputs: int = 50, output_dim: int = 1, seed: int = 12161
) -> tuple[NDArray[np.float64], ...]:
    """The tutorial's initial weights: uniform(0, 1).

    Drawn for U, V, W in that order after np.random.seed(seed); a private
    RandomState gives the same numbers without touching NumPy's global
    generator.  They saturate the sigmoid: see the README.

    Parameters
    ----------
    hidden_dim, n_inputs, output_dim : int
        n_inputs is seq_len for the per-step layout, n_features for the shared.
    seed : int

    Returns
    -------
    tuple of ndarray
        U (hidden_dim, n_inputs), V (output_dim, hidden_dim), W (hidden_dim,
        hidden_dim), float64.
    """
    hidden_dim, n_inputs, output_dim = _sizes(hidden_dim, n_inputs, output_dim)
    try:
        rng = np.random.RandomState(seed)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"seed must be an int from 0 to 2**32 - 1, got {seed!r}") from None
    return (
        rng.uniform(0, 1, (hidden_dim, n_inputs)),
        rng.uniform(0, 1, (output_dim, hidden_dim)),
        rng.uniform(0, 1, (hidden_dim, hidden_dim)),
    )


def scaled_weights(
    hidden_dim: int = 100,
    n_inputs: int = 50,
    output_dim: int = 1,
    seed: int | np.random.Generator | np.random.RandomState | None = None,
    dtype: DTypeLike = np.float64,
) -> tuple[NDArray[np.floating], ...]:
    """Small initial weights: uniform(-1/sqrt(hidden_dim), 1/sqrt(hidden_dim)).

    The pre-activations start near 0, where the sigmoid and tanh have slope.

    Parameters
    ----------
    hidden_dim, n_inputs, output_dim : int
        n_inputs is seq_len for the per-step layout, n_features for the shared.
    seed : int, numpy Generator or RandomState, or None
        An int or None seeds numpy.random.default_rng; a generator is drawn
        from (U, V, W in that order).
    dtype : float32 or float64

    Returns
    -------
    tuple of ndarray
        U (hidden_dim, n_inputs), V (output_dim, hidden_dim), W (hidden_dim,
        hidden_dim).
    """
    hidden_dim, n_inputs, output_dim = _sizes(hidden_dim, n_inputs, output_dim)
    if np.dtype(dtype) not in check.FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {np.dtype(dtype)}")
    rng = check.as_generator(seed, "seed")
    bound = 1 / math.sqrt(hidden_dim)
    shapes = ((hidden_dim, n_inputs), (output_dim, hidden_dim), (hidden_dim, hidden_dim))
    return tuple(rng.uniform(-bound, bound, shape).astype(dtype) for shape in shapes)

"""Standardising data for the network, one way for the CLI, the estimator and
model files: the network sees (raw - mean) / scale and its outputs map back
as mean + scale * output."""

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Variation below this fraction of the values' magnitude is rounding, not data.
ROUNDING = 1e-12


def in_units_of_largest(A: ArrayLike, axis: int | tuple[int, ...] | None = None):
    """(A / magnitude, magnitude): A in float64 over its largest magnitude
    (along axis, kept for broadcasting; 1 where all are zero), so that no sum
    or square of it overflows, whatever the data's units (values near 1e300
    are finite data too)."""
    A = np.asarray(A, dtype=np.float64)
    magnitude = np.max(np.abs(A), axis=axis, keepdims=True)
    magnitude[magnitude == 0] = 1.0
    return A / magnitude, magnitude


def mean_in_range(A: ArrayLike, axis: int | None = None):
    """np.mean of A in float64; where the sum overflows (finite values near
    float64's largest), the mean in units of their largest magnitude, so that
    it is finite wherever the mean itself is."""
    A = np.asarray(A, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = np.mean(A, axis=axis)
        if np.all(np.isfinite(mean)) or not np.all(np.isfinite(A)):
            return mean
        unit, magnitude = in_units_of_largest(A, axis)
        return np.mean(unit, axis=axis) * np.squeeze(magnitude, axis=axis)


def standardisation(
    A: ArrayLike, axis: int | tuple[int, ...] = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(mean, scale) of A along axis (an int or tuple), as 1-D float64 arrays.

    Computed on A divided by its largest magnitude, so that neither the mean
    nor the spread overflows or underflows.  A column whose spread is below
    ROUNDING of its magnitude is constant but for rounding: it gets scale 1,
    or ROUNDING times its magnitude where that is larger, so that its
    rounding residue stays within about 1 of 0 (scale 1 left the residue of
    values near 1e200 to overflow when squared).  A column whose spread
    underflows to 0 (subnormal values) is scaled by its magnitude.  Raises
    ValueError when the mean or spread is not representable in float64.
    """
    unit, magnitude = in_units_of_largest(A, axis)
    mean = (unit.mean(axis=axis, keepdims=True) * magnitude).reshape(-1)
    spread = unit.std(axis=axis, keepdims=True).reshape(-1)
    magnitude = magnitude.reshape(-1)
    scale = spread * magnitude
    flat = spread <= ROUNDING
    scale[flat] = np.maximum(1.0, ROUNDING * magnitude[flat])
    underflowed = scale == 0
    scale[underflowed] = magnitude[underflowed]
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(scale))):
        raise ValueError("the data's mean or spread is not representable in float64")
    return mean, scale

"""Differencing a series and undoing it: the one home of the operator.

A differencing spec is a tuple of lags, e.g. () for none, (1,) for the
regular difference y_t - y_{t-1}, (12,) for a seasonal one and (1, 12) for
both.  It is the polynomial D(B) = prod over lags of (1 - B^lag) in the
backshift operator B: w_t = D(B) y_t = y_t + sum_j c_j y_{t-j}, j = 1..order,
where order = sum(lags) values are used up.  Undoing it is
y_t = w_t - sum_j c_j y_{t-j}.
"""

import functools
import numbers

import numpy as np


def check_lags(lags, name="differencing"):
    """lags as a sorted tuple of positive ints, or a ValueError/TypeError naming name."""
    if lags is None:
        return ()
    if isinstance(lags, (numbers.Integral, np.integer)) and not isinstance(lags, bool):
        lags = (lags,)
    try:
        items = list(lags)
    except TypeError:
        raise TypeError(
            f"{name} must be a sequence of lags (positive ints), got {lags!r}"
        ) from None
    out = []
    for lag in items:
        if isinstance(lag, bool) or not isinstance(lag, (numbers.Integral, np.integer)):
            raise TypeError(f"{name} must hold positive ints, got {lag!r}")
        if lag < 1:
            raise ValueError(f"{name} lags must be at least 1, got {lag}")
        out.append(int(lag))
    return tuple(sorted(out))


def coefficients(lags):
    """c_0..c_order of D(B) = prod (1 - B^lag), c_0 = 1, as float64 (read-only:
    kept for the next call, as a forecast differences its window every step)."""
    return _coefficients(tuple(lags))


@functools.lru_cache(maxsize=64)
def _coefficients(lags):
    c = np.ones(1)
    for lag in lags:
        shifted = np.zeros(len(c) + lag)
        shifted[: len(c)] += c
        shifted[lag:] -= c
        c = shifted
    c.flags.writeable = False
    return c


def order(lags):
    """Values a differencing spec uses up: sum of its lags."""
    return sum(lags)


def difference(values, lags, axis=-1):
    """D(B) applied along axis: that axis shrinks by order(lags) entries."""
    values = np.asarray(values, dtype=np.float64)
    c = coefficients(lags)
    d = len(c) - 1
    if d == 0:
        return values
    axis %= values.ndim
    n = values.shape[axis]
    if n <= d:
        raise ValueError(f"differencing with lags {lags} needs more than {d} values, got {n}")

    def along(start, stop):  # values[start:stop] along axis
        return values[(slice(None),) * axis + (slice(start, stop),)]

    out = along(d, n).copy()
    for j in range(1, d + 1):
        if c[j] != 0:
            out += c[j] * along(d - j, n - j)
    return out


def undo_step(w_next, previous, lags):
    """The next raw value from the next differenced value w_next and the raw
    values before it (previous[..., -1] is the latest; at least order(lags))."""
    c = coefficients(lags)
    y = np.array(w_next, dtype=np.float64)
    for j in range(1, len(c)):
        if c[j] != 0:
            y -= c[j] * previous[..., -j]
    return y


def integrate(w, initial, lags):
    """The raw series whose first order(lags) values are initial and whose
    differences are w: the inverse of difference for 1-D series."""
    d = order(lags)
    initial = np.asarray(initial, dtype=np.float64)
    if initial.shape != (d,):
        raise ValueError(f"initial must hold order(lags) = {d} values, got shape {initial.shape}")
    y = np.concatenate([initial, np.empty(len(w))])
    for t, value in enumerate(w):
        y[d + t] = undo_step(value, y[: d + t], lags)
    return y

"""Series to training windows, and multi-step forecasts: windows and forecast."""
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnc import _validation as check
from rnnc.model import Model


def windows(series: ArrayLike, seq_len: int) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """(X, Y): every window of seq_len steps of series and the step after it.

    As the tutorial builds them: X[i] = series[i:i+seq_len], Y[i] =
    series[i+seq_len], for i = 0..n-1 with n = len(series) - seq_len.

    A 1-D series gives X (n, seq_len, 1) and Y (n, 1).  A 2-D series
    (n_steps, n_features), for the shared layout, gives X (n, seq_len,
    n_features) and Y (n, n_features), the next row.  X and Y are new
    arrays, float32 if series is float32 and float64 otherwise.
    """
    seq_len = check.check_count(seq_len, "seq_len")
    if seq_len < 1:
        raise ValueError(f"seq_len must be at least 1, got {seq_len}")
    series = check.as_real_array(series, "series")
    if series.ndim not in (1, 2):
        raise ValueError(f"series must be 1-D (n_steps,) or 2-D (n_steps, n_features), got "
                         f"shape {series.shape}")
    if series.shape[0] < seq_len + 1:
        raise ValueError(f"series must have at least seq_len + 1 = {seq_len + 1} steps to "
                         f"make one window and its target, got {series.shape[0]}")
    if series.ndim == 2 and series.shape[1] == 0:
        raise ValueError(f"series has no features (shape {series.shape})")
    check.check_finite(series, "series")
    dtype = np.float32 if series.dtype == np.float32 else np.float64
    steps = series.reshape(series.shape[0], -1).astype(dtype, copy=False)
    n = steps.shape[0] - seq_len
    # sliding_window_view gives (n + 1, n_features, seq_len) views; copy into (n, seq_len, F)
    view = np.lib.stride_tricks.sliding_window_view(steps, seq_len, axis=0)[:n]
    X = np.ascontiguousarray(view.transpose(0, 2, 1))
    Y = steps[seq_len:].copy()
    return X, Y


def forecast(model, history, horizon):
    """The next horizon values of a series, in raw units, as a 1-D float64 array.

    Starting from the last model.window_len values of history (1-D, raw
    values; window_len is seq_len plus what the model's differencing uses
    up), predicts the next value with model.predict, appends it to the
    window, drops the oldest value and repeats: each prediction is fed back
    as input.  A model of several networks gives the median of their
    forecasts.  The model must be univariate: one input feature and
    output_dim 1.
    """
    if not isinstance(model, Model):
        raise TypeError(f"model must be an rnnc.model.Model, got {type(model).__name__}")
    if model.output_dim != 1 or model.n_features != 1:
        raise ValueError(f"forecast feeds each prediction back as the next input, so the "
                         f"model needs one input feature and output_dim 1, got "
                         f"{model.n_features} feature(s) and output_dim {model.output_dim}")
    horizon = check.check_count(horizon, "horizon")
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}")
    history = check.as_real_array(history, "history")
    if history.ndim != 1:
        raise ValueError(f"history must be 1-D (raw values of one series), got shape "
                         f"{history.shape}")
    if history.shape[0] < model.window_len:
        what = "seq_len" if not model.differencing else "seq_len + differencing order"
        raise ValueError(f"history must hold at least {what} = {model.window_len} values, "
                         f"got {history.shape[0]}")
    check.check_finite(history, "history")
    return forecast_paths(model, history[None, history.shape[0] - model.window_len:],
                          horizon)[0]


def forecast_paths(model, starts, horizon, n_threads=None):
    """Recursive forecasts from many windows at once: starts (n, window_len)
    of raw values gives (n, horizon).  Each network forecasts on its own,
    feeding back its own predictions; the result is the median of their
    forecasts.  Raises FloatingPointError if a forecast is not finite."""
    paths = []
    for network in model.networks:
        one = replace(model, U=network[0], V=network[1], W=network[2], A=network[3],
                      b=network[4], members=[])
        window = np.array(starts, dtype=np.float64)
        path = np.empty((len(window), horizon))
        for step in range(horizon):
            with np.errstate(over="ignore", invalid="ignore"):  # reported below, as an error
                path[:, step] = one.predict(window, n_threads)[:, 0]
            if not np.all(np.isfinite(path[:, step])):
                raise FloatingPointError(f"forecast step {step + 1} is not finite: the "
                                         f"model's output overflows")
            window = np.concatenate([window[:, 1:], path[:, step, None]], axis=1)
        paths.append(path)
    return paths[0] if len(paths) == 1 else np.median(paths, axis=0)

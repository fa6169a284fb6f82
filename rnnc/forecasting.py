"""Series to training windows, and multi-step forecasts: windows and forecast."""

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnc import _validation as check
from rnnc import smoothing
from rnnc.model import Combination, Model
from rnnc.scaling import ROUNDING, in_units_of_largest, mean_in_range


def windows(series: ArrayLike, seq_len: int) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Every window of seq_len steps of a series, and the step after it.

    As the tutorial builds them: X[i] = series[i:i+seq_len], Y[i] =
    series[i+seq_len], for i = 0..n-1 with n = len(series) - seq_len.

    Parameters
    ----------
    series : array_like, (n_steps,) or (n_steps, n_features)
        Finite values, at least seq_len + 1 steps.
    seq_len : int
        Steps per window, at least 1.

    Returns
    -------
    X : ndarray, (n, seq_len, 1) or (n, seq_len, n_features)
    Y : ndarray, (n, 1) or (n, n_features)
        The next value (row) after each window.  Both are new arrays, float32
        if series is float32 and float64 otherwise.

    Raises
    ------
    ValueError, TypeError
        For inputs that do not fit, naming the argument.
    """
    seq_len = check.check_count(seq_len, "seq_len")
    if seq_len < 1:
        raise ValueError(f"seq_len must be at least 1, got {seq_len}")
    series = check.as_real_array(series, "series")
    if series.ndim not in (1, 2):
        raise ValueError(
            f"series must be 1-D (n_steps,) or 2-D (n_steps, n_features), got shape {series.shape}"
        )
    if series.shape[0] < seq_len + 1:
        raise ValueError(
            f"series must have at least seq_len + 1 = {seq_len + 1} steps to "
            f"make one window and its target, got {series.shape[0]}"
        )
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


@dataclass(frozen=True)
class Forecast:
    """rnnc.forecast's result when levels are given: mean, the point forecast
    (horizon,), and intervals, {level: (lower, upper)} of (horizon,) arrays."""

    mean: np.ndarray
    intervals: dict


def with_inputs(target, inputs):
    """The steps a model with inputs reads: row t holds the target's value at t
    and the inputs' values at t + 1, so that the last row of a window ending
    at t holds the inputs of t + 1, the step being forecast.

    target (..., L) and inputs (..., L + 1, k) give (..., L, 1 + k); the
    inputs' first row (time t - L + 1 - 1) is not read."""
    target = np.asarray(target, dtype=np.float64)
    inputs = np.asarray(inputs, dtype=np.float64)
    return np.concatenate([target[..., None], inputs[..., 1:, :]], axis=-1)


def as_inputs(inputs, shape):
    """inputs as a finite 2-D float64 array (a 1-D one as one column), or a
    ValueError or TypeError naming inputs and the shape expected."""
    x = check.as_real_array(inputs, "inputs")
    x = x[:, None] if x.ndim == 1 else x
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"inputs must be {shape}, got shape {np.shape(inputs)}")
    check.check_finite(x, "inputs")
    return x.astype(np.float64)


def fitted_with_inputs(model):
    """True when model reads its steps as with_inputs lays them out: a model
    of fit_forecaster's (or fit_linear_arx's) whose info names the inputs,
    or a Combination of such models."""
    if isinstance(model, Combination):
        return all(map(fitted_with_inputs, model.models)) or (
            model.info.get("n_inputs") == model.n_features - 1
        )
    return model.info.get("n_inputs") == model.n_features - 1


def reads_inputs(model):
    """True when the model's steps hold the inputs (with_inputs' layout): it
    reads more than the target.  A model fitted with inputs may read none
    (a baseline or the plain AR won): its steps are the target alone."""
    return model.n_features > 1


def n_inputs(model):
    """The inputs a model was fitted with: the features it reads after the
    target, or for one that reads none (a baseline that backtested better
    than the models with inputs), model.info["n_inputs"] (0 by default)."""
    if model.n_features > 1:
        return model.n_features - 1
    k = model.info.get("n_inputs", 0)
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f'model.info["n_inputs"] must be a count of inputs, got {k!r}')
    return k


def check_inputs(model, inputs, n_history, horizon):
    """inputs as a (n_history + horizon, k) float64 array, or None for a
    model fitted without inputs; a ValueError or TypeError naming inputs."""
    k = n_inputs(model)
    if k == 0:
        if inputs is not None:
            raise ValueError("inputs: this model was fitted without inputs; give inputs=None")
        return None
    need = n_history + horizon
    if inputs is None:
        raise ValueError(
            f"inputs is required: the model was fitted with {k} input(s); give "
            f"their values along the history and their future values for the "
            f"horizon, shape (len(history) + horizon, {k}) = ({need}, {k})"
        )
    shape = f"(len(history) + horizon, {k}), one column per input the model was fitted with"
    inputs = as_inputs(inputs, shape)
    if inputs.shape[1] != k:
        raise ValueError(f"inputs must be {shape}, got shape {inputs.shape}")
    if inputs.shape[0] != need:
        future = inputs.shape[0] - n_history
        raise ValueError(
            f"inputs must hold len(history) + horizon = {need} rows, the inputs' "
            f"values along the history and their future values for the horizon "
            f"(required: rnnc does not forecast inputs), got {inputs.shape[0]}: "
            + (
                f"{horizon - future} future value(s) missing"
                if future < horizon
                else f"{future} rows after the history for a horizon of {horizon}"
            )
        )
    return inputs


def forecast(
    model: Model | Combination,
    history: ArrayLike,
    horizon: int,
    levels: float | Sequence[float] | None = None,
    inputs: ArrayLike | None = None,
) -> NDArray[np.float64] | Forecast:
    """Forecast the next values of a series, feeding each prediction back
    (a seasonal smoothing model: from its own recursion).

    Starting from the last model.window_len values of history (window_len is
    seq_len plus what the model's differencing uses up), the model predicts
    the next value, which is appended to the window while the oldest value
    drops out, and so on.  A model of several networks gives the median of
    their forecasts; a Combination, the mean of its models' forecasts, each
    from the values it reads; a Holt-Winters model (Model.seasonal_smoothing)
    runs its smoothing over its window and forecasts every step from there.
    The model must predict one series (output_dim 1) from its own past, or
    from its past and inputs.

    A model fitted with inputs (rnnc.fit_forecaster's inputs) needs their
    future values: rnnc does not forecast them.  inputs holds each input's
    values along the history and then for the horizon's steps; the forecast
    of step t reads the inputs of step t and the steps before it (with_inputs).

    The intervals are split-conformal, from the backtest fit_forecaster ran:
    at step h, the point forecast plus and minus the ceil((n + 1) level)-th
    smallest of the n absolute errors at step h over the holdout's origins
    (model.info["residuals"]); when that rank exceeds n, too few origins
    back the level and the interval is unbounded (-inf, inf).

    Parameters
    ----------
    model : rnnc.Model or rnnc.Combination
        From rnnc.fit_forecaster, rnnc.train's presets or rnnc.load.
    history : array_like, 1-D
        Raw values of the series, at least model.window_len of them.
    horizon : int
        Steps to forecast, 1 to MAX_HORIZON (100,000).
    levels : float or sequence of float, optional
        Coverage of prediction intervals, each in (0, 1), e.g. (0.8, 0.95).
    inputs : array_like, (len(history) + horizon, k) or (len(history) + horizon,), optional
        For a model fitted with k inputs (and only then): their values at
        the history's steps, then their future values at the horizon's steps.
        A model that reads none of them (a baseline chose over them) ignores
        them.

    Returns
    -------
    ndarray of float64, (horizon,)
        Without levels: the point forecast.
    Forecast
        With levels: ``.mean``, the point forecast, and ``.intervals``,
        {level: (lower, upper)}.

    Raises
    ------
    ValueError, TypeError
        For inputs that do not fit, naming the argument; for levels, a model
        without stored residuals (from rnnc.train, the presets or an older
        fit_forecaster) or a horizon past the backtest's.
    FloatingPointError
        If a forecast is not finite.

    Warns
    -----
    UserWarning
        When the history's last values, or an input's values along the
        forecast, lie far from what the model was fitted on (unusual_history).
    """
    if not isinstance(model, (Model, Combination)):
        raise TypeError(
            f"model must be an rnnc.Model or rnnc.Combination, got {type(model).__name__}"
        )
    if isinstance(model, Combination):
        model.check()  # its list of models may have changed since it was made
    if model.output_dim != 1 or (model.n_features > 1 and not fitted_with_inputs(model)):
        raise ValueError(
            f"forecast feeds each prediction back as the next input, so the "
            f"model needs output_dim 1 and one input feature (or the target "
            f"and the inputs fit_forecaster fitted it with), got "
            f"{model.n_features} feature(s) and output_dim {model.output_dim}"
        )
    horizon = check.check_count_between(horizon, "horizon", 1, MAX_HORIZON)
    history = check.as_real_array(history, "history")
    if history.ndim != 1:
        raise ValueError(
            f"history must be 1-D (raw values of one series), got shape {history.shape}"
        )
    if history.shape[0] < model.window_len:
        if isinstance(model, Combination):
            what = "its longest model's window"
        else:
            what = "seq_len" if not model.differencing else "seq_len + differencing order"
        raise ValueError(
            f"history must hold at least {what} = {model.window_len} values, got {history.shape[0]}"
        )
    check.check_finite(history, "history")
    inputs = check_inputs(model, inputs, history.shape[0], horizon)
    widths = None if levels is None else interval_widths(model, horizon, levels)
    note = unusual_history(model, history, inputs)
    if note:
        warnings.warn(note, UserWarning, stacklevel=2)
    first = history.shape[0] - model.window_len
    if inputs is not None:
        inputs = inputs[None, first:]
    mean = forecast_paths(model, history[None, first:], horizon, inputs=inputs)[0]
    if widths is None:
        return mean
    intervals = {}
    with np.errstate(over="ignore"):
        for level, w in widths.items():
            lower, upper = mean - w, mean + w
            bounded = np.isfinite(w)  # inf: too few origins back the level, by design
            if not (np.all(np.isfinite(lower[bounded])) and np.all(np.isfinite(upper[bounded]))):
                raise FloatingPointError(
                    f"the {level} interval's bounds are beyond float64's range (the "
                    f"forecast plus or minus its backtest errors overflows)"
                )
            intervals[level] = (lower, upper)
    return Forecast(mean, intervals)


def check_levels(levels):
    """levels (one or a sequence) as a tuple of floats in (0, 1)."""
    many = np.ndim(levels) > 0
    values = tuple(levels) if many else (levels,)
    if not values:
        raise ValueError("levels must name at least one level, e.g. (0.8, 0.95)")
    for level in values:
        if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
            raise TypeError(f"levels must be numbers in (0, 1), got {level!r}")
        if not 0 < level < 1:
            raise ValueError(f"levels must be between 0 and 1 (0.8 for 80%), got {level}")
    return tuple(float(level) for level in values)


def interval_widths(model, horizon, levels):
    """{level: half-widths (horizon,)}: the conformal quantiles of the stored
    absolute backtest errors, step by step (see forecast)."""
    levels = check_levels(levels)
    residuals = model.info.get("residuals")
    if not residuals:
        raise ValueError(
            "this model has no backtest residuals to build intervals from: "
            "refit it with rnnc.fit_forecaster (rnnc train's default) of this "
            "rnnc version to get intervals"
        )
    residuals = np.asarray(residuals, dtype=np.float64)
    n, steps = residuals.shape
    if horizon > steps:
        raise ValueError(
            f"intervals reach {steps} steps, the horizon the model was "
            f"backtested at; got horizon {horizon} (fit with a longer one)"
        )
    ordered = np.sort(residuals[:, :horizon], axis=0)
    widths = {}
    for level in levels:
        rank = math.ceil((n + 1) * level - 1e-9)  # the finite-sample correction
        widths[level] = ordered[rank - 1] if rank <= n else np.full(horizon, np.inf)
    return widths


# The longest forecast: a recursive one takes a pass of the model per step, so
# that a mistyped horizon would otherwise run for hours.
MAX_HORIZON = 100_000

# How far a history may stray from the training series before forecast notes it.
LEVEL_STDS = 5
SPREAD_RATIO = 10


def _level_and_spreads(values):
    """(mean, std, std of the first differences) of values, taken in units of
    their largest magnitude (in_units_of_largest)."""
    unit, magnitude = in_units_of_largest(values)
    magnitude = magnitude.item()
    step_std = float(np.std(np.diff(unit))) if len(unit) > 1 else 0.0
    return (
        float(np.mean(unit)) * magnitude,
        float(np.std(unit)) * magnitude,
        step_std * magnitude,
    )


def training_statistics(y):
    """What unusual_history compares a history with: the level (mean, std,
    min, max) and the spread of the steps (std of the first differences)."""
    y = np.asarray(y, dtype=np.float64)
    mean, std, step_std = _level_and_spreads(y)
    return dict(mean=mean, std=std, min=float(np.min(y)), max=float(np.max(y)), step_std=step_std)


def unusual_history(model, history, inputs=None):
    """A one-line note when the history's last values, or an input's values
    along the forecast, are far from what the model was fitted on
    (model.info["training"], and "training_inputs" for a model fitted with
    inputs), else None.

    The last values: max(window_len, 2 periods, 10) of them; an input's, its
    values from there to the end of inputs (the horizon's included).  Far:
    their mean more than 5 training standard deviations outside the training
    range [min, max], or the spread of their steps (std of first
    differences) over 10 times or under a tenth of the training series', or
    not 0 where the training series' was (a spread below ROUNDING of the
    values' magnitude is rounding, and counts as 0).  Differences, not the
    values, measure spread so that a trend does not count as one.
    """
    stats = model.info.get("training")
    if not stats:
        return None
    period = int(model.info.get("period", 1) or 1)
    last = max(model.window_len, 2 * period, 10)
    recent = np.asarray(history, dtype=np.float64)[-last:]
    note = _far_from(stats, recent, f"the history's last {len(recent)} values", "series")
    if note or inputs is None or not model.info.get("training_inputs"):
        return note
    inputs = np.asarray(inputs, dtype=np.float64).reshape(len(inputs), -1)
    along = inputs[max(len(history) - last, 0) :]
    names = model.info.get("inputs") or [f"{j + 1}" for j in range(inputs.shape[1])]
    for j, input_stats in enumerate(model.info["training_inputs"]):
        what = f"input {names[j]}'s {len(along)} values along the forecast"
        note = _far_from(input_stats, along[:, j], what, "input")
        if note:
            return note
    return None


def _far_from(stats, recent, what, trained_on):
    """unusual_history's test of recent values against training statistics."""
    level, _, step_std = _level_and_spreads(recent)
    margin = LEVEL_STDS * stats["std"]
    if not stats["min"] - margin <= level <= stats["max"] + margin:
        return (
            f"{what} average {level:.6g}, more than {LEVEL_STDS} standard deviations "
            f"({stats['std']:.3g}) outside the range the model was trained on "
            f"({stats['min']:.6g} to {stats['max']:.6g}): its forecast may mean little"
        )
    if len(recent) <= 2:
        return None
    # steps that vary by rounding alone (an exact trend's) vary not at all
    rounding = ROUNDING * max(abs(stats["min"]), abs(stats["max"]), abs(level))
    trained = stats["step_std"] if stats["step_std"] > rounding else 0.0
    moves = step_std if step_std > rounding else 0.0
    if trained == 0:
        if moves == 0:
            return None
        return (
            f"{what} move from step to step by varying amounts, where the "
            f"{trained_on} the model was trained on moved by equal steps: its "
            f"forecast may mean little"
        )
    if moves == 0:
        return (
            f"{what} move by equal steps, where the {trained_on} the model was "
            f"trained on moved by varying ones: its forecast may mean little"
        )
    ratio = moves / trained
    if not 1 / SPREAD_RATIO <= ratio <= SPREAD_RATIO:
        return (
            f"{what} vary {ratio:.3g} times as much from step to step as the "
            f"{trained_on} the model was trained on: its forecast may mean little"
        )
    return None


def mean_of_paths(paths):
    """The mean of finite forecasts (mean_in_range: also near float64's
    largest), or a FloatingPointError where the mean itself is beyond it."""
    mean = mean_in_range(paths, axis=0)
    if not np.all(np.isfinite(mean)):
        raise FloatingPointError("the mean of the models' forecasts is beyond float64's range")
    return mean


def _smoothing_paths(model, starts, horizon):
    """forecast_paths of a Holt-Winters model: the smoothing run over the
    last window_len values of each start, k steps ahead straight from its
    states (rnnc.smoothing, why)."""
    windows = np.asarray(starts, dtype=np.float64)[:, -model.window_len :]
    with np.errstate(over="ignore", invalid="ignore"):  # reported below
        path = smoothing.seasonal_forecasts(windows, *model.seasonal_smoothing, horizon)
    if not np.all(np.isfinite(path)):
        raise FloatingPointError("a forecast is not finite: the smoothing's output overflows")
    return path


def forecast_paths(model, starts, horizon, n_threads=None, inputs=None):
    """Recursive forecasts from many windows at once: starts (n, window_len)
    of raw values gives (n, horizon).  Each network forecasts on its own,
    feeding back its own predictions (a seasonal smoothing model, from its
    recursion: _smoothing_paths); the result is the median of their
    forecasts (a Combination: the mean of its models' forecasts, each from the
    last values of starts it reads).  A model with inputs reads them from
    inputs (n, window_len + horizon, k), their values at the times of starts
    and then of the horizon (a model without inputs ignores them).  Raises
    FloatingPointError if a forecast is not finite."""
    if isinstance(model, Combination):
        starts = np.asarray(starts)
        width = starts.shape[1]
        return mean_of_paths(
            [
                forecast_paths(
                    m,
                    starts[:, width - m.window_len :],
                    horizon,
                    n_threads,
                    None if inputs is None else inputs[:, width - m.window_len :],
                )
                for m in model.models
            ]
        )
    if model.seasonal_smoothing is not None:
        return _smoothing_paths(model, starts, horizon)
    inputs_read = reads_inputs(model)
    paths = []
    for network in model.networks:
        one = replace(
            model, U=network[0], V=network[1], W=network[2], A=network[3], b=network[4], members=[]
        )
        predictors = one._predictors()
        window = np.array(starts, dtype=np.float64)
        length = window.shape[1]
        path = np.empty((len(window), horizon))
        for step in range(horizon):
            steps = (
                with_inputs(window, inputs[:, step : step + length + 1]) if inputs_read else window
            )
            try:
                with np.errstate(over="ignore", invalid="ignore"):  # reported below
                    # `one` was checked when made: no step checks its fields again
                    each = one._predict_each(steps, n_threads, "history", predictors)
                    path[:, step] = each[0, :, 0]
                finite = np.all(np.isfinite(path[:, step]))
            except FloatingPointError:  # a prediction beyond float64
                finite = False
            if not finite:
                raise FloatingPointError(
                    f"forecast step {step + 1} is not finite: the model's output overflows"
                )
            window = np.concatenate([window[:, 1:], path[:, step, None]], axis=1)
        paths.append(path)
    return paths[0] if len(paths) == 1 else np.median(paths, axis=0)

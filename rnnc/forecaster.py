"""rnnc.fit_forecaster: a forecasting model chosen by backtest, for one series.

Candidates and baselines are all rnnc.Model objects, so that one model file
and rnnc.forecast cover every outcome: a baseline is a Model whose network is
switched off (V = 0) and whose linear skip term holds the baseline's
coefficients, in the space of its differencing:

* last value: differencing (1,), zero forecast of the difference;
* seasonal naive: differencing (m,), zero forecast of the seasonal difference;
* linear AR: no differencing, A and b by least squares (order by AIC);
* linear ARX (with inputs): the series' lags and each input's value at the
  forecast step and its lags, by least squares, per-feature scaling
  (rnnc.forecasting.with_inputs lays out the steps);
* damped trend: no differencing, A the weights of damped-trend exponential
  smoothing on a window (rnnc.smoothing);
* seasonal smoothing: additive Holt-Winters with a damped trend on the last
  values (at most SMOOTHING_SEASONS seasons), A its one-step weights on them
  and Model.seasonal_smoothing its parameters, by which rnnc.forecast runs
  it for the steps ahead.

Least-squares ARs whose order is chosen are kept from exploding (roots of
modulus at most MAX_ROOT, a unit root at most): an explosive fit, which
short series invite, sends recursive forecasts off without bound.

See fit_forecaster for the procedure.
"""

import math
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike

from rnnc import _validation as check
from rnnc import core, smoothing
from rnnc import differencing as diff
from rnnc.forecasting import (
    MAX_HORIZON,
    as_inputs,
    forecast_paths,
    mean_of_paths,
    training_statistics,
    windows,
    with_inputs,
)
from rnnc.initializers import scaled_weights
from rnnc.model import Combination, Model
from rnnc.scaling import in_units_of_largest, standardisation

# Defaults, tuned on statsmodels' bundled series (README, "Forecasting").
HIDDEN_DIM = 16
MAX_EPOCHS = 60
LEARNING_RATE = 3e-3
N_MEMBERS = 3
# Member i of an ensemble with seed s is seeded s * MAX_MEMBERS + i (_members),
# so that the ensembles of different seeds share none.
MAX_MEMBERS = 1000
CHECK_EVERY = 2  # epochs between two backtests of a network in training
PATIENCE = 12  # epochs without a better backtest before a network stops
MAX_ORIGINS = 50  # forecast origins in the holdout (evenly spaced)
MAX_REFITS = 12  # fits of a linear candidate across the holdout (_refitted_forecasts)
# The holdout holds this many horizons, or a fifth of the series where that is
# more, at most half of it (plan_backtest: less where a season and a value
# would not precede it).  On a short series the choice between the mean and the
# baselines rests on it: 3 horizons against 2 took the short forecasting suite
# from 0.761 to 0.745 and a quarter of the fertility suite from 0.713 to 0.700
# (the whole suite 0.623 to 0.611), the other suite 0.856 to 0.849, the
# standard suite unchanged (scratch runs without networks); and 16 segments of
# series no suite uses from 0.616 to 0.635, one of them a weekly series whose
# fits before the longer holdout read 2.25 seasons.
HOLDOUT_HORIZONS = 3
# A more complex candidate must beat the simplest one within this fraction of
# the best MASE: early stopping on the holdout flatters networks a little.
MARGIN = 0.02
MIN_LENGTH = 8
MIN_INDEPENDENT = 4
MAX_WINDOW = 36  # steps a network reads: its cost grows with them
MIN_WINDOW = 8
# The seasons of values seasonal smoothing reads, at most: a forecast needs
# that much history.  Reading 2 to 10 changed MASE by 0.011 at most (at 2, 3,
# 5 and 10 seasons: short suite 0.769, 0.774, 0.770, -; co2 -, 0.407, 0.400,
# 0.411; the hourly and weekly series of the README's check -, 0.774, 0.778),
# so the forecaster takes 3, which needs little history.
SMOOTHING_SEASONS = 3
# An autocorrelation peak must reach this (and 3 / sqrt(n)) to count as a season.
MIN_SEASONAL_ACF = 0.3
# A calendar season is taken too when its strength (seasonal_strength) reaches
# this on at least STRENGTH_SEASONS seasons and STRENGTH_VALUES values: on white
# noise, random walks and AR(1) and AR(2) series of 4 to 8 seasons of 7 or 12
# steps, and 6 to 8 of 4, it did so in at most 1.5% of 1,000 draws each (the
# worst, an AR(2) cycle of 11 months); on 16 quarters of white noise, in 4%.
# 3.5 seasons leave 2.5 of detrended values (the trend's moving average loses
# half a season at each end), 2 or more at each step of the season: at 3.5 to
# 3.75 seasons of 7, 12, 24 or 52 steps the same series took one in at most
# 1.8% of draws, the AR(2) cycle in 2.3-5.4%.  At 3 seasons, 5-15%: too many.
# An AR(2) cycle of exactly the calendar's period that fades slowly (0.9 a
# step) is a season over a few of them: it takes 16-42% of those at 3.5 to 4
# seasons, 5% at 5 of 12 months, where the autocorrelation rule takes 2-22%.
MIN_SEASONAL_STRENGTH = 0.75
STRENGTH_SEASONS = 3.5
STRENGTH_VALUES = 24
# The largest magnitude of a series' values: the backtest's differences and sums
# of errors over many origins stay far from float64's limit (1.8e308).
LARGEST = 1e300
# The largest root modulus a chosen AR may keep: 1 is a unit root (a random
# walk's), the 0.1% above it least squares' rounding of one; past it the fit
# is explosive and _not_explosive pulls it back to 1.
MAX_ROOT = 1.001


def _series(series):
    y = check.as_real_array(series, "series")
    if y.ndim != 1:
        raise ValueError(f"series must be 1-D (the values of one series), got shape {y.shape}")
    check.check_finite(y, "series")
    if len(y) < MIN_LENGTH:
        raise ValueError(f"series must hold at least {MIN_LENGTH} values, got {len(y)}")
    _check_magnitude(y, "series")
    return y.astype(np.float64)


def _check_magnitude(values, name):
    """A ValueError naming name unless its values are at most LARGEST in magnitude."""
    largest = float(np.max(np.abs(values)))
    if largest > LARGEST:
        raise ValueError(
            f"{name} values must be at most {LARGEST:g} in magnitude, got {largest:g}: "
            f"rnnc differences them and sums their errors in float64; divide {name} by a "
            f"power of 10"
        )


def detect_period(series: ArrayLike, calendar: int | None = None) -> int:
    """The seasonal period of series, or 1 for none.

    The rule: the autocorrelation r of the first differences (which removes a
    trend that would dominate it); a lag m in 2..len/4 is a season when r has
    a local maximum there of at least max(0.3, 3 / sqrt(len)) and repeats at
    2m: the mean product there, +-1, is at least 80% of that at m (a season
    repeats, a quasi-cycle such as the sunspots' decays).  Mean products, as
    r sums fewer of them the longer the lag: on r itself five years of
    monthly values failed by that alone.  A cycle that fades slowly passes
    more often so (of AR(2) cycles of 10 steps, 300 draws: fading by 0.9 a
    step, 72 values, 18% against 7% on r; by 0.8, 100 values, 6% against
    4%); taken for a season, those forecast better at 0.9 and worse at 0.8
    (geometric mean MASE 1.75 against 1.82, and 1.89 against 1.76; 40
    series, 10 steps ahead, fit_forecaster without networks).

    calendar, the period the dates imply (12 for monthly steps, ...), is
    tested up to len/2 (about 30 monthly values can show 12), and is the
    answer when it passes that test itself, or when a lag within 2% of it
    does (52 weeks when 53 peaks: a year is 52.18 weeks), or when its
    seasonal_strength is at least 0.75 on 3.5 seasons and 24 values or more
    (a season under swings of the trend, which fill the differences'
    autocorrelation: US housing starts); otherwise, of the
    seasons found, the highest peak wins, and of peaks within 10% of the
    highest, the shortest lag (a season's multiples peak too).

    Parameters
    ----------
    series : array_like, 1-D
    calendar : int, optional
        The period the series' dates imply.

    Returns
    -------
    int
        The period, 1 for none.
    """
    y = _series(series)
    if calendar is not None:
        calendar = check.check_count_between(calendar, "calendar", 1)
    d = np.diff(in_units_of_largest(y)[0])  # the autocorrelation ignores units
    n = len(d)
    d = d - d.mean()
    denominator = float(d @ d)
    last = widest_lag(len(y))

    def near_calendar(m):
        return calendar is not None and abs(m - calendar) <= calendar // 50

    # lags near the calendar's are tested past len/4, while r at twice them is in range
    top = last
    if calendar is not None:
        top = max(last, min(calendar + calendar // 50, (n - 2) // 2))
    if top < 2 or denominator == 0:
        return 1
    lags = np.arange(2 * top + 2)
    r = np.array([float(d[lag:] @ d[: n - lag]) / denominator for lag in lags])
    # r(lag) sums n - lag products: a repeat is judged on the mean product
    mean_product = r * n / (n - lags)

    def repeats(m):
        return max(mean_product[2 * m - 1 : 2 * m + 2]) >= 0.8 * mean_product[m]

    threshold = max(MIN_SEASONAL_ACF, 3 / math.sqrt(n))
    peaks = [
        m
        for m in range(2, top + 1)
        if (m <= last or near_calendar(m))
        and r[m] > r[m - 1]
        and r[m] >= r[m + 1]
        and r[m] >= threshold
        and repeats(m)
    ]
    # a calendar season a fraction off whole steps (a year is 52.18 weeks)
    # peaks a step either side of it: within 2% of the lag counts as it
    if any(near_calendar(m) for m in peaks):
        return calendar
    if (
        calendar is not None
        and len(y) >= max(STRENGTH_SEASONS * calendar, STRENGTH_VALUES)
        and seasonal_strength(y, calendar) >= MIN_SEASONAL_STRENGTH
    ):
        return calendar
    if not peaks:
        return 1
    best = max(r[m] for m in peaks)
    return min(m for m in peaks if r[m] >= 0.9 * best)


def widest_lag(n_values):
    """The longest lag detect_period tests without a calendar: a quarter of
    the first differences of n_values values."""
    return (n_values - 1) // 4


def seasonal_strength(series: ArrayLike, period: int) -> float:
    """How much of the series, its trend taken out, a fixed season explains:
    1 - var(R) / var(S + R), at least 0, by classical decomposition (the
    trend a centred moving average over one season, the season the mean of
    the detrended values at each of its steps, R the rest), as in Wang,
    Smith and Hyndman (2006).  1 for a series that is trend and season only,
    0 for period 1 or a series of under 2 period + 1 values; on few seasons
    it is high by chance (white noise: 0.92 on average over 25 values at
    period 12), so detect_period reads it on 3.5 seasons or more.

    Parameters
    ----------
    series : array_like, 1-D
        At least MIN_LENGTH (8) finite values.
    period : int
        At least 1."""
    m = check.check_count_between(period, "period", 1)
    y = in_units_of_largest(_series(series))[0]
    n = len(y)
    if m < 2 or n < 2 * m + 1:
        return 0.0
    # a window of one season centred on each value: m + 1 values, the ends
    # halved, for an even season
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    k = len(weights) // 2
    detrended = y[k : n - k] - np.convolve(y, weights, mode="valid")
    step = np.arange(k, n - k) % m
    season = np.bincount(step, detrended, m) / np.bincount(step, minlength=m)
    rest = detrended - (season - season.mean())[step]
    spread = float(np.var(detrended))
    return 0.0 if spread == 0 else max(0.0, 1.0 - float(np.var(rest)) / spread)


def default_horizon(n, period):
    """A season (at least 6 steps), but no more than a sixth of the series."""
    return max(1, min(max(period, 6), n // 6))


# --- models with the network switched off ---------------------------------------------


def linear_model(
    A, b, differencing=(), offset=0.0, scale=1.0, info=None, n_features=1, seasonal_smoothing=None
):
    """A Model computing only the skip term A x + b (V = 0), in the space of
    differencing, scaled by offset and scale, reading n_features values per
    step (the series and its inputs); seasonal_smoothing, the parameters of
    the Holt-Winters smoothing A is (fit_seasonal_smoothing)."""
    A = np.asarray(A, dtype=np.float64).reshape(1, -1)
    zero = np.zeros((1, 1))
    return Model(
        np.zeros((1, n_features)),
        zero.copy(),
        zero.copy(),
        seq_len=A.shape[1] // n_features,
        layout="shared",
        bptt_truncate=None,
        offset=offset,
        scale=scale,
        info=dict(info or {}),
        A=A,
        b=np.asarray(b, dtype=np.float64).reshape(1),
        differencing=diff.check_lags(differencing),
        seasonal_smoothing=seasonal_smoothing,
    )


def naive_model(lag=1):
    """Last value (lag 1) or seasonal naive (lag m): zero forecasts of the
    lag-differenced series, so each forecast repeats the value lag steps back."""
    return linear_model(np.zeros(1), np.zeros(1), differencing=(lag,))


def _lagged(z, p, first):
    """Rows t = first..n-1 of [z[t-p], ..., z[t-1]] (oldest first, the skip term's
    order) and the targets z[t]."""
    X = np.lib.stride_tricks.sliding_window_view(z, p)[first - p : len(z) - p]
    return X, z[first:]


def _normal_equations(X, y):
    """(Gram matrix, X^T y, y^T y) of the design [X, 1], summed with einsum:
    the designs are small, and a multi-threaded BLAS call on them costs more
    waking threads (beside the networks' training) than it computes."""
    design = np.column_stack([X, np.ones(len(X))])
    return (
        np.einsum("ti,tj->ij", design, design),
        np.einsum("ti,t->i", design, y),
        float(np.einsum("t,t->", y, y)),
    )


def _least_squares(X, y):
    """(coefficients, intercept) of the least-squares fit y ~ X a + b."""
    gram, rhs, _ = _normal_equations(X, y)
    coef = np.linalg.lstsq(gram, rhs, rcond=None)[0]
    return coef[:-1], coef[-1]


def ar_order(z, max_order):
    """The order 1..max_order with the least AIC, all scored on the same rows."""
    X, y = _lagged(z, max_order, max_order)
    return _aic_order(X[:, ::-1], y, 1)  # lag 1, lag 2, ...


def _aic_order(X, y, n_features):
    """The order p (1..X.shape[1] / n_features) with the least AIC for y ~ X
    plus an intercept, where order p uses the first p * n_features columns
    of X (the newest step's first).

    The Cholesky factor of the Gram matrix of [1, X] gives the residual sum
    of squares of every order at once (nested columns)."""
    gram, rhs, total = _normal_equations(X, y)
    # the intercept first, so that order p uses the first p * n_features + 1 columns
    order = np.r_[len(rhs) - 1, 0 : len(rhs) - 1]
    gram, rhs = gram[np.ix_(order, order)], rhs[order]
    jitter = 1e-12 * np.trace(gram) * np.eye(len(rhs))  # a constant column is not fatal
    L = np.linalg.cholesky(gram + jitter)
    explained = np.cumsum(np.linalg.solve(L, rhs) ** 2)
    best = None
    for p in range(1, X.shape[1] // n_features + 1):
        rss = max(total - float(explained[p * n_features]), 0.0)
        aic = len(y) * math.log(max(rss / len(y), 1e-300)) + 2 * (p * n_features + 1)
        if best is None or aic < best[0] - 1e-9:
            best = (aic, p)
    return best[1]


def largest_root(a):
    """The largest modulus of the roots of the AR recursion with coefficients
    a (oldest lag first, the skip term's order): the spectral radius of its
    companion matrix.  Above 1, the recursion's forecasts grow without bound."""
    a = np.asarray(a, dtype=np.float64)
    companion = np.eye(len(a), k=-1)
    companion[0] = a[::-1]
    return float(np.max(np.abs(np.linalg.eigvals(companion))))


def _not_explosive(X, y, n_features):
    """(A, b) of the least-squares fit y ~ X A + b, with the series' own lags
    (every n_features-th coefficient of A, oldest first) pulled back to the
    unit circle when their recursion is explosive (largest_root rho above
    MAX_ROOT): dividing lag k's coefficient by rho^k divides every root by
    rho, so the largest becomes a unit root and the shape of the others
    (a season, say) stays.  The other coefficients and the intercept are then
    refitted around them."""
    A, b = _least_squares(X, y)
    own = A[::n_features]
    rho = largest_root(own)
    if rho <= MAX_ROOT:
        return A, b
    A[::n_features] = own / rho ** np.arange(len(own), 0, -1)
    others = np.arange(X.shape[1]) % n_features != 0
    A[others], b = _least_squares(X[:, others], y - X[:, ~others] @ A[~others])
    return A, b


def max_ar_order(n, period):
    """The largest AR order tried: two seasons or 10, at most a third of the values."""
    return min(max(2 * period, 10), (n - 1) // 3)


def fit_linear_ar(series, p=None, differencing=(), period=1):
    """The linear AR(p) with intercept, by least squares, on the series
    differenced as given (scaled by its standardisation), as a Model; p=None
    chooses it by AIC up to max_ar_order, and then an explosive fit is
    pulled back to a unit root (_not_explosive)."""
    w = diff.difference(_series_any(series), diff.check_lags(differencing))
    period = check.check_count_between(period, "period", 1)
    offset, scale = _scaling(w)
    z = (w - offset) / scale
    if p is None:
        p = ar_order(z, max(1, max_ar_order(len(z), period)))
        A, b = _not_explosive(*_lagged(z, p, p), 1)
    else:
        A, b = _least_squares(*_lagged(z, _order(p, len(z)), p))
    return linear_model(A, b, differencing, offset, scale)


def fit_damped_trend(series, max_window=None):
    """Damped-trend exponential smoothing of the series (rnnc.smoothing), as
    a Model: parameters by least one-step squared error over a grid (of
    those whose forecast weights fade within max_window values; default
    half the series, at least 2), and those weights as the skip term.

    Parameters
    ----------
    series : array_like, 1-D
        At least MIN_LENGTH values.
    max_window : int, optional
        At least 2 (alpha = beta = 1 reads two values); a longer one than
        len(series) - 1 is cut to that.

    Returns
    -------
    rnnc.Model
        model.info["smoothing"] holds (alpha, beta, phi).
    """
    y = _series(series)
    max_window = (
        len(y) // 2
        if max_window is None
        else check.check_count_between(max_window, "max_window", 2)
    )
    max_window = min(max_window, len(y) - 1)
    alpha, beta, phi = smoothing.fit_parameters(y, max_window)
    weights = smoothing.filter_weights(alpha, beta, phi, max_window)
    info = dict(smoothing=[alpha, beta, phi])
    return _weighted_sum_model(weights[::-1], y, info=info)  # oldest first


def fit_seasonal_smoothing(series, period):
    """Additive Holt-Winters smoothing with a damped trend (rnnc.smoothing)
    of the series' last values, at most SMOOTHING_SEASONS seasons of them,
    as a Model: parameters by least one-step squared error over a grid,
    its one-step weights on those values as the skip term, and the
    parameters as its seasonal_smoothing, by which rnnc.forecast runs the
    smoothing for the steps ahead.

    Parameters
    ----------
    series : array_like, 1-D
        At least rnnc.smoothing.MIN_SEASONS (1.5) seasons of values, and
        MIN_LENGTH (8).
    period : int
        The season, from 2 to rnnc.smoothing.MAX_WINDOW / 2.

    Returns
    -------
    rnnc.Model
    """
    y = _series(series)
    period = check.check_count_between(period, "period", 2, smoothing.MAX_WINDOW // 2)
    if len(y) < smoothing.min_window(period):
        raise ValueError(
            f"series must hold {smoothing.MIN_SEASONS} seasons of values for seasonal "
            f"smoothing, {smoothing.min_window(period)}, got {len(y)}"
        )
    y = y[-min(SMOOTHING_SEASONS * period, smoothing.MAX_WINDOW) :]
    params = (period, *smoothing.fit_seasonal(y, period))
    A = smoothing.seasonal_weights(*params, len(y))
    return _weighted_sum_model(A, y, seasonal_smoothing=params)


def _weighted_sum_model(A, y, **fields):
    """A linear model forecasting A x, x the raw values of a window (oldest
    first), scaled by y's standardisation: in that space the same weighted
    sum needs the intercept offset (sum A - 1) / scale."""
    offset, scale = _scaling(y)
    b = offset * (A.sum() - 1) / scale
    return linear_model(A, [b], (), offset, scale, **fields)


def _inputs(inputs, n):
    """inputs as a finite (n, k) float64 array, one row per value of the series."""
    x = as_inputs(inputs, "(len(series), k) or (len(series),)")
    if x.shape[0] != n:
        raise ValueError(
            f"inputs must have one row per value of series, {n}, got {x.shape[0]} "
            f"(the future values go to rnnc.forecast, not here)"
        )
    _check_magnitude(x, "inputs")
    return x


def max_arx_order(n_rows, period, n_features):
    """The largest ARX order tried: max_ar_order's, with at least 3 rows per coefficient."""
    return min(max(2 * period, 10), (n_rows - 1) // (3 * n_features))


def _lagged_rows(Z, target, p, first):
    """Rows j = first-1..len(Z)-1 of [Z[j-p+1], ..., Z[j]] flattened step by
    step (the skip term's order) and their targets target[j]."""
    view = np.lib.stride_tricks.sliding_window_view(Z, p, axis=0)  # (len - p + 1, F, p)
    X = view.transpose(0, 2, 1).reshape(len(view), -1)[first - p :]
    return X, target[first - 1 :]


def _scaled_steps(y, x, lags):
    """(Z, target, offset, scale) of a model of y with inputs x in the space
    of lags: Z[j], the j-th step a model reads (with_inputs' rows (w_t,
    v_{t+1}), differenced), scaled per feature by (offset, scale); target[j],
    the differenced y that follows it, scaled as y's feature."""
    steps = diff.difference(with_inputs(y[:-1], x), lags, axis=0)
    offset, scale = standardisation(steps)
    target = (diff.difference(y, lags)[1:] - offset[0]) / scale[0]
    return (steps - offset) / scale, target, offset, scale


def fit_linear_arx(series, inputs, p=None, differencing=(), period=1):
    """The linear ARX(p) with intercept, by least squares, as a Model reading
    1 + k features per step: the series' last p values and each input's
    value at the forecast step and its p - 1 before (with_inputs' layout),
    all differenced as given and scaled per feature; p=None chooses it by
    AIC up to max_arx_order, and then explosive own lags are pulled back
    to a unit root (_not_explosive).

    Parameters
    ----------
    series : array_like, (n,)
    inputs : array_like, (n,) or (n, k)
        The inputs' values at the series' steps.
    p : int, optional
    differencing : tuple of int
    period : int

    Returns
    -------
    rnnc.Model
    """
    y = _series_any(series)
    x = _inputs(inputs, len(y))
    lags = diff.check_lags(differencing)
    period = check.check_count_between(period, "period", 1)
    Z, target, offset, scale = _scaled_steps(y, x, lags)
    if p is not None:
        p = _order(p, len(Z))
        A, b = _least_squares(*_lagged_rows(Z, target, p, p))
    else:  # by AIC, all orders scored on the same rows
        p_max = max(1, max_arx_order(len(Z), period, Z.shape[1]))
        X, t = _lagged_rows(Z, target, p_max, p_max)
        newest_first = X.reshape(len(X), p_max, -1)[:, ::-1].reshape(len(X), -1)
        p = _aic_order(newest_first, t, Z.shape[1])
        A, b = _not_explosive(*_lagged_rows(Z, target, p, p), Z.shape[1])
    info = dict(n_inputs=x.shape[1])  # what rnnc.forecast checks its inputs against
    return linear_model(A, b, lags, offset, scale, info, n_features=Z.shape[1])


def _order(p, n_rows):
    """p as an AR order that least squares can fit (with the intercept) on
    n_rows values: 1 <= p <= (n_rows - 1) // 2."""
    p = check.check_count(p, "p")
    if not 1 <= p <= (n_rows - 1) // 2:
        raise ValueError(
            f"p must be from 1 to {(n_rows - 1) // 2} for {n_rows} values (after "
            f"differencing): least squares needs more rows than coefficients, got {p}"
        )
    return p


def _series_any(series):
    y = check.as_real_array(series, "series").astype(np.float64)
    check.check_finite(y, "series")
    return y


def _scaling(w):
    mean, scale = standardisation(w)
    return float(mean[0]), float(scale[0])


# --- the backtest ---------------------------------------------------------------------


@dataclass
class Plan:
    """Where the holdout starts, the forecast origins in it, the horizon,
    the MASE scale (in-sample MAE of the seasonal naive forecast before it)
    and the actual values each origin's forecast is scored against."""

    start: int
    origins: np.ndarray
    horizon: int
    period: int
    mase_scale: float
    actual: np.ndarray  # (n_origins, horizon)
    # the series shows the season (detect_period confirms it on all of it)
    seasonal: bool = False

    def starts(self, y, window_len):
        return np.stack([y[o - window_len : o] for o in self.origins])

    def inputs(self, x, window_len):
        """The inputs each origin's forecast reads: along its window, then the horizon."""
        return np.stack([x[o - window_len : o + self.horizon] for o in self.origins])

    def errors(self, residuals):
        """Scaled mean absolute error of each origin's forecast, (n_origins,), from
        the absolute errors (n_origins, horizon)."""
        return np.mean(residuals, axis=1) / self.mase_scale


def plan_backtest(n, horizon, period, y):
    """Holdout: the last max(HOLDOUT_HORIZONS horizon, n / 5) values (at most
    half, and leaving a season and a value before it, down to 2 horizons); up
    to MAX_ORIGINS origins in it, evenly spaced, each forecasting horizon
    steps."""
    hold = min(max(HOLDOUT_HORIZONS * horizon, n // 5), n // 2)
    # a season and a value before the holdout (the seasonal naive forecast
    # needs them), as long as 2 horizons fit: a period of up to n - 2 horizons
    # - 1 is usable, even where that holds out less than a fifth
    hold = max(min(hold, n - period - 1), min(2 * horizon, hold))
    if hold < horizon:
        raise ValueError(
            f"horizon {horizon} is too long for a series of {n} values: the "
            f"backtest holds out up to half of it, so horizon must be at most "
            f"{n // 2}"
        )
    start = n - hold
    count = min(MAX_ORIGINS, n - horizon - start + 1)
    origins = np.unique(np.round(np.linspace(start, n - horizon, count)).astype(int))
    m = period if start > period else 1
    scale = float(np.mean(np.abs(y[m:start] - y[: start - m])))
    if scale == 0:
        scale = float(np.mean(np.abs(y[:start]))) or 1.0
    actual = np.stack([y[o : o + horizon] for o in origins])
    seasonal = period > 1 and detect_period(y, period) == period
    return Plan(start, origins, horizon, period, scale, actual, seasonal)


@dataclass
class Candidate:
    """One row of the backtest table, and how to refit it on all the data."""

    name: str
    kind: str  # one of KINDS
    differencing: tuple
    # forecasts from the holdout's origins (n_origins, horizon), raw units
    paths: np.ndarray = field(default=None, repr=False)
    errors: np.ndarray = field(default=None, repr=False)  # per origin
    # absolute errors (n_origins, horizon), raw units: the intervals' scores
    residuals: np.ndarray = field(default=None, repr=False)
    seq_len: int = 0
    skip: int = 0
    epochs: int = 0
    refit: object = field(default=None, repr=False)
    # exponential smoothing (rnnc.smoothing): "damped trend" (a level and a
    # slope, no season) or "seasonal" (Holt-Winters); "" for none
    smoothing: str = ""

    def scored(self, paths, plan):
        """Set the holdout forecasts (None: they overflowed) and their errors."""
        self.paths = paths
        self.residuals = None if paths is None else np.abs(paths - plan.actual)
        self.errors = None if paths is None else plan.errors(self.residuals)
        return self

    @property
    def seasonal(self):
        """True for a candidate with a season: seasonal differencing or smoothing."""
        return self.smoothing == "seasonal" or any(lag > 1 for lag in self.differencing)

    @property
    def mase(self):
        return math.inf if self.errors is None else float(np.mean(self.errors))

    def row(self):
        return dict(
            name=self.name,
            kind=self.kind,
            differencing=list(self.differencing),
            seq_len=self.seq_len,
            skip=self.skip,
            epochs=self.epochs,
            mase=self.mase if math.isfinite(self.mase) else None,
        )


def _forecasts(model, y, plan, n_threads=1, x=None):
    """model's forecasts from the holdout's origins, (n_origins, horizon)
    (None if they overflow); x, the inputs, for a model that reads them."""
    inputs = None if x is None else plan.inputs(x, model.window_len)
    try:
        return forecast_paths(
            model, plan.starts(y, model.window_len), plan.horizon, n_threads, inputs
        )
    except FloatingPointError:
        return None


def _refitted_forecasts(fit, first, y, plan, x=None):
    """A linear candidate's forecasts from the holdout's origins, as _forecasts
    gives them from first, fit(values before the holdout), except on a
    holdout of fewer than MIN_INDEPENDENT horizons: there fit is run again on
    the values before each of up to MAX_REFITS origins, evenly spread, and
    forecasts from there to the next.  On such a holdout only the combination and the naive
    baselines compete (_choose), and one fit before it had seen half of a
    short seasonal series (five years of monthly values hold out 2.5): the
    seasonal naive forecast beat the mean on the holdout and lost to it
    afterwards.  On longer holdouts the networks, trained once before the
    holdout, compete with the linear models, so those are fitted once too."""
    refits = 1 if _measures_single_models(plan) else min(MAX_REFITS, len(plan.origins))
    paths = []
    for k, group in enumerate(np.array_split(plan.origins, refits)):
        model = first if k == 0 else fit(y[: group[0]])  # the first origin is plan.start
        path = _forecasts(model, y, replace(plan, origins=group), x=x)
        if path is None:
            return None
        paths.append(path)
    return np.concatenate(paths)


def _space_name(lags):
    return "" if not lags else " on " + "".join("Δ" if lag == 1 else f"Δ{lag}" for lag in lags)


def _fitted_candidate(name, kind, lags, fit, y, plan, x=None, smoothing=""):
    """(candidate, its fit before the holdout): a linear model made by
    fit(values), which fits it on them (and x's values beside them), scored
    on the holdout (_refitted_forecasts) and refitted the same way."""
    model = fit(y[: plan.start])
    candidate = Candidate(
        name, kind, lags, seq_len=model.seq_len, skip=model.seq_len, smoothing=smoothing
    ).scored(_refitted_forecasts(fit, model, y, plan, x), plan)
    candidate.refit = lambda y_all, pool=None: fit(y_all)
    return candidate, model


def _linear_candidates(y, plan):
    """Baselines, linear ARs in each differencing space, the damped trend and
    (with a season) the seasonal smoothing, scored; and per space the AR
    order, for the networks."""
    m = plan.period
    found, orders = [], {}
    last = Candidate("last value", "baseline", (1,))
    last.refit = lambda y_all, pool=None: naive_model(1)
    found.append(last)
    if m > 1 and plan.start > m:
        seasonal = Candidate("seasonal naive", "baseline", (m,))
        seasonal.refit = lambda y_all, pool=None: naive_model(m)
        found.append(seasonal)
    spaces = [(), (1,)] + ([(m,), (1, m)] if m > 1 else [])
    for lags in spaces:
        if plan.start <= diff.order(lags) + 4:
            continue
        if max_ar_order(plan.start - diff.order(lags), m) < 1:
            continue
        # the AR on the levels is a baseline where the holdout can measure it,
        # else a linear model, which competes only on such a holdout (_choose)
        kind = "baseline" if not lags and _measures_single_models(plan) else "linear"

        # refitted (on the values before an origin, or all), the order is chosen again
        def fit(values, lags=lags):
            return fit_linear_ar(values, None, lags, m)

        candidate, model = _fitted_candidate(
            f"linear AR{_space_name(lags)}", kind, lags, fit, y, plan
        )
        orders[lags] = model.seq_len
        found.append(candidate)
    if plan.start >= MIN_LENGTH:
        found.append(
            _fitted_candidate(
                "damped trend", "linear", (), fit_damped_trend, y, plan, smoothing="damped trend"
            )[0]
        )
    shortest = max(smoothing.min_window(m), MIN_LENGTH)
    if 1 < m <= smoothing.MAX_WINDOW // 2 and plan.start >= shortest:
        found.append(
            _fitted_candidate(
                "seasonal smoothing",
                "linear",
                (),
                lambda values: fit_seasonal_smoothing(values, m),
                y,
                plan,
                smoothing="seasonal",
            )[0]
        )
    for candidate in found[:2]:
        if candidate.kind == "baseline" and candidate.errors is None:  # the naive ones
            candidate.scored(_forecasts(candidate.refit(y[: plan.start]), y, plan), plan)
    return found, orders


@dataclass
class NetworkSpec:
    lags: tuple
    seq_len: int
    skip: int  # p of the skip term, 0 for none
    hidden_dim: int
    learning_rate: float
    activation: str
    inputs: int = 0  # inputs read beside the series (k), 0 for none

    @property
    def name(self):
        skip = f", skip AR{'X' if self.inputs else ''}({self.skip})" if self.skip else ""
        inputs = ", inputs" if self.inputs else ""
        return f"RNN(window {self.seq_len}{skip}{inputs}){_space_name(self.lags)}"


def _network(spec, y, seed, x=None):
    """(model, training windows) of a fresh network for series y (with
    inputs x, reading their steps as fit_linear_arx does): scaled weights
    and, with a skip term, A and b from least squares (pulled back from an
    explosive fit, _not_explosive) and V = 0, so that it starts as the
    linear AR (ARX)."""
    info = {}
    if x is None:
        w = diff.difference(y, spec.lags)
        offset, scale = _scaling(w)
        z = (w - offset) / scale
        X, Y = windows(z, spec.seq_len)
    else:
        Z, target, offset, scale = _scaled_steps(y, x, spec.lags)
        view = np.lib.stride_tricks.sliding_window_view(Z, spec.seq_len, axis=0)
        X, Y = np.ascontiguousarray(view.transpose(0, 2, 1)), target[spec.seq_len - 1 :, None]
        info = dict(n_inputs=x.shape[1])
    U, V, W = scaled_weights(spec.hidden_dim, X.shape[2], 1, seed=seed)
    A = b = None
    if spec.skip:
        lagged = (
            _lagged(z, spec.skip, spec.seq_len)
            if x is None
            else _lagged_rows(Z, target, spec.skip, spec.seq_len)
        )
        A, b = _not_explosive(*lagged, X.shape[2])
        A, b = A.reshape(1, -1), np.array([b])
        V[:] = 0
    model = Model(
        U,
        V,
        W,
        seq_len=spec.seq_len,
        layout="shared",
        activation=spec.activation,
        bptt_truncate=None,
        offset=offset,
        scale=scale,
        info=info,
        A=A,
        b=b,
        differencing=spec.lags,
    )
    return model, X, Y


def _train_member(spec, y, seed, epochs, after_epoch=None, x=None):
    """Train one network on y (and inputs x) for up to epochs epochs (Adam,
    shuffled, full BPTT); after_epoch(epoch, model) -> False stops early."""
    model, X, Y = _network(spec, y, seed, x)
    linear = {} if model.A is None else {"linear": (model.A, model.b)}
    state = core.AdamState(model.U, model.V, model.W, **linear)
    rng = np.random.default_rng(seed)
    if after_epoch is not None and after_epoch(0, model) is False:
        return model
    for epoch in range(1, epochs + 1):
        core.train(
            model.U,
            model.V,
            model.W,
            X,
            Y,
            None,
            None,
            learning_rate=spec.learning_rate,
            max_epochs=1,
            bptt_truncate=None,
            min_clip_val=-1,
            max_clip_val=1,
            optimizer="adam",
            activation=spec.activation,
            optimizer_state=state,
            n_threads=1,
            shuffle=True,
            random_state=rng,
            verbose=False,
            history=False,
            **linear,
        )
        if after_epoch is not None and after_epoch(epoch, model) is False:
            break
    return model


def _backtest_member(spec, y, plan, seed, max_epochs, x=None):
    """{epoch: forecast paths on the holdout} of one network trained on the
    part before it, checked every CHECK_EVERY epochs until PATIENCE epochs
    bring no better backtest."""
    starts = plan.starts(y, spec.seq_len + diff.order(spec.lags))
    inputs = None if x is None else plan.inputs(x, spec.seq_len + diff.order(spec.lags))
    paths, best = {}, [math.inf, 0]

    def after_epoch(epoch, model):
        # untrained, only a skip network means something (its linear AR)
        if (epoch % CHECK_EVERY and epoch != max_epochs) or (epoch == 0 and not spec.skip):
            return True
        try:
            paths[epoch] = forecast_paths(model, starts, plan.horizon, 1, inputs)
        except FloatingPointError:
            return False
        error = float(np.mean(plan.errors(np.abs(paths[epoch] - plan.actual))))
        if error < best[0]:
            best[:] = [error, epoch]
        return epoch - best[1] < PATIENCE

    try:
        train_x = None if x is None else x[: plan.start]
        _train_member(spec, y[: plan.start], seed, max_epochs, after_epoch, train_x)
    except FloatingPointError:  # diverged: the checkpoints so far still count
        pass
    return paths


def _members(seed, n_members):
    return [seed * MAX_MEMBERS + i for i in range(n_members)]


@dataclass
class Settings:
    hidden_dim: int = HIDDEN_DIM
    max_epochs: int = MAX_EPOCHS
    learning_rate: float = LEARNING_RATE
    n_members: int = N_MEMBERS
    activation: str = "tanh"
    seed: int = 0


def _in_range(y, plan, lags):
    """True when the holdout, differenced by lags, stays within the range the
    part before it covers (widened by a tenth): a tanh network cannot
    extrapolate a level, so a trending series gets networks on its
    differences only."""
    w = diff.difference(y, lags)
    before, after = w[: plan.start - diff.order(lags)], w[plan.start - diff.order(lags) :]
    low, high = before.min(), before.max()
    margin = 0.1 * (high - low)
    return bool(np.all((after >= low - margin) & (after <= high + margin)))


def _network_specs(y, plan, orders, best_spaces, settings, n_inputs=0):
    m = plan.period
    specs = []
    for lags in best_spaces:
        available = plan.start - diff.order(lags)
        seq_len = min(max(2 * m, orders[lags], MIN_WINDOW), MAX_WINDOW, available // 3)
        if seq_len < 1 or available - seq_len < 8:
            continue
        for skip in (min(orders[lags], seq_len), 0):
            specs.append(
                NetworkSpec(
                    lags,
                    seq_len,
                    skip,
                    settings.hidden_dim,
                    settings.learning_rate,
                    settings.activation,
                    n_inputs,
                )
            )
    return specs


def _network_candidates(y, plan, specs, settings, pool, x=None):
    seeds = _members(settings.seed, settings.n_members)
    jobs = {
        (i, seed): pool.submit(_backtest_member, spec, y, plan, seed, settings.max_epochs, x)
        for i, spec in enumerate(specs)
        for seed in seeds
    }
    found = []
    for i, spec in enumerate(specs):
        runs = [jobs[i, seed].result() for seed in seeds]
        common = sorted(set.intersection(*(set(r) for r in runs)))
        curve = {e: np.median([r[e] for r in runs], axis=0) for e in common}
        candidate = Candidate(spec.name, "network", spec.lags, seq_len=spec.seq_len, skip=spec.skip)
        if curve:
            error = {e: float(np.mean(np.abs(curve[e] - plan.actual))) for e in common}
            candidate.epochs = min(common, key=lambda e: (error[e], e))
            candidate.scored(curve[candidate.epochs], plan)
        candidate.refit = lambda y_all, pool, spec=spec, epochs=candidate.epochs: _refit_network(
            spec, y_all, epochs, seeds, pool, x
        )
        found.append(candidate)
    return found


def _refit_network(spec, y, epochs, seeds, pool, x=None):
    models = list(pool.map(lambda seed: _train_member(spec, y, seed, epochs, x=x), seeds))
    first = models[0]
    first.members = [(m.U, m.V, m.W, m.A, m.b) for m in models[1:]]
    return first


def _combination(candidates, plan, what="linear models"):
    """The candidate forecasting the mean of the linear models' forecasts
    (an AR per differencing space, and the damped trend or the seasonal
    smoothing), or None when fewer than two were fitted.  The seasonal
    spaces join only when the series shows the season (Plan.seasonal), and
    the damped trend only when it does
    not: a season given for a series without one (seasonally adjusted data,
    say) made the mean worse on the benchmark's series, and a model with no
    season term pulls a seasonal mean off its season.  The test reads the
    whole series, as the refitted mean will: on the part before the holdout
    alone it failed on most series of five years of monthly values, and the
    backtest then measured a mean without the season.

    The seasonal smoothing, which reads 3 seasons, joins a seasonal mean
    only on a holdout of fewer than MIN_INDEPENDENT horizons, where the ARs
    are fitted on a few seasons too and no single model competes (short
    suite 0.774 with it against 0.793 without, one seed).  On longer series
    the ARs read years of values, and the smoothing, in their mean, made it
    worse (co2 0.404 to 0.407, US population 0.025 to 0.029; the README's
    co2 example, 24 steps from 1999-12: MAE 0.240 to 0.550); there it
    competes on its own."""
    parts = [c for c in candidates if c.kind in ("baseline", "linear") and c.seq_len]
    if plan.seasonal:
        parts = [c for c in parts if c.smoothing != "damped trend"]
        if _measures_single_models(plan):
            parts = [c for c in parts if c.smoothing != "seasonal"]
    else:
        parts = [c for c in parts if not c.seasonal]
    if len(parts) < 2 or any(c.paths is None for c in parts):
        return None
    combined = Candidate(f"mean of {len(parts)} {what}", "combination", ())
    try:
        combined.scored(mean_of_paths([c.paths for c in parts]), plan)
    except FloatingPointError:  # the mean overflows: as a model's overflowing forecast
        combined.scored(None, plan)

    def refit(y_all, pool=None):
        return Combination([c.refit(y_all, pool) for c in parts])

    combined.refit = refit
    return combined


def _input_candidates(y, x, plan):
    """With inputs: _linear_candidates' (the baselines, the series' own
    linear ARs and the damped trend, which ignore the inputs), a linear ARX
    in each of their differencing spaces, and the mean of the ARXs, all
    scored; and per space the ARX order, for the networks."""
    found, _ = _linear_candidates(y, plan)
    m, start = plan.period, plan.start
    spaces = [(), (1,)] + ([(m,), (1, m)] if m > 1 else [])
    arx, orders = [], {}
    for lags in spaces:
        if max_arx_order(start - 1 - diff.order(lags), m, 1 + x.shape[1]) < 1:
            continue

        # refitted (on the values before an origin, or all), the order is chosen again
        def fit(values, lags=lags):
            return fit_linear_arx(values, x[: len(values)], None, lags, m)

        candidate, model = _fitted_candidate(
            f"linear ARX{_space_name(lags)}", "linear", lags, fit, y, plan, x
        )
        orders[lags] = model.seq_len
        arx.append(candidate)
    if not arx:  # every candidate would ignore the inputs: say so, not silently
        warnings.warn(
            f"inputs: the {start} values before the holdout are too few for a linear "
            f"ARX with {x.shape[1]} input(s) (3 rows per coefficient), so no candidate "
            f"reads them; the model still takes them, and ignores them",
            UserWarning,
            stacklevel=3,
        )
    combined = _combination(arx, plan, "linear ARXs")
    return found + arx + ([] if combined is None else [combined]), orders


KINDS = ("baseline", "combination", "linear", "network")


def _better(candidate, reference, plan):
    """True when candidate beats reference on the holdout clearly: a MASE
    lower by MARGIN, and a mean per-origin difference below zero by more
    than its standard error (origins a horizon apart counted as independent,
    since closer ones share forecast steps)."""
    if not candidate.mase < reference.mase * (1 - MARGIN):
        return False
    d = candidate.errors - reference.errors
    independent = max(1.0, _independent(plan))
    spread = float(np.std(d, ddof=1)) if len(d) > 1 else math.inf
    return float(np.mean(d)) + spread / math.sqrt(independent) < 0


def _independent(plan):
    """Non-overlapping forecasts the holdout holds."""
    return (plan.origins[-1] - plan.origins[0] + plan.horizon) / plan.horizon


def _measures_single_models(plan):
    """True when the holdout holds MIN_INDEPENDENT horizons or more: on
    fewer, a single fitted model's backtest is mostly noise (see _choose)."""
    return _independent(plan) >= MIN_INDEPENDENT


def _best(candidates, kind):
    of_kind = [c for c in candidates if c.kind == kind and math.isfinite(c.mase)]
    return min(of_kind, key=lambda c: c.mase) if of_kind else None


def _choose(candidates, plan):
    """The combination of the linear models, unless the best baseline has a
    lower MASE on the holdout, so that the model never forecasts worse there
    than a baseline measured; then the best single linear model, then the
    best network, each only if clearly better than the choice so far
    (_better).  Those two compete only when the holdout holds at least
    MIN_INDEPENDENT horizons: on less, a choice among many candidates fits
    its noise.  On such a holdout the AR on the levels is no baseline
    either, but a linear model (_linear_candidates): picked whenever its
    backtest was lowest, it forecast worse out of sample
    (benchmarks/forecasting.py --suite fertility).

    Why a combination first: averaging the ARs of the differencing spaces
    (and the damped trend) hedges between a trend that persists and one
    that does not, and it forecast better out of sample than choosing one
    of them by backtest (benchmarks/forecasting.py; README, "Forecasting")."""
    finite = [c for c in candidates if math.isfinite(c.mase)]
    if not finite:
        return candidates[0]
    baseline = _best(finite, "baseline")
    winner = _best(finite, "combination") or baseline
    if baseline is not None and baseline.mase < winner.mase:
        winner = baseline
    if _measures_single_models(plan):
        for kind in ("linear", "network"):
            best = _best(finite, kind)
            if best is not None and (winner is None or _better(best, winner, plan)):
                winner = best
    return winner or min(finite, key=lambda c: c.mase)


def fit_forecaster(
    series: ArrayLike,
    horizon: int | None = None,
    period: int | None = None,
    *,
    n_members: int = N_MEMBERS,
    hidden_dim: int = HIDDEN_DIM,
    max_epochs: int = MAX_EPOCHS,
    learning_rate: float = LEARNING_RATE,
    activation: str = "tanh",
    seed: int = 0,
    n_jobs: int | None = None,
    calendar_period: int | None = None,
    inputs: ArrayLike | None = None,
) -> Model | Combination:
    """A forecasting model for one series, chosen by backtest.

    Use it with rnnc.forecast(model, history, horizon) and save it with
    rnnc.save.  The procedure:

    1. period: the seasonal period (1: none); by default detect_period's
       autocorrelation rule.  calendar_period, the season the series' dates
       imply (12 for monthly steps, 4 quarterly, 52 weekly, 7 daily, 5
       business-daily, 24 hourly: what rnnc train passes), is taken only when that rule
       confirms it: the
       autocorrelation peaks at that lag and again at twice it (so 12 needs
       about 30 values, 52 more than two years of weeks), or the season is strong
       (seasonal_strength at least 0.75 on 3.5 seasons of values or more);
       otherwise the rule's own answer stands.
       horizon: steps to forecast; by default a season (at least 6), at most
       a sixth of the series.
    2. The holdout is the last max(3 horizon, len / 5) values (at most half,
       and leaving a season and a value before it, down to 2 horizons);
       up to 50 origins in it each forecast horizon steps ahead, recursively,
       from everything before them, and are scored by MASE (mean absolute
       error over the in-sample mean absolute error of the seasonal naive
       forecast before the holdout).
    3. Candidates, each fitted on the part before the holdout (on a holdout
       of fewer than 4 horizons the linear ones are fitted again before each
       of up to 12 of its origins, as they go: _refitted_forecasts): the baselines
       (last value, seasonal naive, and a linear AR by least squares with
       order by AIC when the holdout holds at least 4 horizons; on fewer it
       is a linear model), linear ARs on the differenced series (lag 1, lag m, both),
       each pulled back to a unit root when its fit is explosive (roots of
       modulus above MAX_ROOT), damped-trend exponential smoothing
       (fit_damped_trend), with a period seasonal smoothing on its last 3
       seasons (fit_seasonal_smoothing; when 1.5 seasons and MIN_LENGTH values
       precede the holdout), the combination (an rnnc.Combination: the mean
       of the linear models' forecasts; the seasonal spaces join only when
       the series shows the season by step 1's test, and the seasonal
       smoothing then too on a holdout of fewer than 4 horizons; the damped
       trend only when it does not), and Elman networks (shared input
       weights, full BPTT, Adam, shuffled windows) in the two differencing
       spaces whose linear AR backtested best, with and without a linear
       skip term (started at that space's AR, V = 0).  Networks are
       ensembles of n_members seeds, trained in parallel; their epoch count
       is the one whose median forecast backtested best (early stopping on
       the multi-step error).
    4. The choice (_choose): the combination, unless the best baseline has a
       lower MASE, so that the model never forecasts worse on the holdout
       than the baselines measured there; then the best single linear model,
       then the best network, each only if clearly better than the choice
       so far (a MASE lower by 2% and a mean per-origin difference below
       zero by more than its standard error), and only when the holdout
       holds at least 4 horizons.  The winner is refitted on all the data
       (networks for the chosen number of epochs) and returned; when a
       baseline wins, the model IS that baseline.

    model.info holds "backtest" (one row per candidate: name, kind
    ("baseline", "combination", "linear" or "network"), differencing,
    seq_len, skip, epochs, mase), "winner", "baseline_won",
    "period", "period_from" ("given", "dates" or "autocorrelation"),
    "horizon", "residuals" (the winner's absolute backtest errors in raw
    units, one list of horizon values per origin: rnnc.forecast's levels
    build prediction intervals from them) and "training" (the series'
    statistics: rnnc.forecast notes a history far from them; with inputs,
    "training_inputs" holds each input's).

    Parameters
    ----------
    series : array_like, 1-D
        The values, oldest first, at least MIN_LENGTH (8) of them, finite and
        at most LARGEST (1e300) in magnitude.
    horizon : int, optional
        Steps the model is chosen to forecast (see 1.).
    period : int, optional
        The seasonal period, 1 for none (see 1.), below the number of values
        before the backtest's holdout.
    n_members : int
        Seeds per network ensemble, 1 to MAX_MEMBERS (1000).
    hidden_dim, max_epochs, learning_rate, activation
        The networks' size and training (Adam, full BPTT).
    seed : int
        The first seed of the networks' initial weights and record orders.
    n_jobs : int, optional
        Threads training networks side by side (None: all cores).
    calendar_period : int, optional
        The season the series' dates imply (see 1.).
    inputs : array_like, (len(series), k) or (len(series),), optional
        Other series known in advance (exogenous inputs), aligned with series,
        finite and at most LARGEST in magnitude as series' values.
        The candidates are then the baselines, the series' own linear ARs and
        the damped trend (which ignore the inputs), a linear ARX in each differencing space
        (the series' lags and each input's value at the forecast step and its
        lags, by least squares, order by AIC), the mean of those ARXs (the
        combination) and networks reading the same steps (1 + k features,
        the shared layout; the skip term started at the ARX).  The choice
        is the same (step 4), so inputs that do not help on the holdout are
        left out.  The model forecasts with rnnc.forecast(..., inputs=...),
        which needs the inputs' future values; model.info["n_inputs"] is k.

    Returns
    -------
    rnnc.Model or rnnc.Combination
        The winner, refitted on all of series, with .info as above.

    Raises
    ------
    ValueError, TypeError
        For inputs that do not fit, naming the argument.
    """
    y = _series(series)
    n = len(y)
    period_from = "given"
    if period is None:
        if calendar_period is not None:
            calendar_period = check.check_count_between(calendar_period, "calendar_period", 1)
        period = detect_period(y, calendar_period)
        period_from = "dates" if period == calendar_period else "autocorrelation"
    else:
        period = check.check_integer(period, "period")
        if not 1 <= period < n:
            raise ValueError(
                f"period must be from 1 (no season) to len(series) - 1 = {n - 1}, got {period}"
            )
    if horizon is None:
        horizon = default_horizon(n, period)
    horizon = check.check_count_between(horizon, "horizon", 1, MAX_HORIZON)
    settings = Settings(
        hidden_dim=check.check_count_between(hidden_dim, "hidden_dim", 1),
        max_epochs=check.check_count_between(max_epochs, "max_epochs", 0),
        learning_rate=check.check_positive_real(learning_rate, "learning_rate"),
        n_members=check.check_count_between(n_members, "n_members", 1, MAX_MEMBERS),
        activation=check.check_choice(activation, "activation", ("sigmoid", "tanh")),
        seed=check.check_count_between(seed, "seed", 0),
    )
    n_jobs = (
        os.cpu_count() or 1 if n_jobs is None else check.check_count_between(n_jobs, "n_jobs", 1)
    )
    plan = plan_backtest(n, horizon, period, y)
    if period_from == "given" and period >= plan.start:
        # the season would be ignored (plan_backtest scales by lag 1): say so
        raise ValueError(
            f"period must be below the {plan.start} values before the backtest's "
            f"holdout (a season needs one whole season before it), got {period}"
        )
    x = None if inputs is None else _inputs(inputs, n)

    if x is None:
        candidates, orders = _linear_candidates(y, plan)
    else:
        candidates, orders = _input_candidates(y, x, plan)
    ranked = sorted(
        (
            c
            for c in candidates
            if c.kind != "combination" and (c.kind != "baseline" or c.differencing == ())
        ),
        key=lambda c: c.mase,
    )
    best_spaces = list(
        dict.fromkeys(  # each space once: with inputs, an AR and an ARX share one
            c.differencing
            for c in ranked
            if c.differencing in orders and not c.smoothing and _in_range(y, plan, c.differencing)
        )
    )[:2]
    combined = _combination(candidates, plan) if x is None else None  # with x: made above
    if combined is not None:
        candidates.append(combined)
    with ThreadPoolExecutor(n_jobs) as pool:
        if settings.max_epochs > 0:
            k = 0 if x is None else x.shape[1]
            specs = _network_specs(y, plan, orders, best_spaces, settings, k)
            candidates += _network_candidates(y, plan, specs, settings, pool, x)
        winner = _choose(candidates, plan)
        try:
            model = winner.refit(y, pool)
        except FloatingPointError:  # a network diverged on all the data: no NaN forecasts
            winner.scored(None, plan)
            winner = _choose([c for c in candidates if c.kind != "network"], plan)
            model = winner.refit(y, pool)
    model.info = dict(
        backtest=[c.row() for c in candidates],
        winner=winner.name,
        baseline_won=winner.kind == "baseline",
        period=period,
        period_from=period_from,
        horizon=horizon,
        holdout=n - plan.start,
        origins=len(plan.origins),
        residuals=None if winner.residuals is None else winner.residuals.tolist(),
        training=training_statistics(y),
        **(
            {}
            if x is None
            else dict(
                n_inputs=x.shape[1],
                training_inputs=[training_statistics(column) for column in x.T],
            )
        ),
    )
    return model


def backtest_table(model):
    """The backtest rows of a fit_forecaster model as aligned text lines."""
    rows = model.info.get("backtest")
    if not rows:
        return []
    width = max(len(r["name"]) for r in rows)
    kinds = max(len(r["kind"]) for r in rows)
    lines = [f"{'candidate':<{width}}  {'kind':<{kinds}}  MASE"]
    for r in sorted(rows, key=lambda r: math.inf if r["mase"] is None else r["mase"]):
        mase = "n/a" if r["mase"] is None else f"{r['mase']:.3f}"
        mark = "  <- chosen" if r["name"] == model.info.get("winner") else ""
        lines.append(f"{r['name']:<{width}}  {r['kind']:<{kinds}}  {mase}{mark}")
    return lines


__all__ = [
    "fit_forecaster",
    "detect_period",
    "default_horizon",
    "linear_model",
    "naive_model",
    "fit_linear_ar",
    "fit_linear_arx",
    "fit_damped_trend",
    "largest_root",
    "ar_order",
    "backtest_table",
]

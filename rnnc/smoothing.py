"""Exponential smoothing: damped trend as the linear filter it is, and
additive Holt-Winters with a damped trend, forecast by its own recursion.

Additive damped-trend smoothing (Gardner and McKenzie, 1985; ETS(A,Ad,N) in
Hyndman et al.'s taxonomy) keeps a level l and a slope b:

    e_t = y_t - (l_{t-1} + phi b_{t-1})
    l_t = l_{t-1} + phi b_{t-1} + alpha e_t
    b_t = phi b_{t-1} + alpha beta e_t

and forecasts l_t + (phi + ... + phi^k) b_t, k steps ahead.  The state is a
linear function of the past values, so the one-step forecast is a weighted
sum of them, c_0 y_t + c_1 y_{t-1} + ...; fed its own forecasts as if they
were observed (zero errors), that sum reproduces the k-step forecasts.  So
an AR on a window of the weights forecasts as the smoothing does, up to the
weights cut off past the window (those kept are scaled to sum to 1, as all
of them do, so that a series moved by c forecasts as before plus c).
rnnc.forecaster uses it that way: a smoothing model is a linear skip term
like every other linear model.

Additive Holt-Winters (ETS(A,Ad,A)) adds m seasonal states s, one per step
of the season:

    e_t = y_t - (l_{t-1} + phi b_{t-1} + s_{t-m})
    l_t = l_{t-1} + phi b_{t-1} + alpha e_t
    b_t = phi b_{t-1} + alpha beta e_t
    s_t = s_{t-m} + gamma e_t

forecasting l_t + (phi + ... + phi^k) b_t + s_{t+k-m(1+floor((k-1)/m))}.
Its seasonal weights fade by 1 - gamma a season (not at all at gamma 0,
which the forecaster fits), too slowly for a filter on a window to forget
how it started (10 seasons at gamma 0.1 keep a third of the start).  So it
runs over a whole window from a start fitted to that window (least squares
of the values on a line and a season: no values are spent on it, and it is
linear in them), its one-step forecast is a linear filter on exactly that
window (seasonal_weights, the Model's skip term), and its k-step forecasts
come from the recursion itself (seasonal_forecasts): fed back as values,
its one-step forecasts would each restart it from a window moved by a step,
which on the benchmark's short monthly series forecast much worse.
"""

import math

import numpy as np

from rnnc.scaling import in_units_of_largest

ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0)
TREND_SHARES = (0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0)  # beta, the slope's share of alpha
DAMPINGS = (0.8, 0.9, 0.95, 0.98)
# The window ends where the weights left out sum to less than this share of
# all: a filter cut much sooner sums to other than 1 and, fed its own
# forecasts, drifts off a trending series.  Parameters whose weights do not
# fall that far within the longest window allowed are not tried.
TAIL = 1e-6
WARM_UP = 2  # one-step errors left out of the fit while the start-up state settles


def grid():
    """(alpha, beta, phi): every combination of the grid, as flat arrays."""
    return tuple(a.ravel() for a in np.meshgrid(ALPHAS, TREND_SHARES, DAMPINGS, indexing="ij"))


def weights(alpha, beta, phi, max_len):
    """The one-step forecast's weights on y_t, y_{t-1}, ..., y_{t-max_len+1}
    (newest first) for each parameter set, (len(alpha), max_len).

    With state s_t = (l_t, b_t): s_t = D s_{t-1} + g y_t and the forecast is
    w . s_t, so the weight on y_{t-j} is w . D^j g."""
    alpha, beta, phi = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (alpha, beta, phi))
    gain = alpha * beta
    D = np.empty(alpha.shape + (2, 2))
    D[:, 0, 0], D[:, 0, 1] = 1 - alpha, (1 - alpha) * phi
    D[:, 1, 0], D[:, 1, 1] = -gain, phi * (1 - gain)
    state = np.stack([alpha, gain], axis=1)  # D^0 g
    out = np.empty(alpha.shape + (max_len,))
    for j in range(max_len):
        out[:, j] = state[:, 0] + phi * state[:, 1]
        state = np.einsum("gij,gj->gi", D, state)
    return out


def _faded(alpha, beta, phi, max_len):
    """(weights, cut) per parameter set: the first max_len weights, and the
    number of leading ones after which the rest sum (in magnitude) to under
    TAIL of the total, max_len + 1 where that takes more than max_len.  The
    weights fade geometrically, so those past 2 max_len + 50 cannot change
    the cut."""
    w = weights(alpha, beta, phi, 2 * max_len + 50)
    tail = np.cumsum(np.abs(w[:, ::-1]), axis=1)[:, ::-1]  # tail[:, j]: the weights from j on
    below = tail[:, : max_len + 1] < TAIL * tail[:, :1]
    return w[:, :max_len], np.where(below.any(axis=1), below.argmax(axis=1), max_len + 1)


def fit_parameters(y, max_len):
    """(alpha, beta, phi) with the least sum of squared one-step errors over
    the grid, of the parameters whose weights fall under TAIL within
    max_len values; the state starts at the first two values (level y[1],
    slope y[1] - y[0]).  alpha = beta = 1 always qualifies: its forecast
    reads two values, (1 + phi) y_t - phi y_{t-1}."""
    y = in_units_of_largest(y)[0]  # the same fit, in units that cannot overflow
    alpha, beta, phi = grid()
    fits = _faded(alpha, beta, phi, max_len)[1] <= max_len
    alpha, beta, phi = alpha[fits], beta[fits], phi[fits]
    level = np.full(alpha.shape, y[1])
    slope = np.full(alpha.shape, y[1] - y[0])
    sse = np.zeros(alpha.shape)
    for t in range(2, len(y)):
        forecast = level + phi * slope
        error = y[t] - forecast
        if t >= 2 + WARM_UP:
            sse += error * error
        level = forecast + alpha * error
        slope = phi * slope + alpha * beta * error
    best = int(np.argmin(sse))
    return float(alpha[best]), float(beta[best]), float(phi[best])


def filter_weights(alpha, beta, phi, max_len):
    """The weights of one parameter set (newest first), cut where the rest
    sum to under TAIL of the total (at most max_len of them), and scaled to
    sum to 1 as the whole filter's do: a cut filter sums to 1 - O(TAIL), so
    its forecast of y + c would move by c (1 - O(TAIL)), each step adding to
    the last, off by a few steps of a series at 1e6 (a review's finding)."""
    w, cut = _faded(alpha, beta, phi, max_len)
    kept = w[0, : int(cut[0])]
    return kept / kept.sum()


# --- additive Holt-Winters -----------------------------------------------------------

# The shortest window a seasonal smoothing model reads, in seasons.  Its
# least-squares start is determined by m + 1 values (one step of the season
# seen twice gives the slope), but rests on a single pair there; at a season
# and a half, half the steps are seen twice.  A choice, measured: two seasons
# left monthly series of 42 values without it (their backtest's holdout
# starts at 21), short forecasting suite 0.774; 1.5 seasons 0.761 (any
# window of 14 to 21 values for m = 12 gives the same there).
MIN_SEASONS = 1.5
# The longest window a seasonal smoothing model reads: checking a model file's
# skip term against its parameters takes about a second there (rnnc.io), and
# the forecaster's windows are 3 seasons.
MAX_WINDOW = 100_000
# beta 0 keeps the slope the start fitted, fading by phi a step
SEASONAL_TREND_SHARES = (0.0, *TREND_SHARES)
# gamma.  The start is fitted to the whole window, so the one-step errors the
# parameters are chosen by are in-sample, and a season that moves never beat
# the fitted one: with gains 0.05-0.5 on the grid, 0 won on every fit of the
# short forecasting suite, and in 100 of 100 draws of 24 and 36 values of a
# season drifting strongly (a review's check); only at 120 values did 0.5 win.
SEASON_GAIN = 0.0


def min_window(m):
    """The fewest values a seasonal smoothing of period m reads: MIN_SEASONS seasons."""
    return math.ceil(MIN_SEASONS * m)


def seasonal_grid():
    """(alpha, beta, phi): every combination of the grids, as flat arrays."""
    return tuple(
        a.ravel() for a in np.meshgrid(ALPHAS, SEASONAL_TREND_SHARES, DAMPINGS, indexing="ij")
    )


def _season_sums(y, m):
    """Sums of the values at each step of the season, (..., m), y (..., n)."""
    n = y.shape[-1]
    padded = np.zeros(y.shape[:-1] + (-(-n // m) * m,))
    padded[..., :n] = y
    return padded.reshape(y.shape[:-1] + (-1, m)).sum(axis=-2)


def _start_design(n, m):
    """(counts, mean_time, centred, spread) of least squares on a line and a
    season over n values: values at each step of the season, their mean time
    t + 1, each value's time less its step's mean, and the sum of squares of
    the latter."""
    times = np.arange(1, n + 1, dtype=np.float64)
    counts = _season_sums(np.ones(n), m)
    mean_time = _season_sums(times, m) / counts
    centred = times - mean_time[np.arange(n) % m]
    return counts, mean_time, centred, float(centred @ centred)


def _seasonal_start(y, m):
    """(level, slope, season) before the first value of each window y (..., n),
    least squares of the values on a line and a season summing to 0:
    level + slope (t + 1) + season[t mod m] at step t = 0..n-1.  In closed
    form: the slope from the values less their step's mean, each step's
    intercept from its mean, the level the intercepts' mean (O(n + m), where
    a pseudo-inverse of the design took O(n m^2))."""
    n = y.shape[-1]
    counts, mean_time, centred, spread = _start_design(n, m)
    slope = (y @ centred) / spread
    intercepts = _season_sums(y, m) / counts - slope[..., None] * mean_time
    level = intercepts.mean(axis=-1)
    return level, slope, intercepts - level[..., None]


def _seasonal_states(y, m, alpha, beta, phi, gamma, warm_up):
    """Run the recursion over each window y (..., n), parameters broadcast
    against y's leading axes: (level, slope, season, sum of squared one-step
    errors from step warm_up on), the states after the last value, season[j]
    the state of the steps t with t mod m = j."""
    level, slope, season = _seasonal_start(y, m)
    shape = np.broadcast_shapes(level.shape, np.shape(alpha))
    level = np.broadcast_to(level, shape).copy()
    slope = np.broadcast_to(slope, shape).copy()
    season = np.broadcast_to(season, shape + (m,)).copy()
    sse = np.zeros(shape)
    for t in range(y.shape[-1]):
        trend = level + phi * slope
        error = y[..., t] - trend - season[..., t % m]
        if t >= warm_up:
            sse += error * error
        level = trend + alpha * error
        slope = phi * slope + alpha * beta * error
        season[..., t % m] += gamma * error
    return level, slope, season, sse


def fit_seasonal(y, m):
    """(alpha, beta, phi, gamma) for the series y of at least min_window(m) values:
    the first three with the least sum of squared one-step errors over the
    grid, those of the first season left out; gamma SEASON_GAIN (0)."""
    y = in_units_of_largest(y)[0]  # the same fit, in units that cannot overflow
    alpha, beta, phi = seasonal_grid()
    sse = _seasonal_states(y, m, alpha, beta, phi, SEASON_GAIN, warm_up=m)[3]
    best = int(np.argmin(sse))
    return float(alpha[best]), float(beta[best]), float(phi[best]), SEASON_GAIN


def seasonal_weights(m, alpha, beta, phi, gamma, window):
    """The one-step forecast's weights on a window of that many values
    (oldest first).  The start and the recursion are linear in the values,
    so the forecast's derivative by each value is its weight: one pass back
    through the recursion (its adjoint) gives them all, in O(window + m)."""
    n = window
    # derivatives of the forecast l + phi b + s[n mod m] by the states after step t
    d_level, d_slope, d_season = 1.0, phi, np.zeros(m)
    d_season[n % m] = 1.0
    weights = np.empty(n)
    gain = alpha * beta
    for t in range(n - 1, -1, -1):
        j = t % m
        d_s = d_season[j]
        weights[t] = alpha * d_level + gain * d_slope + gamma * d_s
        d_level, d_slope, d_season[j] = (
            (1 - alpha) * d_level - gain * d_slope - gamma * d_s,
            phi * ((1 - alpha) * d_level + (1 - gain) * d_slope - gamma * d_s),
            -alpha * d_level - gain * d_slope + (1 - gamma) * d_s,
        )
    # and through the start: level = mean(c), season = c - level, with c_j
    # each step's intercept, mean(y_j) - slope mean(t_j + 1)
    counts, mean_time, centred, spread = _start_design(n, m)
    by_intercept = d_level / m + d_season - d_season.sum() / m
    by_slope = d_slope - by_intercept @ mean_time
    weights += (by_intercept / counts)[np.arange(n) % m] + by_slope * centred / spread
    return weights


def seasonal_forecasts(windows, m, alpha, beta, phi, gamma, horizon):
    """The k-step forecasts, k = 1..horizon, of the recursion run over each
    window (n, L): (n, horizon)."""
    y, magnitude = in_units_of_largest(windows, axis=1)
    L = y.shape[1]
    level, slope, season, _ = _seasonal_states(y, m, alpha, beta, phi, gamma, L)
    steps = np.arange(1, horizon + 1)
    damped = np.cumsum(phi**steps)
    out = level[:, None] + damped * slope[:, None] + season[:, (L + steps - 1) % m]
    return out * magnitude

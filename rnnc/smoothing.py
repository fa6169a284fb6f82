"""Damped-trend exponential smoothing, written as the linear filter it is.

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
"""

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

"""Damped-trend smoothing as a linear filter and additive Holt-Winters
(rnnc.smoothing), and the forecaster's ARs kept from exploding: checked
against the smoothing's own state recursion, statsmodels' implementation and
the AR polynomial's roots."""

import numpy as np
import pytest

import rnnc
from rnnc import forecaster, smoothing


def smoothing_forecast(y, alpha, beta, phi, horizon):
    """Damped-trend smoothing by its state recursion, started as rnnc starts it."""
    level, slope = y[1], y[1] - y[0]
    for value in y[2:]:
        error = value - (level + phi * slope)
        level, slope = level + phi * slope + alpha * error, phi * slope + alpha * beta * error
    damped = np.cumsum(phi ** np.arange(1, horizon + 1))
    return level + damped * slope


def trend_series(n, seed):
    rng = np.random.default_rng(seed)
    slope = 0.5 + np.cumsum(rng.normal(scale=0.05, size=n))
    return 10 + np.cumsum(slope) + rng.normal(scale=0.5, size=n)


@pytest.mark.parametrize("level", [0.0, 1e6, 1e9])
@pytest.mark.parametrize(
    "alpha, beta, phi", [(0.5, 0.2, 0.9), (0.9, 1.0, 0.98), (1.0, 1.0, 0.8), (0.3, 0.05, 0.95)]
)
def test_the_filter_forecasts_as_the_state_recursion_does(alpha, beta, phi, level):
    y = trend_series(400, 1) + level
    weights = smoothing.filter_weights(alpha, beta, phi, 300)
    assert len(weights) < 300  # cut where the rest is negligible
    assert weights.sum() == pytest.approx(1, abs=1e-15)  # as the whole filter's
    offset, scale = float(np.mean(y)), float(np.std(y))
    A = weights[::-1]
    model = forecaster.linear_model(A, [offset * (A.sum() - 1) / scale], (), offset, scale)
    expected = smoothing_forecast(y, alpha, beta, phi, 12)
    # off by the weights left out (under TAIL, 1e-6, of the total) times the
    # series' variation, whatever its level: a cut filter summing to 1 - 1e-6
    # was off by 7-16 steps at level 1e6
    step = np.mean(np.abs(np.diff(y)))
    assert np.max(np.abs(rnnc.forecast(model, y, 12) - expected)) < 2e-3 * step


def test_the_parameters_are_the_grids_least_one_step_squared_error():
    y = trend_series(120, 2)

    def sse(alpha, beta, phi):
        level, slope, total = y[1], y[1] - y[0], 0.0
        for t in range(2, len(y)):
            error = y[t] - (level + phi * slope)
            total += error**2 if t >= 2 + smoothing.WARM_UP else 0.0
            level, slope = level + phi * slope + alpha * error, phi * slope + alpha * beta * error
        return total

    def fades_within(max_len, alpha, beta, phi):
        D = np.array([[1 - alpha, (1 - alpha) * phi], [-alpha * beta, phi * (1 - alpha * beta)]])
        g, w = np.array([alpha, alpha * beta]), np.array([1.0, phi])
        c, state = [], g
        while len(c) < 100 or c[-1] > 1e-6 * smoothing.TAIL * c[0]:  # down to negligible
            c.append(abs(w @ state))
            state = D @ state
        return sum(c[max_len:]) < smoothing.TAIL * sum(c)

    grid = [
        (a, b, p)
        for a in smoothing.ALPHAS
        for b in smoothing.TREND_SHARES
        for p in smoothing.DAMPINGS
    ]
    for max_len in (10, 60):
        allowed = [g for g in grid if fades_within(max_len, *g)]
        assert 0 < len(allowed) < len(grid)
        found = smoothing.fit_parameters(y, max_len)
        assert found in allowed
        assert sse(*found) == pytest.approx(min(sse(*g) for g in allowed), rel=1e-12)


def test_fit_damped_trend_matches_statsmodels_with_the_same_parameters():
    holt = pytest.importorskip("statsmodels.tsa.holtwinters")
    y = trend_series(300, 3)
    model = forecaster.fit_damped_trend(y)
    alpha, beta, phi = model.info["smoothing"]
    fit = holt.ExponentialSmoothing(
        y,
        trend="add",
        damped_trend=True,
        initialization_method="known",
        initial_level=y[1],
        initial_trend=y[1] - y[0],
    ).fit(smoothing_level=alpha, smoothing_trend=beta, damping_trend=phi, optimized=False)
    # statsmodels' first state is that of step 0, rnnc's of step 1: a difference
    # the smoothing forgets long before the end of 300 values
    np.testing.assert_allclose(rnnc.forecast(model, y, 10), fit.forecast(10), rtol=1e-5)


def test_fit_damped_trend_checks_its_series_and_window():
    with pytest.raises(ValueError, match="series must hold at least"):
        forecaster.fit_damped_trend([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="max_window must be at least 2"):
        forecaster.fit_damped_trend(np.arange(20.0), max_window=1)
    model = forecaster.fit_damped_trend(np.arange(40.0), max_window=5)
    assert model.seq_len <= 5


def test_a_trending_short_series_gets_the_damped_trend_in_its_combination():
    y = trend_series(40, 4)
    model = rnnc.fit_forecaster(y, horizon=6, max_epochs=0)
    names = [r["name"] for r in model.info["backtest"]]
    assert "damped trend" in names and "mean of 3 linear models" in names


# --- additive Holt-Winters ------------------------------------------------------------


def seasonal_series(n, m, seed, level=0.0):
    """A trend that wanders, a season that drifts, and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    season = 5 * np.sin(2 * np.pi * t / m) + 2 * np.cos(4 * np.pi * t / m)
    drift = 1 + np.cumsum(rng.normal(scale=0.01, size=n))
    return (
        level
        + 20
        + 0.3 * t
        + np.cumsum(rng.normal(scale=0.3, size=n))
        + season * drift
        + rng.normal(size=n)
    )


def holt_winters_by_loop(y, m, alpha, beta, phi, gamma, horizon):
    """(one-step errors, forecasts): the recursion written out one step at a
    time, started by least squares as rnnc starts it, by lstsq on dummies."""
    n = len(y)
    X = np.zeros((n, 1 + 1 + m))
    X[:, 0], X[:, 1] = 1.0, np.arange(1, n + 1)
    X[np.arange(n), 2 + np.arange(n) % m] = 1.0
    # the season's terms sum to 0: one more row pins that, weighted heavily
    X = np.vstack([X, np.r_[0.0, 0.0, np.full(m, 1e6)]])
    coef = np.linalg.lstsq(X, np.r_[y, 0.0], rcond=None)[0]
    level, slope, season = coef[0], coef[1], list(coef[2:])
    errors = []
    for t in range(n):
        forecast = level + phi * slope + season[t % m]
        error = y[t] - forecast
        errors.append(error)
        level, slope = level + phi * slope + alpha * error, phi * slope + alpha * beta * error
        season[t % m] += gamma * error
    ahead = [
        level + sum(phi**j for j in range(1, k + 1)) * slope + season[(n + k - 1) % m]
        for k in range(1, horizon + 1)
    ]
    return np.array(errors), np.array(ahead)


HOLT_WINTERS_PARAMETERS = [
    (0.3, 0.2, 0.9, 0.1),
    (0.7, 0.0, 0.98, 0.0),
    (1.0, 1.0, 0.8, 0.0),
    (0.05, 0.05, 0.95, 0.5),
]


# the shortest windows: a season and a half (smoothing.min_window)
@pytest.mark.parametrize("m, n", [(4, 30), (12, 60), (12, 31), (12, 18), (7, 11), (2, 3)])
@pytest.mark.parametrize("params", HOLT_WINTERS_PARAMETERS)
def test_holt_winters_forecasts_as_its_recursion_written_out(m, n, params):
    y = seasonal_series(n, m, 5)
    _, expected = holt_winters_by_loop(y, m, *params, 2 * m + 3)
    found = smoothing.seasonal_forecasts(y[None], m, *params, 2 * m + 3)[0]
    np.testing.assert_allclose(found, expected, rtol=1e-9, atol=1e-9 * np.max(np.abs(y)))
    # the one-step weights give the first step
    weights = smoothing.seasonal_weights(m, *params, n)
    assert weights @ y == pytest.approx(expected[0], rel=1e-10)
    assert weights.sum() == pytest.approx(1, abs=1e-12)  # a constant forecasts itself


# statsmodels' ETS returns NaN on the bounds of its parameters (alpha 1)
@pytest.mark.parametrize("params", [p for p in HOLT_WINTERS_PARAMETERS if p[0] < 1])
def test_holt_winters_matches_statsmodels_ets_with_the_same_start(params):
    ets = pytest.importorskip("statsmodels.tsa.exponential_smoothing.ets")
    m, y = 12, seasonal_series(72, 12, 6)
    alpha, beta, phi, gamma = params
    level, slope, season = smoothing._seasonal_start(y, m)
    model = ets.ETSModel(
        y,
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=m,
        initialization_method="known",
        initial_level=float(level),
        initial_trend=float(slope),
        initial_seasonal=season,
    )
    # statsmodels' trend gain is rnnc's alpha beta
    expected = model.smooth([alpha, alpha * beta, gamma, phi]).forecast(30)
    found = smoothing.seasonal_forecasts(y[None], m, *params, 30)[0]
    np.testing.assert_allclose(found, expected, rtol=1e-10)


def test_a_line_plus_a_season_continues_exactly():
    m, t = 7, np.arange(40)
    y = 3.0 + 0.25 * t + np.tile([4.0, -1.0, 0.5, -2.0, 1.5, -3.0, 0.0], 6)[:40]
    future = (
        3.0 + 0.25 * np.arange(40, 55) + np.tile([4.0, -1.0, 0.5, -2.0, 1.5, -3.0, 0.0], 9)[40:55]
    )
    for params in HOLT_WINTERS_PARAMETERS:
        alpha, beta, phi, gamma = params
        # damping bends the line: only phi = 1 continues it
        found = smoothing.seasonal_forecasts(y[None], m, alpha, beta, 1.0, gamma, 15)[0]
        np.testing.assert_allclose(found, future, rtol=1e-10)


def test_the_holt_winters_parameters_are_the_grids_least_one_step_squared_error():
    m, y = 4, seasonal_series(40, 4, 7)
    grid = zip(*smoothing.seasonal_grid(), strict=True)

    def sse(params):
        errors, _ = holt_winters_by_loop(y, m, *params, smoothing.SEASON_GAIN, 1)
        return float(np.sum(errors[m:] ** 2))

    scores = {params: sse(params) for params in grid}
    *found, gamma = smoothing.fit_seasonal(y, m)
    assert gamma == smoothing.SEASON_GAIN == 0
    assert scores[tuple(found)] == pytest.approx(min(scores.values()), rel=1e-12)


@pytest.mark.parametrize("level, factor", [(1e6, 1.0), (0.0, 1e-3), (-50.0, 1e250)])
def test_seasonal_smoothing_moves_and_scales_with_the_series(level, factor):
    y = seasonal_series(60, 12, 8)
    model = forecaster.fit_seasonal_smoothing(y, 12)
    moved = forecaster.fit_seasonal_smoothing(level + factor * y, 12)
    assert moved.seasonal_smoothing == model.seasonal_smoothing
    expected = level + factor * rnnc.forecast(model, y, 24)
    found = rnnc.forecast(moved, level + factor * y, 24)
    np.testing.assert_allclose(found, expected, rtol=1e-9, atol=1e-9 * abs(level))


def test_fit_seasonal_smoothing_reads_at_most_its_seasons_and_forecasts_by_the_recursion():
    y = seasonal_series(200, 12, 9)
    model = forecaster.fit_seasonal_smoothing(y, 12)
    assert model.window_len == forecaster.SMOOTHING_SEASONS * 12
    period, *params = model.seasonal_smoothing
    assert period == 12 and tuple(params) == smoothing.fit_seasonal(y[-36:], 12)
    _, expected = holt_winters_by_loop(y[-36:], 12, *params, 30)
    np.testing.assert_allclose(rnnc.forecast(model, y, 30), expected, rtol=1e-9)
    # one step ahead, predict's skip term and the recursion agree
    assert model.predict(y[None, -120:])[0, 0] == pytest.approx(expected[0], rel=1e-10)


def test_fit_seasonal_smoothing_checks_its_arguments():
    y = seasonal_series(30, 12, 10)
    with pytest.raises(ValueError, match="1.5 seasons of values for seasonal smoothing, 18"):
        forecaster.fit_seasonal_smoothing(y[:17], 12)
    with pytest.raises(ValueError, match="period must be at least 2"):
        forecaster.fit_seasonal_smoothing(y, 1)
    with pytest.raises(TypeError, match="period"):
        forecaster.fit_seasonal_smoothing(y, 2.5)


@pytest.mark.parametrize("period", [2, 3])
@pytest.mark.parametrize("n", [8, 9, 10, 11])
def test_the_shortest_series_with_a_short_season_still_fit(period, n):
    # a season and a half before the holdout, but fewer values than a fit needs:
    # the seasonal smoothing waits for MIN_LENGTH, as the damped trend does
    y = seasonal_series(n, period, n)
    model = rnnc.fit_forecaster(y, period=period, max_epochs=0)
    assert np.all(np.isfinite(rnnc.forecast(model, y, 4)))


# 42 values hold out 21: the holdout starts after a season and a half
@pytest.mark.parametrize("n", [42, 60])
def test_a_short_seasonal_series_gets_seasonal_smoothing_in_its_combination(n):
    y = seasonal_series(n, 12, 11)
    model = rnnc.fit_forecaster(y, horizon=12, calendar_period=12, max_epochs=0)
    names = [r["name"] for r in model.info["backtest"]]
    assert "seasonal smoothing" in names
    assert model.info["winner"].startswith("mean of")
    smoothed = [m for m in model.models if m.seasonal_smoothing is not None]
    assert len(smoothed) == 1 and all(m.info.get("smoothing") is None for m in model.models)
    # the mean forecasts as its models do, the smoothing by its recursion
    each = [rnnc.forecast(m, y, 12) for m in model.models]
    np.testing.assert_allclose(rnnc.forecast(model, y, 12), np.mean(each, axis=0), rtol=1e-12)


# --- no explosive ARs -----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_largest_root_is_the_ar_polynomials(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(scale=0.6, size=1 + seed)  # oldest lag first
    # y_t = a_1 y_{t-1} + ... + a_p y_{t-p}: roots of z^p - a_1 z^(p-1) - ... - a_p
    roots = np.roots(np.r_[1.0, -a[::-1]])
    assert forecaster.largest_root(a) == pytest.approx(np.abs(roots).max(), rel=1e-9)


def explosive_series(n, seed):
    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    y[0] = 1.0
    for t in range(1, n):
        y[t] = 1.4 * y[t - 1] + rng.normal()
    return y


def test_a_chosen_order_never_explodes_but_a_given_one_is_plain_least_squares():
    y = explosive_series(30, 5)
    chosen = forecaster.fit_linear_ar(y)
    assert forecaster.largest_root(chosen.A[0]) <= forecaster.MAX_ROOT
    path = rnnc.forecast(chosen, y, 20)
    assert np.all(np.abs(path) <= 2 * np.abs(y).max())
    given = forecaster.fit_linear_ar(y, 1)
    assert forecaster.largest_root(given.A[0]) > 1.2  # the data's own explosive root


def test_an_arx_keeps_its_own_lags_from_exploding():
    y = explosive_series(40, 6)
    x = np.random.default_rng(6).normal(size=40)
    model = forecaster.fit_linear_arx(y, x)
    own = model.A[0, :: model.U.shape[1]]  # the series' coefficient of each step
    assert forecaster.largest_root(own) <= forecaster.MAX_ROOT


def test_an_explosive_fit_is_pulled_back_to_a_unit_root_with_the_same_shape():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(50, 3))  # lags oldest first
    a = np.array([0.3, -0.5, 1.6])  # explosive: y_t = 1.6 y_{t-1} - 0.5 y_{t-2} + 0.3 y_{t-3}
    y = X @ a + 0.2 + rng.normal(scale=0.01, size=50)
    fitted, _ = forecaster._least_squares(X, y)
    rho = forecaster.largest_root(fitted)
    assert rho > 1.1
    A, b = forecaster._not_explosive(X, y, 1)
    assert forecaster.largest_root(A) == pytest.approx(1.0, abs=1e-9)
    # every root divided by rho
    before = np.sort_complex(np.roots(np.r_[1.0, -fitted[::-1]]))
    after = np.sort_complex(np.roots(np.r_[1.0, -A[::-1]]))
    np.testing.assert_allclose(after, before / rho, atol=1e-9)
    assert b == pytest.approx(np.mean(y - X @ A))  # the intercept refitted around them


def test_with_inputs_only_the_series_own_lags_are_pulled_back():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(60, 4))  # two steps of (series, input)
    y = X @ np.array([-0.4, 0.5, 1.5, 2.0]) + rng.normal(scale=0.01, size=60)
    A, b = forecaster._not_explosive(X, y, 2)
    own = A[::2]
    assert forecaster.largest_root(own) == pytest.approx(1.0, abs=1e-9)
    # the inputs' coefficients are least squares given the series' own
    refit, b_refit = forecaster._least_squares(X[:, 1::2], y - X[:, ::2] @ own)
    np.testing.assert_allclose(A[1::2], refit)
    assert b == pytest.approx(b_refit)

"""benchmarks/forecasting.py: its baselines and scores on tiny synthetic series.

The module is imported by path from the repository's benchmarks/ directory (CI runs
the tests against an installed wheel, from a checkout).  Nothing here needs
statsmodels or torch.
"""

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "forecasting.py"


@pytest.fixture(scope="module")
def fc():
    if not PATH.exists():
        pytest.skip(f"no {PATH}")
    spec = importlib.util.spec_from_file_location("rnnc_forecasting_benchmark", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def periodic(n, period=4):
    return np.resize(np.array([3.0, -1.0, 4.0, 1.5, 2.0, 0.5][:period]), n)


def ar2(n):
    """y_t = 1 + 1.6 y_{t-1} - 0.9 y_{t-2}, no noise: a damped oscillation."""
    y = [5.0, 2.0]
    for _ in range(n - 2):
        y.append(1.0 + 1.6 * y[-1] - 0.9 * y[-2])
    return np.array(y)


def test_seasonal_naive_is_exact_on_a_periodic_series(fc):
    y = periodic(40)
    train, actual = y[:31], y[31:]
    forecast = fc.seasonal_naive(train, len(actual), 4)
    np.testing.assert_array_equal(forecast, actual)
    assert fc.mase(actual, forecast, train, 4) == 0.0


def test_seasonal_naive_without_a_period_is_the_last_value(fc):
    train = np.arange(10.0)
    np.testing.assert_array_equal(fc.seasonal_naive(train, 3, None), [9.0, 9.0, 9.0])
    np.testing.assert_array_equal(fc.last_value(train, 3, 12), [9.0, 9.0, 9.0])


def test_linear_ar_is_exact_on_a_noiseless_ar2(fc):
    y = ar2(70)
    train, actual = y[:60], y[60:]
    order, coef = fc.fit_ar(train, fc.ar_max_order(len(train), None))
    assert order == 2
    np.testing.assert_allclose(coef, [1.0, 1.6, -0.9], atol=1e-8)
    np.testing.assert_allclose(fc.linear_ar(train, len(actual), None), actual, rtol=1e-8)


def test_mase_is_scaled_by_the_in_sample_seasonal_naive_mae(fc):
    train = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    # lag 1: |1| |2| |3| |4| -> 2.5 ; lag 2: |3| |5| |7| -> 5
    assert fc.mase_scale(train, None) == 2.5
    assert fc.mase_scale(train, 2) == 5.0
    assert fc.mase([12.0, 13.0], [12.0, 13.0], train, None) == 0.0
    assert fc.mase([12.0, 13.0], [11.0, 16.0], train, None) == pytest.approx(2.0 / 2.5)
    assert fc.mase([12.0, 13.0], [11.0, 16.0], train, 2) == pytest.approx(2.0 / 5.0)


def test_scores(fc):
    assert fc.coverage([1.0, 2.0, 3.0, 4.0], [0, 0, 3.5, 0], [5, 1.5, 5, 4]) == 0.5
    assert fc.geometric_mean([1.0, 4.0]) == pytest.approx(2.0)
    assert math.isnan(fc.geometric_mean([1.0, math.inf]))


def test_origins_leave_a_horizon_and_enough_training_data(fc):
    assert fc.origins(100, 6, 4, 3, 20) == [85, 88, 91, 94]
    assert fc.origins(30, 6, 4, 3, 20) == [21, 24]


def test_forecast_forms(fc):
    values = np.arange(3.0)
    assert fc.as_forecast(values, 3).intervals == {}
    lower, upper = values - 1, values + 1
    f = fc.as_forecast((values, {0.8: (lower, upper)}), 3)
    np.testing.assert_array_equal(f.intervals[0.8][1], upper)
    with pytest.raises(ValueError):
        fc.as_forecast(values, 4)
    with pytest.raises(ValueError):
        fc.as_forecast([1.0, np.nan, 2.0], 3)


def test_backtest_and_report_on_a_synthetic_series(fc):
    series = fc.Series("ar2", "synthetic AR(2)", "yearly", None, 5, lambda: ar2(80))

    def broken(train, horizon, period):
        """Always fails."""
        raise RuntimeError("no luck")

    contenders = [fc.CONTENDERS[name] for name in ("last value", "linear AR")]
    contenders.append(fc.Contender("broken", broken, recipe="fails"))
    outcomes, notes = fc.backtest([series], contenders, n_origins=3, seeds=2)
    assert len(outcomes) == 9 and not notes
    assert all(o.mase < 1e-6 for o in outcomes if o.contender == "linear AR")
    assert all(o.error == "RuntimeError: no luck" for o in outcomes if o.contender == "broken")
    text = fc.report(
        outcomes,
        notes,
        [series],
        contenders,
        {},
        dict(header="test", origins=3, stride="3 apart", lengths={"ar2": 80}, elapsed=0.0),
    )
    assert "| linear AR | 0.000 | 0.000 | - |" in text
    assert "| broken | fails | fails | - |" in text
    assert "broken failed on ar2 in 3 of 3 fits; the last error: RuntimeError: no luck" in text


def test_a_suite_of_many_series_is_summarised(fc):
    # AR(2) series shifted by k: the linear AR is exact on each, last value is not
    series = [
        fc.Series(f"s_{k}", f"shifted AR(2), k = {k}", "yearly", None, 4, lambda k=k: ar2(60) + k)
        for k in range(fc.MAX_COLUMNS + 1)
    ]
    contenders = [fc.CONTENDERS[name] for name in ("last value", "linear AR")]
    outcomes, notes = fc.backtest(series, contenders, n_origins=2, seeds=1)
    lengths = {s.name: 60 for s in series}
    settings = dict(header="test", origins=2, stride="2 apart", lengths=lengths, elapsed=0.0)
    text = fc.report(outcomes, notes, series, contenders, {}, settings)
    assert "| series | source |" not in text  # no table of one row per series
    n = len(series)
    assert f"## MASE over {n} series (seed 0; {n} scored by every contender)" in text
    last = [o.mase for o in outcomes if o.contender == "last value"]
    means = [np.mean(last[i : i + 2]) for i in range(0, len(last), 2)]
    row = next(line for line in text.splitlines() if line.startswith("| last value |"))
    cells = [c.strip() for c in row.split("|")[1:-1]]
    assert cells[1] == f"{fc.geometric_mean(means):.3f}"
    assert cells[3:6] == ["0", "-", "0"]  # no failure; better than the linear AR nowhere
    row = next(line for line in text.splitlines() if line.startswith("| linear AR |"))
    assert row.split("|")[5].strip() == str(n)  # better than last value on every series

    # a contender that fails everywhere is reported, not a crash
    def broken(train, horizon, period):
        raise RuntimeError("no luck")

    contenders.append(fc.Contender("broken", broken, recipe="fails"))
    outcomes, notes = fc.backtest(series, contenders, n_origins=1, seeds=1)
    text = fc.report(outcomes, notes, series, contenders, {}, settings)
    assert f"| broken | fails | fails | {n} |" in text


def test_the_other_suite_holds_series_no_other_suite_uses(fc):
    # its point: data that choices tuned on the standard and fertility suites never saw
    pytest.importorskip("statsmodels")
    others = fc.other_series()
    used = [s.load() for s in [*fc.SERIES.values(), *fc.fertility_series()]]
    for s in others:
        y = s.load()
        assert y.ndim == 1 and np.all(np.isfinite(y)), s.name
        ends = fc.origins(
            len(y), s.horizon, 8, math.ceil(s.horizon / 2), fc.min_train(s.period, s.horizon)
        )
        assert ends, f"{s.name}: no origin leaves enough training data"
        assert not any(u.shape == y.shape and np.array_equal(u, y) for u in used), s.name
    names = [s.name for s in others]
    assert len(set(names)) == len(names) and not set(names) & set(fc.SERIES)


def test_the_short_suite_is_six_year_segments_of_monthly_series(fc):
    pytest.importorskip("statsmodels")
    short = fc.short_series()
    assert len(short) == 15 and len({s.name for s in short}) == 15
    for s in short:
        y = s.load()
        assert len(y) == fc.SHORT_LENGTH == 72 and np.all(np.isfinite(y)), s.name
        assert (s.period, s.horizon) == (12, 12)
        assert fc.origins(72, 12, 4, 6, fc.min_train(12, 12)) == [42, 48, 54, 60]
    co2 = fc._co2()
    segments = [s.load() for s in short if s.name.startswith("co2_")]
    for k, segment in enumerate(segments):  # newest first, side by side
        np.testing.assert_array_equal(segment, co2[len(co2) - 72 * (k + 1) :][:72])


def test_missing_packages_and_entry_points_skip_a_contender(fc):
    missing = fc.Contender("x", None, requires=("no_such_module_xyz",))
    assert "no_such_module_xyz" in missing.unavailable()
    assert fc.CONTENDERS["last value"].unavailable() is None
    fc.resolve("last value")
    with pytest.raises(KeyError):
        fc.resolve("no such contender")


def test_the_rnnc_contender_waits_for_fit_forecaster_then_uses_it(fc, monkeypatch):
    import rnnc

    entry = fc.CONTENDERS["rnnc"]
    monkeypatch.delattr(rnnc, "fit_forecaster", raising=False)
    assert "fit_forecaster does not exist" in entry.unavailable()
    calls = []

    def fit_forecaster(train, horizon, period, seed=None):
        calls.append((len(train), horizon, period, seed))
        U, V, W = rnnc.scaled_weights(4, 5, 1, 0)
        return rnnc.Model(U, V, W, seq_len=5, offset=float(np.mean(train)))

    monkeypatch.setattr(rnnc, "fit_forecaster", fit_forecaster, raising=False)
    assert entry.unavailable() is None and entry.seeded()
    forecast = fc.as_forecast(entry.fit_predict(np.arange(30.0), 4, None, seed=2), 4)
    assert forecast.mean.shape == (4,) and calls == [(30, 4, None, 2)]

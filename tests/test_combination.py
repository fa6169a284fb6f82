"""rnnc.Combination: forecasts the mean of its models' forecasts, round-trips
through a model file bit for bit, and fit_forecaster chooses it (or a clearly
better baseline) by the rule it documents."""

import zipfile

import numpy as np
import pytest

import rnnc
from rnnc import forecaster, io
from rnnc.forecasting import forecast_paths


@pytest.fixture
def series():
    rng = np.random.default_rng(3)
    t = np.arange(150)
    return 5 + 0.05 * t + np.sin(2 * np.pi * t / 12) + 0.3 * np.cumsum(rng.normal(size=150)) / 5


@pytest.fixture
def models(series):
    # three models reading windows of different lengths and differencing
    return [
        forecaster.fit_linear_ar(series, 3),
        forecaster.fit_linear_ar(series, 2, (1,)),
        forecaster.fit_linear_ar(series, 1, (1, 12)),
    ]


def test_forecast_is_the_mean_of_the_models_forecasts(series, models):
    combination = rnnc.Combination(models)
    assert combination.window_len == max(m.window_len for m in models) == 14
    each = [rnnc.forecast(m, series, 9) for m in models]
    np.testing.assert_allclose(rnnc.forecast(combination, series, 9), np.mean(each, axis=0))
    # and from many origins at once, each model reading only its own window
    starts = np.lib.stride_tricks.sliding_window_view(series, 20)[::10]
    np.testing.assert_allclose(
        forecast_paths(combination, starts, 4),
        np.mean([forecast_paths(m, starts[:, 20 - m.window_len :], 4) for m in models], axis=0),
    )


def test_predict_is_the_mean_of_the_models_predictions(series, models):
    combination = rnnc.Combination(models)
    X = np.lib.stride_tricks.sliding_window_view(series, 16)
    expected = np.mean([m.predict(X[:, 16 - m.window_len :]) for m in models], axis=0)
    np.testing.assert_allclose(combination.predict(X), expected)
    with pytest.raises(ValueError, match="at least 14 values"):
        combination.predict(X[:, :13])


def test_round_trips_bit_for_bit_and_old_readers_keep_single_models(tmp_path, series, models):
    combination = rnnc.Combination(models, info={"winner": "mean", "horizon": 9})
    path = rnnc.save(tmp_path / "c.npz", combination)
    loaded = rnnc.load(path)
    assert isinstance(loaded, rnnc.Combination) and loaded.info == combination.info
    for mine, theirs in zip(loaded.models, models, strict=True):
        assert mine.differencing == theirs.differencing and mine.seq_len == theirs.seq_len
        for a, b in zip(mine.networks[0], theirs.networks[0], strict=True):
            assert (a is None) == (b is None)
            assert a is None or (a.dtype == b.dtype and a.tobytes() == b.tobytes())
        assert (mine.offset, mine.scale) == (theirs.offset, theirs.scale)
    np.testing.assert_array_equal(
        rnnc.forecast(loaded, series, 9), rnnc.forecast(combination, series, 9)
    )
    with np.load(path) as npz:
        assert npz["format_version"] == io.COMBINATION_FORMAT_VERSION == 3
        assert str(npz["kind"]) == "combination"
    rnnc.save(tmp_path / "m.npz", models[0])
    with np.load(tmp_path / "m.npz") as npz:
        assert npz["format_version"] == 2


@pytest.mark.parametrize(
    "models, error, message",
    [
        ([], ValueError, "at least two"),
        ("ab", ValueError, "at least two"),
        (["not a model", None], TypeError, r"models\[0\] must be an rnnc.Model"),
    ],
)
def test_bad_models_are_named(models, error, message):
    with pytest.raises(error, match=message):
        rnnc.Combination(models)


def test_a_combination_changed_after_it_was_made_is_checked_again(tmp_path, series, models):
    combination = rnnc.Combination(models)
    combination.models.append("not a model")
    with pytest.raises(TypeError, match=r"models\[3\] must be an rnnc.Model"):
        rnnc.forecast(combination, series, 3)
    with pytest.raises(TypeError, match=r"models\[3\] must be an rnnc.Model"):
        rnnc.save(tmp_path / "c.npz", combination)
    with pytest.raises(TypeError, match=r"models\[3\] must be an rnnc.Model"):
        combination.predict(series[None, -20:])
    assert not (tmp_path / "c.npz").exists()


def test_models_of_other_inputs_or_outputs_do_not_combine(models):
    U, V, W = rnnc.scaled_weights(4, 2, 1, seed=0)
    two_inputs = rnnc.Model(U, V, W, seq_len=5, layout="shared")
    with pytest.raises(ValueError, match=r"models\[1\] reads 2 feature\(s\) per step"):
        rnnc.Combination([models[0], two_inputs])
    U, V, W = rnnc.scaled_weights(4, 1, 2, seed=0)
    two_outputs = rnnc.Model(U, V, W, seq_len=5, layout="shared")
    with pytest.raises(ValueError, match=r"models\[1\] must predict one series"):
        rnnc.Combination([models[0], two_outputs])


def write_archive(path, arrays):
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def combination_arrays(tmp_path, models):
    rnnc.save(tmp_path / "c.npz", rnnc.Combination(models))
    with np.load(tmp_path / "c.npz") as npz:
        return {key: npz[key] for key in npz.files}


def test_damaged_combination_files_are_named(tmp_path, models):
    arrays = combination_arrays(tmp_path, models)
    missing = {k: v for k, v in arrays.items() if k != "model1/W"}
    with pytest.raises(io.ModelFileError, match="lacks model1/W"):
        rnnc.load(write_archive(tmp_path / "a.npz", missing))
    gap = {k: v for k, v in arrays.items() if not k.startswith("model1/")}
    with pytest.raises(io.ModelFileError, match="model0/ to model"):
        rnnc.load(write_archive(tmp_path / "b.npz", gap))
    bad = dict(arrays, **{"model2/scale": np.float64(0.0)})
    with pytest.raises(io.ModelFileError, match="model2/scale must not be 0"):
        rnnc.load(write_archive(tmp_path / "c2.npz", bad))
    foreign = dict(arrays, kind=np.str_("ensemble"))
    with pytest.raises(io.ModelFileError, match="kind must be 'combination'"):
        rnnc.load(write_archive(tmp_path / "d.npz", foreign))
    huge = dict(arrays, **{"model0/W": np.zeros((3, 3))})
    with pytest.raises(io.ModelFileError, match="model0/"):
        rnnc.load(write_archive(tmp_path / "e.npz", huge))
    with zipfile.ZipFile(tmp_path / "c.npz") as archive:
        assert "model0/U.npy" in archive.namelist()


def plan_with(actual, horizon=1):
    n = len(actual)
    origins = np.arange(100, 100 + n * horizon, horizon)
    return forecaster.Plan(100, origins, horizon, 1, 1.0, np.asarray(actual, float)[:, None])


def candidate(name, kind, paths, plan):
    return forecaster.Candidate(name, kind, ()).scored(np.asarray(paths, float)[:, None], plan)


def test_the_combination_stands_unless_a_baseline_backtests_better():
    plan = plan_with(np.zeros(12))
    paths = 1 + 0.1 * np.random.default_rng(0).normal(size=12)
    combined = candidate("mean", "combination", paths, plan)
    worse = candidate("last value", "baseline", paths + 0.01, plan)
    assert forecaster._choose([worse, combined], plan) is combined
    better = candidate("linear AR", "baseline", paths - 0.01, plan)
    assert forecaster._choose([worse, better, combined], plan) is better
    # without a combination, the best baseline
    assert forecaster._choose([worse, better], plan) is better


def test_a_single_model_competes_only_on_a_long_enough_holdout():
    rng = np.random.default_rng(1)
    long_plan = plan_with(np.zeros(12))
    short_plan = plan_with(np.zeros(3))
    for plan, expected in ((long_plan, "network"), (short_plan, "combination")):
        n = len(plan.origins)
        combined = candidate("mean", "combination", 1 + 0.05 * rng.normal(size=n), plan)
        network = candidate("RNN", "network", 0.1 + 0.01 * rng.normal(size=n), plan)
        assert forecaster._choose([combined, network], plan).kind == expected


def test_the_ar_on_the_levels_is_a_baseline_only_where_the_holdout_measures_it():
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.normal(size=300)) + 0.2 * np.arange(300)
    kinds = {}
    for n in (40, 300):  # a holdout of 3 horizons, and one of 10
        plan = forecaster.plan_backtest(n, 6, 1, y[:n])
        found, _ = forecaster._linear_candidates(y[:n], plan)
        kinds[n] = {c.name: c.kind for c in found}["linear AR"]
        assert forecaster._measures_single_models(plan) == (n == 300)
    assert kinds == {40: "linear", 300: "baseline"}


def test_on_a_short_holdout_the_mean_stands_though_the_levels_ar_backtests_lowest():
    # 30 values of a trending random walk: a holdout of 3 horizons of 5, on
    # which the AR on the levels happens to score best; it joined the mean, and
    # the mean, not the AR, is the model (no baseline won)
    rng = np.random.default_rng(8)
    y = 10 + np.cumsum(rng.normal(size=30)) + 0.5 * np.arange(30)
    model = rnnc.fit_forecaster(y, max_epochs=0, period=1)
    table = {r["name"]: r for r in model.info["backtest"]}
    assert table["linear AR"]["kind"] == "linear"
    assert table["linear AR"]["mase"] == min(r["mase"] for r in table.values())
    assert model.info["winner"] == "mean of 3 linear models"
    assert not model.info["baseline_won"]


def test_fit_forecaster_returns_a_combination_that_round_trips(tmp_path, series):
    model = rnnc.fit_forecaster(series, horizon=6, period=12, max_epochs=0)
    table = {r["name"]: r for r in model.info["backtest"]}
    assert model.info["winner"] in table
    assert any(r["kind"] == "combination" for r in table.values())
    rnnc.save(tmp_path / "f.npz", model)
    loaded = rnnc.load(tmp_path / "f.npz")
    assert type(loaded) is type(model) and loaded.info == model.info
    np.testing.assert_array_equal(rnnc.forecast(loaded, series, 6), rnnc.forecast(model, series, 6))


def test_the_season_decides_between_seasonal_spaces_and_the_damped_trend_in_the_mean():
    rng = np.random.default_rng(4)
    t = np.arange(240)
    walk = np.cumsum(0.1 + rng.normal(size=240))  # no season, though one is given
    seasonal = walk + 4 * np.sin(2 * np.pi * t / 12)

    def combined(y):
        model = rnnc.fit_forecaster(y, horizon=12, period=12, max_epochs=0)
        names = [r["name"] for r in model.info["backtest"] if r["kind"] == "combination"]
        return names, model

    names, _ = combined(walk)  # the ARs on the series and on Δ, and the damped trend
    assert names == ["mean of 3 linear models"]
    plan = forecaster.plan_backtest(len(walk), 12, 12, walk)
    candidates, _ = forecaster._linear_candidates(walk, plan)
    mean = forecaster._combination(candidates, plan).refit(walk)
    assert [m.differencing for m in mean.models] == [(), (1,), ()]
    assert [m.info.get("smoothing") is not None for m in mean.models] == [False, False, True]
    # the ARs of the four spaces; the seasonal smoothing competes alone, on a
    # holdout of 4 horizons
    names, model = combined(seasonal)
    assert names == ["mean of 4 linear models"]
    assert "seasonal smoothing" in [r["name"] for r in model.info["backtest"]]


def test_a_short_series_with_a_season_backtests_the_seasonal_mean():
    # five years of monthly values: the 30 before the 30 held out are too few
    # to show the season, all 60 show it, and the refitted mean has it, so the
    # backtest measures that mean, not one without the season
    rng = np.random.default_rng(5)
    t = np.arange(60)
    y = 50 + 0.3 * t + 6 * np.sin(2 * np.pi * t / 12) + rng.normal(size=60)
    assert rnnc.detect_period(y[:30], 12) == 1 and rnnc.detect_period(y, 12) == 12
    plan = forecaster.plan_backtest(len(y), 12, 12, y)
    assert plan.start == 30 and plan.seasonal
    candidates, _ = forecaster._linear_candidates(y, plan)
    mean = forecaster._combination(candidates, plan).refit(y)
    assert [m.differencing for m in mean.models] == [(), (1,), (12,), (1, 12), ()]
    assert mean.models[-1].seasonal_smoothing is not None


@pytest.mark.parametrize("n", [40, 300])  # a holdout of 3 horizons, and one of 10
def test_linear_candidates_are_refitted_across_a_short_holdout_only(n):
    rng = np.random.default_rng(6)
    y = (10 + np.cumsum(rng.normal(size=300)) + 0.2 * np.arange(300))[:n]
    plan = forecaster.plan_backtest(n, 6, 1, y)
    fitted_on = []  # the values each refit saw

    def fit(values):
        fitted_on.append(len(values))
        return forecaster.fit_linear_ar(values, None, (1,))

    first = forecaster.fit_linear_ar(y[: plan.start], None, (1,))
    paths = forecaster._refitted_forecasts(fit, first, y, plan)
    if forecaster._measures_single_models(plan):  # the networks compete: one fit, as theirs
        assert fitted_on == []
        np.testing.assert_array_equal(paths, forecaster._forecasts(first, y, plan))
        return
    # each origin forecast by the fit on the values before the first origin of its group
    fitted_on.insert(0, plan.start)
    assert 1 < len(fitted_on) <= min(forecaster.MAX_REFITS, len(plan.origins))
    assert fitted_on == sorted(set(fitted_on)) and fitted_on[-1] <= plan.origins[-1]
    for origin, path in zip(plan.origins, paths, strict=True):
        fitted_at = max(c for c in fitted_on if c <= origin)
        model = forecaster.fit_linear_ar(y[:fitted_at], None, (1,))
        np.testing.assert_array_equal(path, rnnc.forecast(model, y[:origin], plan.horizon))


def test_an_error_in_a_combined_model_names_the_model(tmp_path, models):
    combination = rnnc.Combination(models)
    models[1].scale = 0.0
    with pytest.raises(ValueError, match=r"models\[1\]\.scale must not be 0"):
        rnnc.save(tmp_path / "c.npz", combination)
    with pytest.raises(ValueError, match=r"models\[1\]\.scale must not be 0"):
        combination.predict(np.zeros((1, 20)))


def test_a_file_is_read_as_the_format_it_declares(tmp_path, models):
    arrays = combination_arrays(tmp_path, models)
    old = dict(arrays, format_version=np.int64(2))
    with pytest.raises(io.ModelFileError, match="format 2 holds no combination"):
        rnnc.load(write_archive(tmp_path / "a.npz", old))
    rnnc.save(tmp_path / "m.npz", models[0])
    with np.load(tmp_path / "m.npz") as npz:
        single = {key: npz[key] for key in npz.files}
    stray = dict(single, **{"model0/U": single["U"]})
    with pytest.raises(io.ModelFileError, match="model0/ but no kind"):
        rnnc.load(write_archive(tmp_path / "b.npz", stray))
    per_feature = dict(single, offset=np.array([0.5]), scale=np.array([2.0]))
    with pytest.raises(io.ModelFileError, match="offset holds one value per feature.*format 2"):
        rnnc.load(write_archive(tmp_path / "c.npz", per_feature))
    wrong_kind = dict(single, kind=np.str_("model"))
    with pytest.raises(io.ModelFileError, match="kind must be 'combination', got 'model'"):
        rnnc.load(write_archive(tmp_path / "d.npz", wrong_kind))


def test_model_info_must_be_a_dict(series, models):
    with pytest.raises(TypeError, match="info must be a dict"):
        rnnc.Model(models[0].U, models[0].V, models[0].W, seq_len=3, layout="shared", info=None)
    models[0].info = {"n_inputs": "two"}
    with pytest.raises(ValueError, match=r'info\["n_inputs"\] must be a count'):
        rnnc.forecast(models[0], series, 2)


@pytest.mark.parametrize(
    "p, error, message",
    [("3", TypeError, "p must be an integer"), (50, ValueError, "p must be from 1 to")],
)
def test_linear_ar_orders_are_checked(series, p, error, message):
    for fit in (
        lambda: forecaster.fit_linear_ar(series[:30], p),
        lambda: forecaster.fit_linear_arx(series[:30], series[:30] ** 2, p),
    ):
        with pytest.raises(error, match=message):
            fit()

"""Forecasting as forecasters expect it: dates in and out of the command line,
a forecast origin with the error against what followed, gaps and delimiters,
prediction intervals, the sanity note and the forecast plot."""

import csv
import io
import math
import re

import numpy as np
import pytest
from support import run_cli, seasonal_series, write_dated_csv

import rnnc
from rnnc import forecaster
from rnnc.forecasting import Forecast

# the forecaster without networks: the same backtest, residuals and choice, in milliseconds
FAST = "--epochs 0 --no-plots"


def monthly(n, start=2000):
    return [f"{start + i // 12}-{i % 12 + 1:02d}" for i in range(n)]


def rows_of(text):
    return list(csv.reader(io.StringIO(text)))


def train(capsys, tmp_path, values, dates, extra=""):
    write_dated_csv(tmp_path / "s.csv", dates, values)
    status, out, err = run_cli(
        capsys,
        f"train --csv {{tmp}}/s.csv --column y --save {{tmp}}/m.npz {FAST} {extra}",
        tmp_path,
    )
    assert status == 0, err
    return rnnc.load(tmp_path / "m.npz"), out


# --- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dates, following, name",
    [
        (monthly(60), ["2005-01", "2005-02", "2005-03"], "monthly"),
        (
            [f"{1990 + i // 4}Q{i % 4 + 1}" for i in range(48)],
            ["2002Q1", "2002Q2", "2002Q3"],
            "quarterly",
        ),
        ([str(1950 + i) for i in range(40)], ["1990", "1991", "1992"], "yearly"),
    ],
)
def test_dates_are_carried_to_the_forecast(capsys, tmp_path, dates, following, name):
    values = seasonal_series(len(dates), period=4)
    model, out = train(capsys, tmp_path, values, dates, "--horizon 3")
    assert model.info["date_column"] == "date" and model.info["frequency"]["name"] == name
    assert model.info["last_date"] == dates[-1]
    assert f"{len(dates)} {name} values, {dates[0]} to {dates[-1]}" in out
    status, out, err = run_cli(
        capsys, "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column y --horizon 3", tmp_path
    )
    assert status == 0, err
    rows = rows_of(out)
    assert rows[0] == ["date", "forecast"] and [r[0] for r in rows[1:]] == following
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], rnnc.forecast(model, values, 3))


def test_a_file_without_dates_keeps_step_numbers(capsys, tmp_path):
    values = seasonal_series(60)
    (tmp_path / "s.csv").write_text("y\n" + "".join(f"{float(v)!r}\n" for v in values))
    status, _, err = run_cli(
        capsys, f"train --csv {{tmp}}/s.csv --column y --save {{tmp}}/m.npz {FAST}", tmp_path
    )
    assert status == 0, err
    assert "date_column" not in rnnc.load(tmp_path / "m.npz").info
    status, out, err = run_cli(
        capsys, "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column y --horizon 2", tmp_path
    )
    assert status == 0, err
    assert rows_of(out)[0] == ["step", "forecast"] and rows_of(out)[1][0] == "60"


def test_repeated_dates_and_other_steps(capsys, tmp_path):
    dates = monthly(60)
    dates[40] = dates[39]
    write_dated_csv(tmp_path / "s.csv", dates, seasonal_series(60))
    status, _, err = run_cli(
        capsys, f"train --csv {{tmp}}/s.csv --column y --save {{tmp}}/m.npz {FAST}", tmp_path
    )
    assert status == 2 and "column 'date' repeats 2003-04-01 on line 42" in err, err
    train(capsys, tmp_path, seasonal_series(60), monthly(60))
    write_dated_csv(
        tmp_path / "q.csv", [f"{1990 + i // 4}Q{i % 4 + 1}" for i in range(60)], seasonal_series(60)
    )
    status, out, err = run_cli(
        capsys, "predict --model {tmp}/m.npz --csv {tmp}/q.csv --column y --horizon 2", tmp_path
    )
    assert status == 0 and rows_of(out)[1][0] == "2005Q1"
    assert "note: " in err and "has quarterly dates; the model was trained on monthly" in err


def test_no_date_ignores_the_date_column(capsys, tmp_path):
    values = seasonal_series(60)
    model, _ = train(capsys, tmp_path, values, monthly(60), "--no-date")
    assert "date_column" not in model.info and model.info["period_from"] == "autocorrelation"


def test_the_calendar_period_is_taken_only_when_the_data_agree(capsys, tmp_path):
    model, out = train(capsys, tmp_path, seasonal_series(120), monthly(120))
    assert model.info["period"] == 12 and model.info["period_from"] == "dates"
    assert "(period 12, from the dates)" in out
    noise = np.random.default_rng(3).normal(size=120)
    assert rnnc.detect_period(noise, calendar=12) == 1
    model, _ = train(capsys, tmp_path, noise, monthly(120))
    assert model.info["period"] == 1 and model.info["period_from"] == "autocorrelation"


# --- the forecast origin ---------------------------------------------------------------


def test_until_forecasts_from_a_date_and_scores_what_followed(capsys, tmp_path):
    values = seasonal_series(120)
    dates = monthly(120)
    model, _ = train(capsys, tmp_path, values, dates, "--horizon 12")
    for until in ("2007-12", "96"):  # the 96th row is 2007-12
        status, out, err = run_cli(
            capsys,
            f"predict --model {{tmp}}/m.npz --csv {{tmp}}/s.csv --column y --horizon 14 "
            f"--until {until}",
            tmp_path,
        )
        assert status == 0, err
        rows = rows_of(out)  # stdout is the CSV alone; the error line is on stderr
        assert rows[0] == ["date", "forecast", "actual"] and len(rows) == 15
        assert rows[1][0] == "2008-01" and rows[-1][0] == "2009-02"
        predicted = rnnc.forecast(model, values[:96], 14)
        np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], predicted)
        assert [float(r[2]) for r in rows[1:]] == list(values[96:110])
        mae = np.mean(np.abs(predicted - values[96:110]))
        rmse = math.sqrt(np.mean((predicted - values[96:110]) ** 2))
        mase = mae / np.mean(np.abs(values[12:96] - values[:84]))
        line = re.search(r"MAE (\S+), RMSE (\S+), MASE (\S+)", err)
        assert line and "error over the 14 known steps" in err, err
        assert [float(v) for v in line.groups()] == pytest.approx([mae, rmse, mase], rel=1e-3)
    # past the end of the file: the last rows have no actual value
    status, out, err = run_cli(
        capsys,
        "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column y --horizon 4 --until 2009-10 "
        "--output {tmp}/f.csv",
        tmp_path,
    )
    assert status == 0, err
    assert "error over the 2 known steps" in out  # with --output, on stdout
    assert [r[-1] for r in rows_of((tmp_path / "f.csv").read_text())[1:]][2:] == ["", ""]


@pytest.mark.parametrize(
    "option, words",
    [
        ("--until 2030-01", "--until 2030-01: no such date in"),
        ("--until 0", "has rows 1 to 120"),
        ("--until soon", "--until 'soon' is not a date of the file or a row number"),
        ("--until 2000-03", "has 3 values up to --until 2000-03; the model needs windows"),
        ("--interval 0.8,1.5", "--interval: levels must be between 0 and 1"),
        ("--interval 0.8 --horizon 30", "intervals reach 12 steps"),
    ],
)
def test_origin_and_interval_errors_name_the_argument(capsys, tmp_path, option, words):
    train(capsys, tmp_path, seasonal_series(120), monthly(120), "--horizon 12")
    horizon = "" if "--horizon" in option else "--horizon 6"
    status, _, err = run_cli(
        capsys,
        f"predict --model {{tmp}}/m.npz --csv {{tmp}}/s.csv --column y {horizon} {option}",
        tmp_path,
    )
    assert status == 2 and words in err, err
    assert len(err.strip().splitlines()) == 1


def test_until_and_interval_need_a_horizon(capsys, tmp_path):
    train(capsys, tmp_path, seasonal_series(60), monthly(60))
    for option in ("--until 30", "--interval 0.8"):
        status, _, err = run_cli(
            capsys,
            f"predict --model {{tmp}}/m.npz --csv {{tmp}}/s.csv --column y {option}",
            tmp_path,
        )
        assert status == 2 and f"{option.split()[0]} is for forecasts: give --horizon" in err


# --- gaps and formats ------------------------------------------------------------------


def test_fill_and_delimiter(capsys, tmp_path):
    values = seasonal_series(60)
    dates = monthly(60)
    cells = [repr(float(v)) for v in values]
    cells[30] = "NA"
    write_dated_csv(tmp_path / "s.csv", dates, cells, delimiter=";")
    line = f"train --csv {{tmp}}/s.csv --column y --save {{tmp}}/m.npz {FAST}"
    status, _, err = run_cli(capsys, line, tmp_path)
    assert status == 2 and "y has no value at line 32" in err and "fill" in err
    status, _, err = run_cli(capsys, line + " --delimiter , ", tmp_path)
    assert status == 2 and "no column 'y'" in err and "delimiter ','" in err
    status, _, err = run_cli(capsys, line + " --fill interpolate --delimiter ;", tmp_path)
    assert status == 0, err
    status, out, err = run_cli(
        capsys,
        "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column y --horizon 2 --fill previous",
        tmp_path,
    )
    assert status == 0, err and rows_of(out)[1][0] == "2005-01"
    write_dated_csv(tmp_path / "t.tsv", dates, cells, delimiter="\t")
    status, _, err = run_cli(
        capsys,
        f"train --csv {{tmp}}/t.tsv --column y --save {{tmp}}/n.npz {FAST} --fill drop "
        "--delimiter tab",
        tmp_path,
    )
    assert status == 0, err
    status, _, err = run_cli(capsys, line + " --delimiter ;;", tmp_path)
    assert status == 2 and "--delimiter: ';;' is not one character" in err


# --- prediction intervals --------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted():
    y = seasonal_series(240, noise=1.0, seed=5)
    return forecaster.fit_forecaster(y, horizon=12, max_epochs=0), y


def test_intervals_are_the_conformal_quantiles_of_the_stored_residuals(fitted):
    model, y = fitted
    residuals = np.array(model.info["residuals"])
    n = len(residuals)
    assert residuals.shape == (model.info["origins"], 12) and np.all(residuals >= 0)
    levels = (0.5, 0.8, 0.9, 0.95)
    result = rnnc.forecast(model, y, 12, levels=levels)
    assert isinstance(result, Forecast)
    np.testing.assert_array_equal(result.mean, rnnc.forecast(model, y, 12))
    widths = []
    for level in levels:
        lower, upper = result.intervals[level]
        # the k-th smallest score at each step, k = ceil((n + 1) level), in exact arithmetic
        k = -(-(n + 1) * round(level * 100) // 100)
        expected = np.array([sorted(residuals[:, h])[k - 1] for h in range(12)])
        np.testing.assert_array_equal(upper, result.mean + expected)
        np.testing.assert_array_equal(lower, result.mean - expected)
        widths.append(expected)
    assert np.all(np.diff(widths, axis=0) >= 0)  # wider with the level
    short = rnnc.forecast(model, y, 3, levels=0.8)
    np.testing.assert_array_equal(short.intervals[0.8][1], result.intervals[0.8][1][:3])


def test_levels_beyond_the_origins_give_unbounded_intervals(fitted):
    model, y = fitted
    n = len(model.info["residuals"])
    lower, upper = rnnc.forecast(model, y, 2, levels=n / (n + 1) + 1e-3).intervals[
        n / (n + 1) + 1e-3
    ]
    assert np.all(lower == -np.inf) and np.all(upper == np.inf)


def test_interval_errors(fitted):
    model, y = fitted
    with pytest.raises(ValueError, match="intervals reach 12 steps"):
        rnnc.forecast(model, y, 13, levels=0.8)
    for bad in (0, 1, 1.5, -0.2, ()):
        with pytest.raises(ValueError, match="levels"):
            rnnc.forecast(model, y, 2, levels=bad)
    with pytest.raises(TypeError, match="levels must be numbers"):
        rnnc.forecast(model, y, 2, levels=["0.8"])
    with pytest.raises(ValueError, match="no backtest residuals"):
        rnnc.forecast(forecaster.naive_model(1), y, 2, levels=0.8)


def test_residuals_survive_save_and_load_bit_for_bit(fitted, tmp_path):
    model, _ = fitted
    rnnc.save(tmp_path / "m.npz", model)
    again = np.array(rnnc.load(tmp_path / "m.npz").info["residuals"])
    assert np.array_equal(again.view(np.uint64), np.array(model.info["residuals"]).view(np.uint64))


@pytest.mark.slow
def test_interval_coverage_is_near_nominal_on_a_series_of_known_noise():
    """AR(1) noise around a season: fit on a stretch, forecast 6 steps, count how
    often the next values fall inside; 60 series, 360 forecast values per level."""
    inside = {0.8: [], 0.95: []}
    rng = np.random.default_rng(11)
    for _ in range(60):
        e = rng.normal(size=306)
        noise = np.zeros(306)
        for t in range(1, 306):
            noise[t] = 0.5 * noise[t - 1] + e[t]
        y = 10 + 3 * np.sin(2 * np.pi * np.arange(306) / 12) + noise
        model = forecaster.fit_forecaster(y[:300], horizon=6, period=12, max_epochs=0)
        result = rnnc.forecast(model, y[:300], 6, levels=(0.8, 0.95))
        for level, (lower, upper) in result.intervals.items():
            inside[level].extend((lower <= y[300:]) & (y[300:] <= upper))
    assert 0.72 <= np.mean(inside[0.8]) <= 0.88
    assert 0.90 <= np.mean(inside[0.95]) <= 0.99


def test_interval_columns(capsys, tmp_path):
    values = seasonal_series(120)
    model, _ = train(capsys, tmp_path, values, monthly(120), "--horizon 12")
    status, out, err = run_cli(
        capsys,
        "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column y --horizon 12 --interval 0.95,0.8",
        tmp_path,
    )
    assert status == 0, err
    rows = rows_of(out)
    assert rows[0] == ["date", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
    result = rnnc.forecast(model, values, 12, levels=(0.8, 0.95))
    np.testing.assert_array_equal([float(r[4]) for r in rows[1:]], result.intervals[0.95][0])


def test_interval_needs_a_model_with_residuals(capsys, tmp_path):
    values = seasonal_series(60)
    write_dated_csv(tmp_path / "s.csv", monthly(60), values)
    status, _, err = run_cli(
        capsys,
        "train --csv {tmp}/s.csv --column y --save {tmp}/m.npz --preset adam --epochs 1 "
        "--seq-len 5 --no-plots --quiet",
        tmp_path,
    )
    assert status == 0, err
    status, _, err = run_cli(
        capsys,
        "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column y --horizon 2 --interval 0.8",
        tmp_path,
    )
    assert status == 2 and "--interval: this model has no backtest residuals" in err


# --- the sanity note and the plot ----------------------------------------------------


def test_a_history_far_from_the_training_series_gets_a_note(capsys, tmp_path):
    values = seasonal_series(60)
    train(capsys, tmp_path, values, monthly(60))
    line = "predict --model {tmp}/m.npz --csv {tmp}/o.csv --column y --horizon 2"
    for scaled, note in (
        (values, None),
        (values * 100, "standard deviations"),
        (values.mean() + 50 * (-1.0) ** np.arange(60), "times as much"),
    ):
        write_dated_csv(tmp_path / "o.csv", monthly(60), scaled)
        status, out, err = run_cli(capsys, line, tmp_path)
        assert status == 0 and rows_of(out)[0] == ["date", "forecast"]
        if note is None:
            assert err == ""
        else:
            assert re.match(r"rnnc predict: note: the history's last \d+ values", err), err
            assert note in err
            assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_the_forecast_plot_is_written(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    values = seasonal_series(120)
    train(capsys, tmp_path, values, monthly(120), "--horizon 12")
    status, _, err = run_cli(
        capsys,
        "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column y --horizon 12 --until 100 "
        "--plot {tmp}/f.png",
        tmp_path,
    )
    assert status == 0, err
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"

"""Forecasting as forecasters expect it: dates in and out of the command line,
a forecast origin with the error against what followed, gaps and delimiters,
prediction intervals, the sanity note and the forecast plot."""

import csv
import io
import math
import re
import warnings

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
    assert rows_of(out)[0] == ["step", "forecast"] and rows_of(out)[1][0] == "61"


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


def test_hourly_dates_suggest_a_daily_season(capsys, tmp_path):
    # 90 hours: without dates the autocorrelation reaches lag 22 only
    values = seasonal_series(90, period=24)
    hours = [str(np.datetime64("2021-03-01T00:00") + np.timedelta64(h, "h")) for h in range(90)]
    model, out = train(capsys, tmp_path, values, [h.replace("T", " ") for h in hours])
    assert model.info["period"] == 24 and model.info["period_from"] == "dates"
    assert "(period 24, from the dates)" in out
    model, _ = train(capsys, tmp_path, values, hours, "--no-date")
    assert model.info["period"] != 24


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


def test_a_year_is_a_date_in_a_dated_file_never_a_row(capsys, tmp_path):
    # 2014 in daily data from 2015 is no date of the file: before, it was read as
    # the 2014th row and the model trained on the wrong part of the series
    days = np.datetime64("2015-01-01") + np.arange(2100)
    write_dated_csv(tmp_path / "d.csv", [str(d) for d in days], seasonal_series(2100, 7))
    train = "train --csv {tmp}/d.csv --column y --save {tmp}/m.npz --epochs 0 --quiet --no-plots"
    assert run_cli(capsys, train, tmp_path)[0] == 0
    predict = "predict --model {tmp}/m.npz --csv {tmp}/d.csv --column y --horizon 3"
    for command in (train, predict):
        status, _, err = run_cli(capsys, command + " --until 2014", tmp_path)
        assert status == 2
        assert f"--until 2014: no such date in {tmp_path}" in err
        assert f"daily dates run from 2015-01-01 to {days[-1]} (read as a year" in err


@pytest.mark.parametrize(
    "fill, history",
    [
        ("interpolate", None),  # a gap at the cut: nothing before it on the right
        ("previous", [*range(1, 10), 9]),
        ("drop", [*range(1, 10)]),  # --until counts the file's rows, not those kept
    ],
)
def test_until_fills_no_value_before_it_from_one_after_it(capsys, tmp_path, fill, history):
    # rows 1..9 hold 1..9, row 10 is a gap, then 100s: filling the whole file
    # before cutting at row 10 had filled the gap from the 100 after it (54.5),
    # and drop had counted row 10 among the rows kept (the first 100)
    values = [*range(1, 10), "", 100, 100]
    (tmp_path / "s.csv").write_text("y\n" + "".join(f"{v}\n" for v in values))
    command = (
        f"train --csv {{tmp}}/s.csv --column y --until 10 --fill {fill} "
        "--save {tmp}/m.npz --epochs 0 --quiet --no-plots"
    )
    status, _, err = run_cli(capsys, command, tmp_path)
    if history is None:
        assert status == 2 and "y has no value at the forecast origin (--until)" in err
        return
    assert status == 0, err
    stats = rnnc.load(tmp_path / "m.npz").info["training"]
    assert (stats["max"], stats["mean"]) == (9, pytest.approx(np.mean(history)))


@pytest.mark.parametrize("fill", ["", "--fill previous", "--fill interpolate", "--fill drop"])
def test_gaps_after_until_are_no_known_values(capsys, tmp_path, fill):
    # the values after --until are only compared with the forecast: a gap there
    # was filled (or dropped, skipping its month among the forecast's dates) and
    # counted as a known step; it needs no --fill, shows as no actual value and
    # is left out of the error
    values, dates = seasonal_series(60), monthly(60)
    cells = [repr(float(v)) for v in values]
    for gap in (49, 51):
        cells[gap] = ""
    (tmp_path / "s.csv").write_text(
        "date,y\n" + "".join(f"{d},{c}\n" for d, c in zip(dates, cells, strict=True))
    )
    until = f"--until {dates[47]} {fill}"
    command = f"train --csv {{tmp}}/s.csv --column y --save {{tmp}}/m.npz {FAST} {until}"
    status, _, err = run_cli(capsys, command, tmp_path)
    assert status == 0, err
    status, out, err = run_cli(
        capsys,
        f"predict --model {{tmp}}/m.npz --csv {{tmp}}/s.csv --column y --horizon 6 "
        f"--interval 0.8 {until}",
        tmp_path,
    )
    assert status == 0, err
    rows = rows_of(out)
    assert [r[0] for r in rows[1:]] == dates[48:54]
    assert [r[-1] for r in rows[1:]] == [cells[i] and str(values[i]) for i in range(48, 54)]
    result = rnnc.forecast(rnnc.load(tmp_path / "m.npz"), values[:48], 6, levels=(0.8,))
    known = [0, 2, 4, 5]
    mae = np.mean(np.abs(result.mean[known] - values[48:54][known]))
    line = re.search(r"MAE (\S+), RMSE", err)
    assert line and "error over the 4 known steps (2 more are gaps in the file)" in err, err
    assert float(line.group(1)) == pytest.approx(mae, rel=1e-5)
    lower, upper = result.intervals[0.8]
    inside = np.sum((lower[known] <= values[48:54][known]) & (values[48:54][known] <= upper[known]))
    assert f"80% interval holds {inside}/4" in err


def test_until_interpolates_inputs_across_it(capsys, tmp_path):
    # an input is known in advance: its gap at the cut is filled from both sides,
    # as the whole file filled before the cut had it, while the target's sides
    # are filled each on its own
    months = monthly(48)
    y, x = seasonal_series(48), np.arange(48) * 0.5
    rows = [f"{d},{a},{'' if i == 29 else b}" for i, (d, a, b) in enumerate(zip(months, y, x))]
    (tmp_path / "s.csv").write_text("date,y,x\n" + "\n".join(rows) + "\n")
    command = (
        "train --csv {tmp}/s.csv --column y --inputs x --until 30 --fill interpolate "
        "--save {tmp}/m.npz --epochs 0 --quiet --no-plots"
    )
    status, _, err = run_cli(capsys, command, tmp_path)
    assert status == 0, err
    stats = rnnc.load(tmp_path / "m.npz").info["training_inputs"][0]
    assert stats["max"] == 14.5 and stats["mean"] == pytest.approx(np.mean(x[:30]))


def test_the_date_column_is_no_value_column(capsys, tmp_path):
    years = [str(y) for y in range(1990, 2020)]
    write_dated_csv(tmp_path / "y.csv", years, seasonal_series(30, 4))
    text = (tmp_path / "y.csv").read_text().replace("date,", "year,", 1)
    (tmp_path / "y.csv").write_text(text)
    base = "train --csv {tmp}/y.csv --save {tmp}/m.npz --epochs 0 --quiet --no-plots"
    status, _, err = run_cli(capsys, base + " --column year", tmp_path)
    assert status == 2 and "column 'year' holds the file's dates, not values" in err
    status, _, err = run_cli(capsys, base + " --column year --date year", tmp_path)
    assert status == 2 and "column 'year' cannot be both the dates and a value column" in err
    status, _, err = run_cli(capsys, base + " --column year --no-date", tmp_path)
    assert status == 0, err
    # an input named like dates, beside the file's own date column: no slip
    text = "year,date,y\n" + "".join(
        f"{1990 + i // 12},{m},{v}\n"
        for i, (m, v) in enumerate(zip(monthly(48), seasonal_series(48)))
    )
    (tmp_path / "yd.csv").write_text(text)
    status, _, err = run_cli(
        capsys,
        "train --csv {tmp}/yd.csv --column y --inputs year --save {tmp}/m.npz --epochs 0 "
        "--quiet --no-plots",
        tmp_path,
    )
    assert status == 0, err


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


@pytest.mark.parametrize(
    "n, option, words",
    [
        (20, "--period 30", "error: --period must be from 1 (no season) to len(series) - 1 = 19"),
        (20, "--horizon 15", "error: --horizon 15 is too long for a series of 20 values"),
        (7, "", "s.csv: column 'y': series must hold at least 8 values, got 7"),
    ],
)
def test_the_forecasters_errors_name_the_option_or_the_column(capsys, tmp_path, n, option, words):
    write_dated_csv(tmp_path / "s.csv", [str(1990 + i) for i in range(n)], np.arange(n) ** 1.5)
    line = f"train --csv {{tmp}}/s.csv --column y --save {{tmp}}/m.npz {FAST} {option}"
    status, _, err = run_cli(capsys, line, tmp_path)
    assert status == 2 and words in err and err.count("\n") == 1, err


def test_a_model_used_on_another_column_gets_a_note(capsys, tmp_path):
    values = seasonal_series(60)
    train(capsys, tmp_path, values, monthly(60))
    write_dated_csv(tmp_path / "o.csv", monthly(60), values, column="sales")
    line = "predict --model {tmp}/m.npz --csv {tmp}/o.csv --column sales --horizon 2"
    status, out, err = run_cli(capsys, line, tmp_path)
    assert status == 0 and rows_of(out)[0] == ["date", "forecast"]
    assert "was trained on column 'y'; forecasting 'sales' with it" in err
    assert err.count("\n") == 1


def test_inputs_far_from_their_training_values_get_a_note(capsys, tmp_path):
    quarters, y, _, x = arx_table(tmp_path)
    train_line = "train --csv {tmp}/t.csv --column y --inputs x --horizon 4 --save {tmp}/m.npz"
    status, _, err = run_cli(capsys, f"{train_line} {FAST}", tmp_path)
    assert status == 0, err
    model = rnnc.load(tmp_path / "m.npz")
    assert len(model.info["training_inputs"]) == 1
    assert model.info["training_inputs"][0]["max"] == pytest.approx(x[:120].max())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnnc.forecast(model, y[:120], 6, inputs=x)  # the inputs it was fitted on: no note
    # the same input in other units (thousands), or jumping about, along the forecast
    for changed, words in (
        (x * 1000, "standard deviations"),
        (x + 40 * (-1.0) ** np.arange(len(x)), "times as much"),
    ):
        with pytest.warns(UserWarning, match=f"input x's .* values along the forecast.*{words}"):
            rnnc.forecast(model, y[:120], 6, inputs=changed)
        rows = [
            [q, repr(float(a)) if i < 120 else "", "", repr(float(c))]
            for i, (q, a, c) in enumerate(zip(quarters, y, changed, strict=True))
        ]
        write_table(tmp_path / "o.csv", ["quarter", "y", "z", "x"], rows)
        for horizon in ("--horizon 6", ""):  # forecasts, and next values
            status, _, err = run_cli(
                capsys,
                "predict --model {tmp}/m.npz --csv {tmp}/o.csv --column y " + horizon,
                tmp_path,
            )
            assert status == 0 and "note: input x's" in err and words in err, err


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


# --- inputs and several columns -------------------------------------------------------


def write_table(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def arx_table(tmp_path, n=120, future=6):
    """quarter, y, z, x: y and z follow x (a random walk known in advance);
    the last `future` rows hold x alone."""
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.normal(size=n + future))
    y, z = np.zeros(n + future), np.zeros(n + future)
    for t in range(1, n + future):
        y[t] = 0.6 * y[t - 1] + 2 * x[t] + 0.1 * rng.normal()
        z[t] = 0.3 * z[t - 1] - x[t - 1] + 0.1 * rng.normal()
    quarters = [f"{1980 + i // 4}Q{i % 4 + 1}" for i in range(n + future)]
    rows = [
        [q, repr(float(a)) if i < n else "", repr(float(b)) if i < n else "", repr(float(c))]
        for i, (q, a, b, c) in enumerate(zip(quarters, y, z, x, strict=True))
    ]
    write_table(tmp_path / "t.csv", ["quarter", "y", "z", "x"], rows)
    return quarters, y, z, x


def test_inputs_are_fitted_and_their_future_values_are_required(capsys, tmp_path):
    quarters, y, _, x = arx_table(tmp_path)
    train_line = "train --csv {tmp}/t.csv --column y --inputs x --horizon 4 --save {tmp}/m.npz"
    status, out, err = run_cli(capsys, f"{train_line} {FAST}", tmp_path)
    assert status == 0, err
    assert "with inputs x" in out and "linear ARX" in out
    model = rnnc.load(tmp_path / "m.npz")
    assert model.info["inputs"] == ["x"] and model.info["last_date"] == "2009Q4"
    assert model.n_features == 2  # an ARX model won: y follows x closely
    predict = "predict --model {tmp}/m.npz --csv {tmp}/t.csv --column y"
    status, out, err = run_cli(capsys, f"{predict} --horizon 6", tmp_path)
    assert status == 0, err
    rows = rows_of(out)
    assert rows[0] == ["date", "forecast"] and [r[0] for r in rows[1:]] == quarters[120:]
    expected = rnnc.forecast(model, y[:120], 6, inputs=x)
    assert [float(r[1]) for r in rows[1:]] == expected.tolist()
    # the forecast follows the inputs' future: far better than the series alone
    alone = rnnc.forecast(rnnc.fit_forecaster(y[:120], horizon=4, max_epochs=0), y[:120], 6)
    assert np.mean(np.abs(expected - y[120:])) < 0.5 * np.mean(np.abs(alone - y[120:]))
    status, _, err = run_cli(capsys, f"{predict} --horizon 8", tmp_path)
    assert status == 2 and err.count("\n") == 1
    assert "--inputs x has 6 future value(s) after 2009Q4" in err and "(2 missing)" in err


def test_until_with_inputs_reads_the_inputs_after_the_origin(capsys, tmp_path):
    _, y, _, x = arx_table(tmp_path)
    run_cli(
        capsys, "train --csv {tmp}/t.csv --column y --inputs x --save {tmp}/m.npz " + FAST, tmp_path
    )
    model = rnnc.load(tmp_path / "m.npz")
    status, out, err = run_cli(
        capsys,
        "predict --model {tmp}/m.npz --csv {tmp}/t.csv --column y --horizon 8 --until 2007Q4",
        tmp_path,
    )
    assert status == 0, err
    rows = rows_of(out)
    assert rows[0] == ["date", "forecast", "actual"] and rows[1][0] == "2008Q1"
    expected = rnnc.forecast(model, y[:112], 8, inputs=x[:120])
    assert [float(r[1]) for r in rows[1:]] == expected.tolist()
    assert [float(r[2]) for r in rows[1:]] == y[112:120].tolist()
    assert "error over the 8 known steps" in err
    # past the targets' last value, the rows are the inputs' future: not an origin
    status, _, err = run_cli(
        capsys,
        "predict --model {tmp}/m.npz --csv {tmp}/t.csv --column y --horizon 1 --until 2010Q2",
        tmp_path,
    )
    assert status == 2 and "y ends at 2009Q4" in err


@pytest.mark.parametrize("preset", ["", "--preset adam --seq-len 8 --epochs 3"])
def test_train_until_fits_what_a_file_ending_there_gives(capsys, tmp_path, preset):
    quarters, y, z, x = arx_table(tmp_path)
    inputs = "" if preset else "--inputs x"
    line = "train --csv {tmp}/%s --column y %s --save {tmp}/%s --no-plots --epochs 0 %s"
    status, _, err = run_cli(capsys, line % ("t.csv", inputs, "until.npz", preset), tmp_path)
    assert status == 0, err
    # the same table with y blank after 2007Q4 (row 112): the inputs' future follows
    rows = [
        [q, repr(float(a)) if i < 112 else "", "", repr(float(c))]
        for i, (q, a, c) in enumerate(zip(quarters, y, x, strict=True))
    ]
    write_table(tmp_path / "cut.csv", ["quarter", "y", "z", "x"], rows)
    run_cli(capsys, line % ("cut.csv", inputs, "cut.npz", preset), tmp_path)
    status, _, err = run_cli(
        capsys,
        (line % ("t.csv", inputs, "until.npz", preset)) + " --until 2007Q4",
        tmp_path,
    )
    assert status == 0, err
    until, cut = rnnc.load(tmp_path / "until.npz"), rnnc.load(tmp_path / "cut.npz")
    assert until.info["last_date"] == cut.info["last_date"] == "2007Q4"
    assert until.info.get("backtest") == cut.info.get("backtest")
    for a, b in zip(getattr(until, "models", [until]), getattr(cut, "models", [cut]), strict=True):
        for name in ("U", "V", "W", "A", "b", "offset", "scale"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    # an origin past the column's last value, or no such date, is refused
    too_few = "forecaster needs at least 8" if not preset else "3 values in 'y' up to --until 3"
    for option, words in (
        ("--until 2010Q2", "y ends at 2009Q4"),
        ("--until 1970Q1", "no such"),
        ("--until 3", too_few),
    ):
        status, _, err = run_cli(
            capsys, (line % ("t.csv", inputs, "x.npz", preset)) + " " + option, tmp_path
        )
        assert status == 2 and words in err and err.count("\n") == 1


def test_several_columns_get_a_model_each_and_a_column_group_each(capsys, tmp_path):
    _, y, z, x = arx_table(tmp_path)
    line = "train --csv {tmp}/t.csv --column y,z --inputs x --horizon 4 --save {tmp}/m-{column}.npz"
    status, out, err = run_cli(capsys, f"{line} {FAST}", tmp_path)
    assert status == 0, err
    assert "y:\n" in out and "z:\n" in out
    models = {c: rnnc.load(tmp_path / f"m-{c}.npz") for c in "yz"}
    # each from its own past and the inputs: as fit_forecaster on that column alone
    for column, series in (("y", y), ("z", z)):
        alone = rnnc.fit_forecaster(series[:120], horizon=4, inputs=x[:120], max_epochs=0)
        assert models[column].info["backtest"] == alone.info["backtest"]
    status, out, err = run_cli(
        capsys,
        "predict --model {tmp}/m-{column}.npz --csv {tmp}/t.csv --column y,z --horizon 3 "
        "--until 2009Q2 --interval 0.8",
        tmp_path,
    )
    assert status == 0, err
    rows = rows_of(out)
    assert rows[0] == [
        "date",
        *["y_forecast", "y_lower_80", "y_upper_80", "y_actual"],
        *["z_forecast", "z_lower_80", "z_upper_80", "z_actual"],
    ]
    assert [r[0] for r in rows[1:]] == ["2009Q3", "2009Q4", "2010Q1"]
    assert [r[4] for r in rows[1:]] == [repr(float(y[118])), repr(float(y[119])), ""]
    for column, series, first in (("y", y, 1), ("z", z, 5)):
        expected = rnnc.forecast(models[column], series[:118], 3, inputs=x[:121])
        assert [float(r[first]) for r in rows[1:]] == expected.tolist()
        assert f"{column}: error over the 2 known steps" in err
    # next values: a prediction and actual pair per column, labelled by date
    status, out, err = run_cli(
        capsys, "predict --model {tmp}/m-{column}.npz --csv {tmp}/t.csv --column y,z", tmp_path
    )
    rows = rows_of(out)
    assert rows[0] == ["date", "y_prediction", "y_actual", "z_prediction", "z_actual"]
    assert rows[-1][0] == "2010Q1" and rows[-1][2] == rows[-1][4] == ""  # past the end


def test_a_column_name_holding_a_comma_names_that_column(capsys, tmp_path):
    n = 60
    values, price = seasonal_series(n), np.linspace(1.0, 2.0, n + 3)
    with open(tmp_path / "c.csv", "w") as f:
        f.write('date,"sales,units","price,eur"\n')
        for i, date in enumerate(monthly(n + 3)):
            f.write(f"{date},{values[i] if i < n else ''},{price[i]}\n")
    line = "train --csv {tmp}/c.csv --column sales,units --inputs price,eur --save {tmp}/m.npz"
    status, _, err = run_cli(capsys, f"{line} --horizon 3 {FAST}", tmp_path)
    assert status == 0, err
    model = rnnc.load(tmp_path / "m.npz")
    alone = rnnc.fit_forecaster(values, horizon=3, inputs=price[:n], max_epochs=0)
    assert model.info["backtest"] == alone.info["backtest"]
    status, out, err = run_cli(
        capsys,
        "predict --model {tmp}/m.npz --csv {tmp}/c.csv --column sales,units --horizon 3",
        tmp_path,
    )
    assert status == 0, err
    expected = rnnc.forecast(model, values, 3, inputs=price)
    assert [float(r[1]) for r in rows_of(out)[1:]] == expected.tolist()


@pytest.mark.parametrize(
    "given, names",
    [
        ("sales, units", ["sales, units"]),
        ("sales, units,b", ["sales, units", "b"]),
        ("b,sales, units", ["b", "sales, units"]),
        ("x,x", ["x,x"]),
        ("y,", ["y,"]),
        ("b, x,x ,y,", ["b", "x,x", "y,"]),
        ("b,nothing,x", ["b", "nothing", "x"]),  # read_table names the missing ones
        (" b ", ["b"]),
    ],
)
def test_names_with_commas_are_read_against_the_header(tmp_path, given, names):
    from rnnc import cli

    (tmp_path / "h.csv").write_text('date,"sales, units",b,"x,x","y,",x\n2000,1,2,3,4,5\n')
    args = cli.parser().parse_args(
        ["train", "--csv", str(tmp_path / "h.csv"), "--column", given, "--save", "m.npz"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "x,x" is noted: x is a column too
        cli.whole_names(args)
    assert args.column == names


@pytest.mark.parametrize(
    "header, given, words",
    [
        ("a,b", "a,a", "--column 'a,a' names 'a' twice"),
        ("a,b", "a,,b", "--column 'a,,b' has an empty column name"),
        ('a,b,"a,,b"', "a,,b,a,,b", "--column 'a,,b,a,,b' names 'a,,b' twice"),
    ],
)
def test_names_that_no_header_joins_are_checked(capsys, tmp_path, header, given, words):
    (tmp_path / "h.csv").write_text(f"date,{header}\n2000,1,2,3\n2001,1,2,3\n")
    line = f"train --csv {{tmp}}/h.csv --column {given} --save {{tmp}}/m-{{column}}.npz"
    status, _, err = run_cli(capsys, line, tmp_path)
    assert status == 2 and err.count("\n") == 1 and words in err, err


def test_a_name_joined_from_columns_is_noted_and_a_missing_file_named(capsys, tmp_path):
    values = seasonal_series(60)
    with open(tmp_path / "j.csv", "w") as f:
        f.write('date,a,b,"a,b"\n')
        f.writelines(f"{d},{v},{v},{v}\n" for d, v in zip(monthly(60), values, strict=True))
    line = f"train --csv {{tmp}}/j.csv --column a,b --save {{tmp}}/m.npz {FAST}"
    status, _, err = run_cli(capsys, line, tmp_path)
    assert status == 0 and "note: --column 'a,b' names the column 'a,b', not its parts" in err
    line = "train --csv {tmp}/none.csv --column a,b --save {tmp}/m-{column}.npz"
    status, _, err = run_cli(capsys, line, tmp_path)
    assert status == 2 and "cannot read" in err and "none.csv" in err, err


@pytest.mark.parametrize(
    "line, words",
    [
        ("train --csv {tmp}/t.csv --column y,z --save {tmp}/m.npz", "write {column}"),
        (
            "train --csv {tmp}/t.csv --column y --inputs x,y --save {tmp}/m.npz",
            "--inputs y is also",
        ),
        ("train --csv {tmp}/t.csv --column y,y --save {tmp}/m.npz", "names 'y' twice"),
        (
            "train --csv {tmp}/t.csv --column y --inputs x --save {tmp}/m.npz --preset adam",
            "--inputs is for",
        ),
        ("train --csv {tmp}/t.csv --column y --inputs w --save {tmp}/m.npz", "no column 'w'"),
        (
            "predict --csv {tmp}/t.csv --column y,z --model {tmp}/m.npz",
            "--model {tmp}/m.npz: --column",
        ),
    ],
)
def test_column_and_input_errors_name_the_option(capsys, tmp_path, line, words):
    arx_table(tmp_path)
    status, _, err = run_cli(capsys, line, tmp_path)
    assert status == 2 and err.count("\n") == 1
    assert words.replace("{tmp}", str(tmp_path)) in err


def test_a_model_without_inputs_refuses_them(capsys, tmp_path):
    arx_table(tmp_path)
    write_dated_csv(tmp_path / "s.csv", monthly(60), seasonal_series(60))
    run_cli(capsys, "train --csv {tmp}/s.csv --column y --save {tmp}/m.npz " + FAST, tmp_path)
    status, _, err = run_cli(
        capsys, "predict --model {tmp}/m.npz --csv {tmp}/t.csv --column y --inputs x", tmp_path
    )
    assert status == 2 and "was trained without inputs" in err


# --- --until finds the step of a period; next values are labelled by date ---------------


@pytest.mark.parametrize(
    "dates, until, first",
    [
        # quarter-end days: 2001Q2 is the step dated 2001-06-30
        (
            [f"{1995 + i // 4}-{'03-31 06-30 09-30 12-31'.split()[i % 4]}" for i in range(40)],
            "2001Q2",
            "2001-09-30",
        ),
        (
            [f"{1995 + i // 4}-{'03-31 06-30 09-30 12-31'.split()[i % 4]}" for i in range(40)],
            "2001-05",
            "2001-09-30",
        ),
        # month-end days: 2001-06 is the step dated 2001-06-30
        (
            [str(np.datetime64("1998-02") + i - np.timedelta64(1, "D"))[:10] for i in range(60)],
            "2001-06",
            "2001-07-31",
        ),
        # year-end days: 2001 is the step dated 2001-12-31
        ([f"{1980 + i}-12-31" for i in range(40)], "2001", "2002-12-31"),
        # quarter starts as the file writes them: 2001-05 is in 2001Q2
        ([f"{1995 + i // 4}Q{i % 4 + 1}" for i in range(40)], "2001-05", "2001Q3"),
        # yearly steps dated mid-year: 2000 is the step dated 2000-07-01
        ([f"{1980 + i}-07-01" for i in range(40)], "2000", "2001-07-01"),
        ([f"{1980 + i}-07-01" for i in range(40)], "2000-03", "2001-07-01"),
        # quarterly steps dated mid-quarter: 2001Q2 is the step dated 2001-05-15
        (
            [f"{1995 + i // 4}-{'02 05 08 11'.split()[i % 4]}-15" for i in range(40)],
            "2001Q2",
            "2001-08-15",
        ),
        # a span of several steps ends at its last: 2002 in monthly data is 2002-12,
        # in quarterly data 2002Q4; 2000-03 in weekly data is the week of 2000-03-27
        (monthly(60), "2002", "2003-01"),
        ([f"{1995 + i // 4}Q{i % 4 + 1}" for i in range(40)], "2002", "2003Q1"),
        ([f"{1995 + i // 4}Q{i % 4 + 1}" for i in range(40)], "2002-05", "2002Q3"),
        (
            [str(np.datetime64("2000-01-03") + 7 * i) for i in range(60)],
            "2000-03",
            "2000-04-03",
        ),
    ],
)
def test_until_finds_the_step_that_holds_the_period(capsys, tmp_path, dates, until, first):
    train(capsys, tmp_path, seasonal_series(len(dates), period=4), dates, "--horizon 2")
    status, out, err = run_cli(
        capsys,
        f"predict --model {{tmp}}/m.npz --csv {{tmp}}/s.csv --column y --horizon 2 --until {until}",
        tmp_path,
    )
    assert status == 0, err
    assert rows_of(out)[1][0] == first


def test_next_values_are_labelled_by_date(capsys, tmp_path):
    values = seasonal_series(60)
    model, _ = train(capsys, tmp_path, values, monthly(60))
    status, out, err = run_cli(
        capsys, "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column y", tmp_path
    )
    assert status == 0, err
    rows = rows_of(out)
    window = model.window_len
    assert rows[0] == ["date", "prediction", "actual"]
    assert rows[1][0] == monthly(60)[window] and float(rows[1][2]) == values[window]
    assert rows[-1] == ["2005-01", rows[-1][1], ""]  # the value after the last one


@pytest.mark.parametrize("preset", ["", "--preset adam --epochs 1 --seq-len 6 --quiet"])
def test_empty_rows_after_the_last_value_are_the_future_without_inputs(capsys, tmp_path, preset):
    values = seasonal_series(48)
    write_dated_csv(tmp_path / "s.csv", monthly(50), [*map(repr, values.tolist()), "", ""])
    status, _, err = run_cli(
        capsys,
        f"train --csv {{tmp}}/s.csv --column y --save {{tmp}}/m.npz {FAST} {preset}",
        tmp_path,
    )
    assert status == 0, err
    model = rnnc.load(tmp_path / "m.npz")
    assert model.info["last_date"] == "2003-12" and model.info["training"]["max"] == max(values)
    status, out, err = run_cli(
        capsys, "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column y --horizon 2", tmp_path
    )
    assert status == 0, err
    rows = rows_of(out)
    assert [r[0] for r in rows[1:]] == ["2004-01", "2004-02"] and "actual" not in rows[0]
    expected = rnnc.forecast(model, values, 2)
    assert [float(r[1]) for r in rows[1:]] == expected.tolist()


# --- inputs a winner does not read; inputs named in another order ----------------------


def test_next_values_when_a_model_fitted_with_inputs_reads_none(capsys, tmp_path):
    rng = np.random.default_rng(0)
    b = np.cumsum(rng.normal(size=60))  # a random walk: the last value wins the backtest
    z = np.cumsum(np.random.default_rng(1).normal(size=64))
    rows = [
        [d, repr(float(v)) if i < 60 else "", repr(float(x))]
        for i, (d, v, x) in enumerate(zip(monthly(64), [*b, 0, 0, 0, 0], z, strict=True))
    ]
    write_table(tmp_path / "q.csv", ["date", "b", "z"], rows)
    status, _, err = run_cli(
        capsys,
        "train --csv {tmp}/q.csv --column b --inputs z --horizon 4 --save {tmp}/m.npz " + FAST,
        tmp_path,
    )
    assert status == 0, err
    model = rnnc.load(tmp_path / "m.npz")
    assert model.n_features == 1 and model.info["inputs"] == ["z"]  # a baseline won
    status, out, err = run_cli(
        capsys, "predict --model {tmp}/m.npz --csv {tmp}/q.csv --column b", tmp_path
    )
    assert status == 0, err
    rows = rows_of(out)
    window = model.window_len
    X = np.lib.stride_tricks.sliding_window_view(b, window)[:, :, None]
    assert [float(r[1]) for r in rows[1:]] == model.predict(X)[:, 0].tolist()
    assert rows[-1][0] == "2005-01" and rows[-1][2] == ""


def two_inputs_table(tmp_path, n=80, future=4):
    """date, y, x, w, p, q: y follows x and w (known in advance); p and q are
    copies of x and w under other names; the last `future` rows lack y."""
    rng = np.random.default_rng(5)
    x, w = np.cumsum(rng.normal(size=(2, n + future)), axis=1)
    y = np.zeros(n + future)
    for t in range(1, n + future):
        y[t] = 0.5 * y[t - 1] + 2 * x[t] - w[t] + 0.1 * rng.normal()
    rows = [
        [d, repr(float(y[i])) if i < n else "", *(repr(float(c[i])) for c in (x, w, x, w))]
        for i, d in enumerate(monthly(n + future))
    ]
    write_table(tmp_path / "t.csv", ["date", "y", "x", "w", "p", "q"], rows)
    return y[:n], np.column_stack([x, w])


@pytest.mark.parametrize("inputs", ["w,x", "w,p", "q,x"])
def test_inputs_in_another_order_than_trained_are_refused(capsys, tmp_path, inputs):
    two_inputs_table(tmp_path)
    status, _, err = run_cli(
        capsys,
        "train --csv {tmp}/t.csv --column y --inputs x,w --horizon 4 --save {tmp}/m.npz " + FAST,
        tmp_path,
    )
    assert status == 0, err
    assert rnnc.load(tmp_path / "m.npz").n_features == 3
    for horizon in ("", "--horizon 4"):
        status, out, err = run_cli(
            capsys,
            f"predict --model {{tmp}}/m.npz --csv {{tmp}}/t.csv --column y --inputs {inputs} "
            f"{horizon}",
            tmp_path,
        )
        assert status == 2 and out == "" and err.count("\n") == 1
        assert f"--inputs {inputs}:" in err and "trained with --inputs x,w, in that order" in err


def test_inputs_under_other_names_are_used_with_a_note(capsys, tmp_path):
    y, x = two_inputs_table(tmp_path)
    run_cli(
        capsys,
        "train --csv {tmp}/t.csv --column y --inputs x,w --horizon 4 --save {tmp}/m.npz " + FAST,
        tmp_path,
    )
    model = rnnc.load(tmp_path / "m.npz")
    predict = "predict --model {tmp}/m.npz --csv {tmp}/t.csv --column y --horizon 4"
    status, same, err = run_cli(capsys, f"{predict} --inputs x,w", tmp_path)
    assert status == 0 and err == ""
    assert [float(r[1]) for r in rows_of(same)[1:]] == rnnc.forecast(model, y, 4, inputs=x).tolist()
    status, out, err = run_cli(capsys, f"{predict} --inputs p,q", tmp_path)
    assert status == 0 and out == same
    assert err.count("\n") == 1 and "note: --inputs p,q stand for x,w" in err


# --- several columns: each as it would be read alone ----------------------------------


def ragged_table(tmp_path, gap=None):
    """date, a, b: 60 months of a; b ends 2 months earlier, with an empty cell
    at row `gap` (0-based) when given."""
    a, b = seasonal_series(60, seed=1), seasonal_series(60, seed=2)
    cells = [[repr(float(v)) for v in c] for c in (a, b)]
    cells[1][-2:] = ["", ""]
    if gap is not None:
        cells[1][gap] = ""
    write_table(tmp_path / "r.csv", ["date", "a", "b"], zip(monthly(60), *cells, strict=True))
    return a, b


@pytest.mark.parametrize("fill", ["", "--fill drop", "--fill previous", "--fill interpolate"])
@pytest.mark.parametrize("gap", [None, 30])
def test_each_column_gets_the_data_it_would_get_alone(capsys, tmp_path, fill, gap):
    ragged_table(tmp_path, gap)
    train = f"train --csv {{tmp}}/r.csv --horizon 2 {FAST} {fill}"
    predict = f"predict --csv {{tmp}}/r.csv {fill}"
    both = run_cli(capsys, f"{train} --column a,b --save {{tmp}}/m-{{column}}.npz", tmp_path)
    if gap is not None and not fill:  # b's gap is an error of b's, as it is alone
        assert both[0] == 2 and "b has no value at line 32" in both[2]
        return
    assert both[0] == 0, both[2]
    forecasts, nexts = {}, {}
    for column in "ab":
        status, _, err = run_cli(
            capsys, f"{train} --column {column} --save {{tmp}}/{column}.npz", tmp_path
        )
        assert status == 0, err
        alone, with_other = (rnnc.load(tmp_path / f) for f in (f"{column}.npz", f"m-{column}.npz"))
        for key in ("last_date", "training", "backtest", "winner"):
            assert with_other.info[key] == alone.info[key], (column, key)
        assert alone.info["last_date"] == ("2004-12" if column == "a" else "2004-10")
        for option, store in (("--horizon 3", forecasts), ("", nexts)):
            status, out, err = run_cli(
                capsys,
                f"{predict} {option} --column {column} --model {{tmp}}/{column}.npz",
                tmp_path,
            )
            assert status == 0, err
            store[column] = {r[0]: r[1:] for r in rows_of(out)[1:]}
    # one command for both: each column's rows as alone, "" where it has none
    for option, store in (("--horizon 3", forecasts), ("", nexts)):
        status, out, err = run_cli(
            capsys, f"{predict} {option} --column a,b --model {{tmp}}/m-{{column}}.npz", tmp_path
        )
        assert status == 0, err
        rows = rows_of(out)
        labels = sorted(set(store["a"]) | set(store["b"]))
        assert [r[0] for r in rows[1:]] == labels
        width = len(rows[0]) // 2
        for r in rows[1:]:
            assert r[1 : 1 + width] == store["a"].get(r[0], [""] * width)
            assert r[1 + width :] == store["b"].get(r[0], [""] * width)
    assert sorted(forecasts["b"]) == ["2004-11", "2004-12", "2005-01"]


def test_the_frequency_note_checks_every_model(capsys, tmp_path):
    ragged_table(tmp_path)
    quarters = [f"{1990 + i // 4}Q{i % 4 + 1}" for i in range(40)]
    write_table(
        tmp_path / "q.csv",
        ["date", "a", "b"],
        zip(quarters, seasonal_series(40, period=4), seasonal_series(40, period=4, seed=3)),
    )
    train = "train --horizon 2 " + FAST
    run_cli(capsys, f"{train} --csv {{tmp}}/q.csv --column b --save {{tmp}}/m-b.npz", tmp_path)
    run_cli(capsys, f"{train} --csv {{tmp}}/r.csv --column a --save {{tmp}}/m-a.npz", tmp_path)
    status, _, err = run_cli(
        capsys,
        "predict --csv {tmp}/r.csv --fill drop --column a,b --model {tmp}/m-{column}.npz",
        tmp_path,
    )
    assert status == 0, err
    assert err.count("\n") == 1 and "b: " in err and "trained on quarterly ones" in err


def test_steps_keep_the_files_numbers_when_rows_are_dropped(capsys, tmp_path):
    # without dates a step is named by its place in the file, also after
    # --fill drop: b's forecast had been numbered among its own 39 rows, a
    # row before a's, and --until counted the file's rows while the labels did not
    a, b = seasonal_series(40, seed=1), seasonal_series(40, seed=2)
    cells = [[repr(float(v)) for v in c] for c in (a, b)]
    cells[1][5] = ""
    write_table(tmp_path / "n.csv", ["a", "b"], zip(*cells, strict=True))
    run_cli(
        capsys,
        "train --csv {tmp}/n.csv --column a,b --fill drop --horizon 2 "
        "--save {tmp}/m-{column}.npz " + FAST,
        tmp_path,
    )
    predict = "predict --csv {tmp}/n.csv --column a,b --model {tmp}/m-{column}.npz --horizon 2"
    for fill in ("drop", "interpolate"):
        status, out, err = run_cli(capsys, f"{predict} --fill {fill}", tmp_path)
        assert status == 0, err
        assert [r[0] for r in rows_of(out)[1:]] == ["41", "42"]
        assert all(all(cells) for cells in rows_of(out)[1:])  # both columns on each row
    status, out, err = run_cli(capsys, f"{predict} --fill drop --until 30", tmp_path)
    assert status == 0, err
    assert [r[0] for r in rows_of(out)[1:]] == ["31", "32"]
    assert [float(r[-1]) for r in rows_of(out)[1:]] == pytest.approx(b[30:32])  # b's actuals


def test_predict_writes_lines_ending_in_a_newline_alone(capsys, tmp_path):
    # csv's default \r\n had left a \r on every line read from a Unix pipe
    write_table(tmp_path / "s.csv", ["y"], [[repr(float(v))] for v in seasonal_series(40)])
    run_cli(capsys, "train --csv {tmp}/s.csv --column y --save {tmp}/m.npz " + FAST, tmp_path)
    predict = "predict --csv {tmp}/s.csv --column y --model {tmp}/m.npz --horizon 3"
    status, out, err = run_cli(capsys, predict, tmp_path)
    assert status == 0, err
    assert "\r" not in out and out.count("\n") == 4
    status, _, err = run_cli(capsys, predict + " --output {tmp}/f.csv", tmp_path)
    assert status == 0, err
    assert b"\r" not in (tmp_path / "f.csv").read_bytes()


def test_until_a_day_finds_the_step_stamped_at_a_time_of_that_day(capsys, tmp_path):
    days = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-03-01"))
    write_dated_csv(tmp_path / "d.csv", [f"{d} 09:00" for d in days], seasonal_series(60, 7))
    run_cli(capsys, "train --csv {tmp}/d.csv --column y --save {tmp}/m.npz " + FAST, tmp_path)
    predict = "predict --csv {tmp}/d.csv --column y --model {tmp}/m.npz --horizon 2"
    status, out, err = run_cli(capsys, predict + " --until 2020-02-01", tmp_path)
    assert status == 0, err
    assert [r[0] for r in rows_of(out)[1:]] == ["2020-02-02 09:00", "2020-02-03 09:00"]


def test_until_in_another_utc_offset_finds_the_same_moment(capsys, tmp_path):
    # the file writes +01:00; --until in UTC or +02:00 names the same instant
    # (it had been read as the file's own time, an hour off)
    hours = np.arange(np.datetime64("2020-01-01T00", "h"), np.datetime64("2020-01-04T00", "h"))
    stamps = [f"{h}:00:00+01:00" for h in hours]
    write_dated_csv(tmp_path / "h.csv", stamps, seasonal_series(72, 24))
    run_cli(capsys, "train --csv {tmp}/h.csv --column y --save {tmp}/m.npz " + FAST, tmp_path)
    predict = "predict --csv {tmp}/h.csv --column y --model {tmp}/m.npz --horizon 1 --until "
    firsts = []
    for until in ("2020-01-02T10:00:00+01:00", "2020-01-02T09:00:00Z", "2020-01-02T11:00+02:00"):
        status, out, err = run_cli(capsys, predict + until, tmp_path)
        assert status == 0, err
        firsts.append(rows_of(out)[1][0])
    assert firsts == ["2020-01-02T11:00:00+01:00"] * 3
    write_dated_csv(tmp_path / "n.csv", [s[:19] for s in stamps], seasonal_series(72, 24))
    without = predict.replace("h.csv", "n.csv") + "2020-01-02T09:00:00Z"
    status, _, err = run_cli(capsys, without, tmp_path)
    assert status == 2 and "have no UTC offset" in err

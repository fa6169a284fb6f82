"""The rnnc command: sine, train and predict, and its one-line errors."""

import csv
import io
import re
import sys

import numpy as np
import pytest
from support import run_cli, run_python

import rnnc
from rnnc import cli

run = run_cli


def validation_rmse(out):
    return float(re.search(r"^Validation RMSE: (\S+)", out, re.M).group(1))


@pytest.mark.slow
def test_sine_default_learns_and_writes_plots(rnnc_sine):
    status, out, err, tmp_path = rnnc_sine()
    assert status == 0, err
    assert validation_rmse(out) <= 0.01
    assert out.strip().splitlines()[-1].startswith("Validation RMSE: ")
    assert len(re.findall(r"^Epoch: \d+, Loss: \S+, Validation Loss: \S+$", out, re.M)) == 100
    for name in ("training", "validation", "loss"):
        assert (tmp_path / f"sine_{name}.png").read_bytes()[:4] == b"\x89PNG"
    model = rnnc.load(tmp_path / "sine.npz")
    X, Y, Xv, Yv = cli.sine_data()
    assert np.sqrt(np.mean((model.predict(Xv) - Yv) ** 2)) == pytest.approx(
        validation_rmse(out), abs=1e-6
    )


def test_sine_tutorial_preset_and_rule_print_the_tutorials_first_epoch(capsys):
    status, out, _ = run(capsys, "sine --preset tutorial --backprop tutorial --epochs 1 --no-plots")
    assert status == 0
    loss, val = map(
        float, re.search(r"Epoch: 1, Loss: (\S+), Validation Loss: (\S+)", out).groups()
    )
    # the tutorial prints Loss: 132219.50990086797, Validation Loss: 66107.73179592531
    assert loss == pytest.approx(132219.50990086797, rel=1e-12)
    assert val == pytest.approx(66107.73179592531, rel=1e-12)


def write_series(path, values, column="level"):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["day", column])
        writer.writerows([i, v] for i, v in enumerate(values))


@pytest.mark.slow
def test_train_then_predict_on_a_csv(capsys, tmp_path):
    values = 5 + 2 * np.sin(np.arange(120) / 3)
    write_series(tmp_path / "s.csv", values)
    model_path = tmp_path / "m.npz"
    status, out, err = run(
        capsys,
        "train --csv {tmp}/s.csv --column level --preset adam --seq-len 10 --epochs 5 "
        "--save {tmp}/m.npz --out {tmp}/plots",
        tmp_path,
    )
    assert status == 0, err
    model = rnnc.load(model_path)
    assert model.seq_len == 10 and model.offset == pytest.approx(np.mean(values[: 10 + 88]))
    assert (tmp_path / "plots" / "level_loss.png").exists()

    status, out, err = run(
        capsys, "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column level", tmp_path
    )
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["row", "prediction", "actual"] and len(rows) == 1 + 120 - 10 + 1
    X, _ = rnnc.windows(values, 10)
    # a record's prediction may differ in the last bit with the batch it is computed in
    assert float(rows[1][1]) == pytest.approx(model.predict(X[:1])[0, 0], rel=1e-14)
    assert float(rows[1][2]) == values[10] and rows[-1][2] == ""
    assert rows[1][0] == "11"  # the 11th value follows the first window of 10

    forecast_csv = tmp_path / "f.csv"
    status, out, err = run(
        capsys,
        "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column level --horizon 4 "
        "--output {tmp}/f.csv --plot {tmp}/f.png",
        tmp_path,
    )
    assert status == 0, err
    rows = list(csv.reader(open(forecast_csv)))
    assert rows[0] == ["step", "forecast"]
    # numbered from 1, as --until counts: the file's values are rows 1 to 120
    assert [r[0] for r in rows[1:]] == ["121", "122", "123", "124"]
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], rnnc.forecast(model, values, 4))
    assert (tmp_path / "f.png").exists()


@pytest.mark.parametrize(
    "argv,words",
    [
        ("sine --epochs -3", "--epochs: -3 must not be negative"),
        ("sine --learning-rate nan", "--learning-rate: nan must be a positive number"),
        ("sine --preset fast", "invalid choice: 'fast'"),
        ("train --csv x.csv", "the following arguments are required"),
        # named by the options, not by rnnc.train's arguments
        (
            "sine --backprop tutorial --optimizer adam --epochs 1 --no-plots",
            "--backprop tutorial is the tutorial's rule: per-record SGD on a sigmoid "
            "network; it takes no --optimizer adam",
        ),
        ("sine --backprop tutorial --batch-size 10", "it takes no --batch-size 10"),
        ("sine --backprop tutorial --activation tanh", "it takes no --activation tanh"),
        # an option the command lacks is named by the command, whose --help lists them
        (
            "sine --seq-len 20",
            "rnnc sine: error: unrecognized arguments: --seq-len 20 (see rnnc sine --help)",
        ),
        ("frobnicate", "invalid choice: 'frobnicate'"),
        (
            "predict --model m.npz --csv s.csv --column v --horizon 1000000000",
            "--horizon: 1000000000 must be at most 100000",
        ),
    ],
)
def test_argument_errors_are_one_line(capsys, argv, words):
    status, _, err = run(capsys, argv)
    assert status == 2
    assert words in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_file_errors_are_one_line(capsys, tmp_path):
    write_series(tmp_path / "s.csv", [1.0, 2.0, 3.0])
    (tmp_path / "bad.csv").write_text("day,level\n0,1.5\n1,oops\n")
    (tmp_path / "junk.npz").write_bytes(b"not a model")
    cases = [
        ("train --csv {tmp}/missing.csv --column level --save {tmp}/m.npz", "cannot read"),
        (
            "train --csv {tmp}/s.csv --column lvl --save {tmp}/m.npz",
            "no column 'lvl'; its columns are 'day', 'level'",
        ),
        (
            "train --csv {tmp}/bad.csv --column level --save {tmp}/m.npz",
            "line 3: level is 'oops', not a number",
        ),
        (
            "train --csv {tmp}/s.csv --column level --preset adam --seq-len 5 --save {tmp}/m.npz",
            "at least one must be left to train on",
        ),
        (
            "train --csv {tmp}/s.csv --column level --save {tmp}/m.npz",
            "series must hold at least 8 values",
        ),
        (
            "train --csv {tmp}/s.csv --column level --seq-len 5 --save {tmp}/m.npz",
            "--seq-len is an option of --preset adam",
        ),
        (
            "train --csv {tmp}/s.csv --column level --preset adam --horizon 3 --save {tmp}/m.npz",
            "--horizon is for the default forecaster",
        ),
        ("predict --model {tmp}/none.npz --csv {tmp}/s.csv --column level", "no model file"),
        ("predict --model {tmp}/junk.npz --csv {tmp}/s.csv --column level", "junk.npz"),
    ]
    for argv, words in cases:
        status, _, err = run(capsys, argv, tmp_path)
        assert status == 2 and words in err, (argv, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_every_option_has_help(capsys):
    for command in ("sine", "train", "predict"):
        status, out, _ = run(capsys, f"{command} --help")
        assert status == 0
        options = re.findall(r"^\s+(--[a-z-]+)", out, re.M)
        assert len(options) >= 4
        for option in options:
            line = next(t for t in out.splitlines() if t.strip().startswith(option))
            block = out[out.index(line) :].split("\n  -")[0]
            assert len(block.split()) > 2, option  # the option and some words of help


@pytest.mark.slow
def test_the_forecasters_seed_is_the_one_its_help_names(capsys, tmp_path):
    # the help had said 12161, the tutorial's seed, which only the presets use
    help_text = " ".join(run(capsys, "train --help")[1].split())
    assert "(default: the tutorial's, 12161; the forecaster's: 0)" in help_text
    (tmp_path / "s.csv").write_text(
        "y\n" + "".join(f"{np.sin(i / 3) + i / 50}\n" for i in range(80))
    )
    train = "train --csv {tmp}/s.csv --column y --epochs 2 --no-plots --save {tmp}/"
    for name, seed in (("default", ""), ("zero", " --seed 0")):
        assert run(capsys, f"{train}{name}.npz{seed}", tmp_path)[0] == 0
    default, zero = (rnnc.load(tmp_path / f"{n}.npz") for n in ("default", "zero"))
    assert default.info["backtest"] == zero.info["backtest"]


def test_bptt_truncate_none_is_full_backpropagation(capsys, tmp_path):
    # the option had taken counts only: full BPTT, which trains every input
    # weight of the per-step layout, had no spelling on the command line
    status, _, err = run(
        capsys, "sine --bptt-truncate none --epochs 1 --no-plots --save {tmp}/m.npz", tmp_path
    )
    assert status == 0, err
    assert "will never change" not in err
    assert rnnc.load(tmp_path / "m.npz").bptt_truncate is None
    status, _, err = run(capsys, "sine --epochs 1 --no-plots", tmp_path)
    assert status == 0 and "will never change" in err


def test_python_dash_m_runs_the_same_command():
    done = run_python("-m", "rnnc", "--version")
    assert done.returncode == 0 and done.stdout.strip() == f"rnnc {rnnc.__version__}"


def test_missing_matplotlib_names_the_extra(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    status, out, err = run(capsys, "sine --epochs 1 --out {tmp}", tmp_path)
    assert status == 0 and "Validation RMSE" in out
    assert "pip install rnnc[plot]" in err and not list(tmp_path.iterdir())


def test_progress_bar_only_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    status, out, _ = run(capsys, "sine --epochs 2 --no-plots")
    assert status == 0 and "2/2 epochs" in out and "\r\033[K" in out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    status, out, _ = run(capsys, "sine --epochs 2 --no-plots")
    assert status == 0 and "epochs," not in out and "\r" not in out


def test_unreadable_model_is_one_line(capsys, tmp_path):
    write_series(tmp_path / "s.csv", np.arange(30.0))
    status, _, err = run(capsys, "predict --model {tmp} --csv {tmp}/s.csv --column level", tmp_path)
    assert status == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_outputs_never_overwrite_inputs_and_are_checked_first(capsys, tmp_path):
    write_series(tmp_path / "s.csv", np.sin(np.arange(60.0)))
    before = (tmp_path / "s.csv").read_bytes()
    cases = [
        ("train --csv {tmp}/s.csv --column level --seq-len 5 --save {tmp}/s.csv", "also an input"),
        (
            "train --csv {tmp}/s.csv --column level --seq-len 5 --save {tmp}/none/m.npz",
            "does not exist",
        ),
        ("sine --out {tmp}/s.csv --epochs 1", "is a file"),
    ]
    for argv, words in cases:
        status, out, err = run(capsys, argv, tmp_path)
        assert status == 2 and words in err and "Epoch" not in out, (argv, err)
    assert (tmp_path / "s.csv").read_bytes() == before


def test_model_is_saved_even_when_plots_cannot_be_written(capsys, tmp_path):
    write_series(tmp_path / "s.csv", np.sin(np.arange(60.0)))
    (tmp_path / "blocker").write_text("a file where the plot directory would go")
    status, _, err = run(
        capsys,
        "train --csv {tmp}/s.csv --column level --preset adam --seq-len 5 --epochs 2 "
        "--save {tmp}/m.npz --out {tmp}/blocker/x",
        tmp_path,
    )
    assert status == 2 and "cannot write plots" in err
    assert rnnc.load(tmp_path / "m.npz").seq_len == 5


def test_byte_order_mark_and_tutorial_rule_under_the_adam_preset(capsys, tmp_path):
    values = np.sin(np.arange(40.0))
    text = "level,day\n" + "".join(f"{v},{i}\n" for i, v in enumerate(values))
    (tmp_path / "bom.csv").write_bytes(text.encode("utf-8-sig"))
    status, out, err = run(
        capsys,
        "train --csv {tmp}/bom.csv --column level --preset adam --seq-len 5 --epochs 2 --no-plots "
        "--backprop tutorial --save {tmp}/m.npz",
        tmp_path,
    )
    assert status == 0, err
    assert rnnc.load(tmp_path / "m.npz").info["optimizer"] == "sgd"


# --- the default forecaster ---------------------------------------------------------


@pytest.mark.slow
def test_forecaster_train_prints_the_backtest_and_predict_uses_the_model(capsys, tmp_path):
    t = np.arange(240)
    rng = np.random.default_rng(0)
    values = 20 + 0.05 * t + 3 * np.sin(2 * np.pi * t / 12) + 0.3 * rng.normal(size=240)
    write_series(tmp_path / "s.csv", values)
    status, out, err = run(
        capsys,
        "train --csv {tmp}/s.csv --column level --horizon 6 --save {tmp}/m.npz --out {tmp}/plots",
        tmp_path,
    )
    assert status == 0, err
    model = rnnc.load(tmp_path / "m.npz")
    assert model.info["horizon"] == 6 and model.info["period"] == 12  # detected
    for name in ("last value", "seasonal naive", "linear AR", "RNN("):
        assert re.search(rf"^  {re.escape(name)}.*\s(\d+\.\d{{3}}|n/a)", out, re.M), name
    assert "<- chosen" in out and "trained in" in out
    assert ("A baseline won" in out) == model.info["baseline_won"]
    assert (tmp_path / "plots" / "level_forecast.png").exists()

    status, out, err = run(
        capsys, "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column level --horizon 6", tmp_path
    )
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], rnnc.forecast(model, values, 6))
    # next-value predictions read windows of window_len values (differencing included)
    status, out, err = run(
        capsys, "predict --model {tmp}/m.npz --csv {tmp}/s.csv --column level", tmp_path
    )
    assert status == 0, err
    assert len(list(csv.reader(io.StringIO(out)))) == 1 + 240 - model.window_len + 1


def test_forecaster_says_plainly_when_a_baseline_won(capsys, tmp_path):
    values = np.resize([3.0, 1.0, 4.0, 1.0, 5.0], 60)
    write_series(tmp_path / "s.csv", values)
    status, out, err = run(
        capsys,
        "train --csv {tmp}/s.csv --column level --period 5 --horizon 5 --epochs 2 --no-plots "
        "--save {tmp}/m.npz",
        tmp_path,
    )
    assert status == 0, err
    assert (
        "A baseline won: no candidate beat seasonal naive clearly, so the saved model is "
        "seasonal naive itself." in out
    )
    model = rnnc.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(rnnc.forecast(model, values, 5), values[-5:])


def test_without_dates_a_series_with_no_season_found_gets_a_note_on_period(capsys, tmp_path):
    # 40 values of a 12-step season: a quarter of them reaches lag 9 only
    t = np.arange(40)
    values = 10 + 3 * np.sin(2 * np.pi * t / 12) + 0.1 * np.random.default_rng(1).normal(size=40)
    write_series(tmp_path / "s.csv", values)
    command = "train --csv {tmp}/s.csv --column level --epochs 0 --no-plots --save {tmp}/m.npz"
    status, out, err = run(capsys, command, tmp_path)
    assert status == 0, err
    assert "note: no dates and no season found (lags up to 9," in out and "--period" in out
    status, out, err = run(capsys, command + " --period 12", tmp_path)  # given: no note
    assert status == 0, err
    assert "no season found" not in out


def spy_on_train(monkeypatch):
    """The keywords of the last rnnc.train call the command makes."""
    seen = {}
    real_train = rnnc.train

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(rnnc, "train", spy)
    return seen


@pytest.mark.parametrize("preset, shuffled", [("adam", True), ("rnnc", True), ("tutorial", False)])
def test_presets_shuffle_the_windows_except_the_tutorials(
    capsys, tmp_path, monkeypatch, preset, shuffled
):
    seen = spy_on_train(monkeypatch)
    write_series(tmp_path / "s.csv", np.sin(np.arange(40.0)))
    status, _, err = run(
        capsys,
        f"train --csv {{tmp}}/s.csv --column level --preset {preset} --seq-len 5 --epochs 1 "
        "--no-plots --save {tmp}/m.npz",
        tmp_path,
    )
    assert status == 0, err
    assert seen["shuffle"] is shuffled


def test_sine_keeps_its_order(capsys, monkeypatch):
    seen = spy_on_train(monkeypatch)
    status, _, err = run(capsys, "sine --epochs 1 --no-plots")
    assert status == 0, err
    assert seen["shuffle"] is False


def test_warnings_are_one_line_notes(capsys):
    status, _, err = run(capsys, "sine --epochs 1 --no-plots --quiet")
    assert status == 0
    assert (
        err.startswith("rnnc sine: note: U columns 0..43 (of 50, one per step) will never change")
        and len(err.strip().splitlines()) == 1
    )
    status, _, err = run(capsys, "sine --epochs 1 --no-plots --quiet --bptt-truncate 49")
    assert status == 0 and err == ""


def test_rmse_of_values_near_the_largest_float():
    from rnnc.cli import fixed, mae, rmse

    with np.errstate(all="raise"):
        assert rmse([1e308, -1e308], [0.0, 0.0]) == pytest.approx(1e308)
        assert rmse([1e308], [-1e308]) == float("inf")  # the error itself is beyond float64
        assert rmse([1.0, 2.0], [1.0, 4.0]) == 2**0.5  # the plain sum where it fits
        assert mae([1.7e308, -1.7e308], [0.0, 0.0]) == pytest.approx(1.7e308)
        assert mae([1.0, 2.0], [1.0, 4.0]) == 1.0
    assert (fixed(0.0021), fixed(1.5e300)) == ("0.002100", "1.5e+300")


def test_a_series_near_the_largest_float_gives_an_error_not_numpy_warnings(capsys, tmp_path):
    import warnings

    write_series(tmp_path / "big.csv", [1e308] * 30 + [-1e308] * 30, column="value")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        status, out, err = run(
            capsys,
            "train --preset tutorial --seq-len 5 --epochs 2 --csv {tmp}/big.csv --column value "
            "--save {tmp}/m.npz --out {tmp}/plots",
            tmp_path,
        )
    # the fit's predictions, in raw units, are beyond float64: said so in one line
    assert status == 2
    assert err.strip().splitlines()[-1] == (
        "rnnc train: error: a prediction is beyond float64's range in raw units (the "
        "network's output times the model's scale, plus its offset, overflows)"
    )

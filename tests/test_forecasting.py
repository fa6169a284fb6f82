"""rnnc.forecasting: windows as the tutorial builds them; forecast against a plain
step-by-step loop over rnnc.reference."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnc.core
from rnnc import reference
from rnnc.forecasting import forecast, windows
from rnnc.model import Model

# --- windows --------------------------------------------------------------------------


def tutorial_windows(series, seq_len):
    """The tutorial's loop, for one feature."""
    X, Y = [], []
    for i in range(len(series) - seq_len):
        X.append(series[i : i + seq_len])
        Y.append(series[i + seq_len])
    return np.expand_dims(np.array(X), axis=2), np.expand_dims(np.array(Y), axis=1)


@settings(max_examples=60, deadline=None)
@given(n_steps=st.integers(2, 40), data=st.data())
def test_windows_match_the_tutorial(n_steps, data):
    seq_len = data.draw(st.integers(1, n_steps - 1))
    series = np.random.default_rng(n_steps).normal(size=n_steps)
    X, Y = windows(series, seq_len)
    X_tutorial, Y_tutorial = tutorial_windows(series, seq_len)
    assert X.shape == (n_steps - seq_len, seq_len, 1) and Y.shape == (n_steps - seq_len, 1)
    np.testing.assert_array_equal(X, X_tutorial)
    np.testing.assert_array_equal(Y, Y_tutorial)


def test_windows_of_the_tutorial_sine_wave():
    sin_wave = np.array([np.sin(x) for x in np.arange(200)])
    X, Y = windows(sin_wave[:150], 50)
    assert X.shape == (100, 50, 1) and Y.shape == (100, 1)
    assert X[99, 0, 0] == sin_wave[99] and Y[99, 0] == sin_wave[149]


def test_windows_of_several_features():
    series = np.arange(30.0).reshape(10, 3)
    X, Y = windows(series, 4)
    assert X.shape == (6, 4, 3) and Y.shape == (6, 3)
    for i in range(6):
        np.testing.assert_array_equal(X[i], series[i : i + 4])
        np.testing.assert_array_equal(Y[i], series[i + 4])


def test_windows_are_contiguous_copies():
    series = np.arange(8.0)
    X, Y = windows(series, 3)
    assert X.flags.c_contiguous and X.flags.writeable and Y.flags.c_contiguous
    X[0, 0, 0] = Y[0, 0] = -1
    np.testing.assert_array_equal(series, np.arange(8.0))


@pytest.mark.parametrize(
    "series, dtype",
    [
        (np.arange(5, dtype=np.float32), np.float32),
        (np.arange(5, dtype=np.int64), np.float64),
        (np.arange(5, dtype=np.uint8), np.float64),
        ([0, 1, 2, 3, 4], np.float64),
    ],
)
def test_windows_dtype(series, dtype):
    X, Y = windows(series, 2)
    assert X.dtype == dtype and Y.dtype == dtype
    np.testing.assert_array_equal(X[:, :, 0], [[0, 1], [1, 2], [2, 3]])
    np.testing.assert_array_equal(Y[:, 0], [2, 3, 4])


def test_windows_feed_train_and_predict():
    series = np.sin(np.arange(40) / 3)
    X, Y = windows(series, 5)
    rng = np.random.default_rng(1)
    U, V, W = rng.normal(size=(3, 5)), rng.normal(size=(1, 3)), rng.normal(size=(3, 3)) / 3
    rnnc.core.train(U, V, W, X, Y, None, None, max_epochs=2, verbose=False)
    assert rnnc.core.predict(U, V, W, X).shape == Y.shape


@pytest.mark.parametrize(
    "series, seq_len, error, message",
    [
        (np.arange(5.0), 0, ValueError, "seq_len must be at least 1, got 0"),
        (np.arange(5.0), -2, ValueError, "seq_len must be >= 0"),
        (np.arange(5.0), 2.0, TypeError, "seq_len must be an integer"),
        (np.arange(5.0), True, TypeError, "seq_len must be an integer"),
        (np.arange(5.0), 5, ValueError, "series must have at least seq_len \\+ 1 = 6 steps.*got 5"),
        (np.zeros(0), 1, ValueError, "series must have at least"),
        (np.float64(3.0), 1, ValueError, "series must be 1-D .* or 2-D"),
        (np.zeros((6, 2, 1)), 1, ValueError, "series must be 1-D .* got shape \\(6, 2, 1\\)"),
        (np.zeros((6, 0)), 1, ValueError, "series has no features"),
        (np.array([0, 1, np.nan, 3]), 1, ValueError, "series holds a non-finite value"),
        (np.array([0, 1, 2, -np.inf]), 1, ValueError, "series holds a non-finite value"),
        (["a", "b", "c"], 1, TypeError, "series must hold real numbers"),
        (np.arange(4) + 0j, 1, TypeError, "series must hold real numbers, got complex"),
        ([[1, 2], [3]], 1, TypeError, "series must be an array of numbers"),
    ],
)
def test_windows_errors(series, seq_len, error, message):
    with pytest.raises(error, match=message):
        windows(series, seq_len)


# --- forecast -------------------------------------------------------------------------


def univariate_model(
    rng, layout, seq_len=6, hidden=5, dtype=np.float64, offset=2.0, scale=0.5, activation="sigmoid"
):
    U = rng.normal(size=(hidden, seq_len if layout == "per_step" else 1))
    V = rng.normal(size=(1, hidden))
    W = rng.normal(size=(hidden, hidden)) / np.sqrt(hidden)
    return Model(
        U.astype(dtype),
        V.astype(dtype),
        W.astype(dtype),
        seq_len=seq_len,
        layout=layout,
        activation=activation,
        offset=offset,
        scale=scale,
    )


def plain_forecast(model, history, horizon):
    """One step at a time with rnnc.reference, scaling by hand, in raw units."""
    values = list(history)
    for _ in range(horizon):
        x = (np.array(values[-model.seq_len :]) - model.offset) / model.scale
        h = reference.hidden_states(
            model.U, model.W, x[:, None].astype(model.W.dtype), model.activation
        )
        values.append(model.offset + model.scale * float((model.V @ h[-1])[0]))
    return np.array(values[len(history) :])


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("layout", ["per_step", "shared"])
@pytest.mark.parametrize("horizon", [1, 2, 17])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_forecast_matches_a_plain_loop(rng, layout, horizon, dtype, tolerance, activation):
    model = univariate_model(
        rng, layout, dtype=dtype, offset=-3.0, scale=4.0, activation=activation
    )
    history = rng.normal(-3.0, 4.0, size=model.seq_len + 4)
    predicted = forecast(model, history, horizon)
    expected = plain_forecast(model, history, horizon)
    assert predicted.shape == (horizon,) and predicted.dtype == np.float64
    # V @ h_T may cancel; its rounding error scales with sum |V| (h is bounded by 1)
    output_scale = model.scale * np.abs(model.V).sum()
    assert np.max(np.abs(predicted - expected)) < tolerance * output_scale
    # the loop feeds predictions back: the steps differ from one another
    assert horizon == 1 or np.ptp(predicted) > 1e-6


@pytest.mark.parametrize("layout", ["per_step", "shared"])
def test_first_step_is_predict_on_the_last_window(rng, layout):
    model = univariate_model(rng, layout)
    history = rng.normal(size=20)
    first = forecast(model, history, 3)[0]
    assert first == model.predict(history[-model.seq_len :][None, :, None])[0, 0]


def test_forecast_uses_only_the_last_seq_len_values(rng):
    model = univariate_model(rng, "per_step")
    history = rng.normal(size=model.seq_len)
    longer = np.concatenate([rng.normal(size=30), history])
    np.testing.assert_array_equal(forecast(model, longer, 5), forecast(model, history, 5))


def test_forecast_in_raw_units(rng):
    """Shifting and stretching the history and the scaling together shifts and
    stretches the forecast: the network sees the same values."""
    model = univariate_model(rng, "shared", offset=0.0, scale=1.0)
    history = rng.normal(size=10)
    moved = Model(
        model.U, model.V, model.W, seq_len=model.seq_len, layout="shared", offset=100.0, scale=8.0
    )
    np.testing.assert_allclose(
        forecast(moved, 100.0 + 8.0 * history, 6),
        100.0 + 8.0 * forecast(model, history, 6),
        rtol=1e-12,
    )


def test_forecast_leaves_history_alone(rng):
    model = univariate_model(rng, "per_step")
    history = rng.normal(size=8)
    kept = history.copy()
    forecast(model, history, 4)
    np.testing.assert_array_equal(history, kept)


def test_forecast_accepts_lists_and_integers(rng):
    model = univariate_model(rng, "per_step", seq_len=3)
    np.testing.assert_array_equal(
        forecast(model, [1, 2, 3], 2), forecast(model, np.array([1.0, 2.0, 3.0]), 2)
    )


def test_forecast_overflow_is_reported(rng):
    model = univariate_model(rng, "per_step", offset=0.0, scale=1e308)
    model.V[:] = 10.0
    with pytest.raises(FloatingPointError, match="forecast step 1 is not finite"):
        forecast(model, np.zeros(model.seq_len), 3)


@pytest.mark.parametrize(
    "history, horizon, error, message",
    [
        (np.zeros(6), 0, ValueError, "horizon must be at least 1, got 0"),
        (np.zeros(6), 100_001, ValueError, "horizon must be at most 100000, got 100001"),
        (np.zeros(6), 10**20, ValueError, "horizon must be at most 100000"),
        (np.zeros(6), -1, ValueError, "horizon must be at least 1, got -1"),
        (np.zeros(6), 2.0, TypeError, "horizon must be an integer"),
        (np.zeros(6), True, TypeError, "horizon must be an integer"),
        (np.zeros(6), "3", TypeError, "horizon must be an integer"),
        (np.zeros(5), 1, ValueError, "history must hold at least seq_len = 6 values, got 5"),
        (np.zeros((6, 1)), 1, ValueError, "history must be 1-D"),
        (np.r_[np.zeros(5), np.nan], 1, ValueError, "history holds a non-finite value"),
        (np.r_[np.zeros(5), np.inf], 1, ValueError, "history holds a non-finite value"),
        (["a"] * 6, 1, TypeError, "history must hold real numbers"),
    ],
)
def test_forecast_errors(rng, history, horizon, error, message):
    with pytest.raises(error, match=message):
        forecast(univariate_model(rng, "per_step"), history, horizon)


def test_forecast_needs_a_univariate_model(rng):
    model = univariate_model(rng, "shared")
    two_outputs = Model(model.U, np.vstack([model.V, model.V]), model.W, seq_len=6, layout="shared")
    two_features = Model(
        np.hstack([model.U, model.U]), model.V, model.W, seq_len=6, layout="shared"
    )
    for bad, what in (
        (two_outputs, "1 feature.*output_dim 2"),
        (two_features, "2 feature.*output_dim 1"),
    ):
        with pytest.raises(ValueError, match="output_dim 1 and one input feature.* got " + what):
            forecast(bad, np.zeros(6), 1)
    with pytest.raises(TypeError, match="model must be an rnnc.Model"):
        forecast((model.U, model.V, model.W), np.zeros(6), 1)


def test_model_predict_refuses_data_of_another_layout(rng):
    per_step = univariate_model(rng, "per_step", seq_len=6)
    with pytest.raises(ValueError, match="windows of 6 values"):
        per_step.predict(np.ones((2, 3, 6)))
    shared = univariate_model(rng, "shared")
    with pytest.raises(ValueError, match="1 features per step"):
        shared.predict(np.ones((2, 6, 2)))
    assert shared.predict(np.ones((2, 9, 1))).shape == (2, 1)  # any length


# --- inputs: their future values are required -------------------------------------------


def arx_model():
    from rnnc.forecaster import fit_linear_arx

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    y = np.cumsum(rng.normal(size=60)) + x[:, 0]
    return fit_linear_arx(y, x, 2, (1,)), y, x


def test_forecast_reads_the_inputs_of_each_step_and_the_steps_before():
    model, y, x = arx_model()
    future = np.random.default_rng(1).normal(size=(3, 2))
    inputs = np.vstack([x, future])
    path = forecast(model, y, 3, inputs=inputs)
    # one step at a time with model.predict: window rows (y_t, x_{t+1})
    series = list(y)
    for _ in range(3):
        n = len(series)
        rows = np.column_stack([series[n - 3 : n], inputs[n - 2 : n + 1]])
        series.append(model.predict(rows[None])[0, 0])
    np.testing.assert_allclose(path, series[60:], rtol=1e-12)
    # the forecast of step 2 moves with the inputs of step 2, not before
    later = inputs.copy()
    later[61] += 1.0
    moved = forecast(model, y, 3, inputs=later)
    assert moved[0] == path[0] and moved[1] != path[1]


@pytest.mark.parametrize(
    "inputs, message",
    [
        (None, r"inputs is required: the model was fitted with 2 input\(s\).*\(63, 2\)"),
        (np.zeros((61, 2)), r"got 61: 2 future value\(s\) missing"),
        (np.zeros((60, 2)), r"required: rnnc does not forecast inputs\), got 60: 3 future"),
        (np.zeros((64, 2)), "got 64: 4 rows after the history for a horizon of 3"),
        (np.zeros((63, 3)), r"inputs must be \(len\(history\) \+ horizon, 2\)"),
        (np.full((63, 2), np.inf), "inputs holds a non-finite value"),
    ],
)
def test_missing_future_inputs_are_counted(inputs, message):
    model, y, _ = arx_model()
    with pytest.raises(ValueError, match=message):
        forecast(model, y, 3, inputs=inputs)


def test_inputs_for_a_model_without_them_are_refused(rng):
    with pytest.raises(ValueError, match="fitted without inputs"):
        forecast(univariate_model(rng, "shared"), np.zeros(8), 1, inputs=np.zeros((9, 1)))


def test_a_combination_near_the_largest_float_forecasts_the_mean_of_its_models():
    # each model's forecast is finite, their sum is not: the mean is still right
    from rnnc.forecaster import naive_model

    history = np.r_[np.ones(5), 1.5e308, 1.6e308]
    combined = rnnc.Combination([naive_model(1), naive_model(2)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = forecast(combined, history, 3)
    np.testing.assert_allclose(path, [1.55e308, 1.6e308, 1.55e308], rtol=1e-15)


def test_interval_bounds_past_the_largest_float_are_an_error_not_inf():
    from rnnc.forecaster import naive_model

    model = naive_model(1)
    model.info = dict(residuals=[[1.5e308] * 3] * 19)
    history = np.r_[np.ones(5), 1.6e308]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FloatingPointError, match="the 0.8 interval's bounds are beyond"):
            forecast(model, history, 3, levels=0.8)
        # where too few origins back a level, its interval is unbounded by design
        wide = forecast(model, history, 3, levels=0.99)
    assert np.all(wide.intervals[0.99][1] == np.inf)


def test_an_exact_trend_continued_is_not_called_unusual():
    # the training steps differ by rounding alone (about 1e-15 of the values), the
    # history's not at all: that is no change in spread
    y = np.arange(30.0) * 3 + 7
    model = rnnc.fit_forecaster(y, horizon=3, max_epochs=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecast(model, np.arange(31.0) * 3 + 7, 3)
    # steps of varying size after a fit on equal ones are unusual
    noisy = np.arange(31.0) * 3 + 7 + np.random.default_rng(0).normal(size=31)
    with pytest.warns(UserWarning, match="by varying amounts, where the series .* equal steps"):
        forecast(model, noisy, 3)
    # and equal steps after a fit on varying ones are said to be equal, not "0 times"
    varying = rnnc.fit_forecaster(noisy, horizon=3, max_epochs=0)
    with pytest.warns(UserWarning, match="move by equal steps, where the series .* varying ones"):
        forecast(varying, np.arange(40.0) * 3 + 7, 3)


def test_a_combination_of_arx_models_forecasts_the_mean_of_theirs():
    from rnnc.forecaster import fit_linear_arx

    model, y, x = arx_model()
    other = fit_linear_arx(y, x, 4, ())
    combined = rnnc.Combination([model, other])
    inputs = np.vstack([x, np.ones((5, 2))])
    expected = (forecast(model, y, 5, inputs=inputs) + forecast(other, y, 5, inputs=inputs)) / 2
    np.testing.assert_allclose(forecast(combined, y, 5, inputs=inputs), expected, rtol=1e-12)

"""rnnc.RNNRegressor: scikit-learn's check suite, learning, 3-D input, continuing
training, pickling, threads, divergence, and the optional-extra import."""

import inspect
import pickle
import re
import threading

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="RNNRegressor needs scikit-learn (pip install rnnc[sklearn])")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.utils.estimator_checks import (
    check_regressors_train,  # noqa: E402
    parametrize_with_checks,
)
from support import run_python  # noqa: E402

import rnnc  # noqa: E402
from rnnc.estimator import RNNRegressor  # noqa: E402

# Small enough that the whole suite runs in seconds; tanh because it learns
# check_regressors_train's one informative step (5 steps before the end) in
# 20 epochs at hidden_dim=8, where the default sigmoid needs more of both.
SMALL = dict(hidden_dim=8, activation="tanh", max_epochs=20)


def expected_failed_checks(estimator):
    if estimator.layout == "per_step":
        return {}
    reason = (
        'layout="shared" reads sequences of any length: the columns of 2-D X are '
        "time steps, so predict and partial_fit accept another n_timesteps than fit "
        '(layout="per_step" enforces n_features_in_ and passes this check)'
    )
    return {
        "check_n_features_in_after_fitting": reason,
        "check_estimators_partial_fit_n_features": reason,
    }


# an expected failure that passes is an error, where scikit-learn can say so (1.8+)
STRICT = (
    {"xfail_strict": True}
    if "xfail_strict" in inspect.signature(parametrize_with_checks).parameters
    else {}
)


@pytest.mark.slow
@parametrize_with_checks(
    [RNNRegressor(**SMALL), RNNRegressor(layout="per_step", **SMALL)],
    expected_failed_checks=expected_failed_checks,
    **STRICT,
)
def test_sklearn_check_suite(estimator, check):
    check(estimator)


@pytest.mark.slow
def test_default_settings_pass_check_regressors_train():
    # R^2 > 0.5 on scikit-learn's noisy one-informative-feature data, with the defaults
    check_regressors_train("RNNRegressor", RNNRegressor())


def sine_windows(n, T, step=0.1):
    wave = np.sin(step * np.arange(n + T))
    return np.stack([wave[i : i + T] for i in range(n)]), wave[T : T + n]


def test_defaults_learn_sine_next_value():
    X, y = sine_windows(300, 20)
    est = RNNRegressor(random_state=0).fit(X[:210], y[:210])
    rmse = np.sqrt(np.mean((est.predict(X[210:]) - y[210:]) ** 2))
    assert rmse < 0.01
    assert est.loss_curve_[-1] < est.loss_curve_[0] / 100


def test_defaults_learn_noisy_linear_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 10))
    y = X @ rng.normal(size=10) + 0.3 * np.tanh(X[:, -1]) + 0.1 * rng.normal(size=300)
    est = RNNRegressor(random_state=0).fit(X[:210], y[:210])
    assert est.score(X[210:], y[210:]) > 0.95


@pytest.fixture
def data3d():
    """y depends on all three features and on several steps."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 6, 3))
    y = np.stack([X[:, -1, 0] - X[:, -2, 1], X[:, :, 2].mean(axis=1)], axis=1)
    return X, y


def test_three_d_input_and_multi_output(data3d):
    X, y = data3d
    est = RNNRegressor(hidden_dim=16, max_epochs=60, random_state=0).fit(X, y)
    assert est.__sklearn_tags__().input_tags.three_d_array
    assert (est.n_features_in_, est.n_features_per_step_, est.n_outputs_) == (6, 3, 2)
    assert est.U_.shape == (16, 3) and est.V_.shape == (2, 16) and est.W_.shape == (16, 16)
    assert est.predict(X).shape == (120, 2)
    assert est.score(X, y) > 0.9
    assert est.predict(X[:, :4]).shape == (120, 2)  # the shared layout reads any length
    with pytest.raises(
        ValueError, match="X has 2 features per step, but RNNRegressor was fitted with 3"
    ):
        est.predict(X[:, :, :2])
    with pytest.raises(ValueError, match=re.escape("must be (n_samples, n_timesteps) or")):
        est.predict(X[..., None])


def test_two_d_is_one_feature_per_step():
    X, y = sine_windows(60, 8)
    a = RNNRegressor(hidden_dim=8, max_epochs=3, random_state=0).fit(X, y)
    b = RNNRegressor(hidden_dim=8, max_epochs=3, random_state=0).fit(X[:, :, None], y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X[:, :, None]))
    np.testing.assert_array_equal(a.predict(X), a.predict(X[:, :, None]))
    assert a.n_features_in_ == b.n_features_in_ == 8
    # y as a column: predictions keep its shape
    c = RNNRegressor(hidden_dim=8, max_epochs=3, random_state=0).fit(X, y[:, None])
    assert c.predict(X).shape == (60, 1)
    np.testing.assert_array_equal(c.predict(X)[:, 0], a.predict(X))


def test_per_step_layout_needs_the_fit_length():
    X, y = sine_windows(60, 8)
    est = RNNRegressor(layout="per_step", hidden_dim=8, max_epochs=3, random_state=0)
    est.fit(X, y)
    assert est.U_.shape == (8, 8)
    for short in (X[:, 1:], X[:, 1:, None]):
        with pytest.raises(
            ValueError,
            match="X has 7 features, but RNNRegressor is expecting "
            '8 features as input: layout="per_step" has '
            "one input weight per time step",
        ):
            est.predict(short)
    with pytest.raises(ValueError, match="reads one value per step"):
        est.fit(np.stack([X, X], axis=2), y)


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(layout="stacked"), ValueError, "layout must be one of 'per_step', 'shared'"),
        (dict(activation="relu"), ValueError, "activation must be one of"),
        (dict(optimizer="rmsprop"), ValueError, "optimizer must be one of 'sgd', 'adam'"),
        (dict(hidden_dim=0), ValueError, "hidden_dim must be at least 1"),
        (dict(hidden_dim=2.5), TypeError, "hidden_dim must be an integer"),
        (dict(learning_rate=0), ValueError, "learning_rate must be a finite positive number"),
        (dict(learning_rate=float("nan")), ValueError, "learning_rate must be a finite"),
        (dict(max_epochs=-1), ValueError, "max_epochs must be >= 0"),
        (dict(bptt_truncate=-2), ValueError, "bptt_truncate must be >= 0"),
        (dict(min_clip_val=1, max_clip_val=-1), ValueError, "must not exceed max_clip_val"),
        (dict(n_threads=0), ValueError, "n_threads must be None or at least 1"),
        (dict(shuffle="yes"), TypeError, "shuffle must be a bool"),
    ],
)
def test_bad_hyperparameters_are_named(params, error, match):
    X, y = sine_windows(20, 5)
    with pytest.raises(error, match=match):
        RNNRegressor(**params).fit(X, y)


def test_partial_fit_continues_like_fit():
    # with the same seed, fit(3 epochs) == fit(1 epoch) + 2 partial_fits: same
    # initial weights, same shuffles, and Adam's moments carried along
    X, y = sine_windows(80, 10)
    whole = RNNRegressor(hidden_dim=8, max_epochs=3, random_state=0).fit(X, y)
    steps = RNNRegressor(hidden_dim=8, max_epochs=1, random_state=0).fit(X, y)
    steps.partial_fit(X, y).partial_fit(X, y)
    for name in ("U_", "V_", "W_"):
        np.testing.assert_array_equal(getattr(steps, name), getattr(whole, name))
    assert steps.n_iter_ == 3 and steps.loss_curve_ == whole.loss_curve_
    assert isinstance(steps.optimizer_state_, rnnc.AdamState)
    assert steps.optimizer_state_.step == 3 * len(X)
    # partial_fit on an unfitted estimator starts it: one epoch
    first = RNNRegressor(hidden_dim=8, random_state=0).partial_fit(X, y)
    assert first.n_iter_ == 1 and len(first.loss_curve_) == 1


def test_warm_start_continues_from_the_fitted_weights():
    X, y = sine_windows(80, 10)
    params = dict(hidden_dim=8, max_epochs=2, shuffle=False, random_state=0)
    whole = RNNRegressor(**{**params, "max_epochs": 4}).fit(X, y)
    warm = RNNRegressor(warm_start=True, **params).fit(X, y).fit(X, y)
    np.testing.assert_array_equal(warm.W_, whole.W_)
    assert warm.n_iter_ == 4 and len(warm.loss_curve_) == 4
    cold = RNNRegressor(**params).fit(X, y).fit(X, y)  # warm_start=False starts again
    assert cold.n_iter_ == 2
    warm.set_params(hidden_dim=9)
    with pytest.raises(
        ValueError,
        match="cannot continue training: the fitted weights are "
        "for hidden_dim=8, layout=.shared., not hidden_dim=9",
    ):
        warm.fit(X, y)
    np.testing.assert_array_equal(warm.W_, whole.W_)  # the failed call changed nothing


def test_predict_follows_the_fit_not_later_set_params():
    X, y = sine_windows(40, 6)
    est = RNNRegressor(hidden_dim=4, max_epochs=2, random_state=0).fit(X, y)
    prediction = est.predict(X)
    est.set_params(activation="tanh", layout="per_step", hidden_dim=5)
    np.testing.assert_array_equal(est.predict(X), prediction)
    np.testing.assert_array_equal(
        est.predict(X[:, 2:]),
        clone(est)
        .set_params(activation="sigmoid", layout="shared", hidden_dim=4)
        .fit(X, y)
        .predict(X[:, 2:]),
    )


def test_divergence_raises_and_leaves_the_estimator_as_it_was():
    X, y = sine_windows(30, 6)
    wild = dict(optimizer="sgd", learning_rate=1e150, min_clip_val=-1e150, max_clip_val=1e150)
    est = RNNRegressor(hidden_dim=4, max_epochs=3, random_state=0, **wild)
    with pytest.raises(
        FloatingPointError, match="training diverged in epoch 1, so the estimator is left as it was"
    ):
        est.fit(X, y)
    assert not hasattr(est, "U_") and not hasattr(est, "n_features_in_")

    est.set_params(optimizer="adam", learning_rate=1e-3, min_clip_val=-1, max_clip_val=1)
    est.fit(X, y)
    before = {k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in vars(est).items()}
    prediction = est.predict(X)
    est.set_params(warm_start=True, **wild)
    with pytest.raises(FloatingPointError, match="diverged in epoch 4"):
        est.fit(X, y)
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 3
    np.testing.assert_array_equal(est.predict(X), prediction)
    assert before.keys() == vars(est).keys()


def test_interrupted_fit_leaves_the_estimator_as_it_was(monkeypatch):
    X, y = sine_windows(40, 6)
    est = RNNRegressor(hidden_dim=4, max_epochs=2, random_state=0).fit(X, y)
    prediction = est.predict(X)
    epochs = []

    def interrupt_in_the_second_epoch(epoch, loss, validation_loss):
        epochs.append(epoch)
        if epoch == 2:
            raise KeyboardInterrupt

    def train_with_interruption(*args, **kwargs):
        return rnnc.train(*args, **{**kwargs, "callback": interrupt_in_the_second_epoch})

    monkeypatch.setattr("rnnc.estimator.train", train_with_interruption)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)  # a new fit: new weights, interrupted in its second epoch
    assert epochs == [1, 2] and est.n_iter_ == 2
    np.testing.assert_array_equal(est.predict(X), prediction)


def test_predictions_stay_finite_or_raise():
    X, y = sine_windows(40, 6)
    est = RNNRegressor(hidden_dim=4, max_epochs=2, random_state=0).fit(X, y)
    assert np.all(np.isfinite(est.predict(X * 1e300)))  # saturated, not NaN
    with pytest.raises(ValueError, match="Input X contains infinity"):
        est.predict(np.full_like(X, np.inf))


def test_pickle_round_trip():
    X, y = sine_windows(80, 10)
    est = RNNRegressor(hidden_dim=8, max_epochs=3, random_state=0).fit(X, y)
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(copy.predict(X), est.predict(X))
    # and it continues training exactly as the original does
    np.testing.assert_array_equal(
        copy.partial_fit(X, y).predict(X), est.partial_fit(X, y).predict(X)
    )


def test_fits_in_threads_match_sequential_fits():
    # rnnc.train's kernels run without the GIL; two fits at once must not
    # interfere: each gives exactly what it gives alone
    X, y = sine_windows(150, 20)
    estimators = [RNNRegressor(hidden_dim=16, max_epochs=8, random_state=seed) for seed in (0, 1)]
    alone = [clone(e).fit(X, y).predict(X) for e in estimators]
    start = threading.Barrier(2)

    def fit(e):
        start.wait()
        e.fit(X, y)

    threads = [threading.Thread(target=fit, args=(e,)) for e in estimators]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e, expected in zip(estimators, alone):
        np.testing.assert_array_equal(e.predict(X), expected)


@pytest.mark.slow
def test_grid_search_with_two_jobs():
    X, y = sine_windows(120, 10)
    grid = {"hidden_dim": [4, 8], "learning_rate": [1e-3, 1e-2]}
    base = RNNRegressor(max_epochs=5, random_state=0)
    parallel = GridSearchCV(base, grid, cv=2, n_jobs=2).fit(X, y)
    serial = GridSearchCV(base, grid, cv=2, n_jobs=1).fit(X, y)
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert parallel.best_params_ == serial.best_params_


def test_import_rnnc_does_not_import_sklearn():
    done = run_python("-c", "import sys, rnnc; print('sklearn' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_estimator_without_sklearn_names_the_extra():
    # sys.modules["sklearn"] = None makes `import sklearn` raise ImportError
    done = run_python(
        "-c",
        "import sys; sys.modules['sklearn'] = None\n"
        "try:\n    import rnnc.estimator\n"
        "except ImportError as e:\n    print(e)",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "RNNRegressor needs scikit-learn: pip install rnnc[sklearn]"


def test_rnnc_exports_the_estimator_lazily():
    assert rnnc.RNNRegressor is RNNRegressor
    done = run_python(
        "-c",
        "import sys; sys.modules['sklearn'] = None\nimport rnnc\n"
        "try:\n    rnnc.RNNRegressor\n"
        "except ImportError as e:\n    print(e)",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "RNNRegressor needs scikit-learn: pip install rnnc[sklearn]"


# --- the linear skip term ---------------------------------------------------------------


def ar2_samples(n=400, T=8, seed=0):
    rng = np.random.default_rng(seed)
    y = np.zeros(n + T)
    for t in range(2, n + T):
        y[t] = 1.2 * y[t - 1] - 0.5 * y[t - 2] + 0.1 * rng.normal()
    X = np.stack([y[i : i + T] for i in range(n)])
    return X, y[T:]


def test_linear_skip_learns_a_linear_autoregression():
    X, y = ar2_samples()
    model = RNNRegressor(hidden_dim=4, linear_skip=2, max_epochs=30, random_state=0)
    model.fit(X[:300], y[:300])
    assert model.A_.shape == (1, 2) and model.b_.shape == (1,)
    # least squares on all 8 steps scores 0.550 here (the noise bounds R^2 near 0.73)
    assert model.score(X[300:], y[300:]) > 0.53
    # the skip term carries the AR: its coefficients, in scaled units, near 1.2 and -0.5
    coef = model.A_[0] * model.X_scale_[0] / model.y_scale_[0]
    np.testing.assert_allclose(coef, [-0.5, 1.2], atol=0.25)


def test_linear_skip_none_keeps_the_network_alone():
    X, y = ar2_samples(100)
    model = RNNRegressor(hidden_dim=4, max_epochs=2, random_state=0).fit(X, y)
    assert model.A_ is None and model.b_ is None


def test_linear_skip_predicts_with_the_kernels_skip_term():
    X, y = ar2_samples(100)
    model = RNNRegressor(hidden_dim=4, linear_skip=3, max_epochs=3, random_state=0).fit(X, y)
    Xs = (X[:, :, None] - model.X_mean_) / model.X_scale_
    expected = rnnc.predict(
        model.U_, model.V_, model.W_, Xs, activation=model.activation, linear=(model.A_, model.b_)
    )
    np.testing.assert_array_equal(
        model.predict(X), expected[:, 0] * model.y_scale_[0] + model.y_mean_[0]
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(linear_skip=0), "linear_skip must be None or at least 1"),
        (dict(linear_skip=9), r"linear_skip=9 reads more steps than the sequences have \(8\)"),
        (dict(linear_skip=2.0), "linear_skip"),
    ],
)
def test_bad_linear_skip_is_named(kwargs, message):
    X, y = ar2_samples(50)
    with pytest.raises((TypeError, ValueError), match=message):
        RNNRegressor(max_epochs=1, **kwargs).fit(X, y)


def test_warm_start_refuses_another_linear_skip():
    X, y = ar2_samples(50)
    model = RNNRegressor(max_epochs=1, linear_skip=2, warm_start=True).fit(X, y)
    model.set_params(linear_skip=3)
    with pytest.raises(ValueError, match="linear_skip=2, not 3"):
        model.fit(X, y)
    model.set_params(linear_skip=2)
    model.partial_fit(X, y)
    assert model.n_iter_ == 2


def test_values_near_the_largest_float_are_scored_and_named_without_warnings():
    import warnings

    from sklearn.base import RegressorMixin

    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(40, 6)), rng.normal(size=40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = RNNRegressor(max_epochs=2, hidden_dim=4, random_state=0).fit(X * 1e-3, y * 1e-3)
        # finite data so far outside the fitted range that scaling it overflows
        with pytest.raises(ValueError, match="X holds values too far outside the range"):
            model.predict(np.full((2, 6), 1e308))
        with pytest.raises(ValueError, match="y holds values too far outside the range"):
            model.partial_fit(X[:2], np.full(2, 1e308))
        # data of both signs near float64's largest: sums of squares in scaled units
        big_X, big_y = np.tile([1e308, -1e308], (40, 3)), np.tile([1e308, -1e308], 20)
        big = RNNRegressor(max_epochs=2, hidden_dim=4, random_state=0).fit(big_X, big_y)
        assert np.isfinite(big.score(big_X, big_y))
        fitted = RNNRegressor(max_epochs=20, hidden_dim=8, random_state=0).fit(X, X.sum(1))
    # R^2 in scaled units is scikit-learn's R^2
    assert fitted.score(X, X.sum(1)) == pytest.approx(
        RegressorMixin.score(fitted, X, X.sum(1)), rel=1e-12
    )

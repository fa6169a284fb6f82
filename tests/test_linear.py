"""The linear skip term yhat = V h_T + A x_tail + b: exact gradients (finite
differences, autograd, the reference), training, predictions, and errors."""

import numpy as np
import pytest
from support import DIVERGING, diverging_problem, random_model, relative_error

import rnnc
from rnnc import reference


def skip_term(rng, output_dim, p, n_features, dtype=np.float64):
    A = rng.normal(0, 0.5, (output_dim, p * n_features)).astype(dtype)
    b = rng.normal(0, 0.5, output_dim).astype(dtype)
    return A, b


def record_loss(U, V, W, A, b, x, y):
    """||y - V h_T - A x_tail - b||^2 / 2, sigmoid, written out independently."""
    per_step = U.shape[1] == x.shape[0] and x.shape[1] == 1
    h = np.zeros(W.shape[0])
    for t in range(x.shape[0]):
        z = (U[:, t] * x[t, 0] if per_step else U @ x[t]) + W @ h
        h = 1 / (1 + np.exp(-z))
    p = A.shape[1] // x.shape[1]
    return 0.5 * np.sum((y - V @ h - A @ x[-p:].reshape(-1) - b) ** 2)


CASES = [
    (3, 4, 1, 1, True, 2),
    (5, 7, 2, 3, False, 3),
    (4, 6, 1, 2, True, 6),
    (6, 5, 3, 1, False, 1),
]


@pytest.mark.parametrize("hidden,T,F,n_out,per_step,p", CASES)
def test_gradient_matches_finite_differences(rng, hidden, T, F, n_out, per_step, p):
    U, V, W, x, y = random_model(rng, hidden, T, F, n_out, per_step)
    A, b = skip_term(rng, n_out, p, F)
    got = rnnc.gradients(U, V, W, x, y, None, linear=(A, b))
    assert len(got) == 5
    eps = 1e-6
    for P, g in zip((U, V, W, A, b), got):
        want = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            saved = P[idx]
            P[idx] = saved + eps
            up = record_loss(U, V, W, A, b, x, y)
            P[idx] = saved - eps
            down = record_loss(U, V, W, A, b, x, y)
            P[idx] = saved
            want[idx] = (up - down) / (2 * eps)
        assert relative_error(g, want) < 1e-7


@pytest.mark.parametrize("hidden,T,F,n_out,per_step,p", CASES)
@pytest.mark.parametrize("k", [0, 2, None])
def test_truncated_gradient_matches_autograd(rng, hidden, T, F, n_out, per_step, p, k):
    torch = pytest.importorskip("torch")
    U, V, W, x, y = random_model(rng, hidden, T, F, n_out, per_step)
    A, b = skip_term(rng, n_out, p, F)
    params = [torch.tensor(a, requires_grad=True) for a in (U, V, W, A, b)]
    tU, tV, tW, tA, tb = params
    tx, ty = torch.tensor(x), torch.tensor(y)
    first = 1 if k is None or k >= T - 1 else T - k
    h = torch.zeros(hidden, dtype=torch.float64)
    for t in range(1, T + 1):
        if t == first:
            h = h.detach()
        a = tU[:, t - 1] * tx[t - 1, 0] if per_step else tU @ tx[t - 1]
        h = torch.sigmoid(a + tW @ h)
    yhat = tV @ h + tA @ tx[T - p :].reshape(-1) + tb
    (0.5 * torch.sum((ty - yhat) ** 2)).backward()
    got = rnnc.gradients(U, V, W, x, y, k, linear=(A, b))
    for g, P in zip(got, params):
        assert relative_error(g, P.grad.numpy()) < 1e-10
    for g, w in zip(got, reference.gradients(U, V, W, x, y, k, linear=(A, b))):
        assert relative_error(g, w) < 1e-12


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("per_step", [True, False])
def test_predict_and_loss_match_the_reference(rng, dtype, tol, per_step):
    U, V, W, _, _ = random_model(rng, 9, 8, 1 if per_step else 3, 2, per_step, dtype)
    F = U.shape[1] if not per_step else 1
    X = rng.normal(size=(70, 8, F)).astype(dtype)
    Y = rng.normal(size=(70, 2)).astype(dtype)
    A, b = skip_term(rng, 2, 4, F, dtype)
    ref = [a.astype(np.float64) for a in (U, V, W)]
    ref_linear = (A.astype(np.float64), b.astype(np.float64))
    got = rnnc.predict(U, V, W, X, linear=(A, b))
    assert got.dtype == dtype
    assert (
        relative_error(got, reference.predict(*ref, X.astype(np.float64), linear=ref_linear)) < tol
    )
    loss, _ = rnnc.calculate_loss(X, Y, U, V, W, linear=(A, b))
    want, _ = reference.calculate_loss(
        X.astype(np.float64), Y.astype(np.float64), *ref, linear=ref_linear
    )
    assert loss == pytest.approx(want, rel=tol * 10)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-11), (np.float32, 1e-4)])
def test_training_matches_the_reference(rng, optimizer, dtype, tol):
    U, V, W, _, _ = random_model(rng, 7, 6, 2, 2, False, dtype, scale=0.5)
    X = rng.normal(size=(25, 6, 2)).astype(dtype)
    Y = rng.normal(size=(25, 2)).astype(dtype)
    A, b = skip_term(rng, 2, 3, 2, dtype)
    ref = [a.astype(np.float64) for a in (U, V, W, A, b)]
    options = dict(
        learning_rate=0.02,
        max_epochs=3,
        bptt_truncate=2,
        min_clip_val=-0.5,
        max_clip_val=0.5,
        optimizer=optimizer,
        verbose=False,
    )
    result = rnnc.train(U, V, W, X, Y, X[:5], Y[:5], linear=(A, b), **options)
    reference.train(
        *ref[:3],
        X.astype(np.float64),
        Y.astype(np.float64),
        X[:5].astype(np.float64),
        Y[:5].astype(np.float64),
        linear=tuple(ref[3:]),
        **options,
    )
    for got, want in zip((U, V, W, A, b), ref):
        assert relative_error(got, want) < tol
    assert result.history.loss[-1] == pytest.approx(
        rnnc.calculate_loss(X, Y, U, V, W, linear=(A, b))[0], rel=1e-12
    )


def test_with_V_zero_the_model_is_the_linear_autoregression(rng):
    # a noise-free AR(2): the least-squares AR on the windows is exact, and so
    # is the network with V = 0 carrying those coefficients
    series = np.zeros(120)
    series[:2] = 1.0, 0.5
    for t in range(2, 120):
        series[t] = 1.2 * series[t - 1] - 0.5 * series[t - 2] + 0.1
    X, Y = rnnc.windows(series, 10)
    design = np.column_stack([X[:, -2:, 0], np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(design, Y[:, 0], rcond=None)
    U, V, W = rnnc.scaled_weights(8, 1, 1, seed=0)
    V[:] = 0
    A, b = coef[None, :2].copy(), coef[2:].copy()
    np.testing.assert_allclose(rnnc.predict(U, V, W, X, linear=(A, b)), Y, atol=1e-12)
    # SGD from there cannot leave the exact fit: every gradient is zero (to
    # rounding; Adam would scale rounding noise up to steps of its learning rate)
    before = [P.copy() for P in (U, V, W, A, b)]
    rnnc.train(
        U,
        V,
        W,
        X,
        Y,
        None,
        None,
        learning_rate=0.01,
        max_epochs=2,
        verbose=False,
        bptt_truncate=None,
        linear=(A, b),
    )
    for P, Q in zip((V, A, b), before[1::2] + before[4:]):
        np.testing.assert_allclose(P, Q, atol=1e-9)


def test_the_skip_term_learns_what_the_network_alone_misses(rng):
    """A trend: the sigmoid network alone saturates, with the skip term it extrapolates."""
    series = np.linspace(0, 3, 200) + 0.01 * rng.normal(size=200)
    X, Y = rnnc.windows(series, 5)
    losses = {}
    for name, linear in (("alone", None), ("with skip", (np.zeros((1, 2)), np.zeros(1)))):
        U, V, W = rnnc.scaled_weights(8, 1, 1, seed=1)
        rnnc.train(
            U,
            V,
            W,
            X[:150],
            Y[:150],
            None,
            None,
            learning_rate=0.01,
            max_epochs=100,
            optimizer="adam",
            bptt_truncate=None,
            shuffle=True,
            random_state=0,
            verbose=False,
            linear=linear,
        )
        losses[name] = rnnc.calculate_loss(X[150:], Y[150:], U, V, W, linear=linear)[0]
    assert losses["with skip"] < losses["alone"] / 10


@pytest.mark.parametrize(
    "linear,error,message",
    [
        ((np.zeros((2, 2)), np.zeros(1)), ValueError, r"linear's A must be \(output_dim"),
        ((np.zeros((1, 3)), np.zeros(1)), ValueError, r"p \* 2"),
        (
            (np.zeros((1, 12)), np.zeros(1)),
            ValueError,
            "reads the last 6 steps, but the records have 5",
        ),
        ((np.zeros((1, 2)), np.zeros(2)), ValueError, r"linear's b must be \(output_dim,\)"),
        ((np.zeros((1, 2)),), TypeError, r"linear must be None or a pair \(A, b\)"),
        ((np.full((1, 2), np.nan), np.zeros(1)), ValueError, "linear's A holds a non-finite"),
        ((np.zeros((1, 2), dtype=complex), np.zeros(1)), TypeError, "linear's A must hold real"),
    ],
)
def test_bad_skip_terms_are_named(rng, linear, error, message):
    U, V, W, _, _ = random_model(rng, 4, 5, 2, 1, False)
    X, Y = rng.normal(size=(3, 5, 2)), rng.normal(size=(3, 1))
    with pytest.raises(error, match=message):
        rnnc.predict(U, V, W, X, linear=linear)
    with pytest.raises(error, match=message):
        rnnc.calculate_loss(X, Y, U, V, W, linear=linear)


def test_training_refuses_skip_terms_it_cannot_update(rng):
    U, V, W, _, _ = random_model(rng, 4, 5, 2, 1, False)
    X, Y = rng.normal(size=(3, 5, 2)), rng.normal(size=(3, 1))
    A, b = np.zeros((1, 2)), np.zeros(1)
    options = dict(verbose=False, max_epochs=1)
    with pytest.raises(
        TypeError, match="linear's A must be a NumPy array of the weights' dtype float64"
    ):
        rnnc.train(U, V, W, X, Y, None, None, linear=(A.astype(np.float32), b), **options)
    frozen = A.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="linear's A is read-only"):
        rnnc.train(U, V, W, X, Y, None, None, linear=(frozen, b), **options)
    shared = np.zeros(3)
    with pytest.raises(ValueError, match="linear's A and b share memory"):
        rnnc.train(U, V, W, X, Y, None, None, linear=(shared[None, :2], shared[1:2]), **options)
    with pytest.raises(ValueError, match="no skip term"):
        rnnc.train(U, V, W, X, Y, None, None, linear=(A, b), backprop="tutorial", **options)
    with pytest.raises(ValueError, match=r"optimizer_state.moments must be a list of 10 arrays"):
        rnnc.train(
            U,
            V,
            W,
            X,
            Y,
            None,
            None,
            linear=(A, b),
            optimizer="adam",
            optimizer_state=rnnc.AdamState(U, V, W),
            **options,
        )
    with pytest.raises(ValueError, match="reads the last 2 steps, but the records have 1"):
        rnnc.train(U, V, W, X, Y, X[:, :1], Y, linear=(np.zeros((1, 4)), b), **options)


def test_a_strided_skip_term_is_updated_in_place(rng):
    U, V, W, _, _ = random_model(rng, 4, 5, 1, 1, True)
    X, Y = rng.normal(size=(6, 5)), rng.normal(size=(6, 1))
    A = np.zeros((2, 3))[:1, ::1]  # a view, not the whole buffer
    A_strided = np.zeros((1, 6))[:, ::2]  # not contiguous
    b = np.zeros(1)
    rnnc.train(
        U,
        V,
        W,
        X,
        Y,
        None,
        None,
        learning_rate=0.1,
        max_epochs=1,
        verbose=False,
        linear=(A_strided, b),
    )
    assert np.all(A_strided != 0) and np.all(b != 0) and np.all(A == 0)


def test_divergence_with_the_skip_term_leaves_finite_weights(rng):
    U, V, W, X, Y = diverging_problem(rng)
    A, b = np.zeros((1, 3)), np.zeros(1)
    with pytest.raises(FloatingPointError, match=r"epoch \d+, record \d+"):
        rnnc.train(U, V, W, X, Y, None, None, linear=(A, b), **DIVERGING)
    assert all(np.all(np.isfinite(P)) for P in (U, V, W, A, b))

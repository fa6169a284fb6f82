"""rnnc.gradients is the gradient: finite differences for full BPTT, and
PyTorch autograd with detach() at h_{T-k-1} for the truncated definition."""

import numpy as np
import pytest
from support import random_model, relative_error

import rnnc


def record_loss(U, V, W, x, y, activation):
    """||y - V h_T||^2 / 2, written out here independently of rnnc."""
    per_step = U.shape[1] == x.shape[0] and x.shape[1] == 1
    h = np.zeros(W.shape[0])
    for t in range(x.shape[0]):
        a = U[:, t] * x[t, 0] if per_step else U @ x[t]
        z = a + W @ h
        h = np.tanh(z) if activation == "tanh" else 1 / (1 + np.exp(-z))
    return 0.5 * np.sum((y - V @ h) ** 2)


def finite_difference_gradient(U, V, W, x, y, activation, eps=1e-6):
    grads = []
    for P in (U, V, W):
        G = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            saved = P[idx]
            P[idx] = saved + eps
            up = record_loss(U, V, W, x, y, activation)
            P[idx] = saved - eps
            down = record_loss(U, V, W, x, y, activation)
            P[idx] = saved
            G[idx] = (up - down) / (2 * eps)
        grads.append(G)
    return grads


@pytest.mark.parametrize(
    "hidden,T,F,n_out,per_step",
    [
        (1, 1, 1, 1, True),
        (3, 4, 1, 1, True),
        (5, 7, 2, 3, False),
        (6, 5, 1, 2, True),
        (4, 9, 3, 1, False),
    ],
)
@pytest.mark.parametrize("k", [None, 100])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_full_bptt_matches_finite_differences(rng, hidden, T, F, n_out, per_step, k, activation):
    U, V, W, x, y = random_model(rng, hidden, T, F, n_out, per_step)
    got = rnnc.gradients(U, V, W, x, y, bptt_truncate=k, activation=activation)
    want = finite_difference_gradient(U, V, W, x, y, activation)
    for g, w in zip(got, want):
        assert relative_error(g, w) < 1e-7


def test_truncation_changes_the_gradient(rng):
    U, V, W, x, y = random_model(rng, 6, 10, 1, 1, True)
    full = rnnc.gradients(U, V, W, x, y, bptt_truncate=None)
    truncated = rnnc.gradients(U, V, W, x, y, bptt_truncate=2)
    assert relative_error(truncated[2], full[2]) > 1e-3
    # only the last k+1 = 3 steps' input weights get gradient
    assert np.all(truncated[0][:, :7] == 0) and np.all(truncated[0][:, 7:] != 0)
    # k >= T-1 is full BPTT
    assert all(
        np.array_equal(a, b) for a, b in zip(full, rnnc.gradients(U, V, W, x, y, bptt_truncate=9))
    )


def torch_truncated_gradients(U, V, W, x, y, k, activation="sigmoid"):
    """The truncated gradient by autograd: h_{T-k-1} detached."""
    torch = pytest.importorskip("torch")
    U, V, W = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (U, V, W))
    x, y = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    T = x.shape[0]
    per_step = U.shape[1] == T and x.shape[1] == 1
    first = 1 if k is None or k >= T - 1 else T - k  # first step carrying gradient
    h = torch.zeros(W.shape[0], dtype=torch.float64)
    for t in range(1, T + 1):
        if t == first:
            h = h.detach()
        a = U[:, t - 1] * x[t - 1, 0] if per_step else U @ x[t - 1]
        h = (torch.tanh if activation == "tanh" else torch.sigmoid)(a + W @ h)
    loss = 0.5 * torch.sum((y - V @ h) ** 2)
    loss.backward()
    return [P.grad.numpy() for P in (U, V, W)]


@pytest.mark.parametrize(
    "hidden,T,F,n_out,per_step",
    [
        (1, 1, 1, 1, True),
        (8, 12, 1, 1, True),
        (10, 50, 1, 1, True),
        (7, 9, 4, 3, False),
        (20, 15, 2, 2, False),
        (100, 50, 1, 1, True),
    ],
)
@pytest.mark.parametrize("k", [0, 1, 5, None])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_truncated_gradient_matches_autograd(rng, hidden, T, F, n_out, per_step, k, activation):
    U, V, W, x, y = random_model(rng, hidden, T, F, n_out, per_step)
    want = torch_truncated_gradients(U, V, W, x, y, k, activation)
    got = rnnc.gradients(U, V, W, x, y, bptt_truncate=k, activation=activation)
    for g, w in zip(got, want):
        assert relative_error(g, w) < 1e-10


def test_tutorial_sized_gradient_in_float32_matches_autograd(rng):
    U, V, W, x, y = random_model(rng, 100, 50, 1, 1, True)
    want = torch_truncated_gradients(U, V, W, x, y, 5)
    got = rnnc.gradients(*(a.astype(np.float32) for a in (U, V, W, x, y)), bptt_truncate=5)
    for g, w in zip(got, want):
        assert g.dtype == np.float32 and relative_error(g, w) < 1e-5


@pytest.mark.slow
def test_adam_training_matches_torch_adam(rng):
    """Per-record Adam on clipped truncated gradients, as a PyTorch user writes it."""
    torch = pytest.importorskip("torch")
    U, V, W, _, _ = random_model(rng, 6, 7, 1, 1, True, scale=0.5)
    X, Y = rng.normal(size=(12, 7, 1)), rng.normal(size=(12, 1))
    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (U, V, W)]
    optimizer = torch.optim.Adam(params, lr=0.01)
    for _ in range(3):
        for x, y in zip(X, Y):
            tU, tV, tW = params
            h = torch.zeros(6, dtype=torch.float64)
            for t in range(1, 8):
                if t == 7 - 2:  # bptt_truncate = 2: h_{T-3} is constant
                    h = h.detach()
                h = torch.sigmoid(tU[:, t - 1] * float(x[t - 1, 0]) + tW @ h)
            loss = 0.5 * torch.sum((torch.tensor(y) - tV @ h) ** 2)
            optimizer.zero_grad()
            loss.backward()
            for p in params:
                p.grad.clamp_(-0.2, 0.2)
            optimizer.step()
    # three epochs, in two calls that carry Adam's state over
    state = rnnc.core.AdamState(U, V, W)
    for epochs in (1, 2):
        rnnc.train(
            U,
            V,
            W,
            X,
            Y,
            None,
            None,
            learning_rate=0.01,
            max_epochs=epochs,
            bptt_truncate=2,
            min_clip_val=-0.2,
            max_clip_val=0.2,
            optimizer="adam",
            optimizer_state=state,
            verbose=False,
        )
    assert state.step == 3 * len(X)
    for mine, theirs in zip((U, V, W), params):
        assert relative_error(mine, theirs.detach().numpy()) < 1e-10


def long_double_gradients(U, V, W, x, y, activation):
    """Full-BPTT gradient in 80-bit long double, written out here with f'(z)
    from exp(-|z|): an independent, more precise oracle for saturated units."""
    U, V, W, x, y = (np.asarray(a, dtype=np.longdouble) for a in (U, V, W, x, y))
    T = x.shape[0]
    zs, hs = [], [np.zeros(W.shape[0], dtype=np.longdouble)]
    for t in range(T):
        z = U[:, t] * x[t, 0] + W @ hs[-1]
        zs.append(z)
        hs.append(np.tanh(z) if activation == "tanh" else 1 / (1 + np.exp(-z)))
    if activation == "tanh":
        e = np.exp(-2 * np.abs(np.array(zs)))
        slopes = 4 * e / (1 + e) ** 2
    else:
        e = np.exp(-np.abs(np.array(zs)))
        slopes = e / (1 + e) ** 2
    dyhat = V @ hs[T] - y
    dU, dV, dW = np.zeros_like(U), np.outer(dyhat, hs[T]), np.zeros_like(W)
    delta = (V.T @ dyhat) * slopes[T - 1]
    for t in range(T, 0, -1):
        dU[:, t - 1] = delta * x[t - 1, 0]
        dW += np.outer(delta, hs[t - 1])
        if t > 1:
            delta = (W.T @ delta) * slopes[t - 2]
    return dU, dV, dW


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize(
    "dtype,scale,tolerance", [(np.float64, 25.0, 1e-12), (np.float32, 10.0, 1e-5)]
)
def test_saturated_units_keep_their_slope(rng, activation, dtype, scale, tolerance):
    # pre-activations of 10-40 in size: h rounds to +-1 or nearly, so a slope
    # taken as 1 - h would keep only a few digits, or none
    U, V, W, x, y = random_model(rng, 6, 5, 1, 1, True)
    U = np.sign(U) * (scale + np.abs(U) * scale)
    x = np.abs(x) + 0.5
    if dtype == np.float64 and np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps:
        pytest.skip("long double is no wider than double on this platform")
    got = rnnc.gradients(
        *(a.astype(dtype) for a in (U, V, W, x, y)), bptt_truncate=None, activation=activation
    )
    want = long_double_gradients(*(a.astype(dtype) for a in (U, V, W, x, y)), activation)
    for g, w in zip(got, want):
        assert relative_error(g, np.asarray(w, dtype=np.float64)) < tolerance

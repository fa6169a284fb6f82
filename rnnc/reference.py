"""The math of rnnc in plain NumPy, one record and one step at a time.

This module is the documentation of what the compiled kernels compute and the
oracle the tests compare them with.  It is written to be read, not to be fast.

The model (an Elman network) for one record x_1..x_T with target y::

    h_0 = 0
    z_t = a_t + W h_{t-1}          pre-activation, t = 1..T
    h_t = f(z_t)                   f = sigmoid (the tutorial's) or tanh
    yhat = V h_T (+ A x_tail + b)
    loss = ||y - yhat||^2 / 2

The optional linear skip term ``linear = (A, b)`` adds a linear
autoregression on the record's last p steps, x_tail = (x_{T-p+1}, ..., x_T)
flattened step by step (p = A.shape[1] / n_features), trained jointly with
the network: with V = 0 the model is exactly that linear AR.

The input term a_t has two layouts, told apart by the shape of U:

* per-step (the tutorial's): U is (hidden, T), x_t is one number,
  a_t = U[:, t-1] * x_t;
* shared (the standard Elman cell): U is (hidden, n_features),
  a_t = U @ x_t.

Truncated backpropagation through time with ``bptt_truncate = k`` is the exact
gradient of the loss with h_{T-k-1} held constant: steps T-k..T carry
gradient.  ``k=None`` (or k >= T-1) is full backpropagation through time.

Arrays here use 0-based step indices: ``h[t]`` is h_t with ``h[0] = 0``, and
``x[t - 1]`` is x_t.
"""

import numpy as np

from rnnc import spec

# the tutorial's hyperparameters, the defaults below
from rnnc.spec import bptt_truncate, learning_rate, max_clip_val, max_epochs, min_clip_val  # noqa: F401


def sigmoid(x):
    """1 / (1 + exp(-x)), computed from exp(-|x|) so that it never overflows."""
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_slope(z):
    """sigmoid'(z) = e / (1 + e)^2 with e = exp(-|z|)."""
    e = np.exp(-np.abs(z))
    return e / (1 + e) ** 2


def tanh_slope(z):
    """tanh'(z) = 4 e / (1 + e)^2 with e = exp(-2|z|)."""
    e = np.exp(-2 * np.abs(z))
    return 4 * e / (1 + e) ** 2


def activation_function(activation):
    """(f, f') for "sigmoid" or "tanh", both functions of the pre-activation z.

    f' is not taken as h (1 - h) or 1 - h^2 of h = f(z): where a unit
    saturates, 1 - h keeps only the digits h lacks, while exp(-|z|) keeps all.
    """
    if activation == "tanh":
        return np.tanh, tanh_slope
    return sigmoid, sigmoid_slope


def as_records(X):
    """X as (n_records, T, n_features): 2-D X is one feature per step."""
    X = np.asarray(X)
    return X[:, :, None] if X.ndim == 2 else X


def is_per_step(U, T, n_features):
    """True when U holds one input weight column per step (the tutorial's layout)."""
    return spec.is_per_step(U.shape[1], T, n_features)


def input_term(U, x, t, per_step):
    """a_{t+1}: what the input adds to the pre-activation at 0-based step t."""
    if per_step:
        return U[:, t] * x[t, 0]
    return U @ x[t]


def forward(U, W, x, activation="sigmoid"):
    """(z, h) of one record x (T, n_features): rows 1..T of z are the
    pre-activations, rows 0..T of h the hidden states (h_0 = 0; z_0 unused)."""
    f, _ = activation_function(activation)
    T = x.shape[0]
    per_step = is_per_step(U, T, x.shape[1])
    z = np.zeros((T + 1, W.shape[0]), dtype=W.dtype)
    h = np.zeros((T + 1, W.shape[0]), dtype=W.dtype)
    for t in range(T):
        z[t + 1] = input_term(U, x, t, per_step) + W @ h[t]
        h[t + 1] = f(z[t + 1])
    return z, h


def hidden_states(U, W, x, activation="sigmoid"):
    """h_0..h_T of one record x (T, n_features), as the rows of a (T+1, hidden) array."""
    return forward(U, W, x, activation)[1]


def linear_tail(x, A):
    """x_tail: the last p steps of one record x (T, n_features), flattened
    step by step, for the skip term's A (output_dim, p * n_features)."""
    p = A.shape[1] // x.shape[1]
    return x[x.shape[0] - p :].ravel()


def output(V, h_T, x, linear=None):
    """yhat = V h_T, plus A x_tail + b with the skip term linear = (A, b)."""
    yhat = V @ h_T
    if linear is not None:
        A, b = linear
        yhat = yhat + A @ linear_tail(x, A) + b
    return yhat


def first_step_with_gradient(T, bptt_truncate):
    """The first step (1-based) whose parameters get gradient: T-k, or 1 for full BPTT."""
    if bptt_truncate is None or bptt_truncate >= T - 1:
        return 1
    return T - bptt_truncate


def gradients(U, V, W, x, y, bptt_truncate=bptt_truncate, activation="sigmoid", linear=None):
    """(dU, dV, dW): the gradient of one record's loss, truncated after k+1
    steps; with the skip term linear = (A, b), (dU, dV, dW, dA, db)."""
    _, df = activation_function(activation)
    x = as_records(np.asarray(x)[None])[0]
    y = np.asarray(y).reshape(-1)
    T = x.shape[0]
    per_step = is_per_step(U, T, x.shape[1])
    z, h = forward(U, W, x, activation)

    dyhat = output(V, h[T], x, linear) - y  # d loss / d yhat
    dV = np.outer(dyhat, h[T])
    dU = np.zeros_like(U)
    dW = np.zeros_like(W)
    first = first_step_with_gradient(T, bptt_truncate)
    delta = (V.T @ dyhat) * df(z[T])  # d loss / d z_T
    for t in range(T, first - 1, -1):  # delta is d loss / d z_t here
        if per_step:
            dU[:, t - 1] += delta * x[t - 1, 0]
        else:
            dU += np.outer(delta, x[t - 1])
        dW += np.outer(delta, h[t - 1])
        if t > first:
            delta = (W.T @ delta) * df(z[t - 1])
    if linear is None:
        return dU, dV, dW
    dA = np.outer(dyhat, linear_tail(x, linear[0]))
    return dU, dV, dW, dA, dyhat.copy()


def tutorial_update(
    U, V, W, x, y, bptt_truncate=bptt_truncate, min_clip_val=min_clip_val, max_clip_val=max_clip_val
):
    """(dU, dV, dW) as the tutorial's backprop computes them.  Not a gradient.

    Stripped of its dead code (the chain of d_prev_activation it computes is
    never used), the tutorial's rule for one record is, with n_t = min(t, k)
    inner iterations at 0-based step t:

        u_run += n_t * a_{t+1}          a_{t+1}: the input term at that step
        w_run += n_t * W @ h_t          W times the state before that step
        u  = clip(u + u_run)            dU has u in every column
        w  = clip(w + w_run)            dW has w in every column
        dV = clip(dV + dyhat h_{t+1}^T)

    for t = 0..T-1, clipping the running sums after every step.
    """
    x = as_records(np.asarray(x)[None])[0]
    y = np.asarray(y).reshape(-1)
    T = x.shape[0]
    per_step = is_per_step(U, T, x.shape[1])
    k = T if bptt_truncate is None else bptt_truncate
    h = hidden_states(U, W, x)
    dyhat = V @ h[T] - y

    u_run = np.zeros(W.shape[0], dtype=W.dtype)
    w_run = np.zeros_like(u_run)
    u = np.zeros_like(u_run)
    w = np.zeros_like(u_run)
    dV = np.zeros_like(V)
    for t in range(T):
        n = min(t, k)
        u_run += n * input_term(U, x, t, per_step)
        w_run += n * (W @ h[t])
        u = np.clip(u + u_run, min_clip_val, max_clip_val)
        w = np.clip(w + w_run, min_clip_val, max_clip_val)
        dV = np.clip(dV + np.outer(dyhat, h[t + 1]), min_clip_val, max_clip_val)
    dU = np.repeat(u[:, None], U.shape[1], axis=1)
    dW = np.repeat(w[:, None], W.shape[1], axis=1)
    return dU, dV, dW


def calculate_loss(X, Y, U, V, W, activation="sigmoid", linear=None):
    """(sum of ||y - yhat||^2 / 2 over records, h_T of the last record as (hidden, 1))."""
    X = as_records(X)
    Y = np.asarray(Y).reshape(len(X), -1)
    loss = 0.0
    h_T = np.zeros(W.shape[0], dtype=W.dtype)
    for x, y in zip(X, Y):
        h_T = hidden_states(U, W, x, activation)[-1]
        loss += float(np.sum((y - output(V, h_T, x, linear)) ** 2) / 2)
    return loss, h_T[:, None]


def predict(U, V, W, X, activation="sigmoid", linear=None):
    """yhat for every record, as (n_records, output_dim)."""
    X = as_records(X)
    return np.array(
        [output(V, hidden_states(U, W, x, activation)[-1], x, linear) for x in X]
    ).reshape(len(X), V.shape[0])


class Adam:
    """Adam (Kingma & Ba, 2015) with PyTorch's defaults and form of the bias correction."""

    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, params):
        self.step = 0
        self.moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]

    def update(self, params, grads, learning_rate):
        self.step += 1
        correction1 = 1 - self.beta1**self.step
        correction2 = 1 - self.beta2**self.step
        for p, g, (m, v) in zip(params, grads, self.moments):
            m[...] = self.beta1 * m + (1 - self.beta1) * g
            v[...] = self.beta2 * v + (1 - self.beta2) * g * g
            p -= learning_rate / correction1 * m / (np.sqrt(v) / np.sqrt(correction2) + self.eps)


def train(
    U,
    V,
    W,
    X,
    Y,
    X_validation,
    Y_validation,
    *,
    learning_rate=learning_rate,
    max_epochs=max_epochs,
    bptt_truncate=bptt_truncate,
    min_clip_val=min_clip_val,
    max_clip_val=max_clip_val,
    backprop="bptt",
    verbose=True,
    callback=None,
    optimizer="sgd",
    activation="sigmoid",
    linear=None,
):
    """Per-record SGD or Adam, the weights (and the skip term's A, b) updated
    in place; see rnnc.train."""
    X = as_records(X)
    Y = np.asarray(Y).reshape(len(X), -1)
    params = (U, V, W) if linear is None else (U, V, W, *linear)
    adam = Adam(params) if optimizer == "adam" else None
    for epoch in range(1, max_epochs + 1):
        loss, _ = calculate_loss(X, Y, U, V, W, activation, linear)
        val_loss, _ = calculate_loss(X_validation, Y_validation, U, V, W, activation, linear)
        if verbose:
            print(f"Epoch: {epoch}, Loss: {loss}, Validation Loss: {val_loss}")
        if callback is not None:
            callback(epoch, loss, val_loss)
        for x, y in zip(X, Y):
            if backprop == "tutorial":
                grads = tutorial_update(U, V, W, x, y, bptt_truncate, min_clip_val, max_clip_val)
            else:
                grads = [
                    np.clip(d, min_clip_val, max_clip_val)
                    for d in gradients(U, V, W, x, y, bptt_truncate, activation, linear)
                ]
            if adam is not None:
                adam.update(params, grads, learning_rate)
                continue
            for p, g in zip(params, grads):
                p -= learning_rate * g
    return U, V, W

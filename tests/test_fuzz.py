"""Property tests: random shapes, dtypes, layouts and memory layouts of the
inputs, against rnnc.reference.

Weights stay moderate so that units do not saturate: there f'(z), computed
from h = f(z) as h (1 - h) (as PyTorch does too), keeps only the digits of
1 - h, so kernel and reference may differ in relative terms however right both are.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from support import relative_error

import rnnc
from rnnc import reference


@st.composite
def problems(draw):
    hidden = draw(st.integers(1, 9))
    T = draw(st.integers(1, 7))
    per_step = draw(st.booleans())
    F = 1 if per_step else draw(st.integers(1, 3))
    n_out = draw(st.integers(1, 3))
    n = draw(st.integers(1, 40))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    data_dtype = draw(st.sampled_from([np.float64, np.float32, np.int32, np.int64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    U = rng.normal(0, 0.7, (hidden, T if per_step else F)).astype(dtype)
    V = rng.normal(0, 1.5, (n_out, hidden)).astype(dtype)
    W = rng.normal(0, 0.7 / np.sqrt(hidden), (hidden, hidden)).astype(dtype)
    X = rng.normal(0, 1.5, (n, T, F))
    X = (
        np.round(X).astype(data_dtype)
        if data_dtype in (np.int32, np.int64)
        else X.astype(data_dtype)
    )
    Y = rng.normal(size=(n, n_out))
    # memory layouts a user may hand in
    layout = draw(st.sampled_from(["C", "F", "strided", "2-D"]))
    if layout == "F":
        U, W, X = np.asfortranarray(U), np.asfortranarray(W), np.asfortranarray(X)
    elif layout == "strided":
        X = np.repeat(X, 3, axis=0)[::3]
        W = np.repeat(W, 2, axis=1)[:, ::2]
    elif layout == "2-D" and F == 1:
        X = X[:, :, 0]
    return U, V, W, X, Y, dtype


def as64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


TOLERANCE = {np.float64: 1e-11, np.float32: 2e-4}


@settings(max_examples=150, deadline=None)
@given(problems(), st.sampled_from(["sigmoid", "tanh"]))
def test_predict_and_loss(problem, activation):
    U, V, W, X, Y, dtype = problem
    got = rnnc.predict(U, V, W, X, activation=activation)
    assert got.dtype == dtype and got.shape == (len(X), V.shape[0])
    want = reference.predict(*as64(U, V, W, X), activation)
    assert relative_error(got, want) < TOLERANCE[dtype]
    loss, _ = rnnc.calculate_loss(X, Y, U, V, W, activation=activation)
    want_loss, _ = reference.calculate_loss(*as64(X, Y, U, V, W), activation)
    assert abs(loss - want_loss) <= TOLERANCE[dtype] * max(want_loss, 1e-300) * 10


@settings(max_examples=150, deadline=None)
@given(problems(), st.sampled_from([0, 1, 3, None]), st.sampled_from(["sigmoid", "tanh"]))
def test_gradients(problem, k, activation):
    U, V, W, X, Y, dtype = problem
    x = X[0]
    got = rnnc.gradients(U, V, W, x, Y[0], k, activation=activation)
    want = reference.gradients(*as64(U, V, W, x, Y[0]), k, activation)
    for g, w, P in zip(got, want, (U, V, W)):
        assert g.shape == P.shape and g.dtype == dtype
        assert relative_error(g, w) < TOLERANCE[dtype]


@settings(max_examples=40, deadline=None)
@given(
    problems(),
    st.sampled_from([0, 2, None]),
    st.floats(0.05, 5),
    st.floats(0.05, 5),
    st.sampled_from(["sgd", "adam"]),
)
def test_train(problem, k, lo, hi, optimizer):
    U, V, W, X, Y, dtype = problem
    if dtype != np.float64:
        return  # training amplifies float32 rounding; float64 only
    options = dict(
        learning_rate=0.05 if optimizer == "sgd" else 0.01,
        max_epochs=2,
        bptt_truncate=k,
        min_clip_val=-lo,
        max_clip_val=hi,
        optimizer=optimizer,
        verbose=False,
    )
    mine = [np.array(a) for a in (U, V, W)]
    ref = as64(U, V, W)
    rnnc.train(*mine, X, Y, None, None, **options)
    reference.train(*ref, *as64(X, Y), *as64(X, Y), **options)
    for a, b in zip(mine, ref):
        assert relative_error(a, b) < 1e-10

"""Every bad input gets a clear error naming the argument; awkward but valid
input (integers, Fortran order, strides, float32, read-only data) just works.
Divergence, Ctrl-C, threads and callbacks: test_robustness.py."""

import numpy as np
import pytest
from support import random_model, relative_error

import rnnc
from rnnc import _validation as check
from rnnc import reference


def call_each(model, **replace):
    """Run predict, calculate_loss, train and gradients with some arguments replaced."""
    U, V, W, X, Y = model
    args = dict(U=U, V=V, W=W, X=X, Y=Y)
    args.update(replace)
    U, V, W, X, Y = (args[k] for k in "UVWXY")
    yield lambda: rnnc.predict(U, V, W, X)
    yield lambda: rnnc.calculate_loss(X, Y, U, V, W)
    yield lambda: rnnc.train(U, V, W, X, Y, None, None, max_epochs=1, verbose=False)


@pytest.mark.parametrize(
    "name,value,error,words",
    [
        ("W", np.zeros((5, 4)), ValueError, "W must be square"),
        ("U", np.zeros((4, 4)), ValueError, "U must have hidden_dim = 5 rows"),
        ("V", np.zeros((1, 3)), ValueError, "V must be (output_dim, hidden_dim = 5)"),
        ("U", np.zeros((5, 7)), ValueError, "U has shape (5, 7), which does not fit X"),
        ("W", np.zeros(25), ValueError, "W must be 2-D"),
        ("X", np.zeros((6, 4, 1, 1)), ValueError, "X must be (n_records, seq_len)"),
        ("X", np.zeros((0, 4, 1)), ValueError, "X is empty"),
        ("W", np.full((5, 5), np.nan), ValueError, "W holds a non-finite value (nan"),
        ("X", np.full((6, 4, 1), np.inf), ValueError, "X holds a non-finite value (inf"),
        ("X", np.zeros((6, 4, 1), complex), TypeError, "X must hold real numbers, got complex"),
        ("U", np.array([["a"] * 4] * 5), TypeError, "U must hold real numbers"),
    ],
)
def test_bad_arrays_are_named(model, name, value, error, words):
    for call in call_each(model, **{name: value}):
        with pytest.raises(error) as info:
            call()
        # train refuses non-float weights before looking at anything else
        assert words in str(info.value) or f"{name} must have dtype float" in str(info.value)


def test_bad_targets_are_named(model):
    U, V, W, X, Y = model
    with pytest.raises(ValueError, match=r"Y must be \(n_records, output_dim\) = \(6, 1\)"):
        rnnc.calculate_loss(X, Y[:5], U, V, W)
    with pytest.raises(ValueError, match="Y_validation"):
        rnnc.train(U, V, W, X, Y, X, Y[:2], verbose=False)
    with pytest.raises(ValueError, match="given together"):
        rnnc.train(U, V, W, X, Y, X, None, verbose=False)


def test_a_bad_record_is_named_with_its_own_shape(model):
    # gradients takes one record: its errors had shown the shapes it was
    # reshaped to, (1, seq_len, n_features) and (1, output_dim)
    U, V, W, X, Y = model
    with pytest.raises(ValueError, match=r"does not fit x \(4 steps of 3 features\)"):
        rnnc.gradients(U, V, W, np.zeros((4, 3)), Y[0])
    with pytest.raises(ValueError, match=r"y must be \(output_dim,\) = \(1,\), got shape \(2,\)"):
        rnnc.gradients(U, V, W, X[0], np.zeros(2))


def test_train_needs_writable_float_arrays(model):
    U, V, W, X, Y = model
    with pytest.raises(TypeError, match="U must have dtype float32 or float64"):
        rnnc.train(U.astype(int), V, W, X, Y, None, None)
    with pytest.raises(TypeError, match="U must be a NumPy array"):
        rnnc.train(U.tolist(), V, W, X, Y, None, None)
    with pytest.raises(TypeError, match="share one dtype"):
        rnnc.train(U.astype(np.float32), V, W, X, Y, None, None)
    U.flags.writeable = False
    with pytest.raises(ValueError, match="U is read-only"):
        rnnc.train(U, V, W, X, Y, None, None)


@pytest.mark.parametrize(
    "option,value,error,words",
    [
        ("learning_rate", -1.0, ValueError, "learning_rate must be a finite non-negative"),
        ("learning_rate", float("nan"), ValueError, "learning_rate"),
        ("learning_rate", "0.1", TypeError, "learning_rate must be a real number"),
        ("max_epochs", -1, ValueError, "max_epochs must be >= 0"),
        ("max_epochs", 2.5, TypeError, "max_epochs must be an integer"),
        ("bptt_truncate", -2, ValueError, "bptt_truncate must be >= 0"),
        ("min_clip_val", 20, ValueError, "min_clip_val (20) must not exceed max_clip_val"),
        ("max_clip_val", float("nan"), ValueError, "max_clip_val must be a number, got nan"),
        ("min_clip_val", 0.5, ValueError, "10] must contain 0"),
        ("n_threads", 2**31, ValueError, "n_threads must be between 1 and 4096"),
        ("backprop", "exact", ValueError, "backprop must be one of 'bptt', 'tutorial'"),
        ("optimizer", "rmsprop", ValueError, "optimizer must be one of"),
        ("activation", "relu", ValueError, "activation must be one of"),
        ("callback", 3, TypeError, "callback must be callable"),
        ("n_threads", 0, ValueError, "n_threads must be between 1 and 4096"),
        ("shuffle", "yes", TypeError, "shuffle must be a bool, got 'yes'"),
        ("random_state", -1, ValueError, "random_state must be None, an int >= 0"),
        ("random_state", 1.5, TypeError, "random_state must be None, an int >= 0"),
    ],
)
def test_bad_hyperparameters_are_named(model, option, value, error, words):
    U, V, W, X, Y = model
    before = [a.copy() for a in (U, V, W)]
    shuffled = {"shuffle": True} if option == "random_state" else {}
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        rnnc.train(U, V, W, X, Y, None, None, verbose=False, **shuffled, **{option: value})
    assert all(np.array_equal(a, b) for a, b in zip((U, V, W), before))


def test_awkward_but_valid_input_works(model):
    U, V, W, X, Y = model
    want = rnnc.predict(U, V, W, X)
    assert np.array_equal(rnnc.predict(np.asfortranarray(U), V, W, np.asfortranarray(X)), want)
    strided = np.repeat(X, 2, axis=1)[:, ::2]
    assert np.array_equal(rnnc.predict(U, V, W, strided), want)
    assert np.array_equal(rnnc.predict(U, V, W, X[:, :, 0]), want)  # 2-D X
    ints = np.round(X * 3).astype(np.int64)
    assert relative_error(rnnc.predict(U, V, W, ints), reference.predict(U, V, W, ints)) < 1e-12
    assert rnnc.predict(*(a.astype(np.float32) for a in (U, V, W)), X).dtype == np.float32


def test_training_non_contiguous_weights_updates_them_in_place(model):
    U, V, W, X, Y = model
    Uf, Wf = np.asfortranarray(U), np.asfortranarray(W)
    rnnc.train(Uf, V.copy(), Wf, X, Y, None, None, max_epochs=2, learning_rate=0.1, verbose=False)
    V2 = V.copy()
    rnnc.train(U, V2, W, X, Y, None, None, max_epochs=2, learning_rate=0.1, verbose=False)
    assert np.array_equal(Uf, U) and np.array_equal(Wf, W)


def unaligned(a):
    """A writable copy of a whose data starts one byte past an element boundary."""
    buffer = np.zeros(a.nbytes + 1, np.uint8)
    out = np.frombuffer(buffer.data, a.dtype, a.size, offset=1).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned and out.flags.writeable
    return out


def test_unaligned_arrays_train_and_predict_as_aligned_ones(model):
    # the C helpers read whole elements: such arrays go to them as aligned
    # copies, and the weights come back into the user's arrays
    U, V, W, X, Y = model
    weights = [unaligned(a) for a in (U, V, W)]
    data = [unaligned(X), unaligned(Y)]
    # what the kernels are handed (x86 reads unaligned elements correctly, so the
    # results alone would not show it)
    handed = [*check.check_weights(*weights), check.check_records(data[0], "X", X.dtype)]
    assert all(a.flags.aligned and a.flags.c_contiguous for a in handed)
    aligned = [U.copy(), V.copy(), W.copy()]
    for w, (x, y) in ((weights, data), (aligned, (X, Y))):
        rnnc.train(*w, x, y, None, None, max_epochs=2, learning_rate=0.1, verbose=False)
    assert all(np.array_equal(a, b) for a, b in zip(weights, aligned))
    assert np.array_equal(rnnc.predict(*weights, data[0]), rnnc.predict(*aligned, X))


def test_an_unaligned_adam_moment_is_refused(model):
    # Adam updates its moments in place, so they cannot be swapped for copies
    U, V, W, X, Y = model
    state = rnnc.AdamState(U, V, W)
    state.moments[2] = unaligned(state.moments[2])
    with pytest.raises(ValueError, match=r"moments\[2\] must be a writable, aligned C-contiguous"):
        rnnc.train(
            U, V, W, X, Y, None, None, optimizer="adam", optimizer_state=state, verbose=False
        )


def test_read_only_inputs_work_where_nothing_is_written(model):
    U, V, W, X, Y = model
    want = (
        rnnc.predict(U, V, W, X),
        rnnc.calculate_loss(X, Y, U, V, W)[0],
        rnnc.gradients(U, V, W, X[0], Y[0]),
    )
    for a in (U, V, W, X, Y):
        a.flags.writeable = False
    assert np.array_equal(rnnc.predict(U, V, W, X), want[0])
    assert rnnc.calculate_loss(X, Y, U, V, W)[0] == want[1]
    assert all(np.array_equal(g, w) for g, w in zip(rnnc.gradients(U, V, W, X[0], Y[0]), want[2]))
    # training reads X and Y only
    weights = [a.copy() for a in (U, V, W)]
    rnnc.train(*weights, X, Y, X, Y, max_epochs=1, verbose=False)


def test_huge_truncation_is_full_bptt(model):
    U, V, W, X, Y = model
    full = rnnc.gradients(U, V, W, X[0], Y[0], None)
    huge = rnnc.gradients(U, V, W, X[0], Y[0], 10**30)
    assert all(np.array_equal(a, b) for a, b in zip(full, huge))
    rnnc.train(U, V, W, X, Y, None, None, bptt_truncate=10**30, max_epochs=1, verbose=False)


def test_data_beyond_float32_is_named(model):
    U, V, W = (a.astype(np.float32) for a in model[:3])
    with pytest.raises(
        ValueError,
        match=r"X holds 1e\+300, beyond the range of the "
        r"weights' dtype float32",
    ):
        rnnc.predict(U, V, W, np.full((2, 4, 1), 1e300))


def test_validation_data_is_read_like_the_training_data(rng):
    U, V, W, _, _ = random_model(rng, 4, 1, 1, 1, False)  # shared, one feature
    X5, Y = rng.normal(size=(6, 5, 1)), rng.normal(size=(6, 1))
    X1 = rng.normal(size=(6, 1, 1))
    rnnc.train(U, V, W, X5, Y, X1, Y, max_epochs=1, verbose=False)  # any length
    rnnc.train(U, V, W, X1, Y, X5, Y, max_epochs=1, verbose=False)
    P, _, _, _, _ = random_model(rng, 4, 5, 1, 1, True)  # per-step, 5 steps
    with pytest.raises(ValueError, match=r"X_validation must be \(n_records, 5\)"):
        rnnc.train(P, V, W, X5, Y, X5[:, :3], Y, max_epochs=1, verbose=False)


def test_train_refuses_weights_that_share_memory():
    # train writes each of U, V, W in place: one array in two roles would
    # have one update overwrite the other
    rng = np.random.default_rng(3)
    W = rng.normal(size=(4, 4))
    V = rng.normal(size=(1, 4))
    X, Y = rng.normal(size=(2, 4, 1)), rng.normal(size=(2, 1))
    with pytest.raises(ValueError, match="U and W share memory"):
        rnnc.train(W, V, W, X, Y, None, None, verbose=False)
    with pytest.raises(ValueError, match="U and W share memory"):
        rnnc.train(W[:, :], V, W, X, Y, None, None, verbose=False)


def test_data_viewing_a_weight_or_a_moment_is_refused_in_any_form():
    # a memoryview of the weights' buffer, or an Adam moment that is the data:
    # train would change the data under itself
    rng = np.random.default_rng(4)
    big = rng.normal(size=(12, 1))
    V, W = rng.normal(size=(1, 4)), rng.normal(size=(4, 4))
    Y = rng.normal(size=(12, 1))
    with pytest.raises(ValueError, match="X shares memory with U"):
        rnnc.train(big[:4], V, W, memoryview(big.reshape(12, 1, 1)), Y, None, None, verbose=False)
    U = rng.normal(size=(4, 1))
    X = rng.normal(size=(8, 1, 1))
    state = rnnc.AdamState(U, V, W)
    state.moments[0] = X.reshape(8, 1)[:4]
    with pytest.raises(ValueError, match=r"X shares memory with optimizer_state.moments\[0\]"):
        rnnc.train(
            U, V, W, X, Y[:8], None, None, optimizer="adam", optimizer_state=state, verbose=False
        )


def test_counts_past_what_the_kernels_hold():
    rng = np.random.default_rng(5)
    U, V, W = rnnc.scaled_weights(4, 1, 1, seed=0)
    X, Y = rng.normal(size=(10, 5, 1)), rng.normal(size=(10, 1))
    # a batch larger than the data is one batch of all of it, however large
    huge = [a.copy() for a in (U, V, W)]
    rnnc.train(*huge, X, Y, None, None, batch_size=2**63, max_epochs=2, verbose=False)
    whole = [a.copy() for a in (U, V, W)]
    rnnc.train(*whole, X, Y, None, None, batch_size=10, max_epochs=2, verbose=False)
    assert all(np.array_equal(a, b) for a, b in zip(huge, whole))
    state = rnnc.AdamState(U, V, W)
    state.step = 2**63
    with pytest.raises(
        ValueError, match=f"optimizer_state.step must be a count of updates from 0 to {2**62}"
    ):
        rnnc.train(
            U, V, W, X, Y, None, None, optimizer="adam", optimizer_state=state, verbose=False
        )
    with pytest.raises(ValueError, match=f"seq_len must be at most {2**62}"):
        rnnc.Model(U, V, W, seq_len=2**63, layout="shared")


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: rnnc.scaled_weights(0, 5, 1), ValueError, "hidden_dim must be at least 1, got 0"),
        (lambda: rnnc.tutorial_weights(4, 0, 1), ValueError, "n_inputs must be at least 1, got 0"),
        (
            lambda: rnnc.scaled_weights(4, 5, 1, dtype=np.int64),
            TypeError,
            "dtype must be float32 or float64",
        ),
        (
            lambda: rnnc.scaled_weights(4, 5, 1, seed=-3),
            ValueError,
            "seed must be None, an int >= 0",
        ),
        (
            lambda: rnnc.tutorial_weights(seed=2**32),
            ValueError,
            "seed must be an int from 0 to 2\\*\\*32 - 1",
        ),
    ],
)
def test_initial_weights_name_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()

"""Every bad input gets a clear error naming the argument; awkward but valid
input (integers, Fortran order, strides, float32) just works; divergence and
Ctrl-C leave the weights at the last complete update."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import rnnc
from rnnc import reference
from conftest import random_model, relative_error


@pytest.fixture
def model(rng):
    U, V, W, _, _ = random_model(rng, 5, 4, 1, 1, True)
    X, Y = rng.normal(size=(6, 4, 1)), rng.normal(size=(6, 1))
    return U, V, W, X, Y


def call_each(model, **replace):
    """Run predict, calculate_loss, train and gradients with some arguments replaced."""
    U, V, W, X, Y = model
    args = dict(U=U, V=V, W=W, X=X, Y=Y)
    args.update(replace)
    U, V, W, X, Y = (args[k] for k in "UVWXY")
    yield lambda: rnnc.predict(U, V, W, X)
    yield lambda: rnnc.calculate_loss(X, Y, U, V, W)
    yield lambda: rnnc.train(U, V, W, X, Y, None, None, max_epochs=1, verbose=False)


@pytest.mark.parametrize("name,value,error,words", [
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
])
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


@pytest.mark.parametrize("option,value,error,words", [
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
])
def test_bad_hyperparameters_are_named(model, option, value, error, words):
    U, V, W, X, Y = model
    before = [a.copy() for a in (U, V, W)]
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        rnnc.train(U, V, W, X, Y, None, None, verbose=False, **{option: value})
    assert all(np.array_equal(a, b) for a, b in zip((U, V, W), before))


def test_awkward_but_valid_input_works(model):
    U, V, W, X, Y = model
    want = rnnc.predict(U, V, W, X)
    assert np.array_equal(rnnc.predict(np.asfortranarray(U), V, W, np.asfortranarray(X)), want)
    strided = np.repeat(X, 2, axis=1)[:, ::2]
    assert np.array_equal(rnnc.predict(U, V, W, strided), want)
    assert np.array_equal(rnnc.predict(U, V, W, X[:, :, 0]), want)       # 2-D X
    ints = np.round(X * 3).astype(np.int64)
    assert relative_error(rnnc.predict(U, V, W, ints), reference.predict(U, V, W, ints)) < 1e-12
    assert rnnc.predict(*(a.astype(np.float32) for a in (U, V, W)), X).dtype == np.float32


def test_training_non_contiguous_weights_updates_them_in_place(model):
    U, V, W, X, Y = model
    Uf, Wf = np.asfortranarray(U), np.asfortranarray(W)
    rnnc.train(Uf, V.copy(), Wf, X, Y, None, None, max_epochs=2, learning_rate=0.1,
               verbose=False)
    V2 = V.copy()
    rnnc.train(U, V2, W, X, Y, None, None, max_epochs=2, learning_rate=0.1, verbose=False)
    assert np.array_equal(Uf, U) and np.array_equal(Wf, W)


def test_divergence_stops_with_the_epoch_and_record_and_finite_weights(rng):
    U, V, W, _, _ = random_model(rng, 4, 3, 1, 1, True)
    X, Y = rng.normal(size=(5, 3, 1)), rng.normal(size=(5, 1))
    with pytest.raises(FloatingPointError, match=r"epoch \d+, record \d+"):
        rnnc.train(U, V, W, X, Y, None, None, learning_rate=1e306, max_epochs=50,
                   min_clip_val=-100, max_clip_val=100, verbose=False)
    assert all(np.all(np.isfinite(P)) for P in (U, V, W))


def test_sigmoid_never_warns():
    z = np.array([-1e308, -1e3, 0, 1e3, 1e308, -np.inf, np.inf])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.array_equal(rnnc.sigmoid(z), [0, 0, 0.5, 1, 1, 0, 1])


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT")
def test_ctrl_c_stops_training_quickly_between_updates(rng):
    U, V, W, _, _ = random_model(rng, 200, 200, 1, 1, True)
    X, Y = rng.normal(size=(400, 200, 1)), rng.normal(size=(400, 1))
    sent = []

    def interrupt():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(0.3, interrupt)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        rnnc.train(U, V, W, X, Y, None, None, max_epochs=1000, verbose=False)
    stopped = time.perf_counter()
    timer.join()
    assert stopped - sent[0] < 0.5
    assert all(np.all(np.isfinite(P)) for P in (U, V, W))


def test_threads_train_in_parallel_with_the_same_results(rng):
    models = [[a.copy() for a in random_model(rng, 30, 20, 1, 1, True)[:3]] for _ in range(3)]
    X, Y = rng.normal(size=(50, 20, 1)), rng.normal(size=(50, 1))
    serial = [[a.copy() for a in m] for m in models]
    for m in serial:
        rnnc.train(*m, X, Y, None, None, max_epochs=3, verbose=False, n_threads=1)
    threads = [threading.Thread(target=rnnc.train, args=(*m, X, Y, None, None),
                                kwargs=dict(max_epochs=3, verbose=False, n_threads=1))
               for m in models]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(models, serial):
        assert all(np.array_equal(p, q) for p, q in zip(a, b))


def test_read_only_inputs_work_where_nothing_is_written(model):
    U, V, W, X, Y = model
    want = (rnnc.predict(U, V, W, X), rnnc.calculate_loss(X, Y, U, V, W)[0],
            rnnc.gradients(U, V, W, X[0], Y[0]))
    for a in (U, V, W, X, Y):
        a.flags.writeable = False
    assert np.array_equal(rnnc.predict(U, V, W, X), want[0])
    assert rnnc.calculate_loss(X, Y, U, V, W)[0] == want[1]
    assert all(np.array_equal(g, w) for g, w in zip(rnnc.gradients(U, V, W, X[0], Y[0]),
                                                    want[2]))
    # training reads X and Y only
    weights = [a.copy() for a in (U, V, W)]
    rnnc.train(*weights, X, Y, X, Y, max_epochs=1, verbose=False)


def test_divergence_leaves_the_weights_of_the_last_finite_update(rng):
    """Replay the same SGD with the reference, update by update, until an
    update would not be finite: rnnc's weights must be the ones just before."""
    U, V, W, _, _ = random_model(rng, 4, 3, 1, 1, True)
    X, Y = rng.normal(size=(5, 3, 1)), rng.normal(size=(5, 1))
    lr, clip = 1e305, 100.0
    replay = [a.copy() for a in (U, V, W)]
    stopped = None
    with np.errstate(all="ignore"):
        for epoch in range(1, 30):
            for r, (x, y) in enumerate(zip(X, Y)):
                grads = [np.clip(g, -clip, clip) for g in reference.gradients(*replay, x, y)]
                new = [P - lr * g for P, g in zip(replay, grads)]
                finite = all(np.all(np.isfinite(a)) for a in grads + new)
                if not finite:
                    stopped = (epoch, r)
                    break
                replay = new
            if stopped:
                break
    assert stopped is not None
    with pytest.raises(FloatingPointError,
                       match=rf"epoch {stopped[0]}, record {stopped[1]}:"):
        rnnc.train(U, V, W, X, Y, None, None, learning_rate=lr, max_epochs=30,
                   min_clip_val=-clip, max_clip_val=clip, verbose=False)
    for mine, theirs in zip((U, V, W), replay):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)



def test_huge_truncation_is_full_bptt(model):
    U, V, W, X, Y = model
    full = rnnc.gradients(U, V, W, X[0], Y[0], None)
    huge = rnnc.gradients(U, V, W, X[0], Y[0], 10**30)
    assert all(np.array_equal(a, b) for a, b in zip(full, huge))
    rnnc.train(U, V, W, X, Y, None, None, bptt_truncate=10**30, max_epochs=1, verbose=False)


def test_data_beyond_float32_is_named(model):
    U, V, W = (a.astype(np.float32) for a in model[:3])
    with pytest.raises(ValueError, match=r"X holds 1e\+300, beyond the range of the "
                                         r"weights' dtype float32"):
        rnnc.predict(U, V, W, np.full((2, 4, 1), 1e300))


def test_validation_data_is_read_like_the_training_data(rng):
    U, V, W, _, _ = random_model(rng, 4, 1, 1, 1, False)        # shared, one feature
    X5, Y = rng.normal(size=(6, 5, 1)), rng.normal(size=(6, 1))
    X1 = rng.normal(size=(6, 1, 1))
    rnnc.train(U, V, W, X5, Y, X1, Y, max_epochs=1, verbose=False)   # any length
    rnnc.train(U, V, W, X1, Y, X5, Y, max_epochs=1, verbose=False)
    P, _, _, _, _ = random_model(rng, 4, 5, 1, 1, True)           # per-step, 5 steps
    with pytest.raises(ValueError, match=r"X_validation must be \(n_records, 5\)"):
        rnnc.train(P, V, W, X5, Y, X5[:, :3], Y, max_epochs=1, verbose=False)


def test_callback_sees_the_current_weights_of_non_contiguous_arrays(model):
    U, V, W, X, Y = model
    U = np.asfortranarray(U)
    seen = []
    rnnc.train(U, V, W, X, Y, None, None, max_epochs=3, learning_rate=0.1, verbose=False,
               callback=lambda *a: seen.append(U[0, 0]))
    assert len(set(seen)) == 3


def test_no_loss_passes_when_nobody_looks(model, monkeypatch):
    U, V, W, X, Y = model
    calls = []
    real = rnnc.core._epoch_losses
    monkeypatch.setattr(rnnc.core, "_epoch_losses", lambda *a: calls.append(1) or real(*a))
    rnnc.train(U, V, W, X, Y, X, Y, max_epochs=3, verbose=False, history=False)
    assert calls == []
    rnnc.train(U, V, W, X, Y, X, Y, max_epochs=3, verbose=False, history=False,
               callback=lambda *a: None)
    assert len(calls) == 3
    rnnc.train(U, V, W, X, Y, X, Y, max_epochs=3, verbose=False)  # the history: one more
    assert len(calls) == 7


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT")
def test_adam_state_matches_the_updates_made_before_ctrl_c(rng):
    U, V, W, _, _ = random_model(rng, 60, 60, 1, 1, True, scale=0.5)
    X, Y = rng.normal(size=(400, 60, 1)), rng.normal(size=(400, 1))
    start = [a.copy() for a in (U, V, W)]
    state = rnnc.AdamState(U, V, W)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        rnnc.train(U, V, W, X, Y, None, None, max_epochs=1000, optimizer="adam",
                   learning_rate=1e-3, optimizer_state=state, verbose=False)
    timer.join()
    assert state.step > 0
    # replaying exactly state.step updates from the start gives the same weights
    replay = [a.copy() for a in start]
    again = rnnc.AdamState(*replay)
    epochs, records = divmod(state.step, len(X))
    if epochs:
        rnnc.train(*replay, X, Y, None, None, max_epochs=epochs, optimizer="adam",
                   learning_rate=1e-3, optimizer_state=again, verbose=False)
    if records:
        rnnc.train(*replay, X[:records], Y[:records], None, None, max_epochs=1,
                   optimizer="adam", learning_rate=1e-3, optimizer_state=again,
                   verbose=False)
    assert again.step == state.step
    assert all(np.array_equal(a, b) for a, b in zip((U, V, W), replay))


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

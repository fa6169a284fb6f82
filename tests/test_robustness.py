"""What training promises beyond valid input: no silent NaN (divergence stops
with FloatingPointError and leaves the last finite update; the sigmoid never
warns), Ctrl-C stops between two updates, threads train independently, and
callbacks see the current weights."""

import os
import signal
import threading
import time

import numpy as np
import pytest
from support import DIVERGING, diverging_problem, random_model

import rnnc
from rnnc import reference


def test_divergence_stops_with_the_epoch_and_record_and_finite_weights(rng):
    U, V, W, X, Y = diverging_problem(rng)
    with pytest.raises(FloatingPointError, match=r"epoch \d+, record \d+"):
        rnnc.train(U, V, W, X, Y, None, None, **DIVERGING)
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
    threads = [
        threading.Thread(
            target=rnnc.train,
            args=(*m, X, Y, None, None),
            kwargs=dict(max_epochs=3, verbose=False, n_threads=1),
        )
        for m in models
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(models, serial):
        assert all(np.array_equal(p, q) for p, q in zip(a, b))


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
    with pytest.raises(FloatingPointError, match=rf"epoch {stopped[0]}, record {stopped[1]}:"):
        rnnc.train(
            U,
            V,
            W,
            X,
            Y,
            None,
            None,
            learning_rate=lr,
            max_epochs=30,
            min_clip_val=-clip,
            max_clip_val=clip,
            verbose=False,
        )
    for mine, theirs in zip((U, V, W), replay):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_callback_sees_the_current_weights_of_non_contiguous_arrays(model):
    U, V, W, X, Y = model
    U = np.asfortranarray(U)
    seen = []
    rnnc.train(
        U,
        V,
        W,
        X,
        Y,
        None,
        None,
        max_epochs=3,
        learning_rate=0.1,
        verbose=False,
        callback=lambda *a: seen.append(U[0, 0]),
    )
    assert len(set(seen)) == 3


def test_no_loss_passes_when_nobody_looks(model, monkeypatch):
    U, V, W, X, Y = model
    calls = []
    real = rnnc.core._epoch_losses
    monkeypatch.setattr(rnnc.core, "_epoch_losses", lambda *a: calls.append(1) or real(*a))
    rnnc.train(U, V, W, X, Y, X, Y, max_epochs=3, verbose=False, history=False)
    assert calls == []
    rnnc.train(
        U, V, W, X, Y, X, Y, max_epochs=3, verbose=False, history=False, callback=lambda *a: None
    )
    assert len(calls) == 3
    rnnc.train(U, V, W, X, Y, X, Y, max_epochs=3, verbose=False)  # the history: one more
    assert len(calls) == 7


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT")
def test_adam_state_matches_the_updates_made_before_ctrl_c(rng):
    U, V, W, _, _ = random_model(rng, 60, 60, 1, 1, True, scale=0.5)
    X, Y = rng.normal(size=(400, 60, 1)), rng.normal(size=(400, 1))
    start = [a.copy() for a in (U, V, W)]
    state = rnnc.AdamState(U, V, W)
    adam = dict(optimizer="adam", learning_rate=1e-3, verbose=False)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        rnnc.train(U, V, W, X, Y, None, None, max_epochs=1000, optimizer_state=state, **adam)
    timer.join()
    assert state.step > 0
    # replaying exactly state.step updates from the start gives the same weights
    replay = [a.copy() for a in start]
    again = rnnc.AdamState(*replay)
    epochs, records = divmod(state.step, len(X))
    if epochs:
        rnnc.train(*replay, X, Y, None, None, max_epochs=epochs, optimizer_state=again, **adam)
    if records:
        part = X[:records], Y[:records]
        rnnc.train(*replay, *part, None, None, max_epochs=1, optimizer_state=again, **adam)
    assert again.step == state.step
    assert all(np.array_equal(a, b) for a, b in zip((U, V, W), replay))

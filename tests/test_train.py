"""train's result and history, record order, and the loss passes beside the updates."""

import pickle
import threading

import numpy as np
import pytest
from support import random_model

import rnnc
from rnnc import reference


@pytest.fixture
def data(rng):
    U, V, W, _, _ = random_model(rng, 12, 8, 1, 1, True, scale=0.5)
    X, Y = rng.normal(size=(40, 8, 1)), rng.normal(size=(40, 1))
    return U, V, W, X, Y


def test_result_unpacks_as_the_weights_and_holds_the_history(data):
    U, V, W, X, Y = data
    initial = [P.copy() for P in (U, V, W)]
    seen = []
    result = rnnc.train(
        U,
        V,
        W,
        X,
        Y,
        X[:10],
        Y[:10],
        learning_rate=0.05,
        max_epochs=3,
        verbose=False,
        callback=lambda *a: seen.append(a),
    )
    a, b, c = result
    assert (a, b, c) == (U, V, W) and all(p is q for p, q in zip(result, (U, V, W)))
    history = result.history
    assert history.epochs == 3 and len(history.loss) == len(history.validation_loss) == 4
    # entry e: the weights after e epochs; the callback reports the start of each epoch
    assert history.loss[0] == pytest.approx(reference.calculate_loss(X, Y, *initial)[0], rel=1e-12)
    assert history.loss[-1] == rnnc.calculate_loss(X, Y, U, V, W)[0]
    assert history.validation_loss[-1] == rnnc.calculate_loss(X[:10], Y[:10], U, V, W)[0]
    assert [(e, loss, val) for e, loss, val in seen] == [
        (e + 1, history.loss[e], history.validation_loss[e]) for e in range(3)
    ]
    assert history.loss[-1] < history.loss[0]


def test_history_without_validation_and_without_measuring(data):
    U, V, W, X, Y = data
    result = rnnc.train(U, V, W, X, Y, None, None, max_epochs=2, verbose=False)
    assert result.history.validation_loss is None and len(result.history.loss) == 3
    assert (
        rnnc.train(U, V, W, X, Y, None, None, max_epochs=2, verbose=False, history=False).history
        is None
    )
    zero = rnnc.train(U, V, W, X, Y, None, None, max_epochs=0, verbose=False)
    assert zero.history.epochs == 0 and len(zero.history.loss) == 1


def test_result_pickles_as_a_tuple(data):
    U, V, W, X, Y = data
    result = rnnc.train(U, V, W, X, Y, None, None, max_epochs=1, verbose=False)
    back = pickle.loads(pickle.dumps(result))
    assert all(np.array_equal(p, q) for p, q in zip(back, result))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_shuffled_epochs_are_epochs_over_the_permuted_records(data, optimizer):
    U, V, W, X, Y = data
    options = dict(learning_rate=0.03, verbose=False, optimizer=optimizer)
    mine = [P.copy() for P in (U, V, W)]
    rnnc.train(*mine, X, Y, None, None, max_epochs=3, shuffle=True, random_state=7, **options)
    # the same permutations, one epoch at a time on reordered copies of the data
    rng = np.random.default_rng(7)
    by_hand = [P.copy() for P in (U, V, W)]
    state = rnnc.AdamState(*by_hand) if optimizer == "adam" else None
    for _ in range(3):
        order = rng.permutation(len(X))
        rnnc.train(
            *by_hand, X[order], Y[order], None, None, max_epochs=1, optimizer_state=state, **options
        )
    assert all(np.array_equal(p, q) for p, q in zip(mine, by_hand))
    in_order = [P.copy() for P in (U, V, W)]
    rnnc.train(*in_order, X, Y, None, None, max_epochs=3, **options)
    assert not np.array_equal(in_order[2], mine[2])


def test_shuffled_epoch_matches_the_reference(data):
    U, V, W, X, Y = data
    mine = [P.copy() for P in (U, V, W)]
    rnnc.train(
        *mine,
        X,
        Y,
        None,
        None,
        learning_rate=0.05,
        max_epochs=1,
        verbose=False,
        shuffle=True,
        random_state=np.random.RandomState(3),
    )
    order = np.random.RandomState(3).permutation(len(X))
    ref = [P.copy() for P in (U, V, W)]
    reference.train(*ref, X[order], Y[order], X, Y, learning_rate=0.05, max_epochs=1, verbose=False)
    for got, want in zip(mine, ref):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_same_seed_same_weights_other_seed_other_weights(data):
    U, V, W, X, Y = data
    runs = {}
    for seed in (1, 1, 2):
        weights = [P.copy() for P in (U, V, W)]
        rnnc.train(
            *weights,
            X,
            Y,
            None,
            None,
            learning_rate=0.05,
            max_epochs=2,
            verbose=False,
            shuffle=True,
            random_state=seed,
        )
        runs.setdefault(seed, []).append(weights[2])
    assert np.array_equal(runs[1][0], runs[1][1])
    assert not np.array_equal(runs[1][0], runs[2][0])


def test_the_kernel_refuses_an_order_that_is_not_a_permutation(data):
    from rnnc import _sgd

    U, V, W, X, Y = data
    for order in ([0, 0] + list(range(2, 40)), list(range(39)), list(range(1, 41))):
        with pytest.raises(ValueError, match="permutation"):
            _sgd.sgd_epoch(U, V, W, X, Y, 0.1, 5, -1, 1, True, order=np.array(order, dtype=np.intp))


def test_a_callback_keeps_the_loss_passes_beside_the_updates(data, monkeypatch):
    """The loss passes run on another thread even when a callback watches, and
    the callback runs on the caller's thread."""
    U, V, W, X, Y = data
    measured_on, called_on = set(), set()
    real = rnnc.core._epoch_losses

    def spy(*args):
        measured_on.add(threading.get_ident())
        return real(*args)

    monkeypatch.setattr(rnnc.core, "_epoch_losses", spy)
    rnnc.train(
        U,
        V,
        W,
        X,
        Y,
        X,
        Y,
        max_epochs=3,
        verbose=False,
        n_threads=2,
        callback=lambda *a: called_on.add(threading.get_ident()),
    )
    me = threading.get_ident()
    assert called_on == {me} and me in measured_on and len(measured_on) == 2


def test_sigmoid_is_the_kernels_and_keeps_shape_and_dtype(rng):
    z = rng.normal(0, 10, size=(3, 4, 5))
    got = rnnc.sigmoid(z)
    assert got.shape == z.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, reference.sigmoid(z), rtol=4e-16, atol=0)
    z32 = z.astype(np.float32)
    assert rnnc.sigmoid(z32).dtype == np.float32
    np.testing.assert_allclose(rnnc.sigmoid(z32), reference.sigmoid(z32), rtol=2e-7)
    assert rnnc.sigmoid(0) == 0.5 and rnnc.sigmoid([1, 2]).shape == (2,)
    with pytest.raises(TypeError, match="x must hold real numbers"):
        rnnc.sigmoid(["a"])

"""The compiled kernels against rnnc.reference, on random models of many shapes."""

import numpy as np
import pytest
from support import random_model, relative_error

import rnnc
from rnnc import _forward, _sgd, core, reference

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}
# (hidden, T, n_features, output_dim, per_step, bptt_truncate)
SHAPES = [
    (1, 1, 1, 1, True, 5),
    (7, 9, 1, 1, True, 3),
    (7, 9, 3, 2, False, 0),
    (5, 6, 1, 3, True, None),
    (10, 12, 4, 1, False, 20),
    (33, 17, 1, 2, True, 0),
    (16, 50, 1, 1, True, 5),
    (40, 8, 5, 4, False, 7),
]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden,T,F,n_out,per_step,k", SHAPES)
def test_gradients_match_reference(rng, dtype, hidden, T, F, n_out, per_step, k, activation):
    U, V, W, x, y = random_model(rng, hidden, T, F, n_out, per_step, dtype)
    got = rnnc.gradients(U, V, W, x, y, k, activation=activation)
    want = reference.gradients(*(a.astype(np.float64) for a in (U, V, W, x, y)), k, activation)
    for g, w in zip(got, want):
        assert g.dtype == dtype and g.shape == w.shape
        assert relative_error(g, w) < TOLERANCE[dtype]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden,T,F,n_out,per_step,k", SHAPES)
def test_tutorial_rule_matches_reference(rng, dtype, hidden, T, F, n_out, per_step, k):
    U, V, W, x, y = random_model(rng, hidden, T, F, n_out, per_step, dtype)
    got = _sgd.record_gradients(U, V, W, x, y, -1 if k is None else k, per_step, True, -0.5, 0.5)
    want = reference.tutorial_update(*(a.astype(np.float64) for a in (U, V, W, x, y)), k, -0.5, 0.5)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        assert relative_error(g, w) < TOLERANCE[dtype]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_records", [1, 31, 32, 33, 100])
@pytest.mark.parametrize("per_step,F", [(True, 1), (False, 1), (False, 3)])
def test_predict_and_loss_match_reference(rng, dtype, n_records, per_step, F, activation):
    hidden, T, n_out = 12, 10, 2
    U, V, W, _, _ = random_model(rng, hidden, T, F, n_out, per_step, dtype)
    X = rng.normal(size=(n_records, T, F)).astype(dtype)
    Y = rng.normal(size=(n_records, n_out)).astype(dtype)
    ref = [a.astype(np.float64) for a in (U, V, W, X, Y)]
    got = rnnc.predict(U, V, W, X, activation=activation)
    assert got.shape == (n_records, n_out) and got.dtype == dtype
    assert relative_error(got, reference.predict(*ref[:4], activation)) < TOLERANCE[dtype]
    loss, h_T = rnnc.calculate_loss(X, Y, U, V, W, activation=activation)
    want_loss, want_h = reference.calculate_loss(ref[3], ref[4], *ref[:3], activation)
    assert isinstance(loss, float)
    assert abs(loss - want_loss) <= TOLERANCE[dtype] * want_loss
    assert h_T.shape == (hidden, 1) and relative_error(h_T, want_h) < TOLERANCE[dtype]


@pytest.mark.parametrize("chunk_work", [1e8, 1e4])
def test_threads_do_not_change_predictions(rng, monkeypatch, chunk_work):
    # small work would run on one thread; here every call uses two, in one
    # chunk or in many
    monkeypatch.setattr(core, "THREAD_WORK", 0)
    monkeypatch.setattr(core, "CHUNK_WORK", chunk_work)
    U, V, W, _, _ = random_model(rng, 20, 15, 1, 1, True)
    X = rng.normal(size=(300, 15, 1))
    one = rnnc.predict(U, V, W, X, n_threads=1)
    assert np.array_equal(one, rnnc.predict(U, V, W, X, n_threads=2))


@pytest.mark.parametrize("chunk_work", [1e8, 1e3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden,T,F,n_out,per_step,k", SHAPES + [(100, 20, 1, 1, False, 0)])
def test_a_record_predicts_the_same_alone_as_in_a_batch(
    rng, monkeypatch, chunk_work, dtype, hidden, T, F, n_out, per_step, k
):
    # a block of one or two records (four in float32) runs record by record,
    # a larger one as a matrix product: to the bit the same; with a small
    # CHUNK_WORK, long records run in pieces of steps, which resume
    monkeypatch.setattr(core, "CHUNK_WORK", chunk_work)
    U, V, W, _, _ = random_model(rng, hidden, T, F, n_out, per_step, dtype)
    X = rng.normal(size=(37, T, F)).astype(dtype)
    skip = rng.normal(size=(n_out, F * min(T, 2))).astype(dtype), rng.normal(size=n_out)
    for activation in ("sigmoid", "tanh"):
        for linear in (None, (skip[0], skip[1].astype(dtype))):
            kwargs = dict(activation=activation, linear=linear, n_threads=1)
            batch = rnnc.predict(U, V, W, X, **kwargs)
            for rows in ([0], [36], [3, 4], [1, 2, 3], [33, 34, 35, 36], list(range(28, 37))):
                alone = rnnc.predict(U, V, W, X[rows], **kwargs)
                assert np.array_equal(alone, batch[rows]), (activation, linear is None, rows)


@pytest.mark.parametrize("hidden,T", [(10, 5), (100, 50), (400, 400), (2000, 400)])
def test_chunks_give_every_thread_whole_blocks(hidden, T):
    X, W = np.zeros((1, T, 1)), np.zeros((hidden, hidden))
    block = _forward.BLOCK_RECORDS
    for n_threads in (1, 2, 3):
        chunk = core._chunk_records(X, W, n_threads)
        assert chunk % (n_threads * block) == 0 and chunk >= n_threads * block
        per_thread_work = chunk // n_threads * core._record_work(X, W)
        assert per_thread_work <= max(core.CHUNK_WORK, block * core._record_work(X, W))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
# hidden 9: the BPTT kernels' W has rows padded to cache lines; 16: whole lines
# in both dtypes (the tutorial's rule reads W as given at any size)
@pytest.mark.parametrize(
    "backprop,optimizer,activation,hidden",
    [
        ("bptt", "sgd", "sigmoid", 9),
        ("tutorial", "sgd", "sigmoid", 9),
        ("bptt", "adam", "sigmoid", 9),
        ("bptt", "sgd", "tanh", 9),
        ("bptt", "adam", "tanh", 9),
        ("bptt", "sgd", "sigmoid", 16),
        ("bptt", "adam", "tanh", 16),
    ],
)
@pytest.mark.parametrize("per_step,F,k", [(True, 1, 2), (False, 2, None), (False, 1, 0)])
def test_train_matches_reference(
    rng, dtype, backprop, optimizer, activation, hidden, per_step, F, k
):
    T, n_out = 8, 2
    U, V, W, _, _ = random_model(rng, hidden, T, F, n_out, per_step, dtype, scale=0.5)
    X = rng.normal(size=(20, T, F)).astype(dtype)
    Y = rng.normal(size=(20, n_out)).astype(dtype)
    Xv, Yv = X[:5] * 0.5, Y[:5]
    mine = [a.copy() for a in (U, V, W)]
    ref = [a.astype(np.float64) for a in (U, V, W)]
    # The tutorial's rule clips running sums that nearly cancel, which makes
    # its training chaotic where the clip binds (rounding differences grow
    # ~10x per record; see test_tutorial_mode.py): compare it where it does not.
    clip = (-0.3, 0.4) if backprop == "bptt" else (-1e3, 1e3)
    options = dict(
        learning_rate=0.05 if optimizer == "sgd" else 0.01,
        max_epochs=4,
        bptt_truncate=k,
        min_clip_val=clip[0],
        max_clip_val=clip[1],
        backprop=backprop,
        optimizer=optimizer,
        activation=activation,
        verbose=False,
    )
    got_losses, want_losses = [], []
    out = rnnc.train(*mine, X, Y, Xv, Yv, callback=lambda *a: got_losses.append(a), **options)
    assert all(o is m for o, m in zip(out, mine))
    reference.train(
        *ref,
        X.astype(np.float64),
        Y.astype(np.float64),
        Xv.astype(np.float64),
        Yv.astype(np.float64),
        callback=lambda *a: want_losses.append(a),
        **options,
    )
    tol = TOLERANCE[dtype] * (1 if dtype == np.float64 else 10)
    assert relative_error(got_losses, want_losses) < tol
    for g, w in zip(mine, ref):
        assert relative_error(g, w) < tol


def test_train_prints_the_tutorials_line(rng, capsys):
    U, V, W, x, _ = random_model(rng, 4, 3, 1, 1, True)
    X, Y = rng.normal(size=(5, 3, 1)), rng.normal(size=(5, 1))
    initial = [a.copy() for a in (U, V, W)]
    rnnc.train(U, V, W, X, Y, X[:2], Y[:2], max_epochs=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["Epoch: 1", "Epoch: 2"]
    loss = float(lines[0].split("Loss: ")[1].split(",")[0])
    assert loss == pytest.approx(reference.calculate_loss(X, Y, *initial)[0], rel=1e-12)
    assert "Validation Loss: " in lines[0]


def test_sigmoid_is_exact_and_silent():
    z = np.array(
        [
            -1e308,
            -800,
            -745,
            -709.5,
            -40,
            -1,
            -1e-300,
            0,
            1e-300,
            1,
            36,
            40,
            800,
            1e308,
            np.inf,
            -np.inf,
        ]
    )
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        want = reference.sigmoid(z)
    got = np.empty_like(z)
    from rnnc import _forward  # the kernel's sigmoid, through a one-step forward pass

    for i, v in enumerate(z):
        got[i] = _forward.final_hidden_states(
            np.ones((1, 1)), np.zeros((1, 1)), np.array([[[v]]]), True
        )[0, 0]
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=5e-324)
    assert got[0] == 0 and got[-3] == 1 and got[-1] == 0


def test_tutorial_rule_refuses_other_optimizers_and_activations(rng):
    U, V, W, _, _ = random_model(rng, 4, 3, 1, 1, True)
    X, Y = rng.normal(size=(5, 3, 1)), rng.normal(size=(5, 1))
    for options in (dict(optimizer="adam"), dict(activation="tanh")):
        with pytest.raises(ValueError, match="tutorial"):
            rnnc.train(U, V, W, X, Y, None, None, backprop="tutorial", **options)


def test_loss_passes_beside_the_updates_change_nothing(rng, capsys):
    """Without a callback, train runs each epoch's loss passes on another core
    while it updates: printed losses and weights must equal the one-thread run."""
    U, V, W, _, _ = random_model(rng, 30, 12, 1, 1, True, scale=0.5)
    X, Y = rng.normal(size=(300, 12, 1)), rng.normal(size=(300, 1))
    runs = []
    for n_threads in (1, 2):
        weights = [a.copy() for a in (U, V, W)]
        rnnc.train(
            *weights, X, Y, X[:50], Y[:50], learning_rate=0.05, max_epochs=4, n_threads=n_threads
        )
        runs.append((weights, capsys.readouterr().out))
    (one, printed_one), (two, printed_two) = runs
    assert printed_one == printed_two and printed_one.count("Epoch:") == 4
    assert all(np.array_equal(a, b) for a, b in zip(one, two))


def test_record_order_changes_neither_predictions_nor_the_loss(rng):
    # each record's prediction is independent of its place in a block, and
    # the loss is summed exactly, so shuffling records only shuffles outputs
    U, V, W, _, _ = random_model(rng, 30, 12, 1, 2, True)
    X, Y = rng.normal(size=(77, 12, 1)), rng.normal(size=(77, 2))
    order = rng.permutation(77)
    np.testing.assert_array_equal(rnnc.predict(U, V, W, X)[order], rnnc.predict(U, V, W, X[order]))
    assert (
        rnnc.calculate_loss(X, Y, U, V, W)[0] == rnnc.calculate_loss(X[order], Y[order], U, V, W)[0]
    )


def test_training_leaves_subnormals_to_the_caller(rng):
    # the SGD kernel flushes subnormal results to zero while it runs (they
    # are slow and below any update); the caller's setting must come back
    U, V, W, x, y = random_model(rng, 8, 6, 1, 1, True)
    tiny = np.float64(np.finfo(np.float64).tiny)
    rnnc.train(U, V, W, x[None], y[None], None, None, max_epochs=1, verbose=False)
    rnnc.gradients(U, V, W, x, y)
    assert tiny / 4 > 0 and np.float32(np.finfo(np.float32).tiny) / np.float32(4) > 0


def test_a_record_gets_the_same_update_wherever_it_falls(rng):
    # one epoch over three records equals three one-record epochs: a record's
    # update depends on the weights and the record, not on its place
    U, V, W, _, _ = random_model(rng, 20, 10, 1, 1, True)
    X, Y = rng.normal(size=(3, 10, 1)), rng.normal(size=(3, 1))
    options = dict(
        max_epochs=1,
        bptt_truncate=4,
        verbose=False,
        learning_rate=0.01,
        min_clip_val=-1e9,
        max_clip_val=1e9,
    )
    together = [P.copy() for P in (U, V, W)]
    rnnc.train(*together, X, Y, None, None, **options)
    apart = [P.copy() for P in (U, V, W)]
    for r in range(3):
        rnnc.train(*apart, X[r : r + 1], Y[r : r + 1], None, None, **options)
    for a, b in zip(together, apart):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden,per_step", [(13, True), (100, True), (21, False)])
def test_a_training_step_applies_exactly_rnnc_gradients(rng, dtype, hidden, per_step):
    # with learning rate 1 and clipping out of reach, one SGD step is
    # P - gradient with a single rounding, whichever way it is computed
    U, V, W, x, y = random_model(rng, hidden, 12, 1 if per_step else 3, 2, per_step, dtype=dtype)
    grads = rnnc.gradients(U, V, W, x, y, bptt_truncate=4)
    stepped = [P.copy() for P in (U, V, W)]
    one_unclipped_step = dict(
        max_epochs=1, bptt_truncate=4, learning_rate=1.0, min_clip_val=-1e30, max_clip_val=1e30
    )
    rnnc.train(*stepped, x[None], y[None], None, None, verbose=False, **one_unclipped_step)
    for P, g, got in zip((U, V, W), grads, stepped):
        np.testing.assert_array_equal(got, P - g)

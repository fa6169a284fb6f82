"""Mini-batch training (rnnc.train(batch_size=B)): each update is the clipped
mean of the batch's exact truncated gradients, whatever the threads."""

import contextlib
import os
import signal
import threading
import time

import numpy as np
import pytest
from support import random_model, relative_error

import rnnc
from rnnc import reference

# truncation in the per-step layout freezes U's first columns, and train warns so
pytestmark = pytest.mark.filterwarnings("ignore:U column:UserWarning")


@pytest.fixture
def threads_for_any_work(monkeypatch):
    """Batches on several threads however small (train keeps small ones on one)."""
    monkeypatch.setattr(rnnc.core, "THREAD_WORK", 0)


def batch_oracle(params, X, Y, batch_size, order, k, lo, hi, lr, optimizer, activation, adam=None):
    """One epoch by rnnc.reference: per batch of consecutive records of
    `order`, the mean of reference.gradients, clipped, then SGD or Adam."""
    U, V, W = params[:3]
    linear = tuple(params[3:]) or None
    Xo, Yo = X[order], Y[order]
    for start in range(0, len(X), batch_size):
        batch = slice(start, start + batch_size)
        grads = [
            reference.gradients(U, V, W, x, y, k, activation, linear)
            for x, y in zip(Xo[batch], Yo[batch], strict=True)
        ]
        mean = [np.clip(np.mean([g[i] for g in grads], axis=0), lo, hi) for i in range(len(params))]
        if optimizer == "adam":
            adam.update(params, mean, lr)
        else:
            for P, g in zip(params, mean, strict=True):
                P -= lr * g


def problem(rng, per_step, dtype, with_linear, n=75, T=7, hidden=37, output_dim=2, F=None):
    F = F or (1 if per_step else 3)
    U, V, W, _, _ = random_model(rng, hidden, T, F, output_dim, per_step, dtype, scale=0.5)
    X = rng.normal(size=(n, T, F)).astype(dtype)
    Y = rng.normal(size=(n, output_dim)).astype(dtype)
    params = [U, V, W]
    if with_linear:
        params += [
            rng.normal(size=(output_dim, 2 * F)).astype(dtype),
            rng.normal(size=output_dim).astype(dtype),
        ]
    return params, X, Y


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 1e-5)])
# the shared layout with one feature sums dU over several steps per product
@pytest.mark.parametrize(
    "per_step, F", [(True, 1), (False, 3), (False, 1)], ids=["per_step", "shared", "shared1"]
)
@pytest.mark.parametrize("k", [0, 2, None])
@pytest.mark.parametrize("with_linear", [False, True], ids=["", "skip"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_batch_step_is_the_clipped_mean_gradient(
    threads_for_any_work, rng, dtype, tolerance, per_step, F, k, with_linear, optimizer
):
    # 75 records in batches of 33: blocks of 32 and 1, and a ragged last batch of 9
    params, X, Y = problem(rng, per_step, dtype, with_linear, F=F)
    activation = "tanh" if k == 2 else "sigmoid"
    expected = [P.copy() for P in params]
    adam = reference.Adam(expected) if optimizer == "adam" else None
    settings = dict(
        learning_rate=0.05,
        bptt_truncate=k,
        min_clip_val=-0.5,
        max_clip_val=0.5,
        optimizer=optimizer,
        activation=activation,
    )
    orders = np.random.default_rng(5)  # each epoch's order, as train(random_state=5) draws it
    for _ in range(2):
        batch_oracle(
            expected,
            X,
            Y,
            33,
            orders.permutation(len(X)),
            k,
            -0.5,
            0.5,
            0.05,
            optimizer,
            activation,
            adam,
        )
    got = [P.copy() for P in params]
    rnnc.train(
        *got[:3],
        X,
        Y,
        None,
        None,
        max_epochs=2,
        verbose=False,
        batch_size=33,
        shuffle=True,
        random_state=5,
        n_threads=2,
        linear=tuple(got[3:]) or None,
        **settings,
    )
    for name, g, e, start in zip("UVWAb"[: len(params)], got, expected, params, strict=True):
        assert relative_error(g, e) < tolerance, name
        assert relative_error(g, start) > 100 * tolerance, name  # the weights did move


def test_a_batch_step_matches_torch_autograd(rng):
    torch = pytest.importorskip("torch")
    (U, V, W), X, Y = problem(rng, False, np.float64, False, n=20, T=6, hidden=9)
    k, lr = 3, 0.1
    params = [torch.tensor(a, requires_grad=True) for a in (U, V, W)]
    tU, tV, tW = params
    tX, tY = torch.tensor(X), torch.tensor(Y)
    h = torch.zeros(20, 9, dtype=torch.float64)
    for t in range(6):
        if t == 6 - k - 1:
            h = h.detach()  # h_{T-k-1} held constant
        h = torch.tanh(tX[:, t] @ tU.T + h @ tW.T)
    # the mean over records of ||y - yhat||^2 / 2
    loss = 0.5 * ((tY - h @ tV.T) ** 2).sum(dim=1).mean()
    loss.backward()
    with torch.no_grad():
        for P in params:
            P -= lr * P.grad.clamp(-1, 1)
    rnnc.train(
        U,
        V,
        W,
        X,
        Y,
        None,
        None,
        learning_rate=lr,
        max_epochs=1,
        bptt_truncate=k,
        min_clip_val=-1,
        max_clip_val=1,
        activation="tanh",
        batch_size=20,
        verbose=False,
    )
    for got, P in zip((U, V, W), params, strict=True):
        assert relative_error(got, P.detach().numpy()) < 1e-12


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_results_do_not_depend_on_the_number_of_threads(threads_for_any_work, rng, optimizer):
    # batches of 100: blocks of 32, 32, 32 and 4 spread over 1 to 4 threads
    params, X, Y = problem(rng, False, np.float64, True, n=250)
    results = []
    for n_threads in (1, 2, 3, 4):
        mine = [P.copy() for P in params]
        rnnc.train(
            *mine[:3],
            X,
            Y,
            None,
            None,
            learning_rate=0.02,
            max_epochs=2,
            optimizer=optimizer,
            verbose=False,
            batch_size=100,
            n_threads=n_threads,
            linear=tuple(mine[3:]),
            shuffle=True,
            random_state=1,
        )
        results.append(mine)
    for other in results[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(results[0], other, strict=True))


def test_batch_size_one_is_the_per_record_path(model):
    U, V, W, X, Y = model
    one = [P.copy() for P in (U, V, W)]
    default = [P.copy() for P in (U, V, W)]
    rnnc.train(*one, X, Y, None, None, max_epochs=3, verbose=False, batch_size=1, learning_rate=0.1)
    rnnc.train(*default, X, Y, None, None, max_epochs=3, verbose=False, learning_rate=0.1)
    assert all(np.array_equal(a, b) for a, b in zip(one, default, strict=True))


def test_history_and_adam_state_continue_across_calls(rng):
    (U, V, W), X, Y = problem(rng, True, np.float64, False, n=40)
    state = rnnc.AdamState(U, V, W)
    result = rnnc.train(
        U,
        V,
        W,
        X,
        Y,
        X[:10],
        Y[:10],
        max_epochs=2,
        optimizer="adam",
        learning_rate=0.01,
        batch_size=8,
        verbose=False,
        optimizer_state=state,
    )
    assert state.step == 10  # 5 batches per epoch
    assert result.history.loss[-1] == rnnc.calculate_loss(X, Y, U, V, W)[0]
    assert result.history.loss[-1] < result.history.loss[0]


@pytest.mark.parametrize(
    "bad, error",
    [
        (0, ValueError),
        (-3, ValueError),
        (2.0, TypeError),
        (True, TypeError),
        ("8", TypeError),
        (None, TypeError),
    ],
)
def test_a_bad_batch_size_is_named(model, bad, error):
    with pytest.raises(error, match="batch_size"):
        rnnc.train(*model, None, None, max_epochs=1, verbose=False, batch_size=bad)


def test_the_tutorial_rule_has_no_batches(model):
    with pytest.raises(ValueError, match="batch_size=1"):
        rnnc.train(
            *model, None, None, max_epochs=1, verbose=False, backprop="tutorial", batch_size=4
        )


def test_divergence_names_the_batch_and_keeps_the_last_finite_update(rng):
    (U, V, W), X, Y = problem(rng, True, np.float64, False, n=12, T=4, hidden=5, output_dim=1)
    settings = dict(
        learning_rate=1e306, min_clip_val=-100, max_clip_val=100, verbose=False, batch_size=3
    )
    start = [P.copy() for P in (U, V, W)]
    with pytest.raises(FloatingPointError, match=r"epoch \d+, batch \d+ \(records") as caught:
        rnnc.train(U, V, W, X, Y, None, None, max_epochs=50, **settings)
    epoch, batch = caught.value.epoch, caught.value.batch
    assert all(np.all(np.isfinite(P)) for P in (U, V, W))
    # the same updates again: epoch - 1 whole epochs, then the batches before the refused one
    replay = start
    rnnc.train(*replay, X, Y, None, None, max_epochs=epoch - 1, **settings)
    if batch:
        rnnc.train(*replay, X[: 3 * batch], Y[: 3 * batch], None, None, max_epochs=1, **settings)
    assert all(np.array_equal(a, b) for a, b in zip(replay, (U, V, W), strict=True))


@contextlib.contextmanager
def sigint_after(seconds):
    """SIGINT to this process `seconds` after entering; yields a list that
    then holds the time it was sent."""
    sent = []
    timer = threading.Timer(
        seconds, lambda: sent.append(time.perf_counter()) or os.kill(os.getpid(), signal.SIGINT)
    )
    timer.start()
    try:
        yield sent
    finally:
        timer.join()


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT")
@pytest.mark.parametrize("n_threads", [1, 2])
def test_ctrl_c_stops_a_batch_quickly_and_it_is_not_applied(rng, n_threads):
    # one batch of 4096 records of 200 steps, full BPTT: seconds of work
    U, V, W, _, _ = random_model(rng, 128, 200, 1, 1, False)
    X, Y = rng.normal(size=(4096, 200, 1)), rng.normal(size=(4096, 1))
    start = [P.copy() for P in (U, V, W)]
    with pytest.raises(KeyboardInterrupt), sigint_after(0.3) as sent:
        rnnc.train(
            U,
            V,
            W,
            X,
            Y,
            None,
            None,
            max_epochs=1,
            verbose=False,
            history=False,
            batch_size=4096,
            n_threads=n_threads,
            bptt_truncate=None,
        )
    stopped = time.perf_counter()
    assert stopped - sent[0] < 0.3
    assert all(np.array_equal(a, b) for a, b in zip(start, (U, V, W), strict=True))


def test_the_data_is_not_copied(rng, monkeypatch):
    # what the kernel reads is the caller's array itself
    (U, V, W), X, Y = problem(rng, False, np.float64, False, n=64)
    from rnnc import _batch

    seen = []
    kernel = _batch.batch_epoch

    def spy(U, V, W, X_kernel, *args):
        seen.append(np.shares_memory(X_kernel, X))
        return kernel(U, V, W, X_kernel, *args)

    monkeypatch.setattr(_batch, "batch_epoch", spy)
    rnnc.train(
        U,
        V,
        W,
        X,
        Y,
        None,
        None,
        max_epochs=1,
        verbose=False,
        batch_size=16,
        shuffle=True,
        random_state=0,
    )
    assert seen == [True]


def test_the_estimator_chooses_batches_for_large_data():
    pytest.importorskip("sklearn")
    from rnnc.estimator import RNNRegressor
    from rnnc.spec import AUTO_BATCH_FROM, AUTO_BATCH_SIZE

    auto = RNNRegressor()
    assert auto.batch_size == "auto" and auto._batch_size(AUTO_BATCH_FROM - 1) == 1
    assert auto._batch_size(AUTO_BATCH_FROM) == AUTO_BATCH_SIZE > 1
    assert RNNRegressor(batch_size=7)._batch_size(10) == 7


@pytest.mark.parametrize("bad", [0, -1, 2.5, "big", None])
def test_the_estimator_names_a_bad_batch_size(rng, bad):
    pytest.importorskip("sklearn")
    from rnnc.estimator import RNNRegressor

    with pytest.raises((TypeError, ValueError), match="batch_size"):
        RNNRegressor(batch_size=bad, max_epochs=1).fit(rng.normal(size=(8, 5)), rng.normal(size=8))


def test_the_estimator_trains_in_batches(rng):
    pytest.importorskip("sklearn")
    from rnnc.estimator import RNNRegressor

    X, y = rng.normal(size=(64, 5)), rng.normal(size=64)
    fits = [
        RNNRegressor(hidden_dim=4, max_epochs=2, random_state=0, batch_size=B).fit(X, y)
        for B in (1, 16, 16)
    ]
    assert fits[0].n_iter_ == fits[1].n_iter_ == 2
    assert not np.array_equal(fits[0].W_, fits[1].W_)
    assert np.array_equal(fits[1].W_, fits[2].W_)


def test_the_command_line_takes_a_batch_size(capsys, tmp_path):
    from rnnc import cli

    status = cli.main(
        [
            "sine",
            "--batch-size",
            "10",
            "--epochs",
            "2",
            "--no-plots",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0 and "Validation RMSE" in out
    with pytest.raises(SystemExit) as exit_:
        cli.main(["sine", "--batch-size", "0", "--no-plots"])
    assert exit_.value.code == 2 and "--batch-size" in capsys.readouterr().err

"""The tutorial's API on compiled kernels: train, predict, calculate_loss, gradients.

Shapes, as in the tutorial: U (hidden_dim, seq_len) for one input value per
step, or (hidden_dim, n_features) for the shared Elman input; V (output_dim,
hidden_dim); W (hidden_dim, hidden_dim); X (n_records, seq_len, n_features)
or (n_records, seq_len); Y (n_records, output_dim).  rnnc/reference.py states
the math.
"""
from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from rnnc import _forward, _sgd, spec
from rnnc import _validation as check
# the tutorial's hyperparameters, under its names (rnnc/__init__.py exports them)
from rnnc.spec import (bptt_truncate, hidden_dim, learning_rate, max_clip_val,  # noqa: F401
                       max_epochs, min_clip_val, output_dim, seq_len)


def sigmoid(x):
    """1 / (1 + exp(-x)) elementwise, as the kernels compute it: from exp(-|x|),
    so that it never overflows and raises no warning for any input.

    Returns an array shaped like x: float32 for float32 input, float64 otherwise.
    """
    x = check.as_real_array(x, "x")
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    flat = np.ascontiguousarray(x, dtype=dtype).reshape(-1)
    return _forward.activation_values(flat, _forward.ACTIVATIONS["sigmoid"]).reshape(x.shape)


MAX_THREADS = 4096


def _threads(n_threads):
    if n_threads is None:
        return os.cpu_count() or 1
    if not 1 <= check.check_count(n_threads, "n_threads") <= MAX_THREADS:
        raise ValueError(f"n_threads must be between 1 and {MAX_THREADS}, got {n_threads}")
    return n_threads


def _activation(activation):
    """The kernels' code for the activation's name."""
    return _forward.ACTIVATIONS[check.check_choice(activation, "activation", spec.ACTIVATIONS)]


# Work between two checks for Ctrl-C in the SGD kernel, in multiply-adds: a
# few milliseconds; and per chunk of a loss pass or predict, per thread.
SIGNAL_CHECK_WORK = 1e7
CHUNK_WORK = 1e8
# Work below which a second thread costs more (waking it) than it saves.
THREAD_WORK = 2e7


def _record_work(X, W):
    """Multiply-adds of the forward pass of one record."""
    return X.shape[1] * W.shape[0] * (W.shape[0] + X.shape[2])


def _records_per_check(X, W, at_least=1):
    return max(at_least, int(SIGNAL_CHECK_WORK // _record_work(X, W)))


def _chunk_records(X, W, n_threads):
    """Records per call of the forward kernel: about CHUNK_WORK per thread,
    in whole blocks (a thread takes one block at a time)."""
    block_work = _forward.BLOCK_RECORDS * _record_work(X, W)
    return n_threads * _forward.BLOCK_RECORDS * max(1, int(CHUNK_WORK // block_work))


def _forward_chunks(U, W, X, layout, activation, n_threads, stop=None, V=None, linear=None):
    """(first record, h_T of the next records) in chunks, or with V, V h_T
    (+ the skip term's A x_tail + b):
    Ctrl-C (or `stop`, a threading.Event) is seen between chunks, and memory
    stays O(chunk x hidden)."""
    n_threads = _threads(n_threads)
    if len(X) * _record_work(X, W) < THREAD_WORK:
        n_threads = 1
    code = _activation(activation)
    chunk = _chunk_records(X, W, n_threads)
    for first in range(0, len(X), chunk):
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt("stopped")
        X_chunk = X[first:first + chunk]
        if V is None:
            yield first, _forward.final_hidden_states(U, W, X_chunk, layout.per_step, code,
                                                      n_threads)
        else:
            # V h_T in the kernel: NumPy's matmul would wake BLAS threads that
            # then spin on the cores the kernels use
            yield first, _forward.final_outputs(U, V, W, X_chunk, layout.per_step, code,
                                                n_threads, *(linear or (None, None)))


def _outputs(U, V, W, X, layout, activation, n_threads, stop=None, linear=None):
    """yhat of every record, (n_records, output_dim)."""
    out = np.empty((len(X), V.shape[0]), dtype=U.dtype)
    for first, yhat in _forward_chunks(U, W, X, layout, activation, n_threads, stop, V,
                                       linear):
        out[first:first + len(yhat)] = yhat
    return out


def _loss(Y, yhat):
    """sum over records of ||y - yhat||^2 / 2, in float64 and exactly rounded,
    so that it does not depend on the order of the records."""
    residual = np.subtract(Y, yhat, dtype=np.float64)
    return math.fsum((residual ** 2).ravel().tolist()) / 2


def _epoch_losses(U, V, W, X, Y, layout, validation, activation, n_threads, stop,
                  linear=None):
    """(training loss, validation loss or None) with the weights U, V, W."""
    loss = _loss(Y, _outputs(U, V, W, X, layout, activation, n_threads, stop, linear))
    if validation is None:
        return loss, None
    Xv, Yv, val_layout = validation
    return loss, _loss(Yv, _outputs(U, V, W, Xv, val_layout, activation, n_threads, stop,
                                    linear))


def predict(U, V, W, X, *, activation="sigmoid", n_threads=None, linear=None):
    """yhat = V h_T for every record of X, as (n_records, output_dim).

    linear = (A, b) adds the skip term A x_tail + b, a linear autoregression
    on each record's last p steps (A is (output_dim, p * n_features)).
    """
    U, V, W = check.check_weights(U, V, W)
    X, _, layout = check.check_data(U, V, X, None)
    linear = check.check_linear(linear, U, V, layout)
    return _outputs(U, V, W, X, layout, activation, n_threads, linear=linear)


def calculate_loss(X, Y, U, V, W, *, activation="sigmoid", n_threads=None, linear=None):
    """(loss, activation): the summed squared-error loss / 2 over all records,
    and h_T of the last record as (hidden_dim, 1), like the tutorial's.
    linear: the skip term, as for predict."""
    U, V, W = check.check_weights(U, V, W)
    X, Y, layout = check.check_data(U, V, X, Y)
    linear = check.check_linear(linear, U, V, layout)
    loss = _loss(Y, _outputs(U, V, W, X, layout, activation, n_threads, linear=linear))
    h_T = _forward.final_hidden_states(U, W, X[-1:], layout.per_step, _activation(activation))
    return loss, h_T[0][:, None]


def _truncation(bptt_truncate):
    """The kernels' code for bptt_truncate (spec.NO_TRUNCATION for full BPTT)."""
    k = check.check_count(bptt_truncate, "bptt_truncate", allow_none=True)
    return spec.truncation_code(k)


def gradients(U, V, W, x, y, bptt_truncate=bptt_truncate, *, activation="sigmoid",
              linear=None):
    """(dU, dV, dW): the exact, unclipped gradient of one record's loss
    ||y - yhat||^2 / 2 with h_{T-k-1} held constant (k = bptt_truncate;
    None for full backpropagation through time).  With the skip term
    linear = (A, b): (dU, dV, dW, dA, db)."""
    U, V, W = check.check_weights(U, V, W)
    x, y, layout = check.check_record(U, V, x, y)
    linear = check.check_linear(linear, U, V, layout) or (None, None)
    return _sgd.record_gradients(U, V, W, x, y, _truncation(bptt_truncate), layout.per_step,
                                 activation=_activation(activation), A=linear[0], b=linear[1])


class AdamState:
    """Adam's update count and moment estimates for U, V, W (and the skip
    term's A and b, with linear = (A, b)).

    train(optimizer="adam") starts a fresh one unless given one through
    optimizer_state; passing the same object to successive calls continues
    the optimisation where the last call stopped (partial_fit, warm starts).
    """

    def __init__(self, U, V, W, linear=None):
        self.step = 0
        self.moments = [np.zeros_like(P) for P in self._pairs(U, V, W, linear)]

    @staticmethod
    def _pairs(U, V, W, linear):
        """Each parameter twice, as the moments follow them: m, v of U, then V, ..."""
        params = (U, V, W) if linear is None else (U, V, W, *linear)
        return [P for P in params for _ in range(2)]

    def fits(self, U, V, W, linear=None):
        shapes = [np.shape(P) for P in self._pairs(U, V, W, linear)]
        return len(shapes) == len(self.moments) and all(
            m.shape == s and m.dtype == U.dtype for m, s in zip(self.moments, shapes))


def _check_train_options(learning_rate, max_epochs, bptt_truncate, min_clip_val,
                         max_clip_val, backprop, callback, optimizer, activation):
    learning_rate = check.check_positive_real(learning_rate, "learning_rate", allow_zero=True)
    max_epochs = check.check_count(max_epochs, "max_epochs")
    k = _truncation(bptt_truncate)
    lo, hi = check.check_clip(min_clip_val, max_clip_val)
    if not np.isfinite(learning_rate * max(abs(lo), abs(hi))):
        raise ValueError(f"learning_rate * clip value overflows ({learning_rate} * "
                         f"{max(abs(lo), abs(hi))})")
    check.check_choice(backprop, "backprop", spec.BACKPROPS)
    check.check_choice(optimizer, "optimizer", spec.OPTIMIZERS)
    _activation(activation)
    if backprop == "tutorial" and (optimizer, activation) != ("sgd", "sigmoid"):
        raise ValueError(f'backprop="tutorial" is the tutorial\'s SGD rule for a sigmoid '
                         f'network: it needs optimizer="sgd" and activation="sigmoid", got '
                         f'{optimizer!r} and {activation!r}')
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
    return learning_rate, max_epochs, k, lo, hi


@dataclass
class History:
    """What train measured, epoch by epoch.

    loss[e] is the training loss (summed over records, as calculate_loss)
    with the weights after e epochs: loss[0] with the initial weights and
    loss[-1] with the final ones, so there are max_epochs + 1 entries.  The
    tutorial prints loss[e - 1] as epoch e's.  validation_loss likewise, or
    None without validation data.
    """
    loss: list
    validation_loss: list | None

    @property
    def epochs(self):
        """Epochs completed."""
        return len(self.loss) - 1


class TrainResult(tuple):
    """(U, V, W), as the tutorial's train returns them, and train's History
    as .history (None when train(history=False) measured nothing)."""

    def __new__(cls, weights, history=None):
        result = super().__new__(cls, weights)
        result.history = history
        return result


def _shuffler(shuffle, random_state):
    """A function giving each epoch's record order (None: in order)."""
    if not shuffle:
        return lambda n: None
    if isinstance(random_state, (np.random.Generator, np.random.RandomState)):
        rng = random_state
    else:
        rng = np.random.default_rng(random_state)
    return lambda n: rng.permutation(n).astype(np.intp)


def train(U, V, W, X, Y, X_validation, Y_validation, *, learning_rate=learning_rate,
          max_epochs=max_epochs, bptt_truncate=bptt_truncate,
          min_clip_val=min_clip_val, max_clip_val=max_clip_val, backprop="bptt",
          verbose=True, callback=None, optimizer="sgd", activation="sigmoid",
          optimizer_state=None, n_threads=None, shuffle=False, random_state=None,
          history=True, linear=None):
    """Train by per-record SGD (or Adam); U, V, W are updated in place and returned.

    Each epoch makes one pass over the records, in order (the tutorial's), or
    with shuffle=True in a new random order drawn from random_state (an int,
    None, or a NumPy Generator or RandomState).  backprop="bptt" steps along
    the exact truncated gradient, clipped elementwise to [min_clip_val,
    max_clip_val]; backprop="tutorial" uses the tutorial's own update rule
    (see README).  optimizer="adam" steps with Adam (PyTorch's defaults:
    betas 0.9, 0.999, eps 1e-8) along the clipped gradient instead;
    activation="tanh" replaces the sigmoid hidden layer; optimizer_state, an
    AdamState, carries Adam's moments from one call to the next.
    X_validation and Y_validation may be None.  linear = (A, b) adds the skip
    term A x_tail + b to the output (see predict); A and b are trained with
    the weights, in place.

    The training and validation loss of the weights at the start of each
    epoch are measured on another core while the epoch's updates run; then
    ``Epoch: n, Loss: ..., Validation Loss: ...`` is printed when verbose, and
    ``callback(epoch, loss, validation_loss)`` called if given (it sees the
    weights after the epoch).  The result unpacks as ``U, V, W`` and carries
    the losses as ``.history`` (a History); with history=False, verbose=False
    and no callback, no loss is measured.

    Raises FloatingPointError, naming the epoch and record, if an update
    would make the weights NaN or infinite; the weights then hold the last
    finite update.
    """
    lr, max_epochs, k, lo, hi = _check_train_options(
        learning_rate, max_epochs, bptt_truncate, min_clip_val, max_clip_val, backprop,
        callback, optimizer, activation)
    user_weights = (U, V, W)
    U, V, W = check.check_weights(U, V, W, in_place=True)
    X, Y, layout = check.check_data(U, V, X, Y)
    user_linear = linear
    linear = check.check_linear(linear, U, V, layout, in_place=True)
    if linear is not None and backprop == "tutorial":
        raise ValueError('backprop="tutorial" is the tutorial\'s rule, which has no skip '
                         'term: linear must be None')
    validation = None
    if X_validation is not None or Y_validation is not None:
        if X_validation is None or Y_validation is None:
            raise ValueError("X_validation and Y_validation must be given together")
        validation = check.check_data(U, V, X_validation, Y_validation,
                                      names=("X_validation", "Y_validation"), layout=layout)
        check.check_linear(linear, U, V, validation[2])   # the skip term fits these records
    check_every = _records_per_check(X, W)
    adam_state = None
    if optimizer == "adam":
        adam_state = AdamState(U, V, W, linear) if optimizer_state is None else optimizer_state
        if not isinstance(adam_state, AdamState) or not adam_state.fits(U, V, W, linear):
            raise ValueError("optimizer_state must be the AdamState of weights shaped and "
                             "typed like U, V and W (and linear's A and b)")
    elif optimizer_state is not None:
        raise ValueError(f"optimizer_state is for optimizer='adam', not {optimizer!r}")
    record_order = _shuffler(shuffle, random_state)

    def run_epoch():
        adam = None if adam_state is None else [adam_state.step] + adam_state.moments
        try:
            return _sgd.sgd_epoch(U, V, W, X, Y, lr, k, lo, hi, layout.per_step,
                                  backprop == "tutorial", _activation(activation), adam,
                                  check_every, record_order(len(X)),
                                  *(linear or (None, None)))
        finally:   # also after Ctrl-C: the count must match the moments
            if adam is not None:
                adam_state.step = adam[0]

    def sync_user_weights():
        # the kernels work on contiguous copies where the user's arrays were not
        for mine, theirs in zip((U, V, W, *(linear or ())), (*user_weights,
                                                             *(user_linear or ()))):
            if mine is not theirs:
                np.copyto(theirs, mine)

    stop = threading.Event()
    parameters = (U, V, W, *(linear or ()))

    def measure(weights, threads):
        return _epoch_losses(*weights[:3], X, Y, layout, validation, activation, threads, stop,
                             weights[3:] or None)

    # The loss passes read a copy of the weights on another core while this
    # thread makes the epoch's updates: the same numbers, sooner.
    threads = _threads(n_threads)
    want_losses = history or verbose or callback is not None
    pool = ThreadPoolExecutor(1) if want_losses and threads > 1 else None
    losses, validation_losses = [], []
    try:
        for epoch in range(1, max_epochs + 1):
            if pool is not None:
                pending = pool.submit(measure, [P.copy() for P in parameters], threads - 1)
            elif want_losses:
                measured = measure(parameters, threads)
            status, record = run_epoch()
            if want_losses:
                loss, validation_loss = measured if pool is None else pending.result()
                losses.append(loss)
                validation_losses.append(validation_loss)
                if verbose:
                    tail = ("" if validation_loss is None
                            else f", Validation Loss: {validation_loss}")
                    print(f"Epoch: {epoch}, Loss: {loss}{tail}", flush=True)
                if callback is not None:
                    sync_user_weights()
                    callback(epoch, loss, validation_loss)
            if status != _sgd.Status.OK:
                what = ("the update is not finite" if status == _sgd.Status.NONFINITE_GRADIENT
                        else "the update would overflow")
                error = FloatingPointError(
                    f"training diverged at epoch {epoch}, record {record}: {what}; the "
                    f"weights hold the last finite update (try a smaller learning_rate)")
                error.epoch, error.record = epoch, record
                raise error
        if history:
            loss, validation_loss = measure(parameters, threads)
            losses.append(loss)
            validation_losses.append(validation_loss)
    finally:
        stop.set()     # a loss pass still running (after Ctrl-C) ends at its next chunk
        if pool is not None:
            pool.shutdown(wait=True)
        sync_user_weights()
    if not history:
        return TrainResult(user_weights)
    return TrainResult(user_weights, History(
        losses, None if validation is None else validation_losses))

"""The tutorial's API on compiled kernels: train, predict, calculate_loss, gradients.

Shapes, as in the tutorial: U (hidden_dim, seq_len) for one input value per
step, or (hidden_dim, n_features) for the shared Elman input; V (output_dim,
hidden_dim); W (hidden_dim, hidden_dim); X (n_records, seq_len, n_features)
or (n_records, seq_len); Y (n_records, output_dim).  rnnc/reference.py states
the math.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnc import _batch, _forward, _sgd, spec
from rnnc import _validation as check

# the tutorial's hyperparameters, under its names (rnnc/__init__.py exports them)
from rnnc.spec import (  # noqa: F401
    bptt_truncate,
    hidden_dim,
    learning_rate,
    max_clip_val,
    max_epochs,
    min_clip_val,
    output_dim,
    seq_len,
)

Activation = Literal["sigmoid", "tanh"]
Linear = tuple[ArrayLike, ArrayLike]


def sigmoid(x: ArrayLike) -> NDArray[np.floating]:
    """The logistic function 1 / (1 + exp(-x)), elementwise, as the kernels compute it.

    It is computed from exp(-abs(x)), so it never overflows and raises no
    warning for any input (accurate to 2 ulp).

    Parameters
    ----------
    x : array_like of real numbers

    Returns
    -------
    ndarray
        Shaped like `x`: float32 for float32 input, float64 otherwise.
    """
    x = check.as_real_array(x, "x")
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    flat = np.ascontiguousarray(x, dtype=dtype).reshape(-1)
    return _forward.activation_values(flat, _forward.ACTIVATIONS["sigmoid"]).reshape(x.shape)


MAX_THREADS = 4096


# OpenMP's thread pool does not survive fork(): a child process that started
# a parallel region with more than one thread would wait for threads it does
# not have.  Children of a fork run the kernels on one thread.
_forked = False


def _after_fork_in_child():
    global _forked
    _forked = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _threads(n_threads):
    """The threads a call may use: n_threads checked (None: all cores), and
    one in a child made by fork()."""
    count = None if n_threads is None else check.check_count(n_threads, "n_threads")
    if count is not None and not 1 <= count <= MAX_THREADS:
        raise ValueError(f"n_threads must be between 1 and {MAX_THREADS}, got {n_threads}")
    if _forked:
        return 1
    if n_threads is None:
        return os.cpu_count() or 1
    return n_threads


def _activation(activation):
    """The kernels' code for the activation's name."""
    return _forward.ACTIVATIONS[check.check_choice(activation, "activation", spec.ACTIVATIONS)]


# Work between two looks for Ctrl-C in the SGD kernel, in multiply-adds: a
# few milliseconds; and per chunk of a loss pass or predict, per thread.
SIGNAL_CHECK_WORK = 1e7
CHUNK_WORK = 1e8
# Work below which a second thread costs more (waking it) than it saves.
THREAD_WORK = 2e7


def _record_work(X, W):
    """Multiply-adds of the forward pass of one record."""
    return X.shape[1] * W.shape[0] * (W.shape[0] + X.shape[2])


def _chunk_records(X, W, n_threads):
    """Records per call of the forward kernel: about CHUNK_WORK per thread,
    in whole blocks (a thread takes one block at a time)."""
    block_work = _forward.BLOCK_RECORDS * _record_work(X, W)
    return n_threads * _forward.BLOCK_RECORDS * max(1, int(CHUNK_WORK // block_work))


def _step_pieces(X, W, linear):
    """(start, stop) of the pieces of steps a chunk of records is run in: a
    thread's work per piece stays near CHUNK_WORK however long the records,
    so that Ctrl-C is seen between pieces; the last piece holds at least the
    steps the skip term reads."""
    T = X.shape[1]
    steps = max(1, int(CHUNK_WORK // (_forward.BLOCK_RECORDS * _record_work(X[:, :1], W))))
    tail = 0 if linear is None else linear[0].shape[1] // X.shape[2]
    last = min(T, max(steps, tail))
    starts = list(range(0, T - last, steps)) + [T - last]
    return list(zip(starts, starts[1:] + [T]))


def _forward_chunks(U, W, X, layout, activation, n_threads, stop=None, V=None, linear=None):
    """(first record, h_T of the next records) in chunks, or with V, V h_T
    (+ the skip term's A x_tail + b): Ctrl-C (or `stop`, a threading.Event)
    is seen between chunks and between the pieces of long records, and
    memory stays O(chunk x hidden)."""
    n_threads = _threads(n_threads)
    if len(X) * _record_work(X, W) < THREAD_WORK:
        n_threads = 1
    code = _activation(activation)
    chunk = _chunk_records(X, W, n_threads)
    pieces = _step_pieces(X, W, linear)
    for first in range(0, len(X), chunk):
        X_chunk = X[first : first + chunk]
        H = None  # h_t of the chunk's records, between pieces
        for start, end in pieces[:-1]:
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt("stopped")
            H = _forward.final_hidden_states(
                U,
                W,
                np.ascontiguousarray(X_chunk[:, start:end]),
                layout.per_step,
                code,
                n_threads,
                H,
                start,
            )
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt("stopped")
        start = pieces[-1][0]
        X_chunk = np.ascontiguousarray(X_chunk[:, start:])  # a copy only for long records
        if V is None:
            yield (
                first,
                _forward.final_hidden_states(
                    U, W, X_chunk, layout.per_step, code, n_threads, H, start
                ),
            )
        else:
            # V h_T in the kernel: NumPy's matmul would wake BLAS threads that
            # then spin on the cores the kernels use
            yield (
                first,
                _forward.final_outputs(
                    U,
                    V,
                    W,
                    X_chunk,
                    layout.per_step,
                    code,
                    n_threads,
                    *(linear or (None, None)),
                    H,
                    start,
                ),
            )


def _outputs(U, V, W, X, layout, activation, n_threads, stop=None, linear=None):
    """yhat of every record, (n_records, output_dim)."""
    out = np.empty((len(X), V.shape[0]), dtype=U.dtype)
    for first, yhat in _forward_chunks(U, W, X, layout, activation, n_threads, stop, V, linear):
        out[first : first + len(yhat)] = yhat
    return out


def _loss(Y, yhat):
    """sum over records of ||y - yhat||^2 / 2, in float64 and exactly rounded,
    so that it does not depend on the order of the records; inf, silently,
    where it is beyond float64's range."""
    with np.errstate(over="ignore"):
        squares = np.subtract(Y, yhat, dtype=np.float64) ** 2
    try:
        return math.fsum(squares.ravel().tolist()) / 2
    except OverflowError:  # the sum of finite squares overflows
        return math.inf


def _refuse_non_finite(values, what):
    """A FloatingPointError when finite inputs gave values that are not finite."""
    if not np.all(np.isfinite(values)):
        raise FloatingPointError(
            f"{what} is not finite: the weights or the data are too large for "
            f"{values.dtype} (an intermediate sum overflowed)"
        )
    return values


def _epoch_losses(U, V, W, X, Y, layout, validation, activation, n_threads, stop, linear=None):
    """(training loss, validation loss or None) with the weights U, V, W."""
    loss = _loss(Y, _outputs(U, V, W, X, layout, activation, n_threads, stop, linear))
    if validation is None:
        return loss, None
    Xv, Yv, val_layout = validation
    return loss, _loss(Yv, _outputs(U, V, W, Xv, val_layout, activation, n_threads, stop, linear))


def predict(
    U: ArrayLike,
    V: ArrayLike,
    W: ArrayLike,
    X: ArrayLike,
    *,
    activation: Activation = "sigmoid",
    n_threads: int | None = None,
    linear: Linear | None = None,
) -> NDArray[np.floating]:
    """The network's output, yhat = V h_T, for every record of X.

    Parameters
    ----------
    U : array_like, (hidden_dim, seq_len) or (hidden_dim, n_features)
        Input weights: one column per step (the tutorial's per-step layout)
        or one for every step (the shared layout).
    V : array_like, (output_dim, hidden_dim)
    W : array_like, (hidden_dim, hidden_dim)
    X : array_like, (n_records, seq_len) or (n_records, seq_len, n_features)
    activation : {"sigmoid", "tanh"}
        The hidden layer's activation.
    n_threads : int or None
        Threads for the records (None: all cores).
    linear : (A, b) or None
        The skip term: yhat += A x_tail + b, a linear autoregression on each
        record's last p steps, with A (output_dim, p * n_features) and b
        (output_dim,); x_tail is those steps flattened step by step,
        ``x[-p:].reshape(-1)`` (a step's features side by side).

    Returns
    -------
    ndarray, (n_records, output_dim)
        In the weights' dtype.

    Raises
    ------
    ValueError, TypeError
        For inputs that do not fit, naming the argument.
    FloatingPointError
        Where finite inputs give an output that overflows.
    """
    return _predictor(U, V, W, activation, linear)(X, n_threads)


def _predictor(U, V, W, activation, linear=None):
    """predict with the weights checked once: a function (X, n_threads) ->
    outputs, for the many calls of a recursive forecast (the checks of the
    weights cost more than a forecast step's kernel at small sizes)."""
    U, V, W = check.check_weights(U, V, W)
    linear_for = {}  # Layout -> the skip term checked against it

    def predict_checked(X, n_threads):
        X, _, layout = check.check_data(U, V, X, None)
        if layout not in linear_for:
            linear_for[layout] = check.check_linear(linear, U, V, layout)
        outputs = _outputs(U, V, W, X, layout, activation, n_threads, linear=linear_for[layout])
        return _refuse_non_finite(outputs, "a prediction")

    return predict_checked


def calculate_loss(
    X: ArrayLike,
    Y: ArrayLike,
    U: ArrayLike,
    V: ArrayLike,
    W: ArrayLike,
    *,
    activation: Activation = "sigmoid",
    n_threads: int | None = None,
    linear: Linear | None = None,
) -> tuple[float, NDArray[np.floating]]:
    """The loss over all records, as the tutorial's calculate_loss returns it.

    Parameters
    ----------
    X : array_like, (n_records, seq_len) or (n_records, seq_len, n_features)
    Y : array_like, (n_records, output_dim) or (n_records,) for one output
    U, V, W, activation, n_threads, linear
        As for `predict`.

    Returns
    -------
    loss : float
        The sum over records of ||y - yhat||^2 / 2, exactly rounded in
        float64 (so independent of the records' order); inf beyond float64.
    activation : ndarray, (hidden_dim, 1)
        h_T of the last record, like the tutorial's.

    Raises
    ------
    ValueError, TypeError, FloatingPointError
        As for `predict`.
    """
    U, V, W = check.check_weights(U, V, W)
    X, Y, layout = check.check_data(U, V, X, Y)
    linear = check.check_linear(linear, U, V, layout)
    outputs = _outputs(U, V, W, X, layout, activation, n_threads, linear=linear)
    loss = _loss(Y, _refuse_non_finite(outputs, "a prediction"))
    _, h_T = next(_forward_chunks(U, W, X[-1:], layout, activation, 1))
    return loss, h_T[0][:, None]


def _truncation(bptt_truncate):
    """The kernels' code for bptt_truncate (spec.NO_TRUNCATION for full BPTT)."""
    k = check.check_count(bptt_truncate, "bptt_truncate", allow_none=True)
    return spec.truncation_code(k)


def gradients(
    U: ArrayLike,
    V: ArrayLike,
    W: ArrayLike,
    x: ArrayLike,
    y: ArrayLike,
    bptt_truncate: int | None = bptt_truncate,
    *,
    activation: Activation = "sigmoid",
    linear: Linear | None = None,
) -> tuple[NDArray[np.floating], ...]:
    """The exact, unclipped gradient of one record's loss ||y - yhat||^2 / 2.

    Truncated backpropagation through time with bptt_truncate = k is the
    exact gradient with h_{T-k-1} held constant: the last k + 1 steps carry
    gradient.

    Parameters
    ----------
    U, V, W : array_like
        The weights, as for `predict`.
    x : array_like, (seq_len,) or (seq_len, n_features)
        One record.
    y : array_like, (output_dim,)
    bptt_truncate : int >= 0 or None
        k; None (or any k >= seq_len - 1) is full backpropagation through time.
    activation, linear
        As for `predict`.

    Returns
    -------
    tuple of ndarray
        (dU, dV, dW), shaped like U, V, W; with the skip term, (dU, dV, dW,
        dA, db).  Computed with the layout training uses, so that a training
        step applies exactly this gradient.

    Raises
    ------
    ValueError, TypeError
        For inputs that do not fit, naming the argument.
    FloatingPointError
        Where finite inputs give a gradient that overflows.
    """
    U, V, W = check.check_weights(U, V, W)
    x, y, layout = check.check_record(U, V, x, y)
    linear = check.check_linear(linear, U, V, layout) or (None, None)
    gradient = _sgd.record_gradients(
        U,
        V,
        W,
        x,
        y,
        _truncation(bptt_truncate),
        layout.per_step,
        activation=_activation(activation),
        A=linear[0],
        b=linear[1],
        check_signals_work=SIGNAL_CHECK_WORK,
    )
    for name, g in zip(("dU", "dV", "dW", "dA", "db"), gradient):
        _refuse_non_finite(g, f"the gradient {name}")
    return gradient


class AdamState:
    """Adam's update count and moment estimates for U, V, W (and the skip
    term's A and b, with linear = (A, b)).

    train(optimizer="adam") starts a fresh one unless given one through
    optimizer_state; passing the same object to successive calls continues
    the optimisation where the last call stopped (partial_fit, warm starts).

    Attributes
    ----------
    step : int
        Updates made so far.
    moments : list of ndarray
        m and v for U, then V, W (then A, b), shaped like them.
    """

    def __init__(
        self,
        U: NDArray[np.floating],
        V: NDArray[np.floating],
        W: NDArray[np.floating],
        linear: Linear | None = None,
    ) -> None:
        self.step = 0
        self.moments = [np.zeros_like(P) for P in self._pairs(U, V, W, linear)]

    @staticmethod
    def _pairs(U, V, W, linear):
        """Each parameter twice, as the moments follow them: m, v of U, then V, ..."""
        params = (U, V, W) if linear is None else (U, V, W, *linear)
        return [P for P in params for _ in range(2)]

    def fits(
        self,
        U: NDArray[np.floating],
        V: NDArray[np.floating],
        W: NDArray[np.floating],
        linear: Linear | None = None,
    ) -> bool:
        """True when this state can carry the training of these weights."""
        try:
            self.check(U, V, W, linear)
        except (TypeError, ValueError):
            return False
        return True

    def check(
        self,
        U: NDArray[np.floating],
        V: NDArray[np.floating],
        W: NDArray[np.floating],
        linear: Linear | None = None,
    ) -> None:
        """A ValueError or TypeError, naming what is wrong, unless this state
        can carry the training of U, V, W (and linear's A and b): a count
        >= 0 and, for each weight, two writable, aligned C-contiguous arrays of its
        shape and dtype, finite, the second (v) never negative, sharing no
        memory with each other or the weights."""
        if (
            isinstance(self.step, bool)
            or not isinstance(self.step, numbers.Integral)
            or not 0 <= self.step <= spec.MAX_COUNT
        ):
            raise ValueError(
                f"optimizer_state.step must be a count of updates from 0 to "
                f"{spec.MAX_COUNT}, got {self.step!r}"
            )
        params = self._pairs(U, V, W, linear)
        what = "U, V, W" + ("" if linear is None else ", A, b")
        if not isinstance(self.moments, list) or len(self.moments) != len(params):
            got = (
                f"{len(self.moments)} items"
                if isinstance(self.moments, (list, tuple))
                else type(self.moments).__name__
            )
            raise ValueError(
                f"optimizer_state.moments must be a list of {len(params)} arrays "
                f"(m and v for each of {what}), got {got}"
            )
        for i, (m, P) in enumerate(zip(self.moments, params)):
            name = f"optimizer_state.moments[{i}]"
            if not isinstance(m, np.ndarray) or m.dtype != U.dtype or m.shape != P.shape:
                got = (
                    f"shape {m.shape}, dtype {m.dtype}"
                    if isinstance(m, np.ndarray)
                    else type(m).__name__
                )
                raise ValueError(
                    f"{name} must be an array of shape {P.shape} and dtype "
                    f"{U.dtype}, like the weight it follows; got {got}"
                )
            if not (m.flags.c_contiguous and m.flags.aligned and m.flags.writeable):
                raise ValueError(
                    f"{name} must be a writable, aligned C-contiguous array (Adam "
                    f"updates it in place)"
                )
            check.check_finite(m, name)
            if i % 2 and np.any(m < 0):
                raise ValueError(f"{name} is a second moment and holds a negative value")
        arrays = list(self.moments) + list(params[::2])
        for i, a in enumerate(self.moments):
            for b in arrays[i + 1 :]:
                if np.may_share_memory(a, b):
                    raise ValueError(
                        f"optimizer_state.moments[{i}] shares memory with "
                        f"another moment or a weight"
                    )


def _check_train_options(
    learning_rate,
    max_epochs,
    bptt_truncate,
    min_clip_val,
    max_clip_val,
    backprop,
    callback,
    optimizer,
    activation,
):
    learning_rate = check.check_positive_real(learning_rate, "learning_rate", allow_zero=True)
    max_epochs = check.check_count(max_epochs, "max_epochs")
    k = _truncation(bptt_truncate)
    lo, hi = check.check_clip(min_clip_val, max_clip_val)
    with np.errstate(over="ignore"):
        if not np.isfinite(learning_rate * max(abs(lo), abs(hi))):
            raise ValueError(
                f"learning_rate * clip value overflows ({learning_rate} * {max(abs(lo), abs(hi))})"
            )
    check.check_choice(backprop, "backprop", spec.BACKPROPS)
    check.check_choice(optimizer, "optimizer", spec.OPTIMIZERS)
    _activation(activation)
    if backprop == "tutorial":
        _check_tutorial_rule(optimizer=optimizer, activation=activation)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
    return learning_rate, max_epochs, k, lo, hi


def _check_tutorial_rule(**settings):
    """A ValueError naming the settings given that backprop="tutorial" cannot take."""
    off = spec.off_tutorial_rule(**settings)
    if off:
        needs = ", ".join(f"{name}={spec.TUTORIAL_RULE[name]!r}" for name, _ in off)
        got = ", ".join(f"{name}={value!r}" for name, value in off)
        raise ValueError(
            f'backprop="tutorial" is the tutorial\'s rule, per-record SGD on a sigmoid '
            f"network: it needs {needs}, got {got}"
        )


def _batch_threads(X, W, batch_size, threads):
    """Threads for a batch: one where its work (forward and backward,
    multiply-adds) is too small to pay for waking others."""
    work = min(batch_size, len(X)) * _record_work(X, W) * 3
    return 1 if work < THREAD_WORK else threads


def _check_batch_size(batch_size):
    """batch_size as an int >= 1, or a TypeError / ValueError naming it."""
    batch_size = check.check_count(batch_size, "batch_size")
    if batch_size < 1:
        raise ValueError(
            f"batch_size must be an integer >= 1 (1: per-record updates), got {batch_size}"
        )
    return batch_size


@dataclass
class History:
    """What train measured, epoch by epoch.

    loss[e] is the training loss (summed over records, as calculate_loss)
    with the weights after e epochs: loss[0] with the initial weights and
    loss[-1] with the final ones, so there are max_epochs + 1 entries.  The
    tutorial prints loss[e - 1] as epoch e's.  validation_loss likewise, or
    None without validation data.
    """

    loss: list[float]
    validation_loss: list[float | None] | None

    @property
    def epochs(self) -> int:
        """Epochs completed."""
        return len(self.loss) - 1


class TrainResult(tuple):
    """(U, V, W), as the tutorial's train returns them, and train's History
    as .history (None when train(history=False) measured nothing)."""

    history: History | None

    def __new__(cls, weights: tuple, history: History | None = None) -> TrainResult:
        result = super().__new__(cls, weights)
        result.history = history
        return result


# The arrays and optimizer states train calls are updating now: a second call
# on any of them would interleave its updates with the first's and lose some.
_updating_lock = threading.Lock()
_updating = []


@contextlib.contextmanager
def _exclusive_update(named, optimizer_state):
    """Register the arrays (and Adam state) a train call updates, or raise a
    RuntimeError naming the one another call is updating now."""
    mine = list(named.items()) + (
        [] if optimizer_state is None else [("optimizer_state", optimizer_state)]
    )
    with _updating_lock:
        for name, a in mine:
            for b in _updating:
                busy = (
                    a is b
                    if name == "optimizer_state" or isinstance(b, AdamState)
                    else np.may_share_memory(a, b)
                )
                if busy:
                    raise RuntimeError(
                        f"{name} is being updated by another train call "
                        f"running now: train the same weights (or Adam "
                        f"state) one call at a time"
                    )
        _updating.extend(a for _, a in mine)
    try:
        yield
    finally:
        with _updating_lock:
            for _, a in mine:
                for i, b in enumerate(_updating):
                    if b is a:
                        del _updating[i]
                        break


def _refuse_data_aliasing_weights(data, weights):
    """data (name: array or None) must not share memory with the weights that
    train updates in place: the data would change under it."""
    for data_name, d in data.items():
        if d is None:
            continue
        try:  # a memoryview or other buffer shares memory as the array it views does
            d = np.asarray(d)
        except Exception:  # not array-like: check_data names what is wrong with it
            continue
        for name, P in weights.items():
            if np.shares_memory(d, P):
                raise ValueError(
                    f"{data_name} shares memory with {name}, which train "
                    f"updates in place: pass a copy of the data"
                )


def _shuffler(shuffle, random_state):
    """A function giving each epoch's record order (None: in order)."""
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be a bool, got {shuffle!r}")
    if not shuffle:
        return lambda n: None
    rng = check.as_generator(random_state, "random_state")
    return lambda n: rng.permutation(n).astype(np.intp)


def warn_frozen_inputs(layout, k, backprop):
    """Warn (UserWarning) when training can never change some per-step input
    weights: with truncation k, gradient reaches U's columns of the last k+1
    steps only, so the columns of the steps before stay as initialised."""
    if backprop != "bptt" or not layout.per_step or k == spec.NO_TRUNCATION:
        return
    frozen = layout.seq_len - k - 1
    if frozen > 0:
        columns = "column 0" if frozen == 1 else f"columns 0..{frozen - 1}"
        warnings.warn(
            f"U {columns} (of {layout.seq_len}, one per step) will never change: "
            f"bptt_truncate={k} passes gradient through the last {k + 1} steps "
            f"only; use bptt_truncate=None or the shared layout (U of shape "
            f"(hidden_dim, n_features)) to train every input weight",
            UserWarning,
            stacklevel=3,
        )


def train(
    U: NDArray[np.floating],
    V: NDArray[np.floating],
    W: NDArray[np.floating],
    X: ArrayLike,
    Y: ArrayLike,
    X_validation: ArrayLike | None,
    Y_validation: ArrayLike | None,
    *,
    learning_rate: float = learning_rate,
    max_epochs: int = max_epochs,
    bptt_truncate: int | None = bptt_truncate,
    min_clip_val: float = min_clip_val,
    max_clip_val: float = max_clip_val,
    backprop: Literal["bptt", "tutorial"] = "bptt",
    verbose: bool = True,
    callback: Callable[[int, float, float | None], object] | None = None,
    optimizer: Literal["sgd", "adam"] = "sgd",
    activation: Activation = "sigmoid",
    optimizer_state: AdamState | None = None,
    n_threads: int | None = None,
    shuffle: bool = False,
    random_state: int | np.random.Generator | np.random.RandomState | None = None,
    history: bool = True,
    linear: Linear | None = None,
    batch_size: int = 1,
) -> TrainResult:
    """Train by per-record SGD (or Adam), updating U, V, W in place.

    Each epoch makes one pass over the records, in order (the tutorial's) or,
    with shuffle=True, in a new random order.  For each record it computes
    the exact truncated gradient (or, with backprop="tutorial", the
    tutorial's own update rule), clips it elementwise and steps.  The
    training and validation loss of the weights at the start of each epoch
    are measured on another core while the epoch's updates run; then
    ``Epoch: n, Loss: ..., Validation Loss: ...`` is printed when verbose, and
    the callback called if given.

    batch_size=B > 1 trains by mini-batches: each update steps along the
    exact truncated gradient averaged over B consecutive records of the
    epoch's order (the last batch of an epoch may be shorter), clipped
    elementwise, so learning_rate is the step per batch of the mean gradient,
    as with PyTorch's mean-reduced MSE loss.  The batch's forward and
    backward passes are matrix products over its records, spread over
    n_threads threads in blocks of 32 records whose sums are added in block
    order: the result does not depend on the number of threads.  The loss
    passes then run before each epoch, on all threads.  batch_size=1 (the
    default) is the per-record path.

    Parameters
    ----------
    U, V, W : ndarray of float32 or float64, one dtype
        The weights (see `predict` for their shapes), updated in place.
    X, Y : array_like
        The records (n_records, seq_len[, n_features]) and their targets
        (n_records, output_dim).
    X_validation, Y_validation : array_like or None
        Records whose loss is measured each epoch, never trained on.
    learning_rate : float
        The step: P -= learning_rate * clip(dP) for SGD, Adam's step size.
    max_epochs : int
        Passes over the records.
    bptt_truncate : int >= 0 or None
        k: the gradient flows through the last k + 1 steps; None is full
        backpropagation through time.
    min_clip_val, max_clip_val : float
        Each gradient entry is clipped to this range, which must hold 0.
    backprop : {"bptt", "tutorial"}
        Exact truncated gradients, or the tutorial's update rule (SGD,
        sigmoid, no skip term; see the README).
    verbose : bool
        Print the tutorial's line for each epoch.
    callback : callable or None
        ``callback(epoch, loss, validation_loss)`` after each epoch, on the
        calling thread, with the losses at the epoch's start; it sees the
        weights after the epoch.
    optimizer : {"sgd", "adam"}
        Adam uses PyTorch's defaults (betas 0.9, 0.999, eps 1e-8).
    activation : {"sigmoid", "tanh"}
    optimizer_state : AdamState or None
        Adam's moments, carried from one call to the next (a fresh one when
        None).
    n_threads : int or None
        Threads for the loss passes (None: all cores); per-record updates
        run on one, batches on all of them.
    shuffle : bool
        Visit the records in a new random order each epoch:
        ``rng.permutation(n_records)``, drawn at the epoch's start (batches
        are consecutive runs of it).
    random_state : int, numpy Generator or RandomState, or None
        rng: a Generator or RandomState as given (it advances), else
        ``numpy.random.default_rng(random_state)``, made once per call.
    history : bool
        Measure the losses after each epoch (see Returns); with
        history=False, verbose=False and no callback, no loss is measured.
    linear : (A, b) or None
        The skip term (see `predict`), trained with the weights, in place.
    batch_size : int
        Records per update, >= 1: 1 for per-record updates, B > 1 for
        mini-batches (see above).

    Returns
    -------
    TrainResult
        Unpacks as ``U, V, W`` (the arrays given, updated), as the tutorial
        writes it; ``.history`` is a History of the training and validation
        loss after 0, 1, ..., max_epochs epochs (None with history=False).

    Raises
    ------
    ValueError, TypeError
        For inputs that do not fit, naming the argument, before any update.
    RuntimeError
        If another train call is updating the same arrays or Adam state now.
    FloatingPointError
        If an update would make a weight NaN or infinite: training stops
        there, naming the epoch and the record (``.epoch``, ``.record``), or
        with batches the batch (``.batch``, ``.record`` None), and the
        weights hold the last finite update.
    """
    lr, max_epochs, k, lo, hi = _check_train_options(
        learning_rate,
        max_epochs,
        bptt_truncate,
        min_clip_val,
        max_clip_val,
        backprop,
        callback,
        optimizer,
        activation,
    )
    batch_size = _check_batch_size(batch_size)
    if backprop == "tutorial":
        _check_tutorial_rule(batch_size=batch_size)
    user_weights = (U, V, W)
    U, V, W = check.check_weights(U, V, W, in_place=True)
    if lr > float(np.finfo(U.dtype).max):
        raise ValueError(
            f"learning_rate {lr:g} is beyond the range of the weights' dtype "
            f"{U.dtype} (at most {np.finfo(U.dtype).max:g})"
        )
    user_data = dict(X=X, Y=Y, X_validation=X_validation, Y_validation=Y_validation)
    X, Y, layout = check.check_data(U, V, X, Y)
    warn_frozen_inputs(layout, k, backprop)
    user_linear = linear
    linear = check.check_linear(linear, U, V, layout, in_place=True)
    updated = dict(zip("UVW", user_weights))
    if linear is not None:
        updated.update(zip("Ab", user_linear))
    _refuse_data_aliasing_weights(user_data, updated)
    if linear is not None and backprop == "tutorial":
        raise ValueError(
            'backprop="tutorial" is the tutorial\'s rule, which has no skip '
            "term: linear must be None"
        )
    validation = None
    if X_validation is not None or Y_validation is not None:
        if X_validation is None or Y_validation is None:
            raise ValueError("X_validation and Y_validation must be given together")
        validation = check.check_data(
            U, V, X_validation, Y_validation, names=("X_validation", "Y_validation"), layout=layout
        )
        check.check_linear(linear, U, V, validation[2])  # the skip term fits these records
    adam_state = None
    if optimizer == "adam":
        adam_state = AdamState(U, V, W, linear) if optimizer_state is None else optimizer_state
        if not isinstance(adam_state, AdamState):
            raise TypeError(
                f"optimizer_state must be an rnnc.AdamState or None, got "
                f"{type(adam_state).__name__}"
            )
        adam_state.check(U, V, W, linear)
        moments = {f"optimizer_state.moments[{i}]": m for i, m in enumerate(adam_state.moments)}
        _refuse_data_aliasing_weights(user_data, moments)
    elif optimizer_state is not None:
        raise ValueError(f"optimizer_state is for optimizer='adam', not {optimizer!r}")
    record_order = _shuffler(shuffle, random_state)

    def run_epoch():
        adam = None if adam_state is None else [adam_state.step] + adam_state.moments
        try:
            if batch_size > 1:
                return _batch.batch_epoch(
                    U,
                    V,
                    W,
                    X,
                    Y,
                    lr,
                    k,
                    lo,
                    hi,
                    layout.per_step,
                    _activation(activation),
                    adam,
                    SIGNAL_CHECK_WORK,
                    record_order(len(X)),
                    *(linear or (None, None)),
                    min(batch_size, len(X)),  # one batch of all: C's size type holds it
                    _batch_threads(X, W, batch_size, threads),
                )
            return _sgd.sgd_epoch(
                U,
                V,
                W,
                X,
                Y,
                lr,
                k,
                lo,
                hi,
                layout.per_step,
                backprop == "tutorial",
                _activation(activation),
                adam,
                SIGNAL_CHECK_WORK,
                record_order(len(X)),
                *(linear or (None, None)),
            )
        finally:  # also after Ctrl-C: the count must match the moments
            if adam is not None:
                adam_state.step = adam[0]

    def sync_user_weights():
        # the kernels work on contiguous copies where the user's arrays were not
        for mine, theirs in zip((U, V, W, *(linear or ())), (*user_weights, *(user_linear or ()))):
            if mine is not theirs:
                np.copyto(theirs, mine)

    stop = threading.Event()
    parameters = (U, V, W, *(linear or ()))

    def measure(weights, threads):
        return _epoch_losses(
            *weights[:3], X, Y, layout, validation, activation, threads, stop, weights[3:] or None
        )

    # The loss passes read a copy of the weights on another core while this
    # thread makes the epoch's updates: the same numbers, sooner.
    threads = _threads(n_threads)
    want_losses = history or verbose or callback is not None
    # (mini-batches use every thread for the updates: the loss passes go before)
    pool = ThreadPoolExecutor(1) if want_losses and threads > 1 and batch_size == 1 else None
    losses, validation_losses = [], []
    with contextlib.ExitStack() as cleanup:
        cleanup.enter_context(_exclusive_update(updated, adam_state))
        cleanup.callback(sync_user_weights)
        if pool is not None:
            cleanup.callback(pool.shutdown, wait=True)
        # a loss pass still running (after Ctrl-C) ends at its next chunk
        cleanup.callback(stop.set)
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
                    tail = (
                        "" if validation_loss is None else f", Validation Loss: {validation_loss}"
                    )
                    print(f"Epoch: {epoch}, Loss: {loss}{tail}", flush=True)
                if callback is not None:
                    sync_user_weights()
                    callback(epoch, loss, validation_loss)
            if status != _sgd.Status.OK:
                what = (
                    "the update is not finite"
                    if status == _sgd.Status.NONFINITE_GRADIENT
                    else "the update would overflow"
                )
                where = f"record {record}"
                if batch_size > 1:  # `record` counts batches here
                    first = record * batch_size
                    where = (
                        f"batch {record} (records {first} to "
                        f"{min(first + batch_size, len(X)) - 1} of the epoch's order)"
                    )
                error = FloatingPointError(
                    f"training diverged at epoch {epoch}, {where}: {what}; the "
                    f"weights hold the last finite update (try a smaller learning_rate)"
                )
                error.epoch, error.record = epoch, None if batch_size > 1 else record
                error.batch = record if batch_size > 1 else None
                raise error
        if history:
            loss, validation_loss = measure(parameters, threads)
            losses.append(loss)
            validation_losses.append(validation_loss)
    if not history:
        return TrainResult(user_weights)
    return TrainResult(
        user_weights, History(losses, None if validation is None else validation_losses)
    )

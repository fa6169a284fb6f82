"""Numba @njit: the per-record loop with hand-written forward and backward."""

import numpy as np

from ..harness import copies
from ..workloads import EPOCHS, HI, LO, LR, K


def make_trainer(numba):
    """The same per-record loop with Numba @njit: hand-written forward and backward,
    BLAS matvecs through np.dot, fresh gradient arrays per record (as a NumPy user
    writes it).  All epochs run in compiled code; the loss passes are per record."""
    njit = numba.njit

    @njit(cache=False)
    def last_state(U, W, x, per_step):
        h = np.zeros(W.shape[0])
        for t in range(x.shape[0]):
            a = U[:, t] * x[t, 0] if per_step else np.dot(U, x[t])
            h = 1.0 / (1.0 + np.exp(-(a + np.dot(W, h))))
        return h

    @njit(cache=False)
    def loss_pass(U, V, W, X, Y, per_step):
        total = 0.0
        for r in range(X.shape[0]):
            e = Y[r] - np.dot(V, last_state(U, W, X[r], per_step))
            total += 0.5 * np.sum(e * e)
        return total

    @njit(cache=False)
    def clip(a, lo, hi):
        return np.minimum(np.maximum(a, lo), hi)

    @njit(cache=False)
    def sgd_epoch(U, V, W, X, Y, lr, k, lo, hi, per_step):
        T, H = X.shape[1], W.shape[0]
        first = 1 if k >= T - 1 else T - k
        hs = np.zeros((T + 1, H))
        for r in range(X.shape[0]):
            x = X[r]
            for t in range(T):
                a = U[:, t] * x[t, 0] if per_step else np.dot(U, x[t])
                hs[t + 1] = 1.0 / (1.0 + np.exp(-(a + np.dot(W, hs[t]))))
            dyhat = np.dot(V, hs[T]) - Y[r]
            dV = np.outer(dyhat, hs[T])
            delta = np.dot(V.T, dyhat) * hs[T] * (1.0 - hs[T])
            dU = np.zeros_like(U)
            dW = np.zeros_like(W)
            for t in range(T, first - 1, -1):
                if per_step:
                    dU[:, t - 1] += delta * x[t - 1, 0]
                else:
                    dU += np.outer(delta, x[t - 1])
                dW += np.outer(delta, hs[t - 1])
                if t > first:
                    delta = np.dot(W.T, delta) * hs[t - 1] * (1.0 - hs[t - 1])
            U -= lr * clip(dU, lo, hi)
            V -= lr * clip(dV, lo, hi)
            W -= lr * clip(dW, lo, hi)

    def train(weights, X, Y, Xv, Yv, epochs=EPOCHS):
        U, V, W = copies(weights)
        per_step = X.shape[2] == 1 and U.shape[1] == X.shape[1]
        for _ in range(epochs):
            loss_pass(U, V, W, X, Y, per_step)
            loss_pass(U, V, W, Xv, Yv, per_step)
            sgd_epoch(U, V, W, X, Y, LR, K, LO, HI, per_step)
        return U, V, W

    return train

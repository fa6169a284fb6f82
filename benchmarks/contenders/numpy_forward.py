"""A plain NumPy batched forward pass, the predict a NumPy user writes: every
record a column of one matrix, one np.matmul (OpenBLAS, one thread as this
package sets it) and a sigmoid of NumPy ufuncs per step, into buffers made
once, so that nothing is allocated inside the loop."""

import numpy as np


def predict(U, V, W, X, per_step):
    """yhat = V h_T for every record of X (n, T, 1), sigmoid units; U is
    (hidden, T) per step, else (hidden, 1)."""
    inputs = np.ascontiguousarray(X[:, :, 0].T)  # step t's inputs as one row
    H = np.zeros((W.shape[0], X.shape[0]), dtype=W.dtype)
    Z, term = np.empty_like(H), np.empty_like(H)
    # exp(-z) overflows to inf for z below about -709, and 1 / (1 + inf) is
    # the right 0: nothing to warn about
    with np.errstate(over="ignore"):
        for t in range(X.shape[1]):
            np.matmul(W, H, out=Z)
            np.multiply(U[:, t if per_step else 0, None], inputs[t], out=term)
            Z += term
            np.negative(Z, out=Z)
            np.exp(Z, out=Z)
            Z += 1
            np.divide(1, Z, out=H)
    return (V @ H).T


def setup(weights, X, per_step):
    """A setup for interleave: predict on these arguments every round."""
    return lambda: lambda: predict(*weights, X, per_step)

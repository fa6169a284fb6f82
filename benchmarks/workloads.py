"""The benchmarks' data and settings, and the flop counts of their passes."""

import math

import numpy as np

import rnnc

# The tutorial's settings.
SEED = 12161
HIDDEN, SEQ_LEN, OUTPUT = rnnc.hidden_dim, rnnc.seq_len, rnnc.output_dim
LR, EPOCHS, K, LO, HI = rnnc.learning_rate, rnnc.max_epochs, rnnc.bptt_truncate, -10.0, 10.0


def sine_data():
    """The tutorial's windows: sin(0..199), 100 training and 50 validation windows."""
    series = np.sin(np.arange(200, dtype=np.float64))
    starts = np.arange(200 - SEQ_LEN)
    X = np.stack([series[s : s + SEQ_LEN] for s in starts])[:, :, None]
    Y = series[starts + SEQ_LEN][:, None]
    return X[:100].copy(), Y[:100].copy(), X[100:].copy(), Y[100:].copy()


def tutorial_weights():
    """np.random.seed(12161); uniform(0, 1) for U (100, 50), V (1, 100), W (100, 100)."""
    np.random.seed(SEED)
    U = np.random.uniform(0, 1, (HIDDEN, SEQ_LEN))
    V = np.random.uniform(0, 1, (OUTPUT, HIDDEN))
    W = np.random.uniform(0, 1, (HIDDEN, HIDDEN))
    return U, V, W


def scaling_data(n, T, H, dtype, per_step, rng):
    """n records of T steps, one input feature, and uniform(+-1/sqrt(H)) weights;
    U is (H, T) in the per-step layout, else (H, 1)."""
    X = rng.uniform(-1, 1, (n, T, 1)).astype(dtype)
    Y = rng.uniform(-1, 1, (n, 1)).astype(dtype)
    b = 1 / math.sqrt(H)
    U = rng.uniform(-b, b, (H, T if per_step else 1)).astype(dtype)
    V = rng.uniform(-b, b, (1, H)).astype(dtype)
    W = rng.uniform(-b, b, (H, H)).astype(dtype)
    return (U, V, W), X, Y


def train_flops(H, T, F, k, n_out=1):
    """Multiply-adds x 2 of one record's SGD step, as rnnc's kernels do them:
    forward T x (H x H + H x F), output n_out x H, backward over the k+1 steps that
    carry gradient (outer products for dW and dU, W.T delta between them, V.T dyhat),
    and the update (one multiply-add per weight).  Sigmoid, clip and memset are not
    counted."""
    steps = min(k, T - 1) + 1
    forward = T * (H * H + H * F) + n_out * H
    backward = n_out * H + n_out * H + steps * (H * H + H * F) + (steps - 1) * H * H
    update = H * H + H * F + n_out * H
    return 2 * (forward + backward + update)


def predict_flops(H, T, F, n_out=1):
    """Multiply-adds x 2 of one record's forward pass: T x (H x H + H x F) + n_out x H."""
    return 2 * (T * (H * H + H * F) + n_out * H)

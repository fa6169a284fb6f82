# Compiled without bounds checks, wraparound and initializedcheck (see setup.py).
"""The forward pass over many records at once, for predict and the loss passes.

For every record x_1..x_T, with h_0 = 0:

    h_t = f(a_t + W h_{t-1}),  a_t = U[:, t-1] * x_t (per-step) or U x_t (shared)

with f = sigmoid or tanh.

Records are independent here, so they are taken in blocks of BLOCK and each
step of a block is one matrix-matrix product: the states of a block are held
hidden-major, H[i, b] = h_t[i] of record b, so that

    Z = A_t + W @ H;  H = f(Z)

runs along contiguous rows of B records.  Blocks go to threads.
"""
import numpy as np
from cython.parallel cimport parallel, prange, threadid
from libc.string cimport memset

from rnnc._helpers cimport (SIGMOID, TANH, Activation, activate, floating, gemm, gemv_cols,
                            rnnc_dispatched, rnnc_simd_path)

# The kernels' codes for the hidden layer's activation.
ACTIVATIONS = {"sigmoid": SIGMOID, "tanh": TANH}

# Records per block: a block's states (H x BLOCK) stay in the core's cache.
# A short block is padded with zero inputs to a multiple of TILE_BYTES, a
# whole number of every clone's vectors (64, 32 or 16 bytes): the gemm
# helper's register tiles (csrc/linalg_impl.h, gemm_tile_vec) then cover it,
# where columns past the last tile would take its plain loop.
cdef enum:
    BLOCK = 32
    TILE_BYTES = 64

# Records per block, the unit of work a thread takes: callers that cut work
# into chunks give each thread whole blocks.
BLOCK_RECORDS = BLOCK


cdef void forward_block(const floating[:, ::1] U, const floating[:, ::1] W,
                        const floating[:, :, ::1] X, Py_ssize_t first_record,
                        Py_ssize_t n_records, bint per_step, Activation activation,
                        bint resume, const floating[:, ::1] H0, Py_ssize_t step0,
                        floating *inputs,
                        floating *Z, floating *H, const floating[:, ::1] V, bint project,
                        bint linear, const floating[:, ::1] A, const floating[::1] bias,
                        floating[:, ::1] out) noexcept nogil:
    """out[first_record:first_record + n_records] = h_T of those records, or
    with project, V h_T (+ A x_tail + bias with the skip term, when linear).

    resume: X holds steps step0+1.. of the records, which start from the
    states H0[record] (h_{step0}) instead of 0: long records are run a few
    steps at a time, so that Ctrl-C is seen between the pieces."""
    cdef Py_ssize_t T = X.shape[1], F = X.shape[2], hidden = W.shape[0]
    cdef Py_ssize_t tile = TILE_BYTES // sizeof(floating)
    cdef Py_ssize_t B = (n_records + tile - 1) // tile * tile   # columns, padding included
    cdef Py_ssize_t t, f, b, i
    cdef const floating *x_t

    # inputs[t, f, b] = X[first_record + b, t, f]: step t of the block as rows of B
    for b in range(B):
        for t in range(T):
            for f in range(F):
                inputs[(t * F + f) * B + b] = (X[first_record + b, t, f] if b < n_records
                                               else 0)

    memset(H, 0, hidden * B * sizeof(floating))
    if resume:
        for i in range(hidden):
            for b in range(n_records):
                H[i * B + b] = H0[first_record + b, i]
    for t in range(T):
        x_t = inputs + t * F * B
        if per_step or F == 1:
            # Z = np.outer(U[:, t], x_t), or np.outer(U[:, 0], x_t): one input
            for i in range(hidden):
                for b in range(B):
                    Z[i * B + b] = U[i, step0 + t if per_step else 0] * x_t[b]
        else:
            # Z = U @ x_t
            memset(Z, 0, hidden * B * sizeof(floating))
            gemm(hidden, F, B, &U[0, 0], x_t, Z)
        # Z += W @ H (nothing from the zero states a record starts from);  H = f(Z)
        if resume or t > 0:
            gemm(hidden, hidden, B, &W[0, 0], H, Z)
        activate(activation, hidden * B, Z, H)

    for b in range(n_records):
        put_output(H + b, B, X, first_record + b, V, project, linear, A, bias, out)


cdef void forward_alone(const floating[:, ::1] U, const floating[:, ::1] WT,
                        const floating[:, :, ::1] X, Py_ssize_t record, bint per_step,
                        Activation activation, bint resume, const floating[:, ::1] H0,
                        Py_ssize_t step0, floating *z, floating *h, const floating[:, ::1] V,
                        bint project, bint linear, const floating[:, ::1] A,
                        const floating[::1] bias, floating[:, ::1] out) noexcept nogil:
    """forward_block for one record on its own, to the bit (gemv_cols sums W @ h
    as gemm sums each column), with WT = W.T: a block of a few records padded
    to a whole tile of columns did the work of the tile."""
    cdef Py_ssize_t T = X.shape[1], F = X.shape[2], hidden = WT.shape[0], t, i
    for i in range(hidden):
        h[i] = H0[record, i] if resume else 0
    for t in range(T):
        if per_step or F == 1:
            for i in range(hidden):
                z[i] = U[i, step0 + t if per_step else 0] * X[record, t, 0]
        else:
            memset(z, 0, hidden * sizeof(floating))
            gemm(hidden, F, 1, &U[0, 0], &X[record, t, 0], z)
        if resume or t > 0:
            gemv_cols(hidden, hidden, &WT[0, 0], h, z)
        activate(activation, hidden, z, h)
    put_output(h, 1, X, record, V, project, linear, A, bias, out)


cdef void put_output(const floating *h_T, Py_ssize_t stride, const floating[:, :, ::1] X,
                     Py_ssize_t record, const floating[:, ::1] V, bint project, bint linear,
                     const floating[:, ::1] A, const floating[::1] bias,
                     floating[:, ::1] out) noexcept nogil:
    """out[record] = the record's h_T (h_T[i * stride]), or with project, V h_T
    (+ A x_tail + bias with the skip term, when linear)."""
    cdef Py_ssize_t hidden = out.shape[1] if not project else V.shape[1], i, j, o
    cdef Py_ssize_t tail = X.shape[1] - (A.shape[1] // X.shape[2] if linear else 0)
    cdef floating total
    if not project:
        for i in range(hidden):
            out[record, i] = h_T[i * stride]
        return
    # yhat = V @ h_T (+ A @ x_tail + bias)
    for o in range(V.shape[0]):
        total = 0
        for i in range(hidden):
            total = total + V[o, i] * h_T[i * stride]
        if linear:
            for j in range(A.shape[1]):
                total = total + A[o, j] * (&X[record, tail, 0])[j]
            total = total + bias[o]
        out[record, o] = total


def final_hidden_states(const floating[:, ::1] U, const floating[:, ::1] W,
                        const floating[:, :, ::1] X, bint per_step,
                        Activation activation=SIGMOID, int n_threads=1,
                        const floating[:, ::1] H0=None, Py_ssize_t step0=0):
    """h_T of every record of X (n_records, T, n_features), as (n_records, hidden).

    The caller guarantees the shapes: U (hidden, step0 + T) when per_step,
    else (hidden, n_features); W (hidden, hidden).  H0 (n_records, hidden),
    if given, holds the states the records start from (h_{step0}; else 0).
    """
    cdef const floating[:, ::1] no_A = None
    cdef const floating[::1] no_b = None
    return forward_records(U, W, X, per_step, activation, n_threads, W, False, no_A, no_b,
                           H0, step0)


def final_outputs(const floating[:, ::1] U, const floating[:, ::1] V,
                  const floating[:, ::1] W, const floating[:, :, ::1] X, bint per_step,
                  Activation activation=SIGMOID, int n_threads=1,
                  const floating[:, ::1] A=None, const floating[::1] b=None,
                  const floating[:, ::1] H0=None, Py_ssize_t step0=0):
    """yhat = V h_T of every record of X, as (n_records, output_dim); shapes as
    for final_hidden_states, and V (output_dim, hidden).  With the skip term,
    yhat = V h_T + A x_tail + b: A (output_dim, p * n_features) with p <= T,
    b (output_dim,), x_tail the record's last p steps.  H0, step0: as for
    final_hidden_states."""
    return forward_records(U, W, X, per_step, activation, n_threads, V, True, A, b, H0, step0)


cdef transposed(const floating[:, ::1] W):
    """W.T, C-contiguous, copied a square of 16 x 16 at a time: NumPy's
    element by element copy reads down W's columns, a stride that maps every
    read of a power-of-two width (256 in float64) to the same few cache sets."""
    cdef Py_ssize_t m = W.shape[0], n = W.shape[1], i0, j0, i, j
    out_array = np.empty((n, m), dtype=np.float64 if floating is double else np.float32)
    cdef floating[:, ::1] out = out_array
    with nogil:
        for i0 in range(0, m, 16):
            for j0 in range(0, n, 16):
                for j in range(j0, min(j0 + 16, n)):
                    for i in range(i0, min(i0 + 16, m)):
                        out[j, i] = W[i, j]
    return out_array


cdef forward_records(const floating[:, ::1] U, const floating[:, ::1] W,
                     const floating[:, :, ::1] X, bint per_step, Activation activation,
                     int n_threads, const floating[:, ::1] V, bint project,
                     const floating[:, ::1] A, const floating[::1] b,
                     const floating[:, ::1] H0, Py_ssize_t step0):
    if activation not in (SIGMOID, TANH):
        raise ValueError(f"activation: unknown code {activation!r}")
    dtype = np.float64 if floating is double else np.float32
    cdef Py_ssize_t n = X.shape[0], T = X.shape[1], F = X.shape[2], hidden = W.shape[0]
    out_array = np.zeros((n, V.shape[0] if project else hidden), dtype=dtype)
    cdef floating[:, ::1] out = out_array
    if n == 0 or T == 0:
        return out_array
    cdef Py_ssize_t n_blocks = (n + BLOCK - 1) // BLOCK, block, first, thread, record
    cdef bint linear = A is not None
    if linear and not (b is not None and A.shape[0] == b.shape[0] == V.shape[0]
                       and A.shape[1] % F == 0 and 0 < A.shape[1] // F <= T):
        raise ValueError("the skip term's A and b do not fit V and X")
    cdef bint resume = H0 is not None
    if resume and not (H0.shape[0] == n and H0.shape[1] == hidden):
        raise ValueError("H0 must be (n_records, hidden)")
    if step0 < 0 or (per_step and step0 + T > U.shape[1]):
        raise ValueError("step0 and T do not fit U")
    n_threads = max(1, min(n_threads, n_blocks))
    # a last block of at most a quarter of a tile of records (2 in float64, 4
    # in float32) runs them one at a time, reading W.T: at more, timed on the
    # AVX2 and AVX-512 clones, the tile's product was as fast or faster
    cdef Py_ssize_t alone = TILE_BYTES // sizeof(floating) // 4, count
    cdef const floating[:, ::1] WT = transposed(W) if 0 < n % BLOCK <= alone else W
    # each thread's workspace, allocated here so that no thread can fail alone
    # inside the parallel region (all must enter the same worksharing loops)
    cdef floating[:, ::1] inputs = np.empty((n_threads, T * F * BLOCK), dtype=dtype)
    cdef floating[:, :, ::1] Z = np.empty((n_threads, hidden, BLOCK), dtype=dtype)
    cdef floating[:, :, ::1] H = np.empty((n_threads, hidden, BLOCK), dtype=dtype)

    with nogil, parallel(num_threads=n_threads):
        for block in prange(n_blocks, schedule="dynamic"):
            thread = threadid()
            first = block * BLOCK
            count = min(BLOCK, n - first)
            if count <= alone:
                for record in range(first, first + count):
                    forward_alone(U, WT, X, record, per_step, activation, resume, H0, step0,
                                  &Z[thread, 0, 0], &H[thread, 0, 0], V, project, linear, A,
                                  b, out)
            else:
                forward_block(U, W, X, first, count, per_step, activation, resume, H0,
                              step0, &inputs[thread, 0], &Z[thread, 0, 0], &H[thread, 0, 0],
                              V, project, linear, A, b, out)
    return out_array


def activation_values(const floating[::1] z, Activation activation=SIGMOID):
    """f(z) for every element of z, as the kernels compute it (f = sigmoid or tanh)."""
    if activation not in (SIGMOID, TANH):
        raise ValueError(f"activation: unknown code {activation!r}")
    out_array = np.empty(z.shape[0], dtype=np.float64 if floating is double else np.float32)
    cdef floating[::1] out = out_array
    if z.shape[0] > 0:
        with nogil:
            activate(activation, z.shape[0], &z[0], &out[0])
    return out_array


def simd_path():
    """(dispatched, path): whether the C helpers were built with runtime CPU
    dispatch, and the instruction set they run with on this machine."""
    return bool(rnnc_dispatched()), rnnc_simd_path().decode()

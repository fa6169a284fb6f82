# Compiled without bounds checks, wraparound and initializedcheck (see setup.py).
"""One epoch of mini-batch SGD or Adam, compiled: the exact truncated-BPTT
gradient averaged over a batch of records, with the forward and backward
passes as matrix-matrix products over the batch.

A batch (B consecutive records of the epoch's order) is cut into blocks of
BLOCK records.  For a block of nb records (see rnnc/reference.py for one):

    forward, states batch-major, H_t[b, i] = h_t[i] of record b:
        Z = X_t @ U.T + H_{t-1} @ W.T;  H_t = f(Z);  S_t = f'(Z) (steps that carry gradient)
    output, dy[b] = yhat_b - y_b:
        dy = H_T @ V.T (+ x_tail @ A.T + bias) - Y   (X_t, x_tail: records as rows)
    backward, deltas batch-major, D_t[b, i] = delta_t[i] of record b:
        D_T = (dy @ V) * S_T
        D_{t-1} = (D_t @ W) * S_{t-1}      (row b: W.T @ delta_t of record b)
    gradient sums, transposed so that every product reads rows of the states
    and deltas, consecutive steps being consecutive rows:
        dV.T += H_T.T @ dy;  dW.T += sum over t of H_{t-1}.T @ D_t;
        dU.T += sum over t of X_t.T @ D_t (per-step layout: row t-1 of dU.T
        += x_t @ D_t);  dA.T += x_tail.T @ dy

Blocks go to threads; each block's sums land in its own buffer and are added
in block order, so that the result depends on the blocks alone: the same for
any number of threads.  Then the sum is divided by the batch's size (the
mean gradient), clipped elementwise, and applied by SGD or Adam.  An update
is applied whole or not at all: a non-finite gradient, an update that would
overflow, or Ctrl-C stops the epoch before it touches the weights.
"""
import numpy as np
from cython.parallel cimport parallel, prange, threadid
from libc.string cimport memset

from rnnc._helpers cimport (RNNC_ADD, RNNC_MUL, RNNC_SET, SIGMOID, TANH, Activation, AdamStep,
                            activate, activate_with_slope, adam_step, adam_update, clip, floating,
                            gemm_packed, gemm_strided, max_abs, pack_panels,
                            rnnc_flush_subnormals_begin, rnnc_flush_subnormals_end, sub_scaled)

cdef extern from "Python.h":
    ctypedef struct PyObject
    int PyErr_CheckSignals() noexcept
    void PyErr_Fetch(PyObject **kind, PyObject **value, PyObject **traceback) noexcept
    void PyErr_Restore(PyObject *kind, PyObject *value, PyObject *traceback) noexcept

cdef extern from "float.h":
    double DBL_MAX
    float FLT_MAX

# Records per block, the unit of work a thread takes: 32 columns fill the
# gemm helper's register tiles, and a block's states stay in the core's L2.
cdef enum:
    BLOCK = 32
    # blocks whose sums are held at once (memory: ROUND x the parameters)
    ROUND = 16
    # steps of the window summed by one product for dW and dU: 64 rows, whose
    # states and deltas stay in L1 while the product runs over them
    STEPS = 2

BLOCK_RECORDS = BLOCK

# What batch_epoch returns as its first value: the codes of rnnc._sgd.Status.
cdef enum:
    OK = 0
    NONFINITE_GRADIENT = 1
    OVERFLOW = 2


cdef struct Clock:
    double work            # multiply-adds since the last look for signals
    double every           # multiply-adds between two looks
    unsigned saved_env     # the caller's floating-point setting, restored meanwhile
    int stop               # set when Ctrl-C (or another signal's exception) arrived
    PyObject *error[3]     # that exception, held until the kernel has finished


cdef bint stopped(Clock *clock, Clock *shared, double work) noexcept nogil:
    """Count work on clock (the calling thread's: NULL in the other threads);
    every clock.every multiply-adds run Python's signal handlers, and set
    shared.stop when one raised.  True once any thread saw it."""
    if shared.stop:
        return True
    if clock != NULL:
        clock.work += work
        if clock.work >= clock.every:
            clock.work = 0
            with gil:
                rnnc_flush_subnormals_end(clock.saved_env)
                if PyErr_CheckSignals() != 0:
                    # held aside: no Python call may run with an exception set
                    PyErr_Fetch(&clock.error[0], &clock.error[1], &clock.error[2])
                    shared.stop = 1
                rnnc_flush_subnormals_begin()
    return shared.stop != 0


cdef int raise_held(Clock *clock) except -1:
    """Raise the exception a signal handler raised during the kernel."""
    PyErr_Restore(clock.error[0], clock.error[1], clock.error[2])
    return -1


cdef struct Sizes:
    Py_ssize_t T, F, hidden, out, tail, first, window, n_U, n_grad
    Py_ssize_t ld          # elements from one row of states or deltas to the next


cdef int block_gradient(const floating *UT, const floating[:, ::1] V, const floating *W,
                        const floating *WT,
                        const floating[:, :, ::1] X, const floating[:, ::1] Y,
                        const Py_ssize_t *records, Py_ssize_t nb, Sizes s, bint per_step,
                        Activation activation, bint linear, const floating[:, ::1] A,
                        const floating[::1] bias, floating *work, floating *grad, Clock *clock,
                        Clock *shared) noexcept nogil:
    """grad = the sum over the nb records X[records[b]] of their truncated
    gradients, transposed: dU.T | dV.T | dW.T | dA.T | db, flat.  UT holds
    U.T; W and WT hold W and W.T as pack_panels leaves them.  work holds
    workspace_size(...) elements.  Returns 1 if stopped (grad unfinished)."""
    cdef Py_ssize_t T = s.T, F = s.F, h = s.hidden, n_out = s.out, first = s.first, ld = s.ld
    cdef Py_ssize_t t, f, b, i, o, j, t0, t1
    cdef floating total
    # the workspace: inputs[t, f, b]; states H_0..H_T, H_t[b, i] = h_t[i] of
    # record b; deltas D of the window's steps, D_t[b, i]; dy.  Rows are ld
    # apart (ld >= h, not a multiple of 512 bytes, so that a column of a
    # block does not fall into one set of the cache).  Each step's slopes are
    # written where its deltas go, which multiply them in place.
    cdef floating *inputs = work
    cdef floating *Hs = inputs + T * F * BLOCK
    cdef floating *D = Hs + (T + 1) * BLOCK * ld
    cdef floating *dy = D + s.window * BLOCK * ld
    cdef floating *gU = grad
    cdef floating *gV = gU + s.n_U
    cdef floating *gW = gV + h * n_out
    cdef floating *gA = gW + h * h
    cdef floating *gb = gA + (s.tail * F * n_out if linear else 0)
    cdef floating *Z
    cdef floating *Dt
    memset(grad, 0, s.n_grad * sizeof(floating))

    # inputs[t, f, b] = X[records[b], t, f]: step t of the block as rows of nb
    for b in range(nb):
        for t in range(T):
            for f in range(F):
                inputs[(t * F + f) * nb + b] = X[records[b], t, f]

    memset(Hs, 0, nb * ld * sizeof(floating))
    for t in range(1, T + 1):
        if stopped(clock, shared, h * (h + F) * nb):
            return 1
        Z = Hs + t * nb * ld
        if per_step:
            # Z = np.outer(x_t, U[:, t-1])
            gemm_strided(nb, 1, h, inputs + (t - 1) * nb, 1, 1, UT + (t - 1) * h, h, Z, ld,
                         RNNC_SET)
        else:
            # Z = X_t @ U.T (X_t[b] = x_t of record b)
            gemm_strided(nb, F, h, inputs + (t - 1) * F * nb, 1, nb, UT, h, Z, ld, RNNC_SET)
        # Z += H_{t-1} @ W.T;  H_t = f(Z)
        gemm_packed(nb, h, h, Z - nb * ld, ld, 1, WT, Z, ld, RNNC_ADD)
        if t < first:
            activate(activation, nb * ld, Z, Z)   # the padding too: it stays finite
        else:
            # D_t = f'(Z), multiplied in place on the way back by dy @ V or D_{t+1} @ W
            activate_with_slope(activation, nb * ld, Z, Z, D + (t - first) * nb * ld)

    # dy[b] = V @ h_T - y (+ A @ x_tail + bias), records as rows
    Z = Hs + T * nb * ld
    for b in range(nb):
        for o in range(n_out):
            total = 0
            for i in range(h):
                total = total + V[o, i] * Z[b * ld + i]
            if linear:
                for j in range(s.tail * F):
                    total = total + A[o, j] * X[records[b], T - s.tail + j // F, j % F]
                total = total + bias[o]
            dy[b * n_out + o] = total - Y[records[b], o]
    # dV.T += H_T.T @ dy
    gemm_strided(h, nb, n_out, Z, 1, ld, dy, n_out, gV, n_out, RNNC_ADD)
    if linear:
        # dA.T += x_tail.T @ dy (x_tail[b]: the last steps' inputs of record b);  db = dy summed
        gemm_strided(s.tail * F, nb, n_out, inputs + (T - s.tail) * F * nb, nb, 1, dy, n_out,
                     gA, n_out, RNNC_ADD)
        for b in range(nb):
            for o in range(n_out):
                gb[o] += dy[b * n_out + o]
    # D_T = (dy @ V) * S_T
    gemm_strided(nb, n_out, h, dy, n_out, 1, &V[0, 0], h, D + (T - first) * nb * ld, ld,
                 RNNC_MUL)
    for t in range(T, first, -1):
        if stopped(clock, shared, h * h * nb):
            return 1
        Dt = D + (t - first) * nb * ld
        # D_{t-1} = (D_t @ W) * S_{t-1}
        gemm_packed(nb, h, h, Dt, ld, 1, W, Dt - nb * ld, ld, RNNC_MUL)
    # the window's sums, STEPS steps per product: the states and deltas of
    # consecutive steps are consecutive rows
    t0 = first
    while t0 <= T:
        t1 = min(t0 + STEPS, T + 1)
        if stopped(clock, shared, (t1 - t0) * h * (h + F) * nb):
            return 1
        Dt = D + (t0 - first) * nb * ld
        # dW.T += H_{t-1}.T @ D_t, summed over t0 <= t < t1
        gemm_strided(h, (t1 - t0) * nb, h, Hs + (t0 - 1) * nb * ld, 1, ld, Dt, ld, gW, h,
                     RNNC_ADD)
        if per_step:
            # row t-1 of dU.T += x_t @ D_t
            for t in range(t0, t1):
                gemm_strided(1, nb, h, inputs + (t - 1) * nb, 0, 1, D + (t - first) * nb * ld,
                             ld, gU + (t - 1) * h, h, RNNC_ADD)
        elif F == 1:
            # dU.T += x_t @ D_t, summed over t0 <= t < t1
            gemm_strided(1, (t1 - t0) * nb, h, inputs + (t0 - 1) * nb, 0, 1, Dt, ld, gU, h,
                         RNNC_ADD)
        else:
            # dU.T += X_t.T @ D_t
            for t in range(t0, t1):
                gemm_strided(F, nb, h, inputs + (t - 1) * F * nb, nb, 1,
                             D + (t - first) * nb * ld, ld, gU, h, RNNC_ADD)
        t0 = t1
    return 0


cdef Py_ssize_t workspace_size(Sizes s) noexcept nogil:
    """Elements of one thread's workspace in block_gradient."""
    return BLOCK * (s.T * s.F + (s.T + 1 + s.window) * s.ld + s.out)


cdef void untranspose(Py_ssize_t rows, Py_ssize_t cols, const floating *src, double scale,
                      floating *dst) noexcept nogil:
    """dst = src.T / scale, src (rows, cols) and dst (cols, rows)"""
    cdef Py_ssize_t i, j
    for i in range(cols):
        for j in range(rows):
            dst[i * rows + j] = src[j * cols + i] / scale


cdef void apply_update(Py_ssize_t n, floating *P, const floating *g, double lr,
                       const AdamStep *update, floating *m, floating *v) noexcept nogil:
    """P -= lr * g (update NULL: SGD), or Adam's update"""
    if update == NULL:
        sub_scaled(n, lr, g, P)
    else:
        adam_update(n, P, g, m, v, update)


def batch_epoch(floating[:, ::1] U, floating[:, ::1] V, floating[:, ::1] W,
                const floating[:, :, ::1] X, const floating[:, ::1] Y, double learning_rate,
                Py_ssize_t bptt_truncate, double min_clip_val, double max_clip_val,
                bint per_step, Activation activation=SIGMOID, adam=None,
                double check_signals_work=1e7, const Py_ssize_t[::1] order=None,
                floating[:, ::1] A=None, floating[::1] b=None, Py_ssize_t batch_size=32,
                int n_threads=1):
    """One pass of mini-batch SGD or Adam over X, Y, updating U, V, W (and the
    skip term's A and b, when given) in place.

    The records are taken in order, or in `order` (a permutation of
    range(n_records)), batch_size consecutive ones per update (the last
    batch may be shorter); each update steps along the clipped mean of the
    batch's truncated gradients.  bptt_truncate < 0 means full BPTT.  adam:
    as for rnnc._sgd.sgd_epoch, [step, mU, vU, mV, vV, mW, vW (, mA, vA, mb,
    vb)], updated in place.  Returns (status, batches): OK and the number of
    batches, or NONFINITE_GRADIENT / OVERFLOW and the index of the batch
    whose update was refused (the weights hold the updates before it).
    Looks for Ctrl-C every check_signals_work multiply-adds of the calling
    thread: a batch interrupted is not applied.
    """
    if activation not in (SIGMOID, TANH):
        raise ValueError(f"activation: unknown code {activation!r}")
    if not check_signals_work > 0:
        raise ValueError(f"check_signals_work must be positive, got {check_signals_work}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    dtype = np.float64 if floating is double else np.float32
    cdef Py_ssize_t n = X.shape[0], T = X.shape[1], hidden = W.shape[0]
    if order is None:
        order_array = np.arange(n, dtype=np.intp)
    elif np.array_equal(np.sort(order), np.arange(n)):
        order_array = np.asarray(order)
    else:
        raise ValueError(f"order must be a permutation of range({n})")
    cdef const Py_ssize_t[::1] records = order_array
    cdef bint linear = A is not None
    cdef Sizes s
    s.T, s.F, s.hidden, s.out = T, X.shape[2], hidden, V.shape[0]
    s.tail = A.shape[1] // s.F if linear else 0
    if linear and not (b is not None and A.shape[0] == b.shape[0] == s.out
                       and A.shape[1] % s.F == 0 and 0 < s.tail <= T):
        raise ValueError("the skip term's A and b do not fit V and X")
    cdef Py_ssize_t k = T if bptt_truncate < 0 else bptt_truncate
    s.first = 1 if k >= T - 1 else T - k
    s.window = T - s.first + 1
    s.n_U = U.shape[0] * U.shape[1]
    cdef Py_ssize_t n_A = A.shape[0] * A.shape[1] if linear else 0
    s.n_grad = s.n_U + V.shape[0] * hidden + hidden * hidden + n_A + (s.out if linear else 0)
    # rows of whole cache lines (64 bytes), and one line more where they would
    # be a multiple of 512 bytes
    cdef Py_ssize_t line = 64 // sizeof(floating)
    s.ld = (hidden + line - 1) // line * line
    if s.ld % (8 * line) == 0:
        s.ld += line
    if n == 0 or T == 0:
        return OK, 0
    cdef Py_ssize_t blocks_max = (min(batch_size, n) + BLOCK - 1) // BLOCK
    n_threads = max(1, min(n_threads, blocks_max, ROUND))
    # each thread's workspace and each block's sums, allocated here so that no
    # thread can fail alone inside the parallel region
    cdef floating[:, ::1] work = np.zeros((n_threads, workspace_size(s)), dtype=dtype)
    cdef floating[:, ::1] sums = np.empty((min(blocks_max, ROUND), s.n_grad), dtype=dtype)
    # the batch's gradient: transposed sums, then the mean as the weights are shaped
    cdef floating[::1] total = np.empty(s.n_grad, dtype=dtype)
    cdef floating[::1] grad = np.empty(s.n_grad, dtype=dtype)
    # U.T, and W and W.T packed, as the batch's products read them
    cdef floating[:, ::1] UT = np.empty((U.shape[1], hidden), dtype=dtype)
    cdef floating[:, ::1] WT = np.empty((hidden, hidden), dtype=dtype)
    cdef floating[::1] W_packed = np.empty(hidden * hidden, dtype=dtype)
    cdef floating[::1] WT_packed = np.empty(hidden * hidden, dtype=dtype)
    # the parameters, their sizes and moments, as flat pieces of grad
    cdef floating *params[5]
    cdef floating *moments[10]
    cdef Py_ssize_t sizes[5]
    cdef int n_params = 5 if linear else 3, p
    params[0], params[1], params[2] = &U[0, 0], &V[0, 0], &W[0, 0]
    sizes[0], sizes[1], sizes[2] = s.n_U, s.out * hidden, hidden * hidden
    if linear:
        params[3], params[4] = &A[0, 0], &b[0]
        sizes[3], sizes[4] = n_A, s.out
    cdef bint use_adam = adam is not None
    cdef AdamStep update     # this batch's, with Adam
    cdef Py_ssize_t step = 0
    cdef floating[::1] flat
    if use_adam:
        step = adam[0]
        if len(adam) != 1 + 2 * n_params:
            raise ValueError(f"adam must hold the step and {2 * n_params} moments")
        for p in range(2 * n_params):
            flat = np.asarray(adam[1 + p]).reshape(-1)
            if flat.shape[0] != sizes[p // 2]:
                raise ValueError("adam's moments must be shaped like the weights")
            moments[p] = &flat[0]
    cdef double largest = DBL_MAX if floating is double else FLT_MAX
    # the most one update can move a weight (see rnnc._sgd.sgd_epoch)
    cdef double step_bound = (8 * learning_rate if use_adam else
                              learning_rate * max(abs(min_clip_val), abs(max_clip_val)))
    cdef double bound
    cdef Py_ssize_t n_batches = (n - 1) // batch_size + 1, batch, start, size
    cdef Py_ssize_t n_blocks, r, round0, round_blocks, c, j, offset, threads
    cdef int status = OK
    cdef unsigned env = 0
    cdef Clock clock
    clock.work, clock.every, clock.stop = 0, check_signals_work, 0
    clock.saved_env = rnnc_flush_subnormals_begin()
    try:
        with nogil:
            bound = max(max_abs(s.n_U, &U[0, 0]), max_abs(sizes[1], &V[0, 0]),
                        max_abs(sizes[2], &W[0, 0]))
            if linear:
                bound = max(bound, max_abs(n_A, &A[0, 0]), max_abs(s.out, &b[0]))
            for batch in range(n_batches):
                start = batch * batch_size
                size = min(batch_size, n - start)
                n_blocks = (size + BLOCK - 1) // BLOCK
                untranspose(hidden, U.shape[1], &U[0, 0], 1, &UT[0, 0])
                untranspose(hidden, hidden, &W[0, 0], 1, &WT[0, 0])
                pack_panels(hidden, hidden, &W[0, 0], hidden, &W_packed[0])
                pack_panels(hidden, hidden, &WT[0, 0], hidden, &WT_packed[0])
                # total = the blocks' sums added in block order, a round at a time
                for r in range((n_blocks + ROUND - 1) // ROUND):
                    round0 = r * ROUND
                    round_blocks = min(ROUND, n_blocks - round0)
                    threads = min(n_threads, round_blocks)
                    if threads == 1:
                        for c in range(round_blocks):
                            offset = (round0 + c) * BLOCK
                            block_gradient(&UT[0, 0], V, &W_packed[0], &WT_packed[0], X, Y,
                                           &records[start + offset], min(BLOCK, size - offset),
                                           s, per_step, activation, linear, A, b, &work[0, 0],
                                           &sums[c, 0], &clock, &clock)
                            if clock.stop:
                                break
                    else:
                        with parallel(num_threads=threads):
                            # every thread flushes subnormals as the calling one does
                            env = rnnc_flush_subnormals_begin()
                            # dynamic: a thread the machine keeps waiting takes fewer
                            # blocks (the sums do not change: each block has its own)
                            for c in prange(round_blocks, schedule="dynamic"):
                                offset = (round0 + c) * BLOCK
                                block_gradient(&UT[0, 0], V, &W_packed[0], &WT_packed[0], X, Y,
                                               &records[start + offset],
                                               min(BLOCK, size - offset), s, per_step,
                                               activation, linear, A, b,
                                               &work[threadid(), 0], &sums[c, 0],
                                               &clock if threadid() == 0 else NULL, &clock)
                            rnnc_flush_subnormals_end(env)
                    if clock.stop:
                        break
                    for c in range(round_blocks):
                        for j in range(s.n_grad):
                            total[j] = (sums[c, j] if round0 + c == 0
                                        else total[j] + sums[c, j])
                if clock.stop:
                    break
                # grad = the mean gradient, shaped like the weights: dU, dV, dW, dA, db
                untranspose(U.shape[1], hidden, &total[0], size, &grad[0])
                offset = s.n_U
                untranspose(hidden, s.out, &total[offset], size, &grad[offset])
                offset = offset + sizes[1]
                untranspose(hidden, hidden, &total[offset], size, &grad[offset])
                if linear:
                    offset = offset + sizes[2]
                    untranspose(A.shape[1], s.out, &total[offset], size, &grad[offset])
                    for j in range(s.n_grad - s.out, s.n_grad):
                        grad[j] = total[j] / size
                if clip(s.n_grad, &grad[0], min_clip_val, max_clip_val):
                    status = NONFINITE_GRADIENT
                    break
                # |P - update| <= max|P| + step_bound (see rnnc._sgd.sgd_epoch)
                if bound + step_bound > largest / 4:
                    bound = max(max_abs(s.n_U, &U[0, 0]), max_abs(sizes[1], &V[0, 0]),
                                max_abs(sizes[2], &W[0, 0]))
                    if linear:
                        bound = max(bound, max_abs(n_A, &A[0, 0]), max_abs(s.out, &b[0]))
                    if not (bound + step_bound <= largest):
                        status = OVERFLOW
                        break
                if use_adam:
                    step += 1
                    update = adam_step(learning_rate, step)
                offset = 0
                for p in range(n_params):
                    apply_update(sizes[p], params[p], &grad[offset], learning_rate,
                                 &update if use_adam else NULL,
                                 moments[2 * p] if use_adam else NULL,
                                 moments[2 * p + 1] if use_adam else NULL)
                    offset = offset + sizes[p]
                bound += step_bound
    finally:   # Ctrl-C included: the update count must match the moments
        if use_adam:
            adam[0] = step
        rnnc_flush_subnormals_end(clock.saved_env)
    if clock.stop:
        raise_held(&clock)
    return status, (batch if status != OK else n_batches)

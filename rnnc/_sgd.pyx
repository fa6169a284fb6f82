# Compiled without bounds checks, wraparound and initializedcheck (see setup.py).
"""One epoch of per-record SGD or Adam, compiled: forward, backward, clip and update.

For each record x_1..x_T with target y, in the order given (see rnnc/reference.py):

    h_t   = f(a_t + W h_{t-1}),  h_0 = 0,  f = sigmoid or tanh
    yhat  = V h_T (+ A x_tail + b),   loss = ||y - yhat||^2 / 2

where the optional skip term (A, b) is a linear autoregression on the last
p steps, x_tail = x[T-p:].ravel(), p = A.shape[1] / n_features.

backprop="bptt": the exact gradient with h_{T-k-1} held constant, k =
bptt_truncate (steps first..T carry gradient: first = T - k, or 1 for full
BPTT, k = None or k >= T - 1):

    dV = outer(yhat - y, h_T)          (dA = outer(yhat - y, x_tail), db = yhat - y)
    delta_T = (V.T @ (yhat - y)) * f'(z_T)
    for t = T .. first:
        dU += outer(delta_t, x_t)       (per-step: dU[:, t-1] += delta_t * x_t)
        dW += outer(delta_t, h_{t-1})
        delta_{t-1} = (W.T @ delta_t) * f'(z_{t-1})

then P -= learning_rate * clip(dP) for P in U, V, W (SGD), or Adam's step
with the clipped gradient.
backprop="tutorial": the tutorial's update rule, see tutorial_update below.

The weights are updated in place.  An update is applied whole or not at all:
a non-finite gradient, or an update that would overflow, stops the epoch
before it touches the weights and is reported to the caller.
"""
import numpy as np
from libc.string cimport memset

from rnnc._helpers cimport (SIGMOID, TANH, Activation, AdamStep, activate, activate_with_slope,
                            adam_step, adam_update, clip, floating, gemm_tn, gemm_tn_clip_sub,
                            gemv, gemv_t, ger, max_abs, rnnc_flush_subnormals_begin,
                            rnnc_flush_subnormals_end, rnnc_prefetch, sub_scaled)
from rnnc._numpy_loops cimport numpy_exp, numpy_matvec
from rnnc._numpy_loops import matches_numpy

cdef extern from "Python.h":
    int PyErr_CheckSignals() except -1

cdef extern from "float.h":
    double DBL_MAX
    float FLT_MAX

cdef struct SignalClock:
    double work            # multiply-adds since the last look for signals
    double every           # multiply-adds between two looks
    bint flush             # subnormals are flushed while the kernel runs
    unsigned saved_env     # the caller's floating-point setting, to restore meanwhile


cdef int tick(SignalClock *clock, double work) except -1 nogil:
    """Count work; every clock.every multiply-adds, run Python's signal
    handlers (Ctrl-C raises KeyboardInterrupt here), with the caller's
    floating-point setting, whatever the length of a record."""
    if clock == NULL:
        return 0
    clock.work += work
    if clock.work < clock.every:
        return 0
    clock.work = 0
    with gil:
        if clock.flush:
            rnnc_flush_subnormals_end(clock.saved_env)
        try:
            PyErr_CheckSignals()
        finally:
            if clock.flush:
                rnnc_flush_subnormals_begin()
    return 0


# What sgd_epoch returns as its first value.
cpdef enum Status:
    OK = 0
    NONFINITE_GRADIENT = 1
    OVERFLOW = 2


cdef inline bint next_pass_backwards(Py_ssize_t *passes) noexcept nogil:
    """The direction of the next pass over W: each pass runs opposite to the
    one before, so it starts on the rows the last one left in L1 (W does not
    fit L1 at hidden 100 in float64)."""
    passes[0] += 1
    return passes[0] % 2 == 0


cdef inline void input_term(const floating[:, ::1] U, const floating[:, ::1] UT,
                            bint use_UT, const floating[:, ::1] x, Py_ssize_t t, bint per_step,
                            bint numpy_rounding, floating *a) noexcept nogil:
    """a = a_t, the input's term in step t's pre-activation (1-based t)"""
    cdef Py_ssize_t hidden = U.shape[0], F = x.shape[1], i
    if per_step:
        # a = U[:, t-1] * x_t, read from UT = U.T (one contiguous row) when use_UT
        for i in range(hidden):
            a[i] = (UT[t - 1, i] if use_UT else U[i, t - 1]) * x[t - 1, 0]
    elif numpy_rounding:
        # a = np.dot(U, x_t)
        numpy_matvec(hidden, F, &U[0, 0], &x[t - 1, 0], a)
    elif F == 1:
        # a = U[:, 0] * x_t: one input, one column
        for i in range(hidden):
            a[i] = U[i, 0] * x[t - 1, 0]
    else:
        # a = U @ x_t
        memset(a, 0, hidden * sizeof(floating))
        gemv(hidden, F, &U[0, 0], &x[t - 1, 0], a)


cdef int forward_record(const floating[:, ::1] U, const floating[:, ::1] UT, bint use_UT,
                        const floating[:, ::1] W, const floating[:, ::1] x, bint per_step,
                        Activation activation, Py_ssize_t first, floating[:, ::1] hs,
                        floating[:, ::1] slopes, bint keep_Wh, floating[:, ::1] Wh,
                        bint numpy_rounding, Py_ssize_t *passes,
                        SignalClock *clock) except -1 nogil:
    """The forward pass of one record: hs[t] = h_t for t = 0..T, and what the
    caller keeps of it.

    slopes[t-1] = f'(z_t) for the steps t = first..T that carry gradient
    (first > T: none); keep_Wh: Wh[t-1] = W @ h_{t-1} for every step, which
    the tutorial's rule uses.  numpy_rounding (sigmoid only): the sums and
    exp are NumPy's own, rounded as the tutorial's code rounds them.
    passes counts the passes over W; clock (or NULL) counts the work done
    and looks for Ctrl-C (which raises here).  W's rows may be padded with zeros to
    W.shape[1], as long as hs's rows are and their padding is zero: the
    products then run over whole lines.
    """
    cdef Py_ssize_t T = x.shape[0], hidden = W.shape[0], width = W.shape[1], t, i
    memset(&hs[0, 0], 0, width * sizeof(floating))
    for t in range(1, T + 1):
        tick(clock, hidden * (width + x.shape[1]))
        input_term(U, UT, use_UT, x, t, per_step, numpy_rounding, &hs[t, 0])
        if keep_Wh:
            # Wh[t-1] = W @ h_{t-1};  z = a_t + Wh[t-1]
            if numpy_rounding:
                numpy_matvec(hidden, hidden, &W[0, 0], &hs[t - 1, 0], &Wh[t - 1, 0])
            else:
                memset(&Wh[t - 1, 0], 0, hidden * sizeof(floating))
                gemv(hidden, width, &W[0, 0], &hs[t - 1, 0], &Wh[t - 1, 0],
                     next_pass_backwards(passes), width)
            for i in range(hidden):
                hs[t, i] += Wh[t - 1, i]
        elif t == 1:
            # h_0 = 0: z = a_1 alone.  The pass still counts, so that every
            # later one keeps its direction, and so gemv_t its sums' order
            next_pass_backwards(passes)
        else:
            # z = a_t + W @ h_{t-1}
            gemv(hidden, width, &W[0, 0], &hs[t - 1, 0], &hs[t, 0],
                 next_pass_backwards(passes), width)
        if numpy_rounding:
            # h = 1 / (1 + np.exp(-z))
            for i in range(hidden):
                hs[t, i] = -hs[t, i]
            numpy_exp(hidden, &hs[t, 0], &hs[t, 0])
            for i in range(hidden):
                hs[t, i] = 1 / (1 + hs[t, i])
        elif t < first:   # only the slopes the backward pass uses: they fill the cache
            activate(activation, hidden, &hs[t, 0], &hs[t, 0])
        else:
            activate_with_slope(activation, hidden, &hs[t, 0], &hs[t, 0], &slopes[t - 1, 0])
    return 0


cdef void output_error(const floating[:, ::1] V, const floating *h_T, const floating *y,
                       bint numpy_rounding, floating *dyhat) noexcept nogil:
    """dyhat = V @ h_T - y (numpy_rounding: np.dot(V, h_T) - y)"""
    cdef Py_ssize_t o
    if numpy_rounding:
        numpy_matvec(V.shape[0], V.shape[1], &V[0, 0], h_T, dyhat)
        for o in range(V.shape[0]):
            dyhat[o] -= y[o]
        return
    for o in range(V.shape[0]):
        dyhat[o] = -y[o]
    gemv(V.shape[0], V.shape[1], &V[0, 0], h_T, dyhat)


cdef void add_linear_term(const floating[:, ::1] A, const floating[::1] b,
                          const floating[:, ::1] x, floating *yhat) noexcept nogil:
    """yhat += A @ x_tail + b, x_tail = x[T-p:].ravel()"""
    cdef Py_ssize_t o, p = A.shape[1] // x.shape[1]
    gemv(A.shape[0], A.shape[1], &A[0, 0], &x[x.shape[0] - p, 0], yhat)
    for o in range(A.shape[0]):
        yhat[o] += b[o]


cdef void linear_gradient(const floating[:, ::1] x, const floating *dyhat, floating[:, ::1] dA,
                          floating[::1] db) noexcept nogil:
    """dA = np.outer(dyhat, x_tail);  db = dyhat"""
    cdef Py_ssize_t o, p = dA.shape[1] // x.shape[1]
    memset(&dA[0, 0], 0, dA.shape[0] * dA.shape[1] * sizeof(floating))
    ger(dA.shape[0], dA.shape[1], dyhat, &x[x.shape[0] - p, 0], &dA[0, 0])
    for o in range(db.shape[0]):
        db[o] = dyhat[o]


cdef int bptt_gradients(const floating[:, ::1] U, const floating[:, ::1] UT,
                        const floating[:, ::1] V, const floating[:, ::1] W,
                        const floating[:, ::1] x,
                        const floating *y, Py_ssize_t first, bint per_step,
                        Activation activation, floating[:, ::1] hs, floating[:, ::1] deltas,
                        floating[:, ::1] dU, floating[:, ::1] dV,
                        floating[:, ::1] work, Py_ssize_t *passes, bint linear,
                        const floating[:, ::1] A, const floating[::1] b,
                        SignalClock *clock) except -1 nogil:
    """dU, dV and deltas = the truncated gradient of one record's loss
    (unclipped), dW = form_dW(...) of it; UT = U.T in the per-step layout;
    passes counts the passes over W, clock the work (see forward_record).
    hs and deltas have rows as wide as W's
    (W.shape[1], padding included), and work rows at least that wide.

    work[0] holds dyhat = yhat - y (yhat with the skip term (A, b) when linear).
    deltas[t-1] holds f'(z_t) after the forward pass, and delta_t once the
    backward pass reaches step t, for the steps that carry gradient.  Per-step
    layout: dU is stored transposed, dU[t-1] = column t-1 of the gradient,
    and only rows first-1..T-1 are written.
    """
    cdef Py_ssize_t T = x.shape[0], F = x.shape[1], hidden = W.shape[0], t, i
    cdef Py_ssize_t window = T - first + 1
    cdef floating *dyhat = &work[0, 0]
    cdef floating *g = &work[1, 0]

    forward_record(U, UT, per_step, W, x, per_step, activation, first, hs, deltas, False, hs,
                   False, passes, clock)
    output_error(V, &hs[T, 0], y, False, dyhat)
    if linear:
        add_linear_term(A, b, x, dyhat)
    # dV = np.outer(dyhat, h_T)
    memset(&dV[0, 0], 0, dV.shape[0] * dV.shape[1] * sizeof(floating))
    ger(V.shape[0], hidden, dyhat, &hs[T, 0], &dV[0, 0])
    # delta_T = (V.T @ dyhat) * f'(z_T)
    gemv_t(V.shape[0], hidden, &V[0, 0], dyhat, g)
    for i in range(hidden):
        deltas[T - 1, i] *= g[i]
    for t in range(T, first, -1):
        tick(clock, hidden * W.shape[1])
        # delta_{t-1} = (W.T @ delta_t) * f'(z_{t-1})
        gemv_t(hidden, W.shape[1], &W[0, 0], &deltas[t - 1, 0], g,
               next_pass_backwards(passes), W.shape[1])
        for i in range(hidden):
            deltas[t - 2, i] *= g[i]

    if per_step:
        # dU[:, t-1] = delta_t * x_t   (stored as row t-1)
        for t in range(first, T + 1):
            for i in range(hidden):
                dU[t - 1, i] = deltas[t - 1, i] * x[t - 1, 0]
    else:
        # dU = sum over the window of np.outer(delta_t, x_t)
        gemm_tn(hidden, window, F, &deltas[first - 1, 0], deltas.shape[1], &x[first - 1, 0], F,
                &dU[0, 0])
    return 0


cdef void form_dW(Py_ssize_t first, Py_ssize_t T, const floating[:, ::1] deltas,
                  const floating[:, ::1] hs, floating[:, ::1] dW) noexcept nogil:
    """dW = sum over the window of np.outer(delta_t, h_{t-1}) = deltas[w].T @ hs[w]"""
    cdef Py_ssize_t hidden = dW.shape[0]
    gemm_tn(hidden, T - first + 1, hidden, &deltas[first - 1, 0], deltas.shape[1],
            &hs[first - 1, 0], hs.shape[1], &dW[0, 0])


cdef bint dW_surely_finite(Py_ssize_t first, Py_ssize_t T, const floating[:, ::1] deltas,
                           const floating[:, ::1] hs, double largest) noexcept nogil:
    """True when no sum of form_dW can overflow or be NaN: each is at most
    (sum over the window of max|delta_t|) * max|h| in size.  Then dW need
    not be formed and checked before the update."""
    cdef Py_ssize_t t, hidden = hs.shape[1]
    cdef double delta_sum = 0
    for t in range(first, T + 1):
        delta_sum += max_abs(hidden, &deltas[t - 1, 0])
    # NaN anywhere makes the comparison false
    return delta_sum * max_abs((T - first + 1) * hidden, &hs[first - 1, 0]) < largest / 2


cdef int clip_gradients(Py_ssize_t first, Py_ssize_t T, bint per_step, double lo, double hi,
                        floating[:, ::1] dU, floating[:, ::1] dV, floating[:, ::1] dW,
                        bint with_dW) noexcept nogil:
    """Clip the gradient in place (dW only when with_dW); 1 if any entry was
    NaN or infinite."""
    cdef int bad = 0
    if per_step:
        bad |= clip((T - first + 1) * dU.shape[1], &dU[first - 1, 0], lo, hi)
    else:
        bad |= clip(dU.shape[0] * dU.shape[1], &dU[0, 0], lo, hi)
    bad |= clip(dV.shape[0] * dV.shape[1], &dV[0, 0], lo, hi)
    if with_dW:
        bad |= clip(dW.shape[0] * dW.shape[1], &dW[0, 0], lo, hi)
    return bad


cdef double weights_max_abs(floating[:, ::1] U, floating[:, ::1] V, floating[:, ::1] W,
                            bint linear, floating[:, ::1] A, floating[::1] b) noexcept nogil:
    """The largest magnitude of any weight (the skip term's too when linear)"""
    cdef double largest = max(max_abs(U.shape[0] * U.shape[1], &U[0, 0]),
                              max_abs(V.shape[0] * V.shape[1], &V[0, 0]),
                              max_abs(W.shape[0] * W.shape[1], &W[0, 0]))
    if linear:
        largest = max(largest, max_abs(A.shape[0] * A.shape[1], &A[0, 0]),
                      max_abs(b.shape[0], &b[0]))
    return largest


cdef void apply_bptt_update(Py_ssize_t first, Py_ssize_t T, bint per_step, double lr,
                            floating[:, ::1] U, floating[:, ::1] UT, floating[:, ::1] V,
                            floating[:, ::1] W,
                            floating[:, ::1] dU, floating[:, ::1] dV, floating[:, ::1] dW,
                            bint dW_formed, const floating[:, ::1] deltas,
                            const floating[:, ::1] hs, double lo, double hi,
                            Py_ssize_t *passes) noexcept nogil:
    """P -= lr * dP for the clipped gradient; dW, when it was not formed, is
    formed, clipped and applied row by row from deltas and hs.  passes
    counts the passes over W."""
    cdef Py_ssize_t t, i
    if per_step:
        # U[:, t-1] -= lr * dU[:, t-1], only for the steps that carry gradient;
        # UT = U.T kept in step
        for t in range(first, T + 1):
            for i in range(U.shape[0]):
                UT[t - 1, i] -= lr * dU[t - 1, i]
                U[i, t - 1] = UT[t - 1, i]
    else:
        sub_scaled(U.shape[0] * U.shape[1], lr, &dU[0, 0], &U[0, 0])
    sub_scaled(V.shape[0] * V.shape[1], lr, &dV[0, 0], &V[0, 0])
    cdef Py_ssize_t hidden = W.shape[0]
    cdef bint backwards = next_pass_backwards(passes)
    if dW_formed:
        # a row at a time: W's rows may be padded (see sgd_epoch), dW's are not
        for i in range(hidden):
            t = hidden - 1 - i if backwards else i
            sub_scaled(hidden, lr, &dW[t, 0], &W[t, 0])
    else:
        gemm_tn_clip_sub(hidden, T - first + 1, hidden, &deltas[first - 1, 0], deltas.shape[1],
                         &hs[first - 1, 0], hs.shape[1], lo, hi, lr, &W[0, 0], W.shape[1],
                         backwards)


cdef void apply_adam_update(bint per_step, const AdamStep *update,
                            floating[:, ::1] U, floating[:, ::1] UT, floating[:, ::1] V,
                            floating[:, ::1] W,
                            floating[:, ::1] dU, floating[:, ::1] dV, floating[:, ::1] dW,
                            floating[:, ::1] mU, floating[:, ::1] vU,
                            floating[:, ::1] mV, floating[:, ::1] vV,
                            floating[:, ::1] mW, floating[:, ::1] vW,
                            floating[:, ::1] dU_like_U) noexcept nogil:
    """Adam's update of every weight with the clipped gradient.

    Per-step layout: dU is stored transposed (see bptt_gradients), and its
    rows outside the truncation window are zero: Adam still decays their moments,
    so every column of U moves, and UT = U.T is kept in step.  dU_like_U
    receives dU.T there, laid out as U and its moments are, for one pass over U.
    """
    cdef Py_ssize_t i, j
    if per_step:
        for i in range(U.shape[0]):
            for j in range(U.shape[1]):
                dU_like_U[i, j] = dU[j, i]
        dU = dU_like_U
    adam_update(U.shape[0] * U.shape[1], &U[0, 0], &dU[0, 0], &mU[0, 0], &vU[0, 0], update)
    if per_step:
        for i in range(U.shape[0]):
            for j in range(U.shape[1]):
                UT[j, i] = U[i, j]
    adam_update(V.shape[0] * V.shape[1], &V[0, 0], &dV[0, 0], &mV[0, 0], &vV[0, 0], update)
    if W.shape[1] == dW.shape[1]:
        adam_update(W.shape[0] * W.shape[1], &W[0, 0], &dW[0, 0], &mW[0, 0], &vW[0, 0], update)
        return
    for i in range(W.shape[0]):     # W's rows padded (see sgd_epoch), dW's not: a row at a time
        adam_update(dW.shape[1], &W[i, 0], &dW[i, 0], &mW[i, 0], &vW[i, 0], update)


cdef void apply_linear_update(double lr, const AdamStep *update, floating[:, ::1] A,
                              floating[::1] b, floating[:, ::1] dA, floating[::1] db,
                              floating[:, ::1] mA, floating[:, ::1] vA, floating[::1] mb,
                              floating[::1] vb) noexcept nogil:
    """The skip term's update with its clipped gradient: A -= lr * dA and
    b -= lr * db for SGD (update NULL), or Adam's update."""
    if update == NULL:
        sub_scaled(A.shape[0] * A.shape[1], lr, &dA[0, 0], &A[0, 0])
        sub_scaled(b.shape[0], lr, &db[0], &b[0])
        return
    adam_update(A.shape[0] * A.shape[1], &A[0, 0], &dA[0, 0], &mA[0, 0], &vA[0, 0], update)
    adam_update(b.shape[0], &b[0], &db[0], &mb[0], &vb[0], update)


cdef int tutorial_update(const floating[:, ::1] U, const floating[:, ::1] V,
                         const floating[:, ::1] W, const floating[:, ::1] x,
                         const floating *y, Py_ssize_t k, bint per_step, double lo, double hi,
                         bint numpy_rounding, floating[:, ::1] hs, floating[:, ::1] Wh,
                         floating[:, ::1] dV, floating[:, ::1] work,
                         SignalClock *clock) except -1 nogil:
    """The tutorial's update for one record (not a gradient), see rnnc.reference.

    With n_t = min(t, k), for t = 0..T-1 (0-based):
        u_run += a_{t+1}, n_t times;   w_run += W @ h_t, n_t times
        u = clip(u + u_run);  w = clip(w + w_run);  dV = clip(dV + outer(dyhat, h_{t+1}))
    dU has u in every column, dW has w in every column.  Repeated additions
    are kept as repeated additions, and with numpy_rounding the forward pass
    calls NumPy's own exp and dot, so that rounding follows the tutorial's.
    Leaves u in work[3], w in work[4]; returns 1 if a sum was not finite.
    """
    cdef Py_ssize_t T = x.shape[0], hidden = W.shape[0], t, i, o, _, passes = 0
    cdef floating *dyhat = &work[0, 0]
    cdef floating *u_run = &work[1, 0]
    cdef floating *w_run = &work[2, 0]
    cdef floating *u = &work[3, 0]
    cdef floating *w = &work[4, 0]
    cdef floating *a = &work[5, 0]
    cdef int bad = 0

    # U itself, not a transposed copy: the rule updates U after every record
    forward_record(U, U, False, W, x, per_step, SIGMOID, T + 1, hs, hs, True, Wh,
                   numpy_rounding, &passes, clock)
    output_error(V, &hs[T, 0], y, numpy_rounding, dyhat)
    for i in range(1, 5):   # u_run, w_run, u, w
        memset(&work[i, 0], 0, hidden * sizeof(floating))
    memset(&dV[0, 0], 0, dV.shape[0] * dV.shape[1] * sizeof(floating))
    for t in range(T):
        tick(clock, hidden * (min(t, k) + 1))
        # a = the input term at this step
        input_term(U, U, False, x, t + 1, per_step, numpy_rounding, a)
        for _ in range(min(t, k)):     # repeated additions round as the tutorial's do
            for i in range(hidden):
                u_run[i] += a[i]
                w_run[i] += Wh[t, i]
        for i in range(hidden):
            u[i] += u_run[i]
            w[i] += w_run[i]
        bad |= clip(hidden, u, lo, hi)
        bad |= clip(hidden, w, lo, hi)
        # dV = np.clip(dV + np.outer(dyhat, h_{t+1}), lo, hi), product rounded first
        for o in range(V.shape[0]):
            for i in range(hidden):
                dV[o, i] += dyhat[o] * hs[t + 1, i]
        bad |= clip(dV.shape[0] * dV.shape[1], &dV[0, 0], lo, hi)
    return bad


cdef void apply_tutorial_update(double lr, floating[:, ::1] U, floating[:, ::1] V,
                                floating[:, ::1] W, floating[:, ::1] dV,
                                floating[:, ::1] work) noexcept nogil:
    """U -= lr * u[:, None];  W -= lr * w[:, None];  V -= lr * dV

    The product is rounded before the subtraction, as in NumPy: this file is
    compiled for baseline x86-64, which has no fused multiply-add.
    """
    cdef Py_ssize_t i, j
    cdef floating step
    for i in range(U.shape[0]):
        step = <floating> lr * work[3, i]
        for j in range(U.shape[1]):
            U[i, j] -= step
        step = <floating> lr * work[4, i]
        for j in range(W.shape[1]):
            W[i, j] -= step
    for i in range(V.shape[0]):
        for j in range(V.shape[1]):
            V[i, j] -= <floating> lr * dV[i, j]


def line_aligned_zeros(rows, cols, dtype):
    """Zeros of shape (rows, cols rounded up to a cache line), each row
    starting on a 64-byte cache line."""
    itemsize = np.dtype(dtype).itemsize
    per_line = 64 // itemsize
    padded_cols = -(-cols // per_line) * per_line
    memory = np.zeros(rows * padded_cols + per_line, dtype=dtype)
    start = (-memory.ctypes.data % 64) // itemsize
    return memory[start:start + rows * padded_cols].reshape(rows, padded_cols)


def line_aligned_copy(W):
    """W in an array whose rows start on cache lines, padded with zeros."""
    padded = line_aligned_zeros(W.shape[0], W.shape[1], W.dtype)
    padded[:, :W.shape[1]] = W
    return padded


def sgd_epoch(floating[:, ::1] U, floating[:, ::1] V, floating[:, ::1] W,
              const floating[:, :, ::1] X, const floating[:, ::1] Y, double learning_rate,
              Py_ssize_t bptt_truncate, double min_clip_val, double max_clip_val,
              bint per_step, bint tutorial_rule=False,
              Activation activation=SIGMOID, adam=None,
              double check_signals_work=1e7, const Py_ssize_t[::1] order=None,
              floating[:, ::1] A=None, floating[::1] b=None):
    """One pass of per-record SGD or Adam over X, Y, updating U, V, W (and the
    skip term's A and b, when given) in place (W on a cache-aligned copy,
    written back when the call returns or raises).

    bptt_truncate < 0 means full BPTT.  adam, for the Adam optimizer, is a
    list [step, mU, vU, mV, vV, mW, vW] (and mA, vA, mb, vb with the skip
    term): the number of updates made so far and the moment arrays, shaped
    like the weights; it is updated in place.
    order, if given, is the order to visit the records in: a permutation of
    range(n_records).  Returns (status, record): OK and the number of
    records, or NONFINITE_GRADIENT / OVERFLOW and the index in X of the
    record whose update was refused (the weights hold the updates before
    it).  Looks for Ctrl-C every check_signals_work multiply-adds, within a
    record too: a record interrupted is not applied.
    """
    if activation not in (SIGMOID, TANH):
        raise ValueError(f"activation: unknown code {activation!r}")
    if not check_signals_work > 0:
        raise ValueError(f"check_signals_work must be positive, got {check_signals_work}")
    dtype = np.float64 if floating is double else np.float32
    cdef Py_ssize_t n = X.shape[0], T = X.shape[1], hidden = W.shape[0]
    cdef bint in_order = order is None
    if not in_order and not np.array_equal(np.sort(order), np.arange(n)):
        raise ValueError(f"order must be a permutation of range({n})")
    cdef Py_ssize_t k = T if bptt_truncate < 0 else bptt_truncate
    cdef Py_ssize_t first = 1 if k >= T - 1 else T - k
    # the epoch works on Wk, a copy of W whose rows start on cache lines (a
    # row that straddles lines costs two reads per vector), written back at
    # the end; the tutorial's rule keeps W itself, read as NumPy reads it
    W_padded = None if tutorial_rule else line_aligned_copy(np.asarray(W))
    cdef floating[:, ::1] Wk = W if W_padded is None else W_padded
    # workspace, allocated once per epoch, rows as wide as Wk's and aligned alike
    cdef floating[:, ::1] hs = line_aligned_zeros(T + 1, Wk.shape[1], dtype)
    # one row per step: W h_{t-1} for the tutorial's rule, f'(z_t) then delta_t for BPTT
    cdef floating[:, ::1] rows = line_aligned_zeros(max(T, 1), Wk.shape[1], dtype)
    cdef floating[:, ::1] dU = np.zeros((T, hidden) if per_step else (U.shape[0], U.shape[1]),
                                        dtype=dtype)
    cdef floating[:, ::1] dV = np.zeros((V.shape[0], V.shape[1]), dtype=dtype)
    cdef floating[:, ::1] dW = np.zeros((hidden, hidden), dtype=dtype)
    cdef floating[:, ::1] work = np.zeros((6, max(Wk.shape[1], V.shape[0])), dtype=dtype)
    # per-step layout: U.T, the input weights of each step in one row (unused otherwise)
    cdef floating[:, ::1] UT = np.ascontiguousarray(np.asarray(U).T) if per_step else U
    cdef floating[:, ::1] mU, vU, mV, vV, mW, vW
    cdef bint use_adam = adam is not None
    cdef Py_ssize_t step = 0
    cdef AdamStep update     # this record's, with Adam
    memset(&update, 0, sizeof(update))
    # per-step layout with Adam: dU.T, laid out as U and its moments are
    cdef floating[:, ::1] dU_like_U = np.zeros(np.shape(U) if use_adam and per_step else (0, 0),
                                               dtype=dtype)
    if use_adam:
        step, mU, vU, mV, vV, mW, vW = adam[:7]
    # the skip term's gradient and Adam moments (empty without it)
    cdef bint linear = A is not None
    if linear and tutorial_rule:
        raise ValueError("the tutorial's rule has no skip term")
    cdef floating[:, ::1] dA = np.zeros(np.shape(A) if linear else (0, 0), dtype)
    cdef floating[::1] db = np.zeros(np.shape(b) if linear else 0, dtype)
    cdef floating[:, ::1] mA = dA, vA = dA
    cdef floating[::1] mb = db, vb = db
    if linear and use_adam:
        mA, vA, mb, vb = adam[7:]
    cdef double largest = DBL_MAX if floating is double else FLT_MAX
    # the most one update can move a weight: lr * clip for SGD; for Adam,
    # lr * (1-b1) / sqrt((1-b2)(1-b1^2/b2)) < 8 lr by Cauchy-Schwarz on m / sqrt(v)
    cdef double step_bound = (8 * learning_rate if use_adam else
                              learning_rate * max(abs(min_clip_val), abs(max_clip_val)))
    cdef double bound
    cdef Py_ssize_t r, i, t
    cdef Status status = OK
    cdef Py_ssize_t passes = 0     # over W in this record, to alternate their direction
    cdef bint dW_formed = True
    cdef bint numpy_rounding = tutorial_rule and matches_numpy()
    if n == 0 or T == 0:
        return OK, n

    # flush subnormals, except where the tutorial's rule must round as NumPy does
    cdef bint flush = not tutorial_rule
    cdef SignalClock clock
    clock.work, clock.every, clock.flush = 0, check_signals_work, flush
    clock.saved_env = rnnc_flush_subnormals_begin() if flush else 0
    try:
        with nogil:
            bound = weights_max_abs(U, V, Wk, linear, A, b)
            for r in range(n):
                # the directions count from each record's start, so that a
                # record's gradient (gemv_t's sums follow the row order)
                # depends on the weights and the record only
                passes = 0
                i = r if in_order else order[r]
                if not in_order and r + 1 < n:
                    # the next record's data, while this one trains: in an
                    # order no hardware prefetcher can follow
                    for t in range(T):   # a step at a time: records may be strided views
                        rnnc_prefetch(&X[order[r + 1], t, 0], X.shape[2] * sizeof(floating))
                    rnnc_prefetch(&Y[order[r + 1], 0], Y.shape[1] * sizeof(floating))
                if tutorial_rule:
                    if tutorial_update(U, V, W, X[i], &Y[i, 0], k, per_step, min_clip_val,
                                       max_clip_val, numpy_rounding, hs, rows, dV, work,
                                       &clock):
                        status = NONFINITE_GRADIENT
                else:
                    bptt_gradients(U, UT, V, Wk, X[i], &Y[i, 0], first, per_step, activation,
                                   hs, rows, dU, dV, work, &passes, linear, A, b, &clock)
                    if linear:
                        linear_gradient(X[i], &work[0, 0], dA, db)
                        if (clip(dA.shape[0] * dA.shape[1], &dA[0, 0], min_clip_val,
                                 max_clip_val) | clip(db.shape[0], &db[0], min_clip_val,
                                                      max_clip_val)):
                            status = NONFINITE_GRADIENT
                    # SGD needs no dW array when it is surely finite: the
                    # update forms it row by row (Adam keeps its moments)
                    dW_formed = use_adam or not dW_surely_finite(first, T, rows, hs, largest)
                    if dW_formed:
                        form_dW(first, T, rows, hs, dW)
                    if clip_gradients(first, T, per_step, min_clip_val, max_clip_val,
                                      dU, dV, dW, dW_formed):
                        status = NONFINITE_GRADIENT
                if status != OK:
                    break
                # |P - update| <= max|P| + step_bound: only near the top of the
                # range is it worth measuring max|P| again before updating.
                if bound + step_bound > largest / 4:
                    bound = weights_max_abs(U, V, Wk, linear, A, b)
                    if not (bound + step_bound <= largest):
                        status = OVERFLOW
                        break
                if tutorial_rule:
                    apply_tutorial_update(learning_rate, U, V, W, dV, work)
                elif use_adam:
                    step += 1
                    update = adam_step(learning_rate, step)
                    apply_adam_update(per_step, &update, U, UT, V, Wk, dU, dV, dW,
                                      mU, vU, mV, vV, mW, vW, dU_like_U)
                else:
                    apply_bptt_update(first, T, per_step, learning_rate, U, UT, V, Wk, dU, dV,
                                      dW, dW_formed, rows, hs, min_clip_val, max_clip_val,
                                      &passes)
                if linear:
                    apply_linear_update(learning_rate, &update if use_adam else NULL, A, b, dA,
                                        db, mA, vA, mb, vb)
                bound += step_bound
    finally:   # Ctrl-C included: W and the update count must match the moments
        if W_padded is not None:
            np.asarray(W)[...] = W_padded[:, :W.shape[1]]
        if use_adam:
            adam[0] = step
        if flush:
            rnnc_flush_subnormals_end(clock.saved_env)
    return status, (i if status != OK else n)


def record_gradients(const floating[:, ::1] U, const floating[:, ::1] V,
                     const floating[:, ::1] W, const floating[:, ::1] x,
                     const floating[::1] y, Py_ssize_t bptt_truncate, bint per_step,
                     bint tutorial_rule=False, double min_clip_val=-10, double max_clip_val=10,
                     Activation activation=SIGMOID, const floating[:, ::1] A=None,
                     const floating[::1] b=None, double check_signals_work=1e7):
    """(dU, dV, dW) of one record, shaped like U, V, W: the exact truncated
    gradient (unclipped), or with tutorial_rule the tutorial's update.  With
    the skip term A, b: (dU, dV, dW, dA, db)."""
    dtype = np.float64 if floating is double else np.float32
    cdef Py_ssize_t T = x.shape[0], hidden = W.shape[0]
    cdef Py_ssize_t k = T if bptt_truncate < 0 else bptt_truncate
    cdef Py_ssize_t first = 1 if k >= T - 1 else T - k
    cdef Py_ssize_t passes = 0
    cdef bint numpy_rounding = tutorial_rule and matches_numpy()
    # the layout sgd_epoch trains with (for BPTT, W's rows on cache lines), so
    # that the sums, and so the gradient, are the very ones a training step applies
    cdef const floating[:, ::1] Wk = W if tutorial_rule else line_aligned_copy(np.asarray(W))
    cdef const floating[:, ::1] UT = (np.ascontiguousarray(np.asarray(U).T)
                                      if per_step and not tutorial_rule else U)
    cdef floating[:, ::1] hs = line_aligned_zeros(T + 1, Wk.shape[1], dtype)
    # one row per step: W h_{t-1} for the tutorial's rule, f'(z_t) then delta_t for BPTT
    cdef floating[:, ::1] rows = line_aligned_zeros(max(T, 1), Wk.shape[1], dtype)
    work = np.zeros((6, max(Wk.shape[1], V.shape[0])), dtype=dtype)
    dU = np.zeros((T, hidden) if per_step else (U.shape[0], U.shape[1]), dtype=dtype)
    dV = np.zeros((V.shape[0], V.shape[1]), dtype=dtype)
    dW = np.zeros((hidden, hidden), dtype=dtype)
    cdef floating[:, ::1] dU_view = dU, dV_view = dV, dW_view = dW, work_view = work
    cdef SignalClock clock
    clock.work, clock.every, clock.flush = 0, check_signals_work, not tutorial_rule
    if tutorial_rule:
        with nogil:
            tutorial_update(U, V, W, x, &y[0], k, per_step, min_clip_val, max_clip_val,
                            numpy_rounding, hs, rows, dV_view, work_view, &clock)
        return (np.repeat(work[3, :hidden, None], U.shape[1], axis=1), dV,
                np.repeat(work[4, :hidden, None], hidden, axis=1))
    cdef bint linear = A is not None
    dA = np.zeros(np.shape(A) if linear else (0, 0), dtype)
    db = np.zeros(np.shape(b) if linear else 0, dtype)
    cdef floating[:, ::1] dA_view = dA
    cdef floating[::1] db_view = db
    clock.saved_env = rnnc_flush_subnormals_begin()   # as sgd_epoch does
    try:
        with nogil:
            bptt_gradients(U, UT, V, Wk, x, &y[0], first, per_step, activation, hs, rows,
                           dU_view, dV_view, work_view, &passes, linear, A, b, &clock)
            form_dW(first, T, rows, hs, dW_view)
            if linear:
                linear_gradient(x, &work_view[0, 0], dA_view, db_view)
    finally:
        rnnc_flush_subnormals_end(clock.saved_env)
    gradient = ((dU.T.copy() if per_step else dU), dV, dW)
    return gradient + (dA, db) if linear else gradient

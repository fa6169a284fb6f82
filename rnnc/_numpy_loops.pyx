# Compiled without bounds checks, wraparound and initializedcheck (see setup.py).
"""NumPy's own inner loops for exp and matrix-vector products, callable without the GIL.

The tutorial's training is chaotic once its clipped running sums start to
cancel: a one-ulp difference in exp or in the order of a dot product's sum
changes its epoch-25 loss by percents.  To reproduce its numbers,
backprop="tutorial" must round exactly as NumPy does, so it calls the very
loops np.exp and np.matmul dispatch to (NumPy's SIMD exp, its BLAS gemv and
dot).  They are taken from the ufuncs' loop tables on first use, not at import (a
NumPy whose tables differ must not break `import rnnc`), and checked bit for bit
against np.exp and np.dot (``matches_numpy()``); where the lookup or the check fails,
the tutorial rule falls back to rnnc's own helpers.
"""
import threading
import warnings

cimport numpy as cnp
from numpy cimport npy_intp

import numpy as np

cnp.import_array()
cnp.import_ufunc()

ctypedef void (*ufunc_loop)(char **args, npy_intp *dims, npy_intp *steps,
                            void *data) noexcept nogil


cdef struct Loop:
    ufunc_loop function
    void *data


cdef Loop EXP_D, EXP_S, MATMUL_D, MATMUL_S


cdef Loop find_loop(object ufunc, int typenum) except *:
    """The first loop of ufunc for all-`typenum` arguments: the one NumPy runs."""
    cdef cnp.ufunc u = <cnp.ufunc?> ufunc
    cdef int i, k
    cdef Loop loop
    for i in range(u.ntypes):
        if all(<int> u.types[i * u.nargs + k] == typenum for k in range(u.nargs)):
            # NumPy declares its loops as needing the GIL; these float loops take
            # no Python object (they are what np.exp and np.matmul run without
            # the GIL), hence the cast Cython warns about
            loop.function = <ufunc_loop> u.functions[i]
            loop.data = u.data[i]
            if loop.function == NULL:
                break
            return loop
    raise LookupError(f"NumPy has no {ufunc.__name__} loop for type {typenum}")


cdef inline void call_exp(Loop loop, const void *x, void *out, Py_ssize_t n,
                          Py_ssize_t itemsize) noexcept nogil:
    cdef char *args[2]
    cdef npy_intp dims[1]
    cdef npy_intp steps[2]
    args[0] = <char *> x
    args[1] = <char *> out
    dims[0] = n
    steps[0] = steps[1] = itemsize
    loop.function(args, dims, steps, loop.data)


cdef inline void call_matvec(Loop loop, Py_ssize_t m, Py_ssize_t n, const void *A,
                             const void *x, void *y, Py_ssize_t itemsize) noexcept nogil:
    # matmul's core signature (m,n),(n,p)->(m,p), here with p = 1 and one outer
    # iteration; the steps are those of A C-contiguous and x, y columns.
    cdef char *args[3]
    cdef npy_intp dims[4]
    cdef npy_intp steps[9]
    args[0] = <char *> A
    args[1] = <char *> x
    args[2] = <char *> y
    dims[0] = 1
    dims[1] = m
    dims[2] = n
    dims[3] = 1
    steps[0] = steps[1] = steps[2] = 0
    steps[3] = n * itemsize
    steps[4] = steps[5] = steps[6] = steps[7] = steps[8] = itemsize
    loop.function(args, dims, steps, loop.data)


cdef void exp_d(const double *x, double *out, Py_ssize_t n) noexcept nogil:
    call_exp(EXP_D, x, out, n, sizeof(double))


cdef void exp_s(const float *x, float *out, Py_ssize_t n) noexcept nogil:
    call_exp(EXP_S, x, out, n, sizeof(float))


cdef void matvec_d(Py_ssize_t m, Py_ssize_t n, const double *A, const double *x,
                   double *y) noexcept nogil:
    call_matvec(MATMUL_D, m, n, A, x, y, sizeof(double))


cdef void matvec_s(Py_ssize_t m, Py_ssize_t n, const float *A, const float *x,
                   float *y) noexcept nogil:
    call_matvec(MATMUL_S, m, n, A, x, y, sizeof(float))


def _find_loops():
    """Take the four loops from NumPy's ufunc tables (raises if they are not there)."""
    global EXP_D, EXP_S, MATMUL_D, MATMUL_S
    EXP_D = find_loop(np.exp, cnp.NPY_DOUBLE)
    EXP_S = find_loop(np.exp, cnp.NPY_FLOAT)
    MATMUL_D = find_loop(np.matmul, cnp.NPY_DOUBLE)
    MATMUL_S = find_loop(np.matmul, cnp.NPY_FLOAT)


# {"found": bool, "error": str, "matches": bool}, filled on first use under the lock
_state = {}
_lock = threading.Lock()


def _load():
    """Look the loops up once; whether they were found.  A failure is warned about
    once and remembered: the tutorial rule then runs on rnnc's own helpers."""
    with _lock:
        if "found" not in _state:
            try:
                _find_loops()
            except Exception as exc:   # any change in NumPy's tables, whatever it raises
                _state["error"] = f"{type(exc).__name__}: {exc}"
                _state["found"] = False
                warnings.warn(
                    f"rnnc could not find NumPy {np.__version__}'s own exp and matmul loops "
                    f"({_state['error']}); backprop='tutorial' runs the tutorial's rule on "
                    "rnnc's own exp and gemv instead, so its numbers may differ from the "
                    "tutorial's in the last bits (and, in its chaotic later epochs, by more)",
                    RuntimeWarning, stacklevel=2)
            else:
                _state["found"] = True
    return _state["found"]


def _require_loops():
    if not _load():
        raise RuntimeError(f"NumPy's loops are not available here: {_state['error']}")


def _exp(x):
    _require_loops()
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    cdef double[::1] xd, od
    cdef float[::1] xs, os
    if x.dtype == np.float64:
        xd, od = x.ravel(), out.ravel()
        exp_d(&xd[0], &od[0], xd.shape[0])
    else:
        xs, os = x.ravel(), out.ravel()
        exp_s(&xs[0], &os[0], xs.shape[0])
    return out


def _matvec(A, x):
    _require_loops()
    A, x = np.ascontiguousarray(A), np.ascontiguousarray(x)
    y = np.empty(A.shape[0], dtype=A.dtype)
    cdef double[:, ::1] Ad
    cdef double[::1] xd, yd
    cdef float[:, ::1] As
    cdef float[::1] xs, ys
    if A.dtype == np.float64:
        Ad, xd, yd = A, x, y
        matvec_d(Ad.shape[0], Ad.shape[1], &Ad[0, 0], &xd[0], &yd[0])
    else:
        As, xs, ys = A, x, y
        matvec_s(As.shape[0], As.shape[1], &As[0, 0], &xs[0], &ys[0])
    return y


def _check():
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        z = np.concatenate([rng.uniform(-50, 200, 4000), rng.uniform(-800, 800, 4000)])
        z = z.astype(dtype)
        with np.errstate(all="ignore"):
            if not np.array_equal(_exp(z), np.exp(z)):
                return False
        for m, n in ((100, 100), (1, 100), (3, 37), (17, 5)):
            A = rng.uniform(0, 1, (m, n)).astype(dtype)
            x = rng.uniform(0, 1, n).astype(dtype)
            if not np.array_equal(_matvec(A, x), np.dot(A, x[:, None])[:, 0]):
                return False
    return True


def matches_numpy():
    """Whether NumPy's loops were found and round exactly as np.exp and np.dot do
    here.  Looked up and checked on first use, not at import: NumPy's BLAS starts
    threads for the check's 100 x 100 product, which would then spin beside every
    program's kernels."""
    if "matches" not in _state:
        matches = _load() and _check()
        with _lock:
            _state.setdefault("matches", matches)
    return _state["matches"]

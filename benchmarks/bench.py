"""rnnc's benchmark suite (issue 4): one run, contenders interleaved, medians.

    pip install ".[bench]" && pip install torch==2.13.0
    python benchmarks/bench.py            # about 4-5 minutes on 2 cores
    python benchmarks/bench.py --quick    # fewer repeats and a smaller grid, for a smoke test

Prints a Markdown report and writes it to benchmarks/results/results.md, with a
plot of time against hidden size in benchmarks/results/hidden_size.png when
matplotlib is installed.  Contenders missing from the environment (torch,
numba, jax) are reported as skipped.

Sections:
 1. the tutorial workload (its sine data, seed, init and defaults, 25 epochs of
    per-record SGD with exact truncated gradients, both loss passes every epoch):
    rnnc against PyTorch, Numba, JAX and rnnc.reference, with a check that they
    end with the same weights;
 2. the tutorial's update rule: rnnc against rnnc.reference;
 3. scaling over hidden size, sequence length, records, dtype and input layout,
    one SGD epoch (rnnc._sgd.sgd_epoch) and batched predict, with GFLOP/s next to
    a matrix-vector / matrix-matrix roofline measured in the same run, and PyTorch
    training at hidden 400;
 4. threads: predict and calculate_loss on 1 thread against all cores, and a
    check that the kernels release the GIL;
 5. which SIMD instruction sets the CPU and NumPy have.

Timing method: every contender of a section runs once per round, the order
rotating from round to round; each run starts from fresh copies of the same
weights (copying is not timed); the table shows the median over rounds and the
spread (min-max).  The machine is shared and noisy, so only medians are
compared.
"""
import argparse
import contextlib
import io
import ctypes
import gc
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

# One BLAS thread: the roofline is measured per core, and the NumPy, Numba and
# PyTorch contenders are single-threaded (rnnc itself calls no BLAS).
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import rnnc  # noqa: E402
import rnnc.reference as reference  # noqa: E402
from rnnc import _sgd  # noqa: E402

HERE = Path(__file__).resolve().parent
# setup.py's flags for csrc/ on GCC-like compilers (keep in step with setup.py)
HELPER_FLAGS = ["-O3", "-fopenmp-simd", "-std=c99", "-ffp-contract=fast", "-fPIC"]
RESULTS = HERE / "results"

# The tutorial's settings.
SEED = 12161
HIDDEN, SEQ_LEN, OUTPUT = rnnc.hidden_dim, rnnc.seq_len, rnnc.output_dim
LR, EPOCHS, K, LO, HI = rnnc.learning_rate, rnnc.max_epochs, rnnc.bptt_truncate, -10.0, 10.0
N_CORES = os.cpu_count() or 1


def optional(name):
    try:
        return __import__(name)
    except Exception as exc:  # ImportError, or a broken install
        print(f"[bench] {name} not available ({exc.__class__.__name__}: {exc}); skipped",
              file=sys.stderr)
        return None


# ----------------------------------------------------------------------------- timing

def interleave(contenders, rounds):
    """contenders: {name: setup} where setup() returns a zero-argument run().
    Runs every contender once per round, rotating the order; returns
    {name: [seconds, ...]} (setup is not timed)."""
    names = list(contenders)
    times = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            run = contenders[name]()
            gc.collect()
            gc.disable()
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            gc.enable()
            times[name].append(elapsed)
    return times


def med(ts):
    return statistics.median(ts)


def fmt_time(s):
    if s >= 1:
        return f"{s:.3f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


def spread(ts):
    return f"{fmt_time(min(ts))} – {fmt_time(max(ts))}"


def rel_diff(a, b):
    """max |a - b| / max |b| over all of U, V, W."""
    num = max(float(np.max(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64))))
              for x, y in zip(a, b))
    den = max(float(np.max(np.abs(np.asarray(y, np.float64)))) for y in b)
    return num / den


class Report:
    def __init__(self):
        self.lines = []

    def __call__(self, text=""):
        print(text, flush=True)
        self.lines.append(text)

    def table(self, header, rows):
        self("| " + " | ".join(header) + " |")
        self("|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            self("| " + " | ".join(str(c) for c in row) + " |")
        self()


# ----------------------------------------------------------------------------- data

def sine_data():
    """The tutorial's windows: sin(0..199), 100 training and 50 validation windows."""
    series = np.sin(np.arange(200, dtype=np.float64))
    starts = np.arange(200 - SEQ_LEN)
    X = np.stack([series[s:s + SEQ_LEN] for s in starts])[:, :, None]
    Y = series[starts + SEQ_LEN][:, None]
    return X[:100].copy(), Y[:100].copy(), X[100:].copy(), Y[100:].copy()


def tutorial_weights():
    """np.random.seed(12161); uniform(0, 1) for U (100, 50), V (1, 100), W (100, 100)."""
    np.random.seed(SEED)
    U = np.random.uniform(0, 1, (HIDDEN, SEQ_LEN))
    V = np.random.uniform(0, 1, (OUTPUT, HIDDEN))
    W = np.random.uniform(0, 1, (HIDDEN, HIDDEN))
    return U, V, W


def copies(weights):
    return tuple(np.array(w, copy=True) for w in weights)


# ----------------------------------------------------------------------------- PyTorch

def make_torch_trainer(torch):
    """Training as a PyTorch user writes it: autograd, per-record SGD, truncation by
    detach() at h_{T-k-1}, elementwise clamp of the gradients, one thread.  The loss
    passes run under no_grad, batched over records (a user would do at least that)."""
    torch.set_num_threads(1)

    def step_input(U, xs, t, per_step):
        # xs: (T, F) for one record, or (n, T, F) for a batch
        if per_step:
            return U[:, t] * xs[..., t, 0:1]
        return xs[..., t, :] @ U.T

    def batch_loss(U, V, W, X, Y, per_step):
        h = torch.zeros(X.shape[0], W.shape[0], dtype=W.dtype)
        for t in range(X.shape[1]):
            h = torch.sigmoid(step_input(U, X, t, per_step) + h @ W.T)
        return float(0.5 * ((Y - h @ V.T) ** 2).sum())

    def sgd_epoch(U, V, W, X, Y, lr, k, lo, hi, per_step):
        T = X.shape[1]
        for r in range(X.shape[0]):
            x, y = X[r], Y[r]
            h = torch.zeros(W.shape[0], dtype=W.dtype)
            for t in range(T):
                if t == T - k - 1:
                    h = h.detach()          # h_{T-k-1} held constant
                h = torch.sigmoid(step_input(U, x, t, per_step) + W @ h)
            loss = 0.5 * ((y - V @ h) ** 2).sum()
            loss.backward()
            with torch.no_grad():
                for p in (U, V, W):
                    p -= lr * p.grad.clamp_(lo, hi)
                    p.grad = None

    def train(weights, X, Y, Xv, Yv, epochs=EPOCHS, lr=LR, k=K, lo=LO, hi=HI, losses=True):
        U, V, W = (torch.tensor(w, requires_grad=True) for w in weights)
        per_step = X.shape[2] == 1 and U.shape[1] == X.shape[1]
        X, Y = torch.from_numpy(X), torch.from_numpy(Y)
        if Xv is not None:
            Xv, Yv = torch.from_numpy(Xv), torch.from_numpy(Yv)
        for _ in range(epochs):
            if losses:
                with torch.no_grad():
                    batch_loss(U, V, W, X, Y, per_step)
                    batch_loss(U, V, W, Xv, Yv, per_step)
            sgd_epoch(U, V, W, X, Y, lr, k, lo, hi, per_step)
        return tuple(p.detach().numpy() for p in (U, V, W))

    return train


# ----------------------------------------------------------------------------- Numba

def make_numba_trainer(numba):
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


# ----------------------------------------------------------------------------- JAX

def make_jax_trainer(jax):
    """Whole epochs under jit: jax.grad of the record loss with stop_gradient at
    h_{T-k-1}, lax.scan over records for SGD, loss passes vmapped over records."""
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    def inputs(U, x, per_step):
        # a_t for every step of one record, as (T, H)
        return U.T * x[:, 0:1] if per_step else x @ U.T

    def run(W, h, A):
        def step(h, a):
            return jax.nn.sigmoid(a + W @ h), None
        return lax.scan(step, h, A)[0]

    def make(T, k, per_step, lr, lo, hi):
        cut = max(T - k - 1, 0)

        def record_loss(params, x, y):
            U, V, W = params
            A = inputs(U, x, per_step)
            h = run(W, jnp.zeros(W.shape[0], W.dtype), A[:cut])
            h = run(W, lax.stop_gradient(h), A[cut:])
            return 0.5 * jnp.sum((y - V @ h) ** 2)

        def batch_loss(params, X, Y):
            U, V, W = params
            h = jax.vmap(lambda x: run(W, jnp.zeros(W.shape[0], W.dtype),
                                       inputs(U, x, per_step)))(X)
            return 0.5 * jnp.sum((Y - h @ V.T) ** 2)

        grad = jax.grad(record_loss)

        @jax.jit
        def epoch(params, X, Y, Xv, Yv):
            loss = batch_loss(params, X, Y)
            val_loss = batch_loss(params, Xv, Yv)

            def sgd(params, xy):
                g = grad(params, *xy)
                return tuple(p - lr * jnp.clip(d, lo, hi) for p, d in zip(params, g)), None

            params, _ = lax.scan(sgd, params, (X, Y))
            return params, loss, val_loss

        return epoch

    cache = {}

    def train(weights, X, Y, Xv, Yv, epochs=EPOCHS):
        per_step = X.shape[2] == 1 and weights[0].shape[1] == X.shape[1]
        key = (X.shape, per_step)
        if key not in cache:
            cache[key] = make(X.shape[1], K, per_step, LR, LO, HI)
        epoch = cache[key]
        params = tuple(jnp.asarray(w) for w in weights)
        X, Y, Xv, Yv = (jnp.asarray(a) for a in (X, Y, Xv, Yv))
        for _ in range(epochs):
            params, loss, val_loss = epoch(params, X, Y, Xv, Yv)
        jax.block_until_ready(params)
        return tuple(np.asarray(p) for p in params)

    return train


# ----------------------------------------------------------------------------- roofline

ROOFLINE_C = r"""
#include <stddef.h>
/* y = A @ x, A (m, n) row-major: one dot product per row, vectorised. */
#define GEMV(NAME, REAL)                                                        \
static void NAME##_kernel(ptrdiff_t m, ptrdiff_t n, const REAL *restrict A,     \
                          const REAL *restrict x, REAL *restrict y) {           \
    ptrdiff_t i = 0;                                                            \
    for (; i + 4 <= m; i += 4) {                                                \
        const REAL *a0 = A + i * n, *a1 = a0 + n, *a2 = a1 + n, *a3 = a2 + n;   \
        REAL s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                    \
        _Pragma("omp simd reduction(+:s0,s1,s2,s3)")                            \
        for (ptrdiff_t j = 0; j < n; j++) {                                     \
            s0 += a0[j] * x[j]; s1 += a1[j] * x[j];                             \
            s2 += a2[j] * x[j]; s3 += a3[j] * x[j];                             \
        }                                                                       \
        y[i] = s0; y[i + 1] = s1; y[i + 2] = s2; y[i + 3] = s3;                 \
    }                                                                           \
    for (; i < m; i++) {                                                        \
        REAL s = 0;                                                             \
        _Pragma("omp simd reduction(+:s)")                                      \
        for (ptrdiff_t j = 0; j < n; j++) s += A[i * n + j] * x[j];             \
        y[i] = s;                                                               \
    }                                                                           \
}                                                                               \
/* reps matvecs; chained: x_{r+1} = A x_r (each waits for the last, as the    \
   recurrence does), else y = A x from the same x every time (throughput). */   \
void NAME(ptrdiff_t n, const REAL *A, REAL *x, REAL *y, long reps, int chained) {\
    for (long r = 0; r < reps; r++) {                                           \
        NAME##_kernel(n, n, A, x, y);                                           \
        if (chained) { REAL *t = x; x = y; y = t; }                             \
        else __asm__ volatile("" : : "r"(y) : "memory");                        \
    }                                                                           \
}
GEMV(gemv_d, double)
GEMV(gemv_s, float)
"""


def build_c_roofline():
    """Compile ROOFLINE_C for this CPU (-O3 -march=native); None without a compiler."""
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        return None
    tmp = Path(tempfile.mkdtemp(prefix="rnnc-bench-"))
    src, lib = tmp / "roofline.c", tmp / "roofline.so"
    src.write_text(ROOFLINE_C)
    cmd = [cc, "-O3", "-march=native", "-mprefer-vector-width=512", "-fopenmp-simd",
           "-shared", "-fPIC", "-o", str(lib), str(src)]
    try:
        subprocess.run(cmd, check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError):
        return None
    so = ctypes.CDLL(str(lib))
    for name in ("gemv_d", "gemv_s"):
        f = getattr(so, name)
        f.argtypes = [ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                      ctypes.c_long, ctypes.c_int]
        f.restype = None
    return so


# Drives rnnc's own C helpers (csrc/, built here as setup.py builds them) in the
# same tight loops, to see how close the helpers alone come to the roofline.
HELPER_DRIVER = r"""
#include <stddef.h>
#include <string.h>
#define DRIVE(REAL, S)                                                          \
void rnnc_gemv_##S(ptrdiff_t, ptrdiff_t, const REAL *, ptrdiff_t, const REAL *, REAL *, int); \
void rnnc_gemm_##S(ptrdiff_t, ptrdiff_t, ptrdiff_t, const REAL *, const REAL *, REAL *); \
void rnnc_sigmoid_##S(ptrdiff_t, const REAL *, REAL *);                         \
void drive_gemv_##S(ptrdiff_t n, const REAL *A, REAL *x, REAL *y, long reps, int chained) { \
    for (long r = 0; r < reps; r++) {                                           \
        memset(y, 0, n * sizeof(REAL));                                         \
        rnnc_gemv_##S(n, n, A, n, x, y, chained && (r & 1)); /* rows alternating, as in training */ \
        if (chained) { REAL *t = x; x = y; y = t; }                             \
    }                                                                           \
}                                                                               \
void drive_gemm_##S(ptrdiff_t n, const REAL *A, REAL *X, REAL *Y, long reps, int chained) { \
    for (long r = 0; r < reps; r++) {                                           \
        memset(Y, 0, n * 32 * sizeof(REAL));                                    \
        rnnc_gemm_##S(n, n, 32, A, X, Y);                                       \
        if (chained) { REAL *t = X; X = Y; Y = t; }                             \
    }                                                                           \
}                                                                               \
void drive_sigmoid_##S(ptrdiff_t n, const REAL *z, REAL *out, long reps) {      \
    for (long r = 0; r < reps; r++) {                                           \
        rnnc_sigmoid_##S(n, z, out);                                            \
        __asm__ volatile("" : : "r"(out) : "memory");                           \
    }                                                                           \
}
DRIVE(double, d)
DRIVE(float, s)
"""


def build_rnnc_helpers(extra_flags=()):
    """rnnc's csrc/ helpers with setup.py's flags (plus extra_flags) and a driver;
    None outside a source checkout or without a compiler."""
    csrc = HERE.parent / "csrc"
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None or not (csrc / "linalg.c").exists():
        return None
    tmp = Path(tempfile.mkdtemp(prefix="rnnc-bench-"))
    (tmp / "driver.c").write_text(HELPER_DRIVER)
    objs = []
    try:
        for src in (csrc / "linalg.c", csrc / "activation.c"):
            obj = tmp / (src.stem + ".o")
            subprocess.run([cc, *HELPER_FLAGS, *extra_flags,
                            "-I", str(csrc), "-c", str(src), "-o", str(obj)],
                           check=True, capture_output=True)
            objs.append(str(obj))
        lib = tmp / "helpers.so"
        subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(lib), str(tmp / "driver.c"),
                        *objs], check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError):
        return None
    so = ctypes.CDLL(str(lib))
    for S in "ds":
        for name in (f"drive_gemv_{S}", f"drive_gemm_{S}"):
            f = getattr(so, name)
            f.argtypes = [ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                          ctypes.c_long, ctypes.c_int]
            f.restype = None
        f = getattr(so, f"drive_sigmoid_{S}")
        f.argtypes = [ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long]
        f.restype = None
    return so


def make_numba_roofline(numba):
    njit = numba.njit

    @njit(fastmath=True)
    def gemv_loop(W, x, y, reps, chained):
        n = W.shape[0]
        for _ in range(reps):
            for i in range(n):
                s = W[0, 0] - W[0, 0]
                for j in range(n):
                    s += W[i, j] * x[j]
                y[i] = s
            if chained:
                x, y = y, x

    @njit
    def blas_chain(W, X, Y, reps, chained):
        """W @ X into Y, reps times, through BLAS (gemv for vectors, gemm for matrices)"""
        for _ in range(reps):
            np.dot(W, X, Y)
            if chained:
                X, Y = Y, X

    return gemv_loop, blas_chain


def orthogonal(n, dtype, rng):
    """A random orthogonal matrix: chained products neither grow nor vanish."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return np.ascontiguousarray(q, dtype=dtype)


def measure_rooflines(hiddens, dtypes, numba, rounds, report):
    """Best GFLOP/s of an n x n matvec (and of an n x n by n x 32 product, the
    shape of one step of a block in rnnc's batched forward) on one core."""
    rng = np.random.default_rng(0)
    c = build_c_roofline()
    nb = make_numba_roofline(numba) if numba else None
    helpers = {"rnnc helper (setup.py flags)": build_rnnc_helpers()}
    rows, best, helper_rows = [], {}, []
    for dtype in dtypes:
        for n in hiddens:
            W = orthogonal(n, dtype, rng)
            x0 = rng.standard_normal(n).astype(dtype)
            x0 /= np.linalg.norm(x0)
            X0 = rng.standard_normal((n, 32))
            X0 = np.ascontiguousarray(X0 / np.linalg.norm(X0, axis=0), dtype=dtype)
            reps = max(50, int(4e7 / (2 * n * n)))          # ~40 MFLOP per timing
            gemm_reps = max(10, int(4e7 / (2 * n * n * 32)))
            kernels = {}
            for chained in (True, False):
                tag = "chained" if chained else "independent"
                if c is not None:
                    f = c.gemv_d if dtype == np.float64 else c.gemv_s

                    def setup(f=f, chained=chained):
                        x, y = x0.copy(), np.zeros_like(x0)
                        return lambda: f(n, W.ctypes.data, x.ctypes.data, y.ctypes.data,
                                         reps, int(chained))
                    kernels[f"C gemv -O3 -march=native, {tag}"] = (setup, "gemv", reps)
                if nb is not None:
                    gemv_loop, blas_chain = nb
                    for label, fn in (("Numba fastmath loop", gemv_loop),
                                      ("BLAS gemv (np.dot in Numba)", blas_chain)):
                        def setup(fn=fn, chained=chained):
                            x, y = x0.copy(), np.zeros_like(x0)
                            fn(W, x, y, 1, chained)                  # compile outside timing
                            return lambda: fn(W, x, y, reps, chained)
                        kernels[f"{label}, {tag}"] = (setup, "gemv", reps)

                    def setup(chained=chained):
                        X, Y = X0.copy(), np.zeros_like(X0)
                        blas_chain(W, X, Y, 1, chained)
                        return lambda: blas_chain(W, X, Y, gemm_reps, chained)
                    kernels[f"BLAS gemm n x n @ n x 32, {tag}"] = (setup, "gemm", gemm_reps)
            S = "d" if dtype == np.float64 else "s"
            ours = {}
            for label, so in helpers.items():
                if so is None:
                    continue
                for kind, fn, arr, r in (("gemv", getattr(so, f"drive_gemv_{S}"), x0, reps),
                                         ("gemm", getattr(so, f"drive_gemm_{S}"), X0, gemm_reps)):
                    def setup(fn=fn, arr=arr, r=r):
                        a, b = arr.copy(), np.zeros_like(arr)
                        return lambda: fn(n, W.ctypes.data, a.ctypes.data, b.ctypes.data, r, 1)
                    ours[f"{label}: {kind}, chained"] = (setup, kind, r)
                z = rng.uniform(-8, 8, n * 32).astype(dtype)
                sreps = max(10, int(2e7 / z.size))

                def setup(fn=getattr(so, f"drive_sigmoid_{S}"), z=z, sreps=sreps):
                    out = np.empty_like(z)
                    return lambda: fn(z.size, z.ctypes.data, out.ctypes.data, sreps)
                ours[f"{label}: sigmoid"] = (setup, "sigmoid", sreps * z.size)
            all_kernels = {**kernels, **ours}
            times = interleave({k: v[0] for k, v in all_kernels.items()}, rounds)
            for name, (_, kind, r) in kernels.items():
                flops = 2 * n * n * r * (32 if kind == "gemm" else 1)
                gf = flops / min(times[name]) / 1e9
                rows.append((np.dtype(dtype).name, n, name, f"{gf:.1f}"))
                key = (np.dtype(dtype).name, n, kind)
                if "chained" in name:
                    best[key] = max(best.get(key, 0.0), gf)
            for name, (_, kind, r) in ours.items():
                if kind == "sigmoid":
                    helper_rows.append((np.dtype(dtype).name, n, name,
                                        f"{min(times[name]) / r * 1e9:.2f} ns/element", ""))
                    continue
                gf = 2 * n * n * r * (32 if kind == "gemm" else 1) / min(times[name]) / 1e9
                roof = best[(np.dtype(dtype).name, n, kind)]
                helper_rows.append((np.dtype(dtype).name, n, name, f"{gf:.1f} GFLOP/s",
                                    f"{100 * gf / roof:.0f}%"))
    report.table(["dtype", "n", "kernel (one core)", "GFLOP/s"], rows)
    if helper_rows:
        report("rnnc's own helpers (csrc/ compiled here as setup.py compiles them, "
               f"`{' '.join(HELPER_FLAGS)}`, with the same `target_clones` runtime "
               "dispatch) in the same chained loops, against the best chained figure "
               "above; sigmoid on n x 32 elements in [-8, 8]:")
        report()
        report.table(["dtype", "n", "helper", "speed", "% of roofline"], helper_rows)
    return best


# ----------------------------------------------------------------------------- sections

def section_tutorial(report, rounds, torch, numba, jax):
    report("## 1. Tutorial workload: 25 epochs, exact truncated gradients (float64)")
    report()
    report("Sine data (100 training, 50 validation windows of 50 steps), seed 12161, "
           "uniform(0, 1) init, lr 1e-4, bptt_truncate 5, clip ±10; every epoch computes "
           "the training and validation loss, then per-record SGD. rnnc uses all cores "
           "for the loss passes by default (also shown on 1 thread); PyTorch runs on one "
           "thread.")
    report()
    X, Y, Xv, Yv = sine_data()
    w0 = tutorial_weights()
    finals = {}

    def rnnc_setup(n_threads=None, name="rnnc"):
        def setup():
            w = copies(w0)

            def run():
                # verbose, as the tutorial: rnnc skips the loss passes nobody sees
                with contextlib.redirect_stdout(io.StringIO()):
                    rnnc.train(*w, X, Y, Xv, Yv, backprop="bptt", verbose=True,
                               n_threads=n_threads)
                finals[name] = w
            return run
        return setup

    contenders = {"rnnc": rnnc_setup(), "rnnc (n_threads=1)": rnnc_setup(1, "rnnc1")}
    compile_notes = []

    def add(name, train):
        def setup():
            return lambda: finals.__setitem__(name, train(w0, X, Y, Xv, Yv))
        contenders[name] = setup

    if torch is not None:
        add("PyTorch (autograd, 1 thread)", make_torch_trainer(torch))
    if numba is not None:
        nb_train = make_numba_trainer(numba)
        start = time.perf_counter()
        nb_train(w0, X, Y, Xv, Yv, epochs=1)
        compile_notes.append(f"Numba compile {fmt_time(time.perf_counter() - start)}")
        add("Numba @njit", nb_train)
    if jax is not None:
        jx_train = make_jax_trainer(jax)
        start = time.perf_counter()
        jx_train(w0, X, Y, Xv, Yv, epochs=1)
        compile_notes.append(f"JAX jit compile + 1 epoch {fmt_time(time.perf_counter() - start)}")
        add("JAX (jit epochs)", jx_train)

    def ref_setup():
        w = copies(w0)

        def run():
            reference.train(*w, X, Y, Xv, Yv, backprop="bptt", verbose=False)
            finals["rnnc.reference"] = w
        return run
    contenders["rnnc.reference (NumPy)"] = ref_setup

    times = interleave(contenders, rounds)
    base = med(times["rnnc"])
    rows = []
    for name, ts in times.items():
        rows.append((name, fmt_time(med(ts)), spread(ts), f"{med(ts) / base:.2f}",
                     f"{base / med(ts):.2f}"))
    report.table(["contender", "median", "min – max", "time / rnnc", "rnnc speed-up"], rows)
    if compile_notes:
        report("Not timed above (done once before the rounds): " + "; ".join(compile_notes)
               + ".")
        report()

    key_of = {"PyTorch (autograd, 1 thread)": "PyTorch", "Numba @njit": "Numba",
              "JAX (jit epochs)": "JAX", "rnnc.reference": "rnnc.reference",
              "rnnc1": "rnnc on 1 thread"}
    rows = [(label, f"{rel_diff(finals['rnnc'], finals[k]):.2e}")
            for k, label in key_of.items() if k in finals]
    report("Final weights against rnnc's (max |difference| / max |weight| over U, V, W):")
    report()
    report.table(["contender", "relative difference"], rows)
    return times


def section_tutorial_rule(report, rounds):
    report("## 2. The tutorial's update rule (`backprop=\"tutorial\"`), 25 epochs")
    report()
    X, Y, Xv, Yv = sine_data()
    w0 = tutorial_weights()
    finals = {}

    def setup(fn, name):
        def s():
            w = copies(w0)

            def run():
                with contextlib.redirect_stdout(io.StringIO()):
                    fn(*w, X, Y, Xv, Yv, backprop="tutorial", verbose=True)
                finals[name] = w
            return run
        return s
    times = interleave({"rnnc": setup(rnnc.train, "rnnc"),
                        "rnnc.reference (NumPy)": setup(reference.train, "ref")}, rounds)
    base = med(times["rnnc"])
    report.table(["contender", "median", "min – max", "time / rnnc"],
                 [(n, fmt_time(med(t)), spread(t), f"{med(t) / base:.2f}")
                  for n, t in times.items()])
    report(f"Final weights, rnnc against the reference: relative difference "
           f"{rel_diff(finals['ref'], finals['rnnc']):.2e}.")
    report()


def train_flops(H, T, F, k, O=1):
    """Multiply-adds x 2 of one record's SGD step, as rnnc's kernels do them:
    forward T x (H x H + H x F), output O x H, backward over the k+1 steps that
    carry gradient (outer products for dW and dU, W.T delta between them, V.T dyhat),
    and the update (one multiply-add per weight).  Sigmoid, clip and memset are not
    counted."""
    steps = min(k, T - 1) + 1
    forward = T * (H * H + H * F) + O * H
    backward = O * H + O * H + steps * (H * H + H * F) + (steps - 1) * H * H
    update = H * H + H * F + O * H
    return 2 * (forward + backward + update)


def predict_flops(H, T, F, O=1):
    """Multiply-adds x 2 of one record's forward pass: T x (H x H + H x F) + O x H."""
    return 2 * (T * (H * H + H * F) + O * H)


def scaling_data(n, T, H, dtype, per_step, rng):
    X = rng.uniform(-1, 1, (n, T, 1)).astype(dtype)
    Y = rng.uniform(-1, 1, (n, 1)).astype(dtype)
    b = 1 / math.sqrt(H)
    U = rng.uniform(-b, b, (H, T if per_step else 1)).astype(dtype)
    V = rng.uniform(-b, b, (1, H)).astype(dtype)
    W = rng.uniform(-b, b, (H, H)).astype(dtype)
    return (U, V, W), X, Y


def section_scaling(report, rounds, torch, numba, quick):
    report("## 3. Scaling")
    report()
    hiddens = (10, 100, 400)
    seqs = (50, 400)
    recs = (100, 5000)
    dtypes = (np.float64, np.float32)
    budget = 6.5e9 if not quick else 1e9   # multiply-adds per pass: larger cells are skipped
    report("### Roofline measured in this run (one core)")
    report()
    report("Best of three implementations of an n x n matrix-vector product, run "
           "`reps` times in a tight compiled loop: chained (x <- W x, the shape of the "
           "recurrence: each product waits for the last; W orthogonal so values neither "
           "grow nor vanish) and independent (y = W x, same x: throughput). The roofline "
           "used below is the best *chained* figure. 2 flops per multiply-add. These "
           "kernels (and rnnc's helpers below) report their fastest of 7 interleaved "
           "rounds, as a best achievable figure; everything else reports medians.")
    report()
    best = measure_rooflines(hiddens, dtypes, numba, max(7, rounds), report)

    rng = np.random.default_rng(1)
    cells, skipped = [], []
    for H in hiddens:
        for T in seqs:
            for n in recs:
                if n * T * H * H > budget:
                    skipped.append(f"hidden {H}, seq {T}, records {n}")
                    continue
                cells.append((H, T, n))
    report(f"Grid run: hidden {hiddens} x sequence {seqs} x records {recs}, pruned to cells of "
           f"at most {budget:.2g} multiply-adds per pass; skipped: " + "; ".join(skipped)
           + ". Each cell in float64 and float32, shared (U (hidden, 1)) and per-step "
           "(U (hidden, seq)) layouts, one input feature. Training = one SGD epoch "
           "(`rnnc._sgd.sgd_epoch`, bptt_truncate 5, no loss passes); predict = "
           "`rnnc.predict` with n_threads=1 (per-core, to set against the one-core "
           "roofline) and with all cores.")
    report()
    report("GFLOP/s counts 2 flops per multiply-add of the matrix products only (forward "
           "T x (hidden^2 + hidden) + hidden per record; training adds the backward "
           "over the 6 steps that carry gradient and the update); sigmoid, clip and copies "
           "are not counted. '% roof' = GFLOP/s / chained gemv roofline at that hidden "
           "size and dtype (predict: / chained gemm n x n @ n x 32).")
    report()
    rows, plot = [], []
    for H, T, n in cells:
        for dtype in dtypes:
            for per_step in (False, True):
                (U, V, W), X, Y = scaling_data(n, T, H, dtype, per_step, rng)
                check_every = max(1, int(1e7 // (T * H * (H + 1))))

                def train_setup(U=U, V=V, W=W, X=X, Y=Y, per_step=per_step):
                    u, v, w = U.copy(), V.copy(), W.copy()
                    return lambda: _sgd.sgd_epoch(u, v, w, X, Y, LR, K, LO, HI, per_step,
                                                  check_signals_every=check_every)

                def predict_setup(threads, U=U, V=V, W=W, X=X):
                    return lambda: rnnc.predict(U, V, W, X, n_threads=threads)
                contenders = {"train": train_setup,
                              "predict 1T": lambda: predict_setup(1),
                              f"predict {N_CORES}T": lambda: predict_setup(N_CORES)}
                times = interleave(contenders, rounds)
                dname = np.dtype(dtype).name
                tf, pf = train_flops(H, T, 1, K), predict_flops(H, T, 1)
                t_train, t_p1, t_pn = (med(times[k]) for k in contenders)
                g_train = n * tf / t_train / 1e9
                g_p1 = n * pf / t_p1 / 1e9
                g_pn = n * pf / t_pn / 1e9
                roof_v = best.get((dname, H, "gemv"), float("nan"))
                roof_m = best.get((dname, H, "gemm"), float("nan"))
                rows.append((H, T, n, dname, "per-step" if per_step else "shared",
                             fmt_time(t_train), f"{t_train / (n * T) * 1e9:.0f}",
                             f"{g_train:.1f}", f"{100 * g_train / roof_v:.0f}%",
                             fmt_time(t_p1), f"{t_p1 / (n * T) * 1e9:.0f}", f"{g_p1:.1f}",
                             f"{100 * g_p1 / roof_m:.0f}%", fmt_time(t_pn),
                             f"{t_p1 / t_pn:.2f}"))
                plot.append(dict(H=H, T=T, n=n, dtype=dname, per_step=per_step,
                                 train=t_train / (n * T), predict=t_p1 / (n * T)))
    report.table(["hidden", "seq", "records", "dtype", "layout", "train epoch",
                  "train ns/rec-step", "train GFLOP/s", "% roof (gemv)", "predict 1T",
                  "predict ns/rec-step", "predict GFLOP/s", "% roof (gemm)",
                  f"predict {N_CORES}T", f"{N_CORES}T speed-up"], rows)

    # float32 against float64
    by = {(p["H"], p["T"], p["n"], p["per_step"], p["dtype"]): p for p in plot}
    f32 = []
    for H, T, n in cells:
        for per_step in (False, True):
            a, b = by[(H, T, n, per_step, "float64")], by[(H, T, n, per_step, "float32")]
            f32.append((H, T, n, "per-step" if per_step else "shared",
                        f"{a['train'] / b['train']:.2f}", f"{a['predict'] / b['predict']:.2f}"))
    report("float32 speed-up over float64 (time float64 / time float32):")
    report()
    report.table(["hidden", "seq", "records", "layout", "train", "predict 1T"], f32)

    if torch is not None:
        report("### Training at hidden 400 against PyTorch (one SGD epoch, shared layout, "
               "100 records, PyTorch on 1 thread)")
        report()
        torch_train = make_torch_trainer(torch)
        rows = []
        for T in seqs:
            if 100 * T * 400 * 400 > budget:
                continue
            for dtype in dtypes:
                (U, V, W), X, Y = scaling_data(100, T, 400, dtype, False, rng)
                check_every = max(1, int(1e7 // (T * 400 * 401)))

                def rn(U=U, V=V, W=W, X=X, Y=Y):
                    u, v, w = U.copy(), V.copy(), W.copy()
                    return lambda: _sgd.sgd_epoch(u, v, w, X, Y, LR, K, LO, HI, False,
                                                  check_signals_every=check_every)

                def tt(U=U, V=V, W=W, X=X, Y=Y):
                    return lambda: torch_train((U, V, W), X, Y, None, None, epochs=1,
                                               losses=False)
                times = interleave({"rnnc": rn, "PyTorch": tt}, rounds)
                a, b = med(times["rnnc"]), med(times["PyTorch"])
                rows.append((T, np.dtype(dtype).name, fmt_time(a), fmt_time(b),
                             f"{b / a:.2f}"))
        report.table(["seq", "dtype", "rnnc", "PyTorch", "PyTorch / rnnc"], rows)
    return plot


def section_threads(report, rounds):
    report("## 4. Threads")
    report()
    rng = np.random.default_rng(2)
    n, T, H = 5000, 50, 100
    (U, V, W), X, Y = scaling_data(n, T, H, np.float64, False, rng)
    contenders = {}
    for threads in (1, N_CORES):
        contenders[f"predict, n_threads={threads}"] = (
            lambda t=threads: lambda: rnnc.predict(U, V, W, X, n_threads=t))
        contenders[f"calculate_loss, n_threads={threads}"] = (
            lambda t=threads: lambda: rnnc.calculate_loss(X, Y, U, V, W, n_threads=t))

    # GIL: two Python threads each calling predict(n_threads=1) at once
    def two_python_threads():
        def run():
            ts = [threading.Thread(target=rnnc.predict, args=(U, V, W, X),
                                   kwargs={"n_threads": 1}) for _ in range(2)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        return run
    contenders["2 Python threads x predict(n_threads=1)"] = two_python_threads
    times = interleave(contenders, rounds)
    one = med(times["predict, n_threads=1"])
    report(f"{n} records, seq {T}, hidden {H}, float64, shared layout; {N_CORES} cores.")
    report()
    report.table(["call", "median", "min – max"],
                 [(k, fmt_time(med(v)), spread(v)) for k, v in times.items()])
    p = one / med(times[f"predict, n_threads={N_CORES}"])
    c = med(times["calculate_loss, n_threads=1"]) / med(
        times[f"calculate_loss, n_threads={N_CORES}"])
    g = 2 * one / med(times["2 Python threads x predict(n_threads=1)"])
    report(f"Speed-up on {N_CORES} threads: predict {p:.2f}x, calculate_loss {c:.2f}x. "
           f"Two Python threads running predict(n_threads=1) together do {g:.2f}x the "
           f"work of one in the same time (2.0 would mean the GIL is released throughout).")
    report()

    # memory: tracemalloc sees NumPy's allocations (not the kernels' own malloc)
    data = X.nbytes + Y.nbytes
    weights = U.nbytes + V.nbytes + W.nbytes
    w = copies((U, V, W))
    tracemalloc.start()
    rnnc.train(*w, X, Y, None, None, max_epochs=1, verbose=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report(f"Memory, one epoch of `rnnc.train` on these {n} records (tracemalloc, "
           f"NumPy allocations made during the call): peak {peak / 1e6:.2f} MB, against data "
           f"{data / 1e6:.2f} MB (not copied), weights {weights / 1e6:.3f} MB, "
           f"O(T x hidden) SGD workspace {(T + 1) * H * 8 * 2 / 1e6:.3f} MB, and "
           f"n_records x hidden = {n * H * 8 / 1e6:.2f} MB (the loss pass's h_T).")
    report()


def section_simd(report):
    report("## 5. SIMD")
    report()
    flags = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    wanted = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl"]
    have = [f for f in wanted if f in flags]
    level = ("x86-64-v4 (AVX-512)" if {"avx512f", "avx512dq", "avx512bw", "avx512vl"} <= flags
             else "x86-64-v3 (AVX2, FMA)" if {"avx2", "fma"} <= flags else "baseline")
    report(f"CPU: {platform.processor() or platform.machine()}, flags: {' '.join(have)}; "
           f"so rnnc's `target_clones` helpers should resolve to **{level}**.")
    try:
        from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_features__
        found = [k for k, v in __cpu_features__.items() if v and k.startswith(("AVX", "FMA"))]
        report(f"NumPy {np.__version__}: baseline {' '.join(__cpu_baseline__)}; "
               f"dispatchable features present: {' '.join(found)}.")
    except Exception:
        report(f"NumPy {np.__version__}: SIMD features not readable.")
    report()
    from rnnc import _forward
    dispatched, path = _forward.simd_path()
    how = "runtime dispatch (target_clones)" if dispatched else "no runtime dispatch"
    report(f"rnnc's helpers: {how}; the path that ran here: **{path}**.")
    report()


def plot_hidden(plot, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, T in zip(axes, sorted({p["T"] for p in plot})):
        for kind, style in (("train", "-"), ("predict", "--")):
            for dtype, marker in (("float64", "o"), ("float32", "s")):
                for per_step, color in ((False, "C0"), (True, "C1")):
                    pts = sorted((p["H"], p[kind]) for p in plot
                                 if p["T"] == T and p["n"] == 100 and p["dtype"] == dtype
                                 and p["per_step"] == per_step)
                    if pts:
                        ax.plot([a for a, _ in pts], [b * 1e9 for _, b in pts], style,
                                marker=marker, color=color if dtype == "float64" else
                                ("C2" if not per_step else "C3"),
                                label=f"{kind} {dtype} {'per-step' if per_step else 'shared'}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("hidden size")
        ax.set_title(f"sequence {T}, 100 records (predict on 1 thread)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ns per record-step")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


ALL_SECTIONS = {1, 2, 3, 4, 5}


def main():
    parser = argparse.ArgumentParser(description="rnnc benchmark suite")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per section (default 5)")
    parser.add_argument("--quick", action="store_true", help="2 rounds and a smaller grid")
    parser.add_argument("--sections", default="1,2,3,4,5", help="comma-separated sections")
    args = parser.parse_args()
    rounds = 2 if args.quick else args.rounds
    sections = {int(s) for s in args.sections.split(",")}

    torch = optional("torch")
    numba = optional("numba")
    jax = optional("jax")
    report = Report()
    report("# rnnc benchmark results")
    report()
    versions = [f"rnnc {rnnc.__version__}", f"NumPy {np.__version__}",
                f"Python {platform.python_version()}"]
    for mod in (torch, numba, jax):
        if mod is not None:
            versions.append(f"{mod.__name__} {mod.__version__}")
    report(f"`{' '.join(['python'] + sys.argv)}` on {platform.machine()}, {N_CORES} cores; "
           f"{', '.join(versions)}; {rounds} interleaved rounds per section, medians.")
    report()
    start = time.perf_counter()
    if 1 in sections:
        section_tutorial(report, rounds, torch, numba, jax)
    if 2 in sections:
        section_tutorial_rule(report, max(2, rounds - 2))
    plot = None
    if 3 in sections:
        plot = section_scaling(report, max(2, rounds - 2), torch, numba, args.quick)
    if 4 in sections:
        section_threads(report, rounds)
    if 5 in sections:
        section_simd(report)
    report(f"Total run time {time.perf_counter() - start:.0f} s.")
    # only a full run replaces the saved results; a partial one prints only
    if sections != ALL_SECTIONS or args.quick:
        return
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "results.md").write_text("\n".join(report.lines) + "\n")
    if plot and plot_hidden(plot, RESULTS / "hidden_size.png"):
        print(f"[bench] wrote {RESULTS / 'results.md'} and {RESULTS / 'hidden_size.png'}",
              file=sys.stderr)
    else:
        print(f"[bench] wrote {RESULTS / 'results.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()

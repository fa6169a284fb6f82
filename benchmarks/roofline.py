"""The roofline of section 3: an n x n matrix-vector (and n x n by n x 32
matrix) product in tight compiled loops, chained as the recurrence chains it,
from plain C (c/roofline.c), Numba and OpenBLAS; and rnnc's own csrc/ helpers
in the same loops (c/driver.c)."""

import ctypes
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from build_tools.helper_flags import HELPER_FLAGS

from .harness import interleave
from .simd import roofline_march

HERE = Path(__file__).resolve().parent
CSRC = HERE.parent / "csrc"
# signatures of the C loops: (n, A, x, y, reps, chained) and (n, z, out, reps)
LOOP = [
    ctypes.c_ssize_t,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_long,
    ctypes.c_int,
]
SIGMOID_LOOP = [ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long]


def build_library(commands, signatures):
    """Build a shared library with the C compiler ($CC or cc) in a new
    directory: commands(tmp) gives the compiler's argument lists and the
    library's path.  Returns the loaded library with the signatures
    {function: argtypes} set, or None without a compiler or when a step fails."""
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        return None
    steps, lib = commands(Path(tempfile.mkdtemp(prefix="rnnc-bench-")))
    try:
        for args in steps:
            subprocess.run([cc, *args], check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError):
        return None
    so = ctypes.CDLL(str(lib))
    for name, argtypes in signatures.items():
        f = getattr(so, name)
        f.argtypes = argtypes
        f.restype = None
    return so


def build_c_roofline():
    """c/roofline.c compiled for this CPU (-O3 -march=native; with
    RNNC_FORCE_LEVEL, for that level)."""

    def commands(tmp):
        lib = tmp / "roofline.so"
        flags = ["-O3", *roofline_march(), "-mprefer-vector-width=512", "-fopenmp-simd"]
        return [[*flags, "-shared", "-fPIC", "-o", str(lib), str(HERE / "c" / "roofline.c")]], lib

    return build_library(commands, {"gemv_d": LOOP, "gemv_s": LOOP})


def build_rnnc_helpers(extra_flags=()):
    """rnnc's csrc/ helpers with setup.py's flags (plus extra_flags), linked
    with c/driver.c; None outside a source checkout."""
    if not (CSRC / "linalg.c").exists():
        return None

    def commands(tmp):
        steps, objs = [], []
        # dispatch.c: the resolvers' CPU check (the link fails without it)
        for src in (CSRC / "linalg.c", CSRC / "activation.c", CSRC / "dispatch.c"):
            obj = str(tmp / (src.stem + ".o"))
            steps.append([*HELPER_FLAGS, *extra_flags, "-I", str(CSRC), "-c", str(src), "-o", obj])
            objs.append(obj)
        lib = tmp / "helpers.so"
        driver = str(HERE / "c" / "driver.c")
        steps.append(["-O2", "-shared", "-fPIC", "-I", str(CSRC), "-o", str(lib), driver, *objs])
        return steps, lib

    signatures = {}
    for S in "ds":
        signatures.update(
            {f"drive_gemv_{S}": LOOP, f"drive_gemm_{S}": LOOP, f"drive_sigmoid_{S}": SIGMOID_LOOP}
        )
    return build_library(commands, signatures)


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


def c_loop(fn, W, x0, reps, chained):
    """A setup for interleave: the C loop fn over W from a fresh copy of x0."""

    def setup():
        x, y = x0.copy(), np.zeros_like(x0)
        return lambda: fn(len(W), W.ctypes.data, x.ctypes.data, y.ctypes.data, reps, chained)

    return setup


def numba_loop(fn, W, x0, reps, chained):
    """A setup for interleave: the Numba loop fn over W from a fresh copy of x0."""

    def setup():
        x, y = x0.copy(), np.zeros_like(x0)
        fn(W, x, y, 1, chained)  # compile outside timing
        return lambda: fn(W, x, y, reps, chained)

    return setup


def sigmoid_loop(fn, z, reps):
    """A setup for interleave: the helper's sigmoid over z, reps times."""

    def setup():
        out = np.empty_like(z)
        return lambda: fn(z.size, z.ctypes.data, out.ctypes.data, reps)

    return setup


def gflops(n, kind, reps, seconds):
    """GFLOP/s of reps n x n products (by a vector, or by n x 32 for gemm)."""
    return 2 * n * n * reps * (32 if kind == "gemm" else 1) / seconds / 1e9


def measure_rooflines(hiddens, dtypes, numba, rounds, report):
    """Best GFLOP/s of an n x n matvec (and of an n x n by n x 32 product, the
    shape of one step of a block in rnnc's batched forward) on one core."""
    rng = np.random.default_rng(0)
    c = build_c_roofline()
    nb = make_numba_roofline(numba) if numba else None
    helpers = {"rnnc helper (setup.py flags)": build_rnnc_helpers()}
    rows, best, helper_rows = [], {}, []
    for dtype in dtypes:
        dname = np.dtype(dtype).name
        S = "d" if dtype == np.float64 else "s"
        for n in hiddens:
            W = orthogonal(n, dtype, rng)
            x0 = rng.standard_normal(n).astype(dtype)
            x0 /= np.linalg.norm(x0)
            X0 = rng.standard_normal((n, 32))
            X0 = np.ascontiguousarray(X0 / np.linalg.norm(X0, axis=0), dtype=dtype)
            reps = max(50, int(4e7 / (2 * n * n)))  # ~40 MFLOP per timing
            gemm_reps = max(10, int(4e7 / (2 * n * n * 32)))
            kernels = {}
            for chained in (True, False):
                tag = "chained" if chained else "independent"
                if c is not None:
                    kernels[f"C gemv -O3 {' '.join(roofline_march())}, {tag}"] = (
                        c_loop(getattr(c, f"gemv_{S}"), W, x0, reps, int(chained)),
                        "gemv",
                        reps,
                    )
                if nb is not None:
                    gemv_loop, blas_chain = nb
                    for label, fn in (
                        ("Numba fastmath loop", gemv_loop),
                        ("BLAS gemv (np.dot in Numba)", blas_chain),
                    ):
                        kernels[f"{label}, {tag}"] = (
                            numba_loop(fn, W, x0, reps, chained),
                            "gemv",
                            reps,
                        )
                    kernels[f"BLAS gemm n x n @ n x 32, {tag}"] = (
                        numba_loop(blas_chain, W, X0, gemm_reps, chained),
                        "gemm",
                        gemm_reps,
                    )
            ours = {}
            for label, so in helpers.items():
                if so is None:
                    continue
                for kind, arr, r in (("gemv", x0, reps), ("gemm", X0, gemm_reps)):
                    fn = getattr(so, f"drive_{kind}_{S}")
                    ours[f"{label}: {kind}, chained"] = (c_loop(fn, W, arr, r, 1), kind, r)
                z = rng.uniform(-8, 8, n * 32).astype(dtype)
                sreps = max(10, int(2e7 / z.size))
                ours[f"{label}: sigmoid"] = (
                    sigmoid_loop(getattr(so, f"drive_sigmoid_{S}"), z, sreps),
                    "sigmoid",
                    sreps * z.size,
                )
            times = interleave({k: v[0] for k, v in {**kernels, **ours}.items()}, rounds)
            for name, (_, kind, r) in kernels.items():
                gf = gflops(n, kind, r, min(times[name]))
                rows.append((dname, n, name, f"{gf:.1f}"))
                if "chained" in name:
                    best[(dname, n, kind)] = max(best.get((dname, n, kind), 0.0), gf)
            for name, (_, kind, r) in ours.items():
                if kind == "sigmoid":
                    per_element = min(times[name]) / r * 1e9
                    helper_rows.append((dname, n, name, f"{per_element:.2f} ns/element", ""))
                    continue
                gf = gflops(n, kind, r, min(times[name]))
                roof = best[(dname, n, kind)]
                helper_rows.append((dname, n, name, f"{gf:.1f} GFLOP/s", f"{100 * gf / roof:.0f}%"))
    report.table(["dtype", "n", "kernel (one core)", "GFLOP/s"], rows)
    if helper_rows:
        report(
            "rnnc's own helpers (csrc/ compiled here as setup.py compiles them, "
            f"`{' '.join(HELPER_FLAGS)}`, with the same ifunc runtime "
            "dispatch) in the same chained loops, against the best chained figure "
            "above; sigmoid on n x 32 elements in [-8, 8]:"
        )
        report()
        report.table(["dtype", "n", "helper", "speed", "% of roofline"], helper_rows)
    return best

"""The C helpers give the same products on every instruction set a wheel can meet,
and with every compiler a wheel may be built with.

The installed module runs only the variant this CPU picks, so here csrc/ is
compiled once per target (baseline x86-64, AVX2, AVX-512, and without GCC's
vector extension) with dispatch off, and once with dispatch on by each of
the default gcc, the oldest GCC on PATH (gcc-N: the dispatch must not need a
newer GCC than the one a wheel is built with) and clang; each build is
checked against NumPy on shapes that exercise every remainder path of the
register tiles, for every vector width (16, 32 and 64 bytes).  The arm64 build
(NEON) is cross-compiled and run under qemu-user, where the cross compiler and
qemu are installed.  The flags are setup.py's (build_tools/helper_flags.py).
"""

import ctypes
import importlib.util
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CSRC = ROOT / "csrc"


def helper_flags():
    """setup.py's HELPER_FLAGS, loaded from its file: the repository root is not
    put on sys.path, where it would shadow an installed rnnc."""
    path = ROOT / "build_tools" / "helper_flags.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("rnnc_helper_flags", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HELPER_FLAGS


HELPER_FLAGS = helper_flags()

pytestmark = pytest.mark.skipif(
    HELPER_FLAGS is None
    or not (CSRC / "linalg.c").exists()
    or platform.machine() != "x86_64"
    or not sys.platform.startswith("linux"),
    reason="needs x86-64 Linux and a source checkout (csrc/, build_tools/)",
)


def oldest_gcc():
    """The gcc-N on PATH with the smallest N (Debian installs them side by side)."""
    versions = [
        int(m.group(1))
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if os.path.isdir(d)
        for f in os.listdir(d)
        if (m := re.fullmatch(r"gcc-(\d+)", f))
    ]
    return f"gcc-{min(versions)}" if versions else "gcc-N"


OLDEST_GCC = oldest_gcc()
CROSS_CC, QEMU, CROSS_ROOT = "aarch64-linux-gnu-gcc", "qemu-aarch64", "/usr/aarch64-linux-gnu"

# (name, compiler, extra compiler flags, CPU flag the build needs to run)
TARGETS = [
    ("baseline", "gcc", ["-march=x86-64", "-DRNNC_NO_DISPATCH"], None),
    ("avx2", "gcc", ["-march=x86-64-v3", "-DRNNC_NO_DISPATCH"], "avx2"),
    ("avx512", "gcc", ["-march=x86-64-v4", "-DRNNC_NO_DISPATCH"], "avx512f"),
    (
        "no-vector-extension",
        "gcc",
        ["-march=x86-64-v3", "-DRNNC_NO_DISPATCH", "-DRNNC_VECTORS=0"],
        "avx2",
    ),
    ("gcc-dispatch", "gcc", [], None),
    (f"{OLDEST_GCC}-dispatch", OLDEST_GCC, [], None),
    ("clang-dispatch", "clang", [], None),
    ("clang-baseline", "clang", ["-march=x86-64", "-DRNNC_NO_DISPATCH"], None),
    # arm64's NEON paths: cross-compiled, run under qemu-user (see Remote)
    ("aarch64-qemu", CROSS_CC, [], None),
]
SOURCES = ["linalg.c", "activation.c", "dispatch.c", "float_env.c"]


def cpu_has(flag):
    if flag is None:
        return True
    try:
        return flag in Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False


def build_helpers(compiler, flags, lib):
    """csrc/ as a shared library, built as setup.py builds the helper library."""
    subprocess.run(
        [
            compiler,
            *HELPER_FLAGS,
            "-shared",
            *flags,
            "-I",
            str(CSRC),
            *[str(CSRC / s) for s in SOURCES],
            "-o",
            str(lib),
            "-lm",
        ],
        check=True,
        capture_output=True,
    )


class Remote:
    """The helpers of a build for another CPU, called in tests/c/helpers_driver.c
    running under qemu-user: each call sends the arguments (arrays whole, so
    they must be contiguous) and copies the arrays back after it."""

    def __init__(self, command):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def call(self, name, args):
        request = [struct.pack("=I", len(name)), name.encode(), struct.pack("=I", len(args))]
        arrays = []
        for a in args:
            if isinstance(a, np.ndarray):
                assert a.flags.c_contiguous
                request += [b"a", struct.pack("=Q", a.nbytes), a.tobytes()]
                arrays.append(a)
            elif isinstance(a, np.float64):
                request += [b"d", struct.pack("=d", a)]
            elif isinstance(a, np.float32):
                request += [b"f", struct.pack("=f", a)]
            else:
                request += [b"i", struct.pack("=q", a)]
        self.process.stdin.write(b"".join(request))
        self.process.stdin.flush()
        for a in arrays:
            a.reshape(-1)[...] = np.frombuffer(self.read(a.nbytes), a.dtype)
        return struct.unpack("=d", self.read(8))[0]

    def read(self, size):
        data = self.process.stdout.read(size)
        if len(data) != size:
            raise RuntimeError(f"the helper driver stopped (status {self.process.wait()})")
        return data

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def remote_helpers(tmp):
    """csrc/ and the driver built for aarch64 and started under qemu-aarch64."""
    missing = [tool for tool in (CROSS_CC, QEMU) if shutil.which(tool) is None]
    if missing or not os.path.isdir(CROSS_ROOT):
        pytest.skip(
            f"needs {CROSS_CC}, {QEMU} and {CROSS_ROOT} "
            "(Debian: apt-get install gcc-aarch64-linux-gnu qemu-user)"
        )
    exe = tmp / "helpers_driver"
    subprocess.run(
        [
            CROSS_CC,
            *HELPER_FLAGS,
            "-I",
            str(CSRC),
            *[str(CSRC / s) for s in SOURCES],
            str(ROOT / "tests" / "c" / "helpers_driver.c"),
            "-o",
            str(exe),
            "-lm",
        ],
        check=True,
        capture_output=True,
    )
    return Remote([QEMU, "-L", CROSS_ROOT, str(exe)])


@pytest.fixture(scope="module", params=TARGETS, ids=[t[0] for t in TARGETS])
def helpers(request, tmp_path_factory):
    name, compiler, flags, needs = request.param
    if compiler == CROSS_CC:
        remote = remote_helpers(tmp_path_factory.mktemp(name))
        assert remote.call("rnnc_dispatched", ()) == 0
        yield remote
        remote.close()
        return
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} is not on PATH (Debian 12: apt-get install gcc-11 clang)")
    if not cpu_has(needs):
        pytest.skip(f"this CPU lacks {needs}")
    lib = tmp_path_factory.mktemp(name) / "helpers.so"
    build_helpers(compiler, flags, lib)
    so = ctypes.CDLL(str(lib))
    if "-DRNNC_NO_DISPATCH" not in flags:
        # a compiler that builds but does not dispatch would pass unnoticed
        assert so.rnnc_dispatched() == 1, f"{compiler} built the helpers without dispatch"
    yield so


# the CPU flags (as /proc/cpuinfo names them) of GCC's -march=x86-64-v3 and -v4
V3_FLAGS = {
    "avx",
    "avx2",
    "bmi1",
    "bmi2",
    "cx16",
    "f16c",
    "fma",
    "abm",
    "movbe",
    "popcnt",
    "lahf_lm",
    "pni",
    "sse4_1",
    "sse4_2",
    "ssse3",
    "xsave",
}
V4_FLAGS = V3_FLAGS | {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}


def test_simd_path_matches_the_cpu(helpers):
    if isinstance(helpers, Remote):
        pytest.skip("another CPU's build: no dispatch (checked when it starts)")
    helpers.rnnc_simd_path.restype = ctypes.c_char_p
    path = helpers.rnnc_simd_path().decode()
    if not helpers.rnnc_dispatched():
        assert path == "baseline"
        return
    flags = set(Path("/proc/cpuinfo").read_text().split())
    cpu = 4 if V4_FLAGS <= flags else 3 if V3_FLAGS <= flags else 1
    # RNNC_FORCE_LEVEL (read when the library loads) may ask for a lower one
    forced = {"v4": 4, "x86-64-v4": 4, "v3": 3, "x86-64-v3": 3, "baseline": 1}.get(
        os.environ.get("RNNC_FORCE_LEVEL", ""), cpu
    )
    level = min(cpu, forced)
    names = {4: "x86-64-v4 (AVX-512)", 3: "x86-64-v3 (AVX2, FMA)", 1: "baseline"}
    expected = names[level]
    if level < cpu:
        expected += f", forced by RNNC_FORCE_LEVEL on an {names[cpu].split()[0]} CPU"
    assert path == expected


def pointer(a):
    return a.ctypes.data_as(ctypes.c_void_p)


def call(so, name, dtype, *args, restype=None):
    """The helper name (with dtype's suffix) on args: arrays, np.float64 and
    np.float32 scalars, and ints; its result as restype (ctypes) gives it."""
    suffix = "_d" if dtype == np.float64 else "_s"
    if isinstance(so, Remote):
        result = so.call(name + suffix, args)
        if restype is None:
            return None
        return int(result) if restype is ctypes.c_int else restype(result).value
    function = getattr(so, name + suffix)
    function.restype = restype
    return function(
        *[
            pointer(a)
            if isinstance(a, np.ndarray)
            else ctypes.c_double(a)
            if isinstance(a, np.float64)
            else ctypes.c_float(a)
            if isinstance(a, np.float32)
            else ctypes.c_ssize_t(a)
            for a in args
        ]
    )


def assert_product(actual, expected, scale, length, dtype, where):
    """actual within the rounding bound of a length-term sum: each element off
    by at most 2 * length * eps times the sum of its terms' magnitudes (scale)."""
    bound = 2 * max(length, 1) * np.finfo(dtype).eps * scale
    assert np.all(np.abs(actual - expected) <= bound), where


# around every vector width (2, 4, 8 and 16 lanes) and block of rows (8, 16)
SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 10, 13, 15, 16, 17, 31, 33, 100]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("pad", [0, 3])
def test_gemv(helpers, dtype, pad):
    # rows pad elements apart beyond their length: what lies between is not read
    rng = np.random.default_rng(1)
    for m in SIZES:
        for n in SIZES:
            stored = rng.normal(size=(m, n + pad)).astype(dtype)
            stored[:, n:] = np.nan
            A = stored[:, :n]
            x = rng.normal(size=n).astype(dtype)
            y0 = rng.normal(size=m).astype(dtype)
            A64, x64, y64 = (a.astype(np.float64) for a in (A, x, y0))
            expected, scale = y64 + A64 @ x64, np.abs(y64) + np.abs(A64) @ np.abs(x64)
            for backwards in (0, 1):
                y = y0.copy()
                call(helpers, "rnnc_gemv", dtype, m, n, stored, n + pad, x, y, backwards)
                assert_product(y, expected, scale, n + 1, dtype, (m, n, backwards))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gemv_counts_each_element_once(helpers, dtype):
    # A row's last vector overlaps the ones before it; the overlap must not
    # count again, not even as inf * 0 = NaN when an element of A or x is
    # infinite.
    # every vector width a build may use: 16, 32 and 64 bytes
    for lanes in {width // np.dtype(dtype).itemsize for width in (16, 32, 64)}:
        for n in (lanes + 1, 2 * lanes + 1, 2 * lanes + 3, 100):
            for infinite, m in [(i, m) for i in ("A", "x") for m in (16, 13)]:
                A, x = np.ones((m, n), dtype), np.ones(n, dtype)
                if infinite == "A":
                    A[:, n - lanes] = np.inf  # inside the overlap
                else:
                    x[n - lanes] = np.inf
                y = np.zeros(m, dtype)
                call(helpers, "rnnc_gemv", dtype, m, n, A, n, x, y, 0)
                assert np.all(y == np.inf), (lanes, n, infinite, m)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gemm(helpers, dtype):
    rng = np.random.default_rng(3)
    for m in (1, 4, 5, 10, 100):
        for k in (1, 7, 100):
            for n in (1, 4, 6, 8, 12, 15, 16, 17, 32, 33, 48, 100):
                A = rng.normal(size=(m, k)).astype(dtype)
                B = rng.normal(size=(k, n)).astype(dtype)
                C = rng.normal(size=(m, n)).astype(dtype)
                A64, B64, C64 = (a.astype(np.float64) for a in (A, B, C))
                expected, scale = C64 + A64 @ B64, np.abs(C64) + np.abs(A64) @ np.abs(B64)
                call(helpers, "rnnc_gemm", dtype, m, k, n, A, B, C)
                assert_product(C, expected, scale, k + 1, dtype, (m, k, n))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gemv_cols_is_a_column_of_gemm_to_the_bit(helpers, dtype):
    # predict runs a block of one or two records through gemv_cols, and more
    # through gemm: a record's forecast must not depend on its neighbours.
    # Rows of every remainder (tiles of 4 rows in gemm, of vectors here),
    # AT's rows further apart than m (what lies between is never read).
    rng = np.random.default_rng(11)
    for m in (1, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33, 64, 65, 100, 130):
        for k in (1, 2, 7, 33, 100):
            n = 16  # every build's tiles cover the columns (64 bytes of floats)
            A = rng.normal(size=(m, k)).astype(dtype)
            B = rng.normal(size=(k, n)).astype(dtype)
            C = rng.normal(size=(m, n)).astype(dtype)
            y0 = C[:, 5].copy()
            call(helpers, "rnnc_gemm", dtype, m, k, n, A, B, C)
            AT = np.full((k, m + 3), np.nan, dtype)
            AT[:, :m] = A.T
            x = np.ascontiguousarray(B[:, 5])
            call(helpers, "rnnc_gemv_cols", dtype, m, k, AT, m + 3, x, y0)
            assert np.array_equal(y0, C[:, 5]), (m, k)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_strided_and_packed_products(helpers, dtype):
    # C = P, C += P, C *= P for P = A @ B with A read as stored or transposed,
    # rows of A, B and C further apart than their lengths (what lies between is
    # neither read nor written), B also from its packed panels: the same sums
    rng = np.random.default_rng(8)
    modes = {0: lambda C, P: P, 1: lambda C, P: C + P, 2: lambda C, P: C * P}
    for m in (1, 3, 4, 5, 33):
        for k in (1, 7, 64):
            for n in (1, 4, 7, 8, 15, 16, 17, 32, 33, 48, 100):
                A = rng.normal(size=(m, k)).astype(dtype)
                B = rng.normal(size=(k, n)).astype(dtype)
                C0 = rng.normal(size=(m, n)).astype(dtype)
                A64, B64, C64 = (a.astype(np.float64) for a in (A, B, C0))
                P, P_scale = A64 @ B64, np.abs(A64) @ np.abs(B64)
                B_stored = np.full((k, n + 5), np.nan, dtype)
                B_stored[:, :n] = B
                packed = np.full(k * n, np.nan, dtype)
                call(helpers, "rnnc_pack_panels", dtype, k, n, B_stored, n + 5, packed)
                assert sorted(packed) == sorted(B.reshape(-1))
                for transposed in (False, True):
                    # A (m, k) with rows k + 2 apart, or A.T stored (k, m) with rows m + 2 apart
                    stored = np.full((k, m + 2) if transposed else (m, k + 2), np.nan, dtype)
                    if transposed:
                        stored[:, :m] = A.T
                    else:
                        stored[:, :k] = A
                    ar, ac = (1, m + 2) if transposed else (k + 2, 1)
                    for mode, put in modes.items():
                        expected = put(C64, P)
                        scale = [P_scale, np.abs(C64) + P_scale, np.abs(C64) * P_scale][mode]
                        results = []
                        for name, b, ldb in [
                            ("rnnc_gemm_strided", B_stored, n + 5),
                            ("rnnc_gemm_packed", packed, None),
                        ]:
                            C = np.full((m, n + 3), 7, dtype)
                            C[:, :n] = C0
                            args = [stored, ar, ac, b] + ([ldb] if ldb else [])
                            call(helpers, name, dtype, m, k, n, *args, C, n + 3, mode)
                            assert np.all(C[:, n:] == 7)
                            where = (name, m, k, n, transposed, mode)
                            assert_product(C[:, :n], expected, scale, k + 1, dtype, where)
                            results.append(C)
                        assert np.array_equal(results[0], results[1]), (m, k, n, mode)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_transposed_products(helpers, dtype):
    rng = np.random.default_rng(4)
    for m, k, n in [(1, 1, 1), (10, 6, 10), (100, 6, 100), (17, 3, 33), (6, 2, 5), (3, 4, 7)]:
        A = rng.normal(size=(k, m)).astype(dtype)
        B = rng.normal(size=(k, n)).astype(dtype)
        A64, B64 = A.astype(np.float64), B.astype(np.float64)
        C = np.zeros((m, n), dtype)
        # A and B with rows 2 and 5 elements further apart than their lengths
        A_stored = np.full((k, m + 2), np.nan, dtype)
        A_stored[:, :m] = A
        B_stored = np.full((k, n + 5), np.nan, dtype)
        B_stored[:, :n] = B
        call(helpers, "rnnc_gemm_tn", dtype, m, k, n, A_stored, m + 2, B_stored, n + 5, C)
        assert_product(C, A64.T @ B64, np.abs(A64.T) @ np.abs(B64), k, dtype, (m, k, n))
        x = rng.normal(size=k).astype(dtype)
        stored = np.full((k, m + 5), np.nan, dtype)  # rows 5 elements apart
        stored[:, :m] = A
        for backwards in (0, 1):
            y = np.full(m, np.nan, dtype)  # overwritten, not added to
            call(helpers, "rnnc_gemv_t", dtype, k, m, stored, m + 5, x, y, backwards)
            assert_product(y, A64.T @ x, np.abs(A64.T) @ np.abs(x), k, dtype, (m, k))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_clipped_update(helpers, dtype):
    # C -= alpha * clip(A.T @ B): clipping moves no value by more than the
    # product's own error, so the product's bound holds, scaled by alpha
    rng = np.random.default_rng(7)
    for m, k, n in [(1, 1, 1), (5, 6, 9), (100, 6, 100), (13, 3, 300), (8, 50, 17)]:
        A, B = rng.normal(size=(k, m)).astype(dtype), rng.normal(size=(k, n)).astype(dtype)
        C0 = rng.normal(size=(m, n)).astype(dtype)
        A64, B64, C64 = (a.astype(np.float64) for a in (A, B, C0))
        lo, hi, alpha = -0.5, 0.75, 0.125
        expected = C64 - alpha * np.clip(A64.T @ B64, lo, hi)
        scale = np.abs(C64) + alpha * (np.abs(A64.T) @ np.abs(B64))
        # A, B and C with rows 2, 5 and 3 elements further apart than their lengths
        A_stored = np.full((k, m + 2), np.nan, dtype)
        A_stored[:, :m] = A
        B_stored = np.full((k, n + 5), np.nan, dtype)
        B_stored[:, :n] = B
        results = []
        for backwards in (0, 1):
            stored = np.full((m, n + 3), 7, dtype)
            stored[:, :n] = C0
            call(
                helpers,
                "rnnc_gemm_tn_clip_sub",
                dtype,
                m,
                k,
                n,
                A_stored,
                m + 2,
                B_stored,
                n + 5,
                dtype(lo),
                dtype(hi),
                dtype(alpha),
                stored,
                n + 3,
                backwards,
            )
            C = stored[:, :n]
            assert np.all(stored[:, n:] == 7)
            assert_product(C, expected, scale, k + 2, dtype, (m, k, n, backwards))
            results.append(C)
        assert np.array_equal(results[0], results[1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_clipped_update_clips_as_the_scalar_rule(helpers, dtype):
    # small integers: every product and sum is exact, so each column, in a
    # vector or the tail, must give the scalar rule's bits, the sign of a zero
    # bound included, and lo first where the bounds cross
    rng = np.random.default_rng(9)
    m, k, n = 8, 3, 37
    A = rng.integers(-2, 3, size=(k, m)).astype(dtype)
    B = rng.integers(-2, 3, size=(k, n)).astype(dtype)
    product = A.T @ B
    for lo, hi in ((-0.0, 2.0), (-2.0, -0.0), (1.0, -1.0), (-1.0, 1.0)):
        C0 = np.where(rng.random((m, n)) < 0.5, -0.0, 0.0).astype(dtype)
        clipped = np.where(product < lo, lo, np.where(product > hi, hi, product)).astype(dtype)
        expected = C0 - dtype(1) * clipped
        C = C0.copy()
        call(
            helpers,
            "rnnc_gemm_tn_clip_sub",
            dtype,
            m,
            k,
            n,
            A,
            m,
            B,
            n,
            dtype(lo),
            dtype(hi),
            dtype(1),
            C,
            n,
            0,
        )
        assert np.array_equal(np.signbit(C), np.signbit(expected)), (lo, hi)
        assert np.array_equal(C, expected), (lo, hi)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sub_scaled_either_way(helpers, dtype):
    rng = np.random.default_rng(6)
    for n in (1, 7, 16, 33, 1000):
        x, y0 = rng.normal(size=n).astype(dtype), rng.normal(size=n).astype(dtype)
        results = []
        for backwards in (0, 1):
            y = y0.copy()
            call(helpers, "rnnc_sub_scaled", dtype, n, dtype(0.25), x, y, backwards)
            results.append(y)
        assert np.array_equal(results[0], results[1])
        assert_product(
            results[0], y0 - 0.25 * x.astype(np.float64), np.abs(y0) + 0.25 * np.abs(x), 2, dtype, n
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam(helpers, dtype):
    # three steps on every length around the vector widths, against the same
    # formulas in float64, each moment rounded to dtype as the helper stores it
    rng = np.random.default_rng(8)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for n in (1, 3, 4, 5, 8, 9, 16, 17, 33, 100):
        p, m, v = rng.normal(size=n).astype(dtype), np.zeros(n, dtype), np.zeros(n, dtype)
        want_p, want_m, want_v = p.astype(np.float64), m.astype(np.float64), v.astype(np.float64)
        for step in (1, 2, 3):
            g = (rng.normal(size=n) * 10.0 ** rng.integers(-6, 3, size=n)).astype(dtype)
            step_size, root = 0.01 / (1 - beta1**step), np.sqrt(1 - beta2**step)
            args = (beta1, beta2, eps, step_size, root)
            call(helpers, "rnnc_adam", dtype, n, p, g, m, v, *map(np.float64, args))
            g64 = g.astype(np.float64)
            want_m = (beta1 * want_m + (1 - beta1) * g64).astype(dtype).astype(np.float64)
            want_v = (beta2 * want_v + (1 - beta2) * g64**2).astype(dtype).astype(np.float64)
            move = step_size * want_m / (np.sqrt(want_v) / root + eps)
            want_p = (want_p - move).astype(dtype).astype(np.float64)
            # fused multiply-adds round once where the formulas round twice:
            # a few float64 ulps of each term, and then dtype's rounding
            for got, want, size in (
                (m, want_m, np.abs(want_m) + np.abs(g64)),
                (v, want_v, want_v),
                (p, want_p, np.abs(want_p) + np.abs(move)),
            ):
                bound = 8 * np.finfo(np.float64).eps * size + np.spacing(np.abs(want).astype(dtype))
                assert np.all(np.abs(got - want) <= bound), (n, step)
            want_m, want_v, want_p = (a.astype(np.float64) for a in (m, v, p))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid(helpers, dtype):
    z = np.linspace(-40, 40, 1001).astype(dtype)
    out = np.empty_like(z)
    call(helpers, "rnnc_sigmoid", dtype, z.size, z, out)
    exact = 1 / (1 + np.exp(-z.astype(np.float64)))
    ulp = np.spacing(exact.astype(dtype)).astype(np.float64)
    assert np.max(np.abs(out - exact) / ulp) <= 2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_activation_slopes(helpers, dtype, name):
    # h as the plain helper computes it, and the slope f'(z) to a few ulp of
    # its own size, also where h has rounded to +-1 (|z| up to 40)
    z = np.concatenate([np.linspace(-40, 40, 2001), [0.0, -1e-30, 1e-30]]).astype(dtype)
    h, slope, plain = np.empty_like(z), np.empty_like(z), np.empty_like(z)
    call(helpers, f"rnnc_{name}_slope", dtype, z.size, z, h, slope)
    call(helpers, f"rnnc_{name}", dtype, z.size, z, plain)
    assert np.array_equal(h, plain)
    z128 = z.astype(np.longdouble)
    e = np.exp(-np.abs(z128) * (2 if name == "tanh" else 1))
    exact = (4 * e if name == "tanh" else e) / (1 + e) ** 2
    ulp = np.spacing(exact.astype(dtype)).astype(np.longdouble)
    assert np.max(np.abs(slope.astype(np.longdouble) - exact) / ulp) <= 6


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ger(helpers, dtype):
    rng = np.random.default_rng(8)
    for m, n in [(1, 1), (3, 17), (100, 100)]:
        x, y = rng.normal(size=m).astype(dtype), rng.normal(size=n).astype(dtype)
        A0 = rng.normal(size=(m, n)).astype(dtype)
        A = A0.copy()
        call(helpers, "rnnc_ger", dtype, m, n, x, y, A)
        x64, y64, A64 = (a.astype(np.float64) for a in (x, y, A0))
        assert_product(
            A, A64 + np.outer(x64, y64), np.abs(A64) + np.abs(np.outer(x64, y64)), 2, dtype, (m, n)
        )


# special values at every position of arrays of every length up to 19, so that
# each reaches the vector body, its remainder and the scalar epilogue
SPECIAL = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 800.0, -800.0, 1e-30, -3.5, 2.25])


def positions(dtype):
    for n in range(1, 20):
        for shift in range(len(SPECIAL)):
            z = np.resize(np.roll(SPECIAL, shift), n).astype(dtype)
            yield n, z


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activations_of_special_values(helpers, dtype):
    # sigmoid: NaN stays NaN, +-inf give 1 and 0; tanh: +-1; slopes 0 there
    with np.errstate(over="ignore"):
        for n, z in positions(dtype):
            z64 = z.astype(np.float64)
            for name, exact in (("sigmoid", 1 / (1 + np.exp(-z64))), ("tanh", np.tanh(z64))):
                out, h, slope = np.empty_like(z), np.empty_like(z), np.empty_like(z)
                call(helpers, f"rnnc_{name}", dtype, n, z, out)
                call(helpers, f"rnnc_{name}_slope", dtype, n, z, h, slope)
                assert np.array_equal(out, h, equal_nan=True), (name, z)
                np.testing.assert_allclose(
                    out, exact, rtol=4 * np.finfo(dtype).eps, atol=0, err_msg=f"{name} {z}"
                )
                assert np.array_equal(np.isnan(slope), np.isnan(z)), (name, z)
                assert np.all(slope[np.isinf(z)] == 0), (name, z)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_and_max_abs_of_special_values(helpers, dtype):
    real = ctypes.c_double if dtype == np.float64 else ctypes.c_float
    for n, z in positions(dtype):
        expected_max = np.max(np.abs(z))
        got = call(helpers, "rnnc_max_abs", dtype, n, z, restype=real)
        assert np.isnan(got) if np.isnan(expected_max) else got == expected_max, z
        x = z.copy()
        nonfinite = call(
            helpers, "rnnc_clip", dtype, n, x, dtype(-10), dtype(10), restype=ctypes.c_int
        )
        assert nonfinite == int(not np.all(np.isfinite(z))), z
        finite = ~np.isnan(z)
        assert np.array_equal(x[finite], np.clip(z[finite], -10, 10)), z

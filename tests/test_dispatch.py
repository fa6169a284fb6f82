"""Runtime CPU dispatch: the helpers really have AVX-512 and AVX2 variants
where the build supports them (a guard that silently stays off is the failure
this catches), and report the path they run with."""

import os
import platform
import subprocess
import sys

import pytest
from support import RNNC_PARENT

from rnnc import _forward

LEVELS = ("x86-64-v4 (AVX-512)", "x86-64-v3 (AVX2, FMA)", "baseline")


def test_simd_path_is_reported():
    dispatched, path = _forward.simd_path()
    if platform.machine().lower() in ("aarch64", "arm64"):
        assert path == "arm64 (NEON)"  # one build, with NEON
        return
    # "<level>, forced by RNNC_FORCE_LEVEL on an <level> CPU" when forced lower
    assert path.split(", forced by ")[0] in LEVELS
    assert dispatched or path == "baseline"


def output_with(level, code):
    """What code prints in a new process started with RNNC_FORCE_LEVEL=level
    (the resolvers read the environment the process started with)."""
    env = dict(os.environ, RNNC_FORCE_LEVEL=level)
    # started beside the rnnc under test, so that `-c` (which puts the working
    # directory first on sys.path) never imports a source tree instead
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=RNNC_PARENT,
    )
    return out.stdout.strip()


def path_with(level):
    """simd_path() in a new process started with RNNC_FORCE_LEVEL=level."""
    return output_with(level, "import rnnc._forward as f; print(f.simd_path()[1])")


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.machine() == "x86_64"),
    reason="runtime dispatch needs x86-64 Linux (glibc ifunc)",
)
def test_a_level_can_be_forced_but_not_above_the_cpu():
    dispatched, path = _forward.simd_path()
    if not dispatched:
        pytest.skip("built without dispatch (musl or RNNC_NO_DISPATCH)")
    own = path_with("")  # unset: the CPU's level
    assert own in LEVELS
    cpu = own.split()[0]
    rank = {"x86-64-v4": 4, "x86-64-v3": 3, "baseline": 1}
    for level, name in (
        ("v4", "x86-64-v4"),
        ("x86-64-v3", "x86-64-v3"),
        ("v3", "x86-64-v3"),
        ("baseline", "baseline"),
        ("bogus", None),
    ):
        forced = path_with(level)
        if name is not None and rank[name] < rank[cpu]:
            full = next(p for p in LEVELS if p.split()[0] == name)
            assert forced == f"{full}, forced by RNNC_FORCE_LEVEL on an {cpu} CPU", level
        else:  # not below the CPU's level: ignored
            assert forced == own, level


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.machine() == "x86_64"),
    reason="runtime dispatch needs x86-64 Linux (glibc ifunc)",
)
def test_variants_were_built_on_x86_64_linux():
    dispatched, _ = _forward.simd_path()
    binary = open(_forward.__file__, "rb").read()
    if not dispatched:
        pytest.skip("built without dispatch (musl or RNNC_NO_DISPATCH)")
    for helper in (b"rnnc_gemm_d", b"rnnc_gemv_s", b"rnnc_sigmoid_d", b"rnnc_tanh_s"):
        # the variants, and the resolver that picks one of them at load time
        for variant in (b"_v4", b"_v3", b"_base"):
            assert helper + variant in binary, (helper + variant).decode()
        assert b"resolve_" + helper in binary, helper.decode()


# one SGD epoch at hidden 10 in the given dtype; prints a hash of the weights it leaves
SMALL_EPOCH = """
import hashlib
import numpy as np
from rnnc import _sgd
rng = np.random.default_rng(0)
U, V, W = (rng.uniform(-0.3, 0.3, s).astype(np.{0}) for s in ((10, 1), (1, 10), (10, 10)))
X, Y = rng.uniform(-1, 1, (20, 30, 1)).astype(np.{0}), rng.uniform(-1, 1, (20, 1)).astype(np.{0})
_sgd.sgd_epoch(U, V, W, X, Y, 0.05, 5, -1.0, 1.0, False)
print(hashlib.sha1(U.tobytes() + V.tobytes() + W.tobytes()).hexdigest())
"""


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and platform.machine() == "x86_64"),
    reason="runtime dispatch needs x86-64 Linux (glibc ifunc)",
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_short_rows_train_alike_with_avx512_and_avx2(dtype):
    # rows of at most two ZMM take the AVX2 variant's gemv (csrc/linalg_impl.h),
    # whose shorter reduction trees are faster there; every other helper computes
    # each element alike on both levels, so training ends on the same bits
    dispatched, _ = _forward.simd_path()
    if not dispatched or not path_with("").startswith("x86-64-v4"):
        pytest.skip("needs the AVX-512 variant (an x86-64-v4 CPU, a dispatched build)")
    code = SMALL_EPOCH.format(dtype)
    assert output_with("", code) == output_with("v3", code)

"""Runtime CPU dispatch: the helpers really have AVX-512 and AVX2 variants
where the build supports them (a guard that silently stays off is the failure
this catches), and report the path they run with."""
import platform
import sys

import pytest

from rnnc import _forward


def test_simd_path_is_reported():
    dispatched, path = _forward.simd_path()
    assert path in ("x86-64-v4 (AVX-512)", "x86-64-v3 (AVX2, FMA)", "baseline")
    assert dispatched or path == "baseline"


@pytest.mark.skipif(not (sys.platform.startswith("linux") and platform.machine() == "x86_64"),
                    reason="runtime dispatch needs x86-64 Linux (glibc ifunc)")
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

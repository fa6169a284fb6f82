"""Section 5: the CPU's and NumPy's SIMD instruction sets, and the clone of
rnnc's C helpers that runs here (which also names the results file)."""

import platform
from pathlib import Path

import numpy as np

from rnnc import _forward


def helper_clone():
    """The instruction set rnnc's helpers run with here, as `x86-64-v4`,
    `x86-64-v3` or `baseline`, and a sentence saying so."""
    dispatched, path = _forward.simd_path()
    how = "runtime dispatch (per-level variants chosen by an ifunc at load time)" if dispatched else "no runtime dispatch"
    return path.split()[0], f"rnnc's helpers: {how}; the path that ran here: **{path}**."


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
    if {"avx512f", "avx512dq", "avx512bw", "avx512vl"} <= flags:
        level = "x86-64-v4 (AVX-512)"
    elif {"avx2", "fma"} <= flags:
        level = "x86-64-v3 (AVX2, FMA)"
    else:
        level = "baseline"
    report(
        f"CPU: {platform.processor() or platform.machine()}, flags: {' '.join(have)}; "
        f"so rnnc's dispatched helpers should resolve to **{level}**."
    )
    try:
        from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_features__

        found = [k for k, v in __cpu_features__.items() if v and k.startswith(("AVX", "FMA"))]
        report(
            f"NumPy {np.__version__}: baseline {' '.join(__cpu_baseline__)}; "
            f"dispatchable features present: {' '.join(found)}."
        )
    except Exception:
        report(f"NumPy {np.__version__}: SIMD features not readable.")
    report()
    report(helper_clone()[1])
    report()

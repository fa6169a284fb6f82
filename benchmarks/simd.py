"""Section 5: the CPU's and NumPy's SIMD instruction sets, and the clone of
rnnc's C helpers that runs here (which also names the results file)."""

import platform
from pathlib import Path

import numpy as np

from rnnc import _forward

from . import FORCED_ENV, FORCED_LEVEL


def helper_clone():
    """The instruction set rnnc's helpers run with here, as `x86-64-v4`,
    `x86-64-v3`, `baseline` (with `-forced` when RNNC_FORCE_LEVEL held them
    below the CPU's level) or `arm64`, and a sentence saying so."""
    dispatched, path = _forward.simd_path()
    how = (
        "runtime dispatch (per-level variants chosen by an ifunc at load time)"
        if dispatched
        else "no runtime dispatch"
    )
    isa = path.split()[0].rstrip(",")
    sentence = f"rnnc's helpers: {how}; the path that ran here: **{path}**."
    if "forced" in path:
        isa += "-forced"
        held = ", ".join(f"{k}={v}" for k, v in FORCED_ENV.items())
        sentence += (
            f" Not a CPU of that level: the contenders were held to it too ({held}),"
            " and the C roofline compiled for it."
        )
    return isa, sentence


def roofline_march():
    """-march flags for the C roofline: this CPU's, or the forced level's."""
    return {
        "v3": ["-march=native", "-mno-avx512f"],
        "baseline": ["-march=x86-64", "-mtune=native"],
    }.get(FORCED_LEVEL, ["-march=native"])


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

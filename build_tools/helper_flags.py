"""The compiler flags of the C helpers in csrc/: one list, read by setup.py,
the benchmarks and tests/test_helpers_isa.py, so that what is measured and
tested is what the wheels build.

The helpers may fuse multiply-adds (-ffp-contract=fast; -std=c99 alone would
turn fusion off); the Cython kernels are built without it (KERNEL_FLAGS), so
that backprop="tutorial" rounds as NumPy does.  The helpers may also compute
both sides of a branch on floats (-fno-trapping-math): only so does GCC
vectorise the activations' loops for AVX2, SSE2 and NEON, which lack AVX-512's
masked operations.  Results are the same; only the floating-point exception
flags, which nothing reads, may differ.  Nor does anything read errno, which
square roots would otherwise have to set (-fno-math-errno): only so are the
square roots of Adam's update vectorised.
"""

import sys

IS_MSVC = sys.platform == "win32"

HELPER_FLAGS = (
    ["/O2"]
    if IS_MSVC
    else [
        "-O3",
        "-fopenmp-simd",
        "-std=c99",
        "-ffp-contract=fast",
        "-fno-trapping-math",
        "-fno-math-errno",
        "-fPIC",
    ]
)
KERNEL_FLAGS = ["/O2"] if IS_MSVC else ["-O3", "-ffp-contract=off"]
OPENMP_FLAGS = ["/openmp"] if IS_MSVC else ["-fopenmp"]
SANITIZER_FLAGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g"]

"""The compiler flags of the C helpers in csrc/: one list, read by setup.py,
the benchmarks and tests/test_helpers_isa.py, so that what is measured and
tested is what the wheels build.

The helpers may fuse multiply-adds (-ffp-contract=fast; -std=c99 alone would
turn fusion off); the Cython kernels are built without it (KERNEL_FLAGS), so
that backprop="tutorial" rounds as NumPy does.
"""

import sys

IS_MSVC = sys.platform == "win32"

HELPER_FLAGS = (
    ["/O2"] if IS_MSVC else ["-O3", "-fopenmp-simd", "-std=c99", "-ffp-contract=fast", "-fPIC"]
)
KERNEL_FLAGS = ["/O2"] if IS_MSVC else ["-O3", "-ffp-contract=off"]
OPENMP_FLAGS = ["/openmp"] if IS_MSVC else ["-fopenmp"]
SANITIZER_FLAGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g"]

"""Build rnnc's compiled kernels.

csrc/ is built once as a static helper library with its own flags (the
helpers may fuse multiply-adds and carry runtime CPU dispatch); the Cython
kernels link it and are built without fused multiply-adds, so that
backprop="tutorial" rounds as NumPy does.  OpenMP is used when the compiler
has it (RNNC_OPENMP=0 turns it off, =1 insists on it); RNNC_OPENMP_CFLAGS and
RNNC_OPENMP_LDFLAGS replace its compile and link flags (Apple clang, for one, takes
"-Xpreprocessor -fopenmp" and "-lomp").

The Cython directives live here, in one place: the kernels run without bounds
checks.  RNNC_SANITIZE=1 builds a checking version instead, with Cython's
bounds checks on and AddressSanitizer and UndefinedBehaviorSanitizer compiled
in (CI runs the kernel tests on it).
"""

import glob
import os
import shlex
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# setuptools runs this file with the project directory as the working directory
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build_tools.helper_flags import HELPER_FLAGS, KERNEL_FLAGS, OPENMP_FLAGS, SANITIZER_FLAGS  # noqa: E402

SANITIZE = os.environ.get("RNNC_SANITIZE") == "1"
if SANITIZE:
    HELPER_FLAGS = HELPER_FLAGS + SANITIZER_FLAGS
    KERNEL_FLAGS = KERNEL_FLAGS + SANITIZER_FLAGS
DIRECTIVES = dict(
    language_level=3,
    embedsignature=True,
    cdivision=True,
    wraparound=False,
    boundscheck=SANITIZE,
    initializedcheck=SANITIZE,
)


# Compiler and linker flags for OpenMP: the compiler's own unless given (macOS
# wheels build with Homebrew's libomp, which Apple clang needs named explicitly).
OPENMP_CFLAGS = shlex.split(os.environ.get("RNNC_OPENMP_CFLAGS", "")) or OPENMP_FLAGS
OPENMP_LDFLAGS = shlex.split(os.environ.get("RNNC_OPENMP_LDFLAGS", "")) or OPENMP_FLAGS


def compiler_has_openmp(compiler):
    """Compile and link a tiny OpenMP program with this compiler."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp.c")
        with open(src, "w") as f:
            f.write("#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n")
        try:
            objects = compiler.compile([src], output_dir=tmp, extra_postargs=OPENMP_CFLAGS)
            compiler.link_executable(
                objects, os.path.join(tmp, "omp"), extra_postargs=OPENMP_LDFLAGS
            )
        except Exception as exc:
            print(f"rnnc: the OpenMP test program did not build: {exc}")
            return False
    return True


class BuildExt(build_ext):
    def run(self):
        self.run_command("build_clib")  # the helper library the extensions link
        clib = self.get_finalized_command("build_clib")
        library = os.path.join(clib.build_clib, clib.compiler.library_filename("rnnc_helpers"))
        for ext in self.extensions:  # relinked whenever the library changes
            ext.depends.append(library)
        super().run()

    def build_extensions(self):
        wanted = os.environ.get("RNNC_OPENMP", "auto")
        use_openmp = wanted == "1" or (wanted == "auto" and compiler_has_openmp(self.compiler))
        print(f"rnnc: building with OpenMP {'on' if use_openmp else 'off'}")
        for ext in self.extensions:
            if use_openmp:
                ext.extra_compile_args += OPENMP_CFLAGS
                ext.extra_link_args += OPENMP_LDFLAGS
        super().build_extensions()


# A change to a header of csrc/ rebuilds the helper library too (setuptools
# looks only at the sources otherwise), and BuildExt relinks the kernels.
CSRC_HEADERS = sorted(glob.glob("csrc/*.h"))
helpers = (
    "rnnc_helpers",
    {
        "sources": ["csrc/linalg.c", "csrc/activation.c", "csrc/dispatch.c", "csrc/float_env.c"],
        "include_dirs": ["csrc"],
        "cflags": HELPER_FLAGS,
        "obj_deps": {"": CSRC_HEADERS},
    },
)

# Built against NumPy 2, loadable on every NumPy that pyproject.toml allows (>= 1.23).
macros = [
    ("NPY_NO_DEPRECATED_API", "NPY_2_0_API_VERSION"),
    ("NPY_TARGET_VERSION", "NPY_1_23_API_VERSION"),
]
# The kernels ship without debug information (a fifth of the size; -S keeps the
# symbol table, for profilers and for tests/test_dispatch.py); sanitized builds keep it.
# MSVC's release builds carry none.
STRIP_FLAGS = [] if SANITIZE or sys.platform == "win32" else ["-Wl,-S"]
extensions = [
    Extension(
        f"rnnc.{name}",
        [f"rnnc/{name}.pyx"],
        include_dirs=["csrc", np.get_include()],
        define_macros=macros,
        extra_compile_args=list(KERNEL_FLAGS),
        extra_link_args=SANITIZER_FLAGS if SANITIZE else list(STRIP_FLAGS),
        libraries=["rnnc_helpers"],
    )
    for name in ("_batch", "_forward", "_numpy_loops", "_sgd")
]

setup(
    libraries=[helpers],
    ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES),
    cmdclass={"build_ext": BuildExt},
)

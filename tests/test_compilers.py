"""The whole extension builds, dispatches and passes the kernel tests with the
oldest GCC on PATH and with clang, not only with the compiler of the wheels.

GCC before 12 and clang lack GCC 12's "arch=x86-64-vN" names, which the
runtime dispatch once needed; test_helpers_isa.py checks the helpers of such
builds, this the built modules.  Each build takes a minute or two, so this
runs only when asked: RNNC_TEST_COMPILERS=1 (CI builds the same in .ci/run).
"""
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_helpers_isa import OLDEST_GCC

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.skipif(os.environ.get("RNNC_TEST_COMPILERS") != "1",
                       reason="builds the extension once per compiler (minutes): "
                              "set RNNC_TEST_COMPILERS=1"),
    pytest.mark.skipif(not (ROOT / "setup.py").exists() or platform.machine() != "x86_64"
                       or not sys.platform.startswith("linux"),
                       reason="needs x86-64 Linux and a source checkout"),
]

def copy_checkout(dest):
    """The source tree without what builds leave in it (so nothing is reused)."""
    def ignore(directory, names):
        left = {".git", "build", "dist", "__pycache__", ".hypothesis", ".pytest_cache"}
        generated = (".so", ".c", ".html") if Path(directory).name == "rnnc" else (".so",)
        return [n for n in names if n in left or n.endswith(".egg-info")
                or n.endswith(generated)]
    shutil.copytree(ROOT, dest, ignore=ignore, dirs_exist_ok=True)


@pytest.mark.parametrize("compiler", [OLDEST_GCC, "clang"])
def test_extension_builds_and_passes_the_kernel_tests(compiler, tmp_path):
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} is not on PATH (Debian 12: apt-get install gcc-11 clang)")
    copy_checkout(tmp_path)
    env = dict(os.environ, CC=compiler, PYTHONPATH=str(tmp_path))
    build = subprocess.run([sys.executable, "setup.py", "-q", "build_clib", "build_ext",
                            "--inplace", "-j", "2"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    report = subprocess.run(
        [sys.executable, "-c", "import rnnc._forward as f; print(f.__file__); "
                               "print(*f.simd_path(), sep='|')"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.splitlines()
    assert report[0].startswith(str(tmp_path)), report
    dispatched, path = report[1].split("|")
    assert dispatched == "True", f"{compiler} built rnnc without runtime dispatch ({path})"
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/test_kernels.py", "tests/test_gradients.py"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout[-5000:]

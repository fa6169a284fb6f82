"""The public API is typed: a small user script passes mypy --strict against it."""
from pathlib import Path

import pytest

import rnnc
from support import RNNC_PARENT

SCRIPT = Path(__file__).with_name("typing") / "user_script.py"


def test_the_package_says_it_is_typed():
    assert (Path(rnnc.__file__).with_name("py.typed")).is_file()


@pytest.mark.slow
def test_a_user_script_passes_mypy_strict(tmp_path, monkeypatch):
    api = pytest.importorskip("mypy.api")
    # away from any source tree, so that mypy reads the rnnc under test as a user's
    # mypy would: the installed package (or, in a checkout, the one on MYPYPATH)
    monkeypatch.chdir(tmp_path)
    if "site-packages" not in RNNC_PARENT.parts:
        monkeypatch.setenv("MYPYPATH", str(RNNC_PARENT))
    out, err, status = api.run(["--strict", "--follow-imports=silent", "--no-incremental",
                                f"--cache-dir={tmp_path / 'cache'}", str(SCRIPT)])
    assert status == 0, out + err

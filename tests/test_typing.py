"""The public API is typed: a small user script passes mypy --strict against it."""
from pathlib import Path

import pytest

import rnnc

SCRIPT = Path(__file__).with_name("typing") / "user_script.py"


def test_the_package_says_it_is_typed():
    assert (Path(rnnc.__file__).with_name("py.typed")).is_file()


@pytest.mark.slow
def test_a_user_script_passes_mypy_strict():
    api = pytest.importorskip("mypy.api")
    out, err, status = api.run(["--strict", "--no-incremental", "--cache-dir=/dev/null",
                                str(SCRIPT)])
    assert status == 0, out + err

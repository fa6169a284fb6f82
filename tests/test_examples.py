"""The example scripts the README points to run and say what they promise."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

pytestmark = pytest.mark.slow  # each runs a script that trains


@pytest.mark.parametrize("options,rmse_at_most", [([], 0.01), (["--tutorial"], 1.0)])
def test_sine_example(options, rmse_at_most):
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "sine.py"), *options],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rmse = float(re.search(r"validation RMSE: (\S+)", done.stdout).group(1))
    assert rmse <= rmse_at_most
    first = done.stdout.splitlines()[0]
    assert re.fullmatch(r"Epoch: 1, Loss: \S+, Validation Loss: \S+", first)

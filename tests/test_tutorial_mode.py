"""backprop="tutorial" reproduces the tutorial's own training run.

data/tutorial_run.npz holds what the tutorial's code (shared/seed/as-printed,
with only its NumPy 2 float() fixed) printed and ended with, on the tutorial's
sine data with its seed; data/make_tutorial_fixture.py recorded it.

Its training is chaotic from epoch 6 on: the running sums its rule clips
nearly cancel, and a one-ulp change in exp or in a dot product's summation
order moves the epoch-25 loss by percents.  So the later epochs can only be
reproduced where NumPy rounds exactly as it did on the recording machine (the
fingerprint), and rnnc's tutorial rule calls NumPy's own exp and dot loops.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import DATA, recorded_tutorial_run

import rnnc
from rnnc import _numpy_loops

RUN, SAME_ROUNDING = recorded_tutorial_run()  # puts DATA on sys.path
from make_tutorial_fixture import tutorial_data  # noqa: E402


def train_like_the_tutorial(U, V, W):
    X, Y, Xv, Yv = tutorial_data()
    losses = []
    rnnc.train(
        U,
        V,
        W,
        X,
        Y,
        Xv,
        Yv,
        backprop="tutorial",
        verbose=False,
        callback=lambda epoch, loss, val: losses.append((loss, val)),
    )
    return np.array(losses)


def test_the_first_epochs_hold_anywhere():
    # before the chaotic phase, rounding differences stay at rounding level
    U, V, W = RUN["U0"].copy(), RUN["V0"].copy(), RUN["W0"].copy()
    X, Y, Xv, Yv = tutorial_data()
    losses = []
    rnnc.train(
        U,
        V,
        W,
        X,
        Y,
        Xv,
        Yv,
        backprop="tutorial",
        max_epochs=5,
        verbose=False,
        callback=lambda epoch, loss, val: losses.append((loss, val)),
    )
    np.testing.assert_allclose(losses, RUN["losses"][:5], rtol=1e-9)


@pytest.mark.slow
@pytest.mark.skipif(
    not SAME_ROUNDING,
    reason="NumPy here rounds exp/dot differently from "
    "the machine that recorded the tutorial's run",
)
def test_all_25_epochs_and_final_weights_match_the_tutorial():
    assert _numpy_loops.matches_numpy()
    U, V, W = RUN["U0"].copy(), RUN["V0"].copy(), RUN["W0"].copy()
    losses = train_like_the_tutorial(U, V, W)
    np.testing.assert_allclose(losses, RUN["losses"], rtol=1e-9)
    for name, P in zip("UVW", (U, V, W)):
        np.testing.assert_allclose(P, RUN[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_printed_lines_are_the_tutorials(capsys):
    U, V, W = RUN["U0"].copy(), RUN["V0"].copy(), RUN["W0"].copy()
    X, Y, Xv, Yv = tutorial_data()
    rnnc.train(U, V, W, X, Y, Xv, Yv, backprop="tutorial", max_epochs=3)
    printed = capsys.readouterr().out.splitlines()
    theirs = str(RUN["printed"]).splitlines()[:3]
    for mine, tutorial in zip(printed, theirs):
        assert mine.split(":")[:2] == tutorial.split(":")[:2]
        np.testing.assert_allclose(
            [float(v.split(",")[0]) for v in mine.split(": ")[2:]],
            [float(v.split(",")[0]) for v in tutorial.split(": ")[2:]],
            rtol=1e-12,
        )


SEED = os.environ.get(
    "RNNC_TUTORIAL_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "seed" / "as-printed")
)


@pytest.mark.slow
@pytest.mark.skipif(
    not (Path(SEED) / "simple_rnn.py").exists(),
    reason="the tutorial's code is not beside this checkout "
    "(set RNNC_TUTORIAL_DIR to its directory)",
)
def test_matches_the_tutorials_code_run_here(tmp_path):
    """Run the tutorial's own code on this machine and compare: valid wherever it runs."""
    script = DATA / "make_tutorial_fixture.py"
    env = dict(os.environ, RNNC_FIXTURE_OUT=str(tmp_path / "run.npz"))
    subprocess.run(
        [sys.executable, str(script), SEED], check=True, env=env, stdout=subprocess.DEVNULL
    )
    theirs = np.load(tmp_path / "run.npz")
    U, V, W = theirs["U0"].copy(), theirs["V0"].copy(), theirs["W0"].copy()
    np.testing.assert_allclose(train_like_the_tutorial(U, V, W), theirs["losses"], rtol=1e-9)
    for name, P in zip("UVW", (U, V, W)):
        np.testing.assert_allclose(P, theirs[name], rtol=1e-9, atol=1e-12, err_msg=name)

"""What an installation promises beyond the API: rnnc imports and trains when NumPy's
loop tables are not what the tutorial rule expects, and a checkout whose kernels were
never built says how to build them."""
import importlib.machinery
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

import rnnc
from rnnc import _numpy_loops
from support import RNNC_PARENT, run_python


def small_problem():
    X, Y = rnnc.windows(np.sin(np.arange(60.0)), 10)
    U, V, W = rnnc.scaled_weights(hidden_dim=8, n_inputs=10, output_dim=1, seed=1)
    return U, V, W, X, Y


def test_import_looks_nothing_up_in_numpys_loop_tables():
    # a NumPy whose tables differ must not break `import rnnc`: nothing is taken
    # from them until the tutorial rule first runs
    code = ("import rnnc; from rnnc import _numpy_loops as L; assert L._state == {}, L._state; "
            "rnnc.train(*rnnc.scaled_weights(8, 10, 1, seed=1), *rnnc.windows("
            "__import__('numpy').sin(__import__('numpy').arange(60.0)), 10), None, None, "
            "max_epochs=2, verbose=False); assert L._state == {}, L._state; print('ok')")
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_training_works_when_numpys_loops_cannot_be_found(monkeypatch):
    def changed_numpy():
        raise LookupError("NumPy has no exp loop for type 12")

    # as a fresh process would find it: nothing looked up yet, and the lookup fails
    monkeypatch.setattr(_numpy_loops, "_state", {})
    monkeypatch.setattr(_numpy_loops, "_find_loops", changed_numpy)
    U, V, W, X, Y = small_problem()
    reference = [a.copy() for a in (U, V, W)]
    with pytest.warns(RuntimeWarning, match="rnnc's own exp and gemv"):
        rnnc.train(U, V, W, X[:40], Y[:40], X[40:], Y[40:], backprop="tutorial",
                   max_epochs=3, verbose=False)
    assert not _numpy_loops.matches_numpy()
    assert all(np.isfinite(P).all() for P in (U, V, W))
    assert not all(np.array_equal(P, P0) for P, P0 in zip((U, V, W), reference))

    # the warning is given once; exact gradients, predictions and gradients need no loops
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnnc.train(U, V, W, X[:40], Y[:40], None, None, backprop="tutorial", max_epochs=1,
                   verbose=False)
        # (full BPTT: truncation would warn, rightly, of input weights it freezes)
        rnnc.train(U, V, W, X[:40], Y[:40], None, None, max_epochs=2, verbose=False,
                   bptt_truncate=None)
        assert np.isfinite(rnnc.predict(U, V, W, X)).all()
        for dP in rnnc.gradients(U, V, W, X[0], Y[0]):
            assert np.isfinite(dP).all()
    with pytest.raises(RuntimeError, match="not available"):
        _numpy_loops._exp(np.zeros(3))


def test_fallback_follows_the_tutorial_rule_to_rounding_level(monkeypatch):
    # rnnc's own exp and gemv in place of NumPy's: the same rule, other last bits
    U, V, W, X, Y = small_problem()
    with_numpy = [a.copy() for a in (U, V, W)]
    rnnc.train(*with_numpy, X[:40], Y[:40], None, None, backprop="tutorial", max_epochs=2,
               verbose=False)
    monkeypatch.setattr(_numpy_loops, "_state", {"found": False, "error": "simulated"})
    rnnc.train(U, V, W, X[:40], Y[:40], None, None, backprop="tutorial", max_epochs=2,
               verbose=False)
    for P, Q in zip((U, V, W), with_numpy):
        np.testing.assert_allclose(P, Q, rtol=1e-10, atol=1e-13)


def test_unbuilt_checkout_says_how_to_build(tmp_path):
    # a copy of the rnnc package without its compiled kernels, as in a fresh checkout
    compiled = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    shutil.copytree(RNNC_PARENT / "rnnc", tmp_path / "rnnc",
                    ignore=lambda d, names: [n for n in names
                                             if n.endswith(compiled) or n == "__pycache__"])
    result = subprocess.run([sys.executable, "-c", "import rnnc"], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("ImportError: rnnc's compiled kernels are not built")
    assert str(tmp_path / "rnnc") in message
    assert "python setup.py build_ext --inplace" in message and "pip install ." in message
    assert "circular import" not in result.stderr

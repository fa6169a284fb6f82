"""rnnc: an Elman recurrent network trained by truncated backpropagation
through time, with its hot loops in compiled Cython kernels.

The API and defaults are those of the tutorial "Build a Recurrent Neural
Network from Scratch in Python 3"; rnnc.reference states the math.
"""
import os

# OpenMP threads that wait by sleeping, not spinning (unless the user chose):
# mini-batch training meets its threads once per batch, and on a busy
# machine spinning waiters take the cores the working threads need (measured
# here: 2 threads 5x slower than 1 when spinning, as fast as 1 when not);
# where the cores are free, the wake-up costs a few microseconds per batch.
# Read when libgomp loads, with the kernels below.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from rnnc._version import __version__  # noqa: E402
from rnnc import _check_built  # noqa: E402, F401  (says how to build a bare checkout)
from rnnc.core import (AdamState, History, TrainResult, bptt_truncate, calculate_loss, gradients,
                       hidden_dim, learning_rate, max_clip_val, max_epochs, min_clip_val,
                       output_dim, predict, seq_len, sigmoid, train)
from rnnc.forecaster import detect_period, fit_forecaster
from rnnc.forecasting import forecast, windows
from rnnc.initializers import scaled_weights, tutorial_weights
from rnnc.io import ModelFileError, load, save
from rnnc.model import Model

__all__ = [
    "__version__", "AdamState", "History", "TrainResult", "bptt_truncate", "calculate_loss", "gradients", "hidden_dim", "learning_rate",
    "max_clip_val", "max_epochs", "min_clip_val", "output_dim", "predict", "seq_len",
    "sigmoid", "train", "Model", "ModelFileError", "forecast", "load", "save", "windows",
    "scaled_weights", "tutorial_weights", "fit_forecaster", "detect_period",
]


def __getattr__(name):
    # RNNRegressor needs scikit-learn, an optional extra: it is imported on first
    # use, so that `import rnnc` needs NumPy alone (PEP 562)
    if name == "RNNRegressor":
        from rnnc.estimator import RNNRegressor
        return RNNRegressor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), "RNNRegressor"])

"""rnnc: an Elman recurrent network trained by truncated backpropagation
through time, with its hot loops in compiled Cython kernels.

The API and defaults are those of the tutorial "Build a Recurrent Neural
Network from Scratch in Python 3"; rnnc.reference states the math.
"""

from rnnc import _check_built  # noqa: F401  (says how to build a bare checkout)
from rnnc._version import __version__
from rnnc.core import (
    AdamState,
    History,
    TrainResult,
    bptt_truncate,
    calculate_loss,
    gradients,
    hidden_dim,
    learning_rate,
    max_clip_val,
    max_epochs,
    min_clip_val,
    output_dim,
    predict,
    seq_len,
    sigmoid,
    train,
)
from rnnc.forecaster import detect_period, fit_forecaster
from rnnc.forecasting import Forecast, forecast, windows
from rnnc.initializers import scaled_weights, tutorial_weights
from rnnc.io import ModelFileError, load, save
from rnnc.model import Combination, Model

__all__ = [
    "__version__",
    "AdamState",
    "History",
    "TrainResult",
    "bptt_truncate",
    "calculate_loss",
    "gradients",
    "hidden_dim",
    "learning_rate",
    "max_clip_val",
    "max_epochs",
    "min_clip_val",
    "output_dim",
    "predict",
    "seq_len",
    "sigmoid",
    "train",
    "Model",
    "Combination",
    "ModelFileError",
    "forecast",
    "load",
    "save",
    "windows",
    "scaled_weights",
    "tutorial_weights",
    "fit_forecaster",
    "detect_period",
    "Forecast",
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

"""A trained network with what it needs to work on raw values: rnnc.Model."""

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnnc import differencing as diff


@dataclass(eq=False)
class Model:
    """Weights, hyperparameters, scaling and differencing of trained networks.

    The network sees scaled values: ``network = (D(B) raw - offset) / scale``
    for inputs and targets alike (one series predicting its own next value),
    where D(B) is the differencing of the lags in ``differencing`` (() for
    none, (1,) for y_t - y_{t-1}, (m,) seasonal; rnnc.differencing).  Its
    outputs come back as ``offset + scale * network`` and the differencing is
    undone, so predict works on raw windows of ``window_len = seq_len +
    sum(differencing)`` values.

    A model of one series with inputs (rnnc.fit_forecaster's ``inputs``)
    reads n_features = 1 + k values per step, the target first: its offset
    and scale are then per feature, (n_features,) arrays, and its outputs
    come back with the target's (the first ``output_dim`` entries); the
    differencing applies to every feature and is undone on the target.

    The fields are checked when a Model is made and before it predicts.

    Attributes
    ----------
    U, V, W : ndarray of float32 or float64
        The weights (see rnnc.predict).
    seq_len : int
        Steps the network reads.
    layout : {"per_step", "shared"}
        "per_step": U is (hidden, seq_len), one value per step, the
        tutorial's; "shared": U is (hidden, n_features), any length.
    activation : {"sigmoid", "tanh"}
    bptt_truncate : int >= 0 or None
        What it was trained with.
    offset, scale : float or ndarray of float64, (n_features,)
        The scaling, finite, scale not 0: one for all values, or one per
        feature (see above).
    info : dict
        JSON-serialisable metadata (training settings, the backtest, ...).
    A, b : ndarray or None
        The linear skip term: yhat = V h_T + A x + b with x the last p steps
        of the (scaled, differenced) window, A (output_dim, p * n_features)
        and b (output_dim,).
    differencing : tuple of int
        The lags differenced away before scaling.
    members : list of tuples
        More networks of the same shapes, as (U, V, W, A, b); predictions are
        the median over all networks (rnnc.forecast: the median of their
        forecasts).
    seasonal_smoothing : tuple or None
        (period, alpha, beta, phi, gamma) of additive Holt-Winters smoothing
        (rnnc.smoothing) for a model that is that smoothing: its network is
        off (V = 0, no members) and its skip term holds the smoothing's
        one-step weights on a window of seq_len values; rnnc.forecast then
        runs the smoothing over the window for every step ahead instead of
        feeding back one-step predictions.
    """

    U: np.ndarray
    V: np.ndarray
    W: np.ndarray
    seq_len: int
    layout: str = "per_step"
    activation: str = "sigmoid"
    bptt_truncate: int = 5
    offset: float | np.ndarray = 0.0
    scale: float | np.ndarray = 1.0
    info: dict = field(default_factory=dict)
    A: np.ndarray | None = None
    b: np.ndarray | None = None
    differencing: tuple = ()
    members: list = field(default_factory=list)
    seasonal_smoothing: tuple | None = None

    def __post_init__(self):
        # as checked, and as a file gives it back: (int, float, ...)
        self.seasonal_smoothing = self.check()["seasonal_smoothing"]

    def check(self):
        """A ValueError or TypeError naming the field, unless the fields make a
        model that can predict (the checks a model file gets; see rnnc.io);
        returns the fields as checked."""
        from rnnc.io import _check_fields

        if not isinstance(self.info, dict):
            raise TypeError(f"info must be a dict, got {type(self.info).__name__}")
        return _check_fields(
            self.U,
            self.V,
            self.W,
            self.seq_len,
            self.layout,
            self.activation,
            self.bptt_truncate,
            self.offset,
            self.scale,
            {},
            self.A,
            self.b,
            self.differencing,
            self.members,
            self.seasonal_smoothing,
        )

    @property
    def hidden_dim(self):
        return self.W.shape[0]

    @property
    def output_dim(self):
        return self.V.shape[0]

    @property
    def n_features(self):
        return 1 if self.layout == "per_step" else self.U.shape[1]

    @property
    def window_len(self):
        """Raw values one prediction reads: seq_len plus what differencing uses up."""
        return self.seq_len + diff.order(self.differencing)

    @property
    def networks(self):
        """Every network's (U, V, W, A, b): this model's first, then the members'."""
        return [(self.U, self.V, self.W, self.A, self.b), *map(tuple, self.members)]

    def to_network(self, raw):
        """raw (already differenced) values -> the scaled values the network works on"""
        return (np.asarray(raw, dtype=np.float64) - self.offset) / self.scale

    def from_network(self, values):
        """the network's outputs -> raw (still differenced) values"""
        offset, scale = self.output_scaling
        return offset + scale * np.asarray(values, dtype=np.float64)

    @property
    def output_scaling(self):
        """(offset, scale) of the outputs: the first output_dim features' with
        per-feature scaling (the outputs are the target, feature 0 first)."""
        if np.ndim(self.offset) == 0:
            return self.offset, self.scale
        return self.offset[: self.output_dim], self.scale[: self.output_dim]

    def _windows(self, X):
        X = np.asarray(X, dtype=np.float64)
        X = X[:, :, None] if X.ndim == 2 else X
        if self.layout == "per_step" and X.shape[1:] != (self.window_len, 1):
            raise ValueError(
                f"X must be windows of {self.window_len} values, (n, "
                f"{self.window_len}) or (n, {self.window_len}, 1), for this "
                f"per-step model; got shape {X.shape}"
            )
        if self.layout == "shared" and X.ndim == 3 and X.shape[2] != self.U.shape[1]:
            raise ValueError(
                f"X must have {self.U.shape[1]} features per step for this "
                f"model; got shape {X.shape}"
            )
        shortest = diff.order(self.differencing) + max(1, self.skip_steps)
        if X.ndim != 3 or X.shape[1] < shortest:
            raise ValueError(
                f"X must be windows of at least {shortest} values, (n, steps) "
                f"or (n, steps, n_features), for this model; got shape "
                f"{X.shape}"
            )
        return X

    @property
    def skip_steps(self):
        """p, the steps the linear skip term reads (0 without one)."""
        return 0 if self.A is None else self.A.shape[1] // self.n_features

    def predict_each(self, X, n_threads=None):
        """Every network's predictions, raw units, (n_networks, n, output_dim)."""
        self.check()  # fields may have changed since the model was made
        return self._predict_each(X, n_threads)

    def _predictors(self):
        """rnnc.core's predict for each network, its weights checked once."""
        from rnnc.core import _predictor

        return [
            _predictor(U, V, W, self.activation, None if A is None else (A, b))
            for U, V, W, A, b in self.networks
        ]

    def _predict_each(self, X, n_threads=None, name="X", predictors=None):
        """predict_each for fields already checked (rnnc.forecast's steps);
        errors name the windows X as name; predictors: _predictors(), made
        once for many calls."""
        X = self._windows(X)
        with np.errstate(over="ignore", invalid="ignore"):
            Z = self.to_network(diff.difference(X, self.differencing, axis=1))
        if not np.all(np.isfinite(Z)) and np.all(np.isfinite(X)):
            raise ValueError(
                f"{name} is too large for this model's scaling: (values - offset) / "
                f"scale overflows float64 (offset {self.offset}, scale {self.scale})"
            )
        predictors = predictors or self._predictors()
        out = [predict(Z, n_threads) for predict in predictors]
        with np.errstate(over="ignore", invalid="ignore"):
            out = self.from_network(np.stack(out))
            if self.differencing:
                out = diff.undo_step(out, X[None, :, None, :, 0], self.differencing)
        if not np.all(np.isfinite(out)):
            raise FloatingPointError(
                "a prediction is beyond float64's range in raw units (the network's "
                "output times the model's scale, plus its offset, overflows)"
            )
        return out

    def predict(self, X: ArrayLike, n_threads: int | None = None) -> NDArray[np.float64]:
        """The next value after each window, in raw units.

        Parameters
        ----------
        X : array_like, (n, window_len) or (n, window_len, n_features)
            Raw windows (the shared layout takes windows of any length of at
            least what the differencing and the skip term read).
        n_threads : int, optional
            Threads for the records (None: all cores).

        Returns
        -------
        ndarray, (n, output_dim)
            The median over the model's networks.

        Raises
        ------
        ValueError, TypeError
            For windows that do not fit the model, fields that are not a
            model's, or values beyond the model's scaling.
        FloatingPointError
            Where a prediction overflows.
        """
        self.check()  # fields may have changed since the model was made
        return self._predict(X, n_threads)

    def _predict(self, X, n_threads=None):
        """predict for fields already checked (a Combination checks its models once)."""
        each = self._predict_each(X, n_threads)
        return each[0] if len(each) == 1 else np.median(each, axis=0)


@dataclass(eq=False)
class Combination:
    """Models of one series whose forecasts are averaged, equal weights.

    Each model reads the last ``window_len`` values it needs of a window, so
    models of different lengths and differencing combine; the combination
    reads the longest of them.  rnnc.forecast, rnnc.save and rnnc.load take
    it as they take a Model.

    Attributes
    ----------
    models : list of Model
        At least two, each predicting one series (output_dim 1) from its own
        past, or all from its past and the same inputs (n_features 1 + k),
        none itself a Combination.
    info : dict
        JSON-serialisable metadata (fit_forecaster's backtest, ...).
    """

    models: list
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        self.check()

    def check(self):
        """A ValueError or TypeError naming the field, unless the models combine."""
        if not isinstance(self.models, (list, tuple)) or len(self.models) < 2:
            raise ValueError("models must be a list of at least two rnnc.Model objects")
        for i, model in enumerate(self.models):
            if not isinstance(model, Model):
                raise TypeError(f"models[{i}] must be an rnnc.Model, got {type(model).__name__}")
            try:
                model.check()
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"models[{i}].{exc}") from None
            if model.output_dim != 1:
                raise ValueError(
                    f"models[{i}] must predict one series (output_dim 1), got "
                    f"output_dim {model.output_dim}"
                )
            if model.n_features != self.models[0].n_features:
                raise ValueError(
                    f"models[{i}] reads {model.n_features} feature(s) per step and "
                    f"models[0] {self.models[0].n_features}: the models of a "
                    f"combination read the same series and inputs"
                )
        if not isinstance(self.info, dict):
            raise TypeError(f"info must be a dict, got {type(self.info).__name__}")

    @property
    def output_dim(self):
        return 1  # each model forecasts one series

    @property
    def n_features(self):
        """Values per step: 1, the series, or 1 + k with k inputs."""
        return self.models[0].n_features

    @property
    def window_len(self):
        """Raw values one prediction reads: the longest of the models' windows."""
        return max(model.window_len for model in self.models)

    def predict(self, X: ArrayLike, n_threads: int | None = None) -> NDArray[np.float64]:
        """The next value after each window, in raw units: the mean of the
        models' predictions, each from the last values of the window it reads.

        Parameters
        ----------
        X : array_like, (n, steps) or (n, steps, n_features)
            Raw windows of at least window_len values.
        n_threads : int, optional
            Threads for the records (None: all cores).

        Returns
        -------
        ndarray, (n, 1)
        """
        self.check()  # its list of models may have changed since it was made
        X = np.asarray(X, dtype=np.float64)
        X = X[:, :, None] if X.ndim == 2 else X
        if X.ndim != 3 or X.shape[2] != self.n_features or X.shape[1] < self.window_len:
            raise ValueError(
                f"X must be windows of at least {self.window_len} values, (n, steps) "
                f"or (n, steps, {self.n_features}), for this combination; got shape "
                f"{X.shape}"
            )
        return np.mean(
            [m._predict(X[:, X.shape[1] - m.window_len :], n_threads) for m in self.models], axis=0
        )

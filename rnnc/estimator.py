"""rnnc.RNNRegressor: an Elman network as a scikit-learn regressor.

A sample is a sequence: X is (n_samples, n_timesteps) for one value per step,
scikit-learn's canonical 2-D form, or (n_samples, n_timesteps, n_features).
The network reads the whole sequence and predicts y from its last hidden
state, h_T (rnnc.reference states the math).  Training calls rnnc.train once
per epoch, whose compiled kernels run without the GIL.

scikit-learn is an optional dependency: ``pip install rnnc[sklearn]``.
"""

import copy
import math
import numbers

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.metrics import r2_score
    from sklearn.utils import check_random_state
    from sklearn.utils.validation import check_array, check_is_fitted
except ImportError as exc:
    raise ImportError("RNNRegressor needs scikit-learn: pip install rnnc[sklearn]") from exc
try:
    from sklearn.utils.validation import validate_data
except ImportError as exc:  # scikit-learn < 1.6
    raise ImportError(
        f"RNNRegressor needs scikit-learn >= 1.6, found {sklearn.__version__}: "
        f"pip install -U rnnc[sklearn]"
    ) from exc

from rnnc import _validation as check
from rnnc import spec
from rnnc.core import AdamState, predict, train
from rnnc.initializers import scaled_weights
from rnnc.scaling import standardisation


def _n_columns(X):
    """X.shape[1] without converting X where it can be avoided; None if unknown."""
    try:
        shape = np.shape(X)
    except Exception:  # ragged lists: validate_data gives the error
        return None
    return shape[1] if len(shape) >= 2 else None


def _as_sequences(X):
    """Validated X as (n_samples, n_timesteps, n_features)."""
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(
            f"X must be (n_samples, n_timesteps) or (n_samples, n_timesteps, "
            f"n_features), got shape {X.shape}"
        )
    if X.shape[2] == 0:
        raise ValueError(f"X has 0 features per step (shape {X.shape}); at least 1 is required")
    return X


def _quiet_sums():
    """scikit-learn's finiteness check sums the data: values near float64's
    largest overflow that sum, finite as they are (the check still refuses NaN
    and inf)."""
    return np.errstate(over="ignore", invalid="ignore")


def _in_fitted_units(values, mean, scale, name):
    """(values - mean) / scale, or a ValueError naming name where finite values
    lie so far outside the range the scaling was fitted on that it overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = (values - mean) / scale
    if not np.all(np.isfinite(scaled)):
        raise ValueError(
            f"{name} holds values too far outside the range the estimator was fitted "
            f"on: scaled by that range's mean and spread, they overflow float64"
        )
    return scaled


class RNNRegressor(RegressorMixin, BaseEstimator):
    """Elman recurrent network regressor, trained by (truncated) BPTT with Adam or SGD.

    Each sample is a sequence x_1..x_T and the prediction is ``V h_T``::

        h_t = f(a_t + W h_{t-1}),  h_0 = 0,  f = tanh or sigmoid

    with the input term ``a_t = U @ x_t`` (``layout="shared"``: one weight
    matrix for every step, so sequences of any length can be predicted) or
    ``a_t = U[:, t-1] * x_t`` (``layout="per_step"``: one column per step, the
    tutorial's layout, one feature only, and predict needs the fit's length).

    Targets are standardised per output before training (the network's linear
    output then works at unit scale) and predictions are mapped back.  With
    ``scale_X=True`` the inputs are standardised per feature too, with one
    mean and scale per feature over all samples *and* steps, so that every
    step sees the same transform.  Both scalings are fixed by the first fit
    (or first partial_fit) and kept by warm starts and partial_fit.

    Parameters
    ----------
    hidden_dim : int, default=32
        Number of hidden units.
    layout : {"shared", "per_step"}, default="shared"
    activation : {"sigmoid", "tanh"}, default="sigmoid"
    optimizer : {"adam", "sgd"}, default="adam"
        Adam (betas 0.9, 0.999, eps 1e-8) or plain SGD, per sample or per batch.
    learning_rate : float, default=3e-3
    max_epochs : int, default=100
        Passes over the data in fit; partial_fit makes one.
    bptt_truncate : int >= 0 or None, default=None
        None: full backpropagation through time; k: gradient through the last
        k+1 steps only (see rnnc.reference).
    min_clip_val, max_clip_val : float, default=-1.0, 1.0
        Each gradient entry is clipped to this range before the update.
    shuffle : bool, default=True
        Visit the samples in a new random order every epoch.
    scale_X : bool, default=True
        Standardise the inputs (see above).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, uniform(+-1/sqrt(hidden_dim)), and the
        shuffling.
    warm_start : bool, default=False
        fit continues from the fitted weights (and Adam's moments) instead of
        starting from new random weights.
    linear_skip : int or None, default=None
        p, to add a linear skip term: ``yhat = V h_T + A x + b`` with x the
        last p steps of the (scaled) sequence, a linear autoregression trained
        jointly with the network (A and b start at zero).  None: no skip term.
    batch_size : int or "auto", default="auto"
        Samples per update.  1: per-sample updates; B > 1: each update steps
        along the mean gradient of B samples (learning_rate is then the step
        per batch, as with PyTorch's mean-reduced loss), computed as matrix
        products on n_threads threads.  "auto": 1 below rnnc.spec.AUTO_BATCH_FROM
        (1000) samples, else AUTO_BATCH_SIZE (32) (see README).
    n_threads : int or None, default=1
        Threads for predict, the loss passes and batches (None: all cores).
        Per-sample training is one thread per fit; run fits in parallel with
        joblib.
    verbose : bool, default=False
        Print the training loss after every epoch.

    Attributes
    ----------
    U_, V_, W_ : ndarray
        The weights: ``U_`` is (hidden_dim, n_features) for the shared layout or
        (hidden_dim, n_timesteps) per step; ``V_`` is (n_outputs, hidden_dim);
        ``W_`` is (hidden_dim, hidden_dim).  They act on scaled values.
    A_, b_ : ndarray or None
        The skip term, (n_outputs, linear_skip * n_features_per_step) and
        (n_outputs,), acting on scaled values; None without linear_skip.
    n_features_in_ : int
        X.shape[1] at fit, as scikit-learn defines it: the number of time
        steps, for 2-D and 3-D X alike.  The per_step layout requires it at
        predict; the shared layout accepts sequences of any length.
    n_features_per_step_ : int
        Values per time step: 1 for 2-D X, X.shape[2] for 3-D X.
    n_outputs_ : int
    X_mean_, X_scale_ : ndarray of shape (n_features_per_step,)
        Input standardisation (zeros and ones when scale_X is False).
    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
    loss_curve_ : list of float
        Training loss after each epoch: the mean over samples of
        ||y - yhat||^2 / 2, on standardised targets.
    n_iter_ : int
        Epochs run since the weights were initialised.
    optimizer_state_ : rnnc.AdamState or None
        Adam's moments, carried from one fit or partial_fit to the next.
    feature_names_in_ : ndarray of str
        Column names, when X was a DataFrame with string column names.
    """

    def __init__(
        self,
        hidden_dim=32,
        *,
        layout="shared",
        activation="sigmoid",
        optimizer="adam",
        learning_rate=3e-3,
        max_epochs=100,
        bptt_truncate=None,
        min_clip_val=-1.0,
        max_clip_val=1.0,
        shuffle=True,
        scale_X=True,
        random_state=None,
        warm_start=False,
        n_threads=1,
        verbose=False,
        linear_skip=None,
        batch_size="auto",
    ):
        self.hidden_dim = hidden_dim
        self.layout = layout
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.bptt_truncate = bptt_truncate
        self.min_clip_val = min_clip_val
        self.max_clip_val = max_clip_val
        self.shuffle = shuffle
        self.scale_X = scale_X
        self.random_state = random_state
        self.warm_start = warm_start
        self.batch_size = batch_size
        self.n_threads = n_threads
        self.verbose = verbose
        self.linear_skip = linear_skip

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        return tags

    # ---- checks -----------------------------------------------------------------

    def _check_params(self):
        if check.check_count(self.hidden_dim, "hidden_dim") < 1:
            raise ValueError(f"hidden_dim must be at least 1, got {self.hidden_dim}")
        check.check_choice(self.layout, "layout", spec.LAYOUTS)
        check.check_choice(self.activation, "activation", spec.ACTIVATIONS)
        check.check_choice(self.optimizer, "optimizer", spec.OPTIMIZERS)
        check.check_positive_real(self.learning_rate, "learning_rate")
        check.check_count(self.max_epochs, "max_epochs")
        check.check_count(self.bptt_truncate, "bptt_truncate", allow_none=True)
        check.check_clip(self.min_clip_val, self.max_clip_val)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            if check.check_count(self.batch_size, "batch_size") < 1:
                raise ValueError(f'batch_size must be "auto" or at least 1, got {self.batch_size}')
        if check.check_count(self.linear_skip, "linear_skip", allow_none=True) == 0:
            raise ValueError(
                "linear_skip must be None or at least 1 (the steps the skip term reads), got 0"
            )
        if self.n_threads is not None and check.check_count(self.n_threads, "n_threads") < 1:
            raise ValueError(f"n_threads must be None or at least 1, got {self.n_threads}")
        for name in ("shuffle", "scale_X", "warm_start", "verbose"):
            if not isinstance(getattr(self, name), (bool, np.bool_, numbers.Integral)):
                raise TypeError(f"{name} must be a bool, got {getattr(self, name)!r}")

    def _validate_fit_data(self, X, y, reset):
        """(X as (n, T, F), Y as (n, n_outputs)), checked against the fit if not reset."""
        if reset:
            with _quiet_sums():
                X, y = validate_data(
                    self, X, y, allow_nd=True, multi_output=True, y_numeric=True, dtype=np.float64
                )
        else:
            X = self._validate_predict_X(X)
            with _quiet_sums():
                y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
            if len(y) != len(X):
                raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        X = _as_sequences(X)
        if y.ndim not in (1, 2):
            raise ValueError(
                f"y must be (n_samples,) or (n_samples, n_outputs), got shape {y.shape}"
            )
        Y = y.reshape(len(y), -1)
        if not reset:
            if Y.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {Y.shape[1]} outputs, but {type(self).__name__} "
                    f"was fitted with {self.n_outputs_}"
                )
        elif self.layout == "per_step" and X.shape[2] != 1:
            raise ValueError(
                f'layout="per_step" reads one value per step: X must be '
                f"(n_samples, n_timesteps) or (n_samples, n_timesteps, 1), "
                f"got shape {X.shape}"
            )
        return X, Y, y.ndim

    def _validate_predict_X(self, X):
        """X checked against the fit; the shared layout takes any n_timesteps."""
        n_timesteps = _n_columns(X)
        per_step = self._layout == "per_step"
        if per_step and n_timesteps not in (None, self.n_features_in_):
            raise ValueError(
                f"X has {n_timesteps} features, but {type(self).__name__} is "
                f"expecting {self.n_features_in_} features as input: "
                f'layout="per_step" has one input weight per time step and '
                f"was fitted on {self.n_features_in_} steps"
            )
        with _quiet_sums():
            if per_step or n_timesteps in (None, self.n_features_in_):
                X = validate_data(self, X, reset=False, allow_nd=True, dtype=np.float64)
            else:
                # another length: the columns are other time steps, so names can't match
                X = check_array(X, allow_nd=True, dtype=np.float64)
        X = _as_sequences(X)
        if X.shape[2] != self.n_features_per_step_:
            raise ValueError(
                f"X has {X.shape[2]} features per step, but "
                f"{type(self).__name__} was fitted with "
                f"{self.n_features_per_step_}"
            )
        return X

    # ---- training ---------------------------------------------------------------

    def _initialise(self, X, Y, y_ndim, rng):
        """Scaling, fresh weights and optimizer state for data X (n, T, F), Y (n, k)."""
        self.n_features_per_step_ = X.shape[2]
        self.n_outputs_ = Y.shape[1]
        self._y_ndim = y_ndim
        self._layout = self.layout  # predict follows the fit, whatever set_params did since
        if self.scale_X:
            self.X_mean_, self.X_scale_ = standardisation(X, (0, 1))
        else:
            self.X_mean_, self.X_scale_ = np.zeros(X.shape[2]), np.ones(X.shape[2])
        self.y_mean_, self.y_scale_ = standardisation(Y, 0)
        n_inputs = X.shape[1] if self.layout == "per_step" else X.shape[2]
        self.U_, self.V_, self.W_ = scaled_weights(
            self.hidden_dim, n_inputs, self.n_outputs_, seed=rng
        )
        self.A_ = self.b_ = None
        if self.linear_skip is not None:
            if self.linear_skip > X.shape[1]:
                raise ValueError(
                    f"linear_skip={self.linear_skip} reads more steps than the "
                    f"sequences have ({X.shape[1]})"
                )
            self.A_ = np.zeros((self.n_outputs_, self.linear_skip * X.shape[2]))
            self.b_ = np.zeros(self.n_outputs_)
        self.optimizer_state_ = None
        self.loss_curve_ = []
        self.n_iter_ = 0

    def _check_continuable(self):
        """The fitted weights fit the current hyperparameters, or a ValueError."""
        if (self.W_.shape[0], self._layout) != (self.hidden_dim, self.layout):
            raise ValueError(
                f"cannot continue training: the fitted weights are for "
                f"hidden_dim={self.W_.shape[0]}, layout={self._layout!r}, not "
                f"hidden_dim={self.hidden_dim}, layout={self.layout!r}; fit "
                f"with warm_start=False to start again"
            )
        fitted = None if self.A_ is None else self.A_.shape[1] // self.n_features_per_step_
        if fitted != self.linear_skip:
            raise ValueError(
                f"cannot continue training: the fitted model has "
                f"linear_skip={fitted}, not {self.linear_skip}; fit with "
                f"warm_start=False to start again"
            )

    def _linear(self):
        """The fitted skip term as train and predict take it, or None."""
        return None if getattr(self, "A_", None) is None else (self.A_, self.b_)

    def _run_epochs(self, X, Y, n_epochs, rng):
        """n_epochs of rnnc.train on scaled X, Y, in one call."""
        U, V, W = (P.copy() for P in (self.U_, self.V_, self.W_))
        linear = self._linear()
        linear = None if linear is None else tuple(P.copy() for P in linear)
        state = None
        if self.optimizer == "adam":
            state = copy.deepcopy(self.optimizer_state_)
            if not isinstance(state, AdamState) or not state.fits(U, V, W, linear):
                state = AdamState(U, V, W, linear)
        done = self.n_iter_

        def show(epoch, loss):
            if self.verbose:
                print(f"Epoch: {done + epoch}, Loss: {loss / len(X)}", flush=True)

        # train reports the loss at the start of each epoch: the one after the
        # epoch before
        def report(epoch, loss, _validation_loss):
            if epoch > 1:
                show(epoch - 1, loss)

        try:
            result = train(
                U,
                V,
                W,
                X,
                Y,
                None,
                None,
                learning_rate=self.learning_rate,
                max_epochs=n_epochs,
                bptt_truncate=self.bptt_truncate,
                min_clip_val=self.min_clip_val,
                max_clip_val=self.max_clip_val,
                verbose=False,
                callback=report if self.verbose else None,
                optimizer=self.optimizer,
                activation=self.activation,
                optimizer_state=state,
                n_threads=self.n_threads,
                shuffle=bool(self.shuffle),
                random_state=rng,
                linear=linear,
                batch_size=self._batch_size(len(X)),
            )
        except FloatingPointError as exc:
            raise FloatingPointError(
                f"{type(self).__name__}: training diverged in epoch {done + exc.epoch}, so "
                f"the estimator is left as it was before this call; try a smaller "
                f"learning_rate or a narrower min_clip_val/max_clip_val"
            ) from exc
        losses = result.history.loss[1:]
        if losses:
            show(n_epochs, losses[-1])
        self.U_, self.V_, self.W_ = U, V, W
        if linear is not None:
            self.A_, self.b_ = linear
        self.optimizer_state_ = state
        self._activation = self.activation  # what the weights were trained with
        self.loss_curve_ = list(self.loss_curve_) + [loss / len(X) for loss in losses]
        self.n_iter_ += n_epochs

    def _batch_size(self, n_samples):
        """The samples per update for n_samples: batch_size, or its "auto" rule."""
        if isinstance(self.batch_size, str):
            return spec.auto_batch_size(n_samples)
        return int(self.batch_size)

    def _scale_X(self, X):
        return _in_fitted_units(X, self.X_mean_, self.X_scale_, "X")

    def _fit(self, X, y, n_epochs, incremental):
        """fit and partial_fit; if anything fails, the estimator is left as it was."""
        before = dict(self.__dict__)
        if "_rng" in before:  # the only fitted state updated in place
            before["_rng"] = copy.deepcopy(before["_rng"])
        try:
            return self._fit_or_fail(X, y, n_epochs, incremental)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit_or_fail(self, X, y, n_epochs, incremental):
        self._check_params()
        first = not (incremental or self.warm_start) or not hasattr(self, "U_")
        if first:
            X, Y, y_ndim = self._validate_fit_data(X, y, reset=True)
            rng = check_random_state(self.random_state)
            self._initialise(X, Y, y_ndim, rng)
            self._rng = rng
        else:
            self._check_continuable()
            X, Y, _ = self._validate_fit_data(X, y, reset=False)
            if not incremental:
                self._rng = check_random_state(self.random_state)
        Ys = _in_fitted_units(Y, self.y_mean_, self.y_scale_, "y")
        self._run_epochs(self._scale_X(X), Ys, n_epochs, self._rng)
        return self

    def fit(self, X, y):
        """Train for max_epochs epochs (from new weights unless warm_start).

        X : (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
        y : (n_samples,) or (n_samples, n_outputs)
        """
        return self._fit(X, y, self.max_epochs, incremental=False)

    def partial_fit(self, X, y):
        """One epoch over X, y, continuing from the fitted weights and Adam's moments.

        The first call initialises the weights and fixes the scaling of X and y.
        """
        return self._fit(X, y, 1, incremental=True)

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions, as scikit-learn's regressors score; where its
        sums of squares overflow (values near float64's largest), computed on y
        and the predictions scaled as y was at fit (R^2 is the same in any units)."""
        with _quiet_sums():
            y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        predicted = self.predict(X)
        with np.errstate(over="ignore", invalid="ignore"):
            plain = float(r2_score(y, predicted, sample_weight=sample_weight))
        if math.isfinite(plain):
            return plain

        def scaled(values):
            return _in_fitted_units(
                values.reshape(len(values), -1), self.y_mean_, self.y_scale_, "y"
            )

        return float(r2_score(scaled(y), scaled(predicted), sample_weight=sample_weight))

    def predict(self, X):
        """Predictions, (n_samples,) or (n_samples, n_outputs) as y was at fit."""
        check_is_fitted(self)
        X = self._scale_X(self._validate_predict_X(X))
        out = predict(
            self.U_,
            self.V_,
            self.W_,
            X,
            activation=self._activation,
            n_threads=self.n_threads,
            linear=self._linear(),
        )
        out = out * self.y_scale_ + self.y_mean_
        if not np.all(np.isfinite(out)):
            raise FloatingPointError(
                "a prediction overflowed: the inputs are far outside the range of the training data"
            )
        return out[:, 0] if self._y_ndim == 1 else out

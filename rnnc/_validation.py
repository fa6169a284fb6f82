"""Checks of everything a user passes in, before any kernel sees it.

The kernels trust their inputs: C-contiguous arrays of one floating dtype and
consistent shapes.  Every public entry point goes through these functions,
which either return such arrays or raise a ValueError / TypeError that names
the argument, what it was and what was expected.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np

from rnnc import spec

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _describe(a):
    return f"shape {a.shape}, dtype {a.dtype}"


def as_real_array(value, name):
    """value as an ndarray of real numbers (bool, integer or floating)."""
    if isinstance(value, np.ma.MaskedArray):
        if np.ma.count_masked(value):
            raise ValueError(
                f"{name} is a masked array with {np.ma.count_masked(value)} "
                f"masked values: fill or drop them first"
            )
        value = value.data
    try:
        a = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if a.dtype == object and not isinstance(value, np.ndarray):
        # NumPy < 1.24 makes ragged lists object arrays (with a warning) instead of
        # refusing them; asked for numbers, every NumPy refuses them alike
        try:
            np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:  # a dict, say, or a ragged list
            raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if a.dtype.kind not in "biuf":
        what = "complex numbers" if a.dtype.kind == "c" else f"dtype {a.dtype}"
        raise TypeError(f"{name} must hold real numbers, got {what}")
    return a


def check_finite(a, name):
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        raise ValueError(
            f"{name} holds a non-finite value ({a[tuple(bad)]} at index "
            f"{tuple(int(i) for i in bad)})"
        )


def as_kernel_array(a, dtype):
    """a as the kernels read arrays: C-contiguous, aligned, of dtype (a copy only
    where a is not; np.frombuffer at an odd offset, say, gives unaligned ones)."""
    return np.require(np.asarray(a), dtype=dtype, requirements="CA")


def as_weights_dtype(a, name, dtype):
    """Finite data a as an aligned C-contiguous array of dtype (the weights'),
    or a ValueError."""
    check_finite(a, name)
    if a.dtype.kind == "f" and np.finfo(a.dtype).max > np.finfo(dtype).max:
        largest = np.max(np.abs(a))
        if largest > np.finfo(dtype).max:
            raise ValueError(
                f"{name} holds {largest:g}, beyond the range of the weights' "
                f"dtype {np.dtype(dtype).name}"
            )
    return as_kernel_array(a, dtype)


def weights_dtype(arrays):
    """The common floating dtype of the weights (float64 for non-float input)."""
    kinds = [a.dtype for a in arrays]
    if all(d in FLOAT_DTYPES for d in kinds):
        return np.result_type(*kinds)
    return np.dtype(np.float64)


def check_weight_shapes(shapes):
    """The shapes of U, V and W, {name: (shape, dtype)}, fit one network, or a
    ValueError (model files check what they declare before reading it)."""
    for name, (shape, dtype) in shapes.items():
        if len(shape) != 2:
            raise ValueError(f"{name} must be 2-D, got shape {shape}, dtype {dtype}")
        if 0 in shape:
            raise ValueError(f"{name} is empty (shape {shape}, dtype {dtype})")
    U, V, W = (shapes[name][0] for name in "UVW")
    hidden = W[0]
    if W != (hidden, hidden):
        raise ValueError(f"W must be square (hidden_dim, hidden_dim), got shape {W}")
    if U[0] != hidden:
        raise ValueError(f"U must have hidden_dim = {hidden} rows (W is {W}), got shape {U}")
    if V[1] != hidden:
        raise ValueError(f"V must be (output_dim, hidden_dim = {hidden}) (W is {W}), got shape {V}")


def check_weights(U, V, W, *, in_place=False):
    """(U, V, W) as aligned C-contiguous arrays of one floating dtype, shapes checked.

    in_place (train): the user's arrays are updated, so they must already be
    writable float32 or float64 ndarrays of one dtype.
    """
    named = {"U": U, "V": V, "W": W}
    if in_place:
        for name, a in named.items():
            if not isinstance(a, np.ndarray):
                raise TypeError(
                    f"{name} must be a NumPy array (train updates the weights "
                    f"in place), got {type(a).__name__}"
                )
            if a.dtype not in FLOAT_DTYPES:
                raise TypeError(
                    f"{name} must have dtype float32 or float64 (train updates "
                    f"the weights in place), got {a.dtype}"
                )
            if not a.flags.writeable:
                raise ValueError(f"{name} is read-only: train updates the weights in place")
        for first, second in (("U", "V"), ("U", "W"), ("V", "W")):
            if np.shares_memory(named[first], named[second]):
                raise ValueError(
                    f"{first} and {second} share memory: train updates each "
                    f"in place, so they must be separate arrays"
                )
        if len({U.dtype, V.dtype, W.dtype}) > 1:
            raise TypeError(
                f"U, V and W must share one dtype, got {U.dtype}, {V.dtype} and {W.dtype}"
            )
    arrays = {name: as_real_array(a, name) for name, a in named.items()}
    check_weight_shapes({name: (a.shape, a.dtype) for name, a in arrays.items()})
    U, V, W = arrays["U"], arrays["V"], arrays["W"]
    dtype = weights_dtype(arrays.values())
    out = tuple(as_kernel_array(a, dtype) for a in (U, V, W))
    for name, a in zip("UVW", out):
        check_finite(a, name)
    return out


@dataclass(frozen=True)
class Layout:
    """How the input enters the hidden layer; see rnnc.reference."""

    per_step: bool
    seq_len: int  # T of the data
    n_features: int


def input_layout(U, X, name):
    """The layout U implies for records X (n, T, F), or a ValueError."""
    T, F = X.shape[1], X.shape[2]
    if spec.is_per_step(U.shape[1], T, F):
        return Layout(True, T, F)
    if U.shape[1] == F:
        return Layout(False, T, F)
    hint = f"(hidden_dim, seq_len) = ({U.shape[0]}, {T}) for one input per step"
    features = "feature" if F == 1 else "features"
    raise ValueError(
        f"U has shape {U.shape}, which does not fit {name} ({T} steps of {F} "
        f"{features}): expected {hint}, or (hidden_dim, n_features) = ({U.shape[0]}, {F})"
    )


def check_records(X, name, dtype):
    """X as C-contiguous (n_records, T, n_features) of dtype."""
    X = as_real_array(X, name)
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(
            f"{name} must be (n_records, seq_len) or (n_records, seq_len, "
            f"n_features), got {_describe(X)}"
        )
    if X.size == 0:
        raise ValueError(f"{name} is empty ({_describe(X)})")
    return as_weights_dtype(X, name, dtype)


def check_targets(Y, name, n_records, output_dim, dtype):
    """Y as C-contiguous (n_records, output_dim) of dtype."""
    Y = as_real_array(Y, name)
    if Y.ndim == 1 and output_dim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape != (n_records, output_dim):
        raise ValueError(
            f"{name} must be (n_records, output_dim) = ({n_records}, "
            f"{output_dim}), got {_describe(Y)}"
        )
    return as_weights_dtype(Y, name, dtype)


def check_data(U, V, X, Y, names=("X", "Y"), layout=None):
    """(X, Y, layout) checked against the weights U, V (and, when given, against
    the layout of the training data: validation data must be read the same way)."""
    X = check_records(X, names[0], U.dtype)
    if layout is None:
        layout = input_layout(U, X, names[0])
    elif layout.per_step and X.shape[1:] != (layout.seq_len, 1):
        raise ValueError(
            f"{names[0]} must be (n_records, {layout.seq_len}) or (n_records, "
            f"{layout.seq_len}, 1) like the training data (U {U.shape} has one "
            f"input column per step), got {_describe(X)}"
        )
    elif not layout.per_step and X.shape[2] != U.shape[1]:
        raise ValueError(
            f"{names[0]} must have {U.shape[1]} features per step like the "
            f"training data (U is {U.shape}), got {_describe(X)}"
        )
    else:
        layout = Layout(layout.per_step, X.shape[1], X.shape[2])
    if Y is not None:
        Y = check_targets(Y, names[1], X.shape[0], V.shape[0], U.dtype)
    return X, Y, layout


def check_record(U, V, x, y):
    """One record x (T,), (T, 1) or (T, F) and its target y, as (x, y, layout)."""
    x = as_real_array(x, "x")
    if x.ndim not in (1, 2):
        raise ValueError(
            f"x must be one record, (seq_len,) or (seq_len, n_features), got {_describe(x)}"
        )
    X = (x[:, None] if x.ndim == 1 else x)[None]
    y = as_real_array(y, "y")
    if y.size != V.shape[0]:
        raise ValueError(f"y must be (output_dim,) = ({V.shape[0]},), got {_describe(y)}")
    Y = y.reshape(1, -1)
    X, Y, layout = check_data(U, V, X, Y, names=("x", "y"))
    return X[0], Y[0], layout


def as_real_number(value, name):
    """value, a real number (not a bool), as a float; an int beyond float64's
    range is a ValueError naming it, not a bare OverflowError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(
            f"{name} must be a finite number, got an integer beyond float64's range"
        ) from None


def check_positive_real(value, name, allow_zero=False):
    value = as_real_number(value, name)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        need = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a finite {need} number, got {value!r}")
    return value


def check_integer(value, name, allow_none=False):
    """value as an int (None when allowed), or a TypeError naming name."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer{' or None' if allow_none else ''}, got {value!r}"
        )
    return int(value)


def check_count(value, name, allow_none=False):
    value = check_integer(value, name, allow_none)
    if value is not None and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_count_between(value, name, minimum, maximum=None):
    """value as an int from minimum to maximum (None: no bound), or a
    TypeError / ValueError naming name and the bound it misses."""
    value = check_integer(value, name)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return value


def as_generator(seed, name):
    """A NumPy Generator or RandomState as given, else numpy.random.default_rng(seed),
    or a TypeError / ValueError naming name."""
    if isinstance(seed, (np.random.Generator, np.random.RandomState)):
        return seed
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise type(exc)(
            f"{name} must be None, an int >= 0, or a NumPy Generator or RandomState; got {seed!r}"
        ) from None


def check_clip(min_clip_val, max_clip_val):
    for name, v in (("min_clip_val", min_clip_val), ("max_clip_val", max_clip_val)):
        if math.isnan(as_real_number(v, name)):
            raise ValueError(f"{name} must be a number, got nan")
    if min_clip_val > max_clip_val:
        raise ValueError(
            f"min_clip_val ({min_clip_val}) must not exceed max_clip_val ({max_clip_val})"
        )
    # a range without 0 would turn a zero gradient into a step
    if min_clip_val > 0 or max_clip_val < 0:
        raise ValueError(f"the clip range [{min_clip_val}, {max_clip_val}] must contain 0")
    return float(min_clip_val), float(max_clip_val)


def check_choice(value, name, choices):
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a string, one of {', '.join(map(repr, choices))}, "
            f"got {type(value).__name__} {value!r}"
        )
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_linear(linear, U, V, layout, *, in_place=False):
    """The skip term linear = (A, b) as C-contiguous arrays of the weights'
    dtype, checked against V (output_dim) and the data's layout: A is
    (output_dim, p * n_features) for the last p <= seq_len steps, b is
    (output_dim,).  None stays None.

    in_place (train): A and b are updated, so they must be writable ndarrays
    of the weights' dtype that share no memory with the weights or each other.
    """
    if linear is None:
        return None
    if not isinstance(linear, (tuple, list)) or len(linear) != 2:
        raise TypeError(f"linear must be None or a pair (A, b), got {type(linear).__name__}")
    named = {"A": linear[0], "b": linear[1]}
    if in_place:
        for name, a in named.items():
            if not isinstance(a, np.ndarray) or a.dtype != U.dtype:
                what = f"dtype {a.dtype}" if isinstance(a, np.ndarray) else type(a).__name__
                raise TypeError(
                    f"linear's {name} must be a NumPy array of the weights' dtype "
                    f"{U.dtype} (train updates it in place), got {what}"
                )
            if not a.flags.writeable:
                raise ValueError(f"linear's {name} is read-only: train updates it in place")
        others = {"A": named["A"], "b": named["b"], "U": U, "V": V}
        for first, second in (("A", "b"), ("A", "U"), ("A", "V"), ("b", "U"), ("b", "V")):
            if np.shares_memory(others[first], others[second]):
                raise ValueError(
                    f"linear's {first} and {second} share memory: train updates "
                    f"each in place, so they must be separate arrays"
                )
    A = as_real_array(named["A"], "linear's A")
    b = as_real_array(named["b"], "linear's b")
    output_dim, F, T = V.shape[0], layout.n_features, layout.seq_len
    if A.ndim != 2 or A.shape[0] != output_dim or A.shape[1] == 0 or A.shape[1] % F:
        raise ValueError(
            f"linear's A must be (output_dim, p * n_features) = ({output_dim}, "
            f"p * {F}) for the last p steps, got {_describe(A)}"
        )
    if A.shape[1] // F > T:
        raise ValueError(
            f"linear's A reads the last {A.shape[1] // F} steps, but the records have {T}"
        )
    if b.shape != (output_dim,):
        raise ValueError(f"linear's b must be (output_dim,) = ({output_dim},), got {_describe(b)}")
    return (as_weights_dtype(A, "linear's A", U.dtype), as_weights_dtype(b, "linear's b", U.dtype))

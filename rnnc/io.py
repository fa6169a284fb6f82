"""Model files: rnnc.io.save(path, model) and rnnc.io.load(path).

A model file is one uncompressed ``.npz`` archive of plain arrays, readable
with ``np.load(path, allow_pickle=False)``:

    format_version  int64             FORMAT_VERSION of the writer
    rnnc_version    str               the rnnc version of the writer
    U, V, W         float32/float64   the weights, as the model holds them
    seq_len         int64
    layout          str               "per_step" or "shared"
    activation      str               "sigmoid" or "tanh"
    bptt_truncate   int64             spec.NO_TRUNCATION (-1) for None (full BPTT)
    offset, scale   float64           (format 4: or (n_features,) arrays, see below)
    info            str               the info dict as JSON text

and since format 2 (files of format 1 lack these and load with their defaults):

    A, b            like U            the linear skip term, (output_dim, p * n_features)
                                      and (output_dim,); (output_dim, 0) and (0,): none
    differencing    int64 (d,)        the lags of the differencing; (0,): none
    member_U, ...   like U, V, W, A, b  more networks, stacked on a first axis of
                                      length n_members (0: one network)

A Combination's file (format 3) holds format_version, rnnc_version, kind
("combination"), its info as JSON text, and each of its n models' arrays as
above under "model0/" to "model{n-1}/" ("model0/U", ...).  A single model is
still written as format 2, which rnnc releases before format 3 read.

Format 4 adds per-feature scaling: offset and scale may be float64 arrays of
shape (n_features,) (a model of a series with inputs).  Only files holding
such a model are written as format 4, so that older rnnc refuse them as too
new instead of misreading them; every other file keeps its format.

Format 5 adds seasonal_smoothing, float64 (5,): a model that is additive
Holt-Winters smoothing holds (period, alpha, beta, phi, gamma) there, every
other model of the file (0,).  Only files holding such a model are written
as format 5.

Weights, offset and scale are stored in binary, so a file loads back bit for
bit.  The file is written at exactly the path given: unlike ``np.savez``, save
adds no ``.npz`` suffix, so ``load(path)`` finds what ``save(path, ...)`` wrote.
"""

import contextlib
import json
import math
import os
import secrets
import stat
import zipfile

import numpy as np

from rnnc import _validation as check
from rnnc import differencing as diff
from rnnc import smoothing, spec
from rnnc._version import __version__
from rnnc.model import Combination, Model

FORMAT_VERSION = 5  # the newest format this rnnc reads and writes
MODEL_FORMAT_VERSION = 2  # a single model's: still readable by rnnc before format 3
COMBINATION_FORMAT_VERSION = 3
PER_FEATURE_FORMAT_VERSION = 4  # any file with per-feature offset and scale
SEASONAL_SMOOTHING_FORMAT_VERSION = 5  # any file with a Holt-Winters model
COMBINATION = "combination"  # the kind of a Combination's file
COMPONENT = "model"  # a Combination's i-th model is stored under "model{i}/"
# kept for code that read them here; rnnc.spec is their home
LAYOUTS = spec.LAYOUTS
ACTIVATIONS = spec.ACTIVATIONS
KEYS = (
    "format_version",
    "rnnc_version",
    "U",
    "V",
    "W",
    "seq_len",
    "layout",
    "activation",
    "bptt_truncate",
    "offset",
    "scale",
    "info",
)
# added in format 2
KEYS_2 = ("A", "b", "differencing", "member_U", "member_V", "member_W", "member_A", "member_b")
KEYS_5 = ("seasonal_smoothing",)  # added in format 5


def model_keys(version):
    """One model's arrays in a file of that format, alone or in a combination."""
    return (
        KEYS[2:]
        + (KEYS_2 if version >= 2 else ())
        + (KEYS_5 if version >= SEASONAL_SMOOTHING_FORMAT_VERSION else ())
    )


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an archive with members, an empty archive


class ModelFileError(ValueError):
    """A file that is not a readable rnnc model; the message names the path and the fault."""


def _real(value, name):
    value = check.as_real_number(value, name)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def _info_json(info):
    """info as JSON text, refused unless it reads back as an equal dict."""
    if not isinstance(info, dict):
        raise TypeError(f"info must be a dict, got {type(info).__name__}")
    try:
        text = json.dumps(info, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"info must hold only JSON values (str, int, finite float, bool, "
            f"None, list, dict with str keys): {exc}"
        ) from None
    if json.loads(text) != info:
        raise ValueError(
            "info does not read back equal from JSON (tuples become lists, "
            "non-str keys become str); store lists and str keys"
        )
    return text


def _scaling(value, name, n_features):
    """offset or scale: a finite float, or a (n_features,) float64 array of them."""
    if np.ndim(value) == 0:
        return _real(value, name)
    if not isinstance(value, np.ndarray) or value.dtype != np.float64:
        what = f"dtype {value.dtype}" if isinstance(value, np.ndarray) else type(value).__name__
        raise TypeError(f"{name} must be a float or a float64 array, got {what}")
    if value.shape != (n_features,):
        raise ValueError(
            f"{name} must be a float or one per feature, shape ({n_features},), "
            f"got shape {value.shape}"
        )
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _check_linear(A, b, U, V, seq_len, layout, name=""):
    """(A, b) of a skip term, or (None, None); checked against the weights."""
    if A is None and b is None:
        return None, None
    if A is None or b is None:
        raise ValueError(f"{name}A and {name}b must be given together (or both None)")
    for key, a in ((f"{name}A", A), (f"{name}b", b)):
        if not isinstance(a, np.ndarray) or a.dtype != U.dtype:
            what = f"dtype {a.dtype}" if isinstance(a, np.ndarray) else type(a).__name__
            raise TypeError(f"{key} must be an array of the weights' dtype {U.dtype}, got {what}")
    # shapes and finiteness as the kernels need them (the dtype already matches)
    n_features = 1 if layout == "per_step" else U.shape[1]
    try:
        return check.check_linear(
            (A, b), U, V, check.Layout(layout == "per_step", seq_len, n_features)
        )
    except ValueError as exc:
        raise ValueError(f"{name}{exc}") from None


def _check_networks(members, U, V, W, A, linear_of):
    """members as a list of (U, V, W, A, b) tuples shaped and typed like the model's."""
    if not isinstance(members, (list, tuple)):
        raise TypeError(
            f"members must be a list of (U, V, W, A, b) tuples, got {type(members).__name__}"
        )
    out = []
    for i, member in enumerate(members):
        if not isinstance(member, (list, tuple)) or len(member) != 5:
            raise TypeError(f"members[{i}] must be a (U, V, W, A, b) tuple")
        Ui, Vi, Wi, Ai, bi = member
        for key, mine, theirs in zip("UVW", (Ui, Vi, Wi), (U, V, W), strict=True):
            if (
                not isinstance(mine, np.ndarray)
                or mine.dtype != theirs.dtype
                or mine.shape != theirs.shape
            ):
                raise ValueError(
                    f"members[{i}] {key} must be shaped and typed like {key}: "
                    f"{theirs.shape}, {theirs.dtype}"
                )
        Ui, Vi, Wi = check.check_weights(Ui, Vi, Wi)
        Ai, bi = linear_of(Ai, bi, f"members[{i}] ")
        if (Ai is None) != (A is None) or (A is not None and Ai.shape != A.shape):
            raise ValueError(
                f"members[{i}] must have a skip term exactly when the model "
                f"has one, of the same shape"
            )
        out.append((Ui, Vi, Wi, Ai, bi))
    return out


def _check_fields(
    U,
    V,
    W,
    seq_len,
    layout,
    activation,
    bptt_truncate,
    offset,
    scale,
    info,
    A=None,
    b=None,
    differencing=(),
    members=(),
    seasonal_smoothing=None,
):
    """The fields of a Model, checked as save and load both need them.

    Returns them as stored in a file (info as JSON text).  Raises ValueError
    or TypeError naming the field; callers add where the fields came from.
    """
    for name, a in zip("UVW", (U, V, W)):
        if not isinstance(a, np.ndarray) or a.dtype not in check.FLOAT_DTYPES:
            what = f"dtype {a.dtype}" if isinstance(a, np.ndarray) else type(a).__name__
            raise TypeError(f"{name} must be a float32 or float64 array, got {what}")
    if len({U.dtype, V.dtype, W.dtype}) > 1:
        raise TypeError(f"U, V and W must share one dtype, got {U.dtype}, {V.dtype} and {W.dtype}")
    # shapes and finiteness; the dtype is already one float dtype, so nothing is converted
    U, V, W = check.check_weights(U, V, W)
    seq_len = check.check_count_between(seq_len, "seq_len", 1, spec.MAX_COUNT)
    check.check_choice(layout, "layout", LAYOUTS)
    check.check_choice(activation, "activation", ACTIVATIONS)
    if layout == "per_step" and U.shape[1] != seq_len:
        raise ValueError(
            f"layout 'per_step' needs U of shape (hidden_dim, seq_len) = "
            f"({U.shape[0]}, {seq_len}), got {U.shape}"
        )
    bptt_truncate = check.check_count(bptt_truncate, "bptt_truncate", allow_none=True)
    n_features = 1 if layout == "per_step" else U.shape[1]
    offset = _scaling(offset, "offset", n_features)
    scale = _scaling(scale, "scale", n_features)
    if np.any(np.asarray(scale) == 0):
        raise ValueError("scale must not be 0 (the network sees (raw - offset) / scale)")
    if np.ndim(offset) != np.ndim(scale):
        raise ValueError("offset and scale must both be floats or both per-feature arrays")
    if np.ndim(offset) and V.shape[0] > n_features:
        raise ValueError(
            f"per-feature scaling maps the outputs back with the first output_dim "
            f"features' offset and scale, so output_dim ({V.shape[0]}) must be at "
            f"most n_features ({n_features})"
        )

    def linear_of(A, b, name=""):
        return _check_linear(A, b, U, V, seq_len, layout, name)

    A, b = linear_of(A, b)
    differencing = diff.check_lags(differencing)
    # every feature is differenced; the output is undone on the first, the target
    if differencing and V.shape[0] != 1:
        raise ValueError(
            f"differencing {differencing} needs a model of one series (output_dim "
            f"1, the target first among its features), got output_dim {V.shape[0]}"
        )
    members = _check_networks(members, U, V, W, A, linear_of)
    if seasonal_smoothing is not None:
        seasonal_smoothing = _check_seasonal_smoothing(
            seasonal_smoothing, seq_len, layout, U, V, A, b, differencing, members, offset, scale
        )
    return dict(
        U=U,
        V=V,
        W=W,
        seq_len=seq_len,
        layout=layout,
        activation=activation,
        bptt_truncate=bptt_truncate,
        offset=offset,
        scale=scale,
        info=_info_json(info),
        A=A,
        b=b,
        differencing=differencing,
        members=members,
        seasonal_smoothing=seasonal_smoothing,
    )


# the skip term must give the smoothing's one-step forecast to this share of
# the largest weight: it is computed from the parameters the same way
SMOOTHING_WEIGHTS_TOLERANCE = 1e-9


def _check_seasonal_smoothing(
    params, seq_len, layout, U, V, A, b, differencing, members, offset, scale
):
    """(period, alpha, beta, phi, gamma) of a Holt-Winters model, checked, and
    checked against the rest: the network off and the skip term the
    smoothing's one-step weights on seq_len values (rnnc.smoothing)."""
    name = "seasonal_smoothing"
    if not isinstance(params, (tuple, list)) or len(params) != 5:
        raise ValueError(f"{name} must be (period, alpha, beta, phi, gamma), or None")
    period = check.check_count_between(params[0], f"{name} period", 2)
    alpha, beta, phi, gamma = (
        _real(value, f"{name} {key}")
        for key, value in zip(("alpha", "beta", "phi", "gamma"), params[1:])
    )
    if not (0 < alpha <= 1 and 0 <= beta <= 1 and 0 < phi <= 1 and 0 <= gamma <= 1):
        raise ValueError(
            f"{name} must have alpha and phi in (0, 1] and beta and gamma in [0, 1], "
            f"got {alpha}, {beta}, {phi} and {gamma}"
        )
    if seq_len > smoothing.MAX_WINDOW:
        raise ValueError(
            f"{name} reads at most {smoothing.MAX_WINDOW} values, seq_len "
            f"{smoothing.MAX_WINDOW} or less, got {seq_len}"
        )
    if smoothing.min_window(period) > seq_len:
        raise ValueError(
            f"{name} period {period} needs a window of {smoothing.MIN_SEASONS} seasons, "
            f"seq_len at least {smoothing.min_window(period)}, got {seq_len}"
        )
    if layout != "shared" or U.shape[1] != 1 or V.shape[0] != 1 or differencing or members:
        raise ValueError(
            f"{name} needs a model of one series without inputs, differencing or "
            f"members (layout 'shared', U of one column, output_dim 1)"
        )
    if np.any(V != 0) or A is None or A.shape[1] != seq_len:
        raise ValueError(
            f"{name} needs the network off (V = 0) and a skip term over all "
            f"seq_len = {seq_len} steps"
        )
    # the skip term in raw units: A x + offset (1 - sum A) + scale b
    with np.errstate(over="ignore", invalid="ignore"):  # reported below
        weights = smoothing.seasonal_weights(period, alpha, beta, phi, gamma, seq_len)
    if not np.all(np.isfinite(weights)):
        raise ValueError(
            f"{name} does not forecast: its recursion is unstable over seq_len = {seq_len} "
            f"values, and its weights overflow"
        )
    constant = float(offset * (1 - A.sum()) + scale * b[0])
    tolerance = SMOOTHING_WEIGHTS_TOLERANCE
    # written so that NaN weights (an unstable recursion over a long window) fail
    if not (
        np.max(np.abs(A[0] - weights)) <= tolerance * np.max(np.abs(weights))
        and abs(constant) <= tolerance * (abs(offset) + abs(scale))
    ):
        raise ValueError(
            f"{name} does not match the skip term A, b: they must be the smoothing's "
            f"one-step weights on seq_len values (rnnc.smoothing.seasonal_weights)"
        )
    return (period, alpha, beta, phi, gamma)


def save(path: str | os.PathLike, model: Model | Combination) -> str:
    """Write a model file, atomically.

    The file is written beside path under a temporary name, flushed to disk
    and then renamed onto path, so an existing file at path is replaced whole
    or left as it was, never half-written.

    Parameters
    ----------
    path : str or os.PathLike
        Exactly where to write (no suffix is added): a regular file or a new
        name in an existing directory.
    model : rnnc.Model or rnnc.Combination

    Returns
    -------
    str
        The path written.

    Raises
    ------
    TypeError, ValueError
        For a model field at fault (named), or a path that is empty, a
        directory, a device or a FIFO, before anything is written.
    FileNotFoundError
        If the directory does not exist.
    """
    if not isinstance(model, (Model, Combination)):
        raise TypeError(
            f"model must be an rnnc.Model or rnnc.Combination, got {type(model).__name__}"
        )
    path = check_save_path(path)
    try:
        if isinstance(model, Model):
            version = _format_of([model])
            arrays = dict(format_version=np.int64(version), **_model_arrays(model, version))
        else:
            model.check()
            version = _format_of(model.models, COMBINATION_FORMAT_VERSION)
            arrays = dict(
                format_version=np.int64(version),
                kind=np.str_(COMBINATION),
                info=np.str_(_info_json(model.info)),
            )
            for i, component in enumerate(model.models):
                where = f"models[{i}]."
                try:
                    part = _model_arrays(component, version)
                except (TypeError, ValueError) as exc:
                    raise type(exc)(f"{where}{exc}") from None
                arrays.update({f"{COMPONENT}{i}/{key}": a for key, a in part.items()})
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"cannot save model to {path}: model.{exc}") from None
    arrays["rnnc_version"] = np.str_(__version__)
    # no allow_pickle= here: NumPy < 2.1 would store it as an array named allow_pickle
    _write_atomically(path, lambda fh: np.savez(fh, **arrays))
    return path


def _format_of(models, least=MODEL_FORMAT_VERSION):
    """The oldest format that holds these models: format 5 only for Holt-Winters
    models, 4 only for per-feature scaling."""
    if any(m.seasonal_smoothing is not None for m in models):
        return SEASONAL_SMOOTHING_FORMAT_VERSION
    if any(np.ndim(m.offset) or np.ndim(m.scale) for m in models):
        return PER_FEATURE_FORMAT_VERSION
    return least


def _model_arrays(model, version):
    """The arrays of one Model as a file of that format (2 or later) stores
    them, its fields checked."""
    fields = _check_fields(
        model.U,
        model.V,
        model.W,
        model.seq_len,
        model.layout,
        model.activation,
        model.bptt_truncate,
        model.offset,
        model.scale,
        model.info,
        model.A,
        model.b,
        model.differencing,
        model.members,
        model.seasonal_smoothing,
    )
    k = fields["bptt_truncate"]
    arrays = dict(
        U=fields["U"],
        V=fields["V"],
        W=fields["W"],
        seq_len=np.int64(fields["seq_len"]),
        layout=np.str_(fields["layout"]),
        activation=np.str_(fields["activation"]),
        bptt_truncate=np.int64(spec.truncation_code(k)),
        # a float, or (format 4) the per-feature array as it is
        offset=fields["offset"] if np.ndim(fields["offset"]) else np.float64(fields["offset"]),
        scale=fields["scale"] if np.ndim(fields["scale"]) else np.float64(fields["scale"]),
        info=np.str_(fields["info"]),
        differencing=np.array(fields["differencing"], dtype=np.int64),
        **_linear_arrays(fields["A"], fields["b"], fields["U"], fields["V"]),
    )
    networks = [
        (U, V, W, *_linear_arrays(A, b, U, V).values()) for U, V, W, A, b in fields["members"]
    ]
    for i, key in enumerate(("U", "V", "W", "A", "b")):
        shape = arrays[key].shape
        arrays[f"member_{key}"] = (
            np.stack([n[i] for n in networks])
            if networks
            else np.empty((0, *shape), dtype=fields["U"].dtype)
        )
    if version >= SEASONAL_SMOOTHING_FORMAT_VERSION:
        arrays["seasonal_smoothing"] = np.array(fields["seasonal_smoothing"] or (), np.float64)
    return arrays


def _linear_arrays(A, b, U, V):
    """{"A": A, "b": b} as stored: empty arrays for a model without a skip term."""
    if A is None:
        return dict(A=np.empty((V.shape[0], 0), dtype=U.dtype), b=np.empty(0, dtype=U.dtype))
    return dict(A=A, b=b)


def check_save_path(path):
    """path (str or os.PathLike) as a str, if save can write a model there: a
    regular file or a new name, in a directory that exists.  Otherwise a
    ValueError (an empty path, a directory, a device, a FIFO: save would
    replace it with a regular file) or FileNotFoundError, before any work."""
    path = os.fspath(path)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    if not path:
        raise ValueError("cannot save to an empty path")
    if path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        raise ValueError(f"cannot save to {path}: it names a directory, not a file")
    real = os.path.realpath(path)
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise ValueError(
            f"cannot save to {path}: it is {what}, and save replaces what is "
            f"there with a model file"
        )
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path}: directory {directory} does not exist")
    return path


def _write_atomically(path, write):
    """write(file) into a temporary file beside path, then move it onto path
    (onto the file a symbolic link points to, not over the link)."""
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    # a dot file in the same directory: os.replace is atomic only within one file system
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # 0o666 before the umask: the mode a new file gets from open()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())  # the data is on disk before the rename makes it visible
        with contextlib.suppress(FileNotFoundError):  # keep the mode of the file replaced
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except BaseException:  # KeyboardInterrupt included: never leave the temporary behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Make the rename itself durable, where the system allows opening a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_KIND_NAMES = {"iu": "integer", "f": "float", "U": "string"}


def _scalar(a, key, kinds):
    """The Python value of a 0-d array whose dtype kind is one of kinds."""
    if a.shape != () or a.dtype.kind not in kinds:
        raise ValueError(
            f"{key} must be a single {_KIND_NAMES[kinds]}, got an array of "
            f"shape {a.shape}, dtype {a.dtype}"
        )
    return a.item()


def _open_regular_file(path):
    """path opened for reading, or ModelFileError if it is not a regular file
    (opened without blocking, so that a FIFO cannot hang the caller)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ModelFileError(f"{path}: not a regular file, so not a model file")
    return os.fdopen(fd, "rb")


def _split_key(key):
    """(component prefix, key) of a member name: ("model3/", "U") or ("", "U")."""
    prefix, slash, name = key.rpartition("/")
    return (prefix + slash, name)


def _check_members(fh, path):
    """Before any array is read: each array's declared size within its
    member's, and each model's U, V, W declared shapes consistent, so that a
    small file cannot make load inflate or allocate a large array it would
    then refuse."""
    shapes = {}
    with zipfile.ZipFile(fh) as archive:
        for info in archive.infolist():
            key = info.filename.removesuffix(".npy")
            prefix, name = _split_key(key)
            if name not in KEYS + KEYS_2 + KEYS_5 + ("kind",):
                continue
            try:
                with archive.open(info) as member:
                    version = np.lib.format.read_magic(member)
                    read_header = (
                        np.lib.format.read_array_header_1_0
                        if version == (1, 0)
                        else np.lib.format.read_array_header_2_0
                    )
                    shape, _, dtype = read_header(member)
            except Exception as exc:  # a damaged or foreign header
                raise _unreadable(path, key, exc) from exc
            if math.prod(shape) * dtype.itemsize > info.file_size:
                raise ModelFileError(
                    f"{path}: {key} declares shape {shape} of {dtype}, more "
                    f"than its {info.file_size} bytes hold"
                )
            shapes.setdefault(prefix, {})[name] = (shape, dtype)
    for prefix, found in shapes.items():
        weights = {key: found[key] for key in "UVW" if key in found}
        # (object arrays are refused when read, as pickled)
        if len(weights) == 3 and not any(dtype.hasobject for _, dtype in weights.values()):
            try:
                check.check_weight_shapes(weights)
            except ValueError as exc:
                raise ModelFileError(f"{path}: {prefix}{exc}") from None
    fh.seek(0)


def _read_arrays(path):
    """(format version, {key: array}) of the archive at path: a model's
    arrays, or a combination's kind and info and each model's arrays under
    its prefix.  ModelFileError for damaged files."""
    with _open_regular_file(path) as fh:
        if fh.read(4) not in _ZIP_MAGIC:
            raise ModelFileError(f"{path}: not an rnnc model file (not an .npz archive)")
        fh.seek(0)
        try:
            _check_members(fh, path)
            with np.load(fh, allow_pickle=False) as npz:
                if "format_version" not in npz.files:
                    raise ModelFileError(
                        f"{path}: not an rnnc model file (no format_version; "
                        f"it holds {', '.join(npz.files) or 'nothing'})"
                    )
                version = _member(npz, "format_version", path)
                writer = _member(npz, "rnnc_version", path) if "rnnc_version" in npz.files else None
                version = _check_version(version, writer, path)
                if "kind" in npz.files:
                    _check_kind(_member(npz, "kind", path), version, path)
                    keys = [
                        *KEYS[:2],
                        "kind",
                        "info",
                        *_component_keys(npz.files, path, version),
                    ]
                else:
                    stray = sorted({_split_key(key)[0] for key in npz.files} - {""})
                    if stray:
                        raise ModelFileError(
                            f"{path}: holds arrays under {', '.join(stray)} but no kind, so "
                            f"it is neither one model's file nor a combination's"
                        )
                    keys = KEYS[:2] + model_keys(version)
                newer = sorted(key for key in npz.files if _split_key(key)[1] in KEYS_5)
                if newer and version < SEASONAL_SMOOTHING_FORMAT_VERSION:
                    raise ModelFileError(
                        f"{path}: holds {', '.join(newer)}, which format {version} does "
                        f"not; it came with format {SEASONAL_SMOOTHING_FORMAT_VERSION}"
                    )
                missing = [key for key in keys if key not in npz.files]
                if missing:
                    raise ModelFileError(f"{path}: model file lacks {', '.join(missing)}")
                return version, {key: _member(npz, key, path) for key in keys}
        except ModelFileError:
            raise
        except Exception as exc:  # zipfile, zlib and npy header errors of a damaged file
            raise ModelFileError(
                f"{path}: damaged model file ({type(exc).__name__}: {exc})"
            ) from exc


def _check_kind(kind, version, path):
    """ModelFileError unless kind names a combination in a format that has them."""
    try:
        kind = _scalar(kind, "kind", "U")
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    if kind != COMBINATION:
        raise ModelFileError(f"{path}: kind must be {COMBINATION!r}, got {kind!r}")
    if version < COMBINATION_FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format {version} holds no combination (kind); combinations came "
            f"with format {COMBINATION_FORMAT_VERSION}"
        )


def _component_keys(files, path, version):
    """Every key a combination's models need, from the prefixes its file holds
    (model0/ ... model{n-1}/, no gaps)."""
    prefixes = {_split_key(key)[0] for key in files} - {""}
    count = len(prefixes)
    expected = {f"{COMPONENT}{i}/" for i in range(count)}
    if prefixes != expected or count < 2:
        raise ModelFileError(
            f"{path}: a combination's file must hold models {COMPONENT}0/ to "
            f"{COMPONENT}{{n-1}}/ for n of at least 2, got {sorted(prefixes) or 'none'}"
        )
    return [f"{COMPONENT}{i}/{key}" for i in range(count) for key in model_keys(version)]


def _member(npz, key, path):
    try:
        return npz[key]
    except Exception as exc:  # a CRC mismatch shows here, when the member is read
        raise _unreadable(path, key, exc) from exc


def _unreadable(path, key, exc):
    """The ModelFileError for a member that NumPy or zipfile could not read."""
    text = str(exc)
    if isinstance(exc, ValueError) and "max_header_size" in text:
        return ModelFileError(
            f"{path}: {key} has an .npy header larger than NumPy reads "
            f"safely; rnnc never writes such a file"
        )
    if isinstance(exc, ValueError) and "allow_pickle" in text:
        return ModelFileError(
            f"{path}: {key} holds pickled Python objects, which rnnc never writes and does not load"
        )
    return ModelFileError(f"{path}: cannot read {key} ({type(exc).__name__}: {text})")


def _check_version(version, writer, path):
    try:
        version = _scalar(version, "format_version", "iu")
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    if version > FORMAT_VERSION:
        by = "an unknown rnnc" if writer is None else f"rnnc {writer}"
        raise ModelFileError(
            f"{path}: model file format {version} (written by {by}) is "
            f"newer than this rnnc {__version__} reads (format "
            f"{FORMAT_VERSION}); upgrade rnnc to load it"
        )
    if version < 1:
        raise ModelFileError(f"{path}: format_version must be at least 1, got {version}")
    return version


def _format_2_fields(stored):
    """The Model fields added in format 2, from the arrays read (defaults for format 1)."""
    if "differencing" not in stored:
        return {}
    lags = stored["differencing"]
    if lags.ndim != 1 or lags.dtype.kind not in "iu":
        raise ValueError(
            f"differencing must be a 1-D integer array, got shape {lags.shape}, dtype {lags.dtype}"
        )

    def linear(A, b):
        return (None, None) if A.ndim == 2 and A.shape[1] == 0 and b.size == 0 else (A, b)

    stacked = [stored[f"member_{key}"] for key in ("U", "V", "W", "A", "b")]
    if len({a.shape[0] if a.ndim else -1 for a in stacked}) != 1 or stacked[0].ndim == 0:
        raise ValueError(
            "member_U, member_V, member_W, member_A and member_b must stack the "
            "same number of networks"
        )
    members = [(U, V, W, *linear(A, b)) for U, V, W, A, b in zip(*stacked, strict=True)]
    A, b = linear(stored["A"], stored["b"])
    return dict(A=A, b=b, differencing=tuple(int(lag) for lag in lags), members=members)


def _format_5_fields(stored):
    """The Model field added in format 5, from the arrays read (None before it)."""
    if "seasonal_smoothing" not in stored:
        return {}
    params = stored["seasonal_smoothing"]
    if params.dtype != np.float64 or params.shape not in ((0,), (5,)):
        raise ValueError(
            f"seasonal_smoothing must be a float64 array of 5 values or none, got shape "
            f"{params.shape}, dtype {params.dtype}"
        )
    if params.size and not (
        np.isfinite(params[0]) and params[0] == np.round(params[0]) and abs(params[0]) <= 2**62
    ):
        raise ValueError(
            f"seasonal_smoothing period must be a whole number of at most 2**62, got {params[0]:g}"
        )
    return dict(
        seasonal_smoothing=(int(params[0]), *map(float, params[1:])) if params.size else None
    )


def load(path: str | os.PathLike) -> Model | Combination:
    """Read the model or combination that `save` wrote, bit for bit.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    rnnc.Model or rnnc.Combination

    Raises
    ------
    ModelFileError
        (a ValueError) naming the path and the fault, for a file that is not
        a regular file, is damaged, is not an rnnc model, comes from a newer
        rnnc, holds pickled objects or inconsistent fields, or declares more
        than it holds.  Nothing is unpickled.
    FileNotFoundError
        If there is no file.
    """
    path = os.fspath(path)
    version, stored = _read_arrays(path)
    try:
        if "kind" not in stored:
            return _model_from(stored, version)
        models = []
        for i in range(len({_split_key(key)[0] for key in stored}) - 1):
            prefix = f"{COMPONENT}{i}/"
            part = {key: stored[prefix + key] for key in model_keys(version)}
            try:
                models.append(_model_from(part, version))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{prefix}{exc}") from None
        return Combination(models, _info(stored["info"]))
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: {exc}") from None


def _info(stored):
    text = _scalar(stored, "info", "U")
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"info is not JSON text ({exc})") from None
    except RecursionError:
        raise ValueError("info is JSON nested too deeply to read") from None
    return info


def _scaling_of(stored, key, version):
    """A stored offset or scale: a float, or (format 4) a 1-D float64 array."""
    if stored.ndim == 1 and stored.dtype == np.float64:
        if version < PER_FEATURE_FORMAT_VERSION:
            raise ValueError(
                f"{key} holds one value per feature, which format {version} does not; "
                f"per-feature scaling came with format {PER_FEATURE_FORMAT_VERSION}"
            )
        return stored
    return _scalar(stored, key, "f")


def _model_from(stored, version):
    """The Model of one model's arrays; ValueError or TypeError naming the field."""
    k = _scalar(stored["bptt_truncate"], "bptt_truncate", "iu")
    info = _info(stored["info"])
    fields = _check_fields(
        stored["U"],
        stored["V"],
        stored["W"],
        seq_len=_scalar(stored["seq_len"], "seq_len", "iu"),
        layout=_scalar(stored["layout"], "layout", "U"),
        activation=_scalar(stored["activation"], "activation", "U"),
        bptt_truncate=spec.truncation_from_code(k),
        offset=_scaling_of(stored["offset"], "offset", version),
        scale=_scaling_of(stored["scale"], "scale", version),
        info=info,
        **_format_2_fields(stored),
        **_format_5_fields(stored),
    )
    fields["info"] = info
    return Model(**fields)

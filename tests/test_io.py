"""rnnc.io: model files round-trip bit for bit, are replaced atomically, and every
damaged or foreign file gets a ModelFileError naming the path."""

import dataclasses
import json
import os
import pathlib
import stat
import tempfile
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import stored_fields

import rnnc
from rnnc import io
from rnnc.model import Model


def make_model(
    rng,
    hidden=4,
    seq_len=6,
    n_features=1,
    output_dim=1,
    layout="per_step",
    dtype=np.float64,
    **fields,
):
    U = rng.normal(size=(hidden, seq_len if layout == "per_step" else n_features))
    V = rng.normal(size=(output_dim, hidden))
    W = rng.normal(size=(hidden, hidden))
    defaults = dict(
        seq_len=seq_len,
        layout=layout,
        activation="sigmoid",
        bptt_truncate=3,
        offset=0.25,
        scale=1.5,
        info={"learning_rate": 0.03, "epochs": 10},
    )
    defaults.update(fields)
    return Model(U.astype(dtype), V.astype(dtype), W.astype(dtype), **defaults)


def assert_same_model(loaded, model):
    """Equal in every field, and the weights equal bit for bit with the same dtype."""
    for name in "UVW":
        a, b = getattr(loaded, name), getattr(model, name)
        assert a.dtype == b.dtype and a.shape == b.shape, name
        assert a.tobytes() == b.tobytes(), name
    for name in (
        "seq_len",
        "layout",
        "activation",
        "bptt_truncate",
        "info",
        "differencing",
        "seasonal_smoothing",
    ):
        assert getattr(loaded, name) == getattr(model, name), name
    assert len(loaded.networks) == len(model.networks)
    for mine, theirs in zip(loaded.networks, model.networks, strict=True):
        for a, b in zip(mine, theirs, strict=True):
            assert (a is None) == (b is None)
            if a is not None:
                assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    for name in ("offset", "scale"):  # exact, -0.0 kept
        assert (
            np.float64(getattr(loaded, name)).tobytes()
            == np.float64(getattr(model, name)).tobytes()
        ), name


@pytest.fixture
def model(rng):
    return make_model(rng)


# --- round trip -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["per_step", "shared"])
def test_round_trip_is_bit_for_bit(tmp_path, rng, dtype, layout):
    model = make_model(
        rng,
        layout=layout,
        n_features=3,
        output_dim=2,
        dtype=dtype,
        offset=-0.1,
        scale=1 / 3,
        bptt_truncate=None,
        activation="tanh",
        info={"nested": {"a": [1, 2.5, None, True]}, "name": "sine"},
    )
    io.save(tmp_path / "m.npz", model)
    assert_same_model(io.load(tmp_path / "m.npz"), model)


def test_file_is_a_plain_npz_with_version_fields(tmp_path, model):
    io.save(tmp_path / "m.npz", model)
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(io.KEYS + io.KEYS_2)
        # a single model stays format 2, which rnnc releases before combinations read
        assert npz["format_version"] == io.MODEL_FORMAT_VERSION == 2
        assert npz["format_version"].dtype.kind == "i"
        assert str(npz["rnnc_version"]) == rnnc.__version__
        assert json.loads(str(npz["info"])) == model.info


def format_2_model(rng, dtype=np.float64, n_members=2, p=3):
    """A model using every field format 2 added: skip term, differencing, members."""
    base = make_model(rng, layout="shared", dtype=dtype, differencing=(1, 4))

    def linear():
        return rng.normal(size=(1, p)).astype(dtype), rng.normal(size=1).astype(dtype)

    members = [
        (*(rng.normal(size=P.shape).astype(dtype) for P in (base.U, base.V, base.W)), *linear())
        for _ in range(n_members)
    ]
    base.A, base.b = linear()
    base.members = members
    return base


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_members", [0, 1, 3])
def test_format_2_fields_round_trip_bit_for_bit(tmp_path, rng, dtype, n_members):
    model = format_2_model(rng, dtype, n_members)
    io.save(tmp_path / "m.npz", model)
    assert_same_model(io.load(tmp_path / "m.npz"), model)


def test_format_1_files_load_with_the_new_fields_empty(tmp_path, model):
    loaded = io.load(write_fields(tmp_path / "m.npz", model))  # stored_fields: format 1
    assert loaded.A is None and loaded.b is None
    assert loaded.differencing == () and loaded.members == []


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(A=None), "A and b must be given together"),
        (dict(differencing=(0,)), "differencing lags must be at least 1"),
        (dict(differencing="x"), "differencing must hold positive ints"),
        (dict(members=[(1, 2)]), r"members\[0\] must be a \(U, V, W, A, b\) tuple"),
    ],
)
def test_bad_format_2_fields_are_named(tmp_path, rng, change, message):
    model = format_2_model(rng)
    for key, value in change.items():
        setattr(model, key, value)
    with pytest.raises((TypeError, ValueError), match=message):
        io.save(tmp_path / "m.npz", model)


def test_skip_term_longer_than_the_window_is_refused(tmp_path, rng):
    model = format_2_model(rng, p=7)
    with pytest.raises(ValueError, match="reads the last 7 steps, but the records have 6"):
        io.save(tmp_path / "m.npz", model)


def test_damaged_member_stack_is_named(tmp_path, rng):
    model = format_2_model(rng)
    io.save(tmp_path / "m.npz", model)
    with np.load(tmp_path / "m.npz") as npz:
        fields = dict(npz)
    fields["member_V"] = fields["member_V"][:1]
    with open(tmp_path / "bad.npz", "wb") as fh:
        np.savez(fh, **fields)
    with pytest.raises(io.ModelFileError, match="same number of networks"):
        io.load(tmp_path / "bad.npz")


def test_bptt_truncate_none_is_stored_as_minus_one(tmp_path, rng):
    io.save(tmp_path / "m.npz", make_model(rng, bptt_truncate=None))
    with np.load(tmp_path / "m.npz") as npz:
        assert npz["bptt_truncate"] == -1
    assert io.load(tmp_path / "m.npz").bptt_truncate is None


def test_loaded_model_predicts_as_the_saved_one(tmp_path, rng):
    model = make_model(rng)
    io.save(tmp_path / "m.npz", model)
    X = rng.normal(size=(5, model.seq_len))
    loaded = io.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(
        rnnc.predict(loaded.U, loaded.V, loaded.W, X), rnnc.predict(model.U, model.V, model.W, X)
    )


def test_str_and_pathlib_paths_and_no_suffix_added(tmp_path, model):
    target = tmp_path / "model.bin"
    assert io.save(str(target), model) == str(target)
    assert sorted(os.listdir(tmp_path)) == ["model.bin"]  # np.savez would add .npz
    assert_same_model(io.load(target), model)
    assert_same_model(io.load(str(target)), model)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.text(max_size=5)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def models(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    layout = draw(st.sampled_from(["per_step", "shared"]))
    hidden = draw(st.integers(1, 5))
    seq_len = draw(st.integers(1, 6))
    columns = seq_len if layout == "per_step" else draw(st.integers(1, 4))
    finite = st.floats(
        allow_nan=False, allow_infinity=False, width=32 if dtype == np.float32 else 64
    )

    def weights(shape):
        values = draw(st.lists(finite, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        return np.array(values, dtype=dtype).reshape(shape)

    scale = draw(st.floats(allow_nan=False, allow_infinity=False).filter(lambda s: s != 0))
    return Model(
        weights((hidden, columns)),
        weights((draw(st.integers(1, 3)), hidden)),
        weights((hidden, hidden)),
        seq_len=seq_len,
        layout=layout,
        activation=draw(st.sampled_from(io.ACTIVATIONS)),
        bptt_truncate=draw(st.none() | st.integers(0, 2**40)),
        offset=draw(st.floats(allow_nan=False, allow_infinity=False)),
        scale=scale,
        info=draw(st.dictionaries(st.text(max_size=8), json_values, max_size=4)),
    )


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(models())
def test_round_trip_property(model):
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory, "m.npz")
        io.save(path, model)
        assert_same_model(io.load(path), model)


# --- atomic save ----------------------------------------------------------------------


def old_file(tmp_path, rng):
    """An existing model file and its bytes."""
    path = tmp_path / "m.npz"
    io.save(path, make_model(rng))
    return path, path.read_bytes()


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, rng, monkeypatch):
    path, before = old_file(tmp_path, rng)

    def half_written(fh, **arrays):  # some bytes reach the temporary file, then the disk fills
        fh.write(b"PK\x03\x04 partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io.np, "savez", half_written)
    with pytest.raises(OSError, match="No space left"):
        io.save(path, make_model(rng, hidden=7))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_fsync_or_rename_keeps_the_old_file(tmp_path, rng, monkeypatch, failing):
    path, before = old_file(tmp_path, rng)

    def fail(*args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(io.os, failing, fail)
    with pytest.raises(OSError, match="Input/output error"):
        io.save(path, make_model(rng, hidden=7))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


def test_interrupt_mid_write_keeps_the_old_file(tmp_path, rng, monkeypatch):
    path, before = old_file(tmp_path, rng)
    real_savez = np.savez

    def interrupted(fh, **arrays):
        real_savez(fh, **arrays)
        raise KeyboardInterrupt

    monkeypatch.setattr(io.np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        io.save(path, make_model(rng, hidden=7))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


def test_invalid_model_writes_nothing(tmp_path, rng):
    path, before = old_file(tmp_path, rng)
    bad = make_model(rng)
    bad.W[0, 0] = np.nan
    with pytest.raises(ValueError, match="W holds a non-finite"):
        io.save(path, bad)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


def test_replacing_keeps_the_file_mode(tmp_path, rng):
    path, _ = old_file(tmp_path, rng)
    os.chmod(path, 0o640)
    io.save(path, make_model(rng, hidden=7))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert io.load(path).hidden_dim == 7


def test_new_file_gets_the_umask_mode(tmp_path, model):
    old = os.umask(0o027)
    try:
        io.save(tmp_path / "m.npz", model)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "m.npz").st_mode) == 0o640


def test_save_into_a_missing_directory_names_it(tmp_path, model):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        io.save(tmp_path / "nowhere" / "m.npz", model)


# --- save refuses bad models ----------------------------------------------------------


@pytest.mark.parametrize(
    "change, error, message",
    [
        (dict(U=np.full((4, 6), np.inf)), ValueError, "U holds a non-finite"),
        (dict(W=np.zeros((4, 5))), ValueError, "W must be square"),
        (dict(V=np.zeros((1, 3))), ValueError, "V must be"),
        (dict(U=np.zeros((3, 6))), ValueError, "U must have hidden_dim = 4"),
        (dict(U=np.zeros((4, 5))), ValueError, "per_step.*seq_len"),
        (dict(U=np.zeros((4, 6), dtype=np.int64)), TypeError, "U must be a float32 or float64"),
        (dict(V=[[1.0, 2.0, 3.0, 4.0]]), TypeError, "V must be a float32 or float64.*list"),
        (dict(V=np.zeros((1, 4), dtype=np.float32)), TypeError, "share one dtype"),
        (dict(layout="perstep"), ValueError, "layout must be one of"),
        (dict(activation="relu"), ValueError, "activation must be one of"),
        (dict(seq_len=0), ValueError, "seq_len must be at least 1"),
        (dict(seq_len=6.0), TypeError, "seq_len must be an integer"),
        (dict(bptt_truncate=-1), ValueError, "bptt_truncate must be >= 0"),
        (dict(offset=float("nan")), ValueError, "offset must be finite"),
        (dict(scale=0.0), ValueError, "scale must not be 0"),
        (dict(scale="2"), TypeError, "scale must be a real number"),
        (dict(info={"lr": np.float32(0.1)}), TypeError, "info must hold only JSON values"),
        (dict(info={"lr": float("nan")}), TypeError, "info must hold only JSON values"),
        (dict(info={"shape": (1, 2)}), ValueError, "info does not read back equal"),
        (dict(info={1: "a"}), ValueError, "info does not read back equal"),
        (dict(info=[1]), TypeError, "info must be a dict"),
    ],
)
def test_save_refuses_bad_models(tmp_path, model, change, error, message):
    bad = dataclasses.replace(model)
    for name, value in change.items():  # fields changed after the model was made
        setattr(bad, name, value)
    with pytest.raises(error, match=message) as exc:
        io.save(tmp_path / "m.npz", bad)
    assert str(tmp_path / "m.npz") in str(exc.value)
    assert os.listdir(tmp_path) == []
    if not any(name == "info" for name in change):
        with pytest.raises(error, match=message):  # nor can such a model be made
            dataclasses.replace(model, **change)
        with pytest.raises(error, match=message):  # or predict
            bad.predict(np.zeros((1, model.window_len)))


def test_save_needs_a_model(tmp_path, model):
    with pytest.raises(TypeError, match="model must be an rnnc.Model"):
        io.save(tmp_path / "m.npz", (model.U, model.V, model.W))


# --- load refuses damaged and foreign files -------------------------------------------


def write_fields(path, model, drop=(), **changes):
    fields = stored_fields(model)
    fields.update(changes)
    for key in drop:
        del fields[key]
    with open(path, "wb") as fh:
        np.savez(fh, **fields)
    return path


def test_write_fields_writes_a_valid_file(tmp_path, model):
    """The baseline the damaged files below differ from in one field."""
    assert_same_model(io.load(write_fields(tmp_path / "m.npz", model)), model)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.npz"):
        io.load(tmp_path / "absent.npz")


@pytest.mark.parametrize("content", [b"", b"hello, world\n", b"\x93NUMPY not really"])
def test_not_an_archive(tmp_path, content):
    (tmp_path / "m.npz").write_bytes(content)
    with pytest.raises(io.ModelFileError, match=r"m\.npz: not an rnnc model file"):
        io.load(tmp_path / "m.npz")


def test_an_npy_file_is_not_a_model(tmp_path):
    np.save(tmp_path / "m.npy", np.zeros(3))
    with pytest.raises(io.ModelFileError, match="not an .npz archive"):
        io.load(tmp_path / "m.npy")


def test_an_unrelated_npz_is_not_a_model(tmp_path):
    np.savez(tmp_path / "m.npz", x=np.zeros(3))
    with pytest.raises(io.ModelFileError, match="no format_version; it holds x"):
        io.load(tmp_path / "m.npz")


def test_every_truncation_is_refused(tmp_path, model):
    io.save(tmp_path / "m.npz", model)
    data = (tmp_path / "m.npz").read_bytes()
    short = tmp_path / "short.npz"
    for length in range(0, len(data), 7):
        short.write_bytes(data[:length])
        with pytest.raises(io.ModelFileError, match="short.npz"):
            io.load(short)


@pytest.mark.slow
def test_corrupted_bytes_are_refused_or_harmless(tmp_path, rng):
    """Flipping any byte gives a ModelFileError or, where the byte is one zip ignores
    (a timestamp, the local copy of a CRC), the very same model: never a wrong one."""
    model = make_model(rng, hidden=3, seq_len=2)
    io.save(tmp_path / "m.npz", model)
    data = bytearray((tmp_path / "m.npz").read_bytes())
    bad = tmp_path / "bad.npz"
    refused = tried = 0
    for position in range(0, len(data), 3):  # every third byte: all fields, in 2 s
        tried += 1
        damaged = data.copy()
        damaged[position] ^= 0x5A
        bad.write_bytes(damaged)
        try:
            loaded = io.load(bad)
        except io.ModelFileError as exc:
            assert "bad.npz" in str(exc)
            refused += 1
        else:
            assert_same_model(loaded, model)
    assert refused > tried // 2


def test_corrupted_weight_bytes_fail_the_crc(tmp_path, model):
    io.save(tmp_path / "m.npz", model)
    data = bytearray((tmp_path / "m.npz").read_bytes())
    position = data.index(model.W.tobytes())  # uncompressed: the weights are in the file
    data[position + 3] ^= 0x01
    (tmp_path / "m.npz").write_bytes(data)
    with pytest.raises(io.ModelFileError, match="cannot read W.*CRC"):
        io.load(tmp_path / "m.npz")


@pytest.mark.parametrize("key", ["W", "info", "offset"])
def test_missing_keys_are_named(tmp_path, model, key):
    path = write_fields(tmp_path / "m.npz", model, drop=[key])
    with pytest.raises(io.ModelFileError, match=f"m.npz: model file lacks {key}$"):
        io.load(path)


def test_newer_format_asks_for_an_upgrade(tmp_path, model):
    # a future format may rename keys: the version is judged before the keys
    path = write_fields(
        tmp_path / "m.npz",
        model,
        drop=["W"],
        format_version=np.int64(io.FORMAT_VERSION + 1),
        rnnc_version=np.str_("9.0"),
    )
    with pytest.raises(
        io.ModelFileError,
        match=f"format {io.FORMAT_VERSION + 1} .written by rnnc 9.0. is newer.*upgrade rnnc",
    ):
        io.load(path)


@pytest.mark.parametrize(
    "version, message",
    [
        (np.int64(0), "format_version must be at least 1"),
        (np.str_("1"), "format_version must be a single integer"),
        (np.array([1]), "format_version must be a single integer"),
        (np.float64(1.0), "format_version must be a single integer"),
    ],
)
def test_bad_format_version(tmp_path, model, version, message):
    path = write_fields(tmp_path / "m.npz", model, format_version=version)
    with pytest.raises(io.ModelFileError, match=message):
        io.load(path)


@pytest.mark.parametrize("key", ["info", "U", "layout"])
def test_pickle_bearing_arrays_are_refused(tmp_path, model, key):
    payload = np.array([{"evil": 1}, None], dtype=object)
    path = tmp_path / "m.npz"
    fields = stored_fields(model)
    fields[key] = payload
    np.savez(path, allow_pickle=True, **fields)
    with pytest.raises(io.ModelFileError, match=f"m.npz: {key} holds pickled Python objects"):
        io.load(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(W=np.zeros((4, 5))), "W must be square"),
        (dict(U=np.zeros((3, 6))), "U must have hidden_dim = 4"),
        (dict(V=np.zeros((1, 5))), "V must be .output_dim, hidden_dim = 4."),
        (dict(U=np.zeros(24)), "U must be 2-D"),
        (dict(U=np.zeros((4, 5))), "per_step.*got \\(4, 5\\)"),
        (dict(V=np.zeros((0, 4))), "V is empty"),
        (
            dict(U=np.zeros((4, 6), dtype=np.int32)),
            "U must be a float32 or float64 array, got dtype int32",
        ),
        (dict(U=np.zeros((4, 6), dtype=">f8")), "U must be a float32 or float64 array"),
        (dict(W=np.zeros((4, 4), dtype=np.complex128)), "W must be a float32 or float64"),
        (dict(V=np.zeros((1, 4), dtype=np.float32)), "share one dtype"),
        (dict(V=np.array([[0, np.nan, 0, 0]])), "V holds a non-finite value"),
        (dict(W=np.full((4, 4), -np.inf)), "W holds a non-finite value"),
        (dict(layout=np.str_("sideways")), "layout must be one of"),
        (dict(activation=np.str_("relu")), "activation must be one of"),
        (dict(layout=np.int64(0)), "layout must be a single string"),
        (dict(seq_len=np.int64(0)), "seq_len must be at least 1"),
        (dict(seq_len=np.float64(6)), "seq_len must be a single integer"),
        (dict(bptt_truncate=np.int64(-2)), "bptt_truncate must be >= 0"),
        (dict(offset=np.float64(np.inf)), "offset must be finite"),
        (dict(scale=np.float64(0)), "scale must not be 0"),
        (dict(scale=np.int64(2)), "scale must be a single float"),
        (dict(info=np.str_("{not json")), "info is not JSON text"),
        (dict(info=np.str_("[1, 2]")), "info must be a dict"),
        (dict(info=np.str_('{"x": NaN}')), "info must hold only JSON values"),
    ],
)
def test_inconsistent_fields_are_refused(tmp_path, model, change, message):
    path = write_fields(tmp_path / "m.npz", model, **change)
    with pytest.raises(io.ModelFileError, match=message) as exc:
        io.load(path)
    assert str(exc.value).startswith(f"{path}: ")


def test_compressed_archives_load_too(tmp_path, model):
    path = tmp_path / "m.npz"
    np.savez_compressed(path, **stored_fields(model))
    with zipfile.ZipFile(path) as archive:
        assert archive.infolist()[0].compress_type == zipfile.ZIP_DEFLATED
    assert_same_model(io.load(path), model)


def test_model_file_error_is_a_value_error():
    assert issubclass(io.ModelFileError, ValueError)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_save_through_a_symbolic_link_writes_its_target(tmp_path, model):
    target = tmp_path / "real.npz"
    io.save(target, model)
    link = tmp_path / "link.npz"
    os.symlink(target, link)
    model.info = {"second": True}
    io.save(link, model)
    assert link.is_symlink() and io.load(target).info == {"second": True}


def test_truncation_beyond_int64_saves_as_full_bptt(tmp_path, model):
    model.bptt_truncate = 10**30
    io.save(tmp_path / "m.npz", model)
    assert io.load(tmp_path / "m.npz").bptt_truncate is None


def test_per_feature_scaling_round_trips_as_format_4(tmp_path, rng):
    from rnnc.forecaster import fit_linear_arx

    x = rng.normal(size=(80, 2))
    y = np.cumsum(rng.normal(size=80)) + 3 * x[:, 1]
    model = fit_linear_arx(y, x, None, (1,))
    path = tmp_path / "arx.npz"
    io.save(path, model)
    assert int(np.load(path)["format_version"]) == io.PER_FEATURE_FORMAT_VERSION == 4
    loaded = io.load(path)
    assert_same_model(loaded, model)
    for name in ("offset", "scale"):
        a, b = getattr(loaded, name), getattr(model, name)
        assert a.dtype == b.dtype == np.float64 and a.tobytes() == b.tobytes()
    # a model with one scaling keeps format 2, which older rnnc read
    io.save(path, make_model(rng))
    assert int(np.load(path)["format_version"]) == io.MODEL_FORMAT_VERSION == 2


@pytest.mark.parametrize(
    "fields, error, message",
    [
        (
            dict(offset=np.zeros(2)),
            ValueError,
            r"offset must be a float or one per feature, shape \(3,\)",
        ),
        (
            dict(scale=np.array([1.0, 0.0, 1.0]), offset=np.zeros(3)),
            ValueError,
            "scale must not be 0",
        ),
        (
            dict(offset=np.zeros(3, dtype=np.float32)),
            TypeError,
            "offset must be a float or a float64",
        ),
        (dict(offset=np.zeros(3)), ValueError, "offset and scale must both be floats"),
        (
            dict(offset=np.array([0.0, np.nan, 0.0]), scale=np.ones(3)),
            ValueError,
            "offset must be finite",
        ),
    ],
)
def test_bad_per_feature_scaling_is_named(rng, fields, error, message):
    with pytest.raises(error, match=message):
        make_model(rng, layout="shared", n_features=3, **fields)


# --- format 5: seasonal smoothing -----------------------------------------------------


def holt_winters_model(seed=0, n=48, period=12):
    from rnnc.forecaster import fit_seasonal_smoothing

    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 30 + 0.2 * t + 4 * np.sin(2 * np.pi * t / period) + rng.normal(size=n)
    return fit_seasonal_smoothing(y, period), y


def test_seasonal_smoothing_round_trips_as_format_5(tmp_path):
    model, y = holt_winters_model()
    path = tmp_path / "hw.npz"
    io.save(path, model)
    with np.load(path) as npz:
        assert int(npz["format_version"]) == io.SEASONAL_SMOOTHING_FORMAT_VERSION == 5
        assert npz["seasonal_smoothing"].dtype == np.float64
    loaded = io.load(path)
    assert_same_model(loaded, model)
    assert type(loaded.seasonal_smoothing[0]) is int
    np.testing.assert_array_equal(rnnc.forecast(loaded, y, 30), rnnc.forecast(model, y, 30))


def test_a_combination_with_seasonal_smoothing_round_trips(tmp_path, rng):
    from rnnc.forecaster import fit_linear_ar

    smoothing_model, y = holt_winters_model(1)
    mean = rnnc.Combination([fit_linear_ar(y, None, (12,), 12), smoothing_model], {"a": 1})
    path = tmp_path / "mean.npz"
    io.save(path, mean)
    with np.load(path) as npz:
        assert int(npz["format_version"]) == 5
        assert npz["model0/seasonal_smoothing"].shape == (0,)  # the AR: none
    loaded = io.load(path)
    for a, b in zip(loaded.models, mean.models, strict=True):
        assert_same_model(a, b)
    np.testing.assert_array_equal(rnnc.forecast(loaded, y, 13), rnnc.forecast(mean, y, 13))


def write_holt_winters_fields(path, model, **change):
    arrays = io._model_arrays(model, io.SEASONAL_SMOOTHING_FORMAT_VERSION)
    arrays.update(format_version=np.int64(5), rnnc_version=np.str_(rnnc.__version__))
    arrays.update(change)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(seasonal_smoothing=np.zeros(4)), "seasonal_smoothing must be a float64 array of 5"),
        (
            dict(seasonal_smoothing=np.zeros(5, dtype=np.int64)),
            "seasonal_smoothing must be a float64 array",
        ),
        (
            dict(seasonal_smoothing=np.array([12.5, 0.3, 0.1, 0.9, 0.1])),
            "seasonal_smoothing period must be a whole number",
        ),
        (
            dict(seasonal_smoothing=np.array([np.inf, 0.3, 0.1, 0.9, 0.1])),
            "seasonal_smoothing period must be a whole number",
        ),
        (
            dict(seasonal_smoothing=np.array([1e300, 0.3, 0.1, 0.9, 0.1])),
            r"seasonal_smoothing period must be a whole number of at most 2\*\*62, got 1e.300",
        ),
        (
            dict(seasonal_smoothing=np.array([30.0, 0.3, 0.1, 0.9, 0.1])),
            "period 30 needs a window of 1.5 seasons, seq_len at least 45",
        ),
        (
            dict(seasonal_smoothing=np.array([12.0, 0.0, 0.1, 0.9, 0.1])),
            r"alpha and phi in \(0, 1\]",
        ),
        (
            dict(seasonal_smoothing=np.array([12.0, 0.3, 0.1, np.nan, 0.1])),
            "seasonal_smoothing phi must be finite",
        ),
        # parameters that are not the skip term's: a damaged file
        (
            dict(seasonal_smoothing=np.array([12.0, 0.5, 0.1, 0.9, 0.1])),
            "seasonal_smoothing does not match the skip term",
        ),
        (dict(b=np.array([0.5])), "seasonal_smoothing does not match the skip term"),
        (dict(V=np.ones((1, 1))), r"the network off \(V = 0\)"),
        (dict(differencing=np.array([1])), "without inputs, differencing or members"),
    ],
)
def test_bad_seasonal_smoothing_is_named(tmp_path, change, message):
    model, _ = holt_winters_model(2)
    path = write_holt_winters_fields(tmp_path / "hw.npz", model, **change)
    with pytest.raises(io.ModelFileError, match=message) as exc:
        io.load(path)
    assert str(exc.value).startswith(f"{path}: ")


def test_a_format_5_file_needs_seasonal_smoothing(tmp_path):
    model, _ = holt_winters_model(3)
    path = write_holt_winters_fields(tmp_path / "hw.npz", model)
    with np.load(path) as npz:
        arrays = {key: npz[key] for key in npz.files if key != "seasonal_smoothing"}
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(io.ModelFileError, match="lacks seasonal_smoothing"):
        io.load(path)


def test_an_older_format_with_seasonal_smoothing_is_refused(tmp_path):
    model, _ = holt_winters_model(5)
    path = write_holt_winters_fields(tmp_path / "hw.npz", model, format_version=np.int64(4))
    with pytest.raises(
        io.ModelFileError, match="holds seasonal_smoothing, which format 4 does not"
    ):
        io.load(path)


def test_checking_a_long_seasonal_model_takes_neither_memory_nor_time(tmp_path):
    # the weights come from one pass back through the recursion: a file of
    # 50,000 steps had made the check build a 50,000 x 50,000 matrix
    from rnnc import forecaster, smoothing

    weights = smoothing.seasonal_weights(2, 0.3, 0.2, 0.9, 0.0, 50_000)
    model = forecaster.linear_model(weights, [0.0], seasonal_smoothing=(2, 0.3, 0.2, 0.9, 0.0))
    io.save(tmp_path / "long.npz", model)
    assert io.load(tmp_path / "long.npz").seq_len == 50_000


def test_an_unstable_or_too_long_seasonal_model_is_refused(tmp_path):
    from rnnc import forecaster, smoothing

    # alpha = gamma = 1 over 5,000 steps: the weights overflow to NaN, which
    # had compared as no mismatch, so a skip term of zeros passed
    unstable = (2, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="its recursion is unstable over seq_len = 5000"):
        forecaster.linear_model(np.zeros(5000), [0.0], seasonal_smoothing=unstable)
    # a long window: refused before its weights are computed (a small
    # compressed file could declare ten million steps)
    model, _ = holt_winters_model(6)
    n = smoothing.MAX_WINDOW + 1
    path = write_holt_winters_fields(
        tmp_path / "long.npz",
        model,
        seq_len=np.int64(n),
        A=np.zeros((1, n)),
        seasonal_smoothing=np.array([2.0, 0.3, 0.1, 0.9, 0.0]),
    )
    with pytest.raises(io.ModelFileError, match=f"reads at most {smoothing.MAX_WINDOW} values"):
        io.load(path)
    with pytest.raises(ValueError, match="period must be at most 50000"):
        forecaster.fit_seasonal_smoothing(np.arange(10.0), 50_001)


def test_a_model_made_with_seasonal_smoothing_is_checked():
    model, _ = holt_winters_model(4)
    fields = {f.name: getattr(model, f.name) for f in dataclasses.fields(model)}
    with pytest.raises(ValueError, match="must be .period, alpha, beta, phi, gamma., or None"):
        Model(**{**fields, "seasonal_smoothing": (12, 0.3)})
    with pytest.raises(TypeError, match="seasonal_smoothing period must be an integer"):
        Model(**{**fields, "seasonal_smoothing": (12.0, *model.seasonal_smoothing[1:])})
    with pytest.raises(ValueError, match="does not match the skip term"):
        Model(**{**fields, "A": model.A * 1.01})
    # kept as a file gives it back
    period, *rest = model.seasonal_smoothing
    made = Model(**{**fields, "seasonal_smoothing": [np.int64(period), *rest]})
    assert made.seasonal_smoothing == model.seasonal_smoothing
    assert type(made.seasonal_smoothing) is tuple and type(made.seasonal_smoothing[0]) is int

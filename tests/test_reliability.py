"""Promises under stress, second pass: fork, threads and the GIL, signal
latency on long records, overflow in the weights' dtype, optimizer states
and arrays shared between calls."""

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from support import RNNC_PARENT, random_model, run_python, stored_fields

import rnnc
from rnnc import core

posix_only = pytest.mark.skipif(os.name != "posix", reason="needs fork and SIGINT")


def _predict_in_child(queue, weights, X):
    queue.put(rnnc.predict(*weights, X, n_threads=2))


@posix_only
def test_a_forked_child_predicts_after_the_parent_used_threads(rng, monkeypatch):
    monkeypatch.setattr(core, "THREAD_WORK", 0)  # two threads however small the work
    weights = random_model(rng, 40, 30, 1, 1, True)[:3]
    X = rng.normal(size=(400, 30, 1))
    want = rnnc.predict(*weights, X, n_threads=2)  # the parent's OpenMP pool is up
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_predict_in_child, args=(queue, weights, X))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung in predict")
    assert child.exitcode == 0
    np.testing.assert_array_equal(queue.get(timeout=10), want)


def _interrupt_after(seconds):
    sent = []

    def interrupt():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(seconds, interrupt)
    timer.start()
    return timer, sent


@posix_only
def test_ctrl_c_stops_predict_within_a_long_record(rng):
    U, V, W, _, _ = random_model(rng, 100, 1, 1, 1, False)
    X = rng.normal(size=(32, 100_000, 1))
    timer, sent = _interrupt_after(0.2)
    with pytest.raises(KeyboardInterrupt):
        for _ in range(100):  # one call takes seconds: the signal lands in one
            rnnc.predict(U, V, W, X, n_threads=1)
    stopped = time.perf_counter()
    timer.join()
    assert stopped - sent[0] < 0.5


@posix_only
def test_ctrl_c_stops_training_within_a_long_record(rng):
    U, V, W, _, _ = random_model(rng, 100, 1, 1, 1, False, scale=0.3)
    X, Y = rng.normal(size=(1, 200_000, 1)), rng.normal(size=(1, 1))
    before = [P.copy() for P in (U, V, W)]
    timer, sent = _interrupt_after(0.2)
    with pytest.raises(KeyboardInterrupt):
        rnnc.train(U, V, W, X, Y, None, None, max_epochs=100, verbose=False, history=False)
    stopped = time.perf_counter()
    timer.join()
    assert stopped - sent[0] < 0.5
    # the record interrupted is not applied: its only update was never made
    assert all(np.array_equal(P, Q) for P, Q in zip((U, V, W), before))


@pytest.mark.parametrize("per_step", [True, False])
def test_long_records_run_in_pieces_give_the_same_predictions(rng, monkeypatch, per_step):
    U, V, W, _, _ = random_model(rng, 12, 40, 1 if per_step else 3, 2, per_step)
    X = rng.normal(size=(70, 40, U.shape[1] if not per_step else 1))
    A, b = rng.normal(size=(2, 7 * X.shape[2])), rng.normal(size=2)
    whole = rnnc.predict(U, V, W, X, linear=(A, b))
    loss = rnnc.calculate_loss(X, rng.normal(size=(70, 2)), U, V, W)
    monkeypatch.setattr(core, "CHUNK_WORK", 1.0)  # one step per piece, but the last
    assert core._step_pieces(X, W, (A, b))[-1] == (33, 40)
    np.testing.assert_array_equal(rnnc.predict(U, V, W, X, linear=(A, b)), whole)
    assert rnnc.calculate_loss(X, rng.normal(size=(70, 2)), U, V, W)[1].shape == loss[1].shape


def test_gradients_release_the_gil(rng):
    U, V, W, _, _ = random_model(rng, 60, 1, 1, 1, False)
    x, y = rng.normal(size=(60_000, 1)), rng.normal(size=1)
    worker = threading.Thread(target=rnnc.gradients, args=(U, V, W, x, y, None))
    ticks = 0
    worker.start()
    while worker.is_alive():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    assert ticks > 20  # the main thread ran while the gradient was computed


def test_learning_rate_beyond_float32_is_refused_and_weights_stay(rng):
    U, V, W, _, _ = random_model(rng, 4, 3, 1, 1, True, np.float32)
    X, Y = rng.normal(size=(5, 3, 1)), rng.normal(size=(5, 1))
    before = [P.copy() for P in (U, V, W)]
    with pytest.raises(
        ValueError, match="learning_rate 1e\\+39 is beyond the range of the weights' dtype float32"
    ):
        rnnc.train(
            U,
            V,
            W,
            X,
            Y,
            None,
            None,
            learning_rate=1e39,
            min_clip_val=-1e-30,
            max_clip_val=1e-30,
            verbose=False,
        )
    assert all(np.array_equal(P, Q) for P, Q in zip((U, V, W), before))


def test_huge_learning_rates_in_float32_stop_with_finite_weights(rng):
    U, V, W, _, _ = random_model(rng, 4, 3, 1, 1, True, np.float32)
    X, Y = rng.normal(size=(5, 3, 1)), rng.normal(size=(5, 1))
    with pytest.raises(FloatingPointError, match="the weights hold the last finite update"):
        rnnc.train(
            U,
            V,
            W,
            X,
            Y,
            None,
            None,
            learning_rate=3e38,
            min_clip_val=-1,
            max_clip_val=1,
            max_epochs=5,
            verbose=False,
        )
    assert all(np.all(np.isfinite(P)) for P in (U, V, W))


def _adam_case(rng):
    U, V, W, _, _ = random_model(rng, 4, 3, 1, 1, True)
    X, Y = rng.normal(size=(5, 3, 1)), rng.normal(size=(5, 1))
    return U, V, W, X, Y, rnnc.AdamState(U, V, W)


@pytest.mark.parametrize(
    "spoil,error,message",
    [
        (
            lambda s: s.moments.__setitem__(0, np.full_like(s.moments[0], np.nan)),
            ValueError,
            r"optimizer_state.moments\[0\] holds a non-finite value",
        ),
        (lambda s: setattr(s, "step", -1), ValueError, "optimizer_state.step must be a count"),
        (lambda s: setattr(s, "step", 1.5), ValueError, "optimizer_state.step must be a count"),
        (lambda s: s.moments.pop(), ValueError, "must be a list of 6 arrays"),
        (lambda s: s.moments[1].__setitem__((0, 0), -1.0), ValueError, "negative"),
        (
            lambda s: s.moments.__setitem__(2, np.zeros((2, 4))),
            ValueError,
            r"optimizer_state.moments\[2\] must be an array of shape \(1, 4\)",
        ),
        (
            lambda s: s.moments.__setitem__(4, np.asfortranarray(s.moments[4])),
            ValueError,
            "writable, aligned C-contiguous",
        ),
        (
            lambda s: s.moments[3].setflags(write=False),
            ValueError,
            "writable, aligned C-contiguous",
        ),
        (lambda s: s.moments.__setitem__(1, s.moments[0]), ValueError, "shares memory"),
        (lambda s: s.moments.__setitem__(0, "m"), ValueError, r"moments\[0\] must be an array"),
    ],
)
def test_a_spoiled_adam_state_is_named(rng, spoil, error, message):
    U, V, W, X, Y, state = _adam_case(rng)
    spoil(state)
    before = [P.copy() for P in (U, V, W)]
    with pytest.raises(error, match=message):
        rnnc.train(
            U, V, W, X, Y, None, None, optimizer="adam", optimizer_state=state, verbose=False
        )
    assert all(np.array_equal(P, Q) for P, Q in zip((U, V, W), before))


def test_a_moment_that_is_a_weight_is_refused(rng):
    U, V, W, X, Y, state = _adam_case(rng)
    state.moments[4] = W
    with pytest.raises(ValueError, match="shares memory with another moment or a weight"):
        rnnc.train(
            U, V, W, X, Y, None, None, optimizer="adam", optimizer_state=state, verbose=False
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finite_but_huge_weights_raise_instead_of_returning_inf(rng, dtype):
    U, V, W, x, y = random_model(rng, 4, 3, 1, 1, True, dtype)
    V[:] = np.finfo(dtype).max  # V h_T sums four such products
    with pytest.raises(FloatingPointError, match="a prediction is not finite"):
        rnnc.predict(U, V, W, x[None])
    with pytest.raises(FloatingPointError, match="a prediction is not finite"):
        rnnc.calculate_loss(x[None], y[None], U, V, W)
    with pytest.raises(FloatingPointError, match="the gradient d. is not finite"):
        rnnc.gradients(U, V, W, x, y)


def test_a_loss_beyond_float64_is_inf_without_a_warning(rng):
    U, V, W, x, _ = random_model(rng, 4, 3, 1, 1, True)
    with np.errstate(all="raise"):
        loss, _ = rnnc.calculate_loss(np.ones((3, 3, 1)), np.full((3, 1), 1e200), U, V, W)
    assert loss == np.inf


@pytest.mark.parametrize(
    "call,error,message",
    [
        (dict(learning_rate=10**400), ValueError, "learning_rate must be a finite number"),
        (
            dict(min_clip_val=-(10**400)),
            ValueError,
            "min_clip_val must be a finite number",
        ),
        (dict(activation=np.array("tanh")), TypeError, "activation must be a string"),
        (dict(optimizer=["adam"]), TypeError, "optimizer must be a string"),
    ],
)
def test_odd_hyperparameters_are_named(rng, call, error, message):
    U, V, W, _, _ = random_model(rng, 4, 3, 1, 1, True)
    X, Y = rng.normal(size=(5, 3, 1)), rng.normal(size=(5, 1))
    with pytest.raises(error, match=message):
        rnnc.train(U, V, W, X, Y, None, None, verbose=False, **call)


def test_masked_arrays_are_refused_when_something_is_masked(rng):
    U, V, W, _, _ = random_model(rng, 4, 3, 1, 1, True)
    X = np.ma.masked_array(rng.normal(size=(5, 3)), mask=False)
    want = rnnc.predict(U, V, W, X.data)
    np.testing.assert_array_equal(rnnc.predict(U, V, W, X), want)
    X[1, 2] = np.ma.masked
    with pytest.raises(ValueError, match="X is a masked array with 1 masked values"):
        rnnc.predict(U, V, W, X)


def test_two_train_calls_on_the_same_weights_at_once_are_refused(rng):
    U, V, W, _, _ = random_model(rng, 50, 30, 1, 1, True, scale=0.3)
    X, Y = rng.normal(size=(300, 30, 1)), rng.normal(size=(300, 1))
    started, errors = threading.Event(), []

    def long_training():
        rnnc.train(
            U,
            V,
            W,
            X,
            Y,
            None,
            None,
            max_epochs=200,
            verbose=False,
            callback=lambda *a: started.set(),
            history=False,
        )

    worker = threading.Thread(target=long_training)
    worker.start()
    started.wait(30)
    try:
        for weights in ((U, V, W), (U.copy(), V, W.copy()), (U.copy(), V.copy(), W)):
            with pytest.raises(RuntimeError, match="is being updated by another train call"):
                rnnc.train(*weights, X, Y, None, None, max_epochs=1, verbose=False)
    except BaseException as exc:
        errors.append(exc)
    worker.join()
    assert not errors
    # once the first call is over, the weights are free again
    rnnc.train(U, V, W, X[:5], Y[:5], None, None, max_epochs=1, verbose=False)


def test_a_shared_adam_state_is_refused_while_in_use(rng):
    U, V, W, _, _ = random_model(rng, 50, 30, 1, 1, True, scale=0.3)
    X, Y = rng.normal(size=(300, 30, 1)), rng.normal(size=(300, 1))
    state = rnnc.AdamState(U, V, W)
    started = threading.Event()
    worker = threading.Thread(
        target=rnnc.train,
        args=(U, V, W, X, Y, None, None),
        kwargs=dict(
            max_epochs=100,
            verbose=False,
            optimizer="adam",
            optimizer_state=state,
            callback=lambda *a: started.set(),
        ),
    )
    worker.start()
    started.wait(30)
    others = [P.copy() for P in (U, V, W)]
    with pytest.raises(RuntimeError, match="optimizer_state is being updated"):
        rnnc.train(
            *others,
            X,
            Y,
            None,
            None,
            max_epochs=1,
            verbose=False,
            optimizer="adam",
            optimizer_state=state,
        )
    worker.join()


@pytest.mark.parametrize("alias", ["X", "Y", "X_validation"])
def test_data_that_aliases_the_weights_is_refused(rng, alias):
    U, V, W, _, _ = random_model(rng, 4, 3, 1, 1, True)
    data = dict(
        X=rng.normal(size=(4, 3)), Y=rng.normal(size=(4, 1)), X_validation=None, Y_validation=None
    )
    if alias == "X":
        data["X"] = U[:, :3]  # (4, 3): four windows of U's values
    elif alias == "Y":
        data["Y"] = W[:, :1]
    else:
        data["X_validation"], data["Y_validation"] = U[:, :3], rng.normal(size=(4, 1))
    with pytest.raises(ValueError, match=f"{alias} shares memory with"):
        rnnc.train(
            U, V, W, data["X"], data["Y"], data["X_validation"], data["Y_validation"], verbose=False
        )


# ---- model files: special files, odd paths, hostile archives ----------------------


@pytest.fixture
def saved_model(tmp_path, rng):
    U, V, W, _, _ = random_model(rng, 4, 6, 1, 1, True)
    return rnnc.Model(U, V, W, seq_len=6)


@pytest.mark.parametrize("name", ["", "dir/", "a_directory"])
def test_save_refuses_paths_that_are_not_files(tmp_path, saved_model, name, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_directory").mkdir()
    with pytest.raises(ValueError, match="cannot save to"):
        rnnc.save(name, saved_model)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_directory"]


@posix_only
def test_save_never_replaces_a_fifo_or_a_device(tmp_path, saved_model):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (fifo, "/dev/null"):
        with pytest.raises(ValueError, match="not a regular file"):
            rnnc.save(target, saved_model)
    assert not (tmp_path / "pipe").is_file() and os.path.exists("/dev/null")


@posix_only
def test_load_of_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome = []
    reader = threading.Thread(target=lambda: outcome.append(_load_error(fifo)), daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "load blocked on a FIFO"
    assert "not a regular file" in outcome[0]


def _load_error(path):
    try:
        rnnc.load(path)
    except rnnc.ModelFileError as exc:
        return str(exc)
    return "loaded"


def test_a_deeply_nested_info_is_a_model_file_error(tmp_path, saved_model):
    fields = stored_fields(saved_model)
    fields["info"] = np.str_('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    np.savez(tmp_path / "m.npz", **fields)
    with pytest.raises(rnnc.ModelFileError, match="nested too deeply"):
        rnnc.load(tmp_path / "m.npz")


def test_declared_shapes_are_checked_before_anything_is_inflated(tmp_path, saved_model):
    import io
    import zipfile

    path = tmp_path / "m.npz"
    np.savez(path, **stored_fields(saved_model))
    # W.npy replaced by a header declaring 16000 x 16000 over a few bytes
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, dict(descr="<f8", fortran_order=False, shape=(16000, 16000))
    )
    with (
        zipfile.ZipFile(path) as old,
        zipfile.ZipFile(tmp_path / "big.npz", "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for item in old.infolist():
            data = old.read(item)
            new.writestr(
                item.filename, header.getvalue() + bytes(64) if item.filename == "W.npy" else data
            )
    start = time.perf_counter()
    with pytest.raises(rnnc.ModelFileError, match=r"W declares shape \(16000, 16000\)"):
        rnnc.load(tmp_path / "big.npz")
    assert time.perf_counter() - start < 1


def test_a_huge_npy_header_is_named_as_such(tmp_path, saved_model):
    import zipfile

    path = tmp_path / "m.npz"
    np.savez(path, **stored_fields(saved_model))
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1, 4), " + b" " * 100_000
    npy = b"\x93NUMPY\x02\x00" + (len(header) + 1).to_bytes(4, "little") + header + b"\n"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(tmp_path / "h.npz", "w") as new:
        for item in old.infolist():
            new.writestr(
                item.filename, npy + bytes(32) if item.filename == "V.npy" else old.read(item)
            )
    with pytest.raises(rnnc.ModelFileError, match="V has an .npy header larger than"):
        rnnc.load(tmp_path / "h.npz")


# ---- the command line: closed streams, special files, odd CSV cells ------------------


def _rnnc_command(*args):
    return [sys.executable, "-m", "rnnc", *map(str, args)]


@posix_only
@pytest.mark.slow
def test_a_closed_pipe_never_costs_the_model(tmp_path):
    model = tmp_path / "m.npz"
    child = subprocess.Popen(
        _rnnc_command("sine", "--epochs", 5, "--no-plots", "--save", model),
        stdout=subprocess.PIPE,
        cwd=RNNC_PARENT,
    )
    child.stdout.readline()  # `| head -1`: one line, then the reader goes
    child.stdout.close()
    assert child.wait(timeout=120) == 0
    assert rnnc.load(model).info["epochs"] == 5


@posix_only
@pytest.mark.slow
def test_commands_work_with_stdout_closed(tmp_path):
    model, csv = tmp_path / "m.npz", tmp_path / "s.csv"
    csv.write_text("value\n" + "\n".join(str(np.sin(i / 3)) for i in range(80)) + "\n")
    for args in (
        ("sine", "--epochs", 2, "--no-plots", "--save", model),
        ("predict", "--model", model, "--csv", csv, "--column", "value"),
    ):
        command = " ".join(f"'{a}'" for a in _rnnc_command(*args))
        done = subprocess.run(
            ["bash", "-c", f"exec {command} >&-"],
            capture_output=True,
            text=True,
            cwd=RNNC_PARENT,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert model.is_file()


@posix_only
def test_save_to_a_device_is_refused_before_training(tmp_path):
    start = time.perf_counter()
    done = run_python("-m", "rnnc", "sine", "--epochs", "1000", "--no-plots", "--save", "/dev/null")
    assert done.returncode == 2 and "not a regular file" in done.stderr
    assert time.perf_counter() - start < 30 and os.path.exists("/dev/null")


def read_column(path, column):
    """The column as rnnc train and predict read it, with their default options."""
    import argparse

    from rnnc.cli import read_target

    options = argparse.Namespace(
        csv=path, column=[column], date=None, no_date=False, fill=None, delimiter=None, until=None
    )
    table, _ = read_target(options, column)
    return table.column(column)


@pytest.mark.parametrize(
    "cells,message",
    [
        (("1_0",), "is '1_0', not a number"),
        (("\u0661\u0662",), "not a number"),
        (("1e400",), "values must be finite"),
    ],
)
def test_cells_that_python_would_read_but_csv_does_not_mean(tmp_path, cells, message):
    from rnnc.cli import CommandError

    csv = tmp_path / "s.csv"
    csv.write_text("value\n1.5\n" + "\n".join(cells) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        read_column(csv, "value")


def test_numbers_as_spreadsheets_write_them_are_read(tmp_path):
    csv = tmp_path / "s.csv"
    csv.write_text("value\n1\n-2.5\n+3.\n.5\n1e-3\n-4E+2\n")
    np.testing.assert_array_equal(read_column(csv, "value"), [1, -2.5, 3, 0.5, 1e-3, -400])


def test_a_duplicated_column_name_is_refused(tmp_path):
    from rnnc.cli import CommandError

    csv = tmp_path / "s.csv"
    csv.write_text("value,value\n1,2\n")
    with pytest.raises(CommandError, match="2 columns named 'value'"):
        read_column(csv, "value")


def test_one_file_for_two_outputs_is_refused_before_work(tmp_path):
    from rnnc.cli import main

    model, csv = tmp_path / "m.npz", tmp_path / "s.csv"
    csv.write_text("value\n" + "\n".join(str(i % 7) for i in range(80)) + "\n")
    main(["sine", "--epochs", "1", "--no-plots", "--quiet", "--save", str(model)])
    status = main(
        [
            "predict",
            "--model",
            str(model),
            "--csv",
            str(csv),
            "--column",
            "value",
            "--output",
            str(tmp_path / "out"),
            "--plot",
            str(tmp_path / "out"),
        ]
    )
    assert status == 2 and not (tmp_path / "out").exists()


def test_values_beyond_a_models_scaling_are_named(saved_model):
    tiny = rnnc.Model(saved_model.U, saved_model.V, saved_model.W, seq_len=6, scale=1e-300)
    with pytest.raises(ValueError, match="^X is too large for this model's scaling"):
        tiny.predict(np.full((1, 6), 1e10))
    with pytest.raises(ValueError, match="^history is too large for this model's scaling"):
        rnnc.forecast(tiny, np.full(6, 1e10), 2)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("scale", np.inf, "scale must be finite"),
        ("layout", "bogus", "layout must be one of"),
        ("activation", "relu", "activation must be one of"),
        ("offset", np.nan, "offset must be"),
    ],
)
def test_model_fields_are_checked_when_made_and_when_used(saved_model, field, value, message):
    with pytest.raises((ValueError, TypeError), match=message):
        rnnc.Model(saved_model.U, saved_model.V, saved_model.W, seq_len=6, **{field: value})
    setattr(saved_model, field, value)
    with pytest.raises((ValueError, TypeError), match=message):
        saved_model.predict(np.zeros((1, 6)))

"""The rnnc command line: the tutorial's sine experiment, and training and
forecasting on a column of a CSV file.

    rnnc sine [--preset rnnc|tutorial] [--backprop bptt|tutorial] [--out DIR]
    rnnc train --csv FILE --column NAME[,NAME...] --save MODEL [--inputs COL,...]
               [--horizon H] [--period M] [--until DATE|ROW]
    rnnc train --csv FILE --column NAME --save MODEL --preset adam [--seq-len N] [--out DIR]
    rnnc predict --model MODEL --csv FILE --column NAME[,NAME...] [--horizon H]
                 [--output FILE] [--until DATE|ROW] [--interval 0.8,0.95] [--plot PNG]

train and predict read the CSV with rnnc.series.read_table (--date, --no-date,
--fill, --delimiter): with a date column, forecasts are labelled by date.
Several --column names get one model each, from its own past (and the
--inputs columns), in the files --save names with {column}; each column is
read as it alone would be (its own gaps, fill and end).

Errors in arguments or files end the command with one line on stderr and a
non-zero exit status.
"""

import argparse
import contextlib
import csv
import dataclasses
import math
import os
import sys
import time
import warnings

import numpy as np

import rnnc
from rnnc import forecaster as forecaster_module
from rnnc import spec
from rnnc.forecasting import (
    MAX_HORIZON,
    check_levels,
    n_inputs,
    reads_inputs,
    training_statistics,
    unusual_history,
    with_inputs,
)
from rnnc.initializers import scaled_weights, tutorial_weights
from rnnc.io import check_save_path
from rnnc.scaling import in_units_of_largest, mean_in_range, standardisation
from rnnc.series import (
    FILLS,
    KEEP_GAPS,
    SeriesError,
    filled_each_side,
    offset_of,
    parse_dates,
    read_header,
    read_table,
    span_months,
    utc_offset,
)

# Settings a user can name at once.  "rnnc" learns the sine (validation RMSE
# about 0.003 in seconds): small initial weights so that the sigmoid starts
# with slope, and a learning rate 300 times the tutorial's.  "adam", the
# default of `rnnc train` before the forecaster, did better on the slower
# series we tried.  "forecaster" (rnnc.fit_forecaster) is `rnnc train`'s default.
FORECASTER = "forecaster"
PRESETS = {
    "rnnc": dict(init="scaled", optimizer="sgd", learning_rate=0.03, epochs=100),
    "adam": dict(init="scaled", optimizer="adam", learning_rate=0.003, epochs=100),
    "tutorial": dict(
        init="tutorial", optimizer="sgd", learning_rate=rnnc.learning_rate, epochs=rnnc.max_epochs
    ),
}
EXIT_ERROR = 2


class CommandError(Exception):
    """A mistake in the command's arguments or files: reported in one line."""


def sine_data(seq_len=rnnc.seq_len):
    """The tutorial's data: sin(0..199); 100 training windows, the next 50 for validation."""
    X, Y = rnnc.windows(np.sin(np.arange(200.0)), seq_len)
    return X[:100], Y[:100], X[100:150], Y[100:150]


# In --save, --model and --plot: the target column's name, for a file per column.
COLUMN = "{column}"


def read_target(args, column, inputs=()):
    """(Table, end): --csv's column and the inputs, with the command's date,
    fill and delimiter options, as that column alone would be read (its own
    gaps, fill and end), and the steps up to the forecast origin: --until's
    (origin), else all the column's values.  The rows after the last where
    the column has a value are the future (Table.end), where only the inputs
    have values.  With --until, the gaps on each side of it are filled on
    their own (filled_each_side), so that no value up to it is filled from
    one after it."""
    date = False if args.no_date else args.date
    try:
        table = read_table(
            args.csv,
            [column, *(name for name in inputs if name != column)],
            date=date,
            fill=args.fill if args.until is None else KEEP_GAPS,
            delimiter=args.delimiter,
            future=[column],
        )
        if args.until is None:
            return table, table.end
        end = origin(args.until, table, args.csv)
        if end > table.end:
            future = "; the rows after it are the inputs' future" if len(table.names) > 1 else ""
            raise CommandError(
                f"--until {args.until}: {column} ends at {origin_name(table, table.end)}{future}"
            )
        return filled_each_side(table, end, args.fill, args.csv)
    except SeriesError as exc:
        raise CommandError(str(exc)) from None


def read_tables(args, inputs):
    """({column: Table}, {column: end}) of read_target for each --column, all
    read before any work; inputs maps each column to its input columns."""
    read = {column: read_target(args, column, inputs[column]) for column in args.column}
    return {c: table for c, (table, _) in read.items()}, {c: end for c, (_, end) in read.items()}


def training_tables(args, inputs):
    """read_tables' Tables as train sees them: with --until, each ends at that
    step (Table.end), so that a model can be fitted on the past of a date
    that predict --until then forecasts from.  The later rows are still
    read (a gap there still needs --fill), but not trained on."""
    tables, ends = read_tables(args, inputs)
    if args.until is None:
        return tables
    for column, table in tables.items():
        end = ends[column]
        if args.preset == FORECASTER and end < forecaster_module.MIN_LENGTH:
            raise CommandError(
                f"--until {args.until}: {column} has {end} values up to it; the "
                f"forecaster needs at least {forecaster_module.MIN_LENGTH}"
            )
        tables[column] = dataclasses.replace(table, end=end)
    return tables


def for_column(path, column, columns, option):
    """path with {column} replaced by the column's name; with several
    --column names (columns), path must hold {column}, so that each gets its
    own file, and a column's name must not hold a path separator."""
    if path is None or path == "-":
        return path
    if len(columns) > 1 and COLUMN not in path:
        raise CommandError(
            f"{option} {path}: --column names {len(columns)} columns, one model "
            f"each; write {COLUMN} where each column's name goes, e.g. "
            f"{option} model-{COLUMN}.npz"
        )
    if COLUMN in path and (os.sep in column or (os.altsep and os.altsep in column)):
        raise CommandError(f"{option} {path}: column {column!r} cannot name a file")
    return path.replace(COLUMN, column)


def check_columns(args):
    """--column and --inputs: no column both a target and an input (names
    holding commas put together first, whole_names)."""
    whole_names(args)
    both = [name for name in getattr(args, "inputs", None) or () if name in args.column]
    if both:
        raise CommandError(
            f"--inputs {both[0]} is also a --column: a column is a target or an input"
        )


def future_inputs(table, names, end, horizon, where):
    """The inputs' values up to step end and for the horizon's steps after it,
    (end + horizon, k); a CommandError naming the input and the future
    values it lacks (they are required, not forecast)."""
    x = np.column_stack([table.column(name) for name in names])
    for j, name in enumerate(names):
        ahead = x[end : end + horizon, j]
        have = len(ahead) if np.all(np.isfinite(ahead)) else int(np.argmin(np.isfinite(ahead)))
        if have < horizon:
            raise CommandError(
                f"--inputs {name} has {have} future value(s) after {where}, and "
                f"--horizon {horizon} needs {horizon}: rnnc does not forecast inputs, "
                f"so give their values in the rows after the forecast origin "
                f"({horizon - have} missing)"
            )
    return x[: end + horizon]


def origin_name(table, end):
    """The forecast origin as the user sees it: its date, or its row."""
    if table.dates is not None:
        return table.write_date(table.dates[end - 1])
    return f"row {table.number(end - 1)}"


def date_info(table, end=None):
    """What a model keeps of its training file's dates (nothing when it had
    none), its data ending at step end (the table's end by default)."""
    if table.dates is None:
        return {}
    f = table.frequency
    return dict(
        date_column=table.date_name,
        frequency=dict(unit=f.unit, n=f.n, month_end=f.month_end, name=f.name),
        last_date=table.write_date(table.dates[(table.end if end is None else end) - 1]),
    )


class Progress:
    """Prints the tutorial's epoch line; on a terminal, also a bar that keeps redrawing."""

    def __init__(self, epochs, quiet=False):
        self.epochs, self.stream, self.quiet = epochs, sys.stdout, quiet
        self.bar = self.stream.isatty() and not quiet
        self.start = time.perf_counter()
        self.train_losses, self.validation_losses = [], []

    def __call__(self, epoch, loss, validation_loss):
        self.train_losses.append(loss)
        self.validation_losses.append(validation_loss)
        if self.quiet:
            return
        line = f"Epoch: {epoch}, Loss: {loss}, Validation Loss: {validation_loss}"
        if self.bar:
            done = int(30 * epoch / self.epochs)
            elapsed = time.perf_counter() - self.start
            line = (
                f"\r\033[K{line}\n[{'#' * done}{'.' * (30 - done)}] {epoch}/{self.epochs}"
                f" epochs, {elapsed:.1f} s"
            )
        else:
            line += "\n"
        self.stream.write(line)
        self.stream.flush()

    def close(self):
        if self.bar:
            self.stream.write("\r\033[K")
            self.stream.flush()


def fit(U, V, W, X, Y, Xv, Yv, args, epochs, learning_rate, shuffle=False):
    """Train with the command's settings; returns the Progress holding the losses."""
    progress = Progress(epochs, quiet=args.quiet)
    try:
        rnnc.train(
            U,
            V,
            W,
            X,
            Y,
            Xv,
            Yv,
            learning_rate=learning_rate,
            max_epochs=epochs,
            bptt_truncate=spec.truncation_from_code(args.bptt_truncate),
            backprop=args.backprop,
            optimizer=args.optimizer,
            activation=args.activation,
            verbose=False,
            callback=progress,
            shuffle=shuffle,
            random_state=12161 if args.seed is None else args.seed,
            batch_size=args.batch_size,
        )
    finally:
        progress.close()
    return progress


def _errors(predicted, actual):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(predicted, dtype=np.float64) - np.asarray(actual, dtype=np.float64)


def rmse(predicted, actual):
    """Root mean squared error; where the squares overflow, in units of the
    largest error; inf where an error itself is beyond float64's range."""
    errors = _errors(predicted, actual)
    with np.errstate(over="ignore", invalid="ignore"):
        plain = math.sqrt(np.mean(errors**2))
    if math.isfinite(plain) or not np.all(np.isfinite(errors)):
        return plain
    unit, magnitude = in_units_of_largest(errors)
    return math.sqrt(np.mean(unit**2)) * float(magnitude.item())


def mae(predicted, actual):
    """Mean absolute error, also near float64's largest (mean_in_range)."""
    return float(mean_in_range(np.abs(_errors(predicted, actual))))


def fixed(value):
    """value with 6 decimals, or 6 significant digits where it is 1e6 or more."""
    return f"{value:.6f}" if abs(value) < 1e6 else f"{value:.6g}"


def write_plots(out, prefix, model, X, Y, Xv, Yv, progress, what):
    """The training fit, the validation fit and the loss curves, as PNG files in out."""
    from rnnc import plots

    fits = [
        (model.from_network(Y), model.predict(model.from_network(X))),
        (model.from_network(Yv), model.predict(model.from_network(Xv))),
    ]
    try:
        os.makedirs(out, exist_ok=True)
        paths = [
            os.path.join(out, f"{prefix}_{name}.png") for name in ("training", "validation", "loss")
        ]
        # matplotlib's axis arithmetic overflows on values near float64's largest:
        # its warnings are not the user's concern, and its error is reported below
        with np.errstate(over="ignore", invalid="ignore"):
            plots.fit(paths[0], *fits[0], f"{what}: training windows (the data it learned from)")
            plots.fit(paths[1], *fits[1], f"{what}: validation windows (held out)")
            plots.losses(
                paths[2],
                progress.train_losses,
                progress.validation_losses,
                f"{what}: loss per epoch",
            )
    except ImportError as exc:
        print(f"rnnc: no plots: {exc}", file=sys.stderr)
        return []
    except OSError as exc:
        raise CommandError(f"cannot write plots to {out}: {exc.strerror or exc}") from None
    except (ValueError, OverflowError) as exc:  # axes over values near float64's largest
        print(f"rnnc: no plots: matplotlib cannot draw these values ({exc})", file=sys.stderr)
        return []
    return paths


def report(model, Xv, Yv, train_mean, seconds, paths):
    predicted = model.predict(model.from_network(Xv))
    actual = model.from_network(Yv)
    for path in paths:
        print(f"wrote {path}")
    print(f"trained in {seconds:.2f} s")
    print(
        f"Validation RMSE: {fixed(rmse(predicted, actual))} (predicting the training mean: "
        f"{fixed(rmse(np.full_like(actual, train_mean), actual))})"
    )


def make_model(U, V, W, args, seq_len, offset, scale, info):
    return rnnc.Model(
        U,
        V,
        W,
        seq_len=seq_len,
        layout="per_step",
        activation=args.activation,
        bptt_truncate=spec.truncation_from_code(args.bptt_truncate),
        offset=offset,
        scale=scale,
        info=info,
    )


def save(path, model):
    try:
        rnnc.save(path, model)
    except OSError as exc:
        raise CommandError(f"cannot save the model to {path}: {exc.strerror or exc}") from None
    print(f"saved the model to {path}")


OPTION_DEFAULTS = dict(
    hidden=rnnc.hidden_dim,
    bptt_truncate=rnnc.bptt_truncate,
    backprop="bptt",
    activation="sigmoid",
    seq_len=rnnc.seq_len,
    validation=0.2,
    batch_size=1,
)


def settings(args):
    """(init, learning_rate, epochs) of the preset, overridden by explicit options;
    sets args.optimizer and the options left out to their defaults."""
    for name, value in OPTION_DEFAULTS.items():
        if getattr(args, name, value) is None:
            setattr(args, name, value)
    preset = PRESETS[args.preset]
    if args.optimizer is None:  # the tutorial's rule is an SGD rule
        args.optimizer = "sgd" if args.backprop == "tutorial" else preset["optimizer"]
    if args.backprop == "tutorial":  # what rnnc.train refuses, named by the options
        off = spec.off_tutorial_rule(
            optimizer=args.optimizer, activation=args.activation, batch_size=args.batch_size
        )
        if off:
            given = " or ".join(f"--{name.replace('_', '-')} {value}" for name, value in off)
            raise CommandError(
                f"--backprop tutorial is the tutorial's rule: per-record SGD on a sigmoid "
                f"network; it takes no {given}"
            )
    return (
        preset["init"],
        preset["learning_rate"] if args.learning_rate is None else args.learning_rate,
        preset["epochs"] if args.epochs is None else args.epochs,
    )


def initial(init, hidden, seq_len, seed):
    if init == "tutorial":
        return tutorial_weights(hidden, seq_len, 1, 12161 if seed is None else seed)
    return scaled_weights(hidden, seq_len, 1, 12161 if seed is None else seed)


def check_outputs(args, inputs=()):
    """Before any work: the model file can be saved, outputs go to directories
    that exist, no two outputs are one file, and no output overwrites an input.
    A {column} in --save or --plot stands for each --column's name."""
    columns = getattr(args, "column", None) or [""]
    saves = [
        for_column(p, c, columns, "--save")
        for p in [getattr(args, "save", None)]
        if p
        for c in columns
    ]
    for path in dict.fromkeys(saves):
        try:
            check_save_path(path)
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
    plots = [
        for_column(p, c, columns, "--plot")
        for p in [getattr(args, "plot", None)]
        if p
        for c in columns
    ]
    outputs = [
        p
        for p in (*dict.fromkeys(saves), getattr(args, "output", None), *dict.fromkeys(plots))
        if p and p != "-"
    ]
    for i, path in enumerate(outputs):
        for other in outputs[i + 1 :]:
            if os.path.abspath(path) == os.path.abspath(other):
                raise CommandError(f"{path} is named for two outputs: give each its own file")
        if os.path.isdir(path):
            raise CommandError(f"cannot write {path}: it is a directory")
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise CommandError(f"cannot write {path}: no directory {directory}")
        for source in inputs:
            if os.path.exists(path) and os.path.exists(source) and os.path.samefile(path, source):
                raise CommandError(f"{path} is also an input: refusing to overwrite it")
    out = getattr(args, "out", None)
    if (
        out
        and not getattr(args, "no_plots", True)
        and os.path.exists(out)
        and not os.path.isdir(out)
    ):
        raise CommandError(f"--out {out} is a file, not a directory")


def command_sine(args):
    check_outputs(args)
    init, learning_rate, epochs = settings(args)
    X, Y, Xv, Yv = sine_data()
    U, V, W = initial(init, args.hidden, rnnc.seq_len, args.seed)
    start = time.perf_counter()
    progress = fit(U, V, W, X, Y, Xv, Yv, args, epochs, learning_rate)
    seconds = time.perf_counter() - start
    model = make_model(
        U,
        V,
        W,
        args,
        rnnc.seq_len,
        0.0,
        1.0,
        dict(
            data="sine",
            preset=args.preset,
            learning_rate=learning_rate,
            epochs=epochs,
            backprop=args.backprop,
            optimizer=args.optimizer,
        ),
    )
    if args.save:
        save(args.save, model)
    paths = (
        []
        if args.no_plots
        else write_plots(args.out, "sine", model, X, Y, Xv, Yv, progress, "sine")
    )
    report(model, Xv, Yv, float(np.mean(Y)), seconds, paths)


def command_train(args):
    check_columns(args)
    saves = [for_column(args.save, column, args.column, "--save") for column in args.column]
    check_outputs(args, inputs=[args.csv])
    if args.preset == FORECASTER:
        return command_forecaster(args, saves)
    for option in ("horizon", "period", "inputs"):
        if getattr(args, option) is not None:
            raise CommandError(
                f"--{option} is for the default forecaster, not --preset {args.preset}"
            )
    init, learning_rate, epochs = settings(args)
    tables = training_tables(args, dict.fromkeys(args.column, []))
    for column, path in zip(args.column, saves, strict=True):
        if len(args.column) > 1:
            print(f"{column}:")
        train_network(args, tables[column], column, path, init, learning_rate, epochs)


def train_network(args, table, column, path, init, learning_rate, epochs):
    """One network (--preset adam, rnnc or tutorial) for one column, saved to path."""
    series = table.column(column)[: table.end]  # the rows after it are the future
    seq_len = args.seq_len
    n_windows = len(series) - seq_len
    n_validation = max(1, round(args.validation * n_windows)) if n_windows > 1 else 0
    if n_windows - n_validation < 1 or n_validation < 1:
        upto = "" if args.until is None else f" up to --until {args.until}"
        raise CommandError(
            f"{args.csv}: {len(series)} values in {column!r}{upto} give "
            f"{max(n_windows, 0)} windows of --seq-len {seq_len} and their "
            f"next value, {max(n_validation, 0)} of them held out by "
            f"--validation {args.validation}: at least one must be left to "
            f"train on and one to validate"
        )
    # scale with the training part only, so that validation stays unseen
    train_part = series[: n_windows - n_validation + seq_len]
    try:
        offset, scale = (float(v[0]) for v in standardisation(train_part))
    except ValueError:
        raise CommandError(f"{args.csv}: the values of {column!r} are too large to scale") from None
    X, Y = rnnc.windows((series - offset) / scale, seq_len)
    X, Y, Xv, Yv = X[:-n_validation], Y[:-n_validation], X[-n_validation:], Y[-n_validation:]
    U, V, W = initial(init, args.hidden, seq_len, args.seed)
    start = time.perf_counter()
    # shuffled windows learn better; the tutorial's preset keeps its order
    progress = fit(
        U, V, W, X, Y, Xv, Yv, args, epochs, learning_rate, shuffle=args.preset != "tutorial"
    )
    seconds = time.perf_counter() - start
    model = make_model(
        U,
        V,
        W,
        args,
        seq_len,
        offset,
        scale,
        dict(
            data=os.path.basename(args.csv),
            column=column,
            preset=args.preset,
            learning_rate=learning_rate,
            epochs=epochs,
            backprop=args.backprop,
            optimizer=args.optimizer,
            validation_windows=n_validation,
            **date_info(table),
            training=training_statistics(series),
        ),
    )
    save(path, model)
    paths = (
        []
        if args.no_plots
        else write_plots(args.out, column, model, X, Y, Xv, Yv, progress, column)
    )
    report(model, Xv, Yv, offset, seconds, paths)


# options of the network presets that the forecaster chooses for itself
PRESET_ONLY = ("seq_len", "validation", "backprop", "optimizer", "bptt_truncate", "batch_size")


def command_forecaster(args, saves):
    """rnnc train's default: rnnc.fit_forecaster for each --column, its
    backtest table, the model saved."""
    given = [
        f"--{name.replace('_', '-')}" for name in PRESET_ONLY if getattr(args, name) is not None
    ]
    if given:
        raise CommandError(
            f"{given[0]} is an option of --preset adam, rnnc or tutorial; the "
            f"default forecaster chooses its window and training itself"
        )
    inputs = args.inputs or []
    tables = training_tables(args, dict.fromkeys(args.column, inputs))
    options = {
        name: getattr(args, option)
        for name, option in (
            ("hidden_dim", "hidden"),
            ("max_epochs", "epochs"),
            ("learning_rate", "learning_rate"),
            ("activation", "activation"),
            ("seed", "seed"),
        )
        if getattr(args, option) is not None
    }
    for column, path in zip(args.column, saves, strict=True):
        if len(args.column) > 1:
            print(f"{column}:")
        fit_column(args, tables[column], column, inputs, path, options)


# fit_forecaster's arguments that train's options set: its errors name the option
OPTION_OF = {
    "period": "--period",
    "horizon": "--horizon",
    "inputs": "--inputs",
    "hidden_dim": "--hidden",
    "max_epochs": "--epochs",
    "learning_rate": "--learning-rate",
}


def in_option_words(message, path, column):
    """fit_forecaster's error message as train's: an argument an option sets
    named by the option, the series by its file and column."""
    first = message.split(" ", 1)[0]
    if first in OPTION_OF:
        return OPTION_OF[first] + message[len(first) :]
    if first == "series":
        return f"{path}: column {column!r}: {message}"
    return message


def fit_column(args, table, column, inputs, path, options):
    """rnnc.fit_forecaster on one column (and the inputs), saved to path."""
    end = table.end  # with inputs, the rows after it are the inputs' future
    series = table.column(column)[:end]
    x = None if not inputs else np.column_stack([table.column(name)[:end] for name in inputs])
    start = time.perf_counter()
    # the season the dates imply is a candidate: fit_forecaster keeps it if the data agree
    calendar = table.frequency.season if table.frequency is not None else None
    try:
        model = rnnc.fit_forecaster(
            series,
            horizon=args.horizon,
            period=args.period,
            calendar_period=calendar,
            inputs=x,
            **options,
        )
    except ValueError as exc:
        raise CommandError(in_option_words(str(exc), args.csv, column)) from None
    seconds = time.perf_counter() - start
    model.info.update(
        data=os.path.basename(args.csv),
        column=column,
        preset=FORECASTER,
        **date_info(table, end),
        **(dict(inputs=list(inputs)) if inputs else {}),
    )
    save(path, model)
    info = model.info
    if table.frequency is not None:
        print(
            f"{len(series)} {table.frequency.name} values, "
            f"{table.write_date(table.dates[0])} to {info['last_date']}"
        )
    source = {"dates": ", from the dates", "autocorrelation": ", detected"}.get(
        info["period_from"], ""
    )
    with_inputs = f", with inputs {', '.join(inputs)}" if inputs else ""
    print(
        f"backtest: {info['origins']} forecasts of {info['horizon']} steps from the last "
        f"{info['holdout']} values (period {info['period']}{source}{with_inputs}), MASE "
        f"(below 1: better than the in-sample seasonal naive forecast):"
    )
    for line in forecaster_module.backtest_table(model):
        print(f"  {line}")
    if info["baseline_won"]:
        print(
            f"A baseline won: no candidate beat {info['winner']} clearly, so the saved "
            f"model is {info['winner']} itself."
        )
    else:
        print(f"chosen: {info['winner']}, refitted on all {len(series)} values")
    if table.frequency is None and args.period is None and info["period"] == 1:
        # without dates a season is looked for up to a quarter of the values only
        widest = forecaster_module.widest_lag(len(series))
        print(
            f"note: no dates and no season found (lags up to {widest}, a "
            f"quarter of the values, were tested); if the series has one, give it with "
            f"--period (12 for monthly values, 4 quarterly) or add a date column"
        )
    if not args.no_plots:
        plot_training_forecast(args, model, table, column, inputs)
    print(f"trained in {seconds:.2f} s")


def plot_training_forecast(args, model, table, column, inputs):
    """rnnc train's plot: the chosen model's forecast past the end of the data
    (with inputs, only when the file holds their future values)."""
    path = os.path.join(args.out, f"{column}_forecast.png")
    end, horizon = table.end, model.info["horizon"]
    try:
        where = origin_name(table, end)
        x = future_inputs(table, inputs, end, horizon, where) if inputs else None
    except CommandError as exc:
        print(f"rnnc: no forecast plot: {exc}", file=sys.stderr)
        return
    try:
        os.makedirs(args.out, exist_ok=True)
        levels = PLOT_LEVELS if model.info.get("residuals") else None
        result = rnnc.forecast(model, table.column(column)[:end], horizon, levels=levels, inputs=x)
        plot_forecast(path, model, table, column, end, result)
        print(f"wrote {path}")
    except ImportError as exc:
        print(f"rnnc: no plots: {exc}", file=sys.stderr)
    except OSError as exc:
        raise CommandError(f"cannot write plots to {args.out}: {exc.strerror or exc}") from None


def write_csv(f, header, rows):
    # lines end in \n, as the pipes and files a command's output goes to read them
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def command_predict(args):
    check_columns(args)
    paths = {
        column: for_column(args.model, column, args.column, "--model") for column in args.column
    }
    plots = {column: for_column(args.plot, column, args.column, "--plot") for column in args.column}
    check_outputs(args, inputs=[args.csv, *paths.values()])
    models = {column: load_model(path) for column, path in paths.items()}
    for option in ("until", "interval"):
        if getattr(args, option) is not None and args.horizon is None:
            raise CommandError(f"--{option} is for forecasts: give --horizon too")
    inputs = {column: model_inputs(args, models[column], paths[column]) for column in models}
    tables, ends = read_tables(args, inputs)
    for column, model in models.items():
        table, end = tables[column], ends[column]
        window = model.window_len  # seq_len, plus what the model's differencing uses up
        if end < window:
            upto = "" if args.until is None else f" up to --until {args.until}"
            raise CommandError(
                f"{args.csv}: {column!r} has {end} values{upto}; "
                f"the model needs windows of {window}"
            )
        check_frequency(model, table, args.csv, column if len(models) > 1 else None)
        trained = model.info.get("column")
        if trained is not None and trained != column:  # a name may change; say so
            warnings.warn(
                f"{paths[column]} was trained on column {trained!r}; "
                f"forecasting {column!r} with it",
                UserWarning,
                stacklevel=1,
            )
    if args.horizon is not None:
        return predict_horizon(args, models, inputs, tables, ends, plots, paths)
    return predict_next(args, models, inputs, tables, ends, plots)


def load_model(path):
    """The model file at path, if it predicts one series (with or without inputs)."""
    try:
        model = rnnc.load(path)
    except FileNotFoundError:
        raise CommandError(f"no model file {path}") from None
    # a model fitted with inputs may read none of them (a baseline won)
    if model.output_dim != 1 or model.n_features not in (1, 1 + n_inputs(model)):
        raise CommandError(
            f"{path} does not predict one series from its own past and inputs "
            f"(it has {model.output_dim} outputs and {model.n_features} input features per step)"
        )
    return model


def model_inputs(args, model, path):
    """The input columns the model at path reads: --inputs, or those it was trained with."""
    k = n_inputs(model)
    if k == 0:
        if args.inputs:
            raise CommandError(f"--inputs: {path} was trained without inputs")
        return []
    trained = list(model.info.get("inputs") or [])
    names = args.inputs or trained
    if not names:
        raise CommandError(f"{path} was fitted with {k} input(s): name their columns with --inputs")
    if len(names) != k:
        raise CommandError(
            f"--inputs names {len(names)} column(s); {path} was trained with {k} "
            f"({', '.join(trained) or f'{k} columns'})"
        )
    if args.inputs and trained and list(names) != trained:
        # the model reads its inputs by position: a trained input named in
        # another place would feed it the wrong column
        moved = [name for i, name in enumerate(names) if name in trained and trained[i] != name]
        if moved:
            raise CommandError(
                f"--inputs {','.join(names)}: {path} was trained with --inputs "
                f"{','.join(trained)}, in that order; {moved[0]} is in another place"
            )
        warnings.warn(
            f"--inputs {','.join(names)} stand for {','.join(trained)}, the inputs "
            f"{path} was trained with, in that order",
            UserWarning,
            stacklevel=1,
        )
    return list(names)


def group(column, what, several):
    """A CSV column's name: what, prefixed by the --column it is for when there are several."""
    return f"{column}_{what}" if several else what


def step_key(table, i):
    """(key, label) of the series' step i (0-based): its date, or its 1-based
    number among the file's steps (Table.number), as --until counts rows; the
    keys of several columns' tables (read from one file) sort together."""
    if table.dates is None:
        return table.number(i), str(table.number(i))
    last = len(table.dates) - 1
    date = table.dates[i] if i <= last else table.frequency.add(table.dates[-1], i - last)
    return date, table.write_date(date)


def merged_rows(groups, widths):
    """CSV rows from groups, one {key: (label, cells)} per --column with widths
    cells each: a row per key any of them has, in order, with "" where a
    group has none (each column's table has its own gaps and end)."""
    labels = {key: label for group in groups for key, (label, _) in group.items()}
    return [
        [labels[key]]
        + [
            cell
            for group, width in zip(groups, widths, strict=True)
            for cell in (group[key][1] if key in group else [""] * width)
        ]
        for key in sorted(labels)
    ]


def predict_next(args, models, inputs, tables, ends, plots):
    """rnnc predict without --horizon: the value after each window of each
    --column's first ends[column] values (one prediction, actual pair per
    --column)."""
    several = len(models) > 1
    predicted, groups = {}, []
    for column, model in models.items():
        table, end = tables[column], ends[column]
        series, window = table.column(column)[:end], model.window_len
        x = (
            np.column_stack([table.column(name) for name in inputs[column]])
            if inputs[column]
            else None
        )
        note = unusual_history(model, series, None if x is None else x[:end])
        if note:
            warnings.warn(f"{column}: {note}" if several else note, UserWarning, stacklevel=1)
        X = np.lib.stride_tricks.sliding_window_view(series, window)
        if reads_inputs(model):
            # the window ending at step t reads the inputs of t + 1: the last
            # window's only where the file has them
            if end >= len(x) or not np.all(np.isfinite(x[end])):
                X = X[:-1]
            leads = np.lib.stride_tricks.sliding_window_view(x[: len(X) + window], window + 1, 0)
            X = with_inputs(X, leads.transpose(0, 2, 1))
        else:
            X = X[:, :, None]
        # the window starting at step i predicts step i + window
        predicted[column] = dict(zip(range(window, window + len(X)), model.predict(X)[:, 0]))
        groups.append(
            {
                step_key(table, i)[0]: (
                    step_key(table, i)[1],
                    [number(value), number(series[i]) if i < end else ""],
                )
                for i, value in predicted[column].items()
            }
        )
    header = ["date" if next(iter(tables.values())).dates is not None else "row"]
    for column in models:
        header += [group(column, "prediction", several), group(column, "actual", several)]
    write_output(args, header, merged_rows(groups, [2] * len(groups)))
    for column, path in plots.items():
        if path:
            from rnnc import plots as plotting

            end, window = ends[column], models[column].window_len
            series = tables[column].column(column)[:end]
            with plot_errors(path):
                plotting.fit(
                    path,
                    series[window:],
                    [predicted[column][i] for i in range(window, end) if i in predicted[column]],
                    f"{column}: next-value predictions",
                )


# the bands the forecast plot shows when --interval does not name others
PLOT_LEVELS = (0.8, 0.95)


def predict_horizon(args, models, inputs, tables, ends, plots, paths):
    """rnnc predict --horizon: each --column's forecast from its first
    ends[column] values, its intervals and, where the file goes on, the actual
    values and the error; a group of CSV columns per --column when there are
    several (a row for each step any of them forecasts)."""
    horizon, several = args.horizon, len(models) > 1
    header = ["date" if next(iter(tables.values())).dates is not None else "step"]
    groups, widths, summaries, plotted = [], [], [], []
    for column, model in models.items():
        table, end = tables[column], ends[column]
        columns = []

        def name(what, column=column):
            return group(column, what, several)

        series = table.column(column)
        history = series[:end]
        x = None
        if inputs[column]:
            x = future_inputs(table, inputs[column], end, horizon, origin_name(table, end))
        levels = args.interval
        if (
            levels is None
            and plots[column]
            and model.info.get("residuals")
            and horizon <= len(model.info["residuals"][0])
        ):
            levels = PLOT_LEVELS  # the plot shows the bands whenever the model has them
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = rnnc.forecast(model, history, horizon, levels=levels, inputs=x)
            except ValueError as exc:
                if levels is None:
                    raise
                where = f" {paths[column]}:" if several else ""
                raise CommandError(f"--interval:{where} {exc}") from None
        for warning in caught:  # forecast's notes, naming the column when there are several
            note = f"{column}: {warning.message}" if several else str(warning.message)
            warnings.warn(note, UserWarning, stacklevel=1)
        predicted = result if levels is None else result.mean
        actual = series[end : min(end + horizon, table.end)]
        header.append(name("forecast"))
        columns.append(predicted)
        for level in args.interval or ():
            header += [name(f"lower_{percent(level)}"), name(f"upper_{percent(level)}")]
            columns += list(result.intervals[level])
            if np.isinf(result.intervals[level][0][0]):
                warnings.warn(
                    f"{column + ': ' if several else ''}the {percent(level)}% interval is "
                    f"unbounded: the model's {len(model.info['residuals'])} backtest origins "
                    f"are too few for that level",
                    UserWarning,
                    stacklevel=1,
                )
        if len(actual):
            header.append(name("actual"))
            columns.append(np.r_[actual, np.full(horizon - len(actual), np.nan)])
            summary = error_summary(
                history,
                predicted[: len(actual)],
                actual,
                model,
                result.intervals if args.interval else {},
            )
            if summary:
                summaries.append(f"{column}: {summary}" if several else summary)
        if plots[column]:
            plotted.append((plots[column], model, column, result, actual))
        widths.append(len(columns))
        groups.append(
            {
                step_key(table, end + i)[0]: (
                    step_key(table, end + i)[1],
                    ["" if np.isnan(c[i]) else number(c[i]) for c in columns],
                )
                for i in range(horizon)
            }
        )
    write_output(args, header, merged_rows(groups, widths))
    to = sys.stderr if args.output in (None, "-") else sys.stdout  # stdout stays CSV
    for summary in summaries:
        print(summary, file=to)
    for path, model, column, result, actual in plotted:
        with plot_errors(path):
            plot_forecast(path, model, tables[column], column, ends[column], result, actual)


def percent(level):
    """0.8 -> "80", 0.975 -> "97.5": the level as the column names write it."""
    return f"{100 * level:.10g}"


def number(value):
    return "" if value == "" else repr(float(value))


def error_summary(history, predicted, actual, model, intervals):
    """One line: MAE, RMSE and MASE of the forecast against the values that followed
    (MASE scaled by the history's in-sample seasonal naive error), and the
    intervals' coverage, over the steps where the file has a value (actual is
    NaN at its gaps after --until); None when it has none."""
    known = ~np.isnan(actual)
    if not known.any():
        return None
    predicted, actual = predicted[known], actual[known]
    m = int(model.info.get("period", 1) or 1)
    m = m if len(history) > m else 1
    scale = mae(history[m:], history[:-m]) if len(history) > m else 0.0
    error = mae(predicted, actual)
    mase = f"{error / scale:.4g}" if scale > 0 else "n/a (constant history)"
    gaps = f" ({np.sum(~known)} more are gaps in the file)" if not known.all() else ""
    line = (
        f"error over the {len(actual)} known steps{gaps}: MAE {error:.6g}, "
        f"RMSE {rmse(predicted, actual):.6g}, MASE {mase} (against the history's "
        f"in-sample seasonal naive, period {m})"
    )
    for level, (lower, upper) in intervals.items():
        lower, upper = lower[: len(known)][known], upper[: len(known)][known]
        inside = int(np.sum((lower <= actual) & (actual <= upper)))
        line += f"; {percent(level)}% interval holds {inside}/{len(actual)}"
    return line


def step_contains(table, when):
    """Which of the table's steps hold the date when: for quarterly and yearly
    steps, the step dated in the same calendar quarter or year (2001Q2 and
    2001-05 find 2001-06-30 or 2001-04-01, 2000 finds 2000-07-01); for steps
    of other months, the n months each step stands for (those up to its date
    when the dates fall on month ends, as 2001-06-30 for 2001-06; those from
    it otherwise); for other steps, the date itself."""
    f = table.frequency
    if f.unit in ("D", "B") and when == when.astype("datetime64[D]"):
        # a day finds its step whatever time of day the file stamps (09:00)
        return table.dates.astype("datetime64[D]") == when
    if f.unit != "M":
        return table.dates == when
    months = table.dates.astype("datetime64[M]")
    if f.n in (3, 12):  # calendar quarters and years: the step's date is in one
        return (months.astype(np.int64) // f.n) == (
            when.astype("datetime64[M]").astype(np.int64) // f.n
        )
    first = months - (f.n - 1) if f.month_end else months
    month = when.astype("datetime64[M]")
    return (first <= month) & (month <= first + (f.n - 1))


def steps_within(table, when, months):
    """Which of the table's steps a date written as spanning months calendar
    months from when (span_months; 0 for a day) reaches: the steps holding
    any of its months (step_contains), or for daily and weekly steps those
    dated inside it."""
    if not months:
        return step_contains(table, when)
    first = when.astype("datetime64[M]")
    if table.frequency.unit != "M":
        return (table.dates >= first) & (table.dates < first + months)
    return np.any([step_contains(table, first + k) for k in range(months)], axis=0)


def in_the_files_offset(when, text, table, path):
    """when, read from --until's text as a wall time, moved to the UTC offset
    of the file's dates where text gives another (it had been read as the
    file's own time); an offset given for a file whose dates have none is an
    error."""
    given = utc_offset(text)
    if given is None:
        return when
    suffix = table.style.suffix if table.style is not None else ""
    if not suffix:
        raise CommandError(
            f"--until {text}: {path}'s dates have no UTC offset; give the date as the file "
            f"writes it, without one"
        )
    return when - given + offset_of(suffix)


def origin(text, table, path):
    """How many values --until keeps: up to and including the last step of
    the span the date it names reaches (steps_within: 2001 in a monthly file
    is 2001-12, in a yearly one the step holding 2001) or its 1-based row of
    the series; in a file with dates, a number that reads as a date (a year)
    is that date."""
    n = len(table.values)
    if table.dates is not None:
        try:
            when = parse_dates([text.strip()], "--until")[0]
        except SeriesError:
            when = None
        if when is not None:
            when = in_the_files_offset(when, text, table, path)
            match = np.flatnonzero(steps_within(table, when, span_months(text)))
            if match.size:  # a span of several steps (2001 in monthly data) ends at its last
                return int(match[-1]) + 1
            # a year (four digits) is a date here, never a row: 2014 in daily data
            # from 2015 is no date of the file, not its 2014th row
            f = table.frequency
            year = " (read as a year: in a file with dates, a row is named by its date)"
            raise CommandError(
                f"--until {text}: no such date in {path}, whose "
                f"{f.name} dates run from {table.write_date(table.dates[0])} "
                f"to {table.write_date(table.dates[-1])}{year if text.strip().isdigit() else ''}"
            )
    if text.strip().isascii() and text.strip().isdigit():
        row = int(text)
        if not 1 <= row <= n:
            raise CommandError(f"--until {text}: {path} has rows 1 to {n}")
        return row
    what = "a date of the file or " if table.dates is not None else ""
    raise CommandError(f"--until {text!r} is not {what}a row number (1 to {n})")


def check_frequency(model, table, path, column=None):
    """A note when the file's steps are not those the model was trained on
    (naming the column, when given)."""
    trained = model.info.get("frequency")
    if trained and table.frequency is not None and trained.get("name") != table.frequency.name:
        warnings.warn(
            f"{column + ': ' if column else ''}{path} has {table.frequency.name} dates; "
            f"the {column + ' ' if column else ''}model was trained on "
            f"{trained.get('name')} ones",
            UserWarning,
            stacklevel=1,
        )


def write_output(args, header, rows):
    if args.output in (None, "-"):
        write_csv(sys.stdout, header, rows)
        sys.stdout.flush()  # before any summary on stderr
        return
    try:
        with open(args.output, "w", newline="") as f:
            write_csv(f, header, rows)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def plot_errors(path):
    """A missing matplotlib or an unwritable file, as a CommandError."""
    try:
        yield
    except ImportError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None


def plot_forecast(path, model, table, column, end, result, actual=()):
    """The forecast plot: recent history (a few seasons or about four horizons),
    the forecast with its interval bands, the actual values where known."""
    from rnnc import plots

    history = table.column(column)[:end]
    mean, intervals = (
        (result, {}) if isinstance(result, np.ndarray) else (result.mean, result.intervals)
    )
    horizon = len(mean)
    period = int(model.info.get("period", 1) or 1)
    recent = min(end, max(3 * period, 4 * horizon, 24))
    dates = None
    if table.dates is not None:
        dates = (table.dates[end - recent : end], table.future_dates(horizon, after=end - 1))
    name = model.info.get("winner") or f"network ({model.info.get('preset', 'rnnc')})"
    if model.info.get("inputs"):
        name += f", inputs {', '.join(model.info['inputs'])}"
    plots.forecast(
        path,
        history[-recent:],
        mean,
        f"{column}: {name}, {horizon} steps ahead",
        intervals=intervals,
        actual=actual,
        dates=dates,
    )


def whole_number(minimum, maximum=None):
    """An argparse type: an integer of at least `minimum` (and at most `maximum`)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            need = "must not be negative" if minimum == 0 else f"must be at least {minimum}"
            raise argparse.ArgumentTypeError(f"{value} {need}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{value} must be at most {maximum}")
        return value

    return parse


positive_int = whole_number(1)
non_negative_int = whole_number(0)


def truncation(text):
    """An argparse type: --bptt-truncate N, or none for full BPTT (stored as
    spec.NO_TRUNCATION, as model files store it: None means not given)."""
    if text.strip().lower() == "none":
        return spec.NO_TRUNCATION
    return non_negative_int(text)


horizon_steps = whole_number(1, MAX_HORIZON)


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} must be a positive number")
    return value


def fraction(text):
    value = positive_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"{text} must be between 0 and 1")
    return value


class ColumnNames(list):
    """--column or --inputs: the names (the text split at its commas until
    whole_names reads the file's header), and the text as given."""

    def __init__(self, names, text):
        super().__init__(names)
        self.text = text


def column_names(text):
    """An argparse type: NAME or NAME,NAME,... (column names).  Checked by
    whole_names, which can tell a comma inside a name from one between names."""
    return ColumnNames([name.strip() for name in text.split(",")], text)


def whole_names(args):
    """--column and --inputs as the file names its columns, each name once:
    the text is split at its commas, and where pieces joined by their commas
    make the name of a column of the file ("sales, units"), that column is
    meant, the longest such name first."""
    for option in ("column", "inputs"):
        given = getattr(args, option, None)
        if not isinstance(given, ColumnNames):
            continue
        pieces = given.text.split(",")
        header = set()
        if len(pieces) > 1:
            try:
                header = set(read_header(args.csv, args.delimiter))
            except SeriesError as exc:
                raise CommandError(str(exc)) from None
        names, i = [], 0
        while i < len(pieces):
            j = next(
                (
                    j
                    for j in range(len(pieces), i + 1, -1)
                    if ",".join(pieces[i:j]).strip() in header
                ),
                i + 1,
            )
            name = ",".join(pieces[i:j]).strip()
            if j > i + 1 and all(piece.strip() in header for piece in pieces[i:j]):
                warnings.warn(
                    f"--{option} {given.text!r} names the column {name!r}, not its "
                    f"parts, which are columns of {args.csv} too",
                    UserWarning,
                    stacklevel=2,
                )
            names.append(name)
            i = j
        if not all(names):
            raise CommandError(f"--{option} {given.text!r} has an empty column name")
        twice = next((name for name in names if names.count(name) > 1), None)
        if twice is not None:
            raise CommandError(f"--{option} {given.text!r} names {twice!r} twice")
        setattr(args, option, ColumnNames(names, given.text))


def one_character(text):
    """An argparse type: --delimiter, one character (tab or \\t for a tab)."""
    text = {"tab": "\t", "\\t": "\t"}.get(text, text)
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not one character (tab or \\t for a tab)")
    return text


def levels(text):
    """An argparse type: --interval 0.8,0.95, levels as fractions."""
    values = []
    for word in text.split(","):
        try:
            values.append(float(word))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{word!r} is not a number") from None
    try:
        return check_levels(sorted(set(values)))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_series_options(parser):
    parser.add_argument("--csv", required=True, metavar="FILE", help="CSV file with a header row")
    parser.add_argument(
        "--column",
        required=True,
        type=column_names,
        metavar="NAME[,NAME...]",
        help="the series' column; several, comma-separated, get one model each, "
        "from its own past (and the --inputs), in the files --save (--model) "
        "names with {column}, e.g. model-{column}.npz (pieces that joined by "
        "their commas name a column of the file are that column)",
    )
    parser.add_argument(
        "--inputs",
        type=column_names,
        metavar="COL[,COL...]",
        help="other columns known in advance, fed to the models as inputs "
        "(default forecaster; predict: default, the model's). Their future "
        "values are required, not forecast: the rows after the forecast origin "
        "(--until, or the last row where a --column has a value) must hold them "
        "for every --horizon step",
    )
    dates = parser.add_mutually_exclusive_group()
    dates.add_argument(
        "--date",
        metavar="NAME",
        help="the date column (default: one named date, month, year, ... whose "
        "cells all read as dates, if there is one)",
    )
    dates.add_argument(
        "--no-date", action="store_true", help="ignore any date column: steps are numbered"
    )
    parser.add_argument(
        "--fill",
        choices=FILLS,
        help="what to do with a missing value or a skipped date: draw a line "
        "across, repeat the previous value, or drop the step (default: "
        "an error naming the first)",
    )
    parser.add_argument(
        "--delimiter",
        type=one_character,
        metavar="CHAR",
        help="the field separator (default: sniffed from the header: comma, "
        "semicolon, tab or pipe)",
    )


def add_training_options(parser, out_default, preset, forecaster=False):
    what = (
        "forecaster: rnnc.fit_forecaster, a model chosen by backtest among baselines, "
        "linear autoregressions and small networks; "
        if forecaster
        else ""
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS) + ([FORECASTER] if forecaster else []),
        default=preset,
        help=f"{what}rnnc: small initial weights, SGD at 0.03, 100 epochs "
        "(learns the sine); adam: small initial weights, Adam at 0.003, "
        "100 epochs; tutorial: the tutorial's uniform(0, 1) weights from "
        f"seed 12161, SGD at 1e-4, 25 epochs (default: {preset})",
    )
    # train's default is the forecaster, which takes some options and refuses the rest
    only = "presets: " if forecaster else ""

    def theirs(text):
        return f"; the forecaster's: {text}" if forecaster else ""

    parser.add_argument(
        "--backprop",
        choices=spec.BACKPROPS,
        help=f"{only}bptt: exact truncated gradients; tutorial: the tutorial's "
        "own update rule (default: bptt)",
    )
    parser.add_argument(
        "--optimizer",
        choices=spec.OPTIMIZERS,
        help=f"{only}per-record SGD, as the tutorial, or Adam (default: the preset's)",
    )
    parser.add_argument(
        "--activation",
        choices=spec.ACTIVATIONS,
        help=f"the hidden layer's activation (default: sigmoid{theirs('tanh')})",
    )
    parser.add_argument(
        "--epochs",
        type=non_negative_int,
        help="passes over the training windows (default: the preset's"
        f"{theirs(f'at most {forecaster_module.MAX_EPOCHS}, stopped early by backtest')})",
    )
    parser.add_argument(
        "--learning-rate",
        type=positive_float,
        help="step size (default: the preset's"
        f"{theirs(f'Adam at {forecaster_module.LEARNING_RATE:g}')})",
    )
    parser.add_argument(
        "--hidden",
        type=positive_int,
        help=f"hidden units (default: {rnnc.hidden_dim}{theirs(forecaster_module.HIDDEN_DIM)})",
    )
    parser.add_argument(
        "--bptt-truncate",
        type=truncation,
        help=f"{only}gradient flows through the last N+1 steps; none: through all of "
        f"them (default: {rnnc.bptt_truncate})",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        help=f"{only}records per update: 1 updates after each record (the "
        "tutorial's); B > 1 steps along the mean gradient of B records "
        "at a time, on all cores (default: 1)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        help=f"seed of the initial weights (default: the tutorial's, 12161{theirs(0)})",
    )
    parser.add_argument(
        "--out", default=out_default, help=f"directory for the PNG plots (default: {out_default})"
    )
    parser.add_argument("--no-plots", action="store_true", help="write no plots")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch lines")


class Parser(argparse.ArgumentParser):
    """argparse, with its usage errors in one line."""

    def error(self, message):
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parser():
    top = Parser(
        prog="rnnc",
        description="Train and use small recurrent networks (Elman RNNs) with compiled kernels.",
    )
    top.add_argument("--version", action="version", version=f"rnnc {rnnc.__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sine = commands.add_parser(
        "sine",
        help="the tutorial's sine-wave experiment",
        description="Train on the tutorial's sine data (100 windows of "
        "50 steps, the next 50 for validation), write plots and print "
        "the validation RMSE.",
    )
    add_training_options(sine, "rnnc-sine", "rnnc")
    sine.add_argument("--save", metavar="MODEL", help="also save the model to this file")
    sine.set_defaults(run=command_sine)

    train = commands.add_parser(
        "train",
        help="train on a column of a CSV file",
        description="Fit a forecaster to a series (by default: "
        "rnnc.fit_forecaster backtests baselines, linear "
        "autoregressions and small networks and keeps the best), or "
        "with --preset adam, rnnc or tutorial train one network to "
        "predict the next value from the seq_len values before it, "
        "the last windows held out for validation.",
    )
    add_series_options(train)
    train.add_argument(
        "--horizon",
        type=horizon_steps,
        help="forecaster: steps to backtest and forecast (default: a season, "
        "at least 6, at most a sixth of the series)",
    )
    train.add_argument(
        "--period",
        type=positive_int,
        help="forecaster: the seasonal period, 1 for none (default: detected "
        "from the autocorrelation)",
    )
    train.add_argument(
        "--until",
        metavar="DATE|ROW",
        help="train on the series up to and including this date (or 1-based "
        "row); the later rows are read but not trained on, and rnnc predict "
        "--until the same step then forecasts what followed and compares",
    )
    train.add_argument(
        "--seq-len", type=positive_int, help=f"presets: values per window (default: {rnnc.seq_len})"
    )
    train.add_argument(
        "--validation",
        type=fraction,
        help="presets: fraction of the windows, from the end, held out (default: 0.2)",
    )
    train.add_argument(
        "--save",
        required=True,
        metavar="MODEL",
        help="model file to write; {column} in it stands for each --column's name "
        "(required with several)",
    )
    add_training_options(train, "rnnc-train", FORECASTER, forecaster=True)
    train.set_defaults(run=command_train)

    predict = commands.add_parser(
        "predict",
        help="predict with a saved model",
        description="Predict the next value after every window of "
        "a series, or forecast --horizon steps past its end by "
        "feeding predictions back; writes CSV.",
    )
    predict.add_argument(
        "--model",
        required=True,
        metavar="MODEL",
        help="model file from rnnc train or rnnc sine --save; {column} in it "
        "stands for each --column's name (required with several)",
    )
    add_series_options(predict)
    predict.add_argument(
        "--horizon",
        type=horizon_steps,
        help=f"forecast this many steps past the end of the series (at most {MAX_HORIZON})",
    )
    predict.add_argument(
        "--output", metavar="FILE", help="write the CSV here instead of to standard output"
    )
    predict.add_argument(
        "--until",
        metavar="DATE|ROW",
        help="forecast from here: the history is the series up to and "
        "including this date (or 1-based row); the values after it, "
        "where the file has them, are compared with the forecast",
    )
    predict.add_argument(
        "--interval",
        type=levels,
        metavar="LEVELS",
        help="prediction intervals at these levels, e.g. 0.8,0.95: adds "
        "lower_80,upper_80,... columns (models from the default "
        "forecaster)",
    )
    predict.add_argument(
        "--plot",
        metavar="PNG",
        help="also plot to this file: with --horizon, recent history, the "
        "forecast and its 80%% and 95%% bands (or --interval's); {column} "
        "in it stands for each --column's name (required with several)",
    )
    predict.set_defaults(run=command_predict)
    top.commands = {"sine": sine, "train": train, "predict": predict}
    return top


class ClosedStreamSafe:
    """Standard output that never raises for a closed reader: once the reader
    has gone (`rnnc ... | head`) or stdout was closed (`>&-`), what is written
    is dropped and the command carries on, so that training still ends and
    --save and --plot are still written."""

    def __init__(self, stream):
        self.stream = stream if stream is not None else open(os.devnull, "w")

    def write(self, text):
        try:
            return self.stream.write(text)
        except (BrokenPipeError, ValueError):  # ValueError: the stream was closed
            self._drop()
            return len(text)

    def flush(self):
        try:
            self.stream.flush()
        except (BrokenPipeError, ValueError):
            self._drop()

    def isatty(self):
        try:
            return self.stream.isatty()
        except ValueError:
            return False

    def _drop(self):
        # point the descriptor at /dev/null too, so that the interpreter's own
        # flush at exit finds nothing to complain about
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass
        self.stream = open(os.devnull, "w")


def main(argv=None):
    top = parser()
    args, unknown = top.parse_known_args(argv)
    if unknown:  # named by the command's parser, not the top one: its --help lists them
        top.commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    stdout, sys.stdout = sys.stdout, ClosedStreamSafe(sys.stdout)
    with warnings.catch_warnings():
        # a warning is a note to the user, in one line, not a line of Python source
        warnings.showwarning = lambda message, *_, **__: print(
            f"rnnc {args.command}: note: {message}", file=sys.stderr
        )
        try:
            return run(args)
        finally:
            sys.stdout = stdout


def run(args):
    """The command's exit status: errors in one line on stderr."""
    try:
        args.run(args)
    except (CommandError, ValueError, TypeError, FloatingPointError) as exc:
        print(f"rnnc {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        where = f" {exc.filename}:" if exc.filename else ""
        print(f"rnnc {args.command}: error:{where} {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except MemoryError:
        print(f"rnnc {args.command}: error: not enough memory for these settings", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"rnnc {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

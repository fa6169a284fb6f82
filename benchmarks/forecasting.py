"""Forecasting benchmark ("Forecasts worth using"): a rolling-origin backtest of
rnnc against standard baselines on real public series shipped inside statsmodels.

    pip install ".[bench]" && pip install torch          # statsmodels, torch: optional
    python benchmarks/forecasting.py                     # about 10-15 minutes on 2 cores
    python -m benchmarks.forecasting --quick             # smoke test, under a minute
    python benchmarks/forecasting.py --series nile,co2 --origins 2 --seeds 3
    python benchmarks/forecasting.py --suite fertility    # 192 yearly series, summarised
    python benchmarks/forecasting.py --suite other        # 14 series no other suite uses
    python benchmarks/forecasting.py --suite short        # 15 six-year monthly segments

Every series is cut at several origins; at each origin every contender sees only
the values before it and forecasts the next `horizon` values.  Scores:

* MASE (the M4 definition): the mean absolute error of the forecast divided by the
  in-sample mean absolute error of the seasonal naive forecast of the same training
  part, |y_t - y_{t-m}| with m the series' period (m = 1, the naive forecast, for
  yearly series).  Averaged over the origins of a series; the summary is the geometric
  mean over series.
* coverage of the 80% and 95% prediction intervals, for contenders that give them.
* fit time: seconds per origin for fitting and forecasting, on this machine.

A contender is a function

    fit_predict(train: np.ndarray, horizon: int, period: int | None) -> forecast

where forecast is a 1-D array of `horizon` values, or a pair (values, intervals)
with intervals = {0.8: (lower, upper), 0.95: (lower, upper)}, or an object with
attributes `mean` and `intervals` in the same form.  Contenders that are random
also take a keyword `seed` (an int; 0 means "the contender's own default").  Add one
with the @contender decorator, or name any importable function on the command
line: --contenders "last value,mypackage.mymodule:fit_predict".

Series come from statsmodels.api.datasets (installed with the package, never
downloaded).  Contenders whose package is missing (statsmodels, torch) or whose
entry point does not exist yet (rnnc.fit_forecaster) are skipped with a note.
A full run writes benchmarks/results/forecasting.md; --quick, or a run on a subset of
series or contenders, only prints unless --output is given.
"""

from __future__ import annotations

import os

# One BLAS thread: statsmodels' state-space fits are several times faster so on small
# matrices, and the contenders' fit times are then per core (rnnc calls no BLAS).
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import dataclasses  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import inspect  # noqa: E402
import io  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
LEVELS = (0.8, 0.95)


# --- series --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Series:
    """One series: where it comes from, its period (None: no season) and horizon."""

    name: str
    description: str
    frequency: str
    period: int | None
    horizon: int
    load: Callable[[], np.ndarray]


def _datasets():
    try:
        import statsmodels.api as sm
    except ImportError:
        raise RuntimeError(
            "the series come from statsmodels' datasets: pip install statsmodels"
        ) from None
    return sm.datasets


def _nile():
    return _datasets().nile.load_pandas().data["volume"].to_numpy(float)


def _sunspots():
    return _datasets().sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(float)


def _elnino():
    # one row per year, columns JAN..DEC: read row by row into one monthly series
    return _datasets().elnino.load_pandas().data.iloc[:, 1:13].to_numpy(float).ravel()


def _co2():
    # weekly Mauna Loa readings 1958-2001; monthly means, the 5 empty months interpolated
    weekly = _datasets().co2.load_pandas().data["co2"]
    return weekly.resample("MS").mean().interpolate().to_numpy(float)


def _macro(column):
    return _datasets().macrodata.load_pandas().data[column].to_numpy(float)


def _realgdp_yearly():
    # the mean of the four quarters of each complete year, 1959-2008: 50 values
    data = _datasets().macrodata.load_pandas().data
    yearly = data.groupby("year")["realgdp"].agg(["mean", "size"])
    return yearly.loc[yearly["size"] == 4, "mean"].to_numpy(float)


def _danish(column):
    return _datasets().danish_data.load_pandas().data[column].to_numpy(float)


FERTILITY_YEARS = 52  # 1960-2011: the years most countries have complete


def fertility_series():
    """The fertility suite: the World Bank's yearly fertility rate (births per
    woman) 1960-2011 of every country and region statsmodels' fertility
    dataset has complete for those years, one Series each (h = 6)."""
    data = _datasets().fertility.load_pandas().data
    values = data.iloc[:, 4 : 4 + FERTILITY_YEARS].to_numpy(float)
    found = []
    for row, code, name in zip(values, data["Country Code"], data["Country Name"], strict=True):
        if np.isfinite(row).all():
            found.append(
                Series(
                    f"fertility_{code}",
                    f"{name}, births per woman 1960-2011",
                    "yearly",
                    None,
                    6,
                    lambda row=row: row.copy(),
                )
            )
    return found


def _column(dataset, column):
    return getattr(_datasets(), dataset).load_pandas().data[column].to_numpy(float)


# the "other" suite: statsmodels series that neither of the others uses, as a
# check on choices tuned on those; (dataset, column, what it is, frequency, period, horizon)
OTHER = [
    *(
        ("macrodata", column, f"US {what}, 1959Q1-2009Q3", "quarterly", 4, 8)
        for column, what in (
            ("realgovt", "real government spending"),
            ("realdpi", "real disposable income"),
            ("pop", "population"),
            ("infl", "inflation rate"),
            ("realint", "real interest rate"),
        )
    ),
    *(
        ("danish_data", column, f"Danish {what}, 1974Q1-1987Q3 (short)", "quarterly", 4, 8)
        for column, what in (("lpy", "log prices"), ("ide", "deposit rate"))
    ),
    *(
        ("interest_inflation", column, f"German {what}, 1972Q2-1998Q4", "quarterly", 4, 8)
        for column, what in (("Dp", "inflation rate"), ("R", "interest rate"))
    ),
    *(
        ("copper", column, f"world copper market: {what}, 1951-1975 (short)", "yearly", None, 3)
        for column, what in (
            ("WORLDCONSUMPTION", "consumption"),
            ("COPPERPRICE", "copper price"),
            ("INCOMEINDEX", "income index"),
            ("ALUMPRICE", "aluminium price"),
            ("INVENTORYINDEX", "inventory index"),
        )
    ),
]


def other_series():
    """The other suite: one Series per row of OTHER."""
    return [
        Series(
            f"{dataset.split('_')[0]}_{column.lower()}",
            what,
            frequency,
            period,
            horizon,
            partial(_column, dataset, column),
        )
        for dataset, column, what, frequency, period, horizon in OTHER
    ]


# the "short" suite: what a user often has, a few years of monthly values with a season
SHORT_LENGTH = 72  # six years
SHORT_SEGMENTS = 4  # per series at most, newest first


def _elec_equip():
    _datasets()  # the message when statsmodels is missing
    from statsmodels.datasets import elec_equip  # not in statsmodels.api.datasets

    return elec_equip.load_pandas().data.iloc[:, 0].to_numpy(float)


def _housing():
    # US housing starts, not seasonally adjusted, monthly 1959-2018: the data
    # statsmodels' Holt-Winters tests ship (statsmodels.datasets has no such series)
    import pandas as pd
    import statsmodels

    path = Path(statsmodels.__file__).parent / "tsa/holtwinters/tests/results/housing-data.csv"
    return pd.read_csv(path)["HOUSTNSA"].to_numpy(float)


SHORT = [
    ("elec_equip", "EU electrical equipment orders, 1995-2016", _elec_equip),
    ("housing", "US housing starts (not seasonally adjusted), 1959-2018", _housing),
    ("co2", "Mauna Loa CO2, monthly means 1958-2001", _co2),
    ("elnino", "El Nino sea surface temperature, 1950-2010", _elnino),
]


def short_series():
    """The short suite: monthly seasonal series cut into SHORT_LENGTH-value
    segments, newest first, up to SHORT_SEGMENTS of each (h = 12, m = 12)."""
    found = []
    for name, what, load in SHORT:
        values = load()
        for k in range(min(SHORT_SEGMENTS, len(values) // SHORT_LENGTH)):
            end = len(values) - k * SHORT_LENGTH
            found.append(
                Series(
                    f"{name}_{k + 1}",
                    f"{what}: values {end - SHORT_LENGTH + 1}-{end}",
                    "monthly",
                    12,
                    12,
                    lambda load=load, end=end: load()[end - SHORT_LENGTH : end],
                )
            )
    return found


# macrodata's other quarterly columns, 1959Q1-2009Q3: (name, what it is)
MACRO = [
    ("realcons", "US real personal consumption"),
    ("realinv", "US real private investment"),
    ("cpi", "US consumer price index"),
    ("m1", "US M1 money stock"),
    ("tbilrate", "US 3-month Treasury bill rate"),
    ("unemp", "US unemployment rate"),
]


SERIES = {
    s.name: s
    for s in [
        Series("nile", "Nile flow at Aswan, 1871-1970", "yearly", None, 6, _nile),
        Series("sunspots", "yearly sunspot numbers, 1700-2008", "yearly", None, 6, _sunspots),
        Series("elnino", "El Nino sea surface temperature, 1950-2010", "monthly", 12, 12, _elnino),
        Series("co2", "Mauna Loa CO2, monthly means 1958-2001", "monthly", 12, 12, _co2),
        Series(
            "realgdp", "US real GDP, 1959Q1-2009Q3", "quarterly", 4, 8, lambda: _macro("realgdp")
        ),
        Series(
            "realgdp_yearly",
            "US real GDP, yearly means 1959-2008 (short)",
            "yearly",
            None,
            6,
            _realgdp_yearly,
        ),
        *(
            Series(
                f"danish_{column}",
                f"Danish {what}, 1974Q1-1987Q3 (short)",
                "quarterly",
                4,
                8,
                lambda column=column: _danish(column),
            )
            for column, what in (
                ("lrm", "log real money"),
                ("lry", "log real income"),
                ("ibo", "bond rate"),
            )
        ),
        *(
            Series(column, f"{what}, 1959Q1-2009Q3", "quarterly", 4, 8, partial(_macro, column))
            for column, what in MACRO
        ),
    ]
}


def origins(n, horizon, count, stride, min_train):
    """Training lengths of the rolling origins: the last leaves exactly `horizon`
    values to forecast, the ones before it are `stride` steps apart; origins that
    would leave fewer than min_train values to train on are dropped."""
    ends = [n - horizon - j * stride for j in range(count)]
    return sorted(end for end in ends if end >= min_train)


def min_train(period, horizon):
    """The shortest training part an origin may leave: three seasons, two horizons, 20."""
    return max(20, 3 * (period or 1), 2 * horizon)


# --- scores --------------------------------------------------------------------------


def mase_scale(train, period):
    """In-sample MAE of the seasonal naive forecast (naive if no period), as in M4."""
    m = period or 1
    train = np.asarray(train, float)
    if len(train) <= m:
        raise ValueError(f"MASE needs more than {m} training values, got {len(train)}")
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def mase(actual, predicted, train, period):
    scale = mase_scale(train, period)
    error = float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(predicted, float))))
    if scale == 0:
        return 0.0 if error == 0 else math.inf
    return error / scale


def coverage(actual, lower, upper):
    """Fraction of actual values inside [lower, upper]."""
    actual = np.asarray(actual, float)
    return float(np.mean((actual >= lower) & (actual <= upper)))


def geometric_mean(values):
    values = list(values)
    if not values or any(not math.isfinite(v) for v in values):
        return math.nan
    if any(v <= 0 for v in values):
        return 0.0
    return math.exp(sum(math.log(v) for v in values) / len(values))


# --- the contender protocol ---------------------------------------------------------


@dataclasses.dataclass
class Forecast:
    mean: np.ndarray
    intervals: dict  # level -> (lower, upper)


def as_forecast(result, horizon):
    """A contender's return value as a Forecast; checks shapes and finiteness."""
    intervals = {}
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
        result, intervals = result
    elif hasattr(result, "mean") and hasattr(result, "intervals") and not callable(result.mean):
        result, intervals = result.mean, result.intervals or {}
    mean = np.asarray(result, float).reshape(-1)
    if mean.shape != (horizon,):
        raise ValueError(f"the forecast has shape {mean.shape}, expected ({horizon},)")
    if not np.all(np.isfinite(mean)):
        raise ValueError("the forecast is not finite")
    checked = {}
    for level, (lower, upper) in intervals.items():
        lower, upper = (np.asarray(b, float).reshape(-1) for b in (lower, upper))
        if lower.shape != (horizon,) or upper.shape != (horizon,):
            raise ValueError(f"the {level} interval has the wrong shape")
        checked[float(level)] = (lower, upper)
    return Forecast(mean, checked)


def accepts(function, keyword):
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return keyword in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


@dataclasses.dataclass
class Contender:
    name: str
    fit_predict: Callable
    requires: tuple = ()  # importable modules it needs
    check: Callable[[], str | None] | None = None  # None if usable, else why not
    seeded: Callable[[], bool] = lambda: False  # does it take a seed worth varying?
    recipe: str = ""

    def unavailable(self):
        """None if this contender can run here, else the reason it is skipped."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if missing:
            return f"needs {', '.join(missing)} (not installed)"
        return self.check() if self.check else None


CONTENDERS = {}


def contender(name, requires=(), check=None, seeded=False, recipe=""):
    """Register fit_predict as a contender; seeded: bool, or a callable deciding at run time."""

    def register(function):
        CONTENDERS[name] = Contender(
            name,
            function,
            tuple(requires),
            check,
            seeded if callable(seeded) else (lambda: seeded),
            recipe or (inspect.getdoc(function) or "").split("\n\n")[0].replace("\n", " "),
        )
        return function

    return register


def resolve(spec):
    """A registered contender by name, or any function named module:function."""
    if spec in CONTENDERS:
        return CONTENDERS[spec]
    if ":" in spec:
        module, _, attribute = spec.partition(":")
        function = getattr(importlib.import_module(module), attribute)
        doc = (inspect.getdoc(function) or "").split("\n\n")[0].replace("\n", " ")
        return Contender(
            spec, function, seeded=lambda: accepts(function, "seed"), recipe=doc or spec
        )
    raise KeyError(f"no contender {spec!r}; registered: {', '.join(CONTENDERS)}")


# --- baselines -----------------------------------------------------------------------


@contender("last value")
def last_value(train, horizon, period):
    """The last training value, repeated."""
    return np.full(horizon, float(train[-1]))


@contender("seasonal naive")
def seasonal_naive(train, horizon, period):
    """The last season repeated (the last value when the series has no period)."""
    m = period or 1
    last_season = np.asarray(train, float)[-m:]
    return np.resize(last_season, horizon)


def lagged(series, p, first):
    """Least-squares design for an AR(p) with intercept: rows t = first..n-1 of
    [1, y[t-1], ..., y[t-p]] and the targets y[t]."""
    n = len(series)
    X = np.ones((n - first, p + 1))
    for lag in range(1, p + 1):
        X[:, lag] = series[first - lag : n - lag]
    return X, series[first:]


def ar_max_order(n, period):
    return max(1, min(max(2 * (period or 1), 10), (n - 1) // 3))


def fit_ar(series, max_order):
    """(order, coefficients): the order 1..max_order with the least AIC, all orders
    scored on the same rows (t >= max_order), then refit on every row it can use."""
    series = np.asarray(series, float)
    X_all, y = lagged(series, max_order, max_order)
    rows = len(y)
    floor = 1e-12 * rows * (float(np.var(series)) + 1e-300)  # an exact fit is not -inf
    best = None
    for p in range(1, max_order + 1):
        coef, *_ = np.linalg.lstsq(X_all[:, : p + 1], y, rcond=None)
        rss = max(float(np.sum((y - X_all[:, : p + 1] @ coef) ** 2)), floor)
        aic = rows * math.log(rss / rows) + 2 * (p + 1)
        if best is None or aic < best[0] - 1e-9:
            best = (aic, p)
    p = best[1]
    X, y = lagged(series, p, p)
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    return p, coef


def ar_forecast(series, coef, horizon):
    """Recursive multi-step forecast of an AR with intercept coef[0]."""
    p = len(coef) - 1
    window = list(np.asarray(series, float)[len(series) - p :])
    out = np.empty(horizon)
    for step in range(horizon):
        out[step] = coef[0] + sum(coef[lag] * window[-lag] for lag in range(1, p + 1))
        window.append(out[step])
    return out


@contender(
    "linear AR",
    recipe="least squares on lagged windows with an intercept, order 1..max(2m, 10) "
    "(at most (n-1)/3) by AIC on common rows, recursive multi-step",
)
def linear_ar(train, horizon, period):
    """Linear autoregression by least squares, order by AIC, recursive forecasts."""
    train = np.asarray(train, float)
    _, coef = fit_ar(train, ar_max_order(len(train), period))
    return ar_forecast(train, coef, horizon)


def _quiet_fit(model, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(**kwargs)


def differencing_order(train, period):
    """d for SARIMA: 1 if KPSS (level, 5%) rejects stationarity of the series (after
    seasonal differencing if it has a period), else 0."""
    from statsmodels.tsa.stattools import kpss

    y = np.asarray(train, float)
    if period:
        y = y[period:] - y[:-period]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # p-values outside the table's range
        p_value = kpss(y, regression="c", nlags="auto")[1]
    return 1 if p_value < 0.05 else 0


@contender(
    "SARIMA",
    requires=("statsmodels",),
    recipe="statsmodels ARIMA; d by KPSS (5%), D = 1 if seasonal; (p, q) in {0,1,2}^2, "
    "or {0,1,2}x{0,1} with seasonal (0,1,1)m, by AICc; constant if d+D = 0, drift if 1",
)
def sarima(train, horizon, period):
    """SARIMA with a small automatic order search; 80% and 95% intervals."""
    from statsmodels.tsa.arima.model import ARIMA

    train = np.asarray(train, float)
    d = differencing_order(train, period)
    D = 1 if period else 0
    trend = {0: "c", 1: "t"}.get(d + D, "n")
    qs = (0, 1) if period else (0, 1, 2)
    seasonal = (0, 1, 1, period) if period else (0, 0, 0, 0)
    best = None
    for p in (0, 1, 2):
        for q in qs:
            try:
                result = _quiet_fit(
                    ARIMA(train, order=(p, d, q), seasonal_order=seasonal, trend=trend)
                )
            except (np.linalg.LinAlgError, ValueError):
                continue
            if np.isfinite(result.aicc) and (best is None or result.aicc < best.aicc):
                best = result
    if best is None:
        raise RuntimeError("no SARIMA order could be fitted")
    prediction = best.get_forecast(horizon)
    intervals = {}
    for level in LEVELS:
        bounds = np.asarray(prediction.conf_int(alpha=1 - level))
        intervals[level] = (bounds[:, 0], bounds[:, 1])
    return np.asarray(prediction.predicted_mean), intervals


@contender(
    "ETS",
    requires=("statsmodels",),
    recipe="statsmodels ETSModel, additive errors, additive season if the series has one; "
    "trend none or additive damped, by AICc",
)
def ets(train, horizon, period):
    """Exponential smoothing (ETSModel) with additive trend/season; 80% and 95% intervals."""
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series(np.asarray(train, float))  # get_prediction needs an index
    seasonal = dict(seasonal="add", seasonal_periods=period) if period else {}
    best = None
    for trend in (None, "add"):
        try:
            model = ETSModel(
                y, error="add", trend=trend, damped_trend=trend is not None, **seasonal
            )
            result = _quiet_fit(model, disp=False)
        except (np.linalg.LinAlgError, ValueError):
            continue
        if np.isfinite(result.aicc) and (best is None or result.aicc < best.aicc):
            best = result
    if best is None:
        raise RuntimeError("no ETS model could be fitted")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prediction = best.get_prediction(start=len(y), end=len(y) + horizon - 1)
        intervals = {}
        for level in LEVELS:
            frame = prediction.summary_frame(alpha=1 - level)
            intervals[level] = (frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy())
    return frame["mean"].to_numpy(), intervals


# --- PyTorch GRU ---------------------------------------------------------------------

GRU_RECIPE = dict(
    hidden=32, learning_rate=5e-3, max_epochs=300, patience=30, validation=0.2, min_windows=4
)


def gru_window(n, horizon, period):
    """Input length: two seasons or two horizons, at most half of what precedes a horizon."""
    return max(2, min(max(2 * (period or 1), 2 * horizon), (n - horizon) // 2))


@contender(
    "GRU (PyTorch)",
    requires=("torch",),
    seeded=True,
    recipe="1-layer GRU, 32 units, linear head to all h steps at once; inputs: windows of "
    "max(2m, 2h) values minus the window's last value, over the std of the first "
    "differences; full-batch Adam 5e-3, MSE, up to 300 epochs, early stopping "
    "(patience 30, best weights) on the last 20% of windows, with a gap of h-1 windows "
    "so that no validation target is trained on; 1 thread",
)
def gru(train, horizon, period, seed=0):
    """A small PyTorch GRU trained on windows with early stopping."""
    import torch

    r = GRU_RECIPE
    train = np.asarray(train, float)
    n = len(train)
    L = gru_window(n, horizon, period)
    count = n - L - horizon + 1
    if count < 2:
        raise ValueError(f"{n} values give no windows of {L} inputs and {horizon} targets")
    scale = float(np.std(np.diff(train))) or 1.0
    idx = np.arange(count)[:, None]
    X = train[idx + np.arange(L)]
    Y = train[idx + L + np.arange(horizon)]
    X, Y = (X - X[:, -1:]) / scale, (Y - X[:, -1:]) / scale
    n_val = max(1, round(r["validation"] * count))
    gap = horizon - 1 if count - n_val - (horizon - 1) >= r["min_windows"] else 0
    n_fit = max(1, count - n_val - gap)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        rnn = torch.nn.GRU(1, r["hidden"], batch_first=True)
        head = torch.nn.Linear(r["hidden"], horizon)
        params = list(rnn.parameters()) + list(head.parameters())
        optimizer = torch.optim.Adam(params, lr=r["learning_rate"])

        def run(x):
            out, _ = rnn(x)
            return head(out[:, -1])

        t = torch.as_tensor(X, dtype=torch.float32)[..., None]
        targets = torch.as_tensor(Y, dtype=torch.float32)
        x_fit, y_fit = t[:n_fit], targets[:n_fit]
        x_val, y_val = t[count - n_val :], targets[count - n_val :]
        best, best_state, waited = math.inf, None, 0
        for _ in range(r["max_epochs"]):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(run(x_fit), y_fit)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                val = float(torch.nn.functional.mse_loss(run(x_val), y_val))
            if val < best:
                best, waited = val, 0
                best_state = [p.detach().clone() for p in params]
            else:
                waited += 1
                if waited >= r["patience"]:
                    break
        if best_state is None:
            raise FloatingPointError("the GRU's validation loss is never finite")
        with torch.no_grad():
            for p, saved in zip(params, best_state, strict=True):
                p.copy_(saved)
            last = train[n - L :]
            x = torch.as_tensor((last - last[-1]) / scale, dtype=torch.float32)[None, :, None]
            out = run(x)[0].double().numpy()
    finally:
        torch.set_num_threads(threads)
    return last[-1] + scale * out


# --- rnnc ----------------------------------------------------------------------------


def _run_cli(arguments):
    """rnnc.cli.main(arguments), its output captured; raises with its error line."""
    from rnnc import cli

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = cli.main(arguments)
        except SystemExit as exc:  # argparse
            status = exc.code
    if status:
        lines = stderr.getvalue().strip().splitlines() or [f"exit status {status}"]
        raise RuntimeError(lines[-1])
    return stdout.getvalue()


@contender(
    "rnnc CLI defaults",
    requires=("rnnc",),
    seeded=True,
    recipe="`rnnc train --csv F --column y --save m.npz` then `rnnc predict --model m.npz "
    "--csv F --column y --horizon h`, through rnnc.cli.main with the CLI's defaults "
    "(seed 0 = the CLI's default seed, seed k = --seed k; --quiet --no-plots change no "
    "setting)",
)
def rnnc_cli_defaults(train, horizon, period, seed=0):
    """What `rnnc train` then `rnnc predict --horizon` do today."""
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, model, output = (os.path.join(tmp, f) for f in ("y.csv", "m.npz", "f.csv"))
        with open(csv_path, "w") as f:
            f.write("y\n" + "".join(f"{float(v)!r}\n" for v in train))
        try:
            _run_cli(
                ["train", "--csv", csv_path, "--column", "y", "--save", model]
                + ["--quiet", "--no-plots"]
                + (["--seed", str(seed)] if seed else [])
            )
            _run_cli(
                ["predict", "--model", model, "--csv", csv_path, "--column", "y"]
                + ["--horizon", str(horizon), "--output", output]
            )
        except RuntimeError as exc:  # the same message for every origin: no temporary paths
            raise RuntimeError(str(exc).replace(tmp + os.sep, "")) from None
        return np.loadtxt(output, delimiter=",", skiprows=1, usecols=1, ndmin=1)


def _fit_forecaster():
    import rnnc

    return getattr(rnnc, "fit_forecaster", None)


def _forecaster_missing():
    import rnnc

    if _fit_forecaster() is None:
        return f"rnnc.fit_forecaster does not exist yet (rnnc {rnnc.__version__})"
    return None


@contender(
    "rnnc",
    requires=("rnnc",),
    check=_forecaster_missing,
    seeded=lambda: accepts(_fit_forecaster(), "seed"),
    recipe="`model = rnnc.fit_forecaster(train, horizon=h, calendar_period=m)` (the season "
    "the frequency implies, kept if the data show it, as `rnnc train` does with a dated file; "
    "period=m for an rnnc without calendar_period) then "
    "`rnnc.forecast(model, train, h, levels=(0.8, 0.95))` (seed k > 0 passed as seed=k if "
    "it takes one; levels where the model has backtest residuals)",
)
def rnnc_forecaster(train, horizon, period, seed=0):
    """rnnc's own forecaster, with its split-conformal intervals when it gives them."""
    import rnnc

    fit = _fit_forecaster()
    extra = {"seed": seed} if seed and accepts(fit, "seed") else {}
    if period and accepts(fit, "calendar_period"):
        extra["calendar_period"] = period
    else:
        extra["period"] = period
    model = fit(train, horizon=horizon, **extra)
    if model.info.get("residuals") and accepts(rnnc.forecast, "levels"):
        return rnnc.forecast(model, train, horizon, levels=(0.8, 0.95))  # .mean, .intervals
    return rnnc.forecast(model, train, horizon)


# --- the backtest --------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    series: str
    contender: str
    seed: int
    origin: int  # training length
    seconds: float
    mase: float = math.nan
    coverage: dict = dataclasses.field(default_factory=dict)
    error: str | None = None


def backtest(series_list, contenders, n_origins, seeds, stride=None, max_length=None, log=None):
    """Outcomes of every contender, seed and origin on every series, and notes."""
    outcomes, notes = [], []
    for s in series_list:
        y = np.asarray(s.load(), float)
        if max_length and len(y) > max_length:
            y = y[-max_length:]
        step = stride or max(1, math.ceil(s.horizon / 2))
        ends = origins(len(y), s.horizon, n_origins, step, min_train(s.period, s.horizon))
        if len(ends) < n_origins:
            notes.append(f"{s.name}: {len(ends)} origin(s) of {n_origins} leave enough data")
        for end in ends:
            train, actual = y[:end], y[end : end + s.horizon]
            for c in contenders:
                for seed in range(seeds if c.seeded() else 1):
                    outcome = Outcome(s.name, c.name, seed, end, math.nan)
                    start = time.perf_counter()
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            kwargs = {"seed": seed} if c.seeded() else {}
                            result = c.fit_predict(train.copy(), s.horizon, s.period, **kwargs)
                        outcome.seconds = time.perf_counter() - start
                        f = as_forecast(result, s.horizon)
                        outcome.mase = mase(actual, f.mean, train, s.period)
                        outcome.coverage = {
                            level: coverage(actual, lo, hi)
                            for level, (lo, hi) in f.intervals.items()
                        }
                    except Exception as exc:  # a contender's failure is a result
                        outcome.seconds = time.perf_counter() - start
                        outcome.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
                    outcomes.append(outcome)
                    if log:
                        score = outcome.error or f"MASE {outcome.mase:.3f}"
                        log(
                            f"{s.name} n={end} {c.name} seed {seed}: {score} "
                            f"({outcome.seconds:.2f} s)"
                        )
    return outcomes, notes


def summarize(outcomes, series_names, contender_names):
    """Per contender and series: per-seed MASE (mean over origins, None if any origin
    failed), the first error, coverages pooled over origins and seeds, fit seconds."""
    table = {}
    for c in contender_names:
        for s in series_names:
            rows = [o for o in outcomes if o.contender == c and o.series == s]
            if not rows:
                continue
            seeds = sorted({o.seed for o in rows})
            per_seed = []
            for seed in seeds:
                mine = [o for o in rows if o.seed == seed]
                ok = all(o.error is None for o in mine)
                per_seed.append(statistics.fmean(o.mase for o in mine) if ok else None)
            levels = sorted({lv for o in rows for lv in o.coverage})
            table[c, s] = dict(
                mase=per_seed,
                error=next((o.error for o in rows if o.error), None),
                coverage={
                    lv: statistics.fmean(o.coverage[lv] for o in rows if lv in o.coverage)
                    for lv in levels
                },
                seconds=[o.seconds for o in rows],
            )
    return table


def _seconds(value):
    if value < 1e-4:
        return "<0.0001"
    return f"{value:.4f}" if value < 0.01 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _cell(values):
    """Median of per-seed values, with the min-max spread when there are several."""
    if any(v is None for v in values) or not values:
        return "fails"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.3f}"
    return f"{median:.3f} ({min(values):.2f}-{max(values):.2f})"


MAX_COLUMNS = 20  # series past which the report gives summaries, not a column each


def _summary_tables(add, table, contenders, series_names):
    """For suites of many series: each contender's geometric-mean and median
    MASE (seed 0) over the series it scored, the series it failed on, and
    on how many of those every contender scored it beats each other one."""
    names = [c.name for c in contenders]
    first = {
        (c, s): table[c, s]["mase"][0]
        for c in names
        for s in series_names
        if (c, s) in table and table[c, s]["mase"][0] is not None
    }
    scored = [s for s in series_names if all((c, s) in first for c in names)]
    add(
        f"## MASE over {len(series_names)} series (seed 0; {len(scored)} scored by every contender)"
    )
    add("")
    add(
        "| contender | geo. mean | median | failed series | "
        + " | ".join(f"better than {c}" for c in names)
        + " | fit s, total |"
    )
    add("|---|---:|---:|---:|" + "---:|" * (len(names) + 1))
    for c in names:
        mine = [first[c, s] for s in series_names if (c, s) in first]  # what it scored
        wins = [
            "-" if other == c else f"{sum(first[c, s] < first[other, s] for s in scored)}"
            for other in names
        ]
        failed = sum((c, s) not in first for s in series_names)
        seconds = sum(sum(table[c, s]["seconds"]) for s in series_names if (c, s) in table)
        centre = (
            f"{geometric_mean(mine):.3f} | {statistics.median(mine):.3f}"
            if mine
            else "fails | fails"
        )
        add(f"| {c} | {centre} | {failed} | " + " | ".join(wins) + f" | {seconds:.0f} |")
    add("")


def report(outcomes, notes, series_list, contenders, skipped, settings):
    series_names = [s.name for s in series_list]
    ran = [c for c in contenders if c.name not in skipped]
    names = [c.name for c in ran]
    table = summarize(outcomes, series_names, names)
    lines = []
    add = lines.append

    add("# rnnc forecasting benchmark")
    add("")
    add(settings["header"])
    add("")
    add(
        f"Rolling origins: {settings['origins']} per series, {settings['stride']}; each "
        "contender fits on the values before the origin and forecasts the next h. MASE as "
        "in M4: forecast MAE over the in-sample MAE of the seasonal naive forecast (lag m; "
        "lag 1 for yearly series) on the same training part, averaged over origins; "
        "geometric mean over series. Seeded contenders: median over seeds (min-max)."
    )
    add("")
    if len(series_list) > MAX_COLUMNS:
        lengths = sorted({o.origin for o in outcomes})
        add(
            f"{len(series_list)} series ({series_list[0].frequency}, h = "
            f"{series_list[0].horizon}): "
            + ", ".join(s.name.split("_", 1)[-1] for s in series_list)
            + f". Training lengths at the origins: {', '.join(map(str, lengths))}."
        )
        add("")
    else:
        add("| series | source | values | frequency | m | h | origins (training lengths) |")
        add("|---|---|---:|---|---:|---:|---|")
        for s in series_list:
            lengths = sorted({o.origin for o in outcomes if o.series == s.name})
            n = settings["lengths"][s.name]
            add(
                f"| {s.name} | {s.description} | {n} | {s.frequency} | {s.period or '-'} | "
                f"{s.horizon} | {len(lengths)} ({', '.join(map(str, lengths))}) |"
            )
        add("")
    if len(series_list) > MAX_COLUMNS:
        _summary_tables(add, table, ran, series_names)
        add(f"Total run time {settings['elapsed']:.0f} s.")
        return "\n".join(lines) + "\n"

    add("## MASE")
    add("")
    add(f"| contender | {' | '.join(series_names)} | geo. mean | geo. mean, common series |")
    add("|---|" + "---:|" * (len(series_names) + 2))
    common = [
        s
        for s in series_names
        if all((c, s) in table and None not in table[c, s]["mase"] for c in names)
    ]
    for c in ran:
        cells = [
            _cell(table[c.name, s]["mase"]) if (c.name, s) in table else "-" for s in series_names
        ]
        gmeans, common_gmeans = [], []
        n_seeds = max(
            (len(table[c.name, s]["mase"]) for s in series_names if (c.name, s) in table), default=0
        )
        for k in range(n_seeds):
            per = [table[c.name, s]["mase"][k] for s in series_names if (c.name, s) in table]
            gmeans.append(
                geometric_mean(per) if None not in per and len(per) == len(series_names) else None
            )
            common_gmeans.append(geometric_mean([table[c.name, s]["mase"][k] for s in common]))
        common_cell = _cell(common_gmeans) if common else "-"
        add(f"| {c.name} | {' | '.join(cells)} | {_cell(gmeans)} | {common_cell} |")
    add("")
    add(
        f"Common series (every contender that ran scored them): {', '.join(common) or 'none'}. "
        '"fails": the contender raised an error on at least one origin (see the notes).'
    )
    add("")

    interval_rows = [
        c for c in names if any(table.get((c, s), {}).get("coverage") for s in series_names)
    ]
    if interval_rows:
        add("## Prediction interval coverage")
        add("")
        add(
            "Fraction of the actual values inside the 80% / 95% intervals, pooled over "
            "origins and steps (nominal: 0.80 / 0.95); mean: over series."
        )
        add("")
        add(f"| contender | {' | '.join(series_names)} | mean |")
        add("|---|" + "---:|" * (len(series_names) + 1))
        for c in interval_rows:
            cells, pooled = [], {lv: [] for lv in LEVELS}
            for s in series_names:
                cov = table.get((c, s), {}).get("coverage", {})
                cells.append(" / ".join(f"{cov[lv]:.2f}" for lv in LEVELS if lv in cov) or "-")
                for lv in LEVELS:
                    if lv in cov:
                        pooled[lv].append(cov[lv])
            overall = " / ".join(f"{statistics.fmean(v):.2f}" for v in pooled.values() if v)
            add(f"| {c} | {' | '.join(cells)} | {overall} |")
        add("")
        add(
            "Contenders without intervals: "
            + ", ".join(c for c in names if c not in interval_rows)
            + "."
        )
        add("")

    add("## Fit times")
    add("")
    add(
        "Median seconds per fit (fit and forecast of one origin and seed), and the total "
        "over the run. Failed fits count up to the error."
    )
    add("")
    add(f"| contender | {' | '.join(series_names)} | total s |")
    add("|---|" + "---:|" * (len(series_names) + 1))
    for c in names:
        cells = [
            _seconds(statistics.median(table[c, s]["seconds"])) if (c, s) in table else "-"
            for s in series_names
        ]
        total = sum(sum(table[c, s]["seconds"]) for s in series_names if (c, s) in table)
        add(f"| {c} | {' | '.join(cells)} | {total:.1f} |")
    add("")

    add("## Contenders")
    add("")
    for c in contenders:
        why = skipped.get(c.name)
        add(f"- **{c.name}**: {c.recipe}" + (f" -- *skipped: {why}*" if why else ""))
    add("")
    failures = {}
    for o in outcomes:
        failures.setdefault((o.contender, o.series), []).append(o.error)
    failures = {key: errors for key, errors in failures.items() if any(errors)}
    if notes or failures:
        add("## Notes")
        add("")
        for note in notes:
            add(f"- {note}")
        for (c, s), errors in failures.items():
            failed = [e for e in errors if e]
            add(
                f"- {c} failed on {s} in {len(failed)} of {len(errors)} fits; the last "
                f"error: {failed[-1]}"
            )
        add("")
    add(f"Total run time {settings['elapsed']:.0f} s.")
    return "\n".join(lines) + "\n"


def versions():
    found = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"]
    for name in ("rnnc", "statsmodels", "torch"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        found.append(f"{name} {getattr(module, '__version__', '?')}")
    return ", ".join(found)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Rolling-origin forecasting benchmark: rnnc against baselines."
    )
    parser.add_argument("--series", help=f"comma-separated, of: {', '.join(SERIES)} (default: all)")
    parser.add_argument(
        "--suite",
        choices=("standard", "fertility", "other", "short"),
        default="standard",
        help="standard: the 15 series above (default); fertility: the yearly fertility rate "
        "of every country statsmodels has complete for 1960-2011, 4 origins each, "
        "summarised (benchmarks/results/forecasting-fertility.md); other: 14 statsmodels "
        "series neither of those uses, a check on choices tuned on them "
        "(benchmarks/results/forecasting-other.md); short: 15 six-year segments of "
        "monthly seasonal series, 4 origins each, fitted on 42-60 values "
        "(benchmarks/results/forecasting-short.md)",
    )
    parser.add_argument("--origins", type=int, help="rolling origins per series (default 8)")
    parser.add_argument("--stride", type=int, help="steps between origins (default: ceil(h/2))")
    parser.add_argument("--horizon", type=int, help="override every series' horizon")
    parser.add_argument(
        "--contenders",
        help="comma-separated names (default: all), or module:function for your own; "
        f"registered: {', '.join(CONTENDERS)}",
    )
    parser.add_argument(
        "--seeds", type=int, default=1, help="seeds of the random contenders (rnnc, GRU); default 1"
    )
    parser.add_argument("--max-length", type=int, help="use only the last N values of each series")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 1 origin, series cut to their last 150 values",
    )
    parser.add_argument(
        "--output",
        help="Markdown report file (default: "
        "benchmarks/results/forecasting.md for a full run, none otherwise)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    for option in ("origins", "stride", "horizon", "seeds", "max_length"):
        value = getattr(args, option)
        if value is not None and value < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")

    if args.suite != "standard" and args.series:
        parser.error(f"--series picks from the standard suite; leave out --suite {args.suite}")
    try:
        if args.suite == "fertility":
            series_list = fertility_series()
        elif args.suite == "other":
            series_list = other_series()
        elif args.suite == "short":
            series_list = short_series()
        else:
            series_list = (
                [SERIES[n.strip()] for n in args.series.split(",")]
                if args.series
                else list(SERIES.values())
            )
        contenders = (
            [resolve(n.strip()) for n in args.contenders.split(",")]
            if args.contenders
            else list(CONTENDERS.values())
        )
    except (KeyError, ImportError, AttributeError) as exc:
        parser.error(str(exc))
    except RuntimeError as exc:  # no statsmodels: no series
        print(f"forecasting: {exc}", file=sys.stderr)
        return 2
    if args.horizon:
        series_list = [dataclasses.replace(s, horizon=args.horizon) for s in series_list]
    n_origins = args.origins or (
        1 if args.quick else 4 if args.suite in ("fertility", "short") else 8
    )
    max_length = args.max_length or (150 if args.quick else None)

    skipped = {c.name: why for c in contenders if (why := c.unavailable())}
    for name, why in skipped.items():
        print(f"[forecasting] skipping {name}: {why}", file=sys.stderr)
    ran = [c for c in contenders if c.name not in skipped]
    log = None if args.quiet else (lambda line: print(f"[forecasting] {line}", file=sys.stderr))

    start = time.perf_counter()
    try:
        lengths = {s.name: min(len(s.load()), max_length or math.inf) for s in series_list}
    except RuntimeError as exc:
        print(f"forecasting: {exc}", file=sys.stderr)
        return 2
    outcomes, notes = backtest(
        series_list, ran, n_origins, args.seeds, args.stride, max_length, log
    )
    command = " ".join(["python", *sys.argv]) if argv is None else f"main({argv!r})"
    cut = f"; series cut to their last {max_length} values" if max_length else ""
    header = (
        f"`{command}` on {platform.machine()}, {os.cpu_count()} cores; {versions()}; "
        f"{args.seeds} seed(s) for seeded contenders{cut}."
    )
    stride = f"{args.stride} steps apart" if args.stride else "ceil(h/2) steps apart"
    text = report(
        outcomes,
        notes,
        series_list,
        contenders,
        skipped,
        dict(
            header=header,
            origins=n_origins,
            stride=stride,
            lengths=lengths,
            elapsed=time.perf_counter() - start,
        ),
    )
    print(text)
    full = not (args.quick or args.series or args.contenders or args.max_length or args.horizon)
    name = "forecasting.md" if args.suite == "standard" else f"forecasting-{args.suite}.md"
    output = args.output or (RESULTS / name if full else None)
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text)
        print(f"[forecasting] wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

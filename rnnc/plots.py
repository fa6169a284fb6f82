"""PNG plots of fits and loss curves (needs matplotlib: pip install rnnc[plot])."""

import numpy as np


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib: pip install rnnc[plot]") from None
    matplotlib.use("Agg")  # files only, no screen needed
    import matplotlib.pyplot as plt

    return plt


def _figure():
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    return plt, fig, ax


def _save(plt, fig, ax, path, title, xlabel, ylabel):
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def fit(path, actual, predicted, title, xlabel="window"):
    """Targets and predictions, one point per window."""
    plt, fig, ax = _figure()
    ax.plot(np.ravel(actual), "-", color="tab:red", label="actual")
    ax.plot(np.ravel(predicted), "--", color="tab:green", label="predicted")
    _save(plt, fig, ax, path, title, xlabel, "value")


def losses(path, train_losses, validation_losses, title):
    """Training and validation loss per epoch, on a log scale."""
    plt, fig, ax = _figure()
    epochs = np.arange(1, len(train_losses) + 1)
    ax.semilogy(epochs, train_losses, label="training loss")
    if validation_losses is not None and len(validation_losses):
        ax.semilogy(epochs, validation_losses, label="validation loss")
    _save(plt, fig, ax, path, title, "epoch", "sum of squared errors / 2")


def forecast(path, history, predicted, title, intervals=None, actual=(), dates=None):
    """The (recent) series, then its forecast: intervals {level: (lower, upper)}
    as shaded bands, the widest palest; actual, the values that followed, as far
    as known; dates, (the history's, the forecast's) datetime64 for the x axis,
    or None for step numbers."""
    plt, fig, ax = _figure()
    n, h = len(history), len(predicted)
    if dates is None:
        past, future = np.arange(n), np.arange(n, n + h)
    else:
        past, future = (np.asarray(d, dtype="datetime64[s]") for d in dates)
    ax.plot(past, history, color="tab:red", label="series")
    for i, level in enumerate(sorted(intervals or {}, reverse=True)):
        lower, upper = (np.asarray(b, dtype=np.float64) for b in intervals[level])
        if np.all(np.isfinite(lower)) and np.all(np.isfinite(upper)):
            ax.fill_between(
                future,
                lower,
                upper,
                color="tab:green",
                alpha=0.15 + 0.15 * i,
                linewidth=0,
                label=f"{100 * level:.10g}% interval",
            )
    ax.plot(future, predicted, "--", color="tab:green", label="forecast")
    if len(actual):
        ax.plot(future[: len(actual)], actual, color="black", linewidth=1, label="actual")
    if dates is not None:
        fig.autofmt_xdate()
    _save(plt, fig, ax, path, title, "date" if dates is not None else "step", "value")

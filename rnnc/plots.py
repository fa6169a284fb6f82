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


def forecast(path, history, predicted, title):
    """The series, then its forecast."""
    plt, fig, ax = _figure()
    n = len(history)
    ax.plot(np.arange(n), history, color="tab:red", label="series")
    ax.plot(np.arange(n, n + len(predicted)), predicted, "--", color="tab:green",
            label="forecast")
    _save(plt, fig, ax, path, title, "step", "value")

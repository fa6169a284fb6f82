"""rnnc itself: its train() on the tutorial workload, and the kernels the
scaling and threads sections call directly (one SGD epoch, predict)."""

import contextlib
import io
import warnings

import rnnc
from rnnc import _sgd

from ..harness import copies, fixed, on_copies
from ..workloads import HI, LO, LR, K


def train_in_place(w0, data, finals, name, train=rnnc.train, **kwargs):
    """A setup for interleave: train(*weights, *data, **kwargs) on fresh copies of
    w0 (copied untimed), which it updates in place; the final weights go to
    finals[name]."""

    def setup():
        w = copies(w0)

        def run():
            # verbose as the tutorial runs it (rnnc skips the loss passes nobody sees);
            # the tutorial's layout draws the note on the input weights it never trains
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*will never change")
                train(*w, *data, **kwargs)
            finals[name] = w

        return run

    return setup


def sgd_epoch(weights, X, Y, per_step):
    """A setup for interleave: one epoch of the SGD kernel rnnc.train calls (no
    loss passes), on fresh copies of the weights."""
    args = (X, Y, LR, K, LO, HI, per_step)
    # as rnnc.train calls it: a look for Ctrl-C every SIGNAL_CHECK_WORK multiply-adds
    return on_copies(_sgd.sgd_epoch, weights, *args, check_signals_work=rnnc.core.SIGNAL_CHECK_WORK)


def predict(weights, X, n_threads):
    """A setup for interleave: rnnc.predict on n_threads."""
    return fixed(rnnc.predict, *weights, X, n_threads=n_threads)

"""rnnc.reference: the tutorial's algorithm in plain NumPy, same API as rnnc.train."""

import rnnc.reference

from .rnnc_kernels import train_in_place


def train_setup(w0, data, finals, name, **kwargs):
    """A setup for interleave: rnnc.reference.train in place on fresh copies of w0."""
    return train_in_place(w0, data, finals, name, train=rnnc.reference.train, **kwargs)

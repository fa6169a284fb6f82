"""A trained network with what it needs to work on raw values: rnnc.Model."""
from dataclasses import dataclass, field

import numpy as np


@dataclass(eq=False)
class Model:
    """Weights, hyperparameters and scaling of one trained network.

    The network sees scaled values: ``network = (raw - offset) / scale`` for
    inputs and targets alike (one series predicting its own next value), and
    predictions come back as ``raw = offset + scale * network``.

    layout is "per_step" (U is (hidden, seq_len), one value per step, the
    tutorial's) or "shared" (U is (hidden, n_features), any length).
    info holds JSON-serialisable training metadata (learning rate, epochs, ...).
    """
    U: np.ndarray
    V: np.ndarray
    W: np.ndarray
    seq_len: int
    layout: str = "per_step"
    activation: str = "sigmoid"
    bptt_truncate: int = 5
    offset: float = 0.0
    scale: float = 1.0
    info: dict = field(default_factory=dict)

    @property
    def hidden_dim(self):
        return self.W.shape[0]

    @property
    def output_dim(self):
        return self.V.shape[0]

    def to_network(self, raw):
        """raw values -> the scaled values the network works on"""
        return (np.asarray(raw, dtype=np.float64) - self.offset) / self.scale

    def from_network(self, values):
        """the network's outputs -> raw values"""
        return self.offset + self.scale * np.asarray(values, dtype=np.float64)

    def predict(self, X):
        """Predictions, in raw units, for raw windows X (n, seq_len[, n_features])."""
        from rnnc.core import predict
        X = self.to_network(X)
        X = X[:, :, None] if X.ndim == 2 else X
        if self.layout == "per_step" and X.shape[1:] != (self.seq_len, 1):
            raise ValueError(f"X must be windows of {self.seq_len} values, (n, "
                             f"{self.seq_len}) or (n, {self.seq_len}, 1), for this per-step "
                             f"model; got shape {X.shape}")
        if self.layout == "shared" and X.ndim == 3 and X.shape[2] != self.U.shape[1]:
            raise ValueError(f"X must have {self.U.shape[1]} features per step for this "
                             f"model; got shape {X.shape}")
        return self.from_network(predict(self.U, self.V, self.W, X,
                                         activation=self.activation))

"""A small user script that mypy --strict must accept (tests/test_typing.py)."""

import numpy as np

import rnnc


def main() -> float:
    series = np.sin(np.arange(120.0))
    X, Y = rnnc.windows(series, 10)
    U, V, W = rnnc.scaled_weights(hidden_dim=8, n_inputs=1, output_dim=1, seed=0)
    result = rnnc.train(U, V, W, X, Y, None, None, learning_rate=0.01, max_epochs=2,
                        verbose=False, optimizer="adam", shuffle=True, random_state=0)
    history = result.history
    assert history is not None
    first: float = history.loss[0]
    yhat = rnnc.predict(U, V, W, X, n_threads=1)
    loss, h_T = rnnc.calculate_loss(X, Y, U, V, W)
    dU, dV, dW = rnnc.gradients(U, V, W, X[0], Y[0], None)
    return float(yhat.sum() + loss + h_T.sum() + dU.sum() + first)


if __name__ == "__main__":
    print(main())

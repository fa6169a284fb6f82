"""The tutorial's sine-wave experiment, on rnnc.

    python examples/sine.py                      # the tutorial's settings, exact gradients
    python examples/sine.py --backprop tutorial  # the tutorial's own update rule
    python examples/sine.py --init scaled --learning-rate 0.03 --epochs 100

Data as in the tutorial: sin(0), sin(1), ..., sin(199); 100 training windows
of 50 steps, each predicting the next value, and the next 50 windows for
validation.  Prints the tutorial's per-epoch line and the validation RMSE,
measured on the validation inputs.
"""
import argparse
import math
import time

import numpy as np

import rnnc


def sine_windows(seq_len=rnnc.seq_len, n_values=200, n_validation=50):
    series = np.sin(np.arange(n_values, dtype=np.float64))
    starts = np.arange(n_values - seq_len)
    X = np.stack([series[s:s + seq_len] for s in starts])[:, :, None]
    Y = series[starts + seq_len][:, None]
    n_train = len(starts) - n_validation
    return X[:n_train], Y[:n_train], X[n_train:], Y[n_train:]


def initial_weights(init, seed=12161):
    if init == "tutorial":          # its global-seeded uniform(0, 1) draws, in its order
        np.random.seed(seed)
        draw = lambda shape: np.random.uniform(0, 1, shape)  # noqa: E731
    else:                           # small weights: the sigmoid starts unsaturated
        rng = np.random.default_rng(seed)
        bound = 1 / math.sqrt(rnnc.hidden_dim)
        draw = lambda shape: rng.uniform(-bound, bound, shape)  # noqa: E731
    return (draw((rnnc.hidden_dim, rnnc.seq_len)), draw((rnnc.output_dim, rnnc.hidden_dim)),
            draw((rnnc.hidden_dim, rnnc.hidden_dim)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backprop", choices=["bptt", "tutorial"], default="bptt")
    parser.add_argument("--init", choices=["tutorial", "scaled"], default="tutorial")
    parser.add_argument("--learning-rate", type=float, default=rnnc.learning_rate)
    parser.add_argument("--epochs", type=int, default=rnnc.max_epochs)
    args = parser.parse_args()

    X, Y, X_validation, Y_validation = sine_windows()
    U, V, W = initial_weights(args.init)
    start = time.perf_counter()
    rnnc.train(U, V, W, X, Y, X_validation, Y_validation, learning_rate=args.learning_rate,
               max_epochs=args.epochs, backprop=args.backprop)
    seconds = time.perf_counter() - start
    predictions = rnnc.predict(U, V, W, X_validation)
    rmse = math.sqrt(np.mean((predictions - Y_validation) ** 2))
    print(f"trained in {seconds:.2f} s; validation RMSE: {rmse:.4f} "
          f"(predicting the mean instead: {np.std(Y_validation):.4f})")


if __name__ == "__main__":
    main()

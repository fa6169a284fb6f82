"""The tutorial's sine-wave experiment in a few lines of rnnc's Python API.

    python examples/sine.py                      # rnnc's recipe: learns
    python examples/sine.py --tutorial           # the tutorial's settings

(`rnnc sine` does the same from the command line, with plots.)
"""

import argparse
import math

import numpy as np

import rnnc
from rnnc.initializers import scaled_weights, tutorial_weights

parser = argparse.ArgumentParser()
parser.add_argument("--tutorial", action="store_true", help="the tutorial's settings")
parser.add_argument("--epochs", type=int, help="override the number of epochs")
args = parser.parse_args()

# sin(0..199) as windows of 50 values, each predicting the next; 100 train, 50 validate
X, Y = rnnc.windows(np.sin(np.arange(200.0)), rnnc.seq_len)
X, Y, X_validation, Y_validation = X[:100], Y[:100], X[100:150], Y[100:150]

if args.tutorial:  # uniform(0, 1) weights from seed 12161, learning rate 1e-4, 25 epochs
    U, V, W = tutorial_weights(seed=12161)
    learning_rate, epochs = rnnc.learning_rate, rnnc.max_epochs
else:  # small weights keep the sigmoid in its slope; a larger step
    U, V, W = scaled_weights(seed=12161)
    learning_rate, epochs = 0.03, 100

rnnc.train(
    U,
    V,
    W,
    X,
    Y,
    X_validation,
    Y_validation,
    learning_rate=learning_rate,
    max_epochs=args.epochs or epochs,
)
rmse = math.sqrt(np.mean((rnnc.predict(U, V, W, X_validation) - Y_validation) ** 2))
mean_rmse = math.sqrt(np.mean((np.mean(Y) - Y_validation) ** 2))
print(f"validation RMSE: {rmse:.4f} (predicting the training mean: {mean_rmse:.4f})")

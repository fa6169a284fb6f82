"""PyTorch as a user writes it: autograd, per-record SGD, one thread."""

from ..workloads import EPOCHS, HI, LO, LR, K


def make_trainer(torch):
    """Training as a PyTorch user writes it: autograd, per-record SGD, truncation by
    detach() at h_{T-k-1}, elementwise clamp of the gradients, one thread.  The loss
    passes run under no_grad, batched over records (a user would do at least that)."""
    torch.set_num_threads(1)

    def step_input(U, xs, t, per_step):
        # xs: (T, F) for one record, or (n, T, F) for a batch
        if per_step:
            return U[:, t] * xs[..., t, 0:1]
        return xs[..., t, :] @ U.T

    def batch_loss(U, V, W, X, Y, per_step):
        h = torch.zeros(X.shape[0], W.shape[0], dtype=W.dtype)
        for t in range(X.shape[1]):
            h = torch.sigmoid(step_input(U, X, t, per_step) + h @ W.T)
        return float(0.5 * ((Y - h @ V.T) ** 2).sum())

    def sgd_epoch(U, V, W, X, Y, lr, k, lo, hi, per_step):
        T = X.shape[1]
        for r in range(X.shape[0]):
            x, y = X[r], Y[r]
            h = torch.zeros(W.shape[0], dtype=W.dtype)
            for t in range(T):
                if t == T - k - 1:
                    h = h.detach()  # h_{T-k-1} held constant
                h = torch.sigmoid(step_input(U, x, t, per_step) + W @ h)
            loss = 0.5 * ((y - V @ h) ** 2).sum()
            loss.backward()
            with torch.no_grad():
                for p in (U, V, W):
                    p -= lr * p.grad.clamp_(lo, hi)
                    p.grad = None

    def train(weights, X, Y, Xv, Yv, epochs=EPOCHS, lr=LR, k=K, lo=LO, hi=HI, losses=True):
        U, V, W = (torch.tensor(w, requires_grad=True) for w in weights)
        per_step = X.shape[2] == 1 and U.shape[1] == X.shape[1]
        X, Y = torch.from_numpy(X), torch.from_numpy(Y)
        if Xv is not None:
            Xv, Yv = torch.from_numpy(Xv), torch.from_numpy(Yv)
        for _ in range(epochs):
            if losses:
                with torch.no_grad():
                    batch_loss(U, V, W, X, Y, per_step)
                    batch_loss(U, V, W, Xv, Yv, per_step)
            sgd_epoch(U, V, W, X, Y, lr, k, lo, hi, per_step)
        return tuple(p.detach().numpy() for p in (U, V, W))

    return train


def make_predictor(torch):
    """Prediction as a PyTorch user writes it for a tanh network: nn.RNN (its
    fused CPU loop) and a linear output without biases, under no_grad, one
    thread.  predict(weights, X) -> (n, 1)."""
    torch.set_num_threads(1)

    def predict(weights, X):
        U, V, W = weights
        rnn = torch.nn.RNN(U.shape[1], W.shape[0], bias=False, batch_first=True)
        output = torch.nn.Linear(W.shape[0], V.shape[0], bias=False)
        with torch.no_grad():
            rnn.weight_ih_l0 = torch.nn.Parameter(torch.from_numpy(U))
            rnn.weight_hh_l0 = torch.nn.Parameter(torch.from_numpy(W))
            output.weight = torch.nn.Parameter(torch.from_numpy(V))
        X = torch.from_numpy(X)

        def run():
            with torch.no_grad():
                return output(rnn(X)[0][:, -1]).numpy()

        return run

    return predict

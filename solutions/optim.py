"""Reference solution: mini-batches and gradient descent."""
import numpy as np


def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
    """Yield index arrays covering range(n) once, shuffled by rng when shuffle."""
    if shuffle:
        order = (np.random.default_rng() if rng is None else rng).permutation(n)
    else:
        order = np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        yield order[start:start + batch_size]


def sgd(w, dw, lr):
    """Plain gradient descent step."""
    return w - lr * dw


def sgd_momentum(w, dw, state, lr, momentum=0.9):
    """PyTorch SGD with momentum (dampening 0, no nesterov) -> (w_next, state)."""
    v = dw.copy() if state is None else momentum * state["v"] + dw
    return w - lr * v, {"v": v}


def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """torch.optim.Adam step with L2 weight decay -> (w_next, state)."""
    if state is None:
        state = {"t": 0, "m": np.zeros_like(w), "v": np.zeros_like(w)}
    g = dw + weight_decay * w if weight_decay else dw
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps
    return w - (lr / (1 - beta1 ** t)) * m / denom, {"t": t, "m": m, "v": v}


def fit_mlp(X, y, hidden_sizes, epochs, batch_size, lr, rng):
    """Train a ReLU MLP classifier with Adam on mini-batches -> params."""
    from .mlp import init_mlp, mlp_loss

    params = init_mlp([X.shape[1], *hidden_sizes, int(np.max(y)) + 1], rng)
    states = dict.fromkeys(params)
    for _ in range(epochs):
        for idx in minibatches(X.shape[0], batch_size, rng):
            _, grads = mlp_loss(X[idx], y[idx], params)
            for k in params:
                params[k], states[k] = adam(params[k], grads[k], states[k], lr=lr)
    return params

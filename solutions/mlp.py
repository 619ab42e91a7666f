"""Reference solution: feed-forward network and backpropagation."""
import numpy as np


def affine_forward(x, w, b):
    """Affine layer x @ w + b -> (out, cache)."""
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    """Backward of affine_forward -> (dx, dw, db)."""
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def init_mlp(layer_sizes, rng):
    """He-normal weights and zero biases for layer_sizes [D, H1, ..., C]."""
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), 1):
        params[f"W{l}"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
        params[f"b{l}"] = np.zeros(fan_out)
    return params


def _sigmoid(x):
    """Numerically stable logistic function."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


# activation name -> (forward f(x), derivative expressed through (x, f(x)))
_ACTIVATIONS = {
    "relu": (lambda x: np.maximum(x, 0.0), lambda x, a: (x > 0).astype(np.float64)),
    "sigmoid": (_sigmoid, lambda x, a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda x, a: 1.0 - a * a),
}


def mlp_forward(x, params, activation="relu"):
    """Hidden layers affine + activation, last layer affine -> (scores, cache)."""
    if activation not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; use 'relu', 'sigmoid' or 'tanh'")
    f = _ACTIVATIONS[activation][0]
    n_layers = len(params) // 2
    caches, h = [], x
    for l in range(1, n_layers + 1):
        z, c = affine_forward(h, params[f"W{l}"], params[f"b{l}"])
        h = z if l == n_layers else f(z)
        caches.append((c, z, h))
    return h, (caches, activation)


def mlp_backward(dscores, cache):
    """Backpropagate dscores through the MLP -> grads dict keyed like params."""
    caches, activation = cache
    df = _ACTIVATIONS[activation][1]
    grads, dh = {}, dscores
    for l in range(len(caches), 0, -1):
        c, z, a = caches[l - 1]
        dz = dh if l == len(caches) else dh * df(z, a)
        dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dz, c)
    return grads


def _softmax_cross_entropy(logits, y):
    """Stable mean softmax cross-entropy -> (loss, dlogits)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = logits.shape[0]
    rows = np.arange(n)
    loss = -log_probs[rows, y].mean()
    dlogits = np.exp(log_probs)
    dlogits[rows, y] -= 1.0
    return float(loss), dlogits / n


def mlp_loss(x, y, params, activation="relu"):
    """Softmax cross-entropy of the MLP's scores -> (loss, grads)."""
    scores, cache = mlp_forward(x, params, activation)
    loss, dscores = _softmax_cross_entropy(scores, y)
    return loss, mlp_backward(dscores, cache)

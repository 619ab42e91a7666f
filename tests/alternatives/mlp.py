"""An affine layer written with einsum; an MLP with explicit per-layer lists and while loops over np.dot,
dict caches, rng.normal, a logsumexp loss and activation derivatives recomputed from the pre-activations."""
import numpy as np


def affine_forward(x, w, b):
    out = np.einsum("nd,dm->nm", x, w) + b[None, :]
    return out, {"x": x, "w": w}


def affine_backward(dout, cache):
    dx = np.einsum("nm,dm->nd", dout, cache["w"])
    dw = np.einsum("nd,nm->dm", cache["x"], dout)
    db = np.einsum("nm->m", dout)
    return dx, dw, db


def init_mlp(layer_sizes, rng):
    params = {}
    i = 0
    while i + 1 < len(layer_sizes):
        fan_in, fan_out = int(layer_sizes[i]), int(layer_sizes[i + 1])
        params["W" + str(i + 1)] = rng.normal(0.0, (2.0 / fan_in) ** 0.5, size=(fan_in, fan_out))
        params["b" + str(i + 1)] = np.zeros((fan_out,), dtype=np.float64)
        i += 1
    return params


def _act(name, z):
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -z))
    if name == "tanh":
        return np.tanh(z)
    raise ValueError(name)


def _dact(name, z):
    if name == "relu":
        return np.where(z > 0, 1.0, 0.0)
    if name == "sigmoid":
        s = np.exp(-np.logaddexp(0.0, -z))
        return s * (1.0 - s)
    return 1.0 / np.cosh(z) ** 2


def mlp_forward(x, params, activation="relu"):
    if activation not in ("relu", "sigmoid", "tanh"):
        raise ValueError(activation)
    depth = sum(1 for k in params if k.startswith("W"))
    inputs, pre = [], []
    h = x
    for layer in range(1, depth + 1):
        inputs.append(h)
        z = np.dot(h, params[f"W{layer}"]) + params[f"b{layer}"]
        pre.append(z)
        h = _act(activation, z) if layer < depth else z
    cache = {"inputs": inputs, "pre": pre, "activation": activation,
             "weights": [params[f"W{layer}"] for layer in range(1, depth + 1)]}
    return h, cache


def mlp_backward(dscores, cache):
    inputs, pre, weights = cache["inputs"], cache["pre"], cache["weights"]
    grads = {}
    delta = dscores
    layer = len(weights)
    while layer >= 1:
        if layer < len(weights):
            delta = delta * _dact(cache["activation"], pre[layer - 1])
        grads[f"W{layer}"] = np.dot(inputs[layer - 1].T, delta)
        grads[f"b{layer}"] = delta.sum(axis=0)
        delta = np.dot(delta, weights[layer - 1].T)
        layer -= 1
    return grads


def mlp_loss(x, y, params, activation="relu"):
    scores, cache = mlp_forward(x, params, activation)
    n, c = scores.shape
    log_p = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    one_hot = np.eye(c)[y]
    loss = -np.sum(one_hot * log_p) / n
    return np.float64(loss), mlp_backward((np.exp(log_p) - one_hot) / n, cache)

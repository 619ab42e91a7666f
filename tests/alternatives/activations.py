"""Activations written element by element with math, caches as dicts, float64 throughout."""
import math

import numpy as np


def _map(f, x):
    return np.array([f(v) for v in x.reshape(-1)], dtype=np.float64).reshape(x.shape)


def _sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid_forward(x):
    out = _map(_sigmoid, x)
    return out, {"s": out}


def sigmoid_backward(dout, cache):
    s = cache["s"]
    return dout * s - dout * s * s


def tanh_forward(x):
    out = _map(math.tanh, x)
    return out, {"t": out}


def tanh_backward(dout, cache):
    return dout * (1.0 - cache["t"] * cache["t"])


def relu_forward(x):
    mask = x > 0
    return x * mask, mask


def relu_backward(dout, cache):
    return np.where(cache, dout, 0.0)


def elu_forward(x, alpha=1.0):
    out = _map(lambda v: v if v > 0 else alpha * math.expm1(v), x)
    return out, {"x": x, "alpha": alpha}


def elu_backward(dout, cache):
    x, alpha = cache["x"], cache["alpha"]
    return dout * _map(lambda v: 1.0 if v > 0 else alpha * math.exp(v), x)

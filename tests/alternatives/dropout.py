"""Dropout with a boolean mask drawn by rng.uniform against the keep probability, scaling applied
with np.divide, and a dict cache that records the mode."""
import numpy as np


def dropout_forward(x, p, train, rng):
    if not train or p == 0:
        return np.array(x, dtype=np.float64, copy=True), {"keep": None}
    keep = rng.uniform(size=x.shape) < 1.0 - p
    out = np.zeros_like(x)
    if p < 1:
        np.divide(x, 1.0 - p, out=out, where=keep)
    return out, {"keep": keep, "p": p}


def dropout_backward(dout, cache):
    keep = cache["keep"]
    if keep is None:
        return np.array(dout, copy=True)
    dx = np.zeros_like(dout)
    if cache["p"] < 1:
        np.divide(dout, 1.0 - cache["p"], out=dx, where=keep)
    return dx

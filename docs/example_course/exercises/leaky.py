"""Leaky ReLU: ReLU that lets a little of the negative side through.

    out = x                     where x > 0
    out = negative_slope * x    elsewhere

Shapes: x is any float64 array; out has its shape. The cache is whatever the backward pass needs.
Hint: np.where(condition, a, b) chooses elementwise; no loop is needed.
"""
import numpy as np


def leaky_relu_forward(x, negative_slope=0.01):
    """Return (out, cache): out as above, cache for leaky_relu_backward."""
    raise NotImplementedError


def leaky_relu_backward(dout, cache):
    """Return dx = dout * d(out)/dx: 1 where x > 0, negative_slope elsewhere (0 counts as elsewhere)."""
    raise NotImplementedError

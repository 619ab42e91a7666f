"""Leaky ReLU (reference)."""
import numpy as np


def leaky_relu_forward(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x), (x, negative_slope)


def leaky_relu_backward(dout, cache):
    x, negative_slope = cache
    return dout * np.where(x > 0, 1.0, negative_slope)

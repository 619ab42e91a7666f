"""Numeric gradients for debugging a backward pass (a student's tool, never used in grading).

    from dlgrade.gradcheck import numeric_gradient, relative_error
    dw_num = numeric_gradient(lambda w: np.sum(affine_forward(x, w, b)[0] * dout), w)
    print(relative_error(dw, dw_num))   # ~1e-8 or less when dw is right

``numeric_gradient`` takes central differences, (f(x + h e_i) - f(x - h e_i)) / 2h,
one element at a time. ``f`` gets the perturbed array as its argument; when ``x``
is a writable float64 array the perturbation is made in ``x`` itself (so a
function that reads ``x`` through a closure sees it too) and every element is
put back exactly, even if ``f`` raises: ``x`` is unchanged afterwards.
"""
from __future__ import annotations

import numpy as np

__all__ = ["numeric_gradient", "relative_error"]


def _scalar(value) -> float:
    array = np.asarray(value)
    if array.size != 1:
        raise ValueError(f"numeric_gradient needs a scalar function; f returned an array of shape {array.shape} "
                         "(reduce it, e.g. np.sum(out * dout))")
    return float(array.reshape(()))


def numeric_gradient(f, x, h: float = 1e-6) -> np.ndarray:
    """The central-difference gradient of the scalar function ``f`` at ``x``: an array shaped like ``x``.

    ``f`` is called 2 * x.size times. ``h`` is the step (1e-6 suits float64 values of order 1;
    a much smaller step loses precision to rounding, a much larger one to curvature).
    """
    if not h > 0:
        raise ValueError(f"the step h must be positive, got {h!r}")
    in_place = isinstance(x, np.ndarray) and x.dtype == np.float64 and x.flags.writeable
    point = x if in_place else np.array(x, dtype=np.float64)
    grad = np.zeros(point.shape, dtype=np.float64)
    for index in np.ndindex(point.shape):
        original = point[index]
        try:
            point[index] = original + h
            plus = _scalar(f(point))
            point[index] = original - h
            minus = _scalar(f(point))
        finally:
            point[index] = original
        grad[index] = (plus - minus) / (2.0 * h)
    return grad


def relative_error(a, b, floor: float = 1e-8) -> float:
    """max |a - b| / max(|a| + |b|, floor), elementwise: ~1e-7 or less means two gradients agree."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(floor, np.abs(a) + np.abs(b))))

"""Hypothesis strategies for generated inputs (float64 arrays, sizes, labels).

Every element of an array is drawn (``fill=nothing()``), so arrays are not
mostly one repeated value, and values stay in a range where float64 results
are well conditioned unless a check asks for extremes.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def floats(low: float = -5.0, high: float = 5.0) -> st.SearchStrategy:
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def array(shape, low: float = -5.0, high: float = 5.0, unique: bool = False, elements=None) -> st.SearchStrategy:
    """A float64 array of a fixed shape (a tuple, or a strategy for one)."""
    return hnp.arrays(np.float64, shape, elements=elements if elements is not None else floats(low, high),
                      fill=st.nothing(), unique=unique)


def any_shape(min_dims: int = 1, max_dims: int = 4, min_side: int = 1, max_side: int = 5) -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def size(low: int = 1, high: int = 6) -> st.SearchStrategy:
    return st.integers(low, high)


def labels(n: int, classes: int) -> st.SearchStrategy:
    """An int64 vector of n class labels in range(classes)."""
    return hnp.arrays(np.int64, (n,), elements=st.integers(0, classes - 1), fill=st.nothing())


def inputs(**fields) -> st.SearchStrategy:
    """A dict of named arguments, in signature order (the executor passes them positionally)."""
    order = list(fields)
    return st.fixed_dictionaries(fields).map(lambda drawn: {name: drawn[name] for name in order})

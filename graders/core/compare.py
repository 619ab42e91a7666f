"""Strict comparison of an encoded student output with the oracle's.

Acceptance is decided on plain data (see values.encode) in this order: the
Python type, the dtype, the shape, non-finite values, then closeness as
torch.testing does it: ``|got - expected| <= atol + rtol * |expected|``.
Each problem names the output it concerns (``dw``, ``grads['W1']``) and says
what was expected, what came back and where the largest error is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..execution.values import Foreign, describe, leaves, type_name


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-7
    atol: float = 1e-7

    def close(self, got, expected):
        return np.abs(got - expected) <= self.atol + self.rtol * np.abs(expected)


DEFAULT = Tolerance()


class _Any:
    def __repr__(self):
        return "ANY"


#: In an expected structure: "some value must be here; what it is is the student's business" (a cache).
ANY = _Any()


def _kind(value) -> str:
    if isinstance(value, Foreign):
        return value.describe()
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    if value is None:
        return "None"
    return f"a {type_name(value)}"


#: The dtype rule (CONTRACT.md, "Rules for every exercise"): every floating output is float64.
FLOAT_RULE = "every floating output is float64, the inputs' dtype"


def _not_float64(name: str, dtype) -> str:
    hint = (": a conversion to a smaller float loses the precision this check needs" if dtype.kind == "f"
            else "")
    return f"{name}: dtype is {dtype}, expected float64 ({FLOAT_RULE}){hint}"


def _index(flat_index, shape):
    idx = np.unravel_index(flat_index, shape)
    return tuple(int(i) for i in idx) if len(shape) != 1 else int(idx[0])


def compare_arrays(got: np.ndarray, expected: np.ndarray, name: str, tol: Tolerance) -> str | None:
    """Both real arrays of the same shape: non-finite values, then closeness."""
    got, expected = got.astype(np.float64, copy=False), expected.astype(np.float64, copy=False)
    exp_bad, got_bad = ~np.isfinite(expected), ~np.isfinite(got)
    if (got_bad & ~exp_bad).any():
        bad = got_bad & ~exp_bad
        first = _index(int(np.flatnonzero(bad)[0]), got.shape)
        what = "NaN" if np.isnan(got[bad]).any() else "inf"
        return (f"{name} contains {what} at {int(bad.sum())} of {got.size} elements (first at index {first}) "
                "where the expected values are finite: look for an overflow (exp of a large number) or 0/0")
    if exp_bad.any() and not np.array_equal(got[exp_bad], expected[exp_bad], equal_nan=True):
        return f"{name}: the non-finite values differ from the expected ones"
    ok = exp_bad | tol.close(np.where(exp_bad, 0, got), np.where(exp_bad, 0, expected))
    if ok.all():
        return None
    err = np.where(ok, 0, np.abs(got - expected))
    worst = int(np.argmax(err))
    at = _index(worst, got.shape) if got.ndim else ()
    g, e = got.reshape(-1)[worst], expected.reshape(-1)[worst]
    where = f" at index {at}" if got.ndim else ""
    rel = abs(g - e) / abs(e) if e != 0 else np.inf
    return (f"{name}: {int((~ok).sum())} of {got.size} values differ beyond rtol={tol.rtol:g}, atol={tol.atol:g}; "
            f"largest error {abs(g - e):.3g} (relative {rel:.3g}){where}: got {g:.10g}, expected {e:.10g}")


def compare(got, expected, name: str, tol: Tolerance = DEFAULT) -> list[str]:
    """Problems with ``got`` (encoded) against ``expected`` (trusted); empty when accepted."""
    if expected is ANY:
        return []
    if isinstance(expected, np.ndarray):
        if type(got) is not np.ndarray:
            return [f"{name}: expected a numpy.ndarray of shape {expected.shape}, got {_kind(got)}"]
        if expected.dtype.kind == "f" and got.dtype != np.float64:
            return [_not_float64(name, got.dtype)]
        if expected.dtype.kind in "iu" and got.dtype.kind not in "iu":
            return [f"{name}: dtype is {got.dtype}, expected an integer dtype such as int64"]
        if got.shape != expected.shape:
            return [f"{name}: shape is {got.shape}, expected {expected.shape}"]
        if expected.dtype.kind in "iub":
            if not np.array_equal(got, expected):
                bad = int(np.flatnonzero(got.reshape(-1) != expected.reshape(-1))[0])
                return [f"{name}: differs at index {_index(bad, got.shape)}: got {got.reshape(-1)[bad]}, "
                        f"expected {expected.reshape(-1)[bad]}"]
            return []
        problem = compare_arrays(got, expected, name, tol)
        return [problem] if problem else []
    if isinstance(expected, float):
        if type(got) is np.ndarray and got.shape == () and got.dtype.kind == "f":
            if got.dtype != np.float64:
                return [_not_float64(name, got.dtype)]
            got = float(got)
        if type(got) not in (float, int):
            return [f"{name}: expected a scalar (a Python float or a 0-d array), got {_kind(got)}"]
        problem = compare_arrays(np.asarray(float(got)), np.asarray(expected), name, tol)
        return [problem] if problem else []
    if isinstance(expected, bool) or isinstance(expected, int):
        if type(got) is not type(expected):
            return [f"{name}: expected {type(expected).__name__} {expected!r}, got {_kind(got)}"]
        return [] if got == expected else [f"{name}: got {got!r}, expected {expected!r}"]
    if isinstance(expected, dict):
        if type(got) is not dict:
            return [f"{name}: expected a dict with keys {sorted(expected)}, got {_kind(got)}"]
        if set(got) != set(expected):
            missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
            return [f"{name}: keys differ" + (f"; missing {missing}" if missing else "") + (f"; unexpected {extra}" if extra else "")]
        return [p for key in expected for p in compare(got[key], expected[key], f"{name}[{key!r}]", tol)]
    if isinstance(expected, list):
        if type(got) not in (list, tuple):
            return [f"{name}: expected a list of {len(expected)} items, got {_kind(got)}"]
        if len(got) != len(expected):
            return [f"{name}: has {len(got)} items, expected {len(expected)}"]
        return [p for i, (g, e) in enumerate(zip(got, expected)) for p in compare(g, e, f"{name}[{i}]", tol)]
    if expected is None:
        return [] if got is None else [f"{name}: expected None, got {_kind(got)}"]
    raise TypeError(f"cannot compare with an expected {type(expected).__name__}")


def compare_returns(got, expected: tuple, names: tuple, function: str, tol: Tolerance = DEFAULT) -> list[str]:
    """A function's whole return value: one output, or a tuple of named outputs."""
    if len(expected) == 1:
        return compare(got, expected[0], names[0], tol)
    if type(got) not in (tuple, list):
        return [f"{function}() should return a tuple ({', '.join(names)}), got {_kind(got)}"]
    if len(got) != len(expected):
        return [f"{function}() should return {len(expected)} values ({', '.join(names)}), got {len(got)}"]
    return [p for g, e, n in zip(got, expected, names) for p in compare(g, e, n, tol)]


def distance(got, expected) -> float:
    """The largest absolute difference between two outputs of the same structure (inf where they differ in
    structure): how close a student's output is to a buggy variant's."""
    got_leaves, expected_leaves = list(leaves(got)), list(leaves(expected))
    if len(got_leaves) != len(expected_leaves):
        return float("inf")
    worst = 0.0
    for g, e in zip(got_leaves, expected_leaves):
        if e is ANY:
            continue
        try:
            a, b = np.asarray(g, dtype=np.float64), np.asarray(e, dtype=np.float64)
        except (TypeError, ValueError):
            if g != e:
                return float("inf")
            continue
        if a.shape != b.shape:
            return float("inf")
        if a.size:
            diff = np.abs(np.where(np.isfinite(a) | np.isfinite(b), a - b, 0.0))
            worst = max(worst, float(np.nanmax(np.where(np.isnan(diff), np.inf, diff))))
    return worst


def matches(got, expected, names, function, tol) -> bool:
    try:
        return not compare_returns(got, expected, names, function, tol)
    except TypeError:
        return False


__all__ = ["ANY", "DEFAULT", "Tolerance", "compare", "compare_returns", "describe", "matches"]

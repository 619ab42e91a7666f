"""The condition of a failure: the simplest statement over the examples' features that separates the
examples a submission failed from those it passed ("wrong only when H != W", "wrong from depth 3").

It points at a mistake nobody listed. Features come from the inputs themselves (every argument's value,
an array's sizes, whether it holds zeros or ties; see :func:`generic_features`) and from what a topic
declares for a check (``features=`` on a declaration: a function of the inputs returning named values).
A statement is only given when it separates the examples exactly and enough of them stand on each side
that chance is an unlikely explanation; otherwise nothing is said.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

#: An exact separation by one of many features can be luck: at least this many examples on each side.
MIN_FAILING, MIN_PASSING = 2, 3


def generic_features(inputs: dict) -> dict:
    """Features every input has: scalars' values, arrays' sizes, zeros, ties and extremes, containers' lengths."""
    features = {}
    for name, value in inputs.items():
        if isinstance(value, (bool, int, float, str)) or value is None:
            features[name] = value
        elif isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            features[f"{name}.ndim"] = value.ndim
            for axis, size in enumerate(value.shape):
                features[f"{name}.shape[{axis}]"] = size
            if value.ndim == 4:
                features[f"{name} is square (H == W)"] = value.shape[2] == value.shape[3]
            if value.size:
                features[f"{name} has exact zeros"] = bool(np.any(value == 0))
                features[f"{name} has ties"] = np.unique(value).size < value.size
                features[f"{name} has negative values"] = bool(np.any(value < 0))
                features[f"|{name}| > 100 somewhere"] = bool(np.any(np.abs(value) > 100))
        elif isinstance(value, dict):
            features[f"len({name})"] = len(value)
        elif isinstance(value, (list, tuple)):
            features[f"len({name})"] = len(value)
    return features


def _statements(name: str, values: list):
    """Candidate statements about one feature: (text, truth per example, how simple: lower first)."""
    present = [v for v in values if v is not None]
    if not present:
        return
    if all(isinstance(v, bool) for v in present):
        yield name, [v is True for v in values], 0
        yield f"not {name}", [v is False for v in values], 0
        return
    for value in sorted(set(present), key=repr):
        yield f"{name} == {value!r}", [v == value for v in values], 1
        yield f"{name} != {value!r}", [v is not None and v != value for v in values], 2
    if all(isinstance(v, (int, float)) for v in present):
        for threshold in sorted(set(present))[1:]:
            yield f"{name} >= {threshold:g}", [v is not None and v >= threshold for v in values], 1
            yield f"{name} < {threshold:g}", [v is not None and v < threshold for v in values], 1


def separate(examples: list[tuple[dict, bool]]) -> str | None:
    """The simplest statement true of exactly the failing examples (``(features, failed)`` pairs), or None.

    One feature first; then two joined by "and". Declared features come before generic ones, simpler
    statements before others, as they are listed.
    """
    failed = [f for _, f in examples]
    if sum(failed) < MIN_FAILING or len(failed) - sum(failed) < MIN_PASSING:
        return None
    names = list(dict.fromkeys(k for features, _ in examples for k in features))
    single = []
    for order, name in enumerate(names):
        values = [features.get(name) for features, _ in examples]
        if len({repr(v) for v in values}) < 2:
            continue
        for text, truth, simplicity in _statements(name, values):
            if truth == failed:
                return text
            if any(truth) and not all(t <= f for t, f in zip(truth, failed)) is False:
                single.append((text, truth))
    for (a, ta), (b, tb) in itertools.combinations(single[:200], 2):
        if [x and y for x, y in zip(ta, tb)] == failed:
            return f"{a} and {b}"
    return None


def describe_condition(statement: str, failing: int, total: int) -> str:
    share = f"{failing} of {total} examples"
    return f"wrong only when {statement} ({share} failed, exactly those)"


def chance(examples: int, features: int) -> float:
    """A rough bound on how likely some feature separates random verdicts exactly (for the tests' sake)."""
    return min(1.0, features * 2.0 / math.comb(examples, examples // 2))

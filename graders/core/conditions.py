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

import numpy as np

#: An exact separation by one of many features can be luck: at least this many examples on each side (with
#: ~60 candidate statements and 36 examples, 3 failing ones are matched by chance about once in 150), and more
#: for a statement joining two features.
MIN_FAILING, MIN_PASSING = 3, 3
MIN_FOR_TWO = 6


def generic_features(inputs: dict) -> dict:
    """Features every input has: scalars' values, arrays' sizes, zeros, ties and extremes, containers' lengths.
    A yes/no feature is named ``"what holds ||| what holds otherwise"``."""
    features = {}
    for name, value in inputs.items():
        if isinstance(value, (bool, int, float, str)) or value is None:
            features[name] = value
        elif isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            features[f"{name}.ndim"] = value.ndim
            for axis, size in enumerate(value.shape):
                features[f"{name}.shape[{axis}]"] = size
            if value.ndim == 4:
                features[f"{name} is square (H == W) ||| {name} is not square (H != W)"] = \
                    value.shape[2] == value.shape[3]
            if value.size:
                features[f"{name} has exact zeros ||| {name} has no exact zeros"] = bool(np.any(value == 0))
                features[f"{name} has ties ||| {name} has no ties"] = np.unique(value).size < value.size
                features[f"{name} has negative values ||| {name} has no negative values"] = bool(np.any(value < 0))
                features[f"|{name}| > 100 somewhere ||| |{name}| <= 100 everywhere"] = \
                    bool(np.any(np.abs(value) > 100))
        elif isinstance(value, (dict, list, tuple)):
            features[f"len({name})"] = len(value)
    return features


def _statements(name: str, values: list):
    """Candidate statements about one feature: (text, test of a value, how simple: lower first)."""
    present = [v for v in values if v is not None]
    if not present:
        return
    if all(isinstance(v, bool) for v in present):
        holds, otherwise = name.split(" ||| ") if " ||| " in name else (f"{name} is True", f"{name} is False")
        yield holds, lambda v: v is True, 0
        yield otherwise, lambda v: v is False, 0
        return
    for value in sorted(set(present), key=repr):
        yield f"{name} == {value!r}", lambda v, value=value: v == value, 1
        # "weight_decay != 0.0" reads better than "weight_decay >= 0.1"; "N >= 2" better than "N != 1"
        yield (f"{name} != {value!r}", lambda v, value=value: v is not None and v != value,
               1.5 if value == 0 else 3)
    if all(isinstance(v, (int, float)) for v in present):
        for threshold in sorted(set(present))[1:]:
            yield f"{name} >= {threshold:g}", lambda v, t=threshold: v is not None and v >= t, 2
            yield f"{name} < {threshold:g}", lambda v, t=threshold: v is not None and v < t, 2


def separate(examples: list[tuple[dict, bool]], holdout: list[tuple[dict, bool]] = ()) -> str | None:
    """The simplest statement true of exactly the failing examples (``(features, failed)`` pairs), or None.

    One feature first; then two joined by "and". Declared features come before generic ones, simpler
    statements before others, as they are listed. With ``holdout`` (other examples, not used to find the
    statement), a statement is only given if it separates those exactly too: one fitted to the examples it
    was found on, and false elsewhere, is worse than none.
    """
    found = _separating(examples)
    if found is None:
        return None
    text, test = found
    if any(test(features) != bad for features, bad in holdout):
        return None
    return text


def _separating(examples):
    failed = [f for _, f in examples]
    if sum(failed) < MIN_FAILING or len(failed) - sum(failed) < MIN_PASSING:
        return None
    names = list(dict.fromkeys(k for features, _ in examples for k in features))
    single, exact = [], []
    for order, name in enumerate(names):
        values = [features.get(name) for features, _ in examples]
        if len({repr(v) for v in values}) < 2:
            continue
        for text, check, simplicity in _statements(name, values):
            truth = [bool(check(v)) for v in values]
            test = (lambda features, name=name, check=check: bool(check(features.get(name))))
            if truth == failed:
                exact.append((simplicity, order, text, test))
            elif all(t or not f for t, f in zip(truth, failed)) and not all(truth):
                single.append((simplicity, order, text, test, truth))  # true of every failing one: half of "and"
    if exact:
        _, _, text, test = min(exact, key=lambda c: c[:2])
        return text, test
    if min(sum(failed), len(failed) - sum(failed)) < MIN_FOR_TWO:
        return None
    single = sorted(single, key=lambda c: c[:2])[:200]
    for (_, _, a, test_a, ta), (_, _, b, test_b, tb) in itertools.combinations(single, 2):
        if [x and y for x, y in zip(ta, tb)] == failed:
            return f"{a} and {b}", (lambda features, test_a=test_a, test_b=test_b: test_a(features) and test_b(features))
    return None


def describe_condition(statement: str, failing: int, total: int) -> str:
    return (f"Condition: wrong only when {statement} ({failing} of {total} examples failed, exactly those "
            "where it holds)")

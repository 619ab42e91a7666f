"""A failure's condition: the simplest statement over the examples' features that holds exactly where a
submission fails; nothing when no statement separates them or too few examples stand on a side."""
import numpy as np

from dlgrade.core.conditions import generic_features, separate
from tests.support import grade_check, write_module


def table(rows, failed):
    return list(zip(rows, failed))


def test_one_feature_that_separates_is_found():
    rows = [{"stride": s, "padding": p} for s, p in [(1, 0), (2, 0), (3, 1), (1, 1), (2, 2), (3, 0), (1, 2), (2, 1)]]
    failed = [r["stride"] > 1 for r in rows]
    assert separate(table(rows, failed)) == "stride >= 2"


def test_a_yes_no_feature_reads_both_ways():
    rows = [generic_features({"x": np.zeros((1, 1, h, w)) + 1}) for h, w in [(2, 2), (2, 3), (3, 3), (4, 2), (1, 1), (5, 2)]]
    failed = [r["x is square (H == W) ||| x is not square (H != W)"] is False for r in rows]
    assert separate(table(rows, failed)) == "x is not square (H != W)"


def test_two_features_joined_when_one_does_not_do():
    rows = [{"a": a, "b": b} for a in range(5) for b in range(5)]
    failed = [r["a"] >= 2 and r["b"] >= 2 for r in rows]
    assert separate(table(rows, failed)) == "a >= 2 and b >= 2"


def test_nothing_is_said_when_nothing_separates_or_too_few_fail():
    rng = np.random.default_rng(0)
    rows = [{"n": int(n), "flag": bool(f)} for n, f in zip(rng.integers(1, 4, 36), rng.integers(0, 2, 36))]
    noise = [bool(v) for v in rng.integers(0, 2, 36)]
    assert separate(table(rows, noise)) is None
    two = [i in (3, 17) for i in range(36)]
    assert separate(table(rows, two)) is None  # two failing examples: a separation could be luck


def test_a_new_mistake_gets_its_condition(tmp_path):
    """A mistake nobody listed: conv2d wrong only on non-square images."""
    folder = write_module(tmp_path, "conv", """
        _reference = conv2d_forward
        def conv2d_forward(x, w, b, stride=1, padding=0):
            out, cache = _reference(x, w, b, stride, padding)
            return (out * 1.01 if x.shape[2] != x.shape[3] else out), cache
        """)
    verdict = grade_check(folder, "conv::conv2d_forward::matches_torch")
    assert "Condition: wrong only when x is not square (H != W)" in verdict.message
    assert verdict.message.index("Condition:") < verdict.message.index("smallest failing input")

"""Choosing checks by words and -k expressions (core/selection.py), on the real activations topic."""
import pytest

from dlgrade.core.selection import Keyword, KeywordError, select
from dlgrade.registry import load_topic

TOPIC = load_topic("activations")


def functions(checks):
    return sorted({c.function for c in checks})


@pytest.mark.parametrize("expression, expected", [
    ("relu and not backward", ["relu_forward"]),
    ("(tanh or sigmoid) and backward", ["sigmoid_backward", "tanh_backward"]),
    ("not relu and not elu and not sigmoid", ["tanh_backward", "tanh_forward"]),
    ("ELU", ["elu_backward", "elu_forward", "relu_backward", "relu_forward"]),  # substrings, any case: as pytest
    ("activations::tanh_forward", ["tanh_forward"]),
])
def test_keyword_expressions(expression, expected):
    assert functions(c for c in TOPIC.checks if Keyword(expression).matches(c)) == expected


@pytest.mark.parametrize("expression", ["", "relu and", "(relu", "relu)", "and relu", "relu or or tanh"])
def test_bad_expressions_are_refused(expression):
    with pytest.raises(KeywordError):
        Keyword(expression)


def test_words_name_exactly_first_then_by_part():
    assert functions(select([TOPIC], ["relu_forward"])) == ["relu_forward"]
    assert functions(select([TOPIC], ["relu"])) == ["relu_backward", "relu_forward"]  # no exact name: a part
    stable = select([TOPIC], ["stable_at_extremes"])
    assert functions(stable) == ["elu_forward", "sigmoid_forward", "tanh_forward"]
    assert {c.visibility for c in select([TOPIC], ["matches_torch"])} == {"public", "hidden"}  # twins follow
    assert functions(select([TOPIC], ["activations"], "backward and not (elu or relu)")) == \
        ["sigmoid_backward", "tanh_backward"]
    with pytest.raises(ValueError, match="did you mean tanh_forward"):
        select([TOPIC], ["tanh_forwrd"])

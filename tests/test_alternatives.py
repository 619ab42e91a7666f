"""Correct implementations in other styles pass: graders accept what is right, not what looks like ours."""
import pathlib

import pytest

from dlgrade.registry import available_topics
from dlgrade.core import Outcome
from tests.support import grade

HERE = pathlib.Path(__file__).parent / "alternatives"
TOPICS = [p.stem for p in sorted(HERE.glob("*.py")) if p.stem in available_topics()]


@pytest.mark.parametrize("topic", TOPICS)
def test_alternative_style_passes(topic):
    verdicts = grade(HERE, topic)
    failing = {cid: v.message for cid, v in verdicts.items() if v.outcome is not Outcome.PASSED}
    assert failing == {}

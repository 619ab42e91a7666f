"""Every mistake a grader claims to name: a buggy copy is rejected and named."""
import pytest

from dlgrade.core import Outcome
from dlgrade.registry import available_topics, load_topic
from tests.support import grade, mutants, write_module

MUTANTS = mutants()


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_mutant_is_rejected_and_named(mutant, tmp_path):
    folder = write_module(tmp_path, mutant.topic, mutant.source)
    verdict = grade(folder, mutant.topic, only=mutant.fails)[mutant.fails]
    # A mistake known by the error it causes (Mistake.raised) is an error verdict; the others are failures.
    raised = any(m.raised and m.name == mutant.diagnosis for c in load_topic(mutant.topic).checks for m in c.mistakes)
    assert verdict.outcome is (Outcome.ERROR if raised else Outcome.FAILED), verdict.message
    assert verdict.diagnosis == mutant.diagnosis, verdict.message
    if mutant.diagnosis:
        assert f"Likely mistake ({mutant.diagnosis})" in verdict.message


def test_every_declared_mistake_has_a_mutant():
    """A mistake a grader names but no test shows it catching is an untested claim."""
    declared = {(t, m.name) for t in available_topics() for c in load_topic(t).checks for m in c.mistakes}
    covered = {(m.topic, m.diagnosis) for m in MUTANTS}
    assert declared - covered == set()

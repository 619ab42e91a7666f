"""Every mistake a grader claims to name has a buggy copy in tests/mutants; that each copy is rejected and named
is asserted on the suite's one fresh grading of every mutant, in tests/test_golden.py."""
from dlgrade.registry import available_topics, load_topic
from tests.support import mutants

MUTANTS = mutants()


def test_every_declared_mistake_has_a_mutant():
    """A mistake a grader names but no test shows it catching is an untested claim."""
    declared = {(t, m.name) for t in available_topics() for c in load_topic(t).checks for m in c.mistakes}
    covered = {(m.topic, m.diagnosis) for m in MUTANTS}
    assert declared - covered == set()

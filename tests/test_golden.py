"""One fresh grading of solutions/, the stubs and tests/alternatives (public and hidden checks) and of
tests/mutants (public checks), and what it must show: every verdict, score, message and diagnosis equals the
recording in tests/golden/verdicts.json; every check passes on solutions/ and on each alternative style; every
check of a stub is not implemented; each mutant (a buggy copy of the reference, one per mistake a grader names)
is rejected by the check it targets and named as that mistake. One grading serves them all: it is the suite's
largest piece of work.

A change to the engine that changes what a student is told shows here, check by check. When a change is
meant (a better message, a new check), record again and review the diff:
``python -m tests.golden.record tests/golden/verdicts.json``.
"""
import json
import pathlib

import pytest

from dlgrade.registry import load_topic
from tests.golden.record import ALTERNATIVES, record
from tests.support import available, mutants

GOLDEN = pathlib.Path(__file__).parent / "golden" / "verdicts.json"


MUTANTS = mutants()


@pytest.fixture(scope="module")
def fresh():
    """Everything graded once for every test here."""
    return json.loads(json.dumps(record()))


def test_verdicts_equal_the_recording(fresh):
    expected = json.loads(GOLDEN.read_text())
    assert sorted(fresh) == sorted(expected)
    changed = {f"{folder} {check}": (expected[folder].get(check), verdict)
               for folder in expected for check, verdict in fresh[folder].items()
               if expected[folder].get(check) != verdict}
    missing = {f"{folder} {check}" for folder in expected for check in expected[folder] if check not in fresh[folder]}
    assert changed == {} and missing == set()


def test_every_check_passes_on_the_solutions_hidden_ones_too(fresh):
    verdicts = fresh["solutions"]
    failing = {cid: v[3] for cid, v in verdicts.items() if v[0] != "passed"}
    assert verdicts and any(v[5] == "hidden" for v in verdicts.values()) and failing == {}


def test_every_check_of_a_stub_is_not_implemented(fresh):
    assert {v[0] for v in fresh["exercises"].values()} == {"not_implemented"}


@pytest.mark.parametrize("topic", [p.stem for p in sorted(ALTERNATIVES.glob("*.py")) if p.stem in available()])
def test_every_check_passes_on_each_alternative_style(fresh, topic):
    verdicts = fresh[f"alternative:{topic}"]
    assert verdicts and {cid: v[3] for cid, v in verdicts.items() if v[0] != "passed"} == {}


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_each_mutant_is_rejected_and_named(fresh, mutant):
    outcome, _, _, message, diagnosis, _ = fresh[f"mutant:{mutant.name}"][mutant.fails]
    # A mistake known by the error it causes (Mistake.raised) is an error verdict; the others are failures.
    raised = any(m.raised and m.name == mutant.diagnosis for c in load_topic(mutant.topic).checks for m in c.mistakes)
    assert outcome == ("error" if raised else "failed"), message
    assert diagnosis == mutant.diagnosis, message
    if mutant.diagnosis:
        assert f"Likely mistake ({mutant.diagnosis})" in message

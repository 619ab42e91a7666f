"""Every verdict, score, message and diagnosis on solutions/, the stubs, tests/alternatives and tests/mutants
(public and hidden checks) equals the recording in tests/golden/verdicts.json; and in the fresh grading every
check passes on solutions/ and every check of a stub is not implemented.

A change to the engine that changes what a student is told shows here, check by check. When a change is
meant (a better message, a new check), record again and review the diff:
``python -m tests.golden.record tests/golden/verdicts.json``.
"""
import json
import pathlib

import pytest

from tests.golden.record import record

GOLDEN = pathlib.Path(__file__).parent / "golden" / "verdicts.json"


@pytest.fixture(scope="module")
def fresh():
    """Everything graded once for the three tests (the solutions alone take a good part of it)."""
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

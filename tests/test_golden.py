"""Every verdict, score, message and diagnosis on solutions/, the stubs, tests/alternatives and tests/mutants
(public and hidden checks) equals the recording in tests/golden/verdicts.json.

A change to the engine that changes what a student is told shows here, check by check. When a change is
meant (a better message, a new check), record again and review the diff:
``python -m tests.golden.record tests/golden/verdicts.json``.
"""
import json
import pathlib

from tests.golden.record import record

GOLDEN = pathlib.Path(__file__).parent / "golden" / "verdicts.json"


def test_verdicts_equal_the_recording():
    expected, got = json.loads(GOLDEN.read_text()), json.loads(json.dumps(record()))
    assert sorted(got) == sorted(expected)
    changed = {f"{folder} {check}": (expected[folder].get(check), verdict)
               for folder in expected for check, verdict in got[folder].items() if expected[folder].get(check) != verdict}
    missing = {f"{folder} {check}" for folder in expected for check in expected[folder] if check not in got[folder]}
    assert changed == {} and missing == set()

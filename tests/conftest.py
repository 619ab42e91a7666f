"""The kit's own test session: nothing of the kit's may stay behind in the temporary directory.

With pytest-xdist (`pytest -n auto`, the README's test command) each test file goes to one worker, so a file's
module fixtures (the nbgrader course, a graded class) are built once; and the leftover check is the
controller's, once every worker has finished: a worker that finishes early would otherwise count the other
worker's sandboxes, still in use, as left behind."""
import pathlib
import tempfile
import time

import pytest

_BEFORE: set = set()


def _kit_temporaries() -> set:
    return {p.name for p in pathlib.Path(tempfile.gettempdir()).glob("dlgrade-*")}


def _is_worker(session) -> bool:
    return hasattr(session.config, "workerinput")


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: absent without it
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadFileScheduling

    return LoadFileScheduling(config, log)


def pytest_sessionstart(session):
    if _is_worker(session):
        return
    _BEFORE.update(_kit_temporaries())


def pytest_sessionfinish(session, exitstatus):
    from dlgrade.execution.sandbox import remove_stale_workdirs

    if _is_worker(session):
        return
    # What a process killed by SIGKILL left (the tests kill some on purpose) is the next grading process's to
    # remove, as it would be after such a kill anywhere: that sweep runs here too; anything else counts.
    remove_stale_workdirs()
    deadline = time.monotonic() + 10  # a sandbox child being stopped may take a moment
    left = _kit_temporaries() - _BEFORE
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _kit_temporaries() - _BEFORE
    if left:
        session.config.get_terminal_writer().line(
            f"the test session left these behind in {tempfile.gettempdir()}: {sorted(left)}", red=True)
        session.exitstatus = 1

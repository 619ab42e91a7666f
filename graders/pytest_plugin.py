"""Pytest integration: `pytest exercises` grades the folder, one item per check.

An implementation folder's conftest.py imports the hooks below. Each topic
module becomes a collector, each function a sub-collector, each check an item
(``exercises/perceptron.py::perceptron_train::converges_on_separable``), so
``-k`` selects as usual. A failing item prints the verdict's message, never a
traceback into the grader, and what the student's code printed as its "Captured
stdout call" section (``-s`` prints it for every check as it runs); a function
that is still a stub is skipped, with "not implemented" as the reason. Set
DLGRADE_DEVICE=cpu|cuda to choose the oracle's device (default auto), and
DLGRADE_TOPICS_PATH to add an instructor's course folder.
"""
from __future__ import annotations

import os
import sys

import pytest

from .core.verdicts import Outcome
from .grading.reports import SHOWN_OUTPUT

from .registry import available_topics, load_topic, reference_folders

_STATE_KEY = pytest.StashKey[dict]()


class CheckFailed(Exception):
    def __init__(self, verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


def _grading_state(config) -> dict:
    if _STATE_KEY not in config.stash:
        from .grading.grader import Grader

        grader = Grader(os.environ.get("DLGRADE_DEVICE", "auto"), reference=reference_folders())
        config.stash[_STATE_KEY] = {"grader": grader, "executors": {}}
        config.add_cleanup(lambda: [e.close() for e in config.stash[_STATE_KEY]["executors"].values()])
    return config.stash[_STATE_KEY]


def _definition_line(path, function: str) -> int:
    """The 0-based line where ``function`` is defined in the student's module (0 if it is not found)."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return 0
    return next((i for i, line in enumerate(lines) if line.startswith((f"def {function}(", f"def {function} ("))), 0)


def _skip(reason: str):
    """Skip the running item, reported at the item (its check id), not at this line."""
    try:
        skipped = pytest.skip.Exception(reason, _use_item_location=True)
    except TypeError:  # a pytest without the option: reported here, still skipped
        skipped = pytest.skip.Exception(reason)
    raise skipped


class TopicFile(pytest.File):
    def collect(self):
        topic = load_topic(self.path.stem)
        for function in topic.functions:
            checks = [c for c in topic.checks if c.function == function and c.visibility == "public"]
            if checks:
                yield FunctionGroup.from_parent(self, name=function, checks=checks)


class FunctionGroup(pytest.Collector):
    def __init__(self, *, checks, **kwargs):
        super().__init__(**kwargs)
        self.checks = checks

    def collect(self):
        for check in self.checks:
            yield CheckItem.from_parent(self, name=check.name, check=check)


class CheckItem(pytest.Item):
    def __init__(self, *, check, **kwargs):
        super().__init__(**kwargs)
        self.check = check

    def runtest(self):
        from .execution.inprocess import InProcessExecutor

        state = _grading_state(self.config)
        folder = self.path.parent
        if folder not in state["executors"]:
            state["executors"][folder] = InProcessExecutor(folder)
        verdict = state["grader"].run(self.check, state["executors"][folder])
        printed = verdict.student_output()
        if printed and self.config.getoption("capture", "fd") == "no":  # -s: shown as it comes, as print() is
            sys.stdout.write(f"\n[{self.check.id} printed]\n{printed}")
            sys.stdout.flush()
        elif printed:
            self.add_report_section("call", "stdout", verdict.student_output(SHOWN_OUTPUT))
        if verdict.outcome is Outcome.NOT_IMPLEMENTED:
            _skip(f"not implemented: {verdict.message}")
        if not verdict.passed:
            raise CheckFailed(verdict)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CheckFailed):
            verdict = excinfo.value.verdict
            return f"{verdict.outcome.value.upper()}: {verdict.message}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, _definition_line(self.path, self.check.function), self.check.id


def pytest_collect_file(file_path, parent):
    """Topic modules (perceptron.py, ...) of an implementation folder become check collectors."""
    if file_path.suffix == ".py" and file_path.stem in available_topics():
        return TopicFile.from_parent(parent, path=file_path)
    return None

"""Grading an implementation folder: topics in, a Report out."""
from __future__ import annotations

import dataclasses
import os
import time

from .checks import run_check
from .executor import InProcessExecutor
from .oracle import Oracle
from .results import Report

#: Seeds: public checks use PUBLIC_SEED; hidden checks use DLGRADE_HIDDEN_SEED (an instructor's secret) when set.
PUBLIC_SEED = 20261127
DEFAULT_HIDDEN_SEED = 7919


def hidden_seed() -> int:
    return int(os.environ.get("DLGRADE_HIDDEN_SEED", DEFAULT_HIDDEN_SEED))


class Grader:
    """Runs topic checks against implementations, with one oracle for all of them."""

    def __init__(self, device: str = "auto", hidden: bool = False, timeout: float | None = None,
                 cache_oracle: bool = False):
        self.oracle = Oracle(device, cache=cache_oracle)  # a batch grader caches: same inputs for everyone
        self.hidden = hidden
        self.timeout = timeout  # caps every call's deadline, seconds

    def selected(self, topic) -> list:
        return [c for c in topic.checks if c.visibility == "public" or self.hidden]

    def run(self, check, executor):
        seed = PUBLIC_SEED if check.visibility == "public" else hidden_seed()
        start = time.perf_counter()
        verdict = run_check(check, executor, self.oracle, seed, self.timeout)
        return dataclasses.replace(verdict, seconds=time.perf_counter() - start)

    def grade(self, folder, topics, executor_factory=InProcessExecutor) -> Report:
        from .. import __version__

        start = time.perf_counter()
        report = Report(meta={"dlgrade": __version__, **self.oracle.info, "hidden": self.hidden,
                              "implementation": str(folder)})
        with executor_factory(folder) as executor:
            for topic in topics:
                for check in self.selected(topic):
                    report.verdicts.append(self.run(check, executor))
        report.seconds = time.perf_counter() - start
        return report

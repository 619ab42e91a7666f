"""The grader: topics' checks run against an implementation folder, one oracle for all of them, and the
trusted reference that speed limits are timed against."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib
import time

from .. import __version__
from ..core import Oracle, Report, run_check
from ..execution.inprocess import InProcessExecutor

#: Seeds: public checks use PUBLIC_SEED; hidden checks use DLGRADE_HIDDEN_SEED (an instructor's secret) when set.
PUBLIC_SEED = 20261127
DEFAULT_HIDDEN_SEED = 7919
#: Where the trusted reference implementation lives, when not where the kit ships it.
REFERENCE_ENV = "DLGRADE_REFERENCE"


def hidden_seed() -> int:
    """The hidden checks' seed from $DLGRADE_HIDDEN_SEED, any string (an integer is used as it is, anything
    else through a hash); the kit's default when unset or blank. It never fails: a bad setting is refused
    where an instructor makes it (``dlgrade gradescope``), not when a student submits."""
    secret = os.environ.get("DLGRADE_HIDDEN_SEED", "").strip()
    if not secret:
        return DEFAULT_HIDDEN_SEED
    if secret.isdigit():
        return int(secret)
    return int.from_bytes(hashlib.sha256(secret.encode()).digest()[:4], "little")


class ReferenceExecutor(InProcessExecutor):
    """The trusted reference, in this process; forgets returned values after each measurement."""

    def forget(self) -> None:
        self._results.clear()
        self._held.clear()
        self._held_total = 0


_REFERENCES: dict[pathlib.Path, ReferenceExecutor] = {}


def reference_executor(folder: pathlib.Path) -> ReferenceExecutor:
    """The trusted reference (one per process and folder), in this process."""
    key = pathlib.Path(folder)
    if key not in _REFERENCES:
        _REFERENCES[key] = ReferenceExecutor(folder)
    return _REFERENCES[key]


class Grader:
    """Runs topic checks against implementations, with one oracle for all of them.

    ``reference``: the folder of the trusted reference solutions that speed limits are timed against
    ($DLGRADE_REFERENCE overrides it); None where the kit has none.
    """

    def __init__(self, device: str = "auto", hidden: bool = False, timeout: float | None = None,
                 cache_oracle: bool = False, reference: pathlib.Path | str | None = None):
        self.oracle = Oracle(device, cache=cache_oracle)  # a batch grader caches: same inputs for everyone
        self.hidden = hidden
        self.timeout = timeout  # caps every call's deadline, seconds
        override = os.environ.get(REFERENCE_ENV)
        self.reference = pathlib.Path(override or reference).resolve() if (override or reference) else None

    def selected(self, topic) -> list:
        return [c for c in topic.checks if c.visibility == "public" or self.hidden]

    def reference_for(self, executor):
        """The reference that ``executor``'s calls are timed against: in this process, whatever the executor.
        Limits compare CPU time, which every executor measures on the trusted side around the call alone
        (a sandbox reads its child's CPU clock), so the sandbox's pipes are not in a sandboxed call's time."""
        if self.reference is None:
            raise FileNotFoundError(f"the reference solutions are not installed (set {REFERENCE_ENV})")
        return reference_executor(self.reference)

    def run(self, check, executor):
        seed = PUBLIC_SEED if check.visibility == "public" else hidden_seed()
        start = time.perf_counter()
        verdict = run_check(check, executor, self.oracle, seed, self.timeout,
                            reference=lambda: self.reference_for(executor))
        return dataclasses.replace(verdict, seconds=time.perf_counter() - start)

    def grade(self, folder, topics, executor_factory=InProcessExecutor) -> Report:
        start = time.perf_counter()
        report = Report(meta={"dlgrade": __version__, **self.oracle.info, "hidden": self.hidden,
                              "implementation": str(folder)})
        with executor_factory(folder) as executor:
            for topic in topics:
                for check in self.selected(topic):
                    report.verdicts.append(self.run(check, executor))
        report.seconds = time.perf_counter() - start
        return report

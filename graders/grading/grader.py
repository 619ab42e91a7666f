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
from ..core.perf import TimingBook
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


#: Grader modules imported from a file are imported under this package name.
FILE_MODULES = "dlgrade_course_topics"


def import_module_file(path):
    """The module in the file ``path`` (an instructor's grader module), imported once per process under a
    name made of the file's name and its folder's hash."""
    import importlib.util
    import sys

    path = pathlib.Path(path).resolve()
    name = f"{FILE_MODULES}.{path.stem}_{hashlib.sha256(str(path.parent).encode()).hexdigest()[:8]}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


def import_grader_module(module: str):
    """A grader module by import name, or by the path of its file (see :func:`import_module_file`)."""
    import importlib

    return import_module_file(module) if module.endswith(".py") else importlib.import_module(module)


def load_topic_modules(modules) -> object:
    """A topic from its grader modules (import names or file paths): the first one's TOPIC, with the checks
    of the others' added."""
    modules = [modules] if isinstance(modules, str) else list(modules)
    topics = [import_grader_module(m).TOPIC for m in modules]
    return topics[0].extended(*topics[1:]) if len(topics) > 1 else topics[0]


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


def selected_checks(topic, hidden: bool, only=None) -> list:
    """A topic's checks that a grader runs: public ones (hidden too with ``hidden``), of ``only`` if given."""
    return [c for c in topic.checks if (c.visibility == "public" or hidden) and (only is None or c.id in only)]


def installed_release_timings():
    """The reference's times a student release carries (perf.TimingBook), or None outside a release."""
    import json

    marker = pathlib.Path(__file__).resolve().parents[1] / "release.json"  # registry.RELEASE_MARKER
    return TimingBook(json.loads(marker.read_text())["reference_times"]) if marker.is_file() else None


class Grader:
    """Runs topic checks against implementations, with one oracle for all of them.

    ``reference``: the folder of the trusted reference solutions that speed limits are timed against
    ($DLGRADE_REFERENCE overrides it), or {topic: folder} where topics keep theirs apart (an instructor's own);
    None where the kit has none. ``only``: the ids of the checks to run (all, for None).
    """

    def __init__(self, device: str = "auto", hidden: bool = False, timeout: float | None = None,
                 cache_oracle: bool = False, reference=None, only=None, timings=None):
        self.oracle = Oracle(device, cache=cache_oracle)  # a batch grader caches: same inputs for everyone
        self.hidden = hidden
        self.only = None if only is None else frozenset(only)
        self.timeout = timeout  # caps every call's deadline, seconds
        override = os.environ.get(REFERENCE_ENV)
        folders = reference if isinstance(reference, dict) else {}
        default = override or (None if isinstance(reference, dict) else reference)
        self.reference = pathlib.Path(default).resolve() if default else None
        self.references = {t: pathlib.Path(f).resolve() for t, f in folders.items() if f and not override}
        # The reference's recorded times (perf.TimingBook): to record while building a student release, or,
        # in an installed release (which has no reference), what its speed limits are timed against.
        self.timings = timings if timings is not None else installed_release_timings()

    def selected(self, topic) -> list:
        return selected_checks(topic, self.hidden, self.only)

    def reference_for(self, executor, topic: str | None = None):
        """The reference that ``executor``'s calls of ``topic`` are timed against: in this process, whatever
        the executor. Limits compare CPU time, which every executor measures on the trusted side around the
        call alone (a sandbox reads its child's CPU clock), so the sandbox's pipes are not in a sandboxed
        call's time."""
        folder = self.references.get(topic, self.reference)
        if folder is None:
            raise FileNotFoundError(f"the reference solutions are not installed (set {REFERENCE_ENV})")
        return reference_executor(folder)

    def run(self, check, executor):
        seed = PUBLIC_SEED if check.visibility == "public" else hidden_seed()
        start = time.perf_counter()
        verdict = run_check(check, executor, self.oracle, seed, self.timeout,
                            reference=lambda: self.reference_for(executor, check.topic), timings=self.timings)
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

"""Helpers for the kit's own tests: build implementation folders and grade them."""
from __future__ import annotations

import pathlib
import textwrap
from dataclasses import dataclass

from dlgrade.registry import load_topic
from dlgrade.execution.inprocess import InProcessExecutor
from dlgrade.grading.grader import Grader

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
_GRADERS: dict = {}


def grader(timeout: float | None = None) -> Grader:
    """The tests' grader: each check's own deadlines (10 s a call, 60 s a training run: a busy machine must
    not fail a correct submission), or ``timeout`` for tests of endless loops."""
    if timeout not in _GRADERS:
        _GRADERS[timeout] = Grader("cpu", timeout=timeout, reference=SOLUTIONS)
    return _GRADERS[timeout]


@dataclass(frozen=True)
class Mutant:
    """A buggy copy of the reference: its module with one function redefined.

    ``fails`` is the check id that must reject it, ``diagnosis`` the mistake it must be named as.
    """

    name: str
    source: str
    fails: str
    diagnosis: str | None

    @property
    def topic(self) -> str:
        return self.fails.split("::")[0]


#: Topics whose module imports another topic's module (optim's fit_mlp uses mlp's init_mlp and mlp_loss).
SIBLINGS = {"optim": ("mlp",)}


def write_module(folder: pathlib.Path, topic: str, source: str, base: pathlib.Path | None = SOLUTIONS) -> pathlib.Path:
    """Write ``<topic>.py`` into folder: the base module's source (if any) followed by ``source``.

    With a base, the modules the topic imports (SIBLINGS) are copied from it too, unless already there.
    """
    folder.mkdir(parents=True, exist_ok=True)
    text = (base / f"{topic}.py").read_text() + "\n\n" if base is not None else ""
    (folder / f"{topic}.py").write_text(text + textwrap.dedent(source))
    for sibling in SIBLINGS.get(topic, ()) if base is not None else ():
        if not (folder / f"{sibling}.py").exists():
            (folder / f"{sibling}.py").write_text((base / f"{sibling}.py").read_text())
    return folder


def grade(folder, *topics, hidden=False, only=None, timeout=None) -> dict:
    """{check_id: Verdict} for the given topics (optionally only the checks whose id starts with ``only``, or
    for which ``only(check)`` holds)."""
    g = grader(timeout)
    verdicts = {}
    with InProcessExecutor(folder) as executor:
        for topic in topics:
            for check in load_topic(topic).checks:
                if check.visibility == "hidden" and not hidden:
                    continue
                if only and not (only(check) if callable(only) else check.id.startswith(only)):
                    continue
                verdicts[check.id] = g.run(check, executor)
    return verdicts


def grade_check(folder, check_id: str, timeout=None):
    topic = check_id.split("::")[0]
    return grade(folder, topic, only=check_id, timeout=timeout)[check_id]


def available() -> list[str]:
    """The graded topics."""
    from dlgrade.registry import available_topics

    return available_topics()


def mutants() -> list[Mutant]:
    """Every buggy copy in tests/mutants/ whose topic is graded."""
    import importlib
    import pkgutil

    import tests.mutants

    return [m for info in pkgutil.iter_modules(tests.mutants.__path__)
            for m in importlib.import_module(f"tests.mutants.{info.name}").MUTANTS if m.topic in available()]


def batch_topics(names) -> dict:
    """What grade_batch takes: topic name -> its module of checks."""
    from dlgrade.registry import topic_module

    return {t: topic_module(t) for t in names}


def unpack_autograder(archive, root):
    """A Gradescope autograder zip unpacked as Gradescope does: ROOT/source, with ROOT/results beside it."""
    import zipfile

    (root / "results").mkdir(parents=True)
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    return root


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args, cwd=None) -> Ran:
    """The `dlgrade` command run in this process, as subprocess.run would report it: for tests of what it
    chooses and refuses, where a process of its own would only add its start-up (the command's grading
    workers and sandboxes are processes of their own either way)."""
    import contextlib
    import io
    import os

    from dlgrade.cli import main

    out, err = io.StringIO(), io.StringIO()
    columns = os.environ.pop("COLUMNS", None)  # as a pipe or a log sees it: whole lines
    try:
        with contextlib.chdir(cwd or os.getcwd()), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main([str(a) for a in args])
            except SystemExit as exit:  # argparse's own errors and --help
                status = exit.code
    finally:
        if columns is not None:
            os.environ["COLUMNS"] = columns
    return Ran(status, out.getvalue(), err.getvalue())

"""Checks in a notebook: ``check("conv", "conv2d_forward")`` grades what the cells you ran define.

In Jupyter (a self-study notebook, or an nbgrader assignment's test cell)::

    from dlgrade.notebook import check
    check("activations", "relu_forward")          # shows one line per check, and why a check failed

The module graded is made of the definitions of the cells this kernel ran, in the order they last ran
(``execution.notebook_source``: imports, functions, classes, plain assignments; prints, plots and experiments
are left out). The other topics' modules and notebooks beside this one go with it (optim's ``fit_mlp`` imports
``from .mlp``). It runs in the sandbox, as a submission does, and nothing is written to stderr: nbgrader scores
a test cell that writes there 0, so whatever the grader's libraries say there is shown on stdout instead.
The result's ``score`` is the points of the checks that passed: an nbgrader test cell ends with it, and
nbgrader takes that number as the cell's partial credit.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import pathlib
import sys
import tempfile
import warnings

from .core.verdicts import Verdict
from .grading.reports import verdict_lines
from .execution.notebook_source import module_from_cells
from .registry import available_topics, load_topic, reference_folders

#: A notebook check's temp folder: ``dlgrade-notebook-<pid>-...``, removed when the check ends.
FOLDER_PREFIX = "dlgrade-notebook-"


@dataclasses.dataclass
class CheckResult:
    """The verdicts of one function's checks, shown one line per check (a Jupyter cell's output)."""

    verdicts: list[Verdict]
    notes: list[str] = dataclasses.field(default_factory=list)  # what the grader itself said (stderr, warnings)

    @property
    def score(self) -> float:
        return float(sum(v.score for v in self.verdicts))

    @property
    def max_score(self) -> float:
        return float(sum(v.max_score for v in self.verdicts))

    @property
    def passed(self) -> bool:
        return bool(self.verdicts) and all(v.passed for v in self.verdicts)

    def __add__(self, other: "CheckResult") -> "CheckResult":
        return CheckResult(self.verdicts + other.verdicts, self.notes + other.notes)

    def lines(self) -> list[str]:
        return verdict_lines(self.verdicts) + [f"note from the grader: {n}" for n in self.notes]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython shows this as the cell's result
        printer.text(str(self))


def neighbour_modules(folder: pathlib.Path, topic: str) -> tuple[dict[str, bytes], list[str]]:
    """The other modules beside the notebook (``mlp.ipynb`` or ``mlp.py`` for optim, whose ``fit_mlp`` imports
    ``from .mlp``), as a submission's folder would hold them; and why some could not be read."""
    from .grading.intake import SubmissionError, as_modules, is_module_name, is_notebook_name

    files = {p.name: p for p in sorted(folder.glob("*")) if p.is_file() and not p.is_symlink()
             and (is_module_name(p.name) or is_notebook_name(p.name)) and p.stem != topic}
    modules, notes = {}, []
    for name, path in files.items():
        try:
            modules.update(as_modules({name: path.read_bytes()}))
        except (SubmissionError, OSError) as err:
            notes.append(f"{name} beside this notebook is left out: {err}")
    return modules, notes


def kernel_cells() -> list[str]:
    """The cells this IPython kernel ran, in order (the running one last)."""
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    if shell is None:
        raise RuntimeError("dlgrade.notebook.check grades the cells of a Jupyter notebook; outside one, put your "
                           "code in <topic>.py and run `dlgrade check <topic>`")
    return [cell for cell in shell.history_manager.input_hist_raw if cell]


@contextlib.contextmanager
def _stderr_to(notes: list[str]):
    """Everything written to stderr meanwhile (Python's and the file descriptor's, as a library in C or a child
    process writes it) and every warning, kept in ``notes`` instead."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        os.dup2(sink.fileno(), 2)
        text = io.StringIO()
        try:
            with contextlib.redirect_stderr(text):
                yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            said = sink.read().decode(errors="replace") + text.getvalue()
            notes += [line for line in said.splitlines() if line.strip()]
            notes += [f"{w.category.__name__}: {w.message}" for w in caught]


def check(topic: str, function: str | None = None, hidden: bool = False, *, source: str | None = None,
          timeout: float | None = None, memory_mb: int = 1024) -> CheckResult:
    """Grade ``topic``'s checks of ``function`` (all its functions for None) on the cells this kernel ran
    (or on ``source``, a module's text), sandboxed; ``hidden``: its hidden checks instead of its public ones
    (an instructor's nbgrader test cells). Never raises for the student's code: a verdict says what went wrong."""
    from .execution.sandbox import SandboxExecutor
    from .grading.grader import Grader

    if topic not in available_topics():
        raise ValueError(f"no topic {topic!r} here; topics: {', '.join(available_topics())}")
    loaded = load_topic(topic)
    if function is not None and function not in loaded.functions:
        raise ValueError(f"{topic} has no function {function!r}; its functions: {', '.join(loaded.functions)}")
    ids = [c.id for c in loaded.checks_for("hidden" if hidden else "public", function)]
    module = source if source is not None else module_from_cells(kernel_cells())
    neighbours, notes = neighbour_modules(pathlib.Path.cwd(), topic)
    if not ids:
        return CheckResult([], notes)
    with _stderr_to(notes), tempfile.TemporaryDirectory(prefix=f"{FOLDER_PREFIX}{os.getpid()}-") as tmp:
        folder = pathlib.Path(tmp)
        for name, data in neighbours.items():
            (folder / name).write_bytes(data)
        (folder / f"{topic}.py").write_text(module)
        grader = Grader(hidden=hidden, timeout=timeout, reference=reference_folders(), only=ids)
        report = grader.grade(folder, [loaded], lambda f: SandboxExecutor(f, memory_mb=memory_mb))
    from .grading.batch import without_paths

    return CheckResult([without_paths(v, [str(folder)], "<notebook>") for v in report.verdicts], notes)

"""A student release: what students get, without the reference solutions or the hidden checks.

``dlgrade release --out DIR [TOPIC ...]`` writes

- ``DIR/pyproject.toml``: ``pip install DIR`` installs the package ``dlgrade`` and its command;
- ``DIR/dlgrade/``: the kit without its reference solutions (an instructor's own topics' too), each topic
  module without the declarations of its hidden checks; the automatic hidden twins of generated checks are not
  made either (the release marker says so, see :func:`registry.student_release`);
- ``DIR/dlgrade/release.json``: the marker, with the reference's times on the input of every speed limit and
  timed outcome check, measured here in units of a calibration workload (``core.perf.calibration_seconds``):
  the student's machine times the same workload and scales them, since it has no reference to time;
- ``DIR/exercises/``: the stubs and conftest.py, where students work;
- ``DIR/README.md``: the students' steps.

Nothing is written in place: the tree is built in a temporary folder beside DIR, checked (no file holds the body
of a reference function), and renamed.
"""
from __future__ import annotations

import ast
import json
import pathlib
import shutil

from ..core.perf import TimingBook, calibration_seconds
from .gradescope import PYPROJECT, _dependencies
from .reports import new_folder

MARKER = "release.json"  # registry.RELEASE_MARKER
HIDDEN = 'visibility="hidden"'

STUDENT_README = """# {title}

Your exercises: implement each function in `exercises/<topic>.py`, then see what passes.

```
pip install --index-url https://download.pytorch.org/whl/cpu torch   # the CPU build of PyTorch (a GPU one works too)
pip install ./                          # this folder: installs the `dlgrade` command
cd exercises
pytest                                  # every topic: one line per check, failures explained
dlgrade check conv                      # one topic (or a function, or a check), as a table
dlgrade check --watch                   # regrade the topic you save, each time
```

Topics: {topics}. Speed limits compare your function's time with the reference solution's, measured by your
instructor in units of a small calibration workload that your machine runs too: expect the limits to be a little
looser or tighter than on the grading machine. Your instructor grades with more checks than you see here.
"""


def strip_hidden(source: str) -> str:
    """A topic module's source without the top-level statements that declare hidden checks (a call, an
    assignment, or a function with such a decorator); what is left must compile and declare no hidden check."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    drop = set()
    for node in tree.body:
        decorators = getattr(node, "decorator_list", [])
        declares = any(HIDDEN in (ast.get_source_segment(source, d) or "") for d in decorators) or \
            (isinstance(node, (ast.Expr, ast.Assign)) and HIDDEN in (ast.get_source_segment(source, node) or ""))
        if declares:  # a hidden check's declaration: the statement, decorators included
            drop.update(range(min([node.lineno] + [d.lineno for d in decorators]) - 1, node.end_lineno))
    kept = "".join(line for i, line in enumerate(lines) if i not in drop)
    compile(kept, "<release>", "exec")
    if HIDDEN in kept:  # inside a loop or a function, say: it cannot be left out alone
        raise ValueError("a hidden check is declared where a release cannot leave it out alone: declare it at "
                         "the top level of its module, as one statement")
    return kept


def function_bodies(folder: pathlib.Path) -> dict[str, str]:
    """'<file>:<function>' -> the body of every function of the reference modules (docstrings left out), as
    lines stripped of indentation: what a release must never hold."""
    bodies = {}
    for path in sorted(pathlib.Path(folder).glob("*.py")):
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) is not None else node.body
                if body:
                    text = "\n".join(line.strip() for line in source.splitlines()[body[0].lineno - 1:body[-1].end_lineno])
                    bodies[f"{path.name}:{node.name}"] = text
    return bodies


def leaked_bodies(tree: pathlib.Path, bodies: dict[str, str], shortest: int = 3) -> list[str]:
    """The reference functions (of ``bodies``, those of ``shortest`` lines or more) whose body a file under
    ``tree`` holds, each as '<function> in <file>'."""
    texts = {}
    for path in sorted(tree.rglob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            texts[path] = "\n".join(line.strip() for line in text.splitlines())
    return [f"{name} in {path.relative_to(tree)}" for name, body in bodies.items() if body.count("\n") + 1 >= shortest
            for path, text in texts.items() if body in text]


def record_reference_times(topics: list[str], reference: dict, load_topic, device: str = "cpu") -> dict:
    """Run the topics' public checks on the reference itself, recording the reference's time on every timed
    input (in calibration units), as a student release ships them."""
    from ..execution.inprocess import InProcessExecutor
    from .grader import Grader

    book = TimingBook(recording=True)
    grader = Grader(device, reference=reference, timings=book)
    failed = []
    for topic in topics:
        folder = reference.get(topic)
        if folder is None:
            continue
        with InProcessExecutor(folder) as executor:
            for check in grader.selected(load_topic(topic)):
                verdict = grader.run(check, executor)
                if not verdict.passed:
                    failed.append(f"{verdict.check_id}: {verdict.message.splitlines()[0]}")
    if failed:
        raise RuntimeError("the reference fails its own checks, so its times cannot be recorded:\n  " + "\n  ".join(failed))
    return book.entries


def build_release(out, topics: list[str], *, kit_files: dict, references: dict, stub_files: dict, load_topic,
                  title: str = "Deep-learning exercises", device: str = "cpu") -> dict:
    """Write the student release of ``topics`` into ``out`` (which must not exist yet, or be empty); returns
    a summary: files written, timed inputs recorded, calibration seconds here."""
    out = pathlib.Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty: choose a new folder for the release")
    references = {t: f for t, f in references.items() if t in topics}
    if any(f is None for f in references.values()):
        raise FileNotFoundError("the reference solutions are not installed here: a release is built where they are")
    timings = record_reference_times(topics, references, load_topic, device)
    files = {name: path for name, path in kit_files.items()
             if not name.startswith("dlgrade/solutions/") and not name.startswith("dlgrade/course/solutions/")}
    with new_folder(out, "the release") as build:
        for name, path in files.items():
            target = build / name
            target.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text()
            if "/topics/" in name and name.endswith(".py"):
                text = strip_hidden(text)
            target.write_text(text)
        for folder in sorted({(build / n).parent for n in files if n.startswith("dlgrade/course/")}):
            (folder / "__init__.py").touch()  # packages, so that pip installs them
        marker = {"topics": topics, "calibration_seconds": calibration_seconds(), "reference_times": timings}
        (build / "dlgrade" / MARKER).write_text(json.dumps(marker, indent=1, sort_keys=True) + "\n")
        (build / "pyproject.toml").write_text(
            PYPROJECT.format(version=_version(), dependencies=json.dumps(_dependencies()))
            + '\n[tool.setuptools.package-data]\n"*" = ["*.json", "*.md"]\n')
        exercises = build / "exercises"
        exercises.mkdir()
        for name, path in stub_files.items():
            if name == "conftest.py" or name.removesuffix(".py") in topics:
                shutil.copyfile(path, exercises / name)
        (build / "README.md").write_text(STUDENT_README.format(title=title, topics=", ".join(topics)))
        leaks = [leak for folder in set(references.values()) for leak in leaked_bodies(build, function_bodies(folder))]
        if leaks:
            raise RuntimeError("the release would hold reference code: " + "; ".join(leaks))
    return {"files": sum(1 for p in out.rglob("*") if p.is_file()), "timed_inputs": len(timings),
            "calibration_seconds": marker["calibration_seconds"]}


def _version() -> str:
    from .. import __version__

    return __version__

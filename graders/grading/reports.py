"""Renderings of a Report: the terminal table and Gradescope's results.json.

Reporters only format verdicts; they never re-derive one. Student-facing
renderings use ``Verdict.student_message`` so hidden checks show their name
and score only.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import tempfile
from collections import OrderedDict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..core.verdicts import Outcome, Report, without_input

STYLE = {Outcome.PASSED: "green", Outcome.FAILED: "red", Outcome.ERROR: "red", Outcome.TIMEOUT: "red",
         Outcome.NOT_IMPLEMENTED: "yellow", Outcome.FORBIDDEN: "magenta"}
GRADESCOPE_VISIBILITY = {"public": "visible", "hidden": "after_published"}


def _points(x: float) -> str:
    return f"{x:g}"


def by_function(report: Report):
    groups = OrderedDict()
    for v in report.verdicts:
        groups.setdefault((v.topic, v.function), []).append(v)
    return groups


#: How much of what a failing check's calls printed is shown (``-s`` shows it all).
SHOWN_OUTPUT = 2000


def print_table(report: Report, console: Console | None = None, verbose: bool = False,
                printed: str = "failures") -> None:
    """One row per function: score, checks passed, and what to fix; then what the student's code printed
    (``printed``: "failures" shows it for failing checks, cut to SHOWN_OUTPUT characters; "all" for every
    check, whole; "none")."""
    console = console or Console()
    table = Table(title=f"dlgrade: {report.meta.get('implementation', '')}", show_lines=True)
    for column, kwargs in (("topic", {}), ("function", {}), ("score", {"justify": "right"}),
                           ("checks", {"justify": "right"}), ("result", {"ratio": 1})):
        table.add_column(column, **kwargs)
    for (topic, function), verdicts in by_function(report).items():
        passed = sum(v.passed for v in verdicts)
        score, max_score = sum(v.score for v in verdicts), sum(v.max_score for v in verdicts)
        result = Text()
        if passed == len(verdicts):
            result.append("all checks pass", style="green")
        elif all(v.outcome is Outcome.NOT_IMPLEMENTED for v in verdicts):
            result.append("not implemented yet", style="yellow")
        else:
            shown = set()
            for v in verdicts:
                if v.passed:
                    continue
                message = v.student_message()
                text = message if verbose else without_input(message)
                if (v.outcome, text) in shown:
                    continue
                shown.add((v.outcome, text))
                result.append(f"{v.check} [{v.outcome.value}]: ", style=STYLE[v.outcome])
                result.append(text + "\n")
        result.rstrip()
        table.add_row(topic, function, f"{_points(score)}/{_points(max_score)}", f"{passed}/{len(verdicts)}", result)
    console.print(table)
    print_outputs(report, console, printed)
    console.print(f"Total: {_points(report.score)}/{_points(report.max_score)}  ({report.summary()}) "
                  f"in {report.seconds:.1f} s; oracle: torch {report.meta.get('torch')} on {report.meta.get('device')}")


#: A verdict's mark in one-line-per-check renderings (a notebook cell, practice).
MARK = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.ERROR: "ERROR", Outcome.TIMEOUT: "TIMEOUT",
        Outcome.NOT_IMPLEMENTED: "TODO", Outcome.FORBIDDEN: "FORBIDDEN"}


def verdict_lines(verdicts) -> list[str]:
    """One line per check (mark, function::check, points), the reason under a failing one and what the code
    printed then; the total last. Hidden checks say their name and score only."""
    lines = []
    for v in verdicts:
        head = f"{MARK[v.outcome]:<9} {v.function}::{v.check}" + " (hidden)" * (v.visibility == "hidden")
        lines.append(f"{head}  {_points(v.score)}/{_points(v.max_score)}")
        if v.passed:
            continue
        message = v.student_message() if v.outcome is not Outcome.NOT_IMPLEMENTED else \
            f"{v.function}() still raises NotImplementedError: fill in its body and check again"
        lines += ["          " + line for line in message.splitlines()]
        printed = v.student_output(SHOWN_OUTPUT)
        if printed:
            lines += ["          printed by your code:"] + ["            " + x for x in printed.splitlines()]
    lines.append(f"score: {_points(sum(v.score for v in verdicts))}/{_points(sum(v.max_score for v in verdicts))}")
    return lines


def print_outputs(report: Report, console: Console, printed: str = "failures") -> None:
    """What the student's code printed, check by check, as pytest's "Captured stdout" sections."""
    if printed == "none":
        return
    for v in report.verdicts:
        if printed == "failures" and v.passed:
            continue
        text = v.student_output(None if printed == "all" else SHOWN_OUTPUT)
        if text:
            console.print(Text(f"----- printed by your code: {v.check_id} ({v.outcome.value}) -----", style="dim"))
            console.out(text.rstrip("\n"), highlight=False)


def gradescope(report: Report) -> dict:
    """Gradescope's results.json; extra_data carries what downstream tools need."""
    tests = []
    for v in report.verdicts:
        hidden = v.visibility == "hidden"  # a student sees its name and score only, not what went wrong
        tests.append({
            "name": v.check_id,
            "score": v.score,
            "max_score": v.max_score,
            "status": "passed" if v.passed else "failed",
            "output": v.student_message() + _printed_section(v),
            "visibility": GRADESCOPE_VISIBILITY.get(v.visibility, "visible"),
            "tags": [v.topic, v.function] + ([v.difficulty] if v.difficulty else []),
            "extra_data": {"topic": v.topic, "function": v.function, "check": v.check,
                           "outcome": ("passed" if v.passed else "failed") if hidden else v.outcome.value,
                           "diagnosis": None if hidden else v.diagnosis},
        })
    passed = sum(v.passed for v in report.verdicts)
    return {
        "score": report.score,
        "max_score": report.max_score,
        "execution_time": round(report.seconds, 3),
        "output": f"{passed}/{len(report.verdicts)} checks passed; graded with torch {report.meta.get('torch')} "
                  f"on {report.meta.get('device')}",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": dict(report.meta),
        "tests": tests,
    }


_UMASK: list[int] = []


def _umask() -> int:
    if not _UMASK:
        _UMASK.append(os.umask(0o022))
        os.umask(_UMASK[0])
    return _UMASK[0]


@contextlib.contextmanager
def new_folder(out, what: str = "the output"):
    """A temp folder beside ``out`` to build ``out`` in, renamed to ``out`` when the block ends without error
    (removed when it raises): nothing half-written is left. ``out`` must not exist, or be empty."""
    out = pathlib.Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not empty: choose a new folder for {what}")
    out.parent.mkdir(parents=True, exist_ok=True)
    build = pathlib.Path(tempfile.mkdtemp(dir=out.parent, prefix=f".tmp-{out.name}-"))
    try:
        yield build
        os.chmod(build, 0o777 & ~_umask())  # mkdtemp's 0700 is no folder to hand out
        if out.exists():
            out.rmdir()
        os.replace(build, out)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise


def write_text_atomic(path, text: str) -> None:
    """Write text to a temporary file beside ``path``, flush it to disk, then rename: never a truncated file."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.splitext(path)[1])
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the mode open() would
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json_atomic(path, data) -> None:
    """Write JSON to a temporary file beside ``path``, then rename: never a truncated file."""
    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def _fence(text: str) -> str:
    """``text`` as a fenced Markdown block whose fence is longer than any backtick run inside it."""
    longest = max((len(run) for run in text.split("\n") for run in _backtick_runs(run)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def _backtick_runs(line: str):
    run = 0
    for char in line + " ":
        if char == "`":
            run += 1
        elif run:
            yield "`" * run
            run = 0


def _printed_section(v) -> str:
    text = "" if v.passed else v.student_output(SHOWN_OUTPUT)
    return f"\n\nYour code printed:\n{text}" if text else ""


def feedback_markdown(report: Report, student: str = "", pictures: dict | None = None) -> str:
    """A student's feedback: score by topic, what passed, what failed and why, likely mistakes.

    ``pictures``: check id -> an image file beside the feedback that draws the failure (``Verdict.figure``).

    Built from ``Verdict.student_message`` only: a hidden check shows its name and
    score, never its inputs, expected values, output or exception text.
    """
    lines = [f"# Feedback{': ' + student if student else ''}", ""]
    passed = sum(v.passed for v in report.verdicts)
    lines += [f"**Score: {_points(report.score)}/{_points(report.max_score)}** "
              f"({passed} of {len(report.verdicts)} checks passed).", ""]
    topics = OrderedDict()
    for v in report.verdicts:
        topics.setdefault(v.topic, []).append(v)
    if topics:
        lines += ["| topic | score | checks passed |", "| --- | ---: | ---: |"]
        for topic, verdicts in topics.items():
            lines.append(f"| {topic} | {_score(verdicts)} | {sum(v.passed for v in verdicts)}/{len(verdicts)} |")
        lines.append("")
    for topic, verdicts in topics.items():
        lines += [f"## {topic}: {_score(verdicts)}", ""]
        public = [v for v in verdicts if v.visibility != "hidden"]
        first_lines = {v.student_message().split("\n")[0] for v in public}
        if public and not any(v.passed for v in public) and len(first_lines) == 1 and \
                all(v.outcome is not Outcome.FAILED for v in public):
            # One cause for the whole topic (no module, an import that fails, every function a stub).
            lines += [f"Every check: **{public[0].outcome.value}**: {first_lines.pop()}", ""]
        else:
            functions = OrderedDict()
            for v in public:
                functions.setdefault(v.function, []).append(v)
            lines += ["| function | score | result |", "| --- | ---: | --- |"]
            details = []
            for function, group in functions.items():
                failing = [v for v in group if not v.passed]
                if not failing:
                    result = "all checks pass"
                elif all(v.outcome is Outcome.NOT_IMPLEMENTED for v in group):
                    result = "not implemented yet"
                else:
                    result = ", ".join(f"{v.check}: {v.outcome.value}" for v in failing)
                    details.append((function, group))
                lines.append(f"| `{function}` | {_score(group)} | {result} |")
            lines.append("")
            for function, group in details:
                lines += [f"### `{function}`", ""]
                for v in group:
                    verdict = "passed" if v.passed else f"**{v.outcome.value}**"
                    lines.append(f"- `{v.check}` ({_points(v.score)}/{_points(v.max_score)}): {verdict}")
                    if not v.passed:
                        lines += ["", _fence(v.student_message()), ""]
                        printed = v.student_output(SHOWN_OUTPUT)
                        if printed:
                            lines += ["  Your code printed:", "", _fence(printed.rstrip("\n")), ""]
                        if v.check_id in (pictures or {}):
                            lines += [f"  ![{v.figure['title']}]({pictures[v.check_id]})", ""]
                lines.append("")
        hidden = [v for v in verdicts if v.visibility == "hidden"]
        if hidden:
            lines += [f"Hidden checks (the same functions on inputs you have not seen): {_score(hidden)}", ""]
            for v in hidden:
                result = "passed" if v.passed else v.student_message()
                lines.append(f"- `{v.function}::{v.check}`: {_points(v.score)}/{_points(v.max_score)}, {result}")
            lines.append("")
    lines.append(f"_Graded by dlgrade {report.meta.get('dlgrade', '')} against torch {report.meta.get('torch', '')} "
                 f"on {report.meta.get('device', '')}._")
    return "\n".join(lines).rstrip() + "\n"


def _score(verdicts) -> str:
    return f"{_points(sum(v.score for v in verdicts))}/{_points(sum(v.max_score for v in verdicts))}"

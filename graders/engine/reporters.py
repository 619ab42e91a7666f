"""Renderings of a Report: the terminal table and Gradescope's results.json.

Reporters only format verdicts; they never re-derive one. Student-facing
renderings use ``Verdict.student_message`` so hidden checks show their name
and score only.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections import OrderedDict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .results import Outcome, Report

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


def print_table(report: Report, console: Console | None = None, verbose: bool = False) -> None:
    """One row per function: score, checks passed, and what to fix."""
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
                text = message if verbose else message.split("\n  smallest failing input")[0]
                if (v.outcome, text) in shown:
                    continue
                shown.add((v.outcome, text))
                result.append(f"{v.check} [{v.outcome.value}]: ", style=STYLE[v.outcome])
                result.append(text + "\n")
        result.rstrip()
        table.add_row(topic, function, f"{_points(score)}/{_points(max_score)}", f"{passed}/{len(verdicts)}", result)
    console.print(table)
    console.print(f"Total: {_points(report.score)}/{_points(report.max_score)}  "
                  f"({sum(v.passed for v in report.verdicts)}/{len(report.verdicts)} checks passed) "
                  f"in {report.seconds:.1f} s; oracle: torch {report.meta.get('torch')} on {report.meta.get('device')}")


def gradescope(report: Report) -> dict:
    """Gradescope's results.json; extra_data carries what downstream tools need."""
    tests = []
    for v in report.verdicts:
        tests.append({
            "name": v.check_id,
            "score": v.score,
            "max_score": v.max_score,
            "status": "passed" if v.passed else "failed",
            "output": v.student_message(),
            "visibility": GRADESCOPE_VISIBILITY.get(v.visibility, "visible"),
            "tags": [v.topic, v.function] + ([v.difficulty] if v.difficulty else []),
            "extra_data": {"topic": v.topic, "function": v.function, "check": v.check,
                           "outcome": v.outcome.value, "diagnosis": v.diagnosis},
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


def write_json_atomic(path, data) -> None:
    """Write JSON to a temporary file beside ``path``, then rename: never a truncated file."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2, default=str)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

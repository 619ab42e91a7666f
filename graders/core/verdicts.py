"""Verdicts: what a check concluded, as data that every reporter renders."""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field


#: How a message introduces the input it failed on: generated inputs are shrunk to the smallest that fails;
#: a stated case (a speed limit's timing input, say) is shown as it is.
INPUT_HEADINGS = {True: "smallest failing input", False: "failing input (a stated case)"}


def without_input(message: str) -> str:
    """A verdict's message without the failing input it ends with."""
    for heading in INPUT_HEADINGS.values():
        message = message.split(f"\n  {heading}:")[0]
    return message


def cut_output(text: str, limit: int) -> str:
    """``text`` cut after the last whole line within ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    kept = text[:limit]
    kept = kept[: kept.rindex("\n") + 1] if "\n" in kept else kept
    rest = text[len(kept):]
    return kept + f"... ({rest.count(chr(10)) + 1:,} more lines, {len(rest):,} characters: -s shows all)"


def figure_text(figure: dict) -> str:
    """A figure for the terminal: its panels' cells side by side, then each panel's values as a grid.

    A figure is plain data, ``{"title": str, "panels": [{"title": str, "cells": [[str]], "values": [[float |
    None]]}]}``: rows of one-character cells (arrows, labels) and, where known, a number per cell. Reporters
    draw the same data as a picture (``grading/figures.py``).
    """
    panels = figure["panels"]
    widths = [max(len(p["title"]), 2 * len(p["cells"][0]) - 1) for p in panels]
    lines = ["   ".join(p["title"].ljust(w) for p, w in zip(panels, widths))]
    for r in range(max(len(p["cells"]) for p in panels)):
        lines.append("   ".join(" ".join(p["cells"][r]).ljust(w) for p, w in zip(panels, widths)).rstrip())
    for p in panels:
        if p.get("values"):
            lines += ["", f"value per state, {p['title']}:"]
            lines += [" ".join("      ." if v is None else f"{v:7.1f}" for v in row) for row in p["values"]]
    return "\n".join(lines)


class Outcome(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    NOT_IMPLEMENTED = "not_implemented"
    FORBIDDEN = "forbidden"

    def __str__(self):
        return self.value


@dataclass(frozen=True)
class Verdict:
    topic: str
    function: str
    check: str
    outcome: Outcome
    score: float
    max_score: float
    message: str = ""
    diagnosis: str | None = None  # the name of a recognized mistake
    visibility: str = "public"  # or "hidden"
    difficulty: str = ""
    seconds: float = 0.0
    output: str = ""  # what the student's code printed: on the failing input, else the first (public checks only)
    figure: dict | None = None  # a picture of the failure, as data (public checks only): see figure_text

    @property
    def check_id(self) -> str:
        return f"{self.topic}::{self.function}::{self.check}"

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED

    def student_message(self) -> str:
        """What a student may see: hidden checks say nothing about their inputs or the output."""
        if self.visibility == "hidden" and not self.passed:
            return f"hidden check: {self.outcome.value}"
        return self.message

    def student_output(self, limit: int | None = None) -> str:
        """What the student's calls printed, cut to ``limit`` characters (whole lines) where given; hidden
        checks never show it."""
        if self.visibility == "hidden" or not self.output:
            return ""
        return self.output if limit is None else cut_output(self.output, limit)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        return data


@dataclass
class Report:
    """All verdicts for one implementation folder, plus how they were obtained."""

    verdicts: list[Verdict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # torch version, device, seed, kit version, implementation
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(v.score for v in self.verdicts)

    @property
    def max_score(self) -> float:
        return sum(v.max_score for v in self.verdicts)

    @property
    def all_passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    @property
    def failed(self) -> list[Verdict]:
        """Checks that ran and did not pass (failed, error, timeout, forbidden): not the stubs."""
        return [v for v in self.verdicts if not v.passed and v.outcome is not Outcome.NOT_IMPLEMENTED]

    @property
    def not_implemented(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.outcome is Outcome.NOT_IMPLEMENTED]

    def summary(self) -> str:
        """'12 passed, 3 failed (1 error), 51 not implemented': checks by outcome, stubs apart."""
        passed, failed = sum(v.passed for v in self.verdicts), self.failed
        kinds = [f"{sum(v.outcome is o for v in failed)} {o.value}" for o in (Outcome.ERROR, Outcome.TIMEOUT,
                                                                            Outcome.FORBIDDEN)
                 if any(v.outcome is o for v in failed)]
        parts = [f"{passed} passed", f"{len(failed)} failed" + (f" ({', '.join(kinds)})" if kinds else "")]
        if self.not_implemented:
            parts.append(f"{len(self.not_implemented)} not implemented")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return {"verdicts": [v.to_dict() for v in self.verdicts], "meta": self.meta, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        verdicts = [Verdict(**{**v, "outcome": Outcome(v["outcome"])}) for v in data["verdicts"]]
        return cls(verdicts=verdicts, meta=dict(data.get("meta", {})), seconds=data.get("seconds", 0.0))

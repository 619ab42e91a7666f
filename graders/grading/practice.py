"""Interview practice: one function at a time, timed, with hints, graded, remembered (``dlgrade practice``).

A practice session is an attempt in the candidate's record (``progress.Store``): ``start`` chooses a function
(what is due first), writes its stub into the candidate's workspace and starts the clock; ``hint`` gives the
next of its hints; ``check`` runs its public checks; ``submit`` runs the hidden ones too and records the
verdict, the time, the hints taken and the mistake named, which schedules the function's next review;
``give_up`` records that; then the reference solution and the interviewer's follow-up questions are shown.
A mock interview plans several functions under one countdown.

This module knows no registry and prints nothing: the CLI gives it the topics and renders what it returns.
"""
from __future__ import annotations

import ast
import dataclasses
import pathlib
import random

from ..core.declare import Practice
from ..core.verdicts import Outcome
from ..execution.loading import first_line
from .progress import Store, now

DIFFICULTIES = ("easy", "medium", "hard")
NO_HINTS = Practice(hints=())  # a topic (an instructor's own, say) that declares none


@dataclasses.dataclass(frozen=True)
class Exercise:
    topic: str
    function: str
    difficulty: str

    @property
    def name(self) -> str:
        return f"{self.topic}::{self.function}"


def exercises(topics) -> list[Exercise]:
    """Every function of these topics (Topic objects, in curriculum order), in order."""
    return [Exercise(t.name, name, info.difficulty) for t in topics for name, info in t.functions.items()]


def level(store: Store, pool: list[Exercise]) -> int:
    """The candidate's level: one above the hardest difficulty solved so far (easy, for a newcomer)."""
    solved = store.solved()
    ranks = [DIFFICULTIES.index(e.difficulty) for e in pool if (e.topic, e.function) in solved
             and e.difficulty in DIFFICULTIES]
    return min(max(ranks, default=-1) + 1, len(DIFFICULTIES) - 1)


def choose(store: Store, pool: list[Exercise], words: list[str]) -> tuple[Exercise, str]:
    """(the exercise, why it was chosen) for ``words``: nothing or "next" (reviews due first, then new
    functions in curriculum order at the candidate's level, then the review due soonest), or topics,
    difficulties and function names that narrow the pool (the first not solved yet among them)."""
    wanted = [w for w in words if w != "next"]
    if wanted:
        levels = [w for w in wanted if w in DIFFICULTIES]
        names = [w for w in wanted if w not in DIFFICULTIES]
        unknown = [w for w in names if not any(w in (e.topic, e.function, e.name) for e in pool)]
        if unknown:
            raise ValueError(f"no topic, difficulty or function named {', '.join(unknown)}")
        narrowed = [e for e in pool if (not levels or e.difficulty in levels)
                    and (not names or any(w in (e.topic, e.function, e.name) for w in names))]
        if not narrowed:
            raise ValueError(f"nothing matches {' '.join(wanted)}")
        solved = store.solved()
        fresh = [e for e in narrowed if (e.topic, e.function) not in solved]
        return (fresh or narrowed)[0], "as asked"
    by_name = {(e.topic, e.function): e for e in pool}
    for review in store.due():
        exercise = by_name.get((review["topic"], review["function"]))
        if exercise:
            return exercise, "a review that is due"
    attempted, rank = store.attempted(), level(store, pool)
    for exercise in pool:
        if (exercise.topic, exercise.function) not in attempted and \
                DIFFICULTIES.index(exercise.difficulty if exercise.difficulty in DIFFICULTIES else "hard") <= rank:
            return exercise, f"new, at your level ({DIFFICULTIES[rank]})"
    fresh = [e for e in pool if (e.topic, e.function) not in attempted]
    if fresh:
        return fresh[0], "new"
    return min(pool, key=lambda e: (store.review_of(e.topic, e.function) or {"due_at": 0})["due_at"]), \
        "everything is done: the review due soonest"


def plan_mock(store: Store, pool: list[Exercise], count: int, seed: int | None = None) -> list[Exercise]:
    """``count`` exercises of mixed difficulty, unsolved ones first, drawn with ``seed``."""
    draw = random.Random(seed)
    solved = store.solved()
    by_difficulty = {d: [e for e in pool if e.difficulty == d] for d in DIFFICULTIES}
    for group in by_difficulty.values():
        draw.shuffle(group)
        group.sort(key=lambda e: (e.topic, e.function) in solved)  # stable: unsolved first, shuffled
    plan, turn = [], 0
    while len(plan) < count and any(by_difficulty.values()):
        group = by_difficulty[DIFFICULTIES[turn % len(DIFFICULTIES)]]
        if group:
            plan.append(group.pop(0))
        turn += 1
    return sorted(plan, key=lambda e: DIFFICULTIES.index(e.difficulty))


# -- the workspace -------------------------------------------------------------------------------------------

def put_stub(workspace: pathlib.Path, topic: str, function: str, stub_source: str) -> pathlib.Path:
    """Write ``function``'s stub into ``workspace/<topic>.py``, the candidate's file: a new file gets the whole
    stub module; in an existing one only that function is set back to its stub (earlier work stays)."""
    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / f"{topic}.py"
    if not path.exists():
        path.write_text(stub_source)
        return path
    stub = _function_lines(stub_source, function)
    source = path.read_text()
    try:
        found = _span(source, function)
    except SyntaxError:
        found = None
    lines = source.splitlines(keepends=True)
    if found is None:
        lines += ["\n\n"] + stub
    else:
        lines[found[0]:found[1]] = stub
    path.write_text("".join(lines))
    return path


def _function_node(source: str, function: str) -> ast.FunctionDef | None:
    return next((n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == function), None)


def _span(source: str, function: str) -> tuple[int, int] | None:
    node = _function_node(source, function)
    return (first_line(node) - 1, node.end_lineno) if node else None


def _function_lines(source: str, function: str) -> list[str]:
    span = _span(source, function)
    if span is None:
        raise ValueError(f"the stub defines no function {function}()")
    lines = source.splitlines(keepends=True)[span[0]:span[1]]
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def function_source(path: pathlib.Path, function: str) -> str | None:
    """The code of ``function`` in the module at ``path``, its docstring left out (None if it is not there or
    the module does not parse)."""
    try:
        source = path.read_text()
        lines = _function_lines(source, function)
        node = next(n for n in ast.parse("".join(lines)).body if isinstance(n, ast.FunctionDef))
    except (OSError, SyntaxError, ValueError, StopIteration):
        return None
    if ast.get_docstring(node) is not None and len(node.body) > 1:
        doc = node.body[0]
        lines = lines[:doc.lineno - 1] + lines[doc.end_lineno:]
    return "".join(lines)


def docstring(stub_source: str, function: str) -> str:
    node = _function_node(stub_source, function)
    return (ast.get_docstring(node) or "") if node else ""


def signature(stub_source: str, function: str) -> str:
    node = _function_node(stub_source, function)
    return f"{function}({ast.unparse(node.args) if node else '...'})"


# -- grading -------------------------------------------------------------------------------------------------

def mistake_of(verdicts) -> str | None:
    """The mistake the checks named, public checks first."""
    for visibility in ("public", "hidden"):
        for v in verdicts:
            if not v.passed and v.diagnosis and v.visibility == visibility:
                return v.diagnosis
    return None


def outcome_of(verdicts) -> str:
    return "passed" if verdicts and all(v.outcome is Outcome.PASSED for v in verdicts) else "failed"


def elapsed(attempt) -> float:
    return now() - attempt["started_at"]


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60:02d}:{seconds % 60:02d}"

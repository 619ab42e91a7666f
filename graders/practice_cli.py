"""`dlgrade practice`: interview practice in the terminal, on the candidate's own files (grading/practice.py)."""
from __future__ import annotations

import collections
import pathlib

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from .grading import practice
from .grading.progress import Store, now
from .grading.reports import verdict_lines
from .registry import available_topics, load_topic, reference_folders, stub_files

ACTIONS = ("start", "hint", "check", "submit", "give-up", "solution", "answers", "stats", "status", "mock")
DEFAULT_WORKSPACE = "practice"
SOLUTION_WIDTH = 180  # the two columns of code side by side, even where piped output has no width

HELP = """examples:
  dlgrade practice                         start what is due (reviews first, then new functions at your level)
  dlgrade practice start conv              the first function of conv you have not solved; also: easy, relu_forward
  dlgrade practice hint                    the next hint (each one is recorded with the attempt)
  dlgrade practice check                   the public checks, as often as you like
  dlgrade practice submit                  the hidden checks too: recorded, and the next review scheduled
  dlgrade practice give-up                 record it, and see the reference solution
  dlgrade practice solution | answers      the reference beside your code; the follow-up questions' answers
  dlgrade practice stats                   solved and attempted, best and median times, streak, what is due
  dlgrade practice mock --count 3 --minutes 45     a mock interview: three functions under one countdown

Your code goes in ./practice/<topic>.py (--workspace DIR); your record in $DLGRADE_DATA_DIR
(default ~/.local/share/dlgrade/progress.sqlite3)."""


class PracticeError(ValueError):
    """A practice command that cannot be done now: the message says why and what to do."""


def add_parser(sub, make) -> None:
    parser = make(sub, "practice", "interview practice: timed, with hints, graded, reviews scheduled")
    parser.add_argument("action", nargs="?", default="start", choices=ACTIONS, metavar="ACTION",
                        help=f"one of {', '.join(ACTIONS)} (default: start)")
    parser.add_argument("select", nargs="*", metavar="NAME", help="for start: next, a topic, a difficulty or a function")
    parser.add_argument("--workspace", default=None, metavar="DIR",
                        help=f"where your practice modules are (default: ./{DEFAULT_WORKSPACE})")
    parser.add_argument("--count", type=int, default=3, metavar="N", help="mock: how many exercises (default 3)")
    parser.add_argument("--minutes", type=float, default=45, metavar="M", help="mock: the countdown (default 45)")
    parser.add_argument("--seed", type=int, default=None, help="mock: the draw's seed (default: a new draw)")


def _pool() -> list[practice.Exercise]:
    return practice.exercises([load_topic(t) for t in available_topics()])


def _stub(topic: str) -> str:
    return pathlib.Path(stub_files()[f"{topic}.py"]).read_text()


def _open(store: Store):
    attempt = store.open_attempt()
    if attempt is None:
        raise PracticeError("no exercise is open: `dlgrade practice` starts one")
    return attempt


def _elapsed_line(console: Console, attempt) -> None:
    console.print(f"[dim]{attempt['topic']}::{attempt['function']} - elapsed {practice.clock(practice.elapsed(attempt))}"
                  "[/dim]")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _shown(path: pathlib.Path) -> pathlib.Path:
    """The path as the candidate would type it: relative to the current folder when it lies inside it."""
    try:
        return path.resolve().relative_to(pathlib.Path.cwd().resolve())
    except ValueError:
        return path


def _begin(store: Store, console: Console, exercise: practice.Exercise, why: str, workspace: pathlib.Path,
           mock_id: int | None = None) -> None:
    stub = _stub(exercise.topic)
    path = practice.put_stub(workspace, exercise.topic, exercise.function, stub)
    store.start(exercise.topic, exercise.function, exercise.difficulty, str(workspace.resolve()), mock_id)
    topic = load_topic(exercise.topic)
    hints = len(topic.practice.get(exercise.function, practice.NO_HINTS).hints)
    console.print(f"[bold]{exercise.name}[/bold] ({exercise.difficulty}; {why})", highlight=False)
    console.print(f"write it in {_shown(path)}: {practice.signature(stub, exercise.function)}", highlight=False)
    review = store.review_of(exercise.topic, exercise.function)
    if review is not None and review["mistake"]:
        console.print(f"[yellow]last time: {review['mistake']}[/yellow]", highlight=False)
    console.print()
    console.print(escape(practice.docstring(stub, exercise.function)), highlight=False)
    console.print()
    console.print(f"the clock runs from now. {_count(hints, 'hint')} on request: dlgrade practice hint; "
                  "then: dlgrade practice check, dlgrade practice submit (or give-up)", highlight=False)


def _after(store: Store, console: Console, attempt, show_solution: bool) -> None:
    """What follows a finished attempt: the next exercise of a mock interview, or its report."""
    mock = store.open_mock()
    if mock is None or attempt["mock_id"] != mock["id"]:
        if show_solution:
            _solution(console, attempt)
            _questions(console, attempt, answers=False)
        return
    planned = [tuple(line.split("::")) for line in mock["planned"].splitlines()]
    done = {(a["topic"], a["function"]) for a in store.mock_attempts(mock["id"])}
    left = [p for p in planned if p not in done]
    if left and now() < mock["deadline_at"]:
        by_name = {(e.topic, e.function): e for e in _pool()}
        remaining = practice.clock(mock["deadline_at"] - now())
        console.print(f"\n[bold]mock interview: {len(planned) - len(left) + 1} of {len(planned)}; "
                      f"{remaining} left[/bold]")
        _begin(store, console, by_name[left[0]], "mock interview", pathlib.Path(attempt["workspace"]), mock["id"])
        return
    _mock_report(store, console, mock)


def _mock_report(store: Store, console: Console, mock) -> None:
    store.finish_mock(mock["id"])
    attempts = store.mock_attempts(mock["id"])
    planned = mock["planned"].splitlines()
    table = Table(title="mock interview report")
    for column in ("exercise", "difficulty", "time", "verdict", "hints", "checks run", "mistake"):
        table.add_column(column)
    for a in attempts:
        table.add_row(f"{a['topic']}::{a['function']}", a["difficulty"], practice.clock(a["seconds"] or 0),
                      a["outcome"] or "", str(store.hints_taken(a["id"])), str(a["checks_run"]), a["mistake"] or "")
    for name in planned[len(attempts):]:
        table.add_row(name, "", "", "not reached", "", "", "")
    console.print(table)
    misses = [f"{a['topic']}::{a['function']}" for a in attempts if a["outcome"] != "passed" or store.hints_taken(a["id"])]
    misses += planned[len(attempts):]
    over = now() > mock["deadline_at"]
    console.print(("time ran out. " if over else "") + (f"to review: {', '.join(misses)}" if misses else
                                                        "every exercise passed cleanly"), highlight=False)


def _abandon(store: Store, console: Console) -> None:
    """A new exercise or mock leaves the open one unfinished: it counts as given up (and comes back)."""
    abandoned = store.open_attempt()
    if abandoned is not None:
        store.finish(abandoned["id"], "gave_up")
        console.print(f"[yellow]{abandoned['topic']}::{abandoned['function']} left unfinished: recorded as given "
                      "up[/yellow]", highlight=False)


def _last_finished(store: Store):
    if store.open_attempt() is not None:
        raise PracticeError("an exercise is open: submit it or give up first (dlgrade practice give-up)")
    attempt = store.last_finished()
    if attempt is None:
        raise PracticeError("nothing practised yet: `dlgrade practice` starts an exercise")
    return attempt


def _solution(console: Console, attempt) -> None:
    folder = reference_folders().get(attempt["topic"])
    reference = practice.function_source(pathlib.Path(folder, f"{attempt['topic']}.py"), attempt["function"]) \
        if folder else None
    yours = practice.function_source(pathlib.Path(attempt["workspace"], f"{attempt['topic']}.py"), attempt["function"])
    table = Table(title=f"{attempt['topic']}::{attempt['function']}", show_lines=True,
                  width=min(console.width, SOLUTION_WIDTH))
    table.add_column("your code", ratio=1)
    table.add_column("the reference", ratio=1)
    table.add_row(Syntax(yours or "(not found in your workspace)", "python", word_wrap=True),
                  Syntax(reference or "(the reference solutions are not in this release)", "python", word_wrap=True))
    console.print(table)


def _questions(console: Console, attempt, answers: bool) -> None:
    info = load_topic(attempt["topic"]).practice.get(attempt["function"])
    if info is None or not info.questions:
        return
    console.print("\n[bold]an interviewer would ask next:[/bold]")
    for number, (question, answer) in enumerate(info.questions, 1):
        console.print(f"{number}. {question}", highlight=False)
        if answers:
            console.print(f"   [green]{escape(answer)}[/green]", highlight=False)
    if not answers:
        console.print("(answers: dlgrade practice answers)")


def _grade(attempt, hidden: bool):
    from .execution.inprocess import InProcessExecutor
    from .grading.grader import Grader

    topic = load_topic(attempt["topic"])
    ids = [c.id for c in topic.checks_for(None if hidden else "public", attempt["function"])]
    grader = Grader(hidden=hidden, reference=reference_folders(), only=ids)
    return grader.grade(pathlib.Path(attempt["workspace"]), [topic], InProcessExecutor).verdicts


def _stats(store: Store, console: Console) -> None:
    stats = store.stats()
    totals = collections.Counter(name for e in _pool() for name in (e.topic, e.difficulty))
    for key, title in (("by_topic", "topic"), ("by_difficulty", "difficulty")):
        table = Table(title=f"progress by {title}")
        for column in (title, "solved", "attempted", "functions", "best", "median"):
            table.add_column(column)
        for name, row in stats[key].items():
            table.add_row(name, str(row["solved"]), str(row["attempted"]), str(totals.get(name, "")),
                          practice.clock(row["best_seconds"]) if row["best_seconds"] is not None else "",
                          practice.clock(row["median_seconds"]) if row["median_seconds"] is not None else "")
        console.print(table)
    due = ", ".join(f"{t}::{f}" + (f" ({m})" if m else "") for t, f, m in stats["due"]) or "nothing"
    console.print(f"streak: {stats['streak_days']} day{'s' * (stats['streak_days'] != 1)}; attempts: "
                  f"{stats['attempts']}; due for review: {due}", highlight=False)


def run(args, console: Console) -> int:
    with Store() as store:
        mock = store.open_mock()
        if mock is not None and now() > mock["deadline_at"] and args.action not in ("stats", "solution", "answers"):
            console.print("[yellow]the mock interview's time is up[/yellow]")
            _mock_report(store, console, mock)
            return 0
        action = args.action
        if action == "start":
            if mock is not None:
                raise PracticeError("a mock interview is running: submit or give up its exercise")
            exercise, why = practice.choose(store, _pool(), list(args.select))
            _abandon(store, console)
            _begin(store, console, exercise, why, pathlib.Path(args.workspace or DEFAULT_WORKSPACE))
        elif action == "mock":
            if mock is not None:
                raise PracticeError("a mock interview is already running")
            if args.count < 1 or args.minutes <= 0:
                raise PracticeError("--count must be at least 1 and --minutes positive")
            _abandon(store, console)
            plan = practice.plan_mock(store, _pool(), args.count, args.seed)
            mock_id = store.start_mock([(e.topic, e.function) for e in plan], args.minutes)
            console.print(f"[bold]mock interview: {len(plan)} exercises, {practice.clock(args.minutes * 60)} in all; "
                          f"hints only if you ask (they are counted)[/bold]\n1 of {len(plan)}:")
            _begin(store, console, plan[0], "mock interview", pathlib.Path(args.workspace or DEFAULT_WORKSPACE), mock_id)
        elif action == "hint":
            attempt = _open(store)
            info = load_topic(attempt["topic"]).practice.get(attempt["function"], practice.NO_HINTS)
            taken = store.hints_taken(attempt["id"])
            if taken >= len(info.hints):
                console.print(f"no more hints: all {len(info.hints)} taken")
            else:
                number = store.take_hint(attempt["id"])
                console.print(f"hint {number} of {len(info.hints)}: {escape(info.hints[number - 1])}", highlight=False)
            _elapsed_line(console, attempt)
        elif action == "check":
            attempt = _open(store)
            console.print("\n".join(verdict_lines(_grade(attempt, hidden=False))), highlight=False)
            store.count_check(attempt["id"])  # after the grading: a check stopped halfway is not counted
            _elapsed_line(console, attempt)
        elif action == "submit":
            attempt = _open(store)
            verdicts = _grade(attempt, hidden=True)
            console.print("\n".join(verdict_lines(verdicts)), highlight=False)
            outcome, mistake = practice.outcome_of(verdicts), practice.mistake_of(verdicts)
            done = store.finish(attempt["id"], outcome, sum(v.score for v in verdicts),
                                sum(v.max_score for v in verdicts), mistake)
            said = (f"{outcome} in {practice.clock(done['seconds'])} with {_count(done['hints'], 'hint')} and "
                    f"{_count(done['checks'], 'check')} run")
            said += f"; the mistake: {mistake}" if mistake else ""
            console.print(f"[bold]{said}[/bold]; it comes back for review in {done['review_in_days']:g} "
                          f"day{'s' * (done['review_in_days'] != 1)}", highlight=False)
            _after(store, console, store.attempt(attempt["id"]), show_solution=outcome == "passed")
        elif action == "give-up":
            attempt = _open(store)
            done = store.finish(attempt["id"], "gave_up")
            console.print(f"given up after {practice.clock(done['seconds'])}; it comes back for review in "
                          f"{done['review_in_days']:g} day{'s' * (done['review_in_days'] != 1)}", highlight=False)
            _after(store, console, attempt, show_solution=True)
        elif action == "solution":
            attempt = _last_finished(store)
            _solution(console, attempt)
            _questions(console, attempt, answers=False)
        elif action == "answers":
            _questions(console, _last_finished(store), answers=True)
        elif action == "stats":
            _stats(store, console)
        elif action == "status":
            attempt = store.open_attempt()
            if attempt is None:
                console.print("no exercise is open: `dlgrade practice` starts one")
            else:
                _elapsed_line(console, attempt)
            if mock is not None:
                console.print(f"mock interview: {practice.clock(mock['deadline_at'] - now())} left")
    return 0


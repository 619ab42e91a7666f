"""The `dlgrade` command: check an implementation, list the curriculum."""
from __future__ import annotations

import argparse
import pathlib
import signal
import sys

from rich.console import Console
from rich.table import Table

from . import __version__
from .registry import (CURRICULUM, available_topics, kit_files, load_topic, reference_folder, stubs_folder,
                       topic_module, topic_sources)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 too; keep the message short and specific
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"dlgrade: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dlgrade", description="Auto-graded deep-learning exercises, checked against PyTorch.")
    parser.add_argument("--version", action="version", version=f"dlgrade {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="grade an implementation folder and print a table")
    check.add_argument("topics", nargs="*", metavar="TOPIC", help="topics to grade (default: all available)")
    check.add_argument("--impl", default="exercises", help="folder holding <topic>.py modules (default: ./exercises)")
    check.add_argument("--json", metavar="FILE", help="also write Gradescope's results.json here")
    check.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="where the torch oracle runs")
    check.add_argument("--hidden", action="store_true", help="also run the hidden checks (instructors)")
    check.add_argument("--timeout", type=float, default=None, metavar="S", help="deadline of each call, seconds (default 10)")
    check.add_argument("-v", "--verbose", action="store_true", help="show the input each failure happened on")

    sub.add_parser("list", help="list topics, functions, checks, points and difficulty")

    grade = sub.add_parser("grade", help="grade a folder of submissions (instructors): gradebook, feedback, results.json")
    grade.add_argument("submissions", metavar="SUBMISSIONS",
                       help="one entry per student: a folder shaped like exercises/ or a .zip of one")
    grade.add_argument("--out", required=True, metavar="OUT", help="output folder (rerun with the same OUT to resume)")
    grade.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: CPU count)")
    grade.add_argument("--hidden", action="store_true", help="also run the hidden checks")
    grade.add_argument("--timeout", type=float, default=None, metavar="S", help="cap on each call's deadline, seconds")
    grade.add_argument("--memory", type=int, default=1024, metavar="MB", help="address-space limit of each sandboxed child")
    grade.add_argument("--topics", nargs="+", default=None, metavar="TOPIC", help="topics to grade (default: all available)")
    grade.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="where the torch oracle runs")
    grade.add_argument("--in-process", action="store_true",
                       help="run submissions inside the grading workers, without the sandbox (trusted code only)")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")

    gradescope = sub.add_parser("gradescope", help="build Gradescope's autograder zip (setup.sh, run_autograder, the kit)")
    gradescope.add_argument("--out", required=True, metavar="ZIP", help="where to write the zip, e.g. autograder.zip")
    gradescope.add_argument("--topics", nargs="+", default=None, metavar="TOPIC", help="topics to grade (default: all available)")
    gradescope.add_argument("--no-hidden", action="store_true", help="public checks only (default: hidden checks too)")
    gradescope.add_argument("--timeout", type=float, default=None, metavar="S", help="cap on each call's deadline, seconds")
    gradescope.add_argument("--memory", type=int, default=1024, metavar="MB", help="address-space limit of the sandboxed child")
    gradescope.add_argument("--torch", default=None, metavar="SPEC",
                            help="pip requirement for torch in setup.sh (default: this machine's version, CPU build)")

    init = sub.add_parser("init", help="write a workspace of exercise stubs to fill in")
    init.add_argument("folder", metavar="DIR", help="where to write the stubs (created if needed)")
    init.add_argument("--force", action="store_true", help="overwrite stubs already there")

    autograde = sub.add_parser("autograde", help="grade one Gradescope submission (what run_autograder runs)")
    autograde.add_argument("--root", default=None, metavar="DIR",
                           help="the autograder root (default: $DLGRADE_AUTOGRADER_ROOT or /autograder)")
    return parser


def resolve_topics(names: list[str]) -> list:
    unknown = [n for n in names if n not in available_topics()]
    if unknown:
        planned = [n for n in unknown if n in CURRICULUM]
        hint = f" ({', '.join(planned)}: not graded yet)" if planned else ""
        raise ValueError(f"unknown topic {', '.join(unknown)}{hint}; available: {', '.join(available_topics())}")
    return [load_topic(n) for n in (names or available_topics())]


def cmd_check(args, console: Console) -> int:
    from .grading.grader import Grader
    from .grading.reports import gradescope, print_table, write_json_atomic

    folder = pathlib.Path(args.impl)
    if not folder.is_dir():
        console.print(f"[red]dlgrade: error: implementation folder {folder} does not exist[/red]\n"
                      "(`dlgrade init DIR` writes a workspace of stubs; then: dlgrade check --impl DIR)")
        return EXIT_USAGE
    try:
        topics = resolve_topics(args.topics)
        grader = Grader(args.device, hidden=args.hidden, timeout=args.timeout, reference=reference_folder())
    except ValueError as err:
        console.print(f"[red]dlgrade: error: {err}[/red]")
        return EXIT_USAGE
    report = grader.grade(folder, topics)
    print_table(report, console, verbose=args.verbose)
    if args.json:
        write_json_atomic(args.json, gradescope(report))
        console.print(f"results written to {args.json}")
    return EXIT_OK if report.all_passed else EXIT_FAILED


def cmd_list(args, console: Console) -> int:
    table = Table(title="dlgrade curriculum")
    for column in ("topic", "function", "difficulty", "checks", "points", "hidden checks"):
        table.add_column(column)
    for topic_name in CURRICULUM:
        if topic_name not in available_topics():
            table.add_row(topic_name, "[dim](not graded yet)[/dim]", "", "", "", "")
            continue
        topic = load_topic(topic_name)
        for function, info in topic.functions.items():
            public = [c for c in topic.checks if c.function == function and c.visibility == "public"]
            hidden = [c for c in topic.checks if c.function == function and c.visibility == "hidden"]
            table.add_row(topic_name, function, info.difficulty, ", ".join(c.name for c in public),
                          f"{sum(c.points for c in public):g}", str(len(hidden)))
    console.print(table)
    return EXIT_OK


def _topic_names(names) -> list[str]:
    """Validated topic names (default: all available), without importing the graders."""
    names = list(names or available_topics())
    unknown = [n for n in names if n not in available_topics()]
    if unknown:
        resolve_topics(unknown)  # raises ValueError with the same message as `check`
    return names


def cmd_grade(args, console: Console) -> int:
    import os

    from .grading.batch import grade_batch, print_class_table, raise_stopped

    submissions, out = pathlib.Path(args.submissions), pathlib.Path(args.out)
    problem = None
    if not submissions.is_dir():
        problem = f"submissions folder {submissions} does not exist"
    elif out.exists() and not out.is_dir():
        problem = f"--out {out} exists and is not a folder"
    elif out.resolve().is_relative_to(submissions.resolve()):
        problem = "--out must not be inside SUBMISSIONS (it would be graded as a student)"
    elif args.jobs is not None and args.jobs < 1:
        problem = "--jobs must be at least 1"
    elif args.memory < 64:
        problem = "--memory must be at least 64 (MB)"
    elif args.timeout is not None and args.timeout <= 0:
        problem = "--timeout must be positive"
    try:
        topics = _topic_names(args.topics) if problem is None else []
    except ValueError as err:
        problem = str(err)
    if problem:
        console.print(f"[red]dlgrade: error: {problem}[/red]")
        return EXIT_USAGE
    layers = None
    if args.in_process:
        console.print("[yellow]executor: in-process, no sandbox: submissions run inside the grading workers "
                      "(for trusted code only)[/yellow]")
    else:
        from .execution import sandbox

        layers = sandbox.sandbox_layers()
        console.print(f"executor: sandbox; active layers: {', '.join(layers)}")
        missing = sandbox.missing_layers()
        if missing:
            console.print("[yellow]not available here: " + "; ".join(f"{k}: {v}" for k, v in missing.items())
                          + "[/yellow]")
    if args.hidden:
        warn_default_seed(console)
    jobs = args.jobs or os.cpu_count() or 1
    console.print(f"grading {submissions} into {out}: topics {', '.join(topics)}; {jobs} worker{'s' * (jobs != 1)}"
                  f"{'; hidden checks' if args.hidden else ''}")
    previous = signal.signal(signal.SIGTERM, raise_stopped)  # SIGTERM stops the batch as Ctrl-C does
    try:
        result = grade_batch(submissions, out, topics={t: topic_module(t) for t in topics},
                             sources=topic_sources(topics), reference=reference_folder(), jobs=jobs, hidden=args.hidden, timeout=args.timeout,
                             memory_mb=args.memory, device=args.device,
                             executor="inprocess" if args.in_process else "sandbox",
                             progress=not args.no_progress, console=console, layers=layers)
    except ValueError as err:
        console.print(f"[red]dlgrade: error: {err}[/red]")
        return EXIT_USAGE
    except KeyboardInterrupt as stop:
        signum = getattr(stop, "signum", signal.SIGINT)
        console.print(f"[yellow]interrupted ({signal.Signals(signum).name}): rerun the same command to resume "
                      "(graded students are kept)[/yellow]")
        return 128 + signum
    finally:
        signal.signal(signal.SIGTERM, previous)
    print_class_table(result, console, topics)
    return EXIT_OK


def warn_default_seed(console: Console) -> None:
    import os

    if not os.environ.get("DLGRADE_HIDDEN_SEED", "").strip():
        console.print("[yellow]note: DLGRADE_HIDDEN_SEED is not set: hidden checks use the kit's default seed, "
                      "which students can reproduce[/yellow]")


def cmd_gradescope(args, console: Console) -> int:
    from .grading.gradescope import build_autograder_zip

    try:
        topics = _topic_names(args.topics)
        path = build_autograder_zip(args.out, topics=topics, kit_files=kit_files(), sources=topic_sources(topics),
                                    hidden=not args.no_hidden, timeout=args.timeout,
                                    memory_mb=args.memory, torch_spec=args.torch)
    except ValueError as err:
        console.print(f"[red]dlgrade: error: {err}[/red]")
        return EXIT_USAGE
    if not args.no_hidden:
        warn_default_seed(console)
    console.print(f"autograder written to {path} (topics: {', '.join(topics)}; "
                  f"{'hidden checks on' if not args.no_hidden else 'public checks only'}). "
                  "Upload it as the assignment's autograder on Gradescope.")
    return EXIT_OK


def cmd_autograde(args, console: Console) -> int:
    from .grading.gradescope import autograde

    def topics_for(names):
        return [load_topic(t) for t in (names or available_topics())]

    return autograde(args.root, topics_for, reference=reference_folder(), console=console)


def cmd_init(args, console: Console) -> int:
    """A workspace of stubs (and the conftest.py that makes `pytest DIR` grade it)."""
    import shutil

    target = pathlib.Path(args.folder)
    if target.exists() and not target.is_dir():
        console.print(f"[red]dlgrade: error: {target} exists and is not a folder[/red]")
        return EXIT_USAGE
    stubs = stubs_folder()
    names = [p.name for p in sorted(stubs.glob("*.py")) if p.name != "__init__.py"]
    existing = [n for n in names if (target / n).exists()]
    if existing and not args.force:
        console.print(f"[red]dlgrade: error: {target} already holds {', '.join(existing)}; "
                      "use --force to overwrite them[/red]")
        return EXIT_USAGE
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copyfile(stubs / name, target / name)
    except OSError as err:
        console.print(f"[red]dlgrade: error: cannot write the stubs into {target}: {err}[/red]")
        return EXIT_USAGE
    console.print(f"wrote {len(names)} files into {target}: the stubs of every topic and conftest.py.\n"
                  f"Fill in a function, then run: dlgrade check --impl {target}   (or: pytest {target})")
    return EXIT_OK


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    return {"check": cmd_check, "list": cmd_list, "grade": cmd_grade, "gradescope": cmd_gradescope,
            "autograde": cmd_autograde, "init": cmd_init}[args.command](args, console)


if __name__ == "__main__":
    sys.exit(main())

"""The `dlgrade` command: check an implementation, list the curriculum."""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import signal
import sys

from rich.console import Console
from rich.table import Table

from . import __version__, practice_cli
from .registry import (CURRICULUM, TopicsError, add_course_folder, available_topics, kit_files, load_topic,
                       planned_topics, reference_folders, stub_files, student_release, topic_modules, topic_sources)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 too; keep the message short and specific
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"dlgrade: error: {message}\n")


EXIT_NOT_IMPLEMENTED = 3
EXIT_STATUS = f"""exit status: {EXIT_OK} every chosen check passed; {EXIT_FAILED} a check failed (or raised, timed out, used a
forbidden import); {EXIT_NOT_IMPLEMENTED} nothing failed but some functions are still stubs; {EXIT_USAGE} a usage error."""

SELECTING = """Choose what to grade with words: a topic (conv), a function (relu_forward), a check (matches_torch) or a
check id (conv::conv2d_forward::fast_enough); and/or -k EXPR as in pytest ("relu and not backward")."""

EXAMPLES = {
    "check": f"""examples:
  dlgrade check                          grade ./exercises (or this folder, if it holds the topic modules)
  dlgrade check conv relu_forward        one topic and one function
  dlgrade check -k "backward and not conv"
  dlgrade check --impl my_work -s        everything my code printed, passes too
  dlgrade check conv --watch             regrade each time a module is saved (Ctrl-C stops)
  dlgrade check --format json            verdicts as JSON on stdout

{SELECTING}

{EXIT_STATUS}""",
    "list": f"""examples:
  dlgrade list
  dlgrade list optim --format json

{SELECTING}""",
    "grade": f"""examples:
  dlgrade grade submissions --out graded                 every student, every topic, sandboxed
  dlgrade grade submissions mlp activations --out graded --hidden
  DLGRADE_HIDDEN_SEED=my-secret dlgrade grade submissions --out graded --hidden --jobs 4

Each entry of SUBMISSIONS is one student: a folder shaped like exercises/ or a .zip of one.
Rerun the same command to resume; only changed submissions are graded again.
{SELECTING}""",
    "gradescope": f"""examples:
  DLGRADE_HIDDEN_SEED=my-secret dlgrade gradescope --out autograder.zip
  dlgrade gradescope conv optim --out conv_optim.zip --no-hidden

{SELECTING}""",
    "release": f"""examples:
  dlgrade release --out class-release                  every topic, for students: no solutions, no hidden checks
  dlgrade release conv rnn --out week5 --title "Week 5: convolutions and recurrences"

Students install it with `pip install ./class-release` and work in its exercises/ folder.
{SELECTING}""",
    "notebooks": f"""examples:
  dlgrade notebooks --out course                    an nbgrader course: source/<topic>/<topic>.ipynb, nbgrader_config.py
  dlgrade notebooks conv rnn --out course --assignment week5    both topics in one assignment
  dlgrade notebooks --self-study --out my-notebooks             plain notebooks with inline checks (no nbgrader)

Then, in the course folder: nbgrader generate_assignment conv; nbgrader autograde conv; nbgrader export.
{SELECTING}""",
    "practice": practice_cli.HELP,
    "init": """examples:
  dlgrade init exercises && dlgrade check
  dlgrade init ~/dl-practice --force      overwrite stubs already there""",
    "autograde": """examples (inside Gradescope's image; run_autograder calls it):
  dlgrade autograde
  dlgrade autograde --root /tmp/autograder""",
}


def _subcommand(sub, name: str, help: str, parents=()) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".", epilog=EXAMPLES[name],
                          formatter_class=argparse.RawDescriptionHelpFormatter, parents=list(parents))


def _common_parsers() -> dict[str, argparse.ArgumentParser]:
    select = argparse.ArgumentParser(add_help=False)
    select.add_argument("-k", dest="keyword", metavar="EXPR", default=None,
                        help="only checks whose topic, function or check name match EXPR (pytest's -k)")
    course = argparse.ArgumentParser(add_help=False)
    course.add_argument("--topics-path", action="append", default=[], metavar="DIR",
                        help="also a course folder of your own topics and checks (DIR/topics, DIR/exercises, "
                             "DIR/solutions); also $DLGRADE_TOPICS_PATH")
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--format", choices=["table", "json"], default="table",
                        help="table for people (default) or json on stdout for programs")
    return {"select": select, "course": course, "output": output}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dlgrade", description="Auto-graded deep-learning exercises, checked against PyTorch.",
                     epilog="Run `dlgrade COMMAND --help` for a command's options and examples.")
    parser.add_argument("--version", action="version", version=f"dlgrade {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    common = _common_parsers()
    select, course, output = common["select"], common["course"], common["output"]

    check = _subcommand(sub, "check", "grade an implementation folder and print what passes and why not",
                        (select, course, output))
    check.add_argument("select", nargs="*", metavar="NAME", help="topics, functions or checks to grade "
                       "(default: all); a folder or a topic module's path also says where your code is")
    check.add_argument("--impl", default=None, metavar="DIR",
                       help="folder holding your <topic>.py modules (default: ./exercises, or . if it holds them)")
    check.add_argument("-s", "--show-output", action="store_true",
                       help="show everything your code printed, for every check (default: failing checks, cut)")
    check.add_argument("-v", "--verbose", action="store_true", help="show the input each failure happened on")
    check.add_argument("--watch", action="store_true", help="regrade the changed topic each time a module is saved")
    check.add_argument("--json", metavar="FILE", help="also write Gradescope's results.json here")
    check.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="where the torch oracle runs")
    check.add_argument("--hidden", action="store_true", help="also run the hidden checks (instructors)")
    check.add_argument("--timeout", type=float, default=None, metavar="S", help="deadline of each call, seconds (default 10)")

    listing = _subcommand(sub, "list", "list topics, functions, checks, points and difficulty", (select, course, output))
    listing.add_argument("select", nargs="*", metavar="NAME", help="topics, functions or checks to list (default: all)")

    grade = _subcommand(sub, "grade", "grade a folder of submissions (instructors): gradebook, feedback, results.json",
                        (select, course, output))
    grade.add_argument("submissions", metavar="SUBMISSIONS",
                       help="one entry per student: a folder shaped like exercises/ or a .zip of one")
    grade.add_argument("select", nargs="*", metavar="NAME", help="topics, functions or checks to grade (default: all)")
    grade.add_argument("--out", required=True, metavar="OUT", help="output folder (rerun with the same OUT to resume)")
    grade.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: CPU count)")
    grade.add_argument("--hidden", action="store_true", help="also run the hidden checks")
    grade.add_argument("--timeout", type=float, default=None, metavar="S", help="cap on each call's deadline, seconds")
    grade.add_argument("--memory", type=int, default=1024, metavar="MB", help="address-space limit of each sandboxed child")
    grade.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="where the torch oracle runs")
    grade.add_argument("--in-process", action="store_true",
                       help="run submissions inside the grading workers, without the sandbox (trusted code only)")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")

    gradescope = _subcommand(sub, "gradescope", "build Gradescope's autograder zip (setup.sh, run_autograder, the kit)",
                             (select, course))
    gradescope.add_argument("select", nargs="*", metavar="NAME", help="topics, functions or checks to grade (default: all)")
    gradescope.add_argument("--out", required=True, metavar="ZIP", help="where to write the zip, e.g. autograder.zip")
    gradescope.add_argument("--no-hidden", action="store_true", help="public checks only (default: hidden checks too)")
    gradescope.add_argument("--timeout", type=float, default=None, metavar="S", help="cap on each call's deadline, seconds")
    gradescope.add_argument("--memory", type=int, default=1024, metavar="MB", help="address-space limit of the sandboxed child")
    gradescope.add_argument("--torch", default=None, metavar="SPEC",
                            help="pip requirement for torch in setup.sh (default: this machine's version, CPU build)")

    release = _subcommand(sub, "release", "write what students get: the stubs and public checks, no solutions, "
                          "no hidden checks", (select, course))
    release.add_argument("select", nargs="*", metavar="NAME", help="topics to release (default: all)")
    release.add_argument("--out", required=True, metavar="DIR", help="a new folder for the release")
    release.add_argument("--title", default="Deep-learning exercises", help="the heading of the release's README")

    notebooks = _subcommand(sub, "notebooks", "write the exercises as Jupyter notebooks: an nbgrader course "
                            "(instructors) or notebooks for self-study", (select, course))
    notebooks.add_argument("select", nargs="*", metavar="NAME", help="topics to write (default: all)")
    notebooks.add_argument("--out", required=True, metavar="DIR", help="a new folder")
    notebooks.add_argument("--self-study", action="store_true",
                           help="notebooks of the stubs with a check cell after each function, for students")
    notebooks.add_argument("--assignment", default=None, metavar="NAME",
                           help="put every topic in one nbgrader assignment (default: one assignment per topic)")
    notebooks.add_argument("--course-id", default="dlgrade", metavar="ID", help="nbgrader's course id")

    practice_cli.add_parser(sub, lambda sub, name, help: _subcommand(sub, name, help, (course,)))

    init = _subcommand(sub, "init", "write a workspace of exercise stubs to fill in", (course,))
    init.add_argument("folder", metavar="DIR", help="where to write the stubs (created if needed)")
    init.add_argument("--force", action="store_true", help="overwrite stubs already there")

    autograde = _subcommand(sub, "autograde", "grade one Gradescope submission (what run_autograder runs)")
    autograde.add_argument("--root", default=None, metavar="DIR",
                           help="the autograder root (default: $DLGRADE_AUTOGRADER_ROOT or /autograder)")
    return parser


class UsageError(ValueError):
    pass


def choose(words, keyword, hidden: bool = True) -> tuple[list[str], list[str] | None]:
    """(topics, ids of the chosen checks, or None for all their checks) from selection words and ``-k``
    (hidden checks among them only with ``hidden``). Topic words alone need no topic imported."""
    words = list(words or [])
    available = available_topics()
    missing = [w for w in words if w in CURRICULUM and w not in available]
    if missing:
        why = "not in this release" if student_release() else "not graded yet"
        raise UsageError(f"{', '.join(missing)}: {why}; graded topics: {', '.join(available)}")
    if keyword is None and all(w in available for w in words):
        return [t for t in available if t in words] if words else available, None
    from .core.selection import select

    try:
        chosen = select([load_topic(t) for t in available], words, keyword)
    except ValueError as err:
        raise UsageError(str(err)) from None
    chosen = [c for c in chosen if hidden or c.visibility == "public"]
    if not chosen:
        raise UsageError(f"-k {keyword!r} chooses no check" + (f" among {' '.join(words)}" if words else ""))
    topics = [t for t in available if any(c.topic == t for c in chosen)]
    return topics, [c.id for c in chosen]


def _no_topics(argv: list[str]) -> None:
    """``--topics`` named topics before; a clear way out, not argparse's guess (it swallowed the folder)."""
    if not any(a == "--topics" or a.startswith("--topics=") for a in argv):
        return
    command = next((a for a in argv if a in COMMANDS), "check")
    at = next(i for i, a in enumerate(argv) if a == "--topics" or a.startswith("--topics="))
    names = [a.split("=", 1)[1] for a in argv[at:at + 1] if "=" in a] or \
        [a for a in argv[at + 1:] if not a.startswith("-") and a in available_topics()]
    where = {"grade": "SUBMISSIONS ", "check": "", "gradescope": "", "list": ""}.get(command, "")
    out = " --out OUT" if command in ("grade", "gradescope") else ""
    raise UsageError(f"--topics is gone: name topics as words, e.g. dlgrade {command} {where}"
                     f"{' '.join(names) or 'conv mlp'}{out}")


def _looks_like_exercises(folder: pathlib.Path) -> bool:
    return any((folder / f"{t}.py").is_file() for t in available_topics())


def implementation(args) -> pathlib.Path:
    """Where the student's modules are: a folder word, a module's path (its topic then is chosen), --impl,
    ./exercises, or this folder when it holds topic modules. Removes path words from ``args.select``."""
    folders, words = [], []
    for word in args.select:
        path = pathlib.Path(word)
        if word.endswith(".py") and path.is_file():
            folders.append(path.parent)
            words.append(path.stem)
        elif ("/" in word or word in (".", "..") or word not in available_topics()) and path.is_dir():
            folders.append(path)
        else:
            words.append(word)
    args.select = words
    if args.impl is not None:
        folders.append(pathlib.Path(args.impl))
    distinct = {f.resolve() for f in folders}
    if len(distinct) > 1:
        raise UsageError(f"more than one implementation folder given: {', '.join(sorted(map(str, distinct)))}")
    if folders:
        folder = folders[0]
        if not folder.is_dir():
            raise UsageError(f"implementation folder {folder} does not exist\n"
                             "(`dlgrade init DIR` writes a workspace of stubs; then: dlgrade check --impl DIR)")
        return folder
    here = pathlib.Path(".")
    if (here / "exercises").is_dir():
        return here / "exercises"
    if _looks_like_exercises(here):
        return here
    raise UsageError("no ./exercises folder here, and this folder holds no topic modules (perceptron.py, conv.py, "
                     "...)\n`dlgrade init exercises` writes the stubs; or say where your code is: "
                     "dlgrade check --impl DIR")


def exit_status(report) -> int:
    if report.failed:
        return EXIT_FAILED
    return EXIT_NOT_IMPLEMENTED if report.not_implemented else EXIT_OK


def report_json(report) -> dict:
    """A check's report for programs: counts, score, every verdict (hidden ones as students see them)."""
    verdicts = []
    for v in report.verdicts:
        data = v.to_dict()
        data.update(message=v.student_message(), output=v.student_output(), check_id=v.check_id)
        if v.visibility == "hidden":
            data["diagnosis"] = None
        verdicts.append(data)
    return {"summary": {"passed": sum(v.passed for v in report.verdicts), "failed": len(report.failed),
                        "not_implemented": len(report.not_implemented), "score": report.score,
                        "max_score": report.max_score, "seconds": round(report.seconds, 3),
                        "exit_status": exit_status(report)},
            "meta": report.meta, "verdicts": verdicts}


def cmd_check(args, console: Console) -> int:
    from .grading.grader import Grader
    from .grading.reports import gradescope, print_table, write_json_atomic

    folder = implementation(args)
    topic_names, only = choose(args.select, args.keyword, hidden=args.hidden)
    try:
        grader = Grader(args.device, hidden=args.hidden, timeout=args.timeout, reference=reference_folders(),
                        only=only)
    except ValueError as err:
        raise UsageError(str(err)) from None

    def grade(names: list[str]):
        report = grader.grade(folder, [load_topic(t) for t in names])
        if args.format == "json":
            print(json.dumps(report_json(report), indent=2, default=str))
        else:
            print_table(report, console, verbose=args.verbose, printed="all" if args.show_output else "failures")
        if args.json:
            write_json_atomic(args.json, gradescope(report))
            console.print(f"results written to {args.json}")
        return report

    if args.watch:
        from .watch import watch

        return watch(folder, topic_names, grade, console=console)
    return exit_status(grade(topic_names))


def cmd_list(args, console: Console) -> int:
    topic_names, only = choose(args.select, args.keyword)
    rows = []
    for topic_name in topic_names:
        topic = load_topic(topic_name)
        for function, info in topic.functions.items():
            checks = [c for c in topic.checks if c.function == function and (only is None or c.id in only)]
            if checks:
                rows.append((topic_name, info, checks))
    if args.format == "json":
        entries = [{"topic": t, "function": info.name, "difficulty": info.difficulty, "summary": info.summary,
                    "checks": [{"name": c.name, "id": c.id, "points": c.points, "visibility": c.visibility}
                               for c in checks]} for t, info, checks in rows]
        planned = planned_topics() if not args.select and not args.keyword else []
        print(json.dumps({"functions": entries, "not_graded_yet": planned}, indent=2))
        return EXIT_OK
    table = Table(title="dlgrade curriculum")
    for column in ("topic", "function", "difficulty", "checks", "points", "hidden checks"):
        table.add_column(column)
    for topic_name, info, checks in rows:
        public = [c for c in checks if c.visibility == "public"]
        hidden = [c for c in checks if c.visibility == "hidden"]
        table.add_row(topic_name, info.name, info.difficulty, ", ".join(c.name for c in public),
                      f"{sum(c.points for c in public):g}", str(len(hidden)))
    if not args.select and not args.keyword:
        for topic_name in planned_topics():
            table.add_row(topic_name, "[dim](not graded yet)[/dim]", "", "", "", "")
    console.print(table)
    return EXIT_OK


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
    if problem:
        raise UsageError(problem)
    topics, only = choose(args.select, args.keyword, hidden=args.hidden)
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
    chosen = f" ({len(only)} check{'s' * (len(only) != 1)})" if only is not None else ""
    console.print(f"grading {submissions} into {out}: topics {', '.join(topics)}{chosen}; {jobs} "
                  f"worker{'s' * (jobs != 1)}{'; hidden checks' if args.hidden else ''}")
    previous = signal.signal(signal.SIGTERM, raise_stopped)  # SIGTERM stops the batch as Ctrl-C does
    try:
        result = grade_batch(submissions, out, topics={t: topic_modules(t) for t in topics},
                             sources=topic_sources(topics), reference=reference_folders(), jobs=jobs,
                             hidden=args.hidden, timeout=args.timeout, memory_mb=args.memory, device=args.device,
                             executor="inprocess" if args.in_process else "sandbox",
                             progress=not args.no_progress and args.format != "json", console=console,
                             layers=layers, checks=only)
    except ValueError as err:
        raise UsageError(str(err)) from None
    except KeyboardInterrupt as stop:
        signum = getattr(stop, "signum", signal.SIGINT)
        console.print(f"[yellow]interrupted ({signal.Signals(signum).name}): rerun the same command to resume "
                      "(graded students are kept)[/yellow]")
        return 128 + signum
    finally:
        signal.signal(signal.SIGTERM, previous)
    if args.format == "json":
        print(json.dumps({"gradebook": result.rows, "summary": result.summary}, indent=2, default=str))
    else:
        print_class_table(result, console, topics)
    return EXIT_OK


def warn_default_seed(console: Console) -> None:
    import os

    if not os.environ.get("DLGRADE_HIDDEN_SEED", "").strip():
        console.print("[yellow]note: DLGRADE_HIDDEN_SEED is not set: hidden checks use the kit's default seed, "
                      "which students can reproduce[/yellow]")


def cmd_gradescope(args, console: Console) -> int:
    from .grading.gradescope import build_autograder_zip

    topics, only = choose(args.select, args.keyword, hidden=not args.no_hidden)
    try:
        path = build_autograder_zip(args.out, topics=topics, kit_files=kit_files(topics),
                                    sources=topic_sources(topics), hidden=not args.no_hidden, timeout=args.timeout,
                                    memory_mb=args.memory, torch_spec=args.torch, checks=only)
    except ValueError as err:
        raise UsageError(str(err)) from None
    if not args.no_hidden:
        warn_default_seed(console)
    console.print(f"autograder written to {path} (topics: {', '.join(topics)}"
                  f"{f'; {len(only)} checks' if only is not None else ''}; "
                  f"{'hidden checks on' if not args.no_hidden else 'public checks only'}). "
                  "Upload it as the assignment's autograder on Gradescope.")
    return EXIT_OK


def cmd_release(args, console: Console) -> int:
    from .grading.release import build_release

    topics, only = choose(args.select, args.keyword, hidden=False)
    if only is not None:
        raise UsageError("a release holds whole topics: name topics, not functions or checks")
    console.print(f"timing the reference on every speed limit of {', '.join(topics)} ...", highlight=False)
    try:
        summary = build_release(args.out, topics, kit_files=kit_files(topics), references=reference_folders(),
                                stub_files=stub_files(), load_topic=load_topic, title=args.title)
    except (FileExistsError, FileNotFoundError, ValueError) as err:
        raise UsageError(str(err)) from None
    console.print(f"release written to {args.out}: {summary['files']} files, {summary['timed_inputs']} timed inputs "
                  f"(calibration {summary['calibration_seconds'] * 1e3:.1f} ms here). Students run: "
                  f"pip install ./{pathlib.Path(args.out).name} && cd {pathlib.Path(args.out).name}/exercises && pytest",
                  highlight=False)
    return EXIT_OK


def cmd_notebooks(args, console: Console) -> int:
    from .grading.notebooks import build_course, build_self_study

    topics, only = choose(args.select, args.keyword, hidden=False)
    if only is not None:
        raise UsageError("notebooks hold whole topics: name topics, not functions or checks")
    if args.assignment is not None and not re.fullmatch(r"[A-Za-z0-9_-]+", args.assignment):
        raise UsageError("--assignment: letters, digits, '_' and '-' only (nbgrader's rule for names)")
    try:
        if args.self_study:
            summary = build_self_study(args.out, topics, stub_files=stub_files(), load_topic=load_topic)
        else:
            summary = build_course(args.out, topics, stub_files=stub_files(), references=reference_folders(),
                                   load_topic=load_topic, course=args.course_id, assignment=args.assignment)
    except (FileExistsError, FileNotFoundError, ValueError) as err:
        raise UsageError(str(err)) from None
    out = pathlib.Path(args.out)
    console.print(f"wrote {len(summary['notebooks'])} notebooks into {out}", highlight=False)
    if args.self_study:
        console.print(f"Open them in Jupyter (jupyter lab {out}): fill in a function, run its cell, then the "
                      "check cell after it.", highlight=False)
    else:
        first = summary["notebooks"][0].split("/")[1]
        console.print(f"Next, in {out}: nbgrader generate_assignment {first}  (the students' copy lands in "
                      f"release/{first}/); collect into submitted/<student>/{first}/, then nbgrader autograde "
                      f"{first}; nbgrader export", highlight=False)
    return EXIT_OK


def cmd_practice(args, console: Console) -> int:
    try:
        return practice_cli.run(args, console)
    except ValueError as err:  # PracticeError, a choice that matches nothing, a bad $DLGRADE_NOW
        raise UsageError(str(err)) from None


def cmd_autograde(args, console: Console) -> int:
    from .grading.gradescope import autograde

    def topics_for(names):
        return [load_topic(t) for t in (names or available_topics())]

    return autograde(args.root, topics_for, reference=reference_folders(), console=console)


def cmd_init(args, console: Console) -> int:
    """A workspace of stubs (and the conftest.py that makes `pytest DIR` grade it)."""
    import shutil

    target = pathlib.Path(args.folder)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    files = stub_files()
    existing = [n for n in files if (target / n).exists()]
    if existing and not args.force:
        raise UsageError(f"{target} already holds {', '.join(existing)}; use --force to overwrite them")
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, source in files.items():
            shutil.copyfile(source, target / name)
    except OSError as err:
        raise UsageError(f"cannot write the stubs into {target}: {err}") from None
    console.print(f"wrote {len(files)} files into {target}: the stubs of every topic and conftest.py.\n"
                  f"Fill in a function, then run: dlgrade check --impl {target}   (or: pytest {target})")
    return EXIT_OK


#: Width of output that is piped or logged: lines as long as they are (a terminal gets its own width).
PIPED_WIDTH = 1000


def make_console(stderr: bool = False) -> Console:
    """A console for stdout (or stderr): a terminal's width there; full lines when piped or logged (COLUMNS
    still wins)."""
    import os

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty() or os.environ.get("COLUMNS"):
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=PIPED_WIDTH)


COMMANDS = {"check": cmd_check, "list": cmd_list, "grade": cmd_grade, "gradescope": cmd_gradescope,
            "release": cmd_release, "notebooks": cmd_notebooks, "practice": cmd_practice, "autograde": cmd_autograde,
            "init": cmd_init}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        _no_topics(argv)
    except UsageError as err:
        make_console(stderr=False).print(f"[red]dlgrade: error: {err}[/red]", highlight=False)
        return EXIT_USAGE
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    # Words after an option (`grade subs --out g conv`) are names too; argparse leaves them over.
    unknown = [r for r in rest if r.startswith("-")]
    if unknown or (rest and not hasattr(args, "select")):
        parser.error(f"unrecognized arguments: {' '.join(unknown or rest)}")
    if rest:
        args.select = list(args.select) + rest
    # JSON goes alone to stdout: everything said to people goes to stderr then.
    console = make_console(stderr=getattr(args, "format", "table") == "json")
    try:
        for folder in getattr(args, "topics_path", []):
            if not pathlib.Path(folder, "topics").is_dir():
                raise UsageError(f"--topics-path {folder}: no topics/ folder of grader modules there")
            add_course_folder(folder)
        return COMMANDS[args.command](args, console)
    except (UsageError, TopicsError) as err:
        console.print(f"[red]dlgrade: error: {err}[/red]", highlight=False)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

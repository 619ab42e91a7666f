"""The `dlgrade` command: check an implementation, list the curriculum."""
from __future__ import annotations

import argparse
import pathlib
import sys

from rich.console import Console
from rich.table import Table

from . import CURRICULUM, available_topics, load_topic

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 too; keep the message short and specific
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"dlgrade: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dlgrade", description="Auto-graded deep-learning exercises, checked against PyTorch.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="grade an implementation folder and print a table")
    check.add_argument("topics", nargs="*", metavar="TOPIC", help="topics to grade (default: all available)")
    check.add_argument("--impl", default="exercises", help="folder holding <topic>.py modules (default: ./exercises)")
    check.add_argument("--json", metavar="FILE", help="also write Gradescope's results.json here")
    check.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="where the torch oracle runs")
    check.add_argument("--hidden", action="store_true", help="also run the hidden checks (instructors)")
    check.add_argument("--timeout", type=float, default=None, metavar="S", help="deadline of each call, seconds (default 10)")
    check.add_argument("-v", "--verbose", action="store_true", help="show the smallest failing input of each failure")

    sub.add_parser("list", help="list topics, functions, checks, points and difficulty")
    return parser


def resolve_topics(names: list[str]) -> list:
    unknown = [n for n in names if n not in available_topics()]
    if unknown:
        planned = [n for n in unknown if n in CURRICULUM]
        hint = f" ({', '.join(planned)}: not graded yet)" if planned else ""
        raise ValueError(f"unknown topic {', '.join(unknown)}{hint}; available: {', '.join(available_topics())}")
    return [load_topic(n) for n in (names or available_topics())]


def cmd_check(args, console: Console) -> int:
    from .engine import Grader
    from .engine.reporters import gradescope, print_table, write_json_atomic

    folder = pathlib.Path(args.impl)
    if not folder.is_dir():
        console.print(f"[red]dlgrade: error: implementation folder {folder} does not exist[/red]")
        return EXIT_USAGE
    try:
        topics = resolve_topics(args.topics)
        grader = Grader(args.device, hidden=args.hidden, timeout=args.timeout)
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


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    return {"check": cmd_check, "list": cmd_list}[args.command](args, console)


if __name__ == "__main__":
    sys.exit(main())

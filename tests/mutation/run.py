"""Mutation testing of the graders: how many buggy copies of the reference does ``dlgrade check`` reject?

Run from the repository root (mutmut 2.x must be installed: ``pip install 'mutmut>=2.5,<3'``)::

    python -m tests.mutation.run [TOPIC ...] [--jobs N] [--out FILE] [--timeout S]

For each graded topic (default: all), mutmut's own operators are applied one at a time to the bodies of the
public functions of ``solutions/<topic>.py`` (``--include-defaults`` adds their signatures' default values,
``--include-private`` the ``_helpers``); a mutant whose source equals the original is skipped. Each mutant
is written, with the unmodified sibling modules it imports (optim.py imports mlp.py), into a temporary folder
and graded as ``dlgrade check <topic> --impl <folder> --device cpu --timeout S``, in-process in long-lived
worker processes (torch is imported once per worker), each mutant under a wall-clock limit (``--mutant-timeout``)
past which its worker is killed and the mutant counted as killed (an endless loop). A mutant is *killed* when
the exit status is non-zero, *survived* when it is zero. The unmutated module is graded first the same way and
must pass, or the topic is reported as broken.

Prints a per-topic table (mutants, killed, survived, killed %) and writes a Markdown report (default
``mutation-report.md``; ``--out x.json`` writes JSON) listing every survivor: topic, function, line and the
mutant's unified diff. Exit status: 0 when it ran, 1 when a topic's unmutated module failed, 2 on usage errors.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import json
import multiprocessing
import multiprocessing.connection
import os
import pathlib
import shutil
import sys
import tempfile
import time
import traceback
from collections import deque
from dataclasses import asdict, dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
#: A worker is replaced after this many mutants (bounds whatever a long grading session accumulates).
TASKS_PER_WORKER = 300


@dataclass
class Mutant:
    topic: str
    key: str  # "<topic>:<n>", n in enumeration order; "<topic>:original" for the unmutated module
    function: str
    line: int  # 1-based, in solutions/<topic>.py
    before: str  # the mutated line, original and mutant (first changed line)
    after: str
    diff: str
    source: str = field(repr=False)
    status: str = "untested"  # killed | survived | timeout (killed) | crashed (killed) | error
    exit_status: int | None = None
    failed_checks: list = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""

    @property
    def killed(self) -> bool:
        return self.status in ("killed", "timeout", "crashed")


# --------------------------------------------------------------------------------------------- mutants


def _mutmut():
    try:
        import mutmut
    except ImportError:
        sys.exit("tests.mutation.run needs mutmut 2.x: pip install 'mutmut>=2.5,<3'")
    if not hasattr(mutmut, "list_mutations"):
        sys.exit(f"tests.mutation.run needs mutmut 2.x (its list_mutations/mutate API); found {mutmut.__version__}")
    return mutmut


def graded_topics() -> list[str]:
    from dlgrade.registry import available_topics

    return available_topics()


def sibling_imports(tree: ast.Module, folder: pathlib.Path) -> set[str]:
    """The modules of ``folder`` this module imports (``from .mlp import f``, ``import mlp``, ``from mlp ...``)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            top = name.partition(".")[0]
            if (folder / f"{top}.py").is_file():
                found.add(top)
    return found


def siblings_of(topic: str, folder: pathlib.Path = SOLUTIONS) -> set[str]:
    """Every module of ``folder`` that ``topic`` needs, transitively."""
    needed, todo = set(), [topic]
    while todo:
        name = todo.pop()
        for sib in sibling_imports(ast.parse((folder / f"{name}.py").read_text()), folder) - needed - {topic}:
            needed.add(sib)
            todo.append(sib)
    return needed


def function_ranges(tree: ast.Module, include_private: bool, include_defaults: bool) -> list[tuple[str, int, int]]:
    """(name, first line, last line) of the top-level functions to mutate: their bodies without the docstring
    (from the def line on with ``include_defaults``)."""
    ranges = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if node.name.startswith("_") and not include_private:
            continue
        body = node.body
        if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        first = node.lineno if include_defaults else body[0].lineno
        ranges.append((node.name, first, node.end_lineno))
    return ranges


def _changed_line(original: list[str], mutated: list[str]) -> tuple[int, str, str]:
    for i, (a, b) in enumerate(zip(original, mutated)):
        if a != b:
            return i + 1, a.strip(), b.strip()
    return len(original), "", ""


def enumerate_mutants(topic: str, include_private: bool = False, include_defaults: bool = False) -> list[Mutant]:
    """Every distinct mutant mutmut's operators make of the selected functions of solutions/<topic>.py."""
    mutmut = _mutmut()
    path = SOLUTIONS / f"{topic}.py"
    source = path.read_text()
    ranges = function_ranges(ast.parse(source), include_private, include_defaults)
    filename = f"solutions/{topic}.py"
    ids = mutmut.list_mutations(mutmut.Context(source=source, filename=filename))
    original_lines = source.splitlines()
    seen, mutants = {source}, []
    for mutation_id in ids:
        line = mutation_id.line_number + 1
        function = next((name for name, first, last in ranges if first <= line <= last), None)
        if function is None:
            continue
        try:
            mutated, count = mutmut.mutate(mutmut.Context(source=source, mutation_id=mutation_id, filename=filename))
        except RuntimeError:  # mutmut's "mutation occurred but the source remains the same"
            continue
        if count == 0 or mutated in seen:
            continue
        seen.add(mutated)
        mutated_lines = mutated.splitlines()
        changed, before, after = _changed_line(original_lines, mutated_lines)
        diff = "".join(difflib.unified_diff([l + "\n" for l in original_lines], [l + "\n" for l in mutated_lines],
                                            fromfile=f"a/{filename}", tofile=f"b/{filename}", n=2))
        mutants.append(Mutant(topic, f"{topic}:{len(mutants) + 1}", function, changed, before, after, diff, mutated))
    return mutants


def original_of(topic: str) -> Mutant:
    source = (SOLUTIONS / f"{topic}.py").read_text()
    return Mutant(topic, f"{topic}:original", "", 0, "", "", "", source)


# --------------------------------------------------------------------------------------------- workers


def _worker_main(conn, argv_tail: list[str]) -> None:
    """A long-lived grader: receives (folder, topic, json path), answers (exit status, failed checks, seconds)."""
    devnull = open(os.devnull, "w")
    sys.stdout = sys.stderr = devnull
    os.chdir(ROOT)
    from dlgrade import cli

    conn.send(("ready", None))
    while True:
        task = conn.recv()
        if task is None:
            return
        folder, topic, json_path = task
        start = time.perf_counter()
        failed, message = [], ""
        try:
            rc = cli.main(["check", topic, "--impl", folder, "--device", "cpu", "--json", json_path, *argv_tail])
        except SystemExit as stop:  # what the real command's exit status would be
            rc = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException as exc:  # noqa: BLE001 - an uncaught exception exits the real command with 1
            rc, message = 1, "".join(traceback.format_exception_only(type(exc), exc)).strip()
        finally:
            sys.stdout = sys.stderr = devnull  # whatever the grading left there
        try:
            tests = json.loads(pathlib.Path(json_path).read_text())["tests"]
            failed = [t["name"] for t in tests if t["status"] != "passed"]
        except (OSError, ValueError, KeyError):
            pass
        conn.send(("done", (rc, failed, time.perf_counter() - start, message)))


class Worker:
    def __init__(self, ctx, argv_tail):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, argv_tail), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.task = None  # (mutant, workdir, started)
        self.done = 0

    def stop(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except OSError:
                kill = True
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


def grade_all(mutants: list[Mutant], jobs: int, argv_tail: list[str], mutant_timeout: float,
              progress=None) -> None:
    """Grade every mutant (its status and exit_status are filled in), ``jobs`` at a time."""
    ctx = multiprocessing.get_context("spawn")
    pending = deque(mutants)
    root = pathlib.Path(tempfile.mkdtemp(prefix="dlgrade-mutation-"))
    workers: list[Worker] = []

    def finish(worker: Worker, status: str, rc=None, failed=(), seconds=None, message=""):
        mutant, workdir, started = worker.task
        mutant.status, mutant.exit_status, mutant.failed_checks = status, rc, list(failed)
        mutant.seconds = time.perf_counter() - started if seconds is None else seconds
        mutant.message = message
        shutil.rmtree(workdir, ignore_errors=True)
        worker.task = None
        worker.done += 1
        if progress:
            progress(mutant)

    failed_starts = [0]

    def replace(worker: Worker, kill: bool) -> None:
        worker.stop(kill=kill)
        if not worker.ready:  # it died before it could grade anything
            failed_starts[0] += 1
            if failed_starts[0] >= 3:
                raise RuntimeError(f"grading workers die while starting (exit status {worker.process.exitcode})")
        workers[workers.index(worker)] = Worker(ctx, argv_tail)

    def died(worker: Worker) -> str:
        worker.process.join(1)
        return f"the worker died (exit code {worker.process.exitcode})"

    try:
        workers.extend(Worker(ctx, argv_tail) for _ in range(min(jobs, len(mutants)) or 1))
        while pending or any(w.task for w in workers):
            for worker in list(workers):
                if worker.ready and worker.task is None and pending:
                    mutant = pending.popleft()
                    workdir = pathlib.Path(tempfile.mkdtemp(prefix=mutant.key.replace(":", "-") + "-", dir=root))
                    impl = workdir / "impl"
                    impl.mkdir()
                    (impl / f"{mutant.topic}.py").write_text(mutant.source)
                    for sibling in siblings_of(mutant.topic):
                        shutil.copyfile(SOLUTIONS / f"{sibling}.py", impl / f"{sibling}.py")
                    worker.task = (mutant, workdir, time.perf_counter())
                    worker.conn.send((str(impl), mutant.topic, str(workdir / "results.json")))
            ready = multiprocessing.connection.wait([w.conn for w in workers], timeout=0.25)
            for worker in list(workers):
                if worker.conn in ready:
                    try:
                        kind, payload = worker.conn.recv()
                    except (EOFError, OSError):  # the worker died: a crash of the real command, non-zero
                        if worker.task:
                            finish(worker, "crashed", message=died(worker))
                        replace(worker, kill=True)
                        continue
                    if kind == "ready":
                        worker.ready = True
                    else:
                        rc, failed, seconds, message = payload
                        finish(worker, "survived" if rc == 0 else "killed", rc, failed, seconds, message)
                        if worker.done >= TASKS_PER_WORKER and pending:
                            replace(worker, kill=False)
                elif worker.task and time.perf_counter() - worker.task[2] > mutant_timeout:
                    finish(worker, "timeout", message=f"still grading after {mutant_timeout:g} s: worker killed")
                    replace(worker, kill=True)
                elif not worker.process.is_alive() and not worker.conn.poll():
                    if worker.task:
                        finish(worker, "crashed", message=died(worker))
                    replace(worker, kill=True)
    finally:
        for worker in workers:
            worker.stop(kill=bool(worker.task))
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------------------------- reports


def summary(topics: list[str], mutants: list[Mutant]) -> list[dict]:
    rows = []
    for topic in topics + ["total"]:
        of = [m for m in mutants if topic in ("total", m.topic)]
        killed = sum(m.killed for m in of)
        rows.append({"topic": topic, "mutants": len(of), "killed": killed, "survived": len(of) - killed,
                     "timeouts": sum(m.status == "timeout" for m in of),
                     "killed_percent": round(100.0 * killed / len(of), 1) if of else None})
    return rows


def table(rows: list[dict]) -> str:
    head = f"{'topic':<12} {'mutants':>7} {'killed':>7} {'survived':>8} {'killed %':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        pct = "-" if r["killed_percent"] is None else f"{r['killed_percent']:.1f}"
        lines.append(f"{r['topic']:<12} {r['mutants']:>7} {r['killed']:>7} {r['survived']:>8} {pct:>9}")
    return "\n".join(lines)


def survivor_record(m: Mutant) -> dict:
    return {"topic": m.topic, "id": m.key, "function": m.function, "line": m.line,
            "mutation": f"{m.before}  ->  {m.after}", "diff": m.diff}


def write_report(path: pathlib.Path, rows, mutants: list[Mutant], meta: dict) -> None:
    survivors = [m for m in mutants if not m.killed]
    if path.suffix.lower() == ".json":
        data = {"meta": meta, "summary": rows, "survivors": [survivor_record(m) for m in survivors],
                "mutants": [{k: v for k, v in asdict(m).items() if k not in ("source", "diff")} for m in mutants]}
        path.write_text(json.dumps(data, indent=2) + "\n")
        return
    out = ["# Mutation testing of the graders", "",
           f"`{meta['command']}`: mutmut {meta['mutmut']} operators over the "
           f"{meta['scope']} of `solutions/<topic>.py`, each mutant graded by `dlgrade check <topic> --impl DIR "
           f"{' '.join(meta['check_args'])}`; {meta['seconds']:.0f} s with {meta['jobs']} workers.", "",
           "| topic | mutants | killed | survived | killed % |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        pct = "-" if r["killed_percent"] is None else f"{r['killed_percent']:.1f}"
        out.append(f"| {r['topic']} | {r['mutants']} | {r['killed']} | {r['survived']} | {pct} |")
    out += ["", f"## Survivors ({len(survivors)})", ""]
    for m in survivors:
        out += [f"### {m.key} `{m.function}` line {m.line}", "", f"`{m.before}` -> `{m.after}`", "",
                "```diff", m.diff.rstrip("\n"), "```", ""]
    timeouts = [m for m in mutants if m.status in ("timeout", "crashed")]
    if timeouts:
        out += [f"## Killed by a timeout or a crash ({len(timeouts)})", ""]
        out += [f"- {m.key} `{m.function}` line {m.line}: `{m.before}` -> `{m.after}` ({m.message})" for m in timeouts]
        out.append("")
    path.write_text("\n".join(out))


# --------------------------------------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("topics", nargs="*", metavar="TOPIC", help="graded topics (default: all)")
    parser.add_argument("--jobs", type=int, default=2, metavar="N", help="worker processes (default 2)")
    parser.add_argument("--out", default="mutation-report.md", metavar="FILE",
                        help="report of the survivors: Markdown, or JSON when FILE ends in .json "
                             "(default mutation-report.md)")
    parser.add_argument("--timeout", type=float, default=2.0, metavar="S",
                        help="dlgrade check --timeout: the deadline of each call (default 2)")
    parser.add_argument("--mutant-timeout", type=float, default=120.0, metavar="S",
                        help="wall-clock limit on grading one mutant; past it the mutant counts as killed (default 120)")
    parser.add_argument("--hidden", action="store_true", help="grade with the hidden checks too (dlgrade check --hidden)")
    parser.add_argument("--include-defaults", action="store_true",
                        help="also mutate the public functions' signatures (default argument values)")
    parser.add_argument("--include-private", action="store_true", help="also mutate the _private helper functions")
    parser.add_argument("--list", action="store_true", help="only list the mutants, grade nothing")
    args = parser.parse_args(argv)
    mutmut = _mutmut()

    available = graded_topics()
    unknown = [t for t in args.topics if t not in available]
    if unknown or args.jobs < 1:
        parser.error(f"unknown topic {', '.join(unknown)}; graded: {', '.join(available)}" if unknown
                     else "--jobs must be at least 1")
    topics = args.topics or available
    mutants = [m for t in topics for m in enumerate_mutants(t, args.include_private, args.include_defaults)]
    if args.list:
        for m in mutants:
            print(f"{m.key:<16} {m.function:<26} line {m.line:<4} {m.before}  ->  {m.after}")
        print(f"{len(mutants)} mutants")
        return 0

    check_args = ["--timeout", f"{args.timeout:g}"] + (["--hidden"] if args.hidden else [])
    start = time.perf_counter()
    originals = [original_of(t) for t in topics]
    print(f"grading the unmutated modules of {', '.join(topics)} ...", flush=True)
    grade_all(originals, args.jobs, check_args, args.mutant_timeout)
    broken = [m for m in originals if m.status != "survived"]
    for m in broken:
        print(f"error: solutions/{m.topic}.py itself fails `dlgrade check {m.topic} {' '.join(check_args)}` "
              f"(exit status {m.exit_status}; failed: {', '.join(m.failed_checks) or m.message}); "
              "its mutants are not graded", file=sys.stderr)
    mutants = [m for m in mutants if m.topic not in {b.topic for b in broken}]
    topics = [t for t in topics if t not in {b.topic for b in broken}]

    total, done = len(mutants), [0]

    def progress(mutant: Mutant) -> None:
        done[0] += 1
        if not mutant.killed or done[0] % 25 == 0 or done[0] == total:
            note = "" if mutant.killed else f"  SURVIVED {mutant.key} {mutant.function} line {mutant.line}: " \
                                            f"{mutant.before}  ->  {mutant.after}"
            print(f"[{done[0]}/{total}] {time.perf_counter() - start:.0f} s{note}", flush=True)

    print(f"grading {total} mutants with {args.jobs} workers ...", flush=True)
    grade_all(mutants, args.jobs, check_args, args.mutant_timeout, progress)
    seconds = time.perf_counter() - start

    rows = summary(topics, mutants)
    print()
    print(table(rows))
    print(f"\n{seconds:.0f} s wall time, {sum(m.seconds for m in mutants) / max(total, 1):.2f} s per mutant in a worker")
    scope = "function bodies" + (" and signatures" if args.include_defaults else "")
    scope = ("public and private " if args.include_private else "public ") + scope
    meta = {"command": " ".join(["python -m tests.mutation.run", *(argv if argv is not None else sys.argv[1:])]),
            "mutmut": getattr(mutmut, "__version__", "?"), "scope": scope, "check_args": ["--device", "cpu", *check_args],
            "jobs": args.jobs, "seconds": round(seconds, 1)}
    out = pathlib.Path(args.out)
    write_report(out, rows, mutants, meta)
    print(f"survivors written to {out}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

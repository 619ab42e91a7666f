"""Batch grading: a folder of submissions in, a gradebook and per-student feedback out.

``grade_batch(SUBMISSIONS, OUT)`` grades every entry of SUBMISSIONS (one per
student: a folder shaped like exercises/ or a .zip of one) in N worker
processes. Workers are trusted: each imports the graders once and keeps one
:class:`Grader` (one oracle, with its expected outputs cached, and the
generated inputs recorded once) for every submission it grades; the
untrusted code runs in the executor's sandboxed child, never in a worker.

OUT receives, for each student, ``OUT/<student>/results.json`` (Gradescope's
schema) and ``OUT/<student>/feedback.md``: student-facing, built from
``Verdict.student_message`` only, so safe to hand to that student. The
instructor's view is ``gradebook.csv``, ``summary.json`` and
``OUT/.dlgrade/records/<student>.json`` (every verdict in full, hidden
checks' messages included): it never goes to a student.

Resumable: a record is written last, atomically, and names the submission's
content hash and the grading fingerprint (kit version and source hash, topics,
options, torch version). A rerun skips a student whose record matches, and
rebuilds the gradebook and summary from the records.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import datetime
import fcntl
import hashlib
import json
import multiprocessing
import os
import pathlib
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures.process import BrokenProcessPool

from .. import __version__
from ..core.verdicts import Report, Verdict
from .gradebook import print_class_table, summarize, write_gradebook
from .grader import Grader, hidden_seed, load_topic_modules, selected_checks
from .intake import STATE_DIR, UNPACKED_PREFIX, Submission, materialize, scan
from .figures import figure_file_name, save_png
from .reports import feedback_markdown, gradescope, write_json_atomic, write_text_atomic

RECORD_FORMAT = 1


# -- the grading fingerprint -------------------------------------------------------------

def kit_fingerprint(sources) -> str:
    """The kit's version and a hash of the source files a verdict depends on (the grading package, the topics'
    checks, their reference solutions: see registry.topic_sources). A changed grader regrades."""
    h = hashlib.sha256()
    for path in sorted(pathlib.Path(p) for p in sources):
        if path.is_file():
            h.update(path.name.encode() + b"\0")
            h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:16]}"


def grading_fingerprint(settings: dict) -> str:
    """Everything a verdict depends on besides the submission: kit, options, torch, the hidden seed (hashed)."""
    from importlib import metadata

    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = "?"
    data = {"kit": kit_fingerprint(settings["sources"]), "torch": torch_version, "format": RECORD_FORMAT,
            "hidden_seed": hashlib.sha256(str(hidden_seed()).encode()).hexdigest()[:16] if settings["hidden"] else None,
            **{k: settings[k] for k in ("topics", "hidden", "timeout", "memory_mb", "device", "executor")},
            "checks": sorted(settings["checks"]) if settings.get("checks") is not None else None}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]


def load_topics(settings: dict) -> list:
    """The topics to grade, imported by module name (the caller resolved names to modules)."""
    return [load_topic_modules(modules) for modules in settings["topic_modules"].values()]


def make_grader(settings: dict) -> Grader:
    return Grader(settings["device"], hidden=settings["hidden"], timeout=settings["timeout"], cache_oracle=True,
                  reference=settings["reference"], only=settings.get("checks"))


# -- workers -------------------------------------------------------------------------------

_WORKER: dict = {}


BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def _one_blas_thread():
    """Workers start with one BLAS thread each (unless the instructor set otherwise): there is one worker
    per core already, and more threads would only spin against each other."""
    added = [name for name in BLAS_THREADS if name not in os.environ]
    os.environ.update({name: "1" for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


class Stopped(KeyboardInterrupt):
    """The batch was told to stop (SIGTERM): handled as Ctrl-C is (what is graded stays, a rerun resumes)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def raise_stopped(signum, frame):
    raise Stopped(signum)


def _init_worker(settings: dict, parent: int) -> None:
    # Ctrl-C reaches the whole process group: the batch process decides and stops the workers (SIGTERM), and a
    # stopped worker unwinds, so its sandbox child and temporary folders go with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_stopped)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        if settings["executor"] == "sandbox":
            from ..execution import sandbox

            sandbox.prestart()  # the fork server imports numpy while the topics load here
        _WORKER.update(grader=make_grader(settings), topics=load_topics(settings), settings=settings, executor=None)
    except Exception as err:  # noqa: BLE001 - reported per submission instead of breaking the pool
        _WORKER["failed"] = f"the grading worker could not start: {type(err).__name__}: {err}"


def _worker_stopped(signum, frame):
    """SIGTERM in a worker: close the submission being graded (its sandbox child and folder, the temp folder
    of an unpacked zip), then end at once. (Raising here instead could land anywhere, a gc callback say.)"""
    _close_and_sweep()
    os._exit(128 + signum)


def _watch_parent(parent: int) -> None:
    """A worker whose batch process was killed ends too, with its sandboxed child."""
    while os.getppid() == parent:
        time.sleep(0.5)
    _close_and_sweep()
    os._exit(1)


def _close_and_sweep() -> None:
    """Close the submission being graded (its sandbox child and folder), then remove every temp folder of
    this process's: the main thread may have made another one meanwhile (from the watcher's thread)."""
    with contextlib.suppress(BaseException):
        if _WORKER.get("executor") is not None:
            _WORKER["executor"].close()
    with contextlib.suppress(BaseException):
        _remove_temporaries_of(os.getpid())


def stop_pool(pool, grace: float = 10.0) -> None:
    """Stop the workers and wait for them: each gets SIGTERM and unwinds (closing its sandbox), one that is
    still alive after ``grace`` seconds is killed; then the pool's own resources are released."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # (no public list of them)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
    pool.shutdown(wait=True)
    for process in processes:  # what a worker killed mid-way could not remove itself
        _remove_temporaries_of(process.pid)


def _remove_temporaries_of(pid: int) -> None:
    from ..execution.sandbox import remove_workdirs_of

    remove_workdirs_of(pid)
    for folder in pathlib.Path(tempfile.gettempdir()).glob(f"{UNPACKED_PREFIX}{pid}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def _executor_factory(settings: dict):
    if settings["executor"] == "sandbox":
        from ..execution.sandbox import SandboxExecutor

        def make(folder):
            return SandboxExecutor(folder, memory_mb=settings["memory_mb"])
    else:
        from ..execution.inprocess import InProcessExecutor

        make = InProcessExecutor

    def tracked(folder):
        executor = make(folder)
        _WORKER["executor"] = executor
        return executor

    return tracked


def _grade_in_worker(submission: Submission) -> dict:
    if "failed" in _WORKER:
        raise RuntimeError(_WORKER["failed"])
    grader, settings = _WORKER["grader"], _WORKER["settings"]
    start = time.perf_counter()
    hits, misses = grader.oracle.hits, grader.oracle.misses
    try:
        with materialize(submission) as folder:
            report = grader.grade(folder, _WORKER["topics"], _executor_factory(settings))
            # Messages name the student's entry, not a temp dir or the instructor's path: same result every run.
            paths = sorted({str(folder), str(pathlib.Path(folder).resolve())}, key=len, reverse=True)
            report.verdicts = [without_paths(v, paths, submission.entry) for v in report.verdicts]
    finally:
        _WORKER["executor"] = None
    report.meta["implementation"] = submission.student
    report.meta["executor"] = settings["executor"]
    if settings.get("layers"):
        report.meta["sandbox_layers"] = settings["layers"]
    return {"report": report.to_dict(), "wall_seconds": time.perf_counter() - start, "worker": os.getpid(),
            "oracle_cache": {"hits": grader.oracle.hits - hits, "misses": grader.oracle.misses - misses}}


def without_paths(verdict: Verdict, paths: list[str], name: str) -> Verdict:
    """The verdict with every one of ``paths`` (a temp folder's) in its message and output said as ``name``."""
    message, output = verdict.message, verdict.output
    for path in paths:
        message, output = message.replace(path, name), output.replace(path, name)
    if (message, output) == (verdict.message, verdict.output):
        return verdict
    return dataclasses.replace(verdict, message=message, output=output)


# -- outputs -------------------------------------------------------------------------------

@dataclasses.dataclass
class BatchResult:
    out: pathlib.Path
    rows: list[dict]
    summary: dict
    graded: list[str]  # graded in this run
    skipped: list[str]  # already graded with the same content and fingerprint
    errors: list[str]


class Batch:
    """One run of the batch grader over SUBMISSIONS into OUT."""

    def __init__(self, submissions_dir, out_dir, settings: dict, console=None, progress=True):
        from rich.console import Console

        self.submissions_dir, self.out = pathlib.Path(submissions_dir), pathlib.Path(out_dir)
        self.records = self.out / STATE_DIR / "records"
        self.settings = settings
        self.console = console or Console()
        self.progress = progress
        self.fingerprint = grading_fingerprint(settings)

    # -- records ------------------------------------------------------------------------
    def record_path(self, student: str) -> pathlib.Path:
        return self.records / f"{student}.json"

    def load_record(self, student: str) -> dict | None:
        try:
            record = json.loads(self.record_path(student).read_text())
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def is_current(self, submission: Submission, record: dict | None) -> bool:
        return bool(record) and record.get("status") == "ok" and record.get("content_hash") == submission.content_hash \
            and record.get("fingerprint") == self.fingerprint and record.get("format") == RECORD_FORMAT

    def save(self, submission: Submission, status: str, result: dict | None = None) -> dict:
        """Student files first, the record last: a record on disk means the student files are complete."""
        record = {"format": RECORD_FORMAT, "student": submission.student, "entry": submission.entry,
                  "kind": submission.kind, "content_hash": submission.content_hash, "fingerprint": self.fingerprint,
                  "status": status, "graded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  **(result or {})}
        self.write_student_files(record)
        write_json_atomic(self.record_path(submission.student), record)
        return record

    def write_student_files(self, record: dict) -> None:
        if record["kind"] == "invalid":
            return  # a stray file or a duplicate: not a student, a gradebook row only
        folder = self.out / record["student"]
        for stale in folder.glob("figure-*.png"):  # an earlier grading's pictures: this one draws its own
            stale.unlink()
        if record.get("report"):
            report = Report.from_dict(record["report"])
            results = gradescope(report)
            pictures = {v.check_id: figure_file_name(v) for v in report.verdicts
                        if v.figure and save_png(v.figure, folder / figure_file_name(v))}
            feedback = feedback_markdown(report, record["student"], pictures)
        else:
            message = record["status"].removeprefix("error: ")
            results = {"score": 0.0, "max_score": self.max_score, "execution_time": 0.0,
                       "output": f"Your submission could not be graded: {message}", "visibility": "visible",
                       "stdout_visibility": "hidden", "tests": []}
            feedback = (f"# Feedback: {record['student']}\n\n**Score: 0/{self.max_score:g}**: your submission "
                        f"could not be graded: {message}\n")
        write_json_atomic(folder / "results.json", results)
        write_text_atomic(folder / "feedback.md", feedback)

    # -- the run ------------------------------------------------------------------------
    def run(self) -> BatchResult:
        start = time.perf_counter()
        self.out.mkdir(parents=True, exist_ok=True)
        self.records.mkdir(parents=True, exist_ok=True)
        with open(self.out / STATE_DIR / "lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise ValueError(f"another `dlgrade grade` is writing to {self.out}") from None
            return self._run(start)

    def _run(self, start: float) -> BatchResult:
        # Temp files of writes that a kill interrupted (the renamed files themselves are always complete).
        for stale in [*self.out.glob(".tmp-*"), *self.out.glob("*/.tmp-*"), *self.records.glob(".tmp-*")]:
            with contextlib.suppress(OSError):
                stale.unlink()
        submissions = scan(self.submissions_dir)
        todo, skipped, invalid = [], [], []
        for submission in submissions:
            if submission.error:
                invalid.append(submission)
            elif self.is_current(submission, self.load_record(submission.student)):
                skipped.append(submission)
            else:
                todo.append(submission)
        jobs = min(max(1, self.settings["jobs"]), len(todo))
        # One sandboxed submission at a time needs no worker: this (trusted) process grades it, and is
        # spared a second interpreter importing torch. In-process grading always runs in workers.
        inline = self.settings["executor"] == "sandbox" and jobs == 1
        pool = self._start_pool(todo, jobs) if todo and not inline else None
        try:
            self.load_topics()  # while the workers start
            for submission in invalid:
                self.save(submission, f"error: {submission.error}")
            for submission in skipped:
                folder = self.out / submission.student
                if not (folder / "results.json").is_file() or not (folder / "feedback.md").is_file():
                    self.write_student_files(self.load_record(submission.student))
            if skipped:
                names = [s.student for s in skipped]
                shown = ", ".join(names) if len(names) <= 20 else f"{', '.join(names[:20])}, ..."
                self.console.print(f"skipped {len(names)} already graded (same content and kit version): {shown}")
            if invalid:
                self.console.print(f"[yellow]{len(invalid)} entries cannot be graded: "
                                   f"{', '.join(s.student for s in invalid)}[/yellow]")
            graded, failed = self.grade_all(todo, pool, inline) if todo else ([], [])
        finally:
            if pool is not None:
                stop_pool(pool[0])
        seconds = time.perf_counter() - start
        rows, summary = self.rebuild(submissions, seconds, graded, [s.student for s in skipped])
        return BatchResult(self.out, rows, summary, graded, [s.student for s in skipped],
                           [s.student for s in invalid] + failed)

    def load_topics(self) -> None:
        self.topics = load_topics(self.settings)
        selected = [selected_checks(t, self.settings["hidden"], self.settings.get("checks")) for t in self.topics]
        self.checks = {c.id: c for group in selected for c in group}
        self.topic_max = {t.name: sum(c.points for c in group) for t, group in zip(self.topics, selected)}
        self.max_score = sum(self.topic_max.values())

    def grade_all(self, todo: list[Submission], pool, inline: bool) -> tuple[list[str], list[str]]:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
            TimeRemainingColumn

        graded, failed = [], []
        columns = (TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(), TextColumn("elapsed"),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
        with Progress(*columns, console=self.console, disable=not self.progress, transient=False) as bar:
            task = bar.add_task("grading", total=len(todo))

            def finished(submission, result=None, error=None):
                if error is None:
                    report = result["report"]
                    score = sum(v["score"] for v in report["verdicts"])
                    self.save(submission, "ok", result)
                    graded.append(submission.student)
                    self.console.print(f"graded {submission.student}: {score:g}/{self.max_score:g} "
                                       f"in {result['wall_seconds']:.1f} s")
                else:
                    self.save(submission, f"error: {error}")
                    failed.append(submission.student)
                    self.console.print(f"[red]{submission.student}: {error}[/red]")
                bar.advance(task)

            if inline:
                self._grade_inline(todo, finished)
                return graded, failed
            crashed = self._collect(*pool, finished)
            # A submission that brought a worker down (possible in-process) is retried alone, to find the culprit.
            for submission in crashed:
                if self._collect(*self._start_pool([submission], 1), finished):
                    finished(submission, error="grading it crashed the worker process (os._exit, a segfault "
                                               "or running out of memory in-process?)")
        return graded, failed

    def _grade_inline(self, todo: list[Submission], finished) -> None:
        settings = self.settings
        if _WORKER.get("settings") != settings or "grader" not in _WORKER:
            _WORKER.update(grader=make_grader(settings), settings=settings, executor=None)
        _WORKER["topics"] = self.topics
        try:
            for submission in todo:
                try:
                    result = _grade_in_worker(submission)
                except Exception as err:  # noqa: BLE001 - one submission's trouble never ends the batch
                    finished(submission, error=f"internal grading error: {type(err).__name__}: {err}")
                    continue
                finished(submission, result)
        except BaseException:
            # Stopped (Ctrl-C, SIGTERM) at any point, even while a sandbox folder was being made and not yet
            # known to its executor: this process's temp folders go, as a stopped worker's do.
            _close_and_sweep()
            raise

    def _start_pool(self, submissions: list[Submission], jobs: int):
        with _one_blas_thread():
            pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=max(1, min(jobs, len(submissions))), mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker, initargs=(self.settings, os.getpid()))
            return pool, {pool.submit(_grade_in_worker, s): s for s in submissions}

    def _collect(self, pool, futures, finished) -> list[Submission]:
        """Report each finished submission; return those whose worker died under them."""
        crashed = []
        try:
            for future in concurrent.futures.as_completed(futures):
                submission = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    crashed.append(submission)
                    continue
                except Exception as err:  # noqa: BLE001 - one submission's trouble never ends the batch
                    finished(submission, error=f"internal grading error: {type(err).__name__}: {err}")
                    continue
                finished(submission, result)
        except BaseException:
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        return crashed

    # -- gradebook and summary -------------------------------------------------------------
    def rebuild(self, submissions: list[Submission], seconds: float, graded: list[str], skipped: list[str]):
        topic_names = self.settings["topics"]
        rows, reports, meta = [], {}, {}
        for submission in submissions:
            record = self.load_record(submission.student) or {"status": "error: no record (grading interrupted?)"}
            row = {"student": submission.student, "total": 0.0, "max": self.max_score,
                   **{t: 0.0 for t in topic_names}, "status": record.get("status", "error")}
            if record.get("report") and record.get("status") == "ok":
                report = Report.from_dict(record["report"])
                reports[submission.student] = (report, record)
                meta = meta or report.meta
                row["total"] = report.score
                for v in report.verdicts:
                    row[v.topic] = row.get(v.topic, 0.0) + v.score
            rows.append(row)
        write_gradebook(self.out, rows, topic_names)
        summary = summarize(rows, reports, meta, seconds, graded, skipped, settings=self.settings, checks=self.checks,
                            topic_max=self.topic_max, max_score=self.max_score,
                            kit=kit_fingerprint(self.settings["sources"]), fingerprint=self.fingerprint)
        write_json_atomic(self.out / "summary.json", summary)
        return rows, summary

def grade_batch(submissions_dir, out_dir, *, topics: dict, sources=(), reference=None, jobs=None, hidden=False,
                timeout=None, memory_mb=1024, device="auto", executor="sandbox", progress=True, console=None,
                layers=None, checks=None) -> BatchResult:
    """Grade every submission in ``submissions_dir`` into ``out_dir`` (see the module docstring).

    ``topics``: topic name -> the modules declaring its checks (an import name or a file's path, or a list of
    them: its own, then extensions; workers import them); ``sources``: the files a verdict depends on (the
    fingerprint hashes them); ``reference``: the folder of the reference solutions speed limits are timed
    against, or {topic: folder}. ``checks``: the ids of the checks to run (all, for None). ``layers``: the
    sandbox's protection layers, when the caller has probed them already.
    """
    if executor not in ("sandbox", "inprocess"):
        raise ValueError(f"unknown executor {executor!r}: use 'sandbox' or 'inprocess'")
    missing = {}
    if executor == "sandbox":
        from ..execution import sandbox

        layers = sandbox.sandbox_layers() if layers is None else layers
        missing = sandbox.missing_layers()
    settings = {"topics": list(topics), "topic_modules": dict(topics), "sources": [str(p) for p in sources],
                "reference": ({t: str(f) if f else None for t, f in reference.items()} if isinstance(reference, dict)
                              else str(reference) if reference else None), "jobs": jobs or os.cpu_count() or 1,
                "checks": sorted(checks) if checks is not None else None,
                "hidden": bool(hidden), "timeout": timeout, "memory_mb": memory_mb, "device": device,
                "executor": executor, "layers": list(layers or []) if executor == "sandbox" else [],
                "missing_layers": missing}
    return Batch(submissions_dir, out_dir, settings, console=console, progress=progress).run()


__all__ = ["BatchResult", "grade_batch", "kit_fingerprint", "print_class_table"]

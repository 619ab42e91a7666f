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
import csv
import dataclasses
import datetime
import fcntl
import hashlib
import io
import json
import multiprocessing
import os
import pathlib
import re
import statistics
import stat
import tempfile
import threading
import time
import zipfile
from collections import Counter
from concurrent.futures.process import BrokenProcessPool

from .reporters import feedback_markdown, gradescope, write_json_atomic, write_text_atomic
from .results import Outcome, Report, Verdict

#: Limits on what a submission may hold (a zip is checked against them before anything is extracted).
MAX_SUBMISSION_BYTES = 50 * 2**20
MAX_SUBMISSION_FILES = 1000
#: How deep a single top-level folder may wrap the modules (alice.zip holding alice/exercises/*.py).
MAX_WRAPPING = 3
STATE_DIR = ".dlgrade"
RESERVED = {"gradebook.csv", "summary.json", STATE_DIR}
#: Entries that are not submissions: dotfiles, macOS zip debris.
IGNORED = re.compile(r"^(\.|__MACOSX$)")
RECORD_FORMAT = 1


class SubmissionError(Exception):
    """An entry that cannot be graded: the message goes into its gradebook row."""


# -- finding submissions ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Submission:
    student: str
    entry: str  # the name in SUBMISSIONS
    kind: str  # "folder", "zip" or "invalid"
    path: str
    content_hash: str = ""
    error: str | None = None


def _is_module_name(name: str) -> bool:
    return name.endswith(".py") and not name.startswith(".") and "/" not in name and "\\" not in name and "\0" not in name


def _folder_root(folder: pathlib.Path) -> pathlib.Path:
    """The folder holding the modules: ``folder`` itself or the one folder it wraps them in."""
    root = folder
    for _ in range(MAX_WRAPPING + 1):
        entries = [e for e in root.iterdir() if not IGNORED.match(e.name)]
        if any(e.is_file() and _is_module_name(e.name) for e in entries):
            return root
        folders = [e for e in entries if e.is_dir() and not e.is_symlink()]
        if len(folders) != 1:  # a README beside the one folder is fine
            break
        root = folders[0]
    raise SubmissionError("no Python modules found (expected <topic>.py files, e.g. activations.py)")


def _folder_modules(folder: pathlib.Path) -> dict[str, bytes]:
    """The top-level modules of a submission folder (what an executor reads), bounded in size."""
    root = _folder_root(folder)
    modules, total = {}, 0
    for entry in sorted(root.iterdir()):
        if not _is_module_name(entry.name) or entry.is_symlink() or not entry.is_file():
            continue
        total += entry.stat().st_size
        if total > MAX_SUBMISSION_BYTES or len(modules) >= MAX_SUBMISSION_FILES:
            raise SubmissionError(f"too large: over {MAX_SUBMISSION_BYTES // 2**20} MB or "
                                  f"{MAX_SUBMISSION_FILES} modules")
        modules[entry.name] = entry.read_bytes()
    return modules


def _zip_modules(path: pathlib.Path) -> dict[str, bytes]:
    """Validate a zip as a whole (no absolute paths, no '..', no links, no bombs), then read its modules."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise SubmissionError(f"cannot read the zip file: {err}") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_SUBMISSION_FILES:
            raise SubmissionError(f"the zip holds {len(members)} entries, over the limit of {MAX_SUBMISSION_FILES}")
        total, files = 0, {}
        for info in members:
            name = info.filename
            parts = re.split(r"[/\\]", name)
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\0" in name:
                raise SubmissionError(f"the zip holds an unsafe path: {name!r}")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise SubmissionError(f"the zip holds a symbolic link: {name!r}")
            if info.flag_bits & 0x1:
                raise SubmissionError(f"the zip holds an encrypted file: {name!r}")
            total += info.file_size
            if total > MAX_SUBMISSION_BYTES:
                raise SubmissionError(f"the zip unpacks to more than {MAX_SUBMISSION_BYTES // 2**20} MB")
            if not info.is_dir():
                files["/".join(p for p in parts if p)] = info
        visible = {n: i for n, i in files.items() if not any(IGNORED.match(p) for p in n.split("/"))}
        prefix = ""
        for _ in range(MAX_WRAPPING + 1):
            here = {n[len(prefix):] for n in visible if n.startswith(prefix)}
            if any("/" not in n and _is_module_name(n) for n in here):
                break
            tops = {n.split("/")[0] for n in here if "/" in n}  # a README beside the one folder is fine
            if len(tops) != 1:
                raise SubmissionError("no Python modules found in the zip (expected <topic>.py files, "
                                      "at its top level or in one folder)")
            prefix += tops.pop() + "/"
        else:
            raise SubmissionError("no Python modules found in the zip")
        modules = {}
        for name, info in sorted(visible.items()):
            rest = name[len(prefix):]
            if not name.startswith(prefix) or "/" in rest or not _is_module_name(rest):
                continue
            try:
                with archive.open(info) as handle:
                    data = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as err:
                raise SubmissionError(f"cannot read {name!r} from the zip: {err}") from None
            if len(data) > info.file_size:
                raise SubmissionError(f"{name!r} is larger than the zip declares")
            modules[rest] = data
        return modules


def _content_hash(modules: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(modules):
        h.update(name.encode() + b"\0" + str(len(modules[name])).encode() + b"\0")
        h.update(modules[name])
    return "sha256:" + h.hexdigest()


def scan(submissions_dir) -> list[Submission]:
    """One Submission per entry of SUBMISSIONS, in name order; entries that cannot be graded carry an error."""
    found, seen = [], {}
    for entry in sorted(pathlib.Path(submissions_dir).iterdir(), key=lambda p: p.name):
        name = entry.name
        if IGNORED.match(name):
            continue
        if entry.is_dir():
            kind, student = "folder", name
        elif entry.is_file() and name.lower().endswith(".zip"):
            kind, student = "zip", name[:-4]
        else:
            found.append(Submission(name, name, "invalid", str(entry), error=(
                "not a submission: expected a folder of <topic>.py modules or a .zip of one")))
            continue
        if student in seen or student in RESERVED or not student or IGNORED.match(student):
            reason = f"same student id as {seen[student]}" if student in seen else "a name reserved for the output"
            found.append(Submission(name, name, "invalid", str(entry), error=f"not graded: {reason}"))
            continue
        seen[student] = name
        try:
            modules = _folder_modules(entry) if kind == "folder" else _zip_modules(entry)
            found.append(Submission(student, name, kind, str(entry), _content_hash(modules)))
        except (SubmissionError, OSError) as err:
            found.append(Submission(student, name, kind, str(entry), error=str(err)))
    return found


@contextlib.contextmanager
def materialize(submission: Submission):
    """A folder holding the submission's modules: the folder itself, or a zip's modules in a temp dir."""
    if submission.kind == "folder":
        yield _folder_root(pathlib.Path(submission.path))
        return
    modules = _zip_modules(pathlib.Path(submission.path))
    with tempfile.TemporaryDirectory(prefix="dlgrade-zip-") as tmp:
        folder = pathlib.Path(tmp, "submission")
        folder.mkdir()
        for name, data in modules.items():
            with open(folder / name, "xb") as handle:
                handle.write(data)
        yield folder


# -- the grading fingerprint -------------------------------------------------------------

def kit_fingerprint(topics=None) -> str:
    """graders.__version__ and a hash of the sources a verdict depends on: the engine, the topics' graders and
    their reference solutions (performance limits time against them). A changed grader regrades."""
    from .. import __version__, available_topics

    kit = pathlib.Path(__file__).resolve().parents[2]
    files = [kit / "graders" / "__init__.py", *sorted((kit / "graders" / "engine").glob("*.py"))]
    for topic in topics or available_topics():
        files += [kit / "graders" / f"{topic}.py", kit / "solutions" / f"{topic}.py"]
    h = hashlib.sha256()
    for path in files:
        if path.is_file():
            h.update(str(path.relative_to(kit)).encode() + b"\0")
            h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:16]}"


def grading_fingerprint(settings: dict) -> str:
    """Everything a verdict depends on besides the submission: kit, options, torch, the hidden seed (hashed)."""
    from importlib import metadata

    from .runner import hidden_seed

    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = "?"
    data = {"kit": kit_fingerprint(settings["topics"]), "torch": torch_version, "format": RECORD_FORMAT,
            "hidden_seed": hashlib.sha256(str(hidden_seed()).encode()).hexdigest()[:16] if settings["hidden"] else None,
            **{k: settings[k] for k in ("topics", "hidden", "timeout", "memory_mb", "device", "executor")}}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]


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


def _init_worker(settings: dict, parent: int) -> None:
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        from .. import load_topic
        from .runner import Grader

        grader = Grader(settings["device"], hidden=settings["hidden"], timeout=settings["timeout"], cache_oracle=True)
        _WORKER.update(grader=grader, topics=[load_topic(t) for t in settings["topics"]], settings=settings,
                       executor=None)
    except Exception as err:  # noqa: BLE001 - reported per submission instead of breaking the pool
        _WORKER["failed"] = f"the grading worker could not start: {type(err).__name__}: {err}"


def _watch_parent(parent: int) -> None:
    """A worker whose batch process was killed ends too, with its sandboxed child."""
    while os.getppid() == parent:
        time.sleep(0.5)
    with contextlib.suppress(BaseException):
        if _WORKER.get("executor") is not None:
            _WORKER["executor"].close()
    os._exit(1)


def _executor_factory(settings: dict):
    if settings["executor"] == "sandbox":
        from .sandbox import SandboxExecutor

        def make(folder):
            return SandboxExecutor(folder, memory_mb=settings["memory_mb"])
    else:
        from .executor import InProcessExecutor

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
            report.verdicts = [_without_paths(v, paths, submission.entry) for v in report.verdicts]
    finally:
        _WORKER["executor"] = None
    report.meta["implementation"] = submission.student
    report.meta["executor"] = settings["executor"]
    if settings.get("layers"):
        report.meta["sandbox_layers"] = settings["layers"]
    return {"report": _report_to_dict(report), "wall_seconds": time.perf_counter() - start, "worker": os.getpid(),
            "oracle_cache": {"hits": grader.oracle.hits - hits, "misses": grader.oracle.misses - misses}}


def _without_paths(verdict: Verdict, paths: list[str], name: str) -> Verdict:
    message = verdict.message
    for path in paths:
        message = message.replace(path, name)
    return verdict if message == verdict.message else dataclasses.replace(verdict, message=message)


def _report_to_dict(report: Report) -> dict:
    return {"verdicts": [v.to_dict() for v in report.verdicts], "meta": report.meta, "seconds": report.seconds}


def report_from_dict(data: dict) -> Report:
    verdicts = [Verdict(**{**v, "outcome": Outcome(v["outcome"])}) for v in data["verdicts"]]
    return Report(verdicts=verdicts, meta=dict(data.get("meta", {})), seconds=data.get("seconds", 0.0))


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
        if record.get("report"):
            report = report_from_dict(record["report"])
            results = gradescope(report)
            feedback = feedback_markdown(report, record["student"])
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
                pool[0].shutdown(wait=False, cancel_futures=True)
        seconds = time.perf_counter() - start
        rows, summary = self.rebuild(submissions, seconds, graded, [s.student for s in skipped])
        return BatchResult(self.out, rows, summary, graded, [s.student for s in skipped],
                           [s.student for s in invalid] + failed)

    def load_topics(self) -> None:
        from .. import load_topic

        self.topics = [load_topic(t) for t in self.settings["topics"]]
        selected = [[c for c in t.checks if c.visibility == "public" or self.settings["hidden"]] for t in self.topics]
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
            from .runner import Grader

            _WORKER.update(grader=Grader(settings["device"], hidden=settings["hidden"], timeout=settings["timeout"],
                                         cache_oracle=True), settings=settings, executor=None)
        _WORKER["topics"] = self.topics
        for submission in todo:
            try:
                result = _grade_in_worker(submission)
            except Exception as err:  # noqa: BLE001 - one submission's trouble never ends the batch
                finished(submission, error=f"internal grading error: {type(err).__name__}: {err}")
                continue
            finished(submission, result)

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
            pool.shutdown(wait=False, cancel_futures=True)
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
                report = report_from_dict(record["report"])
                reports[submission.student] = (report, record)
                meta = meta or report.meta
                row["total"] = report.score
                for v in report.verdicts:
                    row[v.topic] = row.get(v.topic, 0.0) + v.score
            rows.append(row)
        self.write_gradebook(rows, topic_names)
        summary = self.summarize(rows, reports, meta, seconds, graded, skipped)
        write_json_atomic(self.out / "summary.json", summary)
        return rows, summary

    def write_gradebook(self, rows: list[dict], topic_names: list[str]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["student", "total", "max", *topic_names, "status"])
        for row in rows:
            writer.writerow([_cell(row["student"]), f"{row['total']:g}", f"{row['max']:g}",
                             *(f"{row[t]:g}" for t in topic_names), _cell(row["status"])])
        write_text_atomic(self.out / "gradebook.csv", buffer.getvalue())

    def summarize(self, rows, reports, meta, seconds, graded, skipped) -> dict:
        ok = [r for r in rows if r["status"] == "ok"]
        totals = [r["total"] for r in ok]
        checks, diagnoses = {}, Counter()
        for cid, check in self.checks.items():
            checks[cid] = {"visibility": check.visibility, "points": check.points, "graded": 0, "passed": 0,
                           "pass_rate": None, "outcomes": Counter(), "diagnoses": Counter()}
        for report, _ in reports.values():
            for v in report.verdicts:
                entry = checks.setdefault(v.check_id, {"visibility": v.visibility, "points": v.max_score, "graded": 0,
                                                       "passed": 0, "pass_rate": None, "outcomes": Counter(),
                                                       "diagnoses": Counter()})
                entry["graded"] += 1
                entry["passed"] += v.passed
                entry["outcomes"][v.outcome.value] += 1
                if v.diagnosis:
                    entry["diagnoses"][v.diagnosis] += 1
                    diagnoses[v.diagnosis] += 1
        for entry in checks.values():
            entry["pass_rate"] = round(entry["passed"] / entry["graded"], 4) if entry["graded"] else None
            entry["outcomes"], entry["diagnoses"] = dict(entry["outcomes"]), dict(entry["diagnoses"])
        per_submission = [record.get("wall_seconds", report.seconds) for report, record in reports.values()
                          if record.get("student") in graded]
        cache = Counter()
        for _, record in reports.values():
            if record.get("student") in graded:
                cache.update(record.get("oracle_cache", {}))

        def stats(values):
            if not values:
                return None
            return {"mean": round(statistics.fmean(values), 4), "median": round(statistics.median(values), 4),
                    "min": round(min(values), 4), "max": round(max(values), 4)}

        from .. import __version__

        return {
            "dlgrade": __version__, "kit": kit_fingerprint(self.settings["topics"]), "fingerprint": self.fingerprint,
            "torch": meta.get("torch"), "device": meta.get("device"), "gpu": meta.get("gpu"),
            "executor": self.settings["executor"], "sandbox_layers": self.settings.get("layers") or [],
            "sandbox_missing_layers": self.settings.get("missing_layers") or {},
            "hidden": self.settings["hidden"], "topics": self.settings["topics"], "jobs": self.settings["jobs"],
            "timeout": self.settings["timeout"], "memory_mb": self.settings["memory_mb"],
            "students": len(rows), "graded_ok": len(ok), "errors": len(rows) - len(ok),
            "max_score": self.max_score, "score": stats(totals),
            "topic_scores": {t: {"max": self.topic_max.get(t, 0.0), **(stats([r[t] for r in ok]) or {})}
                             for t in self.settings["topics"]},
            "checks": checks, "diagnoses": dict(diagnoses.most_common()),
            "timing": {"wall_seconds": round(seconds, 3), "graded_this_run": len(graded), "skipped": len(skipped),
                       "submissions_per_minute": round(len(graded) / seconds * 60, 2) if graded and seconds else None,
                       "seconds_per_submission": stats(per_submission)},
            "oracle_cache": dict(cache),
            "errors_by_student": {r["student"]: r["status"] for r in rows if r["status"] != "ok"},
        }


def _cell(text: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def print_class_table(result: BatchResult, console, topics: list[str]) -> None:
    from rich.table import Table

    table = Table(title=f"dlgrade: {len(result.rows)} submissions in {result.out}")
    table.add_column("student")
    table.add_column("total", justify="right")
    for topic in topics:
        table.add_column(topic, justify="right")
    table.add_column("status")
    for row in result.rows:
        style = None if row["status"] == "ok" else "red"
        table.add_row(row["student"], f"{row['total']:g}/{row['max']:g}", *(f"{row[t]:g}" for t in topics),
                      row["status"], style=style)
    score = result.summary.get("score")
    if score:
        table.add_section()
        table.add_row("mean", f"{score['mean']:.3g}/{result.summary['max_score']:g}",
                      *(f"{result.summary['topic_scores'][t].get('mean', 0):.3g}" for t in topics), "")
    console.print(table)
    timing = result.summary["timing"]
    rate = f", {timing['submissions_per_minute']:g} per minute" if timing["submissions_per_minute"] else ""
    console.print(f"{len(result.graded)} graded, {len(result.skipped)} skipped (already graded), "
                  f"{len(result.errors)} errors in {timing['wall_seconds']:.1f} s{rate}. "
                  f"Gradebook: {result.out / 'gradebook.csv'}")


def grade_batch(submissions_dir, out_dir, *, topics=None, jobs=None, hidden=False, timeout=None, memory_mb=1024,
                device="auto", executor="sandbox", progress=True, console=None, layers=None) -> BatchResult:
    """Grade every submission in ``submissions_dir`` into ``out_dir`` (see the module docstring).

    ``layers``: the sandbox's protection layers, when the caller has probed them already.
    """
    from .. import available_topics

    if executor not in ("sandbox", "inprocess"):
        raise ValueError(f"unknown executor {executor!r}: use 'sandbox' or 'inprocess'")
    topics = list(topics or available_topics())
    unknown = [t for t in topics if t not in available_topics()]
    if unknown:
        raise ValueError(f"unknown topic {', '.join(unknown)}; available: {', '.join(available_topics())}")
    missing = {}
    if executor == "sandbox":
        from . import sandbox

        layers = sandbox.sandbox_layers() if layers is None else layers
        missing = getattr(sandbox, "missing_layers", dict)()
    settings = {"topics": topics, "jobs": jobs or os.cpu_count() or 1, "hidden": bool(hidden), "timeout": timeout,
                "memory_mb": memory_mb, "device": device, "executor": executor,
                "layers": list(layers or []) if executor == "sandbox" else [], "missing_layers": missing}
    return Batch(submissions_dir, out_dir, settings, console=console, progress=progress).run()


__all__ = ["BatchResult", "Submission", "SubmissionError", "grade_batch", "kit_fingerprint", "materialize",
           "print_class_table", "report_from_dict", "scan"]

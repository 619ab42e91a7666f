"""Batch grading speed: 100 generated submissions (the reference and buggy copies of it, every graded topic)
graded by `grade_batch` with 2 workers, in the sandbox and in-process.

    pytest benchmarks/test_batch_speed.py --benchmark-columns=min,max -s

Prints (and stores in the benchmark's extra_info) submissions per minute, CPU
seconds per submission (workers and sandbox children included: steadier than
wall time on a shared machine), the per-submission grading time inside a warm
worker, the sandbox's overhead per submission against in-process grading, the
first submission of a fresh worker, and one submission through the whole
`dlgrade grade` command.
Goals on a 2-core machine: one full submission in <= 2 s wall, >= 100
submissions per minute. DLGRADE_BENCH_SUBMISSIONS and DLGRADE_BENCH_TOPICS
(comma-separated) shrink the run.
"""
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import time

import pytest

from dlgrade.registry import available_topics
from dlgrade.grading.batch import grade_batch
from tests.support import ROOT, SOLUTIONS, batch_topics, mutants, write_module

N_SUBMISSIONS = int(os.environ.get("DLGRADE_BENCH_SUBMISSIONS", 100))
JOBS = 2
#: Every graded topic, or those named in DLGRADE_BENCH_TOPICS (comma-separated).
TOPICS = [t for t in os.environ.get("DLGRADE_BENCH_TOPICS", ",".join(available_topics())).split(",")
          if t in available_topics()]
MUTANTS = [m for m in mutants() if m.topic in TOPICS]
RESULTS: dict = {}


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> pathlib.Path:
    """Every fourth submission is the reference; the others each carry one mutant (one buggy function)."""
    folder = tmp_path_factory.mktemp("bench") / "submissions"
    for i in range(N_SUBMISSIONS):
        student = folder / f"student{i:03d}"
        student.mkdir(parents=True)
        for topic in TOPICS:
            (student / f"{topic}.py").write_bytes((SOLUTIONS / f"{topic}.py").read_bytes())
        if i % 4 and MUTANTS:
            mutant = MUTANTS[i % len(MUTANTS)]
            write_module(student, mutant.topic, mutant.source)
    return folder


def _cpu_seconds() -> float:
    """CPU time of this process and of every descendant that has ended (workers, sandbox children)."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def _run_batch(submissions, out, executor, hidden=False):
    start, cpu = time.perf_counter(), _cpu_seconds()
    result = grade_batch(submissions, out, topics=batch_topics(TOPICS), jobs=JOBS, hidden=hidden, device="cpu",
                         executor=executor, progress=False, console=_quiet_console(),
                         reference=SOLUTIONS)  # speed limits timed against the reference, as dlgrade grade does
    wall, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    assert len(result.graded) == N_SUBMISSIONS and not result.errors
    seconds = [json.loads(p.read_text())["wall_seconds"] for p in (out / ".dlgrade" / "records").glob("*.json")]
    return {"wall_s": round(wall, 2), "submissions_per_minute": round(N_SUBMISSIONS / wall * 60, 1),
            # Less sensitive to a busy machine than wall time: what one submission costs the two cores.
            "cpu_seconds_per_submission": round(cpu / N_SUBMISSIONS, 3),
            "per_submission_median_s": round(statistics.median(seconds), 3),
            "per_submission_mean_s": round(statistics.fmean(seconds), 3),
            "first_submission_of_a_worker_s": round(max(seconds), 3),
            "oracle_cache": result.summary["oracle_cache"]}


def _quiet_console():
    from rich.console import Console

    return Console(file=open(os.devnull, "w"))


@pytest.mark.parametrize("executor, hidden", [("sandbox", False), ("inprocess", False), ("sandbox", True)],
                         ids=["sandbox", "inprocess", "sandbox-hidden"])
def test_batch_of_100(benchmark, submissions, tmp_path, executor, hidden):
    rounds = iter(range(100))
    figures = benchmark.pedantic(lambda: _run_batch(submissions, tmp_path / f"out{next(rounds)}", executor, hidden),
                                 rounds=1, iterations=1)
    RESULTS[(executor, hidden)] = figures
    benchmark.extra_info.update(figures)
    print(f"\n{executor}{' --hidden' if hidden else ''}: {N_SUBMISSIONS} submissions, {JOBS} workers: {figures}")
    if (executor, hidden) == ("inprocess", False) and ("sandbox", False) in RESULTS:
        sandbox = RESULTS[("sandbox", False)]
        overhead = sandbox["per_submission_mean_s"] - figures["per_submission_mean_s"]
        benchmark.extra_info["sandbox_overhead_per_submission_s"] = round(overhead, 3)
        print(f"sandbox overhead per submission: {overhead:.3f} s "
              f"({sandbox['submissions_per_minute']} vs {figures['submissions_per_minute']} per minute)")


def test_one_submission_through_the_cli(benchmark, tmp_path):
    """`dlgrade grade` on a folder holding one full submission: interpreter, torch import, sandbox probe, worker."""
    subs = tmp_path / "subs"
    student = subs / "alice"
    student.mkdir(parents=True)
    for topic in TOPICS:
        (student / f"{topic}.py").write_bytes((SOLUTIONS / f"{topic}.py").read_bytes())
    rounds = iter(range(100))

    def run():
        out = tmp_path / f"out{next(rounds)}"
        result = subprocess.run([sys.executable, "-m", "dlgrade", "grade", str(subs), "--out", str(out),
                                 "--jobs", "1", "--device", "cpu", "--no-progress"], cwd=ROOT, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads((out / ".dlgrade" / "records" / "alice.json").read_text())["wall_seconds"]

    start = time.perf_counter()
    grading = benchmark.pedantic(run, rounds=3, iterations=1)
    benchmark.extra_info["grading_in_fresh_worker_s"] = round(grading, 3)
    print(f"\none submission through `dlgrade grade`: {(time.perf_counter() - start) / 3:.2f} s wall per run, "
          f"of which grading in the fresh worker {grading:.2f} s")

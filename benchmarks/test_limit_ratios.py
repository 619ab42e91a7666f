"""The performance limits of conv, rnn and lstm, as the grader measures them: for every limit and implementation
(the reference solution itself, tests/alternatives, for conv the four student styles in tests/speed_styles and
the per-output-element loops in tests/slow_impls, for rnn and lstm the loops over the batch in tests/slow_impls
and the loops over hidden units in tests/slow_impls/<topic>_units.py), the limit checks run RUNS times on a
quiet machine and RUNS times with every core kept busy by other processes.

    pytest -s -p no:cacheprovider benchmarks/test_limit_ratios.py

Prints a table: limit, implementation, condition, the ratios the checks measured (student's best CPU time over
the reference's, min-max over the runs), the widest spread of one side's samples within a run (slowest
sample over fastest, the student's / the reference's) and the verdicts (P passed, F failed, one letter a
run). The same numbers are kept in each benchmark's extra_info. DLGRADE_BENCH_RUNS changes RUNS.
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from dlgrade.core import perf
from dlgrade.execution.inprocess import InProcessExecutor
from dlgrade.registry import load_topic
from tests.support import ROOT, SOLUTIONS, grader

RUNS = int(os.environ.get("DLGRADE_BENCH_RUNS", 3))
TOPICS = os.environ.get("DLGRADE_BENCH_LIMIT_TOPICS", "conv,rnn,lstm").split(",")
SLOW = ROOT / "tests" / "slow_impls"
IMPLEMENTATIONS = {
    "reference": SOLUTIONS,
    "alternatives": ROOT / "tests" / "alternatives",
    **{f"style:{s}": ROOT / "tests" / "speed_styles" / s for s in ("im2col", "stride_tricks", "einsum",
                                                                      "kernel_offsets")},
    "slow_impls": SLOW,
    "unit_loops": None,  # a temporary folder: slow_impls/<topic>_units.py as <topic>.py
}
ROWS: list = []


def _folders(topic, scratch):
    """The implementations measured for ``topic``: name -> folder."""
    chosen = {name: folder for name, folder in IMPLEMENTATIONS.items()
              if folder is not None and (folder / f"{topic}.py").is_file()}
    units = SLOW / f"{topic}_units.py"
    if units.is_file():
        folder = scratch / topic
        folder.mkdir()
        shutil.copy(units, folder / f"{topic}.py")
        chosen["unit_loops"] = folder
    return chosen


def _spread(samples) -> float:
    return max(samples) / max(min(samples), 1e-9)


def _grade_limits(monkeypatch):
    """{(function, implementation): [(ratio, factor, outcome, student spread, reference spread), ...]}."""
    original, timings = perf.measure, []

    def recording(ctx, function, inputs, limit, *args, **kwargs):
        result = yield from original(ctx, function, inputs, limit, *args, **kwargs)
        timings.append((result[0], limit.factor))
        return result

    monkeypatch.setattr(perf, "measure", recording)
    g, found = grader(), {}
    with tempfile.TemporaryDirectory() as scratch:
        for topic in TOPICS:
            checks = [c for c in load_topic(topic).checks if c.name.startswith("fast_enough")]
            folders = _folders(topic, pathlib.Path(scratch))
            for _ in range(RUNS):
                for name, folder in folders.items():
                    with InProcessExecutor(folder) as executor:  # a fresh executor each run
                        for check in checks:
                            timings.clear()
                            verdict = g.run(check, executor)
                            assert len(timings) == 1, (name, check.function, verdict.message)
                            timing, factor = timings[0]
                            label = check.function + ("" if check.name == "fast_enough" else f" ({check.name})")
                            found.setdefault((label, name), []).append(
                                (timing.ratio, factor, verdict.outcome.value, _spread(timing.student_samples),
                                 _spread(timing.reference_samples)))
    return found


def _rows(found, condition):
    rows = []
    for (function, name), runs in found.items():
        ratios = [r[0] for r in runs]
        rows.append({"limit": f"{function} <= {runs[0][1]:g}x", "implementation": name, "condition": condition,
                     "ratio": f"{min(ratios):.2f}-{max(ratios):.2f}",
                     "spread": f"{max(r[3] for r in runs):.2f} / {max(r[4] for r in runs):.2f}",
                     "verdicts": "".join(r[2][0].upper() for r in runs)})
    return rows


def _table(rows):
    columns = ["limit", "implementation", "condition", "ratio", "spread", "verdicts"]
    rows = sorted(rows, key=lambda r: (r["limit"], list(IMPLEMENTATIONS).index(r["implementation"]),
                                       r["condition"] != "quiet"))
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    line = lambda r: "  ".join(str(r[c]).ljust(widths[c]) for c in columns)  # noqa: E731
    return "\n".join([line({c: c for c in columns}), line({c: "-" * widths[c] for c in columns})]
                     + [line(r) for r in rows])


@pytest.fixture
def load(request):
    """Nothing for "quiet"; for "loaded", one busy loop per core in processes of their own."""
    hogs = []
    try:
        if request.param == "loaded":
            hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
            time.sleep(0.3)
        yield request.param
        assert all(h.poll() is None for h in hogs)
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()


@pytest.mark.parametrize("load", ["quiet", "loaded"], indirect=True)
def test_limit_ratios(benchmark, load, monkeypatch):
    found = benchmark.pedantic(_grade_limits, args=(monkeypatch,), rounds=1, iterations=1)
    rows = _rows(found, load)
    ROWS.extend(rows)
    benchmark.extra_info["rows"] = rows
    benchmark.extra_info["blas_threads_env"] = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS",
                                                                              "OMP_NUM_THREADS")}
    print(f"\n\n{', '.join(TOPICS)} performance limits, {load}, {RUNS} runs (OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}):\n" + _table(rows))
    if load == "loaded" and any(r["condition"] == "quiet" for r in ROWS):
        print("\n\nquiet and loaded:\n" + _table(ROWS))

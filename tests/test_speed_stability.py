"""Speed verdicts do not depend on the machine's load: with every core kept busy by other processes, the six
conv limits give the same verdict in every run, FAILED for per-output-element loops (tests/slow_impls) and
PASSED for vectorized code (tests/alternatives and the student styles of tests/speed_styles: im2col and
stride-tricks code makes single large BLAS calls, which a multi-threaded BLAS spreads over threads that
spin while they wait for a core: that spinning is CPU time too)."""
import os
import pathlib
import subprocess
import sys
import time

import pytest

from dlgrade.core import Outcome
from dlgrade.execution.inprocess import InProcessExecutor
from dlgrade.registry import load_topic
from tests.support import grader

HERE = pathlib.Path(__file__).parent
IMPLEMENTATIONS = {"slow_impls": (HERE / "slow_impls", Outcome.FAILED),
                   "alternatives": (HERE / "alternatives", Outcome.PASSED),
                   **{style: (HERE / "speed_styles" / style, Outcome.PASSED)
                      for style in ("im2col", "stride_tricks", "einsum", "kernel_offsets")}}
RUNS = 3


@pytest.fixture
def busy_machine():
    """One endless busy loop per core, in processes of their own, for the test's duration."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(0.3)  # let them start spinning
        assert all(h.poll() is None for h in hogs)
        yield hogs
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()


@pytest.mark.slow
def test_limit_verdicts_are_the_same_in_every_run_on_a_loaded_machine(busy_machine):
    checks = [c for c in load_topic("conv").checks if c.name == "fast_enough"]
    assert len(checks) == 6
    g = grader()
    seen = {}  # (implementation, function) -> [(outcome, message), ...]
    for _ in range(RUNS):
        for name, (folder, _) in IMPLEMENTATIONS.items():
            with InProcessExecutor(folder) as executor:  # a fresh executor each run
                for check in checks:
                    verdict = g.run(check, executor)
                    seen.setdefault((name, check.function), []).append((verdict.outcome, verdict.message))
    assert all(hog.poll() is None for hog in busy_machine)  # the load lasted the whole test
    wrong = [f"{name} {function}(): expected {IMPLEMENTATIONS[name][1].value} in every run, got "
             + "; ".join(message or outcome.value for outcome, message in runs)
             for (name, function), runs in seen.items()
             if any(outcome is not IMPLEMENTATIONS[name][1] for outcome, _ in runs)]
    assert not wrong, "\n".join(wrong)
    assert all("() is too slow: it took" in message for (name, _), runs in seen.items() if name == "slow_impls"
               for _, message in runs)  # failed on speed, not on a wrong answer
    assert all(len(runs) == RUNS for runs in seen.values()) and len(seen) == 6 * len(IMPLEMENTATIONS)

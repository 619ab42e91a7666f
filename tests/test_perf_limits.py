"""Performance limits: correct-but-looping code fails them, vectorized code passes, timings are the grader's."""
import pathlib

import pytest

from dlgrade.registry import load_topic
from dlgrade.core import Outcome, perf
from dlgrade.execution.executor import CallResult
from dlgrade.execution.inprocess import InProcessExecutor
from dlgrade.grading.grader import Grader, ReferenceExecutor
from dlgrade.execution.sandbox import SandboxExecutor
from tests.support import SOLUTIONS, grade, grader, write_module

HERE = pathlib.Path(__file__).parent
SLOW, ALTERNATIVE = HERE / "slow_impls", HERE / "alternatives"
LIMITED = ["conv2d_forward", "conv2d_backward", "max_pool2d_forward", "max_pool2d_backward",
           "avg_pool2d_forward", "avg_pool2d_backward"]


def limit_checks(topic="conv"):
    return [c for c in load_topic(topic).checks if c.name == "fast_enough"]


def run_limits(folder, executor_factory=InProcessExecutor, g=None):
    g = g or grader()
    with executor_factory(folder) as executor:
        return {c.function: g.run(c, executor) for c in limit_checks()}


def test_conv_and_pools_carry_limits():
    assert sorted(c.function for c in limit_checks()) == sorted(LIMITED)
    assert all(c.visibility == "public" and c.strategy is None for c in limit_checks())


def test_per_element_loops_are_correct_but_too_slow():
    verdicts = grade(SLOW, "conv")
    correctness = {cid: v for cid, v in verdicts.items() if not cid.endswith("::fast_enough")}
    assert {cid: v.message for cid, v in correctness.items() if not v.passed} == {}
    limits = {v.function: v for cid, v in verdicts.items() if cid.endswith("::fast_enough")}
    assert sorted(limits) == sorted(LIMITED)
    for function, verdict in limits.items():
        assert verdict.outcome is Outcome.FAILED, (function, verdict.message)
        assert f"{function}() is too slow: it took" in verdict.message
        assert "x the reference solution's time" in verdict.message and "the limit is" in verdict.message
        assert "Hint: vectorize" in verdict.message


def test_vectorized_alternative_passes_the_limits():
    verdicts = run_limits(ALTERNATIVE)
    assert {f: v.message for f, v in verdicts.items() if not v.passed} == {}


def test_wrong_but_fast_earns_no_speed_points(tmp_path):
    folder = write_module(tmp_path, "conv", """
        _reference_conv2d_forward = conv2d_forward
        def conv2d_forward(x, w, b, stride=1, padding=0):
            out, cache = _reference_conv2d_forward(x, w, b, stride, padding)
            return np.zeros_like(out), cache
        """)
    verdict = run_limits(folder)["conv2d_forward"]
    assert verdict.outcome is Outcome.FAILED
    assert "must be right on the timing input before its speed counts" in verdict.message


def test_the_hard_timeout_still_applies(tmp_path):
    folder = write_module(tmp_path, "conv", """
        def avg_pool2d_forward(x, kernel_size, stride=None):
            while True:
                pass
        """)
    verdicts = run_limits(folder, g=Grader("cpu", timeout=0.5, reference=SOLUTIONS))
    assert verdicts["avg_pool2d_forward"].outcome is Outcome.TIMEOUT


class ScriptedExecutor(InProcessExecutor):
    """Runs the code, then reports scripted call times: the limit must decide from the executor's numbers."""

    def __init__(self, folder, seconds, log, side):
        super().__init__(folder)
        self.script, self.log, self.side = iter(seconds), log, side

    def _invoke(self, topic, function, args, timeout, collect, keep=None) -> CallResult:
        result = super()._invoke(topic, function, args, timeout, collect, keep)
        self.log.append(self.side)
        result.seconds = result.cpu_seconds = next(self.script)
        return result

    def forget(self):
        self._results.clear()


def test_ratio_is_best_of_interleaved_executor_timings(monkeypatch):
    """A ratio near the limit (25x against 20x) is measured again before it decides: seven samples a side."""
    log = []
    reference = ScriptedExecutor(SOLUTIONS, [0.004, 0.002, 0.003, 0.005, 0.003, 0.002, 0.004, 0.003], log, "reference")
    monkeypatch.setattr(perf, "reference_of", lambda ctx: reference)
    check = next(c for c in limit_checks() if c.function == "avg_pool2d_forward")  # limit 20x
    student = ScriptedExecutor(SOLUTIONS, [0.09, 0.06, 0.05, 0.07, 0.08, 0.055, 0.06, 0.07], log, "student")
    verdict = grader().run(check, student)
    assert log == ["student", "reference"] + ["reference", "student"] * 6  # interleaved
    assert verdict.outcome is Outcome.FAILED
    assert "took 25.0x the reference solution's time (best of 7: 50 ms against 2 ms of CPU time; " \
           "samples 50 ms-90 ms against 2 ms-5 ms)" in verdict.message
    assert "the limit is 20x" in verdict.message


def scripted_limit(monkeypatch, reference_times, student_times, log):
    """avg_pool2d_forward's limit (20x) graded with scripted call times on both sides."""
    reference = ScriptedExecutor(SOLUTIONS, reference_times, log, "reference")
    monkeypatch.setattr(perf, "reference_of", lambda ctx: reference)
    check = next(c for c in limit_checks() if c.function == "avg_pool2d_forward")
    return grader().run(check, ScriptedExecutor(SOLUTIONS, student_times, log, "student"))


def test_a_ratio_far_from_the_limit_is_decided_on_four_samples(monkeypatch):
    log = []
    assert scripted_limit(monkeypatch, [0.004] * 4, [0.008] * 4, log).passed and log.count("student") == 4


def test_a_clearly_slow_function_is_not_timed_four_times(monkeypatch):
    log = []
    verdict = scripted_limit(monkeypatch, [0.001] * 6, [0.4] * 6, log)
    assert log.count("student") == 2 and "best of 2" in verdict.message


@pytest.mark.slow
def test_limits_in_the_sandbox_time_the_child_against_the_reference_in_this_process():
    """A sandboxed call's CPU time is the child's CPU clock, read by the grader around the call: the pipes'
    waiting is not in it, so the reference runs in this process whatever executor the student's code runs in."""
    g = grader()
    assert isinstance(g.reference_for(SandboxExecutor(SOLUTIONS)), ReferenceExecutor)
    assert isinstance(g.reference_for(InProcessExecutor(SOLUTIONS)), ReferenceExecutor)
    verdicts = run_limits(SOLUTIONS, SandboxExecutor)
    assert {f: v.message for f, v in verdicts.items() if not v.passed} == {}

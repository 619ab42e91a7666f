"""The oracle on a GPU agrees with the CPU (float64, TF32 off). Skipped without CUDA."""
import numpy as np
import pytest
import torch

from dlgrade.registry import available_topics
from dlgrade.core import Oracle
from dlgrade.grading.grader import Grader
from tests.support import SOLUTIONS, grade

gpu = pytest.mark.gpu
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@gpu
@needs_cuda
def test_cuda_oracle_matches_cpu_and_disables_tf32():
    cpu, cuda = Oracle("cpu"), Oracle("cuda")
    assert torch.backends.cuda.matmul.allow_tf32 is False and torch.backends.cudnn.allow_tf32 is False
    rng = np.random.default_rng(0)
    inputs = {"x": rng.standard_normal((2, 3, 9, 9)), "w": rng.standard_normal((4, 3, 3, 3))}
    fn = lambda x, w: torch.nn.functional.conv2d(x, w, padding=1)  # noqa: E731
    up = (rng.standard_normal((2, 4, 9, 9)),)
    (a,), ga = cpu.evaluate(fn, inputs, ("x", "w"), up)
    (b,), gb = cuda.evaluate(fn, inputs, ("x", "w"), up)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    for x, y in zip(ga, gb):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-10)
    assert cuda.info["device"] == "cuda" and cuda.info["tf32"] is False


@gpu
@needs_cuda
def test_solutions_pass_with_the_oracle_on_cuda(monkeypatch):
    import tests.support as support

    monkeypatch.setattr(support, "_GRADER", Grader("cuda", timeout=5.0, reference=support.SOLUTIONS))
    verdicts = grade(SOLUTIONS, *available_topics())
    assert [cid for cid, v in verdicts.items() if not v.passed] == []

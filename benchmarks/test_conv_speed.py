"""conv2d forward + backward: the reference solution (numpy) against torch, float64, in one run.

    python -m pytest benchmarks -q --benchmark-only

x (16, 3, 32, 32), w (16, 3, 3, 3), padding 1, a random upstream gradient; one round is the forward and
the backward (dx, dw, db). The goal is the reference within 3x of torch on the CPU; the ratio of the best
rounds to torch's best (1 thread or its default) is printed and kept in extra_info.

glibc's allocator matters here: with its defaults it may give the round's multi-MB temporaries (im2col
columns, outputs) back to the OS after every call and page-fault them in again, which measured 6-8 ms
instead of 2 ms for the same round, depending on the process's heap layout. To time the code rather than
the allocator, keep freed memory in the process:

    MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_MMAP_THRESHOLD_=1073741824 python -m pytest benchmarks -q --benchmark-only

(Performance limits are unaffected: the student's and the reference's calls share one process and allocator.)
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlgrade.solutions.conv import conv2d_backward, conv2d_forward

GROUP = "conv2d fwd+bwd, x (16,3,32,32), w (16,3,3,3), padding 1, float64"
GOAL = 3.0
RNG = np.random.default_rng(0)
X, W, B = RNG.standard_normal((16, 3, 32, 32)), RNG.standard_normal((16, 3, 3, 3)), RNG.standard_normal(16)
DOUT = RNG.standard_normal((16, 16, 32, 32))
BEST: dict[str, float] = {}


def numpy_round():
    out, cache = conv2d_forward(X, W, B, stride=1, padding=1)
    return (out,) + conv2d_backward(DOUT, cache)


def torch_round(device):
    x, w, b = (torch.tensor(a, device=device, requires_grad=True) for a in (X, W, B))
    dout = torch.tensor(DOUT, device=device)

    def run():
        out = F.conv2d(x, w, b, padding=1)
        grads = torch.autograd.grad(out, (x, w, b), dout)
        if device == "cuda":
            torch.cuda.synchronize()
        return (out,) + grads

    return run


def _agree(ours, theirs):
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t.detach().cpu().numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.benchmark(group=GROUP)
def test_reference_numpy(benchmark):
    result = benchmark(numpy_round)
    _agree(result, torch_round("cpu")())
    BEST["numpy"] = benchmark.stats.stats.min


@pytest.mark.benchmark(group=GROUP)
@pytest.mark.parametrize("threads", [1, torch.get_num_threads()], ids=lambda n: f"{n}_threads")
def test_torch_cpu(benchmark, threads):
    """torch on the CPU with one thread (as the grader's oracle runs) and with its default thread count;
    the ratio is taken against the faster of the two (on a busy 2-core machine threads contend)."""
    default = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        benchmark(torch_round("cpu"))
    finally:
        torch.set_num_threads(default)
    BEST["torch"] = min(BEST.get("torch", float("inf")), benchmark.stats.stats.min)
    if "numpy" in BEST:
        ratio = BEST["numpy"] / BEST["torch"]
        benchmark.extra_info["numpy_over_best_torch"] = round(ratio, 2)
        print(f"\nreference conv2d fwd+bwd {BEST['numpy'] * 1e3:.2f} ms; best torch CPU so far "
              f"{BEST['torch'] * 1e3:.2f} ms ({threads} threads: {benchmark.stats.stats.min * 1e3:.2f} ms): "
              f"{ratio:.2f}x (goal: within {GOAL:g}x)")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.benchmark(group=GROUP)
def test_torch_cuda(benchmark):
    run = torch_round("cuda")
    run()  # warm up cuDNN's algorithm choice
    result = benchmark(run)
    _agree(numpy_round(), result)

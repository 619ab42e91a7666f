"""The trusted oracle: PyTorch in float64, on the chosen device, TF32 off.

Only the grading side imports torch. Arrays go in as tensors on the oracle's
device (float64 stays float64, integer labels int64); results come back as
numpy float64 arrays or Python floats. Gradients are taken with autograd
against an upstream gradient the check supplies.
"""
from __future__ import annotations

import copy
import functools

import numpy as np

from ..execution.values import digest, fold, structure


@functools.lru_cache(maxsize=None)
def torch_module():
    import torch

    return torch


def resolve_device(requested: str = "auto") -> str:
    torch = torch_module()
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but torch sees no CUDA device")
    if requested not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {requested!r}: use auto, cpu or cuda")
    return requested


def configure(device: str) -> dict:
    """Make the oracle exact: TF32 off for matmul, cuDNN conv and cuDNN RNN; deterministic CPU threads."""
    torch = torch_module()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    # Oracle tensors are small: one thread is much faster here (thread wake-ups cost ~20 ms
    # per autograd call on a 2-core machine) and keeps CPU results repeatable.
    torch.set_num_threads(1)
    info = {"torch": torch.__version__, "device": device, "tf32": False}
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


class Oracle:
    """Evaluates torch reference functions on numpy inputs.

    ``cache=True`` memoizes :meth:`evaluate` by the reference function and a
    digest of its inputs, gradient names and upstream gradients: every
    submission in a batch meets the same inputs, so a batch grader computes
    each expected output once per process. Results are returned as copies, so
    a caller that changes them changes nothing cached.
    """

    #: Entries kept before the cache starts over (inputs of shrunk failures are rarely seen twice).
    MAX_CACHED = 50_000

    def __init__(self, device: str = "auto", cache: bool = False):
        self.device = resolve_device(device)
        self.info = configure(self.device)
        self.torch = torch_module()
        self.cache: dict | None = {} if cache else None
        self.hits = self.misses = 0

    def tensor(self, value, requires_grad=False):
        """Arrays (at any depth) as tensors on the oracle's device: floats as float64, integers as int64."""
        torch = self.torch

        def leaf(x):
            if not isinstance(x, np.ndarray):
                return x
            dtype = torch.float64 if x.dtype.kind == "f" else (torch.bool if x.dtype.kind == "b" else torch.int64)
            return torch.tensor(x, dtype=dtype, device=self.device, requires_grad=requires_grad and dtype == torch.float64)

        return fold(value, leaf)

    def numpy(self, value):
        """Tensors (at any depth) back to float64 numpy arrays; 0-d results to Python floats."""
        torch = self.torch

        def leaf(x):
            if not isinstance(x, torch.Tensor):
                return x
            array = x.detach().to("cpu").numpy()
            if array.dtype.kind == "f":
                array = array.astype(np.float64)
            return float(array) if array.ndim == 0 and array.dtype.kind == "f" else array

        return fold(value, leaf)

    def evaluate(self, fn, inputs: dict, wrt: tuple = (), upstream=None):
        """Run ``fn(**inputs)`` in torch.

        Returns (outputs, gradients): outputs a tuple in numpy; when ``wrt`` names
        inputs, gradients is a tuple (one entry per name, a dict for dict inputs)
        of d(sum of outputs[k] * upstream[k]) / d input, with upstream defaulting to
        ones for a scalar first output.
        """
        # The function itself is part of the key (held, so its id is never reused); the
        # structure's container types too, since the digest does not tell a list from a tuple.
        return self._cached(lambda: (fn, tuple(wrt), digest((inputs, upstream)), structure((inputs, upstream))),
                            lambda: self._evaluate(fn, inputs, wrt, upstream))

    def evaluate_backward(self, fn, inputs: dict, wrt: tuple, make_upstream):
        """One forward pass of ``fn(**inputs)`` and its gradients against ``make_upstream(outputs)`` (random
        upstream gradients shaped like the outputs): returns (outputs, upstream, gradients)."""
        return self._cached(lambda: (fn, tuple(wrt), digest(inputs), structure(inputs), "backward"),
                            lambda: self._evaluate(fn, inputs, wrt, None, make_upstream))

    def _cached(self, make_key, compute):
        """``compute()``, memoized under ``make_key()`` when this oracle caches (the key is only made then)."""
        if self.cache is None:
            return compute()
        key = make_key()
        if key in self.cache:
            self.hits += 1
        else:
            self.misses += 1
            if len(self.cache) >= self.MAX_CACHED:
                self.cache.clear()
            self.cache[key] = compute()
        return copy.deepcopy(self.cache[key])

    def _evaluate(self, fn, inputs: dict, wrt: tuple, upstream, make_upstream=None):
        torch = self.torch
        tensors = {name: self.tensor(value, requires_grad=name in wrt) for name, value in inputs.items()}
        with torch.enable_grad():
            result = fn(**tensors)
            outputs = result if isinstance(result, tuple) else (result,)
            if make_upstream is not None:
                upstream = make_upstream(self.numpy(outputs))
            if not wrt:
                return self.numpy(outputs), ()
            leaves = [leaf for name in wrt for leaf in _leaves(tensors[name])]
            if upstream is None:
                upstream = (np.ones(()),)
            differentiated = outputs[: len(upstream)]
            grads = torch.autograd.grad(
                differentiated, leaves,
                grad_outputs=[self.tensor(np.asarray(u, dtype=np.float64)) for u in upstream],
                allow_unused=True)
        grads = [torch.zeros_like(leaf) if g is None else g for g, leaf in zip(grads, leaves)]
        rebuilt, position = [], 0
        for name in wrt:
            count = len(_leaves(tensors[name]))
            rebuilt.append(_rebuild(tensors[name], grads[position: position + count]))
            position += count
        if make_upstream is not None:
            return self.numpy(outputs), upstream, tuple(self.numpy(rebuilt))
        return self.numpy(outputs), tuple(self.numpy(rebuilt))


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    return [value]


def _rebuild(template, grads):
    if isinstance(template, dict):
        return dict(zip(template, grads))
    return grads[0]

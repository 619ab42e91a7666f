"""Checks for the batchnorm topic: batch normalization of (N, D) and (N, C, H, W) inputs, train and eval."""
import numpy as np
import torch.nn.functional as F
from hypothesis import strategies as st

from ..core import ANY, Mismatch, Mistake, Previous, Topic, chain
from ..core.strategies import array, size

TOPIC = Topic("batchnorm", "Batch normalization", difficulty="hard")
OUTPUTS = ("out", "running_mean", "running_var")


def batch_norm(x, gamma, beta, running_mean, running_var, train, momentum, eps):
    """What nn.BatchNorm1d (x (N, D)) and nn.BatchNorm2d (x (N, C, H, W)) compute, with the updated running stats."""
    mean, var = running_mean.clone(), running_var.clone()
    out = F.batch_norm(x, mean, var, gamma, beta, training=train, momentum=momentum, eps=eps)
    return out, mean, var


MOMENTA = st.sampled_from([0.1, 0.01, 0.3, 0.9])  # not 0.5, where the two conventions agree
EPSILONS = st.sampled_from([1e-5, 1e-3, 0.1])


@st.composite
def bn_inputs(draw, spatial=False, train=True, steps=0):
    c = draw(size(1, 5))
    if spatial:
        h, w = draw(size(1, 4)), draw(size(1, 4))
        shape = (draw(size(1 if (h * w > 1 or not train) else 2, 4)), c, h, w)
    else:
        shape = (draw(size(2 if train else 1, 8)), c)
    case = {"x": draw(array(shape)), "gamma": draw(array((c,))), "beta": draw(array((c,))),
            "running_mean": draw(array((c,))), "running_var": draw(array((c,), 0.1, 3.0)), "train": train,
            "momentum": draw(MOMENTA), "eps": draw(EPSILONS)}
    if steps:  # more training batches, then one in eval mode, all of x's shape
        case["more_x"] = [draw(array(shape)) for _ in range(draw(st.integers(1, steps)))]
        case["eval_x"] = draw(array(shape))
    return case


def _stats(x):
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    return x.mean(axis=axes), x.var(axis=axes), x.size // x.shape[1]


def _per_channel(v, x):
    return v if x.ndim == 2 else v[:, None, None]


def _normalized(x, gamma, beta, mean, var, eps, eps_outside=False):
    std = np.sqrt(_per_channel(var, x)) + eps if eps_outside else np.sqrt(_per_channel(var, x) + eps)
    return _per_channel(gamma, x) * (x - _per_channel(mean, x)) / std + _per_channel(beta, x)


def _running(unbiased=True, swapped=False):
    """Buggy running-statistics updates (a variant: the wrong outputs by name)."""
    def variant(x, gamma, beta, running_mean, running_var, train, momentum, eps):
        mean, var, n = _stats(x)
        m = 1 - momentum if swapped else momentum
        var = var * n / (n - 1) if unbiased else var
        return {"running_mean": (1 - m) * running_mean + m * mean, "running_var": (1 - m) * running_var + m * var}

    return variant


def _eps_outside(x, gamma, beta, running_mean, running_var, train, momentum, eps):
    mean, var, _ = _stats(x)
    return {"out": _normalized(x, gamma, beta, mean, var, eps, eps_outside=True)}


def _batch_stats_in_eval(x, gamma, beta, running_mean, running_var, train, momentum, eps):
    mean, var, _ = _stats(x)
    return {"out": _normalized(x, gamma, beta, mean, var, eps)}


def _eval_without_eps(x, gamma, beta, running_mean, running_var, train, momentum, eps):
    return {"out": _normalized(x, gamma, beta, running_mean, running_var, 0.0)}


def _constant_stats_backward(dout, x, gamma, beta, running_mean, running_var, train, momentum, eps):
    return {"dx": dout * _per_channel(gamma / np.sqrt(_stats(x)[1] + eps), x)}


def _per_position(obs):
    x, gamma, beta, eps = (obs.inputs[k] for k in ("x", "gamma", "beta", "eps"))
    if x.shape[2] * x.shape[3] == 1 or np.shape(obs.got[0]) != x.shape:
        return False
    out = _per_channel(gamma, x) * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + _per_channel(beta, x)
    return np.allclose(obs.got[0], out, rtol=1e-6, atol=1e-8)


biased = Mistake("biased_running_variance", "the running variance is updated with the unbiased batch variance "
                 "(divide by n - 1, as PyTorch), although the output is normalized with the biased one",
                 variant=_running(unbiased=False))
swapped = Mistake("swapped_momentum", "PyTorch's momentum weighs the new batch: running = (1 - momentum) * running "
                  "+ momentum * batch", variant=_running(swapped=True))
eps_outside = Mistake("eps_outside_sqrt", "eps goes inside the square root: (x - mean) / sqrt(var + eps)",
                      variant=_eps_outside)
eval_batch_stats = Mistake("eval_uses_batch_statistics", "in eval mode (train=False) normalize with the running "
                           "mean and variance, not with the batch's", variant=_batch_stats_in_eval)
constants = Mistake("backward_treats_stats_as_constants", "the batch mean and variance depend on x too: dx has "
                    "the terms from d(mean)/dx and d(var)/dx (dx = gamma / std * (dout - mean(dout) - xhat * "
                    "mean(dout * xhat)))", variant=_constant_stats_backward, stage="backward")
eval_no_eps = Mistake("eval_without_eps", "eval mode adds eps too: (x - running_mean) / sqrt(running_var + eps), "
                      "as in training", variant=_eval_without_eps)
both_running = Mistake("swapped_momentum_and_biased_variance", "two bugs in the running statistics: running = "
                       "(1 - momentum) * running + momentum * batch, and the running variance takes the unbiased "
                       "batch variance (divide by n - 1)", variant=_running(unbiased=False, swapped=True))
per_position = Mistake("spatial_stats_per_position", "BatchNorm2d keeps one mean and variance per channel, over "
                       "N, H and W together, not one per (channel, row, column)", when=_per_position)
TRAIN_MISTAKES = [biased, swapped, eps_outside, both_running]
EVAL_MISTAKES = [eval_batch_stats, eval_no_eps]


def _over_steps(function):
    """Train on several batches, each call given the running statistics the previous one returned, then eval."""

    def steps(case):
        batches = [(case["x"], True)] + [(x, True) for x in case["more_x"]] + [(case["eval_x"], False)]
        first = {k: case[k] for k in ("running_mean", "running_var")}
        return [{"x": x, "gamma": case["gamma"], "beta": case["beta"],
                 **(first if step == 0 else {"running_mean": Previous((1,)), "running_var": Previous((2,))}),
                 "train": train, "momentum": case["momentum"], "eps": case["eps"]}
                for step, (x, train) in enumerate(batches)]

    def body(ctx, case):
        steps_ = steps(case)
        state = {k: case[k] for k in ("running_mean", "running_var")}
        for step, got in enumerate((yield chain(function, steps_)), 1):
            args = {**steps_[step - 1], **state}  # the statistics this call was given, as arrays
            train = args["train"]
            expected, _ = ctx.torch(batch_norm, args)
            ctx.inputs = args  # mistakes are recognized on this step's inputs
            try:
                ctx.expect(got, expected + (ANY,), OUTPUTS + ("cache",),
                           mistakes=TRAIN_MISTAKES if train else EVAL_MISTAKES)
            except Mismatch as exc:  # say which step, and re-raise the same failure
                mode = "training" if train else "eval, after training"
                exc.message = (f"step {step} of {len(steps_)} ({mode}; momentum {case['momentum']}, running "
                               f"statistics from your previous step): {exc.message}")
                exc.args = (exc.message,)
                raise
            state = {"running_mean": got.value[1], "running_var": got.value[2]}

    return body


for name, spatial in (("batchnorm", False), ("spatial_batchnorm", True)):
    TOPIC.about(f"{name}_forward", "per-channel statistics of (N, C, H, W)" if spatial else "(N, D) features")
    TOPIC.layer(name, inputs=bn_inputs(spatial), oracle=batch_norm, outputs=OUTPUTS, grads=("x", "gamma", "beta"),
                defaults={"momentum": 0.1, "eps": 1e-5},
                mistakes=TRAIN_MISTAKES + [constants] + ([per_position] if spatial else []))
    TOPIC.compare(f"{name}_forward", name="eval_matches_torch", inputs=bn_inputs(spatial, train=False),
                   oracle=batch_norm, returns=OUTPUTS, cache=True, mistakes=EVAL_MISTAKES)
    body = _over_steps(f"{name}_forward")
    TOPIC.check(f"{name}_forward", "running_stats_over_steps", inputs=bn_inputs(spatial, steps=3), max_examples=10,
                mistakes=TRAIN_MISTAKES + EVAL_MISTAKES)(body)


# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("batchnorm_forward",
            "The idea: in training, standardize each feature (column) with the batch's own mean and variance, "
            "then scale by gamma and shift by beta, and blend the batch statistics into the running estimates. "
            "In eval, standardize with the running estimates instead and hand them back unchanged, as new arrays.",
            "The formula: mu = mean over the N rows and var = biased variance (divide by N), both (D,); "
            "x_hat = (x - mu) / sqrt(var + eps), (N, D); out = gamma * x_hat + beta. Running update: "
            "new = (1 - momentum) * old + momentum * stat, where the variance's stat is the unbiased "
            "var * N / (N - 1).",
            "The shape of the code: branch on train to choose which (mean, var) pair normalizes; compute "
            "1 / sqrt(var + eps) once and broadcast the (D,) vectors over (N, D); build the running statistics "
            "as fresh expressions (np.copy in eval), never with +=; cache x_hat, gamma and the inverse std. "
            "Pitfall: np.var has ddof=0, right for the output, wrong for running_var.",
            questions=[("Why does PyTorch normalize with the biased variance but track the unbiased one?",
                        "The batch is standardized with its own statistics, which the divide-by-N variance "
                        "describes exactly; the running variance estimates the population variance used at eval, "
                        "for which N - 1 is the unbiased estimator. The two agree as N grows."),
                       ("What happens at batch size 1 in training, and what do you use for tiny batches?",
                        "The variance is 0, x_hat is 0 and every output equals beta, and the unbiased variance "
                        "divides by zero; PyTorch raises 'Expected more than 1 value per channel when training'. "
                        "Use LayerNorm or GroupNorm (no batch dependence), SyncBatchNorm, or frozen statistics.")])
TOPIC.hints("batchnorm_backward",
            "The idea: dbeta and dgamma are column sums. For dx, the batch mean and variance depend on every row, "
            "so the gradient reaches x[n, d] by three paths: directly through x_hat, through the mean and through "
            "the variance; summed, they simplify to one expression.",
            "The formula: with inv_std = 1 / sqrt(var + eps) of shape (D,): dbeta = sum_n dout, "
            "dgamma = sum_n dout * x_hat, and dx = gamma * inv_std * (dout - mean_n(dout) - "
            "x_hat * mean_n(dout * x_hat)), shape (N, D); the means run over the batch axis.",
            "The shape of the code: unpack the cache; two sums over axis 0 give dbeta and dgamma, and they are "
            "exactly the column sums the dx formula needs (divide them by N = dout.shape[0]); dx is then one "
            "broadcast expression of (N, D) and (D,) arrays. Pitfall: gamma * inv_std * dout alone is the "
            "eval-mode gradient; check on a 3 x 2 input against finite differences.",
            questions=[("Why is every column sum of dx zero?",
                        "Adding a constant to a column of x shifts the batch mean by the same amount and leaves "
                        "the output unchanged, so the gradient is orthogonal to that direction. Likewise "
                        "sum_n dx * x_hat is nearly zero, exactly so as eps -> 0, because scaling a column cancels."),
                       ("What is dx when the statistics are constants (eval mode, or frozen BN when fine-tuning)?",
                        "dx = gamma * dout / sqrt(running_var + eps): a per-feature scaling, since mean and "
                        "variance no longer depend on x. dgamma and dbeta are the same column sums, with x_hat "
                        "taken from the running statistics.")])
TOPIC.hints("spatial_batchnorm_forward",
            "The idea: a channel is one feature whose N * H * W values share one mean and one variance. With the "
            "channel axis moved last and the other three flattened into rows, this is batchnorm_forward unchanged.",
            "The formula: M = N * H * W; mu_c and var_c (biased, divide by M) over x[:, c, :, :]; "
            "out[n, c, h, w] = gamma_c * (x[n, c, h, w] - mu_c) / sqrt(var_c + eps) + beta_c; the running "
            "variance takes var_c * M / (M - 1).",
            "The shape of the code: transpose (N, C, H, W) to (N, H, W, C), reshape to (M, C), call "
            "batchnorm_forward, reshape its output to (N, H, W, C) and transpose back with the inverse permutation "
            "(0, 3, 1, 2); the running statistics and the cache pass through. (Or reduce over axes (0, 2, 3) with "
            "keepdims.) Pitfall: a reshape to (-1, C) without the transpose mixes channels.",
            questions=[("Why one statistic per channel and not one per (c, h, w) position?",
                        "A filter is shared across positions, so its channel should be normalized the same way "
                        "everywhere: that keeps the layer translation-equivariant and gives M = N * H * W samples "
                        "per estimate instead of N. It also lets training run at N = 1 when H * W > 1."),
                       ("How is eval-mode BatchNorm removed at inference?",
                        "It is a fixed per-channel affine map, scale a = gamma / sqrt(running_var + eps) and shift "
                        "beta - a * running_mean, so it folds into the preceding conv: multiply filter f by a_f "
                        "and set its bias to a_f * (b_f - running_mean_f) + beta_f. The conv needs no bias of its "
                        "own in training: the mean subtraction cancels it and beta replaces it.")])
TOPIC.hints("spatial_batchnorm_backward",
            "The idea: undo the forward's layout trick: bring dout into the same (M, C) row order, reuse "
            "batchnorm_backward with the forward's cache, and restore dx's layout; dgamma and dbeta then already "
            "sum over N, H and W.",
            "The formula: per channel c over its M = N * H * W values: dbeta_c = sum dout, "
            "dgamma_c = sum dout * x_hat, dx = gamma_c * inv_std_c * (dout - mean(dout) - x_hat * "
            "mean(dout * x_hat)), every sum and mean over n, h and w together.",
            "The shape of the code: the same transpose to (N, H, W, C) and reshape to (M, C) for dout, one call of "
            "batchnorm_backward, then reshape dx to (N, H, W, C) and transpose with (0, 3, 1, 2). Pitfall: the "
            "cached x_hat is in the (M, C) row order, so dout must be laid out identically; check that dx.shape "
            "equals dout.shape and test with H != W and C > 1.",
            questions=[("What does the transpose-and-reshape cost, and how do you avoid it?",
                        "The transpose is a view, but reshaping the non-contiguous result copies all N * C * H * W "
                        "values, in the forward and again in the backward. Reductions over axes (0, 2, 3) with "
                        "keepdims and (C, 1, 1) broadcasting work in place on NCHW, as cuDNN's kernels do."),
                       ("How do LayerNorm, InstanceNorm and GroupNorm differ from this?",
                        "Only the reduction set: LayerNorm per sample over (C, H, W), InstanceNorm per (n, c) over "
                        "(H, W), GroupNorm per (n, group) over the group's channels and (H, W). The backward formula "
                        "is the same with M the group's size; none depends on the batch, so train and eval agree "
                        "and they keep no running statistics by default.")])

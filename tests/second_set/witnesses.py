"""One direct computation per buggy copy on which it differs from the reference.

Run ``python -m tests.second_set.witnesses``: for every copy in mutants.MUTANTS it imports the reference module
and the copy (each as a fresh package in a temp folder), calls WITNESSES[name](module) on both, and says whether
the results differ (an exception on one side only counts as a difference). A copy whose witness gives the same
result is an equivalent rewrite, or a bad witness, and must be fixed or dropped.
"""
from __future__ import annotations

import importlib
import itertools
import sys
import tempfile
import pathlib

import numpy as np

from tests.support import write_module
from tests.second_set.mutants import MUTANTS

rng = np.random.default_rng
AND_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND_Y = np.array([0.0, 0.0, 0.0, 1.0])


def _mlp_params(seed=0):
    r = rng(seed)
    return {"W1": r.standard_normal((3, 4)), "b1": r.standard_normal(4),
            "W2": r.standard_normal((4, 2)), "b2": r.standard_normal(2)}, r.standard_normal((5, 3)), np.arange(5) % 2


def _two_calls(m):
    r = rng(0)
    return m.dropout_forward(np.ones(50), 0.5, True, r)[0], m.dropout_forward(np.ones(50), 0.5, True, r)[0]


def _bn(m, train=True, x=None, rm=None, rv=None):
    x = rng(0).standard_normal((4, 3)) + 2.0 if x is None else x
    d = x.shape[1]
    return m.batchnorm_forward(x, np.ones(d), np.zeros(d), np.zeros(d) if rm is None else rm,
                               np.ones(d) if rv is None else rv, train)


def _bn_backward(m):
    x = rng(0).standard_normal((4, 3)) + 2.0
    out, _, _, cache = m.batchnorm_forward(x, np.full(3, 1.5), np.zeros(3), np.zeros(3), np.ones(3), True)
    return m.batchnorm_backward(rng(1).standard_normal((4, 3)), cache)


def _sbn(m, shape=(2, 3, 2, 2)):
    x = rng(0).standard_normal(shape) * np.arange(1, shape[1] + 1)[:, None, None]
    c = shape[1]
    return m.spatial_batchnorm_forward(x, np.ones(c), np.zeros(c), np.zeros(c), np.ones(c), True)[0]


def _sbn_backward(m):
    x = rng(0).standard_normal((2, 3, 2, 2))
    out, _, _, cache = m.spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), True)
    return m.spatial_batchnorm_backward(rng(1).standard_normal((2, 3, 2, 2)), cache)


def _conv_backward(m, stride=1, N=2, F=2):
    r = rng(0)
    x, w, b = r.standard_normal((N, 1, 5, 5)), r.standard_normal((F, 1, 3, 3)), r.standard_normal(F)
    out, cache = m.conv2d_forward(x, w, b, stride=stride)
    return m.conv2d_backward(r.standard_normal(out.shape), cache)


def _seeded(seed, f):
    np.random.seed(seed)
    return f()


WITNESSES = {
    # perceptron
    "predict_sign_rescaled": lambda m: m.perceptron_predict(np.array([[1.0, -1.0]]), np.array([1.0, 1.0]), 0.0),
    "train_errors_miss_final_clean_epoch": lambda m: m.perceptron_train(AND_X, AND_Y),
    "train_bias_ignores_lr": lambda m: m.perceptron_train(np.array([[2.0], [-1.0]]), np.array([1.0, 0.0]), lr=0.5),
    "train_epoch_predictions_precomputed": lambda m: m.perceptron_train(AND_X, AND_Y),
    "train_shuffles_with_global_rng": lambda m: _seeded(3, lambda: m.perceptron_train(AND_X, AND_Y)),
    "train_bias_never_updated": lambda m: m.perceptron_train(AND_X, AND_Y),
    # activations
    "sigmoid_clipped_input": lambda m: m.sigmoid_forward(np.array([-40.0]))[0],
    "sigmoid_backward_treats_cache_as_input":
        lambda m: m.sigmoid_backward(np.ones(1), m.sigmoid_forward(np.array([0.5]))[1]),
    "tanh_from_exponentials": lambda m: m.tanh_forward(np.array([800.0]))[0],
    "relu_forward_in_place": lambda m: (lambda x: (m.relu_forward(x), x)[1])(np.array([-1.0, 2.0])),
    "elu_alpha_scales_both_sides": lambda m: m.elu_forward(np.array([2.0]), alpha=0.5)[0],
    "elu_backward_one_at_zero": lambda m: m.elu_backward(np.ones(1), m.elu_forward(np.array([0.0]), alpha=0.5)[1]),
    # losses
    "softmax_shift_by_global_max": lambda m: m.softmax(np.array([[1000.0, 0.0], [0.0, 1.0]])),
    "softmax_shifts_input_in_place": lambda m: (lambda x: (m.softmax(x), x)[1])(np.array([[1.0, 2.0]])),
    "log_softmax_drops_the_shift": lambda m: m.log_softmax(np.array([[1.0, 2.0]])),
    "cross_entropy_one_hot_sized_by_batch": lambda m: m.softmax_cross_entropy(np.array([[1.0, 2.0, 3.0]]), np.array([0])),
    "cross_entropy_mean_over_all_entries": lambda m: m.softmax_cross_entropy(np.array([[1.0, 2.0, 3.0]]), np.array([0])),
    "mse_grad_over_rows": lambda m: m.mse_loss(np.ones((2, 3)), np.zeros((2, 3))),
    # mlp
    "affine_dw_averaged_over_batch":
        lambda m: m.affine_backward(np.ones((2, 2)), m.affine_forward(np.ones((2, 3)), np.ones((3, 2)), np.zeros(2))[1]),
    "mlp_tanh_derivative_of_preactivation": lambda m: m.mlp_loss(*_mlp_params()[1:], _mlp_params()[0], "tanh"),
    "init_scaled_by_fan_out": lambda m: m.init_mlp([4, 2], rng(0)),
    "init_ignores_rng": lambda m: _seeded(1, lambda: m.init_mlp([4, 2], rng(0))),
    "mlp_forward_activates_scores":
        lambda m: m.mlp_forward(_mlp_params()[1], {**_mlp_params()[0], "b2": _mlp_params()[0]["b2"] - 5.0})[0],
    "mlp_loss_unshifted_softmax":
        lambda m: m.mlp_loss(_mlp_params()[1], _mlp_params()[2], {**_mlp_params()[0], "W2": _mlp_params()[0]["W2"] * 1e4})[0],
    # optim
    "minibatches_forget_partial_batch": lambda m: list(m.minibatches(5, 2, shuffle=False)),
    "minibatches_global_shuffle": lambda m: _seeded(0, lambda: list(m.minibatches(10, 3, rng=rng(1)))),
    "sgd_updates_in_place": lambda m: (lambda w: (m.sgd(w, np.ones(2), 0.1), w)[1])(np.ones(2)),
    "momentum_dampened_like_ema": lambda m: m.sgd_momentum(np.ones(2), np.ones(2), None, 0.1),
    "adam_step_counter_starts_at_one": lambda m: m.adam(np.ones(2), np.array([1.0, -2.0]), None)[0],
    "adam_eps_inside_sqrt": lambda m: m.adam(np.ones(2), np.full(2, 1e-6), None)[0],
    "adam_decoupled_weight_decay": lambda m: m.adam(np.ones(2), np.array([1.0, -2.0]), None, lr=0.1, weight_decay=0.1)[0],
    "fit_mlp_resets_adam_each_epoch": lambda m: m.fit_mlp(
        rng(5).standard_normal((20, 2)), (rng(5).standard_normal((20, 2))[:, 0] > 0).astype(int), [4], 3, 5, 0.01, rng(0)),
    # dropout
    "dropout_p_as_keep_probability": lambda m: m.dropout_forward(np.ones(1000), 0.2, True, rng(0))[0],
    "dropout_mask_cached_by_shape": _two_calls,
    "dropout_global_rng": lambda m: _seeded(0, lambda: m.dropout_forward(np.ones(50), 0.5, True, rng(0))[0]),
    "dropout_cache_is_boolean_keep":
        lambda m: m.dropout_backward(np.ones(8), m.dropout_forward(np.ones(8), 0.5, True, rng(0))[1]),
    "dropout_p_one_divides_by_zero": lambda m: m.dropout_forward(np.ones(3), 1.0, True, rng(0))[0],
    "dropout_eval_also_scales": lambda m: m.dropout_forward(np.ones(3), 0.5, False, rng(0))[0],
    "dropout_rescale_by_kept_fraction": lambda m: m.dropout_forward(np.ones(7), 0.5, True, rng(0))[0],
    # batchnorm
    "bn_running_var_biased": lambda m: _bn(m)[2],
    "bn_normalizes_with_unbiased_var": lambda m: _bn(m)[0],
    "bn_momentum_keras_convention": lambda m: _bn(m)[1],
    "bn_eps_outside_sqrt": lambda m: _bn(m, x=np.array([[0.0], [1e-3]]))[0],
    "bn_eval_uses_batch_statistics": lambda m: _bn(m, train=False)[0],
    "bn_backward_ignores_mean_path": _bn_backward,
    "spatial_bn_reshape_without_transpose": _sbn,
    "spatial_bn_width_height_swapped": lambda m: _sbn(m, (2, 3, 2, 3)),
    "spatial_bn_backward_reshape_without_transpose": _sbn_backward,
    # conv
    "conv_output_size_ignores_padding": lambda m: m.conv2d_forward(
        rng(0).standard_normal((1, 1, 4, 4)), rng(1).standard_normal((1, 1, 3, 3)), np.zeros(1), padding=1)[0],
    "conv_flips_the_kernel": lambda m: m.conv2d_forward(
        rng(0).standard_normal((1, 1, 4, 4)), rng(1).standard_normal((1, 1, 3, 3)), np.zeros(1))[0],
    "conv_bias_broadcast_over_rows": lambda m: m.conv2d_forward(
        rng(0).standard_normal((1, 1, 3, 3)), rng(1).standard_normal((2, 1, 2, 2)), np.array([1.0, -1.0]))[0],
    "conv_db_summed_over_wrong_axes": lambda m: _conv_backward(m)[2],
    "conv_dx_ignores_stride": lambda m: _conv_backward(m, stride=2)[0],
    "maxpool_backward_to_every_tied_max":
        lambda m: m.max_pool2d_backward(np.ones((1, 1, 1, 1)), m.max_pool2d_forward(np.ones((1, 1, 2, 2)), 2)[1]),
    "maxpool_default_stride_one": lambda m: m.max_pool2d_forward(rng(0).standard_normal((1, 1, 4, 4)), 2)[0],
    "avgpool_output_size_ignores_stride":
        lambda m: m.avg_pool2d_forward(rng(0).standard_normal((1, 1, 5, 5)), 3, stride=1)[0],
    "flatten_channels_last": lambda m: m.flatten_forward(np.arange(8.0).reshape(1, 2, 2, 2))[0],
}

_counter = itertools.count()


def load(topic: str, source: str):
    """The topic module (reference followed by source) imported as a fresh package."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="second_set_"))
    name = f"second_set_pkg_{next(_counter)}"
    write_module(root / name, topic, source)
    (root / name / "__init__.py").write_text("")
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module(f"{name}.{topic}")
    finally:
        sys.path.remove(str(root))


def _leaves(x):
    if isinstance(x, dict):
        return [("k", tuple(sorted(x)))] + [leaf for k in sorted(x) for leaf in _leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [("n", len(x))] + [leaf for item in x for leaf in _leaves(item)]
    if x is None:
        return [("none",)]
    return [("a", np.asarray(x, dtype=np.float64))]


def differ(a, b) -> bool:
    la, lb = _leaves(a), _leaves(b)
    if len(la) != len(lb):
        return True
    for x, y in zip(la, lb):
        if x[0] != y[0]:
            return True
        if x[0] != "a":
            if x != y:
                return True
        elif x[1].shape != y[1].shape or not np.allclose(x[1], y[1], rtol=1e-9, atol=0.0, equal_nan=True):
            return True
    return False


def run(f, m):
    try:
        with np.errstate(all="ignore"):
            return "ok", f(m)
    except Exception as exc:  # noqa: BLE001 - an exception is a result
        return "raised", f"{type(exc).__name__}: {exc}"


def short(x) -> str:
    text = repr(x).replace("\n", " ")
    return text if len(text) < 110 else text[:107] + "..."


def main() -> int:
    bad = []
    for mutant in MUTANTS:
        f = WITNESSES[mutant.name]
        ref = run(f, load(mutant.topic, ""))
        mut = run(f, load(mutant.topic, mutant.source))
        d = ref[0] != mut[0] or (ref[0] == "ok" and differ(ref[1], mut[1]))
        print(f"{'DIFFERS' if d else 'SAME   '} {mutant.name}")
        print(f"    reference: {short(ref[1])}\n    copy:      {short(mut[1])}")
        if not d:
            bad.append(mutant.name)
    missing = sorted(set(m.name for m in MUTANTS) - set(WITNESSES))
    print(f"\n{len(MUTANTS) - len(bad)}/{len(MUTANTS)} copies differ from the reference on their witness"
          + (f"; same result: {bad}" if bad else "") + (f"; no witness: {missing}" if missing else ""))
    return 1 if bad or missing else 0


if __name__ == "__main__":
    raise SystemExit(main())

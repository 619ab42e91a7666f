"""Checks for the conv topic: 2-D convolution, max and average pooling, flatten; performance limits."""
import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from ..core import Mistake, Previous, Topic, call, chain_of
from ..core.strategies import any_shape, array, inputs, size

TOPIC = Topic("conv", "Convolutional network layers", difficulty="hard")


def T(array):
    """A tensor of a fresh copy (inputs may be read-only, as recorded inputs are, or negatively strided)."""
    return torch.from_numpy(np.array(array))


def _conv(x, w, b, stride, padding):
    return F.conv2d(T(x), T(w), T(b), stride=stride, padding=padding).numpy()


def _spans(n, k, s, p):
    """How many (output position, kernel offset) pairs reach each padded input index along one axis."""
    count = np.zeros(n + 2 * p, dtype=int)
    for o in range((n + 2 * p - k) // s + 1):
        count[o * s:o * s + k] += 1
    return count


def _wrong_only_where_windows_overlap(obs):
    """dx is right where one window covers a pixel and wrong only where windows overlap; the other gradients
    (conv's dw, db) right. Conv inputs (w, stride, padding) or pooling ones (kernel_size, stride; no padding)."""
    i = obs.inputs
    (kh, kw), p = (i["w"].shape[2:], i["padding"]) if "w" in i else ((i["kernel_size"],) * 2, 0)
    got = obs.outputs
    dx, expected = np.asarray(got[0]), obs.expected[0]
    _, _, H, W = i["x"].shape
    s = i["stride"] or kh  # pooling's stride None is kernel_size
    overlap = np.outer(_spans(H, kh, s, p), _spans(W, kw, s, p))[p:p + H, p:p + W] > 1
    wrong = ~np.isclose(dx, expected, rtol=1e-6, atol=1e-8)
    rest_right = all(np.allclose(g, e, rtol=1e-6, atol=1e-8) for g, e in zip(got[1:], obs.expected[1:]))
    return rest_right and wrong.any() and not (wrong & ~overlap).any()


def _padded_one_side(obs):
    x, w, b, s, p = obs.inputs.values()
    return p > 0 and any(np.allclose(obs.got[0], _conv(np.pad(x, ((0, 0), (0, 0), side, side)), w, b, s, 0),
                                     rtol=1e-6, atol=1e-8) for side in ((0, 2 * p), (2 * p, 0)))


@st.composite
def conv_inputs(draw):
    n, c, f, kh, kw = draw(size(1, 3)), draw(size(1, 3)), draw(size(1, 3)), draw(size(1, 4)), draw(size(1, 4))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * padding), kh - 2 * padding + 7))
    w = draw(st.integers(max(1, kw - 2 * padding), kw - 2 * padding + 7))
    return {"x": draw(array((n, c, h, w))), "w": draw(array((f, c, kh, kw))), "b": draw(array((f,))),
            "stride": stride, "padding": padding}


def conv_features(inputs):
    """What a conv2d failure's condition may speak of (besides sizes, stride and padding)."""
    kh, kw = inputs["w"].shape[2:]
    return {"windows overlap (stride < kernel) ||| windows do not overlap (stride >= kernel)":
            inputs["stride"] < max(kh, kw),
            "the kernel is square ||| the kernel is not square": kh == kw}


def pool_features(inputs):
    stride = inputs["kernel_size"] if inputs["stride"] is None else inputs["stride"]
    return {"windows overlap (stride < kernel_size) ||| windows do not overlap (stride >= kernel_size)":
            stride < inputs["kernel_size"],
            "stride was left as None ||| stride was given": inputs["stride"] is None}


def _case(x, w, stride, padding, seed=0):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal(x), "w": rng.standard_normal(w), "b": rng.standard_normal(w[0]),
            "stride": stride, "padding": padding}


CONV_CASES = [_case((1, 1, 5, 7), (1, 1, 2, 3), 2, 1), _case((1, 2, 2, 3), (2, 2, 4, 3), 1, 1),
              _case((2, 3, 6, 6), (4, 3, 3, 3), 3, 2)]
TOPIC.about("conv2d_forward", "2-D cross-correlation with stride and zero padding", "hard")
conv_checks = TOPIC.layer("conv2d", inputs=conv_inputs(), cases=CONV_CASES, grads=("x", "w", "b"), features=conv_features,
            oracle=lambda x, w, b, stride, padding: F.conv2d(x, w, b, stride=stride, padding=padding), mistakes=[
    Mistake("flipped_kernel", "F.conv2d is a cross-correlation: out[i, j] uses w[u, v] * x[i*s + u, j*s + v], "
            "without flipping the kernel", variant=lambda x, w, b, stride, padding: _conv(x, w[:, :, ::-1, ::-1], b,
                                                                                            stride, padding)),
    Mistake("padding_one_side", "zero padding goes on all four sides, `padding` rows and columns on each: "
            "np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))", when=_padded_one_side),
    Mistake("output_size_with_stride", "the output is (H + 2p - KH) // stride + 1 by (W + 2p - KW) // stride + 1",
            when=lambda obs: obs.inputs["stride"] > 1 and np.ndim(obs.got[0]) == 4
            and np.shape(obs.got[0])[:2] == obs.expected[0].shape[:2]
            and np.shape(obs.got[0]) != obs.expected[0].shape),
    Mistake("db_not_summed_over_space", "every output position adds its dout to the bias: "
            "db = dout.sum(axis=(0, 2, 3)), over the batch and over space",
            variant=lambda dout, x, w, b, stride, padding: {"db": dout.sum(axis=0)}, stage="backward"),
    Mistake("dx_not_accumulated", "a pixel inside several (overlapping) windows gets the sum of their gradients: "
            "use += into dx, not =", when=_wrong_only_where_windows_overlap, stage="backward"),
])
TOPIC.defaults_check(conv_checks[0], {"stride": 1, "padding": 0}, keep=1,
                     cases=[_case((2, 3, 6, 5), (4, 3, 3, 2), 1, 0, seed=7), _case((1, 2, 4, 4), (3, 2, 2, 2), 1, 0, seed=8)])


# -- pooling -----------------------------------------------------------------------------------------------------
@st.composite
def pool_inputs(draw, unique=False):
    k, stride = draw(size(1, 3)), draw(st.sampled_from([None, 1, 2, 3]))
    shape = (draw(size(1, 2)), draw(size(1, 3)), draw(st.integers(k, k + 6)), draw(st.integers(k, k + 6)))
    return {"x": draw(array(shape, unique=unique)), "kernel_size": k, "stride": stride}


def _pool_grad(x, dout, k, s, weight):
    """Gradient spread over each window's inputs by weight(window, out) (for buggy variants)."""
    s = k if s is None else s
    dx = np.zeros_like(x)
    ho, wo = dout.shape[2:]
    for u in range(k):
        for v in range(k):
            rows, cols = slice(u, u + s * (ho - 1) + 1, s), slice(v, v + s * (wo - 1) + 1, s)
            dx[:, :, rows, cols] += dout * weight(x[:, :, rows, cols])
    return dx


def _default_stride_one(pool):
    return Mistake("pool_default_stride_one", "stride=None means stride = kernel_size (windows side by side), "
                   "as in PyTorch, not stride 1", variant=lambda x, kernel_size, stride: pool(
                       T(x), kernel_size, 1 if stride is None else stride).numpy())


POOL_KINKS = [  # ties inside windows and across overlapping ones: the gradient goes to the first maximum
    {"x": np.array([[[[1.0, 3.0, 3.0], [3.0, 0.0, 1.0], [2.0, 3.0, 3.0]]]]), "kernel_size": 2, "stride": 1},
    {"x": np.array([[[[2.0, 2.0, 0.0, 5.0], [2.0, 2.0, 5.0, 5.0]], [[1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0]]]]),
     "kernel_size": 2, "stride": None},
    {"x": np.tile(np.array([0.0, 1.0, 1.0, 0.0, 1.0]), (2, 1, 5, 1)), "kernel_size": 3, "stride": 1},
]
max_oracle = lambda x, kernel_size, stride: F.max_pool2d(x, kernel_size, stride)  # noqa: E731
avg_oracle = lambda x, kernel_size, stride: F.avg_pool2d(x, kernel_size, stride)  # noqa: E731

max_pool_assigned = Mistake("max_pool_grad_not_accumulated", "where windows overlap (stride < kernel_size) a pixel "
                            "gets the gradient of every window it is the maximum of: add into dx with +=, not =",
                            when=_wrong_only_where_windows_overlap, stage="backward")

TOPIC.about("max_pool2d_forward", "max pooling over square windows", "medium")
TOPIC.layer("max_pool2d", inputs=pool_inputs(unique=True), oracle=max_oracle, defaults={"stride": None},
            features=pool_features,
            mistakes=[_default_stride_one(F.max_pool2d), max_pool_assigned])
TOPIC.layer("max_pool2d", cases=POOL_KINKS, oracle=max_oracle, forward_check="matches_torch_with_ties",
            backward_check="ties_go_to_first_maximum", mistakes=[
    max_pool_assigned,
    Mistake("max_pool_grad_to_every_maximum", "on a tie only the first maximum of the window (row-major order) gets "
            "the gradient, as PyTorch does: use argmax, not x == max",
            variant=lambda dout, x, kernel_size, stride: _pool_grad(
                x, dout, kernel_size, stride, lambda win: win == max_oracle(T(x), kernel_size, stride).numpy()),
            stage="backward"),
])

TOPIC.about("avg_pool2d_forward", "average pooling over square windows", "medium")
TOPIC.layer("avg_pool2d", inputs=pool_inputs(), oracle=avg_oracle, defaults={"stride": None},
            features=pool_features, mistakes=[
    _default_stride_one(F.avg_pool2d),
    Mistake("avg_pool_grad_not_divided", "each input gets dout / (k * k) from every window it is in: the "
            "forward divides by the window's size, so the backward does too",
            variant=lambda dout, x, kernel_size, stride: _pool_grad(x, dout, kernel_size, stride, np.ones_like),
            stage="backward"),
])

# -- flatten -----------------------------------------------------------------------------------------------------
TOPIC.about("flatten_forward", "(N, ...) to (N, prod(...)) and back", "easy")
TOPIC.layer("flatten", inputs=inputs(x=any_shape(min_dims=2, max_dims=5, max_side=4).flatmap(array)),
            oracle=lambda x: x.reshape(x.shape[0], -1))


@TOPIC.check("flatten_backward", "round_trip", inputs=inputs(x=any_shape(min_dims=1, max_dims=5).flatmap(array)))
def round_trip(ctx, case):
    """flatten_backward(out, cache) of flatten_forward's own output gives back x."""
    _, back = yield chain_of(call("flatten_forward", x=case["x"]),
                             call("flatten_backward", Previous((0,)), Previous((1,))))
    ctx.expect(back, (case["x"],), ("flatten_backward(*flatten_forward(x))",))


# -- performance limits (after the correctness checks, on inputs large enough to time) -----------------------------
# Measured on 2 cores, in-process (best-of-6 ratios to the reference): vectorized styles (tests/alternatives/conv.py,
# im2col, an unoptimized einsum over sliding_window_view) took 0.7-9x; a Python loop over output elements
# (tests/slow_impls/conv.py) 35-800x. Timed beside a sandboxed reference, transfers shrink loops to 19-70x.
# The reference's max-pool forward is itself slowish (argmax over copied windows), hence its lower factor.
RNG = np.random.default_rng(2026)
HINT = ("vectorize: gather every window at once (numpy.lib.stride_tricks.sliding_window_view, or im2col) and use "
        "one matrix product (np.tensordot, np.einsum with optimize=True), or loop over the KH * KW kernel offsets "
        "with whole-array slices; never loop over output elements")
POOL_HINT = ("vectorize: loop over the k * k offsets inside a window with whole-array strided slices "
             "(x[:, :, u::s, v::s]) or reduce a sliding_window_view; never loop over output elements")
TOPIC.layer_limits("conv2d", inputs={"x": RNG.standard_normal((8, 4, 24, 24)), "w": RNG.standard_normal((8, 4, 3, 3)),
                                     "b": RNG.standard_normal(8), "stride": 1, "padding": 1},
                   factor=20, grads=("x", "w", "b"), hint=HINT)
POOL_INPUT = {"x": RNG.standard_normal((8, 8, 24, 24)), "kernel_size": 2, "stride": 1}
TOPIC.layer_limits("max_pool2d", inputs=POOL_INPUT, factor=(10, 20), hint=POOL_HINT)
TOPIC.layer_limits("avg_pool2d", inputs=POOL_INPUT, factor=20, hint=POOL_HINT)

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
            oracle=lambda x: torch.flatten(x, 1))
# An empty batch (N = 0), a check of its own: torch.flatten gives (0, D) there, where x.reshape(N, -1) raises.
TOPIC.layer("flatten", cases=[{"x": np.zeros((0, 3, 2))}, {"x": np.zeros((0, 2, 2, 2))}],
            oracle=lambda x: torch.flatten(x, 1), forward_check="empty_batch", backward_check="empty_batch",
            points=(0.5, 0.5), mistakes=[
    Mistake("flatten_minus_one_on_empty_batch", "x.reshape(N, -1) cannot infer -1 when N = 0 (no elements fit "
            "any size): give the size itself, math.prod(x.shape[1:])",
            when=lambda o: o.inputs["x"].shape[0] == 0 and "reshape" in o.call.message, raised=True),
])


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


# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("conv2d_forward",
            "The idea: slide each of the F filters over the zero-padded input with the given stride; every output "
            "is the dot product of one filter with the C x KH x KW patch under it, plus that filter's bias. It is "
            "cross-correlation (no kernel flip). Vectorize by gathering all patches at once and contracting them "
            "with the filters in one product.",
            "The formula: H_out = (H + 2p - KH) // s + 1, W_out likewise; out[n, f, i, j] = b[f] + "
            "sum_{c,u,v} w[f, c, u, v] * x_pad[n, c, i*s + u, j*s + v]. As im2col: columns (N, C*KH*KW, "
            "H_out*W_out), filters reshaped to (F, C*KH*KW), out = filters @ columns, reshaped to "
            "(N, F, H_out, W_out).",
            "The shape of the code: np.pad only axes 2 and 3; sliding_window_view over axes (2, 3) with window "
            "(KH, KW), then ::s on the two window-position axes, gives (N, C, H_out, W_out, KH, KW) with no copy; "
            "contract c, u, v with w by np.einsum (optimize=True) or np.tensordot, or reshape into columns and use "
            "@; add b broadcast as (F, 1, 1); cache the padded input or the columns, w, stride and padding. "
            "Pitfall: tensordot puts F last; move it to axis 1.",
            questions=[("What does im2col cost in time and memory, and what are the alternatives?",
                        "N*F*C*KH*KW*H_out*W_out multiply-adds either way; the column matrix holds about KH*KW/s^2 "
                        "copies of the input, traded for one fast GEMM. A loop over the KH*KW offsets avoids the "
                        "blow-up; FFT convolution pays off for large kernels and Winograd (cuDNN) for 3x3."),
                       ("What do dilation and groups change?",
                        "Dilation d spaces the kernel taps d apart: the effective size is d*(K - 1) + 1 and "
                        "H_out = (H + 2p - d*(K - 1) - 1) // s + 1. Groups g split the channels into g independent "
                        "convolutions, w of shape (F, C/g, KH, KW); depthwise convolution is g = C.")])
TOPIC.hints("conv2d_backward",
            "The idea: each output was one patch dotted with one filter, so dout[n, f, i, j] sends the patch "
            "times dout to the filter's gradient and the filter times dout back to the patch's input elements; db "
            "collects dout per filter. An input element inside several windows sums all its contributions.",
            "The formula: db[f] = sum_{n,i,j} dout[n, f, i, j]; dw[f, c, u, v] = sum_{n,i,j} dout[n, f, i, j] * "
            "x_pad[n, c, i*s + u, j*s + v]; dx_pad[n, c, i*s + u, j*s + v] += sum_f dout[n, f, i, j] * "
            "w[f, c, u, v]; dx is dx_pad without its p-wide border. With im2col: dw = dout_mat @ columns^T summed "
            "over n, dcolumns = filters^T @ dout_mat, then col2im.",
            "The shape of the code: db is one sum over axes (0, 2, 3); dw is one einsum or tensordot of dout with "
            "the cached windows or columns; for dx, allocate zeros of the padded shape, loop over the KH*KW offsets "
            "(u, v), and add the (N, C, H_out, W_out) contribution of w[:, :, u, v] into the strided slice of "
            "dx_pad that starts at (u, v) with step s; then slice the padding off. Pitfalls: = instead of +=; "
            "writing into a sliding_window_view.",
            questions=[("How is dx related to a transposed convolution?",
                        "dx is conv_transpose2d(dout, w, stride=s, padding=p): for s = 1 a full correlation of "
                        "dout with the kernel flipped in space and its F and C axes swapped; for s > 1 dout is "
                        "first dilated with s - 1 zeros between entries. dw is a correlation of x_pad with dout."),
                       ("Which input elements get a zero gradient, and why?",
                        "Those no window covers: when (H + 2p - KH) is not a multiple of s, the last rows or "
                        "columns are never read, so their dx stays 0. The gradient that lands on the padding is "
                        "discarded, since the zeros are constants, not inputs.")])
TOPIC.hints("max_pool2d_forward",
            "The idea: take the maximum of each k x k window, stepping s (s = k when stride is None), and "
            "remember which element of each window won: the backward sends the gradient there only.",
            "The formula: H_out = (H - k) // s + 1, W_out likewise; out[n, c, i, j] = max_{u,v<k} "
            "x[n, c, i*s + u, j*s + v]; the winner is the argmax over the window flattened row-major to k*k "
            "values, at (u, v) = divmod(index, k).",
            "The shape of the code: resolve stride None to k first; sliding_window_view over axes (2, 3) with "
            "window (k, k), then ::s on the window-position axes, gives (N, C, H_out, W_out, k, k); reshape the "
            "last two axes into one of k*k (this copies, which is fine); np.argmax along it, and the max itself "
            "by max or np.take_along_axis; cache x.shape, the argmax, k and s. Pitfall: reducing over the wrong "
            "axes.",
            questions=[("Why cache the argmax instead of x?",
                        "The backward needs only each window's winner: one integer per output, a quarter of x's "
                        "size for 2 x 2 windows, and it fixes the tie rule once. Recomputing a max mask from x "
                        "would give every tied element the gradient."),
                       ("What do padding and ceil_mode change in PyTorch's max_pool2d?",
                        "padding pads implicitly with -inf, so padded cells never win (it may be at most k/2); "
                        "ceil_mode=True rounds the output size up, keeping a last partial window provided it "
                        "starts inside the input or the left padding. return_indices exposes the argmax.")])
TOPIC.hints("max_pool2d_backward",
            "The idea: max is a switch: each window's gradient goes entirely to its winning input element (the "
            "first maximum on ties) and nothing to the others; an element that wins several overlapping windows "
            "collects the sum.",
            "The formula: with (u*, v*) = divmod(idx[n, c, i, j], k): dx[n, c, i*s + u*, j*s + v*] += "
            "dout[n, c, i, j]; every other entry of dx is 0, including rows and columns no window covers.",
            "The shape of the code: zeros of the cached x.shape; loop over the k*k offsets (u, v): the boolean "
            "(N, C, H_out, W_out) mask of windows whose argmax is u*k + v keeps their dout (np.where or a "
            "product), added with += into dx's strided slice starting at (u, v) with step s. Pitfall: a fancy-"
            "index += drops repeated indices where windows overlap; scatter with np.add.at if you go by index.",
            questions=[("What is the right gradient when a window has ties?",
                        "Max is not differentiable there; any convex combination of the tied elements is a valid "
                        "subgradient. PyTorch sends all of dout to one element (the first in row-major order) so "
                        "the gradient's total is kept; giving it to every tied element multiplies it."),
                       ("Why can a finite-difference gradient check of max pooling fail?",
                        "If two values in a window are closer than the step h, perturbing one changes the winner "
                        "and the numerical derivative mixes both branches. Check with well-separated random "
                        "values, or a small h and a tolerance that allows for kinks.")])
TOPIC.hints("avg_pool2d_forward",
            "The idea: each output is the mean of one k x k window, stepping s (s = k when stride is None). It "
            "is a fixed per-channel convolution with every weight 1/k^2, so it is linear and its backward needs "
            "no input values.",
            "The formula: H_out = (H - k) // s + 1, W_out likewise; out[n, c, i, j] = (1/k^2) * "
            "sum_{u,v<k} x[n, c, i*s + u, j*s + v].",
            "The shape of the code: resolve stride None to k; either the mean over the last two axes of the "
            "strided sliding_window_view, or zeros of (N, C, H_out, W_out) accumulating, over the k*k offsets "
            "(u, v), the strided slice of x starting at (u, v) with step s, divided by k*k at the end; cache only "
            "x.shape, k and s. Pitfall: each slice must have exactly H_out rows: stop at u + s*H_out.",
            questions=[("What do count_include_pad and divisor_override do in PyTorch's avg_pool2d?",
                        "With padding, count_include_pad=True (the default) divides every window by k*k, zeros "
                        "included; False divides by the number of real input elements in the window. "
                        "divisor_override replaces the divisor with a fixed number."),
                       ("Why do modern CNNs end with global average pooling instead of flatten and a dense layer?",
                        "Averaging each channel over all H x W positions (AdaptiveAvgPool2d(1)) leaves C numbers "
                        "per image: far fewer dense weights, less overfitting, and any input size works. "
                        "ResNet does this.")])
TOPIC.hints("avg_pool2d_backward",
            "The idea: the forward is linear and each input counts 1/k^2 in every window that covers it, so each "
            "window spreads dout / k^2 evenly over its k*k inputs, and overlapping windows add up.",
            "The formula: dx[n, c, i*s + u, j*s + v] += dout[n, c, i, j] / k^2 for all u, v < k; inputs that no "
            "window covers (cut off by the floor) get 0.",
            "The shape of the code: zeros of the cached x.shape; scale dout by 1 / (k*k) once; loop over the k*k "
            "offsets (u, v) adding the scaled dout into dx's strided slice starting at (u, v) with step s. "
            "Pitfall: np.repeat or np.kron upsampling is right only when s == k and k divides H and W.",
            questions=[("What is the backward in linear-algebra and in convolution terms?",
                        "The forward is a linear map A, so dx = A^T dout: the adjoint. Per channel it is a "
                        "transposed convolution of dout with a constant 1/k^2 kernel at stride s."),
                       ("What quick sanity check does dx satisfy?",
                        "Per (n, c), dx sums to the sum of dout, since each window hands out exactly its dout. "
                        "For s == k with exact division, dx is dout upsampled by k along both axes, divided by k^2.")])
TOPIC.hints("flatten_forward",
            "The idea: keep the batch axis and lay each sample's remaining axes out as one row in row-major (C) "
            "order, the order torch.flatten(x, 1) uses; remember the input shape for the backward.",
            "The formula: out has shape (N, D) with D = prod(x.shape[1:]), and 1 for an (N,) input; "
            "out[n, flat(i1, i2, ...)] = x[n, i1, i2, ...], the last axis varying fastest.",
            "The shape of the code: D from math.prod over x.shape[1:] (np.prod of an empty tuple is the float 1.0, "
            "which reshape rejects); reshape to (N, D) in the default C order; cache x.shape. Pitfall: -1 in the "
            "reshape is ambiguous, and raises, for an empty batch N = 0.",
            questions=[("When does a reshape copy, and how do torch's view and reshape differ?",
                        "A reshape is a view when the strides allow it (e.g. a contiguous array) and copies "
                        "otherwise. torch's view never copies and raises on incompatible strides, e.g. after a "
                        "permute; reshape (and flatten) fall back to a copy, or call .contiguous() first."),
                       ("Why does flatten's order matter when porting a model from TensorFlow (NHWC)?",
                        "The dense layer after flatten is indexed by the flattened position: NCHW flattens in "
                        "(c, h, w) order, NHWC in (h, w, c). Porting the weights means permuting that layer's "
                        "input columns, or the model silently computes garbage.")])
TOPIC.hints("flatten_backward",
            "The idea: flatten only relabels elements, so the gradient is the same numbers relabeled back: dout "
            "returns to the shape of the forward's input.",
            "The formula: dx[n, i1, i2, ...] = dout[n, flat(i1, i2, ...)], the same row-major order as the "
            "forward; dx.shape equals the cached x.shape.",
            "The shape of the code: one reshape of dout to the cached shape, in the default C order (a copy keeps "
            "dx from aliasing dout). Pitfalls: caching only N or the flattened size instead of the full shape; "
            "reshaping with order='F'; returning dout unchanged.",
            questions=[("What is the Jacobian of flatten?",
                        "The identity in flat index order, a permutation at worst, so the backward is its transpose: "
                        "the inverse reshape. The gradient of any pure layout operation (reshape, transpose) is the "
                        "inverse layout operation."),
                       ("What do flatten and its backward cost?",
                        "No arithmetic: for a contiguous input both are O(1) views that only change the shape and "
                        "strides; a non-contiguous input costs one O(N*D) copy.")])

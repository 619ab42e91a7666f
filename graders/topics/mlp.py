"""Checks for the mlp topic: the affine layer, He initialization, the MLP's forward, backward and loss."""
import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from ..core import GLOBAL_RNG, Mistake, Rng, Topic, call
from ..core.compare import describe
from ..core.strategies import array, inputs, labels, size
from .losses import cross_entropy

TOPIC = Topic("mlp", "Feed-forward network and backpropagation", difficulty="medium")
ACTIVATIONS = ("relu", "sigmoid", "tanh")


# -- the network: in torch (the oracle) and in numpy (for the buggy variants) -------------------------
def torch_mlp(x, params, activation="relu"):
    """The same network as nn.Linear layers (weight = W.T) with the hidden activation between them."""
    act = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[activation]
    layers = len(params) // 2
    for l in range(1, layers + 1):
        x = F.linear(x, params[f"W{l}"].T, params[f"b{l}"])
        x = x if l == layers else act(x)
    return x


_NP = {"relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0) * 1.0),
       "sigmoid": (lambda z: 0.5 * (1 + np.tanh(z / 2)), lambda z, a: a * (1 - a)),
       "tanh": (np.tanh, lambda z, a: 1 - a * a)}


def np_forward(x, params, activation, act_on_output=False):
    f = _NP[activation][0]
    layers, trace = len(params) // 2, []
    for l in range(1, layers + 1):
        z = x @ params[f"W{l}"] + params[f"b{l}"]
        a = f(z) if l < layers or act_on_output else z
        trace.append((x, z, a))
        x = a
    return x, trace


def np_backward(dscores, x, params, activation, act_on_output=False, act_derivative=True, relu_at_zero=0.0):
    _, trace = np_forward(x, params, activation, act_on_output)
    df, grads, dh = _NP[activation][1], {}, dscores
    for l in range(len(trace), 0, -1):
        h, z, a = trace[l - 1]
        slope = df(z, a) + (relu_at_zero * (z == 0) if activation == "relu" else 0.0)
        dz = dh * slope if (l < len(trace) or act_on_output) and act_derivative else dh
        grads[f"W{l}"], grads[f"b{l}"], dh = h.T @ dz, dz.sum(axis=0), dz @ params[f"W{l}"].T
    return grads


def network_features(inputs):
    """A failure's condition may speak of the network's depth and of the batch."""
    return {"depth (layers)": len(inputs["params"]) // 2, "batch size": len(inputs["x"])}


def _softmax_overflowed(obs):
    """The loss came back inf or NaN on scores whose exp overflows (|scores| > 709) where torch's is finite."""
    scores, _ = np_forward(obs.inputs["x"], obs.inputs["params"], obs.inputs["activation"])
    return obs.first_not_finite and np.abs(scores).max() > 709


def np_loss_grads(x, y, params, activation):
    scores, _ = np_forward(x, params, activation)
    return np_backward(cross_entropy(scores, y)[1], x, params, activation)


# -- inputs ----------------------------------------------------------------------------------------------
@st.composite
def affine_inputs(draw):
    n, d, m = draw(size(1, 6)), draw(size(1, 6)), draw(size(1, 6))
    return {"x": draw(array((n, d))), "w": draw(array((d, m))), "b": draw(array((m,)))}


@st.composite
def networks(draw, min_classes=1, with_labels=False):
    """x, (y,) params of 1 to 4 layers, the hidden activation; batch sizes from 1. Moderate weights keep
    deep scores well scaled, so the default tolerance holds for every summation order."""
    sizes = [draw(size(1, 5)) for _ in range(draw(st.integers(1, 4)))] + [draw(size(min_classes, 5))]
    n = draw(size(1, 6))
    case = {"x": draw(array((n, sizes[0]), -3, 3))}
    if with_labels:
        case["y"] = draw(labels(n, sizes[-1]))
    case["params"] = {k: v for l in range(1, len(sizes)) for k, v in (
        (f"W{l}", draw(array((sizes[l - 1], sizes[l]), -1.5, 1.5))), (f"b{l}", draw(array((sizes[l],), -1, 1))))}
    case["activation"] = draw(st.sampled_from(ACTIVATIONS))
    return case


def network_case(sizes, n, activation, seed, with_labels=False):
    rng = np.random.default_rng(seed)
    case = {"x": rng.uniform(-3, 3, (n, sizes[0]))}
    if with_labels:
        case["y"] = rng.integers(0, sizes[-1], n)
    case["params"] = {k: v for l in range(1, len(sizes)) for k, v in (
        (f"W{l}", rng.uniform(-1.5, 1.5, sizes[l - 1:l + 1])), (f"b{l}", rng.uniform(-1, 1, sizes[l])))}
    return {**case, "activation": activation}


# Depth 1 to 4, every activation, batches of one. Explicit cases run last first: the smallest failing one is shown.
NET_SHAPES = [([6, 8, 8, 3], 7, "tanh"), ([5, 6, 4, 3, 4], 3, "relu"), ([4, 3, 5, 2], 1, "tanh"),
              ([2, 4, 3], 1, "sigmoid"), ([3, 2], 1, "relu")]
NET_CASES = [network_case(s, n, a, seed) for seed, (s, n, a) in enumerate(NET_SHAPES)]
LOSS_CASES = [network_case(s, n, a, seed, with_labels=True) for seed, (s, n, a) in enumerate(NET_SHAPES)]
# What the activations and losses topics check, where it comes back inside the network: a hidden ReLU unit at
# exactly 0 (its gradient is 0 there), and scores large and unequal enough to overflow a softmax without its
# max shift.
KINK = {"x": np.array([[1.0, -1.0], [-2.0, 0.5]]),
        "params": {"W1": np.array([[1.0, 1.0], [1.0, 0.0]]), "b1": np.zeros(2),
                   "W2": np.array([[0.5, -1.0, 2.0], [2.0, 1.0, -0.5]]), "b2": np.array([0.1, -0.2, 0.3])},
        "activation": "relu"}
HUGE_SCORES = {**network_case([3, 4, 3], 4, "relu", 11, with_labels=True)}
HUGE_SCORES["params"] = {k: v * (300.0 if k[0] == "W" else 1.0) for k, v in HUGE_SCORES["params"].items()}
NET_CASES.append(KINK)
LOSS_CASES.append({"x": KINK["x"], "y": np.array([2, 0]), "params": KINK["params"], "activation": "relu"})
LOSS_CASES.append(HUGE_SCORES)

# -- affine ----------------------------------------------------------------------------------------------
TOPIC.about("affine_forward", "a fully connected layer, x @ w + b", "easy")
TOPIC.about("affine_backward", "its gradients dx, dw, db", "easy")
TOPIC.layer("affine", inputs=affine_inputs(), oracle=lambda x, w, b: F.linear(x, w.T, b), grads=("x", "w", "b"),
            cases=[{"x": np.array([[1.0, -2.0, 0.5]]), "w": np.arange(6.0).reshape(3, 2) - 2, "b": np.array([0.5, -1.0])}],
            mistakes=[
    Mistake("dw_transposed", "dw has w's shape (D, M): it is x.T @ dout, not dout.T @ x",
            variant=lambda dout, x, w, b: {"dw": dout.T @ x}, stage="backward"),
    Mistake("db_wrong_axis", "b is broadcast over the batch (axis 0), so db = dout.sum(axis=0), shape (M,)",
            variant=lambda dout, x, w, b: {"db": dout.sum(axis=1)}, stage="backward"),
    Mistake("db_averaged", "db sums dout over the batch; the 1/N of a mean belongs to the loss, not to the layer",
            variant=lambda dout, x, w, b: {"db": dout.mean(axis=0)}, stage="backward"),
    Mistake("db_keepdims", "db has b's shape (M,), not (1, M): sum without keepdims",
            variant=lambda dout, x, w, b: {"db": dout.sum(axis=0, keepdims=True)}, stage="backward"),
])

# -- init_mlp --------------------------------------------------------------------------------------------
TOPIC.about("init_mlp", "He-normal weights and zero biases", "easy")
ignores_rng = Mistake("ignores_rng", "draw every weight from the rng argument (rng.standard_normal or rng.normal), "
                      "not from np.random's global state or a generator of your own")
SCALES = {  # weight variances of common wrong rules, as multiples of He's 2 / fan_in
    Mistake("he_fan_out", "He-normal scales by fan_in, the layer's input size: std = sqrt(2 / layer_sizes[l-1])"):
        [lambda fan_in, fan_out: fan_in / fan_out],
    Mistake("std_is_variance", "2 / fan_in is the variance; the standard deviation is its square root"):
        [lambda fan_in, fan_out: 2 / fan_in],
    Mistake("not_he_scale", "that is LeCun's sqrt(1/fan_in) or Glorot's sqrt(2/(fan_in+fan_out)); "
                            "He-normal, made for ReLU networks, has std = sqrt(2 / fan_in)"):
        [lambda fan_in, fan_out: 0.5, lambda fan_in, fan_out: fan_in / (fan_in + fan_out)],
}


@TOPIC.check("init_mlp", "keys_shapes_and_zero_biases", inputs=inputs(
        layer_sizes=st.lists(size(1, 8), min_size=2, max_size=5), rng=st.integers(0, 2**32 - 1).map(Rng)),
        cases=[{"layer_sizes": [2, 1], "rng": Rng(0)}, {"layer_sizes": [3, 5, 4, 2], "rng": Rng(1)}])
def init_shapes(ctx, case):
    """'W1', 'b1', ..., 'WL', 'bL' with W_l (size_{l-1}, size_l) float weights, b_l zeros (size_l,)."""
    params = check_params(ctx, (yield call("init_mlp", **case)).value, case["layer_sizes"])
    for key, value in params.items():
        if key[0] == "b" and np.any(value != 0):
            ctx.fail(f"{key} should be all zeros, got {value}")
        if key[0] == "W" and value.size > 1 and np.all(value == value.flat[0]):
            ctx.fail(f"{key} has all its entries equal ({value.flat[0]}): draw them at random from rng")


HE_SIZES = [500, 200, 300, 100]  # every layer large, fan_in != fan_out: a wrong scale is off by 12 sd or more


@TOPIC.check("init_mlp", "he_normal_scale", cases=[{"layer_sizes": HE_SIZES, "rng": Rng(7)}], mistakes=list(SCALES))
def he_scale(ctx, case):
    """Each W_l looks like N(0, 2/fan_in): its mean square, mean and kurtosis within 8 standard errors."""
    sizes = case["layer_sizes"]
    problem, ratios = he_statistics(check_params(ctx, (yield call("init_mlp", **case)).value, sizes), sizes)
    if problem:
        ctx.fail(problem, next((m for m, rules in SCALES.items()
                                if any(_close_to(ratios, sizes, rule) for rule in rules)), None))


def he_statistics(params, sizes):
    """(the first statistic out of bounds as a message, or None; each layer's mean(W^2) / (2 / fan_in))."""
    ratios, problems = [], []
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        w = params[f"W{l}"].astype(np.float64)
        n, var = w.size, 2.0 / fan_in
        ratio = float(np.mean(w * w) / var)
        ratios.append(ratio)
        if abs(ratio - 1) > 8 * np.sqrt(2.0 / n):  # mean(w^2) / var ~ chi2(n) / n: mean 1, sd sqrt(2/n)
            problems.append(f"W{l} ({fan_in}x{fan_out}) has standard deviation {np.sqrt(ratio * var):.4g}; "
                            f"He-normal's is sqrt(2/fan_in) = {np.sqrt(var):.4g} (fan_in = {fan_in})")
        elif abs(np.mean(w)) > 8 * np.sqrt(var / n):
            problems.append(f"W{l} has mean {np.mean(w):.4g}, expected 0 (within {8 * np.sqrt(var / n):.2g})")
        elif abs(np.mean(w**4) / np.mean(w * w) ** 2 - 3) > 8 * np.sqrt(24.0 / n):
            problems.append(f"W{l} does not look normally distributed (kurtosis {np.mean(w**4) / np.mean(w * w) ** 2:.3g}, "
                            "a normal's is 3): draw with rng.standard_normal or rng.normal")
    return (problems[0] if problems else None), ratios


def _close_to(ratios, sizes, rule):
    """Every layer's variance ratio within 8 sd of the rule's."""
    return all(abs(r - rule(fi, fo)) <= 8 * np.sqrt(2.0 / (fi * fo)) * rule(fi, fo)
               for r, fi, fo in zip(ratios, sizes[:-1], sizes[1:]))


@TOPIC.check("init_mlp", "reproducible_from_rng", cases=[{"layer_sizes": [4, 6, 3], "seed": s} for s in (3, 11)],
             mistakes=[ignores_rng, GLOBAL_RNG])
def reproducible(ctx, case):
    """Two generators with the same seed give identical params; another seed gives other weights; np.random's
    global state is left alone."""
    sizes, seed = case["layer_sizes"], case["seed"]
    made, results = [], []
    for s in (seed, seed, seed + 1):
        results.append((yield call("init_mlp", layer_sizes=sizes, rng=Rng(s))))
        made.append(check_params(ctx, results[-1].value, sizes))
    first, again, other = made
    if any(not np.array_equal(first[k], again[k]) for k in first):
        ctx.fail(f"two calls with np.random.default_rng({seed}) gave different weights", ignores_rng)
    if all(np.array_equal(first[k], other[k]) for k in first):
        ctx.fail(f"np.random.default_rng({seed}) and np.random.default_rng({seed + 1}) gave the same weights",
                 ignores_rng)
    ctx.leaves_global_rng(*results)


def check_params(ctx, value, sizes, function="init_mlp"):
    """Params returned by ``function`` for layer sizes ``sizes``, checked for keys, types and shapes."""
    layers = len(sizes) - 1
    keys = [f"{p}{l}" for l in range(1, layers + 1) for p in "Wb"]
    if type(value) is not dict:
        ctx.fail(f"{function}() should return a dict with keys {keys}, got {describe(value)}")
    if set(value) != set(keys):
        ctx.fail(f"for layer_sizes={list(sizes)} the keys should be {keys}, got {sorted(value, key=str)}")
    for l in range(1, layers + 1):
        for key, shape in ((f"W{l}", (sizes[l - 1], sizes[l])), (f"b{l}", (sizes[l],))):
            v = value[key]
            if type(v) is not np.ndarray or v.dtype.kind != "f" or v.shape != shape:
                ctx.fail(f"{key} should be a float array of shape {shape}, got {describe(v, 0)}")
    return value


# -- the network -------------------------------------------------------------------------------------------
TOPIC.about("mlp_forward", "hidden layers affine + activation, the last affine only")
TOPIC.about("mlp_backward", "backpropagation through every layer")
TOPIC.layer("mlp", inputs=networks(), cases=NET_CASES, oracle=torch_mlp, outputs=("scores",), grads=("params",),
            defaults={"activation": "relu"}, features=network_features,
            max_examples=16, mistakes=[
    Mistake("activation_on_output", "the last layer is affine only: no activation on the scores (the loss applies the softmax)",
            variant=lambda x, params, activation: np_forward(x, params, activation, act_on_output=True)[0]),
    Mistake("activation_derivative_missing", "multiply the gradient reaching each hidden layer by its activation's "
            "derivative before that layer's affine backward",
            variant=lambda dout, x, params, activation: np_backward(dout, x, params, activation, act_derivative=False),
            stage="backward"),
    Mistake("relu_grad_one_at_zero", "inside the network too, ReLU's gradient at exactly 0 is 0 (PyTorch's "
            "choice): a hidden unit with z == 0 passes no gradient (z > 0, not z >= 0)",
            variant=lambda dout, x, params, activation: np_backward(dout, x, params, activation, relu_at_zero=1.0),
            stage="backward"),
])

TOPIC.about("mlp_loss", "softmax cross-entropy of the MLP, with its gradients")
TOPIC.compare("mlp_loss", inputs=networks(min_classes=2, with_labels=True), cases=LOSS_CASES, returns=("loss",),
               defaults={"activation": "relu"}, features=network_features,
               oracle=lambda x, y, params, activation: F.cross_entropy(torch_mlp(x, params, activation), y),
               gradients=("params",), gradient_names=("grads",), max_examples=16, mistakes=[
    Mistake("gradient_not_averaged", "the loss is a mean over the N samples, so every gradient carries a factor 1/N "
            "(dscores = (softmax - one_hot) / N)",
            variant=lambda x, y, params, activation: {"grads": {k: g * len(y) for k, g in
                                                                np_loss_grads(x, y, params, activation).items()}}),
    Mistake("naive_exp_overflow", "these scores are large: exp() of them overflows to inf (inf/inf is NaN) unless "
            "the softmax inside the loss subtracts each row's maximum first", when=_softmax_overflowed),
])


# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("affine_forward",
            "The idea: every output unit is a weighted sum of the inputs plus a bias. With one sample per row, the "
            "whole batch is one matrix product, and the bias is broadcast over the rows. Keep what the backward "
            "will need.",
            "The formula: out = x w + b, with x (N, D), w (D, M), b (M,) broadcast to (N, M), and out (N, M). The "
            "backward needs x (for dw) and w (for dx); b is not needed.",
            "The shape of the code: one matrix product (the @ operator or np.dot), then add b and let broadcasting "
            "expand it; return the result with a tuple referencing the inputs as the cache. Pitfall: transposing w "
            "as if it were PyTorch's (D_out, D_in) Linear.weight; copying x is not needed either.",
            questions=[("How does this compare with torch.nn.Linear?",
                        "Linear stores weight as (out_features, in_features) and computes x @ weight.T + bias, so "
                        "the w here is that weight transposed. By default it draws weight and bias from "
                        "U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform_ with a = sqrt(5)), not He-normal."),
                       ("What goes wrong with a single sample given as a 1-D x of shape (D,)?",
                        "The forward still works: x @ w is (M,). But in the backward, x.T is x itself, so the "
                        "weight gradient's product becomes an inner product (or a shape error), not the (D, M) "
                        "outer product. Keep the batch axis and pass (1, D).")])

TOPIC.hints("affine_backward",
            "The idea: out is linear in each of x, w and b, so each gradient is the upstream gradient sent back "
            "through the product, and the shapes tell you where the transposes go. b was broadcast over the rows, "
            "so its gradient sums over the rows.",
            "The formula: dx = dout w^T, (N, M)(M, D) -> (N, D); dw = x^T dout, (D, N)(N, M) -> (D, M); "
            "db = sum over n of dout[n], shape (M,).",
            "The shape of the code: unpack the cache, then two matrix products, each with one transposed operand, "
            "and one sum over axis 0 without keepdims. Pitfalls: averaging db over N (the 1/N belongs to the "
            "loss); db of shape (1, M). Check each output against numeric_gradient of np.sum(out * dout).",
            questions=[("Why does db sum over the batch rather than average?",
                        "b is shared by all N rows, so by the chain rule its gradient adds up each row's "
                        "contribution. A mean loss already puts 1/N into dout; dividing again would shrink the "
                        "bias's gradient by another factor of N."),
                       ("What does the backward cost, and can any of it be skipped?",
                        "It takes two matrix products of about 2 N D M FLOPs each, so roughly twice the forward. "
                        "The first layer's dx is never used, which saves one product; PyTorch skips it when the "
                        "input does not require grad.")])

TOPIC.hints("init_mlp",
            "The idea: random weights break the symmetry between hidden units. Scale them so the variance of the "
            "pre-activations stays roughly constant from layer to layer through ReLUs (He / Kaiming). Biases "
            "start at zero. All randomness comes from the rng passed in.",
            "The formula: for l = 1 .. L, W_l ~ N(0, 2 / fan_in) with fan_in = layer_sizes[l-1] and shape "
            "(layer_sizes[l-1], layer_sizes[l]), so std = sqrt(2 / fan_in); b_l = zeros(layer_sizes[l]).",
            "The shape of the code: loop over consecutive pairs of sizes (zip the list with itself shifted by one), "
            "numbering layers from 1. Draw each weight matrix with rng.standard_normal, multiply by the std, and "
            "make the bias with np.zeros. Pitfalls: np.random's global state, passing the variance as the scale, "
            "using fan_out.",
            questions=[("Why not initialize every weight to zero (or to one shared constant)?",
                        "Every unit of a layer would compute the same function and get the same gradient, so they "
                        "would stay identical forever. With zeros and ReLU, every gradient except the last bias's "
                        "is also exactly 0. Zero biases are fine because the random weights already break symmetry."),
                       ("Where does the 2 in 2 / fan_in come from, and what do you use for tanh?",
                        "ReLU zeroes half of a symmetric pre-activation, so E[relu(z)^2] = Var(z) / 2, and the 2 "
                        "makes up for it. For tanh use Xavier/Glorot, Var = 2 / (fan_in + fan_out), or LeCun's "
                        "1 / fan_in: tanh is close to the identity near 0 and zeroes nothing.")])

TOPIC.hints("mlp_forward",
            "The idea: alternate affine layers and the nonlinearity, with the last layer affine only: the scores "
            "are logits, and the loss applies the softmax. Record everything the backward needs, including which "
            "activation was used.",
            "The formula: h_0 = x (N, D); z_l = h_{l-1} W_l + b_l, shape (N, H_l); h_l = act(z_l) for l < L; and "
            "scores = z_L (N, C), with L = len(params) // 2. relu(z) = max(z, 0), sigmoid(z) = 1 / (1 + exp(-z)) "
            "(computed stably), tanh.",
            "The shape of the code: check the activation name first (ValueError), then loop l from 1 to L "
            "inclusive, building the key names from l. Call affine_forward, apply the activation except at l == L, "
            "and append each layer's affine cache and activation values to a list; return the list and the name "
            "as the cache. Pitfalls: a stable sigmoid needs np.exp(-np.abs(z)) with np.where; sorted keys put W10 "
            "before W2.",
            questions=[("Why no activation on the last layer?",
                        "The scores are unnormalized logits, and the softmax inside cross-entropy turns them into "
                        "probabilities stably. A ReLU there would clip negative logits to 0 and kill their "
                        "gradients; a sigmoid would bound the logits in (0, 1), so the softmax could never become "
                        "confident."),
                       ("What does the cache cost in memory, and how do frameworks reduce it?",
                        "It keeps every layer's input and pre-activation: O(N * sum of layer widths) floats. That "
                        "grows with batch size and depth and often exceeds the parameter memory in training. "
                        "Inference under torch.no_grad() keeps nothing; gradient checkpointing stores fewer and "
                        "recomputes the rest.")])

TOPIC.hints("mlp_backward",
            "The idea: the chain rule from the top down. The score gradient goes through the last affine backward. "
            "At each hidden layer, multiply elementwise by the activation's derivative at that layer's "
            "pre-activation, then go through that layer's affine backward, collecting dW and db on the way.",
            "The formula: dz_L = dscores; for l = L .. 1: dW_l = h_{l-1}^T dz_l, db_l = sum_n dz_l, dh_{l-1} = "
            "dz_l W_l^T, and below the top dz_{l-1} = dh_{l-1} * act'(z_{l-1}), elementwise. relu' = 1[z > 0], "
            "sigmoid' = s (1 - s), tanh' = 1 - tanh^2.",
            "The shape of the code: unpack the per-layer list and the activation name, then loop l down from L to "
            "1. For l < L, multiply the incoming gradient by the derivative (from the cached z or outputs) before "
            "affine_backward, and store dW and db under the params' key names; drop layer 1's dx. Pitfalls: "
            "z >= 0 in the ReLU mask (PyTorch uses 0 at 0); using a neighbouring layer's cache.",
            questions=[("Why do deep sigmoid or tanh networks train slowly, and does ReLU fix it?",
                        "sigmoid' <= 0.25, so each layer scales the gradient down by at least 4 before the weights "
                        "act, and tanh' goes to 0 when it saturates: gradients vanish with depth. ReLU' is 0 or 1, "
                        "so it does not shrink them. But a dead unit (z <= 0 for every input) never gets a gradient "
                        "again."),
                       ("Why backpropagation instead of numeric gradients?",
                        "Reverse mode gets the gradient of one scalar with respect to every parameter in one "
                        "backward pass, about twice the forward's cost. Central differences need two forward passes "
                        "per parameter, with truncation error O(h^2) plus rounding error O(eps / h), so they serve "
                        "as a debugging check only.")])

TOPIC.hints("mlp_loss",
            "The idea: compose the pieces. The forward pass gives the scores; softmax cross-entropy gives the loss "
            "and its gradient with respect to the scores; the backward turns that into the parameter gradients.",
            "The formula: scores = f(x; params), shape (N, C); loss = -(1/N) sum_n log_softmax(scores)[n, y_n]; "
            "dscores = (softmax(scores) - onehot(y)) / N, shape (N, C); grads = backprop of dscores through f.",
            "The shape of the code: three calls in order: mlp_forward, the cross-entropy (imported inside the "
            "function from .losses, or inlined stably by subtracting each row's max), mlp_backward; return a float "
            "and the dict. Pitfalls: the 1/N appears once, in dscores only; never write into params.",
            questions=[("How would you add L2 weight decay?",
                        "Add (lambda / 2) * sum_l ||W_l||^2 to the loss, usually on weights only, and lambda * W_l to "
                        "each weight gradient. In PyTorch it is usually the optimizer's weight_decay argument, which "
                        "adds lambda * W to the gradient; AdamW instead decouples the decay from the adaptive step."),
                       ("How do you check these gradients, and what can make a correct one fail the check?",
                        "Compare with central differences (f(p + h) - f(p - h)) / 2h, h about 1e-6 in float64, "
                        "using the relative error |a - n| / max(|a|, |n|), on a small network. A ReLU kink within h "
                        "of a pre-activation, or a very small h in float32, can produce a mismatch with no bug.")])

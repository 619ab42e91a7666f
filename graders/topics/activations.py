"""Checks for the activations topic: sigmoid, tanh, ReLU and ELU, forward and backward."""
import numpy as np
import torch.nn.functional as F
from hypothesis import strategies as st

from ..core import Mistake, Topic
from ..core.strategies import any_shape, array, inputs

TOPIC = Topic("activations", "Nonlinearities and their derivatives", difficulty="easy")

any_x = inputs(x=any_shape().flatmap(array))
kinked_x = any_x  # arrays plant exact zeros, where ReLU's and ELU's kinks are, in about half the examples
extremes = {"x": np.array([-1000.0, -750.0, -710.0, -30.0, 0.0, 30.0, 710.0, 750.0, 1000.0])}

naive_overflow = Mistake(
    "naive_exp_overflow",
    "exp() of a large number overflows: compute the sigmoid with exp(-|x|) only, choosing the formula by the sign of x",
    when=lambda obs: bool(obs.call and any("overflow" in w for w in obs.call.warnings))
    or obs.first_not_finite)

TOPIC.layer("sigmoid", inputs=inputs(x=any_shape().flatmap(lambda s: array(s, low=-40, high=40))),
            cases=[extremes], oracle=lambda x: x.sigmoid(), mistakes=[naive_overflow])


TOPIC.compare("sigmoid_forward", name="stable_at_extremes", cases=[extremes], oracle=lambda x: x.sigmoid(),
               cache=True, quiet=True, mistakes=[naive_overflow])

TOPIC.compare("tanh_forward", name="stable_at_extremes", cases=[extremes], oracle=lambda x: x.tanh(), cache=True,
              mistakes=[naive_overflow])
TOPIC.layer("tanh", inputs=any_x, oracle=lambda x: x.tanh(), mistakes=[
    Mistake("tanh_backward_from_input", "the derivative is 1 - tanh(x)^2, of the output, not 1 - x^2 of the input",
            variant=lambda dout, x: dout * (1 - x**2), stage="backward"),
    Mistake("tanh_backward_missing_upstream", "multiply the local derivative by dout (the chain rule)",
            variant=lambda dout, x: 1 - np.tanh(x) ** 2, stage="backward"),
])

TOPIC.layer("relu", inputs=kinked_x, cases=[{"x": np.array([-1.0, 0.0, 0.0, 2.0])}], oracle=lambda x: F.relu(x), mistakes=[
    Mistake("relu_grad_one_at_zero", "ReLU's gradient at exactly 0 is 0 in PyTorch: use x > 0, not x >= 0",
            variant=lambda dout, x: dout * (x >= 0), stage="backward"),
])

ALPHA = st.sampled_from([1.0, 0.5, 2.0])


ELU_OVERFLOW = ("exp(x) of a large positive x is inf, and inf times a 0 mask is NaN: take the exponential of the "
                "negative part only (np.expm1(np.minimum(x, 0)))")
elu_overflow = Mistake("elu_exp_overflow", ELU_OVERFLOW, when=lambda obs: obs.first_not_finite)
TOPIC.compare("elu_forward", name="stable_at_extremes", cases=[{**extremes, "alpha": 1.0}],
              oracle=lambda x, alpha: F.elu(x, alpha=alpha), cache=True, mistakes=[elu_overflow])
TOPIC.layer("elu", inputs=inputs(x=any_shape().flatmap(array), alpha=ALPHA), defaults={"alpha": 1.0},
            cases=[{**extremes, "alpha": 1.5}, {"x": np.array([-3.0, -1.0, 0.0, 0.5, 2.0]), "alpha": 2.0}],
            oracle=lambda x, alpha: F.elu(x, alpha=alpha), grads=("x",), mistakes=[
    elu_overflow,
    Mistake("elu_backward_exp_overflow", ELU_OVERFLOW, when=lambda obs: obs.first_not_finite, stage="backward"),
    Mistake("elu_alpha_ignored", "the negative branch is alpha * (e^x - 1): alpha was left out",
            variant=lambda x, alpha: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    Mistake("elu_backward_alpha_ignored", "for x <= 0 the derivative is alpha * e^x: alpha was left out",
            variant=lambda dout, x, alpha: dout * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))), stage="backward"),
])


# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("sigmoid_forward",
            "The idea: squash any real number into (0, 1), but never exponentiate a large positive number: pick "
            "for each entry the algebraically equal form whose exponential cannot overflow.",
            "The formula: sigma(x) = 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) for x < 0; both only need "
            "e^-|x|, which lies in (0, 1]. out has x's shape; keep out as the cache.",
            "The shape of the code: one np.exp of the negated absolute value, both branches built from that same "
            "array, np.where on the sign to choose, then return the output and the cache. Pitfall: np.where "
            "evaluates both branches everywhere, so exp of the raw x overflows (and inf / inf is NaN).",
            questions=[("From about x = 37 your sigmoid returns exactly 1.0. Why, and why does it matter?",
                        "1 + e^-37 rounds to 1 in float64, so sigma is exactly 1 and log(1 - sigma) is -inf. "
                        "That is why losses take logits (BCEWithLogitsLoss, logsigmoid) instead of a sigmoid "
                        "followed by a log."),
                       ("Why did sigmoid fall out of favour as a hidden-layer activation?",
                        "Its derivative is at most 0.25 (at 0) and near 0 when saturated, so gradients shrink "
                        "layer after layer, and its outputs are not zero-centred. It stays for gates and binary "
                        "outputs.")])

TOPIC.hints("sigmoid_backward",
            "The idea: the sigmoid's derivative is a function of its own output, so the cached output is all "
            "you need; then apply the chain rule.",
            "The formula: dx = dout * s * (1 - s) with s = sigma(x), all arrays of x's shape, element by element.",
            "The shape of the code: take s from the cache and multiply three element-wise factors; no exp, no "
            "in-place writes. Pitfalls: forgetting dout, or recomputing sigma from x with the unstable formula.",
            questions=[("What is the gradient at x = 1000 or x = -1000, and what does that mean for training?",
                        "Exactly 0 (s is 1.0, or e^-1000 ~ 5e-435, which underflows to 0), so the unit is "
                        "saturated and passes no gradient back. Saturated sigmoid units learn very slowly or not "
                        "at all."),
                       ("Why cache the output rather than the input, and what does PyTorch do?",
                        "The output gives the derivative with two multiplications and no exp, and costs the same "
                        "memory as the input. PyTorch's autograd does the same: sigmoid's backward is computed "
                        "from the result, not from the input.")])

TOPIC.hints("tanh_forward",
            "The idea: a zero-centred squashing into (-1, 1); numpy already has a stable implementation.",
            "The formula: tanh(x) = (e^x - e^-x) / (e^x + e^-x) = 2 sigma(2x) - 1; out has x's shape, and the "
            "output is what the backward needs.",
            "The shape of the code: one np.tanh call, and return the output together with a cache holding it. "
            "Pitfall: writing out the exponential formula overflows for |x| above about 710 and gives NaN.",
            questions=[("Why prefer tanh over sigmoid in hidden layers?",
                        "Its outputs are zero-centred, so the next layer's gradients do not all share one sign, and "
                        "its derivative peaks at 1 instead of 0.25. It still saturates for large |x|."),
                       ("How are tanh and sigmoid related?",
                        "tanh(x) = 2 sigma(2x) - 1, so one is a shifted, rescaled copy of the other; a network "
                        "with one can represent the same functions with adjusted weights and biases.")])

TOPIC.hints("tanh_backward",
            "The idea: like the sigmoid, tanh's derivative is a function of its output; chain it with dout.",
            "The formula: dx = dout * (1 - t^2) with t = tanh(x) from the cache; all arrays of x's shape.",
            "The shape of the code: square the cached output, subtract from 1, multiply by dout. Pitfalls: 1 - x^2 "
            "of the input instead of the output, or returning the local derivative without dout.",
            questions=[("Where does the gradient vanish exactly, in float64?",
                        "For |x| beyond about 19, tanh(x) rounds to exactly +-1, so 1 - t^2 is exactly 0 and no "
                        "gradient passes; it is already tiny long before that."),
                       ("What does caching cost, and how can a framework reduce it?",
                        "One array the size of the input per activation, held from forward until backward; across "
                        "a deep net these activations dominate training memory. Gradient checkpointing drops them "
                        "and recomputes the forward during backward, trading time for memory.")])

TOPIC.hints("relu_forward",
            "The idea: keep positive entries, replace the rest with 0, and remember where the input was positive.",
            "The formula: out = max(0, x) element by element, of x's shape; the backward needs x (or x > 0).",
            "The shape of the code: np.maximum of x against the scalar 0 (it returns a new array of any shape), "
            "and a cache holding the input or a mask. Pitfall: boolean-index assignment into x modifies the "
            "caller's array.",
            questions=[("Why did ReLU replace sigmoid and tanh as the default hidden activation?",
                        "It does not saturate for positive inputs (gradient exactly 1), so deep nets train faster; "
                        "it is one comparison per element and gives sparse activations."),
                       ("What is a dead ReLU and how do you avoid it?",
                        "A unit whose pre-activation is negative for every input: its output and gradient are 0, so "
                        "its weights never change again. Remedies: He initialisation, a smaller learning rate, or "
                        "leaky ReLU / ELU, which keep a gradient for negative inputs.")])

TOPIC.hints("relu_backward",
            "The idea: ReLU is a gate: the upstream gradient passes where the input was positive and is "
            "blocked elsewhere, including at exactly 0 (PyTorch's convention).",
            "The formula: dx = dout * 1[x > 0], with the strict inequality; all arrays of x's shape.",
            "The shape of the code: a strict comparison of the cached input with 0, then multiply it into dout "
            "(or np.where) so the result is float64. Pitfalls: >= gives gradient 1 at 0; returning the mask; "
            "zeroing dout in place.",
            questions=[("ReLU has no derivative at 0. Why is using 0 there legitimate?",
                        "Any value in [0, 1] is a valid subgradient at the kink; PyTorch picks 0. It only matters "
                        "for exact zeros, which are rare for continuous inputs but common after padding or a "
                        "previous ReLU."),
                       ("What is the least you can cache, and how does inplace=True work in PyTorch?",
                        "A boolean mask (1 byte per element instead of 8), or the output, since out > 0 exactly "
                        "where x > 0. PyTorch computes ReLU's backward from the output, which is why it can "
                        "overwrite the input in place.")])

TOPIC.hints("elu_forward",
            "The idea: identity for positive inputs, a smooth exponential curve saturating at -alpha for negative "
            "ones; continuous at 0, with negative outputs that pull the mean activation toward zero.",
            "The formula: elu(x) = x if x > 0, else alpha * (e^x - 1); out has x's shape, and the cache must carry "
            "alpha because the backward takes no alpha.",
            "The shape of the code: np.expm1 applied to np.minimum(x, 0) (so nothing positive is exponentiated), "
            "scaled by alpha; np.where on the strict x > 0 picks x or that; the cache holds x and/or out plus "
            "alpha. Pitfall: exp of the raw x overflows in the discarded branch.",
            questions=[("Why expm1(x) rather than exp(x) - 1?",
                        "For small |x|, exp(x) is close to 1 and subtracting 1 cancels most significant digits; "
                        "expm1 computes e^x - 1 to full relative precision. At x = 1e-10 the naive form keeps "
                        "only about 7 correct digits."),
                       ("Is ELU differentiable at 0? What are the special cases of alpha?",
                        "It is continuous for any alpha, but the left derivative is alpha and the right one is 1, "
                        "so it is differentiable at 0 only for alpha = 1. alpha = 0 gives ReLU; SELU is ELU with "
                        "fixed alpha and an extra scale, chosen to self-normalise.")])

TOPIC.hints("elu_backward",
            "The idea: slope 1 on the positive side, alpha * e^x on the rest, and that slope can be read off "
            "the cached output without another exponential.",
            "The formula: dx = dout * (1 if x > 0 else alpha e^x), and alpha e^x = out + alpha for x <= 0; at "
            "exactly x = 0 PyTorch takes the negative branch, so the slope there is alpha.",
            "The shape of the code: unpack x, out and alpha from the cache; np.where on the strict x > 0 choosing "
            "1 or out + alpha; multiply by dout. Pitfalls: x >= 0 gives 1 at 0; exp of the raw x overflows for "
            "large positive inputs.",
            questions=[("The x = 0 convention only shows up in the checks when alpha != 1. Why?",
                        "At 0 the negative branch's slope is alpha * e^0 = alpha, which equals the positive slope "
                        "1 only when alpha = 1; with any other alpha, >= instead of > is visibly wrong."),
                       ("Does ELU avoid vanishing gradients, and why use out + alpha?",
                        "Only partly: for very negative x the slope alpha e^x still tends to 0, but moderately "
                        "negative units keep a gradient, so they do not die like ReLU units. out + alpha avoids "
                        "an exp per element, and PyTorch's elu_backward can likewise work from the output "
                        "(for in-place elu_).")])

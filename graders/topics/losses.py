"""Checks for the losses topic: softmax, log-softmax, softmax cross-entropy and MSE."""
import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from ..core import Mistake, Topic
from ..core.strategies import any_shape, array, inputs, labels, size

TOPIC = Topic("losses", "Output functions and losses", difficulty="easy")


# The mistakes' variants are built from torch, not from a numpy softmax: a student release ships this module,
# and it must not hold a solution.
def _softmax(x, axis=-1):
    return torch.softmax(torch.as_tensor(x), dim=axis).numpy()


def _log_softmax(x):
    return torch.log_softmax(torch.as_tensor(x), dim=-1).numpy()


def _overflowed(obs):
    return any("overflow" in w for w in obs.call.warnings)


def _log_of_zero(obs):
    """np.log warned of log(0) (or log-probabilities hold -inf), and nothing overflowed."""
    logged_zero = any("divide by zero encountered in log" in w for w in obs.call.warnings) or (
        type(obs.got) is np.ndarray and np.isneginf(obs.got).any())
    return logged_zero and not _overflowed(obs)


@st.composite
def logits_and_labels(draw, low=-5.0, high=5.0):
    n, c = draw(size(1, 6)), draw(size(2, 6))
    return {"logits": draw(array((n, c), low, high)), "y": draw(labels(n, c))}


logits = inputs(x=any_shape(min_dims=2, max_dims=4).flatmap(array))
huge_logits = {"x": np.array([[1e4, 0.0, -1e4], [-1e4, -1e4 + 1.0, -1e4], [3.0, 1e4, 1e4]])}
overflow = Mistake("naive_exp_overflow",
                   "exp() of a large logit overflows to inf (and inf/inf is NaN): subtract the row maximum first",
                   when=_overflowed)
wrong_axis = Mistake("softmax_wrong_axis", "normalize over the last axis (axis=-1): each row of logits sums to 1",
                     variant=lambda x: _softmax(x, axis=0))

TOPIC.compare("softmax", inputs=logits, oracle=lambda x: F.softmax(x, dim=-1), mistakes=[wrong_axis, overflow])
TOPIC.compare("softmax", name="stable_for_huge_logits", cases=[huge_logits], oracle=lambda x: F.softmax(x, dim=-1),
               quiet=True, mistakes=[overflow])

log_of_softmax = Mistake("log_of_softmax",
                         "log(softmax(x)) underflows to log(0) = -inf for far-apart logits: use x - max - log(sum(exp(x - max)))",
                         when=_log_of_zero)
TOPIC.compare("log_softmax", inputs=logits, oracle=lambda x: F.log_softmax(x, dim=-1),
               mistakes=[Mistake("log_softmax_wrong_axis", "normalize over the last axis (axis=-1)",
                                 variant=lambda x: np.log(_softmax(x, axis=0)))])
TOPIC.compare("log_softmax", name="stable_for_huge_logits", cases=[huge_logits],
               oracle=lambda x: F.log_softmax(x, dim=-1), quiet=True, mistakes=[log_of_softmax, overflow])


def cross_entropy(logits, y, scale_loss=1.0, scale_grad=1.0):
    """Mean softmax cross-entropy and its gradient (scales make the summed / unaveraged variants)."""
    n = len(y)
    log_p = _log_softmax(logits)
    loss = -log_p[np.arange(n), y].mean()
    grad = np.exp(log_p)
    grad[np.arange(n), y] -= 1
    return loss * scale_loss, grad / n * scale_grad


TOPIC.compare(
    "softmax_cross_entropy", inputs=logits_and_labels(), oracle=lambda logits, y: F.cross_entropy(logits, y),
    returns=("loss",), gradients=("logits",),
    cases=[{"logits": np.array([[1e4, 0.0, -1e4], [0.0, 0.0, 0.0]]), "y": np.array([2, 1])}],
    mistakes=[
        Mistake("cross_entropy_summed", "the loss is the mean over the batch, not the sum: divide by N",
                variant=lambda logits, y: cross_entropy(logits, y, len(y), len(y))),
        Mistake("gradient_not_divided_by_n", "the loss is a mean over N rows, so dlogits carries a factor 1/N",
                variant=lambda logits, y: cross_entropy(logits, y, 1.0, len(y))),
        Mistake("gradient_sign_flipped", "dlogits = softmax(logits) - one_hot(y), divided by N",
                variant=lambda logits, y: {"dlogits": -cross_entropy(logits, y)[1]}),
        Mistake("labels_picked_as_columns", "log_p[:, y] is an (N, N) array (every row at every label): take each "
                "row's own label with log_p[np.arange(N), y]",
                variant=lambda logits, y: {"loss": -_log_softmax(logits)[:, y].mean()}),
        Mistake("naive_exp_overflow", "exp() of a large logit overflows: work with log-softmax (subtract the max)",
                when=_overflowed),
        log_of_softmax,
    ])


@st.composite
def pred_and_target(draw):
    shape = draw(any_shape(max_dims=3))
    return {"pred": draw(array(shape)), "target": draw(array(shape))}


# Large values close to each other: (p - t)^2 expanded as p^2 - 2pt + t^2 loses every digit to cancellation.
FAR_FROM_ZERO = {"pred": 1e8 + np.array([[0.5, -1.25, 2.0], [3.0, 0.0, -0.75]]),
                 "target": 1e8 + np.array([[1.5, 0.25, -1.0], [2.5, 0.5, 0.75]])}

TOPIC.compare(
    "mse_loss", inputs=pred_and_target(), oracle=lambda pred, target: F.mse_loss(pred, target),
    returns=("loss",), gradients=("pred",), cases=[FAR_FROM_ZERO],
    mistakes=[
        Mistake("mse_expanded_square", "p^2 - 2pt + t^2 cancels catastrophically when pred and target are large and "
                "close: square the difference, (pred - target)^2",
                variant=lambda pred, target: {"loss": np.mean(pred**2 - 2 * pred * target + target**2)}),
        Mistake("mse_gradient_missing_2", "d/dpred of (pred - target)^2 is 2 (pred - target)",
                variant=lambda pred, target: {"dpred": (pred - target) / pred.size}),
        Mistake("mse_mean_over_rows", "the mean is over all elements, not over the first axis only",
                variant=lambda pred, target: (((pred - target) ** 2).sum() / len(pred),
                                              2 * (pred - target) / len(pred))),
        Mistake("mse_gradient_over_rows", "the loss is a mean over all pred.size elements, so dpred = 2 (pred - "
                "target) / pred.size, not / len(pred)",
                variant=lambda pred, target: {"dpred": 2 * (pred - target) / len(pred)}),
    ])


# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("softmax",
            "The idea: exponentiate every logit and normalize each slice along the last axis so it sums to 1. "
            "Softmax does not change when the same constant is subtracted from every logit of a slice, and that "
            "is what makes it stable.",
            "The formula: p_i = exp(x_i - m) / sum_j exp(x_j - m), with m = max_j x_j taken per slice. x and p "
            "are (..., C); m and the sum are (..., 1), so they broadcast back over the last axis.",
            "The shape of the code: take the max over axis=-1 with keepdims=True, subtract it, apply np.exp, sum "
            "over axis=-1 with keepdims=True, then divide. Pitfall: a max over the whole array (no axis) lets a "
            "row far below it underflow to 0/0; a fixed axis=1 breaks 1-D and 3-D inputs.",
            questions=[("Why subtract the max, and why is the result still exact?",
                        "exp(-m) factors out of the numerator and the denominator, so softmax(x - m) == softmax(x). "
                        "With m the max, the largest exponent is exp(0) = 1, so nothing overflows, and the sum is "
                        ">= 1, so there is no division by 0; small terms that underflow to 0 do no harm."),
                       ("What is the backward of softmax, and does it need the C x C Jacobian?",
                        "dp_i/dx_j = p_i (delta_ij - p_j). For an upstream g the product with the Jacobian is "
                        "dx = p * (g - sum(g * p)), with the sum over the last axis: O(C) per slice, so the Jacobian "
                        "is never built.")])

TOPIC.hints("log_softmax",
            "The idea: a log-probability is the logit minus the log of the normalizer. Compute that log-normalizer "
            "directly in log space (log-sum-exp) instead of taking the log of a probability that may have "
            "underflowed to 0.",
            "The formula: log_softmax(x)_i = (x_i - m) - log(sum_j exp(x_j - m)), with m the max of the slice "
            "along the last axis, shape (..., 1). The result is (..., C) and every entry is <= 0.",
            "The shape of the code: max over axis=-1 with keepdims=True, subtract it once, then np.exp, a sum over "
            "axis=-1 with keepdims=True and np.log of that sum, and subtract the log from the shifted logits. "
            "Pitfall: np.log of your softmax gives -inf wherever a probability underflowed.",
            questions=[("Why do losses use log_softmax and not log(softmax(x))?",
                        "log(softmax) is -inf, with NaN gradients, once a probability underflows (x_i - m below "
                        "about -745 in float64). In log-sum-exp the sum lies in [1, C], so its log is finite and "
                        "well-conditioned. PyTorch's F.cross_entropy is nll_loss applied to log_softmax."),
                       ("What is the gradient of log_softmax?",
                        "d log_softmax_i / dx_j = delta_ij - p_j, with p = softmax(x). For an upstream g, "
                        "dx = g - p * sum(g) with the sum over the last axis; rows of g that sum to 0 pass through "
                        "unchanged.")])

TOPIC.hints("softmax_cross_entropy",
            "The idea: each sample's loss is minus the log-probability of its correct class, and the batch loss is "
            "their mean. With respect to the logits, the gradient is the predicted probabilities minus the one-hot "
            "target, scaled by the mean's 1/N.",
            "The formula: loss = -(1/N) sum_n log_softmax(logits)[n, y_n] and dlogits = (softmax(logits) - "
            "onehot(y)) / N. Here logits is (N, C), y holds N ints in range(C), and dlogits is (N, C).",
            "The shape of the code: compute log_softmax once, then pick one entry per row by integer array "
            "indexing (np.arange(N) paired with y), and negate the mean. For the gradient, exponentiate the "
            "log-probabilities into a new array, subtract 1 at the same (row, label) positions and divide by N. "
            "Pitfall: a[:, y] is an (N, N) block.",
            questions=[("Why is the gradient just p - onehot(y), and why does PyTorch take logits, not probabilities?",
                        "Per sample the loss is -x_y + logsumexp(x), and the gradient of logsumexp is softmax(x), so "
                        "the exp and the log cancel. Fusing them this way is also stable; feeding it probabilities "
                        "would need a log of values that may have rounded to 0."),
                       ("What loss do you expect from a freshly initialized classifier with C classes?",
                        "About ln C (2.303 for C = 10), since small random logits give p close to 1/C. A much larger "
                        "value means overconfident logits (the init scale is too large); a much smaller one often "
                        "points to a bug such as a label leaking into the input.")])

TOPIC.hints("mse_loss",
            "The idea: average the squared differences over every element, not over the batch only. The gradient "
            "is linear in the error pred - target.",
            "The formula: with K = pred.size, loss = (1/K) sum (pred - target)^2 and dpred = 2 (pred - target) / K. "
            "dpred has the shape of pred; its sign follows pred - target.",
            "The shape of the code: form the difference once, square it and reduce with np.mean for the loss (as a "
            "float); for the gradient, scale the same difference by 2 and divide by its number of elements. "
            "Pitfall: expanding the square as p^2 - 2pt + t^2 cancels catastrophically when pred and target are "
            "large and close.",
            questions=[("How does MSE react to outliers, and what would you use instead?",
                        "Its gradient grows linearly with the error, so a few large residuals dominate the update. "
                        "L1 has a constant-size gradient (robust, but not smooth at 0); Huber / SmoothL1 is quadratic "
                        "near 0 and linear beyond a threshold delta."),
                       ("Why not train a classifier with MSE on its softmax outputs?",
                        "The gradient through the softmax carries factors like p (1 - p), which vanish when the "
                        "softmax saturates, so a confidently wrong prediction barely learns. Cross-entropy's "
                        "gradient p - onehot(y) stays large exactly there.")])

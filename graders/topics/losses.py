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

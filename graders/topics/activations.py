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

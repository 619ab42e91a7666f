"""An instructor's own topic: leaky ReLU, forward and backward, graded against torch.

This module is the whole grader: dlgrade finds it in a course folder's topics/ (``--topics-path``) or through
the ``dlgrade.topics`` entry point, finds the stub in ../exercises/leaky.py and the reference in
../solutions/leaky.py, and grades it everywhere a built-in topic is graded.
"""
import numpy as np
import torch.nn.functional as F
from hypothesis import strategies as st

from dlgrade.core import Mistake, Topic
from dlgrade.core.strategies import any_shape, array, inputs

TOPIC = Topic("leaky", "Leaky ReLU (a course's own topic)", difficulty="easy")

TOPIC.about("leaky_relu_forward", "max(x, 0) + negative_slope * min(x, 0)")
TOPIC.layer(
    "leaky_relu",
    inputs=inputs(x=any_shape().flatmap(array), negative_slope=st.sampled_from([0.01, 0.1, 0.3])),
    defaults={"negative_slope": 0.01},
    cases=[{"x": np.array([-2.0, -0.5, 0.0, 0.0, 3.0]), "negative_slope": 0.1}],
    oracle=lambda x, negative_slope: F.leaky_relu(x, negative_slope),
    mistakes=[
        Mistake("leaky_slope_ignored", "below zero the output is negative_slope * x, not 0 (that is plain ReLU)",
                variant=lambda x, negative_slope: np.maximum(x, 0.0)),
        Mistake("leaky_backward_slope_ignored", "below zero the gradient is negative_slope * dout, not 0",
                variant=lambda dout, x, negative_slope: dout * (x > 0), stage="backward"),
    ],
)
TOPIC.layer_limits("leaky_relu", inputs={"x": np.random.default_rng(0).standard_normal((256, 1024)),
                                          "negative_slope": 0.1},
                   factor=20, hint="one vectorized np.where over the whole array, no Python loop")

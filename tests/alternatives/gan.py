"""GAN losses written differently from solutions/: TensorFlow's max(x, 0) - x t + log1p(exp(-|x|)) form, a
sigmoid split by sign, softplus spelled out, the discriminator's terms computed inline."""
import math

import numpy as np


def _softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x):
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def bce_with_logits(logits, targets):
    per_element = np.maximum(logits, 0.0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
    return math.fsum(per_element.ravel()) / logits.size, (_sigmoid(logits) - targets) / logits.size


def discriminator_loss(logits_real, logits_fake):
    loss = _softplus(-logits_real).mean() + _softplus(logits_fake).mean()
    return float(loss), (_sigmoid(logits_real) - 1.0) / logits_real.size, _sigmoid(logits_fake) / logits_fake.size


def generator_loss(logits_fake):
    return float(_softplus(-logits_fake).mean()), (_sigmoid(logits_fake) - 1.0) / logits_fake.size


def generator_loss_minimax(logits_fake):
    return float(-_softplus(logits_fake).mean()), -_sigmoid(logits_fake) / logits_fake.size

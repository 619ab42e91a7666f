"""Output functions and losses (reference)."""
import numpy as np


def softmax(x):
    """Softmax over the last axis, shifted by the maximum for stability."""
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def log_softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy over the batch and its gradient with respect to the logits."""
    n = logits.shape[0]
    log_p = log_softmax(logits)
    loss = -log_p[np.arange(n), y].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), y] -= 1.0
    return float(loss), dlogits / n


def mse_loss(pred, target):
    diff = pred - target
    return float(np.mean(diff**2)), 2.0 * diff / diff.size

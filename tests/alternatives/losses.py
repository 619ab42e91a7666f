"""Losses via logsumexp written with np.logaddexp.reduce and einsum-based one-hot products."""
import numpy as np


def log_softmax(x):
    return x - np.logaddexp.reduce(x, axis=-1, keepdims=True)


def softmax(x):
    return np.exp(log_softmax(x))


def softmax_cross_entropy(logits, y):
    n, c = logits.shape
    one_hot = np.eye(c)[y]
    log_p = log_softmax(logits)
    loss = -np.einsum("nc,nc->", one_hot, log_p) / n
    return loss, (np.exp(log_p) - one_hot) / n


def mse_loss(pred, target):
    diff = (pred - target).ravel()
    loss = np.dot(diff, diff) / diff.size
    return np.array(loss), (2.0 / diff.size) * (pred - target)

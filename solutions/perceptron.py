"""Rosenblatt's perceptron (reference)."""
import numpy as np


def step(z):
    """Heaviside step: 1.0 where z > 0, else 0.0."""
    return (np.asarray(z) > 0).astype(np.float64)


def perceptron_predict(X, w, b):
    """Class 0/1 of every row of X."""
    return step(X @ w + b)


def perceptron_train(X, y, lr=1.0, max_epochs=100):
    """The perceptron learning rule, sample by sample, until an epoch makes no mistake."""
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(max_epochs):
        mistakes = 0
        for x_i, y_i in zip(X, y):
            update = lr * (y_i - float(x_i @ w + b > 0))
            if update:
                w = w + update * x_i
                b += update
                mistakes += 1
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, float(b), errors

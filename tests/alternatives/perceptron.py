"""Perceptron with sign labels internally and a while loop."""
import numpy as np


def step(z):
    return np.heaviside(z, 0.0).astype(np.float64)


def perceptron_predict(X, w, b):
    return np.where(X @ w + b > 0, 1.0, 0.0)


def perceptron_train(X, y, lr=1.0, max_epochs=100):
    w = np.zeros(X.shape[1])
    b = 0.0
    errors, epoch = [], 0
    while epoch < max_epochs:
        count = 0
        for i in range(len(X)):
            predicted = 1 if float(np.dot(X[i], w)) + b > 0 else 0
            if predicted != y[i]:
                sign = 1 if y[i] == 1 else -1
                w = w + lr * sign * X[i]
                b = b + lr * sign
                count += 1
        errors.append(count)
        epoch += 1
        if count == 0:
            break
    return w, b, errors

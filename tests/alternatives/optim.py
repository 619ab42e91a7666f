"""Optimizers with other state layouts: momentum's velocity in a list, Adam's state a (t, m, v) tuple
and the textbook bias-corrected formula; mini-batches by rng.shuffle and a while loop; a training loop
that keeps its own list of keys."""
import numpy as np


def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
    order = np.arange(n, dtype=np.int64)
    if shuffle:
        if rng is None:
            rng = np.random.default_rng()
        rng.shuffle(order)
    start = 0
    while start < n:
        batch = order[start:start + batch_size]
        if drop_last and batch.shape[0] < batch_size:
            return
        yield batch
        start += batch_size


def sgd(w, dw, lr):
    return np.subtract(w, np.multiply(lr, dw))


def sgd_momentum(w, dw, state, lr, momentum=0.9):
    velocity = np.array(dw, copy=True) if state is None else momentum * state[0] + dw
    return w - lr * velocity, [velocity]


def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    t, m, v = (0, 0.0, 0.0) if state is None else state
    g = dw + weight_decay * w
    t += 1
    m = beta1 * m + (1.0 - beta1) * g
    v = beta2 * v + (1.0 - beta2) * np.square(g)
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), (t, m, v)


def fit_mlp(X, y, hidden_sizes, epochs, batch_size, lr, rng):
    from .mlp import init_mlp, mlp_loss

    classes = int(y.max()) + 1
    params = init_mlp([X.shape[1]] + list(hidden_sizes) + [classes], rng)
    keys = sorted(params)
    states = [None] * len(keys)
    for epoch in range(epochs):
        for idx in minibatches(len(X), batch_size, rng=rng, shuffle=True):
            loss, grads = mlp_loss(X[idx], y[idx], params, "relu")
            for i, key in enumerate(keys):
                params[key], states[i] = adam(params[key], grads[key], states[i], lr=lr)
    return params

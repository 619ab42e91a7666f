"""Reference solutions: vanilla tanh recurrent network with backpropagation through time."""
import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step h = tanh(x Wx + h_prev Wh + b)."""
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)


def rnn_step_backward(dh_next, cache):
    """Gradients (dx, dh_prev, dWx, dWh, db) of one step."""
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1.0 - h_next ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over x (N, T, D) from h0; returns all hidden states (N, T, H)."""
    N, T, _ = x.shape
    xw = x @ Wx + b  # input projections for every step at once
    h = np.empty((N, T, h0.shape[1]))
    h_prev = h0
    for t in range(T):
        h_prev = np.tanh(xw[:, t] + h_prev @ Wh)
        h[:, t] = h_prev
    return h, (x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    """Backpropagation through time -> (dx, dh0, dWx, dWh, db)."""
    x, h0, Wx, Wh, h = cache
    T = x.shape[1]
    h_prevs = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    da = np.empty_like(h)
    dh_t = np.zeros_like(h0)
    for t in reversed(range(T)):
        da[:, t] = (dh[:, t] + dh_t) * (1.0 - h[:, t] ** 2)
        dh_t = da[:, t] @ Wh.T
    dx = da @ Wx.T
    dWx = np.tensordot(x, da, axes=([0, 1], [0, 1]))
    dWh = np.tensordot(h_prevs, da, axes=([0, 1], [0, 1]))
    return dx, dh_t, dWx, dWh, da.sum(axis=(0, 1))

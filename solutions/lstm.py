"""Reference solutions: LSTM (gates [i|f|g|o]) and a GRU cell, in PyTorch's conventions."""
import numpy as np


def _sigmoid(x):
    """Logistic function, accurate and overflow-free for any x: exp only of -|x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step -> (h_next, c_next, cache)."""
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])
    g = np.tanh(a[:, 2 * H:3 * H])
    c_next = f * c_prev + i * g
    tc = np.tanh(c_next)
    h_next = o * tc
    return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc)


def lstm_step_backward(dh_next, dc_next, cache):
    """Gradients (dx, dh_prev, dc_prev, dWx, dWh, db) of one LSTM step."""
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
    dc = dc_next + dh_next * o * (1.0 - tc ** 2)
    da = np.concatenate([dc * g * i * (1.0 - i),
                         dc * c_prev * f * (1.0 - f),
                         dc * i * (1.0 - g ** 2),
                         dh_next * tc * o * (1.0 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    """Run the LSTM over x (N, T, D) from (h0, c0); returns all hidden states (N, T, H)."""
    N, T, _ = x.shape
    h_t = h0
    c_t = np.zeros_like(h0) if c0 is None else c0
    h = np.empty((N, T, h0.shape[1]))
    caches = []
    for t in range(T):
        h_t, c_t, step_cache = lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        h[:, t] = h_t
        caches.append(step_cache)
    return h, (x.shape, h0.shape, Wx, Wh, b, caches)


def lstm_backward(dh, cache):
    """Backpropagation through time -> (dx, dh0, dWx, dWh, db)."""
    x_shape, h0_shape, Wx, Wh, b, caches = cache
    dx = np.empty(x_shape)
    dh_t, dc_t = np.zeros(h0_shape), np.zeros(h0_shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
    for t in reversed(range(x_shape[1])):
        dx[:, t], dh_t, dc_t, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t] + dh_t, dc_t, caches[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_t, dWx, dWh, db


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One GRU step exactly as nn.GRUCell, gates [r|z|n] -> (h_next, cache)."""
    H = h_prev.shape[1]
    ax = x @ Wx + bx
    ah = h_prev @ Wh + bh
    r = _sigmoid(ax[:, :H] + ah[:, :H])
    z = _sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    h_next = (1.0 - z) * n + z * h_prev
    return h_next, (x, h_prev, Wx, Wh, r, z, n, ah[:, 2 * H:])

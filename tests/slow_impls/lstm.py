"""Correct but slow LSTM and GRU: a Python loop over the batch (one sequence at a time) inside the
loop over time.

The performance limits must reject these while every correctness check accepts them. Not a style
to copy. tests/slow_impls/lstm_units.py loops over the hidden units instead.
"""
import numpy as np


def _sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _cell(x, h_prev, c_prev, Wx, Wh, b):
    """One sequence (1-D vectors) through one step."""
    H = h_prev.shape[0]
    a = x @ Wx + h_prev @ Wh + b
    i, f, o = _sigmoid(a[:H]), _sigmoid(a[H:2 * H]), _sigmoid(a[3 * H:])
    g = np.tanh(a[2 * H:3 * H])
    c = f * c_prev + i * g
    tc = np.tanh(c)
    return o * tc, c, (i, f, g, o, tc)


def _cell_backward(dh, dc, x, h_prev, c_prev, Wx, Wh, gates):
    """Returns (dx, dh_prev, dc_prev, da) for one sequence; da is (4H,)."""
    i, f, g, o, tc = gates
    dc = dc + dh * o * (1.0 - tc ** 2)
    da = np.concatenate([dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f),
                         dc * i * (1.0 - g ** 2), dh * tc * o * (1.0 - o)])
    return Wx @ da, Wh @ da, dc * f, da


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    N, H = h_prev.shape
    h_next, c_next = np.zeros((N, H)), np.zeros((N, H))
    gates = []
    for n in range(N):
        h_next[n], c_next[n], gn = _cell(x[n], h_prev[n], c_prev[n], Wx, Wh, b)
        gates.append(gn)
    return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, gates)


def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, gates = cache
    N, H = h_prev.shape
    dx, dh_prev, dc_prev = np.zeros(x.shape), np.zeros((N, H)), np.zeros((N, H))
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(4 * H)
    for n in range(N):
        dx[n], dh_prev[n], dc_prev[n], da = _cell_backward(
            dh_next[n], dc_next[n], x[n], h_prev[n], c_prev[n], Wx, Wh, gates[n])
        dWx += np.outer(x[n], da)
        dWh += np.outer(h_prev[n], da)
        db += da
    return dx, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    H = Wh.shape[0]
    c_init = np.zeros((N, H)) if c0 is None else c0
    h, c = np.zeros((N, T, H)), np.zeros((N, T, H))
    gates = {}
    for t in range(T):
        for n in range(N):
            h_prev = h0[n] if t == 0 else h[n, t - 1]
            c_prev = c_init[n] if t == 0 else c[n, t - 1]
            h[n, t], c[n, t], gates[n, t] = _cell(x[n, t], h_prev, c_prev, Wx, Wh, b)
    return h, (x, h0, c_init, Wx, Wh, h, c, gates)


def lstm_backward(dh, cache):
    x, h0, c_init, Wx, Wh, h, c, gates = cache
    N, T, D = x.shape
    H = Wh.shape[0]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dh_carry, dc_carry = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        for n in range(N):
            h_prev = h0[n] if t == 0 else h[n, t - 1]
            c_prev = c_init[n] if t == 0 else c[n, t - 1]
            dx[n, t], dh_carry[n], dc_carry[n], da = _cell_backward(
                dh[n, t] + dh_carry[n], dc_carry[n], x[n, t], h_prev, c_prev, Wx, Wh, gates[n, t])
            dWx += np.outer(x[n, t], da)
            dWh += np.outer(h_prev, da)
            db += da
    return dx, dh_carry, dWx, dWh, db


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    N, H = h_prev.shape
    h_next = np.zeros((N, H))
    for n in range(N):
        ax = x[n] @ Wx + bx
        ah = h_prev[n] @ Wh + bh
        r = _sigmoid(ax[:H] + ah[:H])
        z = _sigmoid(ax[H:2 * H] + ah[H:2 * H])
        nn_ = np.tanh(ax[2 * H:] + r * ah[2 * H:])
        h_next[n] = (1.0 - z) * nn_ + z * h_prev[n]
    return h_next, (x, h_prev)

"""Correct but slow LSTM and GRU: a Python loop over the hidden units (the four gate columns of
unit j at a time) inside the loop over time.

The performance limits must reject these while every correctness check accepts them. Not a style
to copy. tests/slow_impls/lstm.py loops over the batch instead.
"""
import numpy as np


def _sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _unit(j, x, h_prev, c_prev, Wx, Wh, b):
    """Unit j of one step for the whole batch: (h_j, c_j, gates) with (N,) vectors."""
    H = h_prev.shape[1]
    cols = [j, H + j, 2 * H + j, 3 * H + j]
    i, f, g, o = (x @ Wx[:, k] + h_prev @ Wh[:, k] + b[k] for k in cols)
    i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
    c = f * c_prev[:, j] + i * g
    tc = np.tanh(c)
    return o * tc, c, (i, f, g, o, tc)


def _step_forward(x, h_prev, c_prev, Wx, Wh, b):
    N, H = h_prev.shape
    h_next, c_next = np.zeros((N, H)), np.zeros((N, H))
    gates = []
    for j in range(H):
        h_next[:, j], c_next[:, j], gj = _unit(j, x, h_prev, c_prev, Wx, Wh, b)
        gates.append(gj)
    return h_next, c_next, gates


def _step_backward(dh_next, dc_next, x, h_prev, c_prev, Wx, Wh, gates, dWx, dWh, db):
    """Per-unit backward; accumulates into this module's own dWx, dWh, db arrays."""
    N, H = h_prev.shape
    dx, dh_prev, dc_prev = np.zeros(x.shape), np.zeros((N, H)), np.zeros((N, H))
    for j in range(H):
        i, f, g, o, tc = gates[j]
        dc = dc_next[:, j] + dh_next[:, j] * o * (1.0 - tc ** 2)
        das = [dc * g * i * (1.0 - i), dc * c_prev[:, j] * f * (1.0 - f),
               dc * i * (1.0 - g ** 2), dh_next[:, j] * tc * o * (1.0 - o)]
        for k, da in zip([j, H + j, 2 * H + j, 3 * H + j], das):
            dx += np.outer(da, Wx[:, k])
            dh_prev += np.outer(da, Wh[:, k])
            dWx[:, k] += x.T @ da
            dWh[:, k] += h_prev.T @ da
            db[k] += da.sum()
        dc_prev[:, j] = dc * f
    return dx, dh_prev, dc_prev


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    h_next, c_next, gates = _step_forward(x, h_prev, c_prev, Wx, Wh, b)
    return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, gates)


def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, gates = cache
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(Wx.shape[1])
    dx, dh_prev, dc_prev = _step_backward(dh_next, dc_next, x, h_prev, c_prev, Wx, Wh, gates, dWx, dWh, db)
    return dx, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    H = Wh.shape[0]
    c_t = np.zeros((N, H)) if c0 is None else c0
    h_t = h0
    h = np.zeros((N, T, H))
    steps = []
    for t in range(T):
        h_next, c_next, gates = _step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        steps.append((x[:, t], h_t, c_t, gates))
        h[:, t] = h_next
        h_t, c_t = h_next, c_next
    return h, (x.shape, Wx, Wh, steps)


def lstm_backward(dh, cache):
    (N, T, D), Wx, Wh, steps = cache
    H = Wh.shape[0]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dh_carry, dc_carry = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        x_t, h_prev, c_prev, gates = steps[t]
        dx[:, t], dh_carry, dc_carry = _step_backward(
            dh[:, t] + dh_carry, dc_carry, x_t, h_prev, c_prev, Wx, Wh, gates, dWx, dWh, db)
    return dx, dh_carry, dWx, dWh, db


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    N, H = h_prev.shape
    h_next = np.zeros((N, H))
    for j in range(H):
        r_, z_, n_ = j, H + j, 2 * H + j
        r = _sigmoid(x @ Wx[:, r_] + bx[r_] + h_prev @ Wh[:, r_] + bh[r_])
        z = _sigmoid(x @ Wx[:, z_] + bx[z_] + h_prev @ Wh[:, z_] + bh[z_])
        hn = h_prev @ Wh[:, n_] + bh[n_]
        n = np.tanh(x @ Wx[:, n_] + bx[n_] + r * hn)
        h_next[:, j] = (1.0 - z) * n + z * h_prev[:, j]
    return h_next, (x, h_prev)

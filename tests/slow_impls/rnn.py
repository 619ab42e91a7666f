"""Correct but slow tanh RNN: a Python loop over the batch inside the loop over time (one sequence,
one vector-matrix product at a time).

The performance limits must reject these while every correctness check accepts them. Not a style
to copy. tests/slow_impls/rnn_units.py loops over the hidden units instead.
"""
import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    N, H = h_prev.shape
    h_next = np.zeros((N, H))
    for n in range(N):
        h_next[n] = np.tanh(x[n] @ Wx + h_prev[n] @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)


def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    N, H = h_prev.shape
    dx, dh_prev = np.zeros(x.shape), np.zeros(h_prev.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(H)
    for n in range(N):
        da = dh_next[n] * (1.0 - h_next[n] ** 2)
        dx[n] = Wx @ da
        dh_prev[n] = Wh @ da
        dWx += np.outer(x[n], da)
        dWh += np.outer(h_prev[n], da)
        db += da
    return dx, dh_prev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    H = Wh.shape[0]
    h = np.zeros((N, T, H))
    for t in range(T):
        for n in range(N):
            h_prev = h0[n] if t == 0 else h[n, t - 1]
            h[n, t] = np.tanh(x[n, t] @ Wx + h_prev @ Wh + b)
    return h, (x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    N, T, D = x.shape
    H = Wh.shape[0]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    carry = np.zeros((N, H))
    for t in reversed(range(T)):
        for n in range(N):
            h_prev = h0[n] if t == 0 else h[n, t - 1]
            da = (dh[n, t] + carry[n]) * (1.0 - h[n, t] ** 2)
            dx[n, t] = Wx @ da
            carry[n] = Wh @ da
            dWx += np.outer(x[n, t], da)
            dWh += np.outer(h_prev, da)
            db += da
    return dx, carry, dWx, dWh, db

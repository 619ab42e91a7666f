"""Correct but slow tanh RNN: a Python loop over the hidden units (one column of the weights at a
time) inside the loop over time.

The performance limits must reject these while every correctness check accepts them. Not a style
to copy. tests/slow_impls/rnn.py loops over the batch instead.
"""
import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    N, H = h_prev.shape
    h_next = np.zeros((N, H))
    for j in range(H):
        h_next[:, j] = np.tanh(x @ Wx[:, j] + h_prev @ Wh[:, j] + b[j])
    return h_next, (x, h_prev, Wx, Wh, h_next)


def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    H = h_prev.shape[1]
    dx, dh_prev = np.zeros(x.shape), np.zeros(h_prev.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(H)
    for j in range(H):
        da = dh_next[:, j] * (1.0 - h_next[:, j] ** 2)  # (N,)
        dx += np.outer(da, Wx[:, j])
        dh_prev += np.outer(da, Wh[:, j])
        dWx[:, j] = x.T @ da
        dWh[:, j] = h_prev.T @ da
        db[j] = da.sum()
    return dx, dh_prev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    H = Wh.shape[0]
    h = np.zeros((N, T, H))
    for t in range(T):
        h_prev = h0 if t == 0 else h[:, t - 1]
        for j in range(H):
            h[:, t, j] = np.tanh(x[:, t] @ Wx[:, j] + h_prev @ Wh[:, j] + b[j])
    return h, (x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, h = cache
    N, T, D = x.shape
    H = Wh.shape[0]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    carry = np.zeros((N, H))
    for t in reversed(range(T)):
        h_prev = h0 if t == 0 else h[:, t - 1]
        new_carry = np.zeros((N, H))
        for j in range(H):
            da = (dh[:, t, j] + carry[:, j]) * (1.0 - h[:, t, j] ** 2)  # (N,)
            dx[:, t] += np.outer(da, Wx[:, j])
            new_carry += np.outer(da, Wh[:, j])
            dWx[:, j] += x[:, t].T @ da
            dWh[:, j] += h_prev.T @ da
            db[j] += da.sum()
        carry = new_carry
    return dx, carry, dWx, dWh, db

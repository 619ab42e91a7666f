"""Conv layers with a Python loop over the KH * KW kernel offsets (k * k window offsets for the pools):
each step works on whole strided slices of the input, never on one output element.

A student-style implementation kept to check that the performance limits accept it (tests/test_speed_styles.py).
"""
import numpy as np


def _slice(start, count, step):
    return slice(start, start + step * (count - 1) + 1, step)


def conv2d_forward(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    Ho = (H + 2 * padding - KH) // stride + 1
    Wo = (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, Ho, Wo, F))
    for u in range(KH):
        for v in range(KW):
            patch = xp[:, :, _slice(u, Ho, stride), _slice(v, Wo, stride)]  # (N, C, Ho, Wo)
            out += patch.transpose(0, 2, 3, 1) @ w[:, :, u, v].T  # (N, Ho, Wo, C) @ (C, F)
    out = out.transpose(0, 3, 1, 2) + b[:, None, None]
    return out, (xp, w, stride, padding)


def conv2d_backward(dout, cache):
    xp, w, stride, padding = cache
    N, C, Hp, Wp = xp.shape
    F, _, KH, KW = w.shape
    Ho, Wo = dout.shape[2], dout.shape[3]
    g = dout.transpose(0, 2, 3, 1)  # (N, Ho, Wo, F)
    g2 = g.reshape(-1, F)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for u in range(KH):
        for v in range(KW):
            rows, cols = _slice(u, Ho, stride), _slice(v, Wo, stride)
            patch = xp[:, :, rows, cols].transpose(0, 2, 3, 1).reshape(-1, C)  # (N*Ho*Wo, C)
            dw[:, :, u, v] = g2.T @ patch
            dxp[:, :, rows, cols] += (g @ w[:, :, u, v]).transpose(0, 3, 1, 2)
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, padding:Hp - padding, padding:Wp - padding]
    return dx.copy(), dw, db


def max_pool2d_forward(x, kernel_size, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    out = np.full((N, C, Ho, Wo), -np.inf)
    arg = np.zeros((N, C, Ho, Wo), dtype=int)
    for u in range(k):
        for v in range(k):
            cand = x[:, :, _slice(u, Ho, s), _slice(v, Wo, s)]
            better = cand > out  # strictly greater: on a tie the earlier offset keeps the gradient
            out = np.where(better, cand, out)
            arg = np.where(better, u * k + v, arg)
    return out, (x.shape, arg, k, s)


def max_pool2d_backward(dout, cache):
    shape, arg, k, s = cache
    Ho, Wo = dout.shape[2:]
    dx = np.zeros(shape)
    for u in range(k):
        for v in range(k):
            dx[:, :, _slice(u, Ho, s), _slice(v, Wo, s)] += dout * (arg == u * k + v)
    return dx


def avg_pool2d_forward(x, kernel_size, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    total = np.zeros((N, C, Ho, Wo))
    for u in range(k):
        for v in range(k):
            total += x[:, :, _slice(u, Ho, s), _slice(v, Wo, s)]
    return total / (k * k), (x.shape, k, s)


def avg_pool2d_backward(dout, cache):
    shape, k, s = cache
    Ho, Wo = dout.shape[2:]
    dx = np.zeros(shape)
    share = dout / (k * k)
    for u in range(k):
        for v in range(k):
            dx[:, :, _slice(u, Ho, s), _slice(v, Wo, s)] += share
    return dx


def flatten_forward(x):
    N = x.shape[0]
    D = 1
    for side in x.shape[1:]:
        D *= side
    return x.reshape(N, D).copy(), x.shape


def flatten_backward(dout, cache):
    return dout.reshape(cache).copy()

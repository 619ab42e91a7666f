"""Correct but slow conv layers: a Python loop over every output element.

The performance limits must reject these (tests/test_perf_limits.py) while
every correctness check accepts them. Not a style to copy.
"""
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    s, p = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Ho, Wo = (H + 2 * p - KH) // s + 1, (W + 2 * p - KW) // s + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = np.sum(xp[n, :, i * s:i * s + KH, j * s:j * s + KW] * w[f]) + b[f]
    return out, (x, w, stride, padding)


def conv2d_backward(dout, cache):
    x, w, s, p = cache
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    _, _, Ho, Wo = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    g = dout[n, f, i, j]
                    dw[f] += g * xp[n, :, i * s:i * s + KH, j * s:j * s + KW]
                    dxp[n, :, i * s:i * s + KH, j * s:j * s + KW] += g * w[f]
    return dxp[:, :, p:p + H, p:p + W].copy(), dw, dout.sum(axis=(0, 2, 3))


def max_pool2d_forward(x, kernel_size, stride=None):
    k, s = kernel_size, stride or kernel_size
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    out = np.zeros((N, C, Ho, Wo))
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, c, i, j] = x[n, c, i * s:i * s + k, j * s:j * s + k].max()
    return out, (x, k, s)


def max_pool2d_backward(dout, cache):
    x, k, s = cache
    dx = np.zeros_like(x)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * s:i * s + k, j * s:j * s + k]
                    u, v = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * s + u, j * s + v] += dout[n, c, i, j]
    return dx


def avg_pool2d_forward(x, kernel_size, stride=None):
    k, s = kernel_size, stride or kernel_size
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    out = np.zeros((N, C, Ho, Wo))
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, c, i, j] = x[n, c, i * s:i * s + k, j * s:j * s + k].mean()
    return out, (x.shape, k, s)


def avg_pool2d_backward(dout, cache):
    shape, k, s = cache
    dx = np.zeros(shape)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    dx[n, c, i * s:i * s + k, j * s:j * s + k] += dout[n, c, i, j] / (k * k)
    return dx


def flatten_forward(x):
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:]))).copy(), x.shape


def flatten_backward(dout, cache):
    return dout.reshape(cache).copy()

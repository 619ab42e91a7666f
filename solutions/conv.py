"""Reference solutions: convolution, pooling and flatten layers (NCHW, numpy)."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _windows(x, kh, kw, stride):
    """Strided view (N, C, Ho, Wo, kh, kw) of every kh x kw window of x (no copy)."""
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def _offsets(kh, kw, stride, ho, wo):
    """Yield (i, j, index): x[index] is the (..., ho, wo) slice that kernel offset (i, j) sees."""
    for i in range(kh):
        for j in range(kw):
            yield i, j, (..., slice(i, i + stride * ho, stride),
                         slice(j, j + stride * wo, stride))


def conv2d_forward(x, w, b, stride=1, padding=0):
    """2-D cross-correlation as F.conv2d, by im2col and one batched matmul."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    p, s = padding, stride
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Ho, Wo = (H + 2 * p - KH) // s + 1, (W + 2 * p - KW) // s + 1
    cols = _windows(xp, KH, KW, s).transpose(0, 1, 4, 5, 2, 3).reshape(N, C * KH * KW, Ho * Wo)
    out = (w.reshape(F, -1) @ cols).reshape(N, F, Ho, Wo) + b[:, None, None]
    return out, (x.shape, w, cols, stride, padding)


def conv2d_backward(dout, cache):
    """Gradients (dx, dw, db) of conv2d; dx by col2im over the KH*KW kernel offsets."""
    (N, C, H, W), w, cols, s, p = cache
    F, _, KH, KW = w.shape
    Ho, Wo = dout.shape[2:]
    d = dout.reshape(N, F, Ho * Wo)
    db = dout.sum(axis=(0, 2, 3))
    dw = (d @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    dcols = (w.reshape(F, -1).T @ d).reshape(N, C, KH, KW, Ho, Wo)
    dxp = np.zeros((N, C, H + 2 * p, W + 2 * p))
    for i, j, idx in _offsets(KH, KW, s, Ho, Wo):
        dxp[idx] += dcols[:, :, i, j]
    return dxp[:, :, p:p + H, p:p + W].copy(), dw, db


def max_pool2d_forward(x, kernel_size, stride=None):
    """Max pooling over square windows, no padding, floor output size."""
    k, s = kernel_size, kernel_size if stride is None else stride
    win = _windows(x, k, k, s)
    flat = win.reshape(win.shape[:4] + (k * k,))
    idx = flat.argmax(axis=-1)  # first maximum in row-major window order
    out = np.take_along_axis(flat, idx[..., None], axis=-1)[..., 0]
    return out, (x.shape, idx, k, s)


def max_pool2d_backward(dout, cache):
    """Route each window's gradient to its first maximum, summing over overlaps."""
    shape, idx, k, s = cache
    Ho, Wo = dout.shape[2:]
    dx = np.zeros(shape)
    for i, j, win in _offsets(k, k, s, Ho, Wo):
        dx[win] += np.where(idx == i * k + j, dout, 0.0)
    return dx


def avg_pool2d_forward(x, kernel_size, stride=None):
    """Average pooling over square windows, no padding, floor output size."""
    k, s = kernel_size, kernel_size if stride is None else stride
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    out = np.zeros((N, C, Ho, Wo))
    for _, _, win in _offsets(k, k, s, Ho, Wo):
        out += x[win]
    return out / (k * k), (x.shape, k, s)


def avg_pool2d_backward(dout, cache):
    """Spread each window's gradient evenly over its k*k inputs."""
    shape, k, s = cache
    Ho, Wo = dout.shape[2:]
    dx = np.zeros(shape)
    g = dout / (k * k)
    for _, _, win in _offsets(k, k, s, Ho, Wo):
        dx[win] += g
    return dx


def flatten_forward(x):
    """Reshape (N, ...) to (N, prod(...))."""
    # not reshape(N, -1): -1 cannot be inferred when N = 0
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:]))).copy(), x.shape


def flatten_backward(dout, cache):
    """Reshape the gradient back to the input shape."""
    return dout.reshape(cache).copy()

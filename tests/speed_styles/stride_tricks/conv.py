"""Conv layers with numpy.lib.stride_tricks.as_strided views and np.tensordot.

The forward contracts a (N, C, Ho, Wo, KH, KW) view of the padded input with the filters; the input gradient
is the "full" correlation of the stride-dilated, padded upstream gradient with the flipped filters (the same
as_strided + tensordot again); max pooling scatters its gradient with np.bincount. A student-style
implementation kept to check that the performance limits accept it (tests/test_speed_styles.py).
"""
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided


def windows(a, kh, kw, stride):
    """Read-only view (N, C, Ho, Wo, kh, kw) of every kh x kw window of a (N, C, H, W), stride apart."""
    n, c, h, w = a.shape
    ho, wo = (h - kh) // stride + 1, (w - kw) // stride + 1
    sn, sc, sh, sw = a.strides
    return as_strided(a, shape=(n, c, ho, wo, kh, kw), strides=(sn, sc, stride * sh, stride * sw, sh, sw),
                      writeable=False)


def dilate_and_pad(d, stride, kh, kw, height, width):
    """Put stride - 1 zeros between the entries of d (N, F, Ho, Wo), then pad so that a stride-1 correlation
    with a kh x kw kernel gives back a (height, width) map."""
    n, f, ho, wo = d.shape
    out = np.zeros((n, f, height + kh - 1, width + kw - 1))
    out[:, :, kh - 1:kh - 1 + stride * (ho - 1) + 1:stride, kw - 1:kw - 1 + stride * (wo - 1) + 1:stride] = d
    return out


def conv2d_forward(x, w, b, stride=1, padding=0):
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    F, C, KH, KW = w.shape
    cols = windows(xp, KH, KW, stride)  # (N, C, Ho, Wo, KH, KW), no copy
    out = np.tensordot(cols, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, Ho, Wo, F)
    out = out.transpose(0, 3, 1, 2) + b.reshape(1, F, 1, 1)
    return out, (xp, w, stride, padding)


def conv2d_backward(dout, cache):
    xp, w, stride, p = cache
    F, C, KH, KW = w.shape
    N, _, Hp, Wp = xp.shape
    db = dout.sum(axis=(0, 2, 3))
    dw = np.tensordot(dout, windows(xp, KH, KW, stride), axes=([0, 2, 3], [0, 2, 3]))  # (F, C, KH, KW)
    # dxp[n, c, h, w] = sum over f, u, v of dout dilated at (h - u, w - v) times w[f, c, u, v]
    big = dilate_and_pad(dout, stride, KH, KW, Hp, Wp)
    flipped = w[:, :, ::-1, ::-1]
    dxp = np.tensordot(windows(big, KH, KW, 1), flipped, axes=([1, 4, 5], [0, 2, 3]))  # (N, Hp, Wp, C)
    dxp = dxp.transpose(0, 3, 1, 2)
    dx = dxp[:, :, p:Hp - p, p:Wp - p]
    return np.ascontiguousarray(dx), dw, db


def max_pool2d_forward(x, kernel_size, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    N, C, H, W = x.shape
    view = windows(x, k, k, s)
    Ho, Wo = view.shape[2:4]
    flat = view.reshape(N, C, Ho, Wo, k * k)  # copies: the windows overlap when s < k
    best = flat.argmax(axis=-1)  # the first maximum in row-major order
    out = np.take_along_axis(flat, best[..., None], axis=-1)[..., 0]
    # The flat index in x of each window's winner, for the backward pass.
    rows = np.arange(Ho).reshape(1, 1, Ho, 1) * s + best // k
    cols = np.arange(Wo).reshape(1, 1, 1, Wo) * s + best % k
    plane = np.arange(N * C).reshape(N, C, 1, 1) * (H * W)
    return out, (x.shape, plane + rows * W + cols)


def max_pool2d_backward(dout, cache):
    shape, where = cache
    dx = np.bincount(where.ravel(), weights=dout.ravel(), minlength=int(np.prod(shape)))
    return dx.reshape(shape)


def avg_pool2d_forward(x, kernel_size, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    out = windows(x, k, k, s).sum(axis=(4, 5)) / (k * k)
    return out, (x.shape, k, s)


def avg_pool2d_backward(dout, cache):
    (N, C, H, W), k, s = cache
    big = dilate_and_pad(dout, s, k, k, H, W)
    return windows(big, k, k, 1).sum(axis=(4, 5)) / (k * k)


def flatten_forward(x):
    return x.reshape(len(x), math.prod(x.shape[1:])).copy(), x.shape


def flatten_backward(dout, cache):
    return dout.reshape(cache).copy()

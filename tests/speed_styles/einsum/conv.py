"""Conv layers with np.einsum over sliding_window_view.

Every window at once as a view, einsum (optimize=True) for the products; the gradients that go back into
overlapping windows are collected by einsum too, with 0/1 matrices that say which input row (column) each
(output row, kernel row) pair reads. A student-style implementation kept to check that the performance
limits accept it (tests/test_speed_styles.py).
"""
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _view(x, kh, kw, s):
    # (N, C, Ho, Wo, kh, kw)
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::s, ::s]


def _picks(size, n_out, k, s):
    """P[h, i, u] = 1 where output position i with kernel offset u reads input position h (h = i*s + u)."""
    P = np.zeros((size, n_out, k))
    i, u = np.meshgrid(np.arange(n_out), np.arange(k), indexing="ij")
    P[i * s + u, i, u] = 1.0
    return P


def conv2d_forward(x, w, b, stride=1, padding=0):
    xp = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)])
    KH, KW = w.shape[2:]
    win = _view(xp, KH, KW, stride)
    out = np.einsum("nchwij,fcij->nfhw", win, w, optimize=True) + b[None, :, None, None]
    return out, {"xp": xp, "w": w, "stride": stride, "padding": padding}


def conv2d_backward(dout, cache):
    xp, w, s, p = cache["xp"], cache["w"], cache["stride"], cache["padding"]
    F, C, KH, KW = w.shape
    N, _, Hp, Wp = xp.shape
    Ho, Wo = dout.shape[2:]
    win = _view(xp, KH, KW, s)
    dw = np.einsum("nfhw,nchwij->fcij", dout, win, optimize=True)
    db = np.einsum("nfhw->f", dout)
    # Each window's gradient dout * w, added back where the window reads the (padded) input.
    # (one einsum of all four would be summed term by term: optimize keeps no intermediate larger than an input)
    dwin = np.einsum("nfhw,fcij->nchwij", dout, w, optimize=True)
    rows = np.einsum("nchwij,yhi->ncywj", dwin, _picks(Hp, Ho, KH, s), optimize=True)
    dxp = np.einsum("ncywj,zwj->ncyz", rows, _picks(Wp, Wo, KW, s), optimize=True)
    return dxp[:, :, p:Hp - p, p:Wp - p].copy(), dw, db


def max_pool2d_forward(x, kernel_size, stride=None):
    k = kernel_size
    s = stride if stride is not None else k
    win = _view(x, k, k, s)
    N, C, Ho, Wo = win.shape[:4]
    idx = win.reshape(N, C, Ho, Wo, k * k).argmax(axis=-1)  # first max, row-major
    onehot = (np.arange(k * k) == idx[..., None]).reshape(N, C, Ho, Wo, k, k)
    out = np.einsum("nchwij,nchwij->nchw", win, onehot)
    return out, {"onehot": onehot, "shape": x.shape, "k": k, "s": s}


def max_pool2d_backward(dout, cache):
    onehot, (N, C, H, W), k, s = cache["onehot"], cache["shape"], cache["k"], cache["s"]
    Ho, Wo = dout.shape[2:]
    g = np.einsum("nchw,nchwij->nchwij", dout, onehot)
    rows = np.einsum("nchwij,yhi->ncywj", g, _picks(H, Ho, k, s), optimize=True)
    return np.einsum("ncywj,zwj->ncyz", rows, _picks(W, Wo, k, s), optimize=True)


def avg_pool2d_forward(x, kernel_size, stride=None):
    k = kernel_size
    s = stride if stride is not None else k
    out = np.einsum("nchwij->nchw", _view(x, k, k, s)) / (k * k)
    return out, {"shape": x.shape, "k": k, "s": s}


def avg_pool2d_backward(dout, cache):
    (N, C, H, W), k, s = cache["shape"], cache["k"], cache["s"]
    Ho, Wo = dout.shape[2:]
    # every offset of a window gets the same share: count the windows that read each input row (column)
    reads_rows, reads_cols = _picks(H, Ho, k, s).sum(axis=2), _picks(W, Wo, k, s).sum(axis=2)
    return np.einsum("nchw,yh,zw->ncyz", dout / (k * k), reads_rows, reads_cols, optimize=True)


def flatten_forward(x):
    return np.reshape(x, (x.shape[0], math.prod(x.shape[1:]))), {"shape": x.shape}


def flatten_backward(dout, cache):
    return np.reshape(dout, cache["shape"])

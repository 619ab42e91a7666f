"""Conv layers vectorized differently from solutions/: a loop over the KH*KW kernel
offsets with tensordot (no im2col matrix), pools through np.add.at scatter, dict caches."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_forward(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    s, p = stride, padding
    xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)], mode="constant")
    Ho, Wo = (H + 2 * p - KH) // s + 1, (W + 2 * p - KW) // s + 1
    out = np.zeros((N, Ho, Wo, F))
    for u in range(KH):
        for v in range(KW):
            patch = xp[:, :, u:u + s * (Ho - 1) + 1:s, v:v + s * (Wo - 1) + 1:s]  # (N, C, Ho, Wo)
            out += np.tensordot(patch, w[:, :, u, v], axes=([1], [1]))  # (N, Ho, Wo, F)
    out = np.ascontiguousarray(out.transpose(0, 3, 1, 2)) + b.reshape(1, F, 1, 1)
    return out, {"xp": xp, "w": w, "s": s, "p": p, "hw": (H, W)}


def conv2d_backward(dout, cache):
    xp, w, s, p = cache["xp"], cache["w"], cache["s"], cache["p"]
    H, W = cache["hw"]
    F, C, KH, KW = w.shape
    Ho, Wo = dout.shape[2], dout.shape[3]
    dxp = np.zeros_like(xp)
    dw = np.empty_like(w)
    for u in range(KH):
        for v in range(KW):
            rows = slice(u, u + s * (Ho - 1) + 1, s)
            cols = slice(v, v + s * (Wo - 1) + 1, s)
            dw[:, :, u, v] = np.tensordot(dout, xp[:, :, rows, cols], axes=([0, 2, 3], [0, 2, 3]))
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, u, v], optimize=True)
    db = np.einsum("nfhw->f", dout)
    return dxp[:, :, p:p + H, p:p + W].copy(), dw, db


def _pool_windows(x, k, s):
    return sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]  # (N, C, Ho, Wo, k, k)


def max_pool2d_forward(x, kernel_size, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    win = _pool_windows(x, k, s)
    out = win.max(axis=(4, 5))
    flat = win.reshape(*win.shape[:4], k * k).argmax(axis=-1)  # first maximum, row-major
    N, C, Ho, Wo = out.shape
    rows = np.arange(Ho)[:, None] * s + flat // k
    cols = np.arange(Wo)[None, :] * s + flat % k
    return out, {"shape": x.shape, "rows": rows, "cols": cols}


def max_pool2d_backward(dout, cache):
    dx = np.zeros(cache["shape"])
    N, C = dout.shape[:2]
    n = np.arange(N)[:, None, None, None]
    c = np.arange(C)[None, :, None, None]
    np.add.at(dx, (n, c, cache["rows"], cache["cols"]), dout)
    return dx


def avg_pool2d_forward(x, kernel_size, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    return _pool_windows(x, k, s).mean(axis=(4, 5)), {"shape": x.shape, "k": k, "s": s}


def avg_pool2d_backward(dout, cache):
    k, s = cache["k"], cache["s"]
    dx = np.zeros(cache["shape"])
    Ho, Wo = dout.shape[2:]
    r = (np.arange(Ho) * s)[:, None] + np.arange(k)[None, :]  # (Ho, k) input rows of each window
    q = (np.arange(Wo) * s)[:, None] + np.arange(k)[None, :]  # (Wo, k)
    g = np.broadcast_to((dout / (k * k))[:, :, :, None, :, None], dout.shape[:3] + (k, Wo, k))
    np.add.at(dx, (slice(None), slice(None), r[:, :, None, None], q[None, None, :, :]), g)
    return dx


def flatten_forward(x):
    n = x.shape[0]
    return np.reshape(x, (n, int(np.prod(x.shape[1:], dtype=np.int64)))).copy(), {"shape": x.shape}


def flatten_backward(dout, cache):
    return np.reshape(dout, cache["shape"]).copy()

"""An LSTM and a GRU cell written differently from solutions/: each gate from its own weight slices
(Wx[:, :H], ...), a sigmoid as 1 / (1 + exp(-x)) on a clipped input (no overflow warning), einsum for
the weight gradients, tuple caches (a list of per-step tuples for the sequence), and lstm_forward /
lstm_backward built from the step functions."""
import numpy as np


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-np.clip(a, -500.0, 500.0)))


def _sigmoid_where(a):
    """The sign-split form: exp only ever sees -|a| <= 0."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    blocks = [slice(k * H, (k + 1) * H) for k in range(4)]
    a_i, a_f, a_g, a_o = (x @ Wx[:, s] + h_prev @ Wh[:, s] + b[s] for s in blocks)
    i = _sigmoid(a_i)
    f = _sigmoid(a_f)
    g = np.tanh(a_g)
    o = _sigmoid(a_o)
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)


def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    H = h_prev.shape[1]
    do = dh_next * tanh_c
    dc = dc_next + dh_next * o * (1.0 - tanh_c ** 2)
    di, df, dg = dc * g, dc * c_prev, dc * i
    da = [di * i * (1.0 - i), df * f * (1.0 - f), dg * (1.0 - g ** 2), do * o * (1.0 - o)]
    dx = np.zeros(x.shape)
    dh_prev = np.zeros(h_prev.shape)
    for k, da_k in enumerate(da):
        s = slice(k * H, (k + 1) * H)
        dx = dx + da_k @ Wx[:, s].T
        dh_prev = dh_prev + da_k @ Wh[:, s].T
    dWx = np.hstack([np.einsum("nd,nh->dh", x, da_k) for da_k in da])
    dWh = np.hstack([np.einsum("nk,nh->kh", h_prev, da_k) for da_k in da])
    db = np.concatenate([da_k.sum(axis=0) for da_k in da])
    return dx, dh_prev, dc * f, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, D = x.shape
    H = Wh.shape[0]
    h_t = h0
    c_t = np.zeros((N, H)) if c0 is None else c0
    outs, steps = [], []
    for t in range(T):
        h_t, c_t, step = lstm_step_forward(x[:, t, :], h_t, c_t, Wx, Wh, b)
        outs.append(h_t)
        steps.append(step)
    h = np.stack(outs, axis=1) if outs else np.zeros((N, 0, H))
    return h, ((N, T, D, H), steps)


def lstm_backward(dh, cache):
    (N, T, D, H), steps = cache
    dxs = [None] * T
    dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
    dh_carry, dc_carry = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dxs[t], dh_carry, dc_carry, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t, :] + dh_carry, dc_carry, steps[t])
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    dx = np.stack(dxs, axis=1) if T else np.zeros((N, 0, D))
    return dx, dh_carry, dWx, dWh, db


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    H = h_prev.shape[1]
    r_s, z_s, n_s = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    r = _sigmoid_where(np.einsum("nd,dh->nh", x, Wx[:, r_s]) + bx[r_s]
                       + np.einsum("nk,kh->nh", h_prev, Wh[:, r_s]) + bh[r_s])
    z = _sigmoid_where(np.einsum("nd,dh->nh", x, Wx[:, z_s]) + bx[z_s]
                       + np.einsum("nk,kh->nh", h_prev, Wh[:, z_s]) + bh[z_s])
    hn = np.einsum("nk,kh->nh", h_prev, Wh[:, n_s]) + bh[n_s]
    n = np.tanh(np.einsum("nd,dh->nh", x, Wx[:, n_s]) + bx[n_s] + r * hn)
    h_next = n + z * (h_prev - n)
    return h_next, {"r": r, "z": z, "n": n, "hn": hn, "x": x, "h_prev": h_prev}

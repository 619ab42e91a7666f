"""A tanh RNN written differently from solutions/: one fused matmul of [x, h_prev] with the stacked
weights [Wx; Wh] per step, np.einsum instead of @, dict caches, and rnn_forward / rnn_backward
built from the step functions (one call per time step)."""
import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    xh = np.concatenate([x, h_prev], axis=1)  # (N, D + H)
    W = np.vstack([Wx, Wh])  # (D + H, H)
    h_next = np.tanh(np.einsum("nk,kh->nh", xh, W) + b)
    return h_next, {"xh": xh, "W": W, "D": x.shape[1], "h_next": h_next}


def rnn_step_backward(dh_next, cache):
    D = cache["D"]
    da = dh_next * (1.0 - cache["h_next"] * cache["h_next"])
    dxh = np.einsum("nh,kh->nk", da, cache["W"])  # (N, D + H)
    dW = np.einsum("nk,nh->kh", cache["xh"], da)  # (D + H, H)
    db = np.einsum("nh->h", da)
    return dxh[:, :D].copy(), dxh[:, D:].copy(), dW[:D].copy(), dW[D:].copy(), db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = Wh.shape[0]
    h = np.zeros((N, T, H))
    steps = []
    h_t = h0
    for t in range(T):
        h_t, step = rnn_step_forward(x[:, t, :], h_t, Wx, Wh, b)
        h[:, t, :] = h_t
        steps.append(step)
    return h, {"steps": steps, "N": N, "T": T, "D": D, "H": H}


def rnn_backward(dh, cache):
    N, T, D, H = cache["N"], cache["T"], cache["D"], cache["H"]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    carry = np.zeros((N, H))  # gradient flowing back from step t + 1
    for t in range(T - 1, -1, -1):
        dx_t, carry, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + carry, cache["steps"][t])
        dx[:, t, :] = dx_t
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    return dx, carry, dWx, dWh, db

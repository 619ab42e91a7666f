"""Mutants for rnn and lstm: one buggy copy of the reference per mistake the graders name, written as students
write them."""
from tests.support import Mutant

MUTANTS = [
    Mutant("rnn_step_uses_torch_layout", """
        def rnn_step_forward(x, h_prev, Wx, Wh, b):
            h_next = np.tanh(x @ Wx.T + h_prev @ Wh.T + b)   # torch stores weight_ih as (H, D)
            return h_next, (x, h_prev, Wx, Wh, h_next)
        """, "rnn::rnn_step_forward::matches_torch", "rnn_transposed_weights"),
    Mutant("rnn_step_backward_derivative_of_preactivation", """
        def rnn_step_forward(x, h_prev, Wx, Wh, b):
            a = x @ Wx + h_prev @ Wh + b
            return np.tanh(a), (x, h_prev, Wx, Wh, a)

        def rnn_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, a = cache
            da = dh_next * (1 - a ** 2)
            return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
        """, "rnn::rnn_step_backward::matches_autograd", "tanh_derivative_of_preactivation"),
    Mutant("rnn_forward_from_h0_each_step", """
        def rnn_forward(x, h0, Wx, Wh, b):
            N, T, _ = x.shape
            h = np.zeros((N, T, h0.shape[1]))
            for t in range(T):
                h[:, t] = np.tanh(x[:, t] @ Wx + h0 @ Wh + b)
            return h, (x, h0, Wx, Wh, h)
        """, "rnn::rnn_forward::matches_torch", "h0_fed_to_every_step"),
    Mutant("rnn_backward_no_carry", """
        def rnn_backward(dh, cache):
            x, h0, Wx, Wh, h = cache
            N, T, D = x.shape
            dx = np.zeros_like(x)
            dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
            dh_prev = np.zeros_like(h0)
            for t in reversed(range(T)):
                h_prev = h0 if t == 0 else h[:, t - 1]
                da = dh[:, t] * (1 - h[:, t] ** 2)     # forgot + dh_prev from step t+1
                dx[:, t] = da @ Wx.T
                dWx += x[:, t].T @ da
                dWh += h_prev.T @ da
                db += da.sum(axis=0)
                dh_prev = da @ Wh.T
            return dx, dh_prev, dWx, dWh, db
        """, "rnn::rnn_backward::matches_autograd", "bptt_gradient_not_carried"),
    Mutant("rnn_backward_only_last_upstream", """
        def rnn_backward(dh, cache):
            x, h0, Wx, Wh, h = cache
            N, T, D = x.shape
            dx = np.zeros_like(x)
            dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
            dh_next = dh[:, -1]                       # start from the last step's gradient ...
            for t in reversed(range(T)):
                h_prev = h0 if t == 0 else h[:, t - 1]
                da = dh_next * (1 - h[:, t] ** 2)     # ... but never add dh[:, t] of the other steps
                dx[:, t] = da @ Wx.T
                dWx += x[:, t].T @ da
                dWh += h_prev.T @ da
                db += da.sum(axis=0)
                dh_next = da @ Wh.T
            return dx, dh_next, dWx, dWh, db
        """, "rnn::rnn_backward::matches_autograd", "bptt_upstream_only_at_last_step"),
    Mutant("rnn_backward_weights_assigned", """
        def rnn_backward(dh, cache):
            x, h0, Wx, Wh, h = cache
            N, T, D = x.shape
            dx = np.zeros_like(x)
            dh_next = np.zeros_like(h0)
            for t in reversed(range(T)):
                h_prev = h0 if t == 0 else h[:, t - 1]
                da = (dh[:, t] + dh_next) * (1 - h[:, t] ** 2)
                dx[:, t] = da @ Wx.T
                dWx = x[:, t].T @ da
                dWh = h_prev.T @ da
                db = da.sum(axis=0)
                dh_next = da @ Wh.T
            return dx, dh_next, dWx, dWh, db
        """, "rnn::rnn_backward::matches_autograd", "weight_gradients_not_accumulated"),
    Mutant("rnn_backward_dh0_from_upstream", """
        def rnn_backward(dh, cache):
            x, h0, Wx, Wh, h = cache
            N, T, D = x.shape
            dx = np.zeros_like(x)
            dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
            dh_next = np.zeros_like(h0)
            for t in reversed(range(T)):
                h_prev = h0 if t == 0 else h[:, t - 1]
                da = (dh[:, t] + dh_next) * (1 - h[:, t] ** 2)
                dx[:, t] = da @ Wx.T
                dWx += x[:, t].T @ da
                dWh += h_prev.T @ da
                db += da.sum(axis=0)
                dh_next = da @ Wh.T
            dh0 = dh[:, 0]                              # the gradient "at" h0: the first step's upstream
            return dx, dh0, dWx, dWh, db
        """, "rnn::rnn_backward::matches_autograd", "dh0_is_first_upstream"),
    Mutant("lstm_cs231n_gate_order", """
        def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            H = h_prev.shape[1]
            a = x @ Wx + h_prev @ Wh + b
            i = _sigmoid(a[:, :H])
            f = _sigmoid(a[:, H:2 * H])
            o = _sigmoid(a[:, 2 * H:3 * H])      # CS231n's [i | f | o | g]
            g = np.tanh(a[:, 3 * H:])
            c_next = f * c_prev + i * g
            tc = np.tanh(c_next)
            return o * tc, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc)
        """, "lstm::lstm_step_forward::matches_torch", "lstm_gate_order_ifog"),
    Mutant("lstm_all_gates_sigmoid", """
        def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            H = h_prev.shape[1]
            gates = _sigmoid(x @ Wx + h_prev @ Wh + b)    # one sigmoid over all four blocks
            i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
            c_next = f * c_prev + i * g
            tc = np.tanh(c_next)
            return o * tc, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc)
        """, "lstm::lstm_step_forward::matches_torch", "lstm_candidate_sigmoid"),
    Mutant("lstm_h_is_o_times_c", """
        def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            H = h_prev.shape[1]
            a = x @ Wx + h_prev @ Wh + b
            i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])
            g = np.tanh(a[:, 2 * H:3 * H])
            c_next = f * c_prev + i * g
            h_next = o * c_next
            return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, c_next)
        """, "lstm::lstm_step_forward::matches_torch", "lstm_output_without_tanh"),
    Mutant("lstm_forward_forgets_forget_gate", """
        def lstm_forward(x, h0, Wx, Wh, b, c0=None):
            N, T, D = x.shape
            H = h0.shape[1]
            h_t, c_t = h0, (np.zeros((N, H)) if c0 is None else c0)
            h = np.zeros((N, T, H))
            for t in range(T):
                a = x[:, t] @ Wx + h_t @ Wh + b
                i, o = _sigmoid(a[:, :H]), _sigmoid(a[:, 3 * H:])
                g = np.tanh(a[:, 2 * H:3 * H])
                c_t = c_t + i * g
                h_t = o * np.tanh(c_t)
                h[:, t] = h_t
            return h, None
        """, "lstm::lstm_forward::matches_torch", "lstm_no_forget_gate"),
    Mutant("lstm_step_backward_dc_only_from_dc_next", """
        def lstm_step_backward(dh_next, dc_next, cache):
            x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
            dc = dc_next
            da = np.concatenate([dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f),
                                 dc * i * (1.0 - g ** 2), dh_next * tc * o * (1.0 - o)], axis=1)
            return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
        """, "lstm::lstm_step_backward::matches_autograd", "lstm_dc_misses_path_through_h"),
    Mutant("lstm_step_backward_dc_prev_is_dc", """
        def lstm_step_backward(dh_next, dc_next, cache):
            x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
            dc = dc_next + dh_next * o * (1.0 - tc ** 2)
            da = np.concatenate([dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f),
                                 dc * i * (1.0 - g ** 2), dh_next * tc * o * (1.0 - o)], axis=1)
            return da @ Wx.T, da @ Wh.T, dc, x.T @ da, h_prev.T @ da, da.sum(axis=0)
        """, "lstm::lstm_step_backward::matches_autograd", "lstm_dc_prev_not_times_forget"),
    Mutant("lstm_step_backward_adds_into_dc_next", """
        def lstm_step_backward(dh_next, dc_next, cache):
            x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
            dc_next += dh_next * o * (1.0 - tc ** 2)      # CS231n style, on the caller's array
            da = np.concatenate([dc_next * g * i * (1.0 - i), dc_next * c_prev * f * (1.0 - f),
                                 dc_next * i * (1.0 - g ** 2), dh_next * tc * o * (1.0 - o)], axis=1)
            return da @ Wx.T, da @ Wh.T, dc_next * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
        """, "lstm::lstm_step_backward::matches_autograd", "modifies_input_in_place"),
    Mutant("lstm_backward_fresh_cell_gradient_each_step", """
        def lstm_backward(dh, cache):
            x_shape, h0_shape, Wx, Wh, b, caches = cache
            dx = np.zeros(x_shape)
            dh_t = np.zeros(h0_shape)
            dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
            for t in reversed(range(x_shape[1])):
                dc_t = np.zeros(h0_shape)                 # reset every step: the cell's gradient never flows back
                dx[:, t], dh_t, _, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dh_t, dc_t, caches[t])
                dWx += dWx_t
                dWh += dWh_t
                db += db_t
            return dx, dh_t, dWx, dWh, db
        """, "lstm::lstm_backward::matches_autograd", "lstm_cell_gradient_not_carried"),
    Mutant("lstm_backward_only_own_upstream", """
        def lstm_backward(dh, cache):
            x_shape, h0_shape, Wx, Wh, b, caches = cache
            dx = np.zeros(x_shape)
            dc_t = np.zeros(h0_shape)
            dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
            for t in reversed(range(x_shape[1])):
                dx[:, t], dh_prev, dc_t, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t], dc_t, caches[t])
                dWx += dWx_t
                dWh += dWh_t
                db += db_t
            return dx, dh_prev, dWx, dWh, db
        """, "lstm::lstm_backward::matches_autograd", "lstm_hidden_gradient_not_carried"),
    Mutant("gru_paper_reset", """
        def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
            H = h_prev.shape[1]
            ax, ah = x @ Wx + bx, h_prev @ Wh + bh
            r = _sigmoid(ax[:, :H] + ah[:, :H])
            z = _sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
            n = np.tanh(ax[:, 2 * H:] + (r * h_prev) @ Wh[:, 2 * H:] + bh[2 * H:])
            return (1 - z) * n + z * h_prev, (r, z, n)
        """, "lstm::gru_step_forward::matches_torch", "gru_reset_before_matmul"),
    Mutant("gru_update_other_way", """
        def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
            H = h_prev.shape[1]
            ax, ah = x @ Wx + bx, h_prev @ Wh + bh
            r = _sigmoid(ax[:, :H] + ah[:, :H])
            z = _sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
            n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
            return z * n + (1 - z) * h_prev, (r, z, n)
        """, "lstm::gru_step_forward::matches_torch", "gru_update_gate_swapped"),
    Mutant("gru_z_first", """
        def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
            H = h_prev.shape[1]
            ax, ah = x @ Wx + bx, h_prev @ Wh + bh
            z = _sigmoid(ax[:, :H] + ah[:, :H])           # [z | r | n], as some texts write it
            r = _sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
            n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
            return (1 - z) * n + z * h_prev, (r, z, n)
        """, "lstm::gru_step_forward::matches_torch", "gru_gate_order_zrn"),
]

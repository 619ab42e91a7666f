"""Mutants for conv, dropout and batchnorm: one buggy copy of the reference per mistake the graders name."""
from tests.support import Mutant

#: Eval mode normalized without eps (spatial_batchnorm_forward calls this batchnorm_forward, as students' do).
BATCHNORM_EVAL_WITHOUT_EPS = """
    _reference_batchnorm_forward = batchnorm_forward
    def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
        if train:
            return _reference_batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum, eps)
        std = np.sqrt(running_var)
        xhat = (x - running_mean) / std
        return gamma * xhat + beta, running_mean.copy(), running_var.copy(), (xhat, gamma, 1.0 / std, train)
    """

#: A max-pool backward over output positions that writes each window's gradient with = (later windows overwrite
#: the earlier ones where they overlap).
MAX_POOL_GRAD_ASSIGNED = """
    def max_pool2d_forward(x, kernel_size, stride=None):
        k, s = kernel_size, kernel_size if stride is None else stride
        out = _windows(x, k, k, s).max(axis=(4, 5))
        return out, (x, k, s)

    def max_pool2d_backward(dout, cache):
        x, k, s = cache
        N, C, Ho, Wo = dout.shape
        dx = np.zeros(x.shape)
        for i in range(Ho):
            for j in range(Wo):
                window = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(N, C, k * k)
                mask = np.zeros((N, C, k * k))
                np.put_along_axis(mask, window.argmax(axis=2)[..., None], 1.0, axis=2)
                dx[:, :, i * s:i * s + k, j * s:j * s + k] = mask.reshape(N, C, k, k) * dout[:, :, i:i + 1, j:j + 1]
        return dx
    """

MUTANTS = [
    Mutant("dropout_global_random_state", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            mask = (np.random.rand(*x.shape) >= p) / (1 - p) if p < 1 else np.zeros_like(x)
            return x * mask, mask
        """, "dropout::dropout_forward::mask_follows_rng", "dropout_ignores_rng"),
    Mutant("dropout_mask_kept_between_calls", """
        _masks = {}
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            key = (x.shape, p)
            if key not in _masks:
                _masks[key] = (rng.random(x.shape) >= p) / (1 - p) if p < 1 else np.zeros(x.shape)
            mask = _masks[key]
            return x * mask, mask
        """, "dropout::dropout_forward::mask_follows_rng", "dropout_ignores_rng"),
    Mutant("dropout_seeds_the_global_generator", """
        def dropout_forward(x, p, train, rng):
            np.random.seed(1234)
            if not train:
                return x.copy(), None
            keep = rng.random(x.shape) >= p
            mask = keep / (1.0 - p) if p < 1 else np.zeros(x.shape)
            return x * mask, mask
        """, "dropout::dropout_forward::mask_follows_rng", "touches_global_rng"),
    # conv
    Mutant("conv_flipped_kernel", """
        _reference_conv2d_forward = conv2d_forward
        def conv2d_forward(x, w, b, stride=1, padding=0):
            return _reference_conv2d_forward(x, w[:, :, ::-1, ::-1].copy(), b, stride, padding)
        """, "conv::conv2d_forward::matches_torch", "flipped_kernel"),
    Mutant("conv_padding_one_side", """
        _reference_conv2d_forward = conv2d_forward
        def conv2d_forward(x, w, b, stride=1, padding=0):
            p = padding
            xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))
            return _reference_conv2d_forward(xp, w, b, stride, 0)
        """, "conv::conv2d_forward::matches_torch", "padding_one_side"),
    Mutant("conv_output_size_with_stride", """
        def conv2d_forward(x, w, b, stride=1, padding=0):
            N, C, H, W = x.shape
            F, _, KH, KW = w.shape
            p, s = padding, stride
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            Ho, Wo = (H + 2 * p - KH + 1) // s, (W + 2 * p - KW + 1) // s  # positions / stride, rounded down
            win = _windows(xp, KH, KW, s)[:, :, :Ho, :Wo]
            cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * KH * KW, Ho * Wo)
            out = (w.reshape(F, -1) @ cols).reshape(N, F, Ho, Wo) + b[:, None, None]
            return out, (x.shape, w, cols, stride, padding)
        """, "conv::conv2d_forward::matches_torch", "output_size_with_stride"),
    Mutant("conv_db_not_summed_over_space", """
        _reference_conv2d_backward = conv2d_backward
        def conv2d_backward(dout, cache):
            dx, dw, db = _reference_conv2d_backward(dout, cache)
            return dx, dw, dout.sum(axis=0)
        """, "conv::conv2d_backward::matches_autograd", "db_not_summed_over_space"),
    Mutant("conv_dx_overwrites_overlaps", """
        def conv2d_backward(dout, cache):
            (N, C, H, W), w, cols, s, p = cache
            F, _, KH, KW = w.shape
            Ho, Wo = dout.shape[2:]
            d = dout.reshape(N, F, Ho * Wo)
            db = dout.sum(axis=(0, 2, 3))
            dw = (d @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
            dcols = (w.reshape(F, -1).T @ d).reshape(N, C, KH, KW, Ho, Wo)
            dxp = np.zeros((N, C, H + 2 * p, W + 2 * p))
            for i, j, idx in _offsets(KH, KW, s, Ho, Wo):
                dxp[idx] = dcols[:, :, i, j]
            return dxp[:, :, p:p + H, p:p + W].copy(), dw, db
        """, "conv::conv2d_backward::matches_autograd", "dx_not_accumulated"),
    Mutant("max_pool_grad_to_every_maximum", """
        def max_pool2d_forward(x, kernel_size, stride=None):
            k, s = kernel_size, kernel_size if stride is None else stride
            out = _windows(x, k, k, s).max(axis=(4, 5))
            return out, (x, out, k, s)

        def max_pool2d_backward(dout, cache):
            x, out, k, s = cache
            Ho, Wo = dout.shape[2:]
            dx = np.zeros(x.shape)
            for i, j, win in _offsets(k, k, s, Ho, Wo):
                dx[win] += np.where(x[win] == out, dout, 0.0)
            return dx
        """, "conv::max_pool2d_backward::ties_go_to_first_maximum", "max_pool_grad_to_every_maximum"),
    Mutant("max_pool_grad_assigned", MAX_POOL_GRAD_ASSIGNED,
           "conv::max_pool2d_backward::matches_autograd", "max_pool_grad_not_accumulated"),
    Mutant("max_pool_grad_assigned_ties", MAX_POOL_GRAD_ASSIGNED,
           "conv::max_pool2d_backward::ties_go_to_first_maximum", "max_pool_grad_not_accumulated"),
    Mutant("max_pool_default_stride_one", """
        _reference_max_pool2d_forward = max_pool2d_forward
        def max_pool2d_forward(x, kernel_size, stride=None):
            return _reference_max_pool2d_forward(x, kernel_size, 1 if stride is None else stride)
        """, "conv::max_pool2d_forward::matches_torch", "pool_default_stride_one"),
    Mutant("avg_pool_default_stride_one", """
        _reference_avg_pool2d_forward = avg_pool2d_forward
        def avg_pool2d_forward(x, kernel_size, stride=None):
            return _reference_avg_pool2d_forward(x, kernel_size, stride or 1)
        """, "conv::avg_pool2d_forward::matches_torch", "pool_default_stride_one"),
    Mutant("avg_pool_grad_not_divided", """
        _reference_avg_pool2d_backward = avg_pool2d_backward
        def avg_pool2d_backward(dout, cache):
            shape, k, s = cache
            return _reference_avg_pool2d_backward(dout, cache) * (k * k)
        """, "conv::avg_pool2d_backward::matches_autograd", "avg_pool_grad_not_divided"),
    Mutant("flatten_minus_one_on_empty_batch", """
        def flatten_forward(x):
            return x.reshape(x.shape[0], -1).copy(), x.shape
        """, "conv::flatten_forward::empty_batch", "flatten_minus_one_on_empty_batch"),
    # dropout
    Mutant("dropout_not_inverted", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            mask = (rng.random(x.shape) >= p).astype(np.float64)
            return x * mask, mask
        """, "dropout::dropout_forward::outputs_zero_or_scaled", "dropout_not_inverted"),
    Mutant("dropout_p_as_keep_probability", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            mask = (rng.random(x.shape) < p) / p if p > 0 else np.zeros(x.shape)
            return x * mask, mask
        """, "dropout::dropout_forward::drop_rate_is_p", "p_as_keep_probability"),
    Mutant("dropout_active_in_eval", """
        def dropout_forward(x, p, train, rng):
            keep = rng.random(x.shape) >= p
            mask = keep * (0.0 if p >= 1 else 1.0 / (1.0 - p))
            return x * mask, mask
        """, "dropout::dropout_forward::eval_is_identity", "dropout_active_in_eval"),
    Mutant("dropout_p_1_divides_by_zero", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            mask = (rng.random(x.shape) >= p) / (1 - p)
            return x * mask, mask
        """, "dropout::dropout_forward::zeros_at_p_1", "p_1_divides_by_zero"),
    Mutant("dropout_fresh_mask_in_backward", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
            return x * (rng.random(x.shape) >= p) * scale, (rng, p, scale)

        def dropout_backward(dout, cache):
            if cache is None:
                return dout.copy()
            rng, p, scale = cache
            return dout * (rng.random(dout.shape) >= p) * scale
        """, "dropout::dropout_backward::uses_forward_mask", "fresh_mask_in_backward"),
    # batchnorm
    Mutant("batchnorm_biased_running_variance", """
        _reference_batchnorm_forward = batchnorm_forward
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            out, new_mean, new_var, cache = _reference_batchnorm_forward(
                x, gamma, beta, running_mean, running_var, train, momentum, eps)
            if train:
                new_var = (1 - momentum) * running_var + momentum * x.var(axis=0)
            return out, new_mean, new_var, cache
        """, "batchnorm::batchnorm_forward::matches_torch", "biased_running_variance"),
    Mutant("batchnorm_swapped_momentum", """
        _reference_batchnorm_forward = batchnorm_forward
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            return _reference_batchnorm_forward(x, gamma, beta, running_mean, running_var, train, 1 - momentum, eps)
        """, "batchnorm::batchnorm_forward::running_stats_over_steps", "swapped_momentum"),
    Mutant("batchnorm_eval_uses_batch_statistics", """
        _reference_batchnorm_forward = batchnorm_forward
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            if train:
                return _reference_batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum, eps)
            inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
            xhat = (x - x.mean(axis=0)) * inv_std
            return gamma * xhat + beta, running_mean.copy(), running_var.copy(), (xhat, gamma, inv_std, train)
        """, "batchnorm::batchnorm_forward::eval_matches_torch", "eval_uses_batch_statistics"),
    Mutant("batchnorm_eval_without_eps", BATCHNORM_EVAL_WITHOUT_EPS,
           "batchnorm::batchnorm_forward::eval_matches_torch", "eval_without_eps"),
    Mutant("spatial_batchnorm_eval_without_eps", BATCHNORM_EVAL_WITHOUT_EPS,
           "batchnorm::spatial_batchnorm_forward::eval_matches_torch", "eval_without_eps"),
    Mutant("batchnorm_swapped_momentum_and_biased_variance", """
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            if train:
                mean, var = x.mean(axis=0), x.var(axis=0)
                new_mean = momentum * running_mean + (1 - momentum) * mean
                new_var = momentum * running_var + (1 - momentum) * var
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.copy(), running_var.copy()
            inv_std = 1.0 / np.sqrt(var + eps)
            xhat = (x - mean) * inv_std
            return gamma * xhat + beta, new_mean, new_var, (xhat, gamma, inv_std, train)
        """, "batchnorm::batchnorm_forward::matches_torch", "swapped_momentum_and_biased_variance"),
    Mutant("batchnorm_eps_outside_sqrt", """
        _reference_batchnorm_forward = batchnorm_forward
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            out, new_mean, new_var, cache = _reference_batchnorm_forward(
                x, gamma, beta, running_mean, running_var, train, momentum, eps)
            mean, var = (x.mean(axis=0), x.var(axis=0)) if train else (running_mean, running_var)
            return gamma * (x - mean) / (np.sqrt(var) + eps) + beta, new_mean, new_var, cache
        """, "batchnorm::batchnorm_forward::matches_torch", "eps_outside_sqrt"),
    Mutant("batchnorm_backward_stats_constant", """
        def batchnorm_backward(dout, cache):
            xhat, gamma, inv_std, train = cache
            return dout * gamma * inv_std, (dout * xhat).sum(axis=0), dout.sum(axis=0)
        """, "batchnorm::batchnorm_backward::matches_autograd", "backward_treats_stats_as_constants"),
    Mutant("spatial_batchnorm_per_position", """
        def spatial_batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            n, c, h, w = x.shape
            if train:
                mean, var = x.mean(axis=0), x.var(axis=0)
            else:
                mean, var = running_mean[:, None, None], running_var[:, None, None]
            xhat = (x - mean) / np.sqrt(var + eps)
            out = gamma[:, None, None] * xhat + beta[:, None, None]
            if train:
                m = n * h * w
                new_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=(0, 2, 3))
                new_var = (1 - momentum) * running_var + momentum * x.var(axis=(0, 2, 3)) * m / max(m - 1, 1)
            else:
                new_mean, new_var = running_mean.copy(), running_var.copy()
            return out, new_mean, new_var, (xhat, gamma, 1.0 / np.sqrt(var + eps), train)
        """, "batchnorm::spatial_batchnorm_forward::matches_torch", "spatial_stats_per_position"),
]

"""A second, independent set of buggy copies: the generalization measure.

Written without reading the graders' mistake lists or the first set's mutants (beyond one file for the style).
``fails`` is the author's guess at the check that rejects each copy; ``diagnosis`` is always None: this set
must never be used to tune the graders or to test the names of mistakes.

tests/second_set/witnesses.py holds, for each copy, one direct computation on which it differs from the reference
(``python -m tests.second_set.witnesses``): it shows the copy is really wrong, not an equivalent rewrite.
"""
from tests.support import Mutant

MUTANTS = [
    # ------------------------------------------------------------------ perceptron
    Mutant("predict_sign_rescaled", """
        def perceptron_predict(X, w, b):
            # map the sign (-1, 0, 1) to a 0/1 class
            return (np.sign(X @ w + b) + 1) / 2
        """, "perceptron::perceptron_predict::matches_rule", None),
    Mutant("train_errors_miss_final_clean_epoch", """
        def perceptron_train(X, y, lr=1.0, max_epochs=100):
            w = np.zeros(X.shape[1])
            b = 0.0
            errors = []
            for epoch in range(max_epochs):
                mistakes = 0
                for i in range(len(X)):
                    pred = 1.0 if X[i] @ w + b > 0 else 0.0
                    if pred != y[i]:
                        w = w + lr * (y[i] - pred) * X[i]
                        b = b + lr * (y[i] - pred)
                        mistakes += 1
                if mistakes == 0:
                    break
                errors.append(mistakes)
            return w, float(b), errors
        """, "perceptron::perceptron_train::matches_rule", None),
    Mutant("train_bias_ignores_lr", """
        def perceptron_train(X, y, lr=1.0, max_epochs=100):
            w = np.zeros(X.shape[1])
            b = 0.0
            errors = []
            for epoch in range(max_epochs):
                mistakes = 0
                for x_i, y_i in zip(X, y):
                    err = y_i - step(x_i @ w + b)
                    if err != 0:
                        w = w + lr * err * x_i
                        b = b + err
                        mistakes += 1
                errors.append(mistakes)
                if mistakes == 0:
                    break
            return w, float(b), errors
        """, "perceptron::perceptron_train::matches_rule", None),
    Mutant("train_epoch_predictions_precomputed", """
        def perceptron_train(X, y, lr=1.0, max_epochs=100):
            w = np.zeros(X.shape[1])
            b = 0.0
            errors = []
            for epoch in range(max_epochs):
                preds = perceptron_predict(X, w, b)   # once per epoch, "vectorized"
                mistakes = 0
                for x_i, y_i, p_i in zip(X, y, preds):
                    if p_i != y_i:
                        w = w + lr * (y_i - p_i) * x_i
                        b += lr * (y_i - p_i)
                        mistakes += 1
                errors.append(mistakes)
                if mistakes == 0:
                    break
            return w, float(b), errors
        """, "perceptron::perceptron_train::matches_rule", None),
    Mutant("train_shuffles_with_global_rng", """
        def perceptron_train(X, y, lr=1.0, max_epochs=100):
            w = np.zeros(X.shape[1])
            b = 0.0
            errors = []
            for epoch in range(max_epochs):
                mistakes = 0
                for i in np.random.permutation(len(X)):
                    err = y[i] - float(X[i] @ w + b > 0)
                    if err:
                        w = w + lr * err * X[i]
                        b += lr * err
                        mistakes += 1
                errors.append(mistakes)
                if mistakes == 0:
                    break
            return w, float(b), errors
        """, "perceptron::perceptron_train::matches_rule", None),
    Mutant("train_bias_never_updated", """
        def perceptron_train(X, y, lr=1.0, max_epochs=100):
            w = np.zeros(X.shape[1])
            b = 0.0
            errors = []
            for epoch in range(max_epochs):
                mistakes = 0
                for x_i, y_i in zip(X, y):
                    update = lr * (y_i - step(x_i @ w + b))
                    w += update * x_i
                    mistakes += int(update != 0)
                errors.append(mistakes)
                if mistakes == 0:
                    break
            return w, float(b), errors
        """, "perceptron::perceptron_train::matches_rule", None),

    # ------------------------------------------------------------------ activations
    Mutant("sigmoid_clipped_input", """
        def sigmoid_forward(x):
            # clip so that exp never overflows
            out = 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))
            return out, out
        """, "activations::sigmoid_forward::stable_at_extremes", None),
    Mutant("sigmoid_backward_treats_cache_as_input", """
        def sigmoid_backward(dout, cache):
            s = 1.0 / (1.0 + np.exp(-cache))
            return dout * s * (1.0 - s)
        """, "activations::sigmoid_backward::matches_autograd", None),
    Mutant("tanh_from_exponentials", """
        def tanh_forward(x):
            ep, em = np.exp(x), np.exp(-x)
            out = (ep - em) / (ep + em)
            return out, out
        """, "activations::tanh_forward::matches_torch", None),
    Mutant("relu_forward_in_place", """
        def relu_forward(x):
            x[x < 0] = 0.0
            return x, x
        """, "activations::relu_forward::matches_torch", None),
    Mutant("elu_alpha_scales_both_sides", """
        def elu_forward(x, alpha=1.0):
            out = alpha * np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
            return out, (x, out, alpha)
        """, "activations::elu_forward::matches_torch", None),
    Mutant("elu_backward_one_at_zero", """
        def elu_backward(dout, cache):
            x, out, alpha = cache
            grad = np.ones_like(x)
            neg = x < 0
            grad[neg] = out[neg] + alpha
            return dout * grad
        """, "activations::elu_backward::matches_autograd", None),

    # ------------------------------------------------------------------ losses
    Mutant("softmax_shift_by_global_max", """
        def softmax(x):
            e = np.exp(x - np.max(x))
            return e / e.sum(axis=-1, keepdims=True)
        """, "losses::softmax::stable_for_huge_logits", None),
    Mutant("softmax_shifts_input_in_place", """
        def softmax(x):
            x -= x.max(axis=-1, keepdims=True)
            e = np.exp(x)
            return e / e.sum(axis=-1, keepdims=True)
        """, "losses::softmax::matches_torch", None),
    Mutant("log_softmax_drops_the_shift", """
        def log_softmax(x):
            m = x.max(axis=-1, keepdims=True)
            return x - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
        """, "losses::log_softmax::matches_torch", None),
    Mutant("cross_entropy_one_hot_sized_by_batch", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            log_p = log_softmax(logits)
            one_hot = np.eye(n)[y]
            loss = -log_p[np.arange(n), y].mean()
            return float(loss), (np.exp(log_p) - one_hot) / n
        """, "losses::softmax_cross_entropy::matches_torch", None),
    Mutant("cross_entropy_mean_over_all_entries", """
        def softmax_cross_entropy(logits, y):
            n, c = logits.shape
            log_p = log_softmax(logits)
            one_hot = np.zeros((n, c))
            one_hot[np.arange(n), y] = 1.0
            loss = -(one_hot * log_p).mean()
            return float(loss), (np.exp(log_p) - one_hot) / n
        """, "losses::softmax_cross_entropy::matches_torch", None),
    Mutant("mse_grad_over_rows", """
        def mse_loss(pred, target):
            diff = pred - target
            return float(np.mean(diff ** 2)), 2.0 * diff / len(pred)
        """, "losses::mse_loss::matches_torch", None),

    # ------------------------------------------------------------------ mlp
    Mutant("affine_dw_averaged_over_batch", """
        def affine_backward(dout, cache):
            x, w = cache
            n = x.shape[0]
            return dout @ w.T, x.T @ dout / n, dout.sum(axis=0)
        """, "mlp::affine_backward::matches_autograd", None),
    Mutant("mlp_tanh_derivative_of_preactivation", """
        def mlp_backward(dscores, cache):
            caches, activation = cache
            grads = {}
            dh = dscores
            L = len(caches)
            for l in range(L, 0, -1):
                c, z, a = caches[l - 1]
                if l == L:
                    dz = dh
                elif activation == "relu":
                    dz = dh * (z > 0)
                elif activation == "sigmoid":
                    dz = dh * a * (1 - a)
                else:
                    dz = dh * (1 - z ** 2)
                dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dz, c)
            return grads
        """, "mlp::mlp_backward::matches_autograd", None),
    Mutant("init_scaled_by_fan_out", """
        def init_mlp(layer_sizes, rng):
            params = {}
            for l in range(1, len(layer_sizes)):
                fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]
                params[f"W{l}"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_out)
                params[f"b{l}"] = np.zeros(fan_out)
            return params
        """, "mlp::init_mlp::he_normal_scale", None),
    Mutant("init_ignores_rng", """
        def init_mlp(layer_sizes, rng):
            params = {}
            for l in range(1, len(layer_sizes)):
                fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]
                params[f"W{l}"] = np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in)
                params[f"b{l}"] = np.zeros(fan_out)
            return params
        """, "mlp::init_mlp::reproducible_from_rng", None),
    Mutant("mlp_forward_activates_scores", """
        def mlp_forward(x, params, activation="relu"):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"unknown activation {activation!r}")
            f = _ACTIVATIONS[activation][0]
            caches, h = [], x
            for l in range(1, len(params) // 2 + 1):
                z, c = affine_forward(h, params[f"W{l}"], params[f"b{l}"])
                h = f(z)
                caches.append((c, z, h))
            return h, (caches, activation)
        """, "mlp::mlp_forward::matches_torch", None),
    Mutant("mlp_loss_unshifted_softmax", """
        def mlp_loss(x, y, params, activation="relu"):
            scores, cache = mlp_forward(x, params, activation)
            n = scores.shape[0]
            p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
            loss = -np.log(p[np.arange(n), y]).mean()
            dscores = p.copy()
            dscores[np.arange(n), y] -= 1
            return float(loss), mlp_backward(dscores / n, cache)
        """, "mlp::mlp_loss::matches_torch", None),

    # ------------------------------------------------------------------ optim
    Mutant("minibatches_forget_partial_batch", """
        def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
            if shuffle:
                rng = np.random.default_rng() if rng is None else rng
                order = rng.permutation(n)
            else:
                order = np.arange(n)
            for i in range(n // batch_size):
                yield order[i * batch_size:(i + 1) * batch_size]
        """, "optim::minibatches::one_epoch_is_a_partition", None),
    Mutant("minibatches_global_shuffle", """
        def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
            order = np.random.permutation(n) if shuffle else np.arange(n)
            stop = n - n % batch_size if drop_last else n
            for start in range(0, stop, batch_size):
                yield order[start:start + batch_size]
        """, "optim::minibatches::shuffle_follows_rng", None),
    Mutant("sgd_updates_in_place", """
        def sgd(w, dw, lr):
            w -= lr * dw
            return w
        """, "optim::sgd::matches_torch_optim", None),
    Mutant("momentum_dampened_like_ema", """
        def sgd_momentum(w, dw, state, lr, momentum=0.9):
            v = np.zeros_like(w) if state is None else state["v"]
            v = momentum * v + (1 - momentum) * dw
            return w - lr * v, {"v": v}
        """, "optim::sgd_momentum::matches_torch_optim", None),
    Mutant("adam_step_counter_starts_at_one", """
        def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
            if state is None:
                state = {"t": 1, "m": np.zeros_like(w), "v": np.zeros_like(w)}
            g = dw + weight_decay * w
            t = state["t"] + 1
            m = beta1 * state["m"] + (1 - beta1) * g
            v = beta2 * state["v"] + (1 - beta2) * g ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}
        """, "optim::adam::matches_torch_optim", None),
    Mutant("adam_eps_inside_sqrt", """
        def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
            if state is None:
                state = {"t": 0, "m": np.zeros_like(w), "v": np.zeros_like(w)}
            g = dw + weight_decay * w
            t = state["t"] + 1
            m = beta1 * state["m"] + (1 - beta1) * g
            v = beta2 * state["v"] + (1 - beta2) * g * g
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            return w - lr * m_hat / np.sqrt(v_hat + eps), {"t": t, "m": m, "v": v}
        """, "optim::adam::matches_torch_optim", None),
    Mutant("adam_decoupled_weight_decay", """
        def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
            if state is None:
                state = {"t": 0, "m": np.zeros_like(w), "v": np.zeros_like(w)}
            t = state["t"] + 1
            m = beta1 * state["m"] + (1 - beta1) * dw
            v = beta2 * state["v"] + (1 - beta2) * dw * dw
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            w_next = w - lr * m_hat / (np.sqrt(v_hat) + eps) - lr * weight_decay * w
            return w_next, {"t": t, "m": m, "v": v}
        """, "optim::adam::matches_torch_optim", None),
    Mutant("fit_mlp_resets_adam_each_epoch", """
        def fit_mlp(X, y, hidden_sizes, epochs, batch_size, lr, rng):
            from .mlp import init_mlp, mlp_loss

            params = init_mlp([X.shape[1], *hidden_sizes, int(np.max(y)) + 1], rng)
            for _ in range(epochs):
                states = {k: None for k in params}
                for idx in minibatches(X.shape[0], batch_size, rng):
                    _, grads = mlp_loss(X[idx], y[idx], params)
                    for k in params:
                        params[k], states[k] = adam(params[k], grads[k], states[k], lr=lr)
            return params
        """, "optim::fit_mlp::fits_two_spirals", None),

    # ------------------------------------------------------------------ dropout
    Mutant("dropout_p_as_keep_probability", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            mask = (rng.random(x.shape) < p) / p
            return x * mask, mask
        """, "dropout::dropout_forward::drop_rate_is_p", None),
    Mutant("dropout_mask_cached_by_shape", """
        _MASKS = {}

        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            key = (x.shape, p)
            if key not in _MASKS:
                keep = rng.random(x.shape) >= p
                _MASKS[key] = keep * (0.0 if p >= 1 else 1.0 / (1.0 - p))
            mask = _MASKS[key]
            return x * mask, mask
        """, "dropout::dropout_forward::drop_rate_is_p", None),
    Mutant("dropout_global_rng", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            keep = np.random.rand(*x.shape) >= p
            mask = keep * (0.0 if p >= 1 else 1.0 / (1.0 - p))
            return x * mask, mask
        """, "dropout::dropout_forward::drop_rate_is_p", None),
    Mutant("dropout_cache_is_boolean_keep", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            keep = rng.random(x.shape) >= p
            out = x * keep / (1.0 - p) if p < 1 else np.zeros_like(x)
            return out, keep

        def dropout_backward(dout, cache):
            return dout.copy() if cache is None else dout * cache
        """, "dropout::dropout_backward::uses_forward_mask", None),
    Mutant("dropout_p_one_divides_by_zero", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            keep = rng.random(x.shape) >= p
            mask = keep / np.float64(1.0 - p)
            return x * mask, mask
        """, "dropout::dropout_forward::zeros_at_p_1", None),
    Mutant("dropout_eval_also_scales", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x * (1.0 - p), None
            keep = rng.random(x.shape) >= p
            mask = keep * (0.0 if p >= 1 else 1.0 / (1.0 - p))
            return x * mask, mask
        """, "dropout::dropout_forward::eval_is_identity", None),
    Mutant("dropout_rescale_by_kept_fraction", """
        def dropout_forward(x, p, train, rng):
            if not train:
                return x.copy(), None
            keep = rng.random(x.shape) >= p
            kept = keep.mean()
            mask = keep / kept if kept > 0 else keep * 0.0
            return x * mask, mask
        """, "dropout::dropout_forward::outputs_zero_or_scaled", None),

    # ------------------------------------------------------------------ batchnorm
    Mutant("bn_running_var_biased", """
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            if train:
                if x.shape[0] < 2:
                    raise ValueError("need more than one value per feature")
                mean = x.mean(axis=0)
                var = x.var(axis=0)
                running_mean = (1 - momentum) * running_mean + momentum * mean
                running_var = (1 - momentum) * running_var + momentum * var
            else:
                mean, var = running_mean, running_var
                running_mean, running_var = running_mean.copy(), running_var.copy()
            inv_std = 1.0 / np.sqrt(var + eps)
            xhat = (x - mean) * inv_std
            return gamma * xhat + beta, running_mean, running_var, (xhat, gamma, inv_std, train)
        """, "batchnorm::batchnorm_forward::running_stats_over_steps", None),
    Mutant("bn_normalizes_with_unbiased_var", """
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            if train:
                if x.shape[0] < 2:
                    raise ValueError("need more than one value per feature")
                mean = x.mean(axis=0)
                var = x.var(axis=0, ddof=1)
                new_mean = (1 - momentum) * running_mean + momentum * mean
                new_var = (1 - momentum) * running_var + momentum * var
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.copy(), running_var.copy()
            inv_std = 1.0 / np.sqrt(var + eps)
            xhat = (x - mean) * inv_std
            return gamma * xhat + beta, new_mean, new_var, (xhat, gamma, inv_std, train)
        """, "batchnorm::batchnorm_forward::matches_torch", None),
    Mutant("bn_momentum_keras_convention", """
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            if train:
                n = x.shape[0]
                if n < 2:
                    raise ValueError("need more than one value per feature")
                mean, var = x.mean(axis=0), x.var(axis=0)
                new_mean = momentum * running_mean + (1 - momentum) * mean
                new_var = momentum * running_var + (1 - momentum) * var * n / (n - 1)
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.copy(), running_var.copy()
            inv_std = 1.0 / np.sqrt(var + eps)
            xhat = (x - mean) * inv_std
            return gamma * xhat + beta, new_mean, new_var, (xhat, gamma, inv_std, train)
        """, "batchnorm::batchnorm_forward::running_stats_over_steps", None),
    Mutant("bn_eps_outside_sqrt", """
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            if train:
                n = x.shape[0]
                if n < 2:
                    raise ValueError("need more than one value per feature")
                mean, var = x.mean(axis=0), x.var(axis=0)
                new_mean = (1 - momentum) * running_mean + momentum * mean
                new_var = (1 - momentum) * running_var + momentum * var * (n / (n - 1))
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.copy(), running_var.copy()
            inv_std = 1.0 / (np.sqrt(var) + eps)
            xhat = (x - mean) * inv_std
            return gamma * xhat + beta, new_mean, new_var, (xhat, gamma, inv_std, train)
        """, "batchnorm::batchnorm_forward::matches_torch", None),
    Mutant("bn_eval_uses_batch_statistics", """
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            if train:
                if n < 2:
                    raise ValueError("need more than one value per feature")
                new_mean = (1 - momentum) * running_mean + momentum * mean
                new_var = (1 - momentum) * running_var + momentum * var * (n / (n - 1))
            else:
                new_mean, new_var = running_mean.copy(), running_var.copy()
            inv_std = 1.0 / np.sqrt(var + eps)
            xhat = (x - mean) * inv_std
            return gamma * xhat + beta, new_mean, new_var, (xhat, gamma, inv_std, train)
        """, "batchnorm::batchnorm_forward::eval_matches_torch", None),
    Mutant("bn_backward_ignores_mean_path", """
        def batchnorm_backward(dout, cache):
            xhat, gamma, inv_std, train = cache
            n = dout.shape[0]
            dbeta = dout.sum(axis=0)
            dgamma = (dout * xhat).sum(axis=0)
            if not train:
                return dout * gamma * inv_std, dgamma, dbeta
            dxhat = dout * gamma
            # d xhat / d x through x itself and through the variance
            dx = inv_std * (dxhat - xhat * (dxhat * xhat).mean(axis=0))
            return dx, dgamma, dbeta
        """, "batchnorm::batchnorm_backward::matches_autograd", None),
    Mutant("spatial_bn_reshape_without_transpose", """
        def spatial_batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            n, c, h, w = x.shape
            out, new_mean, new_var, cache = batchnorm_forward(
                x.reshape(-1, c), gamma, beta, running_mean, running_var, train, momentum, eps)
            return out.reshape(n, c, h, w), new_mean, new_var, cache
        """, "batchnorm::spatial_batchnorm_forward::matches_torch", None),
    Mutant("spatial_bn_width_height_swapped", """
        def spatial_batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
            N, C, H, W = x.shape
            flat = x.transpose(0, 2, 3, 1).reshape(-1, C)
            out, new_mean, new_var, cache = batchnorm_forward(
                flat, gamma, beta, running_mean, running_var, train, momentum, eps)
            return out.reshape(N, W, H, C).transpose(0, 3, 1, 2), new_mean, new_var, cache
        """, "batchnorm::spatial_batchnorm_forward::matches_torch", None),
    Mutant("spatial_bn_backward_reshape_without_transpose", """
        def spatial_batchnorm_backward(dout, cache):
            n, c, h, w = dout.shape
            dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
            return dx.reshape(n, c, h, w), dgamma, dbeta
        """, "batchnorm::spatial_batchnorm_backward::matches_autograd", None),

    # ------------------------------------------------------------------ conv
    Mutant("conv_output_size_ignores_padding", """
        def conv2d_forward(x, w, b, stride=1, padding=0):
            N, C, H, W = x.shape
            F, _, KH, KW = w.shape
            xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            Ho = (H - KH) // stride + 1
            Wo = (W - KW) // stride + 1
            win = _windows(xp, KH, KW, stride)[:, :, :Ho, :Wo]
            cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * KH * KW, Ho * Wo)
            out = (w.reshape(F, -1) @ cols).reshape(N, F, Ho, Wo) + b[:, None, None]
            return out, (x.shape, w, cols, stride, padding)
        """, "conv::conv2d_forward::matches_torch", None),
    Mutant("conv_flips_the_kernel", """
        def conv2d_forward(x, w, b, stride=1, padding=0):
            N, C, H, W = x.shape
            F, _, KH, KW = w.shape
            wf = w[:, :, ::-1, ::-1]   # "convolution" flips the kernel
            xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            Ho, Wo = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
            cols = _windows(xp, KH, KW, stride).transpose(0, 1, 4, 5, 2, 3).reshape(N, C * KH * KW, Ho * Wo)
            out = (wf.reshape(F, -1) @ cols).reshape(N, F, Ho, Wo) + b[:, None, None]
            return out, (x.shape, w, cols, stride, padding)
        """, "conv::conv2d_forward::matches_torch", None),
    Mutant("conv_bias_broadcast_over_rows", """
        def conv2d_forward(x, w, b, stride=1, padding=0):
            N, C, H, W = x.shape
            F, _, KH, KW = w.shape
            p, s = padding, stride
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            Ho, Wo = (H + 2 * p - KH) // s + 1, (W + 2 * p - KW) // s + 1
            cols = _windows(xp, KH, KW, s).transpose(0, 1, 4, 5, 2, 3).reshape(N, C * KH * KW, Ho * Wo)
            out = (w.reshape(F, -1) @ cols).reshape(N, F, Ho, Wo) + b[:, None]
            return out, (x.shape, w, cols, stride, padding)
        """, "conv::conv2d_forward::matches_torch", None),
    Mutant("conv_db_summed_over_wrong_axes", """
        def conv2d_backward(dout, cache):
            (N, C, H, W), w, cols, s, p = cache
            F, _, KH, KW = w.shape
            Ho, Wo = dout.shape[2:]
            d = dout.reshape(N, F, Ho * Wo)
            db = dout.sum(axis=(1, 2, 3))
            dw = (d @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
            dcols = (w.reshape(F, -1).T @ d).reshape(N, C, KH, KW, Ho, Wo)
            dxp = np.zeros((N, C, H + 2 * p, W + 2 * p))
            for i, j, idx in _offsets(KH, KW, s, Ho, Wo):
                dxp[idx] += dcols[:, :, i, j]
            return dxp[:, :, p:p + H, p:p + W].copy(), dw, db
        """, "conv::conv2d_backward::matches_autograd", None),
    Mutant("conv_dx_ignores_stride", """
        def conv2d_backward(dout, cache):
            (N, C, H, W), w, cols, s, p = cache
            F, _, KH, KW = w.shape
            Ho, Wo = dout.shape[2:]
            d = dout.reshape(N, F, Ho * Wo)
            db = dout.sum(axis=(0, 2, 3))
            dw = (d @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
            dcols = (w.reshape(F, -1).T @ d).reshape(N, C, KH, KW, Ho, Wo)
            dxp = np.zeros((N, C, H + 2 * p, W + 2 * p))
            for i in range(KH):
                for j in range(KW):
                    dxp[:, :, i:i + Ho, j:j + Wo] += dcols[:, :, i, j]
            return dxp[:, :, p:p + H, p:p + W].copy(), dw, db
        """, "conv::conv2d_backward::matches_autograd", None),
    Mutant("maxpool_backward_to_every_tied_max", """
        def max_pool2d_forward(x, kernel_size, stride=None):
            k = kernel_size
            s = k if stride is None else stride
            win = _windows(x, k, k, s)
            out = win.max(axis=(-2, -1))
            return out, (x, out, k, s)

        def max_pool2d_backward(dout, cache):
            x, out, k, s = cache
            Ho, Wo = dout.shape[2:]
            dx = np.zeros(x.shape)
            for i, j, win in _offsets(k, k, s, Ho, Wo):
                dx[win] += (x[win] == out) * dout
            return dx
        """, "conv::max_pool2d_backward::ties_go_to_first_maximum", None),
    Mutant("maxpool_default_stride_one", """
        def max_pool2d_forward(x, kernel_size, stride=1):
            k, s = kernel_size, stride
            win = _windows(x, k, k, s)
            flat = win.reshape(win.shape[:4] + (k * k,))
            idx = flat.argmax(axis=-1)
            out = np.take_along_axis(flat, idx[..., None], axis=-1)[..., 0]
            return out, (x.shape, idx, k, s)
        """, "conv::max_pool2d_forward::uses_default_arguments", None),
    Mutant("avgpool_output_size_ignores_stride", """
        def avg_pool2d_forward(x, kernel_size, stride=None):
            k = kernel_size
            s = k if stride is None else stride
            N, C, H, W = x.shape
            Ho, Wo = H // k, W // k
            out = np.zeros((N, C, Ho, Wo))
            for _, _, win in _offsets(k, k, s, Ho, Wo):
                out += x[win]
            return out / (k * k), (x.shape, k, s)
        """, "conv::avg_pool2d_forward::matches_torch", None),
    Mutant("flatten_channels_last", """
        def flatten_forward(x):
            n = x.shape[0]
            if x.ndim == 4:
                x = x.transpose(0, 2, 3, 1)   # (N, H, W, C) like Keras
            return x.reshape(n, -1).copy(), x.shape

        def flatten_backward(dout, cache):
            dx = dout.reshape(cache)
            if len(cache) == 4:
                dx = dx.transpose(0, 3, 1, 2)
            return dx.copy()
        """, "conv::flatten_forward::matches_torch", None),
]

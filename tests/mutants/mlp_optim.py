"""Mutants for mlp and optim: one buggy copy of the reference per mistake the graders name."""
from tests.support import Mutant

ADAM_HEAD = """
        def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
            if state is None:
                state = {"t": 0, "m": np.zeros_like(w), "v": np.zeros_like(w)}
"""


def epoch_source(body: str) -> str:
    """minibatches() with the reference's order and ``body`` yielding the batches."""
    return """
        def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
            rng = np.random.default_rng() if rng is None else rng
            order = rng.permutation(n) if shuffle else np.arange(n)
    """ + body


def init_source(scale: str, draw: str = "rng.standard_normal((fan_in, fan_out))") -> str:
    return f"""
        def init_mlp(layer_sizes, rng):
            params = {{}}
            for l in range(1, len(layer_sizes)):
                fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]
                params[f"W{{l}}"] = {draw} * {scale}
                params[f"b{{l}}"] = np.zeros(fan_out)
            return params
        """


MUTANTS = [
    Mutant("mlp_relu_grad_one_at_zero", """
        def mlp_backward(dscores, cache):
            caches, activation = cache
            grads, dh = {}, dscores
            for l in range(len(caches), 0, -1):
                c, z, a = caches[l - 1]
                if l < len(caches):
                    if activation == "relu":
                        dh = dh * (z >= 0)
                    else:
                        dh = dh * _ACTIVATIONS[activation][1](z, a)
                dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dh, c)
            return grads
        """, "mlp::mlp_backward::matches_autograd", "relu_grad_one_at_zero"),
    Mutant("mlp_loss_softmax_without_max_shift", """
        def mlp_loss(x, y, params, activation="relu"):
            scores, cache = mlp_forward(x, params, activation)
            n = scores.shape[0]
            e = np.exp(scores)
            p = e / e.sum(axis=1, keepdims=True)
            loss = -np.log(p[np.arange(n), y]).mean()
            dscores = p.copy()
            dscores[np.arange(n), y] -= 1
            return float(loss), mlp_backward(dscores / n, cache)
        """, "mlp::mlp_loss::matches_torch", "naive_exp_overflow"),
    # mlp: the affine layer
    Mutant("affine_dw_transposed", """
        def affine_backward(dout, cache):
            x, w = cache
            return dout @ w.T, dout.T @ x, dout.sum(axis=0)
        """, "mlp::affine_backward::matches_autograd", "dw_transposed"),
    Mutant("affine_db_axis1", """
        def affine_backward(dout, cache):
            x, w = cache
            return dout @ w.T, x.T @ dout, np.sum(dout, axis=1)
        """, "mlp::affine_backward::matches_autograd", "db_wrong_axis"),
    Mutant("affine_db_mean", """
        def affine_backward(dout, cache):
            x, w = cache
            return dout @ w.T, x.T @ dout, dout.mean(axis=0)
        """, "mlp::affine_backward::matches_autograd", "db_averaged"),
    Mutant("affine_db_keepdims", """
        def affine_backward(dout, cache):
            x, w = cache
            return dout @ w.T, x.T @ dout, dout.sum(axis=0, keepdims=True)
        """, "mlp::affine_backward::matches_autograd", "db_keepdims"),
    # mlp: initialization
    Mutant("init_fan_out", init_source("np.sqrt(2.0 / fan_out)"), "mlp::init_mlp::he_normal_scale", "he_fan_out"),
    Mutant("init_variance_as_std", init_source("(2.0 / fan_in)"), "mlp::init_mlp::he_normal_scale", "std_is_variance"),
    Mutant("init_glorot", init_source("np.sqrt(2.0 / (fan_in + fan_out))"), "mlp::init_mlp::he_normal_scale",
           "not_he_scale"),
    Mutant("init_lecun", init_source("np.sqrt(1.0 / fan_in)"), "mlp::init_mlp::he_normal_scale", "not_he_scale"),
    Mutant("init_uniform", init_source("np.sqrt(2.0 / fan_in)", "rng.uniform(-np.sqrt(3), np.sqrt(3), (fan_in, fan_out))"),
           "mlp::init_mlp::he_normal_scale", None),
    Mutant("init_global_random", init_source("np.sqrt(2.0 / fan_in)", "np.random.randn(fan_in, fan_out)"),
           "mlp::init_mlp::reproducible_from_rng", "ignores_rng"),
    Mutant("init_seeds_the_global_generator", """
        def init_mlp(layer_sizes, rng):
            np.random.seed(0)  # "for reproducibility"
            params = {}
            for l, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), 1):
                params[f"W{l}"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
                params[f"b{l}"] = np.zeros(fan_out)
            return params
        """, "mlp::init_mlp::reproducible_from_rng", "touches_global_rng"),
    # mlp: the network
    Mutant("mlp_activation_on_scores", """
        def mlp_forward(x, params, activation="relu"):
            f = _ACTIVATIONS[activation][0]
            caches, h = [], x
            for l in range(1, len(params) // 2 + 1):
                z, c = affine_forward(h, params[f"W{l}"], params[f"b{l}"])
                h = f(z)
                caches.append((c, z, h))
            return h, (caches, activation)
        """, "mlp::mlp_forward::matches_torch", "activation_on_output"),
    Mutant("mlp_backward_without_activation_derivative", """
        def mlp_backward(dscores, cache):
            caches, activation = cache
            grads, dh = {}, dscores
            for l in range(len(caches), 0, -1):
                c, z, a = caches[l - 1]
                dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dh, c)
            return grads
        """, "mlp::mlp_backward::matches_autograd", "activation_derivative_missing"),
    Mutant("mlp_loss_gradient_not_averaged", """
        def mlp_loss(x, y, params, activation="relu"):
            scores, cache = mlp_forward(x, params, activation)
            shifted = scores - scores.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            rows = np.arange(len(y))
            dscores = np.exp(log_p)
            dscores[rows, y] -= 1.0
            return float(-log_p[rows, y].mean()), mlp_backward(dscores, cache)
        """, "mlp::mlp_loss::matches_torch", "gradient_not_averaged"),
    # optim: mini-batches
    Mutant("minibatches_with_replacement", """
        def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
            rng = np.random.default_rng() if rng is None else rng
            order = rng.integers(0, n, size=n) if shuffle else np.arange(n)
            stop = n - n % batch_size if drop_last else n
            for start in range(0, stop, batch_size):
                yield order[start:start + batch_size]
        """, "optim::minibatches::one_epoch_is_a_partition", "repeats_or_skips_samples"),
    Mutant("minibatches_full_batches_only", epoch_source("""
            for start in range(0, n - batch_size + 1, batch_size):
                yield order[start:start + batch_size]
        """), "optim::minibatches::one_epoch_is_a_partition", "drops_last_batch"),
    Mutant("minibatches_one_too_many", epoch_source("""
            for i in range(n // batch_size if drop_last else n // batch_size + 1):
                yield order[i * batch_size:(i + 1) * batch_size]
        """), "optim::minibatches::one_epoch_is_a_partition", "yields_empty_batch"),
    Mutant("minibatches_keeps_short_batch", epoch_source("""
            for start in range(0, n, batch_size):
                yield order[start:start + batch_size]
        """), "optim::minibatches::one_epoch_is_a_partition", "ignores_drop_last"),
    Mutant("minibatches_global_shuffle", """
        def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
            order = np.random.permutation(n) if shuffle else np.arange(n)
            stop = n - n % batch_size if drop_last else n
            for start in range(0, stop, batch_size):
                yield order[start:start + batch_size]
        """, "optim::minibatches::shuffle_follows_rng", "shuffle_ignores_rng"),
    Mutant("minibatches_unseeded_is_seed_0", """
        def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
            rng = np.random.default_rng(0) if rng is None else rng
            order = rng.permutation(n) if shuffle else np.arange(n)
            stop = n - n % batch_size if drop_last else n
            for start in range(0, stop, batch_size):
                yield order[start:start + batch_size]
        """, "optim::minibatches::shuffle_follows_rng", "rng_none_is_a_fixed_seed"),
    Mutant("minibatches_shuffles_in_place_with_np_random", """
        def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
            order = np.arange(n)
            if shuffle:
                order = (np.random.default_rng() if rng is None else rng).permutation(n)
                np.random.shuffle(np.arange(3))  # a leftover of an earlier attempt
            stop = n - n % batch_size if drop_last else n
            for start in range(0, stop, batch_size):
                yield order[start:start + batch_size]
        """, "optim::minibatches::shuffle_follows_rng", "touches_global_rng"),
    # optim: update rules
    Mutant("momentum_cs231n", """
        def sgd_momentum(w, dw, state, lr, momentum=0.9):
            v = np.zeros_like(w) if state is None else state["v"]
            v = momentum * v - lr * dw
            return w + v, {"v": v}
        """, "optim::sgd_momentum::matches_torch_optim", "momentum_cs231n_form"),
    Mutant("adam_no_bias_correction", ADAM_HEAD + """
            g = dw + weight_decay * w
            m = beta1 * state["m"] + (1 - beta1) * g
            v = beta2 * state["v"] + (1 - beta2) * g * g
            return w - lr * m / (np.sqrt(v) + eps), {"t": state["t"] + 1, "m": m, "v": v}
        """, "optim::adam::matches_torch_optim", "adam_no_bias_correction"),
    Mutant("adam_eps_inside_sqrt", ADAM_HEAD + """
            g = dw + weight_decay * w
            t = state["t"] + 1
            m = beta1 * state["m"] + (1 - beta1) * g
            v = beta2 * state["v"] + (1 - beta2) * g * g
            m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
            return w - lr * m_hat / np.sqrt(v_hat + eps), {"t": t, "m": m, "v": v}
        """, "optim::adam::matches_torch_optim", "adam_eps_inside_sqrt"),
    Mutant("adam_t_after_use", ADAM_HEAD + """
            g = dw + weight_decay * w
            t = state["t"]
            m = beta1 * state["m"] + (1 - beta1) * g
            v = beta2 * state["v"] + (1 - beta2) * g * g
            m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
            return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t + 1, "m": m, "v": v}
        """, "optim::adam::matches_torch_optim", "adam_t_incremented_after_use"),
    Mutant("adamw", ADAM_HEAD + """
            t = state["t"] + 1
            m = beta1 * state["m"] + (1 - beta1) * dw
            v = beta2 * state["v"] + (1 - beta2) * dw * dw
            m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
            w_next = w - lr * weight_decay * w - lr * m_hat / (np.sqrt(v_hat) + eps)
            return w_next, {"t": t, "m": m, "v": v}
        """, "optim::adam::matches_torch_optim", "adam_decoupled_weight_decay"),
    # optim: the training loop
    Mutant("fit_mlp_plain_sgd", """
        def fit_mlp(X, y, hidden_sizes, epochs, batch_size, lr, rng):
            from .mlp import init_mlp, mlp_loss

            params = init_mlp([X.shape[1], *hidden_sizes, int(np.max(y)) + 1], rng)
            for _ in range(epochs // 10):
                for idx in minibatches(X.shape[0], batch_size, rng):
                    _, grads = mlp_loss(X[idx], y[idx], params)
                    params = {k: sgd(params[k], grads[k], lr) for k in params}
            return params
        """, "optim::fit_mlp::fits_two_spirals", None),
]

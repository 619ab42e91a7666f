"""Mutants for perceptron, activations and losses."""
from tests.support import Mutant

MUTANTS = [
    Mutant("tanh_from_exponentials", """
        def tanh_forward(x):
            e, f = np.exp(x), np.exp(-x)
            out = (e - f) / (e + f)
            return out, out
        """, "activations::tanh_forward::stable_at_extremes", "naive_exp_overflow"),
    # perceptron
    Mutant("step_ge", """
        def step(z):
            return (np.asarray(z) >= 0).astype(np.float64)
        """, "perceptron::step::matches_rule", "step_one_at_zero"),
    Mutant("predict_ge", """
        def perceptron_predict(X, w, b):
            return (X @ w + b >= 0).astype(np.float64)
        """, "perceptron::perceptron_predict::matches_rule", "step_one_at_zero"),
    Mutant("never_stops", """
        def perceptron_train(X, y, lr=1.0, max_epochs=100):
            w, b, errors = np.zeros(X.shape[1]), 0.0, []
            for _ in range(max_epochs):
                mistakes = 0
                for x_i, y_i in zip(X, y):
                    update = lr * (y_i - float(x_i @ w + b > 0))
                    w, b = w + update * x_i, b + update
                    mistakes += int(update != 0)
                errors.append(mistakes)
            return w, float(b), errors
        """, "perceptron::perceptron_train::matches_rule", "never_stops"),
    Mutant("updates_always", """
        def perceptron_train(X, y, lr=1.0, max_epochs=100):
            w, b, errors = np.zeros(X.shape[1]), 0.0, []
            for _ in range(max_epochs):
                mistakes = 0
                for x_i, y_i in zip(X, y):
                    mistakes += int(float(x_i @ w + b > 0) != y_i)
                    w, b = w + lr * (2 * y_i - 1) * x_i, b + lr * (2 * y_i - 1)
                errors.append(mistakes)
                if mistakes == 0:
                    break
            return w, float(b), errors
        """, "perceptron::perceptron_train::matches_rule", "updates_on_correct_samples"),
    # activations
    Mutant("sigmoid_naive_ratio", """
        def sigmoid_forward(x):
            out = np.exp(x) / (1.0 + np.exp(x))
            return out, out
        """, "activations::sigmoid_forward::stable_at_extremes", "naive_exp_overflow"),
    Mutant("sigmoid_naive_overflow_warning", """
        def sigmoid_forward(x):
            out = 1.0 / (1.0 + np.exp(-x))
            return out, out
        """, "activations::sigmoid_forward::stable_at_extremes", "naive_exp_overflow"),
    Mutant("tanh_backward_from_input", """
        def tanh_forward(x):
            return np.tanh(x), x

        def tanh_backward(dout, cache):
            return dout * (1 - cache**2)
        """, "activations::tanh_backward::matches_autograd", "tanh_backward_from_input"),
    Mutant("tanh_backward_no_upstream", """
        def tanh_backward(dout, cache):
            return 1.0 - cache**2
        """, "activations::tanh_backward::matches_autograd", "tanh_backward_missing_upstream"),
    Mutant("relu_grad_at_zero", """
        def relu_backward(dout, cache):
            return dout * (cache >= 0)
        """, "activations::relu_backward::matches_autograd", "relu_grad_one_at_zero"),
    Mutant("elu_exp_masked_after", """
        def elu_forward(x, alpha=1.0):
            out = x * (x > 0) + alpha * (np.exp(x) - 1) * (x <= 0)
            return out, (x, out, alpha)
        """, "activations::elu_forward::stable_at_extremes", "elu_exp_overflow"),
    Mutant("elu_backward_exp_masked_after", """
        def elu_backward(dout, cache):
            x, out, alpha = cache
            return dout * ((x > 0) + alpha * np.exp(x) * (x <= 0))
        """, "activations::elu_backward::matches_autograd", "elu_backward_exp_overflow"),
    Mutant("elu_alpha_ignored", """
        def elu_forward(x, alpha=1.0):
            out = np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
            return out, (x, out, alpha)
        """, "activations::elu_forward::matches_torch", "elu_alpha_ignored"),
    Mutant("elu_backward_alpha_ignored", """
        def elu_backward(dout, cache):
            x, out, alpha = cache
            return dout * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0)))
        """, "activations::elu_backward::matches_autograd", "elu_backward_alpha_ignored"),
    # losses
    Mutant("softmax_naive", """
        def softmax(x):
            e = np.exp(x)
            return e / e.sum(axis=-1, keepdims=True)
        """, "losses::softmax::stable_for_huge_logits", "naive_exp_overflow"),
    Mutant("softmax_axis0", """
        def softmax(x):
            e = np.exp(x - x.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        """, "losses::softmax::matches_torch", "softmax_wrong_axis"),
    Mutant("log_of_softmax", """
        def log_softmax(x):
            return np.log(softmax(x))
        """, "losses::log_softmax::stable_for_huge_logits", "log_of_softmax"),
    Mutant("cross_entropy_summed", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            log_p = log_softmax(logits)
            dlogits = np.exp(log_p)
            dlogits[np.arange(n), y] -= 1.0
            return float(-log_p[np.arange(n), y].sum()), dlogits
        """, "losses::softmax_cross_entropy::matches_torch", "cross_entropy_summed"),
    Mutant("cross_entropy_grad_not_averaged", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            log_p = log_softmax(logits)
            dlogits = np.exp(log_p)
            dlogits[np.arange(n), y] -= 1.0
            return float(-log_p[np.arange(n), y].mean()), dlogits
        """, "losses::softmax_cross_entropy::matches_torch", "gradient_not_divided_by_n"),
    Mutant("cross_entropy_naive_exp", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            loss = -np.log(p[np.arange(n), y]).mean()
            p[np.arange(n), y] -= 1.0
            return float(loss), p / n
        """, "losses::softmax_cross_entropy::matches_torch", "naive_exp_overflow"),
    Mutant("cross_entropy_labels_as_columns", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            log_p = log_softmax(logits)
            loss = -log_p[:, y].mean()
            dlogits = np.exp(log_p)
            dlogits[np.arange(n), y] -= 1.0
            return float(loss), dlogits / n
        """, "losses::softmax_cross_entropy::matches_torch", "labels_picked_as_columns"),
    Mutant("cross_entropy_log_of_softmax", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            p = softmax(logits)
            loss = -np.log(p)[np.arange(n), y].mean()
            dlogits = p.copy()
            dlogits[np.arange(n), y] -= 1.0
            return float(loss), dlogits / n
        """, "losses::softmax_cross_entropy::matches_torch", "log_of_softmax"),
    Mutant("mse_grad_over_rows", """
        def mse_loss(pred, target):
            diff = pred - target
            return float(np.mean(diff**2)), 2.0 * diff / len(diff)
        """, "losses::mse_loss::matches_torch", "mse_gradient_over_rows"),
    Mutant("mse_expanded_square", """
        def mse_loss(pred, target):
            loss = np.mean(pred**2 - 2 * pred * target + target**2)
            return float(loss), 2.0 * (pred - target) / pred.size
        """, "losses::mse_loss::matches_torch", "mse_expanded_square"),
    Mutant("mse_grad_missing_2", """
        def mse_loss(pred, target):
            diff = pred - target
            return float(np.mean(diff**2)), diff / diff.size
        """, "losses::mse_loss::matches_torch", "mse_gradient_missing_2"),
    Mutant("log_softmax_axis0", """
        def log_softmax(x):
            shifted = x - x.max(axis=0, keepdims=True)
            return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
        """, "losses::log_softmax::matches_torch", "log_softmax_wrong_axis"),
    Mutant("cross_entropy_grad_sign", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            log_p = log_softmax(logits)
            dlogits = np.exp(log_p)
            dlogits[np.arange(n), y] -= 1.0
            return float(-log_p[np.arange(n), y].mean()), -dlogits / n
        """, "losses::softmax_cross_entropy::matches_torch", "gradient_sign_flipped"),
    Mutant("mse_mean_over_rows", """
        def mse_loss(pred, target):
            diff = pred - target
            return float((diff**2).sum() / len(diff)), 2.0 * diff / len(diff)
        """, "losses::mse_loss::matches_torch", "mse_mean_over_rows"),
]

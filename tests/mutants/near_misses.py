"""Near misses: wrong code close to a named mistake but not it. Each must be rejected and named nothing
(a wrong name sends a student after the wrong bug)."""
from tests.support import Mutant

MUTANTS = [
    Mutant("near_cross_entropy_grad_over_n_plus_1", """
        def softmax_cross_entropy(logits, y):
            n = logits.shape[0]
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            grad = np.exp(log_p)
            grad[np.arange(n), y] -= 1
            return -log_p[np.arange(n), y].mean(), grad / (n + 1)
        """, "losses::softmax_cross_entropy::matches_torch", None),
    Mutant("near_elu_alpha_squared", """
        def elu_forward(x, alpha=1.0):
            out = np.where(x > 0, x, alpha * alpha * np.expm1(np.minimum(x, 0)))
            return out, (x, alpha)
        """, "activations::elu_forward::matches_torch", None),
    Mutant("near_adam_bias_correction_one_step_ahead", """
        def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
            m, v, t = state if state is not None else (np.zeros_like(w), np.zeros_like(w), 0)
            g = dw + weight_decay * w
            t += 1
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            m_hat, v_hat = m / (1 - beta1 ** (t + 1)), v / (1 - beta2 ** (t + 1))
            return w - lr * m_hat / (np.sqrt(v_hat) + eps), (m, v, t)
        """, "optim::adam::matches_torch_optim", None),
]

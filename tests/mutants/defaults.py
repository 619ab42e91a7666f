"""Defaults changed as a student might change them (while trying things out, say): every other check passes
on them, only `uses_default_arguments` sees it. No mistake is named: the message says which call."""
from tests.support import Mutant


def _default(name, function, signature, call, check):
    """A module whose ``function`` keeps the reference's body but another default in its signature."""
    return Mutant(name, f"""
        _reference_{function} = {function}
        def {function}({signature}):
            return _reference_{function}({call})
        """, check, None)


MUTANTS = [
    _default("default_elu_alpha", "elu_forward", "x, alpha=0.5", "x, alpha",
             "activations::elu_forward::uses_default_arguments"),
    _default("default_perceptron_lr", "perceptron_train", "X, y, lr=2.0, max_epochs=100", "X, y, lr, max_epochs",
             "perceptron::perceptron_train::uses_default_arguments"),
    _default("default_mlp_activation", "mlp_forward", "x, params, activation='tanh'", "x, params, activation",
             "mlp::mlp_forward::uses_default_arguments"),
    _default("default_mlp_loss_activation", "mlp_loss", "x, y, params, activation='sigmoid'",
             "x, y, params, activation", "mlp::mlp_loss::uses_default_arguments"),
    _default("default_batchnorm_momentum", "batchnorm_forward",
             "x, gamma, beta, running_mean, running_var, train, momentum=0.9, eps=1e-5",
             "x, gamma, beta, running_mean, running_var, train, momentum, eps",
             "batchnorm::batchnorm_forward::uses_default_arguments"),
    _default("default_spatial_batchnorm_eps", "spatial_batchnorm_forward",
             "x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-3",
             "x, gamma, beta, running_mean, running_var, train, momentum, eps",
             "batchnorm::spatial_batchnorm_forward::uses_default_arguments"),
    _default("default_conv_padding", "conv2d_forward", "x, w, b, stride=1, padding=1", "x, w, b, stride, padding",
             "conv::conv2d_forward::uses_default_arguments"),
    _default("default_max_pool_stride", "max_pool2d_forward", "x, kernel_size, stride=1", "x, kernel_size, stride",
             "conv::max_pool2d_forward::uses_default_arguments"),
    _default("default_avg_pool_stride", "avg_pool2d_forward", "x, kernel_size, stride=1", "x, kernel_size, stride",
             "conv::avg_pool2d_forward::uses_default_arguments"),
    _default("default_momentum", "sgd_momentum", "w, dw, state, lr, momentum=0.5", "w, dw, state, lr, momentum",
             "optim::sgd_momentum::uses_default_arguments"),
    _default("default_adam_lr", "adam", "w, dw, state, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0",
             "w, dw, state, lr, beta1, beta2, eps, weight_decay", "optim::adam::uses_default_arguments"),
    _default("default_adam_eps", "adam", "w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=2e-8, weight_decay=0.0",
             "w, dw, state, lr, beta1, beta2, eps, weight_decay", "optim::adam::uses_default_arguments"),
    _default("default_minibatches_no_shuffle", "minibatches", "n, batch_size, rng=None, shuffle=False, drop_last=False",
             "n, batch_size, rng, shuffle, drop_last", "optim::minibatches::uses_default_arguments"),
    _default("default_minibatches_drop_last", "minibatches", "n, batch_size, rng=None, shuffle=True, drop_last=True",
             "n, batch_size, rng, shuffle, drop_last", "optim::minibatches::uses_default_arguments"),
    _default("default_adam_beta2", "adam", "w, dw, state, lr=1e-3, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.0",
             "w, dw, state, lr, beta1, beta2, eps, weight_decay", "optim::adam::uses_default_arguments"),
]

"""Reference solution: batch normalization."""
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
    """nn.BatchNorm1d on x (N, D) -> (out, new_running_mean, new_running_var, cache)."""
    if train:
        n = x.shape[0]
        if n < 2:
            raise ValueError("training batchnorm needs more than one value per feature")
        mean, var = x.mean(axis=0), x.var(axis=0)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * (n / (n - 1))
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * inv_std
    return gamma * xhat + beta, new_mean, new_var, (xhat, gamma, inv_std, train)


def batchnorm_backward(dout, cache):
    """Backward of batchnorm_forward (batch statistics in training) -> (dx, dgamma, dbeta)."""
    xhat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    if train:
        dx = (gamma * inv_std / dout.shape[0]) * (dout.shape[0] * dout - dbeta - xhat * dgamma)
    else:
        dx = dout * (gamma * inv_std)
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
    """nn.BatchNorm2d on x (N, C, H, W), per-channel stats -> (out, new_running_mean, new_running_var, cache)."""
    n, c, h, w = x.shape
    flat = x.transpose(0, 2, 3, 1).reshape(-1, c)
    out, new_mean, new_var, cache = batchnorm_forward(
        flat, gamma, beta, running_mean, running_var, train, momentum, eps)
    return out.reshape(n, h, w, c).transpose(0, 3, 1, 2), new_mean, new_var, cache


def spatial_batchnorm_backward(dout, cache):
    """Backward of spatial_batchnorm_forward -> (dx, dgamma, dbeta)."""
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), dgamma, dbeta

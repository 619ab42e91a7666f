"""Batch normalization written as a staged computation graph (mean, centered, variance, std, xhat)
with the backward taken node by node; the spatial versions move the channel axis last with
np.moveaxis. Caches are dicts."""
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
    if train:
        n = x.shape[0]
        mu = np.sum(x, axis=0) / n
        xc = x - mu
        var = np.sum(xc * xc, axis=0) / n
        std = np.sqrt(var + eps)
        xhat = xc / std
        new_mean = momentum * mu + (1.0 - momentum) * running_mean
        new_var = momentum * (var * n / (n - 1)) + (1.0 - momentum) * running_var
        cache = {"xc": xc, "std": std, "xhat": xhat, "gamma": gamma, "train": True}
    else:
        std = np.sqrt(running_var + eps)
        xhat = (x - running_mean) / std
        new_mean, new_var = np.copy(running_mean), np.copy(running_var)
        cache = {"std": std, "xhat": xhat, "gamma": gamma, "train": False}
    return xhat * gamma + beta, new_mean, new_var, cache


def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache["xhat"], cache["gamma"], cache["std"]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    if not cache["train"]:
        return dxhat / std, dgamma, dbeta
    n, xc = dout.shape[0], cache["xc"]
    dstd = -np.sum(dxhat * xc, axis=0) / std**2
    dvar = dstd / (2.0 * std)
    dxc = dxhat / std + 2.0 * xc * dvar / n
    dmu = -np.sum(dxc, axis=0)
    return dxc + dmu / n, dgamma, dbeta


def _rows(x):
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _unrows(rows, shape):
    n, c, h, w = shape
    return np.moveaxis(rows.reshape(n, h, w, c), -1, 1)


def spatial_batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
    out, new_mean, new_var, cache = batchnorm_forward(_rows(x), gamma, beta, running_mean, running_var, train,
                                                      momentum, eps)
    cache["shape"] = x.shape
    return np.ascontiguousarray(_unrows(out, x.shape)), new_mean, new_var, cache


def spatial_batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = batchnorm_backward(_rows(dout), cache)
    return np.ascontiguousarray(_unrows(dx, cache["shape"])), dgamma, dbeta

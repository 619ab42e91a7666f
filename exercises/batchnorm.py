"""Batch normalization.

You build batch normalization for fully connected layers (input (N, D),
statistics per feature) and its spatial variant for convolutional layers
(input (N, C, H, W), statistics per channel), each as a forward/backward pair.
In training mode a layer normalizes with the statistics of the current batch
and updates running estimates; in evaluation mode it normalizes with the
running estimates and leaves them alone.

Grading: your outputs are compared with PyTorch's nn.BatchNorm1d and
nn.BatchNorm2d, in train and eval mode, run in float64 with autograd for the
gradients; every element must agree within a relative and absolute tolerance
of 1e-7.

Run the checks with ``pytest exercises -k batchnorm`` or
``dlgrade check batchnorm``.

Rules for every function in this module:

* Import only numpy and the standard library.
* Return real ``numpy.ndarray`` objects of a floating dtype (float64) and
  exactly the stated shapes.
* Do not modify any input array (not x, not gamma, not the running
  statistics): build new arrays. The grader passes copies and checks.
* The cache is whatever your backward needs; the grader passes it back
  untouched, and only ever from a training-mode forward.

Every floating output is a real ``numpy.ndarray`` of dtype float64, the inputs' dtype (numpy keeps
it unless you convert; a float32 result is rejected, since the checks compare at float64 precision);
a scalar loss is a Python float. The full rules: CONTRACT.md.
"""
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
    """Batch normalization over a mini-batch of feature vectors (BatchNorm1d).

    out = gamma * (x - mean) / sqrt(var + eps) + beta, per feature (column).

    Parameters
    ----------
    x : ndarray, shape (N, D), float64
    gamma, beta : ndarray, shape (D,), float64
        Learned scale and shift.
    running_mean, running_var : ndarray, shape (D,), float64
        Running estimates before this call.
    train : bool
        True: normalize with the batch statistics and update the running ones.
        False (eval): normalize with running_mean and running_var.
    momentum : float
    eps : float
        Added to the variance inside the square root.

    Returns
    -------
    out : ndarray, shape (N, D)
    new_running_mean, new_running_var : ndarray, shape (D,)
        Training: new = (1 - momentum) * old + momentum * batch_statistic.
        Eval: equal to the inputs (return arrays, do not alter the inputs).
    cache : object

    PyTorch convention: normalization uses the *biased* batch variance
    (divide by N), but the running variance is updated with the *unbiased*
    one (divide by N - 1), so training needs N >= 2. Note the momentum
    convention: momentum weights the new batch, not the old estimate.

    Hint: keep in the cache what the backward needs, e.g. the normalized
    input x_hat, 1 / sqrt(var + eps) and gamma.

    Pitfalls: np.var defaults to ddof=0 (biased); using the same variance for
    both purposes fails one of the two checks. Updating running_mean with
    ``+=`` modifies the caller's array.

    Examples
    --------
    >>> x = np.array([[1.0, 10.0], [3.0, 10.0]])
    >>> gamma, beta = np.ones(2), np.zeros(2)
    >>> out, rm, rv, cache = batchnorm_forward(x, gamma, beta, np.zeros(2), np.ones(2), train=True)
    >>> np.round(out, 4)
    array([[-1.,  0.],
           [ 1.,  0.]])
    >>> np.round(rm, 4), np.round(rv, 4)
    (array([0.2, 1. ]), array([1.1, 0.9]))
    >>> out, rm, rv, cache = batchnorm_forward(x, gamma, beta, np.array([2.0, 10.0]), np.array([4.0, 1.0]), False)
    >>> np.round(out, 4)
    array([[-0.5,  0. ],
           [ 0.5,  0. ]])
    >>> rm, rv
    (array([ 2., 10.]), array([4., 1.]))
    """
    raise NotImplementedError


def batchnorm_backward(dout, cache):
    """Backward pass of training-mode batch normalization.

    Parameters
    ----------
    dout : ndarray, shape (N, D), float64
        Upstream gradient of the loss with respect to out.
    cache : object
        What your batchnorm_forward returned (train=True).

    Returns
    -------
    dx : ndarray, shape (N, D)
    dgamma, dbeta : ndarray, shape (D,)

    In training mode the batch mean and variance are functions of every row
    of x, so each x[n, d] influences every output in column d, not only
    out[n, d]. The running statistics receive no gradient.

    Hint: dbeta and dgamma are column sums (of dout and of dout * x_hat).
    For dx, go through the computation graph step by step (x -> x - mean ->
    var -> x_hat) once on paper; the result simplifies to an expression in
    dout, x_hat and the two column sums sum(dout) and sum(dout * x_hat).

    Pitfalls: treating mean and var as constants (the eval-mode gradient)
    gives dx = gamma * dout / sqrt(var + eps), which is wrong here; using the
    unbiased variance in the backward.

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 3.0]])
    >>> out, _, _, cache = batchnorm_forward(x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), train=True)
    >>> dout = np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    >>> dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    >>> np.round(dx, 4)
    array([[ 0.2041,  0.    ],
           [-0.4082,  0.    ],
           [ 0.2041,  0.    ]])
    >>> np.round(dgamma, 4), dbeta
    (array([-1.2247,  0.    ]), array([1., 3.]))
    """
    raise NotImplementedError


def spatial_batchnorm_forward(x, gamma, beta, running_mean, running_var, train, momentum=0.1, eps=1e-5):
    """Batch normalization of images, per channel (BatchNorm2d).

    Same as batchnorm_forward, except that each channel c is one feature whose
    statistics are taken over all N * H * W values x[:, c, :, :].

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), float64
    gamma, beta, running_mean, running_var : ndarray, shape (C,), float64
    train : bool
    momentum, eps : float
        As in batchnorm_forward.

    Returns
    -------
    out : ndarray, shape (N, C, H, W)
    new_running_mean, new_running_var : ndarray, shape (C,)
    cache : object

    PyTorch convention: as for BatchNorm1d, with M = N * H * W values per
    channel: the biased variance (divide by M) normalizes, the unbiased one
    (divide by M - 1) enters the running variance.

    Hint: move the channel axis last and reshape to (N * H * W, C); then this
    is exactly batchnorm_forward. Undo the reshape and transpose on the way
    out.

    Pitfalls: reshaping (N, C, H, W) directly to (-1, C) without moving the
    channel axis first mixes channels; a plain reshape is not a transpose.

    Examples
    --------
    >>> x = np.arange(8.0).reshape(2, 2, 1, 2)
    >>> out, rm, rv, cache = spatial_batchnorm_forward(x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), train=True)
    >>> out.shape
    (2, 2, 1, 2)
    >>> np.round(out[:, 0, 0], 4)
    array([[-1.2127, -0.7276],
           [ 0.7276,  1.2127]])
    >>> np.round(rm, 4), np.round(rv, 4)
    (array([0.25, 0.45]), array([1.4667, 1.4667]))
    """
    raise NotImplementedError


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of training-mode spatial batch normalization.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H, W), float64
    cache : object
        What your spatial_batchnorm_forward returned (train=True).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dgamma, dbeta : ndarray, shape (C,)

    Each channel's mean and variance depend on all N * H * W of its values,
    and dgamma, dbeta sum over N, H and W.

    Hint: apply the same transpose and reshape as in the forward to dout,
    call batchnorm_backward, and bring dx back to (N, C, H, W).

    Pitfall: reversing the layout change in the wrong order; check that
    dx.shape equals x.shape and compare with a small hand-built example.

    Examples
    --------
    >>> x = np.arange(8.0).reshape(2, 2, 1, 2)
    >>> out, _, _, cache = spatial_batchnorm_forward(x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), train=True)
    >>> dout = np.zeros((2, 2, 1, 2))
    >>> dout[0, 0, 0, 0] = 1.0
    >>> dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    >>> dx.shape
    (2, 2, 1, 2)
    >>> np.round(dx[:, 0, 0], 4)
    array([[ 0.1855, -0.2283],
           [-0.0143,  0.0571]])
    >>> float(np.abs(dx[:, 1]).max()), np.round(dgamma, 4), dbeta
    (0.0, array([-1.2127,  0.    ]), array([1., 0.]))
    """
    raise NotImplementedError

"""Output functions and losses.

You build the softmax family that turns raw class scores (logits) into
probabilities, the cross-entropy loss for classification, and the
mean-squared-error loss for regression. Each loss returns the scalar loss
together with its gradient with respect to the prediction, so a network can
start backpropagation from it.

Numerical stability is the point of this topic: the graders feed logits of
magnitude 1e4, where a naive ``exp`` overflows to ``inf`` and the result
turns into NaN.

Grading. Results are compared with PyTorch in float64 (``F.softmax``,
``F.log_softmax``, ``F.cross_entropy`` and ``F.mse_loss`` with their default
``reduction='mean'``, gradients by autograd), with relative and absolute
tolerances of 1e-7.

Run the checks with ``pytest exercises -k losses`` or
``dlgrade check losses``.

Rules for every function here: use numpy and the standard library only;
never modify an input array (the graders pass copies and check); return real
``numpy.ndarray`` objects of dtype float64, the inputs' dtype (a float32 result is
rejected: the checks compare at float64 precision), and exactly the stated shape. A
scalar loss may be a Python ``float`` or a 0-d array.
"""
import numpy as np


def softmax(x):
    """Softmax over the last axis.

    ``softmax(x)_i = exp(x_i) / sum_j exp(x_j)``, with i and j running over
    the last axis; every leading axis is an independent batch axis.

    Parameters
    ----------
    x : ndarray of float64, shape (..., C)
        Logits, any number of leading dimensions.

    Returns
    -------
    p : ndarray of float64, same shape as ``x``
        Probabilities; each slice along the last axis is >= 0 and sums to 1.

    Hint: softmax does not change if you subtract the same constant from
    every logit in a slice. Subtract the slice's maximum first: then the
    largest exponent is ``exp(0) = 1`` and nothing overflows. Reduce with
    ``axis=-1, keepdims=True`` so the result broadcasts back.

    Pitfalls: taking the max over the whole array instead of per slice
    (underflows other rows to 0/0); reducing over axis 0 or 1 instead of the
    last axis; losing the shape of 1-D or 3-D inputs.

    Examples
    --------
    >>> x = np.array([[0.0, np.log(3.0)], [1e4, 1e4]])
    >>> np.round(softmax(x), 4)
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    >>> softmax(np.zeros((2, 3, 4))).shape
    (2, 3, 4)
    """
    raise NotImplementedError


def log_softmax(x):
    """Log of the softmax over the last axis, computed stably.

    ``log_softmax(x)_i = x_i - log(sum_j exp(x_j))``.

    Parameters
    ----------
    x : ndarray of float64, shape (..., C)
        Logits, any number of leading dimensions.

    Returns
    -------
    logp : ndarray of float64, same shape as ``x``
        Log-probabilities, all <= 0.

    Hint: use the log-sum-exp trick: with ``m`` the max of the slice,
    ``log(sum_j exp(x_j)) = m + log(sum_j exp(x_j - m))``.

    Pitfall: ``np.log(softmax(x))`` is not stable: a probability that
    underflows to 0 gives ``-inf``, where the true log-probability is a
    finite number such as -20000.

    Examples
    --------
    >>> logp = log_softmax(np.array([[0.0, 0.0], [1e4, 0.0]]))
    >>> np.round(logp[0], 4)
    array([-0.6931, -0.6931])
    >>> np.round(logp[1], 4)   # finite, not -inf
    array([     0., -10000.])
    """
    raise NotImplementedError


def softmax_cross_entropy(logits, y):
    """Softmax cross-entropy loss, mean over the batch, and its gradient.

    ``loss = -(1/N) * sum_n log_softmax(logits)[n, y[n]]``, the same as
    ``F.cross_entropy(logits, y)``.

    Parameters
    ----------
    logits : ndarray of float64, shape (N, C)
        Unnormalized class scores.
    y : ndarray of int64, shape (N,)
        Correct class of each sample, in ``range(C)``.

    Returns
    -------
    loss : float
        Mean cross-entropy over the N samples.
    dlogits : ndarray of float64, shape (N, C)
        Gradient of ``loss`` with respect to ``logits``.

    Hint: the gradient is ``(softmax(logits) - onehot(y)) / N``. Pick the
    correct-class entries with integer array indexing,
    ``a[np.arange(N), y]``, instead of a loop. Reuse your ``log_softmax``
    and ``softmax``.

    Pitfalls: forgetting the ``1/N`` in the gradient (PyTorch's
    ``reduction='mean'``); ``a[:, y]`` picks an (N, N) block, not one entry
    per row; writing the one-hot subtraction into an array that aliases the
    input.

    Examples
    --------
    >>> logits = np.array([[0.0, 0.0], [1e4, 0.0]])
    >>> loss, dlogits = softmax_cross_entropy(logits, np.array([0, 1]))
    >>> round(float(loss), 4)
    5000.3466
    >>> np.round(dlogits, 4)   # already divided by N = 2
    array([[-0.25,  0.25],
           [ 0.5 , -0.5 ]])
    """
    raise NotImplementedError


def mse_loss(pred, target):
    """Mean squared error, mean over all elements, and its gradient.

    ``loss = mean((pred - target)**2)``, the same as ``F.mse_loss``.

    Parameters
    ----------
    pred : ndarray of float64, any shape
        Predictions.
    target : ndarray of float64, same shape as ``pred``
        Targets.

    Returns
    -------
    loss : float
        Mean of the squared differences over every element.
    dpred : ndarray of float64, same shape as ``pred``
        Gradient of ``loss`` with respect to ``pred``.

    Hint: the derivative of a mean over K elements carries a factor
    ``1/K``, where K is the total number of elements (``pred.size``), not
    the batch size.

    Pitfalls: forgetting the factor 2 from the square; dividing by N only
    when ``pred`` has more than one axis; the gradient is with respect to
    ``pred``, so its sign follows ``pred - target``.

    Examples
    --------
    >>> pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> target = np.array([[1.0, 0.0], [3.0, 5.0]])
    >>> loss, dpred = mse_loss(pred, target)
    >>> float(loss)
    1.25
    >>> dpred   # divided by pred.size = 4
    array([[ 0. ,  1. ],
           [ 0. , -0.5]])
    """
    raise NotImplementedError

"""Nonlinearities and their derivatives.

You build four activation functions as forward/backward pairs: sigmoid, tanh,
ReLU and ELU. Each forward returns ``(out, cache)``; each backward takes the
upstream gradient ``dout`` (same shape as ``out``) and that cache, and returns
``dx = dout * d(out)/dx``, the gradient with respect to the forward's input.
All four act element by element, so inputs may have any shape and every
output has the shape of the input.

The cache is yours: keep whatever your backward needs (the input, the
output, a mask). The grader passes it back to your backward untouched and
never looks inside it.

Grading. Results are compared with PyTorch in float64 (``torch.sigmoid``,
``torch.tanh``, ``F.relu``, ``F.elu`` and autograd), element by element, with
relative and absolute tolerances of 1e-7. Inputs include large magnitudes
(sigmoid is checked on [-1000, 1000]) and exact zeros.

Run the checks with ``pytest exercises -k activations`` or
``dlgrade check activations``.

Rules for every function here: use numpy and the standard library only;
never modify an input array (the graders pass copies and check); return real
``numpy.ndarray`` objects of dtype float64, the inputs' dtype (a float32 result is
rejected: the checks compare at float64 precision), and exactly the stated shape.
"""
import numpy as np


def sigmoid_forward(x):
    """Logistic sigmoid, ``sigma(x) = 1 / (1 + exp(-x))``.

    Parameters
    ----------
    x : ndarray of float64, any shape

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
        Values in [0, 1].
    cache : object
        Whatever ``sigmoid_backward`` needs; the grader passes it back
        untouched.

    Hint: the formula as written overflows: ``exp(-x)`` is ``inf`` for
    x = -1000. Branch on the sign: for x >= 0 use the formula above, for
    x < 0 use the equivalent ``exp(x) / (1 + exp(x))``, so ``exp`` only ever
    sees non-positive numbers. Do it with masks or ``np.where`` on
    pre-clipped arguments, not a Python loop.

    Pitfalls: ``np.where(cond, a, b)`` evaluates both ``a`` and ``b`` on every
    element, so an overflow in the unused branch still raises a warning (and
    ``inf / inf`` gives NaN). The output must be finite for every input in
    [-1000, 1000].

    Examples
    --------
    >>> out, cache = sigmoid_forward(np.array([-1000.0, 0.0, 2.0]))
    >>> np.round(out, 4)
    array([0.    , 0.5   , 0.8808])
    """
    raise NotImplementedError


def sigmoid_backward(dout, cache):
    """Gradient of the sigmoid.

    Uses ``d sigma / dx = sigma(x) * (1 - sigma(x))``.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward's output
        Upstream gradient.
    cache : object
        Exactly what ``sigmoid_forward`` returned.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``

    Hint: keep the forward's output in the cache; the derivative needs no
    further ``exp``.

    Pitfall: do not recompute ``sigmoid`` from ``x`` with the unstable
    formula here; the backward is checked at the same extreme inputs.

    Examples
    --------
    >>> out, cache = sigmoid_forward(np.array([-1000.0, 0.0, 2.0]))
    >>> dx = sigmoid_backward(np.array([1.0, 2.0, 1.0]), cache)
    >>> np.round(dx, 4)
    array([0.   , 0.5  , 0.105])
    """
    raise NotImplementedError


def tanh_forward(x):
    """Hyperbolic tangent, element by element.

    Parameters
    ----------
    x : ndarray of float64, any shape

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
        Values in [-1, 1].
    cache : object
        Whatever ``tanh_backward`` needs; the grader passes it back
        untouched.

    Hint: ``np.tanh`` is stable for any float input. Writing tanh out as
    ``(e^x - e^-x) / (e^x + e^-x)`` overflows for |x| above about 710.

    Examples
    --------
    >>> out, cache = tanh_forward(np.array([-1.0, 0.0, 1000.0]))
    >>> np.round(out, 4)
    array([-0.7616,  0.    ,  1.    ])
    """
    raise NotImplementedError


def tanh_backward(dout, cache):
    """Gradient of tanh.

    Uses ``d tanh(x) / dx = 1 - tanh(x)**2``.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward's output
        Upstream gradient.
    cache : object
        Exactly what ``tanh_forward`` returned.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``

    Hint: as with the sigmoid, the forward's output is all you need to keep.

    Pitfall: multiply by ``dout`` (chain rule); returning the local derivative
    alone is a common slip.

    Examples
    --------
    >>> out, cache = tanh_forward(np.array([-1.0, 0.0, 1000.0]))
    >>> dx = tanh_backward(np.array([1.0, 2.0, 1.0]), cache)
    >>> np.round(dx, 4)
    array([0.42, 2.  , 0.  ])
    """
    raise NotImplementedError


def relu_forward(x):
    """Rectified linear unit, ``max(0, x)`` element by element.

    Parameters
    ----------
    x : ndarray of float64, any shape

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
    cache : object
        Whatever ``relu_backward`` needs; the grader passes it back
        untouched.

    Hint: ``np.maximum`` with a scalar works on any shape and returns a new
    array.

    Pitfall: ``x[x < 0] = 0`` writes into the caller's array; inputs must not
    be modified.

    Examples
    --------
    >>> x = np.array([[-1.0, 0.0, 2.0], [3.0, -0.5, 0.0]])
    >>> out, cache = relu_forward(x)
    >>> out
    array([[0., 0., 2.],
           [3., 0., 0.]])
    """
    raise NotImplementedError


def relu_backward(dout, cache):
    """Gradient of ReLU.

    ``dx = dout`` where ``x > 0`` and ``0`` elsewhere.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward's output
        Upstream gradient.
    cache : object
        Exactly what ``relu_forward`` returned.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``

    PyTorch convention: ReLU is not differentiable at 0, and PyTorch uses
    gradient 0 there. The graders feed exact zeros, so the test must be the
    strict ``x > 0``, not ``x >= 0``.

    Hint: keep the input (or a boolean mask of ``x > 0``) in the cache.

    Pitfall: return a float array, not the boolean mask itself, and do not
    zero entries of ``dout`` in place.

    Examples
    --------
    >>> x = np.array([[-1.0, 0.0, 2.0], [3.0, -0.5, 0.0]])
    >>> out, cache = relu_forward(x)
    >>> relu_backward(np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]), cache)   # 0 at x == 0
    array([[0., 0., 1.],
           [2., 0., 0.]])
    """
    raise NotImplementedError


def elu_forward(x, alpha=1.0):
    """Exponential linear unit.

    ``elu(x) = x`` if ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Parameters
    ----------
    x : ndarray of float64, any shape
    alpha : float, default 1.0
        Saturation value for negative inputs: elu tends to ``-alpha``.

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
    cache : object
        Whatever ``elu_backward`` needs, including ``alpha``; the backward
        takes no ``alpha`` argument, so the cache must carry it. The grader
        passes the cache back untouched.

    Hint: ``np.expm1(x)`` computes ``exp(x) - 1`` accurately for small x.
    Apply the exponential only to ``np.minimum(x, 0)`` so that large positive
    inputs do not overflow in the branch you discard.

    Pitfall: ``np.where`` evaluates both branches everywhere; ``exp(1000)``
    in the unused branch still warns about overflow.

    Examples
    --------
    >>> out, cache = elu_forward(np.array([-1000.0, -1.0, 0.0, 2.0]), alpha=2.0)
    >>> np.round(out, 4)   # saturates at -alpha
    array([-2.    , -1.2642,  0.    ,  2.    ])
    """
    raise NotImplementedError


def elu_backward(dout, cache):
    """Gradient of ELU.

    ``d elu / dx = 1`` for ``x > 0`` and ``alpha * exp(x)`` for ``x <= 0``.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward's output
        Upstream gradient.
    cache : object
        Exactly what ``elu_forward`` returned.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``

    PyTorch convention: at exactly ``x = 0`` PyTorch takes the negative
    branch, so the gradient there is ``alpha`` (not 1). The graders test 0.

    Hint: for ``x <= 0``, ``alpha * exp(x)`` equals ``out + alpha``, so the
    forward's output can serve; keeping ``x`` works just as well.

    Examples
    --------
    >>> out, cache = elu_forward(np.array([-1000.0, -1.0, 0.0, 2.0]), alpha=2.0)
    >>> dx = elu_backward(np.ones(4), cache)
    >>> np.round(dx, 4)   # alpha at x == 0
    array([0.    , 0.7358, 2.    , 1.    ])
    """
    raise NotImplementedError

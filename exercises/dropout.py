"""Dropout: regularization by dropping units.

You build inverted dropout as a forward/backward pair. During training each
unit is zeroed at random with probability ``p`` and the survivors are scaled
up by ``1 / (1 - p)``, so the expected value of every output equals its
input and nothing needs rescaling at evaluation time, when dropout is the
identity. The cache of the forward is yours: keep whatever your backward
needs. The grader passes it back to your backward untouched and never looks
inside it.

Grading. Dropout is random, so it is graded by properties, not against a
particular random stream (PyTorch's ``nn.Dropout`` defines the meaning of
``p`` and the scaling; float values are compared with relative and absolute
tolerances of 1e-7): every training output is either 0 or ``x / (1 - p)``;
the dropped fraction is statistically ``p``; the mean is preserved; eval
mode is the identity; the backward uses the forward's mask.

Run the checks with ``pytest exercises -k dropout`` or
``dlgrade check dropout``.

Rules for every function here: use numpy and the standard library only;
never modify an input array (the graders pass copies and check); return real
``numpy.ndarray`` objects of dtype float64, the inputs' dtype (a float32 result is
rejected: the checks compare at float64 precision), and exactly the stated shape.
"""
import numpy as np


def dropout_forward(x, p, train, rng):
    """Inverted dropout, forward pass.

    Training: ``out = mask * x / (1 - p)``, where each entry of ``mask`` is
    independently 0 with probability ``p`` and 1 otherwise. Evaluation
    (``train`` False): ``out = x``.

    Parameters
    ----------
    x : ndarray of float64, any shape
        Input activations.
    p : float in [0, 1]
        Probability of zeroing a unit (PyTorch's meaning: the drop
        probability, not the keep probability). ``p = 0`` keeps everything;
        ``p = 1`` drops everything and the output is all zeros.
    train : bool
        True for training mode, False for evaluation.
    rng : numpy.random.Generator
        Source of the mask; not used in evaluation mode.

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
    cache : object
        Whatever ``dropout_backward`` needs: the mask (with its scale) and
        the mode; the grader passes it back untouched.

    Hint: ``rng.random(x.shape)`` gives one uniform number in [0, 1) per
    unit; compare it with ``p`` to get a mask that keeps each unit with
    probability ``1 - p``. Storing the mask already scaled by ``1 / (1 - p)``
    makes the backward a single product.

    Pitfalls: treating ``p`` as the keep probability; ``p = 1`` divides by
    zero (``0 * inf`` is NaN), so handle it separately; ``np.random`` instead
    of ``rng``; in eval mode, return a copy rather than ``x`` itself.

    Examples
    --------
    >>> x = np.array([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])
    >>> out, cache = dropout_forward(x, 0.5, False, np.random.default_rng(0))
    >>> out  # evaluation mode: the identity
    array([[ 1. , -2. ,  3. ],
           [ 0.5,  0. , -1. ]])
    >>> out, cache = dropout_forward(np.ones(3), 1.0, True, np.random.default_rng(0))
    >>> out  # p = 1 drops every unit (no NaN)
    array([0., 0., 0.])
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> out, cache = dropout_forward(x, 0.5, True, np.random.default_rng(0))
    >>> bool(np.all((out == 0) | (out == 2 * x)))  # dropped, or kept and scaled by 1 / (1 - p)
    True
    """
    raise NotImplementedError


def dropout_backward(dout, cache):
    """Inverted dropout, backward pass.

    Training: ``dx = mask * dout / (1 - p)`` with the very mask the forward
    drew (zeros where the forward dropped, ``1 / (1 - p)`` elsewhere).
    Evaluation: ``dx = dout``.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward's output
        Upstream gradient.
    cache : object
        Exactly what ``dropout_forward`` returned.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``

    Pitfalls: drawing a new mask here (the gradient must flow through the
    same units the forward kept); forgetting the ``1 / (1 - p)`` scale;
    forgetting that an eval-mode forward has no mask.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> out, cache = dropout_forward(x, 0.5, True, np.random.default_rng(0))
    >>> dx = dropout_backward(np.ones(4), cache)
    >>> bool(np.array_equal(dx == 0, out == 0))  # zero exactly where the forward dropped
    True
    >>> bool(np.all((dx == 0) | (dx == 2.0)))  # kept units scaled by 1 / (1 - p)
    True
    >>> out, cache = dropout_forward(x, 0.5, False, np.random.default_rng(0))
    >>> dropout_backward(np.array([1.0, -1.0, 2.0, 0.5]), cache)  # evaluation mode: dx = dout
    array([ 1. , -1. ,  2. ,  0.5])
    """
    raise NotImplementedError

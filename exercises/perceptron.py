"""Rosenblatt's perceptron.

You build the oldest learning machine in the kit: a linear threshold unit
that predicts 0 or 1, and the perceptron learning rule that trains it one
sample at a time: ``step`` (the threshold), ``perceptron_predict`` (the
unit) and ``perceptron_train`` (the learning rule).

Grading. The rule is deterministic, so your results are compared exactly
against a reference implementation, on data where the summation order of a
dot product cannot flip a decision. The graders also check that training
converges on linearly separable data and keeps making mistakes on XOR, which
no single linear unit can separate.

Run the checks with ``pytest exercises -k perceptron`` or
``dlgrade check perceptron``.

Rules for every function here: use numpy and the standard library only;
never modify an input array (the graders pass copies and check); return real
``numpy.ndarray`` objects of dtype float64, the inputs' dtype (a float32 result is
rejected: the checks compare at float64 precision), and exactly the stated shape.
"""
import numpy as np


def step(z):
    """Heaviside step function: the perceptron's threshold.

    Computes ``1.0`` where ``z > 0`` and ``0.0`` elsewhere, element by element.

    Parameters
    ----------
    z : ndarray of float64, any shape
        Pre-activations.

    Returns
    -------
    out : ndarray of float64, same shape as ``z``
        Every entry is exactly 0.0 or 1.0.

    Notes
    -----
    The inequality is strict: ``step(0.0)`` is ``0.0``. A sample lying exactly
    on the decision boundary counts as class 0.

    Pitfalls: a comparison gives a boolean array; convert it to float64 before
    returning. Keep the shape, including for a 0-d or 1-element input.

    Examples
    --------
    >>> step(np.array([-1.5, 0.0, 2.0]))   # 0.0 is not > 0
    array([0., 0., 1.])
    >>> step(np.array([[0.1, -0.1]])).shape
    (1, 2)
    """
    raise NotImplementedError


def perceptron_predict(X, w, b):
    """Predict 0/1 labels with a perceptron.

    Computes ``y_hat = step(X @ w + b)`` for every row of ``X`` at once.

    Parameters
    ----------
    X : ndarray of float64, shape (N, D)
        One sample per row.
    w : ndarray of float64, shape (D,)
        Weight vector.
    b : float
        Bias (threshold offset).

    Returns
    -------
    y_hat : ndarray of float64, shape (N,)
        Predicted labels, each exactly 0.0 or 1.0.

    Hint: no loop is needed; one matrix-vector product covers all samples.
    Reuse your ``step``.

    Pitfalls: the result must be 1-D of length N, not (N, 1), and float, not
    bool or int.

    Examples
    --------
    >>> X = np.array([[2.0, 0.0], [0.5, 0.5], [0.0, 0.0]])
    >>> w = np.array([1.0, 1.0])
    >>> perceptron_predict(X, w, -1.0)   # the middle row lies on the boundary
    array([1., 0., 0.])
    """
    raise NotImplementedError


def perceptron_train(X, y, lr=1.0, max_epochs=100):
    """Train a perceptron with Rosenblatt's online learning rule.

    Start from ``w = 0`` (shape (D,)) and ``b = 0``. In each epoch, visit the
    samples in their given order (no shuffling); for sample ``x`` with label
    ``t``::

        y_hat = step(x . w + b)
        w <- w + lr * (t - y_hat) * x
        b <- b + lr * (t - y_hat)

    A mistake is a sample with ``y_hat != t``. Stop after the first epoch
    with no mistakes, or after ``max_epochs`` epochs, whichever comes first.

    Parameters
    ----------
    X : ndarray of float64, shape (N, D)
        Training samples, one per row.
    y : ndarray of int64, shape (N,)
        Labels, each 0 or 1.
    lr : float, default 1.0
    max_epochs : int, default 100
        Maximum number of passes over the data.

    Returns
    -------
    w : ndarray of float64, shape (D,)
    b : float
    errors : list of int
        Mistakes in each epoch run, in order; on convergence the last entry
        is 0 (the clean epoch counts).

    Hint: this is an online rule: each update changes the prediction for
    the next sample, so loop over the samples. One vectorized update per
    epoch is a different (batch) algorithm and will not match.

    Pitfalls: int zeros for ``w`` (updates get truncated); shuffling;
    stopping in the middle of an epoch.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> w, b, errors = perceptron_train(X, np.array([0, 0, 0, 1]))   # AND
    >>> w, float(b), errors
    (array([2., 1.]), -2.0, [1, 3, 3, 2, 1, 0])
    >>> perceptron_predict(X, w, b)
    array([0., 0., 0., 1.])
    >>> w, b, errors = perceptron_train(X, np.array([0, 1, 1, 0]), max_epochs=5)   # XOR
    >>> errors
    [2, 3, 4, 4, 4]
    """
    raise NotImplementedError

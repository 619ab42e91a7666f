"""Mini-batches and gradient descent.

You build the machinery that trains a network: an iterator over shuffled
mini-batches, three update rules (plain SGD, SGD with momentum, Adam), and
``fit_mlp``, a training loop that puts your MLP, your mini-batches and your
Adam together.

Update rules are pure functions. Each takes the current parameter ``w``, its
gradient ``dw`` and, for the stateful rules, the optimizer state, and
returns the next parameter (and the next state) as new objects. The state is
``None`` on the first call; after that the caller passes back whatever dict
your function returned last time, one state per parameter array.

Grading. ``sgd``, ``sgd_momentum`` and ``adam`` are stepped on the same
sequence of gradients as ``torch.optim.SGD`` and ``torch.optim.Adam`` in
float64, and every iterate is compared with relative and absolute
tolerances of 1e-7. ``minibatches`` is checked for what an epoch must be.
``fit_mlp`` is graded by the accuracy it reaches (XOR, two spirals).

Run the checks with ``pytest exercises -k optim`` or
``dlgrade check optim``.

Rules for every function here: use numpy and the standard library only;
never modify an input array or a state dict you were given (the graders pass
copies and check); return real ``numpy.ndarray`` objects of dtype float64, the
inputs' dtype (a float32 result is rejected: the checks compare at float64
precision), and exactly the stated shape.
"""
import numpy as np


def minibatches(n, batch_size, rng=None, shuffle=True, drop_last=False):
    """Yield the index arrays of one epoch of mini-batches.

    A generator: one complete iteration is one epoch, in which every index
    of ``range(n)`` appears exactly once, in consecutive batches of
    ``batch_size`` indices (the last one may be smaller).

    Parameters
    ----------
    n : int
        Number of samples.
    batch_size : int
        Indices per batch (>= 1).
    rng : numpy.random.Generator or None, default None
        Source of the shuffle. ``None`` means a fresh
        ``np.random.default_rng()``.
    shuffle : bool, default True
        If True, the order is a random permutation drawn from ``rng``;
        if False, it is ``0, 1, ..., n-1``.
    drop_last : bool, default False
        If True, a final batch shorter than ``batch_size`` is not yielded
        (those indices are skipped this epoch), as in PyTorch's DataLoader.

    Yields
    ------
    idx : ndarray of int64, shape (B,)
        Indices of one batch, ``B = batch_size`` except possibly the last.

    Hint: draw the whole epoch's order once (``rng.permutation``), then
    slice it. Use it as ``for idx in minibatches(...): X[idx], y[idx]``.

    Pitfalls: sampling with replacement (``rng.integers``) repeats some
    indices and misses others; dropping the tail when ``drop_last`` is
    False; yielding an empty batch when ``batch_size`` divides ``n``.

    Examples
    --------
    >>> [idx.tolist() for idx in minibatches(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    >>> [idx.tolist() for idx in minibatches(5, 2, shuffle=False, drop_last=True)]
    [[0, 1], [2, 3]]
    >>> len(list(minibatches(4, 2, shuffle=False)))  # no empty batch at the end
    2
    >>> batches = list(minibatches(5, 2, rng=np.random.default_rng(0)))
    >>> [len(idx) for idx in batches]
    [2, 2, 1]
    >>> sorted(np.concatenate(batches).tolist())  # shuffled, each index once
    [0, 1, 2, 3, 4]
    """
    raise NotImplementedError


def sgd(w, dw, lr):
    """One step of plain (vanilla) gradient descent, ``w_next = w - lr * dw``.

    Parameters
    ----------
    w : ndarray of float64, any shape
        Current parameter.
    dw : ndarray of float64, same shape as ``w``
        Gradient of the loss with respect to ``w``.
    lr : float
        Learning rate.

    Returns
    -------
    w_next : ndarray of float64, same shape as ``w``
        A new array.

    Pitfall: ``w -= lr * dw`` updates the caller's array in place; inputs
    must not be modified, so build and return a new array.

    Examples
    --------
    >>> w = np.array([1.0, -2.0, 0.5])
    >>> dw = np.array([0.5, -1.0, 0.0])
    >>> sgd(w, dw, lr=0.1)
    array([ 0.95, -1.9 ,  0.5 ])
    >>> w  # unchanged
    array([ 1. , -2. ,  0.5])
    """
    raise NotImplementedError


def sgd_momentum(w, dw, state, lr, momentum=0.9):
    """One step of SGD with momentum, exactly as ``torch.optim.SGD``.

    PyTorch's rule (dampening 0, no Nesterov) keeps a velocity ``v``::

        v = momentum * v + dw        (on the first step, v = dw)
        w_next = w - lr * v

    Parameters
    ----------
    w : ndarray of float64, any shape
        Current parameter.
    dw : ndarray of float64, same shape as ``w``
        Gradient.
    state : dict or None
        ``None`` on the first call; afterwards, the dict this function
        returned on the previous call for this parameter.
    lr : float
        Learning rate.
    momentum : float, default 0.9
        Momentum factor.

    Returns
    -------
    w_next : ndarray of float64, same shape as ``w``
    state : dict
        Your choice of keys; it must hold the velocity for the next call.

    PyTorch convention: not the ``v = momentum * v - lr * dw`` form of some
    course notes; that one differs as soon as ``lr`` changes.

    Pitfalls: storing ``dw`` itself in the state and later updating it in place
    (that modifies the caller's gradient); updating the old state dict
    instead of returning a new one.

    Examples
    --------
    >>> w = np.array([1.0, -1.0])
    >>> dw = np.array([1.0, 2.0])
    >>> w1, state = sgd_momentum(w, dw, None, lr=0.1)
    >>> np.round(w1, 4)  # first step: v = dw
    array([ 0.9, -1.2])
    >>> w2, state = sgd_momentum(w1, dw, state, lr=0.1)
    >>> np.round(w2, 4)  # same gradient again: v = 0.9 * dw + dw
    array([ 0.71, -1.58])
    """
    raise NotImplementedError


def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """One step of Adam, exactly as ``torch.optim.Adam``.

    With step count ``t`` (1 on the first call) and moments ``m``, ``v``
    (zeros before the first call)::

        g = dw + weight_decay * w
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        w_next = w - lr * m_hat / (sqrt(v_hat) + eps)

    Parameters
    ----------
    w : ndarray of float64, any shape
        Current parameter.
    dw : ndarray of float64, same shape as ``w``
        Gradient.
    state : dict or None
        ``None`` on the first call; afterwards, the dict this function
        returned on the previous call for this parameter.
    lr, beta1, beta2, eps, weight_decay : float
        Step size; decay rates of the two moments; the term that keeps the
        denominator away from zero; the L2 penalty coefficient.

    Returns
    -------
    w_next : ndarray of float64, same shape as ``w``
    state : dict
        Your choice of keys; it must hold ``t``, ``m`` and ``v``.

    PyTorch conventions: ``eps`` is added after the square root of the
    bias-corrected second moment, not inside it; weight decay is L2 added to
    the gradient before the moments (this is Adam, not AdamW's decoupled
    decay).

    Pitfalls: ``t = 0`` on the first step (division by zero); sharing one
    state between parameters; updating the old state's arrays in place.

    Examples
    --------
    >>> w = np.array([1.0, -1.0, 0.0])
    >>> dw = np.array([10.0, -0.001, 0.0])
    >>> w1, state = adam(w, dw, None, lr=0.1)
    >>> np.round(w1, 4)  # the first step is about lr per entry, whatever the gradient's size
    array([ 0.9, -0.9,  0. ])
    >>> state['t']
    1
    >>> w2, state = adam(w1, dw, state, lr=0.1)
    >>> np.round(w2, 4)
    array([ 0.8, -0.8,  0. ])
    """
    raise NotImplementedError


def fit_mlp(X, y, hidden_sizes, epochs, batch_size, lr, rng):
    """Train a ReLU MLP classifier with mini-batch Adam and return its params.

    Parameters
    ----------
    X : ndarray of float64, shape (N, D)
    y : ndarray of int64, shape (N,)
        Classes in ``range(C)`` with ``C = max(y) + 1``.
    hidden_sizes : list of int
        Hidden widths, e.g. ``[64, 64]``; the layer sizes are
        ``[D, *hidden_sizes, C]``.
    epochs, batch_size : int
        Passes over the data; samples per mini-batch.
    lr : float
        Adam learning rate (other Adam arguments at their defaults).
    rng : numpy.random.Generator
        The only source of randomness: initialization and shuffling.

    Returns
    -------
    params : dict
        Trained ``'W1', 'b1', ..., 'WL', 'bL'``, as ``init_mlp`` makes them.

    Use your own functions: import the MLP inside the function body with
    the relative import ``from .mlp import init_mlp, mlp_loss``, and call
    ``minibatches`` and ``adam`` from this module. Graded by accuracy, so
    these must work first.

    Hint: initialize with ``rng``; keep one Adam state per parameter key,
    starting at ``None``; for each epoch and each mini-batch, get the loss
    and gradients on that batch, then update every parameter with its own
    state. Watching the loss per epoch is the fastest way to see a bug.

    Pitfalls: ``C`` from ``len(np.unique(y))`` (wrong if a class is
    missing); a top-level ``import`` of the MLP (keep it inside the
    function); one shared Adam state for all parameters.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = np.array([0, 2, 2, 0])  # class 1 never occurs, yet C = max(y) + 1 = 3
    >>> params = fit_mlp(X, y, [8], epochs=5, batch_size=2, lr=0.01, rng=np.random.default_rng(0))
    >>> sorted(params)
    ['W1', 'W2', 'b1', 'b2']
    >>> params['W1'].shape, params['W2'].shape, params['b2'].shape
    ((2, 8), (8, 3), (3,))
    >>> again = fit_mlp(X, y, [8], epochs=5, batch_size=2, lr=0.01, rng=np.random.default_rng(0))
    >>> bool(np.array_equal(params['W2'], again['W2']))  # same seed, same network
    True
    """
    raise NotImplementedError

"""Feed-forward networks and backpropagation.

You build a multi-layer perceptron (MLP) from its parts: the affine
(fully connected) layer as a forward/backward pair, He initialization, the
forward pass through a stack of layers, backpropagation through that stack,
and the loss that ties it to softmax cross-entropy.

Layout. Dense weights are (D_in, D_out), so the forward pass is ``x @ w``
(PyTorch's ``Linear.weight`` is the transpose of this). Parameters live in a
dict with keys ``'W1', 'b1', ..., 'WL', 'bL'``, layer 1 nearest the input.
The cache of each forward is yours: keep whatever your backward needs. The
grader passes it back to your backward untouched and never looks inside it.

Grading. The graders build the same network in PyTorch (float64) with the
same weights and compare your outputs and your gradients (from autograd)
element by element, with relative and absolute tolerances of 1e-7.

Debugging. A numeric-gradient helper comes with the kit::

    from dlgrade.gradcheck import numeric_gradient
    g = numeric_gradient(f, x, h=1e-6)

returns the central-difference gradient of a scalar function ``f`` at the
array ``x`` (same shape as ``x``). To check a backward, make any backward
output scalar, e.g. ``f = lambda w: np.sum(affine_forward(x, w, b)[0] *
dout)``, whose gradient at ``w`` is exactly the ``dw`` your backward should
return for upstream ``dout``. Use it while debugging only, never inside the
functions you submit (graders allow only numpy and the standard library).

Run the checks with ``pytest exercises -k mlp`` or ``dlgrade check mlp``.

Rules for every function here: use numpy and the standard library only;
never modify an input array or the params dict (the graders pass copies and
check); return real ``numpy.ndarray`` objects of dtype float64, the inputs' dtype
(a float32 result is rejected: the checks compare at float64 precision), and
exactly the stated shape. A scalar loss may be a Python ``float`` or a 0-d array.
"""
import numpy as np


def affine_forward(x, w, b):
    """Forward pass of a fully connected layer, ``out = x @ w + b``.

    Parameters
    ----------
    x : ndarray of float64, shape (N, D)
        Inputs, one sample per row.
    w : ndarray of float64, shape (D, M)
        Weights.
    b : ndarray of float64, shape (M,)
        Biases, broadcast over the N rows.

    Returns
    -------
    out : ndarray of float64, shape (N, M)
    cache : object
        Whatever ``affine_backward`` needs; the grader passes it back
        untouched.

    Hint: the backward needs the inputs of the product; keeping references
    to ``x`` and ``w`` is enough (you must not modify them anyway).

    Pitfall: ``w`` is (D_in, D_out), not PyTorch's (D_out, D_in); do not
    transpose it.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [0.0, -1.0]])
    >>> w = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 2.0]])
    >>> b = np.array([0.0, 1.0, -1.0])
    >>> out, cache = affine_forward(x, w, b)
    >>> out
    array([[ 2. ,  3. ,  2. ],
           [-0.5,  0. , -3. ]])
    >>> out.shape
    (2, 3)
    """
    raise NotImplementedError


def affine_backward(dout, cache):
    """Backward pass of a fully connected layer.

    With ``out = x @ w + b`` and upstream gradient ``dout = dL/dout``,
    returns ``dL/dx``, ``dL/dw`` and ``dL/db``.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, M)
        Upstream gradient.
    cache : object
        Exactly what ``affine_forward`` returned.

    Returns
    -------
    dx : ndarray of float64, shape (N, D)
    dw : ndarray of float64, shape (D, M)
    db : ndarray of float64, shape (M,)

    Hint: each gradient is a single matrix product or a sum; let the shapes
    guide you: ``dx`` must be (N, D), so it combines ``dout`` (N, M) with
    ``w`` (D, M) transposed. The bias was broadcast over the batch, so its
    gradient sums over the batch.

    Pitfalls: averaging ``db`` over N instead of summing (the 1/N belongs to
    the loss, not the layer); returning ``db`` as (1, M).

    Debug with ``numeric_gradient`` from ``dlgrade.gradcheck`` (see the
    module docstring): compare each of ``dx``, ``dw``, ``db`` with the
    numeric gradient of ``np.sum(affine_forward(x, w, b)[0] * dout)``.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [0.0, -1.0]])
    >>> w = np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 2.0]])
    >>> out, cache = affine_forward(x, w, np.array([0.0, 1.0, -1.0]))
    >>> dx, dw, db = affine_backward(np.ones((2, 3)), cache)
    >>> dx
    array([[0. , 3.5],
           [0. , 3.5]])
    >>> dw
    array([[1., 1., 1.],
           [1., 1., 1.]])
    >>> db  # summed over the 2 rows, not averaged
    array([2., 2., 2.])
    """
    raise NotImplementedError


def init_mlp(layer_sizes, rng):
    """Initialize MLP parameters with He-normal weights and zero biases.

    For layers ``l = 1 .. L`` (``L = len(layer_sizes) - 1``), ``W_l`` has
    shape ``(layer_sizes[l-1], layer_sizes[l])`` with entries drawn from a
    normal distribution with mean 0 and standard deviation
    ``sqrt(2 / fan_in)``, ``fan_in = layer_sizes[l-1]``; ``b_l`` is zeros of
    shape ``(layer_sizes[l],)``.

    Parameters
    ----------
    layer_sizes : list of int
        ``[D, H1, ..., C]``: input size, hidden sizes, number of classes.
        Has at least two entries.
    rng : numpy.random.Generator
        Source of all randomness.

    Returns
    -------
    params : dict
        Keys ``'W1', 'b1', ..., 'WL', 'bL'``; float64 arrays.

    Hint: He initialization keeps the variance of ReLU activations roughly
    constant from layer to layer. Draw the weights layer by layer, from
    ``W1`` to ``WL``, from ``rng`` alone, so the same seed always gives the
    same network.

    Pitfalls: ``np.random.randn`` (global state) instead of ``rng``; using
    ``fan_out``; indexing keys from 0; the variance is ``2/fan_in``, so the
    standard deviation is its square root.

    Examples
    --------
    >>> params = init_mlp([3, 4, 2], np.random.default_rng(0))
    >>> sorted(params)
    ['W1', 'W2', 'b1', 'b2']
    >>> params['W1'].shape, params['W2'].shape
    ((3, 4), (4, 2))
    >>> params['b2']
    array([0., 0.])
    >>> big = init_mlp([200, 300], np.random.default_rng(0))
    >>> round(float(big['W1'].std()), 2)  # sqrt(2 / 200)
    0.1
    """
    raise NotImplementedError


def mlp_forward(x, params, activation='relu'):
    """Forward pass of an MLP: hidden layers affine + activation, last affine.

    For ``L`` layers: ``h_0 = x``; ``h_l = act(h_{l-1} @ W_l + b_l)`` for
    ``l < L``; ``scores = h_{L-1} @ W_L + b_L`` (no activation on the last
    layer; the loss applies the softmax).

    Parameters
    ----------
    x : ndarray of float64, shape (N, D)
        Inputs.
    params : dict
        ``'W1', 'b1', ..., 'WL', 'bL'`` as made by ``init_mlp``.
    activation : str, default 'relu'
        ``'relu'``, ``'sigmoid'`` or ``'tanh'``, used on every hidden layer.

    Returns
    -------
    scores : ndarray of float64, shape (N, C)
    cache : object
        Whatever ``mlp_backward`` needs (for example, the cache of every
        layer); the grader passes it back untouched.

    Hint: the number of layers is ``len(params) // 2``. Build on your
    ``affine_forward``; for the activations follow the conventions of the
    activations topic (ReLU gradient 0 at 0, stable sigmoid). You may reuse
    that module through a relative import inside the function body,
    ``from .activations import relu_forward``, but then this topic only
    passes once that one does.

    Pitfalls: applying the activation after the last layer; hard-coding two
    layers; the cache must record which activation was used, since the
    backward gets no ``activation`` argument. Raising ``ValueError`` on an
    unknown name saves debugging time.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [-1.0, 1.0]])
    >>> params = {'W1': np.array([[1.0, -1.0], [1.0, 1.0]]), 'b1': np.array([0.0, -2.0]),
    ...           'W2': np.array([[1.0, 0.0], [0.0, -1.0]]), 'b2': np.array([0.0, -0.5])}
    >>> scores, cache = mlp_forward(x, params)
    >>> scores  # hidden ReLU zeroes -1 and 0; the last layer keeps its -0.5
    array([[ 3. , -0.5],
           [ 0. , -0.5]])
    >>> scores, cache = mlp_forward(x, params, activation='tanh')
    >>> np.round(scores, 4)
    array([[ 0.9951,  0.2616],
           [ 0.    , -0.5   ]])
    """
    raise NotImplementedError


def mlp_backward(dscores, cache):
    """Backpropagation through the MLP built by ``mlp_forward``.

    Walks the layers from last to first, applying each layer's backward to
    the gradient coming from the layer above (the chain rule).

    Parameters
    ----------
    dscores : ndarray of float64, shape (N, C)
        Gradient of the loss with respect to the scores.
    cache : object
        Exactly what ``mlp_forward`` returned.

    Returns
    -------
    grads : dict
        Same keys as ``params`` (``'W1', 'b1', ..., 'WL', 'bL'``), each with
        the shape of its parameter.

    Hint: the gradient flowing into a hidden activation is the ``dx`` of the
    affine layer above it; pass it through the activation's backward before
    the affine backward of its own layer. The input gradient of layer 1 is
    not needed.

    Pitfalls: forgetting the activation's derivative (an easy slip with
    ReLU, whose forward looks like a no-op on positive entries); mixing up
    layer indices by one.

    Debug with ``numeric_gradient`` from ``dlgrade.gradcheck``: for one key
    ``k``, let ``f(p)`` run ``mlp_forward`` on a shallow copy of ``params``
    whose entry ``k`` is ``p`` and return ``np.sum(scores * dscores)``;
    ``numeric_gradient(f, params[k], h=1e-6)`` should match ``grads[k]``.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [-1.0, 1.0]])
    >>> params = {'W1': np.array([[1.0, -1.0], [1.0, 1.0]]), 'b1': np.array([0.0, -2.0]),
    ...           'W2': np.array([[1.0, 0.0], [0.0, -1.0]]), 'b2': np.array([0.0, -0.5])}
    >>> scores, cache = mlp_forward(x, params)
    >>> grads = mlp_backward(np.ones((2, 2)), cache)
    >>> sorted(grads)
    ['W1', 'W2', 'b1', 'b2']
    >>> grads['W2']
    array([[3., 3.],
           [0., 0.]])
    >>> grads['b1']  # only the one positive hidden unit passes gradient (ReLU is 0 at 0)
    array([1., 0.])
    """
    raise NotImplementedError


def mlp_loss(x, y, params, activation='relu'):
    """Softmax cross-entropy loss of the MLP, and the parameter gradients.

    ``loss = F.cross_entropy(mlp_forward(x, params, activation), y)``, mean
    over the N samples, with no regularization term.

    Parameters
    ----------
    x : ndarray of float64, shape (N, D)
        Inputs.
    y : ndarray of int64, shape (N,)
        Correct classes, in ``range(C)``.
    params : dict
        ``'W1', 'b1', ..., 'WL', 'bL'``.
    activation : str, default 'relu'
        Hidden activation, as in ``mlp_forward``.

    Returns
    -------
    loss : float
        Mean cross-entropy.
    grads : dict
        Gradient of ``loss`` for every key of ``params``, same shapes.

    Hint: forward, loss and its gradient with respect to the scores,
    backward. The cross-entropy is ``softmax_cross_entropy`` from the losses
    topic; reuse it with ``from .losses import softmax_cross_entropy``
    inside the function body, or compute it here, stably (subtract the
    row max).

    Pitfall: the gradient must carry the loss's ``1/N`` exactly once.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, -1.0]])
    >>> y = np.array([0, 2])
    >>> params = {'W1': np.zeros((2, 3)), 'b1': np.zeros(3),
    ...           'W2': np.zeros((3, 3)), 'b2': np.zeros(3)}
    >>> loss, grads = mlp_loss(x, y, params)
    >>> round(float(loss), 4)  # all scores equal: log(3)
    1.0986
    >>> np.round(grads['b2'], 4)  # mean over N = 2 of (softmax - one-hot)
    array([-0.1667,  0.3333, -0.1667])
    >>> grads['W1'].shape
    (2, 3)
    """
    raise NotImplementedError

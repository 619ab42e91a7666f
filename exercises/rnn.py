"""Vanilla recurrent neural network (tanh).

You build a single-layer Elman RNN: one time step as a forward/backward pair,
then the whole sequence, with backpropagation through time (BPTT) for the
gradients. Sequences are batch-first: x has shape (N, T, D) for N sequences
of T steps of D features; hidden states have size H.

Grading: your outputs and gradients are compared with PyTorch's
nn.RNN(batch_first=True, nonlinearity='tanh') in float64 with autograd,
with weight_ih = Wx.T, weight_hh = Wh.T, bias_ih = b and bias_hh = 0
(PyTorch stores weights as (out, in); here they are (in, out) so that
``x @ Wx`` is the forward pass). Every element must agree within a relative
and absolute tolerance of 1e-7.

rnn_forward and rnn_backward also have speed limits: the recurrence needs
a loop over the time steps, but nothing inside a step needs one (a loop over
the batch or the hidden units there is too slow). Long sequences (T >= 50)
with small and large weights are graded too: values and gradients must
match torch's where they vanish and where they grow.

Run the checks with ``pytest exercises -k rnn`` or ``dlgrade check rnn``.

Rules for every function in this module:

* Import only numpy and the standard library.
* Return real ``numpy.ndarray`` objects of a floating dtype (float64) and
  exactly the stated shapes.
* Do not modify any input array; the grader passes copies and checks.
* The cache is whatever your backward needs; the grader passes it back
  untouched.

Every floating output is a real ``numpy.ndarray`` of dtype float64, the inputs' dtype (numpy keeps
it unless you convert; a float32 result is rejected, since the checks compare at float64 precision);
a scalar loss is a Python float. The full rules: CONTRACT.md.
"""
import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One time step of a tanh RNN.

    h_next = tanh(x @ Wx + h_prev @ Wh + b)

    Parameters
    ----------
    x : ndarray, shape (N, D), float64
        Input at this step.
    h_prev : ndarray, shape (N, H), float64
        Hidden state from the previous step.
    Wx : ndarray, shape (D, H), float64
        Input-to-hidden weights.
    Wh : ndarray, shape (H, H), float64
        Hidden-to-hidden weights.
    b : ndarray, shape (H,), float64

    Returns
    -------
    h_next : ndarray, shape (N, H)
    cache : object

    Hint: keep x, h_prev, Wx, Wh and h_next; tanh's derivative is
    1 - tanh(a)**2, so the output itself is all you need to differentiate it.

    Pitfall: using Wx.T or Wh.T, as PyTorch's stored weights would suggest;
    here the weights are already (in, out).

    Examples
    --------
    >>> x = np.array([[1.0], [0.0]])
    >>> h_prev = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> Wx, Wh, b = np.array([[1.0, -1.0]]), 0.5 * np.eye(2), np.zeros(2)
    >>> h_next, cache = rnn_step_forward(x, h_prev, Wx, Wh, b)
    >>> h_next.shape
    (2, 2)
    >>> np.round(h_next, 4)
    array([[ 0.7616, -0.7616],
           [ 0.4621,  0.    ]])
    """
    raise NotImplementedError


def rnn_step_backward(dh_next, cache):
    """Backward pass of one RNN step.

    Parameters
    ----------
    dh_next : ndarray, shape (N, H), float64
        Gradient of the loss with respect to h_next.
    cache : object
        What your rnn_step_forward returned.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dh_prev : ndarray, shape (N, H)
    dWx : ndarray, shape (D, H)
    dWh : ndarray, shape (H, H)
    db : ndarray, shape (H,)

    Hint: first backpropagate through tanh to get the gradient of the
    pre-activation a = x Wx + h_prev Wh + b; the rest is the backward of two
    affine maps sharing a bias (db sums over the batch).

    Debugging: a numeric-gradient helper is available for checking your
    work, ``from dlgrade.gradcheck import numeric_gradient``;
    ``numeric_gradient(f, x, h=1e-6)`` returns the central-difference
    gradient of the scalar function f at x. For a non-scalar output use, e.g.,
    f = lambda Wh: np.sum(rnn_step_forward(x, h_prev, Wx, Wh, b)[0] * dh_next).
    Call it from a scratch script or the REPL, not from this module:
    submissions may import only numpy and the standard library.

    Pitfall: multiplying by 1 - a**2 (the pre-activation) instead of
    1 - h_next**2.

    Examples
    --------
    >>> x = np.array([[1.0], [0.0]])
    >>> h_prev = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> Wx, Wh, b = np.array([[1.0, -1.0]]), 0.5 * np.eye(2), np.zeros(2)
    >>> h_next, cache = rnn_step_forward(x, h_prev, Wx, Wh, b)
    >>> dx, dh_prev, dWx, dWh, db = rnn_step_backward(np.ones((2, 2)), cache)
    >>> dx.shape, dh_prev.shape, dWx.shape, dWh.shape, db.shape
    ((2, 1), (2, 2), (1, 2), (2, 2), (2,))
    >>> np.round(db, 4)
    array([1.2064, 1.42  ])
    """
    raise NotImplementedError


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over a whole batch of sequences.

    h[:, t] = tanh(x[:, t] @ Wx + h[:, t-1] @ Wh + b), with h[:, -1] := h0.

    Parameters
    ----------
    x : ndarray, shape (N, T, D), float64
        Batch-first input sequences.
    h0 : ndarray, shape (N, H), float64
        Initial hidden state.
    Wx : ndarray, shape (D, H), float64
    Wh : ndarray, shape (H, H), float64
    b : ndarray, shape (H,), float64
        The same parameters serve every time step.

    Returns
    -------
    h : ndarray, shape (N, T, H)
        The hidden states of steps 0 .. T-1 (h0 is not included), which is
        the `output` of nn.RNN(batch_first=True).
    cache : object

    Hint: a Python loop over the T time steps calling rnn_step_forward is the
    intended solution (each step depends on the previous one); keep the list
    of step caches.

    Pitfalls: preallocating h with np.zeros_like(x) (wrong last dimension
    when D != H); feeding h0 to every step instead of the previous state.

    Examples
    --------
    >>> x = np.zeros((1, 3, 1))
    >>> x[0, 0, 0] = 1.0
    >>> h, cache = rnn_forward(x, np.zeros((1, 1)), np.array([[1.0]]), np.array([[0.5]]), np.zeros(1))
    >>> h.shape
    (1, 3, 1)
    >>> np.round(h[0, :, 0], 4)
    array([0.7616, 0.3634, 0.1797])
    >>> rnn_forward(np.ones((2, 4, 3)), np.zeros((2, 5)), np.zeros((3, 5)), np.zeros((5, 5)), np.zeros(5))[0].shape
    (2, 4, 5)
    """
    raise NotImplementedError


def rnn_backward(dh, cache):
    """Backpropagation through time for rnn_forward.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H), float64
        Upstream gradient of the loss with respect to every hidden state
        h[:, t] returned by rnn_forward (from losses on all time steps).
    cache : object
        What your rnn_forward returned.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx : ndarray, shape (D, H)
    dWh : ndarray, shape (H, H)
    db : ndarray, shape (H,)

    Each h[:, t] affects the loss twice: directly (dh[:, t]) and through
    h[:, t+1]. Walk backwards from t = T-1 to 0: the total gradient reaching
    step t is dh[:, t] plus the dh_prev that step t+1 sent back (zero for the
    last step). The weights are shared, so their gradients sum over steps;
    dh0 is the dh_prev of step 0.

    Debugging: ``from dlgrade.gradcheck import numeric_gradient``;
    ``numeric_gradient(f, x, h=1e-6)`` returns the central-difference
    gradient of a scalar function f at x, e.g. with
    f = lambda x: np.sum(rnn_forward(x, h0, Wx, Wh, b)[0] * dh).
    Use it from a scratch script, not from this module (numpy and the
    standard library only).

    Pitfalls: using only dh[:, t] and dropping the recurrent gradient (or the
    reverse); overwriting dWx, dWh, db at each step instead of accumulating.

    Examples
    --------
    >>> x = np.zeros((1, 3, 1))
    >>> x[0, 0, 0] = 1.0
    >>> h, cache = rnn_forward(x, np.zeros((1, 1)), np.array([[1.0]]), np.array([[0.5]]), np.zeros(1))
    >>> dh = np.zeros((1, 3, 1))
    >>> dh[0, -1, 0] = 1.0
    >>> dx, dh0, dWx, dWh, db = rnn_backward(dh, cache)
    >>> np.round(dx[0, :, 0], 4)
    array([0.0882, 0.42  , 0.9677])
    >>> np.round(dh0, 4), np.round(dWh, 4), np.round(db, 4)
    (array([[0.0441]]), array([[0.6715]]), array([1.4758]))
    """
    raise NotImplementedError

"""Long short-term memory (LSTM), and a GRU cell as an extension.

You build an LSTM layer: one time step as a forward/backward pair, then the
whole sequence with backpropagation through time. As an extension you write
the forward step of a gated recurrent unit (GRU). Sequences are batch-first,
x of shape (N, T, D); hidden and cell states have size H.

Gates stack in PyTorch's order along the last axis. For the LSTM,
Wx (D, 4H), Wh (H, 4H) and b (4H,) hold [i | f | g | o]: input gate,
forget gate, cell candidate, output gate, each a block of H columns. For
the GRU, Wx (D, 3H), Wh (H, 3H), bx and bh (3H,) hold [r | z | n]: reset
gate, update gate, new (candidate) state.

One LSTM step, as a picture (* and + are elementwise):

    c_prev ──▶(*)───────▶(+)───────────┬───────────▶ c_next
               ▲          ▲            │
               f        i * g        tanh
                                       ▼
                                      (*)◀── o
                                       │
                                       └───────────▶ h_next

    [a_i | a_f | a_g | a_o] = x @ Wx + h_prev @ Wh + b    (one product, all four blocks)
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)

The cell state c is the memory: it passes from step to step through one
multiplication by f and one addition, which is why its gradient survives
many steps where a plain RNN's vanishes.

Grading: your outputs and gradients are compared with PyTorch's
nn.LSTMCell, nn.LSTM(batch_first=True) and nn.GRUCell in float64 with
autograd, with weight_ih = Wx.T and weight_hh = Wh.T copied in (PyTorch
stores (out, in); here weights are (in, out) so that ``x @ Wx`` is the
forward pass). The LSTM's single bias b plays bias_ih, with bias_hh = 0; the
GRU keeps both, bias_ih = bx and bias_hh = bh. Every element must agree
within a relative and absolute tolerance of 1e-7.

Besides matching torch, lstm_forward and lstm_backward have speed limits
(loop over the time steps only: a loop over the batch or the hidden units
inside it is too slow), and one outcome check: the grader trains your LSTM
(its own Adam loop and read-out) to recall at the last of 8 steps the symbol
it saw at step 0, which only works when the cell state and its gradient
through time do.

Run the checks with ``pytest exercises -k lstm`` or ``dlgrade check lstm``.

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


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One time step of an LSTM, as nn.LSTMCell.

    a = x @ Wx + h_prev @ Wh + b, split into four blocks of H columns
    [a_i | a_f | a_g | a_o];
    i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
    c_next = f * c_prev + i * g
    h_next = o * tanh(c_next)

    Parameters
    ----------
    x : ndarray, shape (N, D), float64
    h_prev, c_prev : ndarray, shape (N, H), float64
        Previous hidden and cell states.
    Wx : ndarray, shape (D, 4H), float64
    Wh : ndarray, shape (H, 4H), float64
    b : ndarray, shape (4H,), float64
        Gate blocks in the order [i | f | g | o].

    Returns
    -------
    h_next, c_next : ndarray, shape (N, H)
    cache : object

    Hint: keep x, h_prev, c_prev, the weights, the four gate activations and
    tanh(c_next); the derivatives of sigmoid and tanh are expressed through
    their outputs (s * (1 - s) and 1 - t**2).

    Pitfalls: another gate order (some texts use [i | f | o | g]); tanh on
    the g block only, sigmoid on the other three; a sigmoid written as
    1 / (1 + np.exp(-a)) overflows with warnings for very negative a.

    Examples
    --------
    >>> x, h_prev = np.ones((2, 3)), np.zeros((2, 2))     # N = 2, D = 3, H = 2
    >>> c_prev = np.array([[2.0, -2.0], [0.0, 1.0]])
    >>> Wx, Wh = np.zeros((3, 8)), np.zeros((2, 8))
    >>> b = np.array([0., 0., 0., 0., 100., 100., 0., 0.])  # [i | f | g | o]
    >>> h_next, c_next, cache = lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    >>> c_next                    # i = f = o = 0.5 and g = tanh(100) = 1
    array([[ 1.5, -0.5],
           [ 0.5,  1. ]])
    >>> np.round(h_next, 4)
    array([[ 0.4526, -0.2311],
           [ 0.2311,  0.3808]])
    """
    raise NotImplementedError


def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of one LSTM step.

    Parameters
    ----------
    dh_next : ndarray, shape (N, H), float64
        Gradient of the loss with respect to h_next.
    dc_next : ndarray, shape (N, H), float64
        Gradient with respect to c_next arriving from later time steps.
    cache : object
        What your lstm_step_forward returned.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dh_prev, dc_prev : ndarray, shape (N, H)
    dWx : ndarray, shape (D, 4H)
    dWh : ndarray, shape (H, 4H)
    db : ndarray, shape (4H,)

    c_next reaches the loss two ways: directly (dc_next) and through
    h_next = o * tanh(c_next). Add both before going further back. Then get
    the gradients of the four gates, through their nonlinearities to the
    pre-activation blocks, stack them as [da_i | da_f | da_g | da_o] of shape
    (N, 4H), and finish with the backward of the affine map.

    Debugging: ``from dlgrade.gradcheck import numeric_gradient``;
    ``numeric_gradient(f, x, h=1e-6)`` returns the central-difference
    gradient of the scalar function f at x. Combine both outputs into one
    scalar: e.g. f(c_prev) runs lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    and returns np.sum(h_next * dh_next + c_next * dc_next).
    Use it from a scratch script, not from this module (numpy and the
    standard library only).

    Pitfalls: forgetting the path from h_next into c_next; stacking the gate
    gradients in a different order from the forward.

    Examples
    --------
    >>> x, h_prev, c_prev = np.ones((2, 3)), np.zeros((2, 2)), np.ones((2, 2))
    >>> Wx, Wh, b = np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8)  # gates 0.5
    >>> h_next, c_next, cache = lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    >>> dh_next, dc_next = np.zeros((2, 2)), np.ones((2, 2))
    >>> dx, dh_prev, dc_prev, dWx, dWh, db = lstm_step_backward(
    ...     dh_next, dc_next, cache)
    >>> dx.shape, dh_prev.shape, dWx.shape, dWh.shape, db.shape
    ((2, 3), (2, 2), (3, 8), (2, 8), (8,))
    >>> dc_prev
    array([[0.5, 0.5],
           [0.5, 0.5]])
    >>> db                                     # blocks [i | f | g | o]
    array([0. , 0. , 0.5, 0.5, 1. , 1. , 0. , 0. ])
    """
    raise NotImplementedError


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    """Run the LSTM over a whole batch of sequences, as nn.LSTM(batch_first=True).

    Parameters
    ----------
    x : ndarray, shape (N, T, D), float64
    h0 : ndarray, shape (N, H), float64
        Initial hidden state.
    Wx : ndarray, shape (D, 4H), float64
    Wh : ndarray, shape (H, 4H), float64
    b : ndarray, shape (4H,), float64
    c0 : ndarray, shape (N, H), float64, or None
        Initial cell state; None means zeros.

    Returns
    -------
    h : ndarray, shape (N, T, H)
        Hidden states of steps 0 .. T-1 (h0 excluded); the cell states are
        internal and not returned.
    cache : object

    Hint: a Python loop over the T time steps calling lstm_step_forward is
    the intended solution; keep the list of step caches. H is Wh.shape[0].

    Pitfalls: `if c0 == None` (compare with `is None`); preallocating h
    with the shape of x.

    Examples
    --------
    >>> x = np.ones((1, 3, 2))                 # N = 1, T = 3, D = 2
    >>> h0, c0 = np.zeros((1, 1)), np.full((1, 1), 2.0)            # H = 1
    >>> Wx, Wh, b = np.zeros((2, 4)), np.zeros((1, 4)), np.zeros(4)  # gates 0.5
    >>> h, cache = lstm_forward(x, h0, Wx, Wh, b, c0=c0)
    >>> h.shape
    (1, 3, 1)
    >>> np.round(h[0, :, 0], 4)                # the cell state: 1, 0.5, 0.25
    array([0.3808, 0.2311, 0.1225])
    >>> lstm_forward(x, h0, Wx, Wh, b)[0][0, :, 0]       # c0=None: zeros
    array([0., 0., 0.])
    """
    raise NotImplementedError


def lstm_backward(dh, cache):
    """Backpropagation through time for lstm_forward.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H), float64
        Upstream gradient of the loss with respect to every hidden state
        h[:, t] returned by lstm_forward.
    cache : object
        What your lstm_forward returned.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx : ndarray, shape (D, 4H)
    dWh : ndarray, shape (H, 4H)
    db : ndarray, shape (4H,)

    Walk backwards from t = T-1 to 0 carrying two recurrent gradients: the
    hidden one (added to dh[:, t] at each step) and the cell one. Both start
    at zero after the last step, since no loss reads the cell states
    directly. Weight gradients sum over the steps. The gradient for c0 is not
    returned.

    Debugging: ``from dlgrade.gradcheck import numeric_gradient``;
    ``numeric_gradient(f, x, h=1e-6)`` returns the central-difference
    gradient of the scalar function f at x, e.g. with
    f = lambda Wh: np.sum(lstm_forward(x, h0, Wx, Wh, b)[0] * dh).
    Use it from a scratch script, not from this module.

    Pitfalls: dropping the cell-state gradient between steps (the LSTM's
    whole point); overwriting the weight gradients instead of accumulating.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, h0 = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5))  # H = 5
    >>> Wx, Wh, b = (rng.normal(size=(3, 20)), rng.normal(size=(5, 20)),
    ...              rng.normal(size=20))
    >>> h, cache = lstm_forward(x, h0, Wx, Wh, b)
    >>> dh = np.zeros((2, 4, 5)); dh[:, -1] = 1.0   # a loss on step T-1 only
    >>> dx, dh0, dWx, dWh, db = lstm_backward(dh, cache)
    >>> dx.shape, dh0.shape, dWx.shape, dWh.shape, db.shape
    ((2, 4, 3), (2, 5), (3, 20), (5, 20), (20,))
    >>> bool(np.all(dx[:, 0] != 0))            # yet it reaches step 0
    True
    """
    raise NotImplementedError


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One time step of a GRU, as nn.GRUCell (extension, forward only).

    With the blocks [r | z | n] of H columns each:
    r = sigmoid(x Wx_r + bx_r + h_prev Wh_r + bh_r)
    z = sigmoid(x Wx_z + bx_z + h_prev Wh_z + bh_z)
    n = tanh(x Wx_n + bx_n + r * (h_prev Wh_n + bh_n))
    h_next = (1 - z) * n + z * h_prev

    Parameters
    ----------
    x : ndarray, shape (N, D), float64
    h_prev : ndarray, shape (N, H), float64
    Wx : ndarray, shape (D, 3H), float64
    Wh : ndarray, shape (H, 3H), float64
    bx, bh : ndarray, shape (3H,), float64
        Input-side and hidden-side biases, both in the order [r | z | n].

    Returns
    -------
    h_next : ndarray, shape (N, H)
    cache : object
        No backward is graded; return anything useful (e.g. the gates).

    PyTorch convention: the reset gate multiplies the whole hidden-side term
    of n, bias included: r * (h_prev Wh_n + bh_n). That is why the two
    biases cannot be merged for the n block.

    Pitfalls: the original paper's variant (h_prev * r) @ Wh_n, or
    r * (h_prev Wh_n) + bh_n, both differ from PyTorch; swapping z and 1 - z
    (in PyTorch, z near 1 keeps the old state).

    Examples
    --------
    >>> h_prev = np.array([[1.0, -1.0], [0.0, 2.0]])
    >>> x, Wx, Wh = np.ones((2, 3)), np.zeros((3, 6)), np.zeros((2, 6))
    >>> bx, bh = np.zeros(6), np.array([0., 0., 0., 0., 2., 2.])  # [r | z | n]
    >>> h_next, cache = gru_step_forward(x, h_prev, Wx, Wh, bx, bh)
    >>> np.round(h_next, 4)          # r = z = 0.5, n = tanh(0.5 * 2)
    array([[ 0.8808, -0.1192],
           [ 0.3808,  1.3808]])
    >>> bx_keep = np.array([0., 0., 100., 100., 0., 0.])     # z = 1
    >>> gru_step_forward(x, h_prev, Wx, Wh, bx_keep, bh)[0]  # keeps h_prev
    array([[ 1., -1.],
           [ 0.,  2.]])
    """
    raise NotImplementedError

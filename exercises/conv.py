"""Convolutional network layers.

You build the layers of a small convolutional network as forward/backward
pairs: 2-D convolution with stride and zero padding, max pooling, average
pooling, and the flatten that connects a convolutional stack to a dense
layer. Images use PyTorch's NCHW layout: (batch, channels, height, width).

Grading: your outputs and gradients are compared with PyTorch's F.conv2d,
F.max_pool2d and F.avg_pool2d with autograd, run in float64; every element
must agree within a relative and absolute tolerance of 1e-7. conv2d and the
pools also carry performance limits: a vectorized numpy implementation
passes, a Python loop over every output element does not. Loops over the
kernel's KH * KW offsets (a handful of iterations) are fine.

Run the checks with ``pytest exercises -k conv`` or ``dlgrade check conv``.

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


def conv2d_forward(x, w, b, stride=1, padding=0):
    """2-D convolution (cross-correlation) as PyTorch's F.conv2d.

    out[n, f, i, j] = b[f] + sum over c, u, v of
                      w[f, c, u, v] * x_pad[n, c, i*stride + u, j*stride + v]

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), float64
    w : ndarray, shape (F, C, KH, KW), float64
        F filters, each spanning all C input channels.
    b : ndarray, shape (F,), float64
    stride : int
        Step between neighbouring windows, the same along both axes.
    padding : int
        Zeros added on all four sides of every image before sliding.

    Returns
    -------
    out : ndarray, shape (N, F, H_out, W_out), with
        H_out = (H + 2*padding - KH) // stride + 1 and
        W_out = (W + 2*padding - KW) // stride + 1.
    cache : object

    PyTorch convention: this is cross-correlation; the kernel is NOT flipped.
    When (H + 2*padding - KH) is not a multiple of stride, the last rows
    (columns) of the padded input are never covered; they are simply unused.

    Hint: build the windows without copying element by element, either with
    im2col (a (N, H_out, W_out, C*KH*KW) matrix, then one matrix product with
    w reshaped to (F, C*KH*KW)) or with
    np.lib.stride_tricks.sliding_window_view followed by ::stride slicing
    and np.tensordot or np.einsum. Keep the padded input (or its windows) in
    the cache. np.pad adds the zeros.

    Pitfalls: flipping the kernel (that is mathematical convolution); forgetting
    the bias; a Python loop over N, F, H_out, W_out (too slow).

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    >>> out, cache = conv2d_forward(x, w, np.array([0.5]))
    >>> out[0, 0]
    array([[-3.5, -3.5],
           [-3.5, -3.5]])
    >>> out, cache = conv2d_forward(x, w, np.array([0.5]), stride=2, padding=1)
    >>> out[0, 0]
    array([[ 0.5, -1.5],
           [-5.5, -3.5]])
    >>> conv2d_forward(np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3)), np.zeros(4), stride=2, padding=1)[0].shape
    (2, 4, 3, 3)
    """
    raise NotImplementedError


def conv2d_backward(dout, cache):
    """Backward pass of conv2d_forward.

    Parameters
    ----------
    dout : ndarray, shape (N, F, H_out, W_out), float64
    cache : object
        What your conv2d_forward returned.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Gradient with respect to the unpadded input.
    dw : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)

    db sums dout over N, H_out and W_out. dw[f, c, u, v] correlates dout[:, f]
    with the input samples that met w[f, c, u, v]. Every input element that
    lies in several windows collects the sum of its contributions.

    Hint: with im2col, dw and the gradient of the column matrix are matrix
    products; col2im then adds columns back into a padded dx. Alternatively
    loop over the KH * KW kernel offsets (u, v): the offset touches the
    strided slice x_pad[:, :, u : u + stride*H_out : stride, v : ...], so add
    its contribution to the same slice of dx_pad, then cut the padding off.

    Pitfalls: assigning (=) instead of accumulating (+=) where windows
    overlap; returning dx with the padding still on; writing into a
    sliding_window_view (it is a read-only view of overlapping memory).

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> out, cache = conv2d_forward(x, np.ones((1, 1, 2, 2)), np.zeros(1))
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), cache)
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> dw[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    >>> db
    array([4.])
    >>> out, cache = conv2d_forward(x, np.ones((1, 1, 2, 2)), np.zeros(1), stride=2, padding=1)
    >>> conv2d_backward(np.ones((1, 1, 2, 2)), cache)[0].shape
    (1, 1, 3, 3)
    """
    raise NotImplementedError


def max_pool2d_forward(x, kernel_size, stride=None):
    """Max pooling over square windows, as F.max_pool2d (no padding).

    out[n, c, i, j] = max over u, v < k of x[n, c, i*s + u, j*s + v]

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), float64
    kernel_size : int
        Window side k.
    stride : int or None
        Step s between windows; None means s = kernel_size.

    Returns
    -------
    out : ndarray, shape (N, C, (H - k) // s + 1, (W - k) // s + 1)
    cache : object

    PyTorch convention: no padding, floor for the output size (rows and
    columns that do not fill a whole window are dropped). Windows overlap
    when s < k.

    Hint: np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
    sliced with [:, :, ::s, ::s] gives every window at once; reduce over the
    last two axes. For the backward, cache the position of the maximum in
    each window (e.g. np.argmax over the window flattened to k*k values).

    Pitfall: `stride=None` must mean kernel_size, not 1.

    Examples
    --------
    >>> x = np.array([[[[1.0, 3.0, 2.0, 5.0], [4.0, -1.0, 5.0, 0.0], [9.0, 9.0, 9.0, 9.0]]]])
    >>> out, cache = max_pool2d_forward(x, 2)
    >>> out
    array([[[[4., 5.]]]])
    >>> out, cache = max_pool2d_forward(x, 2, stride=1)
    >>> out.shape
    (1, 1, 2, 3)
    >>> out[0, 0]
    array([[4., 5., 5.],
           [9., 9., 9.]])
    """
    raise NotImplementedError


def max_pool2d_backward(dout, cache):
    """Backward pass of max_pool2d_forward.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H_out, W_out), float64
    cache : object
        What your max_pool2d_forward returned.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Each window sends its dout value to the single input element that
        was its maximum; all other elements of the window get nothing.

    PyTorch convention: on ties the gradient goes to the FIRST maximum in
    row-major order within the window (smallest u, then smallest v), which is
    what np.argmax returns on the window flattened in row-major order.
    Overlapping windows (stride < kernel_size) may pick the same element;
    its gradients add up.

    Hint: loop over the k*k offsets (u, v): select the windows whose argmax
    is that offset and add their dout into the strided slice of dx that the
    offset covers. Input elements outside every window get zero.

    Pitfalls: a mask `window == window.max()` sends the gradient to every
    tied element; assigning instead of adding where windows overlap.

    Examples
    --------
    >>> out, cache = max_pool2d_forward(np.array([[[[2.0, 2.0], [1.0, 2.0]]]]), 2)
    >>> max_pool2d_backward(np.array([[[[1.0]]]]), cache)
    array([[[[1., 0.],
             [0., 0.]]]])
    >>> x = np.array([[[[1.0, 5.0, 2.0], [0.0, 3.0, 1.0]]]])
    >>> out, cache = max_pool2d_forward(x, 2, stride=1)
    >>> out
    array([[[[5., 5.]]]])
    >>> max_pool2d_backward(np.array([[[[1.0, 10.0]]]]), cache)
    array([[[[ 0., 11.,  0.],
             [ 0.,  0.,  0.]]]])
    """
    raise NotImplementedError


def avg_pool2d_forward(x, kernel_size, stride=None):
    """Average pooling over square windows, as F.avg_pool2d (no padding).

    out[n, c, i, j] = (1 / k**2) * sum over u, v < k of x[n, c, i*s + u, j*s + v]

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), float64
    kernel_size : int
        Window side k.
    stride : int or None
        Step s between windows; None means s = kernel_size.

    Returns
    -------
    out : ndarray, shape (N, C, (H - k) // s + 1, (W - k) // s + 1)
    cache : object

    PyTorch convention: no padding, floor for the output size, and every
    window divides by k*k.

    Hint: the same sliding-window view as for max pooling, reduced with a
    mean. The backward needs only shapes, kernel_size and stride.

    Pitfall: `stride=None` must mean kernel_size, not 1.

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]]])
    >>> out, cache = avg_pool2d_forward(x, 2)
    >>> out
    array([[[[2.5]]]])
    >>> out, cache = avg_pool2d_forward(x, 2, stride=1)
    >>> out
    array([[[[2.5, 3.5]]]])
    """
    raise NotImplementedError


def avg_pool2d_backward(dout, cache):
    """Backward pass of avg_pool2d_forward.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H_out, W_out), float64
    cache : object
        What your avg_pool2d_forward returned.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Each window spreads dout / (k*k) evenly over its k*k inputs; an input
        covered by several windows receives the sum, one covered by none
        receives zero.

    Hint: loop over the k*k offsets and add dout / (k*k) into the strided
    slice of dx each offset covers.

    Pitfalls: forgetting the 1 / (k*k) factor; np.repeat-style upsampling
    only works when stride == kernel_size and the size divides exactly.

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]]])
    >>> out, cache = avg_pool2d_forward(x, 2, stride=1)
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 2)), cache)
    array([[[[0.25, 0.5 , 0.25],
             [0.25, 0.5 , 0.25]]]])
    >>> out, cache = avg_pool2d_forward(x, 2)
    >>> avg_pool2d_backward(np.array([[[[4.0]]]]), cache)
    array([[[[1., 1., 0.],
             [1., 1., 0.]]]])
    """
    raise NotImplementedError


def flatten_forward(x):
    """Flatten every sample to a vector: (N, d1, d2, ...) -> (N, d1*d2*...).

    Parameters
    ----------
    x : ndarray, shape (N, ...), float64

    Returns
    -------
    out : ndarray, shape (N, prod of the remaining dimensions)
        Row-major (C) order, as torch.flatten(x, 1) / x.view(N, -1).
    cache : object
        Enough to undo the reshape (the input's shape).

    Hint: compute the row length as the product of x.shape[1:] (1 for a
    plain (N,) input) rather than relying on -1.

    Pitfall: x.reshape(N, -1) raises for an empty batch (N = 0), where -1 is
    ambiguous.

    Examples
    --------
    >>> x = np.arange(12.0).reshape(2, 3, 2)
    >>> out, cache = flatten_forward(x)
    >>> out.shape
    (2, 6)
    >>> out[1]
    array([ 6.,  7.,  8.,  9., 10., 11.])
    >>> out, cache = flatten_forward(np.array([1.0, 2.0]))
    >>> out
    array([[1.],
           [2.]])
    """
    raise NotImplementedError


def flatten_backward(dout, cache):
    """Backward pass of flatten_forward: reshape the gradient back.

    Parameters
    ----------
    dout : ndarray, shape (N, D), float64
    cache : object
        What your flatten_forward returned.

    Returns
    -------
    dx : ndarray, shape equal to the shape of the x given to the forward.

    Pitfall: returning dout unchanged; the shape must match x exactly.

    Examples
    --------
    >>> out, cache = flatten_forward(np.zeros((2, 3, 2)))
    >>> dx = flatten_backward(np.arange(12.0).reshape(2, 6), cache)
    >>> dx.shape
    (2, 3, 2)
    >>> dx[1]
    array([[ 6.,  7.],
           [ 8.,  9.],
           [10., 11.]])
    """
    raise NotImplementedError

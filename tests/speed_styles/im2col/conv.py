"""Conv layers the CS231n way: im2col / col2im with precomputed index arrays, pooling through the same columns.

A student-style implementation kept to check that the performance limits accept it (tests/test_speed_styles.py).
"""
import numpy as np


def get_im2col_indices(x_shape, field_height, field_width, padding=1, stride=1):
    # Which (channel, row, col) of the padded input goes into each row of the column matrix, for each output pixel.
    N, C, H, W = x_shape
    out_height = (H + 2 * padding - field_height) // stride + 1
    out_width = (W + 2 * padding - field_width) // stride + 1

    i0 = np.repeat(np.arange(field_height), field_width)
    i0 = np.tile(i0, C)
    i1 = stride * np.repeat(np.arange(out_height), out_width)
    j0 = np.tile(np.arange(field_width), field_height * C)
    j1 = stride * np.tile(np.arange(out_width), out_height)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    k = np.repeat(np.arange(C), field_height * field_width).reshape(-1, 1)
    return k, i, j


def im2col_indices(x, field_height, field_width, padding=1, stride=1):
    p = padding
    x_padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
    k, i, j = get_im2col_indices(x.shape, field_height, field_width, padding, stride)
    cols = x_padded[:, k, i, j]  # (N, C*fh*fw, Ho*Wo)
    C = x.shape[1]
    cols = cols.transpose(1, 2, 0).reshape(field_height * field_width * C, -1)
    return cols


def col2im_indices(cols, x_shape, field_height, field_width, padding=1, stride=1):
    N, C, H, W = x_shape
    H_padded, W_padded = H + 2 * padding, W + 2 * padding
    x_padded = np.zeros((N, C, H_padded, W_padded), dtype=cols.dtype)
    k, i, j = get_im2col_indices(x_shape, field_height, field_width, padding, stride)
    cols_reshaped = cols.reshape(C * field_height * field_width, -1, N)
    cols_reshaped = cols_reshaped.transpose(2, 0, 1)
    np.add.at(x_padded, (slice(None), k, i, j), cols_reshaped)  # overlapping windows add up
    if padding == 0:
        return x_padded
    return x_padded[:, :, padding:-padding, padding:-padding]


def conv2d_forward(x, w, b, stride=1, padding=0):
    N, C, H, W = x.shape
    num_filters, _, filter_height, filter_width = w.shape
    out_height = (H + 2 * padding - filter_height) // stride + 1
    out_width = (W + 2 * padding - filter_width) // stride + 1

    x_cols = im2col_indices(x, filter_height, filter_width, padding, stride)
    res = w.reshape((num_filters, -1)).dot(x_cols) + b.reshape(-1, 1)
    out = res.reshape(num_filters, out_height, out_width, N)
    out = out.transpose(3, 0, 1, 2)
    cache = (x, w, b, stride, padding, x_cols)
    return out, cache


def conv2d_backward(dout, cache):
    x, w, b, stride, padding, x_cols = cache
    num_filters, _, filter_height, filter_width = w.shape

    db = np.sum(dout, axis=(0, 2, 3))
    dout_reshaped = dout.transpose(1, 2, 3, 0).reshape(num_filters, -1)
    dw = dout_reshaped.dot(x_cols.T).reshape(w.shape)

    dx_cols = w.reshape(num_filters, -1).T.dot(dout_reshaped)
    dx = col2im_indices(dx_cols, x.shape, filter_height, filter_width, padding, stride)
    return dx, dw, db


def max_pool2d_forward(x, kernel_size, stride=None):
    if stride is None:
        stride = kernel_size
    N, C, H, W = x.shape
    k = kernel_size
    out_height = (H - k) // stride + 1
    out_width = (W - k) // stride + 1

    # Every channel of every image as an image of its own: each column is one k x k window.
    x_split = x.reshape(N * C, 1, H, W)
    x_cols = im2col_indices(x_split, k, k, padding=0, stride=stride)
    x_cols_argmax = np.argmax(x_cols, axis=0)  # first maximum, in row-major order inside the window
    x_cols_max = x_cols[x_cols_argmax, np.arange(x_cols.shape[1])]
    out = x_cols_max.reshape(out_height, out_width, N, C).transpose(2, 3, 0, 1)
    cache = (x.shape, x_cols.shape, x_cols_argmax, k, stride)
    return out, cache


def max_pool2d_backward(dout, cache):
    x_shape, cols_shape, x_cols_argmax, k, stride = cache
    N, C, H, W = x_shape
    dout_reshaped = dout.transpose(2, 3, 0, 1).flatten()
    dx_cols = np.zeros(cols_shape)
    dx_cols[x_cols_argmax, np.arange(dx_cols.shape[1])] = dout_reshaped
    dx = col2im_indices(dx_cols, (N * C, 1, H, W), k, k, padding=0, stride=stride)
    return dx.reshape(x_shape)


def avg_pool2d_forward(x, kernel_size, stride=None):
    if stride is None:
        stride = kernel_size
    N, C, H, W = x.shape
    k = kernel_size
    out_height = (H - k) // stride + 1
    out_width = (W - k) // stride + 1
    x_cols = im2col_indices(x.reshape(N * C, 1, H, W), k, k, padding=0, stride=stride)
    out = x_cols.mean(axis=0).reshape(out_height, out_width, N, C).transpose(2, 3, 0, 1)
    return out, (x.shape, k, stride)


def avg_pool2d_backward(dout, cache):
    x_shape, k, stride = cache
    N, C, H, W = x_shape
    dout_reshaped = dout.transpose(2, 3, 0, 1).flatten()
    dx_cols = np.repeat(dout_reshaped[None, :] / (k * k), k * k, axis=0)
    dx = col2im_indices(dx_cols, (N * C, 1, H, W), k, k, padding=0, stride=stride)
    return dx.reshape(x_shape)


def flatten_forward(x):
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:]))), x.shape


def flatten_backward(dout, cache):
    return dout.reshape(cache)

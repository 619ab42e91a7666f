"""The students' numeric-gradient helper: right against known gradients, and x left as it was."""
import numpy as np
import pytest

from dlgrade.gradcheck import numeric_gradient, relative_error
from dlgrade.solutions.mlp import affine_backward, affine_forward, mlp_backward, mlp_forward


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_known_gradients(rng):
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(numeric_gradient(lambda v: np.sum(v**3), x), 3 * x**2, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(numeric_gradient(lambda v: np.sum(np.sin(v)), x), np.cos(x), rtol=1e-8, atol=1e-9)
    a = rng.standard_normal((5, 3))
    d = rng.standard_normal((5, 4))
    # linear in x: central differences are exact up to rounding
    np.testing.assert_allclose(numeric_gradient(lambda w: np.sum((a @ w) * d), x), a.T @ d, rtol=1e-8, atol=1e-9)


def test_shape_dtype_and_scalars(rng):
    for x in (rng.standard_normal(()), rng.standard_normal(5), rng.standard_normal((2, 3, 2))):
        g = numeric_gradient(lambda v: float(np.sum(v * v)), x)
        assert type(g) is np.ndarray and g.shape == np.shape(x) and g.dtype == np.float64
        np.testing.assert_allclose(g, 2 * np.asarray(x), rtol=1e-8, atol=1e-9)
    # f may return a 0-d array or a one-element array
    assert numeric_gradient(lambda v: np.asarray(v.sum()), np.ones(2)).tolist() == pytest.approx([1.0, 1.0])
    assert numeric_gradient(lambda v: v.sum(keepdims=True), np.ones(2)).tolist() == pytest.approx([1.0, 1.0])


def test_x_is_left_unmodified(rng):
    x = rng.standard_normal((4, 3))
    before = x.copy()
    numeric_gradient(lambda v: np.sum(np.exp(v)), x)
    assert np.array_equal(x, before)
    view = x.T  # not C-contiguous
    g = numeric_gradient(lambda v: np.sum(v[0] * 2.0), view)
    assert np.array_equal(x, before) and g.shape == view.shape
    np.testing.assert_allclose(g, np.vstack([np.full(4, 2.0), np.zeros((2, 4))]), atol=1e-9)


def test_x_is_restored_when_f_raises(rng):
    x = rng.standard_normal(3)
    before = x.copy()
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return v.sum()

    with pytest.raises(RuntimeError):
        numeric_gradient(f, x)
    assert np.array_equal(x, before)


def test_closure_style_reads_the_perturbed_array(rng):
    """CS231n style: f ignores its argument and reads x (a parameter) through a closure."""
    params = {"W": rng.standard_normal((3, 2))}
    x_in = rng.standard_normal((4, 3))
    g = numeric_gradient(lambda _: np.sum(x_in @ params["W"]), params["W"])
    np.testing.assert_allclose(g, x_in.sum(axis=0)[:, None] * np.ones((1, 2)), rtol=1e-8, atol=1e-9)


def test_other_inputs_are_copied(rng):
    ints = np.arange(4)
    g = numeric_gradient(lambda v: np.sum(v * v), ints)
    np.testing.assert_allclose(g, 2 * ints, atol=1e-6)
    assert ints.dtype.kind == "i" and ints.tolist() == [0, 1, 2, 3]
    frozen = rng.standard_normal(3)
    frozen.flags.writeable = False
    np.testing.assert_allclose(numeric_gradient(np.sum, frozen), np.ones(3), atol=1e-9)
    np.testing.assert_allclose(numeric_gradient(lambda v: v[0] * v[1], [2.0, 3.0]), [3.0, 2.0], atol=1e-8)


def test_rejects_non_scalar_functions_and_bad_steps():
    with pytest.raises(ValueError, match="scalar"):
        numeric_gradient(lambda v: v * 2, np.ones(3))
    with pytest.raises(ValueError, match="positive"):
        numeric_gradient(np.sum, np.ones(3), h=0.0)


def test_relative_error():
    a = np.array([1.0, -2.0, 0.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, a * (1 + 1e-9)) == pytest.approx(0.5e-9, rel=1e-3)
    assert relative_error([1.0], [3.0]) == pytest.approx(0.5)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match="shapes"):
        relative_error(np.ones(2), np.ones(3))


def test_checks_the_reference_backward_passes(rng):
    """The workflow the exercise docstrings describe."""
    x, w, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    dout = rng.standard_normal((5, 3))
    dx, dw, db = affine_backward(dout, affine_forward(x, w, b)[1])
    assert relative_error(dw, numeric_gradient(lambda v: np.sum(affine_forward(x, v, b)[0] * dout), w)) < 1e-7
    assert relative_error(dx, numeric_gradient(lambda v: np.sum(affine_forward(v, w, b)[0] * dout), x)) < 1e-7
    assert relative_error(db, numeric_gradient(lambda v: np.sum(affine_forward(x, w, v)[0] * dout), b)) < 1e-7

    params = {"W1": rng.standard_normal((4, 6)), "b1": rng.standard_normal(6),
              "W2": rng.standard_normal((6, 3)), "b2": rng.standard_normal(3)}
    scores, cache = mlp_forward(x, params, "tanh")
    grads = mlp_backward(dout, cache)
    for key in params:
        numeric = numeric_gradient(lambda p: np.sum(mlp_forward(x, {**params, key: p}, "tanh")[0] * dout), params[key])
        assert relative_error(grads[key], numeric) < 1e-6, key

"""Adversarial losses of a generative adversarial network (GAN).

You build the losses that train a GAN, each returning its value and its
gradient with respect to the logits: binary cross-entropy computed from
logits, the discriminator's loss, the generator's non-saturating loss, and
the original minimax generator loss. The discriminator D outputs a logit
x per sample; D's probability that the sample is real is sigmoid(x).
Real samples carry the label 1, generated (fake) samples the label 0.

Grading: losses and gradients are compared with PyTorch's
F.binary_cross_entropy_with_logits (reduction 'mean') with autograd, in
float64, within a relative and absolute tolerance of 1e-7, including logits
of magnitude up to 1e4, where a naive formula returns inf or nan.

Two checks look further than one call. One shows why GANs train G with the
non-saturating loss: where D rejects the fakes confidently (early in
training), generator_loss still has a gradient near -1/n per sample while
the minimax loss has almost none. The other trains a tiny GAN with your
losses (the grader's own generator G(z) = a z + b and discriminator, and its
Adam loop): the generator must learn the target N(4, 1.25^2), its mean and
spread within 0.4, which only works when the labels, signs and gradients of
discriminator_loss and generator_loss are right.

Run the checks with ``pytest exercises -k gan`` or ``dlgrade check gan``.

Rules for every function in this module:

* Import only numpy and the standard library.
* A loss is a Python float or a 0-d array; gradients are real
  ``numpy.ndarray`` objects of a floating dtype (float64) with exactly the
  shape of the logits they belong to.
* Do not modify any input array; the grader passes copies and checks.

Every floating output is a real ``numpy.ndarray`` of dtype float64, the inputs' dtype (numpy keeps
it unless you convert; a float32 result is rejected, since the checks compare at float64 precision);
a scalar loss is a Python float. The full rules: CONTRACT.md.
"""
import numpy as np


def bce_with_logits(logits, targets):
    """Mean binary cross-entropy computed from logits, numerically stable.

    With p = sigmoid(x), each element contributes
    l = -[t * log(p) + (1 - t) * log(1 - p)], and loss = mean of l over all
    elements (F.binary_cross_entropy_with_logits, reduction='mean').

    Parameters
    ----------
    logits : ndarray, any shape, float64
        Raw scores x; may be as large as +-1e4.
    targets : ndarray, same shape as logits, float64
        Labels t in [0, 1].

    Returns
    -------
    loss : float
    dlogits : ndarray, same shape as logits, float64
        Gradient of loss with respect to logits.

    Hint: never form log(sigmoid(x)) directly. Use log(sigmoid(x)) =
    -softplus(-x) and log(1 - sigmoid(x)) = -softplus(x), where
    softplus(x) = log(1 + e^x) is computed stably by np.logaddexp(0, x).
    Differentiate l with respect to x on paper: the result is remarkably
    short. A stable sigmoid for the gradient avoids overflow warnings.

    Pitfalls: np.log(1 / (1 + np.exp(-x))) gives -inf (and a nan loss) for
    x = -1e4; forgetting to divide the gradient by the number of elements.

    Examples
    --------
    >>> logits = np.array([0.0, 2.0, -1e4])     # -1e4: no inf, no nan
    >>> targets = np.array([1.0, 0.0, 0.0])
    >>> loss, dlogits = bce_with_logits(logits, targets)
    >>> round(float(loss), 4)
    0.94
    >>> np.round(dlogits, 4)
    array([-0.1667,  0.2936,  0.    ])
    """
    raise NotImplementedError


def discriminator_loss(logits_real, logits_fake):
    """The discriminator's loss: classify real as 1 and fake as 0.

    loss = bce_with_logits(logits_real, 1) + bce_with_logits(logits_fake, 0)

    Parameters
    ----------
    logits_real : ndarray, any shape (typically (N_real,)), float64
        D's logits on a batch of real samples.
    logits_fake : ndarray, any shape (typically (N_fake,)), float64
        D's logits on a batch of generated samples.

    Returns
    -------
    loss : float
    dlogits_real : ndarray, shape of logits_real, float64
    dlogits_fake : ndarray, shape of logits_fake, float64

    Each term is a mean over its own batch, so the two batches may differ in
    size. Targets are arrays of ones and zeros shaped like the logits.

    Hint: two calls to your bce_with_logits.

    Pitfall: averaging over the concatenated batch (half of each term when
    the sizes are equal) instead of summing the two means.

    Examples
    --------
    >>> logits_real, logits_fake = np.zeros(2), np.zeros(1)   # p = 0.5 each
    >>> loss, d_real, d_fake = discriminator_loss(logits_real, logits_fake)
    >>> round(float(loss), 4)             # log 2 + log 2: a sum of two means
    1.3863
    >>> d_real, d_fake
    (array([-0.25, -0.25]), array([0.5]))
    """
    raise NotImplementedError


def generator_loss(logits_fake):
    """The generator's non-saturating loss: make D call the fakes real.

    loss = bce_with_logits(logits_fake, 1) = mean(-log sigmoid(x))

    Parameters
    ----------
    logits_fake : ndarray, any shape, float64
        D's logits on generated samples.

    Returns
    -------
    loss : float
    dlogits_fake : ndarray, same shape as logits_fake, float64

    This is the objective used in practice (Goodfellow et al., 2014): when D
    confidently rejects the fakes (x very negative) its gradient is close to
    -1/N per element, so G keeps learning. The gradient reaches G's
    parameters through the logits; this function stops at the logits.

    Pitfall: using targets 0 (that is the discriminator's term for fakes).

    Examples
    --------
    >>> logits_fake = np.array([-1e4, 0.0])    # D rejects the first fake
    >>> loss, dlogits_fake = generator_loss(logits_fake)
    >>> round(float(loss), 4)
    5000.3466
    >>> np.round(dlogits_fake, 4)              # about -1/N for that one
    array([-0.5 , -0.25])
    """
    raise NotImplementedError


def generator_loss_minimax(logits_fake):
    """The original minimax objective for the generator, to be minimized.

    loss = mean(log(1 - D(G(z)))) with D(G(z)) = sigmoid(logits_fake)

    Parameters
    ----------
    logits_fake : ndarray, any shape, float64
        D's logits on generated samples.

    Returns
    -------
    loss : float
        At most 0; it decreases as D is fooled.
    dlogits_fake : ndarray, same shape as logits_fake, float64

    This is G's side of min_G max_D of the GAN value function. It saturates:
    when D rejects the fakes confidently (x very negative) the gradient
    vanishes, which is why generator_loss is preferred. Note the sign: this
    loss equals minus the BCE of the fakes with target 0.

    Hint: log(1 - sigmoid(x)) = -softplus(x), stable via np.logaddexp.

    Pitfalls: np.log(1 - sigmoid(x)) returns -inf once sigmoid(x) rounds to
    1 (x above about 37); a wrong sign (returning the BCE itself).

    Examples
    --------
    >>> logits_fake = np.array([-1e4, 0.0, 1e4])
    >>> loss, dlogits_fake = generator_loss_minimax(logits_fake)
    >>> round(float(loss), 4)                  # finite, even at 1e4
    -3333.5644
    >>> np.round(dlogits_fake[1:], 4)
    array([-0.1667, -0.3333])
    >>> abs(float(dlogits_fake[0]))            # rejected: no gradient
    0.0
    """
    raise NotImplementedError

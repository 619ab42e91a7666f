"""Reference solutions: numerically stable adversarial (GAN) losses from logits."""
import numpy as np


def _sigmoid(x):
    """Logistic function, accurate and overflow-free for any x."""
    return np.exp(-np.logaddexp(0.0, -x))


def bce_with_logits(logits, targets):
    """Mean binary cross-entropy from logits, softplus(x) - x t -> (loss, dlogits)."""
    loss = np.mean(np.logaddexp(0.0, logits) - logits * targets)
    dlogits = (_sigmoid(logits) - targets) / logits.size
    return float(loss), dlogits


def discriminator_loss(logits_real, logits_fake):
    """bce(real, 1) + bce(fake, 0) -> (loss, dlogits_real, dlogits_fake)."""
    loss_real, d_real = bce_with_logits(logits_real, np.ones_like(logits_real))
    loss_fake, d_fake = bce_with_logits(logits_fake, np.zeros_like(logits_fake))
    return loss_real + loss_fake, d_real, d_fake


def generator_loss(logits_fake):
    """Non-saturating generator loss bce(fake, 1) -> (loss, dlogits_fake)."""
    return bce_with_logits(logits_fake, np.ones_like(logits_fake))


def generator_loss_minimax(logits_fake):
    """Minimax loss mean(log(1 - sigmoid(x))) = -mean(softplus(x)) -> (loss, dlogits_fake)."""
    loss = -np.mean(np.logaddexp(0.0, logits_fake))
    return float(loss), -_sigmoid(logits_fake) / logits_fake.size

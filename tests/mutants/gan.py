"""Mutants for gan: one buggy copy of the reference per mistake the grader names, written as students write them."""
from tests.support import Mutant

MUTANTS = [
    Mutant("bce_from_probabilities", """
        def bce_with_logits(logits, targets):
            p = 1 / (1 + np.exp(-logits))
            loss = -np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p))
            return float(loss), (p - targets) / logits.size
        """, "gan::bce_with_logits::stable_at_extremes", "bce_not_stable"),
    Mutant("bce_summed", """
        def bce_with_logits(logits, targets):
            loss = np.sum(np.logaddexp(0.0, logits) - logits * targets)
            return float(loss), (_sigmoid(logits) - targets) / logits.size
        """, "gan::bce_with_logits::matches_torch", "bce_summed"),
    Mutant("bce_gradient_per_element", """
        def bce_with_logits(logits, targets):
            loss = np.mean(np.logaddexp(0.0, logits) - logits * targets)
            return float(loss), _sigmoid(logits) - targets
        """, "gan::bce_with_logits::matches_torch", "bce_gradient_not_averaged"),
    Mutant("bce_gradient_backwards", """
        def bce_with_logits(logits, targets):
            loss = np.mean(np.logaddexp(0.0, logits) - logits * targets)
            return float(loss), (targets - _sigmoid(logits)) / logits.size
        """, "gan::bce_with_logits::matches_torch", "bce_gradient_sign_flipped"),
    Mutant("discriminator_real_is_zero", """
        def discriminator_loss(logits_real, logits_fake):
            loss_real, d_real = bce_with_logits(logits_real, np.zeros_like(logits_real))
            loss_fake, d_fake = bce_with_logits(logits_fake, np.ones_like(logits_fake))
            return loss_real + loss_fake, d_real, d_fake
        """, "gan::discriminator_loss::matches_torch", "discriminator_labels_swapped"),
    Mutant("discriminator_mean_of_terms", """
        def discriminator_loss(logits_real, logits_fake):
            loss_real, d_real = bce_with_logits(logits_real, np.ones_like(logits_real))
            loss_fake, d_fake = bce_with_logits(logits_fake, np.zeros_like(logits_fake))
            return (loss_real + loss_fake) / 2, d_real / 2, d_fake / 2
        """, "gan::discriminator_loss::matches_torch", "discriminator_loss_averaged"),
    Mutant("discriminator_fakes_as_real", """
        def discriminator_loss(logits_real, logits_fake):
            loss_real, d_real = bce_with_logits(logits_real, np.ones_like(logits_real))
            loss_fake, d_fake = bce_with_logits(logits_fake, np.ones_like(logits_fake))
            return loss_real + loss_fake, d_real, d_fake
        """, "gan::discriminator_loss::matches_torch", "discriminator_fakes_labelled_real"),
    Mutant("generator_loss_written_as_minimax", """
        def generator_loss(logits_fake):
            loss = np.mean(-np.logaddexp(0.0, logits_fake))     # log(1 - D(G(z)))
            return float(loss), -_sigmoid(logits_fake) / logits_fake.size
        """, "gan::generator_loss::matches_torch", "generator_objectives_confused"),
    Mutant("generator_targets_zero", """
        def generator_loss(logits_fake):
            return bce_with_logits(logits_fake, np.zeros_like(logits_fake))
        """, "gan::generator_loss::matches_torch", "generator_labels_wrong"),
    Mutant("minimax_written_as_non_saturating", """
        def generator_loss_minimax(logits_fake):
            return bce_with_logits(logits_fake, np.ones_like(logits_fake))
        """, "gan::generator_loss_minimax::matches_torch", "generator_objectives_confused"),
    Mutant("minimax_maximized", """
        def generator_loss_minimax(logits_fake):
            loss = np.mean(np.logaddexp(0.0, logits_fake))
            return float(loss), _sigmoid(logits_fake) / logits_fake.size
        """, "gan::generator_loss_minimax::matches_torch", "minimax_sign_flipped"),
    Mutant("minimax_log_one_minus_sigmoid", """
        def generator_loss_minimax(logits_fake):
            d = 1 / (1 + np.exp(-logits_fake))
            return float(np.mean(np.log(1 - d))), -d / logits_fake.size
        """, "gan::generator_loss_minimax::stable_at_extremes", "minimax_not_stable"),
]

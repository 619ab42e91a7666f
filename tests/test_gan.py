"""The gan topic beyond what every topic's tests show: the property that shows why the non-saturating loss
exists, and the outcome check that trains a GAN with the student's losses, both ways."""
import dataclasses

import pytest

from dlgrade.core import Outcome
from dlgrade.execution.inprocess import InProcessExecutor
from dlgrade.registry import load_topic
from tests.mutants.gan import MUTANTS
from tests.support import SOLUTIONS, grade, grader, write_module

TRAINS = "gan::generator_loss::trains_a_gan"
PROPERTY = "gan::generator_loss::learns_where_the_minimax_loss_saturates"


def source(name):
    return next(m.source for m in MUTANTS if m.name == name)


def test_the_reference_trains_a_gan_from_many_seeds():
    """The outcome check on 12 seeds (the check itself uses 3), stacked in one call as the check stacks them."""
    check = next(c for c in load_topic("gan").checks if c.name == "trains_a_gan")
    many = dataclasses.replace(check, cases=({"seeds": tuple(range(3, 15))},))
    with InProcessExecutor(SOLUTIONS) as executor:
        verdict = grader().run(many, executor)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("mutant", ["discriminator_real_is_zero", "generator_targets_zero", "bce_gradient_backwards"])
def test_wrong_losses_do_not_train_the_gan(mutant, tmp_path):
    folder = write_module(tmp_path, "gan", source(mutant))
    verdict = grade(folder, "gan", only=TRAINS)[TRAINS]
    assert verdict.outcome is Outcome.FAILED, verdict.message
    assert "the generator makes samples of mean" in verdict.message and "the target is 4 and 1.25" in verdict.message


def test_a_loss_that_returns_no_gradient_cannot_train(tmp_path):
    folder = write_module(tmp_path, "gan", """
        def generator_loss(logits_fake):
            return bce_with_logits(logits_fake, np.ones_like(logits_fake))[0]
        """)
    verdict = grade(folder, "gan", only=TRAINS)[TRAINS]
    assert verdict.outcome is Outcome.FAILED and "could not be trained" in verdict.message


def test_the_non_saturating_property(tmp_path):
    assert grade(SOLUTIONS, "gan", only=PROPERTY)[PROPERTY].passed
    minimax_as_generator = write_module(tmp_path / "a", "gan", source("generator_loss_written_as_minimax"))
    verdict = grade(minimax_as_generator, "gan", only=PROPERTY)[PROPERTY]
    assert verdict.outcome is Outcome.FAILED and "must keep a gradient near -1/n" in verdict.message
    non_saturating_minimax = write_module(tmp_path / "b", "gan", source("minimax_written_as_non_saturating"))
    verdict = grade(non_saturating_minimax, "gan", only=PROPERTY)[PROPERTY]
    assert verdict.outcome is Outcome.FAILED and "the minimax loss saturates there" in verdict.message

"""Checks for the gan topic: binary cross-entropy from logits, the discriminator's and the generator's losses
(non-saturating and minimax), why the non-saturating one exists, and a GAN the grader trains with them."""
import numpy as np
import torch.nn.functional as F
from hypothesis import strategies as st

from ..core import Mistake, Topic, call
from ..core.perf import CannotTrain, returned_arrays, training_runs
from ..core.strategies import any_shape, array, inputs

TOPIC = Topic("gan", "Adversarial losses of a GAN", difficulty="medium")


# -- the oracle ------------------------------------------------------------------------------------------------------
def bce(logits, targets):
    return F.binary_cross_entropy_with_logits(logits, targets)


def discriminator_oracle(logits_real, logits_fake):
    return bce(logits_real, logits_real.new_ones(logits_real.shape)) + \
        bce(logits_fake, logits_fake.new_zeros(logits_fake.shape))


def generator_oracle(logits_fake):
    return bce(logits_fake, logits_fake.new_ones(logits_fake.shape))


def minimax_oracle(logits_fake):
    """mean(log(1 - D(G(z)))) = -mean(softplus(x)), to be minimized by G."""
    return -F.softplus(logits_fake).mean()


# -- numpy versions of what students write (buggy variants) ----------------------------------------------------------
def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def np_bce(x, t, summed=False, mean_grad=True, grad_sign=1.0):
    loss = np.logaddexp(0.0, x) - x * t
    grad = grad_sign * (sigmoid(x) - t) / (x.size if mean_grad else 1)
    return float(loss.sum() if summed else loss.mean()), grad


def _d(real_label=1.0, fake_label=0.0, halve=False):
    def variant(logits_real, logits_fake):
        lr, gr = np_bce(logits_real, np.full_like(logits_real, real_label))
        lf, gf = np_bce(logits_fake, np.full_like(logits_fake, fake_label))
        k = 0.5 if halve else 1.0
        return k * (lr + lf), k * gr, k * gf
    return variant


def np_minimax(x, sign=1.0):
    return sign * -float(np.mean(np.logaddexp(0.0, x))), sign * -sigmoid(x) / x.size


# -- inputs ----------------------------------------------------------------------------------------------------------
logits_and_targets = any_shape(max_dims=3).flatmap(
    lambda shape: inputs(logits=array(shape, -8, 8), targets=array(shape, 0, 1)))
two_logits = st.tuples(any_shape(max_dims=2), any_shape(max_dims=2)).flatmap(
    lambda shapes: inputs(logits_real=array(shapes[0], -8, 8), logits_fake=array(shapes[1], -8, 8)))
fake_logits = inputs(logits_fake=any_shape(max_dims=3).flatmap(lambda shape: array(shape, -8, 8)))

EXTREMES = np.array([-1e4, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e4])
extreme_bce = {"logits": EXTREMES, "targets": np.array([1.0, 0.0, 1.0, 0.5, 1.0, 0.0, 0.0, 1.0, 0.0])}

# -- mistakes ------------------------------------------------------------------------------------------------------
UNSTABLE = ("log(sigmoid(x)) is -inf for x = -1e4 (and log(1 - sigmoid(x)) for x = 1e4): use "
            "log(sigmoid(x)) = -softplus(-x), log(1 - sigmoid(x)) = -softplus(x), softplus by np.logaddexp(0, x)")
unstable = Mistake("bce_not_stable", UNSTABLE, when=lambda obs: obs.first_not_finite or bool(
    obs.call and any("overflow" in w or "divide by zero" in w or "invalid value" in w for w in obs.call.warnings)))
bce_mistakes = [
    unstable,
    Mistake("bce_summed", "the loss is the mean over all elements, not their sum (reduction='mean')",
            variant=lambda logits, targets: np_bce(logits, targets, summed=True)),
    Mistake("bce_gradient_not_averaged", "the loss is a mean over logits.size elements, so dlogits carries 1/size",
            variant=lambda logits, targets: np_bce(logits, targets, mean_grad=False)),
    Mistake("bce_gradient_sign_flipped", "dlogits = (sigmoid(x) - t) / size: the loss grows with x when t = 0",
            variant=lambda logits, targets: np_bce(logits, targets, grad_sign=-1.0)),
]
discriminator_mistakes = [
    Mistake("discriminator_labels_swapped", "real samples carry the label 1 and fakes 0: bce(real, 1) + bce(fake, 0)",
            variant=_d(real_label=0.0, fake_label=1.0)),
    Mistake("discriminator_loss_averaged", "the discriminator's loss is the sum of the two terms, bce(real, 1) + "
            "bce(fake, 0), not their mean", variant=_d(halve=True)),
    Mistake("discriminator_fakes_labelled_real", "the discriminator learns to call fakes fake: bce(fake, 0), not "
            "bce(fake, 1) (that is the generator's target)", variant=_d(fake_label=1.0)),
]
CONFUSED = ("the two generator objectives are confused: generator_loss is the non-saturating bce(fake, 1) = "
            "mean(softplus(-x)); generator_loss_minimax is mean(log(1 - sigmoid(x))) = -mean(softplus(x))")
generator_mistakes = [
    Mistake("generator_objectives_confused", CONFUSED, variant=lambda logits_fake: np_minimax(logits_fake)),
    Mistake("generator_labels_wrong", "the generator wants its fakes called real: bce(fake, 1), not bce(fake, 0) "
            "(the discriminator's term)", variant=lambda logits_fake: np_bce(logits_fake, np.zeros_like(logits_fake))),
]
minimax_mistakes = [
    Mistake("generator_objectives_confused", CONFUSED,
            variant=lambda logits_fake: np_bce(logits_fake, np.ones_like(logits_fake))),
    Mistake("minimax_sign_flipped", "G minimizes mean(log(1 - D(G(z)))) = -mean(softplus(x)): it is negative, "
            "and its gradient -sigmoid(x) / size", variant=lambda logits_fake: np_minimax(logits_fake, sign=-1.0)),
    Mistake("minimax_not_stable", "log(1 - sigmoid(x)) is -inf for x = 1e4: write it as -softplus(x), with "
            "np.logaddexp(0, x)", when=unstable.when),
]

# -- checks --------------------------------------------------------------------------------------------------------
TOPIC.about("bce_with_logits", "mean binary cross-entropy from logits, and its gradient", "easy")
TOPIC.compare("bce_with_logits", inputs=logits_and_targets, oracle=bce, returns=("loss",), gradients=("logits",),
              mistakes=bce_mistakes)
TOPIC.compare("bce_with_logits", name="stable_at_extremes", cases=[extreme_bce], oracle=bce, returns=("loss",),
              gradients=("logits",), quiet=True, mistakes=bce_mistakes)
TOPIC.about("discriminator_loss", "bce(real, 1) + bce(fake, 0), with both gradients", "easy")
TOPIC.compare("discriminator_loss", inputs=two_logits, oracle=discriminator_oracle, returns=("loss",),
              gradients=("logits_real", "logits_fake"), mistakes=discriminator_mistakes)
TOPIC.compare("discriminator_loss", name="stable_at_extremes", cases=[{"logits_real": EXTREMES, "logits_fake": EXTREMES[::-1].copy()}],
              oracle=discriminator_oracle, returns=("loss",), gradients=("logits_real", "logits_fake"), quiet=True,
              mistakes=[unstable])
TOPIC.about("generator_loss", "the non-saturating generator loss bce(fake, 1)", "easy")
TOPIC.compare("generator_loss", inputs=fake_logits, oracle=generator_oracle, returns=("loss",),
              gradients=("logits_fake",), mistakes=generator_mistakes)
TOPIC.compare("generator_loss", name="stable_at_extremes", cases=[{"logits_fake": EXTREMES}], oracle=generator_oracle,
              returns=("loss",), gradients=("logits_fake",), quiet=True, mistakes=[unstable])
TOPIC.about("generator_loss_minimax", "the original minimax objective for G, mean(log(1 - D(G(z))))", "medium")
TOPIC.compare("generator_loss_minimax", inputs=fake_logits, oracle=minimax_oracle, returns=("loss",),
              gradients=("logits_fake",), mistakes=minimax_mistakes)
TOPIC.compare("generator_loss_minimax", name="stable_at_extremes", cases=[{"logits_fake": EXTREMES}],
              oracle=minimax_oracle, returns=("loss",), gradients=("logits_fake",), quiet=True,
              mistakes=minimax_mistakes[2:])

# Fakes the discriminator rejects confidently (D(G(z)) = sigmoid(x) below 0.05%), as early in training.
REJECTED = {"logits_fake": np.linspace(-15.0, -8.0, 16)}


@TOPIC.check("generator_loss", "learns_where_the_minimax_loss_saturates", cases=[REJECTED])
def non_saturating(ctx, case):
    """Where D rejects the fakes confidently, the non-saturating loss still gives G a gradient near -1/n per
    sample, while the minimax loss gives almost none (that is why GANs are trained with the former)."""
    x = case["logits_fake"]
    mine, minimax = yield [call("generator_loss", logits_fake=x), call("generator_loss_minimax", logits_fake=x)]
    got = [np.abs(np.asarray(r.value[1], dtype=float)) * x.size if type(r.value) in (tuple, list) and len(r.value) == 2
           and np.shape(r.value[1]) == x.shape else None for r in (mine, minimax)]
    if got[0] is None:
        ctx.fail("generator_loss() must return (loss, dlogits_fake) with dlogits_fake shaped like logits_fake")
    if got[0].min() < 0.99:
        ctx.refute(f"at fakes the discriminator rejects (logits {x.min():g} to {x.max():g}), generator_loss's "
                   f"gradient is only {got[0].min():.3g}/n for some: the non-saturating loss -log(D(G(z))) must keep "
                   "a gradient near -1/n there (it is -(1 - sigmoid(x)) / n)", mine, mistakes=[])
    if got[1] is not None and got[1].max() > 1e-3:
        ctx.fail(f"generator_loss_minimax's gradient at the same fakes is {got[1].max():.3g}/n: the minimax loss "
                 "saturates there (its gradient is -sigmoid(x) / n, below 3.4e-4/n): check it against its own checks")


# -- an outcome: a GAN trained by the grader with the student's losses learns a distribution ------------------------
# The grader's own tiny GAN: a generator G(z) = a z + b (z ~ N(0, 1)) and a discriminator with the features
# [u, u^2, 1] of u = (x - 4) / 2, trained by Adam on the student's discriminator_loss and generator_loss gradients
# against the target N(4, 1.25^2). Seeds are trained side by side, their logits stacked in one call (each loss is
# a mean over all elements, so each seed's gradient is the stacked one times the number of seeds). The
# reference lands within 0.4 of the target's mean and spread from 300 of 300 seeds (python -m tests.outcomes gan 300).
TARGET_MEAN, TARGET_STD = 4.0, 1.25
GAN = {"batch": 64, "iterations": 400, "lr": 0.05, "center": 4.0, "scale": 2.0, "tolerance": 0.4}
GAN_SEEDS = (0, 1, 2)
GAN_TIME_FACTOR = 25.0


def _features(x):
    u = (x - GAN["center"]) / GAN["scale"]
    return np.stack([u, u * u, np.ones_like(u)], axis=-1)


class _Adam:
    def __init__(self, shape):
        self.m, self.v, self.t = np.zeros(shape), np.zeros(shape), 0

    def step(self, params, grad):
        self.t += 1
        self.m = 0.5 * self.m + 0.5 * grad
        self.v = 0.999 * self.v + 0.001 * grad * grad
        return params - GAN["lr"] * (self.m / (1 - 0.5 ** self.t)) / (np.sqrt(self.v / (1 - 0.999 ** self.t)) + 1e-8)


def _gradients(result, function, shapes):
    grads = returned_arrays(result, shapes, start=1)
    if grads is None:
        raise CannotTrain(f"{function}() did not return (loss, gradients shaped like the logits), all finite")
    return grads


def train_gan(side, seeds):
    """Train one GAN per seed by ``side``'s losses (a generator); each seed's (spread, mean) of G, averaged over
    the last 50 steps."""
    rngs = [np.random.default_rng(seed) for seed in seeds]
    k, n = len(seeds), GAN["batch"]
    w = np.stack([rng.normal(0, 0.1, 3) for rng in rngs])  # the discriminators, one row per seed
    theta = np.tile([1.0, 0.0], (k, 1))  # the generators: (a, b) per seed
    adam_d, adam_g = _Adam(w.shape), _Adam(theta.shape)
    last = []
    for step in range(GAN["iterations"]):
        real = np.stack([rng.normal(TARGET_MEAN, TARGET_STD, n) for rng in rngs])
        z = np.stack([rng.normal(0, 1, n) for rng in rngs])
        fake = theta[:, :1] * z + theta[:, 1:]
        fr, ff = _features(real), _features(fake)
        d = yield from side.call("discriminator_loss", (np.einsum("kni,ki->kn", fr, w), np.einsum("kni,ki->kn", ff, w)),
                                 timed=True)
        d_real, d_fake = (g * k for g in _gradients(d, "discriminator_loss", [real.shape, fake.shape]))
        w = adam_d.step(w, np.einsum("kni,kn->ki", fr, d_real) + np.einsum("kni,kn->ki", ff, d_fake))
        z = np.stack([rng.normal(0, 1, n) for rng in rngs])
        fake = theta[:, :1] * z + theta[:, 1:]
        g = yield from side.call("generator_loss", (np.einsum("kni,ki->kn", _features(fake), w),), timed=True)
        (d_logits,) = _gradients(g, "generator_loss", [fake.shape])
        u = (fake - GAN["center"]) / GAN["scale"]
        d_x = d_logits * k * (w[:, :1] + 2 * w[:, 1:2] * u) / GAN["scale"]
        theta = adam_g.step(theta, np.stack([(d_x * z).sum(axis=1), d_x.sum(axis=1)], axis=1))
        if step >= GAN["iterations"] - 50:
            last.append(theta.copy())
    last = np.array(last)
    return [(float(np.abs(last[:, s, 0]).mean()), float(last[:, s, 1].mean())) for s in range(k)]


@TOPIC.check("generator_loss", "trains_a_gan", cases=[{"seeds": GAN_SEEDS}], points=2.0, timeout=30.0)
def trains_a_gan(ctx, case):
    """Trained by the grader with your discriminator_loss and generator_loss, a tiny GAN learns N(4, 1.25^2):
    the generator's mean and spread within 0.4 of the target's, from every seed, within a time budget."""
    try:
        results, reference_results, spent, reference_seconds = yield from training_runs(ctx, train_gan, case["seeds"],
                                                                                        case["seeds"])
    except CannotTrain as cannot:
        ctx.fail(f"the GAN could not be trained: {cannot}")
    for seed, (spread, mean), (ref_spread, ref_mean) in zip(case["seeds"], results, reference_results):
        if abs(mean - TARGET_MEAN) > GAN["tolerance"] or abs(spread - TARGET_STD) > GAN["tolerance"]:
            ctx.fail(f"trained from seed {seed} with your losses, the generator makes samples of mean {mean:.2f} and "
                     f"spread {spread:.2f}; the target is {TARGET_MEAN:g} and {TARGET_STD:g} (the reference's GAN: "
                     f"{ref_mean:.2f} and {ref_spread:.2f}; within {GAN['tolerance']:g} needed): the losses or their "
                     "gradients push the generator the wrong way")
    if spent > GAN_TIME_FACTOR * reference_seconds:
        ctx.fail(f"training took {spent / reference_seconds:.1f}x the reference's time ({spent:.2f} s "
                 f"against {reference_seconds:.2f} s of CPU time); the limit is {GAN_TIME_FACTOR:g}x")

# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------------
TOPIC.hints("bce_with_logits",
            "The idea: cross-entropy of a Bernoulli whose probability is sigmoid(x). Never form the probability and "
            "take its log: rewrite the loss in terms of x, where it has a form that cannot overflow or hit log(0).",
            "The formula: log sigmoid(x) = -softplus(-x) and log(1 - sigmoid(x)) = -softplus(x), so each element is "
            "l = softplus(x) - t x (same shape as x), loss = mean(l); dl/dx = sigmoid(x) - t, and the mean brings a "
            "factor 1 / x.size into every entry of dlogits.",
            "The shape of the code: softplus by np.logaddexp(0, x) (exact for x = +-1e4, where np.log1p(np.exp(x)) "
            "overflows), minus x times t, then the mean as a Python float; the gradient needs a sigmoid that never "
            "exponentiates a large positive number (exp of minus the softplus of -x, or a branch on the sign of x), "
            "minus the targets, divided by the element count.",
            questions=[("Why compute the loss from logits rather than from probabilities?",
                        "In float64 sigmoid(x) rounds to exactly 0 or 1 once |x| is above about 37, so log(p) becomes "
                        "-inf and the gradient nan; from logits the loss is softplus, linear for large |x| and exact. "
                        "The sigmoid's derivative p(1 - p) also cancels analytically, leaving sigmoid(x) - t."),
                       ("With soft targets t in (0, 1) (label smoothing), where is the minimum and what is its value?",
                        "At sigmoid(x) = t, that is x = log(t / (1 - t)); the loss there is the entropy H(t) of the "
                        "target, not 0, and the gradient sigmoid(x) - t still vanishes there.")])
TOPIC.hints("discriminator_loss",
            "The idea: D is a binary classifier, real samples labelled 1 and fakes labelled 0; its loss is the "
            "cross-entropy on the real batch plus the cross-entropy on the fake batch.",
            "The formula: loss = mean_i softplus(-x_real_i) + mean_j softplus(x_fake_j); dlogits_real = "
            "(sigmoid(x_real) - 1) / N_real and dlogits_fake = sigmoid(x_fake) / N_fake, each shaped like its logits.",
            "The shape of the code: reuse bce_with_logits twice, with targets built by np.ones_like and "
            "np.zeros_like of each batch's logits; add the two losses, return the two gradients unchanged. Do not "
            "concatenate the batches (that halves each term and couples the normalizations).",
            questions=[("For a fixed generator, what is the optimal discriminator, and what is D's loss at the "
                        "game's equilibrium?",
                        "D*(x) = p_data(x) / (p_data(x) + p_g(x)). At equilibrium p_g = p_data, so D* = 1/2 "
                        "everywhere and this loss equals 2 log 2, about 1.386."),
                       ("What is one-sided label smoothing, and why only one-sided?",
                        "Real targets become e.g. 0.9 instead of 1, which keeps D's logits from growing without bound "
                        "and its gradients to G informative. Smoothing the fake targets too would move D's optimum "
                        "so it rewards G's current samples where p_data is 0 (Salimans et al., 2016).")])
TOPIC.hints("generator_loss",
            "The idea: G wants D to call its fakes real, so train G on the cross-entropy of the fake logits with "
            "target 1: maximize log D(G(z)) instead of minimizing log(1 - D(G(z))).",
            "The formula: loss = mean(-log sigmoid(x)) = mean(softplus(-x)), x of shape like logits_fake; "
            "dloss/dx = (sigmoid(x) - 1) / N = -sigmoid(-x) / N, close to -1/N where D rejects the fakes.",
            "The shape of the code: one call of bce_with_logits with targets of ones shaped like the logits; "
            "its stability carries over. Targets of zeros would be the discriminator's term, pushing G the wrong way.",
            questions=[("Why use this non-saturating loss instead of the minimax one?",
                        "Both have the same fixed point, but where D confidently rejects the fakes (early in training) "
                        "the minimax gradient -sigmoid(x) is about e^x, nearly zero, while this one is "
                        "-(1 - sigmoid(x)), about -1, so G keeps learning."),
                       ("What is mode collapse, and how does this loss relate to it?",
                        "G maps many z to a few outputs that fool the current D, then hops between modes as D adapts. "
                        "With the optimal D this loss's gradient is that of KL(p_g || p_data) - 2 JSD, a mode-seeking "
                        "reverse KL that barely penalizes dropped modes; remedies include minibatch discrimination, "
                        "unrolled GANs and Wasserstein losses with a gradient penalty.")])
TOPIC.hints("generator_loss_minimax",
            "The idea: G's side of min_G max_D V(D, G): G minimizes the fakes' term of the value function, "
            "mean(log(1 - D(G(z)))), which is minus the fakes' BCE with target 0, and at most 0.",
            "The formula: log(1 - sigmoid(x)) = -softplus(x), so loss = -mean(softplus(x)) over logits_fake; "
            "dloss/dx = -sigmoid(x) / N, same shape as the logits.",
            "The shape of the code: softplus by np.logaddexp(0, x), a mean negated, as a float; the gradient is a "
            "stable sigmoid negated and divided by the element count. Avoid np.log(1 - sigmoid): it is -inf once "
            "sigmoid rounds to 1 (x above about 37). Mind the sign: not the BCE itself.",
            questions=[("Why does this loss saturate, and when does that hurt?",
                        "Its gradient -sigmoid(x) behaves like -e^x for very negative x; early in training D easily "
                        "rejects the fakes, so G gets almost no gradient exactly when it is worst."),
                       ("What does the minimax game minimize with the optimal discriminator, and what is its weakness?",
                        "G then minimizes 2 JSD(p_data || p_g) - log 4, zero excess only when p_g = p_data. When the "
                        "two supports are disjoint (low-dimensional manifolds) the JSD is constant log 2 and gives no "
                        "gradient, which motivated the Wasserstein GAN.")])

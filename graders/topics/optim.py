"""Checks for the optim topic: mini-batches, SGD, momentum, Adam (stepped beside torch.optim) and fit_mlp."""
import math

import numpy as np
import torch
from hypothesis import strategies as st

from ..core import ANY, DEFAULT, GLOBAL_RNG, Mistake, Previous, Rng, Topic, call, chain, chain_of
from ..core.compare import compare_returns, describe
from ..core.declare import defaults_differ
from ..core.perf import Limit, measure
from ..core.strategies import any_shape
from .mlp import check_params, torch_mlp

TOPIC = Topic("optim", "Mini-batches and gradient descent", difficulty="medium")

# -- minibatches -----------------------------------------------------------------------------------------
TOPIC.about("minibatches", "one epoch of (shuffled) index batches", "easy")
repeats = Mistake("repeats_or_skips_samples", "an epoch visits every index exactly once: draw one permutation "
                  "(rng.permutation(n)) and slice it, rather than sampling indices with replacement")
drops_last = Mistake("drops_last_batch", "with drop_last=False the final, shorter batch is yielded too")
empty = Mistake("yields_empty_batch", "no batch is empty: stop slicing at n (range(0, n, batch_size))")
keeps_last = Mistake("ignores_drop_last", "with drop_last=True a final batch shorter than batch_size is not yielded")
ignores_rng = Mistake("shuffle_ignores_rng", "shuffle with the rng argument (rng.permutation), not np.random's "
                      "global state: the same seed must give the same epoch")
fixed_unseeded = Mistake("rng_none_is_a_fixed_seed", "with rng=None shuffle with a fresh, unseeded generator "
                         "(np.random.default_rng()): a fixed seed gives every epoch the same order")


@st.composite
def epochs(draw, min_n=1):
    n = draw(st.integers(min_n, 60))
    return {"n": n, "batch_size": draw(st.integers(1, n + 3)), "rng": Rng(draw(st.integers(0, 2**32 - 1))),
            "shuffle": draw(st.booleans()), "drop_last": draw(st.booleans())}


def epoch_case(n, batch_size, shuffle, drop_last, seed=0):
    return {"n": n, "batch_size": batch_size, "rng": Rng(seed), "shuffle": shuffle, "drop_last": drop_last}


def epoch_limit(case) -> int:
    """How many batches one epoch may yield: all of them, and one more to notice an endless generator."""
    return math.ceil(case["n"] / case["batch_size"]) + 1


@TOPIC.check("minibatches", "one_epoch_is_a_partition", inputs=epochs(), max_examples=24,
             cases=[epoch_case(10, 3, True, False), epoch_case(10, 3, True, True), epoch_case(12, 4, False, False),
                    epoch_case(7, 7, True, False), epoch_case(5, 8, False, True)],
             mistakes=[repeats, drops_last, empty, keeps_last])
def partition(ctx, case):
    """Every index of range(n) once (but the dropped tail), in batches of batch_size; in order when not shuffled."""
    batches, _, _ = yield from epoch(ctx, case)
    n, size, drop_last = case["n"], case["batch_size"], case["drop_last"]
    full, tail = divmod(n, size)
    sizes = [len(b) for b in batches]
    if 0 in sizes:
        ctx.fail(f"batch {sizes.index(0) + 1} is empty (batch sizes {sizes})", empty)
    seen = np.concatenate(batches) if batches else np.zeros(0, dtype=np.int64)
    if seen.size and (seen.min() < 0 or seen.max() >= n):
        ctx.fail(f"yielded index {seen.min() if seen.min() < 0 else seen.max()}, outside range({n})")
    counts = np.bincount(seen, minlength=n)
    if counts.max(initial=0) > 1:
        ctx.fail(f"index {int(np.argmax(counts))} comes {counts.max()} times in one epoch", repeats)
    if drop_last and tail and seen.size == n:
        ctx.fail(f"with drop_last=True, n={n} and batch_size={size} the last {tail} indices are not yielded; "
                 f"got batch sizes {sizes}", keeps_last)
    missing = np.flatnonzero(counts == 0)
    if not drop_last and missing.size:
        only_tail = missing.size == tail and all(s == size for s in sizes)
        ctx.fail(f"{missing.size} of the {n} indices never come (e.g. {missing[0]}); batch sizes {sizes}",
                 drops_last if only_tail else repeats)
    expected = [size] * full + ([tail] if tail and not drop_last else [])
    if drop_last and seen.size < full * size:
        ctx.fail(f"only {seen.size} indices in the epoch, expected {full * size}: batch sizes {sizes}", repeats)
    if sizes != expected:
        ctx.fail(f"batch sizes are {sizes}, expected {expected} (n={n}, batch_size={size}, drop_last={drop_last})")
    if not case["shuffle"] and not np.array_equal(seen, np.arange(full * size if drop_last else n)):
        ctx.fail(f"with shuffle=False the indices come in order 0, 1, 2, ...; got {seen.tolist()[:12]}")


@TOPIC.check("minibatches", "shuffle_follows_rng", inputs=epochs(min_n=20).map(lambda c: {**c, "shuffle": True, "drop_last": False}),
             cases=[epoch_case(30, 8, True, False, seed=5)], max_examples=10,
             mistakes=[ignores_rng, fixed_unseeded, GLOBAL_RNG])
def follows_rng(ctx, case):
    """The same seed gives the same epoch, another seed another order, and the order is not 0, 1, 2, ...;
    np.random's global state is left alone; rng=None gives a fresh order each time."""
    first, order, first_call = yield from epoch(ctx, case)
    again, _, again_call = yield from epoch(ctx, case)
    other, other_order, other_call = yield from epoch(ctx, {**case, "rng": Rng(case["rng"].seed + 1)})
    if len(first) != len(again) or any(not np.array_equal(a, b) for a, b in zip(first, again)):
        ctx.fail(f"two epochs from np.random.default_rng({case['rng'].seed}) differ", ignores_rng)
    if np.array_equal(order, other_order):
        ctx.fail("two different seeds gave the same order", ignores_rng)
    if np.array_equal(order, np.sort(order)):
        ctx.fail("with shuffle=True the indices came in sorted order: shuffle them with rng")
    ctx.leaves_global_rng(first_call, again_call, other_call)
    _, unseeded, _ = yield from epoch(ctx, {**case, "rng": None})
    if sorted(unseeded.tolist()) != list(range(case["n"])):
        ctx.fail("with rng=None (a fresh generator) an epoch is not a permutation of range(n)")
    _, unseeded_again, _ = yield from epoch(ctx, {**case, "rng": None})
    if np.array_equal(unseeded, unseeded_again):  # two fresh permutations of 20 or more agree once in 20! times
        ctx.fail(f"two epochs with rng=None came in the same order ({unseeded.tolist()[:8]} ...)", fixed_unseeded)


MINIBATCH_DEFAULTS = {"shuffle": True, "drop_last": False}


@TOPIC.check("minibatches", "uses_default_arguments", cases=[epoch_case(10, 3, True, False, seed=4)],
             hidden_twin=False)
def minibatch_defaults(ctx, case):
    """minibatches() called without shuffle=True, drop_last=False behaves as with them (the same rng seed)."""
    given, _, _ = yield from epoch(ctx, case)
    again, _, _ = yield from epoch(ctx, case)
    if [b.tolist() for b in again] != [b.tolist() for b in given]:
        return  # it does not follow the rng: shuffle_follows_rng says so
    left_out, _, _ = yield from epoch(ctx, {k: case[k] for k in ("n", "batch_size", "rng")})
    if [b.tolist() for b in left_out] != [b.tolist() for b in given]:
        ctx.fail(defaults_differ("minibatches", MINIBATCH_DEFAULTS, [
            f"batches {[b.tolist() for b in left_out]} instead of {[b.tolist() for b in given]}"]))


def epoch(ctx, case):
    """The batches of one epoch (as int arrays), their concatenation and the call's result (a generator:
    ``yield from``)."""
    n, size = case["n"], case["batch_size"]
    limit = epoch_limit(case)
    made = yield call("minibatches", **case, collect=limit)
    batches = made.value
    if type(batches) is not list:
        ctx.fail("minibatches() should be a generator (use yield), or return an iterator")
    if len(batches) > limit:
        ctx.fail(f"one epoch of n={n}, batch_size={size} yielded more than {limit} batches: does it stop?")
    for i, b in enumerate(batches):
        if type(b) is not np.ndarray or b.ndim != 1 or b.dtype.kind not in "iu":
            ctx.fail(f"batch {i + 1} should be a 1-D integer index array, got {describe(b)}")
    return batches, (np.concatenate(batches) if batches else np.zeros(0, dtype=np.int64)), made


# -- the update rules, stepped beside torch.optim ----------------------------------------------------------
STEPS = 25


def optimizer_check(function, make_optimizer, settings, stateful=True, mistakes=(), max_examples=8):
    """``function`` stepped STEPS times on one gradient sequence, beside ``make_optimizer(param, lr, **hyper)``.

    Each setting is a dict of hyperparameters: ``lr`` (a base learning rate, varied step to step in about
    half of the runs, as a scheduler would) and the rest in the function's argument order. The state is
    threaded as the student's own object (None first, then the state the previous call returned); w is
    the oracle's iterate, so the first step that goes wrong is the one reported. Mistakes' variants are
    numpy step functions ``(w, dw, [state,] lr, **hyper) -> w_next (, state)``.
    """

    def oracle(w, grads, lrs, **hyper):
        param = w.clone().requires_grad_(True)
        optimizer, path = make_optimizer(param, float(lrs[0]), **hyper), []
        for g, lr in zip(grads, lrs):
            for group in optimizer.param_groups:
                group["lr"] = float(lr)
            param.grad = g.clone()
            optimizer.step()
            path.append(param.detach().clone())
        return torch.stack(path)

    @st.composite
    def runs(draw):
        shape, hyper = draw(any_shape(1, 3, max_side=4)), dict(draw(st.sampled_from(settings)))
        return run_case(shape, hyper, draw(st.integers(0, 2**32 - 1)), draw(st.booleans()), draw(st.integers(-4, 1)))

    cases = [run_case((3, 4), dict(h), seed, True, 0) for seed, h in enumerate(settings)]
    variants = [Mistake(m.name, m.message, variant=replay(m.variant, stateful), stage=m.stage) for m in mistakes]
    names = ("w_next", "state") if stateful else ("w_next",)

    def trajectory(ctx, case):
        """The oracle's trajectory, and the STEPS calls: each from the oracle's previous iterate."""
        expected = ctx.torch(oracle, case)[0][0]
        hyper = {k: v for k, v in case.items() if k not in ("w", "grads", "lrs")}
        return expected, [{"w": case["w"] if t == 0 else expected[t - 1], "dw": case["grads"][t],
                           **({"state": None if t == 0 else Previous((1,))} if stateful else {}),
                           "lr": float(case["lrs"][t]), **hyper} for t in range(STEPS)]

    def body(ctx, case):
        expected, steps = trajectory(ctx, case)
        sent, got = [], []
        for t, result in enumerate((yield chain(function, steps))):
            value = result.value
            problems = compare_returns(value, (expected[t], ANY) if stateful else (expected[t],), names, function, DEFAULT)
            sent.append(steps[t]["w"])
            got.append(value[0] if stateful and type(value) in (tuple, list) and len(value) == 2 else value)
            if problems:
                diagnosis = ctx.diagnose(got, (list(expected[: t + 1]),), ("w_next",), function, DEFAULT, variants,
                                         variant_args=(sent,), call=result)
                where = "the first step (state=None)" if t == 0 else f"step {t + 1} of {STEPS}"
                ctx.fail(f"at {where}, lr={steps[t]['lr']:g}: {'; '.join(problems)}", diagnosis)

    body.__doc__ = (f"Stepped {STEPS} times beside torch.optim on one gradient sequence (the learning rate varied "
                    "between steps in half of the runs); every iterate compared.")
    return TOPIC.check(function, "matches_torch_optim", inputs=runs(), cases=cases, max_examples=max_examples,
                       mistakes=variants)(body)


def run_case(shape, hyper, seed, schedule, scale):
    """w, STEPS gradients (of magnitude 10**scale), per-step learning rates, the other hyperparameters."""
    rng = np.random.default_rng(seed)
    lr = hyper.pop("lr")
    lrs = lr * (rng.uniform(0.5, 1.5, STEPS) if schedule else np.ones(STEPS))
    grads = rng.uniform(-5, 5, (STEPS, *shape)) * 10.0**scale
    grads[rng.random(grads.shape) < 0.1] = 0.0
    return {"w": rng.uniform(-5, 5, shape), "grads": grads, "lrs": lrs, **hyper}


def replay(step, stateful):
    """A per-step numpy variant turned into a trajectory over the w's the student was given."""

    def variant(sent, w, grads, lrs, **hyper):
        state, path = None, []
        with np.errstate(all="ignore"):
            for t, w_t in enumerate(sent):
                if stateful:
                    w_next, state = step(w_t, grads[t], state, lrs[t], **hyper)
                else:
                    w_next = step(w_t, grads[t], lrs[t], **hyper)
                path.append(w_next)
        return path

    return variant


def _adam(w, dw, state, lr, beta1, beta2, eps, weight_decay, correct=True, eps_inside=False, lag=0, decoupled=False):
    """Adam with the flags of its common slips."""
    m, v, t = state or (np.zeros_like(w), np.zeros_like(w), 0)
    g = dw if decoupled else dw + weight_decay * w
    m, v, t = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g, t + 1
    c1, c2 = (1 - beta1 ** (t - lag), 1 - beta2 ** (t - lag)) if correct else (1.0, 1.0)
    denom = np.sqrt(v / c2 + eps) if eps_inside else np.sqrt(v / c2) + eps
    w0 = w * (1 - lr * weight_decay) if decoupled else w
    return w0 - lr * (m / c1) / denom, (m, v, t)


def _cs231n_momentum(w, dw, state, lr, momentum):
    v = momentum * (0.0 if state is None else state) - lr * dw
    return w + v, v


TOPIC.about("sgd", "plain gradient descent", "easy")
TOPIC.about("sgd_momentum", "SGD with momentum, PyTorch's form", "easy")
TOPIC.about("adam", "Adam with L2 weight decay, as torch.optim.Adam", "medium")
optimizer_check("sgd", lambda p, lr: torch.optim.SGD([p], lr=lr), [{"lr": 0.1}, {"lr": 1.0}, {"lr": 1e-3}],
                stateful=False)
optimizer_check("sgd_momentum", lambda p, lr, momentum: torch.optim.SGD([p], lr=lr, momentum=momentum),
                [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.01, "momentum": 0.5}, {"lr": 0.5, "momentum": 0.99},
                 {"lr": 0.05, "momentum": 0.0}], mistakes=[
    Mistake("momentum_cs231n_form", "PyTorch keeps v = momentum * v + dw and steps w - lr * v; the form "
            "v = momentum * v - lr * dw, w + v differs as soon as lr changes between steps", variant=_cs231n_momentum),
])
ADAM = [dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0),
        dict(lr=0.05, beta1=0.8, beta2=0.99, eps=0.1, weight_decay=0.0),
        dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1.0, weight_decay=0.1),
        dict(lr=0.1, beta1=0.5, beta2=0.9, eps=1e-6, weight_decay=0.5)]
optimizer_check("adam", lambda p, lr, beta1, beta2, eps, weight_decay: torch.optim.Adam(
    [p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay), ADAM, mistakes=[
    Mistake("adam_no_bias_correction", "divide the moments by (1 - beta1**t) and (1 - beta2**t): without the bias "
            "correction the first steps have the wrong size (about 3 times too large with the default betas)",
            variant=lambda *a, **k: _adam(*a, **k, correct=False)),
    Mistake("adam_eps_inside_sqrt", "eps is added after the square root: sqrt(v_hat) + eps, not sqrt(v_hat + eps)",
            variant=lambda *a, **k: _adam(*a, **k, eps_inside=True)),
    Mistake("adam_t_incremented_after_use", "increment t before the bias corrections, so the first step uses t = 1 "
            "(t = 0 divides by 1 - beta**0 = 0)", variant=lambda *a, **k: _adam(*a, **k, lag=1)),
    Mistake("adam_decoupled_weight_decay", "torch.optim.Adam adds weight_decay * w to the gradient before the "
            "moments (L2); shrinking w directly by lr * weight_decay * w is AdamW",
            variant=lambda *a, **k: _adam(*a, **k, decoupled=True)),
])

def stepped_defaults(function, defaults, lr=(), scale=1.0):
    """Two steps from state=None without the trailing hyperparameters must give what they give with the
    contract's defaults (one step is not enough: momentum's first step is dw, whatever the momentum).
    ``lr``: (lr,) where the learning rate has no default; ``scale``: the gradients' size (Adam's eps only
    shows when they are as small as it)."""
    rng = np.random.default_rng(11)
    w, first, second = (rng.uniform(-2, 2, (3, 4)) * s for s in (1.0, scale, scale))

    def steps(*hyper):
        return chain_of(call(function, w, first, None, *lr, *hyper),
                        call(function, Previous((0,)), second, Previous((1,)), *lr, *hyper))

    def body(ctx, case):
        given, left_out = yield [steps(*defaults.values()), steps()]
        for t, (a, b) in enumerate(zip(given, left_out), 1):
            problems = compare_returns(b.value[0] if type(b.value) in (tuple, list) else b.value,
                                       (a.value[0],), ("w_next",), function, DEFAULT)
            if problems:
                ctx.fail(defaults_differ(function, defaults, problems, f" (step {t} of 2)"))

    body.__doc__ = f"{function}() called without {', '.join(f'{k}={v!r}' for k, v in defaults.items())} behaves as with them."
    return TOPIC.check(function, "uses_default_arguments", cases=[{}], hidden_twin=False)(body)


stepped_defaults("sgd_momentum", {"momentum": 0.9}, lr=(0.1,))
stepped_defaults("adam", {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}, scale=1e-8)

# -- fit_mlp -----------------------------------------------------------------------------------------------
TOPIC.about("fit_mlp", "a training loop: your MLP, mini-batches and Adam together", "medium")
XOR = {"X": np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), "y": np.array([0, 1, 1, 0])}


def two_spirals(n=100, turns=2.0, seed=12345):
    """n points per class on two interleaved spirals (t = sqrt(u) turns 2 pi; (t cos t, t sin t) and its negative)."""
    t = np.sqrt(np.random.default_rng(seed).uniform(size=n)) * turns * 2 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (turns * 2 * np.pi)
    return {"X": np.concatenate([arm, -arm]), "y": np.repeat(np.array([0, 1]), n)}


SPIRALS = two_spirals()
XOR_FIT = {**XOR, "hidden_sizes": [32], "epochs": 200, "batch_size": 4, "lr": 0.05}
# The reference reached 100% on XOR from 200 seeds (~13 ms a fit), and at least 98% on these spirals from 150
# (~0.09 s a fit).
SPIRALS_FIT = {**SPIRALS, "hidden_sizes": [64, 64], "epochs": 150, "batch_size": 128, "lr": 0.03}
FIT_LIMIT = Limit(factor=10.0, repeats=0, hint="vectorize over the batch inside mlp_loss (no loop over samples), "
                  "and keep the per-step work to one forward, one backward and one adam call per parameter")


def accuracy(ctx, fit, value):
    """The training accuracy of the returned params, from a forward pass on the trusted side."""
    sizes = [fit["X"].shape[1], *fit["hidden_sizes"], int(fit["y"].max()) + 1]
    params = check_params(ctx, value, sizes, "fit_mlp")
    if not all(np.all(np.isfinite(p)) for p in params.values()):
        ctx.fail("the trained params contain NaN or inf: watch the loss per epoch (is the learning rate applied?)")
    scores, _ = ctx.torch(torch_mlp, {"x": fit["X"], "params": params, "activation": "relu"})
    return float(np.mean(np.argmax(scores[0], axis=1) == fit["y"]))


def setting(fit):
    return ", ".join(f"{k} {fit[k]}" for k in ("hidden_sizes", "epochs", "batch_size", "lr"))


def fit_check(name, fit, seeds, target, what, timeout=60.0):
    def body(ctx, case):
        got = yield call("fit_mlp", **fit, **case, reuse=True)  # fast_enough times this same run
        acc = accuracy(ctx, fit, got.value)
        if acc < target:
            ctx.fail(f"reached {acc:.1%} training accuracy on {what}, expected at least {target:.0%}")

    body.__doc__ = f"Training accuracy at least {target:.0%} on {what}, from {len(seeds)} seeds."
    return TOPIC.check("fit_mlp", name, cases=[{"rng": Rng(s)} for s in seeds], timeout=timeout)(body)


fit_check("solves_xor", XOR_FIT, (0, 1), 1.0, f"XOR ({setting(XOR_FIT)})")
fit_check("fits_two_spirals", SPIRALS_FIT, (0,), 0.95, f"two spirals of 200 points ({setting(SPIRALS_FIT)})")


@TOPIC.check("fit_mlp", "fast_enough", cases=[{"rng": Rng(0)}], timeout=60.0)
def fit_fast_enough(ctx, case):
    """Two spirals fitted (at least 95%) within 10x the reference solution's time (the run fits_two_spirals makes)."""
    timing, got, _ = yield from measure(ctx, "fit_mlp", {**SPIRALS_FIT, **case}, FIT_LIMIT)
    acc = accuracy(ctx, SPIRALS_FIT, got.value)
    if acc < 0.95:
        ctx.fail(f"must fit two spirals (at least 95%) before its speed counts; reached {acc:.1%}")
    if timing.ratio > FIT_LIMIT.factor:
        ctx.fail(f"fit_mlp() took {timing.ratio:.1f}x the reference solution's time ({timing.student:.2f} s against "
                 f"{timing.reference:.2f} s); the limit is {FIT_LIMIT.factor:g}x. Hint: {FIT_LIMIT.hint}")

# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("minibatches",
            "The idea: one epoch is one ordering of range(n), a random permutation or the identity, cut into "
            "consecutive chunks of batch_size; a generator yields them one at a time.",
            "The formula: batch k holds positions k*B up to min((k+1)*B, n) of the order, for k = 0, 1, ...; that "
            "is ceil(n / B) batches, or floor(n / B) full ones when drop_last drops the short tail (n % B indices).",
            "The shape of the code: choose the order once (rng.permutation, a fresh np.random.default_rng() when rng "
            "is None, np.arange without shuffle); work out where slicing stops (n, or n minus the tail); step a "
            "range over the start positions and yield a slice each time. Pitfall: sampling with replacement "
            "(rng.integers) or a stop that yields an empty batch.",
            questions=[("Why sample without replacement and reshuffle every epoch?",
                        "Every sample is then seen exactly once per epoch, so an epoch's summed gradient is the "
                        "full-data gradient, with less variance than sampling with replacement; a fresh order "
                        "each epoch keeps fixed batch compositions and orderings from biasing training."),
                       ("When do you want drop_last=True?",
                        "When a small last batch hurts: BatchNorm's batch statistics are noisy on a few samples "
                        "(PyTorch raises in training with one value per channel), and fixed shapes suit compiled "
                        "or multi-device code; the cost is a few unseen samples per epoch, different each epoch "
                        "when shuffled.")])
TOPIC.hints("sgd",
            "The idea: the negative gradient is the direction of steepest local descent; take a step of size "
            "lr along it.",
            "The formula: w_next = w - lr * dw, elementwise; dw and w_next have w's shape.",
            "The shape of the code: one elementwise expression that builds a new array. Pitfall: the augmented "
            "assignment (-=) changes the caller's w in place, which the contract forbids.",
            questions=[("How large can the learning rate be?",
                        "On a quadratic with Hessian H, gradient descent converges iff lr < 2 / lambda_max(H); "
                        "above that the iterates oscillate with growing amplitude along the top eigenvector, so "
                        "the sharpest direction bounds lr and the flattest one sets the speed."),
                       ("What does weight_decay do in torch.optim.SGD?",
                        "It adds weight_decay * w to the gradient (L2). For plain SGD that equals shrinking w by "
                        "lr * weight_decay * w each step, i.e. decoupled decay; the two only differ for adaptive "
                        "methods such as Adam (hence AdamW).")])
TOPIC.hints("sgd_momentum",
            "The idea: keep a velocity, a decaying sum of past gradients, and step along it: directions where "
            "gradients agree speed up, directions where they flip sign cancel out.",
            "The formula (PyTorch, dampening 0): v_1 = g_1, then v_t = momentum * v_{t-1} + g_t, and "
            "w_next = w - lr * v_t; v has w's shape and is all the state there is.",
            "The shape of the code: branch on state being None: the first velocity is a copy of dw (never dw "
            "itself), later ones combine the stored velocity with dw into a new array; step w with the current "
            "lr; return a new dict. Pitfall: the v = momentum * v - lr * dw form, which breaks when lr changes.",
            questions=[("What is the effective step size with momentum?",
                        "For a constant gradient g the velocity tends to g / (1 - momentum), so the step tends to "
                        "lr / (1 - momentum) times g: 10x lr at momentum 0.9, which is why lr is often lowered "
                        "when momentum is raised."),
                       ("What does nesterov=True change in torch.optim.SGD?",
                        "The velocity update stays the same, but the step uses the look-ahead gradient "
                        "g + momentum * v_t instead of v_t: w_next = w - lr * (g + momentum * v_t). It damps "
                        "overshooting and improves the convergence rate on convex problems.")])
TOPIC.hints("adam",
            "The idea: per coordinate, divide a running mean of the gradient (momentum) by a running root mean "
            "square of it (an adaptive scale), correcting both averages for starting at zero.",
            "The formula: g = dw + weight_decay * w; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; "
            "step = lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), with t counted from 1; m, v shaped "
            "like w, t a scalar.",
            "The shape of the code: when state is None start t at 0 and the moments at np.zeros_like(w); add the "
            "L2 term to the gradient; increment t before anything uses it; build new m and v (no in-place on the "
            "old state's arrays); bias-correct, then np.sqrt, then add eps; return w_next and a new dict. "
            "Pitfalls: eps inside the square root; AdamW's decoupled decay.",
            questions=[("Why the bias correction, and what goes wrong without it?",
                        "m and v start at zero, so early on E[m_t] = (1 - b1^t) E[g] and E[v_t] = (1 - b2^t) "
                        "E[g^2]; dividing removes that shrinkage. Uncorrected, the first step is "
                        "(1 - b1) / sqrt(1 - b2) ~ 3.2 times lr per coordinate with the defaults, instead of ~lr."),
                       ("How does Adam's weight_decay differ from AdamW's?",
                        "Adam adds weight_decay * w to the gradient, so the decay is divided by sqrt(v_hat) too and "
                        "weights with large gradients are barely regularized. AdamW decouples it, shrinking w by "
                        "lr * weight_decay * w outside the adaptive step, which regularizes uniformly and "
                        "usually generalizes better.")])
TOPIC.hints("fit_mlp",
            "The idea: a standard training loop: initialize, give every parameter its own optimizer state, and "
            "for every epoch and mini-batch compute loss and gradients on the batch, then update each parameter.",
            "The formula: C = max(y) + 1, layer sizes [D, *hidden_sizes, C]; epochs * ceil(N / batch_size) "
            "steps, each one (params[k], state[k]) <- adam(params[k], grads[k], state[k], lr) for every key k.",
            "The shape of the code: import init_mlp and mlp_loss inside the function; init from rng; a dict of "
            "states with the params' keys, all None; nested loops over epochs and over minibatches(N, "
            "batch_size, rng); index X and y with the batch; write each updated parameter and its state back. "
            "Pitfall: one state shared by all parameters, or C from np.unique.",
            questions=[("The loss becomes NaN after a few epochs: what do you check?",
                        "Lower the learning rate first; then the loss for overflow (softmax without subtracting "
                        "the row max, log of 0); then the gradients with a numeric gradient check on a tiny "
                        "network. Printing the loss per epoch shows when it starts."),
                       ("What does the batch size trade off?",
                        "Larger batches give less noisy gradients (variance ~ 1 / B) and better vectorized work, "
                        "but fewer updates per epoch and more memory, and often need a larger lr; batch size 1 is "
                        "pure SGD, noisy and dominated by Python overhead in numpy.")])

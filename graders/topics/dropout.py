"""Checks for the dropout topic: inverted dropout, graded by properties (never by a particular random stream)."""
import numpy as np
from hypothesis import strategies as st

from ..core import GLOBAL_RNG, Mistake, Previous, Rng, Topic, call, chain_of
from ..core.compare import DEFAULT, matches
from ..core.strategies import any_shape, array, inputs

TOPIC = Topic("dropout", "Regularization by dropping units", difficulty="medium")
SIGMAS = 6  # a statistical check fails a correct implementation with probability ~2e-9


def nonzero(shape):
    """Values in +-[0.5, 5.5]: a dropped unit (0) never looks like a kept one."""
    return array(shape, specials=False).map(lambda a: a + np.where(a < 0, -0.5, 0.5))


P = st.sampled_from([0.1, 0.25, 0.4, 0.7, 0.9])  # not 0.5, where p and 1 - p look alike
# Above 2**32: never the seed that filled x (hypothesis likes drawing one integer twice), so mask and x are
# independent streams, as the statistical checks assume.
RNGS = st.integers(0, 2**32 - 1).map(lambda seed: Rng(2**32 + seed))
small = inputs(x=any_shape(max_dims=4, max_side=6).flatmap(nonzero), p=P, train=st.just(True), rng=RNGS)
large = inputs(x=nonzero((200, 500)), p=P, train=st.just(True), rng=RNGS)  # 100 000 units for the statistics


def _out(ctx, got, x):
    value = got.value
    if type(value) not in (tuple, list) or len(value) != 2 or type(value[0]) is not np.ndarray \
            or value[0].shape != x.shape or value[0].dtype.kind != "f":
        ctx.fail(f"dropout_forward() should return (out, cache) with out a float array of shape {x.shape}")
    return value[0]


def _only(*candidates):
    """Predicate: each output equals one of the candidates ``f(x, p)`` at its position."""
    def holds(obs):
        out, x, p = np.asarray(obs.got[0]), obs.inputs["x"], obs.inputs["p"]
        return bool(np.all(np.any([DEFAULT.close(out, f(x, p)) for f in candidates], axis=0)))

    return holds


def _dropped_fraction_near(target):
    def holds(obs):
        out, p = np.asarray(obs.got[0]), obs.inputs["p"]
        q = target(p)
        return abs((out == 0).mean() - q) <= SIGMAS * np.sqrt(q * (1 - q) / out.size)

    return holds


not_inverted = Mistake("dropout_not_inverted", "inverted dropout scales the kept units by 1 / (1 - p) in training, "
                       "so that the expectation is unchanged and eval needs no rescaling",
                       when=_only(lambda x, p: 0 * x, lambda x, p: x))
keep_probability = Mistake("p_as_keep_probability", "p is the probability of dropping a unit (PyTorch's meaning): "
                           "keep it with probability 1 - p and scale by 1 / (1 - p)",
                           when=lambda obs: _only(lambda x, p: 0 * x, lambda x, p: x / p)(obs)
                           or _dropped_fraction_near(lambda p: 1 - p)(obs))


@TOPIC.check("dropout_forward", "outputs_zero_or_scaled", inputs=small, mistakes=[not_inverted, keep_probability])
def zero_or_scaled(ctx, case):
    """In training every output is 0 (dropped) or x / (1 - p) (kept)."""
    got = yield call("dropout_forward", **case)
    out, x, p = _out(ctx, got, case["x"]), case["x"], case["p"]
    bad = ~(DEFAULT.close(out, 0.0) | DEFAULT.close(out, x / (1 - p)))
    if bad.any():
        i = np.unravel_index(np.argmax(bad), x.shape)
        ctx.refute(f"{int(bad.sum())} of {x.size} outputs are neither 0 nor x / (1 - p); at index "
                   f"{tuple(map(int, i))}: x = {x[i]:.6g}, p = {p}, out = {out[i]:.6g} (expected 0 or "
                   f"{x[i] / (1 - p):.6g})", got)


@TOPIC.check("dropout_forward", "drop_rate_is_p", inputs=large, max_examples=4, mistakes=[keep_probability])
def drop_rate(ctx, case):
    """The fraction of zeroed units is p, within 6 standard deviations of the binomial count."""
    got = yield call("dropout_forward", **case, keep=1)  # the mask stays in the sandbox: 100 000 numbers
    out, p = _out(ctx, got, case["x"]), case["p"]
    n, dropped = out.size, int((out == 0).sum())
    bound = SIGMAS * np.sqrt(n * p * (1 - p))
    if abs(dropped - n * p) > bound:
        ctx.refute(f"{dropped} of {n} outputs are 0 ({dropped / n:.4f}); with p = {p} expected {n * p:.0f} "
                   f"+- {bound:.0f} ({SIGMAS} standard deviations)", got)


@TOPIC.check("dropout_forward", "preserves_expectation", inputs=large, max_examples=4, mistakes=[not_inverted])
def expectation(ctx, case):
    """sum(out) equals sum(x) within 6 standard deviations: E[out] = x."""
    got = yield call("dropout_forward", **case, keep=1)
    out, x, p = _out(ctx, got, case["x"]), case["x"], case["p"]
    bound = SIGMAS * np.sqrt((x**2).sum() * p / (1 - p))
    if abs(out.sum() - x.sum()) > bound:
        ctx.refute(f"sum(out) = {out.sum():.6g} but sum(x) = {x.sum():.6g}; inverted dropout keeps the expectation "
                   f"(allowed difference {bound:.3g}, {SIGMAS} standard deviations)", got)


active_in_eval = Mistake("dropout_active_in_eval", "with train=False dropout does nothing: return x unchanged",
                         when=lambda obs: bool(np.any(np.asarray(obs.got[0]) == 0)) or _only(
                             lambda x, p: x / (1 - p), lambda x, p: x * (1 - p))(obs))
TOPIC.compare("dropout_forward", name="eval_is_identity", returns=("out",), cache=True,
               rule=lambda x, p, train, rng: x, mistakes=[active_in_eval],
               inputs=inputs(x=any_shape(max_dims=4, max_side=6).flatmap(nonzero), p=P, train=st.just(False),
                             rng=RNGS))
TOPIC.compare("dropout_forward", name="keeps_everything_at_p_0", returns=("out",), cache=True,
               rule=lambda x, p, train, rng: x, inputs=inputs(x=nonzero((20, 30)), p=st.just(0.0),
                                                               train=st.just(True), rng=RNGS), max_examples=3)
TOPIC.compare("dropout_forward", name="zeros_at_p_1", returns=("out",), cache=True,
               rule=lambda x, p, train, rng: np.zeros_like(x), inputs=inputs(x=nonzero((20, 30)), p=st.just(1.0),
                                                                           train=st.just(True), rng=RNGS),
               max_examples=3, mistakes=[Mistake(
    "p_1_divides_by_zero", "p = 1 drops every unit, so 1 / (1 - p) divides by zero: when p == 1 return zeros "
    "without dividing by 1 - p", when=lambda obs: obs.first_not_finite)])


def _fresh_mask(obs):
    """dx agrees with the forward's mask wherever both keep a unit, but its zeros are elsewhere."""
    dx, expected = np.asarray(obs.got), obs.expected[0]
    both = (dx != 0) & (expected != 0)
    return obs.inputs["train"] and bool(np.any((dx == 0) != (expected == 0))) \
        and bool(np.all(DEFAULT.close(dx[both], expected[both])))


@TOPIC.check("dropout_backward", "uses_forward_mask", mistakes=[Mistake(
    "fresh_mask_in_backward", "the backward must reuse the forward's mask (keep it in the cache), not draw a new one",
    when=_fresh_mask)],
    inputs=inputs(x=any_shape(max_dims=4, max_side=6).flatmap(nonzero), p=P, train=st.booleans(), rng=RNGS))
def uses_forward_mask(ctx, case):
    """dx = dout * out / x: the gradient flows exactly through the units the forward kept, scaled alike."""
    (dout,) = ctx.upstream(case["x"])
    steps = iter((yield chain_of(call("dropout_forward", **case), call("dropout_backward", dout, Previous((1,))))))
    out = _out(ctx, next(steps), case["x"])
    got = next(steps)
    ctx.expect(got, (dout * out / case["x"],), ("dx",), mistakes=ctx.check.mistakes)


ignores_rng = Mistake("dropout_ignores_rng", "draw the mask from the rng argument (rng.random(x.shape)), not from "
                      "np.random's global state nor a mask kept from an earlier call: the same generator seed must "
                      "give the same mask, another seed another one")


@TOPIC.check("dropout_forward", "mask_follows_rng", mistakes=[ignores_rng, GLOBAL_RNG],
             inputs=inputs(x=nonzero((20, 30)), p=P, train=st.just(True), rng=RNGS), max_examples=4)
def mask_follows_rng(ctx, case):
    """Two calls with generators of the same seed give the same output; a generator of another seed another;
    np.random's global state is left alone."""
    other = Rng(case["rng"].seed + 1)
    first, again, different = yield [call("dropout_forward", **case), call("dropout_forward", **case),
                                     call("dropout_forward", **{**case, "rng": other})]
    outs = [_out(ctx, got, case["x"]) for got in (first, again, different)]
    if not matches(outs[1], (outs[0],), ("out",), "dropout_forward", DEFAULT):
        ctx.fail(f"two calls with np.random.default_rng({case['rng'].seed}) dropped different units", ignores_rng)
    if np.array_equal(outs[0], outs[2]):
        ctx.fail(f"np.random.default_rng({case['rng'].seed}) and np.random.default_rng({other.seed}) dropped the "
                 "same units", ignores_rng)
    ctx.leaves_global_rng(first, again, different)

# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("dropout_forward",
            "The idea: in training, zero every unit independently with probability p and scale the survivors up "
            "by 1 / (1 - p), so each output's expectation equals its input; in eval mode do nothing.",
            "The formula: mask ~ Bernoulli(1 - p) elementwise, shape of x; out = mask * x / (1 - p), so "
            "E[out] = x and Var[out] = x^2 p / (1 - p); eval: out = x.",
            "The shape of the code: eval returns a copy of x and a cache that says so; training draws "
            "rng.random(x.shape), compares it with p to keep each unit with probability 1 - p, folds the scale "
            "into the mask (with p = 1 special-cased to a zero scale) and multiplies. Pitfalls: p read as the "
            "keep probability; np.random instead of rng; 0 * inf at p = 1.",
            questions=[("Why inverted dropout instead of scaling by (1 - p) at test time?",
                        "Both give the same expectation, but inverted dropout does the rescaling during training, "
                        "so inference is the plain network: no p to remember at deployment and no extra work in "
                        "the latency-critical path. PyTorch's nn.Dropout is inverted."),
                       ("What does dropout cost in memory, and how is that reduced?",
                        "The backward needs the mask, one entry per activation per dropout layer; a float64 mask "
                        "is 8 bytes an entry, a boolean one 1 byte (or 1 bit packed), with the scale applied on "
                        "the fly. Fused kernels (e.g. FlashAttention) store only the RNG seed and offset and "
                        "regenerate the mask in the backward.")])
TOPIC.hints("dropout_backward",
            "The idea: with the mask fixed, dropout is an elementwise linear map, so the gradient flows back "
            "through the very units the forward kept, scaled the same way; in eval it passes unchanged.",
            "The formula: d out_i / d x_i = mask_i / (1 - p), so dx = dout * mask / (1 - p), shape of dout; "
            "eval: dx = dout.",
            "The shape of the code: read the mode from the cache; in eval return a copy of dout; in training one "
            "elementwise product of dout with the stored scaled mask. No randomness here. Pitfalls: drawing a new "
            "mask, dropping the 1 / (1 - p) scale, or returning dout itself.",
            questions=[("How do you gradient-check a layer with dropout?",
                        "Freeze the randomness: every forward of the finite-difference check must use the same mask "
                        "(reuse the cache or reseed the rng identically), or check with p = 0 or in eval mode; "
                        "otherwise each evaluation is a different function and the check fails."),
                       ("How do forward and backward change for channel-wise dropout (nn.Dropout2d)?",
                        "The mask has shape (N, C, 1, 1) and broadcasts over H and W, zeroing whole feature maps; "
                        "the backward is still dout times the broadcast scaled mask, with no sum, since the mask "
                        "is a constant and not a parameter.")])

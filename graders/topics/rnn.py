"""Checks for the rnn topic: a tanh RNN step and sequence, forward and backpropagation through time."""
import numpy as np
import torch
from hypothesis import strategies as st

from ..core import Mistake, Previous, Topic, call, chain_of
from ..core.strategies import array, size

TOPIC = Topic("rnn", "Recurrent networks: a tanh RNN and backpropagation through time", difficulty="hard")


# -- the oracle: torch's own RNN modules, the contract's weights copied in (lstm's too) --------------------------------
_MODULES: dict = {}


def torch_module(make, x, h):
    """``make(D, H)`` (a torch recurrent module) for these inputs' sizes and device, in float64, made once: the
    oracles call it through ``torch.func.functional_call`` with the contract's weights (:func:`torch_weights`)."""
    key = (make, x.shape[-1], h.shape[-1], x.device)
    if key not in _MODULES:
        _MODULES[key] = make(key[1], key[2]).to(dtype=torch.float64, device=x.device)
    return _MODULES[key]


def torch_weights(Wx, Wh, bx, bh=None, suffix=""):
    """The contract's (in, out) weights as torch's (out, in) parameters: weight_ih = Wx.T, weight_hh = Wh.T; the
    hidden-side bias is zero unless given (the RNN and the LSTM have one bias, the GRU two)."""
    return {f"weight_ih{suffix}": Wx.T, f"weight_hh{suffix}": Wh.T, f"bias_ih{suffix}": bx,
            f"bias_hh{suffix}": torch.zeros_like(bx) if bh is None else bh}


def _sequence_rnn(d, h):
    return torch.nn.RNN(d, h, batch_first=True)


def step_oracle(x, h_prev, Wx, Wh, b):
    return torch.func.functional_call(torch_module(torch.nn.RNNCell, x, h_prev), torch_weights(Wx, Wh, b), (x, h_prev))


def sequence_oracle(x, h0, Wx, Wh, b):
    out, _ = torch.func.functional_call(torch_module(_sequence_rnn, x, h0), torch_weights(Wx, Wh, b, suffix="_l0"),
                                        (x, h0[None]))
    return out


# -- numpy versions of what students get wrong (buggy variants) ----------------------------------------------------
def np_forward(x, h0, Wx, Wh, b, *, every_step_from_h0=False, transposed=False):
    Wx, Wh = (Wx.T, Wh.T) if transposed else (Wx, Wh)
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ Wx + (h0 if every_step_from_h0 else h) @ Wh + b)
        states.append(h)
    return np.stack(states, axis=1)


def np_backward(dh, x, h0, Wx, Wh, b, *, carry=True, upstream_every_step=True, derivative_of_input=False,
                weights_from_one_step=False, dh0_is_upstream=False):
    """BPTT, with the switches a buggy copy flips."""
    h = np_forward(x, h0, Wx, Wh, b)
    a = np.stack([x[:, t] @ Wx + (h0 if t == 0 else h[:, t - 1]) @ Wh + b for t in range(x.shape[1])], axis=1)
    T = x.shape[1]
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    carried = np.zeros_like(h0)
    for t in reversed(range(T)):
        upstream = dh[:, t] if (upstream_every_step or t == T - 1) else 0.0
        local = 1 - (a[:, t] ** 2 if derivative_of_input else h[:, t] ** 2)
        da = (upstream + (carried if carry else 0.0)) * local
        h_prev = h0 if t == 0 else h[:, t - 1]
        dx[:, t] = da @ Wx.T
        if weights_from_one_step:
            dWx, dWh, db = x[:, t].T @ da, h_prev.T @ da, da.sum(axis=0)
        else:
            dWx, dWh, db = dWx + x[:, t].T @ da, dWh + h_prev.T @ da, db + da.sum(axis=0)
        carried = da @ Wh.T
    return dx, (dh[:, 0] if dh0_is_upstream else carried), dWx, dWh, db


# -- inputs ----------------------------------------------------------------------------------------------------------
@st.composite
def step_inputs(draw):
    n, d, h = draw(size(1, 4)), draw(size(1, 5)), draw(size(1, 5))
    scale = draw(st.sampled_from([0.3, 1.0]))  # weights from small (nearly linear) to saturating
    return {"x": draw(array((n, d))), "h_prev": draw(array((n, h), -1, 1)), "Wx": draw(array((d, h), -scale, scale)),
            "Wh": draw(array((h, h), -scale, scale)), "b": draw(array((h,), -1, 1))}


@st.composite
def sequence_inputs(draw, t_low=1, t_high=6):
    n, t, d, h = draw(size(1, 3)), draw(size(t_low, t_high)), draw(size(1, 4)), draw(size(1, 4))
    scale = draw(st.sampled_from([0.3, 0.8]))
    return {"x": draw(array((n, t, d), -2, 2)), "h0": draw(array((n, h), -1, 1)),
            "Wx": draw(array((d, h), -scale, scale)), "Wh": draw(array((h, h), -scale, scale)),
            "b": draw(array((h,), -0.5, 0.5))}


def _case(n, t, d, h, scale, seed):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((n, t, d)), "h0": rng.standard_normal((n, h)) * 0.5,
            "Wx": rng.standard_normal((d, h)) * scale / np.sqrt(d), "Wh": rng.standard_normal((h, h)) * scale / np.sqrt(h),
            "b": rng.standard_normal(h) * 0.1}


# T = 1, N = 1 and D != H; square weights last, which hypothesis runs first (D == H: a transposed Wx still
# runs, and is named).
SEQUENCE_CASES = [_case(1, 1, 3, 2, 1.0, 1), _case(2, 4, 3, 5, 1.0, 2), _case(3, 3, 4, 4, 1.0, 3)]
STEP_CASES = [{k if k != "h0" else "h_prev": v[:, 0] if k == "x" else v for k, v in case.items()}
              for case in SEQUENCE_CASES]
#: Long sequences: small weights (gradients vanish over the steps) and large ones (states saturate, gradients
#: grow where they do not).
LONG_CASES = [_case(2, 60, 3, 4, 0.3, 4), _case(2, 50, 4, 4, 3.0, 5), _case(1, 55, 2, 6, 1.5, 6)]


def sequence_features(inputs):
    D, H = inputs["Wx"].shape
    return {"D == H (square Wx) ||| D != H": D == H, "one time step (T = 1) ||| several time steps": inputs["x"].shape[1] == 1}


# -- mistakes ------------------------------------------------------------------------------------------------------
transposed = Mistake("rnn_transposed_weights", "the weights are (in, out) here: x @ Wx + h_prev @ Wh, not Wx.T and Wh.T "
                     "as torch's stored (out, in) weights would suggest",
                     variant=lambda x, **w: np_forward(x[:, None] if x.ndim == 2 else x,
                                                       w.get("h_prev", w.get("h0")), w["Wx"], w["Wh"], w["b"],
                                                       transposed=True)[:, 0 if x.ndim == 2 else slice(None)])
step_derivative_of_input = Mistake(
    "tanh_derivative_of_preactivation", "tanh's derivative is 1 - tanh(a)^2 = 1 - h_next^2, of the output; "
    "1 - a^2 of the pre-activation is something else", stage="backward",
    variant=lambda dh_next, x, h_prev, Wx, Wh, b: tuple(g[:, 0] if i == 0 else g for i, g in enumerate(
        np_backward(dh_next[:, None], x[:, None], h_prev, Wx, Wh, b, derivative_of_input=True))))
h0_every_step = Mistake("h0_fed_to_every_step", "each step starts from the previous step's state, h[:, t-1]; only "
                        "step 0 starts from h0", variant=lambda x, h0, Wx, Wh, b: np_forward(
                            x, h0, Wx, Wh, b, every_step_from_h0=True))


def _bptt(**switches):
    return lambda dh, x, h0, Wx, Wh, b: np_backward(dh, x, h0, Wx, Wh, b, **switches)


no_carry = Mistake("bptt_gradient_not_carried", "h[:, t] also feeds step t+1: its gradient is dh[:, t] plus what "
                   "flows back from step t+1 (da_{t+1} @ Wh.T); carry that term from step to step",
                   variant=_bptt(carry=False), stage="backward")
sequence_mistakes = [
    transposed, h0_every_step, no_carry,
    Mistake("tanh_derivative_of_preactivation", step_derivative_of_input.message,
            variant=_bptt(derivative_of_input=True), stage="backward"),
    Mistake("bptt_upstream_only_at_last_step", "every hidden state gets its own upstream gradient dh[:, t] (a loss "
            "on every step): add it at each step, not only dh[:, -1] at the start", variant=_bptt(upstream_every_step=False),
            stage="backward"),
    Mistake("weight_gradients_not_accumulated", "the same Wx, Wh and b serve every step: their gradients are sums "
            "over all steps (+=), not the last step's (=)", variant=_bptt(weights_from_one_step=True), stage="backward"),
    Mistake("dh0_is_first_upstream", "dh0 is the gradient that flows back out of step 0 (da_0 @ Wh.T), not the "
            "upstream gradient dh[:, 0] of the first output", variant=_bptt(dh0_is_upstream=True), stage="backward"),
]

# -- checks --------------------------------------------------------------------------------------------------------
STEP_GRADS = ("x", "h_prev", "Wx", "Wh", "b")
SEQUENCE_GRADS = ("x", "h0", "Wx", "Wh", "b")

TOPIC.about("rnn_step_forward", "h_next = tanh(x Wx + h_prev Wh + b)", "medium")
TOPIC.layer("rnn_step", inputs=step_inputs(), cases=STEP_CASES, oracle=step_oracle, outputs=("h_next",), grads=STEP_GRADS,
            mistakes=[transposed, step_derivative_of_input])
TOPIC.about("rnn_forward", "the RNN over a batch of sequences, and backpropagation through time", "hard")
TOPIC.layer("rnn", inputs=sequence_inputs(), cases=SEQUENCE_CASES, oracle=sequence_oracle, outputs=("h",),
            grads=SEQUENCE_GRADS, mistakes=sequence_mistakes, features=sequence_features)
TOPIC.layer("rnn", cases=LONG_CASES, oracle=sequence_oracle, outputs=("h",), grads=SEQUENCE_GRADS,
            forward_check="long_sequences", backward_check="long_sequences", mistakes=sequence_mistakes)


@TOPIC.check("rnn_backward", "gradient_from_last_state_only", inputs=sequence_inputs(2, 6),
             cases=SEQUENCE_CASES[1:],
             mistakes=sequence_mistakes)
def last_state_only(ctx, inputs):
    """A loss on the last hidden state only (dh is zero but at t = T-1): every step still gets a gradient."""
    probe, _ = ctx.torch(sequence_oracle, inputs)
    dh = np.zeros_like(probe[0])
    dh[:, -1] = ctx.upstream(dh[:, -1])[0]
    _, expected = ctx.torch(sequence_oracle, inputs, wrt=SEQUENCE_GRADS, upstream=(dh,))
    _, got = yield chain_of(call("rnn_forward", **inputs, keep=1), call("rnn_backward", dh, Previous((1,))))
    ctx.expect(got, expected, tuple(f"d{g}" for g in SEQUENCE_GRADS), mistakes=[
        m for m in sequence_mistakes if m.stage == "backward"], variant_args=(dh,))


# -- speed: the recurrence needs a loop over time steps; nothing else does --------------------------------------------
SPEED_HINT = ("loop over the time steps only (each needs the previous state): inside a step, one matrix product "
              "for the whole batch and all hidden units; never loop over sequences or units")
# Two sizes, so that each wrong loop shows: a loop over the batch inside the loop over time on a large batch of
# few units (128 x 16), a loop over the hidden units on many units of a tiny batch (4 x 96), where the reference's
# matrix products cost little and each of the loop's H numpy calls per step shows. As the grader measures them
# (benchmarks/test_limit_ratios.py, quiet and loaded), forward / backward: on the first size batch loops 23-27x /
# 45-50x (RNN); on the second, unit loops 33-35x / 77-83x (RNN) and 44-46x / 65-66x (LSTM), while the vectorized
# styles of tests/alternatives (einsum without optimize, fused weights, a step function called per step) stay at
# 2.4x / 2.8x (RNN) and 1.0x / 2.4x (LSTM). At 16 x 96 the RNN's unit loop measured 10-15x depending on the
# machine, too close to its limit of 12x.
def recurrent_limits(topic, name, case, hint):
    """The speed limits of ``<name>_forward`` / ``<name>_backward`` on both sizes; ``case(N, T, D, H, scale,
    seed)`` makes the topic's inputs."""
    topic.layer_limits(name, inputs=case(128, 20, 16, 16, 1.0, 2026), factor=8, outputs=("h",), grads=SEQUENCE_GRADS,
                       hint=hint)
    topic.layer_limits(name, inputs=case(4, 20, 16, 96, 1.0, 2027), factor=15, outputs=("h",),
                       grads=SEQUENCE_GRADS, hint=hint, check_name="fast_enough_many_units")


recurrent_limits(TOPIC, "rnn", _case, SPEED_HINT)

# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("rnn_step_forward",
            "The idea: mix the current input and the previous hidden state with two affine maps sharing one bias, "
            "then squash with tanh; the result is the new hidden state, the network's memory of the sequence so far.",
            "The formula: a = x Wx + h_prev Wh + b, with x (N, D), Wx (D, H), h_prev (N, H), Wh (H, H), b (H,) "
            "broadcast over the batch; h_next = tanh(a), shape (N, H). The weights are (in, out): no transposes.",
            "The shape of the code: two matrix products (@), add them and the bias, np.tanh, and a cache tuple. Keep "
            "x, h_prev, the weights and h_next itself: tanh' = 1 - tanh^2 comes from the output, so the "
            "pre-activation need not be kept. Pitfall: Wx.T or Wh.T, as torch's (out, in) weights suggest.",
            questions=[("Why does PyTorch's RNNCell have two biases when this one has one?",
                        "bias_ih and bias_hh only ever appear summed, so one is redundant (kept for cuDNN "
                        "compatibility); b here plays bias_ih with bias_hh = 0, which computes the same function."),
                       ("Why tanh rather than ReLU for the recurrence?",
                        "tanh is bounded and zero-centred, so the state cannot grow without limit over many steps; a "
                        "ReLU RNN (nonlinearity='relu' in torch) can blow up unless Wh starts near the identity or "
                        "small (IRNN, Le et al. 2015), though it saturates less.")])
TOPIC.hints("rnn_step_backward",
            "The idea: undo the step in reverse order: first through tanh to the pre-activation, then through the "
            "two affine maps, each of which sends a gradient to its input and to its weight matrix.",
            "The formula: da = dh_next * (1 - h_next^2), elementwise, (N, H); dx = da Wx^T (N, D); "
            "dh_prev = da Wh^T (N, H); dWx = x^T da (D, H); dWh = h_prev^T da (H, H); db = da summed over the "
            "batch axis (H,).",
            "The shape of the code: unpack the cache, one elementwise line for da, then four matrix products with "
            "transposes placed so the shapes come out as listed, and a sum over axis 0 for db. Check each shape "
            "against its parameter's. Pitfall: 1 - a^2 of the pre-activation instead of 1 - h_next^2.",
            questions=[("How do you check this backward without torch?",
                        "Central differences in float64 on a scalar such as sum(h_next * dh_next) for a random "
                        "dh_next, perturbing one entry at a time by about 1e-6; the relative error to the analytic "
                        "gradient should be around 1e-8 or below, away from saturated units."),
                       ("What happens to the gradient where a unit saturates?",
                        "1 - h_next^2 goes to 0 as |h_next| approaches 1, so almost nothing flows back to that unit's "
                        "weights, inputs or previous state; large weights or inputs saturate units, one reason for "
                        "small initial weights.")])
TOPIC.hints("rnn_forward",
            "The idea: apply the same step with the same weights at every time step, feeding each step the state "
            "the previous one produced, starting from h0; collect every step's state.",
            "The formula: h_{-1} = h0; for t = 0 .. T-1, h[:, t] = tanh(x[:, t] Wx + h[:, t-1] Wh + b), with "
            "x (N, T, D) and the result h (N, T, H), h0 not included.",
            "The shape of the code: preallocate the output as (N, T, H), H taken from h0 or Wh (not zeros_like(x)); "
            "one Python loop over t whose body reads the running state and overwrites it; nothing loops over the "
            "batch or the units. The input projection does not depend on the state, so it can be one product over "
            "all steps before the loop. Cache what backward needs: inputs, weights and all states (or step caches).",
            questions=[("Why can't the loop over time be vectorized, and what can be taken out of it?",
                        "Each state needs the previous one, so the T steps are sequential; but x Wx + b does "
                        "not depend on the state and can be one (N*T, D) by (D, H) product, leaving one (N, H) by "
                        "(H, H) product per step, which is what cuDNN does too."),
                       ("What does it cost, and what does torch's nn.RNN return?",
                        "Time O(T N H (D + H)); memory O(T N H) for the states kept for backward. nn.RNN returns "
                        "(output, h_n): output is these states, h_n the last one shaped (num_layers * num_directions, "
                        "N, H); it is time-major (T, N, D) unless batch_first=True.")])
TOPIC.hints("rnn_backward",
            "The idea: backpropagation through time: walk the steps backwards; each hidden state gets its own "
            "upstream gradient plus what the next step sends back through Wh; shared weights sum their gradients.",
            "The formula: a carry g (N, H) starts at zero; for t = T-1 .. 0: da_t = (dh[:, t] + g) * (1 - h_t^2), "
            "then g becomes da_t Wh^T; dx[:, t] = da_t Wx^T; dWx = sum_t x_t^T da_t (D, H); dWh = sum_t "
            "h_{t-1}^T da_t (H, H) with h_{-1} = h0; db = da summed over n and t (H,); finally dh0 = g.",
            "The shape of the code: zeros for the carry and the weight accumulators, a loop over reversed(range(T)) "
            "that adds (+=) rather than assigns, and the carry returned as dh0. Only the carry's product with Wh must "
            "stay in the loop: dx and the weight gradients can be contractions over (N, T) of the stored da after it. "
            "Pitfall: step 0's previous state is h0, not h[:, -1] (negative indices wrap).",
            questions=[("Why do a vanilla RNN's gradients vanish or explode over long sequences?",
                        "The gradient from step t + k to step t is multiplied by k Jacobians diag(1 - h^2) Wh^T; with "
                        "tanh' <= 1 it shrinks exponentially when Wh's largest singular value is below 1, and can "
                        "grow exponentially above 1 (Pascanu et al. 2013). Clipping tames explosion; gated cells "
                        "(LSTM, GRU) address vanishing."),
                       ("What is truncated BPTT, and what does it give up?",
                        "Process a long sequence in chunks of k steps, carrying the last state into the next chunk as "
                        "its h0 but backpropagating only within the chunk (detach() in PyTorch); memory and time per "
                        "update drop to O(k), but no gradient links events more than k steps apart.")])

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
# few units, a loop over the hidden units on many units of a small batch. In-process CPU time on 2 cores against
# the reference (tests/slow_impls, tests/alternatives), forward / backward: batch loops 14.5x / 20.5x (RNN) and
# 16.7x / 26.3x (LSTM) on the first size; unit loops 24x / 48x and 24x / 43x on the second; vectorized styles
# (einsum, fused matmuls, a step function per step) at most 6.5x / 3.6x (RNN) and 0.8x / 3.3x (LSTM) on either.
def recurrent_limits(topic, name, case, hint):
    """The speed limits of ``<name>_forward`` / ``<name>_backward`` on both sizes; ``case(N, T, D, H, scale,
    seed)`` makes the topic's inputs."""
    topic.layer_limits(name, inputs=case(128, 20, 16, 16, 1.0, 2026), factor=8, outputs=("h",), grads=SEQUENCE_GRADS,
                       hint=hint)
    topic.layer_limits(name, inputs=case(16, 20, 16, 96, 1.0, 2027), factor=12, outputs=("h",),
                       grads=SEQUENCE_GRADS, hint=hint, check_name="fast_enough_many_units")


recurrent_limits(TOPIC, "rnn", _case, SPEED_HINT)

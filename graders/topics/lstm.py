"""Checks for the lstm topic: LSTM steps and sequences (forward and backpropagation through time), a GRU step,
and an LSTM trained by the grader on a task that needs memory."""
import numpy as np
import torch
from hypothesis import strategies as st

from ..core import Mistake, Ref, Topic
from ..core.perf import CannotTrain, returned_arrays, training_runs
from ..core.strategies import array, size
from .rnn import recurrent_limits, torch_module, torch_weights

TOPIC = Topic("lstm", "Gated recurrent networks: LSTM and GRU", difficulty="hard")


# -- the oracle: torch's LSTMCell, LSTM and GRUCell with the contract's weights copied in ------------------------
def _sequence_lstm(d, h):
    return torch.nn.LSTM(d, h, batch_first=True)


def step_oracle(x, h_prev, c_prev, Wx, Wh, b):
    return torch.func.functional_call(torch_module(torch.nn.LSTMCell, x, h_prev), torch_weights(Wx, Wh, b),
                                      (x, (h_prev, c_prev)))


def sequence_oracle(x, h0, Wx, Wh, b, c0=None):
    c0 = torch.zeros_like(h0) if c0 is None else c0
    out, _ = torch.func.functional_call(torch_module(_sequence_lstm, x, h0), torch_weights(Wx, Wh, b, suffix="_l0"),
                                        (x, (h0[None], c0[None])))
    return out


def gru_oracle(x, h_prev, Wx, Wh, bx, bh):
    return torch.func.functional_call(torch_module(torch.nn.GRUCell, x, h_prev), torch_weights(Wx, Wh, bx, bh),
                                      (x, h_prev))


# -- numpy LSTMs with the switches students get wrong (buggy variants) ----------------------------------------------
def sigmoid(a):
    return np.exp(-np.logaddexp(0.0, -a))


GATES = {"ifgo": (0, 1, 2, 3), "ifog": (0, 1, 3, 2)}  # where i, f, g, o sit among the four blocks


def np_step(x, h, c, Wx, Wh, b, order="ifgo", g_sigmoid=False, tanh_of_cell=True, forget=True):
    """One LSTM step -> (h_next, c_next, gates)."""
    H = h.shape[1]
    a = x @ Wx + h @ Wh + b
    block = [a[:, k * H:(k + 1) * H] for k in GATES[order]]
    i, f, o = sigmoid(block[0]), sigmoid(block[1]), sigmoid(block[3])
    g = sigmoid(block[2]) if g_sigmoid else np.tanh(block[2])
    c_next = (f * c if forget else c) + i * g
    h_next = o * (np.tanh(c_next) if tanh_of_cell else c_next)
    return h_next, c_next, (i, f, g, o)


def np_forward(x, h0, Wx, Wh, b, c0=None, **switches):
    h, c = h0, np.zeros_like(h0) if c0 is None else c0
    states = []
    for t in range(x.shape[1]):
        h, c, _ = np_step(x[:, t], h, c, Wx, Wh, b, **switches)
        states.append(h)
    return np.stack(states, axis=1)


def np_step_backward(dh, dc, x, h, c, Wx, Wh, b, cell_from_h=True, forget_in_dc_prev=True):
    """(dx, dh_prev, dc_prev, dWx, dWh, db) of one step, with the switches a buggy copy flips."""
    _, c_next, (i, f, g, o) = np_step(x, h, c, Wx, Wh, b)
    tc = np.tanh(c_next)
    dcell = dc + (dh * o * (1 - tc ** 2) if cell_from_h else 0.0)
    da = np.concatenate([dcell * g * i * (1 - i), dcell * c * f * (1 - f), dcell * i * (1 - g ** 2),
                         dh * tc * o * (1 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dcell * f if forget_in_dc_prev else dcell, x.T @ da, h.T @ da, da.sum(axis=0)


def np_backward(dh, x, h0, Wx, Wh, b, c0=None, carry_cell=True, carry_hidden=True):
    """BPTT over np_step_backward; the cell's (or the hidden state's) gradient carried between steps or not."""
    T = x.shape[1]
    hs, cs = [h0], [np.zeros_like(h0) if c0 is None else c0]
    for t in range(T):
        h, c, _ = np_step(x[:, t], hs[-1], cs[-1], Wx, Wh, b)
        hs.append(h)
        cs.append(c)
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_carry, dc_carry = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dc_prev, gx, gh, gb = np_step_backward(dh[:, t] + dh_carry, dc_carry, x[:, t], hs[t], cs[t],
                                                                 Wx, Wh, b)
        dWx, dWh, db = dWx + gx, dWh + gh, db + gb
        dh_carry = dh_prev if carry_hidden else 0.0 * dh_prev
        dc_carry = dc_prev if carry_cell else 0.0 * dc_prev
    return dx, dh_carry if carry_hidden else dh_prev, dWx, dWh, db


def np_gru(x, h, Wx, Wh, bx, bh, reset_before=False, update_swapped=False, order="rzn"):
    H = h.shape[1]
    pick = {"rzn": (0, 1, 2), "zrn": (1, 0, 2)}[order]
    ax, ah = x @ Wx + bx, h @ Wh + bh
    blocks = lambda a: [a[:, k * H:(k + 1) * H] for k in pick]  # noqa: E731
    (xr, xz, xn), (hr, hz, hn) = blocks(ax), blocks(ah)
    r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    n_hidden = (r * h) @ Wh[:, 2 * H:] + bh[2 * H:] if reset_before else r * hn
    n = np.tanh(xn + n_hidden)
    return z * n + (1 - z) * h if update_swapped else (1 - z) * n + z * h


# -- inputs ----------------------------------------------------------------------------------------------------------
def _weights_for(draw, d, h, gates, scale):
    return draw(array((d, gates * h), -scale, scale)), draw(array((h, gates * h), -scale, scale))


@st.composite
def step_inputs(draw):
    n, d, h = draw(size(1, 3)), draw(size(1, 4)), draw(size(1, 4))
    Wx, Wh = _weights_for(draw, d, h, 4, draw(st.sampled_from([0.5, 1.5])))
    return {"x": draw(array((n, d))), "h_prev": draw(array((n, h), -1, 1)), "c_prev": draw(array((n, h), -2, 2)),
            "Wx": Wx, "Wh": Wh, "b": draw(array((4 * h,), -1, 1))}


@st.composite
def sequence_inputs(draw, with_c0=True):
    n, t, d, h = draw(size(1, 3)), draw(size(1, 5)), draw(size(1, 4)), draw(size(1, 4))
    Wx, Wh = _weights_for(draw, d, h, 4, draw(st.sampled_from([0.5, 1.0])))
    case = {"x": draw(array((n, t, d), -2, 2)), "h0": draw(array((n, h), -1, 1)), "Wx": Wx, "Wh": Wh,
            "b": draw(array((4 * h,), -0.5, 0.5))}
    return {**case, "c0": draw(array((n, h), -1, 1))} if with_c0 else case


@st.composite
def gru_inputs(draw):
    n, d, h = draw(size(1, 3)), draw(size(1, 4)), draw(size(1, 4))
    Wx, Wh = _weights_for(draw, d, h, 3, draw(st.sampled_from([0.5, 1.5])))
    return {"x": draw(array((n, d))), "h_prev": draw(array((n, h), -1, 1)), "Wx": Wx, "Wh": Wh,
            "bx": draw(array((3 * h,), -1, 1)), "bh": draw(array((3 * h,), -1, 1))}


def _case(n, t, d, h, scale, seed, c0=True):
    rng = np.random.default_rng(seed)
    case = {"x": rng.standard_normal((n, t, d)), "h0": rng.standard_normal((n, h)) * 0.5,
            "Wx": rng.standard_normal((d, 4 * h)) * scale / np.sqrt(d),
            "Wh": rng.standard_normal((h, 4 * h)) * scale / np.sqrt(h), "b": rng.standard_normal(4 * h) * 0.1}
    return {**case, "c0": rng.standard_normal((n, h))} if c0 else case


def _step_case(case):
    return {"x": case["x"][:, 0], "h_prev": case["h0"], "c_prev": case["c0"], "Wx": case["Wx"], "Wh": case["Wh"],
            "b": case["b"]}


# T = 1, N = 1 and D != H; square blocks (D == H) last, which hypothesis runs first (a transposed Wh still runs).
SEQUENCE_CASES = [_case(1, 1, 3, 2, 1.0, 1), _case(2, 4, 3, 5, 1.0, 2), _case(3, 3, 4, 4, 1.0, 3)]
LONG_CASES = [_case(2, 60, 3, 4, 0.3, 4), _case(2, 50, 4, 4, 3.0, 5), _case(1, 55, 2, 6, 1.5, 6)]

# -- mistakes ------------------------------------------------------------------------------------------------------
ORDER = "the blocks are [i | f | g | o], PyTorch's order (CS231n's notes use [i | f | o | g]): g is the third block"
G_SIGMOID = "the candidate g is tanh(a_g), in [-1, 1]; the three gates i, f and o are sigmoids"
NO_TANH = "h_next = o * tanh(c_next): the cell state goes through tanh before the output gate"
NO_FORGET = "c_next = f * c_prev + i * g: the forget gate scales the old cell state"


def forward_mistakes(step):
    """The forward mistakes, as variants of the step or of the sequence."""
    def variant(**switches):
        if step:
            return lambda x, h_prev, c_prev, Wx, Wh, b: np_step(x, h_prev, c_prev, Wx, Wh, b, **switches)[:2]
        return lambda x, h0, Wx, Wh, b, c0=None: np_forward(x, h0, Wx, Wh, b, c0, **switches)

    return [Mistake("lstm_gate_order_ifog", ORDER, variant=variant(order="ifog")),
            Mistake("lstm_candidate_sigmoid", G_SIGMOID, variant=variant(g_sigmoid=True)),
            Mistake("lstm_output_without_tanh", NO_TANH, variant=variant(tanh_of_cell=False)),
            Mistake("lstm_no_forget_gate", NO_FORGET, variant=variant(forget=False))]


CELL_FROM_H = ("the cell state also reaches the loss through h_next = o * tanh(c_next): dc = dc_next + "
               "dh_next * o * (1 - tanh(c_next)^2), before any gate's gradient")
DC_PREV = "c_prev enters c_next as f * c_prev: dc_prev = dc * f"
step_backward_mistakes = [
    Mistake("lstm_dc_misses_path_through_h", CELL_FROM_H, stage="backward",
            variant=lambda dh_next, dc_next, **i: np_step_backward(dh_next, dc_next, *i.values(), cell_from_h=False)),
    Mistake("lstm_dc_prev_not_times_forget", DC_PREV, stage="backward",
            variant=lambda dh_next, dc_next, **i: np_step_backward(dh_next, dc_next, *i.values(),
                                                                 forget_in_dc_prev=False)),
]
sequence_backward_mistakes = [
    Mistake("lstm_cell_gradient_not_carried", "the cell state carries memory from step to step, and its gradient "
            "must flow back the same way: pass dc_prev of step t on as dc_next of step t-1 (starting from zeros)",
            stage="backward", variant=lambda dh, x, h0, Wx, Wh, b, c0=None: np_backward(dh, x, h0, Wx, Wh, b, c0,
                                                                                       carry_cell=False)),
    Mistake("lstm_hidden_gradient_not_carried", "h[:, t] feeds step t+1 too: add the dh_prev that step t+1 gives "
            "back to dh[:, t]", stage="backward",
            variant=lambda dh, x, h0, Wx, Wh, b, c0=None: np_backward(dh, x, h0, Wx, Wh, b, c0, carry_hidden=False)),
]
gru_mistakes = [
    Mistake("gru_reset_before_matmul", "PyTorch applies the reset gate after the hidden-side product: "
            "n = tanh(x Wx_n + bx_n + r * (h_prev Wh_n + bh_n)), not (r * h_prev) Wh_n",
            variant=lambda **i: np_gru(*i.values(), reset_before=True)),
    Mistake("gru_update_gate_swapped", "h_next = (1 - z) * n + z * h_prev: in PyTorch z near 1 keeps the old state",
            variant=lambda **i: np_gru(*i.values(), update_swapped=True)),
    Mistake("gru_gate_order_zrn", "the blocks are [r | z | n]: the reset gate first",
            variant=lambda **i: np_gru(*i.values(), order="zrn")),
]

# -- checks --------------------------------------------------------------------------------------------------------
STEP_GRADS = ("x", "h_prev", "c_prev", "Wx", "Wh", "b")
SEQUENCE_GRADS = ("x", "h0", "Wx", "Wh", "b")  # no gradient for c0 (the contract)

TOPIC.about("lstm_step_forward", "one LSTM step: gates [i | f | g | o], the cell state and the output", "medium")
TOPIC.layer("lstm_step", inputs=step_inputs(), cases=[_step_case(c) for c in SEQUENCE_CASES], oracle=step_oracle,
            outputs=("h_next", "c_next"), differentiable=2, grads=STEP_GRADS,
            mistakes=forward_mistakes(step=True) + step_backward_mistakes)
TOPIC.about("lstm_forward", "the LSTM over a batch of sequences, and backpropagation through time", "hard")
sequence_checks = TOPIC.layer("lstm", inputs=sequence_inputs(), cases=SEQUENCE_CASES, oracle=sequence_oracle,
                              outputs=("h",), grads=SEQUENCE_GRADS, defaults={"c0": None},
                              mistakes=forward_mistakes(step=False) + sequence_backward_mistakes)
TOPIC.layer("lstm", inputs=sequence_inputs(with_c0=False), cases=[_case(2, 3, 2, 3, 1.0, 7, c0=False)],
            oracle=sequence_oracle, outputs=("h",), grads=SEQUENCE_GRADS, forward_check="matches_torch_without_c0",
            backward_check="matches_autograd_without_c0", mistakes=sequence_backward_mistakes)
TOPIC.layer("lstm", cases=LONG_CASES, oracle=sequence_oracle, outputs=("h",), grads=SEQUENCE_GRADS,
            forward_check="long_sequences", backward_check="long_sequences",
            mistakes=forward_mistakes(step=False) + sequence_backward_mistakes)
TOPIC.about("gru_step_forward", "one GRU step as nn.GRUCell (forward only)", "medium")
TOPIC.compare("gru_step_forward", inputs=gru_inputs(), oracle=gru_oracle, returns=("h_next",), cache=True,
              mistakes=gru_mistakes)

SPEED_HINT = ("loop over the time steps only (each needs the previous state): inside a step, one matrix product "
              "for the whole batch and all four gates; never loop over sequences or hidden units")
recurrent_limits(TOPIC, "lstm", _case, SPEED_HINT)  # the sizes, and why two: rnn.py


# -- an outcome: trained by the grader, the student's LSTM learns to remember ----------------------------------------
# The task: a symbol (one of SYMBOLS, one-hot) comes at step 0, then STEPS - 1 steps of a "wait" signal and noise;
# at the last step the network must say which symbol it saw. The grader's own loop trains the student's
# lstm_forward / lstm_backward with a linear read-out, softmax cross-entropy and Adam. The reference learns it
# from 299 of 300 seeds (python -m tests.outcomes lstm 300).
RECALL = {"symbols": 4, "steps": 8, "hidden": 16, "batch": 32, "iterations": 150, "lr": 0.03}
RECALL_SEEDS = (0, 1, 2)
RECALL_ACCURACY = 0.85
#: The student's training calls may take at most this many times the reference's (CPU time, all calls together).
RECALL_TIME_FACTOR = 25.0


def recall_batch(rng, n):
    """(x (n, steps, symbols + 1), the symbol of each sequence)."""
    k, steps = RECALL["symbols"], RECALL["steps"]
    symbols = rng.integers(0, k, n)
    x = np.zeros((n, steps, k + 1))
    x[np.arange(n), 0, symbols] = 1.0
    x[:, 1:, k] = 1.0
    x[:, 1:, :k] += rng.normal(0.0, 0.5, (n, steps - 1, k))
    return x, symbols


def _outputs(result, function, shapes):
    """The arrays a training call returned, checked enough to train with (the other checks say what is wrong)."""
    arrays = returned_arrays(result, shapes)
    if arrays is None:
        raise CannotTrain(f"{function}() did not return finite arrays of the shapes {', '.join(map(str, shapes))}")
    return arrays


def train_recall(side, seed):
    """Train an LSTM by ``side``'s lstm_forward / lstm_backward (a generator: the student's calls are yielded);
    its accuracy on held-out sequences."""
    rng = np.random.default_rng(seed)
    k, H, N = RECALL["symbols"], RECALL["hidden"], RECALL["batch"]
    D = k + 1
    params = {"Wx": rng.normal(0, 1 / np.sqrt(D), (D, 4 * H)), "Wh": rng.normal(0, 1 / np.sqrt(H), (H, 4 * H)),
              "b": np.zeros(4 * H), "Wy": rng.normal(0, 1 / np.sqrt(H), (H, k)), "by": np.zeros(k)}
    params["b"][H:2 * H] = 1.0  # forget gates open at first: the usual initialization
    moments = {name: (np.zeros_like(p), np.zeros_like(p)) for name, p in params.items()}
    h0 = np.zeros((N, H))
    for step in range(1, RECALL["iterations"] + 1):
        x, symbols = recall_batch(rng, N)
        forward = yield from side.call("lstm_forward", (x, h0, params["Wx"], params["Wh"], params["b"]),
                                       timed=True, keep=1)
        (h,) = _outputs(forward, "lstm_forward", [(N, RECALL["steps"], H)])
        logits = h[:, -1] @ params["Wy"] + params["by"]
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        dlogits = p.copy()
        dlogits[np.arange(N), symbols] -= 1.0
        dlogits /= N
        dh = np.zeros_like(h)
        dh[:, -1] = dlogits @ params["Wy"].T
        backward = yield from side.call("lstm_backward", (dh, Ref(forward.call_id, (1,))), timed=True)
        _, _, dWx, dWh, db = _outputs(backward, "lstm_backward", [x.shape, h0.shape, (D, 4 * H), (H, 4 * H), (4 * H,)])
        grads = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": h[:, -1].T @ dlogits, "by": dlogits.sum(axis=0)}
        for name, grad in grads.items():  # Adam, with gradients clipped elementwise
            m, v = moments[name]
            grad = np.clip(grad, -5.0, 5.0)
            m[:] = 0.9 * m + 0.1 * grad
            v[:] = 0.999 * v + 0.001 * grad * grad
            params[name] -= RECALL["lr"] * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    x, symbols = recall_batch(np.random.default_rng(10_000 + seed), 256)
    test = yield from side.call("lstm_forward", (x, np.zeros((256, H)), params["Wx"], params["Wh"], params["b"]),
                                timed=False, keep=1)
    (h,) = _outputs(test, "lstm_forward", [(256, RECALL["steps"], H)])
    return float(((h[:, -1] @ params["Wy"] + params["by"]).argmax(axis=1) == symbols).mean())


@TOPIC.check("lstm_backward", "learns_to_remember", cases=[{"seeds": RECALL_SEEDS}], points=2.0, timeout=30.0)
def learns_to_remember(ctx, case):
    """Trained by the grader's loop (Adam, a linear read-out), the LSTM recalls at its last step the symbol it saw
    at step 0, from every seed, within a time budget relative to the reference's training."""
    for seed in case["seeds"]:
        try:
            accuracy, reference_accuracy, spent, reference_seconds = yield from training_runs(ctx, train_recall,
                                                                                             seed, seed)
        except CannotTrain as cannot:
            ctx.fail(f"the LSTM could not be trained (seed {seed}): {cannot}")
        if accuracy < RECALL_ACCURACY:
            ctx.fail(f"trained from seed {seed}, your LSTM recalls the first symbol of held-out sequences "
                     f"{accuracy:.0%} of the time, against the reference's {reference_accuracy:.0%} (at least "
                     f"{RECALL_ACCURACY:.0%} needed, chance is {1 / RECALL['symbols']:.0%}): its forward and backward "
                     "match torch on small inputs only if the other checks pass; here the memory itself (the cell "
                     "state and its gradient through time) does not work")
        if spent > RECALL_TIME_FACTOR * reference_seconds:
            ctx.fail(f"training took {spent / reference_seconds:.1f}x the reference's time "
                     f"({spent:.2f} s against {reference_seconds:.2f} s of CPU time, seed {seed}); the "
                     f"limit is {RECALL_TIME_FACTOR:g}x. Hint: {SPEED_HINT}")

# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("lstm_step_forward",
            "The idea: one affine map gives four blocks of pre-activations; three become gates in (0, 1) and one a "
            "candidate in (-1, 1). The forget gate scales the old cell state, the input gate admits the candidate, "
            "the output gate decides how much of the squashed cell becomes the hidden state.",
            "The formula: a = x Wx + h_prev Wh + b, (N, 4H), split into H-column blocks in PyTorch's order "
            "[a_i | a_f | a_g | a_o]; i, f, o = sigmoid of theirs, g = tanh(a_g); c_next = f * c_prev + i * g and "
            "h_next = o * tanh(c_next), both (N, H), all products elementwise.",
            "The shape of the code: one product per weight matrix for all four gates, then column slices at 0, H, 2H, "
            "3H with H = h_prev.shape[1]; the third slice is g. A sigmoid that exponentiates only -|a| (or uses "
            "np.logaddexp) cannot overflow. Cache the inputs, the weights, the four activations and tanh(c_next): "
            "the backward needs them all.",
            questions=[("Why is the forget gate's bias often initialized to 1 or more?",
                        "Then f starts near 1, so the cell state and its gradient pass through many steps almost "
                        "unchanged and long dependencies can be learned early; with f near 0.5 memory decays like "
                        "0.5^t (Gers et al. 2000, Jozefowicz et al. 2015). The grader's recall training does this."),
                       ("How many parameters does this cell have, and what does PyTorch store differently?",
                        "4H(D + H + 1): Wx (D, 4H), Wh (H, 4H), b (4H,). PyTorch stores weight_ih (4H, D) and "
                        "weight_hh (4H, H), transposed, plus two biases bias_ih and bias_hh that only appear summed, "
                        "4H redundant parameters.")])
TOPIC.hints("lstm_step_backward",
            "The idea: the cell state gets gradient from two places, the later steps (dc_next) and this step's "
            "output through tanh; add them first, then send the total to each gate, through each gate's "
            "nonlinearity, and finish with the affine backward as in the RNN.",
            "The formula: dc = dc_next + dh_next * o * (1 - tanh(c_next)^2); da_i = dc * g * i(1 - i), "
            "da_f = dc * c_prev * f(1 - f), da_g = dc * i * (1 - g^2), da_o = dh_next * tanh(c_next) * o(1 - o), each "
            "(N, H); da = [da_i | da_f | da_g | da_o] (N, 4H); dc_prev = dc * f; dx = da Wx^T, dh_prev = da Wh^T, "
            "dWx = x^T da, dWh = h_prev^T da, db = da summed over the batch.",
            "The shape of the code: unpack the cache; one line for the total cell gradient, four elementwise gate "
            "gradients joined by np.concatenate along axis 1 in the forward's order, then the same four products and "
            "batch sum as in the RNN step. Pitfalls: the output gate's term uses dh_next, not the total dc; dc_prev "
            "multiplies by f, not by the gate's derivative.",
            questions=[("Why does the cell state ease vanishing gradients?",
                        "Along the cell path dc_prev = dc * f: elementwise, with no product by Wh and no squashing "
                        "derivative, so with f near 1 the gradient survives many steps (the constant error carousel). "
                        "A small f still shrinks it, and the hidden path still goes through Wh: eased, not removed."),
                       ("Can an LSTM's gradients still explode, and what is done about it?",
                        "Yes: the hidden path multiplies by Wh and the gate derivatives every step, and the paths add "
                        "up; training clips the gradient norm (torch.nn.utils.clip_grad_norm_) just as for RNNs.")])
TOPIC.hints("lstm_forward",
            "The idea: run the step over time from (h0, c0), each step feeding the next both its hidden and its "
            "cell state; return only the hidden states, the cell states stay internal.",
            "The formula: c_{-1} = c0 (zeros of shape (N, H) when None), h_{-1} = h0; for t = 0 .. T-1, "
            "(h_t, c_t) = step(x[:, t], h_{t-1}, c_{t-1}); the output stacks h_0 .. h_{T-1} as (N, T, H), "
            "H = Wh.shape[0].",
            "The shape of the code: test c0 with `is None` (== on an array is elementwise); preallocate (N, T, H), "
            "not the shape of x; one loop over t carrying two running states and appending each step's cache to a "
            "list, which with the shapes backward needs is the sequence's cache. No loop inside a step.",
            questions=[("What does nn.LSTM(batch_first=True) return, and which shapes ignore batch_first?",
                        "output (N, T, H) and (h_n, c_n), each (num_layers * num_directions, N, H); h0 and c0 are "
                        "passed in that layer-first shape too, since batch_first applies only to input and output."),
                       ("How do you batch sequences of different lengths?",
                        "Pad to a common T, then mask the padded steps (losses, and state updates past each end) or "
                        "use torch's pack_padded_sequence, which skips them; read each sequence's final state at its "
                        "own last step, not at T-1.")])
TOPIC.hints("lstm_backward",
            "The idea: BPTT with two carries: the hidden-state gradient (added to each step's upstream dh) and the "
            "cell-state gradient (passed straight to the previous step); shared weights sum their gradients.",
            "The formula: carries g_h, g_c (N, H) start at zero; for t = T-1 .. 0, step t's backward takes "
            "dh_next = dh[:, t] + g_h and dc_next = g_c and returns the new g_h, g_c as its dh_prev, dc_prev, plus "
            "dx[:, t] and the step's dWx (D, 4H), dWh (H, 4H), db (4H,) to add; dh0 = g_h at the end, dc0 is dropped.",
            "The shape of the code: zeros for both carries and the three accumulators; a loop over reversed(range(T)) "
            "calling the step backward on the cached step; += into the accumulators, never =; store dx per step into "
            "an (N, T, D) array. Pitfall: feeding the cell carry into dh_next, or dropping it: the recall task then "
            "fails even if short sequences look close.",
            questions=[("What is truncated BPTT, and what happens to the LSTM's state across chunks?",
                        "Split the sequence into chunks of k steps; carry (h, c) forward from chunk to chunk but stop "
                        "gradients at chunk boundaries (detach() both in PyTorch). Memory is O(k) instead of O(T), and "
                        "the state can still carry information further, but no gradient teaches it to."),
                       ("What does BPTT cost in memory, and how can it be reduced?",
                        "All T steps' gates, states and inputs are kept, O(T N (D + H)) with several N-by-H arrays per "
                        "step; gradient checkpointing keeps only some steps' states and recomputes the rest in "
                        "backward, about one extra forward for O(sqrt(T)) memory.")])
TOPIC.hints("gru_step_forward",
            "The idea: two gates and no cell state: the reset gate r decides how much of the old state enters the "
            "candidate n, the update gate z blends the old state with the candidate.",
            "The formula: with blocks [r | z | n] of H columns, ax = x Wx + bx and ah = h_prev Wh + bh, both (N, 3H); "
            "r = sigmoid(ax_r + ah_r), z = sigmoid(ax_z + ah_z), n = tanh(ax_n + r * ah_n) (r scales bh_n too); "
            "h_next = (1 - z) * n + z * h_prev, (N, H).",
            "The shape of the code: two products, each with its own bias, kept apart (not summed up front) because "
            "the n blocks combine differently; slice columns at 0, H, 2H; an overflow-free sigmoid; return h_next and "
            "a cache such as the gates. Pitfalls: applying r to h_prev before the product; z and 1 - z swapped.",
            questions=[("How does a GRU compare with an LSTM?",
                        "Three gate blocks instead of four (about 3/4 the parameters and compute) and no separate "
                        "cell: h is the memory, and z ties forgetting to writing (z keeps, 1 - z writes). Accuracy is "
                        "usually comparable, with no consistent winner across tasks (Chung et al. 2014)."),
                       ("Why can't bx and bh be merged here, and why does PyTorch apply r after the product?",
                        "For r and z they only appear summed, but bh_n sits inside r * (h_prev Wh_n + bh_n), scaled by "
                        "r. Applying r after the product (ONNX's linear_before_reset, as cuDNN does) lets one product "
                        "of h_prev serve all three blocks; the paper's (r * h_prev) Wh_n needs a second one after r.")])

"""The rnn and lstm topics beyond what every topic's tests show (solutions pass, stubs are not implemented,
mutants are named, alternatives pass): the speed limits tell the loop over time from loops over the batch or
the hidden units, the outcome check trains an LSTM that must remember, long sequences and inputs left alone."""
import dataclasses
import pathlib
import shutil

import numpy as np
import pytest

from dlgrade.core import Outcome
from dlgrade.registry import load_topic
from tests.support import SOLUTIONS, grade, grader, write_module

HERE = pathlib.Path(__file__).parent
LIMITED = [f"{t}_{half}" for t in ("rnn", "lstm") for half in ("forward", "backward")]


def limits(verdicts):
    return {cid: v for cid, v in verdicts.items() if "::fast_enough" in cid}


def by_function(verdicts):
    found = {}
    for v in verdicts.values():
        found.setdefault(v.function, []).append(v)
    return found


@pytest.fixture(scope="module")
def unit_loops(tmp_path_factory):
    """The loop-over-hidden-units implementations as a student folder (rnn.py, lstm.py)."""
    folder = tmp_path_factory.mktemp("unit_loops")
    for topic in ("rnn", "lstm"):
        shutil.copy(HERE / "slow_impls" / f"{topic}_units.py", folder / f"{topic}.py")
    return folder


@pytest.mark.parametrize("kind", ["batch", "units"])
def test_loops_inside_the_loop_over_time_are_right_but_too_slow(kind, unit_loops):
    folder = HERE / "slow_impls" if kind == "batch" else unit_loops
    verdicts = grade(folder, "rnn", "lstm")
    wrong = {cid: v.message for cid, v in verdicts.items() if not v.passed and "::fast_enough" not in cid}
    assert wrong == {}  # right answers, learns_to_remember included (its time budget is generous)
    for function in LIMITED:
        failed = [v for v in limits(verdicts).values() if v.function == function and not v.passed]
        assert failed, f"{kind} loops in {function}() passed every speed limit"
        for v in failed:
            assert v.outcome is Outcome.FAILED and f"{function}() is too slow: it took" in v.message
            assert "loop over the time steps only" in v.message
    expected = "fast_enough" if kind == "batch" else "fast_enough_many_units"  # the size that shows each loop
    assert all(not v.passed for v in limits(verdicts).values() if v.check == expected)


def test_vectorized_styles_pass_every_limit():
    verdicts = limits(grade(HERE / "alternatives", "rnn", "lstm"))
    assert len(verdicts) == 8 and {cid: v.message for cid, v in verdicts.items() if not v.passed} == {}


def test_the_reference_learns_to_remember_from_many_seeds():
    """The outcome check on 20 seeds (the check itself uses 3): the reference passes from every one."""
    check = next(c for c in load_topic("lstm").checks if c.name == "learns_to_remember")
    many = dataclasses.replace(check, cases=({"seeds": tuple(range(3, 23))},))
    from dlgrade.execution.inprocess import InProcessExecutor

    with InProcessExecutor(SOLUTIONS) as executor:
        verdict = grader().run(many, executor)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("mutant, fragment", [
    ("lstm_cs231n_gate_order", "recalls the first symbol"),  # a gate order that matches no torch LSTM
    ("lstm_step_backward_dc_only_from_dc_next", "recalls the first symbol"),  # the cell misses dh's path
])
def test_a_subtly_wrong_lstm_does_not_learn_to_remember(mutant, fragment, tmp_path):
    from tests.mutants.rnn_lstm import MUTANTS

    source = next(m.source for m in MUTANTS if m.name == mutant)
    folder = write_module(tmp_path, "lstm", source)
    verdict = grade(folder, "lstm", only="lstm::lstm_backward::learns_to_remember")[
        "lstm::lstm_backward::learns_to_remember"]
    assert verdict.outcome is Outcome.FAILED and fragment in verdict.message, verdict.message
    assert "against the reference's 100%" in verdict.message


def test_an_lstm_that_cannot_be_trained_is_told_why(tmp_path):
    folder = write_module(tmp_path, "lstm", """
        _reference_lstm_forward = lstm_forward
        def lstm_forward(x, h0, Wx, Wh, b, c0=None):
            h, cache = _reference_lstm_forward(x, h0, Wx, Wh, b, c0)
            return h[:, :, :1], cache
        """)
    verdict = grade(folder, "lstm", only="lstm::lstm_backward::learns_to_remember")[
        "lstm::lstm_backward::learns_to_remember"]
    assert verdict.outcome is Outcome.FAILED
    assert "could not be trained" in verdict.message and "lstm_forward() did not return finite arrays" in verdict.message


def test_long_sequences_are_graded_where_gradients_vanish_and_grow():
    """The long cases really are long, and torch's gradients on them span many orders of magnitude."""
    from dlgrade.core import Oracle
    from dlgrade.topics import lstm, rnn

    oracle = Oracle("cpu")
    for module in (rnn, lstm):
        assert all(case["x"].shape[1] >= 50 for case in module.LONG_CASES)
        spans = []
        for case in module.LONG_CASES:
            dh = np.zeros((case["x"].shape[0], case["x"].shape[1], case["h0"].shape[1]))
            dh[:, -1] = 1.0
            _, (dx, *_) = oracle.evaluate(module.sequence_oracle, case, wrt=module.SEQUENCE_GRADS, upstream=(dh,))
            per_step = np.abs(dx).max(axis=(0, 2))
            assert np.all(np.isfinite(per_step))
            spans.append(per_step[-1] / max(per_step[0], 1e-300))
        assert max(spans) > 1e6  # the first step's gradient vanished, small weights


def test_an_input_changed_in_place_is_named(tmp_path):
    """CS231n's `dnext_c += ...` on the argument: named, and the message says which argument."""
    folder = write_module(tmp_path, "lstm", """
        def lstm_step_backward(dh_next, dc_next, cache):
            x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
            dc_next += dh_next * o * (1.0 - tc ** 2)
            da = np.concatenate([dc_next * g * i * (1.0 - i), dc_next * c_prev * f * (1.0 - f),
                                 dc_next * i * (1.0 - g ** 2), dh_next * tc * o * (1.0 - o)], axis=1)
            return da @ Wx.T, da @ Wh.T, dc_next * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
        """)
    verdict = grade(folder, "lstm", only="lstm::lstm_step_backward::matches_autograd")[
        "lstm::lstm_step_backward::matches_autograd"]
    assert verdict.diagnosis == "modifies_input_in_place"
    assert "modified its input `ddc_next`" not in verdict.message and "`dc_next`" in verdict.message

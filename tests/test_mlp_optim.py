"""Properties of the mlp and optim graders beyond their mutants and alternatives."""
import sys

import numpy as np
import pytest

import dlgrade.topics.mlp
import dlgrade.topics.optim
from dlgrade.registry import load_topic
from dlgrade.core import Outcome
from dlgrade.execution.inprocess import InProcessExecutor
from dlgrade.grading.grader import Grader
from dlgrade.core.perf import Limit
from dlgrade.topics.mlp import HE_SIZES, SCALES, he_statistics
from dlgrade.topics.optim import SPIRALS_FIT, XOR_FIT
from dlgrade.solutions.mlp import mlp_forward
from dlgrade.solutions.optim import fit_mlp
from tests.support import SOLUTIONS, grade, grader, write_module

TOPICS = ("mlp", "optim")
ALTERNATIVES = SOLUTIONS.parent / "tests" / "alternatives"


def hidden_verdicts(folder):
    with InProcessExecutor(folder) as executor:
        return {c.id: grader().run(c, executor) for t in TOPICS for c in load_topic(t).checks_for("hidden")}


@pytest.mark.parametrize("folder, seed", [(SOLUTIONS, 1), (ALTERNATIVES, 3)], ids=["solutions-1", "alternatives-3"])
def test_right_implementations_pass_under_other_hidden_seeds(folder, seed, monkeypatch):
    monkeypatch.setenv("DLGRADE_HIDDEN_SEED", str(seed))
    verdicts = hidden_verdicts(folder)
    assert verdicts and {cid: v.message for cid, v in verdicts.items() if not v.passed} == {}


def test_every_function_has_checks_and_hidden_twins():
    for topic in TOPICS:
        t = load_topic(topic)
        assert {c.function for c in t.checks} == set(t.functions)
        generated = [c for c in t.checks if c.strategy is not None and c.visibility == "public"]
        assert {c.id + "_hidden" for c in generated} <= {c.id for c in t.checks_for("hidden")}


# -- init_mlp's statistical test: a right scale passes for any seed, wrong ones never do ----------------------
def draw(seed, std, sample="normal"):
    rng = np.random.default_rng(seed)
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(HE_SIZES[:-1], HE_SIZES[1:]), 1):
        z = rng.standard_normal((fan_in, fan_out)) if sample == "normal" else rng.uniform(-3**0.5, 3**0.5, (fan_in, fan_out))
        params[f"W{l}"], params[f"b{l}"] = z * std(fan_in, fan_out), np.zeros(fan_out)
    return params


WRONG = {"he_fan_out": lambda fi, fo: (2 / fo) ** 0.5, "std_is_variance": lambda fi, fo: 2 / fi,
         "not_he_scale": lambda fi, fo: (1 / fi) ** 0.5, "glorot": lambda fi, fo: (2 / (fi + fo)) ** 0.5}


def test_he_scale_statistics_separate_right_from_wrong():
    he = lambda fi, fo: (2 / fi) ** 0.5  # noqa: E731
    for seed in range(20):
        problem, ratios = he_statistics(draw(seed, he), HE_SIZES)
        assert problem is None, (seed, problem)
        assert he_statistics(draw(seed, he, "uniform"), HE_SIZES)[0] is not None
        for name, std in WRONG.items():
            problem, ratios = he_statistics(draw(seed, std), HE_SIZES)
            assert problem is not None, (seed, name)
            named = [m.name for m, rules in SCALES.items()
                     if any(dlgrade.topics.mlp._close_to(ratios, HE_SIZES, r) for r in rules)]
            assert named[:1] == [{"glorot": "not_he_scale"}.get(name, name)], (seed, name, named)


# -- fit_mlp: the targets hold for the reference with a margin of seeds -------------------------------------
def trusted_accuracy(fit, params):
    return float(np.mean(np.argmax(mlp_forward(fit["X"], params)[0], axis=1) == fit["y"]))


def test_reference_reaches_the_targets_on_more_seeds_than_graded():
    for seed in range(3, 13):
        assert trusted_accuracy(XOR_FIT, fit_mlp(**XOR_FIT, rng=np.random.default_rng(seed))) == 1.0, seed
    for seed in range(3, 5):
        assert trusted_accuracy(SPIRALS_FIT, fit_mlp(**SPIRALS_FIT, rng=np.random.default_rng(seed))) >= 0.97, seed


def test_slow_training_fails_the_time_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(dlgrade.topics.optim, "FIT_LIMIT", Limit(factor=1.5, repeats=0, hint="train once"))
    monkeypatch.setattr(dlgrade.topics.optim, "SPIRALS_FIT", XOR_FIT)  # the check as it is, on a faster problem
    folder = write_module(tmp_path, "optim", """
        _fit_once = fit_mlp

        def fit_mlp(X, y, hidden_sizes, epochs, batch_size, lr, rng):
            seed = int(rng.integers(2**32))
            for _ in range(3):
                params = _fit_once(X, y, hidden_sizes, epochs, batch_size, lr, np.random.default_rng(seed))
            return params
        """)
    check = next(c for c in load_topic("optim").checks if c.id == "optim::fit_mlp::fast_enough")
    with InProcessExecutor(folder) as executor:
        verdict = Grader("cpu", reference=SOLUTIONS).run(check, executor)  # no 2 s cap: three fits may take longer
    assert verdict.outcome is Outcome.FAILED and "reference solution's time" in verdict.message, verdict.message
    assert "Hint: train once" in verdict.message


# -- the optimizer checks thread the student's own state, whatever it is -----------------------------------
def test_optimizer_state_may_be_any_object_and_is_never_compared(tmp_path):
    folder = write_module(tmp_path, "optim", """
        class _Moments:
            def __init__(self, t, m, v):
                self.t, self.m, self.v = t, m, v

            def __eq__(self, other):
                raise AssertionError("the grader must not compare states")

        def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
            s = _Moments(0, 0.0, 0.0) if state is None else state
            g = dw + weight_decay * w
            t = s.t + 1
            m, v = beta1 * s.m + (1 - beta1) * g, beta2 * s.v + (1 - beta2) * g * g
            step = lr / (1 - beta1**t) * m / (np.sqrt(v) / np.sqrt(1 - beta2**t) + eps)
            return w - step, _Moments(t, m, v)
        """)
    verdicts = grade(folder, "optim", hidden=True, only="optim::adam")
    assert len(verdicts) == 3 and all(v.passed for v in verdicts.values()), verdicts  # (defaults check too)


def test_state_is_threaded_from_the_previous_call(tmp_path):
    """An adam that ignores its state (restarts every step) is right on the first step only."""
    folder = write_module(tmp_path, "optim", """
        _adam = adam

        def adam(w, dw, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
            return _adam(w, dw, None, lr, beta1, beta2, eps, weight_decay)
        """)
    verdict = grade(folder, "optim", only="optim::adam::matches_torch_optim")["optim::adam::matches_torch_optim"]
    assert verdict.outcome is Outcome.FAILED and "at step 2 of" in verdict.message, verdict.message


def test_same_failing_submission_same_verdicts(tmp_path):
    folder = write_module(tmp_path, "optim", """
        def sgd_momentum(w, dw, state, lr, momentum=0.9):
            v = np.zeros_like(w) if state is None else state
            v = momentum * v - lr * dw
            return w + v, v
        """)
    first, second = (grade(folder, "optim", only="optim::sgd_momentum") for _ in range(2))
    assert [(v.outcome, v.message, v.diagnosis) for v in first.values()] == \
        [(v.outcome, v.message, v.diagnosis) for v in second.values()]


@pytest.mark.skipif(sys.platform != "linux", reason="the sandbox is Linux only")
def test_dicts_refs_and_generators_cross_the_sandbox():
    from dlgrade.execution.sandbox import SandboxExecutor

    ids = ("mlp::mlp_backward::matches_autograd", "mlp::mlp_loss::matches_torch",
           "optim::minibatches::one_epoch_is_a_partition", "optim::adam::matches_torch_optim")
    checks = [c for t in TOPICS for c in load_topic(t).checks if c.id in ids]
    with SandboxExecutor(SOLUTIONS) as executor:
        verdicts = {c.id: grader().run(c, executor) for c in checks}
    assert {cid: v.message for cid, v in verdicts.items() if not v.passed} == {} and len(verdicts) == len(ids)

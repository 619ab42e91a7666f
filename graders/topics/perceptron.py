"""Checks for the perceptron topic: the step function, prediction and the learning rule."""
import numpy as np
from hypothesis import strategies as st

from ..core import Mistake, Topic, call
from ..core.strategies import any_shape, array, inputs, size

TOPIC = Topic("perceptron", "Rosenblatt's perceptron", difficulty="easy")


def rule(X, y, lr=1.0, max_epochs=100, stop_when_clean=True, update_always=False, step_at_zero=False):
    """The perceptron learning rule as SPEC states it; the flags make the common buggy variants."""
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        mistakes = 0
        for x_i, y_i in zip(X, y):
            z = x_i @ w + b
            y_hat = float(z >= 0) if step_at_zero else float(z > 0)
            mistakes += int(y_hat != y_i)
            update = lr * (2 * y_i - 1) if update_always else lr * (y_i - y_hat)
            w, b = w + update * x_i, b + update
        errors.append(mistakes)
        if stop_when_clean and mistakes == 0:
            break
    return w, float(b), errors


# Small integers and integer learning rates keep every dot product exact.
SMALL_INTS = [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
small_ints = st.sampled_from(SMALL_INTS)


@st.composite
def training_sets(draw):
    n, d = draw(size(1, 8)), draw(size(1, 4))
    return {"X": draw(array((n, d), values=SMALL_INTS)),
            "y": np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), dtype=np.int64),
            "lr": draw(st.sampled_from([1.0, 2.0])), "max_epochs": draw(st.integers(1, 12))}


def separable(seed, n=40, d=3, margin=0.5):
    """Gaussian points labelled by a random hyperplane, with a margin kept clear."""
    rng = np.random.default_rng(seed)
    w_true, b_true = rng.standard_normal(d), rng.standard_normal()
    X = rng.standard_normal((n * 4, d)) * 2
    z = (X @ w_true + b_true) / np.linalg.norm(w_true)
    keep = np.abs(z) > margin
    X, z = X[keep][:n], z[keep][:n]
    return X, (z > 0).astype(np.int64)


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])

at_zero = Mistake("step_one_at_zero", "step(0) is 0.0: the condition is z > 0, not z >= 0",
                  variant=lambda z: (z >= 0).astype(float))
TOPIC.about("step", "the Heaviside step", "easy")
TOPIC.compare("step", inputs=inputs(z=any_shape().flatmap(lambda s: array(s, values=SMALL_INTS))),
               cases=[{"z": np.array([-1.0, 0.0, 2.0])}], rule=lambda z: (z > 0).astype(np.float64),
               name="matches_rule", mistakes=[at_zero])


@st.composite
def predict_inputs(draw):
    n, d = draw(size(1, 8)), draw(size(1, 4))
    return {"X": draw(array((n, d), values=SMALL_INTS)), "w": draw(array((d,), values=SMALL_INTS)),
            "b": draw(small_ints)}


TOPIC.compare("perceptron_predict", inputs=predict_inputs(), name="matches_rule",
               rule=lambda X, w, b: (X @ w + b > 0).astype(np.float64),
               mistakes=[Mistake("step_one_at_zero", "a point exactly on the boundary (z = 0) is class 0",
                                 variant=lambda X, w, b: (X @ w + b >= 0).astype(float))])

train_mistakes = [
    Mistake("never_stops", "stop after the first epoch with no mistakes: errors should end at the first 0",
            variant=lambda X, y, lr, max_epochs: rule(X, y, lr, max_epochs, stop_when_clean=False)),
    Mistake("updates_on_correct_samples", "update only on a mistake: w += lr (y - y_hat) x is zero when y_hat == y",
            variant=lambda X, y, lr, max_epochs: rule(X, y, lr, max_epochs, update_always=True)),
    Mistake("step_one_at_zero", "predict 1 only when x.w + b > 0 (at the start w = 0, b = 0 predicts 0)",
            variant=lambda X, y, lr, max_epochs: rule(X, y, lr, max_epochs, step_at_zero=True)),
]
TOPIC.about("perceptron_train", "the perceptron learning rule", "medium")
TOPIC.compare("perceptron_train", inputs=training_sets(), name="matches_rule", rule=rule,
               defaults={"lr": 1.0, "max_epochs": 100},
               returns=("w", "b", "errors"), mistakes=train_mistakes, max_examples=20)


@TOPIC.check("perceptron_train", "converges_on_separable", cases=[{"seed": s} for s in (1, 2, 3)],
             mistakes=train_mistakes[:1])
def converges(ctx, case):
    """On linearly separable data the rule stops with every training point right."""
    X, y = separable(case["seed"])
    got = yield call("perceptron_train", X=X, y=y, lr=1.0, max_epochs=1000)
    w, b, errors = _unpack(ctx, got.value)
    if len(errors) == 0 or errors[-1] != 0:
        ctx.fail(f"on separable data the last epoch should have 0 mistakes; errors ended with {list(errors[-3:])}")
    if len(errors) == 1000:
        ctx.fail("ran all 1000 epochs on separable data", train_mistakes[0])
    if np.any((X @ np.asarray(w) + b > 0).astype(int) != y):
        ctx.fail("the returned w, b misclassify training points although the last epoch reported 0 mistakes")


@TOPIC.check("perceptron_train", "does_not_converge_on_xor", cases=[{"max_epochs": 25}])
def xor(ctx, case):
    """XOR is not linearly separable: every epoch makes a mistake and all max_epochs run."""
    got = yield call("perceptron_train", X=XOR_X, y=XOR_Y, lr=1.0, max_epochs=case["max_epochs"])
    _, _, errors = _unpack(ctx, got.value)
    if len(errors) != case["max_epochs"] or min(errors, default=0) == 0:
        ctx.fail(f"on XOR, expected {case['max_epochs']} epochs each with mistakes, got errors={list(errors)}")


def _unpack(ctx, value):
    if type(value) not in (tuple, list) or len(value) != 3 or type(value[2]) not in (list, tuple):
        ctx.fail("perceptron_train() should return (w, b, errors) with errors a list")
    w, b, errors = value
    if type(w) is not np.ndarray or type(b) not in (float, int) or not all(type(e) is int for e in errors):
        ctx.fail("perceptron_train() should return w as an ndarray, b as a float and errors as a list of ints")
    return w, b, errors


# -- interview practice (`dlgrade practice`): hints that escalate, then what an interviewer asks next ------------
TOPIC.hints("step",
            "The idea: a hard threshold. Every entry becomes 1.0 if it is strictly positive and 0.0 otherwise, "
            "so a point exactly on the boundary is class 0.",
            "The formula: out[i] = 1.0 if z[i] > 0 else 0.0, element by element; out has z's shape, dtype float64.",
            "The shape of the code: one strict comparison against 0 on the whole array (np.asarray first so a "
            "scalar or 0-d input works), then convert the boolean result to float64. Pitfalls: >= instead of >, "
            "returning the bool array, or a Python loop.",
            questions=[("Why can't you train a network of step units with backpropagation?",
                        "The step's derivative is 0 everywhere except at 0, where it is undefined, so every gradient "
                        "through it vanishes. Gradient methods replace it with a smooth surrogate (sigmoid) or a "
                        "straight-through estimator."),
                       ("What does your step return for NaN, and what do numpy and PyTorch offer instead?",
                        "0.0, because every comparison with NaN is False, which silently hides bad input. "
                        "np.heaviside(z, v) and torch.heaviside(z, values) let you choose the value at exactly 0 "
                        "and propagate NaN.")])

TOPIC.hints("perceptron_predict",
            "The idea: a linear score per sample, w . x + b, thresholded: the sign of the score says which side "
            "of the hyperplane w . x + b = 0 the sample lies on.",
            "The formula: y_hat = step(X @ w + b) with X (N, D), w (D,), b a scalar: X @ w is (N,), the bias "
            "broadcasts, and y_hat is (N,) float64.",
            "The shape of the code: one matrix-vector product for all rows, add the scalar bias, then your own "
            "step. Pitfall: a w of shape (D, 1) or a column result gives (N, 1) instead of (N,); no loop over rows.",
            questions=[("What does it cost, and what changes if you scale w and b by 3?",
                        "O(N D) time and O(N) extra memory for the scores. Scaling w and b by any positive constant "
                        "changes no prediction: only the direction of (w, b) matters, and (w . x + b) / ||w|| is "
                        "the signed distance to the boundary."),
                       ("How does this relate to logistic regression and to nn.Linear?",
                        "Logistic regression uses the same linear score but passes it through a sigmoid, giving a "
                        "probability and a usable gradient. nn.Linear stores its weight as (out_features, "
                        "in_features) and computes x @ W.T + b; here w is one output unit, shape (D,).")])

TOPIC.hints("perceptron_train",
            "The idea: an online, mistake-driven rule. Go through the samples in order; when one is misclassified, "
            "move the boundary toward it (t = 1) or away from it (t = 0); correct samples change nothing.",
            "The formula: for each x (D,) with label t, y_hat = step(x . w + b); w += lr (t - y_hat) x and "
            "b += lr (t - y_hat), where t - y_hat is -1, 0 or +1. errors gets one count of mistakes per epoch.",
            "The shape of the code: float64 zeros for w, a float 0 for b; an outer loop over epochs and an inner "
            "loop over rows (each update changes the next prediction, so no vectorizing); count mistakes, append "
            "the count after the epoch, break once it is 0. Pitfalls: int zeros, shuffling, stopping mid-epoch.",
            questions=[("When is the perceptron guaranteed to converge, and how fast?",
                        "Only on linearly separable data (Novikoff): if every ||x|| <= R and some unit-norm separator "
                        "has margin gamma, the rule makes at most (R / gamma)^2 mistakes in total, bias folded "
                        "into x as a constant feature. On XOR it never converges and keeps cycling."),
                       ("Does the learning rate matter here?",
                        "Not for the predictions: starting from w = 0, b = 0 every update is a multiple of lr, so "
                        "(w, b) is just lr times the lr = 1 run and the threshold at 0 sees the same signs. It "
                        "would matter with a nonzero start or a margin in the update rule.")])

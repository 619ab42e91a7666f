"""Bad implementations get a clear, specific verdict and never crash the grader."""
import pytest

from dlgrade.core import Outcome
from tests.support import EXERCISES, grade, grade_check, write_module

RELU_FWD = "activations::relu_forward::matches_torch"
RELU_BWD = "activations::relu_backward::matches_autograd"
SOFTMAX = "losses::softmax::matches_torch"
CE = "losses::softmax_cross_entropy::matches_torch"

CASES = {
    "wrong_shape": (SOFTMAX, """
        def softmax(x):
            e = np.exp(x - x.max(axis=-1, keepdims=True))
            return (e / e.sum(axis=-1, keepdims=True)).reshape(-1)
        """, Outcome.FAILED, "shape is"),
    "int_dtype": (RELU_FWD, """
        def relu_forward(x):
            return np.maximum(x, 0).astype(np.int64), x
        """, Outcome.FAILED, "dtype is int64"),
    "list_instead_of_array": (SOFTMAX, """
        _reference_softmax = softmax
        def softmax(x):
            return _reference_softmax(x).tolist()
        """, Outcome.FAILED, "expected a numpy.ndarray of shape"),
    "ndarray_subclass_lying_eq": (SOFTMAX, """
        class Liar(np.ndarray):
            def __eq__(self, other):
                return True
            def __array__(self, *args, **kwargs):
                return np.zeros(self.shape)
        def softmax(x):
            return np.zeros(x.shape).view(Liar)
        """, Outcome.FAILED, "an ndarray subclass"),
    "object_with_eq_and_array": (SOFTMAX, """
        class Anything:
            def __eq__(self, other):
                return True
            def __array__(self, *args, **kwargs):
                raise RuntimeError("never called by the grader")
        def softmax(x):
            return Anything()
        """, Outcome.FAILED, "Anything"),
    "nan_output": (SOFTMAX, """
        def softmax(x):
            return np.full(x.shape, np.nan)
        """, Outcome.FAILED, "contains NaN"),
    "float16_output": (SOFTMAX, """
        _reference_softmax = softmax
        def softmax(x):
            return _reference_softmax(x.astype(np.float16))
        """, Outcome.FAILED, "out: dtype is float16, expected float64"),
    "mutates_input": (RELU_FWD, """
        def relu_forward(x):
            np.maximum(x, 0, out=x)
            return x, x
        """, Outcome.FAILED, "modified its input `x` in place"),
    "raises": (CE, """
        def softmax_cross_entropy(logits, y):
            raise ValueError("boom")
        """, Outcome.ERROR, "raised ValueError: boom"),
    "returns_one_value_not_tuple": (CE, """
        def softmax_cross_entropy(logits, y):
            return 1.0
        """, Outcome.FAILED, "should return a tuple (loss, dlogits)"),
    "scalar_where_array_expected": (RELU_BWD, """
        def relu_backward(dout, cache):
            return float(dout.sum())
        """, Outcome.FAILED, "expected a numpy.ndarray"),
    "float32_output": (RELU_FWD, """
        def relu_forward(x):
            return np.maximum(x, 0).astype(np.float32), x
        """, Outcome.FAILED, "out: dtype is float32, expected float64 (every floating output is float64"),
    "float32_scalar_loss": (CE, """
        _reference_softmax_cross_entropy = softmax_cross_entropy
        def softmax_cross_entropy(logits, y):
            loss, dlogits = _reference_softmax_cross_entropy(logits, y)
            return np.float32(loss), dlogits
        """, Outcome.FAILED, "loss: dtype is float32, expected float64"),
    "boolean_output": (RELU_FWD, """
        def relu_forward(x):
            return x > 0, x
        """, Outcome.FAILED, "out: dtype is bool, expected float64"),
    "infinite_loop": (RELU_FWD, """
        def relu_forward(x):
            while True:
                pass
        """, Outcome.TIMEOUT, "did not finish"),
    "calls_sys_exit": (RELU_FWD, """
        import sys
        def relu_forward(x):
            sys.exit(0)
        """, Outcome.ERROR, "SystemExit"),
    "calls_os_exit": (RELU_FWD, """
        import os
        def relu_forward(x):
            os._exit(0)
        """, Outcome.ERROR, "relu_forward() called os._exit(0): a function must return its result"),
    "execs_another_program": (RELU_FWD, """
        import os
        def relu_forward(x):
            os.execv("/bin/true", ["true"])
        """, Outcome.ERROR, "relu_forward() called os.execv('/bin/true'"),
    "floods_prints": (RELU_FWD, """
        def relu_forward(x):
            while True:
                print("debugging", x)
        """, Outcome.TIMEOUT, "characters by then: printing that much is slow"),
    "dynamic_forbidden_import": (RELU_FWD, """
        def relu_forward(x):
            torch = __import__("torch")
            out = torch.relu(torch.from_numpy(x)).numpy()
            return out, x
        """, Outcome.FORBIDDEN, "imports torch"),
    "backward_without_working_forward": (RELU_BWD, """
        def relu_forward(x):
            return np.maximum(x, 0)
        """, Outcome.FAILED, "must first return (out, cache)"),
    "memory_blowup": (RELU_FWD, """
        def relu_forward(x):
            huge = np.ones((2**40,))
            return huge, x
        """, Outcome.ERROR, "memory"),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_output_is_rejected_with_a_clear_message(case, tmp_path):
    check_id, source, outcome, fragment = CASES[case]
    folder = write_module(tmp_path, check_id.split("::")[0], source)
    verdict = grade_check(folder, check_id, timeout=2.0)  # endless loops end sooner
    assert verdict.outcome is outcome, verdict.message
    assert fragment in verdict.message
    assert verdict.score == 0
    assert verdict.message.count("(not run again)") <= 1


def test_other_functions_keep_their_results(tmp_path):
    folder = write_module(tmp_path, "activations", CASES["infinite_loop"][1])
    verdicts = grade(folder, "activations", timeout=2.0)
    again = [v for cid, v in verdicts.items() if cid.startswith("activations::relu") and cid != RELU_FWD]
    assert again and all(v.message.count("(not run again)") == 1 for v in again)
    assert verdicts[RELU_FWD].outcome is Outcome.TIMEOUT
    others = [v for cid, v in verdicts.items() if not cid.startswith("activations::relu")]
    assert others and all(v.passed for v in others)


@pytest.mark.parametrize("source, outcome, fragment", [
    ("import torch\n\ndef relu_forward(x):\n    return x, x\n", Outcome.FORBIDDEN, "imports torch (line 1)"),
    ("from scipy import special\n", Outcome.FORBIDDEN, "imports scipy (line 1)"),
    ("def relu_forward(x)\n    return x\n", Outcome.ERROR, "line 1: syntax error"),
    ("def relu_forward(x):\n    return x, x\n\nraise RuntimeError('at import')\n", Outcome.ERROR, "importing activations.py failed: RuntimeError: at import"),
    ("def sigmoid_forward(x):\n    return x, x\n", Outcome.ERROR, "has no function relu_forward()"),
])
def test_module_level_problems(source, outcome, fragment, tmp_path):
    (tmp_path / "activations.py").write_text(source)
    verdict = grade_check(tmp_path, RELU_FWD)
    assert verdict.outcome is outcome, verdict.message
    assert fragment in verdict.message
    assert "smallest failing input" not in verdict.message  # no input is to blame


def test_missing_module(tmp_path):
    verdict = grade_check(tmp_path, RELU_FWD)
    assert verdict.outcome is Outcome.ERROR
    assert "no module activations.py" in verdict.message and "smallest failing input" not in verdict.message


def test_a_failing_backward_shows_its_upstream_gradient(tmp_path):
    folder = write_module(tmp_path, "activations", """
        def relu_backward(dout, cache):
            return dout * (cache >= 0)
        """)
    verdict = grade_check(folder, "activations::relu_backward::matches_autograd")
    assert verdict.outcome is Outcome.FAILED
    inputs = verdict.message.split("smallest failing input:")[1]
    assert "    x = " in inputs and "    dout = " in inputs


def test_stubs_report_not_implemented_without_running():
    verdicts = grade(EXERCISES, "activations")
    assert {v.outcome for v in verdicts.values()} == {Outcome.NOT_IMPLEMENTED}
    assert all("not implemented yet" in v.message for v in verdicts.values())


def test_a_stub_redefined_later_in_the_module_counts_as_implemented(tmp_path):
    folder = write_module(tmp_path, "activations", """
        def relu_forward(x):
            return np.maximum(x, 0.0), x
        """, base=EXERCISES)
    assert grade_check(folder, RELU_FWD).passed


def test_not_implemented_helper_called_by_an_implemented_function(tmp_path):
    folder = write_module(tmp_path, "losses", """
        def log_softmax(x):
            raise NotImplementedError

        def softmax_cross_entropy(logits, y):
            return float(log_softmax(logits).sum()), logits
        """)
    verdict = grade_check(folder, CE)
    assert verdict.outcome is Outcome.NOT_IMPLEMENTED
    assert "losses.py line" in verdict.message


def test_printing_a_lot_is_captured_and_harmless(tmp_path, capsys):
    folder = write_module(tmp_path, "activations", """
        _reference_relu = relu_forward
        def relu_forward(x):
            print("x" * 1_000_000)
            return _reference_relu(x)
        """)
    assert grade_check(folder, RELU_FWD).passed
    assert len(capsys.readouterr().out) < 10_000

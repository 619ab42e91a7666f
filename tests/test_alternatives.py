"""Correct implementations in other styles pass: graders accept what is right, not what looks like ours."""
from dlgrade.core import Outcome
from tests.support import grade, write_module

# Each style of tests/alternatives passing every check of its topic, hidden ones too: tests/test_golden.py.


def test_elu_with_where_over_exp_passes_though_exp_overflows(tmp_path):
    """CS231n's np.where(x > 0, x, alpha * (np.exp(x) - 1)) overflows inside np.exp for large x (a warning)
    but where() never picks that value: right, so it passes at the extremes too."""
    folder = write_module(tmp_path, "activations", """
        def elu_forward(x, alpha=1.0):
            out = np.where(x > 0, x, alpha * (np.exp(x) - 1))
            return out, (x, alpha)


        def elu_backward(dout, cache):
            x, alpha = cache
            return dout * np.where(x > 0, 1.0, alpha * np.exp(x))
        """)
    verdicts = grade(folder, "activations")
    elu = {cid: v for cid, v in verdicts.items() if "::elu_" in cid}
    assert "activations::elu_forward::stable_at_extremes" in elu
    assert {cid: v.message for cid, v in elu.items() if v.outcome is not Outcome.PASSED} == {}

"""Working code is accepted however its module is laid out: functions imported from the student's own helper
modules (relatively, absolutely, by a star import), bound by assignment, or behind a try/except fallback; in
process and in the sandbox. A stub is still a stub, and third-party imports are still refused."""
import sys

import pytest

from dlgrade.core import Outcome
from dlgrade.execution.inprocess import InProcessExecutor
from dlgrade.execution.sandbox import SandboxExecutor
from tests.support import SOLUTIONS, grader

EXECUTORS = [InProcessExecutor] + ([SandboxExecutor] if sys.platform == "linux" else [])
MLP = (SOLUTIONS / "mlp.py").read_text()
# the reference mlp.py split CS231n-style: the layers in layers.py, the network in mlp.py
LAYERS = MLP
LAYOUTS = {
    "relative_import": "from .layers import affine_forward, affine_backward, init_mlp, mlp_forward, mlp_backward, "
                       "mlp_loss\n",
    "star_import": "from .layers import *\n",
    "absolute_import": "from layers import affine_forward, affine_backward, init_mlp, mlp_forward, mlp_backward, "
                       "mlp_loss\n",
    "import_module": "import layers\naffine_forward = layers.affine_forward\naffine_backward = layers.affine_backward\n"
                     "init_mlp = layers.init_mlp\nmlp_forward = layers.mlp_forward\nmlp_backward = layers.mlp_backward\n"
                     "mlp_loss = layers.mlp_loss\n",
    "fallback": "try:\n    from .layers import *\nexcept ImportError:\n    from layers import *\n",
    "bound_by_assignment": "from . import layers as _impl\naffine_forward, affine_backward = _impl.affine_forward, "
                           "_impl.affine_backward\ninit_mlp = _impl.init_mlp\nmlp_forward = _impl.mlp_forward\n"
                           "mlp_backward = _impl.mlp_backward\nmlp_loss = _impl.mlp_loss\n",
}


def verdicts(folder, Executor, topic="mlp"):
    from dlgrade.registry import load_topic

    g = grader()
    with Executor(folder) as executor:
        return {c.id: g.run(c, executor) for c in load_topic(topic).checks if c.visibility == "public"}


@pytest.mark.parametrize("Executor", EXECUTORS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_functions_from_the_students_own_modules_count(layout, Executor, tmp_path):
    (tmp_path / "layers.py").write_text(LAYERS)
    (tmp_path / "mlp.py").write_text(LAYOUTS[layout])
    result = verdicts(tmp_path, Executor)
    assert {cid: v.message for cid, v in result.items() if not v.passed} == {}


@pytest.mark.parametrize("Executor", EXECUTORS)
def test_a_sibling_imported_absolutely_by_another_topic(Executor, tmp_path):
    """optim.py's fit_mlp needs init_mlp and mlp_loss: `import mlp` and `from mlp import ...` are the student's."""
    (tmp_path / "mlp.py").write_text(MLP)
    optim = (SOLUTIONS / "optim.py").read_text().replace("from .mlp import", "from mlp import")
    assert "from mlp import" in optim
    (tmp_path / "optim.py").write_text(optim)
    result = verdicts(tmp_path, Executor, "optim")
    assert {cid: v.message for cid, v in result.items() if not v.passed and "fit_mlp" in cid} == {}


@pytest.mark.parametrize("Executor", EXECUTORS)
def test_a_reexported_stub_is_not_implemented(Executor, tmp_path):
    stub = "def affine_forward(x, w, b):\n    raise NotImplementedError\n"
    (tmp_path / "layers.py").write_text(stub)
    (tmp_path / "mlp.py").write_text("from .layers import affine_forward\n")
    result = verdicts(tmp_path, Executor)
    assert result["mlp::affine_forward::matches_torch"].outcome is Outcome.NOT_IMPLEMENTED
    assert result["mlp::init_mlp::keys_shapes_and_zero_biases"].outcome is Outcome.ERROR  # truly missing
    assert "mlp.py has no function init_mlp()" in result["mlp::init_mlp::keys_shapes_and_zero_biases"].message


@pytest.mark.parametrize("Executor", EXECUTORS)
def test_third_party_imports_are_still_forbidden(Executor, tmp_path):
    (tmp_path / "layers.py").write_text(LAYERS)
    (tmp_path / "mlp.py").write_text("from .layers import *\nimport scipy\n")
    result = verdicts(tmp_path, Executor)
    assert {v.outcome for v in result.values()} == {Outcome.FORBIDDEN}

"""The grading engine: loading, executing, comparing, oracle, verdicts. It knows nothing about topics."""
from .checks import Abort, Check, Context, Mismatch, Mistake, StudentError, run_check
from .compare import ANY, DEFAULT, Tolerance
from .executor import CallResult, Executor, InProcessExecutor
from .oracle import Oracle
from .results import Outcome, Report, Verdict
from .runner import Grader
from .topic import Topic
from .values import Env, Previous, Ref, Rng

__all__ = ["ANY", "DEFAULT", "Abort", "CallResult", "Check", "Context", "Env", "Executor", "Grader",
           "InProcessExecutor", "Mismatch", "Mistake", "Oracle", "Outcome", "Previous", "Ref", "Report", "Rng",
           "StudentError", "Tolerance", "Topic", "Verdict", "run_check"]

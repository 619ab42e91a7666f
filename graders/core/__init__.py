"""The grading core: declaring checks, their inputs, the torch oracle, comparison, diagnoses, verdicts and
performance limits. It knows no topic, no file and no process: student code is reached only through the
executor interface a check's context is handed (dlgrade.execution), and topics are declared on it
(dlgrade.topics)."""
from ..execution.values import Kind, Previous, Ref, Rng
from .calls import Call, Chain, call, chain, chain_of
from .checks import GLOBAL_RNG, MODIFIED_INPUT, Abort, Check, Context, Mismatch, Mistake, StudentError, run_check
from .compare import ANY, DEFAULT, Tolerance
from .declare import Topic
from .oracle import Oracle
from .verdicts import Outcome, Report, Verdict

__all__ = ["ANY", "DEFAULT", "GLOBAL_RNG", "MODIFIED_INPUT", "Abort", "Call", "Chain", "Check", "Context", "Kind", "Mismatch", "Mistake", "Oracle", "Outcome",
           "Previous", "Ref", "Report", "Rng", "StudentError", "Tolerance", "Topic", "Verdict", "call", "chain", "chain_of",
           "run_check"]

"""A check, the context it runs in, and how it reaches a verdict.

A check's body receives a :class:`Context` and one set of inputs. It reaches
student code only by yielding the calls it needs (calls.py), which the
executor it was given makes; it compares with ``ctx.expect`` and raises to fail. Generated inputs come from hypothesis with a
seed fixed per check, so the same submission always meets the same inputs, and
a failure is shrunk to the smallest input that still fails.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, example, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky

from ..execution.executor import CallResult
from ..execution.values import describe, digest, freeze
from .calls import Call, Chain, drive, drive_all
from .conditions import describe_condition, generic_features, separate
from .compare import DEFAULT, Tolerance, compare_returns, distance, matches
from .verdicts import INPUT_HEADINGS, Outcome, Verdict


class Abort(BaseException):
    """Ends a check at once, without shrinking: not implemented, forbidden, timeout, missing.

    A BaseException so that hypothesis passes it straight through.
    """

    def __init__(self, outcome: Outcome, message: str):
        super().__init__(message)
        self.outcome, self.message = outcome, message


class Mismatch(AssertionError):
    """The student's output is wrong (shrinkable)."""

    def __init__(self, message: str, diagnosis: "Mistake | None" = None):
        super().__init__(message)
        self.message, self.diagnosis, self.inputs = message, diagnosis, None
        self.shown: dict = {}  # more of the failing input than the check's inputs (a backward's upstream gradient)
        self.figure: dict | None = None  # a picture of the failure (verdicts.figure_text)


class StudentError(Exception):
    """Student code raised (shrinkable, so the smallest input that raises is reported)."""

    def __init__(self, message: str, call: "CallResult | None" = None):
        super().__init__(message)
        self.message, self.inputs, self.call = message, None, call
        self.shown: dict = {}


_ABORTS = {"not_implemented": Outcome.NOT_IMPLEMENTED, "forbidden": Outcome.FORBIDDEN,
           "timeout": Outcome.TIMEOUT, "missing": Outcome.ERROR, "unloadable": Outcome.ERROR,
           "crashed": Outcome.ERROR}


@dataclass(frozen=True)
class Mistake:
    """A common mistake a check can name.

    Recognized either by ``variant``, a buggy computation on the same inputs whose
    output the student's matches (and the oracle's does not), or by ``when``, a
    predicate on the :class:`Observation` of a failing call. With ``raised``,
    ``when`` looks at a call that raised instead (``Observation.call.message``
    holds the exception; ``got`` is None): a mistake known by the error it causes.
    """

    name: str
    message: str
    variant: Callable | None = None
    when: Callable | None = None
    stage: str = "forward"  # for layers: which of the pair it concerns ("forward" or "backward")
    raised: bool = False


#: Named wherever a call changes one of its array arguments (Context.settle): CS231n-style `dnext_c += ...`.
MODIFIED_INPUT = Mistake("modifies_input_in_place", "an in-place operator on an argument (`+=`, `*=`, `x[...] = `) "
                         "changes the caller's array: compute a new one (`dc = dc_next + ...`) or copy first "
                         "(`x = x.copy()`)")
#: Named wherever a check sees a function given an rng change np.random's global state (Context.leaves_global_rng).
GLOBAL_RNG = Mistake("touches_global_rng", "leave np.random's global state alone: no np.random.seed() inside a "
                     "function, and draws only from the rng argument (rng.random, rng.permutation, ...)")


@dataclass
class Observation:
    """What a predicate mistake can look at."""

    inputs: dict
    got: object
    expected: tuple
    call: CallResult

    @property
    def outputs(self) -> tuple:
        """What the call returned as a tuple of outputs: a function that returns one array (a backward's dx)
        gives a 1-tuple."""
        return tuple(self.got) if type(self.got) in (tuple, list) and self.got else (self.got,)

    @property
    def first_not_finite(self) -> bool:
        """The first output (out, loss, or a backward's dx) holds inf or NaN."""
        return not np.all(np.isfinite(np.asarray(self.outputs[0], dtype=float)))


def _no_local_constants() -> None:
    """Hypothesis mixes constants it finds in "local" modules (any module outside site-packages: the
    student's own, once imported) into the values it draws, and caches them in ./.hypothesis/. Inputs would
    then depend on which submission a process met first, and the student's folder would get the kit's
    cache. Only the built-in constants are used here."""
    from hypothesis.internal.conjecture import providers

    if hasattr(providers, "_get_local_constants") and hasattr(providers, "_local_constants"):
        empty = providers._local_constants
        providers._get_local_constants = lambda: empty


_no_local_constants()

#: Generated inputs per check, besides its explicit cases (hidden twins get twice as many).
DEFAULT_EXAMPLES = 12


@dataclass
class Check:
    topic: str
    function: str
    name: str
    body: Callable  # body(ctx, inputs): a generator yielding the calls it makes (calls.py), or a plain function
    strategy: object = None  # hypothesis strategy for the inputs dict; None: only the explicit cases
    cases: tuple = ()
    points: float = 1.0
    visibility: str = "public"
    difficulty: str = ""
    max_examples: int = DEFAULT_EXAMPLES
    timeout: float = 10.0  # per call, seconds
    mistakes: tuple = ()
    description: str = ""
    features: Callable | None = None  # features(inputs) -> {name: value}, for a failure's condition (conditions.py)

    @property
    def id(self) -> str:
        return f"{self.topic}::{self.function}::{self.name}"

    def hidden_twin(self) -> "Check":
        """The same check on other inputs (its own seed, twice the examples), run only with --hidden."""
        return replace(self, name=f"{self.name}_hidden", visibility="hidden", cases=(),
                       max_examples=self.max_examples * 2)


class Context:
    """What a check body may use: the oracle, the reference, comparison helpers; the calls it yields are made
    by the executor it was given (see calls.py)."""

    def __init__(self, executor, oracle, check: Check, timeout_cap: float | None = None, reference=None,
                 timings=None):
        self.executor, self.oracle, self.check = executor, oracle, check
        self.timeout_cap = timeout_cap
        self._reference = reference
        self.timings = timings  # perf.TimingBook: the reference's times recorded, or to record
        self.inputs: dict | None = None
        self.printed: dict[int, str] = {}  # example index -> what its calls printed (the last drive's)

    # -- calls --------------------------------------------------------------------
    def deadline(self, timeout: float | None) -> float:
        """A call's deadline: its own, or the check's, lowered to the instructor's cap."""
        timeout = timeout or self.check.timeout
        return min(timeout, self.timeout_cap) if self.timeout_cap else timeout

    def settle(self, result: CallResult, made: Call) -> CallResult:
        """``result`` if the call returned normally and left its arguments alone; else the exception that
        ends the check (raised in the body, where it yielded the call)."""
        if result.status in _ABORTS:
            raise Abort(_ABORTS[result.status], result.message)
        if result.status == "error":
            raise StudentError(result.message, result)
        if result.mutated:
            changed = ", ".join(f"`{made.names[i]}`" for i in result.mutated)
            raise Mismatch(f"{made.function}() modified its input {changed} in place; "
                           "work on a copy (functions must not change their arguments)"
                           f"\nLikely mistake ({MODIFIED_INPUT.name}): {MODIFIED_INPUT.message}", MODIFIED_INPUT)
        return result

    def not_made(self, made) -> Abort:
        function = made.calls[0].function if isinstance(made, Chain) else made.function
        return Abort(Outcome.ERROR, f"{function}() could not be run: the process running your code kept "
                                    "being replaced")

    def reference(self):
        """The executor of the trusted reference solutions (speed limits are timed against them)."""
        if self._reference is None:
            raise FileNotFoundError("no reference solutions were given to this grader")
        return self._reference()

    # -- oracle -----------------------------------------------------------------
    def torch(self, fn, inputs: dict, wrt: tuple = (), upstream=None):
        """The torch oracle's (outputs, gradients) on these inputs."""
        return self.oracle.evaluate(fn, inputs, wrt, upstream)

    def torch_backward(self, fn, inputs: dict, wrt: tuple, differentiable: int = 1):
        """(outputs, upstream, gradients) with one forward pass: the upstream gradients are random, shaped
        like the first ``differentiable`` outputs and seeded by the inputs (see :meth:`upstream`)."""
        return self.oracle.evaluate_backward(fn, inputs, wrt, lambda outputs: self.upstream(*outputs[:differentiable]))

    def upstream(self, *like) -> tuple:
        """Random upstream gradients shaped like the given outputs, seeded by the inputs (never all ones)."""
        rng = np.random.default_rng(int.from_bytes(digest(self.inputs)[:8], "little"))
        return tuple(rng.standard_normal(np.shape(x)) for x in like)

    # -- verdicts ---------------------------------------------------------------
    def expect(self, got: CallResult | object, expected: tuple, names: tuple, *, function: str | None = None,
               tol: Tolerance = DEFAULT, mistakes=(), variant_args: tuple = ()) -> None:
        """Fail unless ``got`` matches ``expected`` (a tuple of outputs named ``names``).

        On a mismatch each mistake is tried: a variant is evaluated on the same
        inputs (``variant_args`` first, then the inputs by name) and compared with
        the student's output; a predicate looks at the observation.
        """
        call = got if isinstance(got, CallResult) else None
        value = call.value if call else got
        function = function or self.check.function
        problems = compare_returns(value, expected, names, function, tol)
        if not problems:
            return
        diagnosis = self.diagnose(value, expected, names, function, tol, mistakes, variant_args, call)
        message = "; ".join(problems)
        if diagnosis:
            message += f"\nLikely mistake ({diagnosis.name}): {diagnosis.message}"
        raise Mismatch(message, diagnosis)

    def diagnose(self, value, expected, names, function, tol, mistakes, variant_args=(), call=None):
        """The mistake the student's output shows, or None: never a wrong name.

        A variant names its mistake when the student's output matches it (at a loose tolerance) and the
        oracle's does not, and no other variant matches nearly as well (within a tenth of its distance):
        two equally good explanations name neither. Predicates are asked after the variants, in order.
        """
        loose = Tolerance(max(tol.rtol, 1e-6), max(tol.atol, 1e-8))
        candidates = []
        for mistake in mistakes:
            if mistake.variant is None:
                continue
            try:
                buggy = mistake.variant(*variant_args, **_copies(self.inputs))
            except Exception:  # a variant that cannot apply to these inputs names nothing
                continue
            buggy = _fill(buggy, expected, names)
            if matches(value, buggy, names, function, loose) and not matches(buggy, expected, names, function, loose):
                candidates.append((distance(value, buggy), mistake))
        if candidates:
            candidates.sort(key=lambda c: c[0])
            if len(candidates) == 1 or candidates[0][0] < 0.1 * candidates[1][0]:
                return candidates[0][1]
            return None
        return _first_holding(mistakes, Observation(self.inputs, value, expected, call), raised=False)

    def leaves_global_rng(self, *results: CallResult, function: str | None = None) -> None:
        """Fail if any of ``results`` (calls given a numpy Generator) changed np.random's global state."""
        if any(isinstance(r, CallResult) and r.touched_global_rng for r in results):
            self.fail(f"{function or self.check.function}() changed np.random's global state (np.random.seed(), "
                      "np.random.shuffle() or another np.random.* call): a function given an rng draws only "
                      "from it and leaves the global generator alone", GLOBAL_RNG)

    def fail(self, message: str, diagnosis: Mistake | None = None, figure: dict | None = None):
        """Fail the check; ``figure`` (verdicts.figure_text's data) pictures the failure, drawn by reporters."""
        if diagnosis:
            message += f"\nLikely mistake ({diagnosis.name}): {diagnosis.message}"
        mismatch = Mismatch(message, diagnosis)
        mismatch.figure = figure
        raise mismatch

    def refute(self, message: str, got: CallResult | object, expected: tuple = (), mistakes=None, figure=None):
        """Fail a property check with ``message``, naming the first predicate mistake (of ``mistakes``,
        by default the check's) that holds for ``got``; ``expected`` is what predicates see as expected."""
        call = got if isinstance(got, CallResult) else None
        value = call.value if call else got
        predicates = [m for m in (self.check.mistakes if mistakes is None else mistakes) if m.when is not None]
        self.fail(message, self.diagnose(value, tuple(expected), (), self.check.function, DEFAULT, predicates,
                                         call=call), figure)


def _first_holding(mistakes, observation: Observation, raised: bool) -> Mistake | None:
    """The first predicate mistake of ``mistakes`` (those about a raised call, or those about a returned one)
    whose predicate holds for ``observation``."""
    for mistake in mistakes:
        if mistake.when is None or mistake.raised is not raised:
            continue
        try:
            if mistake.when(observation):
                return mistake
        except Exception:  # noqa: BLE001 - a predicate that cannot read this observation names nothing
            continue
    return None


def _raised_mistake(check: Check, error: StudentError) -> Mistake | None:
    """The first of the check's ``raised`` mistakes whose predicate holds for the call that raised."""
    if error.call is None:
        return None
    return _first_holding(check.mistakes, Observation(error.inputs or {}, None, (), error.call), raised=True)


def _copies(inputs: dict) -> dict:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in (inputs or {}).items()}


def _fill(buggy, expected: tuple, names: tuple) -> tuple:
    """A variant gives the outputs in order (a tuple, or one value; trailing ones such as
    a cache may be left out) or only the wrong ones (a dict by name)."""
    if isinstance(buggy, dict) and set(buggy) <= set(names) and len(names) > 1:
        return tuple(buggy.get(n, e) for n, e in zip(names, expected))
    buggy = buggy if isinstance(buggy, tuple) else (buggy,)
    return buggy + tuple(expected[len(buggy):])


#: How many more inputs are tried after the first failure, to find a smaller one.
SHRINK_BUDGET = 30


def check_seed(base: int, check_id: str) -> int:
    return zlib.crc32(f"{base}:{check_id}".encode())


def _run_hypothesis(check: Check, body, seed: int) -> None:
    test = given(check.strategy)(body)
    for case in check.cases:
        test = example(case)(test)
    test = settings(max_examples=check.max_examples, database=None, deadline=None,
                    derandomize=False, report_multiple_bugs=False, print_blob=False,
                    verbosity=Verbosity.quiet, suppress_health_check=list(HealthCheck),
                    phases=(Phase.explicit, Phase.generate, Phase.shrink))(test)
    hypothesis_seed(check_seed(seed, check.id))(test)()


_GENERATED: dict[tuple, list] = {}


def generated_inputs(check: Check, seed: int) -> list[dict]:
    """The inputs hypothesis gives a check that never fails, in order; drawn once per process.

    Every submission meets these same inputs, so they are replayed with a plain
    loop (hypothesis's engine costs ~3 ms an example); only a failing submission
    goes through hypothesis again, which retraces them and shrinks the failure.
    """
    key = (check.id, check.visibility, check.max_examples, seed)
    if key not in _GENERATED:
        recorded: list[dict] = []

        def record(inputs):
            recorded.append(inputs)

        _run_hypothesis(check, record, seed)
        for inputs in recorded:
            freeze(inputs)  # replayed for every submission: read-only, so their digests are kept
        _GENERATED[key] = recorded
    return _GENERATED[key]


def run_check(check: Check, executor, oracle, seed: int = 0, timeout_cap: float | None = None,
              reference=None, timings=None) -> Verdict:
    """Run one check to a verdict; nothing a submission does escapes as an exception.

    ``timeout_cap`` lowers every call's deadline (an instructor's --timeout); ``reference()`` gives the
    executor of the trusted reference, for speed limits; ``timings`` (perf.TimingBook) its times recorded
    where it is absent, or to record.
    """
    ctx = Context(executor, oracle, check, timeout_cap, reference, timings)

    failures: dict[bytes, Exception] = {}
    passed: set[bytes] = set()
    calls_after_failure = [0]
    errors = (Mismatch, StudentError, Abort)

    first_printed: list[str] = []  # what the first example's calls printed, shown with -s on a pass

    def run_all(every_inputs: list) -> None:
        """Every example, their calls batched round by round; raise the first failure, in order."""
        failed = drive(ctx, check.body, every_inputs, errors)
        if not first_printed:
            first_printed.append(ctx.printed.get(0, ""))
        done = len(every_inputs) if failed is None else failed[0]
        passed.update(digest(inputs) for inputs in every_inputs[:done])
        if failed is not None:
            index, exc = failed
            if not isinstance(exc, Abort):
                exc.inputs = every_inputs[index]
                failures[digest(every_inputs[index])] = exc
            raise exc

    def body(inputs):
        # Shrinking is capped: past the budget, only inputs already seen failing fail again,
        # so hypothesis settles on the smallest failure found so far. Inputs that passed are
        # not run again when hypothesis retraces its examples on the way to the failure.
        key = digest(inputs)
        if key in failures:
            raise failures[key]
        if key in passed:
            return
        if failures:
            calls_after_failure[0] += 1
            if calls_after_failure[0] > SHRINK_BUDGET:
                return
        run_all([inputs])

    outcome, message, diagnosis, printed, figure = Outcome.PASSED, "", None, None, None
    try:
        if check.strategy is None:
            run_all(list(check.cases or ({},)))
        else:
            try:
                run_all(generated_inputs(check, seed))
            except (Mismatch, StudentError) as first_failure:
                condition = _condition(ctx, check, seed)
                # Hypothesis meets the same inputs in the same order, then shrinks the failure.
                failures.clear()
                calls_after_failure[0] = 0
                try:
                    _run_hypothesis(check, body, seed)
                except (Mismatch, StudentError) as shrunk:
                    shrunk.condition = condition
                    _keep_name_only_if_both_show_it(first_failure, shrunk)
                    raise
                first_failure.condition = condition
                raise first_failure  # only reached if the failure did not reproduce
    except Abort as exc:
        outcome, message, printed = exc.outcome, exc.message, getattr(exc, "printed", None)
    except Mismatch as exc:
        outcome, message, diagnosis = Outcome.FAILED, exc.message + _condition_line(exc) + _failing_input(exc.inputs, exc.shown, check.strategy is not None), exc.diagnosis
        printed, figure = getattr(exc, "printed", None), exc.figure
    except StudentError as exc:
        diagnosis = _raised_mistake(check, exc)
        outcome, message = Outcome.ERROR, exc.message + _condition_line(exc) + _failing_input(exc.inputs, exc.shown, check.strategy is not None)
        if diagnosis:
            message += f"\nLikely mistake ({diagnosis.name}): {diagnosis.message}"
        printed = getattr(exc, "printed", None)
    except Flaky as exc:
        outcome, message = Outcome.FAILED, f"gives different results on the same input (does it use unseeded randomness?): {exc}"
    score = check.points if outcome is Outcome.PASSED else 0.0
    # What the student's code printed: on the failing input, else on the first example. A hidden check keeps
    # nothing of it (its inputs are secret, and a print of them would show them).
    if printed is None:
        printed = first_printed[0] if first_printed else ""
    return Verdict(check.topic, check.function, check.name, outcome, score, check.points, message,
                   diagnosis.name if diagnosis else None, check.visibility, check.difficulty,
                   output=printed if check.visibility == "public" else "",
                   figure=figure if check.visibility == "public" else None)


#: Examples a failure's condition is found on, and as many more it must hold on too (drawn once per process,
#: with seeds of their own).
CONDITION_EXAMPLES = 36


def _condition(ctx, check: Check, seed: int) -> str | None:
    """The simplest statement over the features of many examples that holds exactly where this submission
    fails (conditions.py), or None. Only for public checks on generated inputs (a hidden check's message is
    not shown to the student); never fails the check itself."""
    if check.visibility != "public":
        return None
    found, holdout = (generated_inputs(replace(check, max_examples=CONDITION_EXAMPLES), seed + n) for n in (1, 2))
    try:
        failed_found, failed_holdout = (drive_all(ctx, check.body, examples, (Mismatch, StudentError))
                                        for examples in (found, holdout))
    except Abort:  # a timeout on one of them, say: no statement
        return None

    def table(examples, failed):  # declared features first: they win a tie
        return [({**(check.features(inputs) if check.features else {}), **generic_features(inputs)}, i in failed)
                for i, inputs in enumerate(examples)]

    statement = separate(table(found, failed_found), holdout=table(holdout, failed_holdout))
    total = len(found) + len(holdout)
    return describe_condition(statement, len(failed_found) + len(failed_holdout), total) if statement else None


def _keep_name_only_if_both_show_it(first: Exception, shrunk: Exception) -> None:
    """A mistake is named on the smallest failing input only if the first failing one (larger, found before
    shrinking) shows the same mistake: a tiny input can make a buggy variant coincide with a different bug."""
    name = getattr(getattr(shrunk, "diagnosis", None), "name", None)
    if name is None or name == getattr(getattr(first, "diagnosis", None), "name", None):
        return
    marker = f"\nLikely mistake ({name}):"
    if marker in shrunk.message:
        shrunk.message = shrunk.message[:shrunk.message.rindex(marker)]
    shrunk.diagnosis = None


def _condition_line(exc) -> str:
    condition = getattr(exc, "condition", None)
    return f"\n  {condition}" if condition else ""


def _failing_input(inputs, also=None, generated=True) -> str:
    if not inputs:
        return ""
    shown = "\n".join(f"    {name} = {describe(value)}" for name, value in {**inputs, **(also or {})}.items())
    return f"\n  {INPUT_HEADINGS[generated]}:\n{shown}"

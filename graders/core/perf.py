"""Performance limits: a student's function may take at most K times the reference's time.

A limit is a check on one stated input (a fixed case, large enough that the
work dominates the call's overhead). Its body calls the student's function
through the context (so the executor, its deadline and its gating apply as
for any check) and the trusted reference solution (the grader's, see
grading/grader.py) on the same arguments, interleaved: reference,
student, reference, student, ... Each call is timed by the grading process
around the call (``CallResult.seconds``, measured by the executor on the
trusted side): CPU time where the executor can measure it (this process's, in
process; the child's CPU clock read by the parent for a sandbox), so that
other processes on a loaded machine do not change a verdict; wall time
otherwise. Nothing the student's code reports is used. The best time of
each side is kept, and their ratio decides: ratios survive a noisy or slower
machine where absolute times would not.

The reference is the grader's (``ctx.reference()``): in the grading process,
timed by its CPU time, while a sandboxed student's call is timed by the
child's CPU clock read by the grader, so moving arguments through pipes
counts on neither side's clock (the child's decoding and encoding of a call's
values does, against the student: a few percent at the limits' sizes).
Caches are left with the executor (``keep``): only the outputs cross. The
hard deadline is the executor's per-call timeout, in wall time, as for every
call.

The output on the timing input must also agree with the reference's output
(at the default tolerance): speed earns nothing for a wrong answer.

For a backward (``forward`` given) every timed call is preceded by an
untimed call of the forward on the same side, whose cache the backward gets,
and the upstream gradient is the same random array on both sides.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field

import numpy as np

from ..execution.executor import KEEP_ALL
from ..execution.values import Ref, digest
from .calls import call
from .checks import Abort
from .compare import ANY, DEFAULT, compare_returns
from .verdicts import Outcome

#: Reference calls timed for a single-sample limit (once per process), fewer once this many seconds were spent:
#: a cold start shows in a short call, not in a long training run.
ONCE_SAMPLES = 3
WARM_ENOUGH = 0.25
#: Deadline of a reference call, seconds (it takes milliseconds).
REFERENCE_TIMEOUT = 60.0


@dataclass(frozen=True)
class Limit:
    """How fast is fast enough.

    ``factor``: the most the student's best time may be, in multiples of the
    reference's best time. ``repeats``: timed calls per side after the first one
    (whose time counts too). ``budget``: seconds of the student's calls
    after which no further repeat is started (a function that slow needs no four
    samples to show it); at least two calls are timed. A ratio within a factor
    ``near`` of the limit (either side) is measured again, ``repeats`` more calls a
    side, before it decides. With ``repeats=0`` (one long call, such as a training
    run, under a generous factor) the reference is timed once per process and
    input, not once per submission, and the student's call is shared with any
    other check that made it with ``reuse``.
    """

    factor: float
    hint: str = ""
    repeats: int = 3
    budget: float = 0.5
    near: float = 1.5


@dataclass(frozen=True)
class Timing:
    student_samples: tuple  # seconds of each timed call
    reference_samples: tuple

    @property
    def student(self) -> float:  # best seconds of one call
        return min(self.student_samples)

    @property
    def reference(self) -> float:
        return min(self.reference_samples)

    @property
    def samples(self) -> int:  # calls timed on the student's side
        return len(self.student_samples)

    @property
    def ratio(self) -> float:
        return self.student / max(self.reference, 1e-9)

    def spread(self) -> str:
        """The range of the samples on each side, as a message shows it."""
        def span(samples):
            low, high = min(samples), max(samples)
            return _ms(low) if len(samples) == 1 or high <= low * 1.005 else f"{_ms(low)}-{_ms(high)}"

        return f"samples {span(self.student_samples)} against {span(self.reference_samples)}"


# -- the reference's times without the reference: a student release ------------------------------------------------
_CALIBRATION: list[float] = []


def calibration_seconds() -> float:
    """CPU seconds of a fixed workload (array arithmetic and an interpreted loop, one BLAS thread), best of 5,
    measured once per process: the unit a student release carries the reference's times in, from the machine it
    was built on to a student's."""
    if not _CALIBRATION:
        import time

        from threadpoolctl import threadpool_limits

        a = np.random.default_rng(0).standard_normal((192, 192)) * 0.05
        samples = []
        with threadpool_limits(1):
            for _ in range(5):
                start = time.process_time()
                b, total = a, 0.0
                for _ in range(24):
                    b = np.tanh(b @ a) + np.exp(-b * b)
                for i in range(200_000):
                    total += i * 0.5
                samples.append(time.process_time() - start)
        _CALIBRATION.append(max(min(samples), 1e-6))
    return _CALIBRATION[0]


@dataclass
class TimingBook:
    """The reference's times per timed input, in calibration units: recorded where the reference runs
    (``recording``), read back where it is absent (a student release). An entry: ``{"seconds": [samples],
    "reached": what a training run reached}``."""

    entries: dict = field(default_factory=dict)
    recording: bool = False

    @staticmethod
    def key(ctx, *parts) -> str:
        return f"{ctx.check.id}|{digest(parts).hex()}"

    def record(self, key: str, seconds, reached=None) -> None:
        if self.recording:
            unit = calibration_seconds()
            self.entries[key] = {"seconds": [s / unit for s in seconds], "reached": reached}

    def lookup(self, key: str):
        """(the reference's seconds here, what it reached), or raise Abort where nothing was recorded."""
        entry = self.entries.get(key)
        if entry is None:
            raise Abort(Outcome.ERROR, "performance limit not checked: no reference time was recorded for this "
                                       "input (this release was built before the check changed)")
        unit = calibration_seconds()
        return tuple(s * unit for s in entry["seconds"]), entry.get("reached")


def reference_of(ctx):
    """The trusted reference's executor, as the grader provides it (run under the student's conditions), or
    None where it is absent but its times were recorded (``ctx.timings``, a student release)."""
    try:
        return ctx.reference()
    except FileNotFoundError as exc:
        if ctx.timings is not None and not ctx.timings.recording:
            return None
        raise Abort(Outcome.ERROR, f"performance limit not checked: {exc}") from None


class Side:
    """One implementation under the stopwatch: the student's (through the context) or the reference's."""

    def __init__(self, ctx, reference=None):
        self.ctx, self.reference = ctx, reference
        self.times: list[float] = []
        self.spent = 0.0

    @property
    def samples(self) -> int:
        return len(self.times)

    def call(self, function, args, timed, reuse=False, keep=None):
        """One call (a generator: the student's calls are yielded to the check's driver); its result."""
        if self.reference is None:
            # Named arguments label an input changed in place in the message.
            result = yield (call(function, **args, reuse=reuse, keep=keep) if isinstance(args, dict)
                            else call(function, *args, reuse=reuse, keep=keep))
        else:
            args = tuple(args.values()) if isinstance(args, dict) else args
            result = self.reference.call(self.ctx.check.topic, function, args, timeout=REFERENCE_TIMEOUT, keep=keep)
            if not result.ok:  # a grader bug, not the student's: say so instead of grading
                raise Abort(Outcome.ERROR, f"performance limit not checked: the reference {function}() "
                                           f"failed on the limit's input: {result.message}")
        seconds = result.cpu_seconds if result.cpu_seconds is not None else result.seconds
        self.spent += seconds
        if timed:
            self.times.append(seconds)
        return result

    def run(self, function, args, forward=None, cache_index=None, upstream=(), keep=None):
        """One timed call of ``function`` (after an untimed ``forward`` whose cache it gets); its result.
        Caches stay with the executor (``keep``): a timing never includes copying one. Only the first
        sample's result is looked at: later ones leave theirs with the executor."""
        if self.samples:
            keep = KEEP_ALL
        if forward is None:
            return (yield from self.call(function, args, timed=True, keep=keep))
        first = yield from self.call(forward, args, timed=False, keep=cache_index)
        value = first.value
        if type(value) not in (tuple, list) or len(value) <= cache_index:
            raise _BadForward(forward, value)
        return (yield from self.call(function, tuple(upstream) + (Ref(first.call_id, (cache_index,)),), timed=True,
                                     keep=keep if self.samples else None))


class _BadForward(Exception):
    def __init__(self, forward, value):
        super().__init__(forward)
        self.forward = forward


#: Single-sample limits: the reference's (first result, times) per reference executor, function and input.
_TIMED_ONCE: dict[tuple, tuple] = {}


def measure(ctx, function: str, inputs: dict, limit: Limit, *, forward: str | None = None,
            cache_index: int = 1, differentiable: int = 1, keep: int | None = None):
    """Time the student's and the reference's ``function`` on ``inputs``, interleaved (``keep``: the
    index of a cache ``function`` returns, left with the executor).

    A generator (``yield from measure(...)`` in a check's body). Returns (timing, student's first result,
    reference's first result).
    """
    reference = reference_of(ctx)
    args = dict(inputs)
    if reference is None:
        return (yield from _measure_against_recorded(ctx, function, args, limit, forward, cache_index,
                                                     differentiable, keep))
    student, trusted = Side(ctx), Side(ctx, reference)
    book = ctx.timings if ctx.timings is not None and ctx.timings.recording else None
    if limit.repeats == 0 and forward is None:
        key = (id(reference), ctx.check.topic, function, digest(args))
        if key not in _TIMED_ONCE:  # best of a few: the first call in a process may run cold
            first = yield from trusted.run(function, args)
            for _ in range(ONCE_SAMPLES - 1):
                if trusted.spent > WARM_ENOUGH:
                    break
                yield from trusted.run(function, args)
            _TIMED_ONCE[key] = (first, tuple(trusted.times))
            reference.forget()
        reference_first, reference_times = _TIMED_ONCE[key]
        if book is not None:
            book.record(TimingBook.key(ctx, function, args), reference_times)
        # The student's one timed call may be one another check already made (the same training run).
        student_first = yield from student.call(function, args, timed=True, reuse=True)
        return Timing(tuple(student.times), reference_times), student_first, reference_first
    upstream = ()
    if forward is not None:
        probe = yield from trusted.call(forward, args, timed=False, keep=cache_index)
        upstream = ctx.upstream(*probe.value[:differentiable])
    enabled = gc.isenabled()
    gc.disable()  # no collection pauses inside a timed call (a full collect here would cost ~0.2 s)
    try:
        student_first = yield from student.run(function, args, forward, cache_index, upstream, keep)
        reference_first = yield from trusted.run(function, args, forward, cache_index, upstream, keep)
        for _ in range(2 * limit.repeats):  # the second half only when the ratio is close to the limit
            if _sampled_enough(student, tuple(trusted.times), limit):
                break
            yield from trusted.run(function, args, forward, cache_index, upstream, keep)
            yield from student.run(function, args, forward, cache_index, upstream, keep)
    except _BadForward as bad:
        ctx.fail(f"cannot time {function}(): {bad.forward}() must first return its outputs and a cache")
    finally:
        if enabled:
            gc.enable()
        reference.forget()
    if book is not None:
        book.record(TimingBook.key(ctx, function, args), trusted.times)
    return Timing(tuple(student.times), tuple(trusted.times)), student_first, reference_first


def _measure_against_recorded(ctx, function, args, limit, forward, cache_index, differentiable, keep):
    """``measure`` where only the reference's recorded times are at hand: the student's calls, timed as
    usual, against those times scaled to this machine. Returns (timing, student's first result, None)."""
    reference_times, _ = ctx.timings.lookup(TimingBook.key(ctx, function, args))
    student = Side(ctx)
    if limit.repeats == 0 and forward is None:
        student_first = yield from student.call(function, args, timed=True, reuse=True)
        return Timing(tuple(student.times), reference_times), student_first, None
    upstream = ()
    if forward is not None:
        probe = yield from student.call(forward, args, timed=False, keep=cache_index)
        value = probe.value
        if type(value) not in (tuple, list) or len(value) <= cache_index:
            ctx.fail(f"cannot time {function}(): {forward}() must first return its outputs and a cache")
        upstream = ctx.upstream(*value[:differentiable])
    enabled = gc.isenabled()
    gc.disable()
    try:
        student_first = yield from student.run(function, args, forward, cache_index, upstream, keep)
        for _ in range(2 * limit.repeats):
            if _sampled_enough(student, reference_times, limit):
                break
            yield from student.run(function, args, forward, cache_index, upstream, keep)
    except _BadForward as bad:
        ctx.fail(f"cannot time {function}(): {bad.forward}() must first return its outputs and a cache")
    finally:
        if enabled:
            gc.enable()
    return Timing(tuple(student.times), reference_times), student_first, None


def _sampled_enough(student: "Side", reference_times: tuple, limit: Limit) -> bool:
    """No further sample: the student's calls spent the budget, or the first half was not close to the limit."""
    if student.spent > limit.budget and student.samples >= 2:
        return True
    return student.samples == limit.repeats + 1 and not _near(Timing(tuple(student.times), reference_times), limit)


def _near(timing: Timing, limit: Limit) -> bool:
    return limit.factor / limit.near <= timing.ratio <= limit.factor * limit.near


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms"


def limit_body(function: str, limit: Limit, names: tuple, *, forward: str | None = None, cache: bool = False,
               cache_index: int = 1, differentiable: int = 1):
    """The body of a limit check: right on the timing input, then within ``limit.factor`` of the reference.

    ``names`` label the function's outputs in messages; ``cache``: its last output
    is an opaque cache (not compared).
    """

    def body(ctx, inputs):
        timing, got, reference = yield from measure(ctx, function, inputs, limit, forward=forward, cache_index=cache_index,
                                          differentiable=differentiable, keep=len(names) - 1 if cache else None)
        # Right on the timing input first; a student release, which has no reference, leaves that to the
        # other checks.
        problems = []
        if reference is not None:
            expected = tuple(reference.value if len(names) > 1 else (reference.value,))
            if cache:
                expected = expected[:-1] + (ANY,)
            problems = compare_returns(got.value, expected, names, function, DEFAULT)
        if problems:
            ctx.fail(f"{function}() must be right on the timing input before its speed counts: {'; '.join(problems)}")
        if timing.ratio > limit.factor:
            ctx.fail(f"{function}() is too slow: it took {timing.ratio:.1f}x the reference solution's time "
                     f"(best of {timing.samples}: {_ms(timing.student)} against {_ms(timing.reference)} of CPU time; "
                     f"{timing.spread()}); the limit is {limit.factor:g}x." + (f" Hint: {limit.hint}" if limit.hint else ""))

    return body


# -- outcome checks: something trained with the student's functions, beside the reference trained the same way ------
class CannotTrain(Exception):
    """A training run got something it cannot train with from the student's code (the message says what)."""


def returned_arrays(result, shapes, start: int = 0):
    """The arrays a call returned at ``value[start:start + len(shapes)]`` as float arrays, when all are finite
    ndarrays of these shapes; else None (the other checks say what is wrong with them)."""
    value = result.value if type(result.value) in (tuple, list) else (result.value,)
    arrays = [np.asarray(v, dtype=float) if isinstance(v, np.ndarray) else None
              for v in value[start:start + len(shapes)]]
    if len(arrays) < len(shapes) or any(a is None or a.shape != tuple(s) or not np.all(np.isfinite(a))
                                        for a, s in zip(arrays, shapes)):
        return None
    return arrays


#: What the reference reached and the CPU seconds it took, per (reference executor, check, key): once per process.
_TRAINED: dict[tuple, tuple] = {}


def training_runs(ctx, train, key, *args):
    """``train(side, *args)`` (a generator: the student's calls are yielded through ``side``) run for the
    reference once per process and ``key``, then for the student. A generator; returns (student's result,
    reference's result, student's seconds, reference's seconds), seconds of CPU time in the functions called.
    :class:`CannotTrain` raised by the student's run ends it."""
    reference = reference_of(ctx)
    if reference is None:  # a student release: what the reference reached and its time, as recorded
        seconds, reference_reached = ctx.timings.lookup(TimingBook.key(ctx, "training", key))
        reference_seconds = seconds[0]
    else:
        cached = (id(reference), ctx.check.id, key)
        if cached not in _TRAINED:
            trusted = Side(ctx, reference)
            reached = yield from train(trusted, *args)
            _TRAINED[cached] = (reached, trusted.spent)
            reference.forget()
        reference_reached, reference_seconds = _TRAINED[cached]
        if ctx.timings is not None:
            ctx.timings.record(TimingBook.key(ctx, "training", key), [reference_seconds], reference_reached)
    student = Side(ctx)
    reached = yield from train(student, *args)
    return reached, reference_reached, student.spent, reference_seconds


__all__ = ["CannotTrain", "Limit", "Side", "Timing", "TimingBook", "calibration_seconds", "limit_body", "measure",
           "reference_of", "returned_arrays", "training_runs"]

"""The calls a check makes, stated once, and the driver that makes them in batches.

A check's body is a generator: it *yields* the calls it needs and receives their
results where it yielded them, then judges what it was handed::

    def body(ctx, inputs):
        got = yield call("relu_forward", x=inputs["x"], keep=1)       # one call
        steps = yield chain("adam", [{...}, {...}])                    # a sequence, Previous() between steps
        a, b = yield [call("f", x), call("f", y)]                       # independent calls together
        ctx.expect(got, expected, ("out", "cache"))

:func:`drive` runs the bodies of every example of a check side by side: each
round gathers what every unfinished example yielded into one
``Executor.call_batch`` (one round trip to a sandbox for all of them) and hands
each example its own results, in order. Nothing is matched up afterwards: an
example gets exactly the results of the calls it yielded. A result that did not
return normally (an error, a timeout, a stub) or changed its arguments is
raised inside the body at the yield, as it would be had the call been direct.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

from ..execution.executor import CallResult


@dataclass(frozen=True)
class Call:
    """One call of student code: ``function(*args)``; ``names`` label the arguments in messages.

    ``collect``: the function returns an iterator, consume at most this many items. ``keep``: the index of an
    element of the returned tuple (a layer's cache) that stays with the executor. ``reuse``: share the result
    with any other check that made this very call with ``reuse`` (one long training run checked twice).
    ``timeout``: this call's own deadline, seconds.
    """

    function: str
    args: tuple
    names: tuple
    collect: int | None = None
    keep: int | None = None
    reuse: bool = False
    timeout: float | None = None

    def spec(self) -> tuple:
        return self.function, self.args, self.collect, self.keep


@dataclass(frozen=True)
class Chain:
    """Calls made in order, each able to use what the previous one returned (``Previous`` markers in its
    arguments); the chain stops at its first call that does not return normally."""

    calls: tuple


def call(function: str, *args, collect: int | None = None, keep: int | None = None, reuse: bool = False,
         timeout: float | None = None, **named) -> Call:
    """``function(*args, *named.values())``: arguments are passed by position; keyword names only label
    arguments in messages (for an input changed in place)."""
    names = tuple(f"argument {i + 1}" for i in range(len(args))) + tuple(named)
    return Call(function, tuple(args) + tuple(named.values()), names, collect, keep, reuse, timeout)


def chain(function: str, steps: list[dict]) -> Chain:
    """``function`` called once per dict of named arguments in ``steps``, in order."""
    return Chain(tuple(call(function, **step) for step in steps))


def chain_of(*calls: Call) -> Chain:
    """These calls in order, as a chain (``Previous`` markers refer to the call before)."""
    return Chain(tuple(calls))


class Results:
    """What a yielded chain returned: iterating settles each step in turn, so a step that did not return
    normally ends the body when it is reached (earlier steps' mismatches are reported first)."""

    def __init__(self, settle, calls: tuple, results: list):
        self._settle, self._calls, self._results = settle, calls, results

    def __iter__(self):
        for made, result in zip(self._calls, self._results):
            yield self._settle(result, made)


#: Rounds a request may come back unmade (its process replaced under it) before the check gives up on it.
MAX_RETRIES = 3


class _Example:
    """One example's body under the driver: its generator and what it waits for."""

    def __init__(self, index: int, inputs: dict):
        self.index, self.inputs = index, inputs
        self.generator = None
        self.request = None  # what the body yielded and has not received yet
        self.error: BaseException | None = None
        self.done = False
        self.retries = 0
        self.printed: list[str] = []  # what its calls printed, in order


#: What one example's calls printed is kept up to this many characters (each call's own is capped too).
MAX_PRINTED = 64 * 1024


def printed_text(parts: list[str]) -> str:
    text = "".join(parts)
    if len(text) > MAX_PRINTED:
        return text[:MAX_PRINTED] + f"\n... ({len(text) - MAX_PRINTED:,} more characters)"
    return text


def _parts(request) -> list:
    """A yielded request as a list of Calls and Chains."""
    if isinstance(request, (Call, Chain)):
        return [request]
    if isinstance(request, (list, tuple)) and all(isinstance(r, (Call, Chain)) for r in request):
        return list(request)
    raise TypeError(f"a check body yields a call(), a chain() or a list of them, not {type(request).__name__}")


def drive(ctx, body, every_inputs: list[dict], errors: tuple) -> tuple[int, BaseException] | None:
    """Run ``body(ctx, inputs)`` for every inputs, batching the calls of all examples round by round.

    Returns (index, exception) of the first example, in order, whose body raised one of ``errors`` (or an
    exception ``ctx`` settles a call into); None when every example passed. Examples after a failing one
    are abandoned: only the first failure counts, as if the examples had run one after another.
    A failure carries what its example's calls printed (``printed``); ``ctx.printed`` maps each example's
    index to what its calls printed.
    """
    failures = _run_examples(ctx, body, every_inputs, errors, stop=True)
    return min(failures.items()) if failures else None


def drive_all(ctx, body, every_inputs: list[dict], errors: tuple) -> dict[int, BaseException]:
    """Like :func:`drive`, but every example runs to its end: {index: exception} of those that failed."""
    return _run_examples(ctx, body, every_inputs, errors, stop=False)


def _run_examples(ctx, body, every_inputs, errors, stop: bool) -> dict:
    examples = [_Example(i, inputs) for i, inputs in enumerate(every_inputs)]
    failures: dict = {}

    def cut() -> float:  # examples past the first failure are not worth running when only it counts
        return min(failures) if stop and failures else float("inf")

    def advance(example: _Example, send=None, throw=None):
        ctx.inputs = example.inputs
        try:
            if example.generator is None:
                outcome = body(ctx, example.inputs)
                if not inspect.isgenerator(outcome):
                    example.done = True
                    return
                example.generator = outcome
                example.request = example.generator.send(None)
            elif throw is not None:
                example.request = example.generator.throw(throw)
            else:
                example.request = example.generator.send(send)
        except StopIteration:
            example.done, example.request = True, None
        except errors as exc:
            example.error, example.done, example.request = exc, True, None
            exc.printed = printed_text(example.printed)
            failures[example.index] = exc

    for example in examples:
        if example.index > cut():
            break
        advance(example)
    while True:
        waiting = [e for e in examples if e.request is not None and e.index < cut()]
        if not waiting:
            break
        handed = _make(ctx, [(e, _parts(e.request)) for e in waiting])
        for example in waiting:
            if example.index > cut():
                break
            answer = handed.get(example.index)
            if answer is None:  # not made this round (the process running the code was replaced): asked again
                example.retries += 1
                if example.retries <= MAX_RETRIES:
                    continue
                answer = (None, ctx.not_made(_parts(example.request)[0]))
            value, failure = answer
            advance(example, send=value, throw=failure)
    for example in examples:
        if example.generator is not None and not example.done:
            example.generator.close()
    ctx.printed = {e.index: printed_text(e.printed) for e in examples if e.printed}
    return {i: exc for i, exc in failures.items() if i <= cut()}


def _make(ctx, requests: list) -> dict:
    """Make every requested call in as few executor batches as possible (one per deadline; a reused call
    on its own); {example index: (what to send, or an exception to raise at its yield)}."""
    batches: dict = {}  # timeout -> list of (example index, part index, chain of specs)
    single: list = []
    for example, parts in requests:
        for p, part in enumerate(parts):
            calls = part.calls if isinstance(part, Chain) else (part,)
            if isinstance(part, Call) and part.reuse:
                single.append((example.index, p, part))
                continue
            timeout = ctx.deadline(max((c.timeout or 0 for c in calls), default=0) or None)
            batches.setdefault(timeout, []).append((example.index, p, [c.spec() for c in calls]))
    made: dict = {}
    for timeout, entries in batches.items():
        results = ctx.executor.call_batch(ctx.check.topic, [specs for _, _, specs in entries], timeout=timeout)
        for (index, p, _), result in zip(entries, results):
            made[index, p] = result
    for index, p, part in single:
        made[index, p] = [ctx.executor.call(ctx.check.topic, part.function, part.args, timeout=ctx.deadline(part.timeout),
                                            collect=part.collect, reuse=True, keep=part.keep)]
    handed = {}
    for example, parts in requests:
        values = []
        example.printed.extend(r.output for p in range(len(parts)) for r in made.get((example.index, p), ()) if r.output)
        try:
            for p, part in enumerate(parts):
                results = made[example.index, p]
                calls = part.calls if isinstance(part, Chain) else (part,)
                if len(results) < len(calls) and (not results or results[-1].ok):
                    raise _NotMade  # the chains behind a sandbox's timeout or crash come back empty
                values.append(Results(ctx.settle, calls, results) if isinstance(part, Chain)
                              else ctx.settle(results[0], part))
        except _NotMade:
            continue
        except BaseException as exc:  # noqa: BLE001 - raised in the body, where it yielded
            handed[example.index] = (None, exc)
            continue
        single_request = isinstance(example.request, (Call, Chain))
        handed[example.index] = (values[0] if single_request else values, None)
    return handed


class _NotMade(Exception):
    pass


__all__ = ["Call", "CallResult", "Chain", "Results", "call", "chain", "chain_of", "drive", "drive_all"]

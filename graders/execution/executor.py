"""The executor seam: the only code that touches an implementation.

Checks ask an executor to ``call(topic, function, args)`` and get back a
:class:`CallResult` holding plain, encoded data. What the source says (missing
module, syntax error, stub, forbidden import) is decided here from the AST, in
the trusted process, before anything runs; how the function is then run is the
subclass's business: :class:`InProcessExecutor` calls it directly (a student's
own ``pytest exercises``), a sandboxed executor runs it in a child process.
"""
from __future__ import annotations

import pathlib
from dataclasses import dataclass, field

from .loading import SourceInfo, may_define, read_source
from .values import bind_previous, digest, refs_in

#: ``keep=KEEP_ALL``: the whole returned value stays with the executor (a speed limit's repeated samples).
KEEP_ALL = "all"


@dataclass
class CallResult:
    """What one call returned, as plain data.

    status is "ok", "not_implemented", "error", "timeout", "forbidden", "missing", "unloadable" (the module
    is missing, does not parse or fails to import: no input is to blame) or "crashed" (the process running
    the code died: not retried with other inputs).
    """

    status: str
    value: object = None
    message: str = ""
    call_id: int | None = None
    seconds: float = 0.0  # wall-clock time of the call, measured on the trusted side
    #: CPU time the process running the code spent on the call, measured on the trusted side (the in-process
    #: executor: this process's CPU time; a sandbox: the child's CPU clock, read by the parent); None: unknown.
    cpu_seconds: float | None = None
    mutated: list = field(default_factory=list)  # positions of array arguments changed in place
    warnings: list = field(default_factory=list)  # numpy floating-point and other warnings, as text
    output: str = ""  # what the call printed (truncated)
    #: Given a numpy Generator, the call changed np.random's global state (np.random.seed or a np.random.* draw).
    touched_global_rng: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Executor:
    """Base class: source-level gating shared by every way of running code."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder).resolve()
        self._sources: dict[str, SourceInfo] = {}
        self._timed_out: dict[tuple, str] = {}
        self._made: dict[tuple, CallResult] = {}  # calls made with reuse=True

    def source(self, topic: str) -> SourceInfo:
        if topic not in self._sources:
            self._sources[topic] = read_source(self.folder, topic)
        return self._sources[topic]

    def call(self, topic: str, function: str, args: tuple = (), *, timeout: float = 10.0,
             collect: int | None = None, reuse: bool = False, keep: int | str | None = None) -> CallResult:
        """Call ``topic.function(*args)``.

        ``collect``: the function returns an iterator; consume at most this many
        items (one more is taken to notice an endless one) and return them as a list.
        ``keep``: the function returns a tuple whose element at this index (a layer's cache) the
        trusted side never looks at: it stays with the executor, for Refs, and a placeholder comes
        back (a large cache then costs no copying through a sandbox's pipes); KEEP_ALL keeps the whole value
        (a placeholder comes back in its place).
        ``reuse``: if this executor already made this very call (same function and arguments,
        none of them a Ref) with ``reuse``, its result again: two checks of one long training run
        (does it fit? is it fast enough?) then share one run.
        """
        key = (topic, function, digest(args), collect, keep) if reuse and not any(refs_in(args)) else None
        if key in self._made:
            return self._made[key]
        refusal = self._gate(topic, function)
        if refusal is not None:
            return refusal
        result = self._remember_timeout(topic, function, self._invoke(topic, function, tuple(args), timeout, collect,
                                                                      keep))
        if key is not None and result.status != "crashed":
            self._made[key] = result
        return result

    def call_chain(self, topic: str, calls: list, *, timeout: float = 10.0) -> list[CallResult]:
        """Make the calls ``[(function, args), ...]`` in order, stopping after the first one that does not
        return normally (so the list may be shorter). Arguments may hold :class:`Previous` markers: what
        the previous call of the chain returned. An optimizer stepped 25 times, say."""
        return self.call_batch(topic, [calls], timeout=timeout)[0]

    def call_batch(self, topic: str, chains: list, *, timeout: float = 10.0) -> list[list[CallResult]]:
        """Run independent chains of calls (see :meth:`call_chain`; a call is ``(function, args)`` or
        ``(function, args, collect, keep)``) and return each chain's results. Where the code runs
        elsewhere (a sandbox) the whole batch is one message out and a stream of replies back, so a
        check's twenty examples cost one round trip, not twenty. A chain's list ends at its first
        call that did not return normally; where a timeout or crash ends the process running the
        code (a sandbox), the chains behind it come back empty.
        """
        runnable, refusals = [], []
        for chain in chains:
            calls = [call_spec(c) for c in chain]
            refused = next(((i, r) for i, c in enumerate(calls) if (r := self._gate(topic, c[0])) is not None),
                           (len(calls), None))
            runnable.append(calls[:refused[0]])
            refusals.append(refused[1])
        results = self._invoke_batch(topic, runnable, timeout) if any(runnable) else [[] for _ in runnable]
        for chain, calls, refusal in zip(results, runnable, refusals):
            for result, call in zip(chain, calls):
                self._remember_timeout(topic, call[0], result)
            if refusal is not None and len(chain) == len(calls) and all(r.ok for r in chain):
                chain.append(refusal)
        return results

    def _gate(self, topic: str, function: str) -> CallResult | None:
        """Why ``function`` is not run at all (decided from the source), or None."""
        info = self.source(topic)
        if info.error:  # the module is missing or does not parse: no input is to blame
            return CallResult("unloadable", message=info.error)
        if info.forbidden:
            return CallResult("forbidden", message=(
                f"{info.path.name} imports {', '.join(info.forbidden)}: only numpy and the "
                "standard library may be imported in an exercise"))
        if not may_define(info, function):
            return CallResult("missing", message=f"{info.path.name} has no function {function}()")
        if function in info.stubs:
            return CallResult("not_implemented", message=f"{function}() is not implemented yet")
        if (topic, function) in self._timed_out:
            # One endless loop costs one deadline, not one per check that calls the function.
            return CallResult("timeout", message=self._timed_out[topic, function] + " (not run again)")
        return None

    def _remember_timeout(self, topic: str, function: str, result: CallResult) -> CallResult:
        if result.status == "timeout" and (topic, function) not in self._timed_out:  # the first one's message
            self._timed_out[topic, function] = result.message
        return result

    def _invoke_batch(self, topic, chains, timeout, emit=None, starting=None) -> list[list[CallResult]]:
        """Run gated chains call by call (``starting`` hears each call's function before it is made, ``emit``
        sees each result as it comes)."""
        results = []
        for chain in chains:
            done, previous = [], None
            for function, args, collect, keep in chain:
                if starting is not None:
                    starting(function)
                if (topic, function) in self._timed_out:
                    result = CallResult("timeout", message=self._timed_out[topic, function] + " (not run again)")
                else:
                    try:
                        bound = bind_previous(args, previous)
                    except ValueError as exc:  # a Previous marker in a chain's first call
                        result = CallResult("error", message=f"{function}(): {exc}")
                    else:
                        result = self._remember_timeout(topic, function, self._invoke(
                            topic, function, bound, timeout, collect, keep))
                if emit is not None:
                    emit(result)  # may turn the result into an error (it could not be sent)
                done.append(result)
                if not result.ok:
                    break
                previous = result.call_id
            results.append(done)
        return results

    def _invoke(self, topic, function, args, timeout, collect, keep=None) -> CallResult:
        raise NotImplementedError

    def forget(self) -> None:
        """Drop the values held for Refs (a reference timed again and again needs none of them)."""

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

def call_spec(call) -> tuple:
    """A call as ``(function, args, collect, keep)`` from ``(function, args[, collect[, keep]])``, args a
    tuple or a dict of named arguments (passed by position)."""
    function, args, *rest = call
    args = tuple(args.values()) if isinstance(args, dict) else tuple(args)
    collect, keep = (tuple(rest) + (None, None))[:2]
    return function, args, collect, keep

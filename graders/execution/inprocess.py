"""InProcessExecutor: the implementation runs in this process, with deadlines, captured output and an import guard.

For a student grading their own work (``dlgrade check``, ``pytest exercises``), and inside the sandbox's child,
which is a process of its own already.
"""
from __future__ import annotations

import builtins
import contextlib
import io
import itertools
import os
import pathlib
import signal
import sys
import threading
import time
import traceback
import warnings

import numpy as np

from .executor import KEEP_ALL, CallResult, Executor
from .loading import ALLOWED_IMPORTS, ImplementationPackage
from .values import Foreign, Ref, array_bytes, encode, make_live, refs_in, snapshot, unchanged

#: How much of a call's printed output is kept.
MAX_CAPTURED_OUTPUT = 32 * 1024  # shown whole with -s; a flood beyond it is counted, not kept
#: Returned values are held for later calls (Refs) up to this many bytes of arrays, the oldest dropped first.
MAX_HELD_BYTES = 256 * 2**20


class CallTimeout(BaseException):
    """Raised inside a call that ran past its deadline (a BaseException so `except Exception` won't eat it)."""


class _BoundedWriter(io.TextIOBase):
    def __init__(self, limit):
        self.parts, self.size, self.limit = [], 0, limit

    def writable(self):
        return True

    def write(self, text):
        if self.size < self.limit:
            self.parts.append(text[: self.limit - self.size])
        self.size += len(text)
        return len(text)

    def text(self):
        out = "".join(self.parts)
        return out + (f"\n... ({self.size - self.limit} more characters)" if self.size > self.limit else "")










#: What comes back in place of an element a call was asked to keep (see Executor.call).
KEPT = Foreign("cache", "kept by the executor")


def without(value, index: int | str):
    """``value`` with its element ``index`` replaced by KEPT (when it is a tuple or list that long); KEPT
    alone for KEEP_ALL."""
    if index == KEEP_ALL:
        return KEPT
    if type(value) in (tuple, list) and -len(value) <= index < len(value):
        return type(value)(KEPT if i == index % len(value) else v for i, v in enumerate(value))
    return value






def where_raised(exc: BaseException, folder: pathlib.Path) -> str:
    """'file.py line N, in fn' for the innermost frame inside the implementation folder."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if pathlib.Path(f.filename).resolve().is_relative_to(folder)]
    if not frames:
        return ""
    frame = frames[-1]
    return f" (at {pathlib.Path(frame.filename).name} line {frame.lineno}, in {frame.name})"


def describe_exception(exc: BaseException, folder: pathlib.Path) -> str:
    text = str(exc)
    if len(text) > 500:
        text = text[:500] + "..."
    return f"{type(exc).__name__}{': ' + text if text else ''}{where_raised(exc, folder)}"


class ProcessExit(BaseException):
    """Raised in place of ending the process (os._exit, an exec): student code must return, never end the
    process that grades it (a grading that did not finish would otherwise look like one that passed)."""

    def __init__(self, how: str):
        super().__init__(how)
        self.how = how


#: What ends or replaces the process at once, without unwinding: replaced by a raiser during a call.
_PROCESS_ENDERS = ("_exit", "abort", "execv", "execve", "execl", "execle", "execlp", "execlpe", "execvp", "execvpe",
                   "fork", "forkpty")
_MODULES = (os, sys.modules.get("posix", os))  # os re-exports posix's functions; both are patched
_REAL = {(module, name): getattr(module, name) for module in _MODULES for name in _PROCESS_ENDERS
         if hasattr(module, name)}


def _ender(name):
    def refuse(*args, **kwargs):
        shown = ", ".join(repr(a) for a in args[:2])
        raise ProcessExit(f"os.{name}({shown})")

    return refuse


_REFUSERS = {key: _ender(key[1]) for key in _REAL}


@contextlib.contextmanager
def _process_kept():
    """os._exit, os.abort, the exec family and fork raise ProcessExit while student code runs."""
    for (module, name), refuser in _REFUSERS.items():
        setattr(module, name, refuser)
    try:
        yield
    finally:
        for (module, name), real in _REAL.items():
            setattr(module, name, real)


#: Printed output past this many characters turns a timeout's message from "an endless loop?" into "printing".
FLOOD_CHARACTERS = 100_000


_BLAS_LIMIT: list = []


def one_blas_thread() -> None:
    """numpy's BLAS on one thread in this process, as in a sandbox child (OPENBLAS_NUM_THREADS=1 there): idle
    BLAS threads spin while they wait for a core, and on a loaded machine that spinning would count as the
    call's CPU time, so a speed verdict would depend on the machine's load. Done once per process."""
    if _BLAS_LIMIT:
        return
    try:
        from threadpoolctl import threadpool_limits
    except Exception:  # noqa: BLE001 - unreadable in a sandbox child, whose environment sets one thread already
        _BLAS_LIMIT.append(None)
        return
    _BLAS_LIMIT.append(threadpool_limits(limits=1, user_api="blas"))


class InProcessExecutor(Executor):
    """Runs the implementation in this process: for a student grading their own work.

    Guards that work in-process: deadlines (SIGALRM, main thread only), captured
    output, recorded warnings and an import guard on the student's own modules.
    Untrusted code belongs in a sandboxed executor instead.
    """

    def __init__(self, folder, *, resident: bool = False):
        """``resident``: this process exists only to run this implementation (a sandbox child), so the
        guards are installed once for its life and reasserted before each call, rather than set up
        and torn down around it; each call still gets its own deadline, output buffer and warnings."""
        super().__init__(folder)
        one_blas_thread()
        self.package = ImplementationPackage(self.folder)
        self.resident = resident
        if resident:
            self._install_resident_guards()
        self._modules: dict[str, object] = {}
        self._results: dict[int, object] = {}  # call id -> returned value, oldest first
        self._held: dict[int, int] = {}  # call id -> bytes of arrays in it
        self._held_total = 0
        self._ids = itertools.count(1)

    def close(self) -> None:
        self.package.unload()
        self._results.clear()
        self._held.clear()
        self._held_total = 0

    def _hold(self, call_id: int, value) -> None:
        """Keep a returned value for later Refs, within MAX_HELD_BYTES (the newest is always kept)."""
        self._results[call_id] = value
        self._held[call_id] = array_bytes(value)
        self._held_total += self._held[call_id]
        while self._held_total > MAX_HELD_BYTES and len(self._results) > 1:
            oldest = next(iter(self._results))
            del self._results[oldest]
            self._held_total -= self._held.pop(oldest)

    def _module(self, topic):
        if topic not in self._modules:
            try:
                with self._guarded(timeout=30.0):
                    self._modules[topic] = self.package.import_topic(topic)
            except CallTimeout:
                self._modules[topic] = CallResult("timeout", message=f"importing {topic}.py did not finish within 30 s")
            except ForbiddenImport as exc:
                self._modules[topic] = CallResult("forbidden", message=str(exc))
            except ProcessExit as exc:
                self._modules[topic] = CallResult("unloadable", message=(
                    f"importing {topic}.py called {exc.how}: a module must define its functions, never end the "
                    "process that grades it"))
            except BaseException as exc:  # noqa: BLE001 - any failure of student code is a result
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self._modules[topic] = CallResult(
                    "unloadable", message=f"importing {topic}.py failed: {describe_exception(exc, self.folder)}")
        return self._modules[topic]

    def _import_guard(self, real_import):
        package = self.package

        def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
            # `import x` passes the importer's globals; a direct __import__("x") call may not.
            importer = (globals if globals is not None else sys._getframe(1).f_globals).get("__name__")
            top = name.partition(".")[0]
            if level == 0 and package.owns(importer) and top not in ALLOWED_IMPORTS:
                if top in package.siblings:  # `import mlp`, `from mlp import f`: the student's own mlp.py
                    module = real_import(f"{package.name}.{name}", globals, locals, fromlist, 0)
                    return module if fromlist else sys.modules[f"{package.name}.{top}"]
                raise ForbiddenImport(f"imports {name}: only numpy and the standard library may be imported in an exercise")
            return real_import(name, globals, locals, fromlist, level)

        return guarded_import

    def _install_resident_guards(self) -> None:
        self._resident_import = self._import_guard(builtins.__import__)
        self._resident_output = _BoundedWriter(MAX_CAPTURED_OUTPUT)
        self._resident_warnings = warnings.catch_warnings(record=True).__enter__()
        signal.signal(signal.SIGALRM, _on_alarm)

    @contextlib.contextmanager
    def _resident_guarded(self, timeout):
        # Reasserted on every call: student code may have replaced any of them during the last one.
        output, caught = self._resident_output, self._resident_warnings
        output.parts, output.size = [], 0
        caught.clear()
        builtins.__import__ = self._resident_import
        sys.stdout = sys.stderr = output
        if warnings.filters[:1] != [_ALWAYS]:
            warnings.simplefilter("always")
        if signal.getsignal(signal.SIGALRM) is not _on_alarm:
            signal.signal(signal.SIGALRM, _on_alarm)
        np.seterr(over="warn", divide="warn", invalid="warn", under="ignore")
        self.last_output, self.last_warnings = output, caught
        # Armed for each call, never disarmed after it (one system call less a call): an alarm that is still
        # pending fires outside student code, where _on_alarm ignores it, or is re-armed by the next call.
        signal.setitimer(signal.ITIMER_REAL, timeout or 0)
        _IN_CALL[0] = True
        try:
            with _process_kept():
                yield
        finally:
            _IN_CALL[0] = False

    @contextlib.contextmanager
    def _guarded(self, timeout):
        """Deadline, import guard, captured output and recorded warnings around student code."""
        if self.resident:
            with self._resident_guarded(timeout):
                yield
            return
        real_import = builtins.__import__
        guarded_import = self._import_guard(real_import)
        use_alarm = threading.current_thread() is threading.main_thread() and timeout
        if use_alarm:
            previous_handler = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, timeout)
        output = _BoundedWriter(MAX_CAPTURED_OUTPUT)
        builtins.__import__ = guarded_import
        try:
            with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"), \
                    contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                warnings.simplefilter("always")
                self.last_output, self.last_warnings = output, caught
                _IN_CALL[0] = True
                with _process_kept():
                    yield
        finally:
            _IN_CALL[0] = False
            builtins.__import__ = real_import
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous_handler)

    def _invoke(self, topic, function, args, timeout, collect, keep=None):
        module = self._module(topic)
        if isinstance(module, CallResult):
            return module
        fn = getattr(module, function, None)
        if not callable(fn):
            return CallResult("missing", message=f"{topic}.py has no function {function}()")
        call_id = next(self._ids)
        gone = [ref.call_id for ref in refs_in(args) if ref.call_id not in self._results]
        if gone:
            return CallResult("error", message=f"{function}() needs the value call {gone[0]} returned, which is "
                                               f"no longer held (over {MAX_HELD_BYTES >> 20} MiB of returned values)")
        try:
            live = make_live(tuple(args), self._results.__getitem__)
        except (LookupError, TypeError) as exc:  # a Ref into a value that has no such element
            return CallResult("error", message=f"{function}() could not be given what an earlier call returned: "
                                               f"{type(exc).__name__}: {exc}")
        # Refs are the student's own objects (a cache, an optimizer state): theirs to change.
        pristine = tuple(None if isinstance(a, Ref) else snapshot(v) for a, v in zip(args, live))
        # A function handed a generator must leave np.random's global state alone: watched only then, from a
        # sentinel state set for the call (and the caller's put back after), so that a function that seeds the
        # global generator is seen every time, even when an earlier call left the state its seed makes.
        outer_rng = np.random.get_state() if any(type(v) is np.random.Generator for v in live) else None
        global_rng = _sentinel_rng_state() if outer_rng is not None else None
        status, message, value = "ok", "", None
        # A sandbox child's own clocks are never used (its grader reads the child's CPU clock): not read there.
        start, cpu_start = time.perf_counter(), 0.0 if self.resident else time.process_time()
        try:
            with self._guarded(timeout):
                value = fn(*live)
                if collect is not None:
                    value = list(itertools.islice(value, collect + 1))
        except CallTimeout:
            printed = self.last_output.size
            why = (f"it had printed {printed:,} characters by then: printing that much is slow, print less"
                   if printed > FLOOD_CHARACTERS else "an endless loop?")
            status, message = "timeout", f"{function}() did not finish within {timeout:g} s ({why})"
        except ProcessExit as exc:
            status, message = "error", (f"{function}() called {exc.how}: a function must return its result, "
                                        "never end the process that grades it")
        except NotImplementedError as exc:
            status, message = "not_implemented", f"{function}() is not implemented yet: {describe_exception(exc, self.folder)}"
        except ForbiddenImport as exc:
            status, message = "forbidden", f"{function}() {exc}"
        except KeyboardInterrupt:
            raise
        except MemoryError:
            status, message = "error", f"{function}() ran out of memory"
        except BaseException as exc:  # noqa: BLE001 - SystemExit and friends from student code are results too
            status, message = "error", f"{function}() raised {describe_exception(exc, self.folder)}"
        seconds, cpu_seconds = time.perf_counter() - start, None if self.resident else time.process_time() - cpu_start
        result = CallResult(status, message=message, call_id=call_id, seconds=seconds, cpu_seconds=cpu_seconds,
                            output=self.last_output.text(),
                            warnings=sorted({f"{w.category.__name__}: {w.message}" for w in self.last_warnings}))
        if status == "ok":
            self._hold(call_id, value)
            result.value = encode(value if keep is None else without(value, keep))
            result.mutated = [i for i, (a, b) in enumerate(zip(pristine, live)) if not unchanged(a, b)]
            result.touched_global_rng = global_rng is not None and not _same_rng_state(global_rng, np.random.get_state())
        if outer_rng is not None:
            np.random.set_state(outer_rng)
        return result


#: The seed of np.random's state during a watched call: no seed a student would write (0, 42, 1234, ...).
SENTINEL_SEED = 0x9E3779B1


def _sentinel_rng_state() -> tuple:
    np.random.seed(SENTINEL_SEED)
    return np.random.get_state()


def _same_rng_state(a: tuple, b: tuple) -> bool:
    """Two np.random.get_state() tuples ('MT19937', key, pos, has_gauss, cached_gaussian) are the same state."""
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]


#: Whether student code is running under a deadline: an alarm that fires anywhere else is ignored.
_IN_CALL = [False]


def _on_alarm(signum, frame):
    if _IN_CALL[0]:
        raise CallTimeout()


#: What warnings.simplefilter("always") puts first in warnings.filters.
_ALWAYS = ("always", None, Warning, None, 0)


class ForbiddenImport(ImportError):
    pass

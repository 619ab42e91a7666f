"""InProcessExecutor: the implementation runs in this process, with deadlines, captured output and an import guard.

For a student grading their own work (``dlgrade check``, ``pytest exercises``), and inside the sandbox's child,
which is a process of its own already.
"""
from __future__ import annotations

import builtins
import contextlib
import io
import itertools
import pathlib
import signal
import sys
import threading
import time
import traceback
import warnings

import numpy as np

from .executor import CallResult, Executor, refs_in
from .loading import ALLOWED_IMPORTS, ImplementationPackage
from .values import Env, Foreign, Ref, Rng, encode, resolve

#: How much of a call's printed output is kept.
MAX_CAPTURED_OUTPUT = 4096
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


def make_live(arg, lookup):
    """Turn argument markers into live objects (and copy arrays, so the caller's stay pristine)."""
    if isinstance(arg, Ref):
        return resolve(lookup(arg.call_id), arg.path)
    if isinstance(arg, Rng):
        return np.random.default_rng(arg.seed)
    if isinstance(arg, Env):
        import gymnasium

        return gymnasium.make(arg.env_id, **arg.kwargs)
    if isinstance(arg, np.ndarray):
        return arg.copy()
    if isinstance(arg, dict):
        return {k: make_live(v, lookup) for k, v in arg.items()}
    if isinstance(arg, (list, tuple)):
        return type(arg)(make_live(v, lookup) for v in arg)
    return arg






def array_bytes(value, depth: int = 0) -> int:
    """Bytes of the arrays inside a (returned) value, as far as containers go."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if depth < 12 and isinstance(value, (list, tuple)):
        return sum(array_bytes(v, depth + 1) for v in value)
    if depth < 12 and isinstance(value, dict):
        return sum(array_bytes(v, depth + 1) for v in value.values())
    return 0


#: What comes back in place of an element a call was asked to keep (see Executor.call).
KEPT = Foreign("cache", "kept by the executor")


def without(value, index: int):
    """``value`` with its element ``index`` replaced by KEPT (when it is a tuple or list that long)."""
    if type(value) in (tuple, list) and -len(value) <= index < len(value):
        return type(value)(KEPT if i == index % len(value) else v for i, v in enumerate(value))
    return value


def snapshot(value):
    """Copies of the arrays inside an argument (other leaves become None)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [snapshot(v) for v in value]
    return None


def mutated_positions(before: tuple, after: tuple) -> list[int]:
    """Positions of arguments whose arrays (at any depth) changed during the call."""

    def same(a, b):
        if isinstance(a, np.ndarray):
            return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, (list, tuple)) and not isinstance(a, str):
            return isinstance(b, (list, tuple)) and len(a) == len(b) and all(map(same, a, b))
        return a is None

    return [i for i, (a, b) in enumerate(zip(before, after)) if not same(a, b)]


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
            except BaseException as exc:  # noqa: BLE001 - any failure of student code is a result
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self._modules[topic] = CallResult(
                    "error", message=f"importing {topic}.py failed: {describe_exception(exc, self.folder)}")
        return self._modules[topic]

    def _import_guard(self, real_import):
        package = self.package

        def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
            # `import x` passes the importer's globals; a direct __import__("x") call may not.
            importer = (globals if globals is not None else sys._getframe(1).f_globals).get("__name__")
            if level == 0 and package.owns(importer) and name.partition(".")[0] not in ALLOWED_IMPORTS:
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
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            yield
        finally:
            if timeout:
                signal.setitimer(signal.ITIMER_REAL, 0)

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
                yield
        finally:
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
            live = tuple(make_live(a, self._results.__getitem__) for a in args)
        except (LookupError, TypeError) as exc:  # a Ref into a value that has no such element
            return CallResult("error", message=f"{function}() could not be given what an earlier call returned: "
                                               f"{type(exc).__name__}: {exc}")
        # Refs are the student's own objects (a cache, an optimizer state): theirs to change.
        pristine = tuple(None if isinstance(a, Ref) else snapshot(v) for a, v in zip(args, live))
        status, message, value = "ok", "", None
        start, cpu_start = time.perf_counter(), time.process_time()
        try:
            with self._guarded(timeout):
                value = fn(*live)
                if collect is not None:
                    value = list(itertools.islice(value, collect + 1))
        except CallTimeout:
            status, message = "timeout", f"{function}() did not finish within {timeout:g} s (an endless loop?)"
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
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        result = CallResult(status, message=message, call_id=call_id, seconds=seconds, cpu_seconds=cpu_seconds,
                            output=self.last_output.text(),
                            warnings=sorted({f"{w.category.__name__}: {w.message}" for w in self.last_warnings}))
        if status == "ok":
            self._hold(call_id, value)
            result.value = encode(value if keep is None else without(value, keep))
            result.mutated = mutated_positions(pristine, live)
        return result


def _on_alarm(signum, frame):
    raise CallTimeout()


#: What warnings.simplefilter("always") puts first in warnings.filters.
_ALWAYS = ("always", None, Warning, None, 0)


class ForbiddenImport(ImportError):
    pass

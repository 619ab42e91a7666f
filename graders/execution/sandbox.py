"""SandboxExecutor: untrusted code in a fresh, locked-down child process.

The judging process never imports student code. Each executor (one per
submission) runs it in a child of its own, in a temp directory holding only a
copy of the submission's modules, with an allow-listed environment, its own
session, rlimits, and the kernel guards available here (network namespace,
Landlock, a separate uid, seccomp). Children are forked by this process's fork
server (forkserver.py), which has imported numpy and the runtime once, and each
locks itself down after the fork, before any student code is imported (see
sandbox_child.py). Calls go over pipes as .npy frames (wire.py). A wall-clock
deadline kills the whole process group; a crashed or killed child is replaced
for the next call (its state, such as layer caches, is lost with it).

A call's ``seconds`` is wall time, pipes included; its ``cpu_seconds`` is the
child's CPU clock, read here before the request and after each reply (never
anything the child reports), so a speed limit can compare it with the
reference's CPU time in this process.
"""
from __future__ import annotations

import collections
import functools
import importlib.util
import os
import pathlib
import select
import shutil
import signal
import sys
import sysconfig
import tempfile
import time

import numpy as np

from . import values, wire
from .executor import CallResult, Executor
from .inprocess import MAX_CAPTURED_OUTPUT
from .loading import modules_too_large
from .values import refs_in
from .forkserver import ForkServerError, fork_server

#: The child's runtime, loaded by the fork server from this folder (sandbox_child.py is the server's script).
RUNTIME = pathlib.Path(__file__).parent
#: Packages the child may read (besides the standard library).
READABLE_PACKAGES = ("numpy",)  # and what the argument kinds topics declare need (values.Kind.packages)
SYSTEM_LIBRARIES = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/etc/ld.so.cache")
GRACE_SECONDS = 2.0  # the child's own alarm fires first; the kill is the backstop
MAX_CRASHES = 10  # after this many, a submission's remaining calls are not run
IMPORT_SECONDS = 30.0


def process_cpu_seconds(pid: int) -> float | None:
    """CPU time (all threads) that process ``pid`` has used, read from the kernel by the trusted side;
    None where it cannot be read (not Linux, or the process is gone)."""
    if sys.platform != "linux":
        return None
    try:
        return time.clock_gettime(((~pid) << 3) | 2)  # the process's CPUCLOCK_SCHED clock (linux/posix-timers.h)
    except OSError:
        return None


#: A child's temp folder is named after the grading process that made it: ``dlgrade-sandbox-<pid>-...``.
WORKDIR_PREFIX = "dlgrade-sandbox-"


def remove_workdirs_of(pid: int) -> None:
    """Remove the temp folders of a grading process that was killed before it could (a stopped worker)."""
    for folder in pathlib.Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}{pid}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_workdirs() -> None:
    """Remove the temp folders of grading processes that no longer exist (killed with SIGKILL, which no
    process can clean up after): every sandboxed executor does it once per process, when it starts."""
    for folder in pathlib.Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*-*"):
        owner = folder.name[len(WORKDIR_PREFIX):].split("-")[0]
        if owner.isdigit() and int(owner) != os.getpid() and not _alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_SWEPT: list = []


def _package_paths(name: str) -> list[str]:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin in (None, "built-in", "frozen"):
        return []
    origin = pathlib.Path(spec.origin)
    paths = [str(origin.parent if origin.name == "__init__.py" else origin)]
    libs = origin.parent.parent / f"{name}.libs"  # wheels' vendored shared libraries
    if origin.name == "__init__.py" and libs.is_dir():
        paths.append(str(libs))
    return paths


@functools.cache
def _package_dirs() -> list[str]:
    """The folders holding the packages the child imports (READABLE_PACKAGES and pyseccomp)."""
    folders = [str(pathlib.Path(paths[0]).parent) for name in READABLE_PACKAGES + ("pyseccomp",)
               if (paths := _package_paths(name))]
    return list(dict.fromkeys(folders))


@functools.cache
def _filesystem_view() -> dict:
    """What the child may read: the interpreter's standard library (without site-packages), allowed packages."""
    stdlib = pathlib.Path(sysconfig.get_paths()["stdlib"])
    site_dirs = {pathlib.Path(p) for p in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}}
    read = [str(entry) for entry in stdlib.iterdir()
            if entry not in site_dirs and entry.name not in ("site-packages", "dist-packages")]
    for name in READABLE_PACKAGES:
        read += _package_paths(name)
    for site in site_dirs:
        read += [str(p) for p in site.glob("*.dist-info")]  # metadata only (a package may read entry points)
    prefix_lib = pathlib.Path(sys.base_prefix) / "lib"
    read += [str(p) for p in prefix_lib.glob("libpython*")]
    read += [p for p in SYSTEM_LIBRARIES if os.path.exists(p)]
    listing = [str(stdlib)] + [str(s) for s in site_dirs]
    return {"read_paths": sorted(set(read)), "read_dirs_listing": listing}


NOBODY = 65534


def _readable_by_others(path: pathlib.Path) -> bool:
    """Can an unprivileged uid reach ``path`` (o+x on every directory above it, o+r on it)?"""
    path = path.resolve()
    for parent in reversed(path.parents):
        if not parent.stat().st_mode & 0o001:
            return False
    return bool(path.stat().st_mode & 0o004)


def _separate_uid():
    """Root hands the child to uid nobody, if the interpreter and its library are readable by it."""
    if os.geteuid() != 0:
        return None
    needed = [pathlib.Path(sys.executable), pathlib.Path(sysconfig.get_paths()["stdlib"])]
    return NOBODY if all(_readable_by_others(p) for p in needed) else None


def _server_settings() -> tuple[list[str], dict, dict]:
    """How this process's fork server is started: its command line, configuration and environment."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           # glibc would map and unmap every large temporary (an im2col matrix, say) on each call and
           # fault its pages in again; the address-space rlimit bounds what the heap may keep.
           "MALLOC_MMAP_THRESHOLD_": str(2**30), "MALLOC_TRIM_THRESHOLD_": str(2**30)}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # CPU workarounds this machine may need
        if name in os.environ:
            env[name] = os.environ[name]
    # -S: no site module, so no .pth file runs (they cost ~40 ms, and an editable install's finder would
    # point into the kit); the server puts the package folders on sys.path. Each child sets HOME and TMPDIR.
    argv = [sys.executable, "-I", "-S", str(RUNTIME / "sandbox_child.py")]
    return argv, {"runtime": str(RUNTIME), "package_dirs": _package_dirs(), "seccomp": True}, env


def prestart() -> None:
    """Start this process's fork server now, without waiting for it (a grading worker does, before its
    first submission)."""
    fork_server(*_server_settings())


def sandbox_layers() -> list[str]:
    """The protection layers a child gets on this machine (probed by starting one)."""
    return list(_probe())


_PROBED: tuple | None = None


def _probe() -> tuple:
    global _PROBED
    if _PROBED is None:
        with tempfile.TemporaryDirectory() as empty:
            executor = SandboxExecutor(empty)
            try:
                executor._ensure_child()
                _PROBED = tuple(["process", "rlimits"] + executor.layers)
            finally:
                executor.close()
    return _PROBED


class SandboxExecutor(Executor):
    """Runs one submission in its own sandboxed child process."""

    def __init__(self, folder, *, memory_mb: int = 1024, cpu_seconds: int = 600, file_mb: int = 16,
                 frame_mb: int = 64, landlock: bool = True, seccomp: bool = True, netns: bool = True):
        super().__init__(folder)
        self.memory_mb, self.cpu_seconds, self.file_mb, self.frame_cap = memory_mb, cpu_seconds, file_mb, frame_mb * 2**20
        self.use_landlock, self.use_seccomp, self.use_netns = landlock, seccomp, netns
        self.server = None  # the fork server that started the current child
        self.child_pid: int | None = None  # the child's pid, and its process group's
        self.workdir: str | None = None
        self.layers: list[str] = []
        self.generation = 0  # bumps when a child is replaced: earlier call ids are then gone
        self.crashes = 0
        self._import_failures: dict[str, CallResult] = {}
        self._imported: set[tuple[int, str]] = set()
        self._ids_generation: dict[int, int] = {}
        self._to_child = self._from_child = None
        self._replies: wire.Reader | None = None  # what the child sends, buffered
        self._queued: collections.deque = collections.deque()  # replies received, not yet taken: (header, value)
        self._too_large: str | None = None  # why the folder's modules are too large ("" if they are not)

    # -- child lifecycle ------------------------------------------------------------
    def _prepare_workdir(self) -> str:
        if not _SWEPT:
            _SWEPT.append(True)
            remove_stale_workdirs()
        workdir = tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-")
        self.workdir = workdir  # known at once: closing removes it, whenever that happens
        submission = os.path.join(workdir, "submission")
        os.mkdir(submission)
        for path in sorted(self.folder.glob("*.py")):  # modules only, no links (their size: see _ready)
            if path.is_symlink() or not path.is_file():
                continue
            shutil.copyfile(path, os.path.join(submission, path.name))
        uid = _separate_uid()
        if uid is not None:
            for root, dirs, files in os.walk(workdir):
                for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                    os.chown(name, uid, uid)
        return workdir

    def _child_config(self) -> dict:
        """What the child locks itself down with (its first message, read before any student code)."""
        config = {
            "workdir": self.workdir, "submission": os.path.join(self.workdir, "submission"),
            "memory_bytes": self.memory_mb * 2**20, "cpu_seconds": self.cpu_seconds,
            "file_bytes": self.file_mb * 2**20, "frame_cap": self.frame_cap,
            "landlock": self.use_landlock and sys.platform == "linux", "seccomp": self.use_seccomp,
            "write_dirs": [self.workdir], "device_files": ["/dev/null", "/dev/urandom", "/dev/zero"],
            "netns": self.use_netns and sys.platform == "linux", "uid": _separate_uid(),
            **_filesystem_view(),
            # argument kinds that topics declared: their source, and what making them live reads
            "kinds": values.declared_kinds_source(),
        }
        config["read_paths"] = config["read_paths"] + [p for name in values.readable_packages()
                                                       for p in _package_paths(name)]
        return config

    def _child_alive(self) -> bool:
        """A child that is still there: its pipe has nothing to read between calls (a dead one's reads end of file)."""
        if self.child_pid is None or not self.server.alive():
            return False
        readable, _, _ = select.select([self._from_child], [], [], 0)
        return not readable and not self._replies.buffer and not self._queued

    def _ensure_child(self) -> None:
        if self._child_alive():
            return
        self._stop_child()
        self.workdir = self._prepare_workdir()
        try:
            self.server = fork_server(*_server_settings())
            spawned = self.server.spawn()
        except ForkServerError:  # it died since the last child: once more, with a new one
            self.server = fork_server(*_server_settings())
            spawned = self.server.spawn()
        self.child_pid, self._to_child, self._from_child = spawned
        # A message of replies may hold small ones besides one of up to the frame cap (wire.Replies).
        self._replies = wire.Reader(self._from_child, self.frame_cap + 2 * wire.HELD_BYTES)
        self._queued.clear()
        self.generation += 1
        wire.send(self._to_child, self._child_config())
        header, _ = self._receive(deadline=time.monotonic() + 60)
        self.layers = list(header.get("layers", []))

    def _stop_child(self) -> None:
        if self.child_pid is not None:
            if self.server.alive():  # else the child died with it (and may be reaped by now: no kill)
                try:
                    os.killpg(self.child_pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                self.server.reap(self.child_pid)
            for fd in (self._to_child, self._from_child):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.child_pid = self._to_child = self._from_child = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def close(self) -> None:
        self._stop_child()

    # -- messages ---------------------------------------------------------------------
    def _receive(self, deadline: float):
        if not self._replies.has_message():
            ready, _, _ = select.select([self._from_child], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError
        # Some of it has arrived; the rest of a message follows without waiting on student code.
        return self._replies.receive()

    def _crash_message(self) -> str:
        code = self.server.exit_code(self.child_pid, timeout=1.0) if self.child_pid is not None else None
        if code is None:
            return "the process running your code stopped answering"
        if code < 0:
            name = signal.Signals(-code).name
            hint = {"SIGSEGV": " (a segmentation fault)", "SIGKILL": " (killed, e.g. over the memory limit)",
                    "SIGXCPU": " (over the CPU-time limit)"}.get(name, "")
            return f"the process running your code died with {name}{hint}"
        return f"the process running your code exited with status {code} (sys.exit or os._exit?)"

    def _exchange(self, header: dict, args, deadline_seconds: float, what: str):
        """Send a request and wait for its reply; (header, value) or a CallResult saying what went wrong."""
        try:
            wire.send(self._to_child, header, args)
        except OSError as exc:
            return self._broken(exc, what, time.perf_counter())
        return self._await(deadline_seconds, what)

    def _await(self, deadline_seconds: float, what: str):
        """The child's next message; or, past the deadline or on a broken channel, a CallResult (the child
        is then stopped)."""
        start = time.perf_counter()
        try:
            return self._receive(deadline=time.monotonic() + deadline_seconds)
        except TimeoutError:
            self._stop_child()
            return CallResult("timeout", message=f"{what} did not finish within {deadline_seconds - GRACE_SECONDS:g} s "
                                                 "(an endless loop?)", seconds=time.perf_counter() - start)
        except (wire.WireError, OSError) as exc:
            return self._broken(exc, what, start)

    def _next_reply(self, deadline_seconds: float, what: str):
        """The next reply to a call of the current batch: one already received, or the next message's
        replies (a message carries one or more); or a CallResult saying what went wrong."""
        if not self._queued:
            answer = self._await(deadline_seconds, what)
            if isinstance(answer, CallResult):
                return answer
            header, value = answer
            replies = header.get("replies")
            if (not isinstance(replies, list) or not replies or not isinstance(value, tuple)
                    or len(value) != len(replies) or not all(isinstance(h, dict) for h in replies)):
                return self._broken(wire.WireError("a message of replies that is not one"), what, time.perf_counter())
            self._queued.extend(zip(replies, value))
        return self._queued.popleft()

    def _broken(self, exc: Exception, what: str, start: float) -> CallResult:
        closed = isinstance(exc, wire.WireError) and "closed" in str(exc) or isinstance(exc, BrokenPipeError)
        message = self._crash_message() if closed else f"broke the channel to the grader: {exc}"
        self.crashes += 1
        self._stop_child()
        return CallResult("crashed", message=f"{what}: {message}", seconds=time.perf_counter() - start)

    def _import(self, topic: str) -> CallResult | None:
        """Import a topic module in the current child. A failure is remembered for good (an import that
        crashes or hangs is not retried for every call); a success holds until the child is replaced."""
        if topic in self._import_failures:
            return self._import_failures[topic]
        if (self.generation, topic) in self._imported:
            return None
        reply = self._exchange({"op": "load", "topic": topic}, None, IMPORT_SECONDS + GRACE_SECONDS,
                               f"importing {topic}.py")
        if not isinstance(reply, CallResult):
            header, _ = reply
            if header.get("status") == "ok":
                self._imported.add((self.generation, topic))
                return None
            reply = CallResult(str(header.get("status")), message=str(header.get("message"))[:4000])
        self._import_failures[topic] = reply
        return reply

    def _ready(self, topic: str, function: str, args) -> CallResult | None:
        """Start the child and import the topic if needed; why the call cannot be made, or None."""
        if self.crashes >= MAX_CRASHES:
            return CallResult("crashed", message=f"{function}() not run: the process running your code "
                                                 f"crashed {self.crashes} times")
        if self._too_large is None:  # the folder is graded as it is now: measured once
            self._too_large = modules_too_large(self.folder) or ""
        too_large = self._too_large
        if too_large:
            return CallResult("unloadable", message=f"{function}() not run: {too_large}")
        self._ensure_child()
        failure = self._import(topic)
        if failure is not None:
            return failure
        if any(self._ids_generation.get(ref.call_id) != self.generation for ref in refs_in(args)):
            return CallResult("error", message=f"{function}() needs a value an earlier call returned, "
                                               "but the process that held it crashed")
        return None

    def _child_cpu(self) -> float | None:
        return process_cpu_seconds(self.child_pid) if self.child_pid is not None else None

    def _result(self, function: str, header: dict, value, seconds: float, cpu_seconds: float | None) -> CallResult:
        """A CallResult from the child's reply, every field checked and bounded."""
        call_id = header.get("call_id")
        if isinstance(call_id, int):
            self._ids_generation[call_id] = self.generation
        status = header.get("status")
        if status not in ("ok", "not_implemented", "error", "timeout", "forbidden", "missing", "unloadable"):
            return CallResult("error", message=f"{function}(): malformed reply from the sandbox", seconds=seconds)
        return CallResult(status, value=value, message=str(header.get("message", ""))[:4000], call_id=call_id,
                          seconds=seconds, cpu_seconds=cpu_seconds,
                          mutated=[i for i in header.get("mutated", []) if isinstance(i, int)],
                          warnings=[str(w)[:500] for w in header.get("warnings", [])][:20],
                          output=str(header.get("output", ""))[:MAX_CAPTURED_OUTPUT + 100],
                          touched_global_rng=header.get("touched_global_rng") is True)

    def _invoke(self, topic, function, args, timeout, collect, keep=None) -> CallResult:
        return self._invoke_batch(topic, [[(function, tuple(args), collect, keep)]], timeout)[0][0]

    def _invoke_batch(self, topic, chains, timeout) -> list[list[CallResult]]:
        """One message out (or several, for a batch of more arrays than a message may carry); the child answers
        each call as it finishes, each within its own deadline, its replies coming several to a message (see
        sandbox_child.serve)."""
        parts = _parts(chains, wire.MAX_ARRAYS // 2)
        if len(parts) > 1:
            return [done for part in parts for done in self._invoke_batch(topic, part, timeout)]
        results = self._send_batch(topic, chains, timeout, hold=True)
        # A child that crashed took its replies held back with it, so the crash is blamed on the first call
        # that got none, which may not be the one that crashed: the chains from there are made again in a
        # new child, which sends each reply as its call ends (unless they need values the old one held).
        crashed = next((i for i, done in enumerate(results) if done and done[-1].status == "crashed"), None)
        if (crashed is not None and sum(map(len, chains)) > 1 and self.crashes < MAX_CRASHES
                and not any(refs_in([call[1] for chain in chains[crashed:] for call in chain]))):
            self.crashes -= 1  # one crash, counted when it happens again
            results = results[:crashed] + self._send_batch(topic, chains[crashed:], timeout, hold=False)
        return results

    def _send_batch(self, topic, chains, timeout, hold: bool) -> list[list[CallResult]]:
        every_call = [call for chain in chains for call in chain]
        refusal = self._ready(topic, every_call[0][0], [call[1] for call in every_call])
        if refusal is not None:
            return [[refusal] if chain else [] for chain in chains]
        request = {"op": "batch", "topic": topic, "timeout": timeout, "hold": hold,
                   "chains": [[[function, collect, keep] for function, _, collect, keep in chain] for chain in chains]}
        # Timings are taken here, never by the child. A single call's: from sending the request to its reply,
        # wall time and the child's CPU clock (what speed limits compare; they make one call at a time). The
        # replies to a batch stream in while later calls run: their wall times are not timings, and the CPU
        # clock is not read for them.
        timed = len(every_call) == 1
        start, cpu = time.perf_counter(), self._child_cpu() if timed else None
        try:
            wire.send(self._to_child, request, [[call[1] for call in chain] for chain in chains])
        except OSError as exc:
            return [[self._broken(exc, f"{every_call[0][0]}()", start)]] + [[] for _ in chains[1:]]
        results, gone = [], False
        for chain in chains:
            done = []
            results.append(done)
            for function, *_ in chain:
                if gone:  # the child was stopped: nothing more comes
                    break
                answer = self._next_reply(timeout + GRACE_SECONDS, f"{function}()")
                if isinstance(answer, CallResult):
                    gone = True
                    done.append(answer)
                    break
                header, value = answer
                now, cpu_now = time.perf_counter(), self._child_cpu() if timed else None
                used = cpu_now - cpu if cpu is not None and cpu_now is not None else None
                done.append(self._result(function, header, value, now - start, used))
                start = now
                if not done[-1].ok:
                    break
        return results


def _parts(chains, most_arrays: int) -> list[list]:
    """Consecutive groups of chains, each with at most ``most_arrays`` arrays among its arguments (a chain with
    more goes alone, and the child refuses it)."""
    parts, current, count = [], [], 0
    for chain in chains:
        arrays = sum(isinstance(x, np.ndarray) for call in chain for x in values.leaves(call[1]))
        if current and count + arrays > most_arrays:
            parts.append(current)
            current, count = [], 0
        current.append(chain)
        count += arrays
    return parts + ([current] if current else [])


def missing_layers() -> dict[str, str]:
    """Guards this machine does not give the child, and why (printed at start-up beside the active ones)."""
    active = set(sandbox_layers())
    reasons = {
        "netns": "no network namespace (needs root or unprivileged user namespaces)",
        "landlock": "no Landlock (Linux 5.13+ with Landlock enabled)",
        "seccomp": "no seccomp filter (needs Linux, libseccomp and the pyseccomp package)",
        "uid": ("no separate uid (only when running as root with an interpreter other users can read)"),
    }
    present = {layer.split()[0] for layer in active}
    return {layer: why for layer, why in reasons.items() if layer not in present}

"""The sandbox's untrusted side: a fork server, and the locked-down children it forks.

``python -I -S sandbox_child.py CONFIG_JSON`` starts the fork server (forkserver.py
starts it, one per grading process, before the first submission arrives). It is
a plain interpreter (no site module, an allow-listed environment, fds 0/1/2 on
/dev/null, a session of its own) that imports numpy, pyseccomp and the runtime
(executor.py, inprocess.py, loading.py, values.py, wire.py) once, then answers
the grader on a Unix socket, one JSON line per request:

* ``spawn``, with the child's two pipe ends attached (SCM_RIGHTS): fork a
  child; answer its pid.
* ``status`` (pid, timeout): the child's exit status (as ``Popen.returncode``)
  once it has ended, or null; the child is not reaped, so its pid (and process
  group) stays the grader's to kill.
* ``reap`` (pid): wait for the child and release it.
* end of file (the grader is gone): exit; the children die with it
  (PR_SET_PDEATHSIG).

The fork server never imports student code. A child, right after the fork and
before anything else, closes every descriptor but its two pipe ends, asks to be
killed when the fork server dies, starts its own session and puts /dev/null on
fds 0/1/2 (so stray writes cannot forge a reply). It then reads its
configuration (the grader's first message on its pipe), moves into its temp
directory (a copy of the submission), and locks itself down: rlimits, a network
namespace, Landlock (a filesystem view without torch, the kit or hidden data;
no TCP; no signals outside its own domain), a separate uid where the grader is
root, then seccomp (no fork, exec, sockets, ptrace). Only then does it serve
calls, importing the student's modules when asked.
"""
import ctypes
import errno
import gc
import importlib
import importlib.machinery
import importlib.util
import json
import os
import resource
import signal
import socket
import struct
import sys
import types
import time

#: The grader's configuration message (the first on a child's pipe) is at most this long.
CONFIG_CAP = 2**24
PR_SET_PDEATHSIG = 1


def load_runtime(folder):
    """Import executor.py and friends from ``folder`` as a package of their own (its __init__ is not run)."""
    spec = importlib.machinery.ModuleSpec("dlgrade_runtime", None, is_package=True)
    spec.submodule_search_locations = [folder]
    sys.modules["dlgrade_runtime"] = importlib.util.module_from_spec(spec)
    return (importlib.import_module("dlgrade_runtime.inprocess"), importlib.import_module("dlgrade_runtime.wire"),
            importlib.import_module("dlgrade_runtime.values"))


def set_limits(config):
    for name, value in (("RLIMIT_AS", config["memory_bytes"]), ("RLIMIT_CPU", config["cpu_seconds"]),
                        ("RLIMIT_FSIZE", config["file_bytes"]), ("RLIMIT_CORE", 0), ("RLIMIT_NOFILE", 64)):
        limit = getattr(resource, name)
        resource.setrlimit(limit, (value, value))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with EFBIG instead of killing us


# -- Landlock (linux/landlock.h) -------------------------------------------------
SYS_CREATE, SYS_ADD_RULE, SYS_RESTRICT = 444, 445, 446
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
O_PATH = getattr(os, "O_PATH", 0o10000000)


def fs_rights(abi):
    rights = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
    if abi >= 2:
        rights |= 1 << 13  # REFER
    if abi >= 3:
        rights |= 1 << 14  # TRUNCATE
    if abi >= 5:
        rights |= 1 << 15  # IOCTL_DEV
    return rights


def apply_landlock(config):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(SYS_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return None
    handled = fs_rights(abi)
    attr = struct.pack("<QQQ", handled, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)
    attr = attr[: 8 if abi < 4 else 16 if abi < 6 else 24]
    buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = libc.syscall(SYS_CREATE, buffer, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        return None
    file_rights = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | ((1 << 14) if abi >= 3 else 0)

    def allow(path, rights):
        try:
            fd = os.open(path, O_PATH | os.O_CLOEXEC)
        except OSError:
            return
        try:
            if not os.path.isdir(path):
                rights &= file_rights
            rule = ctypes.create_string_buffer(struct.pack("<Qi", rights & handled, fd), 12)
            libc.syscall(SYS_ADD_RULE, ruleset, ctypes.c_int(1), rule, ctypes.c_uint32(0))
        finally:
            os.close(fd)

    for path in config["read_dirs_listing"]:
        allow(path, FS_READ_DIR)
    for path in config["read_paths"]:
        allow(path, FS_EXECUTE | FS_READ_FILE | FS_READ_DIR)
    for path in config["device_files"]:
        allow(path, FS_READ_FILE | FS_WRITE_FILE)
    for path in config["write_dirs"]:
        allow(path, handled)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return None
    if libc.syscall(SYS_RESTRICT, ruleset, ctypes.c_uint32(0)) != 0:
        return None
    os.close(ruleset)
    return abi


CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def isolate_network():
    """A network namespace of our own: no interfaces but a loopback that is down. Root may do it
    directly; others need a user namespace first, where the kernel allows unprivileged ones."""
    libc = ctypes.CDLL(None, use_errno=True)
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    return libc.unshare(flags) == 0


def drop_to(uid):
    """Run as an unprivileged uid (when started as root and the interpreter is readable by others)."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    return os.getuid() == uid


def load_seccomp():
    try:
        import pyseccomp

        return pyseccomp
    except Exception:  # noqa: BLE001 - not installed, or no libseccomp: the layer is reported absent
        return None


def apply_seccomp(sc):
    denied = sc.ERRNO(errno.EPERM)
    rules = sc.SyscallFilter(defaction=sc.ALLOW)
    for name in ("fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
                 "socket", "socketpair", "setsid", "setpgid", "unshare", "setns", "mount", "chroot"):
        try:
            rules.add_rule(denied, name)
        except Exception:  # noqa: BLE001 - a syscall this architecture lacks
            pass
    rules.add_rule(denied, "clone", sc.Arg(0, sc.MASKED_EQ, 0x00010000, 0))  # threads only (CLONE_THREAD)
    rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")  # glibc falls back to clone, filtered above
    rules.load()
    return True


# -- the fork server ----------------------------------------------------------------

class Runtime:
    """What the fork server loaded once for all its children."""

    def __init__(self, config):
        sys.path.extend(config["package_dirs"])  # started with -S: numpy and friends, without running .pth files
        self.executor_module, self.wire, self.values = load_runtime(config["runtime"])
        import numpy

        self.numpy = numpy
        numpy.random.seed()  # its first call imports what seeding needs: here once, not in every child
        self.seccomp = load_seccomp() if config["seccomp"] else None  # its library loads before any lockdown
        self.server_pid = os.getpid()


def serve_forks(config):
    runtime = Runtime(config)
    control = socket.socket(fileno=config["control_fd"])
    children = set()
    send_line(control, {"ready": True, "pid": runtime.server_pid})
    while True:
        request, fds = receive_line(control)
        if request is None:  # the grader is gone; our children get SIGKILL as we exit
            os._exit(0)
        try:
            send_line(control, answer(request, fds, control, runtime, children))
        except OSError as exc:  # fork failed (process limits?), or a child already gone: the grader hears why
            send_line(control, {"error": f"{type(exc).__name__}: {exc}"})


def answer(request, fds, control, runtime, children):
    """The fork server's answer to one request (see the module docstring)."""
    op, pid = request.get("op"), request.get("pid")
    if op == "spawn" and len(fds) == 2:
        pid = fork_child(control, fds, runtime)
        children.add(pid)
        return {"pid": pid}
    for fd in fds:
        os.close(fd)
    if op == "status" and pid in children:
        return {"code": exit_code(pid, float(request.get("timeout", 0)))}
    if op == "reap" and pid in children:
        children.discard(pid)
        return {"code": os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}
    return {"error": f"bad request {request!r}"}


def exit_code(pid, timeout):
    """The child's exit status once it has ended (within ``timeout`` seconds), without reaping it; or None."""
    deadline = time.monotonic() + timeout
    while True:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is not None and info.si_pid == pid:
            return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.005)


def fork_child(control, fds, runtime):
    channel_in, channel_out = fds
    # What the server holds is never collected in a child: a collection there would touch (and so copy)
    # every page of it.
    gc.freeze()
    try:
        pid = os.fork()
    except OSError:
        os.close(channel_in)
        os.close(channel_out)
        raise
    if pid == 0:
        try:
            control.close()
            child_main(channel_in, channel_out, runtime)
        finally:
            os._exit(1)
    os.close(channel_in)
    os.close(channel_out)  # only the child holds its end now: the grader sees end of file when it dies
    return pid


def send_line(control, message):
    control.sendall(json.dumps(message).encode() + b"\n")


def receive_line(control):
    """The next request and the descriptors that came with it; (None, []) at end of file."""
    data, fds = b"", []
    while not data.endswith(b"\n"):
        chunk, received, _, _ = socket.recv_fds(control, 1 << 16, 2)
        fds += received
        if not chunk:
            for fd in fds:
                os.close(fd)
            return None, []
        data += chunk
    return json.loads(data), fds


# -- a child ----------------------------------------------------------------------

def detach(channel_in, channel_out, server_pid):
    """Right after the fork: nothing of the fork server's but the two pipe ends; die with it; a session of our
    own; fds 0/1/2 on /dev/null so nothing the student prints reaches the grader."""
    low, high = sorted((channel_in, channel_out))
    for start, stop in ((3, low), (low + 1, high), (high + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])):
        if start < stop:
            os.closerange(start, stop)
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != server_pid:  # the fork server died before the line above
        os._exit(1)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    sys.stdin = sys.stdout = sys.stderr = open(os.devnull, "w")
    sys.argv = sys.argv[:1]


def lock_down(config, runtime):
    """Everything the child may do from here on: limits, then the kernel guards. The active layers."""
    os.environ.update(HOME=config["workdir"], TMPDIR=config["workdir"])
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None
    os.chdir(config["workdir"])
    runtime.numpy.random.seed()  # not the fork server's state: each child draws its own, as a fresh process would
    set_limits(config)
    layers = []
    if config["netns"] and isolate_network():
        layers.append("netns")
    if config["landlock"] and apply_landlock(config):
        layers.append("landlock")
    if config["uid"] is not None and drop_to(config["uid"]):
        layers.append(f"uid {config['uid']}")
    if config["seccomp"] and runtime.seccomp is not None and apply_seccomp(runtime.seccomp):
        layers.append("seccomp")
    return layers


def declare_kinds(source):
    """The argument kinds topics declared (their classes' source, sent by the grader): registered with the
    runtime's values module before any student code runs."""
    if not source:
        return
    module = types.ModuleType("dlgrade_runtime.kinds")
    module.__package__ = "dlgrade_runtime"
    sys.modules[module.__name__] = module
    exec(compile(source, "<argument kinds declared by topics>", "exec"), module.__dict__)


def child_main(channel_in, channel_out, runtime):
    detach(channel_in, channel_out, runtime.server_pid)
    wire = runtime.wire
    config, _ = wire.receive(channel_in, CONFIG_CAP)
    declare_kinds(config.get("kinds", ""))
    layers = lock_down(config, runtime)
    runtime.values.MAX_ARRAY_BYTES = config["frame_cap"]
    executor = runtime.executor_module.InProcessExecutor(config["submission"], resident=True)
    wire.send(channel_out, {"ready": True, "layers": layers, "pid": os.getpid()})
    serve(executor, runtime, config, channel_in, channel_out)


#: Replies held back at most this long before the next call starts: the grader's deadline for a call runs
#: from the last message it received, so holding replies brings its backstop this much closer (its grace is
#: seconds).
HOLD_SECONDS = 0.005


def serve(executor, runtime, config, channel_in, channel_out):
    """Batches of calls, one message in, until the grader closes the channel. Replies go several to a
    message, but only those of one function, each sent before a call of another function starts: a
    process that dies or hangs past its own alarm then takes with it only unsent replies of the function
    it died in, which the grader blames for it (the first reply it did not get)."""
    wire = runtime.wire
    replies = wire.Replies(channel_out)
    # The function whose replies are held, and whether the current batch holds replies at all.
    held = types.SimpleNamespace(function=None, holding=True)

    def starting(function):
        if len(replies) and (function != held.function or not held.holding
                             or time.monotonic() - replies.since > HOLD_SECONDS):
            replies.flush()
        held.function = function

    def emit(result):
        header = describe(result)
        try:
            replies.add(header, result.value, time.monotonic())
        except (TypeError, ValueError) as exc:
            replies.add(dict(header, status="error", message=f"the result could not be sent back: {exc}"), None,
                        time.monotonic())
            result.status = "error"  # what the grader is told: the chain ends here on both sides
        if replies.bytes > replies.max_bytes:  # a message holds at most one large reply
            replies.flush()

    while True:
        try:
            request, args = wire.receive(channel_in, config["frame_cap"])
        except wire.WireError:
            os._exit(0)
        if request.get("op") == "load":
            module = executor._module(request["topic"])
            failed = isinstance(module, runtime.executor_module.CallResult)
            wire.send(channel_out, {"status": module.status if failed else "ok",
                                    "message": module.message if failed else ""})
            continue
        chains = [[(function, tuple(a), collect, keep) for (function, collect, keep), a in zip(chain, chain_args)]
                  for chain, chain_args in zip(request["chains"], args)]
        held.holding = request.get("hold", True) is not False  # a batch made again after a crash holds none
        executor._invoke_batch(request["topic"], chains, request["timeout"], emit, starting)
        replies.flush()


def describe(result):
    """A CallResult's fields but its value, for the reply's header (empty ones left out: most replies are
    a status and an id)."""
    header = {"status": result.status, "call_id": result.call_id}
    for name in ("message", "mutated", "warnings", "output", "touched_global_rng"):
        if getattr(result, name):
            header[name] = getattr(result, name)
    return header


if __name__ == "__main__":
    serve_forks(json.loads(sys.argv[1]))

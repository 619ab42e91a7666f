"""The sandboxed child: ``python -I -S sandbox_child.py CONFIG_JSON``.

Runs in a temp directory holding only the submission and a copy of the
runtime (this file, executor.py, loading.py, values.py, wire.py). It locks
itself down before any student code is imported: rlimits, then Landlock (a
filesystem view without torch, the kit or hidden data; no TCP; no signals
outside its own domain), then seccomp (no fork, exec, sockets, ptrace). Then
it serves calls: one message in, one message out, over file descriptors that
are not stdin/stdout (those go to /dev/null, so stray writes cannot forge a
reply).
"""
import ctypes
import errno
import importlib.util
import json
import os
import resource
import signal
import struct
import sys


def load_runtime(folder):
    """Import executor.py and friends as a package of their own, without the kit's __init__."""
    spec = importlib.util.spec_from_file_location("dlgrade_runtime", os.path.join(folder, "__init__.py"),
                                                  submodule_search_locations=[folder])
    package = importlib.util.module_from_spec(spec)
    sys.modules["dlgrade_runtime"] = package
    spec.loader.exec_module(package)
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


def main():
    config = json.loads(sys.argv[1])
    sys.path.extend(config["package_dirs"])  # started with -S: numpy and friends, without running .pth files
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the grading process
    # Private channel first: fds 0/1/2 become /dev/null so nothing the student prints reaches the parent.
    channel_in, channel_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdin = sys.stdout = sys.stderr = open(os.devnull, "w")
    os.chdir(config["workdir"])
    set_limits(config)
    executor_module, wire, values = load_runtime(config["runtime"])
    import numpy  # noqa: F401 - imported before the filesystem closes
    seccomp = load_seccomp() if config["seccomp"] else None  # its library loads before the filesystem closes
    layers = []
    if config["netns"] and isolate_network():
        layers.append("netns")
    if config["landlock"] and apply_landlock(config):
        layers.append("landlock")
    if config["uid"] is not None and drop_to(config["uid"]):
        layers.append(f"uid {config['uid']}")
    if seccomp is not None and apply_seccomp(seccomp):
        layers.append("seccomp")
    values.MAX_ARRAY_BYTES = config["frame_cap"]
    executor = executor_module.InProcessExecutor(config["submission"], resident=True)
    wire.send(channel_out, {"ready": True, "layers": layers, "pid": os.getpid()})

    def reply(channel, header, value) -> bool:
        """Send one call's result; if its value cannot be sent, an error in its place (False)."""
        try:
            wire.send(channel, header, value)
            return True
        except (TypeError, ValueError, OSError) as exc:
            wire.send(channel, dict(header, status="error", message=f"the result could not be sent back: {exc}"))
            return False

    while True:
        try:
            request, args = wire.receive(channel_in, config["frame_cap"])
        except wire.WireError:
            os._exit(0)
        if request.get("op") == "load":
            module = executor._module(request["topic"])
            failed = isinstance(module, executor_module.CallResult)
            wire.send(channel_out, {"status": module.status if failed else "ok",
                                    "message": module.message if failed else ""})
            continue
        # A batch of chains of calls (a single call is a batch of one): one reply per call, as it ends.
        def emit(result):
            if not reply(channel_out, describe(result), result.value):
                result.status = "error"  # what the grader was told: the chain ends here on both sides

        chains = [[(function, tuple(a), collect, keep) for (function, collect, keep), a in zip(chain, chain_args)]
                  for chain, chain_args in zip(request["chains"], args)]
        executor._invoke_batch(request["topic"], chains, request["timeout"], emit)


def describe(result):
    """A CallResult's fields but its value, for the reply's header."""
    return {"status": result.status, "message": result.message, "call_id": result.call_id,
            "mutated": result.mutated, "warnings": result.warnings, "output": result.output}


if __name__ == "__main__":
    main()

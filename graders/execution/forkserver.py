"""The grader's end of the sandbox's fork server (the server and its children: sandbox_child.py).

Starting ``python -I -S`` and importing numpy costs a child ~130 ms of CPU, more
than grading a typical submission's calls. So each grading process keeps one
fork server, a process that has done that once (``prestart()`` starts it before
the first submission arrives), and every sandboxed child is a fork of it that
locks itself down before any student code is imported.

The grader creates each child's two pipes and hands the child's ends to the
server with the ``spawn`` request (SCM_RIGHTS over a Unix socket); the server
answers the child's pid. The server does not reap a child until the grader asks
(``reap``), so the pid and its process group stay valid for the grader's
``killpg`` at a deadline, and ``exit_code`` reads how a child died without
reaping it. The server exits when its socket closes (the grader process ended,
however it ended), and its children are killed with it (PR_SET_PDEATHSIG); one
that died for another reason is replaced on the next spawn.
"""
from __future__ import annotations

import atexit
import fcntl
import json
import os
import socket
import subprocess
import sys
import threading

#: Each pipe between the grader and a child holds this much (fewer wake-ups for a large argument or result).
PIPE_BYTES = 2**20
#: The fork server answers at once; one that does not within this long is replaced.
ANSWER_SECONDS = 30.0


class ForkServerError(OSError):
    """The fork server is gone or answered nonsense."""


class ForkServer:
    """One running fork server (see the module docstring)."""

    def __init__(self, argv: list[str], config: dict, env: dict):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.process = subprocess.Popen(
                argv + [json.dumps(dict(config, control_fd=theirs.fileno()))], pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd="/",
                start_new_session=True)
        finally:
            theirs.close()
        self.socket = ours
        self.lock = threading.Lock()
        self.pid: int | None = None  # known once the server says it is ready (the first request waits for it)

    def alive(self) -> bool:
        return self.process.poll() is None and self.socket.fileno() >= 0

    def spawn(self) -> tuple[int, int, int]:
        """A new child: (pid, the fd to write its requests to, the fd to read its replies from)."""
        to_child = os.pipe()  # (the child's end, ours)
        from_child = os.pipe()  # (ours, the child's end)
        for fd in (to_child[1], from_child[0]):
            _widen(fd)
        try:
            reply = self._request({"op": "spawn"}, fds=[to_child[0], from_child[1]])
        except BaseException:
            for fd in (*to_child, *from_child):
                os.close(fd)
            raise
        os.close(to_child[0])  # the child has its own copies now
        os.close(from_child[1])
        if not isinstance(reply.get("pid"), int):
            os.close(to_child[1])
            os.close(from_child[0])
            raise ForkServerError(f"the fork server could not start a child: {reply}")
        return reply["pid"], to_child[1], from_child[0]

    def exit_code(self, pid: int, timeout: float) -> int | None:
        """How child ``pid`` ended (as ``Popen.returncode``), waiting up to ``timeout`` s; None if it has not
        (or the server cannot tell). The child is not reaped."""
        try:
            return self._request({"op": "status", "pid": pid, "timeout": timeout}).get("code")
        except OSError:
            return None

    def reap(self, pid: int) -> None:
        """Release child ``pid``, which must be dead or dying (killed)."""
        try:
            self._request({"op": "reap", "pid": pid})
        except OSError:
            pass

    def close(self) -> None:
        """Close the socket: the server exits, and any child still running is killed with it."""
        self.socket.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _request(self, message: dict, fds=()) -> dict:
        with self.lock:
            try:
                if self.pid is None:
                    self.socket.settimeout(60.0)  # the server is importing numpy
                    self.pid = self._receive().get("pid")
                    self.socket.settimeout(ANSWER_SECONDS)
                data = json.dumps(message).encode() + b"\n"
                if fds:
                    socket.send_fds(self.socket, [data], list(fds))
                else:
                    self.socket.sendall(data)
                return self._receive()
            except OSError as exc:
                self.socket.close()  # out of step or gone: this server is done
                raise ForkServerError(f"the sandbox's fork server stopped answering: {exc}") from exc

    def _receive(self) -> dict:
        data = b""
        while not data.endswith(b"\n"):
            chunk = self.socket.recv(1 << 16)
            if not chunk:
                raise ForkServerError("the sandbox's fork server is gone")
            data += chunk
        reply = json.loads(data)
        if not isinstance(reply, dict):
            raise ForkServerError(f"the sandbox's fork server answered {reply!r}")
        return reply


def _widen(fd: int) -> None:
    setsize = getattr(fcntl, "F_SETPIPE_SZ", 1031 if sys.platform == "linux" else None)
    if setsize is not None:
        try:
            fcntl.fcntl(fd, setsize, PIPE_BYTES)
        except OSError:
            pass  # over the system's or the user's pipe limits: the default size still works


_SERVERS: dict[tuple, ForkServer] = {}
_OWNER = os.getpid()
_LOCK = threading.Lock()


def fork_server(argv: list[str], config: dict, env: dict) -> ForkServer:
    """This process's fork server for these settings, started (or replaced) if it is not running."""
    global _OWNER
    key = (tuple(argv), json.dumps(config, sort_keys=True), tuple(sorted(env.items())))
    with _LOCK:
        if _OWNER != os.getpid():  # a forked copy of a grading process: the servers are its parent's
            _SERVERS.clear()
            _OWNER = os.getpid()
        server = _SERVERS.get(key)
        if server is None or not server.alive():
            if server is not None:
                server.close()
            server = _SERVERS[key] = ForkServer(argv, config, env)
        return server


@atexit.register
def close_all() -> None:
    """Stop this process's fork servers (leaving no process behind)."""
    if _OWNER == os.getpid():
        for server in _SERVERS.values():
            server.close()
        _SERVERS.clear()

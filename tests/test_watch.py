"""`dlgrade check --watch`'s loop against a real folder and the real watchfiles watcher, in a thread."""
import io
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from dlgrade.watch import changed_topics, is_source_file, watch

TOPICS = ["activations", "conv"]
WAIT_S = 10  # the test machine may be a busy 2-core box: wait long for what must happen
QUIET_S = 2  # how long nothing must happen after an ignored change


class Recorder:
    """A `regrade` that records the names it got; `raise_next` makes its next call fail after recording."""

    def __init__(self):
        self.calls: list[list[str]] = []
        self.raise_next = False
        self._returned = 0  # how many calls next_call has handed out
        self._changed = threading.Condition()

    def __call__(self, names):
        with self._changed:
            self.calls.append(list(names))
            self._changed.notify_all()
        if self.raise_next:
            self.raise_next = False
            raise RuntimeError("boom\nsecond line")

    def next_call(self, timeout=WAIT_S):
        """The first call not handed out yet, waiting for it up to `timeout` (None if none came)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.calls) > self._returned, timeout):
                return None
            self._returned += 1
            return self.calls[self._returned - 1]


class Session:
    """`watch` running in a thread over `folder`, stopped (and checked stopped) at the end of the test."""

    def __init__(self, folder: Path, **kwargs):
        self.folder = folder
        self.regrade = Recorder()
        self.out = io.StringIO()
        self.stop = threading.Event()
        self.result = None
        self.mtime = 0
        console = Console(file=self.out, force_terminal=False)

        def target():
            self.result = watch(folder, TOPICS, self.regrade, console=console, stop_event=self.stop, **kwargs)

        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()
        self.next_call = self.regrade.next_call
        assert self.next_call() == TOPICS  # the initial grade of everything

    def edit(self, name: str, text: str = "x = 1\n"):
        """Save `name` the way most editors do: write a temporary file, then rename it over the old one.

        Each save's mtime is a later whole second than any before: a polling watcher (WATCHFILES_FORCE_POLLING,
        WSL) compares mtimes in seconds, and two saves within one second would look like one.
        """
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)  # only ignored folders are new
        draft = path.with_name(f".{path.name}.draft")  # hidden, so ignored
        draft.write_text(f"# {time.monotonic()}\n{text}")
        self.mtime = max(int(time.time()) + 1, self.mtime + 1)
        os.utime(draft, (self.mtime, self.mtime))
        os.replace(draft, path)

    def finish(self) -> int:
        self.stop.set()
        self.thread.join(WAIT_S)
        assert not self.thread.is_alive(), "watch did not return after stop_event was set"
        return self.result


@pytest.fixture
def folder(tmp_path):
    impl = tmp_path / "impl"
    impl.mkdir()
    (impl / "activations.py").write_text("from helpers import twice\n")
    (impl / "conv.py").write_text("from helpers import twice\n")
    (impl / "helpers.py").write_text("def twice(x):\n    return 2 * x\n")
    # already there when watching starts: inotify can miss a file written into a folder created a moment before
    (impl / "utils").mkdir()
    (impl / "utils" / "numerics.py").write_text("EPS = 1e-8\n")
    for path in impl.rglob("*"):  # older than any save a test makes, even to a polling watcher (whole seconds)
        os.utime(path, (time.time() - 1000,) * 2)
    return impl


@pytest.fixture
def session(folder):
    running = Session(folder)
    yield running
    if running.thread.is_alive():
        running.finish()


def test_a_topic_module_regrades_that_topic(session):
    (session.folder / "conv.py").write_text("x = 1\n")  # saved in place (the fixture's files are older)
    assert session.next_call() == ["conv"]
    assert "changed: conv.py -> regrading conv  (Ctrl-C stops)" in session.out.getvalue()
    assert "─" in session.out.getvalue()  # not a terminal: a rule, not a cleared screen, between regrades
    session.edit("activations.py")
    assert session.next_call() == ["activations"]


def test_a_helper_module_regrades_every_topic(session):
    session.edit("helpers.py")
    assert session.next_call() == TOPICS
    session.edit("utils/numerics.py")  # a helper package of the student's own
    assert session.next_call() == TOPICS


def test_other_files_are_ignored(session):
    for name in ["notes.txt", "4913", "conv.py~", ".conv.py.swp", ".#conv.py", "flycheck_conv.py",
                 "__pycache__/conv.cpython-311.pyc", "__pycache__/conv.py", ".hypothesis/examples/x.py"]:
        session.edit(name)
    assert session.next_call(timeout=QUIET_S) is None
    # still watching, and none of the ignored files slipped into this batch (that would make it every topic)
    session.edit("activations.py")
    assert session.next_call() == ["activations"]


def test_a_failing_regrade_is_reported_and_watching_goes_on(session):
    session.regrade.raise_next = True
    session.edit("conv.py")
    assert session.next_call() == ["conv"]
    session.edit("conv.py", "y = 2\n")
    assert session.next_call() == ["conv"]
    out = session.out.getvalue()
    assert "regrade failed: RuntimeError: boom\n" in out  # one line: the message's first
    assert "second line" not in out
    assert session.thread.is_alive()


def test_stop_event_returns_0(session):
    assert session.finish() == 0
    assert "stopped watching" in session.out.getvalue()


def test_ctrl_c_returns_0(folder):
    def interrupted(names):
        raise KeyboardInterrupt  # as if Ctrl-C came while grading

    out = io.StringIO()
    assert watch(folder, TOPICS, interrupted, console=Console(file=out, force_terminal=False)) == 0
    assert "stopped watching" in out.getvalue()


def test_clear_replaces_the_rule(folder):
    session = Session(folder, clear=True)
    session.edit("conv.py")
    assert session.next_call() == ["conv"]
    assert "─" not in session.out.getvalue()
    assert session.finish() == 0


def test_a_deleted_folder_returns_2(session):
    shutil.rmtree(session.folder)
    session.thread.join(WAIT_S)
    assert not session.thread.is_alive()
    assert session.result == 2
    assert "no longer exists" in session.out.getvalue()


def test_a_missing_folder_returns_2_without_grading(tmp_path):
    out = io.StringIO()
    calls = []
    assert watch(tmp_path / "nope", TOPICS, calls.append, console=Console(file=out, force_terminal=False)) == 2
    assert calls == []
    assert "no such folder" in out.getvalue()


@pytest.mark.parametrize("changed, expected", [
    (["conv.py"], ["conv"]),
    (["conv.py", "activations.py"], TOPICS),
    (["activations.py", "conv.py"], TOPICS),  # always in the topics' order
    (["helpers.py"], TOPICS),
    (["conv.py", "helpers.py"], TOPICS),
    (["sub/conv.py"], TOPICS),  # not the topic module: a helper of the same name
    (["losses.py"], TOPICS),  # a module not selected is a helper too
    (["notes.txt", ".#conv.py", "conv.py~"], []),
])
def test_changed_topics(changed, expected):
    assert changed_topics([Path(p) for p in changed], TOPICS) == expected


def test_is_source_file():
    assert is_source_file(Path("conv.py")) and is_source_file(Path("pkg/helpers.py"))
    for name in ["conv.py~", ".conv.py.swp", ".#conv.py", "4913", "__pycache__/conv.py", ".venv/lib/x.py"]:
        assert not is_source_file(Path(name)), name

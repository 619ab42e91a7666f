"""Hostile submissions, graded by `dlgrade grade` beside an honest one: each scores zero where it
cheats or breaks, gets a clear message, leaves nothing behind, and changes nobody else's score."""
import csv
import json
import os
import shutil
import pathlib
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from dlgrade.registry import load_topic
from dlgrade.core import Outcome
from dlgrade.grading.grader import Grader
from dlgrade.execution.sandbox import SandboxExecutor, sandbox_layers
from tests.support import ROOT, SOLUTIONS, write_module

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's kernel guards are Linux features")
LAYERS = sandbox_layers()
needs = {layer: pytest.mark.skipif(layer not in LAYERS, reason=f"{layer} is not available on this machine")
         for layer in ("landlock", "seccomp")}
RELU = "activations::relu_forward::matches_torch"
SITE = pathlib.Path(next(p for p in sys.path if p.endswith("site-packages")))
GRADER = Grader("cpu", timeout=2.0, reference=SOLUTIONS)


def grade_in_sandbox(folder, **options):
    topic = load_topic("activations")
    with SandboxExecutor(folder, **options) as executor:
        return {c.id: GRADER.run(c, executor) for c in topic.checks if c.visibility == "public"}


@pytest.fixture(scope="module")
def honest_scores(hostile_batch):
    """The honest submission graded alone, after the hostile batch ran."""
    return {cid: v.score for cid, v in grade_in_sandbox(SOLUTIONS).items()}


def hostile(body: str, imports: str = "") -> str:
    """The reference activations with relu_forward replaced by ``body``."""
    return f"{imports}\n\ndef relu_forward(x):\n" + "\n".join("    " + line for line in body.strip().splitlines()) + "\n"


TARGET = pathlib.Path("/tmp/dlgrade-hostile-marker")

CASES = {
    "infinite_loop": (hostile("while True:\n    pass"), Outcome.TIMEOUT, "did not finish", None),
    "sleep": (hostile("time.sleep(3600)", "import time"), Outcome.TIMEOUT, "did not finish", None),
    "memory_bomb": (hostile("blocks = []\nwhile True:\n    blocks.append(np.empty(2**26))"), Outcome.ERROR,
                    "memory", None),
    "fork_bomb": (hostile("while True:\n    os.fork()", "import os"), Outcome.ERROR, "called os.fork()", None),
    "fork_behind_the_guard": (hostile("libc = ctypes.CDLL(None, use_errno=True)\nwhile True:\n    if libc.fork() < 0:\n"
                                      "        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))",
                                      "import ctypes, os"), Outcome.ERROR, "PermissionError", "seccomp"),
    "setsid_grandchild": (hostile("subprocess.Popen(['sleep', '600'], start_new_session=True)\nreturn x, x",
                                  "import subprocess"), Outcome.ERROR, "PermissionError", "seccomp"),
    "exit_in_call": (hostile("sys.exit(0)", "import sys"), Outcome.ERROR, "SystemExit", None),
    "os_exit_in_call": (hostile("os._exit(0)", "import os"), Outcome.ERROR, "called os._exit(0)", None),
    "exit_behind_the_guard": (hostile("ctypes.CDLL(None)._exit(0)", "import ctypes"), Outcome.ERROR,
                              "exited with status 0", None),
    "segfault": (hostile("ctypes.string_at(0)", "import ctypes"), Outcome.ERROR, "SIGSEGV", None),
    "huge_print": (hostile("chunk = 'x' * 2**20\nfor _ in range(2048):\n    print(chunk)\n"
                           "    os.write(1, b'garbage that must not reach the grader')\nreturn np.maximum(x, 0), x",
                           "import os"), Outcome.PASSED, "", None),
    "ten_gb_file": (hostile("with open('big.bin', 'wb') as f:\n    for _ in range(10 * 1024):\n"
                            "        f.write(b'0' * 2**20)\nreturn np.maximum(x, 0), x"), Outcome.ERROR, "File too large",
                    None),
    "dynamic_torch_import": (hostile("torch = importlib.import_module('torch')\n"
                                     "return torch.relu(torch.from_numpy(x)).numpy(), x", "import importlib"),
                             Outcome.ERROR, "torch", "landlock"),
    "torch_after_removing_the_hook": (hostile("builtins.__import__ = importlib.__import__\n"
                                              "exec('import tor' + 'ch as t')\nreturn x, x",
                                              "import builtins, importlib"), Outcome.ERROR, "torch", "landlock"),
    "read_solutions": (hostile(f"exec(open({str(SOLUTIONS / 'activations.py')!r}).read(), globals())\n"
                               "return relu_forward(x)"), Outcome.ERROR, "PermissionError", "landlock"),
    "read_graders": (hostile(f"open({str(ROOT / 'graders' / 'topics' / 'activations.py')!r}).read()\nreturn x, x"),
                     Outcome.ERROR, "PermissionError", "landlock"),
    "read_parent_memory": (hostile("open(f'/proc/{os.getppid()}/mem', 'rb').read(16)\nreturn x, x", "import os"),
                           Outcome.ERROR, "PermissionError", "landlock"),
    "write_pth": (hostile(f"open({str(SITE / 'dlgrade_evil.pth')!r}, 'w').write('import os')\nreturn x, x"),
                  Outcome.ERROR, "PermissionError", "landlock"),
    "write_outside": (hostile(f"open({str(TARGET)!r}, 'w').write('x')\nreturn x, x"), Outcome.ERROR,
                      "PermissionError", "landlock"),
    "kill_parent": (hostile("os.kill(os.getppid(), signal.SIGKILL)\nreturn x, x", "import os, signal"),
                    Outcome.ERROR, "PermissionError", "landlock"),
    "monkeypatch_numpy": (hostile("np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
                                  "return x * 0.0, x"), Outcome.FAILED, "values differ", None),
    "always_true_eq": (hostile("class Yes:\n    def __eq__(self, other):\n        return True\nreturn Yes(), x"),
                       Outcome.FAILED, "Yes", None),
    "ndarray_subclass": (hostile("class Sub(np.ndarray):\n    pass\nreturn np.maximum(x, 0).view(Sub), x"),
                         Outcome.FAILED, "an ndarray subclass", None),
    "huge_array": (hostile("return np.zeros(12 * 2**20), x"), Outcome.FAILED, "over the size limit", None),
}


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    """Every hostile case as one student's activations.py, beside an honest student, graded in one run of
    `dlgrade grade` (real subprocess, two workers, 2 s per call). A TCP server listens here for one of them."""
    base = tmp_path_factory.mktemp("hostile")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(60)
    accepted = []
    threading.Thread(target=_accept, args=(server, accepted), daemon=True).start()
    tcp = hostile(f"socket.create_connection(('127.0.0.1', {server.getsockname()[1]}), timeout=1)"
                  ".sendall(x.tobytes())\nreturn x, x", "import socket")
    sources = {**{case: source for case, (source, *_) in CASES.items()}, "tcp_to_localhost": tcp,
               "honest": (SOLUTIONS / "activations.py").read_text()}
    for student, source in sources.items():
        write_module(base / "submissions" / student, "activations", source)
    result = subprocess.run([sys.executable, "-m", "dlgrade", "grade", str(base / "submissions"), "--out",
                             str(base / "out"), "activations", "--jobs", "2", "--timeout", "2",
                             "--device", "cpu", "--no-progress"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    server.close()
    scores = {student: {t["name"]: t for t in json.loads((base / "out" / student / "results.json").read_text())["tests"]}
              for student in sources}
    return {"result": result, "scores": scores, "accepted": accepted, "base": base}


def test_the_batch_completes_with_a_row_per_student(hostile_batch):
    result = hostile_batch["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    with open(hostile_batch["base"] / "out" / "gradebook.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(hostile_batch["scores"]) and all(row["status"] == "ok" for row in rows.values())


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hostile_submission(case, hostile_batch, honest_scores):
    """Zero for the cheating check with a clear message, everything else as for the honest student, nothing
    left behind, and the honest student's score as when graded alone."""
    _, outcome, fragment, layer = CASES[case]
    if layer and layer not in LAYERS:
        pytest.skip(f"{layer} is not available on this machine")
    tests, honest = hostile_batch["scores"][case], hostile_batch["scores"]["honest"]
    relu = tests[RELU]
    assert relu["extra_data"]["outcome"] == outcome.value, relu["output"]
    assert fragment in relu["output"]
    if outcome is not Outcome.PASSED:
        assert relu["score"] == 0
    assert {n: t["score"] for n, t in tests.items() if "::relu" not in n} == \
        {n: t["score"] for n, t in honest.items() if "::relu" not in n}
    assert not TARGET.exists() and not (SITE / "dlgrade_evil.pth").exists()
    assert not list((hostile_batch["base"] / "submissions" / case).glob("big.bin"))
    assert {cid: t["score"] for cid, t in honest.items()} == honest_scores


@needs["seccomp"]
def test_tcp_connection_to_localhost_is_refused(hostile_batch):
    relu = hostile_batch["scores"]["tcp_to_localhost"][RELU]
    assert relu["score"] == 0 and "PermissionError" in relu["output"]
    assert hostile_batch["accepted"] == []


def _accept(server, accepted):
    try:
        accepted.append(server.accept())
    except OSError:
        pass


@pytest.mark.parametrize("source, fragment", [("import os\nos._exit(3)\n", "called os._exit(3)"),
                                              ("import ctypes\nctypes.CDLL(None)._exit(3)\n", "exited with status 3")])
def test_exit_at_import_is_an_error_for_that_module_only(source, fragment, tmp_path):
    folder = write_module(tmp_path, "activations", source)
    verdicts = grade_in_sandbox(folder)
    assert {v.outcome for v in verdicts.values()} == {Outcome.ERROR}
    assert all("importing activations.py" in v.message and fragment in v.message for v in verdicts.values())


def test_sys_exit_at_import(tmp_path):
    folder = write_module(tmp_path, "activations", "import sys\nsys.exit(0)\n")
    verdict = grade_in_sandbox(folder)[RELU]
    assert verdict.outcome is Outcome.ERROR and "SystemExit" in verdict.message


def test_the_child_runs_in_its_own_session_and_temp_dir(tmp_path):
    folder = write_module(tmp_path, "activations", hostile(
        "return np.array([os.getsid(0), os.getpid(), float(os.getcwd().startswith(tempfile.gettempdir()))]), x",
        "import os, tempfile"))
    with SandboxExecutor(folder) as executor:
        import numpy as np

        result = executor.call("activations", "relu_forward", (np.zeros(1),))
        sid, pid, in_tmp = result.value[0]
        assert sid == pid != os.getsid(0)
        assert in_tmp == 1.0
        workdir = executor.workdir
    assert not os.path.exists(workdir)


def test_layers_are_reported():
    assert LAYERS[:2] == ["process", "rlimits"]


def test_a_call_s_cpu_time_is_the_child_s_clock_read_by_the_grader(tmp_path):
    """Busy work shows in cpu_seconds, sleeping does not (wall time has both); nothing the child says is used.
    The calls of a batch are not timed (their replies may come several to a message)."""
    folder = write_module(tmp_path, "activations", hostile(
        "if x[0] > 0:\n    end = time.process_time() + x[0]\n    while time.process_time() < end:\n        pass\n"
        "else:\n    time.sleep(-x[0])\nreturn x, x", "import time"))
    import numpy as np

    with SandboxExecutor(folder) as executor:
        busy = executor.call("activations", "relu_forward", (np.array([0.3]),))
        asleep = executor.call("activations", "relu_forward", (np.array([-0.3]),))
        batch = executor.call_batch("activations", [[("relu_forward", (np.array([0.2]),))],
                                                    [("relu_forward", (np.array([0.1]),))]])
    assert busy.ok and 0.3 <= busy.cpu_seconds < busy.seconds + 0.01
    assert asleep.ok and asleep.seconds >= 0.3 and asleep.cpu_seconds < 0.1
    assert [chain[0].ok for chain in batch] == [True, True]
    assert [chain[0].cpu_seconds for chain in batch] == [None, None]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_children_are_forked_fresh_and_leave_nothing_behind(tmp_path):
    """Each child is a fork of this process's fork server, with its own random state; closed, it is gone (reaped,
    its temp dir removed)."""
    folder = write_module(tmp_path, "activations", hostile(
        "return np.array([os.getpid(), os.getppid(), np.random.random()]), x", "import os"))
    import numpy as np

    seen = []
    for _ in range(2):
        with SandboxExecutor(folder) as executor:
            (pid, parent, draw), _ = executor.call("activations", "relu_forward", (np.zeros(1),)).value
            seen.append((int(pid), int(parent), draw, executor.workdir))
    (first, server, draw1, dir1), (second, server2, draw2, dir2) = seen
    assert server == server2 == executor.server.process.pid != os.getpid()
    assert first != second and draw1 != draw2
    assert _gone(first) and _gone(second) and not os.path.exists(dir1) and not os.path.exists(dir2)


def test_a_grading_process_that_dies_takes_its_fork_server_and_child_along(tmp_path):
    folder = write_module(tmp_path, "activations", hostile("time.sleep(600)", "import time"))
    script = (f"import os, sys, threading, time, numpy as np\nsys.path.insert(0, {str(ROOT)!r})\n"
              "from dlgrade.execution.sandbox import SandboxExecutor\n"
              f"e = SandboxExecutor({str(folder)!r})\ne._ensure_child()\n"
              "print(e.server.process.pid, e.child_pid, e.workdir, flush=True)\n"
              "threading.Timer(1.0, lambda: os._exit(9)).start()\n"
              "e.call('activations', 'relu_forward', (np.zeros(1),), timeout=600)\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 9, run.stderr
    server, child, workdir = run.stdout.split()
    for _ in range(100):
        if _gone(int(server)) and _gone(int(child)):
            break
        time.sleep(0.05)
    assert _gone(int(server)) and _gone(int(child))
    shutil.rmtree(workdir)  # the grading process's own temp dir: it had no chance to remove it


def test_folders_of_processes_killed_outright_are_removed_by_the_next_one(tmp_path):
    """SIGKILL leaves a grading process no chance to clean up: the next sandboxed executor removes what is
    left of dead processes (and only theirs)."""
    import tempfile

    from dlgrade.execution.sandbox import WORKDIR_PREFIX, remove_stale_workdirs

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = pathlib.Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{dead.pid}-"))
    mine = pathlib.Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
    try:
        remove_stale_workdirs()
        assert not stale.exists() and mine.exists()
    finally:
        shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(mine, ignore_errors=True)


def test_a_batch_of_more_arrays_than_a_message_carries_goes_in_parts():
    """12,000 calls of one round (a statistics check's draws, say) exceed what one message may carry: the
    grader sends them in several messages to the same child, and every call gets its own result, in order."""
    from dlgrade.execution import wire

    calls = [[("relu_forward", (np.full(2, float(i) - 6000.0),), None, None)] for i in range(12_000)]
    assert len(calls) > wire.MAX_ARRAYS
    with SandboxExecutor(SOLUTIONS) as executor:
        results = executor.call_batch("activations", calls, timeout=10)
    assert [len(done) for done in results] == [1] * len(calls) and all(done[0].ok for done in results)
    assert [float(done[0].value[0][0]) for done in results[5998:6002]] == [0.0, 0.0, 0.0, 1.0]
    assert executor.crashes == 0

"""`dlgrade grade` and `dlgrade gradescope` end to end, in real subprocesses, with the sandbox."""
import csv
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from dlgrade.registry import available_topics
from dlgrade.execution.loading import MAX_MODULE_BYTES
from dlgrade.grading.intake import MAX_SUBMISSION_BYTES, MAX_SUBMISSION_FILES, scan
from tests.support import ROOT, SOLUTIONS, grade, run_cli, unpack_autograder, write_module

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's kernel guards are Linux features")
# The foundation topics: fast, and independent of topics still being written.
TOPICS = [t for t in ("perceptron", "activations", "losses") if t in available_topics()]
RELU_BUG = """
    def relu_backward(dout, cache):
        return dout * (cache >= 0)
    """
# Every call raises (and prints) something unique: a hidden check's message holds tokens no public one has.
LEAKY = """
    import secrets

    def relu_forward(x):
        print("PRINTED-" + secrets.token_hex(8))
        raise ValueError("LEAK-" + secrets.token_hex(8) + " " + repr(x.tolist()))
    """
TOKEN = re.compile(r"LEAK-[0-9a-f]{16}")


def env(**extra):
    return {**os.environ, "COLUMNS": "200", "DLGRADE_HIDDEN_SEED": "4242", **extra}


def dlgrade(*args, timeout=300, **kwargs):
    return subprocess.run([sys.executable, "-m", "dlgrade", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env(), **kwargs)


def solution_folder(folder: pathlib.Path, topics=TOPICS) -> pathlib.Path:
    folder.mkdir(parents=True)
    for topic in topics:
        (folder / f"{topic}.py").write_bytes((SOLUTIONS / f"{topic}.py").read_bytes())
    return folder


def make_zip(path: pathlib.Path, members: dict, links=()) -> pathlib.Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A small class graded once with --hidden: an honest student, a buggy one, a zip, a leaky one, junk."""
    base = tmp_path_factory.mktemp("batch")
    subs = base / "submissions"
    subs.mkdir()
    solution_folder(subs / "alice")
    write_module(subs / "bob", "activations", RELU_BUG)
    make_zip(subs / "carol.zip", {"carol/losses.py": (SOLUTIONS / "losses.py").read_text(),
                                  "carol/notes.txt": "not a module", "__MACOSX/carol/._losses.py": "junk"})
    write_module(subs / "erin", "activations", LEAKY)
    (subs / "notes.txt").write_text("a stray file")
    (subs / "dave.zip").write_bytes(b"this is not a zip file")
    out = base / "out"
    result = dlgrade("grade", str(subs), "--out", str(out), "--hidden", "--jobs", "2", "--device", "cpu",
                     *TOPICS)
    return {"subs": subs, "out": out, "result": result}


def records(out: pathlib.Path) -> dict:
    return {p.stem: json.loads(p.read_text()) for p in (out / ".dlgrade" / "records").glob("*.json")}


def test_batch_completes_and_prints_layers_and_class_table(batch):
    result = batch["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"active layers: process, rlimits", result.stdout)
    for student in ("alice", "bob", "carol", "erin", "dave", "notes"):
        assert student in result.stdout
    assert "4 graded, 0 skipped" in result.stdout and "2 errors" in result.stdout


def test_gradebook_columns_and_rows(batch):
    with open(batch["out"] / "gradebook.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0].keys()) == ["student", "total", "max", *TOPICS, "status"]
    by_student = {r["student"]: r for r in rows}
    assert set(by_student) == {"alice", "bob", "carol", "dave", "erin", "notes"}
    maximum = float(by_student["alice"]["max"])
    assert float(by_student["alice"]["total"]) == maximum > 0 and by_student["alice"]["status"] == "ok"
    assert all(float(r["max"]) == maximum for r in rows)
    bob = by_student["bob"]
    assert bob["status"] == "ok" and 0 < float(bob["activations"]) < float(by_student["alice"]["activations"])
    assert float(bob["losses"]) == 0  # no losses.py: every check an error, the batch goes on
    assert float(by_student["carol"]["losses"]) == float(by_student["alice"]["losses"])
    assert float(by_student["carol"]["total"]) == float(by_student["carol"]["losses"])
    assert by_student["dave"]["status"].startswith("error: cannot read the zip")
    assert by_student["notes"]["status"].startswith("error: not a submission")
    assert float(by_student["dave"]["total"]) == 0


def test_results_json_per_student_in_gradescope_schema(batch):
    out = batch["out"]
    for student in ("alice", "bob", "carol", "erin"):
        data = json.loads((out / student / "results.json").read_text())
        assert {"score", "max_score", "execution_time", "output", "tests"} <= data.keys()
        assert data["extra_data"]["implementation"] == student and data["extra_data"]["executor"] == "sandbox"
        for test in data["tests"]:
            assert {"name", "score", "max_score", "status", "output", "visibility", "tags", "extra_data"} <= test.keys()
            assert test["visibility"] == ("after_published" if test["name"].endswith("_hidden") else "visible")
        assert data["score"] == sum(t["score"] for t in data["tests"])
    bob = json.loads((out / "bob" / "results.json").read_text())
    failed = {t["name"]: t for t in bob["tests"] if t["status"] == "failed" and t["extra_data"]["topic"] == "activations"}
    public = failed["activations::relu_backward::matches_autograd"]
    assert public["extra_data"]["diagnosis"] == "relu_grad_one_at_zero" and "Likely mistake" in public["output"]
    hidden = failed["activations::relu_backward::matches_autograd_hidden"]
    assert hidden["output"] == "hidden check: failed"
    assert hidden["extra_data"]["diagnosis"] is None  # which mistake it was stays in the instructor's record
    assert {v["diagnosis"] for v in records(out)["bob"]["report"]["verdicts"]
            if v["check"] == "matches_autograd_hidden" and v["function"] == "relu_backward"} == {"relu_grad_one_at_zero"}
    dave = json.loads((out / "dave" / "results.json").read_text())
    assert dave["score"] == 0 and "could not be graded" in dave["output"]
    assert not (out / "notes").exists()  # a stray file is a gradebook row, not a student


def test_same_public_verdicts_as_in_process_grading(batch):
    reference = grade(batch["subs"] / "bob", "activations")
    data = json.loads((batch["out"] / "bob" / "results.json").read_text())
    sandboxed = {t["name"]: (t["extra_data"]["outcome"], t["score"], t["extra_data"]["diagnosis"])
                 for t in data["tests"] if t["name"] in reference}
    assert sandboxed == {cid: (v.outcome.value, v.score, v.diagnosis) for cid, v in reference.items()}


def test_feedback_says_what_passed_failed_and_why(batch):
    bob = (batch["out"] / "bob" / "feedback.md").read_text()
    assert bob.startswith("# Feedback: bob")
    assert "| `relu_forward` | 1/1 | all checks pass |" in bob
    assert "### `relu_backward`" in bob and "relu_grad_one_at_zero" in bob and "use x > 0" in bob
    assert "Every check: **error**: no module losses.py in bob" in bob
    assert "`relu_backward::matches_autograd_hidden`: 0/1, hidden check: failed" in bob
    alice = (batch["out"] / "alice" / "feedback.md").read_text()
    assert "all checks pass" in alice and "failed" not in alice
    assert "could not be graded" in (batch["out"] / "dave" / "feedback.md").read_text()


def test_no_hidden_inputs_outputs_or_exception_text_in_student_files(batch):
    record = records(batch["out"])["erin"]
    verdicts = record["report"]["verdicts"]
    hidden = [v for v in verdicts if v["visibility"] == "hidden" and v["outcome"] != "passed"]
    public = [v for v in verdicts if v["visibility"] == "public"]
    hidden_tokens = {t for v in hidden for t in TOKEN.findall(v["message"])}
    public_tokens = {t for v in public for t in TOKEN.findall(v["message"])}
    assert hidden_tokens and public_tokens  # the instructor's record keeps the full messages
    public_lines = {line.strip() for v in public for line in v["message"].splitlines()}
    hidden_lines = {line.strip() for v in hidden for line in v["message"].splitlines()} - public_lines
    hidden_lines = {line for line in hidden_lines if "=" in line or "LEAK" in line}  # inputs, exception text
    assert hidden_lines
    # What her code printed: kept for public checks (shown to her), never kept for hidden ones.
    printed = re.compile(r"PRINTED-[0-9a-f]{16}")
    public_prints = {t for v in public for t in printed.findall(v["output"])}
    assert public_prints and not any(v["output"] for v in hidden)
    for name in ("results.json", "feedback.md"):
        text = (batch["out"] / "erin" / name).read_text()
        assert public_tokens & set(TOKEN.findall(text))  # public failures do show their exception
        assert not hidden_tokens & set(TOKEN.findall(text))
        assert not [line for line in hidden_lines if line in text]
        assert set(printed.findall(text)) <= public_prints and public_prints & set(printed.findall(text))
    data = json.loads((batch["out"] / "erin" / "results.json").read_text())
    assert {t["output"] for t in data["tests"] if t["name"].endswith("_hidden") and t["status"] == "failed"} == \
        {"hidden check: error"}


def test_summary(batch):
    summary = json.loads((batch["out"] / "summary.json").read_text())
    assert summary["students"] == 6 and summary["graded_ok"] == 4 and summary["errors"] == 2
    assert summary["torch"] and summary["device"] == "cpu" and summary["dlgrade"]
    assert summary["sandbox_layers"][:2] == ["process", "rlimits"] and summary["hidden"] is True
    assert set(summary["topic_scores"]) == set(TOPICS)
    check = summary["checks"]["activations::relu_backward::matches_autograd"]
    assert check["graded"] == 4 and check["passed"] == 1 and check["pass_rate"] == 0.25
    assert summary["diagnoses"]["relu_grad_one_at_zero"] >= 1
    assert summary["timing"]["graded_this_run"] == 4 and summary["timing"]["submissions_per_minute"] > 0
    assert summary["oracle_cache"]["hits"] > 0
    assert set(summary["errors_by_student"]) == {"dave", "notes"}


def test_rerun_skips_everything_already_graded(batch, tmp_path):
    out = batch["out"]
    before = {p: p.stat().st_mtime_ns for p in (out / ".dlgrade" / "records").glob("*.json")}
    fingerprint = json.loads((out / "summary.json").read_text())["fingerprint"]
    result = dlgrade("grade", str(batch["subs"]), "--out", str(out), "--hidden", "--jobs", "2", "--device", "cpu",
                     *TOPICS)
    assert result.returncode == 0, result.stdout + result.stderr
    if json.loads((out / "summary.json").read_text())["fingerprint"] != fingerprint:
        # The graders changed in between (someone is editing the kit): then everyone is regraded.
        assert "4 graded, 0 skipped" in result.stdout
        return
    assert "skipped 4 already graded" in result.stdout and "0 graded" in result.stdout
    for path, mtime in before.items():
        if path.stem not in ("dave", "notes"):  # entries that cannot be graded are re-examined
            assert path.stat().st_mtime_ns == mtime


def test_resume_after_kill(tmp_path):
    subs = tmp_path / "submissions"
    students = [f"s{i}" for i in range(6)]
    for i, student in enumerate(students):
        if i % 2:
            write_module(subs / student, "activations", RELU_BUG)
        else:
            solution_folder(subs / student, ["activations"])
    out = tmp_path / "out"
    command = [sys.executable, "-m", "dlgrade", "grade", str(subs), "--out", str(out), "--jobs", "2",
               "activations", "--device", "cpu", "--no-progress"]
    process = subprocess.Popen(command, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    record_dir = out / ".dlgrade" / "records"
    deadline = time.monotonic() + 120
    while not list(record_dir.glob("s*.json")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    workers = _children(process.pid)
    os.kill(process.pid, signal.SIGKILL)  # the batch process only: its workers must notice and end
    process.wait()
    done = {p.stem: p.stat().st_mtime_ns for p in record_dir.glob("s*.json")}
    assert done and len(done) < len(students)
    try:
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if _alive(pid)], "workers outlived the killed batch"
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    for path in out.rglob("*.json"):
        json.loads(path.read_text())  # nothing truncated
    fingerprint = json.loads(next(iter(record_dir.glob("s*.json"))).read_text())["fingerprint"]
    command[command.index("--jobs") + 1] = "1"  # one process (no workers) finishes the rest: cheaper
    result = subprocess.run(command, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    if json.loads((out / "summary.json").read_text())["fingerprint"] == fingerprint:  # else the kit was edited
        assert f"skipped {len(done)} already graded" in result.stdout
        for student, mtime in done.items():
            assert (record_dir / f"{student}.json").stat().st_mtime_ns == mtime
            assert f"graded {student}:" not in result.stdout
    with open(out / "gradebook.csv", newline="") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert set(rows) == set(students) and all(r["status"] == "ok" for r in rows.values())
    assert {rows[s]["total"] for s in students[::2]} != {rows[s]["total"] for s in students[1::2]}
    assert not list(out.rglob(".tmp-*"))


def _children(pid: int) -> list[int]:
    children = []
    for task in pathlib.Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return children


def _descendants(pid: int) -> list[int]:
    children = _children(pid)
    return children + [d for child in children for d in _descendants(child)]


def _alive(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_zip_safety_and_layouts(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    module = (SOLUTIONS / "activations.py").read_text()
    make_zip(subs / "flat.zip", {"activations.py": module})
    make_zip(subs / "wrapped.zip", {"wrapped/exercises/activations.py": module, "wrapped/exercises/README": "x",
                                    "wrapped/README.md": "a readme beside the folder"})
    make_zip(subs / "dotdot.zip", {"activations.py": module, "../evil.py": "x"})
    make_zip(subs / "absolute.zip", {"/tmp/evil.py": "x", "activations.py": module})
    make_zip(subs / "link.zip", {"activations.py": module}, links=["losses.py"])
    make_zip(subs / "many.zip", {f"f{i}.txt": "" for i in range(MAX_SUBMISSION_FILES + 1)})
    make_zip(subs / "bomb.zip", {"activations.py": module, "pad.bin": b"\0" * (MAX_SUBMISSION_BYTES + 1)})
    make_zip(subs / "empty.zip", {"README.md": "no modules"})
    big_module = module + "\n# " + "x" * MAX_MODULE_BYTES + "\n"
    make_zip(subs / "big_modules.zip", {"activations.py": big_module})
    (subs / "big_folder").mkdir()
    (subs / "big_folder" / "activations.py").write_text(big_module)
    (subs / "folder").mkdir()
    (subs / "folder" / "activations.py").write_text(module)
    (subs / "folder.zip").write_bytes((subs / "flat.zip").read_bytes())  # same id as the folder
    (subs / "plain").mkdir()
    (subs / "plain" / "activations.py").write_text(module)
    found = {s.entry: s for s in scan(subs)}
    assert found["flat.zip"].error is None and found["wrapped.zip"].error is None
    assert found["flat.zip"].content_hash == found["wrapped.zip"].content_hash == found["plain"].content_hash
    expected = {"dotdot.zip": "unsafe path", "absolute.zip": "unsafe path", "link.zip": "symbolic link",
                "many.zip": "entries", "bomb.zip": "more than 50 MB", "empty.zip": "no Python modules",
                "folder": "same student id", "folder.zip": "same student id",
                "big_modules.zip": "modules hold over 5 MB",
                "big_folder": "modules hold over 5 MB"}
    for entry, fragment in expected.items():
        assert found[entry].error and fragment in found[entry].error, (entry, found[entry].error)
    assert found["folder.zip"].student == "folder.zip" and found["folder"].student == "folder"
    assert found["flat.zip"].student == "flat"


@pytest.mark.parametrize("args, fragment", [
    (("grade", "/nonexistent", "--out", "x"), "does not exist"),
    (("grade", "solutions", "--out", "solutions/out"), "must not be inside"),
    (("grade", "solutions", "--out", "/tmp/dlgrade-x", "no_such_topic"), "no topic, function or check is named no_such_topic"),
    (("grade", "solutions", "--out", "/tmp/dlgrade-x", "--jobs", "0"), "--jobs"),
    (("grade", "solutions"), "--out"),
])
def test_grade_usage_errors_exit_2(args, fragment):
    result = run_cli(*args, cwd=ROOT)
    assert result.returncode == 2
    assert fragment in result.stdout + result.stderr


def test_gradescope_setup_stops_early_on_an_image_with_an_old_python(tmp_path):
    """setup.sh checks the image's Python before installing anything: on a Python 3.8 image (stand-ins for
    python3 and apt-get on PATH) it stops with a message naming the version, and pip never runs."""
    archive = tmp_path / "autograder.zip"
    built = subprocess.run([sys.executable, "-m", "dlgrade", "gradescope", "--out", str(archive),
                            "activations"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env=env(DLGRADE_HIDDEN_SEED="11"))
    assert built.returncode == 0, built.stdout + built.stderr
    root = unpack_autograder(archive, tmp_path / "autograder")
    image = tmp_path / "bin"
    image.mkdir()
    log = tmp_path / "ran.log"
    (image / "python3").write_text(f'#!/bin/sh\necho "python3 $*" >> {log}\n'
                                   '[ "$1" = --version ] && echo "Python 3.8.10" && exit 0\nexit 1\n')
    (image / "apt-get").write_text(f'#!/bin/sh\necho "apt-get $*" >> {log}\n')
    for stand_in in image.iterdir():
        stand_in.chmod(0o755)
    run = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True, timeout=60,
                         env={"PATH": f"{image}:/usr/bin:/bin", "DLGRADE_AUTOGRADER_ROOT": str(root)})
    assert run.returncode == 1
    assert "needs Python 3.10 or newer" in run.stderr and "Python 3.8.10" in run.stderr
    ran = log.read_text().splitlines()
    assert any(line.startswith("apt-get install") for line in ran)  # it tried to install a Python first
    assert not [line for line in ran if line.startswith("python3 -m")]  # never a venv, never pip


@pytest.mark.parametrize("seed", ["4242", "any secret, not a number"])
def test_gradescope_zip_round_trip(tmp_path, seed):
    archive = tmp_path / "autograder.zip"
    result = subprocess.run([sys.executable, "-m", "dlgrade", "gradescope", "--out", str(archive),
                            "activations"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=env(DLGRADE_HIDDEN_SEED=seed))
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(archive) as opened:
        names = set(opened.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in opened.infolist()}
    assert {"setup.sh", "run_autograder", "pyproject.toml", "dlgrade/grading/batch.py", "dlgrade/solutions/activations.py",
            "dlgrade_autograder.json"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    root = unpack_autograder(archive, tmp_path / "autograder")
    assert subprocess.run(["bash", "-n", str(root / "source" / "setup.sh")]).returncode == 0
    config = json.loads((root / "source" / "dlgrade_autograder.json").read_text())
    assert config["topics"] == ["activations"] and config["hidden"] is True and config["hidden_seed"] == seed
    write_module(root / "submission" / "exercises", "activations", RELU_BUG)  # wrapped in one folder
    run = subprocess.run([str(root / "source" / "run_autograder")], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={k: v for k, v in env(DLGRADE_AUTOGRADER_ROOT=str(root),
                                                                  DLGRADE_PYTHON=sys.executable,
                                                                  DLGRADE_DEVICE="cpu").items()
                                            if k != "DLGRADE_HIDDEN_SEED"})  # the zip's own seed
    assert run.returncode == 0, run.stdout + run.stderr
    assert "sandbox layers" in run.stdout
    data = json.loads((root / "results" / "results.json").read_text())
    assert 0 < data["score"] < data["max_score"]
    failed = {t["name"]: t for t in data["tests"] if t["status"] == "failed"}
    assert set(failed) == {"activations::relu_backward::matches_autograd",
                           "activations::relu_backward::matches_autograd_hidden"}
    hidden = failed["activations::relu_backward::matches_autograd_hidden"]
    assert hidden["output"] == "hidden check: failed" and hidden["extra_data"]["diagnosis"] is None
    assert data["extra_data"]["hidden"] is True and data["extra_data"]["executor"] == "sandbox"
    # A broken upload still gets a results.json.
    for path in (root / "submission").rglob("*"):
        if path.is_file():
            path.unlink()
    (root / "submission" / "exercises" / "notes.txt").write_text("nothing")
    run = subprocess.run([str(root / "source" / "run_autograder")], capture_output=True, text=True, timeout=300,
                         env=env(DLGRADE_AUTOGRADER_ROOT=str(root), DLGRADE_PYTHON=sys.executable))
    assert run.returncode == 0
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and "could not be graded" in data["output"]


def test_in_process_worker_crash_is_one_error_row(tmp_path):
    """--in-process runs code inside the workers: one that kills its worker costs its own row only."""
    from dlgrade.grading.batch import grade_batch
    from tests.support import batch_topics
    from rich.console import Console

    subs = tmp_path / "subs"
    solution_folder(subs / "a_good", ["activations"])  # graded first, before the crash
    write_module(subs / "crasher", "activations", """
        import os
        import signal

        def relu_forward(x):
            os.kill(os.getpid(), signal.SIGKILL)  # (os._exit is refused in-process: it raises instead)
        """)
    result = grade_batch(subs, tmp_path / "out", topics=batch_topics(["activations"]), jobs=1, device="cpu", executor="inprocess",
                         progress=False, console=Console(file=open(os.devnull, "w")))
    rows = {r["student"]: r for r in result.rows}
    assert rows["a_good"]["status"] == "ok" and rows["a_good"]["total"] == rows["a_good"]["max"]
    assert rows["crasher"]["status"].startswith("error: grading it crashed the worker")
    assert result.summary["executor"] == "inprocess" and result.summary["sandbox_layers"] == []


def _kit_temporaries(folder: pathlib.Path) -> set:
    return {p.name for p in folder.glob("dlgrade-*")}


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_sigterm_stops_like_ctrl_c_and_leaves_nothing_behind(tmp_path, jobs):
    """SIGTERM to `dlgrade grade` (workers, or one process grading inline): a message, exit 143, no worker,
    sandbox child, temp folder or semaphore left, and a rerun resumes."""
    subs = tmp_path / "submissions"
    students = [f"s{i}" for i in range(16)]
    for student in students:
        solution_folder(subs / student, ["activations"])
        # Each takes a moment to import: the signal lands while grading is under way, even on a fast machine.
        with open(subs / student / "activations.py", "a") as module:
            module.write("\nimport time\ntime.sleep(0.15)\n")
    make_zip(subs / "z.zip", {"activations.py": (SOLUTIONS / "activations.py").read_text()})
    out = tmp_path / "out"
    # A temporary directory of its own: what the command leaves there is its own, whatever tests run beside it.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    command = [sys.executable, "-m", "dlgrade", "grade", str(subs), "--out", str(out), "--jobs", jobs,
               "activations", "--device", "cpu", "--no-progress"]
    process = subprocess.Popen(command, cwd=ROOT, env=env(TMPDIR=str(temporary)), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    record_dir = out / ".dlgrade" / "records"
    deadline = time.monotonic() + 120
    while not list(record_dir.glob("s*.json")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    family = _descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stdout + stderr
    assert "interrupted (SIGTERM): rerun the same command to resume" in stdout
    assert "Traceback" not in stderr and "leaked" not in stderr, stderr
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in family if _alive(pid)]
    assert _kit_temporaries(temporary) == set()
    result = subprocess.run(command, cwd=ROOT, env=env(TMPDIR=str(temporary)), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "gradebook.csv", newline="") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert set(rows) == set(students) | {"z"} and all(r["status"] == "ok" for r in rows.values())


@pytest.mark.parametrize("seed", ["", "   "])
def test_a_blank_hidden_seed_is_refused_when_the_zip_is_built(tmp_path, seed):
    result = subprocess.run([sys.executable, "-m", "dlgrade", "gradescope", "--out", str(tmp_path / "ag.zip")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, env=env(DLGRADE_HIDDEN_SEED=seed))
    assert result.returncode == 2 and "DLGRADE_HIDDEN_SEED is set but blank" in result.stdout + result.stderr
    assert not (tmp_path / "ag.zip").exists()


def test_grade_accepts_any_string_as_the_hidden_seed(tmp_path):
    subs = tmp_path / "subs"
    solution_folder(subs / "alice", ["activations"])
    result = subprocess.run([sys.executable, "-m", "dlgrade", "grade", str(subs), "--out", str(tmp_path / "out"),
                             "--hidden", "activations", "--jobs", "1", "--no-progress"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=env(DLGRADE_HIDDEN_SEED="abc"))
    assert result.returncode == 0, result.stdout + result.stderr
    with open(tmp_path / "out" / "gradebook.csv", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["status"] == "ok" and row["total"] == row["max"]


def test_a_sandbox_grades_none_of_a_folder_over_the_module_limit(tmp_path):
    """One limit for intake and the sandbox: past it nothing runs, never only the modules that fit."""
    from dlgrade.core import Outcome
    from dlgrade.execution.sandbox import SandboxExecutor
    from tests.support import grader
    from dlgrade.registry import load_topic

    solution_folder(tmp_path / "sub", ["activations"])
    (tmp_path / "sub" / "padding.py").write_text("# " + "x" * MAX_MODULE_BYTES + "\n")
    check = next(c for c in load_topic("activations").checks if c.id == "activations::relu_forward::matches_torch")
    with SandboxExecutor(tmp_path / "sub") as executor:
        verdict = grader().run(check, executor)
    assert verdict.outcome is Outcome.ERROR and "over the limit of 5 MB" in verdict.message

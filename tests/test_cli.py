"""The command line as Python users expect it, in real subprocesses: prints shown, stubs apart from failures,
choosing by name, the folder it grades, full lines when piped, JSON, one way to name topics, help examples."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from dlgrade.registry import CURRICULUM, available_topics
from tests.support import EXERCISES, ROOT, SOLUTIONS, run_cli, write_module

PLANNED = [t for t in CURRICULUM if t not in available_topics()]


def run(*args, cwd=ROOT, env_extra=None, timeout=600):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # as a pipe or a log sees it
    return subprocess.run([sys.executable, "-m", "dlgrade", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**env, "DLGRADE_DEVICE": "cpu", **(env_extra or {})})


PRINTING_RELU = """
    def relu_forward(x):
        print("relu_forward saw", x.shape)
        for i in range(400):
            print("line", i, "of a long debugging print")
        return x, x          # wrong: negative values kept

    def relu_backward(dout, cache):
        print("backward is fine")
        return dout * (cache > 0)
    """


@pytest.fixture
def printing(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(SOLUTIONS / "activations.py", folder / "activations.py")
    source = (folder / "activations.py").read_text()
    (folder / "activations.py").write_text(source + "\n\n" + _dedent(PRINTING_RELU))
    return folder


def _dedent(text):
    import textwrap

    return textwrap.dedent(text)


def test_a_failing_checks_prints_are_shown_cut_and_all_with_s(printing):
    result = run("check", "relu", "--impl", str(printing))
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "printed by your code: activations::relu_forward::matches_torch (failed)" in out
    assert "relu_forward saw (4,)" in out and "line 10 of a long debugging print" in out
    assert "line 399 of" not in out and "more lines" in out and "-s shows all" in out
    assert "backward is fine" not in out  # a passing check's prints only with -s
    everything = run("check", "relu", "--impl", str(printing), "-s").stdout
    assert "line 399 of a long debugging print" in everything and "more lines" not in everything
    assert "printed by your code: activations::relu_backward::matches_autograd (passed)" in everything
    assert "backward is fine" in everything


def test_hidden_checks_never_show_prints(printing):
    result = run_cli("check", "relu_forward", "--impl", str(printing), "--hidden", "--format", "json")
    data = json.loads(result.stdout)
    hidden = [v for v in data["verdicts"] if v["visibility"] == "hidden"]
    public = [v for v in data["verdicts"] if v["visibility"] == "public"]
    assert hidden and all(v["output"] == "" and v["message"] == "hidden check: failed" for v in hidden)
    assert any("relu_forward saw" in v["output"] for v in public)


def test_pytest_shows_captured_stdout_and_skips_stubs(printing, tmp_path):
    shutil.copy(EXERCISES / "conftest.py", printing / "conftest.py")
    shutil.copy(EXERCISES / "conv.py", printing / "conv.py")
    result = subprocess.run([sys.executable, "-m", "pytest", str(printing), "-q", "-rs", "-p", "no:cacheprovider",
                             "-k", "relu or conv2d_forward"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=600, env={**os.environ, "DLGRADE_DEVICE": "cpu"})
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "Captured stdout call" in out and "relu_forward saw (4,)" in out
    assert "1 failed, 1 passed, 3 skipped" in out
    assert "conv.py:" in out and "not implemented: conv2d_forward() is not implemented yet" in out
    live = subprocess.run([sys.executable, "-m", "pytest", str(printing), "-q", "-s", "-p", "no:cacheprovider",
                           "-k", "relu_backward"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "DLGRADE_DEVICE": "cpu"})
    assert "backward is fine" in live.stdout and "1 passed" in live.stdout


def test_summary_separates_stubs_and_the_exit_status_says_which(tmp_path):
    stubs = run_cli("check", "activations", "--impl", str(EXERCISES))
    assert stubs.returncode == 3 and "0 passed, 0 failed, 12 not implemented" in stubs.stdout
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(SOLUTIONS / "activations.py", mixed / "activations.py")
    shutil.copy(EXERCISES / "perceptron.py", mixed / "perceptron.py")
    result = run_cli("check", "activations", "perceptron", "--impl", str(mixed))
    assert result.returncode == 3 and "12 passed, 0 failed, 6 not implemented" in result.stdout
    assert run_cli("check", "activations", "--impl", str(mixed)).returncode == 0
    broken = write_module(tmp_path / "broken", "activations", "def relu_forward(x):\n    return 1 / 0\n")
    failed = run_cli("check", "relu_forward", "--impl", str(broken))
    assert failed.returncode == 1 and "0 passed, 1 failed (1 error)" in failed.stdout
    assert "exit status" in run_cli("check", "--help").stdout


@pytest.mark.parametrize("words, expected", [
    (["relu"], {"activations::relu_forward::matches_torch", "activations::relu_backward::matches_autograd"}),
    (["relu_forward"], {"activations::relu_forward::matches_torch"}),
    (["activations::elu_forward::stable_at_extremes"], {"activations::elu_forward::stable_at_extremes"}),
    (["-k", "tanh and not backward"], {"activations::tanh_forward::stable_at_extremes",
                                       "activations::tanh_forward::matches_torch"}),
    (["softmax_cross_entropy", "-k", "not fast"], None),
])
def test_choose_by_topic_function_check_or_k(words, expected):
    result = run_cli("check", *words, "--impl", str(SOLUTIONS), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    chosen = {v["check_id"] for v in json.loads(result.stdout)["verdicts"]}
    if expected is None:
        assert chosen and all("softmax_cross_entropy" in c and "fast" not in c for c in chosen)
    else:
        assert chosen == expected


@pytest.mark.parametrize("words, fragment", [
    (["conv2d_forwrd"], "did you mean conv2d_forward"),
    (["-k", "relu and ("], "ends too early"),
    (["-k", "zzz_nothing"], "chooses no check"),
    (["--topics", "conv"], "--topics is gone: name topics as words, e.g. dlgrade check conv"),
])
def test_bad_choices_exit_2_with_a_hint(words, fragment):
    result = run_cli("check", *words, "--impl", str(SOLUTIONS))
    assert result.returncode == 2 and fragment in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.mark.skipif(not PLANNED, reason="every topic of the curriculum is graded")
def test_a_topic_not_graded_yet_says_so():
    result = run("check", PLANNED[0], "--impl", str(SOLUTIONS))
    assert result.returncode == 2 and f"{PLANNED[0]}: not graded yet" in result.stdout


def test_the_folder_it_grades(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    lost = run_cli("check", cwd=empty)
    assert lost.returncode == 2 and "dlgrade init exercises" in lost.stdout and "--impl DIR" in lost.stdout
    assert run_cli("init", "exercises", cwd=empty).returncode == 0
    from_above = run_cli("check", "perceptron", cwd=empty)  # ./exercises
    inside = run_cli("check", "perceptron", cwd=empty / "exercises")  # the folder itself holds the modules
    for result in (from_above, inside):
        assert result.returncode == 3 and "6 not implemented" in result.stdout, result.stdout + result.stderr
    by_path = run_cli("check", str(empty / "exercises" / "losses.py"), cwd=tmp_path)  # a module's path: its topic
    assert "losses" in by_path.stdout and "perceptron" not in by_path.stdout and by_path.returncode == 3
    two = run_cli("check", "--impl", str(SOLUTIONS), str(empty / "exercises"))
    assert two.returncode == 2 and "more than one implementation folder" in two.stdout


def test_piped_output_keeps_whole_lines(tmp_path):
    folder = write_module(tmp_path, "activations", "def relu_forward(x):\n    return x, x\n")
    out = run("check", "relu_forward", "--impl", str(folder)).stdout
    line = next(line for line in out.splitlines() if "matches_torch [failed]" in line)
    assert "largest error 1 (relative inf) at index 0: got -1, expected 0" in line
    assert max(map(len, out.splitlines())) > 120


def test_list_as_json():
    data = json.loads(run_cli("list", "--format", "json").stdout)
    functions = {(f["topic"], f["function"]) for f in data["functions"]}
    assert ("conv", "conv2d_forward") in functions and data["not_graded_yet"] == PLANNED
    relu = json.loads(run_cli("list", "relu_forward", "--format", "json").stdout)["functions"]
    assert [f["function"] for f in relu] == ["relu_forward"]
    assert {c["visibility"] for c in relu[0]["checks"]} == {"public", "hidden"}


def test_grade_takes_names_anywhere_and_json(tmp_path):
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "activations.py", subs / "ann" / "activations.py")
    before = run_cli("grade", str(subs), "activations", "--out", str(tmp_path / "a"), "--in-process", "--no-progress")
    after = run_cli("grade", str(subs), "--out", str(tmp_path / "b"), "--in-process", "--format", "json", "activations")
    assert before.returncode == 0 and after.returncode == 0, before.stdout + after.stderr
    data = json.loads(after.stdout)
    assert [row["student"] for row in data["gradebook"]] == ["ann"]
    assert data["gradebook"][0]["total"] == data["gradebook"][0]["max"] == 12
    assert list(data["summary"]["topic_scores"]) == ["activations"]
    assert "grading" in after.stderr  # what people read goes to stderr, the JSON alone to stdout
    header = (tmp_path / "a" / "gradebook.csv").read_text().splitlines()[0]
    assert header == "student,total,max,activations,status"
    swallowed = run_cli("grade", "--topics", "mlp", "activations", str(subs), "--out", str(tmp_path / "c"))
    assert swallowed.returncode == 2 and "--topics is gone" in swallowed.stdout
    one = run_cli("grade", str(subs), "relu_forward", "--out", str(tmp_path / "d"), "--in-process", "--no-progress")
    assert one.returncode == 0 and "(1 check)" in one.stdout
    assert (tmp_path / "d" / "gradebook.csv").read_text().splitlines()[1].startswith("ann,1,1,")


@pytest.mark.parametrize("command", ["check", "list", "grade", "gradescope", "init", "autograde"])
def test_every_subcommand_has_examples_in_its_help(command):
    result = run(command, "--help")
    assert result.returncode == 0 and "examples" in result.stdout and f"dlgrade {command}" in result.stdout


def test_version_and_python_m():
    from dlgrade import __version__

    assert run("--version").stdout.strip() == f"dlgrade {__version__}"


def test_watch_regrades_the_saved_topic(tmp_path):
    """`dlgrade check --watch` in a real process: graded once at the start, then the saved topic again (the new
    code, not a cached module), until Ctrl-C, which ends it with status 0."""
    import signal
    import time

    folder = write_module(tmp_path / "work", "activations", "def relu_forward(x):\n    return x, x\n")
    shutil.copy(SOLUTIONS / "perceptron.py", folder / "perceptron.py")
    log = tmp_path / "watch.log"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "dlgrade", "check", "activations", "perceptron", "--watch",
                                    "--impl", str(folder)], stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path,
                                   env={**env, "DLGRADE_DEVICE": "cpu"})

    def wait_for(text, count=1, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if log.read_text().count(text) >= count:
                return log.read_text()
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
        raise AssertionError(f"{text!r} x{count} not seen:\n{log.read_text()}")

    try:
        first = wait_for("Total: ")
        assert "17/18" in first and "perceptron" in first  # relu_forward wrong, everything else right
        time.sleep(1.0)  # the watcher is up before the first grade starts; a save now is one change
        (folder / "activations.py").write_text((SOLUTIONS / "activations.py").read_text())
        second = wait_for("Total: ", count=2)
        regrade = second.split("-> regrading", 1)[1]
        assert second.count("changed: activations.py -> regrading activations") == 1
        assert "12/12" in regrade and "perceptron" not in regrade  # only the saved topic, with its new code
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        assert "stopped watching" in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

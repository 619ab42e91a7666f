"""The student's and instructor's commands, end to end: `pytest exercises` and a check's footprint on the disk in
real subprocesses; what `dlgrade check` and `list` print, write and exit with through `dlgrade.cli.main` in this
process (tests.support.run_cli), where a process of its own would only add its start-up."""
import json
import os
import subprocess
import sys

import pytest

from dlgrade.core import Outcome
from tests.support import ROOT, SOLUTIONS, grade, run_cli, write_module

FOUNDATION = ["perceptron", "activations", "losses"]


def run(*args, cwd=ROOT, timeout=600, env_extra=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200", "DLGRADE_DEVICE": "cpu", **(env_extra or {})})


def dlgrade(*args, cwd=ROOT):
    return run(sys.executable, "-m", "dlgrade", *args, cwd=cwd)


# Every check passing on solutions/ and every stub not implemented: tests/test_golden.py, on its fresh grading.


def test_same_submission_same_verdicts(tmp_path):
    folder = write_module(tmp_path, "losses", """
        def softmax(x):
            return np.exp(x) / np.exp(x).sum(axis=0, keepdims=True)
        """)
    first, second = grade(folder, "losses"), grade(folder, "losses")
    assert first.keys() == second.keys()
    for cid in first:
        a, b = first[cid], second[cid]
        assert (a.outcome, a.score, a.message, a.diagnosis) == (b.outcome, b.score, b.message, b.diagnosis)


def test_two_folders_in_one_process_do_not_leak(tmp_path):
    broken = write_module(tmp_path / "broken", "activations", """
        def relu_forward(x):
            return x.copy(), x
        """)
    first = grade(broken, "activations", only="activations::relu_forward")
    reference = grade(SOLUTIONS, "activations", only="activations::relu_forward")
    again = grade(broken, "activations", only="activations::relu_forward")
    assert not any(v.passed for v in first.values())
    assert all(v.passed for v in reference.values())
    assert [v.message for v in again.values()] == [v.message for v in first.values()]
    assert not any("dlgrade_impl_" in p for p in sys.path)


def test_check_cli_passes_on_solutions_and_writes_gradescope_json(tmp_path):
    out = tmp_path / "results.json"
    result = run_cli("check", *FOUNDATION, "--impl", "solutions", "--json", str(out), "--device", "cpu", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "perceptron_train" in result.stdout and "all checks pass" in result.stdout
    data = json.loads(out.read_text())
    assert {"score", "max_score", "execution_time", "output", "tests"} <= data.keys()
    assert data["score"] == data["max_score"] > 0
    assert data["extra_data"]["torch"] and data["extra_data"]["device"] == "cpu"
    test = data["tests"][0]
    assert {"name", "score", "max_score", "status", "output", "visibility", "tags", "extra_data"} <= test.keys()
    assert test["status"] == "passed"
    assert set(test["extra_data"]) == {"topic", "function", "check", "outcome", "diagnosis"}
    names = [t["name"] for t in data["tests"]]
    assert "perceptron::perceptron_train::converges_on_separable" in names


def test_check_cli_reports_failures_with_exit_1(tmp_path):
    write_module(tmp_path, "activations", """
        def relu_backward(dout, cache):
            return dout * (cache >= 0)
        """)
    out = tmp_path / "results.json"
    result = run_cli("check", "activations", "--impl", str(tmp_path), "--json", str(out), cwd=ROOT)
    assert result.returncode == 1
    assert "relu_grad_one_at_zero" in result.stdout or "gradient at exactly 0" in result.stdout
    failed = [t for t in json.loads(out.read_text())["tests"] if t["status"] == "failed"]
    assert [t["extra_data"]["diagnosis"] for t in failed] == ["relu_grad_one_at_zero"]
    assert failed[0]["score"] == 0


def test_check_cli_on_stubs_says_not_implemented():
    result = run_cli("check", "perceptron", cwd=ROOT)
    assert result.returncode == 3  # nothing failed, every function still a stub
    assert "not implemented yet" in result.stdout and "0 passed, 0 failed, 6 not implemented" in result.stdout


@pytest.mark.parametrize("args", [("check", "no_such_topic"), ("check", "--impl", "/nonexistent"),
                                  ("check", "--device", "tpu"), ("frobnicate",)])
def test_check_cli_usage_errors_exit_2(args):
    result = run_cli(*args, cwd=ROOT)
    assert result.returncode == 2
    assert "error" in (result.stdout + result.stderr)


def test_list_shows_topics_checks_points_difficulty():
    result = run_cli("list", cwd=ROOT)
    assert result.returncode == 0
    for word in ("perceptron", "converges_on_separable", "easy", "gan"):
        assert word in result.stdout


def test_hidden_checks_run_only_when_asked(tmp_path):
    public, hidden = tmp_path / "public.json", tmp_path / "hidden.json"
    run_cli("check", "activations", "--impl", "solutions", "--json", str(public), cwd=ROOT)
    run_cli("check", "activations", "--impl", "solutions", "--json", str(hidden), "--hidden", cwd=ROOT)
    public_names = {t["name"] for t in json.loads(public.read_text())["tests"]}
    hidden_tests = [t for t in json.loads(hidden.read_text())["tests"] if t["name"] not in public_names]
    assert hidden_tests and all(t["visibility"] == "after_published" for t in hidden_tests)


def test_hidden_failures_do_not_reveal_inputs(tmp_path):
    write_module(tmp_path, "activations", """
        def relu_backward(dout, cache):
            return dout * (cache >= 0)
        """)
    out = tmp_path / "results.json"
    run_cli("check", "activations", "--impl", str(tmp_path), "--json", str(out), "--hidden", cwd=ROOT)
    hidden = [t for t in json.loads(out.read_text())["tests"] if t["name"].endswith("_hidden")]
    failed = [t for t in hidden if t["status"] == "failed"]
    assert failed
    assert all("input" not in t["output"] and "array" not in t["output"] for t in failed)


def test_pytest_exercises_one_short_line_per_not_implemented_check():
    """A stub is skipped, not failed, with one short line per check saying so (at the student's function)."""
    result = run(sys.executable, "-m", "pytest", "exercises", "-q", "-rs", "-k", "perceptron", "-p", "no:cacheprovider")
    assert result.returncode == 0
    assert "6 skipped" in result.stdout
    assert "Traceback" not in result.stdout and "dlgrade/core" not in result.stdout
    assert "exercises/perceptron.py:" in result.stdout
    assert "not implemented: perceptron_train() is not implemented yet" in result.stdout


def test_pytest_solutions_is_green_and_k_selects():
    result = run(sys.executable, "-m", "pytest", "solutions", "-q", "-k", "converges_on_separable", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout
    assert "1 passed" in result.stdout


def test_pytest_ids_name_topic_function_check():
    result = run(sys.executable, "-m", "pytest", "exercises", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert "exercises/perceptron.py::perceptron_train::converges_on_separable" in result.stdout


def test_check_writes_nothing_into_the_working_directory(tmp_path):
    """No .hypothesis/ cache, no bytecode, nothing of the kit's beside the student's files."""
    work = tmp_path / "work"
    (work / "mine").mkdir(parents=True)
    for topic in FOUNDATION:
        (work / "mine" / f"{topic}.py").write_bytes((SOLUTIONS / f"{topic}.py").read_bytes())
    before = sorted(p.relative_to(work) for p in work.rglob("*"))
    result = dlgrade("check", *FOUNDATION, "--impl", "mine", "--hidden", cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.relative_to(work) for p in work.rglob("*")) == before


def test_check_hidden_accepts_any_string_as_the_seed(monkeypatch):
    monkeypatch.setenv("DLGRADE_HIDDEN_SEED", "my course, 2026")
    result = run_cli("check", "activations", "--impl", "solutions", "--hidden", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_limit_without_the_reference_says_so(tmp_path):
    from dlgrade.execution.inprocess import InProcessExecutor
    from dlgrade.grading.grader import Grader
    from dlgrade.registry import load_topic

    check = next(c for c in load_topic("conv").checks if c.id == "conv::conv2d_forward::fast_enough")
    with InProcessExecutor(SOLUTIONS) as executor:
        verdict = Grader("cpu", reference=None).run(check, executor)
    assert verdict.outcome is Outcome.ERROR
    assert verdict.message.startswith("performance limit not checked: the reference solutions are not installed")

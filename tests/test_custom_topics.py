"""An instructor's own topics and checks, from a course folder (--topics-path, $DLGRADE_TOPICS_PATH) and from an
entry point of an installed package, graded everywhere a built-in topic is: check, pytest, grade (sandboxed,
hidden checks), the Gradescope zip, init. The course is the README's worked example, docs/example_course."""
import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

from tests.support import ROOT, SOLUTIONS

COURSE = ROOT / "docs" / "example_course"
#: A student's leaky ReLU that forgets the slope: plain ReLU (the example names this mistake).
SLOPE_FORGOTTEN = """
import numpy as np


def leaky_relu_forward(x, negative_slope=0.01):
    return np.maximum(x, 0.0), (x, negative_slope)


def leaky_relu_backward(dout, cache):
    x, negative_slope = cache
    return dout * np.where(x > 0, 1.0, negative_slope)
"""
#: A correct one in another style: a mask and arithmetic instead of np.where.
WITH_A_MASK = """
import numpy as np


def leaky_relu_forward(x, negative_slope=0.01):
    positive = (x > 0).astype(x.dtype)
    return x * positive + negative_slope * x * (1.0 - positive), (positive, negative_slope)


def leaky_relu_backward(dout, cache):
    positive, slope = cache
    return dout * (positive + slope * (1.0 - positive))
"""


def run(*args, cwd=ROOT, env_extra=None, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "DLGRADE_TOPICS_PATH")}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**env, "DLGRADE_DEVICE": "cpu", "DLGRADE_HIDDEN_SEED": "99", **(env_extra or {})})


def student(folder, leaky_source, activations=True):
    folder.mkdir(parents=True)
    (folder / "leaky.py").write_text(leaky_source)
    if activations:
        shutil.copy(SOLUTIONS / "activations.py", folder / "activations.py")
    return folder


def verdicts(result) -> dict:
    assert result.stdout.strip().startswith("{"), result.stdout + result.stderr
    return {v["check_id"]: v for v in json.loads(result.stdout)["verdicts"]}


def test_a_course_folder_topic_is_checked_its_mistake_named_and_other_styles_pass(tmp_path):
    right = verdicts(run("dlgrade", "check", "leaky", "--topics-path", str(COURSE), "--impl",
                         str(COURSE / "solutions"), "--format", "json", "--hidden"))
    assert right and all(v["outcome"] == "passed" for v in right.values()), right
    assert {"leaky::leaky_relu_forward::matches_torch", "leaky::leaky_relu_forward::fast_enough",
            "leaky::leaky_relu_backward::matches_autograd", "leaky::leaky_relu_forward::matches_torch_hidden"} <= set(right)
    styled = verdicts(run("dlgrade", "check", "leaky", "--topics-path", str(COURSE), "--format", "json",
                          "--impl", str(student(tmp_path / "styled", WITH_A_MASK))))
    assert all(v["outcome"] == "passed" for v in styled.values()), styled
    wrong = verdicts(run("dlgrade", "check", "leaky", "--topics-path", str(COURSE), "--format", "json",
                         "--impl", str(student(tmp_path / "wrong", SLOPE_FORGOTTEN))))
    forward = wrong["leaky::leaky_relu_forward::matches_torch"]
    assert forward["outcome"] == "failed" and forward["diagnosis"] == "leaky_slope_ignored"
    assert wrong["leaky::leaky_relu_backward::matches_autograd"]["outcome"] == "passed"
    stubs = run("dlgrade", "check", "leaky", "--topics-path", str(COURSE), "--impl", str(COURSE / "exercises"))
    assert stubs.returncode == 3 and "0 passed, 0 failed, 5 not implemented" in stubs.stdout


def test_added_checks_join_a_built_in_topic():
    plain = verdicts(run("dlgrade", "check", "activations", "--impl", str(SOLUTIONS), "--format", "json"))
    extended = verdicts(run("dlgrade", "check", "activations", "--impl", str(SOLUTIONS), "--format", "json",
                            env_extra={"DLGRADE_TOPICS_PATH": str(COURSE)}))
    assert set(extended) - set(plain) == {"activations::relu_forward::matches_torch_on_images"}
    assert extended["activations::relu_forward::matches_torch_on_images"]["outcome"] == "passed"


def test_pytest_grades_a_course_topic_through_the_environment(tmp_path):
    folder = student(tmp_path / "ws", SLOPE_FORGOTTEN)
    shutil.copy(ROOT / "exercises" / "conftest.py", folder / "conftest.py")
    result = run("pytest", str(folder), "-q", "-p", "no:cacheprovider", "-k", "leaky", cwd=tmp_path,
                 env_extra={"DLGRADE_TOPICS_PATH": str(COURSE)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "leaky.py::leaky_relu_forward::matches_torch" in result.stdout and "leaky_slope_ignored" in result.stdout
    assert "2 failed, 3 passed" in result.stdout  # matches_torch and fast_enough (right before fast) fail


def test_init_writes_the_course_stubs_too(tmp_path):
    result = run("dlgrade", "init", str(tmp_path / "ws"), "--topics-path", str(COURSE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "ws" / "leaky.py").read_text() == (COURSE / "exercises" / "leaky.py").read_text()
    assert (tmp_path / "ws" / "conv.py").is_file()


def test_dlgrade_grade_sandboxed_with_hidden_checks(tmp_path):
    """The README's worked example: a class graded on the course's own topic, in the sandbox."""
    subs = tmp_path / "submissions"
    student(subs / "ada", (COURSE / "solutions" / "leaky.py").read_text())
    student(subs / "bob", SLOPE_FORGOTTEN)
    result = run("dlgrade", "grade", str(subs), "leaky", "activations", "--out", str(tmp_path / "graded"),
                 "--topics-path", str(COURSE), "--hidden", "--jobs", "2", "--no-progress")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "executor: sandbox" in result.stdout
    with open(tmp_path / "graded" / "gradebook.csv", newline="") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert list(rows["ada"])[:5] == ["student", "total", "max", "activations", "leaky"]  # the curriculum first
    assert rows["ada"]["leaky"] == "8" and rows["ada"]["status"] == "ok"  # 5 public + 3 hidden twins
    assert float(rows["bob"]["leaky"]) < 8
    feedback = (tmp_path / "graded" / "bob" / "feedback.md").read_text()
    assert "leaky_slope_ignored" in feedback and "leaky_relu_forward::matches_torch_hidden" in feedback
    summary = json.loads((tmp_path / "graded" / "summary.json").read_text())
    assert "activations::relu_forward::matches_torch_on_images" in summary["checks"]


def test_the_gradescope_zip_carries_the_course_and_grades_it(tmp_path):
    archive = tmp_path / "autograder.zip"
    built = run("dlgrade", "gradescope", "leaky", "--out", str(archive), "--topics-path", str(COURSE))
    assert built.returncode == 0, built.stdout + built.stderr
    with zipfile.ZipFile(archive) as opened:
        names = set(opened.namelist())
        opened.extractall(tmp_path / "autograder" / "source")
    assert {"dlgrade/course/topics/leaky.py", "dlgrade/course/exercises/leaky.py",
            "dlgrade/course/solutions/leaky.py", "dlgrade/course/__init__.py"} <= names
    root = tmp_path / "autograder"
    (root / "submission").mkdir()
    (root / "submission" / "leaky.py").write_text(SLOPE_FORGOTTEN)
    runner = root / "source" / "run_autograder"
    runner.chmod(0o755)
    graded = subprocess.run([str(runner)], capture_output=True, text=True, timeout=600, cwd=tmp_path,
                            env={**{k: v for k, v in os.environ.items() if k != "DLGRADE_TOPICS_PATH"},
                                 "DLGRADE_AUTOGRADER_ROOT": str(root), "DLGRADE_PYTHON": sys.executable,
                                 "DLGRADE_DEVICE": "cpu"})
    assert graded.returncode == 0, graded.stdout + graded.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    tests = {t["name"]: t for t in data["tests"]}
    assert tests["leaky::leaky_relu_forward::matches_torch"]["extra_data"]["diagnosis"] == "leaky_slope_ignored"
    assert tests["leaky::leaky_relu_backward::matches_autograd"]["status"] == "passed"
    assert "leaky::leaky_relu_forward::matches_torch_hidden" in tests


def test_an_installed_package_declares_a_topic_by_entry_point(tmp_path):
    """A temporary package (its dist-info on PYTHONPATH, as pip would install it) naming the example's grader
    module under the dlgrade.topics entry-point group."""
    site = tmp_path / "site"
    package = site / "mycourse"
    shutil.copytree(COURSE, package)
    (package / "__init__.py").write_text("")
    (package / "topics" / "__init__.py").write_text("")
    (package / "topics" / "activations_extra.py").unlink()
    info = site / "mycourse-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mycourse\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[dlgrade.topics]\nleaky = mycourse.topics.leaky\n")
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    listed = run("dlgrade", "list", "leaky", "--format", "json", env_extra=env)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert [f["function"] for f in json.loads(listed.stdout)["functions"]] == ["leaky_relu_forward",
                                                                               "leaky_relu_backward"]
    folder = student(tmp_path / "wrong", SLOPE_FORGOTTEN, activations=False)
    wrong = verdicts(run("dlgrade", "check", "leaky", "--format", "json", "--impl", str(folder), env_extra=env))
    assert wrong["leaky::leaky_relu_forward::matches_torch"]["diagnosis"] == "leaky_slope_ignored"
    assert wrong["leaky::leaky_relu_backward::fast_enough"]["outcome"] == "passed"  # timed against its reference


@pytest.mark.parametrize("module, fragment", [
    ("import no_such_module_anywhere\n", "cannot import the grader module"),
    ("X = 1\n", "defines no TOPIC"),
])
def test_a_broken_course_module_is_a_clear_usage_error(tmp_path, module, fragment):
    course = tmp_path / "course"
    (course / "topics").mkdir(parents=True)
    (course / "topics" / "broken.py").write_text(textwrap.dedent(module))
    result = run("dlgrade", "list", "--topics-path", str(course))
    assert result.returncode == 2 and fragment in result.stdout and "broken.py" in result.stdout, result.stdout
    missing = run("dlgrade", "list", "--topics-path", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no topics/ folder" in missing.stdout

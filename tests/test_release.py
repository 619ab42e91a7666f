"""`dlgrade release`: what students get, built by the real command, installed in a fresh venv outside the
repository, and used there as a student would: stubs not implemented, a correct folder passing every public check
(speed limits included, timed against the reference's recorded times), a slow one failing them, and no file of it
holding solution code or a hidden check."""
import ast
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from dlgrade.core.perf import TimingBook
from dlgrade.grading.grader import Grader
from dlgrade.grading.release import strip_hidden
from dlgrade.registry import load_topic
from dlgrade.execution.inprocess import InProcessExecutor
from tests.support import ROOT, SOLUTIONS
from tests.test_wheel import TIMEOUT, build_wheel, dlgrade, fresh_venv, outside_repository, run

TOPICS = ["activations", "conv"]  # fast, and conv has six speed limits


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> dict:
    base = outside_repository(tmp_path_factory.mktemp("release"))
    made = subprocess.run([sys.executable, "-m", "dlgrade", "release", *TOPICS, "--out", str(base / "class")],
                          capture_output=True, text=True, timeout=TIMEOUT, cwd=base)
    assert made.returncode == 0, made.stdout + made.stderr
    venv = fresh_venv(base, build_wheel(base / "class", base / "dist"))
    return {**venv, "tree": base / "class", "output": made.stdout}


def solution_bodies() -> dict:
    """'<file>:<function>' -> the function's body (docstring left out, lines stripped) for every function of
    every reference module whose body is two lines or more, or one line of 40 characters or more (shorter
    one-liners, such as `return np.maximum(x, 0)`, are not telling)."""
    bodies = {}
    for path in sorted(SOLUTIONS.glob("*.py")):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                body = node.body[1:] if ast.get_docstring(node) is not None else node.body
                text = [line.strip() for line in lines[body[0].lineno - 1:body[-1].end_lineno]] if body else []
                text = "\n".join(t for t in text if t)
                if "\n" in text or len(text) >= 40:
                    bodies[f"{path.name}:{node.name}"] = text
    return bodies


def test_the_release_holds_no_solution_code_and_no_hidden_check(release):
    trees = [release["tree"], release["package"]]
    files = [p for tree in trees for p in tree.rglob("*") if p.is_file() and p.suffix in (".py", ".json", ".md", ".toml")]
    assert not [p for tree in trees for p in tree.rglob("solutions")]
    texts = {p: "\n".join(t for t in (line.strip() for line in p.read_text().splitlines()) if t) for p in files}
    bodies = solution_bodies()
    assert len(bodies) > 60  # the search has something to find
    assert [f"{name} in {p}" for name, body in bodies.items() for p, text in texts.items() if body in text] == []
    topic_modules = [p for p in texts if p.parent.name == "topics"]
    assert topic_modules and [p for p in topic_modules if 'visibility="hidden"' in texts[p]] == []
    assert sorted(p.name for p in (release["tree"] / "exercises").iterdir()) == ["activations.py", "conftest.py", "conv.py"]
    listed = json.loads(dlgrade(release, "list", "--format", "json").stdout)
    assert {e["topic"] for e in listed["functions"]} == set(TOPICS) and listed["not_graded_yet"] == []
    assert {c["visibility"] for e in listed["functions"] for c in e["checks"]} == {"public"}


def test_the_stubs_report_not_implemented(release):
    exercises = release["tree"] / "exercises"
    result = run(release, str(release["home"] / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 cwd=exercises)
    assert result.returncode == 0 and " skipped" in result.stdout and "passed" not in result.stdout, result.stdout
    checked = dlgrade(release, "check", "--format", "json", cwd=exercises)
    outcomes = {v["outcome"] for v in json.loads(checked.stdout)["verdicts"]}
    assert checked.returncode == 3 and outcomes == {"not_implemented"}


def test_a_correct_folder_passes_every_public_check_speed_limits_included(release):
    student = release["work"] / "correct"
    student.mkdir()
    for topic in TOPICS:
        shutil.copyfile(SOLUTIONS / f"{topic}.py", student / f"{topic}.py")
    checked = dlgrade(release, "check", "--format", "json", str(student))
    verdicts = json.loads(checked.stdout)["verdicts"]
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert {v["outcome"] for v in verdicts} == {"passed"} and {v["visibility"] for v in verdicts} == {"public"}
    assert sum(v["check"] == "fast_enough" for v in verdicts) == 6
    expected = sum(1 for t in TOPICS for c in load_topic(t).checks if c.visibility == "public")
    assert len(verdicts) == expected


def test_a_slow_folder_fails_the_speed_limits_against_the_recorded_times(release):
    slow = release["work"] / "slow"
    slow.mkdir()
    shutil.copyfile(ROOT / "tests" / "slow_impls" / "conv.py", slow / "conv.py")
    checked = dlgrade(release, "check", "conv2d_forward", "max_pool2d_forward", "--format", "json", str(slow))
    verdicts = {v["check_id"] if "check_id" in v else f"{v['function']}::{v['check']}": v
                for v in json.loads(checked.stdout)["verdicts"]}
    speed = {k: v for k, v in verdicts.items() if k.endswith("fast_enough")}
    assert len(speed) == 2 and all(v["outcome"] == "failed" and "the reference solution's time" in v["message"]
                                   for v in speed.values()), speed


def test_hidden_declarations_are_left_out_and_the_rest_still_compiles():
    source = (ROOT / "graders" / "topics" / "rl.py").read_text()
    kept = strip_hidden(source)
    assert 'visibility="hidden"' in source and 'visibility="hidden"' not in kept
    assert "optimal_on_gymnasium_and_edge_cases_hidden" not in kept and "exact_on_gymnasium_and_edge_cases_hidden" not in kept
    assert '"optimal_on_gymnasium_and_edge_cases", cases=dp_cases()' in kept
    compile(kept, "rl.py", "exec")
    nested = "for k in range(2):\n    TOPIC.check('f', 'x', visibility=\"hidden\")\n"
    with pytest.raises(ValueError, match="top level"):
        strip_hidden(nested)  # the loop may declare public checks too: it is not dropped whole


def test_an_outcome_check_grades_against_what_the_reference_reached_as_recorded():
    """trains_a_gan trains the reference beside the student: a release carries what it reached and its time."""
    check = next(c for c in load_topic("gan").checks if c.name == "trains_a_gan")
    book = TimingBook(recording=True)
    with InProcessExecutor(SOLUTIONS) as executor:
        assert Grader("cpu", reference=SOLUTIONS, timings=book).run(check, executor).passed
        (key, entry), = book.entries.items()
        assert entry["seconds"][0] > 0 and len(entry["reached"]) == 3
        recorded = Grader("cpu", reference=None, timings=TimingBook(json.loads(json.dumps(book.entries))))
        assert recorded.run(check, executor).passed
        nothing = Grader("cpu", reference=None, timings=TimingBook({})).run(check, executor)
    assert nothing.outcome.value == "error" and "no reference time was recorded" in nothing.message

"""Notebooks: the module a notebook's cells make, .ipynb submissions in `dlgrade grade`, a real nbgrader round
trip (generate_assignment, autograde, scores from its gradebook) and a self-study notebook run by a real kernel."""
import csv
import json
import pathlib
import subprocess
import sys

import pytest

from dlgrade.execution.notebook_source import module_from_cells, module_from_notebook
from dlgrade.grading.intake import SubmissionError, folder_modules, scan
from dlgrade.grading.release import function_bodies, leaked_bodies
from tests.support import SOLUTIONS

nbformat = pytest.importorskip("nbformat")

TIMEOUT = 900
BIN = pathlib.Path(sys.executable).parent


def dlgrade(*args, capsys=None) -> tuple[int, str]:
    """The `dlgrade` command, run in this process (its grading workers and sandboxes are processes of their
    own): (exit status, what it printed)."""
    from dlgrade.cli import main

    status = main([str(a) for a in args])
    printed = capsys.readouterr().out if capsys else ""
    return status, " ".join(printed.split())


# -- the module of a notebook --------------------------------------------------------------------------------

def test_a_notebooks_module_is_its_definitions():
    cells = ["import numpy as np\nimport matplotlib.pyplot as plt\n%matplotlib inline\n!pip install nothing",
             "EPS = 1e-8\nrng = np.random.default_rng(0)\nout = relu(np.zeros(3))\nprint(out)",
             "def relu(x):\n    return np.maximum(x, 0)\nplt.plot([1, 2])",
             "%%time\nclass Layer:\n    pass\nLayer()",
             "from dlgrade.notebook import check\nresult = check('activations', 'relu_forward')\nresult.score"]
    module = module_from_cells(cells)
    compile(module, "<notebook>", "exec")
    namespace = {}
    exec(module, namespace)  # prints nothing, plots nothing, calls nothing of the student's
    assert {"np", "EPS", "rng", "relu", "Layer"} <= set(namespace)
    assert {"plt", "out", "result", "check"}.isdisjoint(namespace)
    for left_out in ("matplotlib", "print(", "plt.plot", "pip", "dlgrade", "Layer()", "relu(np.zeros"):
        assert left_out not in module


def test_a_forbidden_import_stays_where_a_definition_uses_it():
    module = module_from_cells(["import torch\nimport matplotlib.pyplot as plt",
                                "def relu(x):\n    return torch.relu(x)"])
    assert "import torch" in module and "matplotlib" not in module


def test_a_cell_that_does_not_parse_is_left_out_with_a_note():
    module = module_from_cells(["def relu(x:\n    return x", "def tanh(x):\n    return x"])
    assert "cell 1 left out: line 1: syntax error" in module
    compile(module, "<notebook>", "exec")


def test_a_later_definition_replaces_an_earlier_one_as_in_the_kernel():
    namespace = {}
    exec(module_from_cells(["def f():\n    return 1", "def f():\n    return 2"]), namespace)
    assert namespace["f"]() == 2


def _notebook(*sources, test_cells=()) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.cells += [nbformat.v4.new_code_cell(s, metadata={"nbgrader": {"grade": True, "solution": False,
                                                                    "points": 1, "grade_id": f"t{i}"}})
                 for i, s in enumerate(test_cells)]
    return nbformat.writes(nb).encode()


def test_nbgraders_test_cells_are_not_part_of_the_module():
    module = module_from_notebook(_notebook("def f():\n    return 1", test_cells=["def f():\n    return 0"]))
    namespace = {}
    exec(module, namespace)
    assert namespace["f"]() == 1


@pytest.mark.parametrize("data, says", [(b"{not json", "JSON does not parse"), (b"[1, 2]", "no list of cells")])
def test_a_file_that_is_no_notebook_is_refused_clearly(tmp_path, data, says):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "activations.ipynb").write_bytes(data)
    [submission] = scan(tmp_path)
    assert submission.error and "activations.ipynb" in submission.error and says in submission.error


def test_notebooks_in_one_folder_per_assignment_are_one_submission(tmp_path):
    """nbgrader's submitted/<student>/<assignment>/<topic>.ipynb, and a timestamp beside them."""
    student = tmp_path / "alice"
    for assignment, topic in (("week1", "activations"), ("week2", "perceptron")):
        (student / assignment).mkdir(parents=True)
        (student / assignment / f"{topic}.ipynb").write_bytes(_notebook("def step(z):\n    return z"))
        (student / assignment / "timestamp.txt").write_text("2026-12-01 10:00:00")
    assert sorted(folder_modules(student)) == ["activations.py", "perceptron.py"]
    (student / "week2" / "activations.py").write_text("x = 1\n")
    with pytest.raises(SubmissionError, match="two files give the module activations.py"):
        folder_modules(student)


# -- nbgrader, for real ---------------------------------------------------------------------------------------

TOPIC = "perceptron"  # three functions, so one autograde is quick; perceptron_train scores partial credit
BUGS = {"step": ("> 0", ">= 0"),  # a student's step(0) == 1: its checks fail, and perceptron_predict's, which calls it
        "perceptron_train": ("max_epochs=100", "max_epochs=10")}  # its default argument: one check of four fails


def nbgrader(course, *args):
    done = subprocess.run([str(BIN / "nbgrader"), *args], capture_output=True, text=True, timeout=TIMEOUT, cwd=course)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _filled(released, source, bugs=None):
    """The released notebook with its solution cells as a student fills them: the source's code, markers gone."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell.source = "\n".join(line for line in solutions[grade_id].splitlines() if "### " not in line)
            if bugs and grade_id in bugs:
                assert bugs[grade_id][0] in cell.source
                cell.source = cell.source.replace(*bugs[grade_id])
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course from `dlgrade notebooks`, its assignment generated, two students' notebooks (the reference; one
    with bugs) autograded by nbgrader, and the same submissions graded by `dlgrade grade --hidden`."""
    pytest.importorskip("nbgrader")
    base = tmp_path_factory.mktemp("nbgrader")
    assert dlgrade("notebooks", TOPIC, "--out", base / "course")[0] == 0
    course = base / "course"
    nbgrader(course, "generate_assignment", TOPIC)
    notebook = f"{TOPIC}/{TOPIC}.ipynb"
    source = nbformat.read(course / "source" / notebook, 4)
    released = nbformat.read(course / "release" / notebook, 4)
    for student, bugs in (("good", None), ("buggy", BUGS)):
        path = course / "submitted" / student / notebook
        path.parent.mkdir(parents=True)
        nbformat.write(_filled(released, source, bugs), path)
        (path.parent / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    nbgrader(course, "autograde", TOPIC)
    assert dlgrade("grade", course / "submitted", TOPIC, "--out", base / "graded", "--hidden", "--no-progress")[0] == 0
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {student: {g.name: (g.auto_score, g.max_score) for g in
                            gradebook.find_submission_notebook(TOPIC, TOPIC, student).grades}
                  for student in ("good", "buggy")}
    return {"course": course, "source": source, "released": released, "scores": scores,
            "feedback": base / "graded"}


def _dlgrade_scores(course, student) -> dict:
    """{test cell id: (score, max)} from dlgrade's own feedback of the same .ipynb."""
    report = json.loads((course["feedback"] / ".dlgrade" / "records" / f"{student}.json").read_text())["report"]
    per = {}
    for v in report["verdicts"]:
        score, top = per.get(f"test_{v['function']}", (0.0, 0.0))
        per[f"test_{v['function']}"] = (score + v["score"], top + v["max_score"])
    return per


@pytest.mark.slow
def test_nbgraders_gradebook_holds_dlgrades_scores(course):
    for student in ("good", "buggy"):
        assert course["scores"][student] == _dlgrade_scores(course, student), student
    good, buggy = course["scores"]["good"], course["scores"]["buggy"]
    assert all(score == top > 0 for score, top in good.values())
    assert buggy["test_step"][0] == 0 < buggy["test_step"][1]
    assert 0 < buggy["test_perceptron_train"][0] < buggy["test_perceptron_train"][1]  # partial credit
    rows = {row["student"]: row for row in csv.DictReader(open(course["feedback"] / "gradebook.csv"))}
    assert float(rows["good"]["total"]) == sum(s for s, _ in good.values())
    assert float(rows["buggy"]["total"]) == sum(s for s, _ in buggy.values())


@pytest.mark.slow
def test_gradescope_grades_an_uploaded_notebook(course, tmp_path):
    """The Gradescope path (`dlgrade autograde`, what run_autograder runs) takes the student's .ipynb too."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "results").mkdir()
    (root / "source" / "dlgrade_autograder.json").write_text(json.dumps({"topics": [TOPIC], "hidden": True}))
    (root / "submission").mkdir()
    submitted = course["course"] / "submitted" / "buggy" / TOPIC / f"{TOPIC}.ipynb"
    (root / "submission" / f"{TOPIC}.ipynb").write_bytes(submitted.read_bytes())
    assert dlgrade("autograde", "--root", root)[0] == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == sum(score for score, _ in course["scores"]["buggy"].values())
    assert results["tests"] and any(t["status"] == "failed" for t in results["tests"])


@pytest.mark.slow
def test_the_autograded_cells_print_a_line_per_check_and_nothing_to_stderr(course):
    autograded = nbformat.read(course["course"] / "autograded" / "buggy" / TOPIC / f"{TOPIC}.ipynb", 4)
    tests = [c for c in autograded.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(tests) == 3
    for cell in tests:
        assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"]
        printed = "".join(o.text for o in cell.outputs if o.output_type == "stream")
        assert "(hidden)" in printed  # nbgrader put the hidden checks back before running them
        assert [o for o in cell.outputs if o.output_type == "execute_result"]
    train = next(c for c in tests if c.metadata.nbgrader.grade_id == "test_perceptron_train")
    printed = "".join(o.text for o in train.outputs if o.output_type == "stream")
    assert "FAIL      perceptron_train::uses_default_arguments" in printed
    assert "PASS      perceptron_train::matches_rule" in printed


@pytest.mark.slow
def test_the_released_notebook_holds_no_solution_and_no_hidden_test(course, tmp_path):
    released = course["released"]
    text = nbformat.writes(released)
    assert "BEGIN SOLUTION" not in text and "HIDDEN" not in text and "hidden=True" not in text
    (tmp_path / "released.py").write_text("\n".join(c.source for c in released.cells))
    assert leaked_bodies(tmp_path, function_bodies(SOLUTIONS), shortest=1) == []
    # ... which the source notebook does hold, so the search finds what it looks for
    (tmp_path / "released.py").write_text("\n".join(c.source for c in course["source"].cells))
    assert leaked_bodies(tmp_path, {k: v for k, v in function_bodies(SOLUTIONS).items()
                                    if k.startswith(f"{TOPIC}.py:")}, shortest=1)
    solution_cells = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert [c.metadata.nbgrader.grade_id for c in solution_cells] == ["step", "perceptron_predict", "perceptron_train"]
    assert all("raise NotImplementedError" in c.source for c in solution_cells)


def test_a_source_notebook_nests_the_reference_helpers_it_needs(tmp_path):
    """conv's reference uses helpers and an import the stub lacks: they go inside each solution region."""
    assert dlgrade("notebooks", "conv", "--out", tmp_path / "course")[0] == 0
    source = nbformat.read(tmp_path / "course" / "source" / "conv" / "conv.ipynb", 4)
    module = "\n\n".join(c.source for c in source.cells if c.cell_type == "code"
                         and not c.metadata.get("nbgrader", {}).get("grade"))
    (tmp_path / "impl").mkdir()
    (tmp_path / "impl" / "conv.py").write_text(module)
    from tests.support import grade

    verdicts = grade(tmp_path / "impl", "conv", only=lambda c: c.name != "fast_enough")  # speed: test_speed_styles
    assert verdicts and all(v.passed for v in verdicts.values()), [v.message for v in verdicts.values() if not v.passed]
    top_level = [line for line in module.splitlines() if line.startswith(("def _", "from numpy.lib"))]
    assert top_level == []
    # Each function's worked example is a code block in its markdown, not a ">>>" quote.
    markdown = [c.source for c in source.cells if c.cell_type == "markdown"]
    examples = [m for m in markdown if "```python\n>>> " in m]
    assert len(examples) == 8 and not any(line.startswith(">>>") for m in markdown for line in m.splitlines()
                                          if "```python" not in m)


# -- self-study ------------------------------------------------------------------------------------------------

def _run(notebook, folder):
    from nbclient import NotebookClient

    NotebookClient(notebook, timeout=TIMEOUT, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


@pytest.mark.slow
def test_a_self_study_notebook_shows_each_functions_verdicts_inline(tmp_path):
    pytest.importorskip("nbclient")
    assert dlgrade("notebooks", "perceptron", "--self-study", "--out", tmp_path / "study")[0] == 0
    notebook = nbformat.read(tmp_path / "study" / "perceptron.ipynb", 4)
    assert not any("nbgrader" in c.metadata for c in notebook.cells)

    def fill(function, body):
        cell = next(c for c in notebook.cells if c.source.startswith(f"def {function}("))
        cell.source = cell.source.replace("raise NotImplementedError", body)

    fill("step", "print('hello')\n    return (np.asarray(z) > 0).astype(np.float64)")
    fill("perceptron_predict", "return step(X @ w + b).astype(np.float32)")
    notebook.cells.insert(3, nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])"))
    _run(notebook, tmp_path / "study")

    def shown(function):
        cell = next(c for c in notebook.cells if c.source == f"check('perceptron', '{function}')")
        assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"]
        return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)

    assert "PASS      step::matches_rule  1/1" in shown("step") and "score: 1/1" in shown("step")
    assert "hello" not in shown("step")  # passing checks keep quiet about prints
    assert "FAIL      perceptron_predict::matches_rule" in shown("perceptron_predict")
    assert "float32" in shown("perceptron_predict")
    assert "TODO      perceptron_train::matches_rule" in shown("perceptron_train")
    assert "still raises NotImplementedError" in shown("perceptron_train")


def test_notebooks_refuse_a_folder_that_exists_and_functions(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("")
    status, printed = dlgrade("notebooks", "--out", tmp_path / "taken", capsys=capsys)
    assert status == 2 and "exists and is not empty" in printed
    status, printed = dlgrade("notebooks", "relu_forward", "--out", tmp_path / "new", capsys=capsys)
    assert status == 2 and "whole topics" in printed
    status, printed = dlgrade("notebooks", "perceptron", "--assignment", "week 1", "--out", tmp_path / "new",
                              capsys=capsys)
    assert status == 2 and "--assignment" in printed
    assert not (tmp_path / "new").exists()

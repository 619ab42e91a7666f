"""The wheel, as a user gets it: built from the repository, installed (not editable) into a fresh venv outside
the repository, and driven through the `dlgrade` command from a folder that is not the repository.

The fresh venv gets the kit's dependencies (numpy, torch, ...) from the running interpreter's site-packages
through a .pth file, so nothing is downloaded; the wheel is installed with --no-deps. The last test, `init`
refusing to overwrite a workspace, runs the kit under test (`python -m dlgrade`) and needs no wheel.
"""
import csv
import importlib.metadata
import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from dlgrade.registry import CURRICULUM, available_topics, stubs_folder
from tests.support import unpack_autograder

ROOT = pathlib.Path(__file__).resolve().parents[1]
# What the wheel is built from (pyproject.toml maps graders/ -> dlgrade, exercises/ -> dlgrade.exercises, ...).
SOURCE_ENTRIES = ("pyproject.toml", "README.md", "LICENSE", "graders", "exercises", "solutions")
PACKAGE_FOLDERS = {"graders": "dlgrade", "exercises": "dlgrade/exercises", "solutions": "dlgrade/solutions"}
FAST_TOPICS = [t for t in ("perceptron", "activations", "losses") if t in available_topics()]
TIMEOUT = 900  # seconds per command: generous, for a busy 2-core machine
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's kernel guards are Linux features")


def _version_tuple(text: str) -> tuple:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit()) if piece[:1].isdigit() else ""
        parts.append(int(digits or 0))
    return tuple(parts)


def _can_build_without_isolation() -> bool:
    """The running interpreter's setuptools builds wheels itself (>= 70.1, or with the `wheel` package)."""
    try:
        setuptools = _version_tuple(importlib.metadata.version("setuptools"))
    except importlib.metadata.PackageNotFoundError:
        return False
    return setuptools >= (64,) and (setuptools >= (70, 1) or importlib.util.find_spec("wheel") is not None)


def build_wheel(source: pathlib.Path, dist: pathlib.Path) -> pathlib.Path:
    """pip's wheel build of ``source`` into ``dist``. Without build isolation when the running setuptools
    can (nothing fetched); otherwise isolated, as `pip install .` does (setuptools from the package index,
    like the kit's own install in CI)."""
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w", str(dist)]
    if _can_build_without_isolation():
        command.append("--no-build-isolation")
    result = subprocess.run([*command, str(source)], capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list(dist.glob("dlgrade-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def outside_repository(path: pathlib.Path) -> pathlib.Path:
    assert not path.resolve().is_relative_to(ROOT), f"{path} is inside the repository"
    return path


def dependency_folders() -> list[str]:
    """Where the running interpreter finds the kit's dependencies: its site-packages (in CI, the checkout's
    .venv) and any it reaches through .pth files. Their .pth files are not read from there, so an editable
    install of the kit among them is not seen."""
    folders = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    folders += [p for p in sys.path if pathlib.Path(p).name in ("site-packages", "dist-packages")]
    return [p for p in dict.fromkeys(folders) if pathlib.Path(p).is_dir()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> pathlib.Path:
    """The wheel, built from a clean copy of the source (a stale build/ in the checkout cannot leak into it)."""
    base = outside_repository(tmp_path_factory.mktemp("wheel"))
    source = base / "source"
    source.mkdir()
    for name in SOURCE_ENTRIES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif path.is_file():
            shutil.copy2(path, source / name)
    return build_wheel(source, base / "dist")


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> dict:
    return fresh_venv(outside_repository(tmp_path_factory.mktemp("venv")), wheel)


def fresh_venv(base: pathlib.Path, wheel: pathlib.Path) -> dict:
    """A fresh venv in ``base`` with the wheel installed, dependencies through a .pth file."""
    home = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True, timeout=TIMEOUT)
    python = home / "bin" / "python"
    site = pathlib.Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                       capture_output=True, text=True, check=True, timeout=TIMEOUT).stdout.strip())
    (site / "dlgrade-test-dependencies.pth").write_text("".join(f"{p}\n" for p in dependency_folders()))
    # This interpreter's pip installs into the venv (pip >= 22.3), else the venv gets its own pip.
    if _version_tuple(importlib.metadata.version("pip")) >= (22, 3):
        installer = [sys.executable, "-m", "pip", "--python", str(python)]
    else:
        subprocess.run([str(python), "-m", "ensurepip", "--default-pip"], check=True, capture_output=True,
                       timeout=TIMEOUT)
        installer = [str(python), "-m", "pip"]
    result = subprocess.run([*installer, "install", "--no-deps", "--no-index", "--disable-pip-version-check",
                             str(wheel)], capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    work = base / "work"
    work.mkdir()
    return {"home": home, "python": python, "site": site, "work": work,
            "package": site / "dlgrade", "version": wheel.name.split("-")[1]}


def user_env(venv) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return {**env, "PATH": f"{venv['home'] / 'bin'}{os.pathsep}{env.get('PATH', '')}", "VIRTUAL_ENV": str(venv["home"]),
            "COLUMNS": "200", "DLGRADE_DEVICE": "cpu", "DLGRADE_HIDDEN_SEED": "31337"}


def run(venv, *args, cwd=None):
    """A command as the user types it, in the venv, from a folder outside the repository."""
    return subprocess.run(args, cwd=cwd or venv["work"], capture_output=True, text=True, timeout=TIMEOUT,
                          env=user_env(venv))


def dlgrade(venv, *args, cwd=None):
    return run(venv, str(venv["home"] / "bin" / "dlgrade"), *args, cwd=cwd)


def wheel_names(path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_the_wheel_holds_the_package_dlgrade_only(wheel):
    names = wheel_names(wheel)
    version = wheel.name.split("-")[1]
    assert {n.split("/")[0] for n in names} == {"dlgrade", f"dlgrade-{version}.dist-info"}
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert {"dlgrade/exercises/conftest.py", "dlgrade/solutions/conftest.py", "dlgrade/cli.py",
            "dlgrade/__main__.py"} <= set(names)
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(f"dlgrade-{version}.dist-info/top_level.txt").decode().split() == ["dlgrade"]
        entry_points = archive.read(f"dlgrade-{version}.dist-info/entry_points.txt").decode()
    assert "dlgrade = dlgrade.cli:main" in entry_points
    # Every module of the repository's package folders is in the wheel, under dlgrade/ (a subpackage missing
    # from pyproject.toml's list would be left out silently).
    expected = {f"{prefix}/{p.relative_to(ROOT / folder).as_posix()}"
                for folder, prefix in PACKAGE_FOLDERS.items()
                for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts}
    assert expected == {n for n in names if n.endswith(".py")}


def test_import_dlgrade_resolves_inside_the_venv(venv):
    probe = """
import importlib.util, json, dlgrade, dlgrade.exercises, dlgrade.solutions, dlgrade.gradcheck
print(json.dumps({"files": [m.__file__ for m in (dlgrade, dlgrade.exercises, dlgrade.solutions, dlgrade.gradcheck)],
                  "generic": [n for n in ("graders", "exercises", "solutions", "tests") if importlib.util.find_spec(n)]}))
"""
    result = run(venv, str(venv["python"]), "-c", probe)
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(result.stdout)
    for file in found["files"]:
        assert pathlib.Path(file).resolve().is_relative_to(venv["site"].resolve()), file
        assert not pathlib.Path(file).resolve().is_relative_to(ROOT), file
    assert found["generic"] == []
    version = dlgrade(venv, "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"dlgrade {venv['version']}"


def test_a_student_workspace_from_the_installed_kit(venv, tmp_path):
    outside_repository(tmp_path)
    workspace = tmp_path / "ws"
    result = dlgrade(venv, "init", str(workspace), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {p.name for p in workspace.iterdir()} == {f"{t}.py" for t in CURRICULUM} | {"conftest.py"}
    # The stubs point students at the kit's import name, never at the repository's folders.
    assert not [p.name for p in workspace.glob("*.py") if "graders." in p.read_text()]
    again = dlgrade(venv, "init", str(workspace), cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stdout

    stubs = dlgrade(venv, "check", "--impl", "ws", "perceptron", cwd=tmp_path)
    assert stubs.returncode == 3, stubs.stdout + stubs.stderr  # nothing failed, all stubs
    assert "6 not implemented" in stubs.stdout and "Total: 0/" in stubs.stdout

    tests = run(venv, str(venv["python"]), "-m", "pytest", "ws", "-q", "-p", "no:cacheprovider", "-k", "perceptron",
                "-rs", cwd=tmp_path)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "not implemented" in tests.stdout and re.search(r"\b6 skipped\b", tests.stdout)
    assert not re.search(r"\b\d+ errors?\b", tests.stdout), tests.stdout

    reference = tmp_path / "reference"
    reference.mkdir()
    for module in (venv["package"] / "solutions").glob("*.py"):
        shutil.copyfile(module, reference / module.name)
    solved = dlgrade(venv, "check", "--impl", "reference", *FAST_TOPICS, cwd=tmp_path)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "all checks pass" in solved.stdout

    missing = dlgrade(venv, "check", cwd=tmp_path)  # no ./exercises here: says so, and how to make one
    assert missing.returncode == 2 and "dlgrade init" in missing.stdout


@linux_only
def test_grade_a_class_in_the_sandbox(venv, tmp_path):
    submissions = tmp_path / "submissions"
    (submissions / "alice").mkdir(parents=True)
    shutil.copyfile(venv["package"] / "solutions" / "activations.py", submissions / "alice" / "activations.py")
    result = dlgrade(venv, "grade", "submissions", "--out", "graded", "activations", "--jobs", "1",
                     "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "executor: sandbox" in result.stdout
    with open(tmp_path / "graded" / "gradebook.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["student"] for r in rows] == ["alice"]
    assert rows[0]["status"] == "ok" and float(rows[0]["total"]) == float(rows[0]["max"]) > 0
    assert (tmp_path / "graded" / "alice" / "results.json").is_file()


@linux_only
def test_gradescope_autograder_from_the_installed_kit(venv, tmp_path):
    archive = tmp_path / "ag.zip"
    result = dlgrade(venv, "gradescope", "--out", "ag.zip", "activations", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    names = set(wheel_names(archive))
    top = {"setup.sh", "run_autograder", "pyproject.toml", "dlgrade_autograder.json"}
    assert top | {"dlgrade/cli.py", "dlgrade/grading/gradescope.py", "dlgrade/solutions/activations.py",
                  "dlgrade/exercises/conftest.py"} <= names
    assert {n for n in names if not n.startswith("dlgrade/")} == top
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]

    root = unpack_autograder(archive, tmp_path / "autograder")
    # The zip's pyproject.toml installs the package dlgrade, and nothing else.
    rebuilt = build_wheel(root / "source", tmp_path / "rebuilt")
    assert {n.split("/")[0] for n in wheel_names(rebuilt)} == {"dlgrade", f"dlgrade-{rebuilt.name.split('-')[1]}.dist-info"}
    assert "dlgrade/solutions/activations.py" in wheel_names(rebuilt)

    (root / "submission").mkdir()
    shutil.copyfile(venv["package"] / "solutions" / "activations.py", root / "submission" / "activations.py")
    env = {**user_env(venv), "DLGRADE_AUTOGRADER_ROOT": str(root), "DLGRADE_PYTHON": str(venv["python"])}
    graded = subprocess.run([str(root / "source" / "run_autograder")], cwd=tmp_path, capture_output=True, text=True,
                            timeout=TIMEOUT, env=env)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == data["max_score"] > 0, data.get("output")
    assert data["extra_data"]["executor"] == "sandbox" and data["extra_data"]["hidden"] is True


# -- `init` in the kit under test (no wheel) ------------------------------------------------------------------

def init(folder, *flags, cwd):
    return subprocess.run([sys.executable, "-m", "dlgrade", "init", str(folder), *flags], cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT, env={**os.environ, "COLUMNS": "200"})


def test_init_writes_every_stub_and_never_overwrites_without_force(tmp_path):
    stubs = stubs_folder()
    expected = {p.name for p in stubs.glob("*.py") if p.name != "__init__.py"}
    assert expected == {f"{t}.py" for t in CURRICULUM} | {"conftest.py"}

    first = init("ws", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    workspace = tmp_path / "ws"
    assert {p.name for p in workspace.iterdir()} == expected
    assert all((workspace / n).read_bytes() == (stubs / n).read_bytes() for n in expected)

    mine = "def relu_forward(x):\n    return my_work\n"
    (workspace / "activations.py").write_text(mine)
    (workspace / "perceptron.py").unlink()  # one file present is enough to refuse
    refused = init("ws", cwd=tmp_path)
    assert refused.returncode == 2
    assert "already holds" in refused.stdout and "activations.py" in refused.stdout and "--force" in refused.stdout
    assert (workspace / "activations.py").read_text() == mine and not (workspace / "perceptron.py").exists()

    forced = init("ws", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert all((workspace / n).read_bytes() == (stubs / n).read_bytes() for n in expected)

    (tmp_path / "a_file").write_text("not a folder")
    not_a_folder = init("a_file", cwd=tmp_path)
    assert not_a_folder.returncode == 2 and "not a folder" in not_a_folder.stdout
    assert "Traceback" not in not_a_folder.stdout + not_a_folder.stderr

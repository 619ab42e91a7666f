"""Gradescope: build the autograder zip, and grade one submission inside it.

``dlgrade gradescope --out autograder.zip`` writes a zip that Gradescope
unpacks into ``/autograder/source``: the kit as the package ``dlgrade/``
(with its reference solutions, which speed limits are timed against) and a
``pyproject.toml`` to install it, ``dlgrade_autograder.json`` (topics,
options and the instructor's hidden seed), ``setup.sh`` and ``run_autograder``.

``run_autograder`` runs ``dlgrade autograde``: it grades
``/autograder/submission`` (the student's modules, possibly wrapped in one
folder or a .zip) in the sandbox, with the hidden checks, and writes
``/autograder/results/results.json``. The root ``/autograder`` can be moved
with ``DLGRADE_AUTOGRADER_ROOT`` (the kit's tests run it in a temp directory).
Whatever goes wrong, a results.json is written.
"""
from __future__ import annotations

import json
import os
import pathlib
import tempfile
import time
import zipfile

CONFIG_NAME = "dlgrade_autograder.json"
ROOT_VARIABLE = "DLGRADE_AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image; the kit is in /autograder/source.
# It installs Python, the CPU build of PyTorch (pinned; no CUDA libraries, so a much smaller image) and the kit,
# in a virtual environment that run_autograder uses.
set -euo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
ROOT="${{{root_variable}:-{default_root}}}"
VENV="$ROOT/dlgrade-venv"
# The image's Python first: install it where it is missing, and stop at once, saying why, where the image
# cannot give 3.10 or newer (an old base image).
if ! python3 -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 10)' 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -y
    apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
if ! python3 -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 10)' 2>/dev/null; then
    echo "dlgrade's autograder needs Python 3.10 or newer with venv; this image has" \
         "$(python3 --version 2>&1 || echo 'no python3'). Choose a newer base image in the" \
         "autograder's settings (Ubuntu 22.04 or later)." >&2
    exit 1
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# PyTorch's CPU wheel index; to pin another build: dlgrade gradescope --torch 'torch==X.Y.Z'.
"$VENV/bin/python" -m pip install --quiet --index-url {cpu_index} "{torch_spec}"
"$VENV/bin/python" -m pip install --quiet "$SOURCE"
"$VENV/bin/python" -c "import dlgrade, torch; print('dlgrade', dlgrade.__version__, 'torch', torch.__version__)"
# Running as root, the sandbox hands the student's child to uid nobody: that uid must reach the venv's numpy,
# and never the kit, the reference solutions or this zip's config (which holds the hidden seed).
chmod o+x "$ROOT"
chmod -R o+rX "$VENV"
chmod -R go-rwx "$SOURCE"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: it grades $ROOT/submission (in dlgrade's sandbox, hidden checks
# included unless the zip was built with --no-hidden) into $ROOT/results/results.json.
set -uo pipefail
ROOT="${{{root_variable}:-{default_root}}}"
PYTHON="${{DLGRADE_PYTHON:-}}"
if [ -z "$PYTHON" ]; then
    if [ -x "$ROOT/dlgrade-venv/bin/python" ]; then PYTHON="$ROOT/dlgrade-venv/bin/python"; else PYTHON=python3; fi
fi
cd "$ROOT/source"
exec "$PYTHON" -m dlgrade autograde --root "$ROOT"
"""


def default_torch_spec() -> str:
    from importlib import metadata

    try:
        version = metadata.version("torch").split("+")[0]
    except metadata.PackageNotFoundError:
        return "torch"
    return f"torch=={version}"


PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "dlgrade"
version = "{version}"
requires-python = ">=3.10"
dependencies = {dependencies}

[project.scripts]
dlgrade = "dlgrade.cli:main"

[tool.setuptools.packages.find]
include = ["dlgrade*"]
"""


def _dependencies() -> list[str]:
    """The installed kit's own requirements (extras left out), for the zip's pyproject.toml."""
    from importlib import metadata

    try:
        requires = metadata.requires("dlgrade") or []
    except metadata.PackageNotFoundError:
        requires = []
    return [r for r in requires if "extra ==" not in r]


def build_autograder_zip(out, *, topics: list[str], kit_files: dict, sources=(), hidden: bool = True,
                         timeout: float | None = None, memory_mb: int = 1024,
                         torch_spec: str | None = None, checks=None) -> pathlib.Path:
    """Write Gradescope's autograder zip; returns its path. ``kit_files`` maps names in the zip
    (``dlgrade/...``) to the files of the installed kit (an instructor's own topics in ``dlgrade/course/``);
    ``sources`` are fingerprinted; ``checks``: the ids of the checks to grade (all of the topics', for None)."""
    from .. import __version__
    from .batch import kit_fingerprint

    seed = os.environ.get("DLGRADE_HIDDEN_SEED")
    if seed is not None and not seed.strip():
        raise ValueError("DLGRADE_HIDDEN_SEED is set but blank: set it to a secret of yours (any string), "
                         "or unset it to use the kit's default seed (which students can reproduce)")
    config = {"topics": list(topics), "checks": sorted(checks) if checks is not None else None, "hidden": hidden, "timeout": timeout, "memory_mb": memory_mb,
              "hidden_seed": seed, "dlgrade": __version__, "kit": kit_fingerprint(sources),
              "built": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    scripts = {
        "setup.sh": SETUP_SH.format(root_variable=ROOT_VARIABLE, default_root=DEFAULT_ROOT, cpu_index=CPU_INDEX,
                                    torch_spec=torch_spec or default_torch_spec()),
        "run_autograder": RUN_AUTOGRADER.format(root_variable=ROOT_VARIABLE, default_root=DEFAULT_ROOT),
    }
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in scripts.items():
                info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
                info.external_attr = 0o100755 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text)
            archive.writestr(CONFIG_NAME, json.dumps(config, indent=2) + "\n")
            archive.writestr("pyproject.toml", PYPROJECT.format(version=__version__,
                                                                dependencies=json.dumps(_dependencies())))
            for name, path in sorted(kit_files.items()):
                archive.write(path, name)
            course = {name.rsplit("/", 1)[0] for name in kit_files if name.startswith("dlgrade/course/")}
            for folder in sorted(course | ({"dlgrade/course"} if course else set())):
                if f"{folder}/__init__.py" not in kit_files:  # packages, so that pip installs them
                    archive.writestr(f"{folder}/__init__.py", "")
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return out


def load_config(root) -> dict:
    """The autograder's settings, written into the zip when it was built (``ROOT/source/`` once unpacked)."""
    path = pathlib.Path(root) / "source" / CONFIG_NAME
    config = {"topics": None, "checks": None, "hidden": True, "timeout": None, "memory_mb": 1024, "hidden_seed": None}
    if path.is_file():
        config.update(json.loads(path.read_text()))
    return config


def _submission(folder: pathlib.Path):
    """The student's upload as a batch Submission: the folder itself, or the one .zip it holds."""
    from .intake import Submission, content_hash, folder_modules, zip_modules

    entries = [e for e in folder.iterdir() if not e.name.startswith(".")] if folder.is_dir() else []
    zips = [e for e in entries if e.is_file() and e.name.lower().endswith(".zip")]
    if len(zips) == 1 and not any(e.name.endswith((".py", ".ipynb")) for e in entries):
        return Submission("submission", zips[0].name, "zip", str(zips[0]), content_hash(zip_modules(zips[0])))
    return Submission("submission", folder.name, "folder", str(folder), content_hash(folder_modules(folder)))


def autograde(root, topics_for, reference=None, console=None) -> int:
    """Grade ROOT/submission into ROOT/results/results.json (always written). Exit status 0 once written.

    ``topics_for(names)``: the Topic objects to grade (every topic for None), as the registry gives them;
    ``reference``: the reference solutions' folder (or {topic: folder}), for speed limits.
    """
    from rich.console import Console

    from ..execution.sandbox import SandboxExecutor, sandbox_layers
    from .grader import Grader
    from .intake import SubmissionError, materialize
    from .reports import gradescope, print_table, write_json_atomic

    console = console or Console()
    root = pathlib.Path(root or os.environ.get(ROOT_VARIABLE, DEFAULT_ROOT))
    results = root / "results" / "results.json"
    config = load_config(root)
    if config.get("hidden_seed") and "DLGRADE_HIDDEN_SEED" not in os.environ:
        os.environ["DLGRADE_HIDDEN_SEED"] = str(config["hidden_seed"])
    start = time.perf_counter()
    try:
        submission = _submission(root / "submission")
        layers = sandbox_layers()
        console.print(f"dlgrade autograde: sandbox layers {', '.join(layers)}")
        topics = topics_for(config.get("topics"))
        grader = Grader(os.environ.get("DLGRADE_DEVICE", "auto"), hidden=bool(config.get("hidden")),
                        timeout=config.get("timeout"), reference=reference, only=config.get("checks"))
        with materialize(submission) as folder:
            report = grader.grade(folder, topics, lambda f: SandboxExecutor(f, memory_mb=int(config.get("memory_mb") or 1024)))
        report.meta.update(implementation="submission", executor="sandbox", sandbox_layers=layers)
        print_table(report, console)
        write_json_atomic(results, gradescope(report))
    except SubmissionError as err:
        write_json_atomic(results, _failure(f"Your submission could not be graded: {err}", start))
        console.print(f"submission error: {err}")
    except Exception as err:  # noqa: BLE001 - Gradescope must always get a results.json
        write_json_atomic(results, _failure("The autograder failed (not your code's fault): please tell your "
                                            "instructor.", start))
        console.print(f"autograder error: {type(err).__name__}: {err}")
        import traceback

        traceback.print_exc()
    console.print(f"results written to {results}")
    return 0


def _failure(message: str, start: float) -> dict:
    return {"score": 0.0, "execution_time": round(time.perf_counter() - start, 3), "output": message,
            "visibility": "visible", "stdout_visibility": "hidden", "tests": []}

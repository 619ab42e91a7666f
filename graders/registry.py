"""The topic registry: the only place that lists topics, where their checks, stubs and reference live."""
from __future__ import annotations

import importlib
import importlib.util
import pathlib

#: The curriculum, in teaching order (the contract's topics).
CURRICULUM = ("perceptron", "activations", "losses", "mlp", "optim", "dropout", "batchnorm", "conv",
              "rnn", "lstm", "rl", "gan")

_PACKAGE = __package__ or "dlgrade"
_TOPICS = pathlib.Path(__file__).parent / "topics"


def available_topics() -> list[str]:
    """Topics whose checks are declared, in curriculum order."""
    return [t for t in CURRICULUM if (_TOPICS / f"{t}.py").is_file()]


def topic_module(name: str) -> str:
    """The import name of a topic's module of checks (workers import topics by it)."""
    if name not in available_topics():
        raise KeyError(name)
    return f"{_PACKAGE}.topics.{name}"


def load_topic(name: str):
    return importlib.import_module(topic_module(name)).TOPIC


def _package_folder(name: str) -> pathlib.Path | None:
    spec = importlib.util.find_spec(f"{_PACKAGE}.{name}")
    if spec is None or not spec.submodule_search_locations:
        return None
    return pathlib.Path(list(spec.submodule_search_locations)[0]).resolve()


def reference_folder() -> pathlib.Path | None:
    """The reference solutions (``<package>.solutions``), or None where they were not shipped (a student kit)."""
    return _package_folder("solutions")


def stubs_folder() -> pathlib.Path:
    """The exercises' stubs (``<package>.exercises``)."""
    folder = _package_folder("exercises")
    if folder is None:
        raise FileNotFoundError("the exercise stubs are not installed")
    return folder


def topic_sources(names) -> list[pathlib.Path]:
    """Every source file a verdict on these topics depends on: the package (core, execution, grading), the
    topics' check modules (and those they import) and the reference solutions (speed limits time them)."""
    package = pathlib.Path(__file__).parent
    files = sorted(p for folder in ("", "core", "execution", "grading", "topics")
                   for p in (package / folder).glob("*.py"))
    reference = reference_folder()
    if reference is not None:
        files += [reference / f"{t}.py" for t in names if (reference / f"{t}.py").is_file()]
    return files


def kit_files() -> dict[str, pathlib.Path]:
    """The installed kit as files of the package ``dlgrade`` (name in a zip -> path): what a Gradescope
    autograder installs. The stubs and the reference are its subpackages, wherever they lie here."""
    files = {}
    folders = [("dlgrade", pathlib.Path(__file__).parent), ("dlgrade/exercises", stubs_folder())]
    if reference_folder() is not None:
        folders.append(("dlgrade/solutions", reference_folder()))
    for prefix, folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".md", ".txt"):
                files[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path
    return files

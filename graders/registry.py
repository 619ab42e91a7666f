"""The topic registry: the only place that lists topics, where their checks, stubs and reference live.

Topics come from three places, in this order:

- the kit's own (``dlgrade.topics.<name>``, stubs in ``dlgrade.exercises``, reference in ``dlgrade.solutions``);
- an instructor's course folder (``--topics-path DIR`` or ``$DLGRADE_TOPICS_PATH``, folders separated by
  ``os.pathsep``; a Gradescope zip bundles its course as ``dlgrade/course``), laid out as the kit is:
  ``DIR/topics/<module>.py`` (grader modules), ``DIR/exercises/<name>.py``, ``DIR/solutions/<name>.py``;
- installed packages that name a grader module under the entry-point group ``dlgrade.topics``
  (``[project.entry-points."dlgrade.topics"] attention = "mycourse.topics.attention"``).

A grader module defines ``TOPIC`` (a :class:`~dlgrade.core.declare.Topic`). When TOPIC's name is a topic
already known, its checks are added to that topic's; else it is a topic of its own, whose stub and reference
are ``STUB`` and ``REFERENCE`` of the module when it sets them (paths), else ``<name>.py`` in the
``exercises/`` and ``solutions/`` folders beside the module's folder.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import json
import os
import pathlib
from dataclasses import dataclass, field
from importlib import metadata

#: The curriculum, in teaching order (the contract's topics).
CURRICULUM = ("perceptron", "activations", "losses", "mlp", "optim", "dropout", "batchnorm", "conv",
              "rnn", "lstm", "rl", "gan")
#: Where installed packages declare grader modules.
ENTRY_POINT_GROUP = "dlgrade.topics"
#: Course folders of an instructor's own topics and checks.
TOPICS_PATH_ENV = "DLGRADE_TOPICS_PATH"

_PACKAGE = __package__ or "dlgrade"
_HERE = pathlib.Path(__file__).parent
_TOPICS = _HERE / "topics"
#: A course bundled into the package (a Gradescope autograder's), found like a --topics-path folder.
BUNDLED_COURSE = _HERE / "course"
RELEASE_MARKER = "release.json"  # written into a student release's package (grading/release.py)


@dataclass
class TopicEntry:
    """Where one topic's checks (its own module, then any extensions), stub and reference live."""

    name: str
    modules: list[str] = field(default_factory=list)  # import names, or paths of .py files
    stub: pathlib.Path | None = None
    reference: pathlib.Path | None = None
    origin: str = "dlgrade"

    @property
    def files(self) -> list[pathlib.Path]:
        """The grader module files of this topic (a verdict depends on them)."""
        found = []
        for module in self.modules:
            if module.endswith(".py"):
                found.append(pathlib.Path(module))
            else:
                spec = importlib.util.find_spec(module)
                if spec is not None and spec.origin:
                    found.append(pathlib.Path(spec.origin))
        return found


def _own(module_file: pathlib.Path, kind: str, name: str, declared) -> pathlib.Path | None:
    """A topic's stub or reference: the module's own setting where it names a file, else the convention
    (a bundled copy of the course keeps only the convention's layout)."""
    if declared:
        path = pathlib.Path(declared)
        path = path if path.is_absolute() else module_file.parent / path
        if path.is_file():
            return path.resolve()
    path = module_file.parent.parent / kind / f"{name}.py"
    return path.resolve() if path.is_file() else None


def course_folders() -> list[pathlib.Path]:
    """The course folders searched: $DLGRADE_TOPICS_PATH's, then the bundled course."""
    folders = [pathlib.Path(p) for p in os.environ.get(TOPICS_PATH_ENV, "").split(os.pathsep) if p.strip()]
    return folders + ([BUNDLED_COURSE] if (BUNDLED_COURSE / "topics").is_dir() else [])


def add_course_folder(folder) -> None:
    """Search ``folder`` too (``--topics-path``): through the environment, so worker processes see it."""
    folders = [str(pathlib.Path(folder).resolve())]
    current = os.environ.get(TOPICS_PATH_ENV, "")
    os.environ[TOPICS_PATH_ENV] = os.pathsep.join(folders + ([current] if current else []))


class TopicsError(ValueError):
    """An instructor's topic that cannot be used (a module that fails to import, one without TOPIC)."""


@functools.lru_cache(maxsize=None)
def _discover(path_setting: str) -> dict[str, TopicEntry]:
    from .grading.grader import import_grader_module

    entries = {name: TopicEntry(name, [f"{_PACKAGE}.topics.{name}"], None, None)
               for name in CURRICULUM if (_TOPICS / f"{name}.py").is_file()}
    found: list[tuple[str, str]] = []  # (module, where it came from)
    for folder in course_folders():
        topics = folder / "topics"
        if not topics.is_dir():
            raise TopicsError(f"course folder {folder} has no topics/ folder of grader modules")
        found += [(str(p.resolve()), f"{p} (course folder {folder})") for p in sorted(topics.glob("*.py"))
                  if p.name != "__init__.py"]
    for point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        found.append((point.value, f"entry point {point.name} = {point.value}"))
    for module, origin in found:
        try:
            loaded = import_grader_module(module)
        except Exception as err:  # noqa: BLE001 - an instructor's module: say which and why
            raise TopicsError(f"cannot import the grader module of {origin}: {type(err).__name__}: {err}") from None
        topic = getattr(loaded, "TOPIC", None)
        if topic is None or not hasattr(topic, "checks"):
            raise TopicsError(f"{origin}: the module defines no TOPIC (a dlgrade.core.Topic)")
        if topic.name in entries:
            entries[topic.name].modules.append(module)  # more checks for a topic already known
            continue
        module_file = pathlib.Path(loaded.__file__).resolve()
        entries[topic.name] = TopicEntry(topic.name, [module], _own(module_file, "exercises", topic.name,
                                                                     getattr(loaded, "STUB", None)),
                                         _own(module_file, "solutions", topic.name, getattr(loaded, "REFERENCE", None)),
                                         origin)
    return entries


def topic_entries() -> dict[str, TopicEntry]:
    """Every known topic: the kit's in curriculum order, then the instructor's own (in a student release, the
    topics released)."""
    entries = _discover(os.environ.get(TOPICS_PATH_ENV, "") + "|" + str((BUNDLED_COURSE / "topics").is_dir()))
    release = student_release()
    return {n: e for n, e in entries.items() if n in release["topics"]} if release else entries


@functools.lru_cache(maxsize=None)
def student_release() -> dict | None:
    """The marker of a student release (``dlgrade release``, see grading/release.py): the topics released and the
    reference's recorded times; None for the full kit."""
    marker = _HERE / RELEASE_MARKER
    return json.loads(marker.read_text()) if marker.is_file() else None


def available_topics() -> list[str]:
    """Topics whose checks are declared: the curriculum's in teaching order, then the instructor's own."""
    return list(topic_entries())


def planned_topics() -> list[str]:
    """Topics of the curriculum not graded yet (none in a student release: it holds what it holds)."""
    return [] if student_release() else [t for t in CURRICULUM if t not in available_topics()]


def topic_modules(name: str) -> list[str]:
    """The grader modules of a topic (its own first, then extensions): what workers import."""
    if name not in topic_entries():
        raise KeyError(name)
    return list(topic_entries()[name].modules)


def topic_module(name: str) -> str:
    """The import name of a kit topic's module of checks."""
    return topic_modules(name)[0]


def load_topic(name: str):
    """A topic's checks, its extensions' included (in a student release, its public checks only)."""
    from .grading.grader import load_topic_modules

    topic = load_topic_modules(topic_modules(name))
    if student_release():
        topic = dataclasses.replace(topic, checks=[c for c in topic.checks if c.visibility == "public"])
    return topic


def _package_folder(name: str) -> pathlib.Path | None:
    spec = importlib.util.find_spec(f"{_PACKAGE}.{name}")
    if spec is None or not spec.submodule_search_locations:
        return None
    return pathlib.Path(list(spec.submodule_search_locations)[0]).resolve()


def reference_folder() -> pathlib.Path | None:
    """The kit's reference solutions (``<package>.solutions``), or None where they were not shipped."""
    return _package_folder("solutions")


def reference_folders() -> dict:
    """{topic: folder of its reference solution}: the kit's folder for its topics (None: not shipped), each
    instructor topic's own."""
    kit = reference_folder()
    return {name: (entry.reference.parent if entry.reference else None) if entry.origin != "dlgrade" else kit
            for name, entry in topic_entries().items()}


def stubs_folder() -> pathlib.Path:
    """The exercises' stubs (``<package>.exercises``)."""
    folder = _package_folder("exercises")
    if folder is None:
        raise FileNotFoundError("the exercise stubs are not installed")
    return folder


def stub_files() -> dict[str, pathlib.Path]:
    """Every file of a student's workspace (file name -> source): the kit's stubs and conftest.py, then the
    instructor topics' stubs."""
    stubs = stubs_folder()
    files = {p.name: p for p in sorted(stubs.glob("*.py")) if p.name != "__init__.py"}
    for entry in topic_entries().values():
        if entry.stub is not None and entry.stub.is_file():
            files[f"{entry.name}.py"] = entry.stub
    return files


def topic_sources(names) -> list[pathlib.Path]:
    """Every source file a verdict on these topics depends on: the package (core, execution, grading), the
    topics' grader modules (the kit's and instructors') and their reference solutions (speed limits time them)."""
    files = sorted(p for folder in ("", "core", "execution", "grading", "topics")
                   for p in (_HERE / folder).glob("*.py"))
    folders = reference_folders()
    for name in names:
        entry = topic_entries()[name]
        files += [f for f in entry.files if f not in files]
        reference = folders.get(name)
        if reference is not None and (reference / f"{name}.py").is_file():
            files.append(reference / f"{name}.py")
    return files


def kit_files(names=None) -> dict[str, pathlib.Path]:
    """The installed kit as files of the package ``dlgrade`` (name in a zip -> path): what a Gradescope
    autograder installs. The stubs and the reference are its subpackages, wherever they lie here; the
    instructor's own topics (of ``names``, all by default) go into its bundled course, ``dlgrade/course``."""
    files = {}
    folders = [("dlgrade", _HERE), ("dlgrade/exercises", stubs_folder())]
    if reference_folder() is not None:
        folders.append(("dlgrade/solutions", reference_folder()))
    for prefix, folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".md", ".txt") \
                    and not (prefix == "dlgrade" and path.is_relative_to(BUNDLED_COURSE)):
                files[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path
    for name, entry in topic_entries().items():
        if names is not None and name not in names:
            continue
        own = [pathlib.Path(m) for m in entry.modules if m.endswith(".py")]
        own += [f for f in entry.files if not f.is_relative_to(_HERE) and f not in own]
        for module_file in own:
            files[f"dlgrade/course/topics/{module_file.name}"] = module_file
        if entry.origin != "dlgrade":
            for kind, path in (("exercises", entry.stub), ("solutions", entry.reference)):
                if path is not None and path.is_file():
                    files[f"dlgrade/course/{kind}/{name}.py"] = path
    return files

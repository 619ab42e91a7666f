"""Submission intake: one entry per student (a folder shaped like exercises/, or a .zip of one), checked
against the limits before anything is read, its modules found (at the top or inside one wrapping folder)
and fingerprinted by content."""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import os
import pathlib
import re
import stat
import tempfile
import zipfile

from ..execution.loading import MAX_MODULE_BYTES

#: An unpacked zip's temp folder is named after the process that unpacked it: ``dlgrade-zip-<pid>-...``.
UNPACKED_PREFIX = "dlgrade-zip-"
#: A zip may unpack to this much in all (its modules are bounded by MAX_MODULE_BYTES besides).
MAX_SUBMISSION_BYTES = 50 * 2**20
MAX_SUBMISSION_FILES = 1000
#: How deep a single top-level folder may wrap the modules (alice.zip holding alice/exercises/*.py).
MAX_WRAPPING = 3
STATE_DIR = ".dlgrade"
#: Names of what a batch writes beside the students' folders: never a student id.
RESERVED = {"gradebook.csv", "summary.json", STATE_DIR}
#: Entries that are not submissions: dotfiles, macOS zip debris.
IGNORED = re.compile(r"^(\.|__MACOSX$)")

class SubmissionError(Exception):
    """An entry that cannot be graded: the message goes into its gradebook row."""


# -- finding submissions ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Submission:
    student: str
    entry: str  # the name in SUBMISSIONS
    kind: str  # "folder", "zip" or "invalid"
    path: str
    content_hash: str = ""
    error: str | None = None


def is_module_name(name: str) -> bool:
    return name.endswith(".py") and not name.startswith(".") and "/" not in name and "\\" not in name and "\0" not in name


def is_notebook_name(name: str) -> bool:
    """A Jupyter notebook, graded as the module of its definitions (``conv.ipynb`` as ``conv.py``)."""
    return is_module_name(name[: -len(".ipynb")] + ".py") if name.endswith(".ipynb") else False


def _holds_modules(names) -> bool:
    return any(is_module_name(n) or is_notebook_name(n) for n in names)


def as_modules(files: dict[str, bytes]) -> dict[str, bytes]:
    """A submission's modules from its files (name -> bytes): .py files as they are, each notebook as the module
    of its definitions (execution/notebook_source.py). One name from two files is refused."""
    from ..execution.notebook_source import NotebookError, module_from_notebook

    modules = {}
    for name, data in sorted(files.items()):
        if is_notebook_name(name):
            target = name[: -len(".ipynb")] + ".py"
            try:
                data = module_from_notebook(data).encode()
            except NotebookError as err:
                raise SubmissionError(f"{name}: {err}") from None
        else:
            target = name
        if target in modules:
            raise SubmissionError(f"two files give the module {target} (a .py and an .ipynb, or one in two "
                                  "folders): keep one")
        modules[target] = data
    return modules


def module_folders(folder: pathlib.Path) -> list[pathlib.Path]:
    """The folders holding a submission's modules (<topic>.py or <topic>.ipynb): ``folder`` itself, the one
    folder it wraps them in, or, as nbgrader's ``submitted/<student>/`` holds them, one folder per assignment."""
    root = folder
    for _ in range(MAX_WRAPPING + 1):
        entries = [e for e in root.iterdir() if not IGNORED.match(e.name)]
        if _holds_modules(e.name for e in entries if e.is_file()):
            return [root]
        folders = [e for e in entries if e.is_dir() and not e.is_symlink()]
        if len(folders) == 1:  # a README beside the one folder is fine
            root = folders[0]
            continue
        holding = [f for f in sorted(folders) if _holds_modules(e.name for e in f.iterdir() if e.is_file())]
        if holding:
            return holding
        break
    raise SubmissionError("no Python modules found (expected <topic>.py files, e.g. activations.py, or "
                          "<topic>.ipynb notebooks)")


def folder_root(folder: pathlib.Path) -> pathlib.Path | None:
    """The one folder holding the modules, where a submission is a plain folder of .py files an executor can
    read in place; else (notebooks, several folders) None: its modules are written to a temp folder."""
    folders = module_folders(folder)
    if len(folders) == 1 and not any(is_notebook_name(e.name) for e in folders[0].iterdir()):
        return folders[0]
    return None


def folder_modules(folder: pathlib.Path) -> dict[str, bytes]:
    """The modules of a submission folder (what an executor reads), bounded in size."""
    files, total = {}, 0
    for root in module_folders(folder):
        for entry in sorted(root.iterdir()):
            if not (is_module_name(entry.name) or is_notebook_name(entry.name)) or entry.is_symlink() \
                    or not entry.is_file():
                continue
            total += entry.stat().st_size
            if total > MAX_SUBMISSION_BYTES or len(files) >= MAX_SUBMISSION_FILES:
                raise SubmissionError(f"too large: the modules hold over {MAX_SUBMISSION_BYTES // 2**20} MB "
                                      f"together, or over {MAX_SUBMISSION_FILES} modules")
            if entry.name in files:
                raise SubmissionError(f"two folders hold {entry.name}: keep one")
            files[entry.name] = entry.read_bytes()
    return _bounded(as_modules(files))


def _bounded(modules: dict[str, bytes]) -> dict[str, bytes]:
    if sum(len(data) for data in modules.values()) > MAX_MODULE_BYTES:
        raise SubmissionError(f"too large: the modules hold over {MAX_MODULE_BYTES // 2**20} MB together")
    return modules


def zip_modules(path: pathlib.Path) -> dict[str, bytes]:
    """Validate a zip as a whole (no absolute paths, no '..', no links, no bombs), then read its modules."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise SubmissionError(f"cannot read the zip file: {err}") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_SUBMISSION_FILES:
            raise SubmissionError(f"the zip holds {len(members)} entries, over the limit of {MAX_SUBMISSION_FILES}")
        total, files = 0, {}
        for info in members:
            name = info.filename
            parts = re.split(r"[/\\]", name)
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\0" in name:
                raise SubmissionError(f"the zip holds an unsafe path: {name!r}")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise SubmissionError(f"the zip holds a symbolic link: {name!r}")
            if info.flag_bits & 0x1:
                raise SubmissionError(f"the zip holds an encrypted file: {name!r}")
            total += info.file_size
            if total > MAX_SUBMISSION_BYTES:
                raise SubmissionError(f"the zip unpacks to more than {MAX_SUBMISSION_BYTES // 2**20} MB")
            if not info.is_dir():
                files["/".join(p for p in parts if p)] = info
        visible = {n: i for n, i in files.items() if not any(IGNORED.match(p) for p in n.split("/"))}
        prefix = ""
        for _ in range(MAX_WRAPPING + 1):
            here = {n[len(prefix):] for n in visible if n.startswith(prefix)}
            if _holds_modules(n for n in here if "/" not in n):
                break
            tops = {n.split("/")[0] for n in here if "/" in n}  # a README beside the one folder is fine
            if len(tops) != 1:
                raise SubmissionError("no Python modules found in the zip (expected <topic>.py files or "
                                      "<topic>.ipynb notebooks, at its top level or in one folder)")
            prefix += tops.pop() + "/"
        else:
            raise SubmissionError("no Python modules found in the zip")
        found = {}
        for name, info in sorted(visible.items()):
            rest = name[len(prefix):]
            if not name.startswith(prefix) or "/" in rest or not (is_module_name(rest) or is_notebook_name(rest)):
                continue
            try:
                with archive.open(info) as handle:
                    data = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as err:
                raise SubmissionError(f"cannot read {name!r} from the zip: {err}") from None
            if len(data) > info.file_size:
                raise SubmissionError(f"{name!r} is larger than the zip declares")
            found[rest] = data
        return _bounded(as_modules(found))


def content_hash(modules: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(modules):
        h.update(name.encode() + b"\0" + str(len(modules[name])).encode() + b"\0")
        h.update(modules[name])
    return "sha256:" + h.hexdigest()


def student_id(name: str, is_folder: bool) -> str:
    """The student id an entry of SUBMISSIONS gives: a folder's name, a file's name less its final extension
    (``frank.zip`` and ``frank.txt`` give ``frank``, ``frank.tar.gz`` gives ``frank.tar``)."""
    return name if is_folder else os.path.splitext(name)[0]


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def scan(submissions_dir) -> list[Submission]:
    """One Submission per entry of SUBMISSIONS, in name order; entries that cannot be graded carry an error.

    The student id is a folder's name, a file's name less its final extension (student_id). An entry that is
    not a submission (not a folder, not a .zip) keeps that id unless another entry gives it too: then it is
    listed under its full entry name, so a stray ``frank.txt`` never blocks or renames ``frank.zip``. Real
    submissions (folders, zips) that give one id are none of them graded (no listing order decides): each is
    listed under its full entry name, with an error naming them all. The ids are unique: records and feedback
    are stored per id.
    """
    entries = sorted((e for e in pathlib.Path(submissions_dir).iterdir() if not IGNORED.match(e.name)),
                     key=lambda p: p.name)
    kinds = {e.name: "folder" if e.is_dir() else "zip" if e.is_file() and e.name.lower().endswith(".zip")
             else "invalid" for e in entries}
    ids = {e.name: student_id(e.name, kinds[e.name] == "folder") for e in entries}
    givers: dict[str, list[pathlib.Path]] = {}
    for e in entries:
        givers.setdefault(ids[e.name], []).append(e)
    final, errors = {}, {}  # entry name -> its id in the gradebook; -> why it is not graded
    for e in entries:
        name, sid = e.name, ids[e.name]
        real = [g for g in givers[sid] if kinds[g.name] != "invalid"]
        if kinds[name] == "invalid":
            final[name] = sid if len(givers[sid]) == 1 else name
            errors[name] = "not a submission: expected a folder of <topic>.py modules or a .zip of one"
        elif sid in RESERVED or not sid or IGNORED.match(sid):
            final[name], errors[name] = name, "not graded: a name reserved for the output"
        elif len(real) > 1:
            shown = _listing([g.name + "/" * (kinds[g.name] == "folder") for g in real])
            final[name], errors[name] = name, f"not graded: {shown} give the same student id {sid}; keep one"
        else:
            final[name] = sid
    # A full entry name may be the id another entry gives (frank.txt beside frank.zip, and frank.txt.md or
    # frank.txt.zip): a stray file then goes by its own full name too; a real submission keeps its id, and the
    # entry listed under that name gets a suffix.
    while True:
        holders = collections.Counter(final.values())
        clashing = [n for n in final if kinds[n] == "invalid" and final[n] == ids[n] != n and holders[final[n]] > 1]
        if not clashing:
            break
        for name in clashing:
            final[name] = name
    kept = {final[n] for n in final if n not in errors}
    taken = {*final, *final.values(), *ids.values()}
    for name in sorted(final):
        if name in errors and final[name] in kept:
            n = 2
            while f"{name}~{n}" in taken:
                n += 1
            final[name] = f"{name}~{n}"
            taken.add(final[name])
    found = []
    for e in entries:
        name, kind = e.name, kinds[e.name]
        if name in errors:
            found.append(Submission(final[name], name, "invalid", str(e), error=errors[name]))
            continue
        try:
            modules = folder_modules(e) if kind == "folder" else zip_modules(e)
            found.append(Submission(final[name], name, kind, str(e), content_hash(modules)))
        except (SubmissionError, OSError) as err:
            found.append(Submission(final[name], name, kind, str(e), error=str(err)))
    return found


@contextlib.contextmanager
def materialize(submission: Submission):
    """A folder holding the submission's modules: a plain folder of .py files itself; else (a zip, notebooks,
    one folder per assignment) its modules written to a temp folder."""
    if submission.kind == "folder":
        root = folder_root(pathlib.Path(submission.path))
        if root is not None:
            yield root
            return
        modules = folder_modules(pathlib.Path(submission.path))
    else:
        modules = zip_modules(pathlib.Path(submission.path))
    with tempfile.TemporaryDirectory(prefix=f"{UNPACKED_PREFIX}{os.getpid()}-") as tmp:
        folder = pathlib.Path(tmp, "submission")
        folder.mkdir()
        for name, data in modules.items():
            with open(folder / name, "xb") as handle:
                handle.write(data)
        yield folder

"""Loading an implementation folder (exercises/, solutions/, a submission).

A folder is imported as a fresh package under a unique name, so two folders
graded in one process never see each other's modules and nothing is added to
``sys.path``; ``from .mlp import init_mlp`` inside a topic module resolves to
the same folder. Source is read with ``ast`` first: stub functions and
forbidden imports are known before any student code runs.
"""
from __future__ import annotations

import ast
import importlib
import importlib.machinery
import importlib.util
import itertools
import pathlib
import sys
import types
from dataclasses import dataclass, field

#: Top-level modules student code may import: numpy and the standard library.
ALLOWED_IMPORTS = frozenset(sys.stdlib_module_names) | {"numpy"}
PACKAGE_PREFIX = "dlgrade_impl_"
#: The most a submission's modules (its top-level .py files) may hold together: intake refuses a larger one,
#: and a sandbox grades none of a folder past it (never only some of its modules).
MAX_MODULE_BYTES = 5 * 2**20


def modules_too_large(folder: pathlib.Path) -> str | None:
    """Why the modules of ``folder`` are over MAX_MODULE_BYTES together, or None."""
    total = sum(p.stat().st_size for p in folder.glob("*.py") if p.is_file() and not p.is_symlink())
    if total <= MAX_MODULE_BYTES:
        return None
    return (f"the submission's modules hold {total / 2**20:.1f} MB together, over the limit of "
            f"{MAX_MODULE_BYTES // 2**20} MB")
_counter = itertools.count()


@dataclass
class SourceInfo:
    """What the source of one topic module says, before running it."""

    path: pathlib.Path
    error: str | None = None  # missing file or syntax error
    functions: set[str] = field(default_factory=set)  # top-level defs
    stubs: set[str] = field(default_factory=set)
    bound: set[str] = field(default_factory=set)  # other top-level names: imported or assigned (known at run time)
    star_import: bool = False  # `from .layers import *`: any name may come from there
    forbidden: list[str] = field(default_factory=list)  # "torch (line 3)"


def is_stub(fn: ast.FunctionDef) -> bool:
    """A body that is only an optional docstring and ``raise NotImplementedError``."""
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def sibling_modules(folder: pathlib.Path) -> set[str]:
    """The student's own modules in an implementation folder (``layers`` for layers.py): what a submission
    is made of, in-process and in the sandbox alike (subfolders are not part of a submission)."""
    return {p.stem for p in folder.glob("*.py")} if folder.is_dir() else set()


def forbidden_imports(tree: ast.Module, siblings: set[str] = frozenset()) -> list[str]:
    """Imports of anything but numpy, the standard library and the student's own modules (``siblings``, which
    may be imported as ``import layers`` or ``from layers import ...`` as well as relatively)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.partition(".")[0]
            if top not in ALLOWED_IMPORTS and top not in siblings:
                found.append(f"{name} (line {node.lineno})")
    return found


def bound_names(node) -> set[str]:
    """The names a statement binds where it stands: a def's or class's name, an import's, an assignment's."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).partition(".")[0] for a in node.names if a.name != "*"}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}


def first_line(node) -> int:
    """Where a statement starts: its first decorator's line, or its own."""
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def statement_lines(lines: list[str], node) -> list[str]:
    """The source lines of a top-level statement, its decorators included."""
    return lines[first_line(node) - 1:node.end_lineno]


def read_source(folder: pathlib.Path, topic: str) -> SourceInfo:
    path = folder / f"{topic}.py"
    info = SourceInfo(path)
    if not path.is_file():
        info.error = f"no module {topic}.py in {folder}"
        return info
    try:
        tree = ast.parse(path.read_bytes(), filename=path.name)
    except SyntaxError as err:
        info.error = f"{path.name} line {err.lineno}: syntax error: {err.msg}"
        return info
    except (ValueError, UnicodeDecodeError) as err:
        info.error = f"{path.name} cannot be read as Python source: {err}"
        return info
    for node in tree.body:  # a later definition replaces an earlier one, as when the module runs
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            info.functions.add(node.name)
            if isinstance(node, ast.FunctionDef) and is_stub(node):
                info.stubs.add(node.name)
            else:
                info.stubs.discard(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign)):
            names = bound_names(node)
            info.bound |= names
            info.stubs -= names  # rebound: whatever it is now is known when the module runs
            info.star_import |= isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
        elif isinstance(node, (ast.If, ast.Try, ast.With)):  # definitions inside (a fallback import, say)
            for inner in ast.walk(node):
                if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    info.bound.add(inner.name)
                elif isinstance(inner, (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign)):
                    info.bound |= bound_names(inner)
                    info.star_import |= isinstance(inner, ast.ImportFrom) and any(a.name == "*" for a in inner.names)
    info.forbidden = forbidden_imports(tree, sibling_modules(folder))
    return info


def may_define(info: SourceInfo, name: str) -> bool:
    """Whether the module can expose ``name`` once imported (a def, an import, an assignment, a star import)."""
    return name in info.functions or name in info.bound or info.star_import


class ImplementationPackage:
    """One implementation folder, imported as its own package."""

    def __init__(self, folder: pathlib.Path):
        self.folder = pathlib.Path(folder).resolve()
        self.name = f"{PACKAGE_PREFIX}{next(_counter)}"
        self.siblings = sibling_modules(self.folder)  # `import layers` means the student's layers.py
        spec = importlib.machinery.ModuleSpec(self.name, None, is_package=True)
        spec.submodule_search_locations = [str(self.folder)]
        package = importlib.util.module_from_spec(spec)
        sys.modules[self.name] = package

    def import_topic(self, topic: str) -> types.ModuleType:
        # Bytecode caches are not written into a student's folder.
        previous, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        try:
            return importlib.import_module(f"{self.name}.{topic}")
        finally:
            sys.dont_write_bytecode = previous

    def owns(self, module_name: str | None) -> bool:
        return bool(module_name) and (module_name == self.name or module_name.startswith(self.name + "."))

    def unload(self) -> None:
        for name in [n for n in sys.modules if self.owns(n)]:
            del sys.modules[name]

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
_counter = itertools.count()


@dataclass
class SourceInfo:
    """What the source of one topic module says, before running it."""

    path: pathlib.Path
    error: str | None = None  # missing file or syntax error
    functions: set[str] = field(default_factory=set)
    stubs: set[str] = field(default_factory=set)
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


def forbidden_imports(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            if name.partition(".")[0] not in ALLOWED_IMPORTS:
                found.append(f"{name} (line {node.lineno})")
    return found


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
    info.forbidden = forbidden_imports(tree)
    return info


class ImplementationPackage:
    """One implementation folder, imported as its own package."""

    def __init__(self, folder: pathlib.Path):
        self.folder = pathlib.Path(folder).resolve()
        self.name = f"{PACKAGE_PREFIX}{next(_counter)}"
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

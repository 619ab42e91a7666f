"""A notebook's code as the module a grader imports.

A topic worked on in a notebook is graded as ``<topic>.py``, made of the notebook's definitions: its code cells
in order, each cut to the top-level statements that define something (imports, functions, classes, assignments
whose calls are all into allowed modules, such as ``EPS = 1e-8`` or ``rng = np.random.default_rng(0)``).
Whatever else a cell does (prints, plots, training runs, calls of the graded functions, shell and magic lines)
is left out, so importing the module costs nothing and prints nothing. An import of a module students may not
use (matplotlib, torch) stays only where a kept definition uses the name it binds: then the grader says it is
forbidden, as for a ``.py`` file. A cell that does not parse defined nothing when it ran, and is left out with a
comment saying so. The same rule makes the module of a saved notebook (``dlgrade grade``) and of the cells a
kernel ran (``dlgrade.notebook.check``).
"""
from __future__ import annotations

import ast
import json
import re

from .loading import ALLOWED_IMPORTS, bound_names, statement_lines

#: nbgrader marks the cells it grades by their output: they never hold a student's definitions.
_GRADE_CELL = {"grade": True, "solution": False}
#: A notebook's module must not import the kit that grades it (a check cell's ``from dlgrade.notebook import``).
_KIT = "dlgrade"
_SHELL_OR_MAGIC = re.compile(r"^\s*[%!]")


def _python_lines(cell: str) -> str:
    """A cell's source as Python: a cell magic's first line and every line magic or shell escape become blank
    lines (line numbers stay those of the cell)."""
    lines = cell.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        lines[0] = ""
    return "\n".join("" if _SHELL_OR_MAGIC.match(line) else line for line in lines)


def _module_of(node) -> str:
    if isinstance(node, ast.Import):
        return node.names[0].name.partition(".")[0]
    return (node.module or "").partition(".")[0] if node.level == 0 else ""


def _calls_only(node, allowed_names: set[str]) -> bool:
    """Every call in ``node`` is into a name bound by an allowed import (``np.zeros(3)``, ``math.sqrt(2)``)."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            root = inner.func
            while isinstance(root, ast.Attribute):
                root = root.value
            if not (isinstance(root, ast.Name) and root.id in allowed_names):
                return False
    return True


def module_from_cells(cells: list[str]) -> str:
    """The module made of these code cells' definitions (see the module's docstring)."""
    parsed = []
    for number, cell in enumerate(cells, 1):
        source = _python_lines(cell)
        try:
            parsed.append((number, source, ast.parse(source)))
        except SyntaxError as err:
            parsed.append((number, f"# cell {number} left out: line {err.lineno}: syntax error: {err.msg}\n", None))
    imports = [node for _, _, tree in parsed if tree for node in tree.body
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    allowed_names = {name for node in imports if _module_of(node) in ALLOWED_IMPORTS for name in bound_names(node)}
    kept_per_cell, used = [], set()
    for number, source, tree in parsed:
        kept = []
        for node in tree.body if tree else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                kept.append(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None \
                    and _calls_only(node.value, allowed_names):
                kept.append(node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)) and _module_of(node) != _KIT:
                kept.append(node)
        used |= {n.id for node in kept if not isinstance(node, (ast.Import, ast.ImportFrom))
                 for n in ast.walk(node) if isinstance(n, ast.Name)}
        kept_per_cell.append((number, source, tree, kept))
    parts = []
    for number, source, tree, kept in kept_per_cell:
        if tree is None:
            parts.append(source)
            continue
        lines = source.splitlines()
        chosen = [node for node in kept if not isinstance(node, (ast.Import, ast.ImportFrom))
                  or _module_of(node) in ALLOWED_IMPORTS or bound_names(node) & used]
        if chosen:
            parts.append(f"# cell {number}\n" + "\n".join("\n".join(statement_lines(lines, n)) for n in chosen) + "\n")
    return "\n".join(parts)


def notebook_code_cells(notebook: dict) -> list[str]:
    """The sources of a notebook's code cells (nbformat 4 as parsed JSON), less nbgrader's graded test cells."""
    cells = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        marks = cell.get("metadata", {}).get("nbgrader", {})
        if all(marks.get(k) == v for k, v in _GRADE_CELL.items()):
            continue
        source = cell.get("source", "")
        cells.append("".join(source) if isinstance(source, list) else str(source))
    return cells


class NotebookError(ValueError):
    """A file that is not a notebook this kit can read."""


def module_from_notebook(data: bytes) -> str:
    """The module of a saved ``.ipynb`` file's definitions."""
    try:
        notebook = json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise NotebookError(f"not a Jupyter notebook (its JSON does not parse: {err})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("not a Jupyter notebook (no list of cells; nbformat 4 is expected)")
    return module_from_cells(notebook_code_cells(notebook))

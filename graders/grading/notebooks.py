"""The exercises as Jupyter notebooks: an nbgrader course, or notebooks for self-study.

``dlgrade notebooks --out COURSE`` writes an nbgrader course directory:

- ``COURSE/nbgrader_config.py``: the course id, and a cell timeout long enough for a function's checks;
- ``COURSE/source/<topic>/<topic>.ipynb`` (or all topics in one ``source/<assignment>/``): a source notebook per
  topic, built from its stub: the module's docstring and each function's as markdown; per function a solution
  cell whose body is the reference between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the helpers it uses
  nested inside, so the released cell holds nothing of them), and a locked, autograded test cell worth the
  function's points that runs its public checks, and its hidden ones between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS``, through ``dlgrade.notebook.check``. The cell ends with the score, which nbgrader
  takes as the cell's partial credit.

``dlgrade notebooks --self-study --out DIR`` writes ``DIR/<topic>.ipynb``: the stubs as cells and, after each
function, a cell that shows its checks' verdicts inline.

This module knows no registry: the CLI gives it the topics, their stubs and their references.
"""
from __future__ import annotations

import ast
import pathlib
import re
import textwrap

from ..execution.loading import bound_names, statement_lines
from .reports import new_folder

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CHECK_IMPORT = "from dlgrade.notebook import check"
#: nbgrader's default is 30 s a cell; a function's checks in the sandbox (a training run, a speed limit) take
#: longer on a loaded machine.
CELL_TIMEOUT = 900
NBGRADER_CONFIG = '''"""nbgrader's settings for this course (written by `dlgrade notebooks`)."""
c = get_config()  # noqa: F821 (nbgrader defines it)

c.CourseDirectory.course_id = {course!r}
# A test cell runs every check of one function in dlgrade's sandbox: some (training runs, speed limits) take
# longer than nbgrader's default 30 s.
c.Execute.timeout = {timeout}
'''
KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}


def _nbformat():
    try:
        import nbformat
    except ImportError:  # the notebooks extra
        raise ValueError("writing notebooks needs nbformat: pip install 'dlgrade[notebooks]'") from None
    return nbformat


def docstring_markdown(doc: str) -> str:
    """A numpy-style docstring as Markdown: section underlines become headings, ``name : type`` entries list
    items with their descriptions (indented text would otherwise render as code), examples ``>>>`` code blocks."""
    lines, out = textwrap.dedent(doc).strip("\n").splitlines(), []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>"):  # a doctest example, up to the next blank line: code, not quotes
            end = next((j for j in range(i, len(lines)) if not lines[j].strip()), len(lines))
            out += ["```python", *lines[i:end], "```"]
            i = end
            continue
        underline = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"\s*-{3,}\s*", underline) and len(underline.strip()) >= len(line.strip()) - 2:
            out += [f"**{line.strip()}**", ""]
            i += 2
            continue
        entry = re.fullmatch(r"(\w[\w, ]*) : (.+)", line)
        if entry:
            out.append(f"- `{entry.group(1)}` : {entry.group(2)}")
        elif line.startswith("    ") and out and out[-1].startswith(("- ", "  ")):
            out.append("  " + line.strip())
        else:
            out.append(line)
        i += 1
    return "\n".join(out)


# -- sources ---------------------------------------------------------------------------------------------------

def _names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
        {n.value.id for n in ast.walk(node) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}


def solution_body(reference_source: str, function: str, shared: set[str]) -> list[str]:
    """The reference ``function``'s body (its docstring left out), preceded, nested inside it, by every
    top-level statement of the reference it needs that the stub does not give (``shared``): helpers, constants,
    imports; in the reference's order, at the body's indentation."""
    tree = ast.parse(reference_source)
    lines = reference_source.splitlines()
    nodes = {name: node for node in tree.body for name in bound_names(node)}
    target = nodes.get(function)
    if not isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise ValueError(f"the reference defines no function {function}()")
    needed, todo = set(), [target]
    while todo:
        for name in _names(todo.pop()):
            node = nodes.get(name)
            if node is not None and name not in shared and name != function and id(node) not in needed:
                needed.add(id(node))
                todo.append(node)
    body = target.body[1:] if ast.get_docstring(target) is not None else target.body
    indent = " " * body[0].col_offset
    helpers = [indent + line if line.strip() else line
               for node in tree.body if id(node) in needed for line in statement_lines(lines, node)]
    return helpers + lines[body[0].lineno - 1:target.end_lineno]


class StubModule:
    """A topic's stub: its docstring, its top-level set-up (imports) and its functions in order."""

    def __init__(self, source: str):
        self.source, self.tree = source, ast.parse(source)
        self.lines = source.splitlines()
        self.doc = ast.get_docstring(self.tree) or ""
        self.functions = [n for n in self.tree.body if isinstance(n, ast.FunctionDef)]
        self.setup = [line for n in self.tree.body if not isinstance(n, ast.FunctionDef)
                      and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
                      for line in statement_lines(self.lines, n)]
        self.shared = {name for n in self.tree.body for name in bound_names(n)}  # what every cell may use

    def header(self, fn: ast.FunctionDef) -> list[str]:
        """The ``def`` line(s) and a one-line docstring (the whole one is the markdown cell above)."""
        header = self.lines[fn.lineno - 1:fn.body[0].lineno - 1]
        summary = (ast.get_docstring(fn) or "").strip().splitlines()
        if summary:
            header.append(f'    """{summary[0].rstrip().rstrip(chr(34))}"""')
        return header

    def body(self, fn: ast.FunctionDef) -> list[str]:
        body = fn.body[1:] if ast.get_docstring(fn) is not None else fn.body
        return self.lines[body[0].lineno - 1:fn.end_lineno]


# -- notebooks --------------------------------------------------------------------------------------------------

def _points(x: float) -> str:
    return f"{x:g}"


def _function_checks(topic, function: str) -> tuple[float, float]:
    return tuple(sum(c.points for c in topic.checks_for(visibility, function)) for visibility in ("public", "hidden"))


def topic_notebook(topic, stub_source: str, reference_source: str | None = None, *, nbgrader: bool = True):
    """The notebook of one topic: nbgrader's source notebook (``reference_source`` needed) or, with
    ``nbgrader=False``, a self-study notebook of the stubs with a check cell after each function."""
    nbf = _nbformat()
    stub = StubModule(stub_source)
    notebook = nbf.v4.new_notebook(metadata=dict(KERNEL))
    cells = notebook.cells
    doc = docstring_markdown(stub.doc)
    if doc.splitlines() and doc.splitlines()[0].rstrip(".") == topic.title.rstrip("."):
        doc = "\n".join(doc.splitlines()[1:]).lstrip("\n")  # the title already says it
    intro = f"# {topic.title}\n\n{doc}"
    how = ("\n\n**How this notebook works.** Fill in each function's body in its cell and run the cell; the cell "
           "after it runs that function's checks (against PyTorch, in dlgrade's sandbox) on what your cells "
           "define: their imports, functions and constants, not their prints or experiments.")
    cells.append(nbf.v4.new_markdown_cell(intro + how))
    setup = list(stub.setup) + ([] if nbgrader else [CHECK_IMPORT])
    cells.append(nbf.v4.new_code_cell("\n".join(setup)))
    for fn in stub.functions:
        public, hidden = _function_checks(topic, fn.name)
        total = public + hidden if nbgrader else public
        worth = f" ({_points(total)} point{'s' * (total != 1)})" if total else ""
        doc = docstring_markdown(ast.get_docstring(fn) or "")
        cells.append(nbf.v4.new_markdown_cell(f"## `{fn.name}`{worth}\n\n{doc}"))
        header = stub.header(fn)
        if nbgrader:
            if reference_source is None:
                raise ValueError(f"{topic.name}: nbgrader's source notebooks need the reference solutions")
            body = solution_body(reference_source, fn.name, stub.shared)
            indent = re.match(r"\s*", body[0]).group()
            code = header + [indent + BEGIN_SOLUTION] + body + [indent + END_SOLUTION]
            cells.append(nbf.v4.new_code_cell("\n".join(code), metadata={"nbgrader": {
                "grade": False, "solution": True, "locked": False, "grade_id": fn.name, "schema_version": 3}}))
        else:
            cells.append(nbf.v4.new_code_cell("\n".join(header + stub.body(fn))))
        if not total:
            continue
        call = f"check({topic.name!r}, {fn.name!r})"
        if nbgrader:
            test = [CHECK_IMPORT, f"result = {call}"]
            if hidden:
                test += [BEGIN_HIDDEN, f"result += check({topic.name!r}, {fn.name!r}, hidden=True)", END_HIDDEN]
            test += ["print(result)", "result.score  # nbgrader's partial credit: the points of the checks passed"]
            cells.append(nbf.v4.new_code_cell("\n".join(test), metadata={"nbgrader": {
                "grade": True, "solution": False, "locked": True, "points": total,
                "grade_id": f"test_{fn.name}", "schema_version": 3}}))
        else:
            cells.append(nbf.v4.new_code_cell(call))
    return notebook


def build_course(out, topics, *, stub_files: dict, references: dict, load_topic, course: str = "dlgrade",
                 assignment: str | None = None) -> dict:
    """Write an nbgrader course directory (see the module's docstring); {notebooks: [paths]}."""
    nbf = _nbformat()
    written = []

    with new_folder(out, "the course") as root:
        (root / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(course=course, timeout=CELL_TIMEOUT))
        for name in topics:
            folder = references.get(name)
            reference = pathlib.Path(folder, f"{name}.py") if folder else None
            if reference is None or not reference.is_file():
                raise FileNotFoundError(f"{name}: no reference solution here, and a source notebook holds it")
            notebook = topic_notebook(load_topic(name), pathlib.Path(stub_files[f"{name}.py"]).read_text(),
                                      reference.read_text(), nbgrader=True)
            path = root / "source" / (assignment or name) / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbf.write(notebook, path)
            written.append(path.relative_to(root))
    return {"notebooks": [str(p) for p in written]}


def build_self_study(out, topics, *, stub_files: dict, load_topic) -> dict:
    """Write ``OUT/<topic>.ipynb`` for each topic: stubs and inline check cells, no nbgrader needed."""
    nbf = _nbformat()
    written = []

    with new_folder(out, "the notebooks") as root:
        for name in topics:
            notebook = topic_notebook(load_topic(name), pathlib.Path(stub_files[f"{name}.py"]).read_text(),
                                      nbgrader=False)
            nbf.write(notebook, root / f"{name}.ipynb")
            written.append(f"{name}.ipynb")
    return {"notebooks": written}

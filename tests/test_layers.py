"""The package's layers, read from its imports: each folder imports only the layers below it.

    top (cli, pytest_plugin, registry, __main__)
      -> grading -> core, execution
      -> topics  -> core (and other topics)
    core -> execution's data only (executor interface, values), never a process or a file
    execution -> nothing of the kit's
"""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "graders"

#: layer -> the layers (and single modules) it may import from.
ALLOWED = {
    "top": {"top", "grading", "core", "execution", "topics", "package"},
    "grading": {"grading", "core", "execution", "package"},
    "topics": {"topics", "core"},
    "core": {"core", "execution.values", "execution.executor", "package"},
    "execution": {"execution"},
}
#: Modules of the core that must not start, load or read anything of student code's (files, processes).
CORE_FORBIDDEN = {"subprocess", "multiprocessing", "os", "pathlib", "shutil", "tempfile"}


def layer_of(module: str) -> str:
    """'grading.batch' -> 'grading'; top-level modules are 'top' ('package' for __init__)."""
    head = module.split(".")[0]
    if head in ("core", "execution", "grading", "topics"):
        return head
    return "package" if module == "" else "top"


def kit_imports(path: pathlib.Path):
    """(module inside the package, line) for every import of the kit's own modules in ``path``."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    package = list(here[:-1]) if here[-1] != "__init__" else list(here[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = ".".join(base + ([node.module] if node.module else []))
            # `from .. import x`: x is a module if such a file or folder exists, else a name of the package
            names = [target] if node.module else [
                ".".join(base + [a.name]) if (PACKAGE.joinpath(*base, a.name).is_dir()
                                              or PACKAGE.joinpath(*base, a.name + ".py").is_file())
                else ".".join(base) for a in node.names]
            for name in names:
                yield name, node.lineno
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for name in ([module] if module else [a.name for a in node.names]):
                if name.split(".")[0] in ("dlgrade", "graders"):
                    yield ".".join(name.split(".")[1:]), node.lineno


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    own = layer_of(module.removesuffix(".__init__") if module != "__init__" else "")
    if own == "package":
        own = "top"
    wrong = []
    for target, line in kit_imports(path):
        allowed = ALLOWED[own]
        layer = layer_of(target)
        if layer in allowed or target in allowed or any(target.startswith(a + ".") for a in allowed):
            continue
        wrong.append(f"line {line}: {module} ({own}) imports {target or 'the package'} ({layer})")
    assert wrong == []


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_the_core_knows_no_file_or_process(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            imported.add(node.module.split(".")[0])
    assert imported & CORE_FORBIDDEN == set()


def test_only_the_top_knows_the_registry():
    users = {str(p.relative_to(PACKAGE)) for p in MODULES
             if any(t == "registry" for t, _ in kit_imports(p))}
    assert users <= {"cli.py", "pytest_plugin.py", "notebook.py", "practice_cli.py"}, users


def test_the_sandbox_runtime_imports_only_itself():
    """The sandbox's fork server loads execution/'s runtime modules as a package of their own
    (sandbox_child.load_runtime), without the kit: they import only each other."""
    runtime = {"executor.py", "inprocess.py", "loading.py", "values.py", "wire.py"}
    for name in runtime:
        targets = {t for t, _ in kit_imports(PACKAGE / "execution" / name)}
        assert {t.split(".")[0] for t in targets} <= {"execution"}, (name, targets)
        assert {t.split(".", 1)[1] + ".py" for t in targets if "." in t} <= runtime, (name, targets)

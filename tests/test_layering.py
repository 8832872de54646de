"""The architecture, checked: which module may import which.

ops <- value -> graph: the op table imports no other part of the engine, graph walks know
nothing of Value, the core never imports a surface (renderer, stepper, command line), nn
uses only the public names of autograd, and no module imports itself through others: the
import graph of the project's modules, built from every import statement (those inside
functions too), has no cycle.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["ops", "value", "graph", "modes", "functions", "gradcheck", "functional"]


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted name of a source file: autograd/stepper/model.py is autograd.stepper.model."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Absolute names of what a file imports, wherever the import statement stands.

    Relative imports are resolved (`from .. import ops` in autograd/stepper/x.py is
    autograd.ops), and `from package import name` counts as importing package.name when that
    is a module of its own: the module whose code the importer needs.
    """
    package = module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from .x import y (level 1), from ..x import y (level 2), ...
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}" if base else alias.name
                is_module = (root.joinpath(*submodule.split(".")).with_suffix(".py").is_file()
                             or (root.joinpath(*submodule.split(".")) / "__init__.py").is_file())
                names.add(submodule if is_module else base)
    return names


def project_imports(path: Path) -> set[str]:
    return {n for n in imported_modules(path) if n.split(".")[0] in ("autograd", "nn")}


def test_op_table_imports_nothing_from_the_project():
    assert project_imports(ROOT / "autograd" / "ops.py") == set()


def test_graph_walks_do_not_know_value():
    assert project_imports(ROOT / "autograd" / "graph.py") == set()


@pytest.mark.parametrize("name", CORE)
def test_core_imports_only_core(name):
    allowed = {f"autograd.{m}" for m in CORE}
    assert project_imports(ROOT / "autograd" / f"{name}.py") <= allowed


def test_nn_uses_only_public_autograd_names():
    files = sorted((ROOT / "nn").glob("*.py"))
    assert files
    for path in files:
        for name in project_imports(path):
            assert name == "autograd" or name.startswith("nn"), f"{path.name} imports {name}"


def test_autograd_never_imports_nn():
    # nn is built on autograd; its `chainrule playground` command reaches the command line
    # through the package's entry points, not through an import in autograd/cli.py
    for path in sorted((ROOT / "autograd").rglob("*.py")):
        for name in imported_modules(path):
            assert name.split(".")[0] != "nn", f"{path.relative_to(ROOT)} imports {name}"


def test_import_autograd_stays_light():
    # numpy and graphviz are loaded only by the parts that need them.
    code = ("import sys, autograd; "
            "print(sorted(m for m in ('numpy', 'graphviz') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "[]"


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = ("autograd", "nn")
                 ) -> dict[str, set[str]]:
    """module -> the project modules it imports, for every source file of these packages."""
    files = [path for package in packages for path in sorted((root / package).rglob("*.py"))]
    modules = {module_name(path, root): path for path in files}
    return {name: {m for m in imported_modules(path, root) if m in modules and m != name}
            for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as [a, b, ..., a], or [] when the graph has none.

    A depth-first walk with an explicit stack: a module reached again while it is still on
    the walk's current path closes a cycle.
    """
    state = dict.fromkeys(graph, "new")  # "new", "on path", "done"
    for start in sorted(graph):
        if state[start] != "new":
            continue
        path = [start]
        state[start] = "on path"
        pending = [iter(sorted(graph[start]))]
        while pending:
            following = next(pending[-1], None)
            if following is None:  # every import of path[-1] explored
                state[path.pop()] = "done"
                pending.pop()
            elif state[following] == "on path":
                return path[path.index(following):] + [following]
            elif state[following] == "new":
                state[following] = "on path"
                path.append(following)
                pending.append(iter(sorted(graph[following])))
    return []


def test_no_module_imports_itself_through_others():
    cycle = find_cycle(import_graph())
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_an_import_inside_a_function_closes_a_cycle_too(tmp_path):
    # pkg.a imports pkg.b at the top; pkg.b imports pkg.a only inside a function (a "lazy"
    # import): still a cycle, since neither module can be understood without the other.
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import g\n")
    (package / "b.py").write_text("def g():\n    from . import a\n    return a\n")
    (package / "c.py").write_text("from . import b\nfrom .a import g\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.c"] == {"pkg.a", "pkg.b"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.a"]


def test_a_graph_without_cycles_passes(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from . import a\n")
    (package / "a.py").write_text("import pkg.sub.b\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("from ..c import x\n")
    (package / "c.py").write_text("x = 1\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.sub.b"] == {"pkg.c"}
    assert find_cycle(graph) == []

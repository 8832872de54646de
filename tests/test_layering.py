"""The architecture, checked: which module may import which.

ops <- value -> graph: the op table imports no other part of the engine, graph walks know
nothing of Value, the core never imports a surface (renderer, stepper, command line), and nn
uses only the public names of autograd.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["ops", "value", "graph", "modes", "functions", "gradcheck", "functional"]


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    package = path.parent.name
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from .x import y, or from . import y
                base = f"{package}.{base}" if base else package
                if not node.module:
                    names.update(f"{package}.{alias.name}" for alias in node.names)
                    continue
            names.add(base)
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


def test_import_autograd_stays_light():
    # numpy and graphviz are loaded only by the parts that need them.
    code = ("import sys, autograd; "
            "print(sorted(m for m in ('numpy', 'graphviz') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "[]"

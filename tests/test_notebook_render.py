"""A drawing in a real Jupyter notebook: nbclient runs an ipykernel on this very Python, and the
cell's output must carry the SVG and an <img> data URI (what untrusted notebooks still show).

The kernel spec is written to a temporary folder on JUPYTER_PATH, so the test needs no
`ipykernel install` and works in any fresh virtual environment.
"""

import base64
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import require_module, require_program

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "chainrule-test"

CELLS = [
    """\
from autograd import Value, draw
x = Value(2.0, label="x")
w = Value(-3.0, label="w")
y = (x * w).tanh()
y.backward()
draw(y, local_grads=True)""",
    "y",
]


def test_a_drawing_is_the_output_of_a_notebook_cell(tmp_path, monkeypatch):
    require_program("dot")
    require_module("ipykernel")
    nbformat = require_module("nbformat")
    nbclient = require_module("nbclient")

    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chainrule test kernel",
        "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nbclient.NotebookClient(notebook, kernel_name=KERNEL, timeout=120,
                            resources={"metadata": {"path": str(ROOT)}}).execute()

    (drawing,) = notebook.cells[0].outputs
    assert drawing.output_type == "execute_result"
    assert {"image/svg+xml", "text/html", "text/plain"} <= set(drawing.data)
    svg = drawing.data["image/svg+xml"]
    ids = {g.get("id") for g in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}g")}
    assert {"n0", "n1", "n2_op", "n3_op", "e2_0"} <= ids

    html = drawing.data["text/html"]
    prefix = '<img src="data:image/svg+xml;base64,'
    assert html.startswith(prefix)
    encoded = html[len(prefix):html.index('"', len(prefix))]
    assert base64.b64decode(encoded).decode("utf-8") == svg

    (value,) = notebook.cells[1].outputs  # a Value itself stays short text
    assert set(value.data) == {"text/plain"}
    assert value.data["text/plain"].startswith("Value(data=-0.99")

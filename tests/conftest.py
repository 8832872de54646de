"""Shared test helpers.

Tests that need an optional tool (the `dot` program, PyTorch, ...) skip with a reason on a
learner's machine, but under CI=true they fail instead: CI must run every test for real.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

import nn
from autograd import Value

IN_CI = os.environ.get("CI", "").lower() == "true"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _nn_draws_from_its_default_start():
    """Each test starts nn's default generator afresh: an unseeded model's weights then do not
    depend on which tests ran before it."""
    nn.manual_seed(nn.DEFAULT_SEED)


def _missing(reason: str):
    """Skip with `reason`, or fail under CI, where nothing may be skipped for a missing tool."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def require_module(name: str, how: str = ""):
    """Import and return module `name`, or skip (fail in CI) saying how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        hint = how or {"torch": "run `make torch` to install PyTorch's CPU build"}.get(name, "")
        _missing(f"Python module {name!r} is not installed" + (f"; {hint}" if hint else ""))


def require_program(name: str, how: str = "") -> str:
    """Return the path of program `name`, or skip (fail in CI) saying how to install it."""
    path = shutil.which(name)
    if path is None:
        hint = how or {"dot": "install Graphviz: sudo apt-get install graphviz"}.get(name, "")
        _missing(f"program {name!r} is not on PATH" + (f"; {hint}" if hint else ""))
    return path


def execute_cells(cells: list[str], folder: Path) -> list[list[dict]]:
    """Run `cells` in order in a real ipykernel running this Python; each cell's outputs."""
    nbformat = require_module("nbformat")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    return [cell.outputs for cell in execute_notebook(notebook, folder).cells]


def execute_notebook(notebook, folder: Path, cwd: Path | str = "."):
    """Run every cell of an nbformat notebook in a real ipykernel running this Python.

    The notebook comes back with its outputs; the kernel starts in `cwd`. A cell that raises
    raises nbclient's CellExecutionError, which names the cell and the error.
    """
    nbclient = require_module("nbclient")
    require_module("ipykernel")
    # A kernelspec of our own, so the kernel is this interpreter, whatever else is installed.
    kernels = folder / "kernels" / "chainrule-test"
    kernels.mkdir(parents=True, exist_ok=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chainrule test", "language": "python",
    }))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(folder))
        client = nbclient.NotebookClient(notebook, kernel_name="chainrule-test", timeout=120,
                                         resources={"metadata": {"path": str(cwd)}})
        client.execute()
    return notebook


@pytest.fixture
def rapid_thread_switches():
    """Let threads switch every microsecond (Python's default is 5 ms), to mix their work."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def assert_png(path: Path) -> None:
    """A PNG file (by its signature) of more than 200 by 200 pixels (from its IHDR chunk)."""
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 200 and height > 200, (path.name, width, height)


def karpathy():
    """L = (a*b + c) * f, every node labelled, as in micrograd's lecture."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L, dict(a=a, b=b, c=c, f=f, e=e, d=d)


CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's) driven by Playwright, or skip (fail in CI) saying how."""
    sync_api = require_module("playwright.sync_api", "pip install playwright (a test extra)")
    chromium = require_program("chromium", "sudo apt-get install chromium chromium-driver")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def offline_page(browser):
    """offline_page(path, ready, width=1280, height=800, **context) -> a Playwright page.

    Opens a local file in its own browser context with every request that is not a file
    blocked, waits for the selector `ready`, and records page errors, console errors and
    dialogs. At the end the test fails if the page asked the network for anything or
    reported a problem: a page of this project runs offline and quietly.
    """
    contexts, requests, problems = [], [], []

    def block(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort()

    def opener(path, ready, width=1280, height=800, **context_options):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      **context_options)
        context.route("**/*", block)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda dialog: (problems.append("dialog " + dialog.message),
                                          dialog.dismiss()))
        page.goto(Path(path).as_uri())
        page.wait_for_selector(ready)
        return page

    yield opener
    for context in contexts:
        context.close()
    assert requests == [], "the page asked the network for something"
    assert problems == []


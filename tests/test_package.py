"""The package as a user gets it: `python -m build` makes an sdist and a wheel of this checkout,
and the wheel goes into a fresh virtual environment outside the repository. From a folder of
its own, with nothing pointing back at the checkout, the `chainrule` command, its walkthrough
page (whose JavaScript and CSS are package data) and nn.load_digits() must work.

Building and installing take about a minute, so one module-scoped fixture does it once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import require_module, require_program

ROOT = Path(__file__).resolve().parent.parent
PLAYER = ROOT / "autograd" / "stepper"
VERSION = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M)[1]
NEURON = ["tanh(x*w + b)", "x=2", "w=-3", "b=6.8813735870195432"]


def isolated_env() -> dict[str, str]:
    """This process's environment without PYTHONPATH and the like: the checkout stays unseen."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The folder holding the sdist and the wheel that `python -m build` makes of the checkout."""
    require_module("build", "pip install build (a test extra)")
    out = tmp_path_factory.mktemp("dist")
    # Asked for neither --sdist nor --wheel, build makes the sdist and then the wheel from the
    # unpacked sdist: that a wheel comes out at all shows the sdist holds what a build needs.
    result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A fresh virtual environment outside the checkout, with the wheel and its digits extra."""
    folder = tmp_path_factory.mktemp("venv")
    assert ROOT not in folder.resolve().parents
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    wheel = next(dist.glob("*.whl"))
    result = subprocess.run(
        [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", f"{wheel}[digits]"],
        capture_output=True, text=True, env=isolated_env(), timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return folder


@pytest.fixture
def run_in_venv(venv, tmp_path):
    """run_in_venv(program, *args) -> its stdout, run from an empty folder with a clean env."""

    def run(program: str, *args: str) -> str:
        result = subprocess.run([str(venv / "bin" / program), *args], capture_output=True,
                                text=True, cwd=tmp_path, env=isolated_env(), timeout=300)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run


def members(archive: Path) -> set[str]:
    """The file names in a wheel, or in an sdist without its leading "chainrule-x.y.z/"."""
    if archive.suffix == ".whl":
        return set(zipfile.ZipFile(archive).namelist())
    with tarfile.open(archive) as tar:
        return {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}


def package_sources() -> set[str]:
    """What the two packages are made of in the checkout: their modules and the player's files."""
    modules = {p.relative_to(ROOT).as_posix() for package in ("autograd", "nn")
               for p in (ROOT / package).rglob("*.py")}
    playground = {f"nn/{name}" for name in ("playground.js", "playground_view.js",
                                            "playground_neuron.js", "playground.css")}
    assets = ("player.js", "player.css", "unpack.js")
    return modules | {f"autograd/stepper/{name}" for name in assets} | playground


def test_the_wheel_holds_autograd_nn_and_the_players_files_and_nothing_else(dist):
    wheel = next(dist.glob("*.whl"))
    names = members(wheel)
    assert {n for n in names if ".dist-info/" not in n} == package_sources()
    assert not {n for n in names if n.split("/")[0] in ("tests", "demos", "benchmarks")}
    top_level = zipfile.ZipFile(wheel).read(f"chainrule-{VERSION}.dist-info/top_level.txt")
    assert top_level.decode().split() == ["autograd", "nn"]


def test_the_sdist_holds_the_sources_the_build_reads_and_no_tests(dist):
    names = members(next(dist.glob("*.tar.gz")))
    # pyproject.toml says how to build; README.md is the long description it names.
    assert {"pyproject.toml", "README.md", "PKG-INFO"} | package_sources() <= names
    assert not {n for n in names if n.split("/")[0] in ("tests", "demos", "benchmarks")}


def test_the_installed_packages_come_from_the_venv_not_the_checkout(venv, run_in_venv):
    script = "import autograd, nn; print(autograd.__file__, nn.__file__)"
    paths = run_in_venv("python", "-c", script)
    site_packages = next(venv.glob("lib/python*/site-packages")).resolve()
    for path in paths.split():
        assert site_packages in Path(path).resolve().parents, path


def test_chainrule_version_prints_the_installed_version(run_in_venv):
    assert run_in_venv("chainrule", "--version").strip() == f"chainrule {VERSION}"


def test_load_digits_works_with_the_digits_extra(run_in_venv):
    script = "import nn; X, y = nn.load_digits(); print(X.shape, y.shape)"
    shapes = run_in_venv("python", "-c", script)
    assert shapes.strip() == "(1797, 64) (1797,)"


def test_chainrule_html_writes_a_page_with_the_player_inline(run_in_venv, tmp_path):
    require_program("dot")
    run_in_venv("chainrule", "html", *NEURON, "-o", "x.html")
    page = (tmp_path / "x.html").read_text()
    assert (PLAYER / "player.js").read_text().strip() in page
    assert json.dumps((PLAYER / "player.css").read_text()) in page  # a string the script reads
    assert "<script src" not in page and "<link" not in page


def test_chainrule_playground_writes_a_page_with_its_scripts_inline(run_in_venv, tmp_path):
    run_in_venv("chainrule", "playground", "--layers", "2,4,1", "-o", "play.html")
    page = (tmp_path / "play.html").read_text()
    for name in ("playground.js", "playground_view.js", "playground_neuron.js"):
        script = (ROOT / "nn" / name).read_text().strip()
        assert script.replace("</", "<\\/") in page  # no "</script>" inside may end it early
    assert "<script src" not in page and "<link" not in page


def test_chainrule_html_page_steps_offline_in_chromium(run_in_venv, tmp_path, browser):
    require_program("dot")
    run_in_venv("chainrule", "html", *NEURON, "-o", "x.html")
    requests, problems = [], []

    def offline(route):  # the file itself loads; anything else is recorded and refused
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort()

    context = browser.new_context()
    context.route("**/*", offline)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto((tmp_path / "x.html").as_uri())
    page.wait_for_selector(".cr-live")
    counter = page.locator('[data-part="counter"]')
    assert counter.inner_text().startswith("STEP 0 OF ")
    page.click('[data-part="next"]')
    assert counter.inner_text().startswith("STEP 1 OF ")
    context.close()
    assert requests == [] and problems == []

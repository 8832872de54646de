"""The README and the documentation site: every example runs, and the site builds for real.

Every ```python block of README.md and docs/*.md is a doctest (`>>>` lines with their output)
and runs here. The site is built by MkDocs in strict mode, as `make docs` builds it, and read:
its pages, its API reference (every public name), the live walkthroughs of the stepping page
(opened in Chromium), and the lessons with their outputs.
"""

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_module, require_program

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def test_the_readme_is_a_front_door_of_at_most_250_lines():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 250
    first_screen = "\n".join(lines[:30])
    assert "make demo" in first_screen and "make test" in first_screen


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_python_block_is_a_doctest_and_runs(page):
    blocks = FENCE.findall(page.read_text())
    for block in blocks:  # a block of plain code would go untested: each must be a doctest
        assert block.lstrip().startswith(">>>"), f"{page.name}: a python block without >>>"
    result = doctest.testfile(str(page), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted >= len(blocks)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The documentation site, built as `make docs` builds it (strict: a broken link fails)."""
    require_module("mkdocs", "pip install -e '.[docs]'")
    require_program("dot")
    folder = tmp_path_factory.mktemp("site")
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                            str(folder)], cwd=ROOT, capture_output=True, text=True,
                           env=environment, timeout=600)
    assert build.returncode == 0, build.stdout + build.stderr
    return folder


def test_the_site_has_a_page_for_each_part_of_the_guide(site):
    for page in ["index", "getting-started", "lecture", "engine", "nn", "training", "drawing",
                 "stepping", "higher-order", "compiled", "performance", "reliability",
                 "glossary", "api/autograd", "api/nn"]:
        assert (site / f"{page}.html").is_file(), page
    assert (site / "images" / "stepper-page.png").is_file()


def public_names():
    import autograd
    import autograd.compiled
    import autograd.stepper
    import nn

    for module, page in [(autograd, "autograd"), (autograd.compiled, "autograd"),
                         (autograd.stepper, "autograd"), (nn, "nn")]:
        for name in module.__all__:
            yield page, name


def test_the_api_reference_documents_every_public_name(site):
    missing = []
    for page, name in public_names():
        html = (site / "api" / f"{page}.html").read_text()
        # mkdocstrings gives each documented object an anchor named by its dotted path
        if not re.search(rf'id="[\w.]*\.{re.escape(name)}"', html):
            missing.append(f"{page}: {name}")
    assert missing == []


def test_the_stepping_page_steps_a_live_walkthrough(site, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (problems.append(route.request.url), route.abort()))
    page.goto((site / "stepping.html").as_uri())
    frames = page.locator("iframe.walkthrough")
    assert frames.count() == 3
    walk = page.frame_locator("iframe.walkthrough").first
    walk.locator(".cr-live").wait_for()
    status = walk.locator('[data-part="counter"]')
    before = status.text_content()
    walk.locator('[data-part="next"]').click()
    assert status.text_content() != before  # one step further
    assert problems == []
    page.close()


def test_the_lessons_are_rendered_with_their_outputs(site):
    lessons = sorted((ROOT / "lessons").glob("*.ipynb"))
    assert len(lessons) == 6
    for lesson in lessons:
        html = (site / "lessons" / f"{lesson.stem}.html").read_text()
        assert "jp-OutputArea-output" in html, lesson.name  # executed as the site was built
        assert "Not answered yet" in html, lesson.name  # the exercises' checker ran
    assert (site / "lessons" / "index.html").is_file()

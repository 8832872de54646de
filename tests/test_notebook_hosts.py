"""The notebook player in the notebooks people use: JupyterLab and Notebook 7, driven by Chromium.

Both servers start once, on 127.0.0.1 with a token, from a temporary Jupyter configuration (no
user settings, extensions' news or workspaces leak in), and stop at the end by their process
ids. Each host opens one notebook and runs it once; the tests then do what a learner does:
step with keys and buttons, answer in practice mode, press the notebook's own shortcuts with
the focus in the player, switch to the dark theme, and open a notebook nobody trusted yet.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import execute_notebook, require_module, require_program

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "chainrule-test-token"
KERNEL = "chainrule-test"

PLAYER_CELL = """\
from autograd import Value, Player
a, b = Value(2.0, label="a"), Value(-3.0, label="b")
c, f = Value(10.0, label="c"), Value(-2.0, label="f")
L = (a * b + c) * f
L.label = "L"
Player(L)"""
CELLS = [("code", PLAYER_CELL), ("code", "Player(L, practice=True)"),
         ("markdown", "The player above steps through L = (a*b + c) * f.")]
# t1 = a*b = -6, t2 = t1 + c = 4, L = t2 * f: ∂L/∂f = t2 = 4, ∂L/∂t2 = f = -2, which t1 and
# c receive as it is, and ∂L/∂a = -2 * b = 6, ∂L/∂b = -2 * a = -4
ANSWERS = {"∂L/∂t2": "-2", "∂L/∂f": "4", "∂L/∂t1": "-2", "∂L/∂c": "-2", "∂L/∂a": "6",
           "∂L/∂b": "-4"}

# JupyterLab's own shortcuts with the focus in a cell's output, in command mode: m makes the
# cell Markdown, d d deletes it, a and b insert one, Shift+Enter runs it, the arrows and j, k
# move between cells, y makes it code, x cuts it, z undoes. (a twice: for the player, it plays
# and pauses at once.)
SHORTCUTS = ["m", "d", "d", "a", "a", "b", "x", "y", "j", "k", "z", "Shift+Enter", "ArrowDown",
             "ArrowUp", "ArrowLeft", "ArrowRight"]


@dataclass
class Host:
    """A running Jupyter server: its name, URL of a notebook, and its folder of notebooks."""

    name: str
    url: str
    folder: Path

    def notebook_url(self, name: str) -> str:
        path = "lab/tree" if self.name == "lab" else "notebooks"
        return f"{self.url}/{path}/{name}?token={TOKEN}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def new_notebook(cells=CELLS):
    """A notebook of `cells` for this Python's kernel."""
    nbformat = require_module("nbformat")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(text) if kind == "code" else nbformat.v4.new_markdown_cell(text)
        for kind, text in cells])
    notebook.metadata["kernelspec"] = {"name": KERNEL, "display_name": "chainrule test",
                                       "language": "python"}
    return notebook


@pytest.fixture(scope="session")
def hosts(tmp_path_factory):
    """JupyterLab and Notebook 7, each started once for the session and stopped at the end."""
    require_module("jupyterlab", "pip install jupyterlab (a test extra)")
    require_module("notebook", "pip install notebook (a test extra)")
    require_module("ipykernel")
    require_program("dot")
    base = tmp_path_factory.mktemp("jupyter-hosts")
    env = dict(os.environ, PYTHONPATH=str(ROOT), JUPYTER_CONFIG_DIR=str(base / "config"),
               JUPYTER_DATA_DIR=str(base / "data"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               JUPYTER_PATH=str(base / "data"))
    env.pop("JUPYTERLAB_SETTINGS_DIR", None)
    env.pop("JUPYTERLAB_WORKSPACES_DIR", None)
    # the kernel is this Python, whatever else is installed
    kernel = base / "data" / "kernels" / KERNEL
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chainrule test", "language": "python"}))
    # no "Would you like to get notified about official Jupyter news?" over the notebook
    settings = base / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    started = {}
    try:
        for name, program in (("lab", "jupyter-lab"), ("notebook", "jupyter-notebook")):
            folder = base / name
            folder.mkdir()
            port = free_port()
            command = [str(Path(sys.executable).parent / program), "--no-browser",
                       f"--ServerApp.token={TOKEN}", "--ServerApp.ip=127.0.0.1",
                       f"--port={port}", f"--ServerApp.root_dir={folder}",
                       "--ServerApp.port_retries=0"]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                command.append("--allow-root")  # a container's root user
            log = open(base / f"{name}.log", "w")  # closed when the server stops
            process = subprocess.Popen(command, env=env, cwd=folder, stdout=log,
                                       stderr=subprocess.STDOUT)
            started[name] = (process, log, Host(name, f"http://127.0.0.1:{port}", folder))
        for name, (process, _, host) in started.items():
            wait_until_up(host.url, process, base / f"{name}.log")
        yield {name: host for name, (_, _, host) in started.items()}
    finally:
        for process, log, _ in started.values():
            process.terminate()  # the server shuts its kernels down, then exits
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    """Wait until the server answers /api/status, or fail with its log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Jupyter server exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the Jupyter server did not answer in {seconds} s:\n{log.read_text()[-3000:]}")


def menu(page, top: str, *path: str) -> None:
    """Choose an item from the menu bar, through submenus: menu(page, "Run", "Run All Cells")."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(f"^{re.escape(top)}$")).click()
    for item in path:
        found = page.locator(".lm-Menu-item:visible", has_text=re.compile(f"^{re.escape(item)}"))
        if item != path[-1]:
            found.first.hover()  # opens the submenu
        elif found.count() == 1:
            found.click()
        else:  # "JupyterLab Dark" is the start of "JupyterLab Dark High Contrast" too
            page.get_by_role("menuitem", name=item, exact=True).click()


def command(page, label: str) -> None:
    """Run a command from the command palette, as a learner would."""
    menu(page, "View", "Activate Command Palette")
    page.locator(".lm-CommandPalette-input").fill(label)
    page.locator(".lm-CommandPalette-item.lm-mod-active", has_text=label).wait_for()
    page.keyboard.press("Enter")


# What a learner sees, read from the page: the cells, where the focus is, a text's contrast.

CELLS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map((cell) => [
  cell.classList.contains('jp-CodeCell') ? 'code'
    : cell.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw',
  cell.querySelector('.cm-content') ? cell.querySelector('.cm-content').innerText : ''])"""

COUNTER_JS = ("document.querySelector('.cr-player.cr-live').shadowRoot"
              ".querySelector('[data-part=\"counter\"]').textContent")  # the first player's
FOCUS_JS = """() => {
  // the focused element, inside the player's shadow root too: "player", "player > answer", ...
  const outer = document.activeElement;
  if (!outer || outer === document.body) return 'body';
  const players = [...document.querySelectorAll('.cr-player.cr-live')];
  if (!players.includes(outer)) {
    return outer.closest('.jp-Cell') ? 'cell' : outer.tagName.toLowerCase();
  }
  const inner = outer.shadowRoot.activeElement;
  return 'player ' + players.indexOf(outer) + (inner ? ' > ' + (inner.dataset.part ||
    inner.tagName.toLowerCase()) : '');
}"""

CONTRAST_JS = """(player) => {
  // WCAG 2 contrast of every visible text of the player's panel against the background
  // behind it: the first opaque background among it and its ancestors, out of the shadow root
  // and up through the notebook.
  const channel = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) =>
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const rgba = (text) => {
    const v = text.match(/[\\d.]+/g).map(Number);
    return v.length < 4 ? [...v, 1] : v;
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement || (node.getRootNode().host || null)) {
      const color = rgba(getComputedStyle(node).backgroundColor);
      if (color[3] > 0.5) return color;
    }
    return [255, 255, 255, 1];
  };
  const found = [];
  const side = player.shadowRoot.querySelector('.cr-side');
  for (const element of side.querySelectorAll('*')) {
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const shown = element.getClientRects().length && !element.closest('[hidden]');
    if (!own || !shown || element.disabled) continue;  // WCAG exempts disabled controls
    const fore = luminance(rgba(getComputedStyle(element).color));
    const back = luminance(background(element));
    const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
    found.push([element.textContent.trim().slice(0, 30), Math.round(ratio * 100) / 100]);
  }
  return found;
}"""


def counter(player) -> str:
    return player.locator('[data-part="counter"]').inner_text()


@pytest.fixture(scope="module", params=["lab", "notebook"])
def opened(request, hosts, browser):
    """The notebook of CELLS open in a host, every cell run: (host name, page)."""
    host = hosts[request.param]
    require_module("nbformat").write(new_notebook(), host.folder / "walk.ipynb")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(host.notebook_url("walk.ipynb"))
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=90_000)
    live = page.locator(".cr-player.cr-live").nth(1)
    select = page.locator(".jp-Dialog .jp-mod-accept")
    for _ in range(6):  # a run asked for while the kernel still connects can be lost: again
        if select.is_visible():  # JupyterLab asks which kernel, its choice selected: take it
            select.click()
        else:
            menu(page, "Run", "Run All Cells")
        try:
            live.wait_for(timeout=20_000)
            break
        except Exception:  # noqa: BLE001 (Playwright's TimeoutError)
            continue
    live.wait_for(timeout=60_000)
    yield request.param, page
    page.close()


def player_at_start(page, number: int = 0):
    """Player `number`, focused as a learner does (a click on its text), at step 0."""
    player = page.locator(".cr-player.cr-live").nth(number)
    player.locator('[data-part="counter"]').click()
    page.keyboard.press("Home")
    return player


def test_run_all_shows_every_player_live_with_its_static_picture_hidden(opened):
    _, page = opened
    assert page.locator(".cr-player.cr-live").count() == 2
    assert page.locator(".cr-player img.cr-static").first.is_hidden()


def test_keys_step_the_player_in_the_host(opened):
    _, page = opened
    player = player_at_start(page)
    for key, expected in [("ArrowRight", "STEP 1 OF 11"), ("n", "STEP 2 OF 11"),
                          ("ArrowDown", "STEP 3 OF 11"), ("ArrowLeft", "STEP 2 OF 11"),
                          ("p", "STEP 1 OF 11"), ("ArrowUp", "STEP 0 OF 11"),
                          ("End", "STEP 11 OF 11"), ("Home", "STEP 0 OF 11"),
                          ("b", "STEP 4 OF 11"), ("f", "STEP 1 OF 11"), (" ", "STEP 2 OF 11")]:
        page.keyboard.press(key)
        assert counter(player).startswith(expected), key
    assert page.evaluate(FOCUS_JS) == "player 0"


def test_the_autoplay_key_plays_and_pauses_in_the_host(opened):
    _, page = opened
    player = player_at_start(page)
    player.locator('[data-part="speed"]').select_option("200")
    player.locator('[data-part="counter"]').click()  # the focus back from the menu
    page.keyboard.press("a")  # in a notebook's command mode, a would insert a cell above
    page.wait_for_function(f"() => {COUNTER_JS}.startsWith('step 2 ')", timeout=10_000)
    page.keyboard.press("a")
    paused_at = counter(player)
    page.wait_for_timeout(600)  # three steps' time at 5 steps a second
    assert counter(player) == paused_at
    assert page.locator(".jp-Notebook .jp-Cell").count() == len(CELLS)
    assert page.evaluate(FOCUS_JS) == "player 0"


def test_buttons_step_the_player_and_keep_the_focus_at_both_ends(opened):
    _, page = opened
    player = player_at_start(page)
    player.locator('[data-part="last"]').click()
    player.locator('[data-part="prev"]').click()
    player.locator('[data-part="next"]').click()  # to the last step: next is disabled now
    assert counter(player).startswith("STEP 11 OF 11")
    assert player.locator('[data-part="next"]').is_disabled()
    assert page.evaluate(FOCUS_JS) == "player 0"  # not <body>: the keys still step
    page.keyboard.press("ArrowLeft")
    assert counter(player).startswith("STEP 10 OF 11")
    player.locator('[data-part="first"]').click()
    player.locator('[data-part="next"]').click()
    player.locator('[data-part="prev"]').click()  # to step 0: prev is disabled now
    assert page.evaluate(FOCUS_JS) == "player 0"
    page.keyboard.press("ArrowRight")
    assert counter(player).startswith("STEP 1 OF 11")


def test_notebook_shortcuts_do_nothing_while_the_player_has_the_focus(opened):
    _, page = opened
    before = page.evaluate(CELLS_JS)
    assert [kind for kind, _ in before] == ["code", "code", "markdown"]
    player = player_at_start(page)
    for key in SHORTCUTS:
        page.keyboard.press(key)
    page.wait_for_timeout(300)  # d d waits for its second d; a run would start now
    assert page.evaluate(CELLS_JS) == before  # no cell turned Markdown, deleted, added or run
    assert page.locator(".cr-player.cr-live").count() == 2
    assert page.evaluate(FOCUS_JS) == "player 0"
    # what the player made of them: b to step 4, then ↓ ↑ ← → (5, 4, 3, 4)
    assert counter(player).startswith("STEP 4 OF 11")


def test_escape_gives_the_keys_back_to_the_notebook(opened):
    _, page = opened
    player_at_start(page)
    page.keyboard.press("Escape")
    assert page.evaluate(FOCUS_JS) == "cell"
    active = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].findIndex(
      (cell) => cell.classList.contains('jp-mod-active'))"""
    assert page.evaluate(active) == 0  # the player's cell
    page.keyboard.press("j")  # the notebook's key for the next cell
    assert page.evaluate(active) == 1
    page.keyboard.press("k")


def test_a_practice_answer_keeps_the_focus_in_the_player(opened):
    _, page = opened
    player = player_at_start(page, 1)
    page.keyboard.press("b")  # the first backward step; the next one asks
    page.keyboard.press("ArrowRight")
    prompt = player.locator('[data-part="prompt"]').inner_text()
    assert page.evaluate(FOCUS_JS) == "player 1 > answer"
    asked = re.search(r"(∂L/∂\w+) = \?", prompt).group(1)
    page.keyboard.type(ANSWERS[asked])
    page.keyboard.press("Enter")
    assert player.locator('[data-part="message"]').inner_text().startswith("right")
    assert counter(player).startswith("STEP 5 OF 11")
    assert page.evaluate(FOCUS_JS) == "player 1"  # not <body>, though the answer box hid
    page.keyboard.press("ArrowRight")  # the next question
    assert page.evaluate(FOCUS_JS) == "player 1 > answer"
    player.locator('[data-part="counter"]').click()
    page.keyboard.press("Home")


def test_the_help_lists_the_keys_that_work_here(opened):
    _, page = opened
    help_text = page.locator(".cr-player.cr-live").first.locator('[data-part="help"]').inner_text()
    # each key named is pressed in test_keys_step_the_player_in_the_host,
    # test_the_autoplay_key_plays_and_pauses_in_the_host and
    # test_escape_gives_the_keys_back_to_the_notebook
    assert ("Keys (click the player first): → or n next, ← or p previous, Home / End, "
            "f forward pass, b backward pass, a play / pause, Esc back to the notebook."
            ) in help_text


def test_the_hosts_styles_do_not_reach_the_player(opened):
    _, page = opened
    player = player_at_start(page)
    page.keyboard.press("End")
    box = player.locator('g.value[id="cr-n0"]')
    box.click()  # why a's gradient is what it is
    why = player.locator('[data-part="why"] pre')
    assert why.evaluate("pre => getComputedStyle(pre).wordBreak") == "normal"
    box.hover()
    name = player.locator('[id="cr-n0-name"]')
    decorations = name.evaluate("""(text) => { const found = [];
      for (let e = text; e && e.tagName !== 'svg'; e = e.parentElement) {
        found.push(getComputedStyle(e).textDecorationLine); }
      return found; }""")
    assert set(decorations) == {"none"}  # no underline on a node's label


def set_theme(page, theme: str) -> None:
    menu(page, "Settings", "Theme", f"JupyterLab {theme.title()}")
    page.wait_for_function(
        f"document.body.dataset.jpThemeLight === '{'true' if theme == 'light' else 'false'}'")
    page.locator(f'.cr-player.cr-live[data-theme="{theme}"]').nth(1).wait_for()


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_text_contrast_is_at_least_4_5_to_1_in_both_themes(opened, theme, tmp_path):
    host, page = opened
    set_theme(page, theme)
    player = player_at_start(page)
    page.keyboard.press("b")
    player.locator('g.value[id="cr-n0"]').click()  # the "why" box, too
    page.wait_for_timeout(300)  # the theme's new colours are in
    page.screenshot(path=tmp_path / f"{host}-{theme}.png")
    contrasts = page.locator(".cr-player.cr-live").first.evaluate(CONTRAST_JS)
    assert len(contrasts) > 10
    assert [(text, ratio) for text, ratio in contrasts if ratio < 4.5] == []


def test_the_layout_follows_the_outputs_width(opened):
    _, page = opened
    player = page.locator(".cr-player.cr-live").first
    side = player.locator(".cr-side")
    graph = player.locator(".cr-graph")
    try:
        page.set_viewport_size({"width": 1700, "height": 900})
        page.wait_for_timeout(300)
        assert side.bounding_box()["x"] > graph.bounding_box()["x"] + 300  # side by side
        page.set_viewport_size({"width": 900, "height": 900})
        page.wait_for_timeout(300)
        box = graph.bounding_box()
        assert side.bounding_box()["y"] >= box["y"] + box["height"]  # stacked
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture(scope="module")
def untrusted(hosts, tmp_path_factory):
    """A notebook with the player's outputs, run by nbclient: no server has signed it."""
    notebook = execute_notebook(new_notebook(CELLS[:1]), tmp_path_factory.mktemp("untrusted"))
    for name, host in hosts.items():
        # the servers share one database of trusted notebooks: trusting the one in JupyterLab
        # must leave Notebook 7's untrusted, so their texts differ
        notebook.metadata["host"] = name
        require_module("nbformat").write(notebook, host.folder / "untrusted.ipynb")


@pytest.mark.parametrize("name", ["lab", "notebook"])
def test_an_untrusted_notebook_shows_the_static_picture_and_how_to_trust_it(
        name, hosts, untrusted, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(hosts[name].notebook_url("untrusted.ipynb"))
        # JupyterLab reopens the session's other notebook too, in a hidden tab
        notebook = page.locator(".jp-NotebookPanel:visible")
        picture = notebook.locator(".jp-OutputArea-output img.cr-static")
        picture.wait_for(timeout=90_000)
        assert picture.evaluate("img => img.complete && img.naturalWidth > 100")
        assert notebook.locator(".cr-player.cr-live").count() == 0
        assert notebook.locator(".jp-OutputArea-output button").count() == 0
        note = notebook.locator(".jp-OutputArea-output p.cr-static-note")
        assert note.inner_text().startswith(
            "To step through this graph, trust the notebook: File → Trust Notebook")
        if name == "notebook":
            menu(page, "File", "Trust Notebook")
        else:  # JupyterLab has no menu item for it
            notebook.locator(".jp-Cell .jp-InputPrompt").first.click()
            command(page, "Trust Notebook")
        page.locator(".jp-Dialog-button.jp-mod-accept").click()
        notebook.locator(".cr-player.cr-live").wait_for(timeout=30_000)  # no cell run again
        assert note.is_hidden()
    finally:
        page.close()

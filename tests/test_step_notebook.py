"""The notebook player, run by a real Jupyter kernel through nbclient, then opened in Chromium.

The kernel produces the outputs a notebook would store; the browser then shows them as a
trusted notebook does (scripts run: two players, each on its own) and as an untrusted one does
(scripts and styles stripped: a static picture and no controls).
"""

import re
from urllib.parse import unquote

import pytest
from conftest import execute_cells, karpathy, require_program

import nn
from autograd import Player, Value, walkthrough

CELLS = [
    """\
from autograd import Value
from autograd.stepper import Player
a, b = Value(2.0, label="a"), Value(-3.0, label="b")
c, f = Value(10.0, label="c"), Value(-2.0, label="f")
L = (a * b + c) * f
L.label = "L"
player = Player(L)
player""",
    """\
x = Value(0.5, label="x")
Player((x * x).tanh(), practice=True)""",
    "display(player)  # the same player again: new ids",
    "print(a.grad, L.grad)  # the walkthrough never touched them",
    """\
import nn
X, y = nn.make_moons(4, noise=0.1, seed=0)
model = nn.MLP(2, [16, 16, 1], seed=0)
loss = nn.hinge([model(list(row)) for row in X], [2 * int(t) - 1 for t in y])
loss.label = "loss"
Player(loss)""",
    'Player(L, focus="a")',
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The outputs of CELLS, executed by a real ipykernel running this Python."""
    require_program("dot")
    return execute_cells(CELLS, tmp_path_factory.mktemp("jupyter"))


def html_of(cell_outputs):
    (output,) = [o for o in cell_outputs if "data" in o]
    assert set(output["data"]) == {"text/html", "text/plain"}
    return output["data"]["text/html"]


def token_of(html):
    return re.search(r'data-player="(cr[0-9a-f]{8})"', html).group(1)


def static_svg(html):
    """The SVG of the output's static picture, from its data: URI (text, not base64)."""
    uri = re.search(r'<img class="cr-static" src="data:image/svg\+xml;charset=utf-8,([^"]+)"',
                    html).group(1)
    return unquote(uri)


def test_each_output_is_html_with_a_plain_text_fallback(outputs):
    data = [o for o in outputs[0] if "data" in o][0]["data"]
    assert data["text/plain"] == "<Player: a walkthrough of L, 7 nodes, 11 steps>"
    assert data["text/html"].startswith('<div class="cr-player" data-player="cr')


def test_every_output_has_its_own_container_and_unique_ids_inside(outputs):
    tokens = [token_of(html_of(outputs[i])) for i in range(3)]
    assert len(set(tokens)) == 3  # the same player shown twice is found apart too
    for i in range(3):  # each player's ids are its own: it lives in its own shadow root
        ids = re.findall(r" id='([^']+)'", static_svg(html_of(outputs[i])))
        assert ids and len(ids) == len(set(ids))


def test_the_static_picture_shows_the_finished_graph(outputs):
    svg = static_svg(html_of(outputs[0]))
    assert ">6.0</text>" in svg  # ∂L/∂a, in a's grad cell
    assert "<script" not in svg


def test_the_static_picture_carries_each_edges_local_derivative(outputs):
    svg = static_svg(html_of(outputs[0]))
    # node 2 is e = a * b: ∂e/∂a = b = -3.0 on the edge from a, ∂e/∂b = a = 2.0 from b
    labels = dict(re.findall(r"-(e\d+_\d+)-local'[^>]*>([^<]*)<", svg))
    assert labels["e2_0"] == "-3.0" and labels["e2_1"] == "2.0"
    assert len(labels) == 6  # two inputs each for the ops *, + and *


def test_the_users_values_are_untouched(outputs):
    assert outputs[3][0]["text"] == "0.0 0.0\n"


def page_of(outputs, scripts=True):
    parts = [html_of(outputs[0]), html_of(outputs[1])]
    body = "\n".join(parts)
    if not scripts:  # what an untrusted notebook shows: no scripts, no styles, no inline svg
        body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    return f"<!DOCTYPE html><html><body>{body}</body></html>"


@pytest.fixture
def show(browser, tmp_path):
    pages = []

    def shower(html):
        path = tmp_path / f"notebook{len(pages)}.html"
        path.write_text(html, encoding="utf-8")
        page = browser.new_page()
        page.route(re.compile(r"^(?!file:|data:).*"), lambda route: route.abort())
        pages.append(page)
        page.goto(path.as_uri())
        return page

    yield shower
    for page in pages:
        page.close()


def test_two_players_in_one_notebook_step_independently(outputs, show):
    page = show(page_of(outputs))
    players = page.locator(".cr-player.cr-live")
    assert players.count() == 2
    first, second = players.nth(0), players.nth(1)
    first.locator('[data-part="next"]').click()
    first.locator('[data-part="next"]').click()
    assert first.locator('[data-part="counter"]').inner_text().startswith("STEP 2 OF 11")
    assert second.locator('[data-part="counter"]').inner_text().startswith("STEP 0 OF 7")
    second.focus()
    page.keyboard.press("End")
    assert second.locator('[data-part="counter"]').inner_text().startswith("STEP 7 OF 7")
    assert first.locator('[data-part="counter"]').inner_text().startswith("STEP 2 OF 11")
    assert first.locator(".cr-current").count() == 1 and second.locator(".cr-current").count() == 0


def test_an_untrusted_notebook_shows_a_clean_picture_and_no_controls(outputs, show):
    page = show(page_of(outputs, scripts=False))
    pictures = page.locator(".cr-player img.cr-static")
    assert pictures.count() == 2
    assert pictures.nth(0).evaluate("img => img.complete && img.naturalWidth > 100")
    assert page.locator("button, input, svg").count() == 0


def test_a_network_plays_in_levels_in_a_notebook(outputs, show):
    data = [o for o in outputs[4] if "data" in o][0]["data"]
    assert data["text/plain"] == ("<Player: a walkthrough of loss, 1842 nodes, 5289 steps, "
                                  "29 at the top level>")
    page = show(f"<!DOCTYPE html><html><body>{data['text/html']}</body></html>")
    player = page.locator(".cr-player.cr-live")
    player.wait_for()
    crumbs = player.locator('[data-part="crumbs"]')
    assert crumbs.inner_text() == "top (29 steps)"
    player.focus()
    for key in ("ArrowRight", "o", "ArrowRight", "o"):
        page.keyboard.press(key)
    assert crumbs.inner_text() == ("top (29 steps) › layers.0 (call 1 of 4), forward (16 steps) "
                                   "› neurons.1, forward (4 steps)")
    page.keyboard.press("u")
    page.keyboard.press("u")
    assert player.locator('[data-part="counter"]').inner_text() == "STEP 1 OF 28 · FORWARD"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_an_untrusted_notebook_shows_a_networks_top_level(outputs, show):
    html = [o for o in outputs[4] if "data" in o][0]["data"]["text/html"]
    svg = static_svg(html)
    assert "layers.1 (call 4 of 4)" in svg and "neurons.3" not in svg
    page = show(re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S))
    assert page.locator("img.cr-static").evaluate("img => img.complete && img.naturalWidth > 100")


def test_a_player_can_open_following_a_node(outputs, show):
    data = [o for o in outputs[5] if "data" in o][0]["data"]
    assert data["text/plain"] == "<Player: a walkthrough of L, 7 nodes, 8 steps, following a>"
    page = show(f"<!DOCTYPE html><html><body>{data['text/html']}</body></html>")
    player = page.locator(".cr-player.cr-live")
    assert player.locator('[data-part="following"]').inner_text().startswith(
        "Following a: 7 of the 10 steps")
    player.focus()
    page.keyboard.press("End")
    assert player.locator('[data-part="title"]').inner_text() == (
        "Done: ∂L/∂a = 6.0, the sum over its 1 path")


def test_practice_in_a_notebook_asks_again_retries_hints_and_scores(outputs, show):
    # the second output: tanh(x * x) at x = 0.5, whose step 4 asks for ∂out/∂t1
    # = 1 - tanh(0.25)**2 = 0.940015
    page = show(page_of(outputs))
    player = page.locator(".cr-player.cr-live").nth(1)
    player.focus()
    page.keyboard.press("b")  # the seed step asks nothing
    player.locator('[data-part="next"]').click()
    assert player.locator('[data-part="prompt"]').inner_text() == "Step 4: ∂out/∂t1 = ?"
    assert player.locator(".cr-asked").count() == 1
    said = []
    for typed in ("abc", "0.5", "0.6", "0.9"):
        player.locator('[data-part="answer"]').fill(typed)
        player.locator('[data-part="check"]').click()
        said.append(player.locator('[data-part="message"]').inner_text())
    assert said[0] == '"abc" is not a number: type one, such as -1.5 or 0.25'
    assert said[1] == "not quite: try again"
    assert said[2].startswith("not quite. Hint: ∂out/∂t1 = ")
    assert said[3] == "right: 0.940015"  # 0.94 to one decimal is 0.9
    assert player.locator('[data-part="score"]').inner_text() == (
        "score: 0 of 1 right first try, 1 after a hint")
    page.keyboard.press("ArrowRight")  # the keys go on to the player: the next question
    assert player.locator('[data-part="prompt"]').inner_text() == (
        "Step 5: ∂out/∂x after adding the contribution from t1 = ?")


def test_autoplay_in_a_notebook_plays_one_player_to_its_end(outputs, show):
    page = show(page_of(outputs))
    players = page.locator(".cr-player.cr-live")
    first, second = players.nth(0), players.nth(1)
    first.locator('[data-part="speed"]').select_option("200")
    first.locator('[data-part="play"]').click()
    counter = first.locator('[data-part="counter"]')
    counter.filter(has_text="STEP 11 OF 11").wait_for(timeout=10_000)
    assert first.locator('[data-part="play"]').inner_text() == "▶ play"
    assert second.locator('[data-part="counter"]').inner_text().startswith("STEP 0 OF 7")


def test_a_negative_zero_reads_0_0_in_the_tape_and_the_player():
    x = Value(-1.0, label="x")
    y = x.relu() * -2.0  # dy/dx = relu'(-1) * -2 = 0 * -2 = -0.0, equal to 0.0
    y.label = "y"
    assert "∂y/∂x += ∂t1/∂x * ∂y/∂t1 = 0 * (-2.0) = 0.0" in walkthrough(y).tape()
    html = Player(y).html()
    svg = static_svg(html)
    assert ">0.0<" in svg and ">-0.0<" not in svg


def test_an_untrusted_notebook_says_in_one_line_how_to_get_the_live_player(outputs, show):
    page = show(page_of(outputs, scripts=False))
    notes = page.locator(".cr-player p.cr-static-note")
    assert notes.count() == 2
    assert notes.nth(0).inner_text() == (
        "To step through this graph, trust the notebook: File → Trust Notebook, or “Trust "
        "Notebook” in JupyterLab’s command palette (no kernel needed).")


def test_the_live_player_hides_the_static_picture_and_its_note(outputs, show):
    page = show(page_of(outputs))
    page.locator(".cr-player.cr-live").nth(1).wait_for()
    assert page.locator("img.cr-static").first.is_hidden()
    assert page.locator("p.cr-static-note").first.is_hidden()


def mlp_loss():
    """One example through MLP(2, [4, 4, 1]) and its squared error, as docs/drawing.md draws."""
    model = nn.MLP(2, [4, 4, 1], seed=0)
    loss = (model([1.0, -2.0]) - 1.0) ** 2
    loss.label = "loss"
    return loss


@pytest.mark.parametrize("make, collapse", [
    (lambda: karpathy()[0], None),  # the README's Player(L)
    (lambda: (Value(2.0, label="x") * Value(-3.0, label="w") + Value(6.88, label="b")).tanh(),
     None),  # the README's neuron
    (mlp_loss, "neurons"),  # a small network, collapsed to one box per neuron
], ids=["karpathy", "neuron", "mlp-4-4-1-neurons"])
def test_a_players_output_is_at_most_100_kb(make, collapse):
    require_program("dot")
    html = Player(make(), collapse=collapse).html()
    assert len(html.encode("utf-8")) <= 100_000

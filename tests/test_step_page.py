"""The walkthrough page in a real browser: headless Chromium, every non-file request blocked.

Each test writes a page with export_html, opens it from disk and clicks, types and presses
keys as a learner would, then reads what the page shows: which node is highlighted, which
numbers are filled in, what the narration says.
"""

import pytest
from conftest import karpathy, require_program

from autograd import Value, walkthrough
from autograd.stepper.page import export_html


@pytest.fixture
def open_page(offline_page, tmp_path):
    """open_page(value, **options) -> a Playwright page showing its walkthrough, offline."""
    require_program("dot")
    written = []

    def opener(value, **options):
        path = export_html(value, tmp_path / f"walk{len(written)}.html", **options)
        written.append(path)
        return offline_page(path, ".cr-live")

    return opener


# node ids are positions in topological order: a b e c d f L
A, B, E, C, D, F, L = range(7)


def text(page, element_id):
    return page.locator(f'[id="cr-{element_id}"]').text_content()


def classes(page, element_id):
    return page.locator(f'[id="cr-{element_id}"]').get_attribute("class").split()


def narration(page):
    return page.locator('[data-part="lines"]').inner_text()


def test_clicking_next_highlights_each_step_and_fills_in_its_numbers(open_page):
    page = open_page(karpathy()[0])
    assert page.locator('[data-part="counter"]').inner_text() == "STEP 0 OF 11 · START"
    assert text(page, f"n{E}-data") == "?" and "cr-unknown" in classes(page, f"n{E}")
    assert text(page, f"n{A}-data") == "2.0"
    for _ in range(9):
        page.click('[data-part="next"]')
    # step 9: ∂L/∂a += ∂e/∂a * ∂L/∂e; a is receiving, e sending
    assert "cr-current" in classes(page, f"n{A}")
    assert "cr-sender" in classes(page, f"n{E}")
    assert "cr-active" in classes(page, f"e{E}_0")  # the edge a -> (*)
    assert text(page, f"n{A}-grad") == "6.0"
    assert text(page, f"n{B}-grad") == ""  # its step comes next
    assert text(page, f"n{L}-data") == "-8.0"
    assert narration(page).startswith("∂L/∂a += ∂e/∂a * ∂L/∂e = b * (-2.0) = -3.0 * (-2.0) = 6.0")
    assert page.locator(".cr-current").count() == 1


def test_arrow_keys_home_end_and_jumps(open_page):
    page = open_page(karpathy()[0])
    page.keyboard.press("ArrowRight")
    assert "cr-current" in classes(page, f"n{E}")
    assert narration(page) == "e = a * b = 2.0 * (-3.0) = -6.0"
    page.keyboard.press("End")
    assert page.locator('[data-part="title"]').inner_text() == "Done: every gradient is known"
    page.keyboard.press("ArrowLeft")
    assert "cr-current" in classes(page, f"n{B}")
    page.keyboard.press("b")
    assert page.locator('[data-part="title"]').inner_text() == "∂L/∂L = 1"
    assert text(page, f"n{A}-grad") == ""
    page.keyboard.press("Home")
    assert page.locator('[data-part="prev"]').is_disabled()


def test_the_slider_shows_any_step(open_page):
    page = open_page(karpathy()[0])
    page.locator('[data-part="slider"]').fill("7")
    assert page.locator('[data-part="counter"]').inner_text().startswith("STEP 7 OF 11")
    assert text(page, f"n{E}-grad") == "-2.0" and text(page, f"n{C}-grad") == ""


def test_gradient_cells_are_coloured_by_sign(open_page):
    page = open_page(karpathy()[0])
    page.keyboard.press("End")
    fill = page.locator(f'[id="cr-n{A}-grad-cell"]').evaluate("e => getComputedStyle(e).fill")
    negative = page.locator(f'[id="cr-n{B}-grad-cell"]').evaluate("e => getComputedStyle(e).fill")
    assert fill == "rgb(33, 102, 172)"  # the darkest blue: the largest positive gradient
    assert negative.startswith("rgb(") and negative != fill


def test_practice_asks_for_the_gradient_before_showing_it(open_page):
    page = open_page(karpathy()[0], practice=True)
    page.keyboard.press("b")  # the seed step asks nothing
    page.click('[data-part="next"]')
    assert page.locator('[data-part="prompt"]').inner_text() == "Step 5: ∂L/∂d = ?"
    assert text(page, f"n{D}-grad") == "?"  # not revealed yet
    page.fill('[data-part="answer"]', "-2")
    page.keyboard.press("Enter")
    assert page.locator('[data-part="message"]').inner_text() == "right: -2.0"
    assert text(page, f"n{D}-grad") == "-2.0"
    assert page.locator('[data-part="score"]').inner_text() == "score: 1 of 1 right first try"


def test_the_question_highlights_the_asked_node_and_edge_not_the_step_before(open_page):
    page = open_page(karpathy()[0], practice=True)
    page.keyboard.press("b")  # the seed step: L is current
    page.click('[data-part="next"]')
    # asking for ∂L/∂d: d is current and asked, L sends it its gradient along the edge d -> (*)
    assert "cr-current" in classes(page, f"n{D}") and "cr-asked" in classes(page, f"n{D}")
    assert "cr-sender" in classes(page, f"n{L}")
    assert "cr-current" not in classes(page, f"n{L}")
    assert "cr-active" in classes(page, f"e{L}_0")
    assert page.locator('[data-part="counter"]').inner_text() == "STEP 5 OF 11 · BACKWARD"
    assert page.locator('[data-part="title"]').inner_text() == "practice: ∂L/∂d = ?"
    assert narration(page) == ""  # the narration holds the answer: not yet


def test_text_that_is_not_a_number_asks_again_on_the_page(open_page):
    page = open_page(karpathy()[0], practice=True)
    page.keyboard.press("b")
    page.click('[data-part="next"]')
    page.fill('[data-part="answer"]', "abc")
    page.keyboard.press("Enter")
    assert page.locator('[data-part="message"]').inner_text() == (
        '"abc" is not a number: type one, such as -1.5 or 0.25')
    assert page.locator('[data-part="question"]').is_visible()
    assert text(page, f"n{D}-grad") == "?"


def python_replies(step_index, typed):
    """What practice.Question says to each typed answer (h: a hint, s: show me)."""
    from autograd.stepper import walkthrough
    from autograd.stepper.practice import Question, Score

    asked = Question(walkthrough(karpathy()[0])[step_index], Score())
    actions = {"h": asked.hint, "s": asked.show}
    return [(actions[t]() if t in actions else asked.answer(t)).text for t in typed]


def page_replies(page, typed):
    """What the page says to each typed answer, as the learner types it or clicks."""
    said = []
    for t in typed:
        if t in ("h", "s"):
            page.click('[data-part="hint"]' if t == "h" else '[data-part="reveal"]')
        else:
            page.fill('[data-part="answer"]', t)
            page.keyboard.press("Enter")
        said.append(page.locator('[data-part="message"]').inner_text())
    return said


@pytest.mark.parametrize("typed", [["2", "3", "4"], ["x", "2", "-2"], ["h", "-2"], ["s"],
                                   ["2", "h", "s"]])
def test_the_page_says_what_python_says_at_each_turn(open_page, typed):
    page = open_page(karpathy()[0], practice=True)
    page.keyboard.press("b")
    page.click('[data-part="next"]')  # step 5 asks for ∂L/∂d
    assert page_replies(page, typed) == python_replies(5, typed)


def test_a_wrong_answer_gets_a_retry_then_a_hint_then_the_answer_on_the_page(open_page):
    page = open_page(karpathy()[0], practice=True)
    page.keyboard.press("b")
    page.click('[data-part="next"]')
    said = page_replies(page, ["2", "3", "4"])
    assert said[0] == "not quite: try again"
    assert said[1].startswith("not quite. Hint: ∂L/∂d = f * ∂L/∂L = -2.0 * 1.0, because")
    assert said[2] == "it is -2.0, worked out above"
    assert narration(page).startswith("∂L/∂d += f * ∂L/∂L = -2.0 * 1.0 = -2.0")
    assert page.locator('[data-part="score"]').inner_text() == (
        "score: 0 of 1 right first try, 1 shown")


def test_the_score_ends_with_a_summary_on_the_page(open_page):
    page = open_page(karpathy()[0], practice=True)
    page.keyboard.press("b")
    # ∂L/∂d, ∂L/∂f first try; ∂L/∂e after a hint; ∂L/∂c on a second try; ∂L/∂a shown;
    # ∂L/∂b first try
    for typed in (["-2"], ["4"], ["h", "-2"], ["5", "-2"], ["s"], ["-4"]):
        page.click('[data-part="next"]')
        page_replies(page, typed)
    page.click('[data-part="next"]')
    assert page.locator('[data-part="title"]').inner_text() == "Done: every gradient is known"
    assert page.locator('[data-part="score"]').inner_text() == (
        "practice done: 3 of 6 right first try, 1 on the second try, 1 after a hint, 1 shown")


def test_the_page_and_python_agree_on_what_is_right(open_page):
    from test_step_practice import CASES

    from autograd.stepper.practice import accepts, page_rules

    page = open_page(karpathy()[0])
    # nan and the infinities go to the page as the text JavaScript's Number() reads
    table = [[typed, repr(answer).replace("inf", "Infinity").replace("nan", "NaN")]
             for typed, answer, _ in CASES]
    page_says = page.evaluate("""([table, rules]) => table.map(([typed, answer]) =>
                                   chainruleAccepts(typed, Number(answer), rules))""",
                              [table, page_rules()])
    assert page_says == [accepts(typed, answer) for typed, answer, _ in CASES]
    assert page_says == [right for _, _, right in CASES]


def test_autoplay_steps_to_the_end_and_stops(open_page):
    page = open_page(karpathy()[0])
    page.select_option('[data-part="speed"]', "200")
    page.click('[data-part="play"]')
    assert page.locator('[data-part="play"]').inner_text() == "❚❚ pause"
    page.wait_for_function("""() => document.querySelector('.cr-player').shadowRoot
                                       .querySelector('[data-part="counter"]')
                                       .textContent.startsWith("step 11 of 11")""",
                           timeout=10_000)
    page.wait_for_timeout(400)  # a tick more: it stays at the end
    assert page.locator('[data-part="counter"]').inner_text().startswith("STEP 11 OF 11")
    assert page.locator('[data-part="play"]').inner_text() == "▶ play"


def test_autoplay_stops_at_a_practice_question(open_page):
    page = open_page(karpathy()[0], practice=True)
    page.select_option('[data-part="speed"]', "200")
    page.keyboard.press("a")  # the key for play / pause
    page.wait_for_selector('[data-part="question"]:not([hidden])', timeout=10_000)
    assert page.locator('[data-part="prompt"]').inner_text() == "Step 5: ∂L/∂d = ?"
    page.wait_for_timeout(400)
    assert page.locator('[data-part="counter"]').inner_text().startswith("STEP 5 OF 11")
    assert page.locator('[data-part="play"]').inner_text() == "▶ play"


def test_the_autoplay_key_plays_and_pauses(open_page):
    page = open_page(karpathy()[0])
    page.select_option('[data-part="speed"]', "200")
    page.keyboard.press("a")
    page.wait_for_function("""() => document.querySelector('.cr-player').shadowRoot
                                       .querySelector('[data-part="counter"]')
                                       .textContent.startsWith("step 2 ")""", timeout=10_000)
    page.keyboard.press("a")
    paused_at = page.locator('[data-part="counter"]').inner_text()
    page.wait_for_timeout(600)  # three steps' time at 5 steps/s
    assert page.locator('[data-part="counter"]').inner_text() == paused_at
    assert page.locator('[data-part="play"]').inner_text() == "▶ play"


def test_clicking_a_value_explains_its_gradient_once_it_is_complete(open_page):
    page = open_page(karpathy()[0])
    page.locator(f'[id="cr-n{A}"]').click()
    assert "not complete yet" in page.locator('[data-part="why"]').inner_text()
    page.keyboard.press("End")
    page.locator(f'[id="cr-n{A}"]').click()
    why = page.locator('[data-part="why"]').inner_text()
    assert "a -> e -> d -> L: ∂e/∂a * ∂d/∂e * ∂L/∂d = -3.0 * 1.0 * (-2.0) = 6.0" in why
    assert "agrees" in why


def test_labels_with_html_are_shown_as_text(open_page):
    x = Value(2.0, label="<script>alert(1)</script>")
    y = Value(3.0, label='<b>bold</b> & "quoted"')
    out = x * y
    out.label = "</script><img src=x onerror=alert(2)>"
    page = open_page(out, title="<i>title</i>")
    page.keyboard.press("ArrowRight")
    svg_text = page.locator(".cr-graph").inner_text()
    assert "<script>alert(1)</script>" in svg_text
    assert '<b>bold</b> & "quoted"' in svg_text
    assert narration(page).startswith("</script><img src=x onerror=alert(2)> = <script>")
    assert page.locator("h1").inner_text() == "<i>title</i>"
    assert page.locator(".cr-player b, .cr-player img, body i, body script[src]").count() == 0


def test_a_training_step_shows_each_parameter_moving(open_page):
    import nn
    from autograd.stepper import training_walkthrough

    model = nn.MLP(2, [2, 1], activation="tanh", seed=0)
    loss = nn.mse(model([1.0, -2.0]), 0.5)
    walk = training_walkthrough(loss, nn.SGD(model.parameters(), lr=0.1))
    bias = walk.graph.find(model.parameters()[-1]).id  # the output neuron's bias, b = 0 at first
    page = open_page(walk)
    assert text(page, f"n{bias}-data") == "0.0"
    page.keyboard.press("End")
    assert text(page, f"n{bias}-data") == "0.1061" and text(page, f"n{bias}-grad") == "0.0"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # the bias's own update, before zero_grad
    assert page.locator('[data-part="title"]').inner_text() == "update L1.N0.b"
    assert text(page, f"n{bias}-grad") == "-1.061"


def test_a_collapsed_network_steps_module_by_module(open_page):
    import nn

    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    loss = nn.mse(model([0.5, -1.0]), 1.0)
    page = open_page(loss, collapse="neurons")
    page.keyboard.press("ArrowRight")
    assert narration(page) == "L0.N0 = tanh(b + w0 * 0.5 + w1 * (-1)) = 0.1227"
    assert page.locator(".op-module.cr-active").count() == 1


def test_a_sum_lights_every_term_forward_and_one_edge_per_backward_step(open_page):
    from autograd import total

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    page = open_page(total([a, a, b]))  # node ids: a 0, b 1, out 2; a is terms 0 and 1
    page.keyboard.press("ArrowRight")
    assert narration(page) == "out = a + a + b = 2.0 + 2.0 + (-3.0) = 1.0"
    assert all("cr-active" in classes(page, f"e2_{k}") for k in range(3))
    for _ in range(3):  # the seed, then a as term 0, then a as term 1
        page.keyboard.press("ArrowRight")
    assert narration(page).startswith("∂out/∂a += 1 * ∂out/∂out = 1 * 1.0 = 1.0")
    assert [("cr-active" in classes(page, f"e2_{k}")) for k in range(3)] == [False, True, False]
    assert text(page, "n0-grad") == "2.0"


def test_the_network_guard_would_see_a_request(browser, tmp_path):
    # The guard the page tests rely on: a page that does fetch something is caught.
    path = tmp_path / "fetches.html"
    path.write_text('<img src="http://example.invalid/x.png">')
    context = browser.new_context()
    seen = []
    context.route("**/*", lambda route: (seen.append(route.request.url), route.abort())
                  if not route.request.url.startswith("file://") else route.continue_())
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    context.close()
    assert seen == ["http://example.invalid/x.png"]


def test_a_button_runs_to_the_first_non_finite_number(open_page):
    x = Value(-1.0, label="x")
    y = x.log()  # log(-1) is nan
    y.label = "y"
    out = y * 2.0 + x
    page = open_page(out)
    page.click('[data-part="nonfinite"]')
    assert page.locator('[data-part="title"]').inner_text() == "y = log(x)"
    assert text(page, "n1-data") == "nan"
    assert open_page(karpathy()[0]).locator('[data-part="nonfinite"]').count() == 0


def test_practice_grades_an_infinite_gradient_by_its_sign(open_page):
    x = Value(0.0, label="x")
    page = open_page(x.log(), practice=True)  # d log(x)/dx = 1 / x = inf at 0
    page.keyboard.press("b")  # the seed step asks nothing
    page.click('[data-part="next"]')
    page.fill('[data-part="answer"]', "-inf")  # |-inf - inf| is within 1% of inf: not right
    page.keyboard.press("Enter")
    assert page.locator('[data-part="message"]').inner_text() == "not quite: try again"
    page = open_page(x.log(), practice=True)
    page.keyboard.press("b")
    page.click('[data-part="next"]')
    page.fill('[data-part="answer"]', "inf")
    page.keyboard.press("Enter")
    assert page.locator('[data-part="message"]').inner_text() == "right: inf"


def test_a_page_of_opposite_infinities_shows_inf_and_nan_to_the_end(open_page):
    x = Value(1000.0, label="x")
    page = open_page(x.exp() - x.exp())  # nodes: x t1 t2 out; out = t1 - t2 = inf - inf = nan
    page.click('[data-part="nonfinite"]')
    assert page.locator('[data-part="counter"]').inner_text() == "STEP 1 OF 9 · FORWARD"
    assert text(page, "n1-data") == "inf"
    assert "exp(1000.0) overflows to inf" in narration(page)
    assert "the first value that is not finite" in narration(page)
    for _ in range(8):
        page.click('[data-part="next"]')
    assert text(page, "n2-data") == "inf" and text(page, "n3-data") == "nan"
    assert text(page, "n0-grad") == "nan"
    assert "the first nan ∂out/∂x (step 8)" in narration(page)
    assert "purple inf or nan" in page.locator(".cr-help").inner_text()
    page.click('[id="cr-n0"]')
    assert "sum over 2 paths = nan: inf + (-inf) is nan" in page.locator(
        '[data-part="why"]').inner_text()


def test_a_page_of_an_overflowing_sum_shows_inf_to_the_end(open_page):
    x = Value(1.0, label="x")
    page = open_page(x * 1e308 + x * 1e308)  # nodes: x 1e308 t1 1e308 t2 out
    page.click('[data-part="nonfinite"]')
    assert text(page, "n5-data") == "inf"
    assert narration(page).splitlines()[1].startswith("1e308 + 1e308 overflows to inf")
    page.keyboard.press("End")
    assert text(page, "n0-grad") == "inf"
    page.click('[id="cr-n0"]')
    assert "1e308 + 1e308 overflows to inf" in page.locator('[data-part="why"]').inner_text()


def test_each_edge_carries_its_local_derivative_and_the_current_one_is_highlighted(open_page):
    page = open_page(karpathy()[0])
    # e = a * b: ∂e/∂a = b = -3.0, ∂e/∂b = a = 2.0; d = e + c: 1.0 each; L = d * f: f, d
    assert [text(page, f"e{E}_{k}-local") for k in (0, 1)] == ["-3.0", "2.0"]
    assert [text(page, f"e{D}_{k}-local") for k in (0, 1)] == ["1.0", "1.0"]
    assert [text(page, f"e{L}_{k}-local") for k in (0, 1)] == ["-2.0", "4.0"]
    page.locator('[data-part="slider"]').fill("9")  # ∂L/∂a += ∂e/∂a * ∂L/∂e, along a -> (*)
    assert "cr-active" in classes(page, f"e{E}_0")
    assert "cr-active" not in classes(page, f"e{E}_1")
    weight = page.locator(f'[id="cr-e{E}_0-local"]').evaluate(
        "e => getComputedStyle(e).fontWeight")
    assert weight == "700"  # the highlighted edge's number is bold


def test_the_help_leaves_inf_and_nan_out_when_every_number_is_finite(open_page):
    assert "inf or nan" not in open_page(karpathy()[0]).locator(".cr-help").inner_text()


# --- levels: the network learners train, on four two-moons points -----------------------------


def moons_loss():
    import nn

    X, y = nn.make_moons(4, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.hinge([model(list(row)) for row in X], [2 * int(t) - 1 for t in y])
    loss.label = "loss"
    return model, loss


def crumbs(page):
    return page.locator('[data-part="crumbs"]').inner_text()


def counter(page):
    return page.locator('[data-part="counter"]').inner_text()


def title(page):
    return page.locator('[data-part="title"]').inner_text()


def test_a_network_opens_at_its_top_level_and_each_step_opens_and_closes(open_page):
    page = open_page(moons_loss()[1])
    assert counter(page) == "STEP 0 OF 28 · START" and crumbs(page) == "top (29 steps)"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert title(page) == "layers.1 (call 1 of 4) computes 16 values"
    assert page.locator(".cr-current").count() == 1  # the layer call's box
    assert "This step is 16 steps" in page.locator('[data-part="opens"]').inner_text()
    page.keyboard.press("o")
    assert crumbs(page) == "top (29 steps) › layers.1 (call 1 of 4), forward (16 steps)"
    assert counter(page) == "STEP 0 OF 15 · FORWARD"
    assert title(page).startswith("neurons.0 computes t")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.click('[data-part="open"]')
    assert crumbs(page).endswith("› neurons.3, forward (18 steps)")
    assert page.locator('[data-part="open"]').is_disabled()  # one operation: nothing below
    page.keyboard.press("Backspace")
    assert counter(page) == "STEP 3 OF 15 · FORWARD"
    page.click(".cr-crumb")  # "top (29 steps)": back to the step that opened this level
    assert counter(page) == "STEP 2 OF 28 · FORWARD"
    assert page.locator('[data-part="up"]').is_disabled()


def test_each_level_shows_its_own_names_in_a_shared_picture(open_page):
    # The first and the second example's layers.2 are drawn once and named apart.
    page = open_page(moons_loss()[1])
    names = []
    for step in (3, 6):  # layers.2 of the first and of the second example, forward
        page.locator('[data-part="slider"]').fill(str(step))
        page.keyboard.press("o")
        names.append(page.locator('.cr-graph [id$="-name"]').all_text_contents())
        page.keyboard.press("u")
    assert len(names[0]) == len(names[1]) and names[0] != names[1]
    assert "L2.N0.w0" in names[0] and "L2.N0.w0" in names[1]


def test_the_numbers_at_every_level_are_the_engines(open_page):
    from autograd.stepper import walkthrough
    from autograd.stepper.symbols import fmt

    model, loss = moons_loss()
    walk = walkthrough(loss)
    page = open_page(walk)
    page.keyboard.press("End")
    output = walk.groups[walk.top[3].group].outputs[0]  # layers.2 of the first example
    state = walk.state(len(walk) - 1)
    grad_text = page.locator(".cr-graph .value.module").nth(2).locator('[id$="-grad"]')
    assert grad_text.text_content() == fmt(state.grads[output])
    page.locator('[data-part="slider"]').fill("27")  # layers.0 of the first example, backward
    page.keyboard.press("o")
    page.keyboard.press("End")
    page.keyboard.press("o")  # its last neuron
    page.keyboard.press("End")
    loss.backward()
    weight = model.layers[0].neurons[0].w[1]  # the neuron the level ends with
    assert title(page).startswith("∂loss/∂L0.N0.")
    boxes = page.locator(".cr-graph g.value.parameter")
    shown = {boxes.nth(k).locator('[id$="-name"]').text_content():
             boxes.nth(k).locator('[id$="-grad"]').text_content() for k in range(boxes.count())}
    assert shown["L0.N0.w1"] == fmt(weight.grad)


def test_every_heading_fits_a_1280_px_page(open_page):
    # The steps whose headings are the longest words: a layer call's, a parameter's gradient
    # inside a neuron, and the collapsed network's "∂loss/∂L0.N0.b += ..."
    import nn

    def fits(page):
        return page.evaluate("document.documentElement.scrollWidth") <= 1280

    page = open_page(moons_loss()[1])
    for _ in range(28):
        assert fits(page)
        page.keyboard.press("ArrowRight")
    page.keyboard.press("o")  # the first example's layers.0, backward
    page.keyboard.press("o")  # its neuron 15
    for _ in range(6):
        assert fits(page), title(page)
        page.keyboard.press("ArrowRight")
    model = nn.MLP(2, [16, 16, 1], seed=0)
    X, y = nn.make_moons(4, noise=0.1, seed=0)
    loss = nn.hinge([model(list(row)) for row in X], [2 * int(t) - 1 for t in y])
    page = open_page(loss, collapse="neurons", max_nodes=1000)
    page.keyboard.press("End")
    for _ in range(40):
        page.keyboard.press("ArrowLeft")
        assert fits(page), title(page)


def test_a_networks_page_is_small(tmp_path):
    require_program("dot")
    path = export_html(moons_loss()[1], tmp_path / "moons.html")
    assert path.stat().st_size < 1_500_000  # about 0.65 MB: the steps are gzipped


def test_following_a_parameter_steps_only_its_paths_and_ends_with_their_sum(open_page):
    from autograd.stepper import walkthrough

    model, loss = moons_loss()
    page = open_page(loss)
    page.fill('[data-part="follow"]', "L0.N3.w0")
    page.keyboard.press("Enter")
    expected = walkthrough(loss, focus="layers.0.neurons.3.w0")  # the model's own choice
    assert page.locator('[data-part="following"]').inner_text().startswith(
        f"Following L0.N3.w0: {len(expected) - 2} of the ")
    seen = []
    page.locator(".cr-graph").click()
    for _ in expected.top:
        seen.append((title(page), counter(page)))
        page.keyboard.press("ArrowRight")
    assert [t for t, _ in seen] == [step.title for step in expected.top]
    assert seen[-1][1] == f"STEP {len(expected.top) - 1} OF {len(expected.top) - 1} · DONE"
    assert page.locator('[data-part="lines"]').inner_text().splitlines() == list(
        expected[-1].lines)
    page.locator('[data-part="slider"]').fill("2")  # layers.1 of the first example: its paths
    page.keyboard.press("o")
    assert crumbs(page) == ("top (29 steps) › layers.1 (call 1 of 4), forward (16 steps)")
    assert len(expected.open(expected.top, 2)) == 16
    page.click(".cr-following button")  # follow none: every step again
    assert page.locator('[data-part="following"]').is_hidden()
    assert counter(page) == "STEP 0 OF 28 · START"


def test_a_parameters_box_offers_to_follow_it(open_page):
    page = open_page(moons_loss()[1])
    page.locator('[data-part="slider"]').fill("3")  # layers.2 of the first example
    page.keyboard.press("o")
    page.locator(".cr-graph g.value.parameter").first.click()
    offer = page.locator('[data-part="follow-this"]')
    assert offer.inner_text() == "follow L2.N0.b"
    offer.click()
    assert page.locator('[data-part="following"]').inner_text().startswith(
        "Following L2.N0.b: ")
    assert title(page) == "Follow L2.N0.b: the steps on its paths to loss"


def test_the_search_boxes_take_a_full_dotted_name_as_python_does(open_page):
    from autograd.stepper import walkthrough

    _, loss = moons_loss()
    walk = walkthrough(loss)
    page = open_page(loss)
    listed = page.locator('[data-part="follow"] + datalist option[value="L0.N3.w0"]')
    assert listed.get_attribute("label") == "layers.0.neurons.3.w0"  # shown beside the name
    page.fill('[data-part="jump"]', "layers.1.neurons.4.w7")
    page.keyboard.press("Enter")
    assert title(page) == walk[walk.find("L1.N4.w7")].title
    page.fill('[data-part="follow"]', "layers.0.neurons.3.w0")
    page.keyboard.press("Enter")
    assert page.locator('[data-part="following"]').inner_text().startswith(
        "Following L0.N3.w0: ")


def test_a_label_that_several_parameters_share_asks_for_one_of_their_names(open_page):
    page = open_page(moons_loss()[1])
    page.fill('[data-part="follow"]', "w0")
    page.keyboard.press("Enter")
    assert page.locator('[data-part="message"]').inner_text().startswith(
        '"w0" is the label of 33 nodes (')
    assert page.locator('[data-part="following"]').is_hidden()  # nothing followed


def test_a_page_made_to_follow_a_node_opens_following_it(open_page):
    page = open_page(karpathy()[0], focus="a")
    assert title(page) == "Follow a: the steps on its paths to L"
    assert counter(page) == "STEP 0 OF 8 · START"
    page.keyboard.press("End")
    assert title(page) == "Done: ∂L/∂a = 6.0, the sum over its 1 path"
    assert text(page, f"n{A}-grad") == "6.0" and text(page, f"n{B}-grad") == ""


def test_one_example_of_the_batch_on_the_page(open_page):
    from autograd.stepper import walkthrough

    _, loss = moons_loss()
    expected = walkthrough(loss, sample=1)
    page = open_page(loss)
    page.select_option('[data-part="sample"]', "1")
    assert page.locator('[data-part="following"]').inner_text().startswith(
        f"Sample 1: {len(expected) - 2} of the ")
    assert crumbs(page) == f"top ({len(expected.top)} steps)"
    titles = []
    for _ in expected.top:
        titles.append(title(page))
        page.keyboard.press("ArrowRight")
    assert titles == [step.title for step in expected.top]


def test_going_to_a_named_node_opens_the_levels_down_to_its_next_step(open_page):
    from autograd.stepper import walkthrough

    _, loss = moons_loss()
    walk = walkthrough(loss)
    page = open_page(loss)
    page.fill('[data-part="jump"]', "L1.N4.w7")
    page.keyboard.press("Enter")
    first = walk.find("L1.N4.w7")
    level, position = walk.locate(first)
    assert title(page) == walk[first].title
    assert crumbs(page).endswith(f"{level.name} ({len(level)} steps)")
    assert counter(page).startswith(f"STEP {position} OF ")
    page.keyboard.press("Enter")  # its next step: the next example's contribution
    assert title(page) == walk[walk.find("L1.N4.w7", after=first)].title
    page.fill('[data-part="jump"]', "no such node")
    page.keyboard.press("Enter")
    assert page.locator('[data-part="message"]').inner_text() == (
        '"no such node" is not a named node of this graph')


def test_each_level_writes_its_own_local_derivatives_in_a_shared_picture(open_page):
    # layers.0's neuron 1 reads a different example in its first and second call: one
    # picture, each level's numbers on its edges, as Python's snapshot has them
    from autograd.stepper import walkthrough
    from autograd.stepper.levels import level_items
    from autograd.stepper.picture import edge_texts

    loss = moons_loss()[1]
    walk = walkthrough(loss)
    page = open_page(loss)
    shown = []
    for step in (1, 4):  # layers.0, call 1 and call 2
        neuron = walk.open(walk.open(walk.top, step), 1)
        texts = edge_texts(walk, level_items(walk.graph, walk.groups, neuron.group))
        expected = {f"e{j}_{k}": text for j, row in enumerate(texts) for k, text in enumerate(row)}
        page.locator('[data-part="slider"]').fill(str(step))
        for key in ("o", "ArrowRight", "o"):
            page.keyboard.press(key)
        labels = dict(page.evaluate("""() => [...document.querySelector('.cr-player')
            .shadowRoot.querySelectorAll('.cr-graph [id$="-local"]')]
            .map((e) => [e.id.match(/(e\\d+_\\d+)-local$/)[1], e.textContent])"""))
        assert labels == expected
        shown.append(labels)
        page.keyboard.press("u")
        page.keyboard.press("u")
    assert shown[0] != shown[1]


def test_the_page_follows_the_systems_light_or_dark_theme(open_page):
    page = open_page(karpathy()[0])
    player = page.locator(".cr-player.cr-live")
    assert player.get_attribute("data-theme") == "light"
    title = player.locator('[data-part="title"]')
    assert title.evaluate("e => getComputedStyle(e).color") == "rgb(34, 34, 34)"  # #222
    page.emulate_media(color_scheme="dark")
    page.wait_for_function("document.querySelector('.cr-player').dataset.theme === 'dark'")
    assert title.evaluate("e => getComputedStyle(e).color") == "rgb(232, 232, 232)"  # #e8e8e8
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(22, 22, 22)"


# --- as written, or as the engine's primitives -------------------------------------------------

def quotient_less_x():
    """out = x / y - x: two composites, which the engine records as four primitives."""
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    out = x / y - x
    out.label = "out"
    return out


def titles(page, count):
    """The titles of the steps from here on, pressing → between them."""
    seen = [page.locator('[data-part="title"]').inner_text()]
    for _ in range(count - 1):
        page.keyboard.press("ArrowRight")
        seen.append(page.locator('[data-part="title"]').inner_text())
    return seen


def test_the_primitives_switch_steps_what_the_engine_recorded_and_back(open_page):
    out = quotient_less_x()
    written, engine = walkthrough(out), walkthrough(out, primitives=True)
    page = open_page(out)
    switch = page.locator('[data-part="primitives"]')
    assert not switch.is_checked()
    assert titles(page, len(written)) == [step.title for step in written]
    switch.check()
    page.locator('[data-part="counter"]').filter(has_text="OF 12").wait_for()
    assert counter(page) == "STEP 12 OF 12 · DONE"  # at the end, as it was
    page.keyboard.press("Home")
    assert titles(page, len(engine)) == [step.title for step in engine]
    assert page.locator(".cr-graph svg").count() == 1  # the primitives' picture, only
    names = page.locator('.cr-graph [id$="-name"]').all_text_contents()
    assert "t1'" in names and "out'" in names  # y ** -1 before x * it, -1 * x before the sum
    switch.uncheck()
    page.locator('[data-part="counter"]').filter(has_text="OF 8").wait_for()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")  # one listener for the keys, not one per form shown
    assert page.locator('[data-part="counter"]').inner_text().startswith("STEP 1 OF 8")
    assert page.locator('[data-part="title"]').inner_text() == written[1].title


def test_the_page_can_open_on_the_primitives_and_keeps_following_a_node(open_page):
    out = quotient_less_x()
    page = open_page(out, primitives=True, focus="x")
    engine = walkthrough(out, primitives=True, focus="x")
    assert page.locator('[data-part="primitives"]').is_checked()
    page.keyboard.press("End")
    assert page.locator('[data-part="title"]').inner_text() == engine[-1].title
    page.locator('[data-part="primitives"]').uncheck()
    page.locator('[data-part="following"]').filter(has_text="of the 7 steps").wait_for()
    page.keyboard.press("End")
    assert (page.locator('[data-part="title"]').inner_text()
            == walkthrough(out, focus="x")[-1].title)


def test_a_graph_of_primitives_only_has_no_switch(open_page):
    page = open_page(karpathy()[0])
    assert page.locator('[data-part="primitives"]').count() == 0
    assert "as written" not in page.locator("header p").inner_text()


def test_switching_forms_keeps_practice_its_score_and_the_speed(open_page):
    page = open_page(quotient_less_x(), practice=True)
    page.select_option('[data-part="speed"]', "200")
    page.locator('[data-part="counter"]').click()
    for _ in range(8):  # through the forward pass to the first question
        if page.locator('[data-part="question"]').is_visible():
            break
        page.keyboard.press("ArrowRight")
    page.locator('[data-part="reveal"]').click()  # "show me": one question asked
    page.locator('[data-part="primitives"]').check()
    page.locator('[data-part="counter"]').filter(has_text="OF 12").wait_for()
    assert page.locator('[data-part="practice"]').is_checked()
    assert page.locator('[data-part="speed"]').input_value() == "200"
    assert (page.locator('[data-part="score"]').inner_text()
            == "score: 0 of 1 right first try, 1 shown")


def test_switching_forms_keeps_the_phase_a_learner_was_in(open_page):
    page = open_page(quotient_less_x())
    page.locator('[data-part="counter"]').click()
    page.keyboard.press("b")  # the backward pass, as written: its step 4 of 8
    page.locator('[data-part="primitives"]').check()
    page.locator('[data-part="counter"]').filter(has_text="OF 12").wait_for()
    assert counter(page) == "STEP 5 OF 12 · BACKWARD"  # its seed, after 4 primitives forward
    page.keyboard.press("End")
    page.locator('[data-part="primitives"]').uncheck()
    page.locator('[data-part="counter"]').filter(has_text="OF 8").wait_for()
    assert counter(page) == "STEP 8 OF 8 · DONE"


def test_space_ticks_a_focused_box_and_presses_a_focused_button_instead_of_stepping(open_page):
    page = open_page(quotient_less_x())
    switch = page.locator('[data-part="primitives"]')
    switch.focus()
    page.keyboard.press(" ")
    page.locator('[data-part="counter"]').filter(has_text="OF 12").wait_for()
    assert switch.is_checked() and counter(page) == "STEP 0 OF 12 · START"
    page.locator('[data-part="last"]').focus()
    page.keyboard.press(" ")
    assert counter(page) == "STEP 12 OF 12 · DONE"


def test_a_sqrt_is_a_composite_with_a_switch_though_it_is_one_node_either_way(open_page):
    x = Value(4.0, label="x")
    page = open_page(x.sqrt())
    page.locator('[data-part="primitives"]').check()
    page.keyboard.press("ArrowRight")
    assert title(page).endswith("= x ** 0.5")


def test_a_page_follows_an_intermediate_node_and_keeps_a_primitive_only_one(open_page):
    out = quotient_less_x()
    page = open_page(out, focus="t1")
    assert page.locator('[data-part="following"]').inner_text().startswith("Following t1: ")
    page.keyboard.press("End")
    assert title(page) == walkthrough(out, focus="t1")[-1].title
    page = open_page(out, primitives=True, focus="t1'")  # no such node as written
    assert page.locator('[data-part="following"]').inner_text().startswith("Following t1': ")
    page.locator('[data-part="primitives"]').uncheck()  # then every step, as written
    page.locator('[data-part="counter"]').filter(has_text="OF 8").wait_for()
    assert page.locator('[data-part="following"]').is_hidden()


def test_after_following_a_name_the_arrows_step_again(open_page):
    page = open_page(karpathy()[0])
    page.fill('[data-part="follow"]', "a")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    assert counter(page).startswith("STEP 1 OF ")

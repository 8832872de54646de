"""The playground page as a learner uses it, in headless Chromium with the network blocked:
the controls and their keys, the views, the weights it saves, a narrow screen, a notebook."""

import json
import math
import re

import pytest
from playground_pages import open_playground_fixture  # noqa: F401 (the fixture open_playground)

import nn
from nn.playground_page import neuron_walkthrough

TRAINER = "document.querySelector('.crpg').playground.trainer"


def moons(n=40):
    return nn.make_moons(n, noise=0.1, seed=0)


@pytest.fixture
def page(open_playground):
    """A small playground: MLP(2, [4, 4, 1]) on 30 training and 10 test points."""
    X, y = moons()
    return open_playground(nn.MLP(2, [4, 4, 1], activation="tanh", seed=0), X[:30], y[:30],
                           X_test=X[30:], y_test=y[30:], optimizer="sgd", lr=0.1)


def steps(page) -> int:
    return page.evaluate(f"{TRAINER}.step")


def params(page) -> list[float]:
    return page.evaluate(f"Array.from({TRAINER}.params)")


def test_the_page_loads_offline_and_shows_the_starting_numbers(page):
    # the fixture fails the test on any network request or console error
    status = page.text_content("[data-role=status]")
    assert status.startswith("step 0 · train loss ")
    assert "test accuracy" in status


def test_step_button_trains_once_and_moves_the_weights(page):
    before = params(page)
    page.click("[data-role=step]")
    assert steps(page) == 1 and params(page) != before
    assert page.text_content("[data-role=status]").startswith("step 1 ")


def test_play_trains_until_pause(page):
    page.click("[data-role=play]")
    page.wait_for_function(f"{TRAINER}.step >= 5")
    page.click("[data-role=play]")
    paused = steps(page)
    page.wait_for_timeout(300)
    assert steps(page) == paused  # paused: no more steps
    assert "Play" in page.text_content("[data-role=play]")


def test_reset_returns_to_the_starting_weights(page):
    start = params(page)
    page.click("[data-role=step]")
    page.click("[data-role=step]")
    page.click("[data-role=reset]")
    assert steps(page) == 0 and params(page) == start


def test_the_learning_rate_box_sets_the_step_size_live(page):
    page.fill("[data-role=lr]", "0.5")
    page.press("[data-role=lr]", "Enter")
    assert page.evaluate(f"{TRAINER}.lr") == 0.5
    # the next SGD step moves each weight by lr * grad: from the weight drill-down's numbers
    page.evaluate(f"{TRAINER}.gradient({TRAINER}.batch())")
    grads, before = page.evaluate(f"Array.from({TRAINER}.grads)"), params(page)
    page.click("[data-role=step]")
    assert params(page) == [p - 0.5 * g for p, g in zip(before, grads)]


def test_a_bad_learning_rate_is_put_back(page):
    page.fill("[data-role=lr]", "-3")
    page.press("[data-role=lr]", "Enter")
    assert page.evaluate(f"{TRAINER}.lr") == 0.1
    assert page.input_value("[data-role=lr]") == "0.1"


def test_keys_drive_every_control(page):
    page.focus(".crpg")
    page.keyboard.press("s")
    assert steps(page) == 1
    page.keyboard.press("]")
    assert page.evaluate(f"{TRAINER}.lr") == 0.2
    page.keyboard.press("[")
    page.keyboard.press("[")
    assert page.evaluate(f"{TRAINER}.lr") == 0.05
    page.keyboard.press("o")
    assert page.evaluate(f"{TRAINER}.optimizer") == "adam"
    page.keyboard.press("b")
    assert page.evaluate(f"{TRAINER}.batchSize") == 1
    page.keyboard.press("+")
    assert page.input_value("[data-role=speed]") == "2"
    page.keyboard.press("Space")
    page.wait_for_function(f"{TRAINER}.step >= 4")
    page.keyboard.press("Space")
    page.keyboard.press("r")
    assert steps(page) == 0


def test_a_page_of_its_own_takes_the_keys_as_soon_as_it_opens(page):
    page.keyboard.press("s")  # no click first: a learner opens the file and presses a key
    assert steps(page) == 1


def test_the_optimizer_and_batch_menus_change_the_training(page):
    page.select_option("[data-role=optimizer]", "adam")
    page.select_option("[data-role=batch]", "10")
    page.click("[data-role=step]")
    assert page.evaluate(f"[{TRAINER}.optimizer, {TRAINER}.batchSize, {TRAINER}.state.t]") == [
        "adam", 10, 1]


def test_the_network_draws_an_edge_per_weight(page):
    # MLP(2, [4, 4, 1]): 2*4 + 4*4 + 4*1 = 28 weights
    names = page.evaluate("document.querySelector('.crpg').playground.edges.map((e) => e.name)")
    assert len(names) == 28 and names[0] == "layers.0.neurons.0.w.0"


def test_edges_thicken_with_their_gradient_and_take_the_colour_of_their_sign(page):
    page.click("[data-role=step]")
    edges = page.evaluate("document.querySelector('.crpg').playground.edges.map("
                          "(e) => [e.k, e.width, e.color])")
    grads = page.evaluate(f"Array.from({TRAINER}.grads)")
    weights = params(page)
    widest = max(edges, key=lambda e: e[1])
    assert abs(grads[widest[0]]) == max(abs(grads[k]) for k, _, _ in edges)
    for k, _, color in edges:  # blue (47, 111, 181) for positive, orange (232, 119, 46)
        red, _, blue = map(int, color[4:-1].split(","))
        assert (blue > red) == (weights[k] >= 0)


def click_on(page, target):
    """Click where the network draws a weight (its parameter index) or a neuron ((layer, j))."""
    point = page.evaluate("(t) => document.querySelector('.crpg').playground.pointOf(t)", target)
    page.mouse.click(point["x"], point["y"])


def test_downloaded_weights_load_in_python_and_predict_the_same(page, tmp_path):
    for _ in range(3):
        page.click("[data-role=step]")
    with page.expect_download() as download:
        page.click("[data-role=download]")
    path = tmp_path / "weights.json"
    download.value.save_as(path)
    model = nn.MLP(2, [4, 4, 1], activation="tanh", seed=5)  # other starting weights
    model.load(path)
    assert [p.data for p in model.parameters()] == params(page)
    X, _ = moons()
    in_page = page.evaluate(f"(X) => X.map((x) => {TRAINER}.predict(x))", X.tolist())
    # the same numbers, up to the last bit of tanh (JavaScript's and C's may round apart)
    assert [model(x).data for x in X.tolist()] == pytest.approx(in_page, rel=1e-12)
    assert json.loads(path.read_text())["model"] == model.signature()


def test_clicking_a_weight_opens_its_gradient_as_a_sum_over_the_examples(page):
    page.select_option("[data-role=batch]", "10")
    click_on(page, 0)
    detail = page.text_content("[data-role=detail]")
    assert "Weight layers.0.neurons.0.w.0" in detail
    assert "The next step's batch: 10 examples" in detail
    # the shares listed (largest first) and those that are 0 make up the 10 examples, and
    # they add up to the gradient the next step uses
    items = page.locator(".crpg-shares li").all_text_contents()
    found = re.search(r"(\d+) examples? gives? exactly 0", detail)
    zeros = int(found.group(1)) if found else 0
    assert len(items) + zeros == 10
    shares = [float(item.split(": ")[-1]) for item in items]
    assert [abs(v) for v in shares] == sorted((abs(v) for v in shares), reverse=True)
    page.evaluate(f"{TRAINER}.gradient({TRAINER}.batch())")
    grad = page.evaluate(f"{TRAINER}.grads[0]")
    assert sum(shares) == pytest.approx(grad, rel=1e-4, abs=1e-9)
    assert "SGD update: layers.0.neurons.0.w.0 ← " in detail


def test_the_weight_drill_down_shows_adams_update_with_its_numbers(page):
    page.select_option("[data-role=optimizer]", "adam")
    click_on(page, 0)
    detail = page.text_content("[data-role=detail]")
    assert "Adam, step t = 1: m ← 0.9 × 0 + 0.1 × " in detail
    # the update the panel predicts is the one the step makes
    predicted = float(detail.split(" = ")[-1])
    page.click("[data-role=step]")
    assert params(page)[0] == pytest.approx(predicted, rel=1e-5)


def test_the_page_fits_a_375_pixel_wide_screen(open_playground):
    X, y = moons()
    page = open_playground(nn.MLP(2, [16, 16, 1], seed=0), X, y, width=375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("[data-role=step]")  # the buttons are on screen and work
    assert steps(page) == 1


def test_a_regression_page_draws_a_curve_and_no_accuracy(open_playground):
    X, y = nn.make_sine(30, seed=0)
    page = open_playground(nn.MLP(1, [8, 1], activation="tanh", seed=0), X, y)
    assert page.text_content("[data-role=plane-title]") == "Regression curve"
    assert "accuracy" not in page.text_content("[data-role=status]")
    page.click("[data-role=step]")
    assert steps(page) == 1


def test_untrusted_notebooks_show_the_picture_and_trusted_ones_the_live_page(browser, tmp_path):
    # Jupyter strips scripts from an untrusted notebook's HTML: a page without JavaScript
    # stands for it; a trusted notebook runs the script, which replaces the picture
    X, y = moons()
    html = nn.playground(nn.MLP(2, [3, 1], seed=0), X, y)._repr_html_()
    path = tmp_path / "cell.html"
    path.write_text(f"<!DOCTYPE html><html><body>{html}</body></html>")
    for scripts in (False, True):
        context = browser.new_context(java_script_enabled=scripts)
        shown = context.new_page()
        shown.goto(path.as_uri())
        pictures = shown.locator(".crpg-static img").count()
        live = shown.locator(".crpg-live").count()
        line = shown.locator(".crpg-static p").all_text_contents()
        context.close()
        if scripts:
            assert (pictures, live) == (0, 1)
        else:
            assert (pictures, live) == (1, 0)
            assert "trust the notebook" in line[0]


def test_two_playgrounds_on_one_page_work_apart(browser, tmp_path):
    X, y = moons()
    cells = [nn.playground(nn.MLP(2, [3, 1], seed=s), X, y)._repr_html_() for s in (0, 1)]
    path = tmp_path / "two.html"
    path.write_text("<!DOCTYPE html><html><body>" + "".join(cells) + "</body></html>")
    context = browser.new_context()
    shown = context.new_page()
    errors = []
    shown.on("pageerror", lambda error: errors.append(str(error)))
    shown.goto(path.as_uri())
    shown.locator("[data-role=step]").nth(1).click()
    counts = shown.evaluate("[...document.querySelectorAll('.crpg')].map("
                            "(r) => r.playground.trainer.step)")
    context.close()
    assert counts == [0, 1] and errors == []


# --- a neuron, opened: the stepper's narration, computed in the page ----------------------------

NEURON_STEPS = ("(args) => { const [layer, j, sample] = args;"
                " const t = document.querySelector('.crpg').playground.trainer;"
                " const g = t.spec.neuronGraphs.find((g) => g.layer === layer && g.j === j);"
                " return chainrulePlayground.neuronSteps(g, t, sample).map("
                "   (s) => [s.kind, s.title, s.lines]); }")


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "leaky_relu", "softplus",
                                        "tanh, fused"])
def test_a_neurons_steps_read_as_the_python_steppers(open_playground, activation):
    # "fused": each neuron's weighted sum is one node, b + w0 * x0 + ..., written out as such
    X, y = moons()
    model = nn.MLP(2, [3, 14, 1], activation=activation.split(",")[0], seed=2,
                   fused=activation.endswith("fused"))
    page = open_playground(model, X, y, optimizer="adam", lr=0.05)
    for _ in range(7):
        page.click("[data-role=step]")
    names = page.evaluate(f"{TRAINER}.spec.params.names")
    model.load_state_dict(dict(zip(names, params(page))))  # the page's weights, in Python
    # every layer: inputs, 14 inputs (more than the 12 leaves listed), the linear output
    for layer, j, sample in [(0, 1, 0), (1, 13, 5), (2, 0, 17)]:
        in_page = page.evaluate(NEURON_STEPS, [layer, j, sample])
        python = [[s.kind, s.title, list(s.lines)]
                  for s in neuron_walkthrough(model, layer, j, X[sample].tolist())]
        assert in_page == python


def test_clicking_a_neuron_opens_its_steps_and_the_buttons_walk_them(page):
    click_on(page, [0, 1])
    detail = page.locator("[data-role=detail]")
    assert "Neuron layers.0.neurons.1" in detail.text_content()
    assert page.text_content("[data-role=narration]").startswith("Start: 2 inputs and 3 param")
    page.click("[data-role=next]")
    assert page.text_content("[data-role=narration]").startswith("t1 = L0.N1.w0 * x0")
    page.click("[data-role=backward]")
    assert page.text_content("[data-role=narration]").startswith("∂out/∂out = 1")
    page.fill("[data-role=sample]", "4")
    page.press("[data-role=sample]", "Enter")
    x = moons()[0][4]
    assert f"({x[0]:.6g}, {x[1]:.6g})" in detail.text_content()


def test_the_benchmark_times_steps_in_the_page(open_playground):
    # benchmarks/playground.py's measurement, on a small page: numbers, no assertion of speed
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from playground import TIME_STEPS

    X, y = moons()
    page = open_playground(nn.MLP(2, [4, 1], seed=0), X, y)
    times, wall = page.evaluate(TIME_STEPS, [1, 3, True])
    assert len(times) == 3 and all(t >= 0 for t in times) and wall >= sum(times)
    assert steps(page) == 4


def test_opening_a_neuron_pauses_and_closing_it_lets_training_go_on(page):
    page.click("[data-role=play]")
    page.wait_for_function(f"{TRAINER}.step >= 2")
    click_on(page, [1, 0])
    opened = steps(page)
    page.wait_for_timeout(200)
    assert steps(page) == opened  # paused while the learner reads
    assert "Neuron layers.1.neurons.0" in page.text_content("[data-role=detail]")
    page.click(".crpg-close")
    assert page.locator("[data-role=detail]").is_hidden()
    page.click("[data-role=play]")
    page.wait_for_function(f"{TRAINER}.step > {opened}")  # on from where it was


def test_a_neurons_bias_opens_from_the_neuron(page):
    click_on(page, [0, 2])
    page.click('[data-param="layers.0.neurons.2.b"]')
    detail = page.text_content("[data-role=detail]")
    assert "Weight layers.0.neurons.2.b" in detail
    assert "SGD update: layers.0.neurons.2.b ← " in detail


def test_numbers_are_written_as_pythons_format_number_writes_them(page):
    from autograd.naming import format_number

    # exact ties (1.0625 is halfway between 1.062 and 1.063: Python takes the even digit),
    # their neighbours a bit either side, carries (9.9995), signs, exponents, zeros
    ties = [1.0625, 1.0635, -1.0625, 0.03125, 1234.5, 1235.5, 9.9995, 0.00015625, 2.5e-5]
    near = [math.nextafter(x, math.inf) for x in ties] + [math.nextafter(x, 0) for x in ties]
    table = ties + near + [0.0, -0.0, 1.0, -3.0, 0.7071, 1e5, 123456.0, 1e-4, 3e-7, -2.5e-300,
                           1.7976931348623157e308, 5e-324, math.pi, -math.e]
    written = page.evaluate("(xs) => xs.map((x) => window.chainrulePlayground.formatNumber(x))",
                            table)
    assert written == [format_number(x) for x in table]

"""Drawings at scale: a drawing over its budget (MAX_NODES nodes, MAX_PIXELS on a side) is
collapsed to fit with a caption and a warning, or refused with what to draw instead; and the
edges between module boxes are bundled into one edge that carries their count."""

import re
import warnings
import xml.etree.ElementTree as ET

import pytest

import nn
from autograd import GraphTooLargeError, Value, draw, name_scope, to_dot
from autograd.dot import MAX_PIXELS, _collapse, _png_size, _select
from tests.conftest import require_program

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def moons():
    """MLP(2, [16, 16, 1]) and its max-margin loss over 4 two-moons points, backpropagated:
    about 1,800 values and 1,500 operations, which dot would lay out 4,500 x 146,000 pixels."""
    X, y = nn.make_moons(4, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.hinge([model(list(row)) for row in X], [2 * int(t) - 1 for t in y])
    loss.label = "loss"
    loss.backward()
    return model, loss


def svg_size(svg: str) -> tuple[float, float]:
    """The width and height of a rendered drawing, in pixels of its PNG (2 per point)."""
    root = ET.fromstring(svg)
    return tuple(2 * float(root.get(side).removesuffix("pt")) for side in ("width", "height"))


def caption(text: str) -> str:
    """The caption of a drawing collapsed to fit, its lines joined ("" if none)."""
    return " ".join(re.findall(r'<font color="#b35806"><b>([^<]*)</b></font>', text))


def test_an_mlps_loss_drawn_whole_is_collapsed_to_neurons_with_a_caption(moons):
    require_program("dot")
    _, loss = moons
    with pytest.warns(UserWarning, match="Collapsed to fit") as warned:
        drawing = draw(loss)
    assert warned[0].filename == __file__  # the warning points at the call, not the library
    assert "as with collapse='neurons'" in caption(drawing.source)
    assert max(svg_size(drawing.svg())) <= MAX_PIXELS


def test_focus_without_collapse_is_collapsed_to_fit_around_the_focus(moons):
    require_program("dot")
    model, loss = moons
    with pytest.warns(UserWarning, match="Collapsed to fit"):
        drawing = draw(loss, focus="layers.0.neurons.3.w.0", parameters=model)
    assert 'class="value parameter grad-pos focus"' in drawing.source  # drawn, not boxed
    assert max(svg_size(drawing.svg())) <= MAX_PIXELS


def test_an_mlps_loss_with_collapse_none_is_refused_with_what_to_do(moons):
    _, loss = moons
    with pytest.raises(GraphTooLargeError) as error:
        to_dot(loss, collapse=None)
    message = str(error.value)
    for option in ("over max_nodes=1,500", "too big to read", "collapse='neurons'", "focus=",
                   "max_nodes"):
        assert option in message


def test_no_node_limit_still_refuses_a_drawing_too_big_to_read(moons):
    _, loss = moons
    with pytest.raises(GraphTooLargeError, match="too big to read") as error:
        to_dot(loss, collapse=None, max_nodes=None)
    assert "max_nodes" not in str(error.value)  # raising it would not help


def test_a_batch_too_big_even_by_layers_is_refused_saying_what_is_left():
    # over 60 points, the hinge loss's 60 chains outside every module stand side by side,
    # a value box and a gap each, some 60 * 105 points = 12,600 pixels tall, even with each
    # layer as one box
    X, y = nn.make_moons(60, noise=0.1, seed=0)
    model = nn.MLP(2, [2, 1], seed=0)
    loss = nn.hinge([model(list(row)) for row in X], [2 * int(t) - 1 for t in y])
    with pytest.raises(GraphTooLargeError) as error:
        to_dot(loss)
    message = str(error.value)
    assert message.startswith("even with each module as one box (collapse=1), this drawing "
                              "would be about ")
    assert "a loss over fewer examples" in message and "focus=" in message


def test_a_drawing_within_budget_is_neither_collapsed_nor_warned_about():
    x = Value(2.0, label="x")
    with name_scope("layers.0"):
        y = (x * 3).tanh()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = to_dot(y)
    assert "g0" not in text and caption(text) == ""


def box_id(text: str, name: str) -> str:
    """The DOT name (g0, g1, ...) of the module box drawn with this name."""
    return re.search(rf'\t(g\d+) \[id="g\d+" class="[^"]*" label=<<table[^>]*><tr><td[^>]*>'
                     rf'<b>{name}</b>', text)[1]


def test_edges_between_two_layer_boxes_are_one_edge_with_their_count(moons):
    _, loss = moons
    text = to_dot(loss, collapse="layers")
    l0, l1, l2 = (box_id(text, name) for name in ("L0", "L1", "L2"))
    # layers.1: 16 neurons, each reading the 16 outputs of layers.0, for each of the 4
    # points: 16 * 16 * 4 = 1,024 edges. layers.2: 1 neuron reading 16, 4 times: 64.
    between = re.findall(rf"\t{l0} -> {l1} \[.*", text)
    assert len(between) == 1 and 'label="×1,024"' in between[0]
    assert re.search(rf'\t{l1} -> {l2} \[[^\n]*label="×64"', text)
    assert "1,024 edges from L0 into L1, carrying 64 values" in text  # the tooltip


def test_a_single_edge_into_a_box_carries_no_count():
    x = Value(1.0, label="x")
    with name_scope("a"):
        y = x * 2
    assert "×" not in to_dot(y, collapse=1).split("\tlabel=")[0]


def test_many_bundles_give_their_counts_in_tooltips_and_the_legend(moons):
    _, loss = moons
    text = to_dot(loss, collapse="neurons")
    # 16 * 16 bundles between the two hidden layers alone: labels would crowd dot's layout
    assert 'label="×' not in text
    assert 'tooltip="4 edges from L0.N0 into L1.N0, carrying 4 values"' in text
    # each bundle: one value of a neuron for each of the 4 points
    assert "thick grey edges into or out of modules stand for ×4 edges each<" in text


def test_bundled_layers_render_small(moons):
    require_program("dot")
    _, loss = moons
    drawing = draw(loss, collapse="layers")
    svg = drawing.svg()
    edges = [g for g in ET.fromstring(svg).iter(f"{SVG}g")
             if g.get("class", "").startswith("edge")]
    l0, l1 = box_id(drawing.source, "L0"), box_id(drawing.source, "L1")
    between_boxes = [g for g in edges
                     if "".join(g.find(f"{SVG}title").itertext()) == f"{l0}->{l1}"]
    assert len(between_boxes) == 1
    assert "×1,024" in "".join(between_boxes[0].itertext())
    assert len(edges) < 60 and len(svg) < 100_000  # drawn whole: 5,422 edges and 4.8 MB


@pytest.mark.parametrize("options", [
    {"collapse": "neurons"},
    {"collapse": "layers"},
    {"collapse": "layers", "direction": "TB"},
    {"collapse": "neurons", "local_grads": True},  # labels: a rank between every two
    {"collapse": None},
    {"collapse": None, "local_grads": True},
])
def test_the_size_estimate_is_within_half_of_dots_layout(moons, options):
    require_program("dot")
    _, loss = moons
    root = loss if options["collapse"] else nn.MLP(2, [4, 4, 1], seed=0)([0.5, -1.0])
    real = svg_size(draw(root, **options).svg())
    view = _select(root, None, None, True, False)
    if options["collapse"]:
        _collapse(view, options["collapse"])
    estimate = _png_size(view, options.get("direction", "LR"), options.get("local_grads", False))
    for guess, size in zip(estimate, real):
        assert size / 2 <= guess <= size * 2, (estimate, real)

"""One naming scheme: a node has the same name, and a number the same text, on every surface.

autograd.naming writes numbers, derivatives and node names; the renderer, the stepper (its
tape, terminal and page) and the command line all call it. These tests pin the scheme and
check that the surfaces agree node by node.
"""

import io
import math
import re

import pytest

import nn
from autograd import Value, name_scope, to_dot
from autograd.graph import topological_order
from autograd.naming import (
    constant_text,
    derivative,
    derivative_stream,
    for_stream,
    format_number,
    node_names,
    plain_derivatives,
)
from autograd.stepper import walkthrough
from autograd.stepper.picture import walkthrough_dot
from tests.conftest import karpathy

# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, text",
    [
        (0.7071067811865476, "0.7071"),
        (-3.0, "-3.0"),  # a whole number as Python writes a float
        (2, "2.0"),
        (3e-7, "3e-7"),  # never 0.0000
        (-2.5e-12, "-2.5e-12"),
        (1234567.0, "1.235e6"),
        (6.8813735870195432, "6.881"),
        (0.0001234, "0.0001234"),
        (0.0, "0.0"),
        (-0.0, "0.0"),  # relu's gradient times a negative upstream: equal to 0.0, written so
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
    ],
)
def test_format_number_keeps_four_significant_digits_as_python_writes_floats(x, text):
    assert format_number(x) == text


def test_format_number_with_more_digits_hides_float_noise():
    assert format_number(-1.4999999999999993, 6) == "-1.5"


@pytest.mark.parametrize("digits", [0, 18, 2.5, True])
def test_format_number_refuses_bad_digits(digits):
    with pytest.raises(ValueError, match="digits must be an int from 1 to 17, got"):
        format_number(1.0, digits)


@pytest.mark.parametrize("x, text", [(2.0, "2"), (-1.0, "-1"), (0.5, "0.5"), (1e7, "1e7")])
def test_a_constant_in_a_formula_drops_a_whole_numbers_point(x, text):
    assert constant_text(x) == text  # a ** 2, b * -1


def test_the_renderer_and_the_stepper_write_a_value_the_same_way():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.backward()
    walk = walkthrough(c)
    assert ">-3.0<" in to_dot(c) and ">-6.0<" in to_dot(c)  # b and c's data
    assert walk[1].lines[0] == "out = a * b = 2.0 * (-3.0) = -6.0"


# --- derivatives -----------------------------------------------------------------------------


def test_a_derivative_is_written_with_partial_signs_that_no_name_contains():
    # a node named d: "dL/dd" would read as a node "dd"; ∂L/∂d cannot
    assert derivative("L", "d") == "∂L/∂d"
    assert derivative("L", "dd") == "∂L/∂dd"
    assert derivative("L1.N3.w0", "t4") == "∂L1.N3.w0/∂t4"


def test_a_name_that_is_not_one_word_is_put_in_parentheses():
    assert derivative("x y", "x") == "∂(x y)/∂x"
    assert derivative("out", "∂x") == "∂out/∂(∂x)"


def test_plain_derivatives_put_every_name_in_parentheses():
    assert (plain_derivatives("∂L/∂d += ∂e/∂d * ∂L/∂e = 2.0")
            == "d(L)/d(d) += d(e)/d(d) * d(L)/d(e) = 2.0")
    assert plain_derivatives("∂(x y)/∂x") == "d(x y)/d(x)"
    assert plain_derivatives("∂L1.N3.w0/∂t4#2") == "d(L1.N3.w0)/d(t4#2)"


def test_a_stream_that_cannot_print_the_partial_sign_gets_plain_derivatives():
    ascii_stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    utf8_stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert for_stream("∂L/∂d", ascii_stream) == "d(L)/d(d)"
    assert for_stream("∂L/∂d", utf8_stream) == "∂L/∂d"
    assert derivative_stream(utf8_stream) is utf8_stream
    wrapped = derivative_stream(ascii_stream)
    wrapped.write("∂L/∂a = 6.0\n")  # would raise UnicodeEncodeError on the stream itself
    wrapped.flush()
    assert ascii_stream.buffer.getvalue() == b"d(L)/d(a) = 6.0\n"


def test_the_walkthrough_demo_derivatives_read_unambiguously():
    L, _ = karpathy()  # demos/walkthrough.py's graph, with a node named d
    tape = walkthrough(L).tape()
    assert "∂L/∂d += f * ∂L/∂L" in tape and "∂L/∂e += ∂d/∂e * ∂L/∂d" in tape
    assert "dL/dd" not in tape and "dd/de" not in tape


# --- node names ------------------------------------------------------------------------------


def mlp_loss(fused=False):
    model = nn.MLP(2, [4, 4, 1], activation="tanh", seed=0, fused=fused)
    loss = nn.mse(model([Value(0.5, label="x0"), Value(-1.0, label="x1")]), 1.0)
    loss.label = "loss"
    loss.backward()
    return model, loss


def test_a_parameter_is_named_by_its_module_path_shortened_and_its_own_name():
    model, loss = mlp_loss()
    order = topological_order(loss)
    names = node_names(order)
    w = model.layers[1].neurons[3].w[0]
    i = order.index(w)
    assert (names.short[i], names.full[i]) == ("L1.N3.w0", "layers.1.neurons.3.w0")
    assert names.legend() == "L = layers, N = neurons"
    assert names.module("layers.1.neurons.3") == "L1.N3"


def test_a_models_parameter_names_give_the_same_short_names():
    # with parameters=model, the dotted name "layers.1.neurons.3.w.0" is the full name
    model, loss = mlp_loss()
    order = topological_order(loss)
    by_id = {id(p): name for name, p in model.named_parameters()}
    plain, named = node_names(order), node_names(order, by_id)
    assert plain.short == named.short
    i = order.index(model.layers[1].neurons[3].w[0])
    assert named.full[i] == "layers.1.neurons.3.w.0"


def test_every_parameter_box_of_a_drawn_model_has_its_own_title():
    model, loss = mlp_loss()
    text = to_dot(loss, parameters=model)
    titles = re.findall(r'class="value parameter[^"]*" label=<<table[^>]*><tr><td[^>]*><b>([^<]*)<',
                        text)
    assert len(titles) == model.num_parameters() == len(set(titles))
    assert "L1.N3.w0" in titles and "L2.N0.b" in titles
    assert "parameter layers.1.neurons.3.w.0" in text  # the full name, on hover
    assert "names: " in text and "(L = layers, N = neurons)" in text  # and in the legend


def test_step_names_that_share_a_first_letter_keep_more_letters():
    with name_scope("layers.0"):
        a = Value(1.0, label="w")
    with name_scope("linear.0"):
        b = Value(2.0, label="w")
    names = node_names(topological_order(a * b))
    assert names.short[:2] == ("La0.w", "Li0.w")
    assert names.legend() == "La = layers, Li = linear"


def test_a_step_without_a_number_is_kept_whole():
    with name_scope("encoder"):
        w = Value(1.0, label="w")
    assert node_names(topological_order(w * 2.0)).short[0] == "encoder.w"


def test_results_are_numbered_in_the_order_they_were_computed():
    x = Value(2.0, label="x")
    y = Value(3.0)
    out = (x * y + 1.0).tanh()  # x, y, x * y, the constant 1, the sum, tanh
    assert node_names(topological_order(out)).short == ("x", "v1", "t1", "1", "t2", "out")


def test_an_unlabelled_parameter_is_numbered_after_its_module():
    with name_scope("layers.0"):
        w = Value(1.0)
    w.scope = "layers.0"
    assert node_names(topological_order(w * 2.0)).short[0] == "L0.v1"


def test_a_label_used_twice_in_one_place_is_numbered():
    a, b = Value(1.0, label="x"), Value(2.0, label="x")
    assert node_names(topological_order(a + b)).short == ("x", "x#2", "out")


# --- the same name and number on every surface --------------------------------------------------


def drawn_boxes(text):
    """{position in topological order: (title, data text)} of the value boxes of DOT text."""
    boxes = re.findall(r'\tn(\d+) \[id="n\d+" class="value[^"]*" label=<<table[^>]*><tr><td[^>]*>'
                       r'<b>([^<]*)</b></td></tr><tr><td[^>]*>data</td><td[^>]*>([^<]*)<', text)
    return {int(i): (title, data) for i, title, data in boxes}


@pytest.mark.parametrize("fused", [False, True])
def test_a_node_has_the_same_name_and_number_in_draw_step_tape_and_page(fused):
    _, loss = mlp_loss(fused)
    walk = walkthrough(loss)
    drawn = drawn_boxes(to_dot(loss, max_nodes=None))
    page = walkthrough_dot(walk)  # the picture of the page and of the notebook player
    tape = walk.tape()
    position = {id(value): i for i, value in enumerate(topological_order(loss))}
    nodes = [n for n in walk.graph.nodes if n.kind != "constant"]
    assert len(drawn) == len(nodes)
    for node in nodes:  # the drawing's n{i} is the Value at position i of the order
        assert drawn[position[id(walk.graph.values[node.id])]] == (
            node.name, format_number(node.data))
        assert f"<b>{node.name}</b>" in page
        if node.kind == "op":  # its forward statement on the tape: "t3 = ... = 0.4621"
            assert re.search(rf"^ +\d+  {re.escape(node.name)} = .* = "
                             rf"{re.escape(format_number(node.data))}$", tape, re.MULTILINE)

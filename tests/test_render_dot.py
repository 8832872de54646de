"""The DOT text of a drawing, which needs no Graphviz: golden files, ids, numbers, escaping,
collapse, focus, hidden constants and the node budget.

Golden files live in tests/golden/; after a deliberate change to the drawing style, rewrite
them with `UPDATE_GOLDEN=1 pytest tests/test_render_dot.py` and review the diff.
"""

import os
import re
from pathlib import Path

import pytest

from autograd import (
    GraphTooLargeError,
    Value,
    constant,
    name_scope,
    to_dot,
    total,
    weighted_sum,
)
from autograd.dot import html_text, quoted
from autograd.scopes import scope_steps

GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; create it with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def product():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()  # dc/da = b = -3, dc/db = a = 2
    return a, b, c


def scoped_model():
    """Two 'neurons' inside a 'layers.0' scope, then a loss outside any scope."""
    x = Value(1.5, label="x")
    outputs = []
    with name_scope("layers.0"):
        for j in range(2):
            with name_scope(f"neurons.{j}"):
                w = Value(0.5 * (j + 1), label="w")
                b = Value(-1.0, label="b")
                outputs.append((w * x + b).tanh())
    loss = (outputs[0] + outputs[1]) ** 2
    loss.label = "loss"
    loss.backward()
    return x, loss


# --- golden DOT --------------------------------------------------------------------------------


def test_product_with_local_grads_matches_golden():
    *_, c = product()
    check_golden("product.dot", to_dot(c, local_grads=True))


def test_hidden_constants_without_colour_or_legend_match_golden():
    x = Value(1.0, label="x")
    y = (2 * x - 1).relu()  # t - 1 is recorded as t + -1; the op shows "- 1", as written
    y.backward()
    check_golden("constants_hidden.dot",
                 to_dot(y, show_constants=False, color_grads=False, legend=False))


def test_collapsed_scopes_match_golden():
    _, loss = scoped_model()
    check_golden("collapsed.dot", to_dot(loss, collapse="neurons"))


def test_same_graph_gives_the_same_text():
    texts = [to_dot(product()[2], local_grads=True) for _ in range(2)]
    assert texts[0] == texts[1]


# --- ids ---------------------------------------------------------------------------------------


def test_ids_follow_topological_order():
    *_, c = product()
    text = to_dot(c)
    # a, b, then c: values n0 n1 n2, c's op n2_op, edges e2_0 (from a) and e2_1 (from b)
    for element in ['n0 [id="n0"', 'n1 [id="n1"', 'n2 [id="n2"', 'n2_op [id="n2_op"',
                    'n0 -> n2_op [id="e2_0"', 'n1 -> n2_op [id="e2_1"',
                    'n2_op -> n2 [id="e2_out"']:
        assert element in text


def test_a_node_used_twice_has_two_edges():
    a = Value(3.0, label="a")
    b = a * a
    text = to_dot(b)
    assert 'n0 -> n1_op [id="e1_0"' in text
    assert 'n0 -> n1_op [id="e1_1"' in text


def test_a_sum_of_many_terms_is_one_op_with_an_edge_per_term_in_order():
    b, w, x = Value(0.5, label="b"), Value(2.0, label="w"), Value(-1.0, label="x")
    z = total([b, w * x, x])  # n0 b, n1 w, n2 x, n3 w * x, n4 the sum
    z.backward()
    text = to_dot(z, local_grads=True)
    ops = [line.split(" [")[0].strip() for line in text.splitlines() if 'class="op ' in line]
    assert ops == ["n3_op", "n4_op"]  # w * x, and one op for the whole sum
    assert 'class="op op-sum" shape=circle' in text
    assert 'label="+" tooltip="d(sum of terms)/d(any one term) = 1' in text
    edges = [line.split(" [")[0].strip() for line in text.splitlines() if " -> n4_op " in line]
    assert edges == ["n0 -> n4_op", "n3 -> n4_op", "n2 -> n4_op"]  # b, w * x, x: in order
    for k in range(3):  # each edge carries ∂sum/∂term = 1
        assert f'[id="e4_{k}" class="input" label="1.0"]' in text


def test_a_weighted_sum_is_one_op_with_an_edge_per_input_in_order():
    b, w0, x0 = Value(0.5, label="b"), Value(2.0, label="w0"), Value(-1.0, label="x0")
    w1, x1 = Value(-3.0, label="w1"), Value(0.25, label="x1")
    z = weighted_sum([w0, w1], [x0, x1], b)  # n0 b, n1 w0, n2 x0, n3 w1, n4 x1, n5 z
    z.backward()
    text = to_dot(z, local_grads=True)
    ops = [line.split(" [")[0].strip() for line in text.splitlines() if 'class="op ' in line]
    assert ops == ["n5_op"]  # no product nodes: one op for b + w0 * x0 + w1 * x1
    # "w·x+b" is longer than a circle holds
    assert 'class="op op-weighted_sum" shape=ellipse' in text and 'label="w·x+b"' in text
    edges = [line.split(" [")[0].strip() for line in text.splitlines() if " -> n5_op " in line]
    assert edges == [f"n{k} -> n5_op" for k in range(5)]  # b, w0, x0, w1, x1: in order
    # dz/db = 1, dz/dw0 = x0 = -1, dz/dx0 = w0 = 2, dz/dw1 = x1 = 0.25, dz/dx1 = w1 = -3
    for k, local in enumerate(["1.0", "-1.0", "2.0", "0.25", "-3.0"]):
        assert f'[id="e5_{k}" class="input" label="{local}"]' in text


def test_a_term_used_twice_in_a_sum_has_two_edges():
    a = Value(3.0, label="a")
    text = to_dot(total([a, a]))
    assert 'n0 -> n1_op [id="e1_0"' in text
    assert 'n0 -> n1_op [id="e1_1"' in text


def test_id_prefix_goes_before_every_id():
    *_, c = product()
    text = to_dot(c, id_prefix="fig1-")
    assert 'id="fig1-graph"' in text and 'n0 -> n2_op [id="fig1-e2_0"' in text
    assert ' id="n' not in text and 'id="e' not in text


@pytest.mark.parametrize("prefix", ["1x", "a b", 'x"', "<p>"])
def test_id_prefix_must_be_an_identifier(prefix):
    with pytest.raises(ValueError, match="id_prefix"):
        to_dot(Value(1.0), id_prefix=prefix)


def test_classes_name_the_kind_of_each_node():
    x = Value(2.0, label="x")
    with name_scope("neuron"):
        w = Value(-1.0, label="w")  # a leaf made inside a scope: a parameter
    y = x * w + 1
    y.backward()
    text = to_dot(y)
    assert 'class="value input grad-neg"' in text  # dy/dx = w = -1
    assert 'class="value parameter grad-pos"' in text  # dy/dw = x = 2
    assert 'class="value constant grad-pos"' in text
    assert 'class="value intermediate grad-pos output"' in text
    assert 'class="op op-mul"' in text and 'class="op op-add"' in text


def test_parameters_argument_marks_exactly_those_leaves():
    x = Value(2.0, label="x")
    w = Value(-1.0, label="w")
    y = x * w
    text = to_dot(y, parameters={"layer.w": w})
    assert text.count("value parameter") == 1
    assert "parameter layer.w" in text  # the name appears in the tooltip


def test_parameters_can_come_from_a_model():
    class Model:
        def __init__(self):
            self.w = Value(0.5, label="w0")

        def named_parameters(self):
            return [("neurons.0.w.0", self.w)]

    model = Model()
    y = model.w * 3
    assert "value parameter" in to_dot(y, parameters=model)
    assert "parameter neurons.0.w.0" in to_dot(y, parameters=model)


def test_parameters_must_be_values():
    with pytest.raises(TypeError, match="parameters must be Values"):
        to_dot(Value(1.0), parameters=[1.0])


# --- what each node shows ---------------------------------------------------------------------


def test_a_tiny_gradient_shows_its_significant_digits():
    x = Value(1.0, label="x")
    y = x * 3e-7
    y.backward()
    assert ">3e-7<" in to_dot(y)  # x's grad, not 0.0000


def test_an_unlabelled_node_is_called_as_the_stepper_calls_it():
    x = Value(1.0)
    y = x.exp() * 2.0
    text = to_dot(y)  # a leaf v1, a result t1, the output out (see autograd.naming)
    assert "<b>v1</b>" in text and "<b>t1</b>" in text and "<b>out</b>" in text


def test_ops_show_their_symbol_and_parameters():
    x = Value(2.0, label="x")
    y = (x**3).leaky_relu(0.1)
    text = to_dot(y)
    assert 'label="** 3"' in text
    assert 'label="leaky_relu 0.1"' in text
    assert 'tooltip="d(a ** n)/da = n * a ** (n - 1), for a constant exponent n"' in text


def test_gradients_can_be_values_after_create_graph():
    x = Value(3.0, label="x")
    y = x * x
    y.backward(create_graph=True)  # x.grad is now a Value: 2x = 6
    assert isinstance(x.grad, Value)
    assert ">6.0<" in to_dot(y)


def test_non_finite_gradients_get_their_own_colour_and_legend_line():
    x = Value(0.0, label="x")
    y = x.log()  # d log(x)/dx = 1/x = inf at 0
    y.backward()
    text = to_dot(y)
    assert "grad-nonfinite" in text and "grad is nan or inf" in text


def test_colours_and_legend_can_be_turned_off():
    *_, c = product()
    plain = to_dot(c, color_grads=False, legend=False)
    assert "#b2182b" not in plain and "#2166ac" not in plain  # no gradient fills
    assert "label=<<table border=\"0\"" not in plain  # no legend
    assert "grad &lt; 0" in to_dot(c)  # the default legend explains the colours


def test_gradient_shade_grows_with_size():
    a, b, c = product()  # a.grad = -3 (the largest), b.grad = 2, c.grad = 1
    text = to_dot(c)
    assert text.count("#b2182b") >= 1  # -3: the darkest red (>= 50% of the largest)
    assert "#2166ac" in text  # 2 and 1: >= 50% of 3, the darkest blue


def test_local_grads_are_written_on_edges():
    *_, c = product()
    text = to_dot(c, local_grads=True)
    assert '[id="e2_0" class="input" label="-3.0"]' in text  # ∂c/∂a = b
    assert '[id="e2_1" class="input" label="2.0"]' in text  # ∂c/∂b = a
    assert "local derivative ∂out/∂input" in text


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_direction_sets_rankdir(direction):
    assert f"rankdir={direction}" in to_dot(Value(1.0), direction=direction)


def test_bad_direction_is_refused():
    with pytest.raises(ValueError, match="direction must be one of LR, TB"):
        to_dot(Value(1.0), direction="sideways")


def test_only_a_value_can_be_drawn():
    with pytest.raises(TypeError, match="pass the Value at its end, got float"):
        to_dot(1.5)


# --- escaping ----------------------------------------------------------------------------------


def test_a_script_label_is_only_text():
    x = Value(1.0, label="<script>alert(1)</script>")
    text = to_dot(x.exp())
    assert "<script>" not in text
    assert "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>" in text
    assert 'tooltip="&lt;script&gt;alert(1)&lt;/script&gt;: data=1.0' in text


@pytest.mark.parametrize(
    "label, in_box, in_tooltip",
    [
        ('say "hi"', "say &quot;hi&quot;", 'say \\"hi\\"'),
        ("back\\slash", "back\\slash", "back\\\\slash"),
        ("two\nlines", "two<br/>lines", "two\\nlines"),
        ("a & b", "a &amp; b", "a &amp; b"),
        ("&amp;", "&amp;amp;", "&amp;amp;"),  # shown as typed, not as "&"
        ("bell\x07", "bell\\x07", "bell\\\\x07"),
    ],
)
def test_user_text_is_escaped_for_dot_and_html(label, in_box, in_tooltip):
    text = to_dot(Value(1.0, label=label))
    assert f"<b>{in_box}</b>" in text
    assert f'tooltip="{in_tooltip}: data=1.0' in text


def test_escaping_helpers():
    assert html_text("<a & 'b'>") == "&lt;a &amp; 'b'&gt;"
    assert quoted('x "y" \\') == '"x \\"y\\" \\\\"'
    assert quoted("<a & b>") == '"&lt;a &amp; b&gt;"'


def test_long_labels_are_shortened_in_the_box_only():
    label = "a very long label " * 5
    text = to_dot(Value(1.0, label=label))
    assert "…</b>" in text and label.strip() not in text.split("tooltip=")[0]
    assert label in text.replace("\\n", "\n")  # the whole label is in the tooltip


# --- hiding constants --------------------------------------------------------------------------


def test_hidden_constants_are_folded_into_their_ops():
    x = Value(2.0, label="x")
    y = 3 * x + 1  # 3 * x: constant first; + 1: constant second
    text = to_dot(y, show_constants=False)
    assert 'label="3 *"' in text and 'label="+ 1"' in text
    assert "value constant" not in text
    assert 'label="- 1"' in to_dot(x - 1, show_constants=False)  # drawn as written: x - 1
    assert 'label="+ -1"' in to_dot(x - 1, show_constants=False, primitives=True)  # x + -1
    assert "value constant" in to_dot(y)


def test_hidden_constants_of_a_sum_are_added_at_the_end_of_its_label():
    x, y = Value(2.0, label="x"), Value(-1.0, label="y")
    text = to_dot(total([1.5, x, y, 3.0]), show_constants=False)
    assert 'label="+ 1.5 + 3"' in text  # 1.5 + x + y + 3: x and y come in on edges
    assert "value constant" not in text


def test_constants_of_a_weighted_sum_stay_drawn_as_factors_cannot_be_folded():
    # b + w0 * 0.5 + w1 * 3: a label "w·x+b 0.5 + 3" would read as b + w·x + 0.5 + 3
    b, w0, w1 = Value(0.1, label="b"), Value(2.0, label="w0"), Value(-1.0, label="w1")
    y = (weighted_sum([w0, w1], [0.5, 3.0], b) * 2.0) ** 2
    y.backward()
    text = to_dot(y, show_constants=False)
    assert 'label="w·x+b"' in text  # its label is its symbol only
    drawn = [line for line in text.splitlines() if "value constant" in line]
    assert [line.split(" label=")[1].split()[0] for line in drawn] == ['"0.5"', '"3"']
    assert 'label="* 2"' in text and 'label="** 2"' in text  # other constants still fold


def test_a_constant_that_a_weighted_sum_uses_is_drawn_for_its_other_ops_too():
    w, x = Value(2.0, label="w"), constant(0.5)
    y = weighted_sum([w], [x], 1.0) * x  # x is a factor inside the sum and a factor of *
    y.backward()
    text = to_dot(y, show_constants=False)
    assert text.count("value constant") == 2  # x and the bias 1, each drawn once
    assert 'label="*"' in text  # x comes into * on an edge, not folded in as "* 0.5"


# --- collapse ----------------------------------------------------------------------------------


def test_scope_steps_join_numbers_to_names():
    assert scope_steps("layers.0.neurons.3") == ["layers.0", "neurons.3"]
    assert scope_steps("encoder.attn") == ["encoder", "attn"]
    assert scope_steps("") == []


def test_collapse_by_step_name_draws_one_box_per_module():
    _, loss = scoped_model()
    text = to_dot(loss, collapse="neurons")
    # each box is titled with its module's short name: layers.0.neurons.1 is L0.N1
    assert '<b>L0.N0</b>' in text and '<b>L0.N1</b>' in text
    assert 'tooltip="module layers.0.neurons.1: 5 nodes, 2 parameters"' in text
    assert "names: L0.N0 is layers.0.neurons.0 (L = layers, N = neurons)" in text
    assert 'g0 [id="g0" class="module' in text and 'g1 [id="g1" class="module' in text
    assert "op-tanh" not in text  # inside the boxes
    assert "op-pow" in text  # the loss is outside any scope
    assert "n1 -> g0" in text and "n1 -> g1" in text  # x (n1, after the first w) feeds both
    # each box holds w, b, w*x, w*x + b and tanh
    assert text.count('<td align="left">5 nodes, 2 parameters</td>') == 2


def test_collapse_to_layers_merges_the_neurons():
    _, loss = scoped_model()
    text = to_dot(loss, collapse="layers")
    assert "<b>L0</b>" in text and "g1" not in text
    assert "2 outputs" in text  # the two neurons' outputs leave the layer


def test_collapse_by_number_of_steps():
    _, loss = scoped_model()
    assert to_dot(loss, collapse=1) == to_dot(loss, collapse="layers")
    assert to_dot(loss, collapse=2) == to_dot(loss, collapse="neurons")


def test_collapse_edges_between_boxes_are_not_repeated():
    x = Value(1.0, label="x")
    with name_scope("a"):
        p, q = x * 2, x * 3
    with name_scope("b"):
        y = p * q  # two edges from box a into box b
    text = to_dot(y, collapse=1)
    assert text.count("g0 -> g1") == 1


def test_collapse_with_an_unknown_step_name_says_which_exist():
    _, loss = scoped_model()
    with pytest.raises(ValueError, match="the step names here are layers, neurons"):
        to_dot(loss, collapse="neuron")


@pytest.mark.parametrize("collapse", [0, -1, True, "", 1.5])
def test_collapse_must_be_a_name_or_a_positive_count(collapse):
    with pytest.raises(ValueError, match="collapse must be"):
        to_dot(Value(1.0), collapse=collapse)


# --- focus -------------------------------------------------------------------------------------


def test_focus_keeps_only_paths_to_the_output_and_their_context():
    a = Value(1.0, label="a")
    b = Value(2.0, label="b")
    unrelated = Value(5.0, label="u")
    c = a * b  # on the path from a
    d = unrelated.exp()  # not on it
    e = c + d
    e.backward()
    text = to_dot(e, focus=a)
    assert "<b>a</b>" in text and "focus" in text
    assert "<b>b</b>" in text  # b is the other input of a * b: context, dashed
    assert 'class="value input grad-pos context"' in text
    assert "<b>u</b>" not in text  # u only feeds d, which is context without its history
    assert "op-exp" not in text


def test_focus_through_a_sum_keeps_the_other_terms_as_context():
    w0, w1 = Value(0.5, label="w0"), Value(-2.0, label="w1")
    x0, x1 = Value(1.0, label="x0"), Value(3.0, label="x1")
    out = total([w0 * x0, w1 * x1]).tanh()
    out.backward()
    text = to_dot(out, focus=w0)
    assert "op-sum" in text and "<b>x0</b>" in text  # the sum is on the path from w0
    assert 'class="value intermediate grad-pos context"' in text  # w1 * x1, without history
    assert "<b>w1</b>" not in text and "<b>x1</b>" not in text


def test_a_sum_counts_as_one_operation_in_the_budget():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    total_abc = total([a, b, c])
    assert to_dot(total_abc, max_nodes=5)  # 4 values and 1 operation
    with pytest.raises(GraphTooLargeError, match=r"\(4 values and 1 operations\)"):
        to_dot(total_abc, max_nodes=4)


def test_focus_by_label_and_by_parameter_name():
    x = Value(1.0, label="x")
    w = Value(2.0, label="w")
    y = x * w
    assert to_dot(y, focus="w") == to_dot(y, focus=w)
    assert to_dot(y, focus="layer.w", parameters={"layer.w": w}) == to_dot(
        y, focus=w, parameters={"layer.w": w})


def test_focus_errors_name_the_problem():
    x = Value(1.0, label="x")
    y = x * x + Value(2.0, label="two")
    with pytest.raises(ValueError, match="names in this graph include x, t1, two, out"):
        to_dot(y, focus="w")
    with pytest.raises(ValueError, match="not in this graph"):
        to_dot(y, focus=Value(3.0))
    with name_scope("layers.0"):
        w0 = Value(1.0, label="w")
    with name_scope("layers.1"):
        w1 = Value(1.0, label="w")
    with pytest.raises(ValueError, match="label of 2 nodes"):  # drawn as L0.w and L1.w
        to_dot(w0 + w1, focus="w")


def test_focus_takes_a_name_as_drawn():
    x, same = Value(1.0, label="x"), Value(2.0, label="x")
    y = (x + same) * 3.0
    # the two nodes labelled x are drawn as x and x#2, the product as out, the sum as t1
    assert 'class="value input grad-zero focus"' in to_dot(y, focus="x#2")
    assert to_dot(y, focus="x#2") == to_dot(y, focus=same)
    assert to_dot(y, focus="t1") == to_dot(y, focus=y.inputs[0])


# --- the node budget ---------------------------------------------------------------------------


def chain(length):
    x = Value(0.5, label="x")
    y = x
    for _ in range(length):
        y = y.sin()
    return y


def test_a_graph_over_budget_is_refused_with_the_options():
    y = chain(800)  # 801 values + 800 ops = 1601 nodes
    with pytest.raises(GraphTooLargeError) as error:
        to_dot(y)
    message = str(error.value)
    assert "1,601 nodes" in message and "max_nodes=1,500" in message
    for option in ("focus=", "show_constants=False", "max_nodes"):
        assert option in message
    assert "collapse=" not in message  # no node has a scope: collapsing could not help


def test_a_drawing_too_long_to_read_is_refused_even_without_a_node_limit():
    # 600 sines in a row, left to right: 600 ranks of a box and a circle, about 150 points
    # each, so some 90,000 points, 180,000 pixels at 144 dpi: far over 10,000
    y = chain(600)
    with pytest.raises(GraphTooLargeError, match=r"would be about [\d,]+ × \d+ pixels, over "
                                                 r"10,000: too big to read"):
        to_dot(y, max_nodes=None)
    assert to_dot(chain(20), max_nodes=None).count("op-sin") == 20  # 20 ranks: 6,000 pixels


def test_a_graph_over_budget_with_collapse_none_is_refused_with_a_collapse_that_works():
    with name_scope("block"):
        y = chain(800)
    with pytest.raises(GraphTooLargeError, match="collapse='block' draws each module"):
        to_dot(y, collapse=None)
    assert "block" in to_dot(y, collapse="block")


def test_a_graph_over_budget_is_collapsed_to_fit_with_a_caption_and_a_warning():
    with name_scope("block"):
        y = chain(800)
    with pytest.warns(UserWarning, match="Collapsed to fit: drawn node by node, this graph "
                                         "would have 1,601 nodes"):
        text = to_dot(y)
    caption = re.findall(r'<font color="#b35806"><b>([^<]*)</b></font><br align="left"/>', text)
    assert "as with collapse='block'" in " ".join(caption)
    assert all(len(line) <= 100 for line in caption)  # wrapped: it does not widen the picture
    shown = re.sub(r'<font color="#b35806"><b>[^<]*</b></font><br align="left"/>', "", text)
    assert shown == to_dot(y, collapse="block")  # the rest as asked


def test_without_a_legend_a_collapsed_drawing_still_has_its_caption():
    with name_scope("block"):
        y = chain(800)
    with pytest.warns(UserWarning):
        assert "Collapsed to fit" in to_dot(y, legend=False)


def test_a_100000_node_chain_fails_only_by_the_budget():
    with pytest.raises(GraphTooLargeError):  # never RecursionError
        to_dot(chain(100_000))


def test_collapse_brings_a_graph_under_budget():
    x = Value(1.0, label="x")
    y = x
    with name_scope("block"):
        for _ in range(2000):
            y = y * 1.001
    assert "block" in to_dot(y, collapse="block")  # 4,001 values inside one box


@pytest.mark.parametrize("max_nodes", [0, -5, 2.0, True])
def test_max_nodes_must_be_positive(max_nodes):
    with pytest.raises(ValueError, match="max_nodes must be a positive int or None"):
        to_dot(Value(1.0), max_nodes=max_nodes)

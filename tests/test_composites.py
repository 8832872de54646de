"""Composites as the learner wrote them: a - b, a / b, -a, sqrt(a) and a - 2 in drawings,
steps and the command line, and the engine's primitives on request.

The engine records a - b as -1 * b and a + that; composites.py recognises the shape when a
graph is shown. Each composite's local derivatives are the chain rule through the primitives
it stands for, so every gradient shown is still backward's.
"""

import html
import math
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_program

import nn
from autograd import Player, Value, to_dot, topological_order
from autograd.composites import COMPOSITES, DIV, NEG, SQRT, SUB, SUB_NUMBER, composites
from autograd.stepper import walkthrough

ROOT = Path(__file__).resolve().parent.parent


def found(out):
    """{name of the node as the stepper calls it: composite op name} for a graph."""
    order = topological_order(out)
    graph = walkthrough(out).graph
    names = {id(value): node.name for value, node in zip(graph.values, graph.nodes)}
    return {names[id(order[i])]: c.op.name for i, c in composites(order).items()}


def forward_lines(out, primitives=False):
    walk = walkthrough(out, primitives=primitives)
    return [step.lines[0] for step in walk if step.kind == "forward"]


# --- recognised as written ---------------------------------------------------------------------


def test_a_quotient_minus_a_value_is_narrated_as_written():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    assert forward_lines(x / y - x) == ["t1 = x / y = 2.0 / 3.0 = 0.6667",
                                        "out = t1 - x = 0.6667 - 2.0 = -1.333"]


def test_primitives_shows_what_the_engine_recorded():
    # y ** -1 and x * that make x / y; -1 * x and t1 + that make t1 - x. The helpers are
    # named after the composite they belong to: t1' is part of t1, out' part of out.
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    assert forward_lines(x / y - x, primitives=True) == [
        "t1' = y ** (-1) = 3.0 ** (-1) = 0.3333",
        "t1 = x * t1' = 2.0 * 0.3333 = 0.6667",
        "out' = (-1) * x = -1 * 2.0 = -2.0",
        "out = t1 + out' = 0.6667 + (-2.0) = -1.333",
    ]


@pytest.mark.parametrize("build, op, line", [
    (lambda a, b: a - b, SUB, "out = a - b = 2.0 - 3.0 = -1.0"),
    (lambda a, b: a / b, DIV, "out = a / b = 2.0 / 3.0 = 0.6667"),
    (lambda a, b: -a, NEG, "out = -a = -2.0"),
    (lambda a, b: a.sqrt(), SQRT, "out = sqrt(a) = sqrt(2.0) = 1.414"),
    (lambda a, b: a - 2, SUB_NUMBER, "out = a - 2 = 2.0 - 2 = 0.0"),
    (lambda a, b: 2 - a, SUB, "out = 2 - a = 2 - 2.0 = 0.0"),
    (lambda a, b: 1 / b, DIV, "out = 1 / b = 1 / 3.0 = 0.3333"),
])
def test_each_composite_is_one_step_written_as_the_learner_wrote_it(build, op, line):
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    out = build(a, b)
    assert found(out) == {"out": op.name}
    assert forward_lines(out) == [line]


@pytest.mark.parametrize("op", COMPOSITES.values(), ids=lambda op: op.name)
def test_a_composites_forward_and_slopes_are_its_primitives(op):
    # the same numbers as the primitives give, and slopes that match a central difference
    args = {"sub": (2.0, 3.0), "div": (2.0, 3.0), "neg": (2.0,), "sqrt": (2.0,),
            "sub_number": (2.0,)}[op.name]
    params = (5.0,) if op.params else ()
    a, b = Value(2.0), Value(3.0)
    engine = {"sub": a - b, "div": a / b, "neg": -a, "sqrt": a.sqrt(), "sub_number": a - 5.0}
    out = op.forward(*args, *params)
    assert out == engine[op.name].data
    slopes = op.local_grads(*args, out, *params)
    assert len(slopes) == len(args)
    h = 1e-6
    for k, slope in enumerate(slopes):
        up = list(args)
        down = list(args)
        up[k] += h
        down[k] -= h
        numeric = (op.forward(*up, *params) - op.forward(*down, *params)) / (2 * h)
        assert slope == pytest.approx(numeric, rel=1e-6)


def test_a_composites_slope_is_written_as_its_primitives_rules_composed():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    walk = walkthrough(x / y)
    step = walk[walk.find(y, kind="backward")]
    # ∂(x / y)/∂y = ∂(x * p)/∂p * ∂p/∂y with p = y ** -1: x * (-1 * y ** -2)
    assert step.lines[0] == ("∂out/∂y += x * (-1) * y ** (-2) * ∂out/∂out = "
                             "2.0 * (-1) * 3.0 ** (-2) * 1.0 = -0.2222")
    assert "a / b is a * b ** -1" in step.lines[1]


def test_gradients_through_composites_are_backwards():
    x, y = Value(1.5, label="x"), Value(-0.5, label="y")
    out = x / y - (x * x).sqrt() - 2.0 + -y  # a / b, sqrt, a - 2 and a - b in one graph
    walk = walkthrough(out)
    out.backward()
    grads = walk.grads()
    assert grads["x"] == pytest.approx(x.grad, rel=1e-12)
    assert grads["y"] == pytest.approx(y.grad, rel=1e-12)


# --- only exact shapes -------------------------------------------------------------------------


def test_a_product_with_an_input_of_minus_one_is_not_a_negation():
    # a neuron's w * x with the input x = -1: -1 comes second, where -w puts it first
    model = nn.MLP(2, [1], seed=0)
    out = model([0.5, -1.0])
    assert "neg" not in found(out).values()
    assert any("w1 * (-1)" in line for line in forward_lines(out))


def test_a_helper_used_twice_is_not_folded():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    minus_b = -b  # used by the subtraction's + and again by the product
    out = (a + minus_b) * minus_b
    assert found(out) == {"t1": "neg"}  # -b itself is still a negation
    assert forward_lines(out)[1] == "t2 = a + t1 = 2.0 + (-3.0) = -1.0"


def test_a_labelled_helper_is_not_folded():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    inverse = b ** -1
    inverse.label = "inverse"  # the learner named it: it stays a node
    assert forward_lines(a * inverse) == ["inverse = b ** (-1) = 3.0 ** (-1) = 0.3333",
                                          "out = a * inverse = 2.0 * 0.3333 = 0.6667"]


def test_a_minus_a_reciprocal_is_a_difference():
    # -1 * (x ** -1) is the b of a - b here, not a quotient -1 / x
    a, x = Value(2.0, label="a"), Value(4.0, label="x")
    assert forward_lines(a - x ** -1) == ["t1 = x ** (-1) = 4.0 ** (-1) = 0.25",
                                          "out = a - t1 = 2.0 - 0.25 = 1.75"]


# --- drawn as written --------------------------------------------------------------------------


def test_a_drawing_shows_a_quotient_and_a_difference_as_one_op_each():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    out = x / y - x
    out.backward()
    text = to_dot(out, local_grads=True)
    ops = [line.split('label="')[1].split('"')[0] for line in text.splitlines()
           if 'class="op ' in line]
    assert ops == ["/", "-"]
    # positions: x 0, y 1, y ** -1 2, x / y 3, -1 4, -1 * x 5, out 6: y goes into / itself,
    # carrying ∂(x / y)/∂y = -x / y ** 2 = -0.2222
    assert 'n1 -> n3_op [id="e3_1" class="input" label="-0.2222"]' in text
    assert 'n0 -> n6_op [id="e6_1" class="input" label="-1.0"]' in text
    assert "n2" not in text.replace("n2_", "") and "n5 " not in text  # the helpers


def test_a_drawing_with_primitives_shows_every_op():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    text = to_dot(x / y - x, primitives=True)
    ops = [line.split('label="')[1].split('"')[0] for line in text.splitlines()
           if 'class="op ' in line]
    assert ops == ["** -1", "*", "*", "+"]


def test_a_drawing_focused_on_a_helper_keeps_it():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    inverse = y ** -1
    out = x * inverse
    text = to_dot(out, focus=inverse)
    assert 'label="*"' in text and 'label="** -1"' in text


# --- on the command line -----------------------------------------------------------------------


def test_chainrule_step_shows_composites_and_primitives_on_request():
    def tape(*flags):
        result = subprocess.run([sys.executable, "-m", "autograd", "step", "x/y - x", "x=2",
                                 "y=3", "--tape", *flags], capture_output=True, text=True,
                                cwd=ROOT, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "   1  t1 = x / y = 2.0 / 3.0 = 0.6667" in tape()
    assert "   1  t1' = y ** (-1) = 3.0 ** (-1) = 0.3333" in tape("--primitives")


@pytest.mark.parametrize("flags, opens_on", [((), "false"), (("--primitives",), "true")])
def test_chainrule_html_writes_both_forms_with_a_switch(tmp_path, flags, opens_on):
    require_program("dot")
    page = tmp_path / "walk.html"
    result = subprocess.run([sys.executable, "-m", "autograd", "html", "x/y - x", "x=3", "y=2",
                             "-o", str(page), *flags], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    text = html.unescape(page.read_text(encoding="utf-8"))
    assert "8 steps as written, 12 as the engine's primitives" in text
    assert f'"primitives": {opens_on}}}' in text  # the form the page opens on


def test_a_sum_of_a_negative_infinity_is_still_a_difference():
    x = Value(1.0, label="x")
    out = x + -math.inf
    assert forward_lines(out) == ["out = x - inf = 1.0 - inf = -inf"]


def test_step_and_the_notebook_player_take_primitives_too():
    code = ("from autograd import Value\nfrom autograd.stepper.terminal import step\n"
            "x, y = Value(3.0, label='x'), Value(2.0, label='y')\n"
            "step(x / y - x, primitives=True)\n")
    result = subprocess.run([sys.executable, "-c", code], input="t\nq\n", capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "t1' = y ** (-1) = 2.0 ** (-1) = 0.5" in result.stdout
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    assert len(Player(x / y - x, primitives=True).walk) == 13  # start, 4 forward, ..., done
    assert len(Player(x / y - x).walk) == 9

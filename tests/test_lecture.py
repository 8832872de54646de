"""The backpropagation lecture's sequence on chainrule, one step of it per test.

The lecture that introduced micrograd builds L = (a*b + c) * f and fills in every gradient by
hand, checking each with a nudge; backpropagates a tanh neuron one node at a time with
_backward() before backward() automates it; finds the bug of a node used twice (b = a + a);
and trains a tanh MLP on four points. Here are the same steps, in this project's words.
"""

import math

import pytest

import nn
from autograd import Value, topological_order

H = 1e-6  # the nudge


def lecture_expression(nudge: str = "", h: float = 0.0) -> dict[str, Value]:
    """L = (a*b + c) * f with a=2, b=-3, c=10, f=-2, and h added to one node's number.

    h is added as soon as the node is made, before anything reads it: nudging e nudges L
    exactly as nudging the number a*b would.
    """
    nodes = {}

    def made(name: str, value: Value) -> Value:
        value.label = name
        value.data += h if name == nudge else 0.0
        nodes[name] = value
        return value

    a, b = made("a", Value(2.0)), made("b", Value(-3.0))
    c, f = made("c", Value(10.0)), made("f", Value(-2.0))
    e = made("e", a * b)
    d = made("d", e + c)
    made("L", d * f)
    return nodes


# --- L = (a*b + c) * f, gradients by hand -----------------------------------------------------


def test_gradients_filled_in_by_hand_agree_with_nudging():
    n = lecture_expression()
    # The chain rule applied by hand, from L back, as the lecture writes each one in.
    n["L"].grad = 1.0
    n["d"].grad = n["f"].data * n["L"].grad  # L = d * f: dL/dd = f = -2
    n["f"].grad = n["d"].data * n["L"].grad  # dL/df = d = 4
    n["e"].grad = 1.0 * n["d"].grad  # d = e + c: a sum passes its gradient on, -2
    n["c"].grad = 1.0 * n["d"].grad  # -2
    n["a"].grad = n["b"].data * n["e"].grad  # e = a * b: dL/da = b * dL/de = 6
    n["b"].grad = n["a"].data * n["e"].grad  # dL/db = a * dL/de = -4
    for name in "abcdef":
        nudged = lecture_expression(name, H)["L"].data
        slope = (nudged - n["L"].data) / H
        assert slope == pytest.approx(n[name].grad, abs=1e-4), name


def test_backward_gives_the_gradients_found_by_hand():
    n = lecture_expression()
    n["L"].backward()
    grads = {name: n[name].grad for name in "abcdefL"}
    assert grads == {"a": 6.0, "b": -4.0, "c": -2.0, "d": -2.0, "e": -2.0, "f": 4.0, "L": 1.0}


def test_a_small_step_along_every_gradient_raises_l():
    n = lecture_expression()
    n["L"].backward()
    for name in "abcf":  # the leaves: the numbers we control
        n[name].data += 0.01 * n[name].grad
    e = n["a"] * n["b"]
    L = (e + n["c"]) * n["f"]
    assert n["L"].data == -8.0 and L.data > -8.0  # -8 -> about -7.29


# --- a tanh neuron, one node at a time ---------------------------------------------------------


def lecture_neuron() -> dict[str, Value]:
    """o = tanh(x1*w1 + x2*w2 + b), with b chosen so that the sum n is 0.8814 and o = 0.7071."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, x1w1x2w2=x1w1x2w2, n=n,
                o=o)


def test_the_neuron_backpropagated_node_by_node_as_the_lecture_does():
    v = lecture_neuron()
    v["o"].grad = 1.0
    # The lecture's order: from the output back, each node after every node that uses it.
    for name in ("o", "n", "b", "x1w1x2w2", "x2w2", "x1w1"):
        v[name]._backward()
    assert v["n"].grad == pytest.approx(1 - v["o"].data ** 2) == pytest.approx(0.5)  # tanh'
    assert v["b"].grad == v["x1w1x2w2"].grad == v["x1w1"].grad == v["x2w2"].grad == v["n"].grad
    # each product: d(x*w)/dx = w and d(x*w)/dw = x, times the product's gradient 0.5
    assert v["x1"].grad == pytest.approx(-1.5) and v["w1"].grad == pytest.approx(1.0)
    assert v["x2"].grad == pytest.approx(0.5) and v["w2"].grad == 0.0


def test_node_by_node_in_reverse_topological_order_is_exactly_backward():
    by_hand, automatic = lecture_neuron(), lecture_neuron()
    by_hand["o"].grad = 1.0
    for node in reversed(topological_order(by_hand["o"])):
        node._backward()
    automatic["o"].backward()
    assert {k: v.grad for k, v in by_hand.items()} == {k: v.grad for k, v in automatic.items()}


def test_a_leaf_has_no_step_of_its_own():
    v = lecture_neuron()
    v["b"].grad = 0.5
    v["b"]._backward()  # b has no inputs: nothing changes
    assert [x.grad for x in v.values()] == [0.0] * 4 + [0.5] + [0.0] * 5


def test_tanh_written_with_exp_gives_the_neurons_gradients():
    # tanh(n) = (e^2n - 1) / (e^2n + 1): more nodes, the same numbers
    v, w = lecture_neuron(), lecture_neuron()
    e = (2 * w["n"]).exp()
    o = (e - 1) / (e + 1)
    v["o"].backward()
    o.backward()
    assert o.data == pytest.approx(v["o"].data, rel=1e-12)
    for name in ("x1", "x2", "w1", "w2", "b"):
        assert w[name].grad == pytest.approx(v[name].grad, abs=1e-12), name


# --- a node used twice ----------------------------------------------------------------------


def test_a_node_used_twice_gets_both_gradients():
    a = Value(3.0, label="a")
    b = a + a  # db/da = 1 along each edge: 2 in all
    b.backward()
    assert a.grad == 2.0  # a step that set a.grad instead of adding to it would leave 1


def test_a_node_used_twice_node_by_node_accumulates_too():
    a = Value(3.0)
    b = a + a
    b.grad = 1.0
    b._backward()
    assert a.grad == 2.0


def test_two_nodes_each_feeding_two_others():
    a, b = Value(-2.0), Value(3.0)
    d, e = a * b, a + b  # d = -6, e = 1
    f = d * e
    f.backward()
    # df/da = e * b + d * 1 = 3 - 6 = -3 and df/db = e * a + d * 1 = -2 - 6 = -8
    assert (a.grad, b.grad) == (-3.0, -8.0)


# --- the training loop --------------------------------------------------------------------------

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]  # the targets of the four points


def lecture_loop(model: nn.Module, steps: int, lr: float, stop_below: float = 0.0) -> list:
    """The lecture's training loop: summed squared error, grads zeroed by hand, a plain step."""
    losses = []
    for _ in range(steps):
        loss = sum((model(x) - y) ** 2 for x, y in zip(XS, YS))
        losses.append(loss.data)
        if loss.data < stop_below:
            break
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data += -lr * p.grad
    return losses


def test_the_lectures_tanh_mlp_learns_the_four_points():
    model = nn.MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
    losses = lecture_loop(model, steps=200, lr=0.1, stop_below=0.05)
    assert losses[-1] < 0.05 < losses[0]
    assert all(math.copysign(1, model(x).data) == y for x, y in zip(XS, YS))

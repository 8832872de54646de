"""backward(): the chain rule over the whole graph, in topological order, without recursion."""

import gc
import math

import pytest
from conftest import karpathy

from autograd import Value, chain_rule_edges, topological_order


def test_reused_leaf_accumulates():
    a = Value(3.0)
    b = a + a  # two edges from a
    b.backward()
    assert a.grad == 2.0


def test_square_by_multiplication_has_two_edges():
    a = Value(3.0)
    b = a * a  # d(a*a)/da = a + a = 6
    assert b.inputs == (a, a)
    b.backward()
    assert a.grad == 6.0


def test_reused_intermediate_accumulates():
    a = Value(3.0)
    b = a + a  # b feeds c twice
    c = b * b  # dc/db = 2b = 12, db/da = 2  ->  dc/da = 24
    c.backward()
    assert b.grad == 12.0
    assert a.grad == 24.0


def test_diamond():
    # x feeds two branches that meet again: dL/dx is the sum over both paths.
    x = Value(2.0)
    u = x * 3.0  # du/dx = 3
    v = x.exp()  # dv/dx = e^2
    loss = u * v  # dL/du = v, dL/dv = u
    loss.backward()
    assert x.grad == pytest.approx(3.0 * math.exp(2) + 6.0 * math.exp(2))


def test_repeated_backward_accumulates_leaves_and_recomputes_intermediates():
    a = Value(1.0)
    b = 2 * a
    y = 3 * b
    y.backward()
    assert (a.grad, b.grad) == (6.0, 3.0)
    y.backward()
    assert (a.grad, b.grad) == (12.0, 3.0)  # leaf accumulated, intermediate exact again


def test_backward_with_explicit_seed():
    a = Value(2.0)
    y = a * a
    y.backward(0.5)
    assert a.grad == 2.0  # 0.5 * 2a


def test_backward_seed_must_be_a_number():
    with pytest.raises(TypeError, match="str"):
        (Value(1.0) * 2).backward("one")


def test_backward_on_a_leaf_sets_its_own_gradient():
    a = Value(5.0)
    a.backward()
    assert a.grad == 1.0


def test_topological_order_puts_inputs_first_and_is_deterministic():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for inp in node.inputs:
            assert position[id(inp)] < position[id(node)]
    assert order[-1] is e
    assert len(order) == 5
    assert [n.data for n in order] == [n.data for n in topological_order(e)]
    assert order == [a, b, c, d, e]  # first inputs first, each node once


def test_topological_order_is_depth_first_through_the_first_input():
    # u is shared: the walk meets it inside v (the first input of the root) before it would
    # meet it as the root's second input, so it comes where v needs it, and only once.
    z, w = Value(1.0, label="z"), Value(2.0, label="w")
    u = z.exp()
    v = w * u
    root = v + u
    assert topological_order(root) == [w, z, u, v, root]
    assert topological_order(root, leaves=False) == [u, v, root]


def test_topological_order_without_leaves_keeps_the_order_of_the_other_nodes():
    L, _ = karpathy()
    deep = Value(0.5)
    for _ in range(5):
        deep = (deep * 2.0).tanh() + deep
    for root in (L, deep):
        with_leaves = topological_order(root)
        assert topological_order(root, leaves=False) == [n for n in with_leaves if n.inputs]
    assert topological_order(Value(1.0), leaves=False) == []


def test_chain_rule_edges_come_in_reverse_topological_order():
    a = Value(2.0)
    b = a * 3.0
    c = b.tanh()
    edges = list(chain_rule_edges(topological_order(c)))
    assert [(out, inp) for out, inp, _ in edges][0] == (c, b)
    assert edges[1][0] is b and edges[1][1] is a
    assert edges[1][2] == 3.0  # local gradient of b = a * 3 with respect to a


def test_million_operation_chain_backwards_without_recursion():
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y.relu()  # relu of a positive number: every local gradient is 1
    y.backward()
    assert x.grad == 1.0
    del y
    gc.collect()  # freeing the chain must not overflow the C stack either


def test_long_chain_matches_the_closed_form():
    x = Value(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**10_000, rel=1e-9)


def test_chain_rule_edges_accepts_the_output_node():
    a = Value(2.0)
    b = a.tanh()
    assert list(chain_rule_edges(b)) == list(chain_rule_edges(topological_order(b)))

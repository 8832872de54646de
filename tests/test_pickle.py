"""Pickling and copying Values: ops stored by name, deep graphs without recursion, identity kept.

A loaded graph is the original's copy node for node: the same numbers, ops (the op table's own
entries), inputs in the same order, notes and gradients; a node reached twice is one node, and
backward on the copy gives the original's gradients.
"""

import copy
import io
import math
import pickle

import pytest

import nn
from autograd import (
    PRIMITIVES,
    Primitive,
    Value,
    constant,
    detect_anomaly,
    name_scope,
    topological_order,
)
from autograd import value as value_module
from autograd.ops import ADD, MUL, primitive

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def pickled(obj, protocol=pickle.DEFAULT_PROTOCOL):
    """obj through pickle (the C pickler) and back."""
    return pickle.loads(pickle.dumps(obj, protocol=protocol))


def pure_python_pickled(obj, protocol=pickle.DEFAULT_PROTOCOL):
    """obj through pickle's pure-Python pickler and unpickler."""
    return pickle._loads(pickle._dumps(obj, protocol=protocol))


def assert_same_graph(original: Value, loaded: Value) -> None:
    """loaded's graph is a copy of original's: node by node the same fields, inputs in order."""
    old, new = topological_order(original), topological_order(loaded)
    assert len(new) == len(old)
    old_index = {node: k for k, node in enumerate(old)}
    new_index = {node: k for k, node in enumerate(new)}
    for a, b in zip(old, new):
        assert b is not a
        assert [new_index[x] for x in b.inputs] == [old_index[x] for x in a.inputs]
        assert b.op is a.op
        assert (b.data, b.local_grads, b.params, b.notes) == (
            a.data, a.local_grads, a.params, a.notes)
        # a Value grad (after backward(create_graph=True)) is a copy too, with the same number
        assert type(b.grad) is type(a.grad) and float(b.grad) == float(a.grad)
        assert not isinstance(a.grad, Value) or b.grad is not a.grad


def chain(steps: int) -> tuple[Value, Value]:
    """x and y, where y is steps operations deep in x: a tanh, a + x, a * 0.5 in turn."""
    x = Value(0.3, label="x")
    y = x
    for k in range(steps):
        y = y.tanh() + x if k % 2 else y * 0.5
    return x, y


@pytest.fixture(scope="module")
def deep_chain():
    """A chain of 100,000 nodes: 50,000 steps, each two nodes (tanh, then + x; or * and 0.5)."""
    x, y = chain(50_000)
    assert len(topological_order(y)) == 100_001  # and x
    return x, y


# --- ops are stored by name ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_an_op_pickles_as_a_reference_to_its_op_table_entry(name):
    op = PRIMITIVES[name]
    assert all(pickled(op, protocol) is op for protocol in PROTOCOLS)
    assert copy.deepcopy(op) is op and copy.copy(op) is op


def test_loading_an_op_the_table_does_not_have_says_so(monkeypatch):
    stored = pickle.dumps(Value(2.0) * 3.0)
    monkeypatch.delitem(PRIMITIVES, "mul")
    with pytest.raises(ValueError, match="no op named 'mul' in the op table"):
        pickle.loads(stored)
    with pytest.raises(TypeError, match="name is a str"):
        primitive(3)


def test_an_op_that_is_not_the_table_entry_of_its_name_cannot_be_pickled():
    double = Primitive(name="double", symbol="2*", arity=1, forward=lambda a: 2 * a,
                       local_grads=lambda a, out: (2.0,), rule="d(2a)/da = 2")
    with pytest.raises(TypeError, match="cannot pickle the op 'double'"):
        pickle.dumps(double)
    with pytest.raises(TypeError, match="cannot pickle the op 'add'"):
        pickle.dumps(Primitive(**{**ADD.__dict__, "rule": "another add"}))


# --- a graph keeps every field, and its identities -----------------------------------------


def test_pickle_stores_every_slot_of_a_value():
    # A new slot must be stored and loaded too (value._reduce and _node_from_fields).
    assert set(Value.__slots__) == {"data", "grad", "inputs", "local_grads", "op", "params",
                                    "notes", "__weakref__"}


def small_graph() -> Value:
    """A graph with every kind of field: labels, scopes, sites, constants, params, grads."""
    a = Value(1.5, label="a")
    with name_scope("layer"):
        b = (a * 2.0).leaky_relu(0.1) ** 3  # a constant 2.0, and params (0.1,) and (3.0,)
    with detect_anomaly():
        c = (b + a).tanh()  # sites
    out = c * constant(-0.5) + a.exp()
    out.label = "out"
    out.backward()
    return out


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_value_with_an_op_pickles_with_its_whole_graph(protocol):
    out = small_graph()
    loaded = pickled(out, protocol)
    assert_same_graph(out, loaded)
    notes = {n.notes for n in topological_order(loaded)}
    assert {n.scope for n in notes} == {"", "layer"}
    assert any(n.site for n in notes) and any(n.constant for n in notes)


def test_deepcopy_and_the_pure_python_pickler_keep_the_whole_graph():
    out = small_graph()
    assert_same_graph(out, copy.deepcopy(out))
    assert_same_graph(out, pure_python_pickled(out))


def test_copy_makes_a_new_node_that_shares_the_inputs():
    a = Value(2.0)
    b = a * a
    c = copy.copy(b)
    assert c is not b and c.inputs is b.inputs and c.op is MUL and c.data == 4.0


def test_a_node_reached_twice_is_one_node_after_loading():
    a = Value(3.0)
    square = a * a
    diamond = (a + 1.0) * (a * 2.0)  # a reached along two paths
    for copy_of in (pickled, pure_python_pickled, copy.deepcopy):
        loaded = copy_of(square)
        assert loaded.inputs[0] is loaded.inputs[1]
        loaded = copy_of(diamond)
        assert loaded.inputs[0].inputs[0] is loaded.inputs[1].inputs[0]


def test_values_pickled_together_share_the_nodes_of_their_graphs():
    x = Value(2.0, label="x")
    hidden = x.tanh()
    y = hidden * x
    for copy_of in (pickled, pure_python_pickled, copy.deepcopy):
        for first, second in ((x, y), (y, x)):
            loaded = copy_of((first, second, hidden))
            new_x = loaded[0] if first is x else loaded[1]
            new_y = loaded[1] if first is x else loaded[0]
            assert new_y.inputs == (loaded[2], new_x)  # the very x and hidden loaded with it
            assert loaded[2].inputs == (new_x,)


def test_a_model_and_a_loss_pickled_together_share_the_parameters():
    model = nn.MLP(2, [3, 1], seed=0)
    loss = nn.mse([model([0.5, -1.0]), model([1.0, 2.0])], [1.0, 0.0])
    params, new_loss = pickled((model.parameters(), loss))
    assert {id(p) for p in params} <= {id(n) for n in topological_order(new_loss)}
    loss.backward()
    new_loss.backward()
    assert [p.grad for p in params] == [p.grad for p in model.parameters()]
    assert any(p.grad != 0.0 for p in params)


# --- deep graphs, without recursion ---------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_100000_node_chain_pickles_with_every_protocol(deep_chain, protocol):
    x, y = deep_chain
    new_x, new_y = pickled((x, y), protocol)
    assert_same_graph(y, new_y)
    y.backward()
    new_y.backward()
    assert new_x.grad == x.grad != 0.0


def test_a_100000_node_chain_deepcopies_and_pickles_in_pure_python(deep_chain):
    x, y = deep_chain
    for copy_of in (copy.deepcopy, pure_python_pickled):
        new_x, new_y = copy_of((x, y))
        assert new_y.data == y.data and new_y.inputs[1] is new_x
        assert_same_graph(y, new_y)


def test_pickling_a_chain_walks_its_graph_once(monkeypatch):
    # One topological walk from the output; the nodes of its list are stored without one.
    # (A walk per node would cost n ** 2 steps: minutes for 100,000 nodes.)
    walks = []
    walk = value_module.topological_order
    monkeypatch.setattr(value_module, "topological_order",
                        lambda *args, **kwargs: walks.append(1) or walk(*args, **kwargs))
    x, y = chain(2_000)
    assert_same_graph(y, pickled(y))
    assert len(walks) == 1


def test_pickling_again_in_the_same_thread_starts_afresh():
    x, y = chain(10_000)  # 20,000 nodes: far deeper than pickle could recurse
    middle = y.inputs[0].inputs[0]
    pickled((middle, y))  # y's walk passes nodes pickle already has from middle's
    assert_same_graph(middle, pickled(middle))
    assert_same_graph(y, pickled(y))


class InterruptedPickler(pickle.Pickler):
    """A pickler that stops with an error when it comes to `stop` (a Value of the graph)."""

    def __init__(self, stop: Value) -> None:
        super().__init__(io.BytesIO())
        self.stop = stop

    def persistent_id(self, obj: object) -> None:
        if obj is self.stop:
            raise RuntimeError("interrupted")
        return None


def test_a_pickling_interrupted_midway_leaves_the_next_one_whole():
    x, y = chain(10_000)
    middle = y
    for _ in range(5_000):
        middle = middle.inputs[0]
    pickler = InterruptedPickler(middle)  # kept alive, with its memo
    with pytest.raises(RuntimeError, match="interrupted"):
        pickler.dump(y)  # it stopped just before storing middle, in the middle of y's list
    assert_same_graph(middle, pickled(middle))
    assert_same_graph(y, pickled(y))


# --- gradients that are Values (after backward(create_graph=True)) --------------------------


def test_value_gradients_pickle_with_the_cycles_they_make():
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    (x * w).backward(create_graph=True)
    assert x.grad is w and w.grad is x  # a cycle through the gradients
    for copy_of in (pickled, pure_python_pickled, copy.deepcopy):
        new_x, new_w = copy_of((x, w))
        assert new_x.grad is new_w and new_w.grad is new_x


def test_a_loaded_gradient_graph_differentiates_again():
    x = Value(1.5, label="x")
    (x**3).backward(create_graph=True)  # x.grad = 3 x ** 2, a graph that holds x
    new_x = pickled(x)
    first = new_x.grad
    assert isinstance(first, Value) and first.data == 3 * 1.5**2
    assert new_x in topological_order(first)  # the very x loaded, inside its gradient's graph
    new_x.grad = 0.0
    first.backward()
    assert new_x.grad == pytest.approx(6 * 1.5)  # d(3 x ** 2)/dx = 6 x


def test_gradient_graphs_of_a_deep_chain_pickle():
    x, y = chain(5_000)
    y.backward(create_graph=True)  # every node's grad is a graph through the chain
    for copy_of in (pickled, copy.deepcopy):
        new_x, new_y = copy_of((x, y))
        assert_same_graph(y.grad, new_y.grad)
        assert new_x.grad.data == x.grad.data and math.isfinite(x.grad.data)
        assert_same_graph(x.grad, new_x.grad)

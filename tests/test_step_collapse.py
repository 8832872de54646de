"""Stepping a network module by module: each neuron (or layer) collapsed into one node.

A module's local derivatives are found by backpropagating inside it, so the gradients that
come out of a collapsed walkthrough must still be exactly backward()'s.
"""

import re

import pytest

import nn
from autograd import Value, name_scope, to_dot, topological_order
from autograd.stepper import walkthrough


def network(sizes=(3, 3, 1), seed=0, fused=False):
    model = nn.MLP(2, list(sizes), activation="tanh", seed=seed, fused=fused)
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    loss = nn.mse(model(x), 1.0)
    loss.label = "loss"
    return model, x, loss


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("collapse", ["neurons", "layers", 2])
def test_collapsed_gradients_are_backwards_gradients(collapse, fused):
    model, x, loss = network(fused=fused)
    walk = walkthrough(loss, collapse=collapse)
    loss.backward()
    grads = walk.grads()
    for value in model.parameters() + x:
        assert grads[walk.graph.find(value).name] == pytest.approx(value.grad, rel=1e-12)


def test_each_neuron_becomes_one_node_with_its_computation_written_out():
    _, _, loss = network()
    walk = walkthrough(loss, collapse="neurons")
    first = walk[1]
    assert first.lines[0] == "L0.N0 = tanh(b + w0 * x0 + w1 * x1) = 0.1227"
    modules = [n for n in walk.graph.nodes if n.op == "module"]
    pairs = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0)]  # (layer, neuron)
    # each named as its module, shortened: layers.0.neurons.1 is L0.N1
    assert [n.full_name for n in modules] == [f"layers.{i}.neurons.{j}" for i, j in pairs]
    assert [n.name for n in modules] == [f"L{i}.N{j}" for i, j in pairs]


def test_a_fused_neuron_collapses_to_the_same_computation_as_an_unfused_one():
    # one weighted_sum node per neuron instead of a product per weight and a sum: the module
    # reads the same, tanh(b + w0 * x0 + w1 * x1), with the same numbers and gradients
    fused = walkthrough(network(fused=True)[2], collapse="neurons")
    unfused = walkthrough(network()[2], collapse="neurons")
    assert fused[1].lines[0] == "L0.N0 = tanh(b + w0 * x0 + w1 * x1) = 0.1227"

    def modules(walk):
        return [(n.name, n.expression, n.inputs, n.local_grads) for n in walk.graph.nodes
                if n.op == "module"]

    assert modules(fused) == modules(unfused)
    last = len(fused) - 1  # the same steps, so the same gradients node by node at the end
    assert len(unfused) == len(fused) and fused.state(last) == unfused.state(last)
    assert len(fused.graph.full.nodes) < len(unfused.graph.full.nodes)


def test_a_fused_network_with_constant_inputs_collapses():
    model = nn.MLP(2, [2, 1], activation="tanh", seed=0, fused=True)
    loss = nn.mse(model([0.5, -1.0]), 1.0)  # the inputs become constants, inside every neuron
    walk = walkthrough(loss, collapse="neurons")
    assert walk[1].lines[0].startswith("L0.N0 = tanh(b + w0 * 0.5 + w1 * (-1)) = ")
    assert "constant" not in {n.kind for n in walk.graph.nodes if n.op == "module"}
    loss.backward()
    for value in model.parameters():
        assert walk.grads()[walk.graph.find(value).name] == pytest.approx(value.grad, rel=1e-12)


def test_a_layer_with_several_outputs_numbers_them():
    _, _, loss = network()
    names = [n.name for n in walkthrough(loss, collapse="layers").graph.nodes]
    assert "L0[0]" in names and "L0[2]" in names and "L2" in names


def test_explaining_a_parameter_of_a_collapsed_graph_checks_it_on_the_full_graph():
    _, _, loss = network()
    walk = walkthrough(loss, collapse="neurons")
    result = walk.explain("layers.0.neurons.1.w0")
    assert result.path_count == 3  # through each neuron of layer 1
    assert result.path_sum == pytest.approx(result.grad) and result.agrees


def test_a_graph_too_big_to_step_node_by_node_says_to_collapse_it():
    _, _, loss = network(sizes=(16, 16, 1))
    with pytest.raises(ValueError, match=r"levels=True, or .* collapse='neurons' or 'layers'"):
        walkthrough(loss, levels=False)
    walk = walkthrough(loss, collapse="neurons")
    assert len([n for n in walk.graph.nodes if n.op == "module"]) == 33


def test_collapse_must_match_a_module():
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="matches no module in this graph"):
        walkthrough(x * x, collapse="neurons")
    _, _, loss = network()
    with pytest.raises(ValueError, match="the step names here are layers, neurons"):
        walkthrough(loss, collapse="heads")


# --- one rule for the renderer and the stepper -------------------------------------------------


def network_with_layer_ops(fused=False):
    """An MLP whose first layer also computes something of its own, outside its neurons: a
    node whose scope is just "layers.0" (a layer's normalisation, say)."""
    model = nn.MLP(2, [3, 2, 1], activation="tanh", seed=1, fused=fused)
    x = [0.5, -1.0]
    with name_scope("layers.0"):
        hidden = model.layers[0](x)
        total = hidden[0] + hidden[1] + hidden[2]
        hidden = [h * total for h in hidden]
    with name_scope("layers.1"):
        hidden = model.layers[1](hidden)
    with name_scope("layers.2"):
        out = model.layers[2](hidden)[0]
    return nn.mse([out], 1.0)


def drawn_modules_and_ops(loss, collapse):
    """The module boxes the renderer draws (by scope) and the ops it draws outside them."""
    text = to_dot(loss, collapse=collapse, max_nodes=None)
    modules = set(re.findall(r'tooltip="module ([^:"]+):', text))
    ops = {int(i) for i in re.findall(r'id="n(\d+)_op"', text)}
    return modules, ops


def stepped_modules_and_ops(loss, collapse):
    """The modules the stepper steps (by scope) and the ops it steps outside them."""
    graph = walkthrough(loss, collapse=collapse, max_nodes=10_000).graph
    modules = {n.scope for n in graph.nodes if n.op == "module"}
    # the renderer's ids are positions in the topological order
    position = {id(value): i for i, value in enumerate(topological_order(loss))}
    ops = {position[id(graph.values[n.id])] for n in graph.nodes
           if n.kind == "op" and n.op != "module"}
    return modules, ops


@pytest.mark.parametrize("make_loss", [
    lambda: network()[2], lambda: network(fused=True)[2], network_with_layer_ops,
    lambda: network_with_layer_ops(fused=True),
], ids=["mlp", "fused mlp", "mlp with layer ops", "fused mlp with layer ops"])
@pytest.mark.parametrize("collapse", [1, 2, 3, "layers", "neurons", "heads"])
def test_the_renderer_and_the_stepper_collapse_into_the_same_modules(make_loss, collapse):
    loss = make_loss()
    try:
        drawn = drawn_modules_and_ops(loss, collapse)
    except ValueError as error:  # no module at that level: both say so
        with pytest.raises(ValueError, match="matches no"):
            walkthrough(loss, collapse=collapse, max_nodes=10_000)
        assert "matches no" in str(error)
        return
    assert drawn == stepped_modules_and_ops(loss, collapse)


def test_a_layers_own_op_is_in_no_neuron_box():
    # at collapse=2 (a network's neurons) the modules are two steps deep: a node of scope
    # "layers.0", one step deep, is drawn and stepped as an op of its own, as at "neurons"
    loss = network_with_layer_ops()
    modules, _ = drawn_modules_and_ops(loss, 2)
    assert "layers.0" not in modules and "layers.0.neurons.0" in modules
    assert drawn_modules_and_ops(loss, 2) == drawn_modules_and_ops(loss, "neurons")

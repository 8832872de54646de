"""Stepping a network module by module: each neuron (or layer) collapsed into one node.

A module's local derivatives are found by backpropagating inside it, so the gradients that
come out of a collapsed walkthrough must still be exactly backward()'s.
"""

import pytest

import nn
from autograd import Value
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
    assert first.lines[0] == "layers.0.neurons.0 = tanh(b + w0 * x0 + w1 * x1) = 0.1227"
    modules = [n for n in walk.graph.nodes if n.op == "module"]
    assert [n.name for n in modules] == [f"layers.{i}.neurons.{j}" for i, j in
                                         [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0)]]


def test_a_fused_neuron_collapses_to_the_same_computation_as_an_unfused_one():
    # one weighted_sum node per neuron instead of a product per weight and a sum: the module
    # reads the same, tanh(b + w0 * x0 + w1 * x1), with the same numbers and gradients
    fused = walkthrough(network(fused=True)[2], collapse="neurons")
    unfused = walkthrough(network()[2], collapse="neurons")
    assert fused[1].lines[0] == "layers.0.neurons.0 = tanh(b + w0 * x0 + w1 * x1) = 0.1227"

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
    assert walk[1].lines[0].startswith("layers.0.neurons.0 = tanh(b + w0 * 0.5 + w1 * (-1)) = ")
    assert "constant" not in {n.kind for n in walk.graph.nodes if n.op == "module"}
    loss.backward()
    for value in model.parameters():
        assert walk.grads()[walk.graph.find(value).name] == pytest.approx(value.grad, rel=1e-12)


def test_a_layer_with_several_outputs_numbers_them():
    _, _, loss = network()
    names = [n.name for n in walkthrough(loss, collapse="layers").graph.nodes]
    assert "layers.0[0]" in names and "layers.0[2]" in names and "layers.2" in names


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
    with pytest.raises(ValueError, match="its scope steps are: layers, neurons"):
        walkthrough(loss, collapse="heads")

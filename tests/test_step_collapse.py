"""Stepping a network module by module: each neuron (or layer) collapsed into one node.

A module's local derivatives are found by backpropagating inside it, so the gradients that
come out of a collapsed walkthrough must still be exactly backward()'s.
"""

import pytest

import nn
from autograd import Value
from autograd.stepper import walkthrough


def network(sizes=(3, 3, 1), seed=0):
    model = nn.MLP(2, list(sizes), activation="tanh", seed=seed)
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    loss = nn.mse(model(x), 1.0)
    loss.label = "loss"
    return model, x, loss


@pytest.mark.parametrize("collapse", ["neurons", "layers", 2])
def test_collapsed_gradients_are_backwards_gradients(collapse):
    model, x, loss = network()
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
    with pytest.raises(ValueError, match=r"collapse='neurons' or 'layers'"):
        walkthrough(loss)
    walk = walkthrough(loss, collapse="neurons")
    assert len([n for n in walk.graph.nodes if n.op == "module"]) == 33


def test_collapse_must_match_a_module():
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="matches no module in this graph"):
        walkthrough(x * x, collapse="neurons")
    _, _, loss = network()
    with pytest.raises(ValueError, match="its scope steps are: layers, neurons"):
        walkthrough(loss, collapse="heads")

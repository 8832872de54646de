"""Code written for micrograd runs on chainrule with only its imports changed, and gives
micrograd's numbers: `from autograd import Value` and `from nn.micrograd import Neuron, Layer,
MLP` in place of micrograd.engine and micrograd.nn."""

import random

import numpy as np
import pytest
from conftest import require_module

import nn
from autograd import Value, topological_order
from nn.micrograd import MLP, Layer, Neuron

# The first ten losses of micrograd's demo notebook: micrograd 0.1.0 from PyPI, run as the
# demo runs it (random.seed(1337), np.random.seed(1337), sklearn's make_moons(n_samples=100,
# noise=0.1), MLP(2, [16, 16, 1]), max-margin loss plus 1e-4 * L2, lr = 1.0 - 0.9 * k / 100).
# micrograd adds gradients in the order of a set of nodes, which changes from run to run, so
# its own runs differ in the last digits: agreement is checked to 1e-12.
MICROGRAD_DEMO_LOSSES = [
    0.8958441028683222, 1.723590533697202, 0.7429006313851131, 0.7705641260584201,
    0.3692793385976537, 0.31354548191852194, 0.2814234349772435, 0.26888733313983904,
    0.2567147286057417, 0.27048625516379227,
]


@pytest.fixture
def global_generators():
    """Let a test seed Python's and numpy's global generators, as micrograd's users do, and
    leave both as they were afterwards."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    yield
    random.setstate(python_state)
    np.random.set_state(numpy_state)


def test_micrograds_demo_gives_micrograds_losses(global_generators):
    datasets = require_module("sklearn.datasets", "pip install scikit-learn")
    np.random.seed(1337)
    random.seed(1337)
    X, y = datasets.make_moons(n_samples=100, noise=0.1)  # from numpy's global generator
    y = y * 2 - 1
    model = MLP(2, [16, 16, 1])
    losses = []
    for k in range(10):
        scores = [model([Value(v) for v in row]) for row in X]
        margins = [(1 + -label * score).relu() for label, score in zip(y, scores)]
        data_loss = sum(margins) * (1.0 / len(margins))
        total_loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        losses.append(total_loss.data)
    assert losses == pytest.approx(MICROGRAD_DEMO_LOSSES, rel=0, abs=1e-12)


def test_weights_come_from_python_random_neuron_by_neuron(global_generators):
    random.seed(7)
    model = MLP(2, [2, 1])
    random.seed(7)
    # micrograd's order: each neuron draws its weights, layer by layer; biases are not drawn
    expected = [[random.uniform(-1, 1) for _ in range(2)] for _ in range(3)]
    assert [[w.data for w in neuron.w] for layer in model.layers
            for neuron in layer.neurons] == expected
    assert all(neuron.b.data == 0.0 for layer in model.layers for neuron in layer.neurons)


def test_the_same_seed_gives_the_same_model(global_generators):
    random.seed(3)
    first = MLP(3, [4, 1]).state_dict()
    random.seed(3)
    assert MLP(3, [4, 1]).state_dict() == first


def test_micrograd_models_leave_nns_generator_alone():
    nn.manual_seed(11)
    MLP(2, [16, 16, 1])
    Layer(3, 4)
    Neuron(5)
    after = nn.MLP(2, [3, 1]).state_dict()
    nn.manual_seed(11)
    assert nn.MLP(2, [3, 1]).state_dict() == after


def test_hidden_layers_are_relu_and_the_last_is_linear():
    model = MLP(2, [3, 3, 1])
    assert [[n.nonlin for n in layer.neurons] for layer in model.layers] == [
        [True] * 3, [True] * 3, [False]]


def test_a_linear_neuron_takes_nonlin_false():
    neuron = Neuron(2, nonlin=False)
    neuron.w[0].data, neuron.w[1].data = 1.0, 1.0
    out = neuron([-2.0, -1.0])
    assert out.data == -3.0 and out._op == "+"  # no relu: w . x + b itself


def test_a_relu_neuron_cuts_below_zero():
    neuron = Neuron(2)
    neuron.w[0].data, neuron.w[1].data = 1.0, 1.0
    out = neuron([-2.0, -1.0])
    assert out.data == 0.0 and out._op == "ReLU"


def test_a_layer_of_one_neuron_returns_a_value_and_of_several_a_list():
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    outputs = Layer(2, 3, nonlin=False)([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 3


def test_an_mlp_with_one_output_returns_a_value():
    assert isinstance(MLP(2, [4, 1])([1.0, 2.0]), Value)


def test_printed_as_micrograd_prints_them():
    assert repr(MLP(2, [2, 1])) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]")


def test_parameters_come_in_micrograds_order():
    model = MLP(2, [2, 1])
    neurons = [n for layer in model.layers for n in layer.neurons]
    assert model.parameters() == [p for n in neurons for p in n.w + [n.b]]
    assert [p.grad for p in model.parameters()] == [0.0] * 9


def test_they_are_chainrule_modules_that_fit_trains():
    model = MLP(2, [4, 1])
    history = nn.fit(model, nn.mse, nn.SGD(model.parameters(), lr=0.05),
                     [[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0], epochs=5)
    assert history.epochs == 5
    assert "layers.0.neurons.3.b" in model.state_dict()


def test_op_names_let_micrograds_draw_dot_show_every_operation():
    # micrograd's draw_dot labels each op node with n._op and walks n._prev
    x = Value(3.0)
    y = ((x * 2 + 1) ** 2 / x - x).relu()
    assert {n._op for n in topological_order(y)} == {"", "*", "+", "**2", "**-1", "ReLU"}
    assert all(set(n.inputs) == n._prev for n in topological_order(y))


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: Neuron(2, nonlin="yes"), TypeError, "nonlin must be True or False, got str"),
        (lambda: Layer(2, 3, activation="tanh"), TypeError, "takes nin, nout and nonlin, got "
                                                            "activation"),
        (lambda: MLP(2, []), ValueError, "at least one layer size"),
        (lambda: Neuron(0), ValueError, "nin must be at least 1"),
    ],
)
def test_bad_arguments_say_what_is_wrong(make, error, message):
    with pytest.raises(error, match=message):
        make()

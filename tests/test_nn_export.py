"""to_torch(): an nn.MLP becomes a torch.nn.Sequential with the same weights and, in float64,
the same outputs to 1e-12, for every activation, before and after training."""

import sys

import numpy as np
import pytest

import nn
from autograd import tanh
from tests.conftest import require_module


def outputs_of(model: nn.MLP, points: np.ndarray) -> np.ndarray:
    return np.array([[v.data for v in model.forward(p)] for p in points.tolist()])


def torch_outputs(sequential, points: np.ndarray) -> np.ndarray:
    torch = require_module("torch")
    with torch.no_grad():
        return sequential(torch.tensor(points, dtype=torch.float64)).numpy()


def test_an_mlp_becomes_linear_layers_with_activations_between():
    torch = require_module("torch")
    exported = nn.to_torch(nn.MLP(3, [5, 4, 2], seed=0))
    kinds = [type(m).__name__ for m in exported]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert exported[0].weight.shape == (5, 3) and exported[0].weight.dtype == torch.float64


def test_row_j_of_a_linear_weight_holds_neuron_js_weights():
    require_module("torch")
    model = nn.MLP(2, [3, 1], seed=1)
    linear = nn.to_torch(model)[0]
    for j, neuron in enumerate(model.layers[0].neurons):
        assert linear.weight[j].tolist() == [w.data for w in neuron.w]
        assert linear.bias[j].item() == neuron.b.data


@pytest.mark.parametrize(
    "activation", ["relu", "tanh", "sigmoid", "leaky_relu", "softplus", "linear", tanh]
)
def test_the_exported_model_gives_the_same_outputs_to_1e_12(activation):
    require_module("torch")
    model = nn.MLP(3, [8, 8, 2], activation=activation, seed=2)
    # wide inputs reach both sides of every kink, and softplus's linear tail (x > 36)
    points = np.random.default_rng(0).normal(0.0, 30.0, size=(64, 3))
    ours, theirs = outputs_of(model, points), torch_outputs(nn.to_torch(model), points)
    assert np.max(np.abs(ours - theirs)) <= 1e-12


def test_a_trained_model_exports_with_the_same_outputs():
    require_module("torch")
    X, y = nn.make_moons(40, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 8, 1], output_activation="sigmoid", seed=0)
    nn.fit(
        model, nn.mse, nn.Adam(model.parameters(), lr=0.05), X, y, epochs=5, batch_size=10, seed=0
    )
    points = np.random.default_rng(1).uniform(-2, 3, size=(100, 2))
    assert np.allclose(
        outputs_of(model, points), torch_outputs(nn.to_torch(model), points), rtol=0, atol=1e-12
    )


def test_float32_export_on_request():
    torch = require_module("torch")
    exported = nn.to_torch(nn.MLP(2, [2, 1], seed=0), dtype=torch.float32)
    assert exported[0].weight.dtype == torch.float32


def test_an_activation_torch_lacks_is_refused_naming_it():
    require_module("torch")

    def cube(z):
        return z**3

    with pytest.raises(ValueError, match="cannot export the activation .*cube.* of layer 0"):
        nn.to_torch(nn.MLP(2, [3, 1], activation=cube, seed=0))


def test_only_an_mlp_is_exported():
    with pytest.raises(TypeError, match="exports an nn.MLP, got Layer"):
        nn.to_torch(nn.Layer(2, 3, seed=0))


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match="make torch"):
        nn.to_torch(nn.MLP(2, [1], seed=0))

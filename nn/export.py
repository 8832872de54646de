"""Export a trained MLP to PyTorch: the same network as a torch.nn.Sequential, same weights.

chainrule computes one scalar Value at a time, to show every step; PyTorch computes on whole
tensors, to go fast. Each Layer becomes a torch.nn.Linear, whose weight matrix holds neuron
j's weights in row j and whose bias holds the neurons' biases, followed by the layer's
activation. In float64 the two models agree to rounding (about 1e-15).
"""

from __future__ import annotations

from typing import Any

from autograd import leaky_relu, relu, sigmoid, softplus, tanh

from .layers import MLP, Layer

# Above this input PyTorch's Softplus returns x itself; chainrule computes
# x + log(1 + e^-x), and e^-36 = 2.3e-16 is below the rounding of x there: the same number.
SOFTPLUS_THRESHOLD = 36.0


def to_torch(model: MLP, dtype: Any = None) -> Any:
    """A torch.nn.Sequential computing what `model` computes, in float64 unless dtype says.

    MLP(2, [16, 1]) becomes Sequential(Linear(2, 16), ReLU(), Linear(16, 1)): no module for
    a linear (identity) activation. It returns a tensor of shape (batch, outputs) where the
    MLP returns a Value or a list. Needs PyTorch (`make torch`, or pip install torch).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch exports an nn.MLP, got {type(model).__name__}")
    try:
        import torch
    except ImportError:
        raise ImportError(
            "to_torch needs PyTorch, which is not installed; install its CPU build with "
            "`make torch` or pip install torch"
        ) from None
    dtype = torch.float64 if dtype is None else dtype
    modules = []
    for i, layer in enumerate(model.layers):
        modules.append(_linear(layer, dtype, torch))
        activation = _torch_activation(layer.activation, f"layer {i}", torch)
        if activation is not None:
            modules.append(activation)
    return torch.nn.Sequential(*modules)


def _linear(layer: Layer, dtype: Any, torch: Any) -> Any:
    """A torch.nn.Linear holding the layer's weights (one row per neuron) and biases."""
    linear = torch.nn.Linear(layer.nin, layer.nout, dtype=dtype)
    weights = [[w.data for w in neuron.w] for neuron in layer.neurons]  # shape (nout, nin)
    biases = [neuron.b.data for neuron in layer.neurons]
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(weights, dtype=dtype))
        linear.bias.copy_(torch.tensor(biases, dtype=dtype))
    return linear


def _torch_activation(activation: object, where: str, torch: Any) -> Any:
    """The torch module for an activation (a name from nn.ACTIVATIONS or its function)."""
    by_function = {
        relu: "relu",
        tanh: "tanh",
        sigmoid: "sigmoid",
        leaky_relu: "leaky_relu",
        softplus: "softplus",
    }
    name = by_function.get(activation, activation) if callable(activation) else activation
    if name in ("linear", "identity"):
        return None
    modules = {
        "relu": lambda: torch.nn.ReLU(),
        "tanh": lambda: torch.nn.Tanh(),
        "sigmoid": lambda: torch.nn.Sigmoid(),
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),  # chainrule's slope for negatives
        "softplus": lambda: torch.nn.Softplus(beta=1.0, threshold=SOFTPLUS_THRESHOLD),
    }
    if name not in modules:
        raise ValueError(
            f"to_torch cannot export the activation {activation!r} of {where}: it knows "
            f"{', '.join(['linear', *modules])}"
        )
    return modules[name]()

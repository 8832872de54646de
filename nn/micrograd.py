"""micrograd's Neuron, Layer and MLP: code written for micrograd runs with only its imports changed.

    from micrograd.engine import Value           ->  from autograd import Value
    from micrograd.nn import Neuron, Layer, MLP   ->  from nn.micrograd import Neuron, Layer, MLP

These are chainrule modules (fit, save, draw and the stepper take them) that keep micrograd's
signatures and habits: `Neuron(nin, nonlin=True)`, `Layer(nin, nout, **kwargs)`, which returns
a bare Value when nout is 1, `MLP(nin, nouts)`, and micrograd's printed form. Each weight is
drawn with Python's `random.uniform(-1, 1)`, neuron by neuron, and each bias starts at 0, as
micrograd draws them: after `random.seed(1337)` the weights, and every number computed from
them, are micrograd's. (nn's own modules draw from numpy: see nn.manual_seed.)
"""

from __future__ import annotations

import random

from . import layers


def _uniform_as_micrograd(nin: int) -> list[float]:
    """nin weights from Python's random.uniform(-1, 1), one after another, as micrograd draws."""
    return [random.uniform(-1, 1) for _ in range(nin)]


class Neuron(layers.Neuron):
    """micrograd's neuron: relu(w . x + b), or w . x + b with nonlin=False."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        if not isinstance(nonlin, bool):
            raise TypeError(f"nonlin must be True or False, got {type(nonlin).__name__}: "
                            f"{nonlin!r}")
        super().__init__(nin, "relu" if nonlin else "linear", init=_uniform_as_micrograd)
        self.nonlin = nonlin
        self.b.data = 0.0  # micrograd's biases start at 0 (nn's relu neurons start above it)

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({self.nin})"


class Layer(layers.Layer):
    """micrograd's layer: nout neurons; calling it returns a Value when nout is 1, else a list."""

    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:
        unknown = sorted(set(kwargs) - {"nonlin"})
        if unknown:
            raise TypeError(f"Layer takes nin, nout and nonlin, got {', '.join(unknown)}")
        nonlin = kwargs.get("nonlin", True)
        # Built by the base class, then given micrograd's neurons (each draws its own weights
        # from Python's random, as micrograd's do): nothing is drawn from nn's generator.
        super().__init__(nin, nout, "relu" if nonlin else "linear", init=_no_weights)
        self.neurons = [Neuron(nin, nonlin) for _ in range(nout)]
        self.tag_parameters()

    def __call__(self, x: list) -> object:
        """forward(x), unwrapped to a single Value when the layer has one neuron."""
        outputs = self.forward(x)
        return outputs[0] if len(outputs) == 1 else outputs

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(layers.MLP):
    """micrograd's MLP: relu layers, then a linear one; a single output is returned as a Value."""

    def __init__(self, nin: int, nouts: list[int]) -> None:
        super().__init__(nin, nouts, init=_no_weights)
        self.layers = [
            Layer(size, nout, nonlin=i != len(self.nouts) - 1)
            for i, (size, nout) in enumerate(zip([self.nin] + self.nouts, self.nouts))
        ]
        self.tag_parameters()

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def _no_weights(nin: int) -> list[float]:
    """Zeros: the starting weights of a base-class neuron that is replaced straight away."""
    return [0.0] * nin

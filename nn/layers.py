"""Neuron, Layer and MLP: a neural network written as arithmetic on Values.

A neuron computes activation(w0*x0 + w1*x1 + ... + b): a weighted sum of its inputs plus a
bias, bent by a nonlinearity. A layer is neurons side by side reading the same inputs; an MLP
is layers in a row, each reading the outputs of the one before. Since all of it is Values,
loss.backward() finds d loss / d w for every weight, with no derivative written here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Real

import numpy as np

from autograd import (
    Value,
    constant,
    leaky_relu,
    name_scope,
    relu,
    sigmoid,
    softplus,
    tanh,
    total,
    weighted_sum,
)

from .checks import flag, positive_int
from .module import Module
from .rng import make_rng


def _identity(z: Value) -> Value:
    """No nonlinearity: out = z."""
    return z


# The activations a layer can apply to its weighted sums, by name.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "linear": _identity,  # out = z, for output layers that produce scores
    "identity": _identity,  # the same, by its other common name
    "relu": relu,  # max(z, 0)
    "tanh": tanh,  # (e^z - e^-z) / (e^z + e^-z), in (-1, 1)
    "sigmoid": sigmoid,  # 1 / (1 + e^-z), in (0, 1)
    "leaky_relu": leaky_relu,  # z if z > 0 else 0.01 * z: negative inputs keep a small slope
    "softplus": softplus,  # log(1 + e^z), a smooth relu
}
"""The activations a layer can apply, by name: `activation="tanh"` looks its function up here."""

# Weight initializations:
#   "he":      normal, std sqrt(2 / nin). relu zeroes about half of its outputs, halving their
#              mean square; the 2 makes up for it, so signals keep their size layer after layer.
#   "xavier":  normal, std sqrt(2 / (nin + nout)) (Glorot): a compromise that keeps the size
#              of both the forward signals and the backward gradients, for tanh, sigmoid, linear.
#   "uniform": uniform in [-1, 1], as micrograd draws its weights.
#   "auto":    "he" for relu and leaky_relu layers, "xavier" for every other activation.
# init may also be a function of nin that returns nin starting weights.
INITS = ("auto", "he", "xavier", "uniform")
"""The names `init=` takes: "he", "xavier", "uniform" (micrograd's) or "auto"."""

# Biases start at 0, except in relu and leaky_relu neurons, which start at RELU_BIAS. A relu
# whose weighted sum is negative for every input is off for good: it outputs 0 and passes
# no gradient back, so nothing can turn it on again ("dead"). With a zero bias a neuron is off
# for every input when its weights point away from all of them, and on a tiny data set the
# first large steps push many neurons there. A small positive bias starts every neuron on
# near the origin, a margin the first steps must eat up before they can kill it. Measured on
# the micrograd lecture's loop (MLP(3, [4, 4, 1]) on its 4 points, summed squared error,
# plain SGD at lr 0.1) over seeds 0 to 99, the runs that ended with every relu of a layer
# off: 57 after 20 steps and 83 after 100 with zero biases, 50 and 67 with 0.1, and 47 and
# 79 with micrograd's modules (nn.micrograd). A large bias makes the outputs, and so the
# first steps, larger: 1.0 sticks more often than 0.
RELU_BIAS = 0.1
"""The starting bias of relu and leaky_relu neurons (every other neuron's starts at 0)."""


class Neuron(Module):
    """One neuron: out = activation(w0*x0 + w1*x1 + ... + b).

    activation: a name from ACTIVATIONS or a function of one Value. init: a name from INITS,
    or a function of nin that returns nin starting weights. The bias starts at RELU_BIAS for
    relu and leaky_relu, else at 0. seed or rng: where the initial weights come from (the same
    seed gives the same weights; neither: nn's default generator, see nn.manual_seed).
    fan_out: how many neurons share this neuron's layer (only "xavier" uses it).
    fused: record the weighted sum as one node (autograd.weighted_sum) instead of a product
    node per weight and a sum node. The numbers and gradients are the same; the graph has a
    node per neuron where it had nin + 1, so training runs about twice as fast, but drawings
    and the stepper no longer show the products.
    """

    def __init__(
        self,
        nin: int,
        activation: str | Callable[[Value], Value] = "relu",
        init: str | Callable[[int], Sequence[float]] = "auto",
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        fan_out: int = 1,
        fused: bool = False,
    ) -> None:
        self.nin = positive_int(nin, "nin")
        self.activation = activation
        self.fused = flag(fused, "fused")
        self._activate = _activation_function(activation)
        weights = _initial_weights(
            init, activation, nin, positive_int(fan_out, "fan_out"), make_rng(seed, rng)
        )
        self.w = [Value(x, label=f"w{i}") for i, x in enumerate(weights)]
        self.b = Value(RELU_BIAS if activation in ("relu", "leaky_relu") else 0.0, label="b")
        self.tag_parameters()

    def own_parameters(self) -> list[tuple[str, Value]]:
        """The weights as "w.0", "w.1", ..., then the bias "b"."""
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """activation(w . x + b) for a list of nin inputs (numbers or Values)."""
        return self._output(check_inputs(x, self.nin, "Neuron"))

    def _output(self, x: list[Value | float]) -> Value:
        """activation(w . x + b) for inputs already checked (Layer checks once for all neurons)."""
        if self.fused:  # one node: b + w0*x0 + w1*x1 + ...
            z = weighted_sum(self.w, x, self.b)
        else:  # a product node per weight, then one sum node: the same number
            z = total([self.b] + [wi * xi for wi, xi in zip(self.w, x)])
        return self._activate(z)

    def extra_repr(self) -> str:
        return f"{self.nin}, activation={_activation_repr(self.activation)}{_fused_repr(self)}"


class Layer(Module):
    """nout neurons reading the same nin inputs; calling it always returns a list of nout Values.

    (micrograd's Layer returns a bare Value when nout is 1; this one keeps one return type,
    and nn.micrograd.Layer keeps micrograd's.)
    fused: each neuron records its weighted sum as one node (see Neuron).
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | Callable[[Value], Value] = "relu",
        init: str | Callable[[int], Sequence[float]] = "auto",
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        fused: bool = False,
    ) -> None:
        self.nin = positive_int(nin, "nin")
        self.nout = positive_int(nout, "nout")
        self.activation = activation
        self.fused = flag(fused, "fused")
        rng = make_rng(seed, rng)  # one generator for all neurons: they draw one after another
        self.neurons = [
            Neuron(nin, activation, init, rng=rng, fan_out=nout, fused=fused)
            for _ in range(self.nout)
        ]
        # The name scope each neuron's work is recorded in, made once (a call of the layer
        # enters one per neuron; making them anew each time cost 4% of the forward pass).
        self._scopes = [name_scope(f"neurons.{j}") for j in range(self.nout)]
        self.tag_parameters()

    def submodules(self) -> list[tuple[str, Module]]:
        """The neurons, as "neurons.0", "neurons.1", ..."""
        return [(f"neurons.{j}", neuron) for j, neuron in enumerate(self.neurons)]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """forward(x): the outputs of every neuron, as a list."""
        return self.forward(x)

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        """The outputs of every neuron, each computed inside name_scope("neurons.j")."""
        x = check_inputs(x, self.nin, "Layer")  # once here, not again in each neuron
        if len(self._scopes) != len(self.neurons):  # neurons were added or removed since
            self._scopes = [name_scope(f"neurons.{j}") for j in range(len(self.neurons))]
        outputs = []
        for neuron, scope in zip(self.neurons, self._scopes):
            with scope:
                outputs.append(neuron._output(x))
        return outputs

    def extra_repr(self) -> str:
        return (f"{self.nin}, {self.nout}, activation={_activation_repr(self.activation)}"
                f"{_fused_repr(self)}")


class MLP(Module):
    """A multi-layer perceptron: layers of sizes nouts, the first reading nin inputs.

    As in micrograd, MLP(nin, nouts) uses relu in the hidden layers and no activation in the
    last one, whose outputs are scores (logits). Give `activation` a name to use it in every
    hidden layer (and `output_activation` for the last), or a list with one per layer.

    Calling the model returns what micrograd's MLP returns, so that switching is an import
    change: a single Value when the last layer has one output, else a list of Values. The type
    depends only on the architecture, never on the call. `forward(x)` always returns a list.

    fused=True records each neuron's weighted sum as one node (see Neuron): the same numbers,
    about twice as fast to train, without the per-weight products in drawings and steps.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Callable | Sequence[str | Callable] = "relu",
        output_activation: str | Callable | None = None,
        init: str | Callable[[int], Sequence[float]] = "auto",
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        fused: bool = False,
    ) -> None:
        self.nin = positive_int(nin, "nin")
        self.fused = flag(fused, "fused")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Iterable):
            raise TypeError(f"nouts must be a list of layer sizes, got {type(nouts).__name__}")
        self.nouts = [positive_int(n, "each layer size in nouts") for n in nouts]
        if not self.nouts:
            raise ValueError("nouts must list at least one layer size, got an empty list")
        self.activation = activation
        self.output_activation = output_activation
        activations = _layer_activations(activation, output_activation, len(self.nouts))
        rng = make_rng(seed, rng)
        sizes = [self.nin] + self.nouts
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activations[i], init, rng=rng, fused=fused)
            for i in range(len(self.nouts))
        ]
        # The name scope of each layer's work, made once, as Layer makes its neurons'.
        self._scopes = [name_scope(f"layers.{i}") for i in range(len(self.layers))]
        self.tag_parameters()

    def submodules(self) -> list[tuple[str, Module]]:
        """The layers, as "layers.0", "layers.1", ..."""
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        """The last layer's outputs, always as a list; layer i runs in name_scope("layers.i")."""
        x = check_inputs(x, self.nin, "MLP")
        if len(self._scopes) != len(self.layers):  # layers were added or removed since
            self._scopes = [name_scope(f"layers.{i}") for i in range(len(self.layers))]
        for layer, scope in zip(self.layers, self._scopes):
            with scope:
                x = layer.forward(x)
        return x

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """forward(x), unwrapped to a single Value when the last layer has one output."""
        outputs = self.forward(x)
        return outputs[0] if self.nouts[-1] == 1 else outputs

    def extra_repr(self) -> str:
        if isinstance(self.activation, (list, tuple)):
            names = ", ".join(_activation_repr(a) for a in self.activation)
            return f"{self.nin}, {self.nouts}, activation=[{names}]{_fused_repr(self)}"
        return (
            f"{self.nin}, {self.nouts}, activation={_activation_repr(self.activation)}, "
            f"output_activation={_activation_repr(self.output_activation or 'linear')}"
            f"{_fused_repr(self)}"
        )


# --- helpers ---------------------------------------------------------------------------------


def check_inputs(x: object, nin: int, who: str) -> list[Value]:
    """x as a list of nin Values, or a TypeError / ValueError saying what is wrong.

    A number becomes one constant node, which every neuron reading it shares (rather than
    each neuron's product making a constant of its own).
    """
    if isinstance(x, (Value, Real, str, bytes)) or not isinstance(x, Iterable):
        raise TypeError(
            f"{who} takes a list of {nin} inputs (numbers or Values), got {type(x).__name__}"
        )
    x = list(x)
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}")
    for i, xi in enumerate(x):
        if isinstance(xi, Value):
            continue
        if not isinstance(xi, Real):
            raise TypeError(
                f"{who} input {i} must be a number or a Value, got {type(xi).__name__}: {xi!r}"
            )
        x[i] = constant(xi)
    return x


def _fused_repr(module: Module) -> str:
    """", fused=True" for a fused module: the default, False, is not shown."""
    return ", fused=True" if module.fused else ""


def _activation_function(activation: object) -> Callable[[Value], Value]:
    """The function an activation name stands for (or the function itself)."""
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )
        return ACTIVATIONS[activation]
    if callable(activation):
        return activation
    raise TypeError(
        f"activation must be a name ({', '.join(ACTIVATIONS)}) or a function of a Value, "
        f"got {type(activation).__name__}: {activation!r}"
    )


def _activation_repr(activation: object) -> str:
    """'relu' for a name, the function's own name for a function."""
    if isinstance(activation, str):
        return repr(activation)
    return getattr(activation, "__name__", repr(activation))


def _layer_activations(activation: object, output_activation: object, nlayers: int) -> list:
    """One activation per layer, from MLP's activation and output_activation arguments."""
    if isinstance(activation, (list, tuple)):
        if output_activation is not None:
            raise ValueError(
                "give output_activation only with a single activation name; with a list, "
                "its last entry is the output layer's activation"
            )
        if len(activation) != nlayers:
            raise ValueError(
                f"activation lists one entry per layer: expected {nlayers}, got {len(activation)}"
            )
        activations = list(activation)
    else:
        _activation_function(activation)  # checked even when there is no hidden layer to use it
        last = "linear" if output_activation is None else output_activation
        activations = [activation] * (nlayers - 1) + [last]
    for a in activations:
        _activation_function(a)  # raises for an unknown name or a wrong type
    return activations


def _initial_weights(
    init: object, activation: object, nin: int, nout: int, rng: np.random.Generator
) -> list[float]:
    """nin starting weights drawn from rng as `init` says (see INITS above)."""
    if callable(init):
        return _weights_from(init, nin)
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(
            f"unknown init {init!r}; choose one of {', '.join(INITS)}, or give a function of "
            f"nin that returns nin weights"
        )
    if init == "auto":
        init = "he" if activation in ("relu", "leaky_relu") else "xavier"
    if init == "uniform":
        draws = rng.uniform(-1.0, 1.0, size=nin)
    elif init == "he":
        draws = rng.normal(0.0, math.sqrt(2.0 / nin), size=nin)
    else:  # xavier
        draws = rng.normal(0.0, math.sqrt(2.0 / (nin + nout)), size=nin)
    return [float(x) for x in draws]


def _weights_from(init: Callable[[int], Sequence[float]], nin: int) -> list[float]:
    """init(nin) as a list of nin floats, or a TypeError / ValueError saying what came back."""
    name = getattr(init, "__name__", repr(init))
    weights = init(nin)
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Iterable):
        raise TypeError(f"init function {name} must return a list of {nin} numbers, "
                        f"got {type(weights).__name__}")
    weights = list(weights)
    if len(weights) != nin:
        raise ValueError(f"init function {name} must return {nin} weights, got {len(weights)}")
    for i, w in enumerate(weights):
        if isinstance(w, bool) or not isinstance(w, Real):
            raise TypeError(f"init function {name} returned weight {i} as "
                            f"{type(w).__name__}: {w!r}, not a number")
    return [float(w) for w in weights]

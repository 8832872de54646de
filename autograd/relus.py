"""Dead relus: when every relu of a layer is off for every input, no gradient gets through.

relu(a) = max(a, 0) has slope 0 where a <= 0, so a relu that is off passes no gradient back.
When every relu of a layer is off for every input of the loss, nothing before that layer gets
a gradient, nor do the layer's own weights: gradient descent cannot turn them on again, and a
network whose every gradient is 0 is stuck for good. fit() and the training walkthrough use
this to say so.
"""

from __future__ import annotations

import re

from . import ops
from .graph import topological_order
from .value import Value

# nn names a layer's neurons "neurons.0", "neurons.1", ...: a relu made in neuron j of layer
# "layers.1" has scope "layers.1.neurons.j", and its layer is "layers.1".
_NEURON_SUFFIX = re.compile(r"(^|\.)neurons\.\d+$")


def dead_relu_layers(root: Value) -> list[str]:
    """The layers of root's graph in which every relu is off (its input <= 0), in graph order.

    A relu's layer is its scope without the neuron ("layers.1.neurons.3" is in "layers.1");
    relus made outside every module are in layer "". A layer with no relu is never listed.
    """
    on: dict[str, bool] = {}  # layer -> is some relu of it on? (insertion order: first seen)
    for node in topological_order(root):
        if node.op is ops.RELU:
            layer = _NEURON_SUFFIX.sub("", node.scope)
            on[layer] = on.get(layer, False) or not node.inputs[0].data <= 0
    return [layer for layer, some_on in on.items() if not some_on]


def dead_relus(root: Value) -> str | None:
    """ "every relu in layers.1 is off for every input", for the dead layers of root's graph;
    None if there are none. ("for every input": every input that root was computed from.)"""
    layers = dead_relu_layers(root)
    if not layers:
        return None
    if layers == [""]:  # relus made outside every module
        return "every relu is off for every input"
    where = " and in ".join(layer or "the top level" for layer in layers)
    return f"every relu in {where} is off for every input"

"""Why a gradient is what it is: the sum over paths, and a check by nudging.

d output / d node is the sum, over every path from the node to the output, of the product of
the local derivatives along the path (the chain rule, unrolled). Backward computes the same
sum edge by edge, without listing the paths. A finite difference checks it from outside:
nudge the node by h, recompute the output, and see how far it moved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..ops import PRIMITIVES
from ..value import Value
from .model import Graph, Node, _d, _number, snapshot
from .symbols import fmt, lead

MAX_PATHS = 50  # more paths than this are counted and summed, not listed


@dataclass(frozen=True)
class Path:
    """One path from a node to the output: the nodes on it and the local derivative of each edge."""

    names: tuple[str, ...]
    factors: tuple[tuple[str, float], ...]  # ("dc/da", -3.0) per edge, from the node outward

    @property
    def product(self) -> float:
        """The product of the local derivatives along the path."""
        result = 1.0
        for _, local in self.factors:
            result *= local
        return result

    def __str__(self) -> str:
        route = " -> ".join(self.names)
        symbols = " * ".join(name for name, _ in self.factors)
        numbers = lead(" * ".join(_number(local) for _, local in self.factors))
        if not self.factors:
            return f"{route}: the output itself, 1"
        return f"{route}: {symbols} = {numbers} = {fmt(self.product)}"


@dataclass(frozen=True)
class Explanation:
    """The gradient of the output with respect to one node, taken apart and checked."""

    node: str
    output: str
    derivative: str  # e.g. "dL/da"
    grad: float  # what backward computes
    paths: tuple[Path, ...]  # every path, or none when there are more than MAX_PATHS
    path_count: int
    path_sum: float
    h: float
    output_up: float  # the output with the node nudged by +h
    output_down: float  # ... and by -h
    numeric: float  # (output_up - output_down) / 2h

    @property
    def agrees(self) -> bool:
        """True when the finite difference matches the gradient (as gradcheck would judge)."""
        if math.isnan(self.grad) or math.isnan(self.numeric):
            return math.isnan(self.grad) and math.isnan(self.numeric)
        return abs(self.grad - self.numeric) <= 1e-4 + 1e-3 * abs(self.numeric)

    def __str__(self) -> str:
        lines = [f"{self.derivative}: the sum over every path from {self.node} to {self.output} "
                 f"of the product of the local derivatives along it"]
        lines += [f"  {path}" for path in self.paths]
        if self.path_count > len(self.paths):
            lines.append(f"  ({self.path_count} paths: too many to list)")
        paths = "1 path" if self.path_count == 1 else f"{self.path_count} paths"
        lines.append(f"sum over {paths} = {fmt(self.path_sum)}; backward computes "
                     f"{self.derivative} = {fmt(self.grad)}")
        h = fmt(self.h)
        lines.append(
            f"check: nudge {self.node} by -{h} and +{h}: {self.output} goes from "
            f"{fmt(self.output_down, 9)} to {fmt(self.output_up, 9)}, so {self.derivative} is "
            f"about ({fmt(self.output_up, 9)} - {_number(self.output_down, 9)}) / (2 * {h}) = "
            f"{fmt(self.numeric)}: {'agrees' if self.agrees else 'DISAGREES'}"
        )
        return "\n".join(lines)


def explain(output: Value, node: Value | str, h: float = 1e-4) -> Explanation:
    """Why d output / d node is what it is: its paths, their sum and a finite-difference check."""
    graph = snapshot(output, max_nodes=10**6)
    return explain_node(graph, graph.find(node), h=h)


def explain_node(graph: Graph, node: Node, h: float = 1e-4) -> Explanation:
    """explain() on a snapshot."""
    if not isinstance(h, (int, float)) or not h > 0 or not math.isfinite(h):
        raise ValueError(f"the nudge h must be a positive number, got {h!r}")
    root = graph.root
    grads = backward(graph)
    counts = _path_counts(graph)
    paths = _paths(graph, node) if counts[node.id] <= MAX_PATHS else []
    # A collapsed graph's modules are no primitives: nudge the node in the full graph instead.
    full, where = (graph.full, node.origin) if graph.full is not None else (graph, node.id)
    up = forward(full, {where: node.data + h})[-1]
    down = forward(full, {where: node.data - h})[-1]
    return Explanation(
        node=node.name, output=root.name, derivative=_d(root, node), grad=grads[node.id],
        paths=tuple(paths), path_count=counts[node.id],
        path_sum=math.fsum(p.product for p in paths) if paths else grads[node.id],
        h=float(h), output_up=up, output_down=down, numeric=(up - down) / (2 * h),
    )


def forward(graph: Graph, overrides: dict[int, float] | None = None) -> list[float]:
    """Every node's value, recomputed from the leaves with the op table (some values overridden)."""
    overrides = overrides or {}
    values = [0.0] * len(graph.nodes)
    for node in graph.nodes:
        if node.id in overrides:
            values[node.id] = overrides[node.id]
        elif node.kind == "op":
            inputs = [values[i] for i in node.inputs]
            values[node.id] = float(PRIMITIVES[node.op].forward(*inputs, *node.params))
        else:
            values[node.id] = node.data
    return values


def backward(graph: Graph) -> list[float]:
    """d output / d node for every node, from the recorded local derivatives."""
    grads = [0.0] * len(graph.nodes)
    grads[-1] = 1.0
    for out in reversed(graph.nodes):
        for inp, local in zip(out.inputs, out.local_grads):
            grads[inp] += local * grads[out.id]
    return grads


def _path_counts(graph: Graph) -> list[int]:
    """How many paths lead from each node to the output (a sum over its outgoing edges)."""
    counts = [0] * len(graph.nodes)
    counts[-1] = 1
    for out in reversed(graph.nodes):
        for inp in out.inputs:
            counts[inp] += counts[out.id]
    return counts


def _paths(graph: Graph, start: Node) -> list[Path]:
    """Every path from `start` to the output, found with an explicit stack (no recursion)."""
    consumers = graph.consumers()
    root = graph.root.id
    found = []
    stack = [(start.id, (start.id,), ())]  # (where we are, nodes so far, edges so far)
    while stack:
        here, nodes, edges = stack.pop()
        if here == root:
            found.append(_path(graph, nodes, edges))
            continue
        for out, slot in reversed(consumers[here]):  # reversed: the first edge is explored first
            stack.append((out, nodes + (out,), edges + ((out, slot),)))
    return found


def _path(graph: Graph, nodes: tuple[int, ...], edges: tuple[tuple[int, int], ...]) -> Path:
    names = [graph.nodes[nodes[0]].name]
    factors = []
    for (out_id, slot), inp in zip(edges, nodes):
        out = graph.nodes[out_id]
        factors.append((_d(out, graph.nodes[inp]), out.local_grads[slot]))
        # a * a uses a twice: say which edge the path takes
        twice = out.inputs.count(inp) > 1
        names.append(f"{out.name} (as input {slot + 1})" if twice else out.name)
    return Path(tuple(names), tuple(factors))

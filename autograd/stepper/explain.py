"""Why a gradient is what it is: the sum over paths, and a check by nudging.

d output / d node is the sum, over every path from the node to the output, of the product of
the local derivatives along the path (the chain rule, unrolled). Backward computes the same
sum edge by edge, without listing the paths. A finite difference checks it from outside:
nudge the node by h, recompute the output, and see how far it moved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..composites import OPERATIONS
from ..naming import derivative
from ..value import Value
from .nodes import Graph, Node, snapshot
from .nonfinite import reason
from .symbols import fmt, lead, number_factor

MAX_PATHS = 50  # more paths than this are counted and summed, not listed


@dataclass(frozen=True)
class Path:
    """One path from a node to the output: the nodes on it and the local derivative of each edge."""

    names: tuple[str, ...]
    factors: tuple[tuple[str, float], ...]  # ("∂c/∂a", -3.0) per edge, from the node outward

    @property
    def product(self) -> float:
        """The product of the local derivatives along the path.

        It is multiplied from the output back to the node, as backward multiplies: on a single
        path the product is then backward's number exactly, even where a partial product
        underflows to 0 or overflows to inf.
        """
        result = 1.0
        for _, local in reversed(self.factors):
            result = local * result
        return result

    def __str__(self) -> str:
        route = " -> ".join(self.names)
        symbols = " * ".join(name for name, _ in self.factors)
        numbers = lead(" * ".join(number_factor(local) for _, local in self.factors))
        if not self.factors:
            return f"{route}: the output itself, 1"
        return f"{route}: {symbols} = {numbers} = {fmt(self.product)}"


@dataclass(frozen=True)
class Explanation:
    """The gradient of the output with respect to one node, taken apart and checked."""

    node: str
    output: str
    derivative: str  # e.g. "∂L/∂a"
    grad: float  # what backward computes
    paths: tuple[Path, ...]  # every path, or none when there are more than MAX_PATHS
    path_count: int
    path_sum: float
    h: float
    output_up: float  # the output with the node nudged by +h
    output_down: float  # ... and by -h
    numeric: float  # (output_up - output_down) / 2h
    data: float = math.nan  # the node's value, the one nudged

    @property
    def checkable(self) -> bool:
        """True when a finite difference can check the gradient at all.

        It cannot when the output is inf or nan at the nudged points, nor when the nudge is
        lost in rounding: floats keep about 16 digits, so 1e20 + 1e-4 is 1e20 again.
        """
        finite = math.isfinite(self.output_up) and math.isfinite(self.output_down)
        return finite and self.data + self.h != self.data - self.h

    @property
    def agrees(self) -> bool:
        """True when the finite difference matches the gradient (as gradcheck would judge);
        False when it cannot check it (see `checkable`): a nan next to a nan proves nothing."""
        if not self.checkable:
            return False
        if math.isnan(self.grad) or math.isnan(self.numeric):
            return False
        if math.isinf(self.grad) or math.isinf(self.numeric):
            return self.grad == self.numeric  # the same infinity
        return abs(self.grad - self.numeric) <= 1e-4 + 1e-3 * abs(self.numeric)

    def __str__(self) -> str:
        lines = [f"{self.derivative}: the sum over every path from {self.node} to {self.output} "
                 f"of the product of the local derivatives along it"]
        lines += [f"  {path}" for path in self.paths]
        if self.path_count > len(self.paths):
            lines.append(f"  ({self.path_count} paths: too many to list)")
        paths = "1 path" if self.path_count == 1 else f"{self.path_count} paths"
        lines.append(f"sum over {paths} = {self._sum_text()}; backward computes "
                     f"{self.derivative} = {fmt(self.grad)}")
        if self._order_matters():
            lines.append("the two differ because floats overflow in one order of operations "
                         "and not in another: backward adds at each node before it multiplies "
                         "on, the paths multiply all the way first and add last")
        lines.append(self._check_text())
        return "\n".join(lines)

    def _sum_text(self) -> str:
        """The path sum, and why when it is inf or nan though no single path is."""
        products = [path.product for path in self.paths]
        total = self.path_sum
        if not products or math.isfinite(total) or total in products or (
                math.isnan(total) and any(math.isnan(p) for p in products)):
            return fmt(total)
        terms = (lead(" + ".join(number_factor(p) for p in products)) if len(products) <= 4
                 else "their sum")
        return f"{fmt(total)}: {reason(terms, total, products, 'sum')}"

    def _order_matters(self) -> bool:
        """True when the path sum and backward differ because one of them overflowed."""
        same = self.path_sum == self.grad or (math.isnan(self.path_sum) and math.isnan(self.grad))
        return not same and not (math.isfinite(self.path_sum) and math.isfinite(self.grad))

    def _check_text(self) -> str:
        h = fmt(self.h)
        moved = (f"check: nudge {self.node} by -{h} and +{h}: {self.output} goes from "
                 f"{fmt(self.output_down, 9)} to {fmt(self.output_up, 9)}")
        if not (math.isfinite(self.output_up) and math.isfinite(self.output_down)):
            return (f"{moved}, which is not finite, so a finite difference cannot check "
                    f"{self.derivative} here")
        if not self.checkable:
            return (f"{moved}: a nudge of {h} is lost in rounding next to {fmt(self.data)} "
                    f"(floats keep about 16 digits), so a finite difference cannot check "
                    f"{self.derivative} here")
        return (f"{moved}, so {self.derivative} is about ({fmt(self.output_up, 9)} - "
                f"{number_factor(self.output_down, 9)}) / (2 * {h}) = {fmt(self.numeric)}: "
                f"{'agrees' if self.agrees else 'DISAGREES'}")


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
        node=node.name, output=root.name, derivative=derivative(root.name, node.name),
        grad=grads[node.id],
        paths=tuple(paths), path_count=counts[node.id],
        path_sum=path_sum([p.product for p in paths]) if paths else grads[node.id],
        h=float(h), output_up=up, output_down=down, numeric=(up - down) / (2 * h),
        data=node.data,
    )


def path_sum(products: list[float]) -> float:
    """The sum of the paths' products: exactly rounded, with IEEE results where that fails.

    math.fsum rounds only once, so a sum of finite products comes out as exact as floats allow.
    It raises where IEEE arithmetic has an answer: inf + (-inf) is nan, and a sum past the
    largest float (about 1.8e308) is inf. There the products are added left to right as
    floats are, which gives those answers, as backward's own additions do.
    """
    try:
        return math.fsum(products)
    except (ValueError, OverflowError):
        total = products[0]
        for product in products[1:]:
            total = total + product
        return total


def forward(graph: Graph, overrides: dict[int, float] | None = None) -> list[float]:
    """Every node's value, recomputed from the leaves with the op table (some values overridden)."""
    overrides = overrides or {}
    values = [0.0] * len(graph.nodes)
    for node in graph.nodes:
        if node.id in overrides:
            values[node.id] = overrides[node.id]
        elif node.kind == "op":
            inputs = [values[i] for i in node.inputs]
            values[node.id] = float(OPERATIONS[node.op].forward(*inputs, *node.params))
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
        factors.append((derivative(out.name, graph.nodes[inp].name), out.local_grads[slot]))
        # a * a uses a twice: say which edge the path takes
        twice = out.inputs.count(inp) > 1
        names.append(f"{out.name} (as input {slot + 1})" if twice else out.name)
    return Path(tuple(names), tuple(factors))

"""The nodes a walkthrough steps through: a snapshot of a graph, copied from its Values.

`snapshot(value)` copies the numbers, names and edges stepping needs, so a walkthrough never
changes the user's graph; every part of the stepper reads only the snapshot: the steps
(model.py), a module collapsed into one node (collapse.py), the paths of a gradient
(explain.py) and every surface.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..composites import composites
from ..graph import topological_order
from ..naming import Names, node_names
from ..scopes import step_names
from ..value import Value

MAX_NODES = 500  # more nodes than this are too many to step one by one (see `snapshot`)


@dataclass(frozen=True)
class Node:
    """One node of a snapshot: what stepping needs to know about a Value, copied.

    id is the node's position in topological order (of the nodes shown: a composite's helper
    nodes are not); inputs are ids. kind is "leaf" (a Value you made), "constant" (a number an
    operator turned into a Value) or "op". op is the name of a primitive or of a composite
    (composites.OPERATIONS: "sub" for a - b), or MODULE for a whole module collapsed into one
    node (collapse.py), whose computation is written out in `expression`; origin is then its
    node in the full graph.
    name is what every surface calls the node, full_name its full dotted name where that says
    more (a parameter's "layers.1.neurons.3.w0" for L1.N3.w0): see autograd.naming.
    """

    id: int
    name: str
    label: str
    data: float
    kind: str
    op: str = ""
    inputs: tuple[int, ...] = ()
    local_grads: tuple[float, ...] = ()
    params: tuple[float, ...] = ()
    scope: str = ""
    site: str | None = None
    expression: str = ""
    origin: int | None = None
    full_name: str = ""


MODULE = "module"  # the op of a collapsed module's node


@dataclass(frozen=True)
class Graph:
    """A computation graph, copied: its nodes in topological order, the output last."""

    nodes: tuple[Node, ...]
    values: tuple[Value, ...] = field(repr=False, compare=False)  # to find a Value's node
    full: Graph | None = field(default=None, repr=False, compare=False)  # before collapsing
    names: Names | None = field(default=None, repr=False, compare=False)  # node_names' answer

    @property
    def root(self) -> Node:
        """The output node: the one whose gradients a walkthrough computes."""
        return self.nodes[-1]

    def find(self, target: Value | str | int) -> Node:
        """The node for a Value, a name, a label or an id; ValueError if there is none."""
        if isinstance(target, Value):
            for node, value in zip(self.nodes, self.values):
                if value is target:
                    return node
            raise ValueError(f"{target!r} is not part of this graph")
        if isinstance(target, int) and not isinstance(target, bool):
            if 0 <= target < len(self.nodes):
                return self.nodes[target]
            raise ValueError(f"node id {target} is not in this graph of {len(self.nodes)} nodes")
        if isinstance(target, str):
            for node in self.nodes:
                if node.name == target:
                    return node
            for node in self.nodes:
                if node.full_name and node.full_name == target:
                    return node
            labelled = [node for node in self.nodes if node.label == target]
            if len(labelled) == 1:
                return labelled[0]
            if labelled:  # each neuron's w0, say: which one is meant?
                listed = ", ".join(n.name for n in labelled[:6])
                more = f" and {len(labelled) - 6} more" if len(labelled) > 6 else ""
                raise ValueError(f"{target!r} is the label of {len(labelled)} nodes ({listed}"
                                 f"{more}): give one of their names")
            names = ", ".join(n.name for n in self.nodes if n.kind != "constant")
            raise ValueError(f"no node is named {target!r}; the names are: {names}")
        raise TypeError(f"a node is given as a Value, a name or an id, not {target!r}")

    def consumers(self) -> list[list[tuple[int, int]]]:
        """For each node, the (out id, input slot) of every edge that leaves it."""
        result: list[list[tuple[int, int]]] = [[] for _ in self.nodes]
        for node in self.nodes:
            for slot, inp in enumerate(node.inputs):
                result[inp].append((node.id, slot))
        return result


def snapshot(output: Value, max_nodes: int = MAX_NODES, primitives: bool = False) -> Graph:
    """Copy the graph behind `output` (never changing it); ValueError past max_nodes nodes.

    Each composite (a - b, a / b, -a, sqrt(a), a - 2) is one node, as it was written, unless
    `primitives`: then each primitive the engine recorded is a node (see composites.py).
    """
    if not isinstance(output, Value):
        raise TypeError(f"a walkthrough needs a Value, got {type(output).__name__}: {output!r}")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    if not isinstance(primitives, bool):
        raise TypeError(f"primitives must be True or False, got {primitives!r}")
    order = topological_order(output)
    found = {} if primitives else composites(order)
    folded = {j for composite in found.values() for j in composite.folded}
    what = "this graph, as the engine's primitives," if primitives else "this graph"
    check_size(len(order) - len(folded), max_nodes, what, [v.scope for v in order])
    names = node_names(order)  # named in the whole order: the same names with or without folds
    shown = [i for i in range(len(order)) if i not in folded]
    new_id = {i: k for k, i in enumerate(shown)}  # position in order -> id in the snapshot
    index = {id(value): new_id.get(i) for i, value in enumerate(order)}
    nodes = []
    for i in shown:
        value = order[i]
        composite = found.get(i)
        if composite is not None:
            op, inputs = composite.op.name, [new_id[j] for j in composite.inputs]
            local_grads, params = composite.local_grads, composite.params
        else:
            op = value.op.name if value.op is not None else ""
            inputs = [index[id(inp)] for inp in value.inputs]
            local_grads, params = value.local_grads, value.params
        if value.op is not None:
            kind = "op"
        else:
            kind = "constant" if value.constant else "leaf"
        nodes.append(Node(
            id=new_id[i], name=names.short[i], full_name=names.full[i], label=value.label,
            data=value.data, kind=kind, op=op, inputs=tuple(inputs),
            local_grads=tuple(float(g) for g in local_grads),
            params=tuple(float(p) for p in params), scope=value.scope, site=value.site,
        ))
    return Graph(tuple(nodes), tuple(order[i] for i in shown), names=names)


def check_size(count: int, max_nodes: int, what: str, scopes) -> None:
    """A ValueError saying what to do when a walkthrough would have too many nodes."""
    if count <= max_nodes:
        return
    names = step_names(scopes)
    collapse = ("step it in levels with levels=True, or module by module with "
                f"collapse={names[-1]!r}" + (f" or {names[0]!r}" if len(names) > 1 else "")
                + ", " if names else "")
    raise ValueError(
        f"{what} has {count} nodes, more than the {max_nodes} a walkthrough steps through; "
        f"{collapse}step a smaller piece (one sample instead of a batch, a smaller network), "
        f"or pass a larger max_nodes if you really want that many steps"
    )

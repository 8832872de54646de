"""Stepping a big graph module by module: each neuron (or layer) of a network as one node.

A module turns its inputs into its output, so to the rest of the graph it is one operation;
its local derivative d output / d input is the sum over the paths inside it, found by
backpropagating inside the module alone. Collapsing keeps every leaf (inputs and parameters),
the operations outside modules, and one node per module output. The modules are the scopes
nn records (see autograd.name_scope), cut by the rule the renderer uses too (scopes.module_of):
"neurons", "layers", or a number of scope steps.
"""

from __future__ import annotations

from ..composites import OPERATIONS
from ..scopes import check_collapse, module_of, no_module_error
from .nodes import MODULE, Graph, Node
from .symbols import Sym, operation

MAX_EXPRESSION = 90  # characters of a module's computation written out; longer is summarised


def collapsed(graph: Graph, collapse: str | int) -> Graph:
    """The graph with each module's operations folded into one node per module output."""
    check_collapse(collapse)
    group = [module_of(n.scope, collapse) if n.kind == "op" else "" for n in graph.nodes]
    if not any(group):
        raise no_module_error(collapse, (n.scope for n in graph.nodes))
    consumers = graph.consumers()
    kept = [_kept(graph, node, group, consumers) for node in graph.nodes]
    new_id = {}
    for node in graph.nodes:
        if kept[node.id]:
            new_id[node.id] = len(new_id)
    outputs_per_module: dict[str, list[int]] = {}
    for node in graph.nodes:
        if kept[node.id] and group[node.id]:
            outputs_per_module.setdefault(group[node.id], []).append(node.id)

    names = {}
    for i in new_id:  # a module's output is named as the module: layers.0.neurons.1 is L0.N1
        module = group[i]
        outputs = outputs_per_module.get(module, [])
        if not module:
            names[i] = graph.nodes[i].name
        else:
            short = graph.names.module(module)
            names[i] = short if len(outputs) == 1 else f"{short}[{outputs.index(i)}]"

    nodes, values = [], []
    for node in graph.nodes:
        if not kept[node.id]:
            continue
        if group[node.id]:
            inputs, local_grads = _local_grads(graph, node, group, kept)
            nodes.append(Node(
                id=new_id[node.id], name=names[node.id], full_name=group[node.id], label="",
                data=node.data, kind="op", op=MODULE, inputs=tuple(new_id[i] for i in inputs),
                local_grads=local_grads,
                scope=group[node.id], expression=_expression(graph, node, group, kept, names),
                origin=node.id,
            ))
        else:
            nodes.append(Node(
                id=new_id[node.id], name=node.name, label=node.label, data=node.data,
                kind=node.kind, op=node.op, inputs=tuple(new_id[i] for i in node.inputs),
                local_grads=node.local_grads, params=node.params, scope=node.scope,
                site=node.site, origin=node.id, full_name=node.full_name,
            ))
        values.append(graph.values[node.id])
    return Graph(tuple(nodes), tuple(values), full=graph, names=graph.names)


def _kept(graph: Graph, node: Node, group: list[str], consumers: list) -> bool:
    """Leaves, ops outside modules and module outputs stay; the insides of modules go."""
    if node.id == graph.root.id:
        return True
    users = [out for out, _ in consumers[node.id]]
    if node.kind == "constant":  # a constant stays only if something outside a module uses it
        return any(not group[out] for out in users)
    if not group[node.id]:
        return True
    return any(group[out] != group[node.id] for out in users)  # used outside its module


def _local_grads(graph: Graph, output: Node, group: list[str], kept: list[bool]
                 ) -> tuple[list[int], tuple[float, ...]]:
    """The kept nodes a module output depends on through its module, and d output / d each.

    Backward from the output over the module's own nodes only: a kept input (a leaf, another
    module's output, ...) is where a path leaves the module, and collects its gradient.
    """
    module = group[output.id]
    grads = {output.id: 1.0}
    collected: dict[int, float] = {}
    for node in reversed(graph.nodes[: output.id + 1]):
        if node.id not in grads or group[node.id] != module:
            continue
        if node.id != output.id and kept[node.id]:
            continue  # another output of this module: a node of its own
        for inp, local in zip(node.inputs, node.local_grads):
            contribution = local * grads[node.id]
            if kept[inp] and graph.nodes[inp].kind != "constant":
                collected[inp] = collected.get(inp, 0.0) + contribution
            elif group[inp] == module:
                grads[inp] = grads.get(inp, 0.0) + contribution
    inputs = sorted(collected)  # in topological order: deterministic
    return inputs, tuple(collected[i] for i in inputs)


def _expression(graph: Graph, output: Node, group: list[str], kept: list[bool],
                names: dict[int, str]) -> str:
    """The module's computation written out, e.g. tanh(b + w0 * x0 + w1 * x1).

    Names inside the module are written relative to it (its parameter L0.N1.w0 is w0); a
    computation too long to read is summarised.
    """
    module = group[output.id]
    inside = _inside(graph, output, group, kept)
    prefix = graph.names.module(module) + "."
    written: dict[int, Sym] = {}
    for node in graph.nodes[: output.id + 1]:
        if node.id not in inside:
            continue
        args = [written[i] if i in written else _operand_in(graph, i, prefix, names)
                for i in node.inputs]
        params = [Sym.number(p) for p in node.params]
        written[node.id] = operation(OPERATIONS[node.op].symbol, args + params, node.data)
    text = written[output.id].names
    if len(text) > MAX_EXPRESSION:
        return f"{graph.names.module(module)}: {len(inside)} operations"
    return text


def _inside(graph: Graph, output: Node, group: list[str], kept: list[bool]) -> set[int]:
    """The ops of the output's module that it is computed from (itself included)."""
    module = group[output.id]
    inside = {output.id}
    for node in reversed(graph.nodes[: output.id + 1]):
        if node.id in inside:
            inside.update(i for i in node.inputs if group[i] == module and not kept[i])
    return inside


def _operand_in(graph: Graph, node_id: int, prefix: str, names: dict[int, str]) -> Sym:
    """An input of a module's op, named as the collapsed graph names it, relative to the module
    when it belongs to it (L0.N1.w0 inside L0.N1, whose prefix is "L0.N1.", is w0)."""
    node = graph.nodes[node_id]
    if node.kind == "constant":
        return Sym.number(node.data)
    name = names[node_id]
    return Sym.named(name.removeprefix(prefix), node.data)

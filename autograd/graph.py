"""Walking a computation graph: topological order and the edges backward follows.

A node comes after all of its inputs in topological order, so walking the order backwards
visits every node after all the nodes that consumed it: by then its gradient is complete.
The walks use an explicit stack, never recursion, so a chain of a million nodes is fine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol


class Node(Protocol):
    """What the graph walks need of a node (Value has it)."""

    inputs: tuple
    local_grads: tuple
    grad: float


def topological_order(root: Node) -> list:
    """Every node `root` depends on, inputs before the nodes that use them, root last.

    Deterministic: inputs are visited in their recorded order, so the same graph always
    gives the same list.
    """
    order = []
    visited = set()  # of id(node): nodes are keyed by identity
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:  # every input is already in `order`
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for inp in reversed(node.inputs):  # reversed, so the first input is visited first
            if id(inp) not in visited:
                stack.append((inp, False))
    return order


def chain_rule_edges(order: Sequence[Node]) -> Iterator[tuple]:
    """The (out, inp, local_grad) edges in the order backward applies them.

    `order` is a topological order; walking it backwards yields each node's edges once all
    its consumers are done, so out.grad is final when its edges come up.
    """
    for out in reversed(order):
        for inp, local_grad in zip(out.inputs, out.local_grads):
            yield out, inp, local_grad

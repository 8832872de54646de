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


def topological_order(root: Node, leaves: bool = True, seen: set | None = None) -> list:
    """Every node `root` depends on, inputs before the nodes that use them, root last.

    Deterministic: inputs are visited in their recorded order, so the same graph always
    gives the same list. leaves=False leaves out the nodes without inputs (the other nodes
    keep their order; a leaf root gives []): backward walks only the nodes that pass a
    gradient on, as a leaf only receives one, and a deep chain of `y + 1` has as many
    constant leaves as operations. `seen`, a set of nodes an earlier walk ordered (with all
    they depend on), leaves those out and gains the nodes of this walk: walks from several
    roots that share it order each node once.
    """
    if not leaves and not root.inputs:
        return []
    order = []
    # the nodes themselves: a node hashes by identity (no __eq__ or __hash__)
    visited = set() if seen is None else seen
    # The nodes still to visit, on one stack. A node being expanded goes back on the stack
    # with a None above it, and its inputs above that: when the None comes up, each of its
    # inputs that belongs in the order is in `order`, so the node goes in. (A marker, not
    # (node, flag) tuples: on a deep graph the garbage collector keeps re-scanning tuples,
    # which makes the walk several times slower.)
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the marker: the node under it has its inputs in order now
            order.append(stack.pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        if not node.inputs:  # a leaf has nothing to wait for: it goes straight into the order
            order.append(node)
            continue
        stack.append(node)
        stack.append(None)
        for inp in reversed(node.inputs):  # reversed, so the first input is visited first
            if (leaves or inp.inputs) and inp not in visited:
                stack.append(inp)
    return order


def chain_rule_edges(order: Sequence[Node] | Node) -> Iterator[tuple]:
    """The (out, inp, local_grad) edges in the order backward applies them.

    `order` is a topological order (or the output node, whose order is then computed);
    walking it backwards yields each node's edges once all its consumers are done, so
    out.grad is final when its edges come up. (Value.backward writes the same walk out as
    two nested loops, without a generator or zip(), which costs far fewer instructions.)
    """
    if hasattr(order, "inputs"):  # the output node itself
        order = topological_order(order)
    for out in reversed(order):
        for inp, local_grad in zip(out.inputs, out.local_grads):
            yield out, inp, local_grad

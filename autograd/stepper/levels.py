"""Levels: a network's walkthrough as a tree of steps, from whole layers down to single operations.

nn runs each layer and each neuron inside a name scope, so every operation knows the module
that made it. Each call of a module is a group, and a step of a group is the sum of the steps
of its parts: forward, it computes the group's outputs; backward, it takes the gradients of its
outputs back to its inputs and parameters. The tree's leaves are the ordinary steps, put in an
order where each group's steps come one after another; a level shows the parts of one group.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..scopes import scope_steps

LEVELS_OVER = 150  # nodes: a network larger than this is stepped in levels unless told not to
MAX_LEVELED = 20_000  # nodes of a graph stepped in levels (its page carries every step)


@dataclass(frozen=True)
class Group:
    """One call of a module (or a piece of the graph outside every module, or the whole graph).

    parts: its parts in the order they are computed, each ("group", id) or ("op", node id).
    ops: the ids of every operation inside it, in order (consecutive ids). inputs: the nodes
    outside it that its operations read; outputs: its nodes that something outside it reads
    (the graph's output is always one). depth: 0 for the whole graph, 1 for its parts, ...
    """

    id: int
    name: str
    scope: str
    parent: int | None
    depth: int
    parts: tuple[tuple[str, int], ...]
    ops: tuple[int, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]

    def groups(self) -> list[int]:
        """The ids of the groups among its parts."""
        return [i for kind, i in self.parts if kind == "group"]


@dataclass(frozen=True)
class LevelStep:
    """A step at one level: the sum of the ordinary steps first..last (one, for one operation).

    opens: the level that lists its parts, or None for a step of a single operation.
    group: the group it computes or backpropagates through; node: the node of an ordinary step.
    """

    index: int
    kind: str
    title: str
    lines: tuple[str, ...]
    first: int
    last: int
    opens: int | None = None
    group: int | None = None
    node: int | None = None

    @property
    def size(self) -> int:
        """How many ordinary steps it sums."""
        return self.last - self.first + 1


@dataclass(frozen=True)
class Level:
    """The steps of one group in one pass ("forward" or "backward"; the top level has both).

    parent and at: the level and the step that open into this one (None for the top).
    """

    id: int
    name: str
    group: int
    phase: str
    parent: int | None
    at: int | None
    steps: tuple[LevelStep, ...]

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> LevelStep:
        return self.steps[index]


def has_modules(graph) -> bool:
    """True when some operation of the graph was computed inside a module (a name scope)."""
    return any(node.kind == "op" and node.scope for node in graph.nodes)


# --- the tree of groups ----------------------------------------------------------------------


class _Draft:
    """A group while the tree is being built: parts are drafts and op ids (ids of the input)."""

    __slots__ = ("scope", "name", "parts")

    def __init__(self, scope: str, name: str, parts: list) -> None:
        self.scope = scope
        self.name = name
        self.parts = parts


def module_tree(graph) -> tuple[list[int], tuple[Group, ...]]:
    """The graph's groups, and the order of its nodes that keeps each group's operations together.

    The order lists node ids of `graph`: the leaves first, then the operations group by
    group, a valid topological order. The groups name nodes by their position in that order.
    """
    steps = [scope_steps(node.scope) if node.kind == "op" else [] for node in graph.nodes]
    ops = [node.id for node in graph.nodes if node.kind == "op"]
    root = _draft(graph.root.name, "", _parts(graph, ops, 0, steps))
    order = [node.id for node in graph.nodes if node.kind != "op"] + _ops_of(root)
    position = {old: new for new, old in enumerate(order)}
    return order, _freeze(graph, root, position)


def _parts(graph, ops: list[int], depth: int, steps: list[list[str]]) -> list:
    """The parts of a group at this depth: a draft per call of each deeper module, and ops."""
    own, deeper = [], {}
    for op in ops:
        if len(steps[op]) > depth:
            deeper.setdefault(".".join(steps[op][: depth + 1]), []).append(op)
        else:
            own.append(op)
    parts: list = []
    for scope, members in deeper.items():
        calls = _calls(graph, members)
        for k, call in enumerate(calls):
            name = steps[call[0]][depth]
            if len(calls) > 1:
                name += f" (call {k + 1} of {len(calls)})"
            parts.append(_draft(name, scope, _parts(graph, call, depth + 1, steps)))
    parts += _pieces(graph, own) if depth == 0 else own
    return _ordered(graph, parts)


def _draft(name: str, scope: str, parts: list):
    """A draft of these parts; a lone part stands for itself (a module that is one neuron)."""
    if len(parts) == 1 and isinstance(parts[0], int):
        return parts[0]
    if len(parts) == 1:  # layers.2 of one neuron: the layer's level lists the neuron's ops
        return _Draft(parts[0].scope, name, parts[0].parts)
    return _Draft(scope, name, parts)


def _calls(graph, members: list[int]) -> list[list[int]]:
    """The operations of one module, split into its calls (one per example of a batch, say).

    Two operations belong to the same call when one reads the other, or when both read the
    same node that is not a parameter: the neurons of one layer call read the same inputs,
    while calls for different examples share only the module's parameters (leaves made in
    its scope).
    """
    inside = set(members)
    first_reader: dict[int, int] = {}
    links = []
    for op in members:
        for inp in graph.nodes[op].inputs:
            node = graph.nodes[inp]
            if inp in inside:
                links.append((op, inp))
            elif not (node.kind == "leaf" and node.scope):  # a parameter: every call reads it
                links.append((op, first_reader.setdefault(inp, op)))
    return _connected(members, links)


def _pieces(graph, own: list[int]) -> list:
    """Operations outside every module, in connected pieces (the loss, say): a draft each."""
    inside = set(own)
    links = [(op, inp) for op in own for inp in graph.nodes[op].inputs if inp in inside]
    return [_draft(graph.nodes[ops[-1]].name, "", ops) for ops in _connected(own, links)]


def _connected(members: list[int], links: list[tuple[int, int]]) -> list[list[int]]:
    """The members in groups that the links join, each sorted, in order of their first.

    Union-find: each member points towards its group's representative; halving the path on
    each lookup keeps the chains short.
    """
    parent = {m: m for m in members}

    def find(m: int) -> int:
        while parent[m] != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    for a, b in links:
        parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for m in sorted(members):
        groups.setdefault(find(m), []).append(m)
    return list(groups.values())


def _ops_of(part) -> list[int]:
    """Every op id inside a part, in the order its drafts list them (no recursion)."""
    found, stack = [], [part]
    while stack:
        item = stack.pop()
        if isinstance(item, int):
            found.append(item)
        else:
            stack.extend(reversed(item.parts))
    return found


def _ordered(graph, parts: list) -> list:
    """The parts in an order where each comes after every part it reads from.

    Among the parts that are ready, the one whose first operation comes first in the graph's
    own order goes first, so the result is deterministic. Two groups that read from each other
    (a module whose calls the tree could not tell apart) are opened into their parts.
    """
    while True:
        members = [_ops_of(part) for part in parts]
        owner = {op: k for k, ops in enumerate(members) for op in ops}
        readers: list[set[int]] = [set() for _ in parts]
        waiting = [0] * len(parts)
        for k, ops in enumerate(members):
            for op in ops:
                for inp in graph.nodes[op].inputs:
                    source = owner.get(inp, k)
                    if source != k and k not in readers[source]:
                        readers[source].add(k)
                        waiting[k] += 1
        ready = [(min(ops), k) for k, ops in enumerate(members) if not waiting[k]]
        heapq.heapify(ready)
        order = []
        while ready:
            _, k = heapq.heappop(ready)
            order.append(k)
            for reader in readers[k]:
                waiting[reader] -= 1
                if not waiting[reader]:
                    heapq.heappush(ready, (min(members[reader]), reader))
        if len(order) == len(parts):
            return [parts[k] for k in order]
        stuck = set(range(len(parts))) - set(order)
        opened = []
        for k, part in enumerate(parts):
            opened.extend(part.parts if k in stuck and isinstance(part, _Draft) else [part])
        parts = opened


def _freeze(graph, root: _Draft | int, position: dict[int, int]) -> tuple[Group, ...]:
    """The drafts as Groups, numbered from the root down, nodes named by their new positions."""
    if isinstance(root, int):  # a graph of one operation
        root = _Draft("", graph.nodes[root].name, [root])
    consumers: dict[int, list[int]] = {}
    for node in graph.nodes:
        for inp in node.inputs:
            consumers.setdefault(position[inp], []).append(position[node.id])
    output = position[graph.root.id]
    drafts: list[tuple[_Draft, int | None, int]] = [(root, None, 0)]
    groups = []
    k = 0
    while k < len(drafts):
        draft, parent, depth = drafts[k]
        parts = []
        for part in draft.parts:
            if isinstance(part, int):
                parts.append(("op", position[part]))
            else:
                parts.append(("group", len(drafts)))
                drafts.append((part, k, depth + 1))
        ops = sorted(position[op] for op in _ops_of(draft))
        inside = set(ops)
        inputs = sorted({position[i] for op in _ops_of(draft) for i in graph.nodes[op].inputs}
                        - inside)
        outputs = [op for op in ops if op == output
                   or any(user not in inside for user in consumers.get(op, ()))]
        groups.append(Group(
            id=k, name=draft.name, scope=draft.scope, parent=parent, depth=depth,
            parts=tuple(parts), ops=tuple(ops), inputs=tuple(inputs), outputs=tuple(outputs),
        ))
        k += 1
    return tuple(groups)


def flat_tree(graph) -> tuple[Group, ...]:
    """The one group of a walkthrough without levels: the whole graph, its ops its parts."""
    ops = tuple(node.id for node in graph.nodes if node.kind == "op")
    leaves = tuple(node.id for node in graph.nodes if node.kind != "op")
    return (Group(id=0, name=graph.root.name, scope="", parent=None, depth=0,
                  parts=tuple(("op", op) for op in ops), ops=ops, inputs=leaves,
                  outputs=(graph.root.id,)),)


# --- the levels ------------------------------------------------------------------------------

# describe(group, phase, first, last) -> (title, lines) of a group's step
Describe = Callable[[Group, str, int, int], tuple[str, tuple[str, ...]]]


def build_levels(steps: Sequence, groups: Sequence[Group], describe: Describe
                 ) -> tuple[Level, ...]:
    """Every level of the walkthrough: the top one first, then each level a step opens into.

    steps are the ordinary steps, in the order the groups' tree gives; a run of steps that
    belong to the same part of a group is one step of that group's level.
    """
    chain = _chains(groups)
    owner = [_owner(step) for step in steps]
    pending = [(0, "", None, None, 0, len(steps) - 1)]  # group, phase, parent, at, first, last
    levels = []
    while len(levels) < len(pending):
        group_id, phase, parent, at, first, last = pending[len(levels)]
        below = groups[group_id].depth + 1  # where the parts of this group are in a chain
        part_of = [chain[owner[i]][below] if owner[i] is not None and len(chain[owner[i]]) > below
                   else None for i in range(first, last + 1)]
        entries: list[LevelStep] = []
        i = first
        while i <= last:
            part = part_of[i - first]
            j = i
            if part is None:
                step = steps[i]
                entries.append(LevelStep(
                    index=len(entries), kind=step.kind, title=step.title, lines=step.lines,
                    first=i, last=i, node=step.node,
                ))
            else:
                while j < last and part_of[j + 1 - first] == part:
                    j += 1
                kind = steps[i].kind
                title, lines = describe(groups[part], kind, i, j)
                entries.append(LevelStep(
                    index=len(entries), kind=kind, title=title, lines=lines, first=i, last=j,
                    opens=len(pending), group=part,
                ))
                pending.append((part, kind, len(levels), len(entries) - 1, i, j))
            i = j + 1
        name = "top" if parent is None else f"{groups[group_id].name}, {phase}"
        levels.append(Level(id=len(levels), name=name, group=group_id, phase=phase,
                            parent=parent, at=at, steps=tuple(entries)))
    return tuple(levels)


def _owner(step) -> int | None:
    """The operation an ordinary step belongs to: the one it computes or backpropagates through."""
    if step.kind == "forward":
        return step.node
    if step.kind == "backward":
        return step.edge[0]
    return None


def _chains(groups: Sequence[Group]) -> dict[int, tuple[int, ...]]:
    """For each operation, the groups it is in, from the whole graph down."""
    chain: dict[int, tuple[int, ...]] = {}
    for group in groups:  # parents come before their parts
        above = chain.get(group.ops[0], ()) if group.parent is not None else ()
        mine = (*above[: group.depth], group.id)
        for op in group.ops:
            chain[op] = mine
    return chain


# --- what a level shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One box of a level's picture, one row of its table: a value the level reads or makes.

    kind: "input" (a node from outside the group: a leaf, a constant, a value made earlier),
    "inputs" (several such nodes that the same module calls read, as one box: the 16 values a
    layer's neurons all read), "op" (an operation among the group's parts) or "group" (a
    module call among its parts). node: the node whose value and gradient it shows (None for
    "inputs" and for a module call of several outputs); members: the nodes of "inputs".
    group: the group of a "group" item. reads: the items it reads, for an "op" one per input
    slot (repeats kept: a * a reads a twice), for a "group" each item once, in order, with
    counts: how many of the item's nodes it reads. folded: how many parameters a group reads
    that have no item of their own.
    """

    kind: str
    node: int | None
    group: int | None = None
    reads: tuple[int, ...] = ()
    counts: tuple[int, ...] = ()
    folded: int = 0
    members: tuple[int, ...] = ()


def level_items(graph, groups: Sequence[Group], group_id: int) -> tuple[Item, ...]:
    """The items of a group's level, in the order of the nodes they show.

    Whatever an operation of this level reads gets an item of its own. What only module
    calls read is summed up: their parameters are counted in their boxes (a layer's 272),
    constants are left out, and the other values are one box per set of calls reading them.
    """
    group = groups[group_id]
    part_of: dict[int, int] = {}  # node -> index among the parts, for every op inside
    readers: dict[int, set[int]] = {}  # node from outside -> the module calls reading it
    for k, (kind, i) in enumerate(group.parts):
        for op in (groups[i].ops if kind == "group" else (i,)):
            part_of[op] = k
        if kind == "group":
            for inp in groups[i].inputs:
                readers.setdefault(inp, set()).add(k)
    direct = {inp for kind, i in group.parts if kind == "op" for inp in graph.nodes[i].inputs}

    def parameter(node_id: int) -> bool:
        node = graph.nodes[node_id]
        return node.kind == "leaf" and bool(node.scope) and node_id not in direct

    own = {i for i in group.inputs if i in direct or i not in readers}  # (the output alone)
    bundles: dict[frozenset[int], list[int]] = {}
    for i in group.inputs:
        if i not in own and not parameter(i) and graph.nodes[i].kind != "constant":
            bundles.setdefault(frozenset(readers[i]), []).append(i)
    entries = [(i, ("input", (i,))) for i in group.inputs if i in own]
    entries += [(min(m), ("input", tuple(m))) for m in bundles.values()]
    entries += [(groups[i].ops[0] if kind == "group" else i, (kind, i)) for kind, i in group.parts]
    entries.sort()
    position = {what: k for k, (_, what) in enumerate(entries)}
    bundle_of = {i: members for members in map(tuple, bundles.values()) for i in members}

    def item_of(node_id: int) -> int | None:
        if node_id in part_of:
            return position[group.parts[part_of[node_id]]]
        if node_id in own:
            return position[("input", (node_id,))]
        return position[("input", bundle_of[node_id])] if node_id in bundle_of else None

    items = []
    for _, (kind, i) in entries:
        if kind == "input":
            items.append(Item("input", i[0]) if len(i) == 1 else
                         Item("inputs", None, members=i))
        elif kind == "op":
            items.append(Item("op", i, reads=tuple(item_of(j) for j in graph.nodes[i].inputs)))
        else:
            inner = groups[i]
            counts = Counter(item_of(j) for j in inner.inputs)
            counts.pop(None, None)  # parameters and constants have no item here
            items.append(Item("group", inner.outputs[0] if len(inner.outputs) == 1 else None,
                              group=i, reads=tuple(counts), counts=tuple(counts.values()),
                              folded=sum(map(parameter, inner.inputs))))
    return tuple(items)


def restricted(levels: Sequence[Level], steps: Sequence, kept: Sequence[int]
               ) -> tuple[Level, ...]:
    """The levels of a walkthrough made of some of another's steps (following one node, say).

    kept: the indices, in order, of the steps kept from the walkthrough `levels` belong to;
    steps: the new walkthrough's steps (step k is the one kept[k] stood for, or a new one in
    its place). A step of a level stays when some step it sums is kept, and then sums those.
    """
    position = {old: k for k, old in enumerate(kept)}
    result: list[Level] = []
    pending = [(0, None, None)]  # level of `levels`, its parent and place among the kept
    while len(result) < len(pending):
        old, parent, at = pending[len(result)]
        level = levels[old]
        entries: list[LevelStep] = []
        for entry in level.steps:
            if entry.opens is None:
                if entry.first in position:
                    k = position[entry.first]
                    step = steps[k]
                    entries.append(LevelStep(index=len(entries), kind=step.kind,
                                             title=step.title, lines=step.lines, first=k,
                                             last=k, node=step.node))
                continue
            first, last = bisect_left(kept, entry.first), bisect_right(kept, entry.last) - 1
            if first <= last:
                entries.append(replace(entry, index=len(entries), first=first, last=last,
                                       opens=len(pending)))
                pending.append((entry.opens, len(result), len(entries) - 1))
        result.append(replace(level, id=len(result), parent=parent, at=at,
                              steps=tuple(entries)))
    return tuple(result)

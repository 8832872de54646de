"""From a recorded graph of Values to a program of a few dozen numpy operations.

Nodes are grouped by (topological level, op): nodes of one level never depend on each other,
so one numpy call computes them all, for every sample and neuron at once. Sum nodes, chains
of additions and weighted sums (a fused neuron's b + w0*x0 + ...) are fused into sums of
products added left to right, as the eager engine adds them. Backward runs the groups in
reverse: each pushes local_grad * upstream onto its edges, each node pulls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..graph import topological_order
from ..value import Value
from .rules import ARRAY_RULES, ArrayRule


class UnsupportedGraph(TypeError):
    """The graph uses something the compiled replay cannot run (an op it has no rule for)."""


# --- 1. the traced graph, in numbers ---------------------------------------------------------


@dataclass
class Term:
    """One term of a fused sum: a node (a plain term) or a product a * b of two nodes.

    nodes are topological indices; each rank is (reader, input position) of the edge in the
    traced graph, which says when the eager backward adds its contribution.
    """

    nodes: tuple[int, ...]
    ranks: tuple[tuple[int, int], ...]


@dataclass
class Record:
    """A node the program computes: a primitive (op set) or a fused sum of terms (op None)."""

    index: int
    op: str | None
    params: tuple = ()
    inputs: tuple[int, ...] = ()
    terms: list[Term] = field(default_factory=list)
    level: int = 0

    @cached_property
    def edges(self) -> list[tuple[int, tuple[int, int], int, int]]:
        """(input node, eager rank, term or input position, factor) for every edge.

        Computed on first use, which comes after fusion has settled the terms.
        """
        if self.op is not None:
            return [(j, (self.index, p), p, 0) for p, j in enumerate(self.inputs)]
        return [(j, rank, t, f) for t, term in enumerate(self.terms)
                for f, (j, rank) in enumerate(zip(term.nodes, term.ranks))]

    @cached_property
    def reads(self) -> list[int]:
        """Every node this one reads, with repeats."""
        return [edge[0] for edge in self.edges]


@dataclass
class Graph:
    """The traced graph: Values in topological order, leaves sorted into kinds, fused records.

    Leaf kinds: "input" (a number from the arguments, replaced on every call), "param" (a
    Value made outside the function, such as a weight: read on every call and given a grad)
    and "constant" (a number the function used, baked in at trace time).
    """

    order: list[Value]
    outputs: list[int]
    leaf_kind: dict[int, str]
    input_position: dict[int, int]
    records: dict[int, Record]
    sample: dict[int, object]  # node -> the sample (argument row) it belongs to, or MIXED
    walks: list[dict[int, int] | None]  # per output: node -> place in its own walk, or None


def topological_order_of_all(roots: list[Value]) -> list[Value]:
    """Every node the roots depend on, inputs first: their topological orders, merged."""
    order: list[Value] = []
    seen: set[Value] = set()  # Values hash by identity
    for root in roots:
        if root not in seen:
            fresh = [node for node in topological_order(root) if node not in seen]
            seen.update(fresh)
            order += fresh
    return order


MIXED = "mixed"  # the sample of a node that reads several samples (a mean over the batch)


def record_graph(outputs: list[Value], inputs: list[Value], fuse: bool = True,
                 samples: list | None = None) -> Graph:
    """Number the traced graph and, with fuse, turn sum nodes, chains of additions and
    weighted sums into sums of products.

    samples gives each input's sample (the row of the argument it came from); a node that
    reads one sample's inputs (and parameters) belongs to that sample.
    """
    order = topological_order_of_all(outputs)
    index = {node: i for i, node in enumerate(order)}
    input_position = {index[x]: p for p, x in enumerate(inputs) if x in index}
    raw_uses = [0] * len(order)
    for node in order:
        for inp in node.inputs:
            raw_uses[index[inp]] += 1
    is_output = {index[out] for out in outputs}

    leaf_kind: dict[int, str] = {}
    records: dict[int, Record] = {}
    for i, node in enumerate(order):
        if not node.inputs:
            leaf_kind[i] = ("input" if i in input_position
                            else "constant" if node.constant else "param")
            continue
        if node.op.name not in ARRAY_RULES:
            raise UnsupportedGraph(
                f"the compiled replay has no rule for the op {node.op.name!r}; add it to "
                f"autograd/compiled/rules.py or run this function eagerly"
            )
        inputs_i = tuple(index[inp] for inp in node.inputs)
        if fuse and node.op.name in ("add", "sum", "weighted_sum"):
            records[i] = _fused_sum(i, node.op.name, inputs_i, records, raw_uses, is_output)
        else:
            records[i] = Record(i, node.op.name, node.params, inputs_i)

    sample: dict[int, object] = {}
    for i, p in input_position.items():
        sample[i] = samples[p] if samples else None
    for i, record in records.items():
        record.level = 1 + max(records[j].level if j in records else 0 for j in record.reads)
        seen = {sample[j] for j in record.reads if sample.get(j) is not None}
        if seen:
            sample[i] = seen.pop() if len(seen) == 1 else MIXED
    # Eager backward from an output walks that output's own graph, as Value.backward orders
    # it. For the first output that is the order of `order` itself. For the others, `order`
    # keeps the nodes they share with an earlier output where that output's walk put them,
    # which can differ from their own walk, and with it the order in which a node's gradient
    # is added up. (Only the nodes with inputs, which are the readers: a per-sample output
    # keeps a dict the size of its sample's part of the graph.)
    walks: list[dict[int, int] | None] = [None]
    for out in outputs[1:]:
        own = topological_order(out, leaves=False)
        walks.append({index[node]: k for k, node in enumerate(own)})
    return Graph(order, [index[out] for out in outputs], leaf_kind, input_position, records,
                 sample, walks)


def _fused_sum(i: int, op: str, inputs: tuple[int, ...], records: dict[int, Record],
               uses: list[int], is_output: set[int]) -> Record:
    """out = x0 + x1 + ... (an add node, or a sum node with any number of inputs) as a sum of
    terms: x0's terms (if x0 is a sum used only here), then x1, x2, ... one term each.

    Both ops add from the left, so only the first input is unrolled and the terms are added in
    the eager order: a chain of adds ((t0 + t1) + t2) + t3 and total([t0 + t1, t2, t3]) both
    become t0 + t1 + t2 + t3. A product a * b used only by this sum becomes a product term.

    A weighted_sum node, out = b + w0 * x0 + w1 * x1 + ... with inputs (b, w0, x0, w1, x1, ...),
    is already such a sum, added from the left too: b is its first input (unrolled as x0 is),
    then a product term per pair. Their factors are edges of the weighted_sum node itself, so
    their ranks are (this node, 1) and (this node, 2), then 3 and 4, ...: the order in which
    the eager backward adds their contributions.
    """

    def private(j: int) -> bool:  # a node nothing else reads can be folded into this sum
        return j in records and uses[j] == 1 and j not in is_output

    def term(j: int, position: int) -> Term:
        if private(j) and records[j].op == "mul":
            product = records.pop(j)
            return Term(product.inputs, ((j, 0), (j, 1)))
        return Term((j,), ((i, position),))

    first = inputs[0]
    if private(first) and records[first].op is None:
        terms = records.pop(first).terms
    else:
        terms = [term(first, 0)]
    if op == "weighted_sum":  # wk * xk: inputs 2k + 1 and 2k + 2, never folded further
        rest = [Term((inputs[p], inputs[p + 1]), ((i, p), (i, p + 1)))
                for p in range(1, len(inputs), 2)]
    else:
        rest = [term(j, p) for p, j in enumerate(inputs[1:], 1)]
    return Record(i, None, terms=terms + rest)


# --- 2. the program: buffers and groups ------------------------------------------------------
# Four buffers hold the numbers: values and grads, one slot per node, and local_grads
# (d reader/d input; sums keep theirs in their own arrays) and contributions (local_grad * the
# reader's grad), one slot per edge that a gradient flows along. A group's edges form one
# block of rows x k slots, row r column m being edge r of its node m. Slot 0 of each buffer is
# padding, and its contribution stays 0.0.


def _gather(source: np.ndarray, index: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[...] = source[index]; mode="clip" skips bounds checks (the program made the index).
    (The array's own take: np.take wraps it in two more Python calls, and a step gathers
    many times.)"""
    return source.take(index, out=out, mode="clip")


@dataclass
class PrimGroup:
    """k nodes of one level made by one primitive; input p of node m is values[reads[p]][m]."""

    op: str
    params: tuple
    rule: ArrayRule
    out: slice  # where the k results go in the values buffer
    reads: list  # one slice or index array per input
    lg_rows: dict  # input p -> row of the edge block, for the inputs a gradient flows to
    edges: slice | None  # the edge block, len(lg_rows) x k slots

    def bind(self, program: Program) -> None:
        """Take views of the program's buffers once, so that run() only computes."""
        self._values = program.values
        self._out = program.values[self.out]
        self._slopes = {p: program.local_grads[self.edges].reshape(-1, len(self._out))[row]
                        for p, row in self.lg_rows.items()}

    def run(self, with_grads: bool) -> None:
        """Compute the k outputs (and, with_grads, their local gradients), as _apply does."""
        inputs = [self._values[read] for read in self.reads]
        out = self.rule.forward(*inputs, *self.params)
        self._out[...] = out
        if with_grads:
            slopes = self.rule.local_grads(*inputs, out, *self.params)
            for p, view in self._slopes.items():
                view[...] = slopes[p]


@dataclass
class SumGroup:
    """k fused sums of the same shape: term rows added left to right, as the eager engine does.

    Plain terms (rows plain_rows) read values[plain_reads]; product terms (rows prod_rows) are
    a * b. Each index array has a row per term and a column per node; the k nodes are seen as
    a q x p grid (for a layer: q neurons x p samples, see _feature_major). A factor that is the
    same in every row of the grid (an input, shared by a sample's neurons) is gathered once as
    (terms, 1, p); one that is the same along a row (a weight, shared by all samples) as
    (terms, q, 1); numpy broadcasts them back. The gathered factors are also the slopes:
    d(a*b)/da = b. The edge block of contributions holds the rows a, then b, then the plain
    terms.
    """

    out: slice
    k: int
    grid: tuple[int, int]  # (q, p) with q * p = k
    plain_rows: object
    plain_reads: np.ndarray | None
    prod_rows: object
    prod_a: np.ndarray | None  # (terms, 1 or q, 1 or p)
    prod_b: np.ndarray | None
    edges: slice | None  # the edge block: 2 * products + plain terms rows, k columns
    flows: tuple[bool, bool, bool]  # does a gradient flow to the a factors, b factors, plain?
    rows: np.ndarray  # scratch, (terms, max(k, 2)): numpy adds one column pairwise, two row-wise

    def bind(self, program: Program) -> None:
        """Make the gathered factors' arrays and take views of the program's buffers."""
        k, rows, (q, p) = self.k, self.rows, self.grid
        self._values = program.values
        self._out = program.values[self.out] if k == rows.shape[1] else None
        self._upstream = program.grads[self.out].reshape(q, p)
        n_prod = 0 if self.prod_a is None else len(self.prod_a)
        if n_prod:
            self._a = np.zeros(self.prod_a.shape)  # d(a*b)/db
            self._b = np.zeros(self.prod_b.shape)  # d(a*b)/da
            self._products = rows[self.prod_rows, :k].reshape(n_prod, q, p)
        if self.plain_reads is not None:
            self._plain = rows[self.plain_rows, :k]
        if self.edges is not None:
            block = program.contributions[self.edges].reshape(-1, q, p)
            self._to_a, self._to_b = block[:n_prod], block[n_prod:2 * n_prod]
            self._to_plain = block[2 * n_prod:]

    def run(self, with_grads: bool) -> None:
        """out = term0 + term1 + ... for every node, term by term from the left."""
        values, rows, k = self._values, self.rows, self.k
        if self.plain_reads is not None:
            if isinstance(self.plain_rows, slice):
                _gather(values, self.plain_reads, out=self._plain)
            else:
                rows[self.plain_rows, :k] = values[self.plain_reads]
        if self.prod_a is not None:
            _gather(values, self.prod_a, out=self._a)
            _gather(values, self.prod_b, out=self._b)
            if isinstance(self.prod_rows, slice):  # a * b, written straight into its rows
                np.multiply(self._a, self._b, out=self._products)
            else:
                products = np.broadcast_to(self._a * self._b, self._products.shape)
                rows[self.prod_rows, :k] = products.reshape(-1, k)
        # Starting from -0.0, not numpy's 0.0: -0.0 + t is exactly t, and a sum of -0.0 terms
        # stays -0.0, as when the eager engine adds them.
        if self._out is not None:
            np.add.reduce(rows, axis=0, out=self._out, initial=-0.0)
        else:  # a single sum, padded to two columns
            values[self.out] = np.add.reduce(rows, axis=0, initial=-0.0)[:k]

    def push(self) -> None:
        """Contributions of every edge: local_grad * the sum's grad (the chain rule)."""
        to_a, to_b, to_plain = self.flows
        if to_a:
            np.multiply(self._b, self._upstream, out=self._to_a)  # d(a*b)/da = b
        if to_b:
            np.multiply(self._a, self._upstream, out=self._to_b)  # d(a*b)/db = a
        if to_plain:
            self._to_plain[...] = self._upstream  # d(sum)/d(term) = 1


def _grid(indexes: list[np.ndarray], k: int) -> tuple[int, int]:
    """(q, p) with q * p = k, p the smallest period after which the first factor repeats."""
    for index in indexes:
        for p in range(1, k):
            if k % p == 0 and (index.reshape(len(index), k // p, p) == index[:, None, :p]).all():
                return k // p, p
    return 1, k


def _compact(index: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """index (terms, k) on the grid: (terms, 1, p) if equal in every row, (terms, q, 1) if
    equal along each row, else (terms, q, p)."""
    cube = index.reshape(len(index), *grid)
    if (cube == cube[:, :1, :]).all():
        return cube[:, :1, :].copy()
    if (cube == cube[:, :, :1]).all():
        return cube[:, :, :1].copy()
    return cube


@dataclass
class Program:
    """Everything a replay needs: where leaves go, the groups in order, and what to pull back.

    It keeps no traced Value (only the parameters) and, per node, only tuples of numbers,
    which Python's garbage collector stops tracking: a live program costs eager code nothing.
    """

    n_traced: int  # nodes in the traced graph
    levels: int
    outputs: tuple[int, ...]  # topological index of each output
    leaf_kind: dict[int, str]
    reads: dict[int, tuple[int, ...]]  # computed node -> the nodes it reads, with repeats
    signature: list[tuple]  # the traced graph, node by node (see graph_signature)
    n_values: int
    n_edges: int
    slot: list[int]  # values-buffer slot of each topological index (-1: fused away)
    input_slots: np.ndarray
    input_positions: np.ndarray  # which argument number (flattened) goes in each input slot
    params: list[Value]
    param_slots: np.ndarray
    constant_slots: np.ndarray
    constant_values: np.ndarray
    groups: list
    group_nodes: list[tuple[int, ...]]  # the topological indices each group computes
    output_slots: list[int]
    edges_into: dict[int, tuple[tuple[tuple[int, int], int, int], ...]]  # (rank, edge, reader)
    walks: list[dict[int, int] | None]  # per output: node -> place in its own walk, or None
    values: np.ndarray = None  # the buffers, made by allocate()
    local_grads: np.ndarray = None
    contributions: np.ndarray = None
    grads: np.ndarray = None
    slopes: list = None  # what backward reads of a forward pass (see save_slopes)

    def allocate(self) -> None:
        """Make the four buffers and let every group take its views of them.

        Called once, by build_program: groups, and the backward plans made later, keep views
        of these buffers, which new buffers would leave reading the old ones."""
        self.values = np.zeros(self.n_values)
        self.values[self.constant_slots] = self.constant_values
        self.local_grads = np.zeros(self.n_edges)
        self.contributions = np.zeros(self.n_edges)  # slot 0 stays 0.0: the padding's
        self.grads = np.zeros(self.n_values)
        for group in self.groups:
            group.bind(self)
        self.slopes = [self.local_grads] + [
            factors for group in self.groups if isinstance(group, SumGroup)
            and group.prod_a is not None for factors in (group._a, group._b)]

    def save_slopes(self) -> list[np.ndarray]:
        """A copy of the numbers backward reads of the last forward pass: the local gradients
        and the fused sums' gathered factors (d(a*b)/da = b). The values, the gradients and
        the contributions are written afresh by each pass that reads them."""
        return [array.copy() for array in self.slopes]

    def restore_slopes(self, saved: list[np.ndarray]) -> None:
        """Put back numbers from save_slopes, for backward from that forward pass."""
        for array, copy in zip(self.slopes, saved):
            array[...] = copy

    def summary(self) -> str:
        """One sentence on how the graph was compiled: nodes, groups, levels, fusion."""
        counts: dict[str, int] = {}
        for group, nodes in zip(self.groups, self.group_nodes):
            name = group.op if isinstance(group, PrimGroup) else "sum"
            counts[name] = counts.get(name, 0) + len(nodes)
        parts = ", ".join(f"{n} {name}" for name, n in counts.items())
        return (f"{self.n_traced} traced nodes -> {len(self.reads)} computed nodes "
                f"({parts}) in {len(self.groups)} groups over {self.levels} levels; "
                f"{len(self.params)} parameters, {len(self.input_slots)} inputs")


def build_program(graph: Graph) -> Program:
    """Lay out the buffers and group the records by (level, op) into numpy operations."""
    slot = [-1] * len(graph.order)
    leaves = {kind: [i for i, k in graph.leaf_kind.items() if k == kind]
              for kind in ("input", "param", "constant")}
    leaves["input"].sort(key=graph.input_position.__getitem__)
    next_slot = 1  # slot 0 is padding
    for kind in ("input", "param", "constant"):
        for i in leaves[kind]:
            slot[i] = next_slot
            next_slot += 1

    # A group is one numpy operation, so its members must have the same shape: a primitive's
    # params and number of inputs (sum nodes have any number), a fused sum's number of terms
    # and of factors in each.
    keyed: dict[tuple, list[Record]] = {}
    for record in graph.records.values():  # in topological order
        if record.op is not None:
            key = (record.level, record.op, (record.params, len(record.inputs)))
        else:
            key = (record.level, None, tuple(len(t.nodes) for t in record.terms))
        keyed.setdefault(key, []).append(record)
    ordered = sorted(keyed.items(), key=lambda item: item[0][0])  # stable: by level only
    ordered = [(key, _feature_major(members, graph.sample)) for key, members in ordered]
    for _, members in ordered:
        for record in members:
            slot[record.index] = next_slot
            next_slot += 1

    requires = _requires_grad(graph)
    groups, group_nodes = [], []
    edges_into: dict[int, list] = {}
    next_edge = 1  # slot 0 is padding
    for (_, op, shape), members in ordered:
        if op is not None:
            group, row_of = _prim_group(op, members[0].params, members, slot, requires,
                                        next_edge)
        else:
            group, row_of = _sum_group(shape, members, slot, requires, next_edge)
        if group.edges is not None:
            next_edge = group.edges.stop
        k = len(members)
        for m, record in enumerate(members):  # where each edge's contribution will live
            for j, rank, position, factor in record.edges:
                if requires[j]:
                    edge = group.edges.start + row_of[(position, factor)] * k + m
                    edges_into.setdefault(j, []).append((rank, edge, record.index))
        groups.append(group)
        group_nodes.append([r.index for r in members])

    order = graph.order
    params = [order[i] for i in leaves["param"]]
    program = Program(
        n_traced=len(order),
        levels=max((r.level for r in graph.records.values()), default=0),
        outputs=tuple(graph.outputs), leaf_kind=graph.leaf_kind,
        reads={i: tuple(r.reads) for i, r in graph.records.items()},
        signature=graph_signature(order, {p: k for k, p in enumerate(params)},
                                  {order[i]: p for i, p in graph.input_position.items()}),
        n_values=next_slot, n_edges=next_edge, slot=slot,
        input_slots=np.array([slot[i] for i in leaves["input"]], dtype=np.intp),
        input_positions=np.array([graph.input_position[i] for i in leaves["input"]],
                                 dtype=np.intp),
        params=params,
        param_slots=np.array([slot[i] for i in leaves["param"]], dtype=np.intp),
        constant_slots=np.array([slot[i] for i in leaves["constant"]], dtype=np.intp),
        constant_values=np.array([order[i].data for i in leaves["constant"]], dtype=float),
        groups=groups, group_nodes=[tuple(nodes) for nodes in group_nodes],
        output_slots=[slot[i] for i in graph.outputs],
        edges_into={j: tuple(edges) for j, edges in edges_into.items()},
        walks=graph.walks,
    )
    program.allocate()
    return program


def _prim_group(op: str, params: tuple, members: list[Record], slot: list[int],
                requires: list[bool], first_edge: int) -> tuple[PrimGroup, dict]:
    """A PrimGroup for members, and the edge-block row of each (input, 0)."""
    k = len(members)
    out = slice(slot[members[0].index], slot[members[0].index] + k)
    reads = [as_index([slot[r.inputs[p]] for r in members]) for p in range(len(members[0].inputs))]
    flowing = [p for p in range(len(reads)) if any(requires[r.inputs[p]] for r in members)]
    lg_rows = {p: row for row, p in enumerate(flowing)}
    edges = slice(first_edge, first_edge + len(flowing) * k) if flowing else None
    group = PrimGroup(op, params, ARRAY_RULES[op], out, reads, lg_rows, edges)
    return group, {(p, 0): row for p, row in lg_rows.items()}


def _sum_group(shape: tuple, members: list[Record], slot: list[int],
               requires: list[bool], first_edge: int) -> tuple[SumGroup, dict]:
    """A SumGroup for members (shape: factors per term), and the edge-block row of each
    (term, factor): the products' a factors, then their b factors, then the plain terms."""
    k = len(members)
    out = slice(slot[members[0].index], slot[members[0].index] + k)
    plain = [t for t, factors in enumerate(shape) if factors == 1]
    prods = [t for t, factors in enumerate(shape) if factors == 2]

    def reads(terms: list[int], factor: int) -> np.ndarray | None:
        if not terms:
            return None
        return np.array([[slot[r.terms[t].nodes[factor]] for r in members] for t in terms],
                        dtype=np.intp)

    def flows(terms: list[int], factor: int) -> bool:
        return any(requires[r.terms[t].nodes[factor]] for r in members for t in terms)

    flowing_plain = [t for t in plain if flows([t], 0)]
    row_of = {(t, 0): q for q, t in enumerate(prods)}
    row_of.update({(t, 1): len(prods) + q for q, t in enumerate(prods)})
    row_of.update({(t, 0): 2 * len(prods) + q for q, t in enumerate(flowing_plain)})
    n_rows = 2 * len(prods) + len(flowing_plain)
    edges = slice(first_edge, first_edge + n_rows * k) if n_rows else None
    prod_a, prod_b = reads(prods, 0), reads(prods, 1)
    grid = _grid([prod_a, prod_b], k) if prods else (1, k)
    group = SumGroup(
        out, k, grid,
        plain_rows=as_index(plain) if plain else None, plain_reads=reads(plain, 0),
        prod_rows=as_index(prods) if prods else None,
        prod_a=_compact(prod_a, grid) if prods else None,
        prod_b=_compact(prod_b, grid) if prods else None,
        edges=edges, flows=(flows(prods, 0), flows(prods, 1), bool(flowing_plain)),
        rows=np.zeros((len(shape), max(k, 2))),
    )
    return group, row_of


def _feature_major(members: list[Record], sample: dict[int, object]) -> list[Record]:
    """The members ordered feature by feature, sample by sample within, when every sample has
    the same number of them (the transposed activations of a layer); else unchanged.

    Broadcasting along the samples (rather than along a layer's few neurons) keeps numpy's
    inner loops long.
    """
    first_seen: dict[object, int] = {}  # sample -> its order of first appearance
    count: dict[object, int] = {}  # sample -> how many of its members came so far
    keys = []
    for record in members:
        s = sample.get(record.index)
        if s is None or s == MIXED:
            return members
        first_seen.setdefault(s, len(first_seen))
        keys.append((count.get(s, 0), first_seen[s]))  # (feature, sample)
        count[s] = count.get(s, 0) + 1
    counts = set(count.values())
    if len(count) < 2 or len(counts) != 1 or counts == {1}:
        return members
    return [record for _, record in sorted(zip(keys, members), key=lambda item: item[0])]


def _requires_grad(graph: Graph) -> list[bool]:
    """For each node: does it depend on a parameter (so that backward needs its gradient)?"""
    requires = [graph.leaf_kind.get(i) == "param" for i in range(len(graph.order))]
    for i, record in graph.records.items():  # topological order
        requires[i] = any(requires[j] for j in record.reads)
    return requires


def as_index(slots: list[int]) -> slice | np.ndarray:
    """slots as a slice when they are consecutive (a cheap view), else as an index array."""
    if slots and slots == list(range(slots[0], slots[0] + len(slots))):
        return slice(slots[0], slots[0] + len(slots))
    return np.array(slots, dtype=np.intp)


# --- 3. backward plans -----------------------------------------------------------------------
# Backward visits the groups latest level first. For each: pull, then push.
#   pull: each node's grad = the sum of the contributions on the edges to its readers, added
#         in the order the eager backward adds them (readers latest first, inputs in order);
#   push: contributions on the group's own input edges = local_grad * the node's grad, one
#         multiplication for the whole edge block.
# A reader's contribution is always pushed before it is pulled: readers sit at higher levels.


@dataclass
class Pull:
    """grads[dst] = sum over rows of contributions[edges]: k nodes with f edges each.

    edges is (f, max(k, 2)), padded with slot 0 (whose contribution is 0.0).
    """

    dst: object  # slice or index array into the gradient buffer
    k: int
    edges: np.ndarray
    scratch: np.ndarray
    dst_view: np.ndarray | None  # grads[dst] when it is a slice of width max(k, 2)
    strided: np.ndarray | None = None  # contributions[edges] as a view, when edges allow one
    tail: Tail | None = None  # rows of edges read as strided views, when they allow it

    def run(self, program: Program) -> None:
        """Gather the edges' contributions and add each column's rows, top to bottom."""
        if self.strided is not None:  # no gather: add the rows of the view in place
            out = self.dst_view.reshape(self.strided.shape[1:])
            np.add.reduce(self.strided, axis=0, out=out)
            return
        if len(self.edges) == 1 and self.dst_view is not None:  # one edge: a copy, no sum
            _gather(program.contributions, self.edges[0], out=self.dst_view)
            return
        if self.tail is not None:  # the same rows, most of them copied from strided views
            self.tail.read(program.contributions)
        else:
            _gather(program.contributions, self.edges, out=self.scratch)
        if self.dst_view is not None:
            np.add.reduce(self.scratch, axis=0, out=self.dst_view)
        else:
            program.grads[self.dst] = np.add.reduce(self.scratch, axis=0)[:self.k]


@dataclass
class Tail:
    """A pull whose edges, from row `head` down, step evenly in every column: rows head.. of
    column m are contributions[start_m + d * r]. That is how a parameter's edges lie, one per
    sample, in its layer's edge block (the rows above them are its other readers: an L2
    penalty's). Those rows are copied from a few strided views, one per run of columns whose
    starts also step evenly, which costs a fraction of gathering them one by one.
    """

    head: int
    head_edges: np.ndarray  # edges[:head], gathered as before
    scratch: np.ndarray  # the contributions of every edge, (f, k): the rows to add up
    runs: list[tuple[int, int, np.ndarray]]  # (first column, stop column, view of the tail rows)
    head_rows: np.ndarray = field(init=False)  # scratch[:head]
    tail_rows: np.ndarray = field(init=False)  # scratch[head:]

    def __post_init__(self) -> None:
        self.head_rows, self.tail_rows = self.scratch[:self.head], self.scratch[self.head:]

    def read(self, buffer: np.ndarray) -> None:
        """scratch = buffer[edges]: the head rows gathered, the tail rows copied from views."""
        if self.head:
            _gather(buffer, self.head_edges, out=self.head_rows)
        for first, stop, view in self.runs:
            self.tail_rows[:, first:stop] = view


def _tail(buffer: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, Tail] | None:
    """How to read buffer[index] with a Tail, when it pays (at least 8 rows that step evenly,
    and runs of 8 columns or more on average): the order to put the columns in, so that the
    runs are long, and the Tail that reads them in that order. Else None."""
    f, k = index.shape
    if f < 8 or k < 2:
        return None
    d = int(index[-1, 0] - index[-2, 0])
    if d == 0:
        return None
    steps_evenly = (np.diff(index, axis=0) == d).all(axis=1)  # row r to r + 1, in every column
    head = f - 1
    while head > 0 and steps_evenly[head - 1]:
        head -= 1
    if f - head < 8:
        return None
    order = np.argsort(index[head], kind="stable")  # columns by where their tail starts
    index = index[:, order]
    starts = index[head].tolist()
    runs, first = [], 0  # (first column, stop column, step between their starts)
    while first < k:  # the longest run from `first` whose starts step evenly
        stop, step = first + 1, 1
        if stop < k:
            step = starts[stop] - starts[first]
            while stop + 1 < k and starts[stop + 1] - starts[stop] == step:
                stop += 1
            stop += 1
        runs.append((first, stop, step))
        first = stop
    if len(runs) * 8 > k:
        return None
    # The view of a run reads buffer[starts[first] + r * d + c * step] at row r, column c,
    # which is index[head + r, first + c]: a slot of the program, never outside the buffer.
    size = buffer.itemsize
    views = [(first, stop, np.lib.stride_tricks.as_strided(
        buffer[starts[first]:], shape=(f - head, stop - first),
        strides=(d * size, step * size), writeable=False)) for first, stop, step in runs]
    return order, Tail(head, np.ascontiguousarray(index[:head]), np.zeros(index.shape), views)


@dataclass
class Push:
    """contributions[edges] = local_grads[edges] * grads[out], as a rows x k block of views."""

    slopes: np.ndarray
    upstream: np.ndarray
    contributions: np.ndarray

    def push(self) -> None:
        np.multiply(self.slopes, self.upstream, out=self.contributions)


@dataclass
class BackwardPlan:
    """The steps of a backward pass from one output, and the parameters it reaches."""

    steps: list  # (pulls, push or None) per group, latest level first; then the parameters'
    seed_slot: int
    params: list[Value]
    param_grad_slots: np.ndarray


def backward_plan(program: Program, output: int) -> BackwardPlan:
    """Pulls and pushes for backward from graph.outputs[output], over what it depends on."""
    root = program.outputs[output]
    cone = _depends_on(program.reads, root)
    slot = program.slot
    walk = program.walks[output]  # where each reader comes in the eager walk from this output

    def eager_order(edge: tuple) -> tuple[int, int]:  # readers latest first, inputs in order
        # The rank's reader is a traced node: the record edge[2] itself, or a node fused into
        # it, which it then reads alone. Either way this output depends on it, as edge[2] is
        # in the cone, so it has a place in the output's walk.
        (reader, position), _, _ = edge
        return (-reader if walk is None else -walk[reader], position)

    def pulls(nodes: list[int]) -> list[Pull]:
        by_fan_in: dict[int, list[tuple[int, list]]] = {}
        for j in nodes:
            edges = [e for e in program.edges_into.get(j, ()) if e[2] in cone]
            if j == root or not edges:
                continue
            edges.sort(key=eager_order)
            by_fan_in.setdefault(len(edges), []).append((j, edges))
        result = []
        for f, entries in sorted(by_fan_in.items()):
            k = len(entries)
            index = np.zeros((f, max(k, 2)), dtype=np.intp)
            for m, (_, edges) in enumerate(entries):
                index[:, m] = [edge for _, edge, _ in edges]
            dst = as_index([slot[j] for j, _ in entries])
            view = program.grads[dst] if isinstance(dst, slice) and k > 1 else None
            strided = _strided(program.contributions, index) if view is not None else None
            found = _tail(program.contributions, index) if strided is None and k > 1 else None
            if found is not None:  # the columns reordered: the destinations follow
                order, tail = found
                dst = as_index([slot[entries[m][0]] for m in order.tolist()])
                result.append(Pull(dst, k, index[:, order], tail.scratch, None, tail=tail))
                continue
            result.append(Pull(dst, k, index, np.zeros(index.shape), view, strided))
        return result

    steps = []
    for group, nodes in zip(reversed(program.groups), reversed(program.group_nodes)):
        in_cone = any(j in cone for j in nodes)
        push = None
        if in_cone and isinstance(group, PrimGroup) and group.edges is not None:
            shape = (-1, len(nodes))  # rows x k
            push = Push(program.local_grads[group.edges].reshape(shape), program.grads[group.out],
                        program.contributions[group.edges].reshape(shape))
        if in_cone and isinstance(group, SumGroup):
            push = group
        steps.append((pulls(nodes) if in_cone else [], push))
    param_nodes = [i for i, kind in program.leaf_kind.items() if kind == "param"]
    steps.append((pulls(param_nodes), None))
    reached = [(k, i) for k, i in enumerate(param_nodes) if i in cone]
    return BackwardPlan(
        steps=steps, seed_slot=slot[root],
        params=[program.params[k] for k, _ in reached],
        param_grad_slots=np.array([slot[i] for _, i in reached], dtype=np.intp),
    )


def _strided(buffer: np.ndarray, index: np.ndarray) -> np.ndarray | None:
    """buffer[index] as a view of shape (f, q, p), when index[r, q_ * p + m] steps evenly in
    r, in q_ and in m (an edge block read across: a layer's neurons, for each sample); else
    None. numpy adds the view's rows in order, as it adds the rows of a gathered copy."""
    f, k = index.shape
    row = index[0]
    step = row[1] - row[0]
    breaks = np.flatnonzero(np.diff(row) != step)
    p = int(breaks[0]) + 1 if len(breaks) else k
    if k % p:
        return None
    q = k // p
    r_step = index[1, 0] - index[0, 0] if f > 1 else 0
    q_step = row[p] - row[0] if q > 1 else 0
    expected = (row[0] + r_step * np.arange(f)[:, None, None] + q_step * np.arange(q)[:, None]
                + step * np.arange(p))
    if not np.array_equal(expected.reshape(f, k), index):
        return None
    # numpy loops innermost over the smallest stride; were that the summed axis, it would add
    # pairwise, in another order than the eager engine. Keep such pulls as gathers.
    other_steps = [abs(s) for s, n in ((q_step, q), (step, p)) if n > 1]
    if f > 1 and other_steps and abs(r_step) <= min(other_steps):
        return None
    size = buffer.itemsize
    start = buffer[int(row[0]):]  # the view starts here; steps may go either way from it
    return np.lib.stride_tricks.as_strided(
        start, shape=(f, q, p), strides=(int(r_step) * size, int(q_step) * size,
                                         int(step) * size), writeable=False)


def _depends_on(reads: dict[int, tuple[int, ...]], root: int) -> set[int]:
    """The nodes of the fused graph that `root` depends on, itself included."""
    cone = {root}
    stack = [root]
    while stack:
        for j in reads.get(stack.pop(), ()):
            if j not in cone:
                cone.add(j)
                stack.append(j)
    return cone


def graph_signature(order: list[Value], param_position: dict[Value, int],
                    input_position: dict[Value, int]) -> list[tuple]:
    """The graph node by node, as numbers and names only: (op name, params, input indices)
    for a computed node, ("input", position), ("param", position), ("constant",) or ("leaf",)
    (a Value made inside the function) for a leaf. Two traces built the same graph when their
    signatures are equal."""
    index = {node: i for i, node in enumerate(order)}
    rows = []
    for node in order:
        if node.inputs:
            rows.append((node.op.name, node.params, tuple(index[x] for x in node.inputs)))
        elif node in input_position:
            rows.append(("input", input_position[node]))
        elif node in param_position:
            rows.append(("param", param_position[node]))
        else:
            rows.append(("constant",) if node.constant else ("leaf",))
    return rows

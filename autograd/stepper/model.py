"""The walkthrough model: a graph's forward and backward passes as a list of steps (pure data).

A snapshot copies what stepping needs from the Values (numbers, names, edges), so a walkthrough
never changes the user's graph. Forward steps compute one operation each, in topological order;
backward steps apply one chain-rule edge each, in the order backward() applies them, with the
upstream gradient, the local derivative and the rule. Every surface only draws these steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from ..composites import OPERATIONS
from ..naming import derivative
from ..scopes import scope_steps
from ..text import printable
from ..value import Value
from .collapse import collapsed
from .explain import Explanation, explain_node
from .levels import (
    LEVELS_OVER,
    MAX_LEVELED,
    Group,
    Level,
    build_levels,
    flat_tree,
    has_modules,
    module_tree,
    restricted,
)
from .nodes import MAX_NODES, MODULE, Graph, Node, check_size, snapshot
from .nonfinite import first_words, reason
from .symbols import ATOM, PRODUCT, Sym, fmt, lead, number_factor, operation

MAX_FULL = 200_000  # nodes of a graph that is to be collapsed before it is stepped
LISTED = 12  # how many leaves the start and done steps list by name before "and N more"
# The kinds of step of each pass: the forward pass makes values, the backward pass gradients.
PHASES = {"forward": ("start", "forward"), "backward": ("seed", "backward")}


# --- steps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of a walkthrough and what it changes.

    kind: "start" (the leaves are given), "forward" (one operation computed), "seed" (the
    output's gradient is 1), "backward" (one chain-rule edge applied), "done"; a training
    walkthrough adds "update" and "zero_grad". node: the node the step is about (None for
    start and done); edge: (out, inp, slot) for backward steps. values and grads: the
    (node id, number) pairs this step reveals or changes. lines: the narration, numbers
    plugged in. A backward step also carries its chain rule's numbers: upstream (d output /
    d out), local_grad (d out / d inp) and the input's grad before (None: nothing yet) and
    after. question and answer: what practice mode asks before showing the step.
    """

    index: int
    kind: str
    title: str
    node: int | None = None
    edge: tuple[int, int, int] | None = None
    values: tuple[tuple[int, float], ...] = ()
    grads: tuple[tuple[int, float], ...] = ()
    lines: tuple[str, ...] = ()
    rule: str = ""
    upstream: float | None = None
    local_grad: float | None = None
    grad_before: float | None = None
    grad_after: float | None = None
    question: str = ""
    answer: float | None = None
    hint: str = ""


@dataclass(frozen=True)
class State:
    """What is known after a step: each node's value and gradient, None while unknown."""

    values: tuple[float | None, ...]
    grads: tuple[float | None, ...]


class Walkthrough:
    """A graph and the steps of its forward and backward passes, ready for any surface.

    Build one with `walkthrough(value)`. Index it (`walk[3]`), iterate it, ask for the
    state after a step, find steps (breakpoints), print its tape or explain a gradient.

    Its steps are also cut into levels (levels.py): `walk.top` is the level a surface opens
    at, and `walk.open(level, i)` the level below step i of a level. A walkthrough without
    modules has one level, whose steps are its steps.
    """

    def __init__(self, graph: Graph, steps: list[Step], groups: tuple[Group, ...] = (),
                 levels: tuple[Level, ...] = ()) -> None:
        self.graph = graph
        self.steps = tuple(steps)
        self.groups = groups or flat_tree(graph)
        self._levels = levels
        self.focus: int | None = None  # following one node: its id (see `focused`)
        self.sample: int | None = None  # or one example of a batch (see `sampled`)
        self.whole: Walkthrough | None = None  # ... and the walkthrough that is part of
        self._final: State | None = None
        self._consumers: list[list[tuple[int, int]]] | None = None

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> Step:
        return self.steps[index]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __repr__(self) -> str:
        top = f", {len(self.top)} at the top level" if self.leveled else ""
        return (f"<Walkthrough of {self.graph.root.name}: {len(self.graph.nodes)} nodes, "
                f"{len(self.steps)} steps{top}>")

    @property
    def levels(self) -> tuple[Level, ...]:
        """Every level: the top one first, then each level some step opens into."""
        if not self._levels:
            self._levels = build_levels(self.steps, self.groups, describe_group(self))
        return self._levels

    @property
    def top(self) -> Level:
        """The level a surface opens at: the whole walkthrough, module by module."""
        return self.levels[0]

    @property
    def leveled(self) -> bool:
        """True when some step of the top level opens into a level below."""
        return len(self.levels) > 1

    def level(self, level: Level | int) -> Level:
        """A level, given as itself or by its id; IndexError for an id that is not one."""
        if isinstance(level, Level):
            return level
        if not isinstance(level, int) or isinstance(level, bool) or not (
                0 <= level < len(self.levels)):
            raise IndexError(f"level {level!r} is not between 0 and {len(self.levels) - 1}")
        return self.levels[level]

    def open(self, level: Level | int, index: int) -> Level:
        """The level below step `index` of a level: the steps that step is the sum of."""
        level = self.level(level)
        if not isinstance(index, int) or not 0 <= index < len(level):
            raise IndexError(f"step {index!r} is not between 0 and {len(level) - 1} "
                             f"in level {level.name!r}")
        step = level[index]
        if step.opens is None:
            raise ValueError(f"step {index} of level {level.name!r} ({step.title}) is one "
                             f"operation's step: there is no level below it")
        return self.levels[step.opens]

    def locate(self, index: int) -> tuple[Level, int]:
        """The deepest level where ordinary step `index` is a step of its own, and its position.

        This is where a surface goes to show that one step (a breakpoint, the first nan).
        """
        if not isinstance(index, int) or not 0 <= index < len(self.steps):
            raise IndexError(f"step {index!r} is not between 0 and {len(self.steps) - 1}")
        level = self.top
        while True:
            position = next(s.index for s in level if s.first <= index <= s.last)
            opens = level[position].opens
            if opens is None:
                return level, position
            level = self.levels[opens]

    def path(self, level: Level | int) -> tuple[Level, ...]:
        """The levels from the top down to this one: where a surface shows you are."""
        chain = [self.level(level)]
        while chain[-1].parent is not None:
            chain.append(self.levels[chain[-1].parent])
        return tuple(reversed(chain))

    def state(self, index: int) -> State:
        """Every value and gradient known once step `index` is done."""
        if not isinstance(index, int) or not 0 <= index < len(self.steps):
            raise IndexError(f"step {index!r} is not between 0 and {len(self.steps) - 1}")
        values: list[float | None] = [None] * len(self.graph.nodes)
        grads: list[float | None] = [None] * len(self.graph.nodes)
        for step in self.steps[: index + 1]:
            for node, number in step.values:
                values[node] = number
            for node, number in step.grads:
                grads[node] = number
        return State(tuple(values), tuple(grads))

    def final(self) -> State:
        """Every value and gradient known once the last step is done."""
        if self._final is None:
            self._final = self.state(len(self.steps) - 1)
        return self._final

    def consumers(self) -> list[list[tuple[int, int]]]:
        """For each node of its graph, the (out id, input slot) of every edge that leaves it."""
        if self._consumers is None:
            self._consumers = self.graph.consumers()
        return self._consumers

    def grads(self) -> dict[str, float]:
        """d output / d node for every node but constants, by name, as the last step has it."""
        final = self.state(len(self.steps) - 1).grads
        return {n.name: g for n, g in zip(self.graph.nodes, final) if g is not None}

    def first(self, kind: str) -> int:
        """The index of the first step of a kind ("forward", "seed", "backward", ...)."""
        for step in self.steps:
            if step.kind == kind:
                return step.index
        raise ValueError(f"this walkthrough has no {kind!r} step")

    def find(self, target: Value | str | int, after: int = -1, kind: str = "") -> int | None:
        """The first step after `after` about the target node (optionally of one kind), or None.

        This is a breakpoint: "run to b" is `walk.find("b", after=current)`.
        """
        node = self.graph.find(target).id
        for step in self.steps[after + 1:]:
            if step.node == node and (not kind or step.kind == kind):
                return step.index
        return None

    def first_nonfinite(self, phase: str = "", nan: bool = False) -> int | None:
        """The first step that produces an inf or nan value or gradient, or None.

        phase: "forward" (values) or "backward" (gradients) looks at that pass only;
        nan=True finds the first nan instead.
        """
        if phase and phase not in PHASES:
            raise ValueError(f"phase must be 'forward' or 'backward', got {phase!r}")
        kinds = PHASES[phase] if phase else ()
        return first_nonfinite(self.steps, kinds, nan)

    def tape(self) -> str:
        """The walkthrough as a program: numbered forward statements, then backward ones;
        following a node, then its path sum, the number backward's statements add up to.

        Names are user text: their control characters are written out (ESC as \\x1b).
        """
        lines = []
        for step in self.steps:
            if step.kind == "done" and self.focus is not None:
                lines.append("path sum:")
                sums = [line for line in step.lines if line.startswith(("sum over", "by route:"))]
                lines.extend(f"{step.index if k == 0 else '':>4}  {printable(line)}"
                             for k, line in enumerate(sums))
            if step.kind in ("start", "done"):
                continue
            if step.kind == "forward" and step.index == 1:
                lines.append("forward:")
            if step.kind == "seed":
                lines.append("backward:")
            if step.kind == "update" and self.steps[step.index - 1].kind != "update":
                lines.append("update:")
            lines.append(f"{step.index:4}  {printable(step.lines[0])}")
        return "\n".join(lines)

    def explain(self, target: Value | str | int, h: float = 1e-4) -> Explanation:
        """Every path from the target to the output, their sum, and a finite-difference check."""
        return explain_node(self.graph, self.graph.find(target), h=h)


def walkthrough(output: Value, max_nodes: int = MAX_NODES, collapse: str | int | None = None,
                levels: bool | None = None, focus: Value | str | None = None,
                sample: int | None = None, primitives: bool = False) -> Walkthrough:
    """The steps of computing `output` and backpropagating from it, without changing it.

    focus: follow one node (a parameter, given as its Value, its name or its label): only the
    steps on the paths from it to the output, ending with their sum, its gradient.
    sample: step one example of a batch loss (0 is the first): its call of each layer and
    the loss's part, in levels.

    levels: step a network in levels, layer calls at the top, each opening into its neurons
    and each neuron into its operations (the modules are nn's, or any name_scope). None, the
    default, does so for a graph of modules of more than LEVELS_OVER nodes; True and False
    decide. max_nodes bounds a walkthrough without levels (one with levels takes up to
    MAX_LEVELED nodes). collapse: step module by module instead, each module (each call of
    it) as one node: "neurons", "layers", or a number of scope steps.
    primitives: step through a - b, a / b, -a, sqrt(a) and a - 2 as the primitives the
    engine recorded (-1 * b, then a + that), rather than as one step each, as written.
    """
    if levels not in (None, True, False):
        raise TypeError(f"levels must be True, False or None (decide by size), got {levels!r}")
    if focus is not None and sample is not None:
        raise ValueError("focus= and sample= each choose some of the steps: choose one")
    if focus is not None:
        return focused(walkthrough(output, max_nodes, collapse, levels,
                                   primitives=primitives), focus)
    if sample is not None:
        if levels is False or collapse is not None:
            raise ValueError("sample= finds the examples of a batch in its levels: it needs "
                             "levels (not levels=False, nor collapse=)")
        return sampled(walkthrough(output, max_nodes, levels=True, primitives=primitives), sample)
    if collapse is not None:
        if levels:
            raise ValueError("collapse= and levels=True are two ways of stepping a network "
                             "module by module: choose one")
        graph = collapsed(snapshot(output, max(MAX_FULL, max_nodes), primitives), collapse)
        check_size(len(graph.nodes), max_nodes, f"collapsed to {collapse!r}, this graph", ())
        return _walk(graph)
    graph = snapshot(output, max_nodes if levels is False else max(MAX_FULL, max_nodes),
                     primitives)
    modules = has_modules(graph)
    if levels is None:
        levels = modules and len(graph.nodes) > LEVELS_OVER
    if not levels:
        what = "this graph, as the engine's primitives," if primitives else "this graph"
        check_size(len(graph.nodes), max_nodes, what, [n.scope for n in graph.nodes])
        return _walk(graph)
    if not modules:
        raise ValueError("levels=True steps a network module by module, but no operation of "
                         "this graph was computed in a module (nn's modules, or any "
                         "autograd.name_scope)")
    if len(graph.nodes) > MAX_LEVELED:
        raise ValueError(
            f"this network's graph has {len(graph.nodes)} nodes, more than the {MAX_LEVELED} "
            f"a walkthrough in levels carries; step a smaller piece (one example instead of a "
            f"batch), or one module per node with collapse='neurons'"
        )
    order, groups = module_tree(graph)
    return _walk(reordered(graph, order), groups)


def _walk(graph: Graph, groups: tuple[Group, ...] = ()) -> Walkthrough:
    """The walkthrough of a graph: its forward steps, backward steps and the done step."""
    steps = forward_steps(graph)
    steps += backward_steps(graph, start=len(steps))
    steps.append(done_step(graph, Walkthrough(graph, steps), len(steps)))
    return Walkthrough(graph, steps, groups)


def reordered(graph: Graph, order: Sequence[int]) -> Graph:
    """The graph with its nodes in another topological order (ids are positions in it)."""
    new = {old: k for k, old in enumerate(order)}
    nodes = tuple(replace(graph.nodes[old], id=k, inputs=tuple(new[i] for i in
                                                                 graph.nodes[old].inputs))
                  for k, old in enumerate(order))
    return Graph(nodes, tuple(graph.values[old] for old in order), names=graph.names)


def as_walkthrough(x: Value | Walkthrough, max_nodes: int = MAX_NODES,
                   collapse: str | int | None = None, levels: bool | None = None,
                   focus: Value | str | None = None, sample: int | None = None,
                   primitives: bool = False) -> Walkthrough:
    """x itself if it is a Walkthrough (a training one, say), else walkthrough(x, ...).

    focus and sample: follow a node of it, or step one example (see `focused`, `sampled`).
    """
    if isinstance(x, Walkthrough):
        if primitives:
            raise ValueError("primitives=True needs the output Value: a Walkthrough given "
                             "keeps the form it was made with")
        if focus is not None:
            return focused(x, focus)
        return x if sample is None else sampled(x, sample)
    return walkthrough(x, max_nodes=max_nodes, collapse=collapse, levels=levels, focus=focus,
                       sample=sample, primitives=primitives)


def other_form(output: Value | Walkthrough, walk: Walkthrough, primitives: bool,
               max_nodes: int = MAX_NODES) -> Walkthrough | None:
    """All the steps of `walk` (of `output`) with its composites the other way: as the
    engine's primitives if it shows them as written, or as written if it shows the primitives.
    What the page's "primitives" switch turns to.

    None where there is no other way, or it is not offered: a graph with no composite (a * b
    + c is primitives only), a Walkthrough given (its Value is not at hand), a network stepped
    in levels or collapsed to modules (its page would carry two networks' steps), or one
    whose primitives are more than max_nodes nodes.
    """
    whole = walk.whole or walk
    if not isinstance(output, Value) or whole.leveled or whole.graph.full is not None:
        return None
    try:
        other = walkthrough(output, max_nodes=max_nodes, levels=False, primitives=not primitives)
    except ValueError:  # more than max_nodes nodes as primitives: the only error left here
        return None
    shape = [(node.op, node.inputs) for node in whole.graph.nodes]
    return None if [(node.op, node.inputs) for node in other.graph.nodes] == shape else other


def forward_steps(graph: Graph) -> list[Step]:
    """The start step (the leaves are given), then one step per operation."""
    leaves = [n for n in graph.nodes if n.kind != "op"]
    named = [n for n in leaves if n.kind == "leaf"]
    listed = [f"{n.name} = {fmt(n.data)}" + _where(n) for n in named[:LISTED]]
    if len(named) > LISTED:
        listed.append(f"... and {len(named) - LISTED} more")
    parameters = sum(1 for n in named if n.scope)  # leaves made in a module (nn's weights)
    given = " and ".join(_count(n, noun) for n, noun in (
        (len(named) - parameters, "input"), (parameters, "parameter")) if n)
    steps = [Step(
        index=0, kind="start",
        title=f"Start: {given} given" if named else "Start",
        values=tuple((n.id, n.data) for n in leaves),
        lines=tuple(listed) or ("This graph starts from constants only.",),
    )]
    for node in graph.nodes:
        if node.kind != "op":
            continue
        expr = forward_expression(graph, node)
        statement = f"{node.name} = {_both(expr)}"
        if lead(expr.numbers) != fmt(node.data):  # -a = -2.0 needs no "= -2.0" after it
            statement += f" = {fmt(node.data)}"
        lines = [statement]
        if node.scope and node.op != MODULE:
            lines.append(f"computed in {node.scope}")
        if node.site:
            lines.append(f"created at {node.site}")
        steps.append(Step(
            index=len(steps), kind="forward", title=f"{node.name} = {expr.names}", node=node.id,
            values=((node.id, node.data),), lines=tuple(lines), rule=rule_of(node),
        ))
    return mark_nonfinite(graph, steps, "forward")


def backward_steps(graph: Graph, start: int) -> list[Step]:
    """The seed step, then one step per chain-rule edge into a non-constant node."""
    root = graph.root
    grads: list[float | None] = [None] * len(graph.nodes)
    grads[root.id] = 1.0
    steps = [Step(
        index=start, kind="seed", title=f"{_d(root, root)} = 1", node=root.id,
        grads=((root.id, 1.0),),
        lines=(f"{_d(root, root)} = 1",
               f"Backward starts at the output: nudging {root.name} by h moves {root.name} "
               f"by h, so its gradient with respect to itself is 1."),
    )]
    # how many edges send each node a gradient: "x.grad = 2.0 (from c) + -6.0 (from d)"
    fan_out = [len(edges) for edges in graph.consumers()]
    received: list[list[tuple[str, float]]] = [[] for _ in graph.nodes]
    for out in reversed(graph.nodes):  # the order of graph.chain_rule_edges, as backward runs
        for slot, (inp_id, local) in enumerate(zip(out.inputs, out.local_grads)):
            inp = graph.nodes[inp_id]
            if inp.kind == "constant":
                continue  # a constant's gradient is never used: not worth a step
            upstream = grads[out.id]
            before = grads[inp.id]
            contribution = local * upstream
            after = contribution if before is None else before + contribution
            grads[inp.id] = after
            source = out.name + (", again" if any(s == out.name for s, _ in received[inp.id])
                                 else "")
            received[inp.id].append((source, contribution))
            steps.append(_backward_step(
                graph, len(steps) + start, out, slot, inp, upstream, before, after,
                received[inp.id], fan_out[inp.id],
            ))
    return mark_nonfinite(graph, steps, "backward")


def _backward_step(graph: Graph, index: int, out: Node, slot: int, inp: Node, upstream: float,
                   before: float | None, after: float, received: list[tuple[str, float]],
                   fan_out: int) -> Step:
    """One chain-rule edge, narrated: dL/da += dc/da * dL/dc = b * 2.0 = -3.0 * 2.0 = -6.0."""
    root = graph.root
    local = out.local_grads[slot]
    contribution = local * upstream
    formula = local_formula(graph, out, slot)
    # When out is the output itself its local derivative is the gradient: dL/dd += f * dL/dL
    # reads better than dL/dd += dL/dd * dL/dL, so the formula takes the local's place.
    if out is root:
        local_name = _factor(formula.names, formula.binding) if formula else fmt(local)
    else:
        local_name = _d(out, inp)
    product = f"{local_name} * {_d(root, out)}"
    chain = f"{_d(root, inp)} += {product}"
    parts = [chain]
    if formula is not None and formula.names != formula.numbers and out is not root:
        parts.append(f"{_factor(formula.names, formula.binding)} * {number_factor(upstream)}")
    numbers = formula.numbers if formula is not None else fmt(local)
    binding = formula.binding if formula is not None else ATOM
    parts.append(lead(f"{_factor(numbers, binding)} * {number_factor(upstream)}"))
    parts.append(fmt(contribution))
    lines = [" = ".join(parts)]
    rule = rule_of(out)
    expr = forward_expression(graph, out)
    lines.append(f"because {out.name} = {expr.names}, and {rule}")
    if fan_out > 1:
        terms = " + ".join(f"{fmt(amount)} (from {source})" for source, amount in received)
        status = ("complete" if len(received) == fan_out
                  else f"{len(received)} of {fan_out} contributions so far")
        total = f" = {fmt(after)}" if len(received) > 1 else ""
        lines.append(f"{inp.name}.grad = {terms}{total}  ({status})")
    else:
        lines.append(f"{inp.name}.grad = {fmt(after)}")
    if out.site:
        lines.append(f"{out.name} was created at {out.site}")
    question = (f"{_d(root, inp)} = ?" if fan_out == 1 else
                f"{_d(root, inp)} after adding the contribution from {out.name} = ?")
    # The hint is the chain rule with the numbers filled in, all but the last multiplication.
    hint = (f"{_d(root, inp)} {'=' if before is None else '+='} "
            f"{' = '.join([product, *parts[1:-1]])}, because {out.name} = {expr.names}, and "
            f"{rule}")
    if before is not None:
        hint += f"; then add the {fmt(before)} that {inp.name}.grad already holds"
    return Step(
        index=index, kind="backward", title=chain, node=inp.id, edge=(out.id, inp.id, slot),
        grads=((inp.id, after),), lines=tuple(lines), rule=rule, upstream=upstream,
        local_grad=local, grad_before=before, grad_after=after,
        question=question, answer=after, hint=hint,
    )


def done_step(graph: Graph, walk: Walkthrough, index: int, lines: tuple[str, ...] = (),
              title: str = "Done: every gradient is known") -> Step:
    """The last step: the gradient of every leaf, listed (or `lines`, when given)."""
    root = graph.root
    grads = walk.state(len(walk) - 1).grads
    leaves = [n for n in graph.nodes if n.kind == "leaf" and grads[n.id] is not None]
    listed = [f"{_d(root, n)} = {fmt(grads[n.id])}" for n in leaves[:LISTED]]
    if len(leaves) > LISTED:
        listed.append(f"... and {len(leaves) - LISTED} more")
    if not listed and root.kind == "op":  # 2 * 3: computed, but from constants only
        listed = [f"{root.name} is computed from constants only: it has no inputs of yours to "
                  f"take gradients with respect to."]
    lines = lines or tuple(listed) or (f"{root.name} is a leaf: its gradient is 1.",)
    return Step(index=index, kind="done", title=title, lines=lines + _nonfinite_summary(walk))


# --- following one node: the steps on its paths to the output --------------------------------


def focused(walk: Walkthrough, target: Value | str | int) -> Walkthrough:
    """The steps of `walk` on the paths from `target` to the output, ending with their sum.

    Forward, the operations computed from the target; backward, the gradients that flow back
    along those paths, each step as in the whole walkthrough (the other inputs of these
    operations are known from the rest of the graph). The last step says that d output /
    d target is the sum over the paths of the product of the local derivatives along each.
    """
    whole = walk.whole or walk
    graph = whole.graph
    node = graph.find(target)
    if node.kind == "constant":
        raise ValueError(f"{node.name} is a constant: it has no gradient to follow; follow a "
                         f"parameter, an input or a value computed from them")
    kept = following(whole, node.id)
    result = _part(whole, kept, follow_start(whole, node, kept),
                   path_sum_step(whole, node, len(kept) + 1))
    result.focus = node.id
    return result


def _part(whole: Walkthrough, kept: list[int], start: Step, done: Step) -> Walkthrough:
    """A walkthrough of some of another's steps, with a start and a done step of its own."""
    steps = [start] + [replace(whole[i], index=k + 1) for k, i in enumerate(kept)] + [done]
    result = Walkthrough(whole.graph, steps, whole.groups,
                         restricted(whole.levels, steps, [0, *kept, len(whole) - 1]))
    result.whole = whole
    return result


def follow_start(whole: Walkthrough, node: Node, kept: list[int]) -> Step:
    """The first step of following a node: its value, and the values its paths read."""
    graph = whole.graph
    cone = downstream(whole, node.id)
    context = sorted({i for n in cone if n != node.id for i in graph.nodes[n].inputs
                      if i not in cone})
    named = [i for i in context if graph.nodes[i].kind != "constant"]
    listed = [f"{graph.nodes[i].name} = {fmt(graph.nodes[i].data)}" for i in named[:LISTED]]
    if len(named) > LISTED:
        listed.append(f"and {len(named) - LISTED} more")
    return Step(
        index=0, kind="start",
        title=f"Follow {node.name}: the steps on its paths to {graph.root.name}",
        values=((node.id, node.data),) + tuple((i, graph.nodes[i].data) for i in context),
        lines=(f"{node.name} = {fmt(node.data)}: only what is computed from it, and the "
               f"gradients flowing back along those paths ({_count(len(kept), 'step')} of "
               f"the {len(whole) - 2} of the whole walkthrough)",
               *([f"known from the rest of the graph: {', '.join(listed)}"] if named else [])),
    )


def following(whole: Walkthrough, node: int) -> list[int]:
    """The indices of the steps of a walkthrough on the paths from node `node` to the output.

    Every operation computed from the node is on such a path (each node leads to the output),
    and every gradient a node on them receives comes from another: the forward steps of those
    operations, the seed, and the backward steps into those nodes.
    """
    cone = downstream(whole, node)
    return [step.index for step in whole.steps
            if step.kind == "seed" or step.node in cone and (
                step.kind == "backward" or step.kind == "forward" and step.node != node)]


def downstream(walk: Walkthrough, *nodes: int) -> set[int]:
    """The nodes and every node computed from them (no recursion)."""
    consumers = walk.consumers()
    cone, stack = set(nodes), list(nodes)
    while stack:
        for out, _ in consumers[stack.pop()]:
            if out not in cone:
                cone.add(out)
                stack.append(out)
    return cone


def paths_graph(whole: Walkthrough, node: int) -> Graph:
    """The part of the graph on the paths from a node to the output, with what they read.

    What the paths read from elsewhere becomes a given value (a leaf): nudging the node moves
    none of it, so the gradient, the paths and a finite-difference check are those of the
    whole graph, found in a fraction of the time.
    """
    graph = whole.graph
    cone = downstream(whole, node)
    kept = sorted(cone | {i for n in cone if n != node for i in graph.nodes[n].inputs})
    new = {old: k for k, old in enumerate(kept)}
    nodes = []
    for old in kept:
        n = graph.nodes[old]
        if old in cone and old != node:
            nodes.append(replace(n, id=new[old], inputs=tuple(new[i] for i in n.inputs)))
        else:
            kind = "constant" if n.kind == "constant" else "leaf"
            nodes.append(replace(n, id=new[old], kind=kind, op="", inputs=(), local_grads=()))
    return Graph(tuple(nodes), tuple(graph.values[old] for old in kept), names=graph.names)


def path_sum_step(whole: Walkthrough, node: Node, index: int) -> Step:
    """The last step of following a node: its gradient as the sum over its paths, checked.

    With several routes out of the node, it also says what each sent back: the sum of the
    paths through that route.
    """
    graph = whole.graph
    if graph.full is None:  # the paths alone: the rest of the graph only gives them numbers
        paths = paths_graph(whole, node.id)
        explanation = explain_node(paths, paths.find(node.name))
    else:  # a collapsed graph, whose modules are nudged in the graph before collapsing
        explanation = explain_node(graph, node)
    lines = str(explanation).splitlines()
    routes = whole.consumers()[node.id]
    if len(routes) > 1:
        grads = whole.final().grads
        sent = [(graph.nodes[out], graph.nodes[out].local_grads[slot] * grads[out])
                for out, slot in routes]
        terms = " + ".join(f"{number_factor(amount)} (through {out.name})" for out, amount in sent)
        lines.insert(len(lines) - 1, f"by route: {node.name}.grad = {lead(terms)} = "
                                     f"{fmt(grads[node.id])}")
    paths = _count(explanation.path_count, "path")
    return Step(index=index, kind="done",
                title=f"Done: {explanation.derivative} = {fmt(explanation.grad)}, the sum "
                      f"over its {paths}",
                lines=tuple(lines))


# --- one example of a batch ------------------------------------------------------------------


def batch_calls(walk: Walkthrough) -> list[list[int]]:
    """For each example of a batch, its calls of the top-level modules (group ids), in order.

    The examples are the calls of the modules called most often, once per example: the
    four calls of each layer of an MLP run on four points. [] when no module is called twice.
    """
    calls: dict[str, list[int]] = {}
    for group in walk.groups:
        if group.depth == 1 and group.scope:
            calls.setdefault(group.scope, []).append(group.id)
    most = max((len(ids) for ids in calls.values()), default=0)
    if most < 2:
        return []
    chosen = [ids for ids in calls.values() if len(ids) == most]
    return [[ids[k] for ids in chosen] for k in range(most)]


def sampled(walk: Walkthrough, sample: int) -> Walkthrough:
    """The steps of one example of a batch loss: its call of each layer, and the loss's part.

    Forward, its calls and what is computed from them; backward, the gradients flowing back
    into those, and from them into the parameters: what this example adds to each gradient.
    """
    whole = walk.whole or walk
    result = _part(whole, *sample_part(whole, sample))
    result.sample = sample
    return result


def sample_part(whole: Walkthrough, sample: int) -> tuple[list[int], Step, Step]:
    """The steps of the whole walkthrough one example keeps, and its start and done steps."""
    if not isinstance(sample, int) or isinstance(sample, bool):
        raise TypeError(f"sample must be the index of an example (an int), got {sample!r}")
    calls = batch_calls(whole)
    if not calls:
        raise ValueError("sample= steps one example of a batch, but no module of this graph is "
                         "called more than once (once per example)")
    if not 0 <= sample < len(calls):
        raise ValueError(f"sample {sample} is not one of the {len(calls)} examples of this "
                         f"batch: they are 0 to {len(calls) - 1}")
    graph = whole.graph
    ops = [op for g in calls[sample] for op in whole.groups[g].ops]
    cone = downstream(whole, *ops)
    kept = [step.index for step in whole.steps if step.kind == "seed"
            or step.kind == "forward" and step.node in cone
            or step.kind == "backward" and step.edge[0] in cone
            and (step.node in cone or graph.nodes[step.node].kind == "leaf")]
    names = [whole.groups[g].name for g in calls[sample]]
    context = sorted({i for n in cone for i in graph.nodes[n].inputs if i not in cone})
    start = Step(
        index=0, kind="start",
        title=f"Sample {sample}: its call of each layer, and the loss computed from them",
        values=tuple((i, graph.nodes[i].data) for i in context),
        lines=(f"example {sample} of {len(calls)}: {', '.join(names)}, then what is computed "
               f"from them; backward, what this example adds to each gradient "
               f"({_count(len(kept), 'step')} of the {len(whole) - 2} of the whole batch)",),
    )
    added: dict[int, float] = {}  # leaf -> what this example's steps added to its gradient
    for i in kept:
        step = whole[i]
        if step.kind == "backward" and graph.nodes[step.node].kind == "leaf":
            added[step.node] = added.get(step.node, 0.0) + step.grad_after - (
                step.grad_before or 0.0)
    final = whole.final().grads
    done = Step(
        index=len(kept) + 1, kind="done",
        title=f"Done: what sample {sample} adds to each gradient",
        lines=(f"each gradient is the sum of what every example sends it; sample {sample} "
               f"sends:", _listed([f"{graph.nodes[i].name}.grad += {fmt(amount)} (of "
                                   f"{fmt(final[i])})" for i, amount in added.items()])),
    )
    return kept, start, done


# --- the steps of a group (a module call), for the levels ------------------------------------

MAX_EXPRESSION = 90  # characters of a group's computation written out; a longer one is not


def describe_group(walk: Walkthrough):
    """describe(group, phase, first, last) -> the title and lines of a group's step.

    The step is the sum of the ordinary steps first..last: forward, the group's outputs are
    computed; backward, the gradients of its outputs reach its inputs and parameters.
    """
    graph, root = walk.graph, walk.graph.root
    history: list[list[tuple[int, float]]] = [[] for _ in graph.nodes]  # (step, grad) changes
    for step in walk.steps:
        for node, number in step.grads:
            history[node].append((step.index, number))

    def grad_at(node: int, index: int) -> float | None:
        """The node's gradient once step `index` is done (None while it has none)."""
        known = None
        for at, number in history[node]:
            if at > index:
                break
            known = number
        return known

    def describe(group: Group, phase: str, first: int, last: int) -> tuple[str, tuple[str, ...]]:
        outputs = [graph.nodes[i] for i in group.outputs]
        read = [graph.nodes[i] for i in group.inputs]
        inputs = [n for n in read if n.kind != "constant"]  # those that get a gradient
        parameters = sum(1 for n in inputs if n.kind == "leaf" and n.scope)
        others = (len(read) if phase == "forward" else len(inputs)) - parameters
        given = " and ".join(_count(n, noun) for n, noun in ((others, "input"),
                                                           (parameters, "parameter")) if n)
        inside = f"{_count(last - first + 1, 'step')} inside ({_parts_text(walk, group)})"
        if phase == "forward":
            if len(outputs) == 1:
                out = outputs[0]
                title = (f"{group.name} computes {out.name} = {fmt(out.data)}"
                         if group.name != out.name else f"{out.name} = {fmt(out.data)}")
                written = _group_expression(graph, group, out)
                lines = [f"{out.name} = {written}" if written
                         else f"{out.name} is computed by {_count(len(group.ops), 'operation')}"]
            else:
                title = f"{group.name} computes {len(outputs)} values"
                lines = [_listed([f"{n.name} = {fmt(n.data)}" for n in outputs])]
            return title, (*lines, f"from {given}; {inside}")
        title = f"{group.name} sends gradients back to {given}"
        if len(outputs) == 1:
            out = outputs[0]
            upstream = grad_at(out.id, first - 1)
            locals_ = _inside_grads(graph, group, out.id)
            lines = [f"{_d(root, out)} = {fmt(upstream)} comes back through "
                     f"{_count(len(group.ops), 'operation')}; each input x gets "
                     f"{derivative(out.name, 'x')} * {_d(root, out)}, the "
                     f"local derivative being the sum over the paths from x to {out.name} "
                     f"inside {group.name}"]
            changes = [f"{_d(root, n)} += {number_factor(locals_.get(n.id, 0.0))} * "
                       f"{number_factor(upstream)} = {fmt(locals_.get(n.id, 0.0) * upstream)}"
                       + _now(n, grad_at(n.id, first - 1), grad_at(n.id, last))
                       for n in inputs]
        else:
            lines = [f"the gradients of its {len(outputs)} outputs come back through "
                     f"{_count(len(group.ops), 'operation')}"]
            changes = [_received(n, grad_at(n.id, first - 1), grad_at(n.id, last))
                       for n in inputs]
        return title, (*lines, _listed(changes, "; "), inside)

    return describe


def _parts_text(walk: Walkthrough, group: Group) -> str:
    """ "16 neurons", "18 operations", "2 modules and 5 operations": what a group is made of."""
    stems = {scope_steps(walk.groups[i].scope)[-1].split(".")[0] for i in group.groups()}
    modules = len(group.groups())
    operations = len(group.parts) - modules
    words = [f"{modules} {stems.pop()}" if len(stems) == 1 and modules > 1
             else _count(modules, "module")] if modules else []
    if operations:
        words.append(_count(operations, "operation"))
    return " and ".join(words)


def _listed(items: list[str], joiner: str = ", ") -> str:
    """The first LISTED items, then how many more."""
    text = joiner.join(items[:LISTED])
    return text + (f"{joiner}and {len(items) - LISTED} more" if len(items) > LISTED else "")


def _now(node: Node, before: float | None, after: float | None) -> str:
    """ ", so x.grad = 0.5" when the node already held a gradient before this step."""
    return "" if before is None or after is None else f", so {node.name}.grad = {fmt(after)}"


def _received(node: Node, before: float | None, after: float | None) -> str:
    """ "x.grad = 0.5", or "x.grad += 0.25 (now 0.75)" when it already held one."""
    if after is None:
        return f"{node.name}.grad: nothing yet"
    if before is None:
        return f"{node.name}.grad = {fmt(after)}"
    return f"{node.name}.grad += {fmt(after - before)} (now {fmt(after)})"


def _inside_grads(graph: Graph, group: Group, output: int) -> dict[int, float]:
    """d output / d input for each input of a group: backward over the group's ops alone."""
    inside = set(group.ops)
    grads = {output: 1.0}
    found: dict[int, float] = {}
    for op in reversed(group.ops):
        if op not in grads:
            continue
        node = graph.nodes[op]
        for inp, local in zip(node.inputs, node.local_grads):
            into = grads if inp in inside else found
            into[inp] = into.get(inp, 0.0) + local * grads[op]
    return found


def _group_expression(graph: Graph, group: Group, output: Node) -> str:
    """A group's computation of its output, written out with names relative to its scope.

    "" when it would be too long to read (over MAX_EXPRESSION characters).
    """
    if len(group.ops) > MAX_EXPRESSION // 4:  # each operation takes at least 4 characters
        return ""
    written: dict[int, Sym] = {}

    def operand(i: int) -> Sym:
        if i in written:
            return written[i]
        node = graph.nodes[i]
        if node.kind == "constant":
            return Sym.number(node.data)
        prefix = group.scope + "."
        name = node.name[len(prefix):] if group.scope and node.name.startswith(prefix) else (
            node.name)
        return Sym.named(name, node.data)

    for op in group.ops:  # a group of one output computes it last
        node = graph.nodes[op]
        args = [operand(i) for i in node.inputs] + [Sym.number(p) for p in node.params]
        written[op] = operation(OPERATIONS[node.op].symbol, args, node.data)
    text = written[output.id].names
    return text if len(text) <= MAX_EXPRESSION else ""


# --- inf and nan: the first step of each pass that makes one, and why -------------------------


def first_nonfinite(steps: Sequence[Step], kinds: Sequence[str] = (), nan: bool = False
                    ) -> int | None:
    """The index of the first step (of these kinds, or any) that makes an inf or nan, or None.

    nan=True: the first that makes a nan.
    """
    bad = _spoiled(nan)
    for step in steps:
        if (not kinds or step.kind in kinds) and any(bad(x) for _, x in step.values + step.grads):
            return step.index
    return None


def mark_nonfinite(graph: Graph, steps: list[Step], phase: str) -> list[Step]:
    """The steps of one pass, with a line on the first that makes an inf or nan saying why.

    When that first number is an inf, the first nan (if any) gets a line of its own: a nan is
    where most numbers after it stop meaning anything.
    """
    first = first_nonfinite(steps, PHASES[phase])
    first_nan = first_nonfinite(steps, PHASES[phase], nan=True)
    offset = steps[0].index
    for index, only_nan in ((first, False), (first_nan, True)):
        if index is None or (only_nan and index == first):
            continue
        step = steps[index - offset]
        line = _nonfinite_line(graph, step, only_nan)
        # after a forward step's statement, after a backward step's "x.grad = ..." line, or
        # after the start step's list of inputs
        at = {"forward": 1, "backward": 3}.get(step.kind, len(step.lines))
        steps[index - offset] = replace(step, lines=step.lines[:at] + (line,) + step.lines[at:])
    return steps


def _nonfinite_line(graph: Graph, step: Step, only_nan: bool) -> str:
    """ "exp(1000.0) overflows to inf (...): the first value that is not finite; ..."."""
    bad = _spoiled(only_nan)
    node_id, number = next((i, x) for i, x in step.values + step.grads if bad(x))
    node = graph.nodes[node_id]
    if step.kind == "start":
        why = f"{node.name} is given as {fmt(number)}"
    elif step.kind == "forward":
        operands = [graph.nodes[i].data for i in node.inputs] + list(node.params)
        why = reason(lead(forward_expression(graph, node).numbers), number, operands, node.op)
    else:  # of a nan, say what made the nan: inf * 0, rather than the inf before it
        why = _backward_reason(graph, step, _spoiled(math.isnan(number)))
    quantity = "gradient" if step.kind in PHASES["backward"] else "value"
    return f"{why}: {first_words(quantity, number, only_nan)}"


def _backward_reason(graph: Graph, step: Step, bad) -> str:
    """Which part of grad += local * upstream made the bad number: a factor, the *, or the +."""
    out, inp = graph.nodes[step.edge[0]], graph.nodes[step.edge[1]]
    local, upstream = step.local_grad, step.upstream
    contribution = local * upstream
    if not bad(contribution):  # the factors and their product are fine: the sum is not
        before, after = step.grad_before, step.grad_after
        return reason(lead(f"{number_factor(before)} + {number_factor(contribution)}"), after,
                      (before, contribution), "add")
    if bad(local):  # inf where the forward pass made one, say: d exp(a)/da = exp(a) = inf
        formula = local_formula(graph, out, step.edge[2])
        names = f" = {formula.names}" if formula and formula.names != formula.numbers else ""
        return f"the local derivative {_d(out, inp)}{names} is {fmt(local)}"
    if bad(upstream):
        return f"the upstream gradient {_d(graph.root, out)} is {fmt(upstream)}"
    return reason(lead(f"{number_factor(local)} * {number_factor(upstream)}"), contribution,
                  (local, upstream), "mul")


def _spoiled(nan: bool):
    """The test for a number that is nan (nan=True), or inf or nan."""
    return math.isnan if nan else (lambda x: not math.isfinite(x))


def _nonfinite_summary(walk: Walkthrough) -> tuple[str, ...]:
    """The done step's line on where inf and nan first appear, or nothing when none do."""
    parts = []
    for phase, quantity in (("forward", "value"), ("backward", "gradient")):
        first = first_nonfinite(walk.steps, PHASES[phase])
        if first is None:
            continue
        text = f"the first {quantity} that is not finite is {_made_by(walk, first)} (step {first})"
        first_nan = first_nonfinite(walk.steps, PHASES[phase], nan=True)
        if first_nan is not None and first_nan != first:
            text += f", the first nan {_made_by(walk, first_nan)} (step {first_nan})"
        parts.append(text)
    return ("Not every number is finite: " + "; ".join(parts),) if parts else ()


def _made_by(walk: Walkthrough, index: int) -> str:
    """What step `index` computes: a node's value, or an input's gradient dL/dx."""
    step = walk[index]
    if step.kind == "backward":
        return _d(walk.graph.root, walk.graph.nodes[step.node])
    if step.kind == "start":
        node = next(i for i, x in step.values if not math.isfinite(x))
        return walk.graph.nodes[node].name
    return walk.graph.nodes[step.node].name


# --- the text of expressions and derivatives -------------------------------------------------


def _operand(graph: Graph, node_id: int) -> Sym:
    node = graph.nodes[node_id]
    if node.kind == "constant":
        return Sym.number(node.data)
    return Sym.named(node.name, node.data)


def rule_of(node: Node) -> str:
    """The derivative rule of the op that made `node`, in words."""
    if node.op == MODULE:
        return (f"a module's local derivative is found by backpropagating inside it "
                f"({node.scope})")
    return OPERATIONS[node.op].rule


def forward_expression(graph: Graph, node: Node) -> Sym:
    """The operation that computed `node`, written down: x * w, tanh(t2), a ** 2.0, b + t1 + t2."""
    if node.op == MODULE:
        return Sym(node.expression, node.expression, node.data)
    args = [_operand(graph, i) for i in node.inputs]
    params = [Sym.number(p) for p in node.params]
    return operation(OPERATIONS[node.op].symbol, args + params, node.data)


def local_formula(graph: Graph, out: Node, slot: int) -> Sym | None:
    """d out / d input `slot`, written down by running the op's own rule on symbols.

    None when the rule cannot be run on symbols or disagrees with the recorded number (when
    the Values were changed after the graph was built, say): the narration then shows numbers.
    """
    if out.op == MODULE:
        return None  # a module has no rule of its own: its local derivatives are numbers
    args = [_operand(graph, i) for i in out.inputs]
    try:
        result = OPERATIONS[out.op].local_grads(*args, Sym.named(out.name, out.data), *out.params)
    except (TypeError, AttributeError, ValueError, ZeroDivisionError):
        return None
    formula = result[slot]
    if not isinstance(formula, Sym):
        formula = Sym.number(float(formula))
    recorded = out.local_grads[slot]
    same = math.isclose(formula.value, recorded, rel_tol=1e-9, abs_tol=1e-12) or (
        math.isnan(formula.value) and math.isnan(recorded)) or formula.value == recorded
    return formula if same else None


def _both(expr: Sym) -> str:
    """ "x * w = 2.0 * -3.0", or one text when names and numbers read the same."""
    numbers = lead(expr.numbers)
    return expr.names if expr.names == numbers else f"{expr.names} = {numbers}"


def _d(of: Node, wrt: Node) -> str:
    """The derivative of one node with respect to another: ∂L/∂a (see naming.derivative)."""
    return derivative(of.name, wrt.name)


def _factor(text: str, binding: int) -> str:
    """A factor of a product, in parentheses when it is a sum: (1 - out * out) * 2.0."""
    return f"({text})" if binding < PRODUCT else text


def _where(node: Node) -> str:
    return f"  (in {node.scope})" if node.scope else ""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

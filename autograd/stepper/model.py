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
from ..text import printable
from ..value import Value
from .collapse import collapsed
from .explain import Explanation, explain_node
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
    """

    def __init__(self, graph: Graph, steps: list[Step]) -> None:
        self.graph = graph
        self.steps = tuple(steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> Step:
        return self.steps[index]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __repr__(self) -> str:
        return (f"<Walkthrough of {self.graph.root.name}: {len(self.graph.nodes)} nodes, "
                f"{len(self.steps)} steps>")

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
        """The walkthrough as a program: numbered forward statements, then backward ones.

        Names are user text: their control characters are written out (ESC as \\x1b).
        """
        lines = []
        for step in self.steps:
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
                primitives: bool = False) -> Walkthrough:
    """The steps of computing `output` and backpropagating from it, without changing it.

    collapse: step module by module instead of op by op, each module (of nn, or any
    name_scope) as one node: "neurons", "layers", or a number of scope steps.
    primitives: step through a - b, a / b, -a, sqrt(a) and a - 2 as the primitives the
    engine recorded (-1 * b, then a + that), rather than as one step each, as written.
    """
    if collapse is None:
        graph = snapshot(output, max_nodes, primitives)
    else:
        graph = collapsed(snapshot(output, max(MAX_FULL, max_nodes), primitives), collapse)
        check_size(len(graph.nodes), max_nodes, f"collapsed to {collapse!r}, this graph", ())
    steps = forward_steps(graph)
    steps += backward_steps(graph, start=len(steps))
    steps.append(done_step(graph, Walkthrough(graph, steps), len(steps)))
    return Walkthrough(graph, steps)


def as_walkthrough(x: Value | Walkthrough, max_nodes: int = MAX_NODES,
                   collapse: str | int | None = None) -> Walkthrough:
    """x itself if it is a Walkthrough (a training one, say), else walkthrough(x, ...)."""
    if isinstance(x, Walkthrough):
        return x
    return walkthrough(x, max_nodes=max_nodes, collapse=collapse)


def forward_steps(graph: Graph) -> list[Step]:
    """The start step (the leaves are given), then one step per operation."""
    leaves = [n for n in graph.nodes if n.kind != "op"]
    named = [n for n in leaves if n.kind == "leaf"]
    listed = [f"{n.name} = {fmt(n.data)}" + _where(n) for n in named[:LISTED]]
    if len(named) > LISTED:
        listed.append(f"... and {len(named) - LISTED} more")
    steps = [Step(
        index=0, kind="start",
        title=f"Start: {_count(len(named), 'input')} given" if named else "Start",
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
    chain = f"{_d(root, inp)} += {local_name} * {_d(root, out)}"
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
    formula_text = f" = {formula.names}" if formula and formula.names != formula.numbers else ""
    hint = (f"{_d(out, inp)}{formula_text} = {fmt(local)} (rule: {rule}); times the upstream "
            f"gradient {_d(root, out)} = {fmt(upstream)} gives {fmt(contribution)}")
    if before is not None:
        hint += f", added to the {fmt(before)} {inp.name}.grad already holds"
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


# --- practice --------------------------------------------------------------------------------

REL_TOL = 0.01  # practice answers within 1% (plus ABS_TOL) of the true number count as right
ABS_TOL = 1e-3


def grade(step: Step, typed: str) -> tuple[bool, str]:
    """Whether `typed` answers the step's question (within tolerance), and what to say."""
    if step.answer is None:
        raise ValueError(f"step {step.index} ({step.kind}) asks no question")
    try:
        guess = float(typed.strip())
    except ValueError:
        return False, f"{typed.strip()!r} is not a number; type a number such as -1.5 or 0.25"
    answer = step.answer
    if math.isnan(answer):
        ok = math.isnan(guess)
    elif math.isinf(answer):  # inf - inf is nan: an infinity is right only with its own sign
        ok = guess == answer
    else:
        ok = abs(guess - answer) <= ABS_TOL + REL_TOL * abs(answer)
    if ok:
        return True, f"right: {fmt(answer, 6)}"
    return False, f"not quite: it is {fmt(answer, 6)}. {step.hint}"

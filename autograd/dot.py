"""Computation graph -> DOT text, Graphviz's graph language: a pure function, no program needed.

A drawing shows each Value as a box (its label, data and grad) and each operation as a small
circle with its symbol, wired in the order the forward pass ran. A big graph is made smaller
before it is drawn: collapse each module into one box, focus on one node, hide constants.
A drawing has a budget (MAX_NODES nodes, MAX_PIXELS on its longer side): one over it is
collapsed to fit, with a caption that says so, or refused with a GraphTooLargeError.

Element ids (Graphviz passes `id=` and `class=` through to SVG, so other surfaces restyle by id):
- `n{i}`: the Value at position i of `topological_order(root)`; `n{i}_op`: the op that made it;
- `e{i}_{k}`: the edge from input k of node i into `n{i}_op` (it carries d n_i / d input k);
- `e{i}_out`: the edge from `n{i}_op` to `n{i}`; `g{j}`: the j-th collapsed module box.
A node keeps its id in every view of the same graph (hiding renumbers nothing), and
`id_prefix` keeps ids unique when one page shows several drawings. DOT's own node names are
the ids without the prefix.
"""

from __future__ import annotations

import math
import os
import re
import sys
import textwrap
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from .composites import Composite, composites
from .graph import topological_order
from .naming import Names, constant_text, format_number, node_names
from .scopes import check_collapse, module_of, no_module_error, scope_steps
from .text import printable
from .value import Value

DIRECTIONS = ("LR", "TB", "RL", "BT")

# Fills by kind of node: a leaf you made, a module's parameter, a number the code used, ...
KIND_COLORS = {"input": "#ccebc5", "parameter": "#fff2ae", "constant": "#eeeeee",
               "intermediate": "#ffffff", "module": "#e3d7ef"}

# Gradient fills (ColorBrewer's RdBu, readable with colour blindness): red below zero, blue
# above, darker the closer |grad| is to the largest |grad| drawn. Level i holds the grads with
# |grad| / largest >= GRAD_LEVELS[i] (and below the level before).
GRAD_LEVELS = (0.5, 0.1, 0.01, 0.0)
NEGATIVE_COLORS = ("#b2182b", "#d6604d", "#f4a582", "#fddbc7")
POSITIVE_COLORS = ("#2166ac", "#4393c3", "#92c5de", "#d1e5f0")
NONFINITE_COLOR = "#762a83"  # nan or inf
DARK_COLORS = {NEGATIVE_COLORS[0], POSITIVE_COLORS[0], NONFINITE_COLOR}  # white text on these

MAX_LABEL = 40  # characters of a label shown in a box; the tooltip has all of it

# The budget of a drawing. Graphviz lays out 1,000 nodes in about 0.5 s, 3,000 in 10 s and
# 10,000 in minutes; and a picture more than 10,000 pixels long cannot be read whole (PNG
# renderers stop at 32,767 and shrink the rest until its text is a smudge).
MAX_NODES = 1500
MAX_PIXELS = 10_000  # on the longer side of the PNG a Drawing saves, at PNG_DPI
PNG_DPI = 144  # Graphviz's default of 72 pixels per inch looks blurry on most screens

# What dot makes of each element, in points (1/72 inch) as (width, height): a value's
# three-row table, an op's circle, a constant's small box, a module's box; and the gaps
# between neighbours (nodesep=0.2) and between ranks (ranksep=0.35), set in _emit.
SIZES = {"value": (80, 56), "constant": (40, 20), "op": (26, 23), "module": (150, 56)}
NODESEP, RANKSEP = 0.2, 0.35  # inches
BOX_RANKSEP = 1.0  # wider, when there are module boxes: the edges between them fan out
LEGEND = (500, 50)  # about the size of a legend of four lines
CAPTION_WIDTH = 100  # characters on a line of the caption of a drawing collapsed to fit
MAX_COUNTS = 24  # bundles labelled with their count; past that, dot would crowd the labels


class GraphTooLargeError(ValueError):
    """The drawing would be over its budget: more .nodes than .limit (max_nodes), or longer
    than MAX_PIXELS; the message says which, and what to draw instead."""

    def __init__(self, message: str, nodes: int, limit: int | None) -> None:
        super().__init__(message)
        self.nodes = nodes
        self.limit = limit


# --- numbers and text ------------------------------------------------------------------------


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """text cut to `limit` characters, the last of them "…" when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html_text(text: str) -> str:
    """User text for a Graphviz HTML-like label: & < > " escaped, newlines as line breaks."""
    text = printable(text, keep="\n")
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        text = text.replace(raw, escaped)
    return text.replace("\n", "<br/>")


def quoted(text: str) -> str:
    """User text as a DOT quoted string that Graphviz shows exactly as written."""
    text = printable(text, keep="\n").replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(raw, entity)  # Graphviz reads "&name;" as a character
    return f'"{text}"'


# --- what to draw ----------------------------------------------------------------------------


@dataclass
class _Box:
    """A collapsed module: the nodes it stands for and those of them used outside it."""

    scope: str
    nodes: list = field(default_factory=list)
    outputs: list = field(default_factory=list)


@dataclass
class _View:
    """The part of the graph a drawing shows, decided before any text is written."""

    order: list  # the whole graph in topological order: node i has the id n{i}
    index: dict  # id(node) -> i
    shown: list  # the nodes drawn or inside a module box, in topological order
    context: set = field(default_factory=set)  # ids of nodes shown without their history
    hidden: set = field(default_factory=set)  # ids of constants folded into their op's label
    box_of: dict = field(default_factory=dict)  # id(node) -> j, for nodes in box g{j}
    boxes: list = field(default_factory=list)  # the _Box of each g{j}
    parameter_names: dict = field(default_factory=dict)  # id(node) -> dotted name or ""
    names: Names | None = None  # every node's name, by position in order (see naming.py)
    composites: dict = field(default_factory=dict)  # i -> the Composite node i is drawn as
    guess_parameters: bool = True  # with no parameters given: a leaf made in a scope is one
    focus: Value | None = None
    caption: str = ""  # why the drawing is not what was asked for (collapsed to fit)


def to_dot(
    root: Value,
    *,
    direction: str = "LR",
    local_grads: bool = False,
    color_grads: bool = True,
    legend: bool = True,
    collapse: int | str | None = "auto",
    focus: Value | str | None = None,
    parameters: object = None,
    show_constants: bool = True,
    max_nodes: int | None = MAX_NODES,
    id_prefix: str = "",
    primitives: bool = False,
) -> str:
    """The DOT text of the graph behind `root`; the same graph always gives the same text.

    direction: "LR" (left to right), "TB" (top to bottom), "RL" or "BT".
    local_grads: write each local derivative d out / d input on its edge.
    color_grads: shade each grad by sign and size; the legend explains the shades.
    legend: add a legend explaining the fills, the shades and the edge numbers.
    collapse: draw each module as one box, grouping nodes by `.scope` (see name_scope). A step
        name cuts each scope after that step ("layers": layers.0, "neurons":
        layers.0.neurons.3); an int n keeps the first n steps of scopes that deep. A number
        belongs to the name before it: "layers.0.neurons.3" has the steps layers.0 and
        neurons.3. The stepper's collapse= cuts the same way (see scopes.module_of).
        "auto" (the default): nothing while the drawing is within its budget, else the
        deepest collapse that brings it within, said in a caption and a warning. None: never.
    focus: a Value, a parameter name or a label: draw only the paths from it to root, with the
        other inputs of the ops on them (dashed) for context.
    parameters: a model (anything with named_parameters()), a dict of name -> Value or some
        Values, drawn as parameters. Without it, a leaf made inside a name_scope is one.
    show_constants: False folds each constant (and each node computed from constants only)
        into the label of the op that uses it: "* 2", "+ -1". Those a weighted sum uses (a
        fused neuron's inputs) stay drawn: they are factors, which its label cannot show.
    max_nodes: the budget of nodes (values, operations and module boxes); None for no
        limit on their number. Whatever the number, a drawing is also kept within MAX_PIXELS
        (10,000) on its longer side, as a PNG would be. Over the budget, collapse="auto"
        collapses; an explicit collapse (or None) raises GraphTooLargeError, which says what
        to draw instead.
    id_prefix: put before every element id, for several drawings in one page.
    primitives: draw a - b, a / b, -a, sqrt(a) and a - 2 as the primitives the engine
        recorded (-1 * b then a + that, ...) rather than as one op each (see composites.py).
    """
    _check_options(root, direction, collapse, max_nodes, id_prefix)
    if not isinstance(primitives, bool):
        raise TypeError(f"primitives must be True or False, got {primitives!r}")
    view = _select(root, focus, parameters, show_constants, primitives)
    if collapse == "auto":
        view = _fitted(view, max_nodes, direction, local_grads)
    else:
        if collapse is not None:
            _collapse(view, collapse)
        _check_budget(view, max_nodes, direction, local_grads)
    return _emit(view, direction, local_grads, color_grads, legend, id_prefix)


def _check_options(root, direction, collapse, max_nodes, id_prefix) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"to draw a graph, pass the Value at its end, got {type(root).__name__}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    if collapse not in (None, "auto"):
        check_collapse(collapse)
    if max_nodes is not None and (
        not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1
    ):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    if not isinstance(id_prefix, str) or not re.fullmatch(r"([A-Za-z_][\w-]*)?", id_prefix):
        raise ValueError(f"id_prefix must be empty or a letter or _ followed by letters, "
                         f"digits, _ or -, got {id_prefix!r}")


def _select(root, focus, parameters, show_constants, primitives) -> _View:
    order = topological_order(root)
    view = _View(order=order, index={id(node): i for i, node in enumerate(order)}, shown=order)
    if parameters is not None:
        view.parameter_names = _parameter_names(parameters)
        view.guess_parameters = False
    view.names = node_names(order, view.parameter_names)
    if focus is not None:
        view.focus = _find_focus(focus, view)
    if not primitives:  # a - b as one op: its helper -1 * b is not drawn
        view.composites = composites(order, keep=[view.focus] if view.focus else [])
        folded = {j for composite in view.composites.values() for j in composite.folded}
        view.shown = [node for i, node in enumerate(order) if i not in folded]
    if focus is not None:
        _keep_paths_from_focus(view)
    if not show_constants:  # constants, and nodes computed from constants only (-1 = -1 * 1)
        # A weighted sum's label has no place for a number: its inputs are the factors of
        # products (the 0.5 in w0 * 0.5), not terms. What it uses stays drawn: in a network
        # those are the inputs x, drawn once and shared by every neuron of the first layer.
        factors = {id(inp) for node in view.shown
                   if node.op is not None and node.op.name == "weighted_sum"
                   for inp in node.inputs}
        for node in view.shown:
            if node is root or node is view.focus or id(node) in factors:
                continue
            inputs = [inp for _, inp, _ in _inputs(node, view)]
            if node.constant or (inputs and all(id(i) in view.hidden for i in inputs)):
                view.hidden.add(id(node))
    return view


def _parameter_names(parameters: object) -> dict:
    """id(parameter) -> its name ("" if unnamed), from a model, a dict or some Values."""
    if hasattr(parameters, "named_parameters"):
        parameters = dict(parameters.named_parameters())
    if isinstance(parameters, Mapping):
        items = list(parameters.items())
    elif isinstance(parameters, Iterable) and not isinstance(parameters, (str, bytes)):
        items = [("", p) for p in parameters]
    else:
        raise TypeError(f"parameters must be a model, a dict of name -> Value or Values, got "
                        f"{type(parameters).__name__}")
    names = {}
    for name, p in items:
        if not isinstance(p, Value):
            raise TypeError(f"parameters must be Values, got {type(p).__name__}: {p!r}")
        names[id(p)] = str(name)
    return names


def _find_focus(focus: Value | str, view: _View) -> Value:
    """The node that `focus` names: the Value itself, a parameter's name, a node's name as
    drawn (L1.N3.w0, t4) or full (layers.1.neurons.3.w0), or a unique label."""
    if isinstance(focus, Value):
        if id(focus) not in view.index:
            raise ValueError(f"focus {focus!r} is not in this graph: the output does not use it")
        return focus
    if not isinstance(focus, str):
        raise TypeError(f"focus must be a Value, a parameter name or a label, got {focus!r}")
    names = view.names
    matches = [n for n in view.order if view.parameter_names.get(id(n)) == focus]
    matches = matches or [n for i, n in enumerate(view.order)
                          if focus in (names.short[i], names.full[i]) and not n.constant]
    matches = matches or [n for n in view.order if n.label == focus]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ValueError(f"focus {focus!r} is the label of {len(matches)} nodes; pass the Value "
                         f"itself, or pass the model as parameters= and a parameter's name")
    known = [name for i, name in enumerate(names.short) if not view.order[i].constant]
    raise ValueError(f"focus {focus!r} names no node here; the names in this graph include "
                     f"{', '.join(known[:8])}")


def _keep_paths_from_focus(view: _View) -> None:
    """Keep the nodes on a path from the focus node to root, and the other inputs of each."""
    on_path = {id(view.focus)}
    for node in view.shown:  # inputs come first, so each input is decided before its user
        if any(id(inp) in on_path for _, inp, _ in _inputs(node, view)):
            on_path.add(id(node))
    context = set()
    for node in view.shown:
        if id(node) in on_path:
            context.update(id(inp) for _, inp, _ in _inputs(node, view) if id(inp) not in on_path)
    view.shown = [n for n in view.shown if id(n) in on_path or id(n) in context]
    view.context = context


def _inputs(node: Value, view: _View) -> list[tuple[int, Value, float]]:
    """(slot, input, local derivative) of each input the node is drawn with: a composite's
    as written (a and b of a - b), any other node's as recorded."""
    composite = view.composites.get(view.index[id(node)])
    if composite is not None:
        return [(k, view.order[j], local) for k, (j, local)
                in enumerate(zip(composite.inputs, composite.local_grads))]
    return [(k, inp, local) for k, (inp, local) in enumerate(zip(node.inputs, node.local_grads))]


def _collapse(view: _View, collapse: int | str) -> None:
    """Put each scoped node into the box of its module, and find what each box passes on."""
    numbers: dict[str, int] = {}
    for node in view.shown:
        scope = module_of(node.scope, collapse)
        if scope and node is not view.focus:  # the node asked for is drawn, not boxed
            j = numbers.setdefault(scope, len(numbers))
            if j == len(view.boxes):
                view.boxes.append(_Box(scope))
            view.boxes[j].nodes.append(node)
            view.box_of[id(node)] = j
    if not view.boxes:
        raise no_module_error(collapse, (n.scope for n in view.shown))
    passed_on = set()  # ids of boxed nodes that something outside their box uses
    for node in view.shown:
        if id(node) not in view.context:
            passed_on.update(id(inp) for _, inp, _ in _inputs(node, view) if id(inp) in
                             view.box_of and view.box_of[id(inp)] != view.box_of.get(id(node)))
    root = view.order[-1]
    for box in view.boxes:
        box.outputs = [n for n in box.nodes if id(n) in passed_on or n is root]


def _drawn(node: Value, view: _View) -> bool:
    """Is the node drawn as a box of its own (not hidden, not inside a module box)?"""
    return id(node) not in view.hidden and id(node) not in view.box_of


def _has_op(node: Value, view: _View) -> bool:
    """Is the op that made this node drawn (a context node is shown without it)?"""
    return bool(node.inputs) and id(node) not in view.context


def _fitted(view: _View, max_nodes: int | None, direction: str, local_grads: bool) -> _View:
    """The view, or when it is over budget, the deepest collapse of it that is within, with
    a caption (and a warning) that says so; GraphTooLargeError when none is."""
    over = _over_budget(view, max_nodes, direction, local_grads)
    if not over:
        return view
    scopes = [n.scope for n in view.shown if n.scope]
    subject = "this drawing "
    for depth in range(max((len(scope_steps(s)) for s in scopes), default=0), 0, -1):
        collapsed = replace(view, box_of={}, boxes=[])
        _collapse(collapsed, depth)
        still_over = _over_budget(collapsed, max_nodes, direction, local_grads)
        if not still_over:
            collapsed.caption = (f"Collapsed to fit: drawn node by node, this graph {over}. "
                                 f"Here each module is one box, as with "
                                 f"collapse={_level_name(collapsed, depth)!r}.")
            warnings.warn(f"{collapsed.caption} Choose with collapse= (None: every node), "
                          f"focus= or max_nodes=.", stacklevel=_caller_outside_autograd())
            return collapsed
        view, over = collapsed, still_over
        subject = "even with each module as one box (collapse=1), this drawing "
    raise _too_large(view, max_nodes, over, subject)


def _level_name(view: _View, depth: int) -> str | int:
    """The step name every box of a collapse to `depth` ends with ("neurons"), else depth."""
    names = {scope_steps(box.scope)[-1].split(".")[0] for box in view.boxes}
    return names.pop() if len(names) == 1 else depth


def _check_budget(view: _View, max_nodes: int | None, direction: str,
                  local_grads: bool) -> None:
    """GraphTooLargeError if the view is over budget."""
    over = _over_budget(view, max_nodes, direction, local_grads)
    if over:
        raise _too_large(view, max_nodes, over, "this drawing ")


def _node_counts(view: _View) -> tuple[int, int]:
    """(values, operations) drawn; a module box counts as a value."""
    values = sum(1 for n in view.shown if _drawn(n, view)) + len(view.boxes)
    ops = sum(1 for n in view.shown if _drawn(n, view) and _has_op(n, view))
    return values, ops


def _over_budget(view: _View, max_nodes: int | None, direction: str, local_grads: bool) -> str:
    """How the view is over budget, e.g. "has 2,000 nodes, over max_nodes=1,500"; "" if not."""
    values, ops = _node_counts(view)
    width, height = _png_size(view, direction, local_grads)
    over = []
    if max_nodes is not None and values + ops > max_nodes:
        over.append(f"would have {values + ops:,} nodes ({values:,} values and {ops:,} "
                    f"operations), over max_nodes={max_nodes:,}")
    if max(width, height) > MAX_PIXELS:
        over.append(f"would be about {width:,} × {height:,} pixels, over {MAX_PIXELS:,}: "
                    f"too big to read")
    return " and ".join(over)


def _too_large(view: _View, max_nodes: int | None, over: str, subject: str
               ) -> GraphTooLargeError:
    """The error for a view over budget, with what to draw instead."""
    # suggest the innermost step name most nodes have, e.g. "neurons" for an nn.MLP; with no
    # scopes at all there is nothing to collapse
    innermost = Counter(scope_steps(n.scope)[-1].split(".")[0] for n in view.order if n.scope)
    collapse = (f"collapse={innermost.most_common(1)[0][0]!r} draws each module as one box "
                f"(modules are the scopes of autograd.name_scope, which nn uses), "
                if innermost else "")
    if view.boxes:  # collapsed already: what is left is outside every module
        collapse = "a loss over fewer examples has fewer nodes outside the modules, "
    values, ops = _node_counts(view)
    too_many = max_nodes is not None and values + ops > max_nodes  # else only too big
    return GraphTooLargeError(
        f"{subject}{over}; "
        + ("Graphviz takes about 0.5 s for 1,000 nodes, 10 s for 3,000 and minutes for "
           "10,000. " if too_many else "")
        + f"Draw less: {collapse}focus=<a Value or parameter name> draws only the paths from "
        f"it to the output, show_constants=False hides the constants"
        + ("; or raise max_nodes (None for no limit on the number of nodes)." if too_many
           else "."),
        nodes=values + ops,
        limit=max_nodes,
    )


def _caller_outside_autograd() -> int:
    """The stacklevel of a warning that points at the first caller outside this package."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _png_size(view: _View, direction: str, local_grads: bool) -> tuple[int, int]:
    """About how many pixels wide and tall the drawing's PNG would be (at PNG_DPI).

    dot puts each element on a rank, after its inputs: a column for "LR", a row for "TB".
    Its rank here is the longest chain of inputs before it (an element without inputs sits
    just before its first user, where dot's short edges put it too). Along the direction,
    the ranks add up; across, the fullest rank is the size. A label on any edge makes dot
    put a rank between every two, which stretches the length by about half and gives each
    edge a point of its own in the rank before its head, side by side with the others.
    """
    sizes, ends = _elements(view)
    inputs, users = defaultdict(list), defaultdict(list)
    for tail, head in ends:
        inputs[head].append(tail)
        users[tail].append(head)
    rank: dict[str, int] = {}
    for element in sizes:  # inputs first: a longest path in one pass
        rank[element] = max((rank[t] + 1 for t in inputs[element] if t in rank), default=0)
    for element in sizes:
        if not inputs[element] and users[element]:
            rank[element] = max(0, min(rank[u] for u in users[element]) - 1)
    along_rank: dict[int, float] = defaultdict(float)  # the thickest element of each rank
    across_rank: dict[float, float] = defaultdict(float)  # a rank's elements side by side
    along, across = (0, 1) if direction in ("LR", "RL") else (1, 0)
    for element, size in sizes.items():
        r = rank[element]
        along_rank[r] = max(along_rank[r], size[along])
        across_rank[r] += size[across] + 72 * NODESEP
    length = sum(along_rank.values()) + 72 * _ranksep(view) * max(len(along_rank) - 1, 0)
    bundles = _bundles(view)
    if local_grads or (_counted(bundles) and any(b.count > 1 for b in bundles.values())):
        length *= 1.5
        for _, head in ends:
            across_rank[rank[head] - 0.5] += 72 * NODESEP + 2  # an edge's point between ranks
    breadth = max(across_rank.values(), default=0)
    width, height = (length, breadth) if along == 0 else (breadth, length)
    width, height = max(width, LEGEND[0]), height + LEGEND[1]  # the legend, below the graph
    return round(width * PNG_DPI / 72), round(height * PNG_DPI / 72)


def _ranksep(view: _View) -> float:
    """The gap between ranks, in inches."""
    return BOX_RANKSEP if view.boxes else RANKSEP


def _elements(view: _View) -> tuple[dict[str, tuple[int, int]], set[tuple[str, str]]]:
    """The size of each element dot will lay out (values, ops, module boxes), in the order
    of their inputs, and the ends (tail, head) of the edges between them."""
    keyed = []  # (position in the topological order, then op before value before box)
    for node in view.shown:
        if _drawn(node, view):
            i = view.index[id(node)]
            kind = "constant" if _kind(node, view) == "constant" and not node.label else "value"
            keyed.append(((i, 1), f"n{i}", SIZES[kind]))
            if _has_op(node, view):
                keyed.append(((i, 0), f"n{i}_op", SIZES["op"]))
    for j, box in enumerate(view.boxes):  # after its last node: every input comes before it
        keyed.append(((view.index[id(box.nodes[-1])], 2), f"g{j}", SIZES["module"]))
    sizes = {element: size for _, element, size in sorted(keyed)}
    ends = {(tail, head) for tail, head, *_ in _edges(view)}
    return sizes, ends


# --- writing DOT -----------------------------------------------------------------------------


def _kind(node: Value, view: _View) -> str:
    """"input", "parameter", "constant" or "intermediate"."""
    if node.inputs:
        return "intermediate"
    if node.constant:
        return "constant"
    if id(node) in view.parameter_names or (view.guess_parameters and node.scope):
        return "parameter"
    return "input"


def _grad_class(grad: float) -> str:
    if not math.isfinite(grad):
        return "grad-nonfinite"
    return "grad-pos" if grad > 0 else "grad-neg" if grad < 0 else "grad-zero"


def grad_fill(grad: float, largest: float) -> str | None:
    """The fill for a gradient: its sign's colour, darker when |grad| is nearer the largest."""
    if not math.isfinite(grad):
        return NONFINITE_COLOR
    if grad == 0 or largest == 0:
        return None
    share = abs(grad) / largest
    level = next(i for i, floor in enumerate(GRAD_LEVELS) if share >= floor)
    return POSITIVE_COLORS[level] if grad > 0 else NEGATIVE_COLORS[level]


def _cell(text: str, fill: str | None, align: str = "", colspan: int = 0) -> str:
    """One table cell of a label; white text on dark fills."""
    attrs = (f' align="{align}"' if align else "") + (f' colspan="{colspan}"' if colspan else "")
    if fill:
        attrs += f' bgcolor="{fill}"'
    if fill in DARK_COLORS:
        text = f'<font color="white">{text}</font>'
    return f"<td{attrs}>{text}</td>"


def _table(title: str, title_fill: str, rows: list[tuple[str, str, str | None]],
           border: int = 1, dashed: bool = False) -> str:
    """An HTML-like label: a bold title, then rows of (name, number, fill)."""
    fill = None if title_fill == KIND_COLORS["intermediate"] else title_fill
    cells = [f"<tr>{_cell(f'<b>{title}</b>', fill, colspan=2)}</tr>"]
    cells += [f"<tr>{_cell(name, row_fill, 'left')}{_cell(number, row_fill, 'right')}</tr>"
              for name, number, row_fill in rows]
    style = ' style="dashed" color="#999999"' if dashed else ' color="#555555"'
    return (f'<<table border="{border}" cellborder="0" cellspacing="0" cellpadding="3"{style}>'
            f'{"".join(cells)}</table>>')


def _emit(view: _View, direction: str, local_grads: bool, color_grads: bool, legend: bool,
          prefix: str) -> str:
    drawn = [n for n in view.shown if _drawn(n, view)]
    shown_grads = [float(n.grad) for n in drawn if not n.constant]  # a grad may be a Value
    shown_grads += [float(box.outputs[0].grad) for box in view.boxes if len(box.outputs) == 1]
    largest = max((abs(g) for g in shown_grads if math.isfinite(g)), default=0.0)
    if not color_grads:
        largest, shown_grads = 0.0, []

    lines = [
        'digraph "chainrule" {',
        f'\tgraph [id="{prefix}graph" rankdir={direction} fontname="Helvetica" fontsize=10 '
        f"nodesep={NODESEP} ranksep={_ranksep(view)} ordering=in labelloc=b labeljust=l]",
        '\tnode [fontname="Helvetica" fontsize=11 shape=plain]',
        '\tedge [fontname="Helvetica" fontsize=9 color="#666666" fontcolor="#444444" '
        "arrowsize=0.6]",
    ]
    kinds = []
    for node in drawn:
        kind = _kind(node, view)
        kinds += [kind] if kind not in kinds else []
        if _has_op(node, view):
            lines.append(_op_line(node, view, prefix))
        lines.append(_value_line(node, kind, view, largest, color_grads, prefix))
    lines += [_box_line(j, box, view, largest, color_grads, prefix)
              for j, box in enumerate(view.boxes)]
    bundles = _bundles(view)
    lines += _edge_lines(view, bundles, local_grads, prefix)
    if legend:
        kinds += ["module"] if view.boxes else []
        lines.append(_legend_line(kinds, shown_grads, local_grads, view.focus is not None,
                                  _names_note(view, drawn), _bundles_note(bundles),
                                  view.caption))
    elif view.caption:
        lines.append(_legend_line([], [], False, False, caption=view.caption))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _value_line(node: Value, kind: str, view: _View, largest: float, color_grads: bool,
                prefix: str) -> str:
    """A Value's box: its label (or its id), data and grad; a constant is just its number."""
    i = view.index[id(node)]
    grad = float(node.grad)  # a Value after backward(create_graph=True)
    classes = ["value", kind, _grad_class(grad)]
    classes += ["output"] if node is view.order[-1] else []
    classes += ["focus"] if node is view.focus else []
    classes += ["context"] if id(node) in view.context else []
    title, full = view.names.short[i], view.names.full[i]  # L1.N3.w0, layers.1.neurons.3.w0
    tooltip = f"{title}: data={node.data!r} grad={grad!r}"
    tooltip += f"\n{'parameter' if kind == 'parameter' else 'full name'} {full}" if full else ""
    tooltip += f"\nscope {node.scope}" if node.scope and not full else ""
    tooltip += f"\ncreated at {node.site}" if node.site else ""
    attrs = f'id="{prefix}n{i}" class="{" ".join(classes)}"'
    if kind == "constant" and not node.label:  # a number from the code: a small grey box
        return (f'\tn{i} [{attrs} shape=box style=filled fillcolor="'
                f'{KIND_COLORS["constant"]}" color="#888888" fontsize=10 width=0 height=0 '
                f"margin=0.04 label={quoted(constant_text(node.data))} tooltip={quoted(tooltip)}]")
    fill = grad_fill(grad, largest) if color_grads else None
    rows = [("data", format_number(node.data), None), ("grad", format_number(grad), fill)]
    border = 2 if node is view.order[-1] or node is view.focus else 1
    label = _table(html_text(shorten(title)), KIND_COLORS[kind], rows, border,
                   dashed=id(node) in view.context)
    return f"\tn{i} [{attrs} label={label} tooltip={quoted(tooltip)}]"


def _op_line(node: Value, view: _View, prefix: str) -> str:
    """The circle of the op that made a node: its symbol, parameters and hidden constants."""
    i = view.index[id(node)]
    composite: Composite | None = view.composites.get(i)
    op, params = (composite.op, composite.params) if composite else (node.op, node.params)
    text = op.symbol
    if params:  # the n of x ** n, the slope of leaky_relu, the 2 of a - 2
        text += " " + " ".join(constant_text(p) for p in params)
    hidden = [(k, constant_text(inp.data)) for k, inp, _ in _inputs(node, view)
              if id(inp) in view.hidden]
    if op.arity is None:  # a sum of many terms: x + 2 + y + 3 shows as "+ 2 + 3"
        # (the order of the terms does not change a sum, so the numbers can all go last; a
        # weighted sum, the other op of any arity, never has hidden inputs: see _select)
        text += "".join(f" {number}" if j == 0 else f" + {number}"
                        for j, (_, number) in enumerate(hidden))
    else:  # 2 * x shows as "2 *", x * 2 as "* 2"
        for k, number in hidden:
            text = f"{number} {text}" if k == 0 else f"{text} {number}"
    shape = "circle" if len(text) <= 2 else "ellipse"
    return (f'\tn{i}_op [id="{prefix}n{i}_op" class="op op-{op.name}" '
            f'shape={shape} style=filled fillcolor="#f0f0f0" color="#888888" width=0.3 '
            f"height=0.3 margin=0.03 label={quoted(text)} tooltip={quoted(op.rule)}]")


def _box_line(j: int, box: _Box, view: _View, largest: float, color_grads: bool,
              prefix: str) -> str:
    """A collapsed module: its scope, its size and the value it passes on (if just one)."""
    parameters = sum(1 for n in box.nodes if _kind(n, view) == "parameter")
    size = f"{len(box.nodes)} nodes" + (f", {parameters} parameters" if parameters else "")
    rows = [(size, "", None)]
    classes = ["module"]
    if len(box.outputs) == 1:
        out = box.outputs[0]
        grad = float(out.grad)
        fill = grad_fill(grad, largest) if color_grads else None
        rows += [("out", format_number(out.data), None), ("grad", format_number(grad), fill)]
        classes.append(_grad_class(grad))
    elif box.outputs:
        rows.append((f"{len(box.outputs)} outputs", "", None))
    label = _table(html_text(shorten(view.names.module(box.scope))), KIND_COLORS["module"], rows)
    tooltip = f"module {box.scope}: {size}"
    return (f'\tg{j} [id="{prefix}g{j}" class="{" ".join(classes)}" label={label} '
            f"tooltip={quoted(tooltip)}]")


def _edges(view: _View) -> Iterable[tuple[str, str, str, Value, float]]:
    """Every edge as (tail, head, id, input, local derivative), in the topological order
    of the node it leads to; the DOT names of its ends are a module box's when it is in one.
    Edges inside a box are left out, and so are those of hidden constants."""
    for node in view.shown:
        if id(node) in view.hidden or not _has_op(node, view):
            continue
        i = view.index[id(node)]
        box = view.box_of.get(id(node))
        head = f"g{box}" if box is not None else f"n{i}_op"
        for k, inp, local_grad in _inputs(node, view):
            inp_box = view.box_of.get(id(inp))
            if id(inp) in view.hidden or (inp_box is not None and inp_box == box):
                continue
            tail = f"g{inp_box}" if inp_box is not None else f"n{view.index[id(inp)]}"
            yield tail, head, f"e{i}_{k}", inp, local_grad
        if box is None:
            yield f"n{i}_op", f"n{i}", f"e{i}_out", node, 1.0


@dataclass
class _Bundle:
    """The edges between a module box and one other end, drawn as one edge."""

    edge_id: str  # the id of the first of them
    values: set = field(default_factory=set)  # ids of the values they carry
    count: int = 0


def _bundles(view: _View) -> dict[tuple[str, str], _Bundle]:
    """(tail, head) -> the bundle of edges between those ends, where one end is a box."""
    bundles: dict[tuple[str, str], _Bundle] = {}
    for tail, head, edge_id, inp, _ in _edges(view):
        if tail.startswith("g") or head.startswith("g"):
            bundle = bundles.setdefault((tail, head), _Bundle(edge_id))
            bundle.values.add(id(inp))
            bundle.count += 1
    return bundles


def _counted(bundles: dict[tuple[str, str], _Bundle]) -> bool:
    """Are the bundles few enough to carry their counts as labels?"""
    return sum(1 for bundle in bundles.values() if bundle.count > 1) <= MAX_COUNTS


def _edge_lines(view: _View, bundles: dict[tuple[str, str], _Bundle], local_grads: bool,
                prefix: str) -> list[str]:
    """Every edge, in the topological order of the node it leads to.

    Inside a module box there are no edges. Between a box and anything else, the edges of
    one pair of ends are bundled into one, named after the first of them and labelled with
    how many it stands for ("×64"), which its tooltip spells out.
    """
    lines = []
    labelled = _counted(bundles)
    for tail, head, edge_id, _, local_grad in _edges(view):
        bundle = bundles.get((tail, head))
        if bundle is not None:
            if bundle.edge_id == edge_id:  # the first of the bundle's edges: draw it here
                lines.append(_bundle_line(tail, head, bundle, labelled, view, prefix))
            continue
        output = edge_id.endswith("_out")
        attrs = f'id="{prefix}{edge_id}" class="{"output" if output else "input"}"'
        if local_grads and not output:
            attrs += f" label={quoted(format_number(float(local_grad)))}"
        lines.append(f"\t{tail} -> {head} [{attrs}]")
    return lines


def _bundle_line(tail: str, head: str, bundle: _Bundle, labelled: bool, view: _View,
                 prefix: str) -> str:
    """The one edge drawn for the edges between a module box and another end."""
    attrs = f'id="{prefix}{bundle.edge_id}" class="input collapsed" color="#77777799"'
    if bundle.count > 1:
        ends = [_end_name(end, view) for end in (tail, head)]
        values = f"{len(bundle.values):,} value{'s' if len(bundle.values) > 1 else ''}"
        tooltip = f"{bundle.count:,} edges from {ends[0]} into {ends[1]}, carrying {values}"
        attrs += f" penwidth=1.6 tooltip={quoted(tooltip)}"
        attrs += f' label="×{bundle.count:,}"' if labelled else ""
    return f"\t{tail} -> {head} [{attrs}]"


def _bundles_note(bundles: dict[tuple[str, str], _Bundle]) -> str:
    """What a bundled edge is, for the legend ("" when no edge stands for several)."""
    counts = sorted({bundle.count for bundle in bundles.values() if bundle.count > 1})
    if not counts:
        return ""
    if _counted(bundles):
        return "×n on an edge into or out of a module: it stands for n edges"
    if len(counts) == 1:
        return f"thick grey edges into or out of modules stand for ×{counts[0]:,} edges each"
    return (f"thick grey edges into or out of modules stand for ×{counts[0]:,} to "
            f"×{counts[-1]:,} edges each (hover: how many)")


def _end_name(end: str, view: _View) -> str:
    """The name of an edge's end as a learner reads it: a module box's short name, or a
    value's ("an op" for an op's circle)."""
    if end.startswith("g"):
        return view.names.module(view.boxes[int(end[1:])].scope)
    if end.endswith("_op"):
        return "an op"
    return view.names.short[int(end[1:])]


def _swatch(color: str) -> str:
    """A coloured square for the legend (an outlined one for white)."""
    if color == KIND_COLORS["intermediate"]:
        return '<font color="#888888">□</font>'
    return f'<font color="{color}">■</font>'


def _names_note(view: _View, drawn: list[Value]) -> str:
    """What shortened names stand for, with an example: "L1.N3.w0 is layers.1.neurons.3.w0
    (L = layers, N = neurons)"; "" when no drawn name is shortened."""
    legend = view.names.legend()
    if not legend:
        return ""
    examples = [(view.names.module(box.scope), box.scope) for box in view.boxes]
    examples += [(view.names.short[view.index[id(n)]], view.names.full[view.index[id(n)]])
                 for n in drawn]
    shortened = [(short, full) for short, full in examples if full and short != full
                 and not full.endswith(short)]
    if not shortened:
        return ""
    short, full = shortened[0]
    return html_text(f"names: {short} is {full} ({legend})")


def _legend_line(kinds: list[str], grads: list[float], local_grads: bool, focus: bool,
                 names: str = "", bundles: str = "", caption: str = "") -> str:
    """The graph's label: a caption (why it is collapsed), then what the fills, the shades of
    grad, the edge numbers and the shortened names mean."""
    # the caption in lines of a legend line's length, so that it does not widen the picture
    lines = [f'<font color="#b35806"><b>{html_text(line)}</b></font>'
             for line in textwrap.wrap(caption, CAPTION_WIDTH)]
    if kinds:
        lines.append("  ".join(f"{_swatch(KIND_COLORS[kind])} {kind}" for kind in kinds))
    if any(g != 0 and math.isfinite(g) for g in grads):
        negative = "".join(_swatch(color) for color in NEGATIVE_COLORS)
        positive = "".join(_swatch(color) for color in reversed(POSITIVE_COLORS))
        lines.append(f"grad &lt; 0 {negative} {positive} grad &gt; 0; darker: nearer the "
                     f"largest |grad| (≥ 50%, ≥ 10%, ≥ 1%, &lt; 1% of it)")
    if any(not math.isfinite(g) for g in grads):
        lines.append(f"{_swatch(NONFINITE_COLOR)} grad is nan or inf")
    if local_grads:
        lines.append("numbers on edges: local derivative ∂out/∂input")
    if bundles:
        lines.append(bundles)
    if names:
        lines.append(names)
    if focus:
        lines.append("thick border: the focus and the output; dashed: other inputs of the ops "
                     "on the paths between them")
    text = '<br align="left"/>'.join(lines)
    return (f'\tlabel=<<table border="0" cellpadding="2"><tr><td align="left" balign="left">'
            f"{text}</td></tr></table>>")

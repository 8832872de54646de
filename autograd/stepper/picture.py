"""The walkthrough's pictures: each level's graph laid out once by Graphviz, as SVG with ids.

Stepping never lays a graph out again: the web page and the notebook player restyle the parts
of these SVGs by id. A level shows one group (levels.py): its parts, operations and module
calls (one box each), and the values they read from outside. Its items are numbered in the
order of the nodes they show, and the ids follow the renderer's scheme (dot.py): `n{j}` is item
j's box, `n{j}_op` the op that made it, `e{j}_{k}` the edge from its k-th input into that op
(or into a module's box) and `e{j}_out` the op's edge to its value. An edge into an op carries
the local derivative ∂out/∂input, as draw(local_grads=True) writes it. The texts inside get ids
too (`n{j}-name`, `n{j}-data`, `n{j}-grad`, `e{j}_{k}-local`), so a step can write them in.
Levels of the same shape (the same layer for each example of a batch) share one picture, laid
out with the longest of their names and numbers, and write their own. Without levels, item j
is node j of the graph.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ..composites import OPERATIONS
from ..dot import DARK_COLORS, KIND_COLORS, grad_fill, html_text, quoted, shorten
from .levels import Item, level_items
from .model import MODULE, State, Walkthrough, rule_of
from .symbols import constant_text, fmt

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
NUMBER_WIDTH = 62  # points: every number cell has room for the widest number, e.g. -1.235e-10
NAME_LIMIT = 28  # characters of a name shown in a box
BLANK = "\x00"  # a name while the shape of a picture is compared


def kind_of(node) -> str:
    """The renderer's kinds: input, parameter (a leaf made inside a module), constant, op."""
    if node.kind == "op":
        return "intermediate"
    if node.kind == "constant":
        return "constant"
    return "parameter" if node.scope else "input"


@dataclass(frozen=True)
class Picture:
    """One laid-out picture: its SVG, and the items of the levels that show it."""

    svg: str
    items: tuple[Item, ...]


def item_texts(walk: Walkthrough, items: tuple[Item, ...]) -> list[str]:
    """The name each item's box shows: a node's name, a module call's, a constant's number."""
    texts = []
    for item in items:
        if item.kind == "group":
            texts.append(shorten(walk.groups[item.group].name, NAME_LIMIT))
            continue
        if item.kind == "inputs":
            texts.append(f"{len(item.members)} values")
            continue
        node = walk.graph.nodes[item.node]
        texts.append(constant_text(node.data) if node.kind == "constant"
                     else shorten(node.name, NAME_LIMIT))
    return texts


def edge_texts(walk: Walkthrough, items: tuple[Item, ...]) -> list[list[str]]:
    """For each item, the local derivative on each edge into its op (none for other items)."""
    return [[fmt(local) for local in walk.graph.nodes[item.node].local_grads]
            if item.kind == "op" else [] for item in items]


def _widest(columns) -> list[str]:
    """At each place, the longest of the texts the levels sharing a picture put there."""
    return [max(column, key=len) for column in zip(*columns)]


def level_pictures(walk: Walkthrough, prefix: str = "", direction: str = "LR"
                   ) -> tuple[list[Picture], list[tuple[int, list[str], list[list[str]]]]]:
    """The pictures of every level, and for each level its picture's number, its names and
    the local derivatives on its edges (see edge_texts).

    Picture 0 is the top level's; its ids start with `prefix` alone, picture p's with
    `{prefix}p{p}-`. Graphviz runs once per picture.
    """
    shapes: dict[str, int] = {}  # the DOT text with names blanked -> picture number
    drafts: list[tuple[tuple[Item, ...], list[list[str]], list[list[list[str]]]]] = []
    shown: dict[int, tuple[int, list[str], list[list[str]]]] = {}  # group -> its texts
    for level in walk.levels:
        if level.group in shown:
            continue
        items = level_items(walk.graph, walk.groups, level.group)
        texts = item_texts(walk, items)
        shape = level_dot(walk, items, [BLANK] * len(items), "", direction, tooltips=False)
        if shape not in shapes:
            shapes[shape] = len(drafts)
            drafts.append((items, [], []))
        number = shapes[shape]
        edges = edge_texts(walk, items)
        drafts[number][1].append(texts)
        drafts[number][2].append(edges)
        shown[level.group] = (number, texts, edges)
    final = walk.state(len(walk) - 1)
    pictures = []
    for number, (items, names, locals_) in enumerate(drafts):
        # the longest name at each place, with room to spare when the levels' names differ
        widest = _widest(names)
        if len(names) > 1:
            widest = [text if len(set(column)) == 1 else text + "  "
                      for text, column in zip(widest, zip(*names))]
        labels = [_widest(slots) for slots in zip(*locals_)]
        local = prefix if number == 0 else f"{prefix}p{number}-"
        dot = level_dot(walk, items, widest, local, direction, final, tooltips=len(names) == 1,
                        labels=labels)
        pictures.append(Picture(svg_of(dot, walk, items, local, final), items))
    return pictures, [shown[level.group] for level in walk.levels]


def level_dot(walk: Walkthrough, items: tuple[Item, ...], texts: list[str], prefix: str,
              direction: str = "LR", state: State | None = None, tooltips: bool = True,
              labels: list[list[str]] | None = None) -> str:
    """DOT text of a level's picture, with the numbers of `state` (none: empty cells) and
    `labels` on the edges into each op (see edge_texts; none: no labels)."""
    graph = walk.graph
    lines = [
        'digraph "walkthrough" {',
        f'\tgraph [id="{prefix}graph" rankdir={direction} fontname="Helvetica" nodesep=0.25 '
        f"ranksep=0.35 bgcolor=transparent]",
        '\tnode [fontname="Helvetica" fontsize=11 shape=plain]',
        '\tedge [color="#777777" arrowsize=0.6 fontname="Helvetica" fontsize=9 '
        'fontcolor="#555555"]',
    ]

    def numbers(node_id: int | None) -> tuple[str, str]:
        if state is None or node_id is None:
            return "", ""
        data, grad = state.values[node_id], state.grads[node_id]
        return fmt(data) if data is not None else "", fmt(grad) if grad is not None else ""

    for j, item in enumerate(items):
        name = f"{prefix}n{j}"
        if item.kind == "group":
            group = walk.groups[item.group]
            label = _group_box(texts[j], _group_facts(group, item), item.node is not None,
                               *numbers(item.node))
            lines.append(f'\t"{name}" [id="{name}" class="value module" label={label}]')
            for k, (source, count) in enumerate(zip(item.reads, item.counts)):
                extra = f' label="{count}"' if count > 1 else ""
                lines.append(f'\t"{prefix}n{source}" -> "{name}" [id="{prefix}e{j}_{k}" '
                             f'class="input"{extra}]')
            continue
        if item.kind == "inputs":  # several values that the same module calls read
            leaves = all(graph.nodes[i].kind == "leaf" for i in item.members)
            label = (f'<<table border="1" cellborder="0" cellpadding="3" color="#555555" '
                     f'bgcolor="{KIND_COLORS["input" if leaves else "intermediate"]}" '
                     f'style="dashed"><tr><td><b>{html_text(texts[j])}</b></td></tr></table>>')
            lines.append(f'\t"{name}" [id="{name}" class="value inputs" label={label}]')
            continue
        node = graph.nodes[item.node]
        kind = kind_of(node)
        if item.kind == "op":
            lines.append(_op_line(node, j, prefix))
        if node.kind == "constant":
            label = (f'<<table border="1" cellborder="0" cellpadding="2" color="#999999" '
                     f'bgcolor="{KIND_COLORS["constant"]}"><tr><td>'
                     f"{html_text(texts[j])}</td></tr></table>>")
        else:
            label = _value_box(texts[j], KIND_COLORS[kind], *numbers(node.id))
        classes = f"value {kind}" + (" output" if node.id == graph.root.id else "")
        tooltip = f" tooltip={quoted(_tooltip(node))}" if tooltips else ""
        lines.append(f'\t"{name}" [id="{name}" class="{classes}" label={label}{tooltip}]')
    for j, item in enumerate(items):
        if item.kind != "op":
            continue
        for k, source in enumerate(item.reads):
            label = f" label={quoted(labels[j][k])}" if labels else ""
            lines.append(f'\t"{prefix}n{source}" -> "{prefix}n{j}_op" '
                         f'[id="{prefix}e{j}_{k}" class="input"{label}]')
        lines.append(f'\t"{prefix}n{j}_op" -> "{prefix}n{j}" '
                     f'[id="{prefix}e{j}_out" class="output"]')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _group_facts(group, item: Item) -> str:
    """What a module call's box says under its name: "16 values · 288 operations"."""
    facts = [] if len(group.outputs) == 1 else [f"{len(group.outputs)} values"]
    facts.append(f"{len(group.ops)} operations")
    if item.folded:
        facts.append(f"{item.folded} parameters")
    return " \u00b7 ".join(facts)


def _group_box(name: str, facts: str, numbered: bool, data: str, grad: str) -> str:
    """A module call's box: its name, what it is made of, and its output's numbers if it has
    one output."""
    rows = "".join(
        f'<tr><td align="left"><font color="#555555">{row}</font></td>'
        f'<td width="{NUMBER_WIDTH}" align="right" bgcolor="#ffffff">{html_text(number)}</td></tr>'
        for row, number in (("data", data), ("grad", grad))
    ) if numbered else ""
    return (
        f'<<table border="1" cellborder="0" cellspacing="0" cellpadding="3" color="#555555" '
        f'bgcolor="{KIND_COLORS["module"]}" style="rounded">'
        f'<tr><td colspan="2"><b>{html_text(name)}</b></td></tr>'
        f'<tr><td colspan="2"><font point-size="9" color="#555555">{html_text(facts)}</font>'
        f"</td></tr>{rows}</table>>"
    )


def _value_box(name: str, title_color: str, data: str, grad: str) -> str:
    """A value's box: its name, then a data row and a grad row with room for any number."""
    title_fill = "" if title_color == KIND_COLORS["intermediate"] else f' bgcolor="{title_color}"'
    rows = "".join(
        f'<tr><td align="left"><font color="#555555">{row}</font></td>'
        f'<td width="{NUMBER_WIDTH}" align="right" bgcolor="#ffffff">{html_text(number)}</td></tr>'
        for row, number in (("data", data), ("grad", grad))
    )
    return (
        '<<table border="1" cellborder="0" cellspacing="0" cellpadding="3" color="#555555">'
        f'<tr><td colspan="2"{title_fill}><b>{html_text(name)}</b></td></tr>'
        f"{rows}</table>>"
    )


def _op_line(node, j: int, prefix: str) -> str:
    """The op's circle; a collapsed module's is a box with the module's computation."""
    if node.op == MODULE:  # its computation if short, else which module and how many inputs
        text = node.expression if len(node.expression) <= 40 else (
            f"{node.scope.split('.', 2)[-1]} ({len(node.inputs)} inputs)")
        kind, tooltip = "module", f"{node.expression}\n{rule_of(node)}"
        shape = f'box style="rounded,filled" fillcolor="{KIND_COLORS["module"]}"'
    else:
        op = OPERATIONS[node.op]
        text = op.symbol + "".join(f" {constant_text(p)}" for p in node.params)
        kind, tooltip = op.name, op.rule
        shape = ("circle" if len(text) <= 2 else "ellipse") + ' style=filled fillcolor="#f0f0f0"'
    return (f'\t"{prefix}n{j}_op" [id="{prefix}n{j}_op" class="op op-{kind}" '
            f'shape={shape} color="#888888" width=0.3 '
            f"height=0.3 margin=0.03 label={quoted(text)} tooltip={quoted(tooltip)}]")


def _tooltip(node) -> str:
    text = node.name
    if node.scope:
        text += f"\nin {node.scope}"
    if node.site:
        text += f"\ncreated at {node.site}"
    return text


def walkthrough_dot(walk: Walkthrough, prefix: str = "", direction: str = "LR") -> str:
    """DOT text of the top level's picture, showing the numbers of the walkthrough's last step."""
    items = level_items(walk.graph, walk.groups, walk.top.group)
    return level_dot(walk, items, item_texts(walk, items), prefix, direction,
                     walk.state(len(walk) - 1), labels=edge_texts(walk, items))


def svg_of(dot: str, walk: Walkthrough, items: tuple[Item, ...], prefix: str,
           state: State) -> str:
    """Graphviz's SVG of a picture's DOT text, its texts marked with ids, grads coloured."""
    from ..drawing import Drawing  # Graphviz is loaded only now

    largest = largest_grad(walk.state(len(walk) - 1).grads)
    colors = {}
    for j, item in enumerate(items):
        grad = None if item.node is None else state.grads[item.node]
        if grad is not None:
            colors[j] = grad_colors(grad, largest)
    return mark_numbers(Drawing(dot).svg(), walk, items, prefix, colors)


def largest_grad(grads) -> float:
    """The largest finite |grad|: gradient colours are relative to it."""
    return max((abs(g) for g in grads if g is not None and math.isfinite(g)), default=0.0)


def grad_colors(grad: float, largest: float) -> tuple[str, str]:
    """(cell fill, text colour) for a gradient: the renderer's colours, by sign and size."""
    fill = grad_fill(grad, largest)
    if fill is None:
        return "#ffffff", "#222222"
    return fill, "#ffffff" if fill in DARK_COLORS else "#222222"


def mark_numbers(svg: str, walk: Walkthrough, items: tuple[Item, ...], prefix: str,
                 colors: dict[int, tuple[str, str]] | None = None) -> str:
    """Give the name and number texts of each box ids, numbers right-aligned so any fits.

    A value box's texts are, in order: the name, "data", the data number, "grad", the grad
    number (older Graphviz drops the ids of table cells, so they are found by position, once,
    here); a constant's box has its number only, and a module call's box its name, what it is
    made of, then the numbers if it has one output. colors: item -> (fill, text colour) of
    its grad cell.
    """
    colors = colors or {}
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", XLINK)
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", svg, count=1))
    wanted = {f"{prefix}n{j}": (j, item) for j, item in enumerate(items)}
    for group in root.iter(f"{{{SVG}}}g"):
        if group.get("class") == "edge input":  # its text, if any, is its local derivative
            for text in group.iter(f"{{{SVG}}}text"):
                text.set("id", f"{group.get('id')}-local")
            continue
        found = wanted.get(group.get("id", ""))
        if found is None:
            continue
        j, item = found
        parts = [e for e in group.iter() if e.tag in (f"{{{SVG}}}text", f"{{{SVG}}}polygon",
                                                     f"{{{SVG}}}path")]
        texts = [e for e in parts if e.tag.endswith("text")]
        outlines = [e for e in parts if not e.tag.endswith("text")]
        if not texts or not outlines:
            raise ValueError(f"unexpected SVG from Graphviz for box {j}")
        texts[0].set("id", f"{prefix}n{j}-name")
        outlines[-1].set("id", f"{prefix}n{j}-box")  # the box's border, drawn last
        if item.node is None or (item.kind != "group"
                                 and walk.graph.nodes[item.node].kind == "constant"):
            continue  # no numbers: several values, or a constant (its number is its name)
        if len(texts) < 4 or len(outlines) < 3:
            raise ValueError(f"unexpected SVG from Graphviz for box {j}")
        data, grad = texts[-3], texts[-1]
        data_cell = parts[parts.index(data) - 1]  # each number's cell is drawn just before it
        grad_cell = parts[parts.index(grad) - 1]
        for text, cell, name in ((data, data_cell, "data"), (grad, grad_cell, "grad")):
            text.set("id", f"{prefix}n{j}-{name}")
            cell.set("id", f"{prefix}n{j}-{name}-cell")
            right = max(float(x) for x in re.findall(r"(-?[\d.]+),", cell.get("points", "")))
            text.set("x", f"{right - 3:g}")
            text.set("text-anchor", "end")
        if j in colors:
            grad_cell.set("fill", colors[j][0])
            grad.set("fill", colors[j][1])
    for parent in root.iter():  # "n3" as a tooltip would mean nothing to a reader
        for title in parent.findall(f"{{{SVG}}}title"):
            parent.remove(title)
    return ET.tostring(root, encoding="unicode")

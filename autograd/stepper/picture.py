"""The walkthrough's picture: the graph laid out once by Graphviz, as SVG with an id per part.

Stepping never lays the graph out again: the web page and the notebook player restyle the
parts of this one SVG by id. It uses the renderer's id scheme (dot.py): `n{i}` for the value
at position i of the topological order, `n{i}_op` for the op that made it, `e{i}_{k}` for the
edge from input k into that op and `e{i}_out` for the op's edge to its value. Inside each value
box, the numbers get ids too (`n{i}-data`, `n{i}-grad`), so a step can write them in.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from ..composites import OPERATIONS
from ..dot import DARK_COLORS, KIND_COLORS, grad_fill, html_text, quoted, shorten
from .model import MODULE, Graph, Walkthrough, rule_of
from .symbols import constant_text, fmt

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
NUMBER_WIDTH = 62  # points: every number cell has room for the widest number, e.g. -1.235e-10


def kind_of(node) -> str:
    """The renderer's kinds: input, parameter (a leaf made inside a module), constant, op."""
    if node.kind == "op":
        return "intermediate"
    if node.kind == "constant":
        return "constant"
    return "parameter" if node.scope else "input"


def walkthrough_dot(walk: Walkthrough, prefix: str = "", direction: str = "LR") -> str:
    """DOT text of the walkthrough's graph, showing the numbers of its last step."""
    graph = walk.graph
    final = walk.state(len(walk) - 1)
    lines = [
        'digraph "walkthrough" {',
        f'\tgraph [id="{prefix}graph" rankdir={direction} fontname="Helvetica" nodesep=0.25 '
        f"ranksep=0.35 bgcolor=transparent]",
        '\tnode [fontname="Helvetica" fontsize=11 shape=plain]',
        '\tedge [color="#777777" arrowsize=0.6]',
    ]
    for node in graph.nodes:
        i = node.id
        kind = kind_of(node)
        if node.kind == "op":
            lines.append(_op_line(graph, node, prefix))
        if node.kind == "constant":
            label = (f'<<table border="1" cellborder="0" cellpadding="2" color="#999999" '
                     f'bgcolor="{KIND_COLORS["constant"]}"><tr><td>'
                     f"{html_text(constant_text(node.data))}</td></tr></table>>")
        else:
            data, grad = final.values[i], final.grads[i]
            label = _value_box(node.name, KIND_COLORS[kind], fmt(data) if data is not None else "",
                               fmt(grad) if grad is not None else "")
        classes = f"value {kind}" + (" output" if i == graph.root.id else "")
        lines.append(f'\t"{prefix}n{i}" [id="{prefix}n{i}" class="{classes}" label={label} '
                     f"tooltip={quoted(_tooltip(node))}]")
    for node in graph.nodes:
        for k, inp in enumerate(node.inputs):
            lines.append(f'\t"{prefix}n{inp}" -> "{prefix}n{node.id}_op" '
                         f'[id="{prefix}e{node.id}_{k}" class="input"]')
        if node.kind == "op":
            lines.append(f'\t"{prefix}n{node.id}_op" -> "{prefix}n{node.id}" '
                         f'[id="{prefix}e{node.id}_out" class="output"]')
    lines.append("}")
    return "\n".join(lines) + "\n"


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
        f'<tr><td colspan="2"{title_fill}><b>{html_text(shorten(name, 28))}</b></td></tr>'
        f"{rows}</table>>"
    )


def _op_line(graph: Graph, node, prefix: str) -> str:
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
    return (f'\t"{prefix}n{node.id}_op" [id="{prefix}n{node.id}_op" class="op op-{kind}" '
            f'shape={shape} color="#888888" width=0.3 '
            f"height=0.3 margin=0.03 label={quoted(text)} tooltip={quoted(tooltip)}]")


def _tooltip(node) -> str:
    text = node.name
    if node.scope:
        text += f"\nin {node.scope}"
    if node.site:
        text += f"\ncreated at {node.site}"
    return text


def walkthrough_svg(walk: Walkthrough, prefix: str = "", direction: str = "LR") -> str:
    """The walkthrough's graph as SVG text (runs Graphviz once), numbers marked with ids.

    As drawn, it shows the last step: every value and gradient, gradients coloured.
    """
    from ..drawing import Drawing  # Graphviz is loaded only now

    svg = Drawing(walkthrough_dot(walk, prefix, direction)).svg()
    final = walk.state(len(walk) - 1).grads
    largest = largest_grad(final)
    colors = {i: grad_colors(g, largest) for i, g in enumerate(final) if g is not None}
    return mark_numbers(svg, walk.graph, prefix, colors)


def largest_grad(grads) -> float:
    """The largest finite |grad|: gradient colours are relative to it."""
    return max((abs(g) for g in grads if g is not None and math.isfinite(g)), default=0.0)


def grad_colors(grad: float, largest: float) -> tuple[str, str]:
    """(cell fill, text colour) for a gradient: the renderer's colours, by sign and size."""
    fill = grad_fill(grad, largest)
    if fill is None:
        return "#ffffff", "#222222"
    return fill, "#ffffff" if fill in DARK_COLORS else "#222222"


def mark_numbers(svg: str, graph: Graph, prefix: str,
                 colors: dict[int, tuple[str, str]] | None = None) -> str:
    """Give the number texts of each value box ids, right-aligned so any number fits.

    A value box's last texts are, in order: the data number, "grad", the grad number (older
    Graphviz drops the ids of table cells, so they are found by position, once, here).
    colors: node id -> (fill, text colour) of its grad cell.
    """
    colors = colors or {}
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", XLINK)
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", svg, count=1))
    wanted = {f"{prefix}n{n.id}": n for n in graph.nodes if n.kind != "constant"}
    for group in root.iter(f"{{{SVG}}}g"):
        node = wanted.get(group.get("id", ""))
        if node is None:
            continue
        parts = [e for e in group.iter() if e.tag in (f"{{{SVG}}}text", f"{{{SVG}}}polygon")]
        texts = [e for e in parts if e.tag.endswith("text")]
        polygons = [e for e in parts if e.tag.endswith("polygon")]
        if len(texts) < 4 or len(polygons) < 3:
            raise ValueError(f"unexpected SVG from Graphviz for node {node.name!r}")
        data, grad = texts[-3], texts[-1]
        data_cell = parts[parts.index(data) - 1]  # each number's cell is drawn just before it
        grad_cell = parts[parts.index(grad) - 1]
        for text, cell, name in ((data, data_cell, "data"), (grad, grad_cell, "grad")):
            text.set("id", f"{prefix}n{node.id}-{name}")
            cell.set("id", f"{prefix}n{node.id}-{name}-cell")
            right = max(float(x) for x in re.findall(r"(-?[\d.]+),", cell.get("points", "")))
            text.set("x", f"{right - 3:g}")
            text.set("text-anchor", "end")
        if node.id in colors:
            grad_cell.set("fill", colors[node.id][0])
            grad.set("fill", colors[node.id][1])
        polygons[-1].set("id", f"{prefix}n{node.id}-box")  # the box's border, drawn last
    for parent in root.iter():  # "n3" as a tooltip would mean nothing to a reader
        for title in parent.findall(f"{{{SVG}}}title"):
            parent.remove(title)
    return ET.tostring(root, encoding="unicode")

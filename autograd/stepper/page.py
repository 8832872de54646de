"""The walkthrough as one self-contained web page: no network, no server, one file to hand out.

Each level's graph is laid out once by Graphviz (picture.py); the page carries those SVGs, the
steps and the levels as data, and player.js restyles the current level's SVG by id at each
step, with the narration beside it; a step of a network opens into the level below. The same
player, packed small behind a static picture, is what a notebook shows (notebook.py).
"""

from __future__ import annotations

import html
import json
import math
import os
from importlib import resources
from pathlib import Path

from ..files import write_atomically
from ..value import Value
from .compact import compact_svg, packed, svg_data_uri, without_comments
from .explain import explain_node
from .levels import level_items
from .model import (
    MAX_NODES,
    Step,
    Walkthrough,
    as_walkthrough,
    batch_calls,
    follow_start,
    following,
    other_form,
    path_sum_step,
    sample_part,
)
from .picture import Picture, grad_colors, largest_grad, level_pictures
from .practice import page_rules
from .symbols import fmt

MAX_EXPLAINED = 300  # nodes; a larger graph's page leaves "why" out, to stay small
MAX_FOLLOWED = 500  # inputs and parameters; a page of more cannot follow them one by one
PACK_OVER = 1_000_000  # characters of data past which a page carries it gzipped (a network's)


def export_html(output: Value | Walkthrough, path: str | os.PathLike, *, title: str = "",
                practice: bool = False, direction: str = "LR", max_nodes: int = MAX_NODES,
                collapse: str | int | None = None, levels: bool | None = None,
                focus: Value | str | None = None, sample: int | None = None,
                primitives: bool = False) -> Path:
    """Write a self-contained page that steps through the graph behind `output`; returns path.

    `output` may also be a Walkthrough, such as a training_walkthrough(); levels and collapse
    step a network module by module, as walkthrough() does. The page can follow any input or
    parameter (only the steps on its paths to the output), or step one example of a batch;
    focus and sample open it doing so. Composites (a - b, x / y, sqrt(x)) show as written,
    with a "primitives" switch on the page that steps the engine's primitives instead;
    primitives=True opens the page so.
    """
    walk = as_walkthrough(output, max_nodes, collapse, levels, focus, sample, primitives)
    other = other_form(output, walk, primitives, max_nodes)
    return write_page(walk, path, title=title, practice=practice, direction=direction,
                      other=other, primitives=primitives)


def write_page(walk: Walkthrough, path: str | os.PathLike, *, title: str = "",
               practice: bool = False, direction: str = "LR", other: Walkthrough | None = None,
               primitives: bool = False) -> Path:
    """Write the page of `walk` (and of `other`, the same graph's other form: see other_form,
    `primitives` saying which form `walk` is) atomically to path."""
    if direction not in ("LR", "TB"):
        raise ValueError(f"direction must be 'LR' or 'TB', got {direction!r}")
    page = page_html(walk, title=title, practice=practice, direction=direction, other=other,
                     primitives=primitives)
    path = Path(os.fsdecode(path))  # a str, pathlib.Path or bytes path, as open() takes
    write_atomically(path, page.encode("utf-8"))
    return path


def page_html(walk: Walkthrough, title: str = "", practice: bool = False,
              direction: str = "LR", other: Walkthrough | None = None,
              primitives: bool = False) -> str:
    """The whole page, as HTML text."""
    root = walk.graph.root
    title = title or f"{root.name}: forward and backward, one step at a time"
    whole = walk.whole or walk  # the page carries every step, whatever it opens on
    summary = (f"{len(whole.graph.nodes)} nodes, {len(whole) - 1} steps. Step with the buttons, "
               f"the slider or the arrow keys.")
    if other is not None:
        written, engine = (other, whole) if primitives else (whole, other)
        summary = (f"{len(written) - 1} steps as written, {len(engine) - 1} as the engine's "
                   f"primitives (the \u201cprimitives\u201d switch). Step with the buttons, "
                   f"the slider or the arrow keys.")
    if whole.leveled:
        summary = (f"{len(whole.graph.nodes)} nodes, {len(whole) - 1} steps in levels: "
                   f"{len(whole.top)} at the top, one per call of each layer. Open a step "
                   f"(o or Enter) to see the steps it is made of; u or Backspace goes back up.")
    if primitives and other is None:  # no switch to say so
        summary = f"As the engine's primitives: {summary[0].lower()}{summary[1:]}"
    player = player_html(walk, "cr-", practice=practice, direction=direction, global_keys=True,
                         other=other, primitives=primitives)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="chainrule">
<title>{html.escape(title)}</title>
<style>
body {{ margin: 0; padding: 1rem 1.25rem; background: #fafafa; color: #222; }}
header h1 {{ font: 600 20px/1.3 system-ui, sans-serif; margin: 0 0 0.2rem;
             overflow-wrap: anywhere; }}
header p {{ font: 13px/1.4 system-ui, sans-serif; color: #595959; margin: 0 0 0.8rem; }}
/* the system's dark theme: the player sees the dark page and takes its dark colours */
@media (prefers-color-scheme: dark) {{
  body {{ background: #161616; color: #e8e8e8; }}
  header p {{ color: #b4b4b4; }}
}}
</style>
</head>
<body>
<header><h1>{html.escape(title)}</h1><p>{html.escape(summary)}</p></header>
{player}
</body>
</html>
"""


IDS = "cr-"  # every player's element ids start so: each player has its own shadow root
STATIC_NOTE = ("To step through this graph, trust the notebook: File \u2192 Trust Notebook, "
               "or \u201cTrust Notebook\u201d in JupyterLab\u2019s command palette "
               "(no kernel needed).")


def player_html(walk: Walkthrough, token: str, practice: bool = False, direction: str = "LR",
                global_keys: bool = False, static_picture: bool = False,
                other: Walkthrough | None = None, primitives: bool = False) -> str:
    """The player as an HTML fragment: a container, and the script that builds it.

    token: the container's data-player attribute, by which the script finds it. With
    static_picture (a notebook's output), the container starts with the final graph as an
    <img> and a sentence on how to get the live player, which stay where scripts do not run
    (an untrusted notebook, a notebook viewer): a picture, and no dead controls. The script,
    its style and the steps then come packed (compact.py), and the live player's first
    picture is the static one. A walkthrough of some steps of another (following a node,
    one example) is shown as the whole one, opened on those steps. With `other` (the same
    graph's other form, see other_form; not in a notebook, where it would double the output),
    the player has a "primitives" switch between the two, `primitives` saying which `walk` is.
    """
    view = {"follow": walk.focus, "sample": walk.sample}
    walk = walk.whole or walk
    data = _form_data(walk, direction, practice, also_follow=view["follow"])
    options = json.dumps({"globalKeys": global_keys, **view})
    css = _asset("player.css")
    find = (f"  var scope = document.currentScript ? document.currentScript.parentNode "
            f": document;\n"
            f"  var root = scope.querySelector('[data-player=\"{token}\"]') ||\n"
            f"             document.querySelector('[data-player=\"{token}\"]');\n")
    if static_picture:
        first = data["pictures"][0]["svg"]
        data["pictures"][0]["svg"] = None  # unpack.js reads it from the static picture
        bundle = packed({"script": without_comments(_asset("player.js")), "css": css,
                         "data": data})
        inside = (static_img(first, walk)
                  + f'<p class="cr-static-note">{html.escape(STATIC_NOTE)}</p>')
        return (f'<div class="cr-player" data-player="{token}">{inside}</div>\n'
                f"<script>\n{_asset('unpack.js')}\n(function () {{\n{find}"
                f'  chainruleUnpackPlayer(root, "{bundle}", {options});\n}})();\n</script>')
    if other is not None:  # as written first, then as primitives
        forms = [data, _form_data(other, direction, practice)]
        if primitives:
            forms.reverse()
        options = json.dumps({"globalKeys": global_keys, **view, "primitives": primitives})
        mount = (f"chainruleForms(root, [{', '.join(map(_data_text, forms))}], {options}, "
                 f"{_script_json(css)});")
    else:
        text = _data_text(data)
        start = "chainruleUnpack" if text.startswith('"') else "chainruleMount"  # packed or not
        mount = f"{start}(root, {text}, {options}, {_script_json(css)});"
    return (
        f'<div class="cr-player" data-player="{token}">'
        f"<noscript>This walkthrough needs JavaScript.</noscript></div>\n"
        f"<script>\n{_asset('unpack.js')}\n{_asset('player.js')}\n"
        f"(function () {{\n{find}  {mount}\n}})();\n</script>"
    )


def _form_data(walk: Walkthrough, direction: str, practice: bool,
               also_follow: int | None = None) -> dict:
    """player_data of all the steps `walk` is part of, its pictures laid out and compacted."""
    walk = walk.whole or walk  # the page follows a node from all the steps
    pictures, places = level_pictures(walk, prefix=IDS, direction=direction)
    pictures = [Picture(compact_svg(picture.svg), picture.items) for picture in pictures]
    return player_data(walk, pictures, places, IDS, practice, also_follow)


def _data_text(data: dict) -> str:
    """A player's data as a script literal: JSON, or past PACK_OVER characters (a network's
    steps) packed, about a tenth of the size, for chainruleUnpack or chainruleForms."""
    text = _script_json(data)
    return f'"{packed(data)}"' if len(text) > PACK_OVER else text


def static_img(svg: str, walk: Walkthrough) -> str:
    """The final graph as an <img> with a data: URI: the picture every notebook shows."""
    alt = f"computation graph of {walk.graph.root.name}, {len(walk.graph.nodes)} nodes"
    return (f'<img class="cr-static" src="{svg_data_uri(svg)}" alt="{html.escape(alt)}" '
            f'style="max-width: 100%; height: auto">')


def player_data(walk: Walkthrough, pictures: list[Picture], places: list[tuple[int, list[str]]],
                prefix: str, practice: bool, also_follow: int | None = None) -> dict:
    """What player.js needs: the pictures, the steps with their numbers as text, the levels."""
    graph = walk.graph
    largest = largest_grad(walk.state(len(walk) - 1).grads)
    steps = []
    for step in walk:
        steps.append({
            "kind": step.kind,
            "title": step.title,
            "lines": list(step.lines),
            "node": step.node,
            "edge": list(step.edge) if step.edge else None,
            "values": [[i, fmt(x)] for i, x in step.values],
            "grads": [[i, fmt(g), *grad_colors(g, largest)] for i, g in step.grads],
            "question": step.question,
            "answer": _json_number(step.answer),
            "answerText": fmt(step.answer, 6) if step.answer is not None else "",
            "hint": step.hint,
        })
    explanations = {}
    if len(graph.nodes) <= MAX_EXPLAINED:
        for node in graph.nodes:
            if node.kind != "constant":
                explanations[node.id] = str(explain_node(graph, node))
    return {
        "prefix": prefix,
        "pictures": [_picture_data(picture) for picture in pictures],
        "levels": [_level_data(walk, level, *place) for level, place in zip(walk.levels, places)],
        "nodes": [_node_data(n) for n in graph.nodes],
        "steps": steps,
        "explanations": explanations,
        "follow": follow_data(walk, also_follow),
        "jump": [n.id for n in graph.nodes if n.kind != "constant"
                 and (n.label or n.kind == "leaf" or n is graph.root)],
        "samples": [_part_data(*sample_part(walk, k)) for k in range(len(batch_calls(walk)))],
        "firstNonfinite": walk.first_nonfinite(),
        "practice": practice,
        "rules": page_rules(),
    }


def _node_data(node) -> dict:
    """A node's name, and the other names the page finds it by, as Graph.find does: its full
    dotted name (a parameter's layers.0.neurons.3.w0 for L0.N3.w0) and its label."""
    data = {"name": node.name, "constant": node.kind == "constant"}
    also = [other for other in dict.fromkeys((node.full_name, node.label))
            if other and other != node.name]
    if also:
        data["also"] = also
    return data


def follow_data(walk: Walkthrough, also: int | None = None) -> dict:
    """For each input and parameter, and node `also` (the one a page opens following, which
    may be an intermediate), what following it shows: which steps, how it starts, ends.

    The steps are given as [first, last] runs of the walkthrough's own steps; none when the
    graph has more than MAX_FOLLOWED of them, or is a training walkthrough.
    """
    leaves = [n for n in walk.graph.nodes if n.kind == "leaf"]
    if len(leaves) > MAX_FOLLOWED or any(s.kind == "update" for s in walk):
        return {}
    if also is not None and walk.graph.nodes[also].kind != "leaf":
        leaves.append(walk.graph.nodes[also])
    result = {}
    for node in leaves:
        kept = following(walk, node.id)
        result[node.id] = _part_data(kept, follow_start(walk, node, kept),
                                     path_sum_step(walk, node, len(kept) + 1))
    return result


def _part_data(kept: list[int], start: Step, done: Step) -> dict:
    """Some of the steps (following a node, one example): as runs, and their own first and
    last steps."""
    return {"kept": _runs(kept), "start": _own_step(start), "done": _own_step(done)}


def _runs(indices: list[int]) -> list[list[int]]:
    """[3, 4, 5, 9] as [[3, 5], [9, 9]]."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def _own_step(step: Step) -> dict:
    """A step that only following a node has: its text, and the values it gives."""
    return {"kind": step.kind, "title": step.title, "lines": list(step.lines),
            "values": [[i, fmt(x)] for i, x in step.values]}


def _picture_data(picture: Picture) -> dict:
    """A picture's SVG and, for each item, what the player restyles: its edges and numbers."""
    return {"svg": picture.svg,
            "items": [{"op": item.kind == "op", "inputs": len(item.reads)}
                      for item in picture.items]}


def _level_data(walk: Walkthrough, level, picture: int, texts: list[str],
                locals_: list[list[str]]) -> dict:
    """A level: where it is, its picture, names and local derivatives, and its steps.

    An ordinary step is given by its number alone (its text is in the walkthrough's steps);
    the step of a module call carries its own text and the level it opens into. nodes: for
    each item of the picture, the node whose numbers it shows, or the list of nodes it stands
    for (a module call's outputs, values read together), known once one of them is; numbers:
    whether it shows numbers.
    """
    items = level_items(walk.graph, walk.groups, level.group)
    nodes, shown = [], []
    for item in items:
        if item.kind == "group":
            outputs = walk.groups[item.group].outputs
            nodes.append(outputs[0] if len(outputs) == 1 else list(outputs))
            shown.append(len(outputs) == 1)
        elif item.kind == "inputs":
            nodes.append(list(item.members))
            shown.append(False)
        else:
            nodes.append(item.node)
            shown.append(walk.graph.nodes[item.node].kind != "constant")
    position = {}  # module call -> its item
    for j, item in enumerate(items):
        if item.kind == "group":
            position[item.group] = j
    steps = []
    for step in level:
        if step.opens is None:
            steps.append(step.first)
        else:
            steps.append({"kind": step.kind, "title": step.title, "lines": list(step.lines),
                          "first": step.first, "last": step.last, "opens": step.opens,
                          "item": position[step.group]})
    return {"name": level.name, "parent": level.parent, "at": level.at, "picture": picture,
            "texts": texts, "locals": locals_, "nodes": nodes, "numbers": shown, "steps": steps}


def _json_number(x: float | None) -> float | str | None:
    """A number JSON can carry: nan and inf become the strings JavaScript's Number() reads."""
    if x is None or math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _script_json(data: dict) -> str:
    """JSON that is safe inside <script>: no "</script>", no "<!--", whatever the labels say."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset(name: str) -> str:
    """A file shipped with this package (player.js, player.css, unpack.js)."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")

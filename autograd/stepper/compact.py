"""A player's output made small: Graphviz's SVG written compactly, the rest gzipped.

A notebook keeps every output in its file, so a player must not weigh much. Graphviz writes
each text's font, each coordinate to 1/100 of a point and each tooltip as a link wrapped in a
group: written once on the <svg>, to the point (3/4 of a pixel) and as a <title>, with colours
as #fff for #ffffff, a picture is about a third smaller and looks the same. As a data: URI it
is written as text, not base64, which would add a third again. The script, the style and the
steps repeat themselves (names, numbers, rules) and gzip to about a tenth; the browser unpacks
them (unpack.js).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
DEFAULTS = {"stroke": "transparent", "text-anchor": "start"}  # what SVG draws without them
FONT = ("font-family", "font-size")
NUMBER = re.compile(r"-?\d+\.\d+")
DOUBLED = re.compile(r"^#([0-9a-fA-F])\1([0-9a-fA-F])\2([0-9a-fA-F])\3$")  # #ffffff, #555555
WHOLE = re.compile(r"^(\d+)\.0+$")  # a font size of 11.00
# A value box's data and grad are right-aligned: said once, in a style, rather than on each
# (picture.py names them n<id>-data and n<id>-grad).
RIGHT_ALIGNED = ("-data", "-grad")
STYLE = "text[id$='-data'],text[id$='-grad']{text-anchor:end}"
COMMENT_LINE = re.compile(r"^[ \t]*//.*\n", re.MULTILINE)
INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
COMMENT_AFTER = re.compile(r"[ \t]+// [^\"'\n]*$", re.MULTILINE)  # not one with a quote in it
URI_ESCAPES = {"%": "%25", "#": "%23", "'": "%27", "&": "%26", "\n": "%0A", "\r": "%0D",
               "\t": "%09"}


def compact_svg(svg: str) -> str:
    """The same picture in fewer characters: shared fonts, rounded coordinates, short tooltips."""
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", XLINK)
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", svg, count=1))
    _titles_for_links(root)
    texts = [e for e in root.iter(f"{{{SVG}}}text")]
    for name in FONT:  # the most common font, once on the <svg>; texts inherit it
        common = Counter(e.get(name) for e in texts).most_common(1)
        if common and common[0][0] is not None:
            root.set(name, common[0][0])
            for element in texts:
                if element.get(name) == common[0][0]:
                    del element.attrib[name]
    aligned = [e for e in texts if e.get("id", "").endswith(RIGHT_ALIGNED)]
    if aligned and all(e.get("text-anchor") == "end" for e in aligned):
        for element in aligned:
            del element.attrib["text-anchor"]
        style = ET.Element(f"{{{SVG}}}style")
        style.text = STYLE
        root.insert(0, style)
    for element in root.iter():
        for name, default in DEFAULTS.items():
            if element.get(name) == default:
                del element.attrib[name]
        for name in ("points", "d", "x", "y", "transform", "viewBox"):
            if name in element.attrib:
                element.set(name, NUMBER.sub(_rounded, element.get(name)))
        for name in ("fill", "stroke"):  # #ffffff is #fff
            if name in element.attrib:
                element.set(name, DOUBLED.sub(r"#\1\2\3", element.get(name)))
        if "font-size" in element.attrib:
            element.set("font-size", WHOLE.sub(r"\1", element.get("font-size")))
        if element.tag == f"{{{SVG}}}path" and "d" in element.attrib:
            element.set("d", _straight_lines(element.get("d")))
        if element.tag == f"{{{SVG}}}polygon":  # a polygon closes itself
            points = element.get("points", "").split()
            if len(points) > 3 and points[0] == points[-1]:
                element.set("points", " ".join(points[:-1]))
        if element.get("transform", "").startswith("scale(1 1) rotate(0) "):
            element.set("transform", element.get("transform")[len("scale(1 1) rotate(0) "):])
        element.tail = None
        if element.tag != f"{{{SVG}}}text" and element.text and not element.text.strip():
            element.text = None
    return ET.tostring(root, encoding="unicode")


def _straight_lines(d: str) -> str:
    """A path of cubic curves with its straight pieces written as lines.

    Graphviz draws a rounded box as one curve after another: each side is a "curve" whose first
    control point is where it starts and whose second is where it ends, which is a straight
    line. "M9,0C9,0 1,0 1,0 ..." becomes "M9,0L1,0 ...": the same picture, shorter.
    """
    match = re.fullmatch(r"M(\S+?)C(.*)", d.strip())
    points = match.group(2).split() if match else []
    if not points or len(points) % 3:
        return d
    at, pieces, mode = match.group(1), [f"M{match.group(1)}"], ""
    for k in range(0, len(points), 3):
        first, second, end = points[k:k + 3]
        if first == at and second == end:
            pieces.append(("L" if mode != "L" else " ") + end)
            mode = "L"
        else:
            pieces.append(("C" if mode != "C" else " ") + f"{first} {second} {end}")
            mode = "C"
        at = end
    return "".join(pieces)


def _rounded(match: re.Match) -> str:
    """A coordinate to the point: 12.34 -> 12, -7.5 -> -8 (round half to even: -8)."""
    return str(round(float(match.group())))


def _titles_for_links(root: ET.Element) -> None:
    """Graphviz's <g id="a_..."><a xlink:title="tip">...</a></g> as <title>tip</title>...

    The link does nothing but carry the tooltip, which a <title> shows as well.
    """
    wrappers = [(parent, child) for parent in root.iter() for child in parent
                if child.tag == f"{{{SVG}}}g" and child.get("id", "").startswith("a_")
                and len(child) == 1 and child[0].tag == f"{{{SVG}}}a"]
    for parent, wrapper in wrappers:
        link = wrapper[0]
        inside = list(link)
        tip = link.get(f"{{{XLINK}}}title")
        if tip:
            title = ET.Element(f"{{{SVG}}}title")
            title.text = tip
            inside.insert(0, title)
        at = list(parent).index(wrapper)
        parent.remove(wrapper)
        for k, element in enumerate(inside):
            parent.insert(at + k, element)


def svg_data_uri(svg: str) -> str:
    """A data: URI of an SVG, to put in double quotes in HTML: the SVG's own double quotes
    become single ones, and only what a URI or an HTML attribute cannot hold is escaped."""
    text = "".join(URI_ESCAPES.get(ch, ch) for ch in svg).replace('"', "'")
    return "data:image/svg+xml;charset=utf-8," + text


def without_comments(script: str) -> str:
    """A script without its comments and indentation, which are for the reader of the source
    file, not for the copy packed into every output. Only comments that start a line, or
    follow code and hold no quote, are taken out: a string is never cut. (The script has no
    template strings, the one place where JavaScript keeps a line's indentation.)"""
    return INDENT.sub("", COMMENT_AFTER.sub("", COMMENT_LINE.sub("", script)))


def packed(value: object) -> str:
    """value as JSON, gzipped and written in base64: what unpack.js reads back."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return base64.b64encode(gzip.compress(text, compresslevel=9, mtime=0)).decode("ascii")

"""A player's picture written small (autograd/stepper/compact.py): shorter, and nothing lost.

Every text, id and tooltip of Graphviz's SVG is still there, the numbers in the same places;
what changes is how it is written: shared fonts, whole points, short colours, straight sides
of rounded boxes as lines, and one style for the right-aligned numbers.
"""

import re
import xml.etree.ElementTree as ET

from conftest import karpathy, require_program

import nn
from autograd.stepper import walkthrough
from autograd.stepper.compact import STYLE, _straight_lines, compact_svg, without_comments
from autograd.stepper.picture import level_pictures

SVG = "{http://www.w3.org/2000/svg}"


def pictures(output, **options):
    require_program("dot")
    walk = walkthrough(output, **options)
    return [picture.svg for picture in level_pictures(walk, prefix="cr-")[0]]


def texts(svg):
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", svg))
    return [(e.get("id"), e.text) for e in root.iter(f"{SVG}text")]


def test_a_rounded_boxs_straight_sides_become_lines_and_its_corners_stay_curves():
    box = "M9,0C9,0 1,0 1,0 0,0 0,1 0,2 0,2 0,5 0,5"
    assert _straight_lines(box) == "M9,0L1,0C0,0 0,1 0,2L0,5"
    edge = "M0,0C3,3 6,6 9,9"  # a curve: its control points are not its ends
    assert _straight_lines(edge) == edge
    assert _straight_lines("M0,0L5,5") == "M0,0L5,5"  # not Graphviz's curves: left alone


def test_the_compact_picture_keeps_every_text_and_id_and_is_a_third_smaller():
    mlp = nn.MLP(2, [4, 4, 1], seed=0)
    loss = (mlp([1.0, -2.0]) - 1.0) ** 2
    for svg in pictures(karpathy()[0]) + pictures(loss, collapse="neurons"):
        small = compact_svg(svg)
        assert texts(small) == texts(svg)
        kept = [i for i in re.findall(r' id="([\w-]+)"', svg) if not i.startswith("a_")]
        assert re.findall(r' id="([\w-]+)"', small) == kept  # a tooltip's link group is gone
        assert len(small) < 0.67 * len(svg)


def test_numbers_are_right_aligned_by_one_style_and_colours_are_short():
    svg = pictures(karpathy()[0])[0]
    small = compact_svg(svg)
    assert f"<style>{STYLE}</style>" in small
    assert re.search(r'<text [^>]*text-anchor="end"[^>]*id="cr-n\d+-(data|grad)"', small) is None
    assert "#ffffff" not in small and 'fill="#fff"' in small


def test_a_packed_script_loses_its_comments_but_no_string():
    script = ('// a file comment\n'
              'function f(a) {\n'
              '  // a line comment\n'
              '  const url = "http://example.org";  // the address\n'
              '  return a + "  // not a comment";\n'
              '}\n')
    assert without_comments(script) == ('function f(a) {\n'
                                         'const url = "http://example.org";\n'
                                         'return a + "  // not a comment";\n'
                                         '}\n')

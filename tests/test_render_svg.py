"""Drawings rendered by the real Graphviz `dot` program, checked by SVG structure (ids, classes,
texts), never byte for byte; saving in every format; Jupyter's view; and the message when
`dot` is missing.
"""

import base64
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import DotNotFoundError, Drawing, Value, draw, format_number, name_scope
from tests.conftest import require_program

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def dot():
    return require_program("dot")


def elements(svg: str) -> dict:
    """id -> <g> element of a rendered drawing (nodes, edges, the graph)."""
    root = ET.fromstring(svg)
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}


def texts(element) -> list[str]:
    return ["".join(text.itertext()) for text in element.iter(f"{SVG}text")]


def neuron():
    """Karpathy's neuron: o = tanh(x1*w1 + x2*w2 + b), with do/dx1 = -1.5 and do/dw1 = 1."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return o


def test_neuron_svg_has_ids_classes_and_texts(dot):
    svg = draw(neuron(), local_grads=True, parameters=[]).svg()
    found = elements(svg)
    assert found["graph"].get("class") == "graph"
    x1 = found["n0"]
    assert x1.get("class") == "node value input grad-neg"
    assert texts(x1) == ["x1", "data", "2.0", "grad", "-1.5"]
    o = found["n9"]
    assert o.get("class") == "node value intermediate grad-pos output"
    assert texts(o) == ["o", "data", "0.7071", "grad", "1.0"]
    assert found["n9_op"].get("class") == "node op op-tanh" and texts(found["n9_op"]) == ["tanh"]
    # the edge from x1 into x1 * w1 carries ∂(x1*w1)/∂x1 = w1 = -3
    assert found["e2_0"].get("class") == "edge input" and texts(found["e2_0"]) == ["-3.0"]
    assert found["e9_out"].get("class") == "edge output"
    values = [g for g in found.values() if "value" in (g.get("class") or "").split()]
    assert len(values) == 10  # 5 leaves and 5 results


def test_a_sum_renders_as_one_plus_with_an_edge_per_term(dot):
    from autograd import total

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    found = elements(draw(total([a, b, a])).svg())  # a is n0, b n1, the sum n2
    assert texts(found["n2_op"]) == ["+"] and found["n2_op"].get("class") == "node op op-sum"
    assert [found[f"e2_{k}"].get("class") for k in range(3)] == ["edge input"] * 3
    assert "e2_3" not in found


def test_every_element_id_is_unique(dot):
    root = ET.fromstring(draw(neuron()).svg())
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids))


def test_id_prefix_reaches_the_svg(dot):
    found = elements(draw(neuron(), id_prefix="fig2-").svg())
    assert {"fig2-graph", "fig2-n0", "fig2-n9_op", "fig2-e2_0"} <= set(found)


@pytest.mark.parametrize(
    "label",
    ["<script>alert(1)</script>", 'say "hi"', "back\\slash", "a & b", "&amp;", "&lt;", "x\\ny"],
)
def test_labels_appear_as_typed(dot, label):
    x = Value(1.0, label=label)
    svg = draw(x.exp()).svg()
    root = ET.fromstring(svg)  # still well-formed XML
    assert not any(element.tag.endswith("script") for element in root.iter())
    assert texts(elements(svg)["n0"])[0] == label
    tooltips = [a.get("{http://www.w3.org/1999/xlink}title") for a in root.iter(f"{SVG}a")]
    assert f"{label}: data=1.0 grad=0.0" in tooltips


def test_a_newline_in_a_label_starts_a_second_line(dot):
    svg = draw(Value(1.0, label="two\nlines")).svg()
    assert texts(elements(svg)["n0"])[:2] == ["two", "lines"]


def test_collapsed_modules_render_as_boxes(dot):
    x = Value(1.0, label="x")
    outputs = []
    for j in range(3):
        with name_scope(f"neurons.{j}"):
            outputs.append((Value(0.1 * j, label="w") * x).tanh())
    y = sum(outputs)
    y.backward()
    found = elements(draw(y, collapse="neurons").svg())
    boxes = [g for g in found.values() if (g.get("class") or "").startswith("node module")]
    assert [texts(g)[0] for g in boxes] == ["N0", "N1", "N2"]  # N = neurons, in the legend
    assert "edge input collapsed" in {g.get("class") for g in found.values()}


def test_an_mlp_collapsed_to_neurons_renders(dot):
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.hinge(model([Value(0.5, label="x0"), Value(-1.2, label="x1")]), 1.0)
    loss.backward()
    svg = draw(loss, collapse="neurons", parameters=model).svg()  # ~0.1 s (not asserted)
    boxes = [g for g in elements(svg).values() if "module" in (g.get("class") or "").split()]
    assert len(boxes) == 16 + 16 + 1
    # b, w0, w1, the two products w * x, their sum (one + node for all terms) and relu
    assert texts(boxes[0])[:2] == ["L0.N0", "7 nodes, 3 parameters"]


def fused_mlp():
    """A fused MLP on one point: each neuron's b + w0*x0 + w1*x1 is one weighted_sum node."""
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [2, 1], activation="tanh", seed=0, fused=True)
    loss = nn.mse(model([0.5, -1.0]), 1.0)  # the inputs 0.5 and -1 become constants
    loss.backward()
    return model, loss


def test_a_fused_mlp_renders_one_op_per_neuron(dot):
    model, loss = fused_mlp()
    found = elements(draw(loss, parameters=model, local_grads=True).svg())
    ops = sorted(g.get("class").split()[-1] for g in found.values()
                 if "op" in (g.get("class") or "").split())
    # three neurons, one weighted sum each (two with tanh); then mse: - 1, ** 2, * 1 (the mean)
    assert ops == ["op-mul", "op-pow", "op-sub_number", "op-tanh", "op-tanh"] + [
        "op-weighted_sum"] * 3
    fused = [i[:-3] for i, g in found.items() if g.get("class") == "node op op-weighted_sum"]
    assert all(texts(found[f"{i}_op"]) == ["w·x+b"] for i in fused)
    # the edges into each: b, w0, x0, w1, x1, carrying d out/d input = 1, x0, w0, x1, w1
    edges = {i: [texts(found[f"e{i[1:]}_{k}"]) for k in range(5)] for i in fused}
    assert all(f"e{i[1:]}_5" not in found for i in fused)
    assert all(labels[0] == ["1.0"] for labels in edges.values())
    first_layer = [labels for labels in edges.values() if labels[1] == ["0.5"]]
    assert len(first_layer) == 2 and all(labels[3] == ["-1.0"] for labels in first_layer)
    weights = [(format_number(neuron.w[0].data), format_number(neuron.w[1].data))
               for layer in model.layers for neuron in layer.neurons]
    assert sorted((labels[2][0], labels[4][0]) for labels in edges.values()) == sorted(weights)


def test_a_fused_mlp_renders_without_constants_and_collapsed(dot):
    model, loss = fused_mlp()
    found = elements(draw(loss, parameters=model, show_constants=False).svg())
    fused = [g for g in found.values() if g.get("class") == "node op op-weighted_sum"]
    assert [texts(g) for g in fused] == [["w·x+b"]] * 3  # no " 0.5 + -1" folded in
    inputs = [texts(g) for g in found.values() if "value constant" in (g.get("class") or "")]
    assert sorted(inputs) == [["-1"], ["0.5"]]  # the network's inputs, drawn once each
    svg = draw(loss, parameters=model, collapse="neurons").svg()
    boxes = [g for g in elements(svg).values() if "module" in (g.get("class") or "").split()]
    # b, w0, w1, the weighted sum and tanh; the output neuron is linear: no tanh
    assert sorted(texts(g)[1] for g in boxes) == [
        "4 nodes, 3 parameters", "5 nodes, 3 parameters", "5 nodes, 3 parameters"]


# --- saving ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix, start", [(".svg", b"<?xml"), (".png", b"\x89PNG"),
                                           (".pdf", b"%PDF"), (".dot", b"digraph"),
                                           (".gv", b"digraph")])
def test_save_writes_each_format(dot, tmp_path, suffix, start):
    drawing = draw(neuron())
    path = drawing.save(tmp_path / f"neuron{suffix}")
    assert path.read_bytes().startswith(start)
    assert [p.name for p in tmp_path.iterdir()] == [f"neuron{suffix}"]  # no temporary left


def test_save_with_an_explicit_format(dot, tmp_path):
    path = draw(neuron()).save(tmp_path / "picture", format="png")
    assert path.read_bytes().startswith(b"\x89PNG")


def test_save_refuses_an_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"suffix '\.jpeg': use \.svg, \.png, \.pdf or \.dot"):
        draw(Value(1.0)).save(tmp_path / "graph.jpeg")


def test_save_through_a_symbolic_link_writes_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "pictures").mkdir()
    target, link = tmp_path / "pictures" / "graph.dot", tmp_path / "latest.dot"
    target.write_text("old")
    link.symlink_to(target)
    draw(Value(1.0, label="x")).save(link)
    assert link.is_symlink() and target.read_text().startswith("digraph")
    assert [p.name for p in (tmp_path / "pictures").iterdir()] == ["graph.dot"]


def test_save_takes_a_bytes_path_as_open_does(tmp_path):
    path = draw(Value(1.0, label="x")).save(os.fsencode(tmp_path / "graph.dot"))
    assert path == tmp_path / "graph.dot" and path.read_text().startswith("digraph")


def test_save_into_a_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        draw(Value(1.0)).save(tmp_path / "no" / "graph.dot")


# --- Jupyter -----------------------------------------------------------------------------------


def test_jupyter_gets_svg_and_an_img_that_survives_sanitising(dot):
    drawing = draw(neuron())
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/html", "text/plain"}
    html = bundle["text/html"]
    prefix = '<img src="data:image/svg+xml;base64,'
    assert html.startswith(prefix)
    encoded = html[len(prefix):html.index('"', len(prefix))]
    assert base64.b64decode(encoded).decode("utf-8") == bundle["image/svg+xml"]
    assert "<svg" in bundle["image/svg+xml"] and "<svg" not in bundle["text/plain"]


def test_a_value_repr_stays_short_text():
    assert repr(Value(2.0, label="x")) == "Value(data=2.0, grad=0.0, label='x')"
    assert not hasattr(Value(1.0), "_repr_mimebundle_")


# --- without Graphviz --------------------------------------------------------------------------


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH on which there is no `dot` program."""
    monkeypatch.setenv("PATH", str(tmp_path))


def test_missing_dot_says_how_to_install_it(no_dot):
    drawing = draw(neuron())
    with pytest.raises(DotNotFoundError) as error:
        drawing.svg()
    message = str(error.value)
    for hint in ("sudo apt-get install graphviz", "brew install graphviz",
                 "conda install -c conda-forge graphviz", "drawing.source"):
        assert hint in message
    assert error.value.source == drawing.source


def test_without_dot_the_dot_text_still_saves(no_dot, tmp_path):
    path = draw(neuron()).save(tmp_path / "neuron.dot")
    assert path.read_text().startswith('digraph "chainrule" {')


def test_without_dot_jupyter_shows_the_message(no_dot):
    bundle = draw(neuron())._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "apt-get install graphviz" in bundle["text/plain"]


def test_a_drawing_needs_dot_text():
    with pytest.raises(TypeError, match="DOT text"):
        Drawing(Value(1.0))


def test_the_demo_draws_the_readme_pictures(dot, tmp_path):
    pytest.importorskip("nn")
    demo = Path(__file__).resolve().parent.parent / "demos" / "draw_graphs.py"
    result = subprocess.run([sys.executable, str(demo), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mlp.png", "mlp.svg", "neuron.png", "neuron.svg"]
    neuron_svg = elements((tmp_path / "neuron.svg").read_text())
    assert texts(neuron_svg["n9"])[:3] == ["o", "data", "0.7071"]
    assert "node value parameter grad-pos" in {g.get("class") for g in neuron_svg.values()}
    mlp_svg = elements((tmp_path / "mlp.svg").read_text())
    assert sum("module" in (g.get("class") or "") for g in mlp_svg.values()) == 4 + 4 + 1
    assert (tmp_path / "mlp.png").read_bytes().startswith(b"\x89PNG")

"""The stepper's model, specified: snapshots, forward and backward steps, narration, explain.

Every surface (terminal, page, notebook) draws these steps, so the numbers are checked here
once: after the last backward step each gradient equals what backward() computes, and the
user's Values are never changed.
"""

import math

import pytest

import autograd
from autograd import PRIMITIVES, Value, detect_anomaly, name_scope, total
from autograd.stepper import explain, grade, snapshot, walkthrough
from autograd.stepper.model import local_formula
from autograd.stepper.symbols import Sym, fmt, lead, operation
from tests.conftest import karpathy


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    return (x1 * w1 + x2 * w2 + b).tanh(), [x1, x2, w1, w2, b]


def neuron_sum():
    """L = 2 * (b + w0*x0 + w1*x1), the sum one node with three inputs, as nn.Neuron makes it."""
    b = Value(0.5, label="b")
    w0, x0 = Value(2.0, label="w0"), Value(-1.0, label="x0")
    w1, x1 = Value(-3.0, label="w1"), Value(0.25, label="x1")
    z = total([b, w0 * x0, w1 * x1])  # t1 = w0 * x0 = -2.0, t2 = w1 * x1 = -0.75
    z.label = "z"
    L = z * 2.0
    L.label = "L"
    return L, dict(b=b, w0=w0, x0=x0, w1=w1, x1=x1, z=z)


def fused_neuron():
    """L = 2 * z with z = b + w0*x0 + w1*x1 as one weighted_sum node, as nn.Neuron(fused=True)
    makes it: the numbers of neuron_sum() above, without the product nodes t1 and t2."""
    b = Value(0.5, label="b")
    w0, x0 = Value(2.0, label="w0"), Value(-1.0, label="x0")
    w1, x1 = Value(-3.0, label="w1"), Value(0.25, label="x1")
    z = autograd.weighted_sum([w0, w1], [x0, x1], b)  # inputs b, w0, x0, w1, x1
    z.label = "z"
    L = z * 2.0
    L.label = "L"
    return L, dict(b=b, w0=w0, x0=x0, w1=w1, x1=x1, z=z)


def every_node(out):
    from autograd import topological_order

    return topological_order(out)


def expected_grads(out):
    """What backward() computes for every node, from a fresh copy of the user's numbers."""
    nodes = every_node(out)
    saved = [(n.data, n.grad) for n in nodes]
    for n in nodes:
        n.grad = 0.0
    out.backward()
    grads = [n.grad for n in nodes]
    for n, (data, grad) in zip(nodes, saved):
        n.data, n.grad = data, grad
    return grads


# --- forward steps ---------------------------------------------------------------------------


def test_forward_steps_compute_one_operation_each_in_topological_order():
    L, _ = karpathy()
    walk = walkthrough(L)
    forward = [s for s in walk if s.kind == "forward"]
    assert [walk.graph.nodes[s.node].name for s in forward] == ["e", "d", "L"]
    assert [s.values for s in forward] == [((s.node, x),) for s, x in zip(forward, [-6, 4, -8])]


def test_forward_narration_plugs_the_numbers_in():
    L, _ = karpathy()
    walk = walkthrough(L)
    assert walk[1].lines[0] == "e = a * b = 2.0 * (-3.0) = -6.0"
    assert walk[2].lines[0] == "d = e + c = -6.0 + 10.0 = 4.0"


def test_a_sum_node_is_written_as_its_terms_joined_by_plus():
    L, _ = neuron_sum()
    walk = walkthrough(L)
    step = walk[walk.find("z", kind="forward")]
    assert step.title == "z = b + t1 + t2"  # not +(b, t1, t2)
    assert step.lines[0] == "z = b + t1 + t2 = 0.5 + (-2.0) + (-0.75) = -2.25"
    assert step.rule == PRIMITIVES["sum"].rule


def test_a_weighted_sum_node_is_written_as_the_bias_plus_one_product_per_weight():
    L, _ = fused_neuron()
    walk = walkthrough(L)
    step = walk[walk.find("z", kind="forward")]
    assert step.title == "z = b + w0 * x0 + w1 * x1"  # not w·x+b(b, w0, x0, w1, x1)
    # 0.5 + 2.0 * -1.0 + -3.0 * 0.25 = 0.5 - 2.0 - 0.75 = -2.25, negative numbers in ( )
    assert step.lines[0] == "z = b + w0 * x0 + w1 * x1 = 0.5 + 2.0 * (-1.0) + (-3.0) * 0.25 = -2.25"
    assert step.rule == PRIMITIVES["weighted_sum"].rule


def test_values_appear_only_once_computed():
    L, _ = karpathy()
    walk = walkthrough(L)
    names = [n.name for n in walk.graph.nodes]
    start = walk.state(0)
    assert start.values[names.index("a")] == 2.0
    assert start.values[names.index("e")] is None
    assert walk.state(1).values[names.index("e")] == -6.0
    assert all(g is None for g in walk.state(walk.first("seed") - 1).grads)


# --- backward steps --------------------------------------------------------------------------


@pytest.mark.parametrize("primitives", [False, True], ids=["as written", "primitives"])
@pytest.mark.parametrize("build", ["karpathy", "neuron", "reuse", "composites", "diamond",
                                   "sum", "weighted_sum"])
def test_after_the_last_step_every_gradient_equals_backward(build, primitives):
    out = graph_named(build)
    walk = walkthrough(out, primitives=primitives)
    final = walk.state(len(walk) - 1).grads
    position = {id(value): i for i, value in enumerate(every_node(out))}
    backward = expected_grads(out)
    for node, grad in zip(walk.graph.nodes, final):
        expected = backward[position[id(walk.graph.values[node.id])]]
        if node.kind == "constant":
            assert grad is None  # constants are not stepped
        else:
            assert grad == pytest.approx(expected, rel=1e-12, abs=1e-15), node.name


def graph_named(name):
    if name == "karpathy":
        return karpathy()[0]
    if name == "neuron":
        return neuron()[0]
    x = Value(1.5, label="x")
    if name == "reuse":
        return x * x * x  # x feeds three edges
    if name == "sum":
        return total([x, x.exp(), x * x, x])  # x is two of the terms, and inside two more
    if name == "weighted_sum":  # x is the bias, a weight and an input; 2.0 a constant weight
        return autograd.weighted_sum([x, 2.0], [x.exp(), x * x], x).tanh()
    if name == "composites":
        y = Value(-0.5, label="y")
        return (x / y - y.exp() + (x - y) ** 2).sigmoid().log() + abs(y) + x.softplus()
    # diamond: x feeds a and b, which meet again in out
    a, b = x.sin(), x.cos()
    return a * b + a


def test_stepping_never_changes_the_users_values():
    out, leaves = neuron()
    leaves[0].grad = 0.25  # a gradient the user already has, e.g. from an earlier backward
    nodes = every_node(out)
    before = [(n.data, n.grad, n.label) for n in nodes]
    walk = walkthrough(out)
    walk.explain("w1")
    walk.tape()
    explain(out, leaves[2])
    assert [(n.data, n.grad, n.label) for n in nodes] == before


def test_backward_step_carries_upstream_local_rule_and_grad_before_and_after():
    L, v = karpathy()
    walk = walkthrough(L)
    step = walk[walk.find(v["a"])]
    out, inp, slot = step.edge
    assert (walk.graph.nodes[out].name, walk.graph.nodes[inp].name, slot) == ("e", "a", 0)
    # ∂L/∂a += ∂e/∂a * ∂L/∂e = b * ∂L/∂e = -3.0 * -2.0 = 6.0
    assert step.lines[0] == "∂L/∂a += ∂e/∂a * ∂L/∂e = b * (-2.0) = -3.0 * (-2.0) = 6.0"
    assert "d(a * b)/da = b" in step.rule
    assert (step.upstream, step.local_grad, step.grad_before, step.grad_after) == (
        -2.0, -3.0, None, 6.0)
    assert step.answer == 6.0
    assert walk.state(step.index - 1).grads[inp] is None
    assert walk.state(step.index).grads[inp] == 6.0


def test_narration_matches_the_issue_example():
    # c = a * b with b = -3 and ∂L/∂c = 2: ∂L/∂a += ∂c/∂a * ∂L/∂c = b * 2.0 = -3.0 * 2.0
    a, b = Value(4.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    L = c * 2.0
    L.label = "L"
    walk = walkthrough(L)
    assert walk[walk.find(a)].lines[0] == "∂L/∂a += ∂c/∂a * ∂L/∂c = b * 2.0 = -3.0 * 2.0 = -6.0"


def test_accumulation_is_spelled_out_when_a_node_feeds_several_others():
    # x feeds c = x * 1 and d = x * -3; L = c * 2 + d * 2:
    # x.grad = 1 * 2 (from c) + -3 * 2 (from d) = -4
    x = Value(5.0, label="x")
    c, d = x * 1.0, x * -3.0
    c.label, d.label = "c", "d"
    L = d * 2.0 + c * 2.0  # backward reaches c first: it comes last in topological order
    L.label = "L"
    walk = walkthrough(L)
    first = walk.find(x)
    second = walk.find(x, after=first)
    assert "x.grad = 2.0 (from c)  (1 of 2 contributions so far)" in walk[first].lines
    assert "x.grad = 2.0 (from c) + -6.0 (from d) = -4.0  (complete)" in walk[second].lines


def backward_steps_through(walk, name: str) -> list:
    """The backward steps along the edges out of the node called `name`, in walk order."""
    return [s for s in walk if s.kind == "backward" and walk.graph.nodes[s.edge[0]].name == name]


def test_a_sum_node_passes_the_gradient_to_each_term_with_a_local_derivative_of_1():
    L, _ = neuron_sum()
    walk = walkthrough(L)
    through = backward_steps_through(walk, "z")
    # one step per term, in the order of the terms, each ∂L/∂term = 1 * ∂L/∂z = 1 * 2.0
    assert [s.lines[0] for s in through] == [
        "∂L/∂b += ∂z/∂b * ∂L/∂z = 1 * 2.0 = 2.0",
        "∂L/∂t1 += ∂z/∂t1 * ∂L/∂z = 1 * 2.0 = 2.0",
        "∂L/∂t2 += ∂z/∂t2 * ∂L/∂z = 1 * 2.0 = 2.0",
    ]
    assert [s.edge[2] for s in through] == [0, 1, 2]
    assert all(s.local_grad == 1.0 for s in through)
    assert through[0].lines[1] == f"because z = b + t1 + t2, and {PRIMITIVES['sum'].rule}"


def test_a_weighted_sum_gives_each_weight_its_input_and_each_input_its_weight():
    L, v = fused_neuron()
    walk = walkthrough(L)
    through = backward_steps_through(walk, "z")
    # z = b + w0 * x0 + w1 * x1: ∂z/∂b = 1, ∂z/∂w0 = x0 = -1, ∂z/∂x0 = w0 = 2, ∂z/∂w1 = x1 =
    # 0.25, ∂z/∂x1 = w1 = -3; each times ∂L/∂z = 2.0, in the order of z's inputs
    assert [s.lines[0] for s in through] == [
        "∂L/∂b += ∂z/∂b * ∂L/∂z = 1 * 2.0 = 2.0",
        "∂L/∂w0 += ∂z/∂w0 * ∂L/∂z = x0 * 2.0 = -1.0 * 2.0 = -2.0",
        "∂L/∂x0 += ∂z/∂x0 * ∂L/∂z = w0 * 2.0 = 2.0 * 2.0 = 4.0",
        "∂L/∂w1 += ∂z/∂w1 * ∂L/∂z = x1 * 2.0 = 0.25 * 2.0 = 0.5",
        "∂L/∂x1 += ∂z/∂x1 * ∂L/∂z = w1 * 2.0 = -3.0 * 2.0 = -6.0",
    ]
    assert [s.edge[2] for s in through] == [0, 1, 2, 3, 4]
    assert [s.local_grad for s in through] == [1.0, -1.0, 2.0, 0.25, -3.0]
    rule = PRIMITIVES["weighted_sum"].rule
    assert through[1].lines[1] == f"because z = b + w0 * x0 + w1 * x1, and {rule}"
    L.backward()  # the same gradients as backward, and as the unfused neuron's
    assert walk.grads() == {name: value.grad for name, value in [("L", L), *v.items()]}
    assert walk.grads()["w1"] == walkthrough(neuron_sum()[0]).grads()["w1"] == 0.5


def test_a_fused_mlp_narrates_each_neuron_as_b_plus_w_times_x():
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [2, 1], activation="tanh", seed=0, fused=True)
    chosen = [[(0.1, [0.5, -0.25]), (-0.2, [1.5, 0.75])], [(0.3, [2.0, -0.5])]]
    for layer, numbers in zip(model.layers, chosen):  # numbers that do not depend on the seed
        for neuron, (bias, weights) in zip(layer.neurons, numbers):
            neuron.b.data = bias
            for w, number in zip(neuron.w, weights):
                w.data = number
    loss = nn.mse(model([2.0, -1.0]), 1.0)  # the inputs 2 and -1 become constants
    loss.label = "loss"
    walk = walkthrough(loss)
    fused = [n for n in walk.graph.nodes if n.op == "weighted_sum"]
    assert [n.scope for n in fused] == ["layers.0.neurons.0", "layers.0.neurons.1",
                                        "layers.1.neurons.0"]
    first = walk[walk.find(fused[0].id, kind="forward")]
    p = "L0.N0."  # the short names of layers.0.neurons.0's parameters
    # 0.1 + 0.5 * 2 + -0.25 * -1 = 0.1 + 1.0 + 0.25 = 1.35
    assert first.lines[0] == (f"{fused[0].name} = {p}b + {p}w0 * 2 + {p}w1 * (-1) = "
                              f"0.1 + 0.5 * 2 + (-0.25) * (-1) = 1.35")
    # the second layer's neuron reads the first layer's tanh outputs, by name
    h0, h1 = (walk.graph.nodes[n.id + 1] for n in fused[:2])  # tanh right after each sum
    q = "L1.N0."
    assert walk[walk.find(fused[2].id, kind="forward")].title == (
        f"{fused[2].name} = {q}b + {q}w0 * {h0.name} + {q}w1 * {h1.name}")
    # backward: a weight's local derivative is its input, an input's is its weight
    z = fused[2].name
    w0 = walk[walk.find(f"{q}w0", kind="backward")]
    assert w0.local_grad == h0.data
    assert w0.lines[0].startswith(f"∂loss/∂{q}w0 += ∂{z}/∂{q}w0 * ∂loss/∂{z} = {h0.name} * ")
    into_h0 = walk[walk.find(h0.id, kind="backward")]
    assert into_h0.local_grad == 2.0  # L1.N0.w0
    assert into_h0.lines[0].startswith(f"∂loss/∂{h0.name} += ∂{z}/∂{h0.name} * ∂loss/∂{z} = "
                                       f"{q}w0 * ")
    w1 = walk[walk.find(f"{p}w1", kind="backward")]  # its input is the constant -1
    assert w1.local_grad == -1.0
    # the upstream gradient is positive: out = 0.3 + 2 * tanh(1.35) - 0.5 * tanh(2.05) > 1
    assert w1.lines[0] == (f"∂loss/∂{p}w1 += ∂{fused[0].name}/∂{p}w1 * ∂loss/∂{fused[0].name} = "
                           f"-1 * {fmt(w1.upstream)} = {fmt(-w1.upstream)}")
    loss.backward()
    for value in model.parameters():
        assert walk.grads()[walk.graph.find(value).name] == value.grad


def test_a_term_that_appears_twice_in_a_sum_gets_a_gradient_from_each():
    a = Value(2.0, label="a")
    out = total([a, a, a * 3.0])  # ∂out/∂a = 1 + 1 + 3
    walk = walkthrough(out)
    steps = [s for s in walk if s.kind == "backward" and s.node == walk.graph.find(a).id]
    assert [s.edge[2] for s in steps] == [0, 1, 0]  # as term 1, as term 2, then inside a * 3
    assert "a.grad = 1.0 (from out) + 1.0 (from out, again) = 2.0  (2 of 3 contributions " \
           "so far)" in steps[1].lines
    assert walk.grads()["a"] == 5.0


def test_one_backward_step_per_edge_in_the_order_backward_applies_them():
    from autograd import chain_rule_edges

    out = graph_named("composites")
    walk = walkthrough(out, primitives=True)  # every primitive a node, as backward walks them
    order = every_node(out)
    position = {id(v): i for i, v in enumerate(order)}
    expected = [(position[id(o)], position[id(i)]) for o, i, _ in chain_rule_edges(order)
                if not i.constant]
    assert [s.edge[:2] for s in walk if s.kind == "backward"] == expected


def test_the_seed_step_sets_the_outputs_own_gradient_to_one():
    L, _ = karpathy()
    walk = walkthrough(L)
    seed = walk[walk.first("seed")]
    assert seed.grads == ((len(walk.graph.nodes) - 1, 1.0),)
    assert seed.title == "∂L/∂L = 1"


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_rule_in_the_op_table_can_be_written_down(name):
    x, y = Value(0.7, label="x"), Value(1.3, label="y")
    out = {
        "add": lambda: x + y, "mul": lambda: x * y, "pow": lambda: x**3, "vpow": lambda: x**y,
        "sum": lambda: total([x, y, x * y]), "leaky_relu": lambda: x.leaky_relu(0.1),
        "abs": lambda: abs(x), "weighted_sum": lambda: autograd.weighted_sum([x, y], [y, 2.0], x),
    }.get(name, lambda: getattr(x, name)())()
    graph = snapshot(out)
    for slot in range(len(graph.root.inputs)):
        formula = local_formula(graph, graph.root, slot)
        assert formula is not None, f"{name} input {slot}"
        assert formula.value == pytest.approx(graph.root.local_grads[slot])


def test_a_weighted_sums_rule_on_symbols_reads_as_the_other_factor():
    L, _ = fused_neuron()
    graph = snapshot(L)
    z = graph.find("z")
    formulas = [local_formula(graph, z, slot) for slot in range(len(z.inputs))]
    # d(b + w0 * x0 + w1 * x1)/d(b, w0, x0, w1, x1) = 1, x0, w0, x1, w1
    assert [f.names for f in formulas] == ["1", "x0", "w0", "x1", "w1"]
    assert [f.numbers for f in formulas] == ["1", "-1.0", "2.0", "0.25", "-3.0"]


def test_local_formulas_read_like_the_rule():
    x = Value(0.5, label="x")
    out = x.tanh()
    out.label = "o"
    graph = snapshot(out)
    formula = local_formula(graph, graph.root, 0)
    assert formula.names == "1 - o * o"
    assert formula.numbers == f"1 - {fmt(out.data)} * {fmt(out.data)}"
    assert local_formula(snapshot(x**2), snapshot(x**2).root, 0).names == "2 * x"


# --- names -----------------------------------------------------------------------------------


def test_unlabelled_nodes_get_short_names_and_the_output_is_out():
    x = Value(2.0)
    out = (x * 3.0).tanh()
    assert [n.name for n in snapshot(out).nodes] == ["v1", "3", "t1", "out"]


def test_shared_labels_are_told_apart_by_scope():
    with name_scope("layers.0"):
        w0 = Value(1.0, label="w")
    with name_scope("layers.1"):
        w1 = Value(2.0, label="w")
    nodes = snapshot(w0 * w1).nodes
    # each scope step that is a name and a number shortens to a letter and the number
    assert [n.name for n in nodes[:2]] == ["L0.w", "L1.w"]
    assert [n.full_name for n in nodes[:2]] == ["layers.0.w", "layers.1.w"]


def test_generated_names_never_collide_with_labels():
    t1 = Value(1.0, label="t1")
    out = (t1 * 2.0 + 1.0) * Value(3.0, label="out")
    names = [n.name for n in snapshot(out).nodes]
    assert len(set(names)) == len(names)


# --- explain ---------------------------------------------------------------------------------


def test_path_sum_equals_the_gradient_on_a_diamond():
    x = Value(0.3, label="x")
    a, b = x.sin(), x.cos()  # two paths from x meet again in out
    out = a * b
    result = explain(out, x)
    assert result.path_count == 2
    # d(sin x cos x)/dx = cos^2 x - sin^2 x
    assert result.path_sum == pytest.approx(math.cos(0.3) ** 2 - math.sin(0.3) ** 2)
    assert result.path_sum == pytest.approx(result.grad) and result.agrees


def test_reused_node_has_one_path_per_edge():
    x = Value(3.0, label="x")
    out = x * x  # d(x*x)/dx = x + x = 6: two edges, two paths
    result = explain(out, x)
    assert [p.product for p in result.paths] == [3.0, 3.0]
    assert result.grad == 6.0 and result.numeric == pytest.approx(6.0)
    assert "as input 2" in str(result)


def test_paths_through_a_sum_node_go_through_one_term_each():
    x = Value(1.5, label="x")
    out = total([x, x.exp(), x])  # d/dx = 1 + e ** x + 1: x is a term twice, and inside one
    result = explain(out, x)
    assert result.path_count == 3
    assert sorted(p.product for p in result.paths) == pytest.approx([1.0, 1.0, math.exp(1.5)])
    assert result.path_sum == pytest.approx(2 + math.exp(1.5)) and result.agrees
    text = str(result)
    assert "x -> out (as input 1)" in text and "x -> out (as input 3)" in text


def test_explaining_a_weight_walks_through_the_neurons_sum():
    L, _ = neuron_sum()
    result = walkthrough(L).explain("w1")
    assert [str(p) for p in result.paths] == [
        "w1 -> t2 -> z -> L: ∂t2/∂w1 * ∂z/∂t2 * ∂L/∂z = 0.25 * 1.0 * 2.0 = 0.5"]
    assert result.grad == 0.5 and result.agrees


def test_explanation_text_shows_paths_sum_and_the_nudge():
    L, v = karpathy()
    text = str(explain(L, v["a"]))
    assert "a -> e -> d -> L: ∂e/∂a * ∂d/∂e * ∂L/∂d = -3.0 * 1.0 * (-2.0) = 6.0" in text
    assert "sum over 1 path = 6.0; backward computes ∂L/∂a = 6.0" in text
    assert "nudge a by -0.0001 and +0.0001" in text and text.endswith("agrees")


def test_too_many_paths_are_counted_not_listed():
    x = Value(1.0001, label="x")
    out = x
    for _ in range(8):
        out = out * out  # each squaring doubles the paths: 2**8 = 256
    result = explain(out, x)
    assert result.path_count == 256 and result.paths == ()
    assert result.agrees


def test_explain_rejects_a_node_that_is_not_in_the_graph():
    L, _ = karpathy()
    with pytest.raises(ValueError, match="'zz'"):
        explain(L, "zz")
    with pytest.raises(ValueError, match="not part of this graph"):
        explain(L, Value(1.0))


# --- tape, breakpoints, sites ----------------------------------------------------------------


def test_tape_numbers_forward_then_backward_statements():
    L, _ = karpathy()
    assert walkthrough(L).tape().splitlines() == [
        "forward:",
        "   1  e = a * b = 2.0 * (-3.0) = -6.0",
        "   2  d = e + c = -6.0 + 10.0 = 4.0",
        "   3  L = d * f = 4.0 * (-2.0) = -8.0",
        "backward:",
        "   4  ∂L/∂L = 1",
        "   5  ∂L/∂d += f * ∂L/∂L = -2.0 * 1.0 = -2.0",
        "   6  ∂L/∂f += d * ∂L/∂L = 4.0 * 1.0 = 4.0",
        "   7  ∂L/∂e += ∂d/∂e * ∂L/∂d = 1 * (-2.0) = -2.0",
        "   8  ∂L/∂c += ∂d/∂c * ∂L/∂d = 1 * (-2.0) = -2.0",
        "   9  ∂L/∂a += ∂e/∂a * ∂L/∂e = b * (-2.0) = -3.0 * (-2.0) = 6.0",
        "  10  ∂L/∂b += ∂e/∂b * ∂L/∂e = a * (-2.0) = 2.0 * (-2.0) = -4.0",
    ]


def test_breakpoints_find_a_node_by_label_value_or_kind():
    L, v = karpathy()
    walk = walkthrough(L)
    assert walk.find("e") == 1  # forward: the step computing e
    assert walk.find("e", kind="backward") == 7
    assert walk.find(v["e"], after=1) == 7
    assert walk.find("a", after=9) is None


def test_breakpoint_at_the_first_non_finite_value():
    x = Value(-1.0, label="x")
    out = x.log() * 2.0  # log(-1) is nan
    walk = walkthrough(out)
    assert walk.first_nonfinite() == 1
    assert walkthrough(karpathy()[0]).first_nonfinite() is None


def test_creation_sites_are_shown_when_known():
    x = Value(2.0, label="x")
    with detect_anomaly():
        out = x.exp()  # this line
    walk = walkthrough(out)
    assert any("test_step_model.py:" in line for line in walk[1].lines)


def test_too_large_a_graph_says_what_to_do():
    out = Value(0.0)
    for _ in range(600):
        out = out + 1.0
    with pytest.raises(ValueError, match=r"1201 nodes, more than the 500.*max_nodes"):
        walkthrough(out)


def test_a_long_chain_steps_without_recursion():
    out = Value(0.5, label="x")
    for _ in range(5000):
        out = out * 1.0001
    walk = walkthrough(out, max_nodes=20_000)
    assert walk.grads()["x"] == pytest.approx(1.0001**5000)


def test_same_graph_same_steps():
    assert walkthrough(neuron()[0]).steps == walkthrough(neuron()[0]).steps


def test_a_graph_of_constants_only_is_not_called_a_leaf():
    two = (Value(1.0) * 2).inputs[1]  # a constant Value that * made
    walk = walkthrough(two * 3)  # an operation, but on constants only
    assert walk[-1].lines == ("out is computed from constants only: it has no inputs of yours "
                              "to take gradients with respect to.",)


def test_walkthrough_needs_a_value():
    with pytest.raises(TypeError, match="needs a Value, got float"):
        walkthrough(1.5)


# --- practice --------------------------------------------------------------------------------


def test_practice_accepts_answers_within_tolerance():
    out, _ = neuron()
    walk = walkthrough(out)
    step = walk[walk.find("w1", kind="backward")]  # ∂out/∂w1 = x1 * (1 - out**2) = 2 * 0.5
    assert grade(step, "1.0") == (True, "right: 1.0")
    assert grade(step, " 0.999 ")[0]


def test_practice_names_the_rule_when_wrong():
    L, _ = karpathy()
    walk = walkthrough(L)
    ok, message = grade(walk[9], "-6")
    assert not ok
    assert message.startswith("not quite: it is 6.0.")
    assert "d(a * b)/da = b" in message and "∂e/∂a * ∂L/∂e = b * (-2.0) = -3.0 * (-2.0)" in message


def test_practice_grades_an_infinite_gradient_by_its_sign():
    x = Value(0.0, label="x")
    walk = walkthrough(x.log())  # d log(x)/dx = 1 / x = inf at 0
    step = walk[walk.find("x", kind="backward")]
    assert step.answer == math.inf
    assert grade(step, "inf")[0] and grade(step, "Infinity")[0]
    assert not grade(step, "-inf")[0]  # |-inf - inf| <= 0.001 + 1% of inf would pass it
    assert not grade(step, "1e308")[0]


def test_practice_says_when_the_answer_is_not_a_number():
    L, _ = karpathy()
    assert grade(walkthrough(L)[9], "six") == (
        False, '"six" is not a number: type one, such as -1.5 or 0.25')


# --- writing formulas ------------------------------------------------------------------------


def test_a_rule_at_a_pole_is_still_written_out():
    x = Value(0.0, label="x")
    walk = walkthrough(x.log())  # d log(x)/dx = x ** -1 = inf at 0, as the engine records it
    step = walk[walk.find("x", kind="backward")]
    assert step.lines[0] == "∂out/∂x += x ** (-1) * ∂out/∂out = 0.0 ** (-1) * 1.0 = inf"


def test_negative_numbers_get_parentheses_except_at_the_start():
    a, b = Sym.named("a", -3.0), Sym.named("b", -2.0)
    product = a * b
    assert product.names == "a * b"
    assert lead(product.numbers) == "-3.0 * (-2.0)"
    assert (1 - b).numbers == "1 - (-2.0)"
    assert lead((a ** 2).numbers) == "(-3.0) ** 2"


def test_parentheses_follow_precedence():
    a, b, c = Sym.named("a", 1.0), Sym.named("b", 2.0), Sym.named("c", 3.0)
    assert (a - (b + c)).names == "a - (b + c)"
    assert ((a + b) * c).names == "(a + b) * c"
    assert (a * b ** (c - 1)).names == "a * b ** (c - 1)"
    assert (-(a ** 2)).names == "-a ** 2"


def test_a_sum_of_many_terms_gets_parentheses_only_where_two_terms_would():
    b, x, y = Sym.named("b", 0.5), Sym.named("x", -2.0), Sym.named("y", 3.0)
    z = operation("+", [b, x * y, x, y ** 2], 0.5 + -6.0 + -2.0 + 9.0)
    assert z.names == "b + x * y + x + y ** 2"  # * and ** bind tighter than +
    assert z.numbers == "0.5 + (-2.0) * 3.0 + (-2.0) + 3.0 ** 2"  # negative numbers in ( )
    assert z.value == 1.5
    # a negative first term loses its parentheses at the start of a line, as in a + b
    assert lead(operation("+", [x, b, y], 1.5).numbers) == "-2.0 + 0.5 + 3.0"
    # two operands read as the binary ops always did; other ops are calls
    assert operation("*", [x, y], -6.0).names == "x * y"
    assert operation("tanh", [b], 0.4621).names == "tanh(b)"


def test_a_weighted_sum_is_written_as_a_sum_of_products():
    symbol = PRIMITIVES["weighted_sum"].symbol
    b, w, x = Sym.named("b", -0.5), Sym.named("w", 2.0), Sym.named("x", -1.0)
    z = operation(symbol, [b, w, x, x, w], -0.5 + 2.0 * -1.0 + -1.0 * 2.0)  # b, w0, x0, w1, x1
    assert z.names == "b + w * x + x * w"
    assert lead(z.numbers) == "-0.5 + 2.0 * (-1.0) + (-1.0) * 2.0"  # the bias leads the line
    assert z.value == -4.5
    # one weight: bias plus one product; an input that is itself a sum keeps its parentheses
    assert operation(symbol, [b, w, x + b], 0.0).names == "b + w * (x + b)"
    assert lead(operation(symbol, [b, w, Sym.number(3.0)], 5.5).numbers) == "-0.5 + 2.0 * 3"


def test_the_stepper_uses_only_autograd():
    # The stepper is a surface of the engine: it may not depend on nn (training walkthroughs
    # take any optimizer with params, step() and zero_grad()).
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "autograd" / "stepper"
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "nn" for a in node.names), path.name
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert (node.module or "").split(".")[0] != "nn", path.name

"""Levels: a network's walkthrough as a tree of steps, specified on the model every surface draws.

The example is the one learners train: MLP(2, [16, 16, 1]) on four two-moons points with the
max-margin loss (and, optionally, an L2 penalty). Its top level lists each call of each layer
and the loss; a layer opens into its neurons, a neuron into its operations, and every step
is exactly the steps of the level below it, so the numbers are backward()'s at every level.
"""

import pytest

import nn
from autograd import Value, name_scope
from autograd.stepper import walkthrough
from tests.conftest import karpathy


def moons_loss(l2=False, fused=False, points=4):
    """The max-margin loss of MLP(2, [16, 16, 1]) on `points` two-moons points."""
    X, y = nn.make_moons(points, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0, fused=fused)
    loss = nn.hinge([model(list(row)) for row in X], [2 * int(t) - 1 for t in y])
    if l2:
        loss = loss + nn.l2_penalty(model.parameters(), 1e-4)
    loss.label = "loss"
    return model, loss


@pytest.fixture(scope="module")
def moons():
    model, loss = moons_loss()
    return model, loss, walkthrough(loss)


def every_level_step(walk):
    for level in walk.levels:
        yield from ((level, step) for step in level)


def test_the_moons_network_opens_at_a_top_level_of_at_most_40_steps():
    # start, 12 layer calls (3 layers x 4 points) and the loss forward; the seed, the loss and
    # 12 layer calls backward; done: 29 steps
    _, loss = moons_loss()
    walk = walkthrough(loss)
    assert walk.leveled and len(walk.top) == 29
    titles = [step.title for step in walk.top]
    assert titles[1] == "layers.0 (call 1 of 4) computes 16 values"
    assert titles[3].startswith("layers.2 (call 1 of 4) computes t")
    assert titles[13].startswith("loss = ")
    assert titles[15].startswith("loss sends gradients back")
    assert titles[16] == ("layers.2 (call 4 of 4) sends gradients back to 16 inputs and "
                          "17 parameters")


def test_an_l2_penalty_is_one_step_each_way_at_the_top_that_opens_into_its_squares():
    # nn.l2_penalty works in name_scope("l2_penalty"): 31 steps, not its 339 among the loss's
    _, loss = moons_loss(l2=True)
    walk = walkthrough(loss)
    titles = [step.title for step in walk.top]
    assert len(titles) == 31
    assert titles[13].startswith("l2_penalty computes t") and titles[14].startswith("loss = ")
    assert titles[17] == "l2_penalty sends gradients back to 337 parameters"
    squares = walk.open(walk.top, 13)
    assert len(squares) == 339  # a square per parameter, their sum, times alpha
    assert squares[0].title == "t1491 = L0.N0.w0 * L0.N0.w0"


def test_every_step_is_the_steps_of_the_level_below_it(moons):
    _, _, walk = moons
    for level, step in every_level_step(walk):
        if step.opens is None:
            assert step.size == 1  # one operation's step: the ordinary step itself
            assert step.title == walk[step.first].title
            continue
        below = walk.open(level, step.index)
        assert below.parent == level.id and below.at == step.index
        assert below[0].first == step.first and below[-1].last == step.last
        for before, after in zip(below.steps, below.steps[1:]):
            assert after.first == before.last + 1  # no step left out, none counted twice


def test_the_top_level_covers_every_step_once(moons):
    _, _, walk = moons
    assert walk.top[0].first == 0 and walk.top[-1].last == len(walk) - 1
    assert sum(step.size for step in walk.top) == len(walk)


def test_a_layer_opens_into_its_neurons_and_a_neuron_into_its_operations(moons):
    _, _, walk = moons
    layer = walk.open(walk.top, 2)  # layers.1, the first example's call
    assert layer.name == "layers.1 (call 1 of 4), forward" and len(layer) == 16
    assert [step.title.split(" ")[0] for step in layer] == [f"neurons.{j}" for j in range(16)]
    neuron = walk.open(layer, 3)
    # 16 products, their sum with the bias, relu: one ordinary step each
    assert len(neuron) == 18 and all(step.opens is None for step in neuron)
    assert neuron[-1].title.startswith("t") and "relu(" in neuron[-1].title
    assert [level.name for level in walk.path(neuron)] == [
        "top", "layers.1 (call 1 of 4), forward", "neurons.3, forward"]


def test_a_layer_of_one_neuron_opens_straight_into_its_operations(moons):
    _, _, walk = moons
    output_layer = walk.open(walk.top, 3)
    assert output_layer.name == "layers.2 (call 1 of 4), forward"
    assert len(output_layer) == 17 and all(step.opens is None for step in output_layer)


def test_after_the_top_levels_backward_steps_every_gradient_is_backwards(moons):
    model, loss, walk = moons
    loss.backward()
    try:
        grads = walk.state(walk.top[-2].last).grads  # the last backward step of the top level
        for p in model.parameters():
            assert grads[walk.graph.find(p).id] == pytest.approx(p.grad, rel=1e-12, abs=1e-15)
    finally:
        model.zero_grad()


def test_a_layers_backward_step_lists_what_each_parameter_received(moons):
    _, _, walk = moons
    step = walk.top[26]  # layers.1 of the first example, the last call backpropagated
    assert step.title == ("layers.1 (call 1 of 4) sends gradients back to 16 inputs and "
                          "272 parameters")
    bias = walk.graph.find("L1.N0.b").id
    before, after = walk.state(step.first - 1).grads[bias], walk.state(step.last).grads[bias]
    from autograd.stepper.symbols import fmt

    assert f"L1.N0.b.grad += {fmt(after - before)} (now {fmt(after)})" in step.lines[1]


def test_a_neurons_backward_step_uses_the_local_derivatives_collapsing_finds(moons):
    # A neuron is one node of the graph collapsed to neurons, whose local derivatives are
    # found by backpropagating inside it: the neuron's backward step multiplies the same ones.
    _, loss, walk = moons
    collapsed = walkthrough(loss, collapse="neurons")
    module = collapsed.graph.find("L0.N0[0]")  # neuron 0 of the first example
    backward = walk.open(walk.top, 27)  # layers.0 of the first example, backward
    step = next(s for s in backward if s.title.startswith("neurons.0 "))
    upstream = collapsed.state(len(collapsed) - 1).grads[module.id]
    from autograd.naming import derivative
    from autograd.stepper.symbols import number_factor

    for inp, local in zip(module.inputs, module.local_grads):
        name = collapsed.graph.nodes[inp].name
        assert (f"{derivative('loss', name)} += {number_factor(local)} * "
                f"{number_factor(upstream)} = ") in step.lines[1]


def test_calls_of_a_module_are_told_apart_by_what_they_read():
    model = nn.MLP(2, [3, 1], seed=0)
    x, y = [Value(0.5), Value(-1.0)], [Value(2.0), Value(1.0)]
    loss = model(x) * model(y)
    loss.label = "loss"
    walk = walkthrough(loss, levels=True)
    assert [step.title.split(" computes")[0] for step in walk.top[1:5]] == [
        "layers.0 (call 1 of 2)", "layers.1 (call 1 of 2)", "layers.0 (call 2 of 2)",
        "layers.1 (call 2 of 2)"]
    assert walk.top[5].title == "loss = t16 * t32"  # one multiplication, outside every module
    assert walk.top[5].opens is None


def test_modules_whose_calls_read_each_other_are_opened_into_their_parts():
    # Two calls of scope "a" read the same x, so they look like one call, yet the second reads
    # what the first made, through an operation outside "a": a cycle between parts, which the
    # tree resolves by opening "a" into its operations.
    x = Value(2.0, label="x")
    with name_scope("a"):
        u = x * 3.0
    v = u + 1.0
    with name_scope("a"):
        w = v * x
    loss = w * w + u
    loss.label = "loss"
    walk = walkthrough(loss, levels=True)
    ids = [node.id for node in walk.graph.nodes]
    assert ids == list(range(len(ids))) and walk.graph.root.name == "loss"
    for node in walk.graph.nodes:
        assert all(i < node.id for i in node.inputs)
    loss.backward()
    assert walk.grads()["x"] == pytest.approx(x.grad)


def test_an_expression_without_modules_has_one_level_of_its_own_steps():
    L = karpathy()[0]
    walk = walkthrough(L)
    assert not walk.leveled and len(walk.levels) == 1
    assert [(s.first, s.last, s.title) for s in walk.top] == [
        (s.index, s.index, s.title) for s in walk]


def test_a_small_network_steps_operation_by_operation_unless_asked():
    model = nn.MLP(2, [2, 1], seed=0)
    loss = nn.mse(model([1.0, -2.0]), 0.5)
    assert not walkthrough(loss).leveled
    walk = walkthrough(loss, levels=True)
    assert walk.leveled and len(walk) == len(walkthrough(loss))
    assert not walkthrough(moons_loss()[1], levels=False, max_nodes=10_000).leveled


def test_levels_need_modules():
    with pytest.raises(ValueError, match="no operation of this graph was computed in a module"):
        walkthrough(karpathy()[0], levels=True)


def test_levels_is_true_false_or_none():
    with pytest.raises(TypeError, match="levels must be True, False or None"):
        walkthrough(karpathy()[0], levels="yes")


def test_levels_and_collapse_are_two_ways_to_choose_from():
    with pytest.raises(ValueError, match="choose one"):
        walkthrough(moons_loss()[1], levels=True, collapse="neurons")


def test_opening_a_single_operations_step_says_there_is_nothing_below(moons):
    _, _, walk = moons
    with pytest.raises(ValueError, match="one operation's step: there is no level below it"):
        walk.open(walk.top, 0)  # the start step
    with pytest.raises(IndexError, match="step 29 is not between 0 and 28"):
        walk.open(walk.top, 29)


def test_a_network_too_large_for_levels_says_what_to_step_instead():
    _, loss = moons_loss(points=40)  # about 18,000 nodes with the products
    from autograd.stepper import levels

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(levels, "MAX_LEVELED", 5000)
        patch.setattr("autograd.stepper.model.MAX_LEVELED", 5000)
        with pytest.raises(ValueError, match="more than the 5000 a walkthrough in levels"):
            walkthrough(loss)


# --- following one node ----------------------------------------------------------------------


def test_following_a_node_keeps_only_the_steps_on_its_paths():
    L = karpathy()[0]  # a b e c d f L: a reaches L through e and d
    walk = walkthrough(L, focus="a")
    assert [step.title for step in walk] == [
        "Follow a: the steps on its paths to L", "e = a * b", "d = e + c", "L = d * f",
        "∂L/∂L = 1", "∂L/∂d += f * ∂L/∂L", "∂L/∂e += ∂d/∂e * ∂L/∂d", "∂L/∂a += ∂e/∂a * ∂L/∂e",
        "Done: ∂L/∂a = 6.0, the sum over its 1 path"]
    assert walk[-1].lines[1] == ("  a -> e -> d -> L: ∂e/∂a * ∂d/∂e * ∂L/∂d = -3.0 * 1.0 * "
                                 "(-2.0) = 6.0")
    assert walk[0].values[0] == (0, 2.0) and walk.focus == 0  # a, given
    assert set(walk.grads()) == {"L", "d", "e", "a"}  # b, c and f are not on a's paths


def test_following_a_value_starts_from_it_without_computing_it():
    L = karpathy()[0]
    walk = walkthrough(L, focus="e")
    assert walk[1].title == "d = e + c"  # e itself is given, with the c its path reads
    assert walk[0].lines[1] == "known from the rest of the graph: c = 10.0, f = -2.0"


def test_following_a_parameter_ends_with_the_sum_over_its_paths_backward_computes(moons):
    model, loss, _ = moons
    weight = model.layers[0].neurons[3].w[0]
    walk = walkthrough(loss, focus=weight)
    loss.backward()
    try:
        assert walk.grads()["L0.N3.w0"] == pytest.approx(weight.grad, rel=1e-12)
        done = walk[-1]
        assert done.title.startswith("Done: ∂loss/∂L0.N3.w0 = ")
        assert done.title.endswith("the sum over its 64 paths")  # 16 neurons x 4 examples
        assert any(line.startswith("sum over 64 paths = ") for line in done.lines)
        assert any(line.startswith("by route: L0.N3.w0.grad = ")  # one per example
                   and line.count("(through t") == 4 for line in done.lines)
        assert done.lines[-1].endswith("agrees")
    finally:
        model.zero_grad()


def test_the_steps_followed_are_the_whole_walkthroughs_own(moons):
    model, loss, whole = moons
    walk = walkthrough(loss, focus="layers.1.neurons.2.w5")
    assert len(walk) < len(whole) / 20
    for step in walk.steps[1:-1]:
        found = next(s for s in whole if s.kind == step.kind and s.title == step.title)
        assert found.lines == step.lines and found.grads == step.grads


def test_following_in_levels_keeps_each_step_the_steps_of_the_level_below(moons):
    _, loss, _ = moons
    walk = walkthrough(loss, focus="layers.2.neurons.0.w3")
    assert len(walk.top) == 13  # start, 4 layers.2 calls and the loss, both ways, seed, done
    assert walk.top[0].first == 0 and walk.top[-1].last == len(walk) - 1
    for level, step in every_level_step(walk):
        if step.opens is not None:
            below = walk.open(level, step.index)
            assert below[0].first == step.first and below[-1].last == step.last
            assert all(b.first == a.last + 1 for a, b in zip(below.steps, below.steps[1:]))


def test_a_node_is_followed_by_its_value_its_name_or_its_label():
    L = karpathy()[0]
    a = L.inputs[0].inputs[0].inputs[0]  # L = d * f, d = e + c, e = a * b
    assert walkthrough(L, focus=a).focus == walkthrough(L, focus="a").focus == 0


def test_a_label_that_several_nodes_share_asks_for_a_name(moons):
    _, loss, walk = moons
    with pytest.raises(ValueError, match=r"^'w0' is the label of 33 nodes \(L2\.N0\.w0, "
                                         r"L1\.N0\.w0, .* and 27 more\): give one of their names"):
        walkthrough(loss, focus="w0")
    one = walkthrough(loss, focus="layers.1.neurons.2.w0")  # a full dotted name is one node
    assert one.graph.nodes[one.focus].name == "L1.N2.w0"


def test_a_constant_has_no_gradient_to_follow():
    x = Value(2.0, label="x")
    with pytest.raises(ValueError, match="3 is a constant: it has no gradient to follow"):
        walkthrough(x * 3.0, focus="3")


# --- one example of a batch ------------------------------------------------------------------


def test_a_sample_steps_one_example_of_the_batch(moons):
    _, loss, _ = moons
    walk = walkthrough(loss, sample=0)
    assert [step.title.split(" computes")[0].split(" sends")[0] for step in walk.top] == [
        "Sample 0: its call of each layer, and the loss computed from them",
        "layers.0 (call 1 of 4)", "layers.1 (call 1 of 4)", "layers.2 (call 1 of 4)",
        walk.top[4].title, "∂loss/∂loss = 1", "loss", "layers.2 (call 1 of 4)",
        "layers.1 (call 1 of 4)", "layers.0 (call 1 of 4)",
        "Done: what sample 0 adds to each gradient"]
    assert walk.top[4].title.startswith("loss = ")


def test_what_the_samples_add_to_a_gradient_sums_to_it(moons):
    model, loss, whole = moons
    bias = whole.graph.find("layers.1.neurons.0.b").id
    added = 0.0
    for k in range(4):
        for step in walkthrough(loss, sample=k).steps:
            if step.kind == "backward" and step.node == bias:
                added += step.grad_after - (step.grad_before or 0.0)
    assert added == pytest.approx(whole.final().grads[bias], rel=1e-12)


def test_a_sample_must_be_one_of_the_examples(moons):
    _, loss, _ = moons
    with pytest.raises(ValueError, match="sample 4 is not one of the 4 examples of this batch: "
                                         "they are 0 to 3"):
        walkthrough(loss, sample=4)
    with pytest.raises(TypeError, match="sample must be the index of an example"):
        walkthrough(loss, sample="0")
    with pytest.raises(ValueError, match="choose one"):
        walkthrough(loss, sample=0, focus="layers.1.neurons.0.b")


def test_a_sample_needs_a_module_called_once_per_example():
    model = nn.MLP(2, [3, 1], seed=0)
    loss = nn.mse(model([0.5, -1.0]), 1.0)  # one example: every module called once
    with pytest.raises(ValueError, match="no module of this graph is called more than once"):
        walkthrough(loss, sample=0)

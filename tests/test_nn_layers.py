"""Neuron, Layer and MLP: what they compute, their return types, seeded init and bad input."""

import math
import statistics

import numpy as np
import pytest

from autograd import Value, gradcheck, topological_order
from nn import ACTIVATIONS, MLP, Layer, Neuron, to_torch
from tests.conftest import require_module

# --- what they compute -----------------------------------------------------------------------


def set_weights(neuron: Neuron, weights: list[float], bias: float) -> None:
    for w, x in zip(neuron.w, weights):
        w.data = x
    neuron.b.data = bias


@pytest.mark.parametrize(
    "activation, expected",
    [
        # z = b + w0*x0 + w1*x1 = 0.5 + 2*1 + (-1)*3 = -0.5
        ("linear", -0.5),
        ("identity", -0.5),
        ("relu", 0.0),
        ("tanh", math.tanh(-0.5)),
        ("sigmoid", 1 / (1 + math.exp(0.5))),
        ("leaky_relu", 0.01 * -0.5),
        ("softplus", math.log1p(math.exp(-0.5))),
    ],
)
def test_a_neuron_applies_its_activation_to_the_weighted_sum(activation, expected):
    neuron = Neuron(2, activation=activation, seed=0)
    set_weights(neuron, [2.0, -1.0], 0.5)
    assert neuron([1.0, 3.0]).data == pytest.approx(expected, rel=1e-15)


def test_every_listed_activation_is_tested_above():
    assert set(ACTIVATIONS) == {
        "linear",
        "identity",
        "relu",
        "tanh",
        "sigmoid",
        "leaky_relu",
        "softplus",
    }


def test_an_activation_may_be_any_function_of_a_value():
    neuron = Neuron(1, activation=lambda z: z * z, seed=0)
    set_weights(neuron, [3.0], 1.0)
    assert neuron([2.0]).data == 49.0  # (1 + 3*2) ** 2


def test_neuron_gradients_match_central_differences():
    # out = tanh(b + w0*x0 + w1*x1) as a function of all five numbers
    def f(w0, w1, b, x0, x1):
        neuron = Neuron(2, activation="tanh", seed=0)
        neuron.w, neuron.b = [w0, w1], b
        return neuron([x0, x1])

    assert gradcheck(f, 0.3, -0.8, 0.1, 1.5, -0.4).ok


def test_a_layer_returns_one_value_per_neuron_always_as_a_list():
    assert len(Layer(3, 4, seed=0)([1.0, 2.0, 3.0])) == 4
    out = Layer(3, 1, seed=0)([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)


def test_an_mlp_with_one_output_returns_a_value_like_micrograd():
    model = MLP(2, [4, 1], seed=0)
    assert isinstance(model([1.0, 2.0]), Value)
    assert isinstance(model.forward([1.0, 2.0]), list)
    assert model.forward([1.0, 2.0])[0].data == model([1.0, 2.0]).data


def test_an_mlp_with_several_outputs_returns_a_list():
    out = MLP(2, [4, 3], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_an_mlp_is_its_layers_applied_in_turn():
    model = MLP(3, [4, 2], seed=0)
    x = [0.5, -1.0, 2.0]
    by_hand = model.layers[1](model.layers[0](x))
    assert [v.data for v in model(x)] == [v.data for v in by_hand]


def test_mlp_default_is_relu_hidden_layers_and_a_linear_output():
    model = MLP(2, [3, 3, 1], seed=0)
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]


def test_mlp_takes_one_activation_per_layer_or_one_for_all_hidden_layers():
    model = MLP(2, [3, 3, 1], activation=["tanh", "sigmoid", "relu"], seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "sigmoid", "relu"]
    model = MLP(2, [3, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "tanh", "sigmoid"]
    assert 0 < model([5.0, -5.0]).data < 1


def test_mlp_accepts_inputs_as_values_numpy_arrays_and_tuples():
    model = MLP(2, [3, 1], seed=0)
    expected = model([0.25, -0.5]).data
    assert model((0.25, -0.5)).data == expected
    assert model(np.array([0.25, -0.5])).data == expected
    assert model([Value(0.25), Value(-0.5)]).data == expected


def test_backward_through_an_mlp_reaches_the_inputs():
    x = [Value(1.0), Value(-2.0)]
    MLP(2, [3, 1], activation="tanh", seed=0)(x).backward()
    assert all(xi.grad != 0 for xi in x)


def test_a_number_input_is_one_constant_node_that_every_first_layer_neuron_reads():
    model = MLP(2, [4, 1], seed=0)
    out = model([0.5, -1.5])
    order = topological_order(out)
    constants = [n for n in order if n.constant]
    assert [c.data for c in constants] == [0.5, -1.5]  # one node per input, not one per neuron
    for c in constants:
        readers = [n for n in order if any(inp is c for inp in n.inputs)]
        assert len(readers) == 4 and all(r.op.name == "mul" for r in readers)
    assert out.data == MLP(2, [4, 1], seed=0)([Value(0.5), Value(-1.5)]).data


# --- seeded initialization -------------------------------------------------------------------


def test_the_same_seed_gives_the_same_weights():
    assert MLP(2, [8, 1], seed=42).state_dict() == MLP(2, [8, 1], seed=42).state_dict()


def test_different_seeds_give_different_weights():
    assert MLP(2, [8, 1], seed=1).state_dict() != MLP(2, [8, 1], seed=2).state_dict()


def test_a_shared_generator_continues_where_it_left_off():
    rng = np.random.default_rng(7)
    first, second = Layer(3, 2, rng=rng), Layer(3, 2, rng=rng)
    assert first.state_dict() != second.state_dict()
    again = np.random.default_rng(7)
    assert Layer(3, 2, rng=again).state_dict() == first.state_dict()


def test_relu_biases_start_at_a_small_positive_number_and_the_others_at_zero():
    model = MLP(3, [5, 4, 2], activation=["relu", "leaky_relu", "tanh"], init="uniform", seed=0)
    biases = {name: value for name, value in model.state_dict().items() if name.endswith(".b")}
    assert len(biases) == 11
    assert all(value == (0.0 if name.startswith("layers.2.") else 0.1)
               for name, value in biases.items())


def test_a_fresh_relu_neuron_is_on_where_every_input_is_zero():
    # relu(w . 0 + b) = relu(0.1): on, whatever the weights, so a start at the origin is live
    neuron = Neuron(3, seed=0)
    out = neuron([0.0, 0.0, 0.0])
    out.backward()
    assert out.data == 0.1 and neuron.b.grad == 1.0


def weights_of(layer: Layer) -> list[float]:
    return [w.data for neuron in layer.neurons for w in neuron.w]


def test_he_init_has_standard_deviation_sqrt_2_over_nin():
    weights = weights_of(Layer(50, 100, init="he", seed=0))  # 5000 draws
    assert statistics.fmean(weights) == pytest.approx(0.0, abs=0.01)
    assert statistics.stdev(weights) == pytest.approx(math.sqrt(2 / 50), rel=0.05)


def test_xavier_init_has_standard_deviation_sqrt_2_over_nin_plus_nout():
    weights = weights_of(Layer(50, 100, init="xavier", seed=0))
    assert statistics.stdev(weights) == pytest.approx(math.sqrt(2 / 150), rel=0.05)


def test_uniform_init_is_micrograds_uniform_minus_one_to_one():
    weights = weights_of(Layer(50, 100, init="uniform", seed=0))
    assert -1 <= min(weights) < -0.99 and 0.99 < max(weights) <= 1
    assert statistics.stdev(weights) == pytest.approx(1 / math.sqrt(3), rel=0.05)  # of U(-1, 1)


def test_auto_init_is_he_for_relu_and_xavier_otherwise():
    he = weights_of(Layer(50, 100, activation="relu", seed=0))
    xavier = weights_of(Layer(50, 100, activation="tanh", seed=0))
    assert he == weights_of(Layer(50, 100, init="he", seed=0))
    assert xavier == weights_of(Layer(50, 100, init="xavier", seed=0))


def test_init_may_be_a_function_of_nin_that_gives_the_weights():
    model = MLP(3, [2, 1], init=lambda nin: [0.5] * nin)
    assert [w.data for layer in model.layers for n in layer.neurons for w in n.w] == [0.5] * 8


@pytest.mark.parametrize(
    "init, error, message",
    [
        (lambda nin: [0.5] * (nin + 1), ValueError, "must return 3 weights, got 4"),
        (lambda nin: 0.5, TypeError, "must return a list of 3 numbers, got float"),
        (lambda nin: [0.5, "1", 0.5], TypeError, "returned weight 1 as str: '1', not a number"),
    ],
)
def test_an_init_function_that_returns_the_wrong_weights_is_refused(init, error, message):
    with pytest.raises(error, match=message):
        Neuron(3, init=init)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [Neuron(3, seed=0), Layer(3, 2, seed=0), MLP(3, [2, 1], seed=0)])
@pytest.mark.parametrize("count", [0, 2, 4])
def test_the_wrong_number_of_inputs_names_expected_and_got(module, count):
    name = type(module).__name__
    with pytest.raises(ValueError, match=f"^{name} expects 3 inputs, got {count}$"):
        module([1.0] * count)


@pytest.mark.parametrize(
    "x, message",
    [
        (1.5, "takes a list of 2 inputs.*got float"),
        (Value(1.0), "takes a list of 2 inputs.*got Value"),
        ("ab", "got str"),
        (None, "got NoneType"),
        ([1.0, "2"], "input 1 must be a number or a Value, got str: '2'"),
        ([[1.0, 2.0], [3.0, 4.0]], "input 0 must be a number or a Value, got list"),
        ([1.0, None], "input 1 .* got NoneType"),
    ],
)
def test_inputs_that_are_not_numbers_or_values_are_type_errors(x, message):
    with pytest.raises(TypeError, match=message):
        MLP(2, [2, 1], seed=0)(x)


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: MLP(0, [1]), ValueError, "nin must be at least 1, got 0"),
        (lambda: MLP(2.0, [1]), TypeError, "nin must be an int, got float"),
        (lambda: MLP(2, []), ValueError, "at least one layer size"),
        (lambda: MLP(2, 3), TypeError, "nouts must be a list"),
        (lambda: MLP(2, [4, 0]), ValueError, "at least 1, got 0"),
        (lambda: MLP(2, [1], activation="rleu"), ValueError, "unknown activation 'rleu'; choose"),
        (lambda: MLP(2, [1], activation=3), TypeError, "activation must be a name"),
        (lambda: MLP(2, [3, 1], activation=["relu"]), ValueError, "expected 2, got 1"),
        (
            lambda: MLP(2, [3, 1], activation=["relu", "tanh"], output_activation="tanh"),
            ValueError,
            "output_activation",
        ),
        (lambda: MLP(2, [1], init="normal"), ValueError, "unknown init 'normal'"),
        (lambda: MLP(2, [1], seed=-1), ValueError, "seed must be 0 or more"),
        (lambda: MLP(2, [1], seed=1.5), TypeError, "seed must be an int"),
        (lambda: MLP(2, [1], seed=1, rng=np.random.default_rng()), ValueError, "not both"),
        (lambda: MLP(2, [1], rng=42), TypeError, "numpy.random.Generator"),
        (lambda: Layer(2, 0), ValueError, "nout must be at least 1"),
    ],
)
def test_bad_constructor_arguments_say_what_is_wrong(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_a_layer_tags_each_neurons_work_with_its_scope_also_after_its_neurons_change():
    layer = Layer(2, 2, seed=0)
    first = [out.scope for out in layer([1.0, 2.0])]
    assert first == ["neurons.0", "neurons.1"]
    layer.neurons.append(Neuron(2, seed=1))
    outputs = layer([1.0, 2.0])
    assert [out.scope for out in outputs] == ["neurons.0", "neurons.1", "neurons.2"]
    layer.neurons.pop(0)
    assert len(layer([1.0, 2.0])) == 2


# --- fused neurons: the weighted sum as one node ---------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_a_fused_mlp_gives_the_same_numbers_and_gradients_bit_for_bit(activation):
    plain = MLP(3, [8, 8, 2], activation=activation, seed=4)
    fused = MLP(3, [8, 8, 2], activation=activation, seed=4, fused=True)
    points = np.random.default_rng(0).normal(0.0, 2.0, size=(5, 3)).tolist()
    losses = []
    for model in (plain, fused):
        loss = sum((out - 0.5) ** 2 for x in points for out in model(x))
        loss.backward()
        losses.append(loss)
    assert repr(losses[0].data) == repr(losses[1].data)
    for p, q in zip(plain.parameters(), fused.parameters()):
        assert repr(p.grad) == repr(q.grad)


def test_a_fused_neuron_is_one_node_reading_bias_weights_and_inputs():
    neuron = Neuron(3, activation="linear", seed=0, fused=True)
    x = [Value(1.0), Value(2.0), Value(-1.0)]
    out = neuron(x)
    assert out.op.name == "weighted_sum"
    assert out.inputs == (neuron.b, neuron.w[0], x[0], neuron.w[1], x[1], neuron.w[2], x[2])
    plain = Neuron(3, activation="linear", seed=0)
    nodes = {"fused": topological_order(out), "plain": topological_order(plain(x))}
    # a product per weight and the sum (4 op nodes) against one
    assert sum(1 for n in nodes["plain"] if n.inputs) == 4
    assert sum(1 for n in nodes["fused"] if n.inputs) == 1


def test_fused_gradients_match_central_differences():
    model = MLP(2, [4, 1], activation="tanh", seed=3, fused=True)
    result = gradcheck(lambda a, b: model([a, b]), 0.3, -0.8)
    assert result.ok, str(result)


def test_fused_gradients_match_pytorch_in_float64():
    torch = require_module("torch")
    model = MLP(2, [4, 4, 1], activation="tanh", seed=3, fused=True)
    point = [0.3, -0.8]
    model(point).backward()
    exported = to_torch(model)  # the same weights in torch.nn.Linear layers, float64
    exported(torch.tensor(point, dtype=torch.float64)).sum().backward()
    for layer, linear in zip(model.layers, exported[::2]):
        ours = [[w.grad for w in neuron.w] for neuron in layer.neurons]
        assert np.allclose(ours, linear.weight.grad.numpy(), rtol=1e-12, atol=1e-15)
        assert np.allclose([n.b.grad for n in layer.neurons], linear.bias.grad.numpy(),
                           rtol=1e-12, atol=1e-15)


def test_fused_shows_in_the_repr_and_must_be_a_bool():
    assert repr(MLP(2, [1], fused=True)).startswith(
        "MLP(2, [1], activation='relu', output_activation='linear', fused=True)")
    assert "fused" not in repr(MLP(2, [1]))
    assert repr(Layer(2, 3, fused=True)).startswith("Layer(2, 3, activation='relu', fused=True)")
    for make in (lambda: MLP(2, [1], fused=1), lambda: Layer(2, 1, fused="yes"),
                 lambda: Neuron(2, fused=None)):
        with pytest.raises(TypeError, match="fused must be True or False"):
            make()


def test_a_model_saved_fused_loads_into_a_plain_one_and_the_other_way_round(tmp_path):
    # fused changes how the graph is recorded, not the parameters
    fused = MLP(2, [3, 1], seed=5, fused=True)
    fused.save(tmp_path / "fused.json")
    plain = MLP(2, [3, 1], seed=6)
    plain.load(tmp_path / "fused.json")
    assert plain([0.5, -1.0]).data == fused([0.5, -1.0]).data
    saved = MLP(2, [3, 1], seed=7)
    saved.save(tmp_path / "plain.json")
    fused.load(tmp_path / "plain.json")
    assert fused([0.5, -1.0]).data == saved([0.5, -1.0]).data

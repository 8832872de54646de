"""Metrics: accuracy for one score or class scores, predicted classes, per-layer gradient norms."""

import math

import pytest

import nn
from autograd import Value


def test_accuracy_of_single_scores_compares_sides_of_zero_for_0_1_and_hinge_labels():
    scores = [Value(2.0), Value(-0.5), Value(0.1), Value(-3.0)]
    assert nn.accuracy(scores, [1, 0, 0, 0]) == 0.75  # the third is wrong
    assert nn.accuracy(scores, [1, -1, -1, -1]) == 0.75  # the same with -1/+1 labels
    assert nn.accuracy([0.5, -0.5], [1, -1]) == 1.0  # plain numbers too


def test_accuracy_of_class_scores_takes_the_largest():
    outputs = [[Value(0.1), Value(2.0), Value(-1.0)], [3.0, 1.0, 0.0]]
    assert nn.accuracy(outputs, [1, 2]) == 0.5


def test_predicted_class():
    assert nn.predicted_class([0.0, 5.0, 5.0]) == 1  # the first of equal scores
    assert nn.predicted_class(Value(0.3)) == 1
    assert nn.predicted_class(-0.3) == 0
    assert nn.predicted_class(0.0) == 0  # 0 is not above 0


def test_accuracy_checks_its_inputs():
    with pytest.raises(ValueError, match="2 outputs but 1 targets"):
        nn.accuracy([1.0, 2.0], [1])
    with pytest.raises(ValueError, match="no outputs"):
        nn.accuracy([], [])


def test_gradient_norms_measure_each_layer():
    model = nn.MLP(2, [3, 1], seed=0)
    model([1.0, -1.0]).backward()
    norms = nn.gradient_norms(model)
    assert list(norms) == ["layers.0", "layers.1"]
    last = model.layers[1].parameters()
    assert norms["layers.1"] == pytest.approx(math.sqrt(sum(p.grad**2 for p in last)))


def test_gradient_norms_of_a_bare_neuron_are_its_own_under_the_empty_name():
    neuron = nn.Neuron(2, activation="linear", seed=0)
    neuron([3.0, 4.0]).backward()  # d out / d w = x = (3, 4), d out / d b = 1
    assert nn.gradient_norms(neuron) == {"": pytest.approx(math.sqrt(9 + 16 + 1))}


def test_gradient_norms_want_a_module():
    with pytest.raises(TypeError, match="takes a Module, got list"):
        nn.gradient_norms([Value(1.0)])

"""The engine's switches: no_grad, anomaly detection, name scopes."""

import math

import pytest

from autograd import (
    AnomalyError,
    Value,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    name_scope,
    no_grad,
    set_detect_anomaly,
)

THIS_FILE = __file__


def test_no_grad_builds_no_graph():
    a = Value(2.0)
    with no_grad():
        b = a * 3 + 1
    assert b.data == 7.0
    assert b.inputs == () and b.op is None
    b.backward()
    assert a.grad == 0.0  # nothing connects b to a


def test_no_grad_restores_recording_even_after_an_error():
    with pytest.raises(RuntimeError):
        with no_grad():
            assert not is_grad_enabled()
            raise RuntimeError("boom")
    assert is_grad_enabled()
    assert (Value(1.0) * 2).inputs != ()


def test_enable_grad_inside_no_grad():
    a = Value(2.0)
    with no_grad():
        with enable_grad():
            b = a * 3
        c = a * 3
    assert b.inputs and not c.inputs


def test_anomaly_mode_raises_at_the_first_non_finite_value_naming_op_inputs_and_line():
    x = Value(-1.0, label="x")
    with detect_anomaly():
        y = x * 2  # fine
        with pytest.raises(AnomalyError) as error:
            y.log()  # log of a negative number: nan
    message = str(error.value)
    assert "log" in message
    assert "-2.0" in message  # the input value
    assert f"{THIS_FILE}:" in message  # the line of user code
    line = int(message.rsplit(":", 1)[1])
    assert "y.log()" in open(THIS_FILE).read().splitlines()[line - 1]


def test_anomaly_mode_raises_at_the_first_non_finite_gradient():
    x = Value(0.0, label="x")
    with detect_anomaly():
        y = x.sqrt()  # 0 ** 0.5 = 0, but its slope at 0 is inf
        with pytest.raises(AnomalyError, match=r"gradient became inf.*pow.*x=0\.0"):
            y.backward()


def test_without_anomaly_mode_ieee_results_flow_through():
    y = Value(-1.0).log() * 2
    assert math.isnan(y.data)


def test_anomaly_mode_records_creation_sites():
    with detect_anomaly():
        y = Value(1.0) * 2
    assert y.site.startswith(f"{THIS_FILE}:")
    assert (Value(1.0) * 2).site is None  # not recorded outside anomaly mode


def test_set_detect_anomaly_switch():
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
        with pytest.raises(AnomalyError):
            Value(1000.0).exp()
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled()


def test_name_scope_tags_nodes_and_nests():
    a = Value(1.0)
    with name_scope("layer"):
        with name_scope("neuron"):
            b = a * 2
        c = b + 1
    d = c * 1
    assert (b.scope, c.scope, d.scope) == ("layer.neuron", "layer", "")


def test_name_scope_needs_a_name():
    with pytest.raises(TypeError, match="name"):
        with name_scope(""):
            pass

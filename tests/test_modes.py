"""The engine's switches: no_grad, anomaly detection, name scopes, and gc_paused."""

import gc
import math
import weakref
from pathlib import Path

import pytest

from autograd import (
    AnomalyError,
    Notes,
    Value,
    constant,
    detect_anomaly,
    enable_grad,
    gc_paused,
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


def test_name_scope_restores_after_errors_reuse_and_works_as_a_decorator():
    a, block = Value(1.0), name_scope("enc")
    with pytest.raises(KeyError), block:
        with block:  # the same scope object entered twice
            assert (a * 2).scope == "enc.enc"
            raise KeyError("inside")
    assert (a * 2).scope == "" and constant(1.0).notes == Notes(constant=True)

    @name_scope("head")
    def head(x):
        return x * 3

    assert head(a).scope == "head" and (a * 2).scope == ""


def test_the_nodes_of_one_scope_share_one_notes_record():
    # What makes a node smaller: the nodes made in one place hold the same immutable Notes.
    a, block = Value(1.0), name_scope("neuron")
    with name_scope("layer"):
        with block:
            made = [a * 2.0, a + a, a.tanh(), a**2]
            constants = [made[0].inputs[1], constant(3.0)]
        with block:  # entered again from the same scope: the same notes, not new ones
            made.append(a * a)
    assert all(m.notes is made[0].notes for m in made)
    assert made[0].notes == Notes(scope="layer.neuron")
    assert constants[0].notes is constants[1].notes
    assert constants[0].notes == Notes(scope="layer.neuron", constant=True)
    with name_scope("other"), block:  # the same scope entered from another: notes of its own
        elsewhere = a * 2.0
    assert elsewhere.notes == Notes(scope="other.neuron") and made[0].scope == "layer.neuron"
    assert elsewhere.inputs[1].notes == Notes(scope="other.neuron", constant=True)
    outside = a * 2.0  # out of every scope: the notes of the start again
    assert outside.notes == Notes() and outside.inputs[1].notes == Notes(constant=True)


def test_a_scope_entered_from_many_others_keeps_no_notes_for_each():
    block = name_scope("neuron")
    for k in range(100):
        with name_scope(f"example{k}"), block:
            assert (Value(1.0) * 2.0).scope == f"example{k}.neuron"
    kept = [v for v in vars(block).values() if isinstance(v, (list, dict, set))]
    assert sum(map(len, kept)) <= 2  # not one entry per enclosing scope


def test_a_label_or_scope_given_to_one_node_is_that_node_s_alone():
    a, b = Value(1.0), Value(2.0)
    with name_scope("neuron"):
        x, y, c = a * b, a * b, constant(1.0)
    x.label, c.label = "x", "c"
    y.scope = "moved"
    assert (x.label, y.label, c.label, constant(2.0).label) == ("x", "", "c", "")
    assert (x.scope, y.scope, c.scope) == ("neuron", "moved", "neuron") and c.constant
    assert (a * b).notes == Notes() and Value(3.0, "w").notes == Notes(label="w")


def test_a_label_or_scope_that_is_not_a_str_is_refused_by_name():
    v = Value(1.0)
    with pytest.raises(TypeError, match="label must be a str, got int"):
        v.label = 3
    with pytest.raises(TypeError, match="scope must be a str, got NoneType"):
        v.scope = None
    assert v.notes == Notes()  # nothing changed
    for recorded in ("constant", "site"):  # how a node was made is not for setting
        with pytest.raises(AttributeError, match=recorded):
            setattr(v, recorded, True)


def test_anomaly_mode_gives_each_node_its_site_and_keeps_its_label():
    with detect_anomaly(), name_scope("neuron"):
        w = Value(2.0, "w")
        y = w * 3.0
    lines = Path(THIS_FILE).read_text().splitlines()

    def line_at(site: str) -> str:
        assert site.startswith(f"{THIS_FILE}:")
        return lines[int(site.rsplit(":", 1)[1]) - 1].strip()

    assert (w.label, w.scope, line_at(w.site)) == ("w", "neuron", 'w = Value(2.0, "w")')
    assert (y.scope, line_at(y.site)) == ("neuron", "y = w * 3.0")
    assert y.inputs[1].site == y.site and y.inputs[1].constant  # the 3.0, made on that line


def test_name_scope_needs_a_name():
    with pytest.raises(TypeError, match="name"):
        with name_scope(""):
            pass


def test_gc_paused_rests_the_collector_and_restores_it_even_after_an_error():
    assert gc.isenabled()
    with pytest.raises(KeyError):
        with gc_paused():
            assert not gc.isenabled()
            raise KeyError("an error inside the block")
    assert gc.isenabled()


def test_gc_paused_leaves_a_collector_that_was_off_off():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_graph_is_freed_by_reference_counting_alone():
    # The promise gc_paused rests on: Values make no reference cycles, so a dropped graph is
    # freed at once, with the cyclic collector resting. Checked on a network's whole step.
    import nn

    model = nn.MLP(3, [4, 4, 1], activation="tanh", seed=0)
    with gc_paused():
        x = [Value(0.5), Value(-1.0), Value(2.0)]
        loss = (model(x) - 1.0) ** 2 + nn.l2_penalty(model.parameters(), 1e-3)
        loss = loss + (x[0] * x[1]).sigmoid().log() + x[2].softplus().exp() / x[0].abs()
        loss.backward()
        probes = [weakref.ref(node) for node in [loss, *loss.inputs, *x]]
        del x, loss
        assert [probe() for probe in probes] == [None] * len(probes)

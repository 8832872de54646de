"""Value: construction, operators, errors, and the micrograd-compatible surface."""

import contextlib
import inspect
import math

import numpy as np
import pytest

from autograd import (
    AnomalyError,
    Value,
    constant,
    detect_anomaly,
    exp,
    gradients,
    log,
    name_scope,
    no_grad,
    ops,
    sigmoid,
    sqrt,
    tanh,
    total,
    weighted_sum,
)


@pytest.mark.parametrize("data", [3, 3.0, np.float64(3.0), np.float32(3.0), np.int64(3),
                                  np.array(3.0), True - False + 2])
def test_value_accepts_real_numbers(data):
    v = Value(data)
    assert v.data == 3.0 and type(v.data) is float
    assert v.grad == 0.0


@pytest.mark.parametrize("bad, type_name", [("abc", "str"), (None, "NoneType"),
                                            (1 + 2j, "complex"), ([1.0], "list")])
def test_value_rejects_non_real_data_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_value_of_a_value_is_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"value\.data"):
        Value(Value(1.0))


def test_label_must_be_text():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


@pytest.mark.parametrize("field, why", [("site", "anomaly mode"), ("constant", "operator")])
def test_the_notes_the_engine_records_cannot_be_set_and_say_why(field, why):
    v = Value(1.0) + 2.0
    with pytest.raises(AttributeError, match=f"Value.{field} .*{why}.*cannot be set"):
        setattr(v, field, "x")
    assert v.site is None and v.constant is False  # unchanged


@pytest.mark.parametrize("bad", ["abc", None, [1], 1 + 2j])
def test_operators_refuse_non_numbers_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(1.0) + bad
    with pytest.raises(TypeError, match=type(bad).__name__):
        bad * Value(1.0)


def test_arithmetic_values():
    a, b = Value(6.0), Value(-2.0)
    assert (a + b).data == 4.0
    assert (a - b).data == 8.0
    assert (a * b).data == -12.0
    assert (a / b).data == -3.0
    assert (-a).data == -6.0
    assert (a**2).data == 36.0
    assert (1 + a).data == 7.0 and (1 - a).data == -5.0
    assert (2 * a).data == 12.0 and (12 / a).data == 2.0
    assert abs(b).data == 2.0
    assert float(a) == 6.0


def test_numpy_scalars_mix_with_values():
    v = Value(3.0)
    left = np.float64(2.0) * v
    right = v * np.float32(2.0)
    assert isinstance(left, Value) and left.data == 6.0
    assert isinstance(right, Value) and right.data == 6.0


def test_functions_match_methods():
    x = Value(0.3)
    assert tanh(x).data == x.tanh().data == math.tanh(0.3)
    assert exp(x).data == math.exp(0.3)
    assert log(x).data == math.log(0.3)
    assert sigmoid(x).data == pytest.approx(1 / (1 + math.exp(-0.3)))
    assert sqrt(Value(9.0)).data == 3.0


def test_functions_take_plain_numbers():
    assert tanh(0.5).data == math.tanh(0.5)


def test_repr_is_short_text():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, label="x")) == "Value(data=2.0, grad=0.0, label='x')"


def test_micrograd_neuron_example():
    # A neuron from micrograd's walkthrough: o = tanh(x1*w1 + x2*w2 + b)
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    assert o.data == pytest.approx(0.7071, abs=1e-4)
    # do/dn = 1 - o**2 = 0.5, then each weight's gradient is 0.5 times its input
    assert w1.grad == pytest.approx(1.0)
    assert w2.grad == pytest.approx(0.0)
    assert x1.grad == pytest.approx(-1.5)
    assert x2.grad == pytest.approx(0.5)


def test_micrograd_sanity_expression():
    # micrograd's own sanity check: its known answers for this expression.
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20.0
    assert x.grad == 46.0


def test_values_are_keyed_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and len({a, b}) == 2


def test_an_int_too_large_for_a_float_is_a_value_error():
    with pytest.raises(ValueError, match="too large"):
        Value(10**400)


def test_backward_seed_error_names_backward():
    with pytest.raises(TypeError, match=r"backward\(grad\).*str"):
        (Value(1.0) * 2).backward("a")


def test_micrograd_style_custom_op_constructor_explains_the_op_table():
    a = Value(1.0)
    with pytest.raises(TypeError, match="op table"):
        Value(2.0, (a,))


def test_micrograd_names_for_inputs_and_op():
    # micrograd's draw_dot walks n._prev and shows n._op; both keep working.
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert c._prev == {a, b}
    assert c._op == "*"
    assert a._prev == set() and a._op == ""


# --- the written-out + and *, and total() ----------------------------------------------------

SPECIAL = [0.0, -0.0, 1.5, -2.25, 1e308, -1e-320, math.inf, -math.inf, math.nan]


MODES = ["recording", "no_grad", "anomaly"]
OPERATORS = [(ops.ADD, "__add__"), (ops.MUL, "__mul__")]


def switch_and_numbers(mode: str) -> tuple:
    """The switch that puts the engine in `mode`, and the numbers to try there: anomaly mode
    raises at a non-finite result, so there only numbers whose results are finite."""
    switch = {"recording": contextlib.nullcontext, "no_grad": no_grad,
              "anomaly": detect_anomaly}[mode]
    return switch, [x for x in SPECIAL if abs(x) < 1e300] if mode == "anomaly" else SPECIAL


def assert_same_slots(node: Value, expected: Value) -> None:
    """Every slot of node set, and set as in expected (repr: bit for bit, nan and -0.0 too)."""
    for slot in Value.__slots__:
        if slot != "__weakref__":
            assert repr(getattr(node, slot)) == repr(getattr(expected, slot)), slot


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op, operator", OPERATORS)
def test_written_out_add_and_mul_record_what_the_op_table_records(op, operator, mode):
    # Value.__add__ and __mul__ skip _apply for speed; they must build the very same node.
    from autograd.value import _apply

    switch, numbers = switch_and_numbers(mode)
    for a in numbers:
        for b in numbers:
            x, y = Value(a), Value(b)
            with switch(), name_scope("neuron"):
                fast, table = getattr(x, operator)(y), _apply(op, (x, y))  # (one line: one site)
            recorded = mode != "no_grad"
            assert fast.op is (op if recorded else None)
            assert fast.inputs == ((x, y) if recorded else ())
            assert fast.scope == "neuron" and (fast.site is not None) == (mode == "anomaly")
            assert_same_slots(fast, table)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op, operator", OPERATORS)
def test_written_out_add_and_mul_make_a_number_the_leaf_constant_makes(op, operator, mode):
    # y + 1.0 fills in the 1.0's leaf itself, for speed: it must be the leaf constant(1.0) makes,
    # and the node the one _apply makes from it.
    from autograd.value import _apply

    class Float(float):
        pass

    switch, numbers = switch_and_numbers(mode)
    x = Value(1.25)
    # (and numbers that are not of type float, which take the slower way, through constant())
    for b in [*numbers, np.float64(2.5), Float(1.5), True, 2]:
        with switch(), name_scope("neuron"):  # (one line: one site)
            fast, leaf, table = getattr(x, operator)(b), constant(b), _apply(op, (x, constant(b)))
        if mode != "no_grad":
            assert fast.inputs[0] is x and type(fast.inputs[1]) is Value
            assert fast.inputs[1].constant and fast.inputs[1].scope == "neuron"
            assert_same_slots(fast.inputs[1], leaf)
        assert_same_slots(fast, table)


@pytest.mark.parametrize("op, operator", OPERATORS)
def test_add_and_mul_read_as_methods_in_help_and_tracebacks(op, operator):
    method = getattr(Value, operator)
    assert (method.__name__, method.__qualname__) == (operator, f"Value.{operator}")
    assert method.__module__ == "autograd.value" and op.rule in method.__doc__
    assert list(inspect.signature(method).parameters) == ["self", "other"]


def test_an_operator_method_is_made_only_from_an_op_of_two_inputs():
    from autograd.value import _binary_operator

    for op in (ops.SUM, ops.POW, ops.TANH):
        with pytest.raises(ValueError, match="two inputs"):
            _binary_operator(op)


def test_anomaly_mode_stops_at_a_product_that_overflows():
    with detect_anomaly(), pytest.raises(AnomalyError, match="mul produced inf"):
        Value(1e308) * 10.0


def test_total_is_one_node_with_the_number_a_chain_of_plus_gives():
    terms = [Value(x) for x in (0.1, 0.2, 0.3, -0.0, 1e16, -1e16)]
    node = total(terms)
    chain = terms[0]
    for term in terms[1:]:
        chain = chain + term
    assert node.data == chain.data and node.op is ops.SUM and node.inputs == tuple(terms)
    assert repr(total([Value(-0.0), Value(-0.0)]).data) == "-0.0"  # as -0.0 + -0.0; sum() gives 0.0
    node.backward()
    assert [t.grad for t in terms] == [1.0] * len(terms)


def test_total_counts_a_repeated_term_once_per_edge_and_takes_numbers_as_constants():
    a, b = Value(2.0), Value(3.0)
    s = total([a, a, b, 4])
    assert s.data == 11.0 and len(s.inputs) == 4 and s.inputs[3].constant
    (s * s).backward()
    assert a.grad == 2 * 2 * 11.0 and b.grad == 2 * 11.0


def test_total_of_one_term_is_the_term_and_bad_input_is_named():
    a = Value(1.0)
    assert total([a]) is a and total(x for x in [a]) is a
    with pytest.raises(ValueError, match="at least one term"):
        total([])
    with pytest.raises(TypeError, match="list of terms, got Value"):
        total(a)
    with pytest.raises(TypeError, match="total.*str"):
        total([a, "b"])
    with pytest.raises(TypeError, match="in order.*set"):
        total({a, Value(2.0)})
    with pytest.raises(TypeError, match="list of terms, got ndarray"):
        total(np.array(3.0))


def test_weighted_sum_is_one_node_with_the_number_and_gradients_of_products_and_a_total():
    # the same floats as b + w0*x0 + w1*x1 + ... recorded as products and one sum node, bit for
    # bit (values chosen so that the order of the additions matters)
    numbers = [(1e16, 1.0), (0.3, -0.1), (-1e16, 1.0), (0.7, 0.2), (-0.0, 5.0)]
    fused_w = [Value(w) for w, _ in numbers]
    fused_x = [Value(x) for _, x in numbers]
    fused_b = Value(0.1)
    node = weighted_sum(fused_w, fused_x, fused_b)
    assert node.op is ops.WEIGHTED_SUM and len(node.inputs) == 1 + 2 * len(numbers)
    assert node.inputs[:3] == (fused_b, fused_w[0], fused_x[0])  # b, then w0, x0, w1, x1, ...
    w, x, b = [Value(w) for w, _ in numbers], [Value(x) for _, x in numbers], Value(0.1)
    reference = total([b] + [wi * xi for wi, xi in zip(w, x)])
    assert repr(node.data) == repr(reference.data)
    (node * node).backward()
    (reference * reference).backward()
    for fused, plain in zip(fused_w + fused_x + [fused_b], w + x + [b]):
        assert repr(fused.grad) == repr(plain.grad)


def test_weighted_sum_takes_numbers_as_constants_and_names_bad_input():
    w, x = Value(2.0), Value(3.0)
    node = weighted_sum([w, 4], [x, 0.5], 1)
    assert node.data == 1.0 + 6.0 + 2.0
    assert [v.constant for v in node.inputs] == [True, False, False, True, True]
    node.backward()
    assert (w.grad, x.grad) == (3.0, 2.0)
    x.grad = 0.0
    weighted_sum([x], [x], 0.0).backward()  # x * x: the same Value twice, both edges count
    assert x.grad == 6.0
    assert weighted_sum(np.array([1.0, 2.0]), (v for v in [x, x]), w).data == 2.0 + 9.0
    with pytest.raises(ValueError, match="one input per weight, got 2 weights and 1 inputs"):
        weighted_sum([w, w], [x], 0.0)
    with pytest.raises(ValueError, match="at least one weight"):
        weighted_sum([], [], 0.0)
    with pytest.raises(TypeError, match="weighted_sum\\(\\) takes a list of weights, got Value"):
        weighted_sum(w, [x], 0.0)
    with pytest.raises(TypeError, match="inputs in order.*set"):
        weighted_sum([w], {x}, 0.0)
    with pytest.raises(TypeError, match="weighted_sum\\(\\) input 1 must be a Value or a real "
                                        "number, got str"):
        weighted_sum([w, w], [x, "x"], 0.0)
    with pytest.raises(TypeError, match="bias must be a Value or a real number, got NoneType"):
        weighted_sum([w], [x], None)
    with no_grad():
        assert weighted_sum([w], [x], 1.0).inputs == ()


def test_weighted_sum_differentiates_twice():
    # d/dw (w * x + b) = x, and d/dx of that is 1: the rule run on Values records its graph
    w, x = Value(2.0), Value(3.0)
    (dw,) = gradients(weighted_sum([w], [x], 1.0), [w], create_graph=True)
    assert dw.data == 3.0
    (ddx,) = gradients(dw, [x])
    assert ddx == 1.0


def test_an_edited_rule_in_the_op_table_reaches_backward_and_second_derivatives(monkeypatch):
    # + and * take their rules from the table when autograd is imported (every other op, through
    # _apply, at each call). A deliberately wrong d(a*b)/da = 2b, in the table when * is made
    # (as after an edit of ops.py and a restart), shows up in backward and in gradients of
    # gradients.
    import dataclasses

    from autograd.value import _binary_operator

    wrong = dataclasses.replace(ops.MUL, local_grads=lambda a, b, out: (2 * b, a))
    monkeypatch.setattr(ops, "MUL", wrong)
    monkeypatch.setattr(Value, "__mul__", _binary_operator(ops.MUL))  # what an import does
    x, y = Value(3.0), Value(2.0)
    z = x * y
    assert z.op is wrong
    z.backward()
    assert x.grad == 4.0
    (dz_dx,) = gradients(x * y, [x], create_graph=True)
    assert dz_dx.data == 4.0


def test_total_under_no_grad_is_a_leaf():
    a, b = Value(1.0), Value(2.0)
    with no_grad():
        s = total([a, b, a])
    assert s.data == 4.0 and s.inputs == () and s.op is None


def test_constant_is_a_leaf_marked_constant_and_checks_its_number():
    c = constant(2)
    assert (c.data, c.inputs, c.constant, c.op) == (2.0, (), True, None)
    assert type(c.data) is float
    assert (c * Value(3.0)).inputs[0] is c
    assert (Value(3.0) * 2.0).inputs[1].constant  # an operator's number is one, too
    with pytest.raises(TypeError, match="not a Value"):
        constant(Value(1.0))
    with pytest.raises(TypeError, match="constant\\(\\) takes a real number, got str"):
        constant("2")
    assert constant(np.array(2.5)).data == 2.5  # a 0-d array is a number
    with no_grad():
        assert constant(1.0).constant  # the same leaf with recording off

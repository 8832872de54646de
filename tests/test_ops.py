"""Every primitive of the op table against central differences, on floats and on Values.

The cases below are keyed by primitive name, and a test checks that every primitive in the
table has cases: adding an op without testing it fails here.
"""

import math

import pytest

from autograd import PRIMITIVES, Value, gradcheck, total, weighted_sum
from autograd.ops import _pow

# name -> (function of Values that applies the primitive, points to check it at)
CASES = {
    "add": (lambda a, b: a + b, [(1.5, -2.0), (0.0, 3.0), (-7.25, 1e-3)]),
    "sum": (lambda a, b, c: total([a, b, c]), [(1.5, -2.0, 0.25), (0.0, -0.0, 3.0),
                                                (-7.25, 1e-3, 4.0)]),
    "mul": (lambda a, b: a * b, [(1.5, -2.0), (0.0, 3.0), (-7.25, 1e-3)]),
    "weighted_sum": (lambda b, w0, x0, w1, x1: weighted_sum([w0, w1], [x0, x1], b),
                     [(0.5, 1.5, -2.0, 0.25, 4.0), (0.0, 0.0, 3.0, -1.0, -0.0),
                      (-7.25, 1e-3, 2.0, -3.0, 0.5)]),
    "pow": (lambda a: a**3, [(1.5,), (-2.0,), (0.3,)]),
    "vpow": (lambda a, b: a**b, [(1.5, 2.0), (0.7, -1.3), (3.0, 0.5)]),
    "exp": (lambda a: a.exp(), [(0.0,), (1.3,), (-4.0,)]),
    "log": (lambda a: a.log(), [(0.5,), (1.0,), (20.0,)]),
    "tanh": (lambda a: a.tanh(), [(0.0,), (0.8,), (-2.5,)]),
    "sigmoid": (lambda a: a.sigmoid(), [(0.0,), (2.0,), (-3.5,)]),
    "relu": (lambda a: a.relu(), [(0.7,), (-1.2,), (3.0,)]),
    "leaky_relu": (lambda a: a.leaky_relu(0.1), [(0.7,), (-1.2,), (3.0,)]),
    "softplus": (lambda a: a.softplus(), [(0.0,), (2.5,), (-6.0,)]),
    "sin": (lambda a: a.sin(), [(0.0,), (1.0,), (-2.2,)]),
    "cos": (lambda a: a.cos(), [(0.0,), (1.0,), (-2.2,)]),
    "abs": (lambda a: a.abs(), [(0.7,), (-1.2,), (3.0,)]),
}


def test_every_primitive_has_cases():
    assert sorted(CASES) == sorted(PRIMITIVES)


def test_every_primitive_explains_itself():
    for op in PRIMITIVES.values():
        assert op.rule.startswith("d"), op.name  # a derivative, in words
        assert op.symbol and op.arity in (1, 2, None)  # None: any number of inputs


@pytest.mark.parametrize("name", sorted(CASES))
def test_primitive_gradient_matches_central_differences(name):
    fn, points = CASES[name]
    for point in points:
        result = gradcheck(fn, *point)
        assert result.ok, f"{name} at {point}:\n{result}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_primitive_records_its_op_and_inputs(name):
    fn, points = CASES[name]
    inputs = [Value(x) for x in points[0]]
    out = fn(*inputs)
    assert out.op is PRIMITIVES[name]
    assert out.inputs[: len(inputs)] == tuple(inputs)
    assert len(out.local_grads) == len(out.inputs) == (PRIMITIVES[name].arity or len(inputs))


@pytest.mark.parametrize("name", sorted(CASES))
def test_derivative_rule_runs_on_values_too(name):
    # The same rule called with Values (as higher-order gradients will) gives the same numbers
    # as called with floats, and returns Values that record a graph.
    fn, points = CASES[name]
    for point in points:
        node = fn(*[Value(x) for x in point])
        numbers = [x.data for x in node.inputs]
        as_values = node.op.local_grads(*[Value(x) for x in numbers], Value(node.data),
                                        *node.params)
        for from_floats, from_values in zip(node.local_grads, as_values):
            assert float(from_values) == pytest.approx(float(from_floats), rel=1e-12, abs=1e-15)


def test_pow_with_constant_exponent_has_one_edge():
    # a ** 2 must not treat 2 as an input: d/d(exponent) would be a**2 * log(a), nan for a < 0.
    a = Value(-3.0)
    out = a**2
    assert out.inputs == (a,) and out.params == (2.0,)
    out.backward()
    assert a.grad == -6.0  # d(a**2)/da = 2a


def test_value_to_value_power_differentiates_both():
    a, b = Value(2.0), Value(3.0)
    out = a**b  # 8
    out.backward()
    assert a.grad == pytest.approx(12.0)  # b * a ** (b - 1) = 3 * 4
    assert b.grad == pytest.approx(8.0 * math.log(2.0))  # a ** b * log(a)


def test_number_to_value_power():
    b = Value(3.0)
    out = 2**b
    out.backward()
    assert out.data == 8.0
    assert b.grad == pytest.approx(8.0 * math.log(2.0))


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: Value(-1.0).log(), math.nan),
        (lambda: Value(0.0).log(), -math.inf),
        (lambda: Value(0.0) ** -1, math.inf),
        (lambda: Value(-0.0) ** -1, -math.inf),
        (lambda: Value(1000.0).exp(), math.inf),
        (lambda: Value(-8.0) ** (1 / 3), math.nan),  # Python's float pow would give a complex
        (lambda: Value(-2.0) ** 3, -8.0),
        (lambda: Value(-10.0) ** 1001, -math.inf),
        (lambda: Value(math.nan).relu(), math.nan),
        (lambda: Value(math.inf).sin(), math.nan),
        (lambda: Value(1000.0).softplus(), 1000.0),
        (lambda: Value(-1000.0).sigmoid(), 0.0),
    ],
)
def test_domain_edges_follow_ieee_floats(make, expected):
    out = make()
    if math.isnan(expected):
        assert math.isnan(out.data)
    else:
        assert out.data == expected


def test_gradient_at_a_pole_is_infinite_not_an_exception():
    a = Value(0.0)
    out = a.sqrt()  # d sqrt(a)/da = 0.5 * a ** -0.5 = inf at 0
    out.backward()
    assert a.grad == math.inf


def test_power_zero_is_flat_even_at_zero():
    # a ** 0 = 1 for every a, so its slope is 0; the formula n * a ** (n - 1) would give
    # 0 * 0 ** -1 = 0 * inf = nan at a = 0 (a polynomial's constant term on the data point 0)
    a = Value(0.0)
    (a**0).backward()
    assert a.grad == 0.0


@pytest.mark.parametrize(
    "base, exponent, base_grad, exponent_grad",
    [
        (0.0, 2.0, 0.0, 0.0),  # 0 ** b = 0 for b > 0: flat in b (not 0 * log 0 = nan)
        (0.0, 0.5, math.inf, 0.0),
        (0.0, 0.0, 0.0, 0.0),  # PyTorch's convention at the corner
        (0.0, -1.0, -math.inf, -math.inf),  # a pole: infinities, as before
        (3.0, 0.0, 0.0, math.log(3.0)),
    ],
)
def test_value_power_slopes_at_zero_follow_pytorch(base, exponent, base_grad, exponent_grad):
    a, b = Value(base), Value(exponent)
    (a**b).backward()
    assert (a.grad, b.grad) == (base_grad, exponent_grad)


def test_ieee_pow_helper_signs():
    assert _pow(-0.0, -3.0) == -math.inf
    assert _pow(0.0, -2.0) == math.inf
    assert _pow(-1e200, 3.0) == -math.inf

"""Higher-order gradients: backward(create_graph=True), grad of grad, Hessians, hvp, jvp.

Second derivatives come from the op table's rules run on Values; each primitive's is checked
against central differences of its first derivative and against PyTorch's double backward.
"""

import math

import pytest

from autograd import Value, gradcheck, topological_order
from autograd.functional import grad, gradients, hessian, hvp, jvp, value_and_grad
from tests.conftest import require_module
from tests.test_ops import CASES


def partial(fn, i):
    """d fn / d(argument i), as a function of Values (so it can be differentiated again)."""
    return lambda *xs: grad(fn, i)(*xs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivatives_match_central_differences(name):
    fn, points = CASES[name]
    for point in points:
        for i in range(len(point)):
            # gradcheck differentiates d fn/dx_i by backprop and by central differences
            result = gradcheck(partial(fn, i), *point, rtol=1e-5, atol=1e-6)
            assert result.ok, f"d/dx{i} of {name} at {point}:\n{result}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivatives_match_pytorch_double_backward(name):
    torch = require_module("torch")
    fn, points = CASES[name]
    torch_fn = {
        "relu": torch.relu, "leaky_relu": lambda a: torch.nn.functional.leaky_relu(a, 0.1),
        "softplus": torch.nn.functional.softplus, "abs": torch.abs, "exp": torch.exp,
        "log": torch.log, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "sin": torch.sin,
        "cos": torch.cos, "sum": lambda *terms: torch.stack(terms).sum(),
        "weighted_sum": lambda b, w0, x0, w1, x1: torch.dot(torch.stack([w0, w1]),
                                                            torch.stack([x0, x1])) + b,
    }.get(name, fn)  # the operator ops (+, *, **) are the same code for both
    for point in points:
        xs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
        first = torch.autograd.grad(torch_fn(*xs), xs, create_graph=True)
        for i, d_dxi in enumerate(first):
            if not d_dxi.requires_grad:  # constant first derivative: second derivative 0
                expected = [0.0] * len(xs)
            else:
                expected = [0.0 if g is None else g.item()
                            for g in torch.autograd.grad(d_dxi, xs, allow_unused=True,
                                                         retain_graph=True)]
            ours = hessian(fn)(*point)[i]
            assert ours == pytest.approx(expected, rel=1e-11, abs=1e-12), (name, point, i)


def test_backward_with_create_graph_gives_differentiable_gradients():
    x = Value(2.0)
    y = x**3
    y.backward(create_graph=True)
    dy_dx = x.grad  # 3x^2 = 12, as a Value with a graph
    assert isinstance(dy_dx, Value) and dy_dx.data == 12.0
    x.grad = 0.0  # otherwise the second pass adds to the first gradient
    dy_dx.backward()
    assert x.grad == pytest.approx(12.0)  # 6x


@pytest.mark.parametrize("make", [lambda x: x + 1, lambda x: x.relu(), lambda x: x])
def test_create_graph_makes_every_gradient_a_value_even_a_constant_one(make):
    x = Value(2.0)
    y = make(x)  # dy/dx = 1: a sum's, relu's or the output's own gradient, a plain 1 in the rules
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 1.0
    assert isinstance(y.grad, Value)
    x.grad.backward()  # a constant: nothing to differentiate, and no AttributeError either


def test_a_value_whose_gradient_is_a_value_prints_without_recursing():
    x, w = Value(2.0), Value(3.0, label="w")
    (x * w).backward(create_graph=True)  # d(x*w)/dx is w itself, and d(x*w)/dw is x
    assert repr(x) == "Value(data=2.0, grad=Value(data=3.0))"
    assert repr(w) == "Value(data=3.0, grad=Value(data=2.0), label='w')"


def test_default_backward_stays_numeric():
    x = Value(2.0)
    (x**3).backward()
    assert type(x.grad) is float


def test_grad_of_grad_of_tanh():
    t = math.tanh(0.5)
    assert grad(lambda x: x.tanh())(0.5) == pytest.approx(1 - t * t)
    assert grad(grad(lambda x: x.tanh()))(0.5) == pytest.approx(-2 * t * (1 - t * t))


def test_grad_with_several_argnums_and_value_and_grad():
    f = lambda x, y: x * x * y  # noqa: E731
    assert grad(f, (0, 1))(3.0, 2.0) == (12.0, 9.0)  # (2xy, x^2)
    value, slope = value_and_grad(f, 1)(3.0, 2.0)
    assert (value, slope) == (18.0, 9.0)


def test_hessian_of_a_two_variable_function():
    f = lambda x, y: x * x * y + y.sin()  # noqa: E731
    h = hessian(f)(1.0, 2.0)
    # d2f/dx2 = 2y, d2f/dxdy = 2x, d2f/dy2 = -sin(y)
    assert h[0] == pytest.approx([4.0, 2.0])
    assert h[1] == pytest.approx([2.0, -math.sin(2.0)])


def test_hvp_equals_hessian_times_vector():
    f = lambda x, y: (x * y).exp() + x**4  # noqa: E731
    h = hessian(f)(0.3, -0.7)
    v = [0.5, 2.0]
    expected = [h[0][0] * v[0] + h[0][1] * v[1], h[1][0] * v[0] + h[1][1] * v[1]]
    assert hvp(f, [0.3, -0.7], v) == pytest.approx(expected, rel=1e-12)


def test_jvp_equals_gradient_dot_tangent():
    f = lambda x, y, z: (x * y + z).tanh() * x  # noqa: E731
    point, tangent = [0.4, -1.1, 0.3], [1.0, 0.5, -2.0]
    value, directional = jvp(f, point, tangent)
    g = grad(f, (0, 1, 2))(*point)
    assert directional == pytest.approx(sum(a * b for a, b in zip(g, tangent)), rel=1e-12)
    assert value == f(*[Value(p) for p in point]).data


def test_gradient_of_an_unrelated_input_is_zero():
    x, y = Value(1.0), Value(2.0)
    assert gradients(x * 3, [x, y]) == [3.0, 0.0]


def test_gradients_does_not_touch_grad_fields():
    x = Value(1.5)
    gradients(x * x, [x])
    assert x.grad == 0.0


def test_second_derivative_of_a_numeric_gradient_says_what_to_do():
    x = Value(2.0)
    (x**3).backward()  # without create_graph: x.grad is a plain number
    with pytest.raises(TypeError, match="create_graph=True"):
        gradients(x.grad, [x])


def test_functional_api_rejects_bad_input():
    with pytest.raises(TypeError, match="function"):
        grad(3.0)(1.0)
    with pytest.raises(ValueError, match="argnums"):
        grad(lambda x: x, 2)(1.0)
    with pytest.raises(TypeError, match="str"):
        grad(lambda x: x)("1")
    with pytest.raises(TypeError, match="return a Value"):
        grad(lambda x: 1.0)(1.0)
    with pytest.raises(ValueError, match="tangent"):
        jvp(lambda x: x, [1.0], [])


def test_gradient_graphs_hold_only_real_work():
    # d(x**3)/dx = 3 * x**2: the graph of the gradient is x, x**2, the constant 3 and the
    # product; no "* 1" for the output's own gradient and no "0 +" for a first contribution.
    x = Value(2.0)
    (x**3).backward(create_graph=True)
    order = topological_order(x.grad)
    assert len(order) == 4
    assert sorted(node.data for node in order) == [2.0, 3.0, 4.0, 12.0]


def test_jvp_of_several_outputs_gives_each_outputs_directional_derivative():
    # f(x) = (2x, 3x): along tangent 1 the derivatives are 2 and 3; the values at x = 1 are 2, 3.
    assert jvp(lambda x: [x * 2, x * 3], [1.0], [1.0]) == ([2.0, 3.0], [2.0, 3.0])


def test_jvp_of_several_outputs_matches_finite_differences():
    # outputs sharing a node (s = x*y): d/dt f(p + t v) ~ (f(p + h v) - f(p - h v)) / 2h
    def f(x, y):
        s = x * y
        return (s.tanh(), s + x**2, (y * 0.5).exp())

    point, tangent, h = [0.3, -0.8], [1.5, -0.4], 1e-6
    values, derivatives = jvp(f, point, tangent)
    ahead = f(*[Value(p + h * v) for p, v in zip(point, tangent)])
    behind = f(*[Value(p - h * v) for p, v in zip(point, tangent)])
    assert values == [y.data for y in f(*[Value(p) for p in point])]
    for d, a, b in zip(derivatives, ahead, behind):
        assert d == pytest.approx((a.data - b.data) / (2 * h), rel=1e-7)


def test_jvp_names_an_output_that_is_not_a_value():
    with pytest.raises(TypeError, match="float at position 1"):
        jvp(lambda x: [x * 2, 3.0], [1.0], [1.0])

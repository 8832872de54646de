"""gradcheck: backprop against central differences, reported input by input."""

import math

import pytest

from autograd import Value, gradcheck


def test_gradcheck_passes_a_correct_gradient_and_reports_each_input():
    result = gradcheck(lambda x, y: x * y + x.exp(), 1.5, -0.5)
    assert result.ok and bool(result)
    assert [c.label for c in result.inputs] == ["x0", "x1"]
    assert result.inputs[0].backprop == pytest.approx(-0.5 + math.exp(1.5))
    assert result.inputs[1].backprop == pytest.approx(1.5)
    assert "ok" in str(result)


def test_gradcheck_uses_value_labels():
    result = gradcheck(lambda w: w * w, Value(3.0, label="w"))
    assert result.inputs[0].label == "w"
    assert result.inputs[0].numeric == pytest.approx(6.0, rel=1e-8)


def test_gradcheck_catches_a_wrong_gradient():
    def cheating_square(x):
        # x.data * x: numerically x**2, but x.data is a constant, so backprop says x, not 2x
        return x.data * x

    result = gradcheck(cheating_square, 3.0)
    assert not result.ok
    assert "MISMATCH" in str(result)


def test_gradcheck_rejects_bad_arguments():
    with pytest.raises(TypeError, match="function"):
        gradcheck(3.0, 1.0)
    with pytest.raises(ValueError, match="at least one"):
        gradcheck(lambda: Value(1.0))
    with pytest.raises(TypeError, match="str"):
        gradcheck(lambda x: x, "1.0")
    with pytest.raises(TypeError, match="return a Value"):
        gradcheck(lambda x: 3.0, 1.0)
    with pytest.raises(ValueError, match="h must be"):
        gradcheck(lambda x: x, 1.0, h=0)


def test_a_plain_mismatch_names_no_other_problem():
    result = gradcheck(lambda x: x.data * x, 3.0)  # backprop 3, numeric 6: a wrong gradient
    assert not result.ok and result.inputs[0].problem == "" and result.problem == ""


@pytest.mark.parametrize("point", [math.nan, math.inf, -math.inf])
def test_an_input_that_is_not_finite_is_not_ok_and_says_so(point):
    result = gradcheck(lambda x: x * x, point)
    assert not result.ok and not result.inputs[0].ok
    why = f"x0 = {point} is not a finite number: there is no slope to check there"
    assert result.inputs[0].problem == why and why in str(result)


def test_a_function_whose_value_is_not_finite_at_the_point_is_not_ok_and_says_so():
    result = gradcheck(lambda x: x / x, 0.0)  # 0 * (1 / 0) = 0 * inf = nan; 1 on either side
    assert not result.ok
    assert result.problem == "the function's value is not finite there (f = nan)"
    assert str(result).startswith(f"gradcheck of f = nan: not ok: {result.problem}")


def test_a_function_not_finite_beside_the_point_is_not_ok_and_says_where():
    result = gradcheck(lambda x: x.sqrt(), 0.0)  # sqrt(-h) = nan
    assert not result.ok
    assert result.inputs[0].problem.startswith("f is not finite at x0 - h = -1e-06 (f = nan)")


@pytest.mark.parametrize("f, left, right", [
    (lambda x: x.relu(), 0.0, 1.0),
    (lambda x: x.abs(), -1.0, 1.0),  # backprop 0 and the central difference 0 agree: no slope
    (lambda x: x.leaky_relu(0.1), 0.1, 1.0),
], ids=["relu", "abs", "leaky_relu"])
def test_at_a_kink_the_report_says_the_function_is_not_differentiable_there(f, left, right):
    result = gradcheck(f, 0.0)
    assert not result.ok
    why = (f"not differentiable at x0 = 0.0: the slope from the left is {left} and from the "
           f"right is {right}")
    assert result.inputs[0].problem == why and why in str(result)


def test_a_kink_is_named_for_its_input_and_the_other_inputs_are_checked():
    result = gradcheck(lambda w, x: w * x.relu(), Value(2.0, label="w"), Value(0.0, label="x"))
    assert result.inputs[0].ok
    assert result.inputs[1].problem.startswith("not differentiable at x = 0.0:")


def test_a_steep_smooth_curve_is_not_taken_for_a_kink():
    # 1e6 * x ** 2 at 0: the one-sided slopes are -1 and 1 with h = 1e-6 (f'' * h = 2), but
    # halve h and they halve too: smooth, with slope 0.
    result = gradcheck(lambda x: x * 1e6 * x, 0.0)
    assert result.ok, str(result)

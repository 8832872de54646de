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

"""Functions of Values: the primitives as plain functions, and composites built from them.

`tanh(x)` reads like math and equals `x.tanh()`; `total(terms)` is one sum node of many terms.
The composites (sqrt, logsumexp, softmax, log_softmax) are made of primitives only, so backward
differentiates them with no new rule.
Every function also takes a plain number, which it treats as a constant.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import ops
from .value import Value, _apply, _as_value


def _value(x: Value | float, fn: str) -> Value:
    if type(x) is Value:  # the common case, checked cheaply first
        return x
    v = _as_value(x)
    if v is None:
        raise TypeError(f"{fn}() takes a Value or a real number, got {type(x).__name__}: {x!r}")
    return v


def exp(x: Value | float) -> Value:
    """e ** x."""
    return _value(x, "exp").exp()


def log(x: Value | float) -> Value:
    """Natural logarithm."""
    return _value(x, "log").log()


def tanh(x: Value | float) -> Value:
    """Hyperbolic tangent."""
    return _value(x, "tanh").tanh()


def sigmoid(x: Value | float) -> Value:
    """Logistic sigmoid."""
    return _value(x, "sigmoid").sigmoid()


def relu(x: Value | float) -> Value:
    """max(x, 0)."""
    return _value(x, "relu").relu()


def leaky_relu(x: Value | float, slope: float = 0.01) -> Value:
    """x if x > 0 else slope * x."""
    return _value(x, "leaky_relu").leaky_relu(slope)


def softplus(x: Value | float) -> Value:
    """log(1 + e ** x), computed without overflow."""
    return _value(x, "softplus").softplus()


def sin(x: Value | float) -> Value:
    """Sine."""
    return _value(x, "sin").sin()


def cos(x: Value | float) -> Value:
    """Cosine."""
    return _value(x, "cos").cos()


def sqrt(x: Value | float) -> Value:
    """Square root: x ** 0.5."""
    return _value(x, "sqrt") ** 0.5


def _values(xs: Iterable[Value | float], fn: str) -> list[Value]:
    values = [_value(x, fn) for x in xs]
    if not values:
        raise ValueError(f"{fn}() needs at least one value, got none")
    return values


def _in_order(xs: Iterable, fn: str, what: str) -> tuple:
    """xs, a list, tuple or other ordered collection, as a tuple; else a TypeError naming fn."""
    if type(xs) is not list and type(xs) is not tuple:  # (the common cases pass fast)
        if (isinstance(xs, (Value, str, bytes)) or not isinstance(xs, Iterable)
                or getattr(xs, "ndim", None) == 0):  # a 0-d numpy array is one number
            raise TypeError(f"{fn}() takes a list of {what}, got {type(xs).__name__}: {xs!r}")
        if isinstance(xs, (set, frozenset, dict)):  # their order, so the sum's, may vary
            raise TypeError(f"{fn}() needs its {what} in order (a list or tuple), got a "
                            f"{type(xs).__name__}")
    return tuple(xs)


def total(terms: Iterable[Value | float]) -> Value:
    """t0 + t1 + ... + tn as one sum node with an input per term.

    It gives the same number as adding the terms one by one from the first, but records one
    node where a chain of + records n (and where sum() records one more, for its start 0): a
    neuron's weighted sum draws as one circle, and backward has half as many nodes to walk.
    Numbers among the terms become constants; a single term is returned as it is.
    """
    values = _in_order(terms, "total", "terms")
    for term in values:
        if type(term) is not Value:  # numbers (or something wrong) among the terms
            values = tuple(_value(t, "total") for t in values)
            break
    if not values:
        raise ValueError("total() needs at least one term, got none")
    return values[0] if len(values) == 1 else _apply(ops.SUM, values)


def weighted_sum(weights: Iterable[Value | float], inputs: Iterable[Value | float],
                 bias: Value | float) -> Value:
    """bias + w0 * x0 + w1 * x1 + ... as one node, with the bias and every weight and input as
    its inputs (in the order bias, w0, x0, w1, x1, ...).

    The number is exactly what total([bias] + [w * x for ...]) gives, added in the same order.
    That records n + 1 nodes (a product per weight, then the sum) where this records one. The
    gradients are the same too, to the last bit when no input depends on another (as in a
    layer, whose inputs all come from the layer before); otherwise backward may add a shared
    node's contributions in another order, which can change the last bit. A neuron built on
    it (`nn.Neuron(..., fused=True)`) draws as one node per neuron and trains about twice as
    fast; its products no longer show as nodes. Numbers among the arguments become constants.
    """
    weights = _in_order(weights, "weighted_sum", "weights")
    inputs = _in_order(inputs, "weighted_sum", "inputs")
    if len(weights) != len(inputs):
        raise ValueError(f"weighted_sum() needs one input per weight, got {len(weights)} "
                         f"weights and {len(inputs)} inputs")
    if not weights:
        raise ValueError("weighted_sum() needs at least one weight, got none")
    operands = [_operand(bias, "bias")]
    for i, (w, x) in enumerate(zip(weights, inputs)):
        # (a neuron's weights and inputs are Values already: checked inline, without a call)
        operands += (w if type(w) is Value else _operand(w, f"weight {i}"),
                     x if type(x) is Value else _operand(x, f"input {i}"))
    return _apply(ops.WEIGHTED_SUM, tuple(operands))


def _operand(x: object, what: str) -> Value:
    """An argument of weighted_sum as a Value, or a TypeError naming which one it was."""
    v = _as_value(x)
    if v is None:
        raise TypeError(f"weighted_sum() {what} must be a Value or a real number, got "
                        f"{type(x).__name__}: {x!r}")
    return v


def logsumexp(xs: Iterable[Value | float]) -> Value:
    """log(sum(exp(x))), stable for large and small x.

    With m = max(x): log(sum(e^x)) = m + log(sum(e^(x - m))), and every e^(x - m) <= 1 cannot
    overflow. m is taken as a constant: the identity holds for any m, so gradients are exact.
    """
    values = _values(xs, "logsumexp")
    m = max(v.data for v in values)
    if m in (float("inf"), float("-inf")):
        m = 0.0  # shifting by inf would turn every term into nan
    terms = [(v - m).exp() for v in values]
    return m + total(terms).log()


def log_softmax(xs: Iterable[Value | float]) -> list[Value]:
    """log(softmax(x)) = x - logsumexp(x), without computing the softmax first."""
    values = _values(xs, "log_softmax")
    lse = logsumexp(values)
    return [v - lse for v in values]


def softmax(xs: Iterable[Value | float]) -> list[Value]:
    """e^x / sum(e^x): probabilities that sum to 1, shifted by max(x) for stability."""
    values = _values(xs, "softmax")
    m = max(v.data for v in values)
    exps = [(v - m).exp() for v in values]
    denominator = total(exps)
    return [e / denominator for e in exps]

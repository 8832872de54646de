"""The op table: every primitive operation of the engine, defined once.

Each primitive has a forward rule (the number it computes), its local derivatives
(d out / d input, one per input) and a sentence for learners. Everything else the engine
can do, such as `a - b`, `a / b`, `sqrt(a)`, softmax or any loss, is composed from these.

Derivative rules are written with plain arithmetic and the functions below, which work on
numbers and on Values alike: called with floats they give the local gradients backward uses;
called with Values they record a graph of the derivative itself (higher-order gradients).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

# --- IEEE-style float functions --------------------------------------------------------------
# Python's math module raises on log(-1), exp(1000) or 0 ** -1. Numerics here follow IEEE
# floats instead (as numpy and PyTorch do): the result is nan or inf, so a diverging training
# run shows its divergence and anomaly mode can point at the operation that caused it.


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: float) -> float:
    if x > 0:
        return math.log(x)  # also log(inf) = inf
    if x == 0:
        return -math.inf
    return math.nan  # negative numbers and nan


def _is_odd_integer(x: float) -> bool:
    return math.isfinite(x) and x == int(x) and int(x) % 2 == 1


def _pow(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except ValueError:
        if a == 0:  # 0 ** negative is a pole: inf, keeping the sign of -0.0 for odd powers
            return math.copysign(math.inf, a) if _is_odd_integer(b) else math.inf
        return math.nan  # negative ** non-integer has no real value
    except OverflowError:
        return -math.inf if a < 0 and _is_odd_integer(b) else math.inf


def _sum(terms: tuple[float, ...]) -> float:
    # Left to right, exactly as a chain of + adds them (Python's sum() starts from 0, which
    # turns -0.0 into 0.0, and from 3.12 on it compensates rounding errors).
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _weighted_sum(bias: float, pairs: tuple[float, ...]) -> float:
    # b + w0 * x0 + w1 * x1 + ..., added left to right: exactly the number a neuron gets from
    # a product node per weight and a sum node, total([b, w0 * x0, w1 * x1, ...]).
    result = bias
    for k in range(0, len(pairs), 2):
        result = result + pairs[k] * pairs[k + 1]
    return result


def _weighted_sum_slopes(pairs: tuple) -> tuple:
    # d out/db = 1; d out/dwi = xi and d out/dxi = wi: in each product, the other factor.
    slopes = [1.0]
    for k in range(0, len(pairs), 2):
        slopes += (pairs[k + 1], pairs[k])
    return tuple(slopes)


def _sigmoid(x: float) -> float:
    # Two algebraically equal forms, each used where exp() cannot overflow.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = _exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): never overflows.
    if math.isnan(x):
        return x
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _safe_sin(x: float) -> float:
    # sin(inf) is nan under IEEE; math.sin raises instead
    return math.sin(x) if math.isfinite(x) else math.nan


def _safe_cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else math.nan


def _float_fn(x: object) -> bool:
    """True when x is a plain number, so a rule should use the float function."""
    return isinstance(x, (int, float))


# --- Functions usable inside derivative rules, on numbers and on Values ----------------------


def exp(x):
    """e ** x, for a number or a Value."""
    return _exp(x) if _float_fn(x) else x.exp()


def log(x):
    """Natural logarithm, for a number or a Value."""
    return _log(x) if _float_fn(x) else x.log()


def sin(x):
    """Sine, for a number or a Value."""
    return _safe_sin(x) if _float_fn(x) else x.sin()


def cos(x):
    """Cosine, for a number or a Value."""
    return _safe_cos(x) if _float_fn(x) else x.cos()


def sigmoid(x):
    """1 / (1 + e ** -x), for a number or a Value."""
    return _sigmoid(x) if _float_fn(x) else x.sigmoid()


def power(x, n):
    """x ** n with IEEE results (0 ** -1 = inf), for a number or a Value x."""
    return _pow(x, n) if _float_fn(x) else x ** n


def _sign(x) -> float:
    """-1.0, 0.0 or 1.0: the slope of abs(x). A constant, even when x is a Value."""
    x = float(x)
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


# --- The table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Primitive:
    """One primitive operation: how to compute it and how to differentiate it.

    forward(*inputs, *params) -> the output number.
    local_grads(*inputs, out, *params) -> one local derivative d out/d input per input.
    arity is how many inputs it takes; None for any number (sum; weighted_sum takes 1 + 2n).
    params names the constants an op carries besides its inputs (the n of a ** n).
    rule is the derivative in words, for people.
    """

    name: str
    symbol: str
    arity: int | None
    forward: Callable[..., float]
    local_grads: Callable[..., tuple]
    rule: str
    params: tuple[str, ...] = ()

    # An op's rules are lambdas, which pickle cannot store, and the table is the one place
    # they live: so an op is stored by its name, and loading looks the name up in the table.
    # A loaded node's op is then the very entry of the table (`is`, not a copy of it).

    def __reduce__(self) -> tuple:
        """How pickle and copy store an op: as the name of its entry in the op table."""
        if PRIMITIVES.get(self.name) is not self:
            raise TypeError(
                f"cannot pickle the op {self.name!r}: it is not the op table's entry of that "
                f"name (autograd.ops.PRIMITIVES), and an op is stored by its name"
            )
        return primitive, (self.name,)

    def __copy__(self) -> Primitive:
        return self  # an op is a constant: a copy of a node shares it

    def __deepcopy__(self, memo: dict) -> Primitive:
        return self


ADD = Primitive(
    name="add", symbol="+", arity=2,
    forward=operator.add,  # a + b, as a built-in function: no Python frame to set up per node
    local_grads=lambda a, b, out: (1.0, 1.0),  # out = a + b: d out/da = 1, d out/db = 1
    rule="d(a + b)/da = 1 and d(a + b)/db = 1: a sum passes the gradient through unchanged",
)

SUM = Primitive(
    name="sum", symbol="+", arity=None,  # any number of terms
    forward=lambda *terms: _sum(terms),
    # out = the sum of the terms: d out/d(each term) = 1. The rule gets the n terms and then
    # out, like every rule, so there is one slope per argument but the last.
    local_grads=lambda *terms_then_out: (1.0,) * (len(terms_then_out) - 1),
    rule="d(sum of terms)/d(any one term) = 1: a sum passes the gradient to each term unchanged",
)

MUL = Primitive(
    name="mul", symbol="*", arity=2,
    forward=operator.mul,  # a * b
    local_grads=lambda a, b, out: (b, a),  # out = a * b: d out/da = b, d out/db = a
    rule="d(a * b)/da = b and d(a * b)/db = a: each factor's slope is the other factor",
)

WEIGHTED_SUM = Primitive(
    name="weighted_sum", symbol="w·x+b", arity=None,  # 1 + 2n inputs: b, w0, x0, w1, x1, ...
    # out = b + w0 * x0 + w1 * x1 + ...: a neuron's weighted sum as one node, where MUL and SUM
    # would make n + 1 (the numbers are the same). The rule gets the inputs and then out.
    forward=lambda bias, *pairs: _weighted_sum(bias, pairs),
    local_grads=lambda bias, *pairs_then_out: _weighted_sum_slopes(pairs_then_out[:-1]),
    rule="d(b + w0 * x0 + w1 * x1 + ...)/dwi = xi, /dxi = wi and /db = 1: "
         "each weight's slope is its input, each input's slope its weight",
)

POW = Primitive(
    name="pow", symbol="**", arity=1, params=("n",),
    forward=lambda a, n: _pow(a, n),
    # out = a ** n with n a constant: d out/da = n * a ** (n - 1). For n = 0, out = 1 is flat:
    # the slope is 0 everywhere, also at a = 0, where the formula would give 0 * inf = nan.
    local_grads=lambda a, out, n: (0.0 if n == 0 else n * power(a, n - 1),),
    rule="d(a ** n)/da = n * a ** (n - 1), for a constant exponent n",
)

VPOW = Primitive(
    name="vpow", symbol="**", arity=2,
    forward=lambda a, b: _pow(a, b),
    # out = a ** b = e ** (b * log a): d out/da = b * a ** (b - 1), d out/db = out * log(a).
    # As in PyTorch, at the edges where the formulas give 0 * inf = nan the slopes are 0:
    # d/da at b = 0 (out = 1 for every a) and d/db at a = 0, b >= 0 (out = 0 ** b).
    local_grads=lambda a, b, out: (
        0.0 if float(b) == 0 else b * power(a, b - 1),
        0.0 if float(a) == 0 and float(b) >= 0 else out * log(a),
    ),
    rule="d(a ** b)/da = b * a ** (b - 1) and d(a ** b)/db = a ** b * log(a)",
)

EXP = Primitive(
    name="exp", symbol="exp", arity=1,
    forward=_exp,
    local_grads=lambda a, out: (out,),  # out = e ** a: d out/da = e ** a = out
    rule="d exp(a)/da = exp(a): the exponential is its own slope",
)

LOG = Primitive(
    name="log", symbol="log", arity=1,
    forward=_log,
    local_grads=lambda a, out: (power(a, -1),),  # out = log(a): d out/da = 1 / a
    rule="d log(a)/da = 1 / a",
)

TANH = Primitive(
    name="tanh", symbol="tanh", arity=1,
    forward=math.tanh,
    local_grads=lambda a, out: (1 - out * out,),  # out = tanh(a): d out/da = 1 - out ** 2
    rule="d tanh(a)/da = 1 - tanh(a) ** 2",
)

SIGMOID = Primitive(
    name="sigmoid", symbol="sigmoid", arity=1,
    forward=_sigmoid,
    local_grads=lambda a, out: (out * (1 - out),),  # out = s(a): d out/da = s(a) * (1 - s(a))
    rule="d sigmoid(a)/da = sigmoid(a) * (1 - sigmoid(a))",
)

RELU = Primitive(
    name="relu", symbol="relu", arity=1,
    forward=lambda a: max(a, 0.0),  # nan stays nan
    # out = max(a, 0): slope 1 where a > 0, else 0 (we take 0 at the kink a = 0)
    local_grads=lambda a, out: (1.0 if float(a) > 0 else 0.0,),
    rule="d relu(a)/da = 1 if a > 0 else 0",
)

LEAKY_RELU = Primitive(
    name="leaky_relu", symbol="leaky_relu", arity=1, params=("slope",),
    forward=lambda a, slope: slope * a if a < 0 else a,  # nan stays nan
    # out = a if a > 0 else slope * a: slope 1 where a > 0, else the small slope
    local_grads=lambda a, out, slope: (1.0 if float(a) > 0 else slope,),
    rule="d leaky_relu(a)/da = 1 if a > 0 else the negative slope",
)

SOFTPLUS = Primitive(
    name="softplus", symbol="softplus", arity=1,
    forward=_softplus,
    local_grads=lambda a, out: (sigmoid(a),),  # out = log(1 + e ** a): d out/da = sigmoid(a)
    rule="d softplus(a)/da = sigmoid(a), where softplus(a) = log(1 + exp(a))",
)

SIN = Primitive(
    name="sin", symbol="sin", arity=1,
    forward=_safe_sin,
    local_grads=lambda a, out: (cos(a),),  # out = sin(a): d out/da = cos(a)
    rule="d sin(a)/da = cos(a)",
)

COS = Primitive(
    name="cos", symbol="cos", arity=1,
    forward=_safe_cos,
    local_grads=lambda a, out: (-sin(a),),  # out = cos(a): d out/da = -sin(a)
    rule="d cos(a)/da = -sin(a)",
)

ABS = Primitive(
    name="abs", symbol="abs", arity=1,
    forward=abs,
    local_grads=lambda a, out: (_sign(a),),  # out = |a|: slope -1, 0 (at the kink) or 1
    rule="d |a|/da = sign(a): 1 if a > 0, -1 if a < 0, 0 at a = 0",
)

# The table itself, in the order the README and the tests list it.
PRIMITIVES: dict[str, Primitive] = {
    op.name: op
    for op in (ADD, SUM, MUL, WEIGHTED_SUM, POW, VPOW, EXP, LOG, TANH, SIGMOID, RELU,
               LEAKY_RELU, SOFTPLUS, SIN, COS, ABS)
}


def primitive(name: str) -> Primitive:
    """The op table's entry named `name` (how a pickled op is loaded)."""
    if not isinstance(name, str):
        raise TypeError(f"an op's name is a str, got {type(name).__name__}: {name!r}")
    try:
        return PRIMITIVES[name]
    except KeyError:
        raise ValueError(
            f"no op named {name!r} in the op table (autograd.ops.PRIMITIVES has "
            f"{', '.join(PRIMITIVES)}); whatever stored it had an op table with one"
        ) from None

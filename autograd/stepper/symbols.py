"""Writing a derivative rule down: the op table's rules, run on symbols instead of numbers.

Each derivative rule in ops.py is plain arithmetic, so it runs on floats (for backward), on
Values (for gradients of gradients) and here on `Sym`, which records the arithmetic as text.
Calling MUL's rule on Sym("a"), Sym("b") returns the text "b": the narration of a step shows
the very rule the engine ran, once with the node names and once with their numbers plugged in.
"""

from __future__ import annotations

import math
import re

from .. import ops
from ..naming import constant_text, format_number

# Binding strength of each kind of expression, to put parentheses only where they are needed.
ATOM, POWER, UNARY, PRODUCT, SUM = 5, 4, 3, 2, 1

fmt = format_number  # the stepper's short name for it: every number, as every surface writes it


def number_factor(x: float, digits: int = 4) -> str:
    """A number as a factor of a product: in parentheses when negative, 2.0 * (-3.0)."""
    text = format_number(x, digits)
    return f"({text})" if text.startswith("-") else text


class Sym:
    """An expression being written down: its text with names, its text with numbers, its value.

    Arithmetic on Syms (and numbers) builds bigger Syms, as arithmetic on Values builds a graph.
    `float(sym)` gives the value, which is what rules such as relu's use for comparisons.
    """

    __slots__ = ("names", "numbers", "value", "binding")

    def __init__(self, names: str, numbers: str, value: float, binding: int = ATOM) -> None:
        self.names = names  # e.g. "1 - out * out"
        self.numbers = numbers  # e.g. "1.0 - 0.7071 * 0.7071"
        self.value = value
        self.binding = binding

    @classmethod
    def named(cls, name: str, value: float) -> Sym:
        """A node of the graph: written as its name, or as its number."""
        return cls(name, fmt(value), value)

    @classmethod
    def number(cls, value: float) -> Sym:
        """A constant: written as its number both ways, whole numbers without ".0"."""
        value = float(value)
        text = constant_text(value)
        return cls(text, text, value)

    def __float__(self) -> float:
        return self.value

    # --- arithmetic: each builds the text of the result -----------------------------------

    def __add__(self, other: Sym | float) -> Sym:
        return _infix(self, "+", other, SUM, self.value + _value(other))

    def __radd__(self, other: float) -> Sym:
        return _infix(other, "+", self, SUM, _value(other) + self.value)

    def __sub__(self, other: Sym | float) -> Sym:
        return _infix(self, "-", other, SUM, self.value - _value(other))

    def __rsub__(self, other: float) -> Sym:
        return _infix(other, "-", self, SUM, _value(other) - self.value)

    def __mul__(self, other: Sym | float) -> Sym:
        return _infix(self, "*", other, PRODUCT, self.value * _value(other))

    def __rmul__(self, other: float) -> Sym:
        return _infix(other, "*", self, PRODUCT, _value(other) * self.value)

    def __truediv__(self, other: Sym | float) -> Sym:
        return _infix(self, "/", other, PRODUCT, _divide(self.value, _value(other)))

    def __rtruediv__(self, other: float) -> Sym:
        return _infix(other, "/", self, PRODUCT, _divide(_value(other), self.value))

    def __pow__(self, other: Sym | float) -> Sym:
        if not isinstance(other, Sym) and float(other) == 1.0:
            return self  # x ** 1 is x: the rule n * a ** (n - 1) for n = 2 reads "2.0 * a"
        return _infix(self, "**", other, POWER, _power(self.value, _value(other)))

    def __rpow__(self, other: float) -> Sym:
        return _infix(other, "**", self, POWER, _power(_value(other), self.value))

    def __neg__(self) -> Sym:
        inner = _as_sym(self)
        names = "-" + _wrap(inner.names, inner.binding < UNARY or _negative(inner.names))
        numbers = "-" + _wrap(inner.numbers, inner.binding < UNARY or _negative(inner.numbers))
        return Sym(names, numbers, -self.value, UNARY)

    # --- the functions ops.py's rules call on non-numbers ------------------------------------
    # The value of each is the op table's own float function (IEEE results: exp(1000) = inf).

    def exp(self) -> Sym:
        """exp(self), written down."""
        return _call("exp", self, ops.exp(self.value))

    def log(self) -> Sym:
        """log(self), written down."""
        return _call("log", self, ops.log(self.value))

    def sin(self) -> Sym:
        """sin(self), written down."""
        return _call("sin", self, ops.sin(self.value))

    def cos(self) -> Sym:
        """cos(self), written down."""
        return _call("cos", self, ops.cos(self.value))

    def tanh(self) -> Sym:
        """tanh(self), written down."""
        return _call("tanh", self, math.tanh(self.value))

    def sigmoid(self) -> Sym:
        """sigmoid(self), written down."""
        return _call("sigmoid", self, ops.sigmoid(self.value))


def call(name: str, args: list[Sym], value: float) -> Sym:
    """`name(arg, ...)` written down, for forward steps such as tanh(t2) or leaky_relu(a, 0.01)."""
    return Sym(
        f"{name}({', '.join(a.names for a in args)})",
        f"{name}({', '.join(a.numbers for a in args)})",
        value,
    )


def infix(left: Sym, symbol: str, right: Sym, value: float) -> Sym:
    """`left symbol right` written down, for forward steps such as x * w."""
    binding = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "**": POWER}[symbol]
    return _infix(left, symbol, right, binding, value)


def operation(symbol: str, operands: list[Sym], value: float) -> Sym:
    """An op of the graph written down as a learner would write it, for forward steps.

    + - * / ** between two operands are infix: x * w, a ** 2.0, x / y, a - 2. A sum of any
    number of terms (ops.SUM, which a neuron uses) is infix too: b + t1 + t2, with parentheses
    only where two terms would need them. A weighted sum (ops.WEIGHTED_SUM, a fused neuron's),
    whose operands are b, w0, x0, w1, x1, ..., is written as that sum of products:
    b + w0 * x0 + w1 * x1. - of one operand is a negation, -x. Every other op is a call:
    tanh(t2), sqrt(x), leaky_relu(a, 0.01).
    """
    if symbol == ops.WEIGHTED_SUM.symbol and len(operands) % 2 == 1:
        bias, weights, inputs = operands[0], operands[1::2], operands[2::2]
        products = [infix(w, "*", x, w.value * x.value) for w, x in zip(weights, inputs)]
        return operation("+", [bias] + products, value)
    if symbol == "-" and len(operands) == 1:
        negated = -operands[0]
        return Sym(negated.names, negated.numbers, value, negated.binding)
    binary = len(operands) == 2 and symbol in ("+", "-", "*", "/", "**")
    if binary or (len(operands) > 2 and symbol == "+"):
        # a + b + c is (a + b) + c: the terms are joined from the left, in the order the engine
        # adds them. Only the last join is kept, so each join is given the value of the whole.
        written = operands[0]
        for operand in operands[1:]:
            written = infix(written, symbol, operand, value)
        return written
    return call(symbol, operands, value)


def lead(text: str) -> str:
    """Drop the parentheses around a negative number that starts a text: -3.0 * 2.0."""
    match = re.match(r"\((-[^()\s]+)\)(.*)", text)
    if match and not match.group(2).lstrip().startswith("**"):  # (-3.0) ** 2 keeps them
        return match.group(1) + match.group(2)
    return text


# --- helpers ---------------------------------------------------------------------------------


def _negative(text: str) -> bool:
    return text.startswith("-")


def _value(x: Sym | float) -> float:
    return x.value if isinstance(x, Sym) else float(x)


def _as_sym(x: Sym | float) -> Sym:
    return x if isinstance(x, Sym) else Sym.number(x)


def _wrap(text: str, needed: bool) -> str:
    return f"({text})" if needed else text


def _infix(left: Sym | float, symbol: str, right: Sym | float, binding: int, value: float) -> Sym:
    """Write `left symbol right`, with parentheses where binding strength requires them.

    A negative number is put in parentheses everywhere (1 - (-0.5)); `lead()` removes them
    again from the start of a whole line, where "-3.0 * 2.0" is clearer.
    """
    left, right = _as_sym(left), _as_sym(right)
    # a ** b ** c groups to the right, a - b - c to the left: the other side needs parentheses
    left_needs = left.binding < binding or (binding == POWER and left.binding <= POWER)
    right_needs = right.binding < binding or (binding != POWER and right.binding == binding
                                              and symbol in "-/")
    names = (f"{_wrap(left.names, left_needs or _negative(left.names))} {symbol} "
             f"{_wrap(right.names, right_needs or _negative(right.names))}")
    numbers = (f"{_wrap(left.numbers, left_needs or _negative(left.numbers))} {symbol} "
               f"{_wrap(right.numbers, right_needs or _negative(right.numbers))}")
    return Sym(names, numbers, value, binding)


def _call(name: str, arg: Sym, value: float) -> Sym:
    return call(name, [arg], value)


def _divide(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


def _power(a: float, b: float) -> float:
    return ops.power(a, b)  # the engine's own IEEE results: 0.0 ** -2 is inf, as recorded

"""Where inf and nan come from, in words: the stepper's account of IEEE float arithmetic.

Floats follow IEEE rules rather than raising: exp(1000) overflows to inf, log(0) is -inf,
inf + (-inf) and 0 * inf are nan, and a nan going in gives nan coming out. The walkthrough
marks the first step of each pass that makes an inf or a nan, and says which rule made it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .symbols import fmt

LARGEST = "floats stop at about 1.8e308"
OPPOSITE = "inf and -inf have no sum"
ZERO_TIMES = "0 times an infinity has no value"
SUMS = ("add", "sum")  # ops whose result is the sum of their inputs
DIFFERENCES = ("sub", "sub_number")  # a - b and a - 2 (composites.py)
NOT_REAL = ("log", "pow", "vpow", "sqrt")  # ops with no real value for some inputs: log(-1)


def reason(text: str, result: float, operands: Sequence[float], op: str) -> str:
    """Why `text`, an operation written with its numbers, gives the non-finite `result`.

    op is the name of a primitive or composite ("add", "mul", "exp", "sub", ...), or any
    other word for an operation (a collapsed module): the reason is then the general one.
    """
    said = f"{text} is {fmt(result)}"
    if any(math.isnan(x) for x in operands):
        return f"{said} (a nan going in gives nan coming out)"
    finite = all(math.isfinite(x) for x in operands)
    if math.isnan(result):
        if op in SUMS and math.inf in operands and -math.inf in operands:
            return f"{said} ({OPPOSITE})"
        if op in DIFFERENCES and math.isinf(operands[0]) and operands[0] == operands[1]:
            return f"{said} (an infinity minus itself has no value)"
        if op == "mul" and 0 in operands and not finite:
            return f"{said} ({ZERO_TIMES})"
        if op == "div" and (operands[0] == operands[1] == 0 or not finite):
            return f"{said} (0 / 0 and inf / inf have no value)"
        if finite and op in NOT_REAL:  # log(-1), (-8) ** 0.5, sqrt(-1)
            return f"{said} (it has no real value)"
        if finite:  # a weighted sum whose products overflow to inf and -inf
            return f"{said} (a part of it overflows, and {OPPOSITE})"
        return f"{said} (it has no value for an infinite input)"  # sin(inf), say
    if not finite:
        return f"{said} (an infinite input gives an infinite result)"
    if op == "log" and operands[0] == 0:
        return f"{said} (log(a) falls without bound as a nears 0)"
    if op in ("pow", "vpow") and operands[0] == 0:
        return f"{said} (0 to a negative power divides by zero)"
    if op == "div" and operands[1] == 0:
        return f"{said} (dividing by 0)"
    return f"{text} overflows to {fmt(result)} ({LARGEST})"


def first_words(quantity: str, result: float, only_nan: bool) -> str:
    """What the first inf or nan of a pass means: "the first value that is not finite; ..."."""
    if only_nan:  # an inf came before: this is the first nan
        return f"the first nan {quantity}; almost everything computed from a nan is nan"
    if math.isnan(result):
        return (f"the first {quantity} that is not finite; almost everything computed from a "
                f"nan is nan")
    return f"the first {quantity} that is not finite; what is computed from it may be inf or nan"

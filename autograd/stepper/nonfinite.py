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
POLES = ("log", "pow", "vpow")  # ops with a pole at 0: log(0) = -inf, 0 ** -1 = inf


def reason(text: str, result: float, operands: Sequence[float], op: str) -> str:
    """Why `text`, an operation written with its numbers, gives the non-finite `result`.

    op is a primitive's name ("add", "mul", "exp", ...), or any other word for an operation
    the op table does not have (a collapsed module): the reason is then the general one.
    """
    said = f"{text} is {fmt(result)}"
    if any(math.isnan(x) for x in operands):
        return f"{said} (a nan going in gives nan coming out)"
    finite = all(math.isfinite(x) for x in operands)
    if math.isnan(result):
        if op in SUMS and math.inf in operands and -math.inf in operands:
            return f"{said} ({OPPOSITE})"
        if op == "mul" and 0 in operands and not finite:
            return f"{said} ({ZERO_TIMES})"
        if finite and op in POLES:  # log(-1), (-8) ** 0.5
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
    return f"{text} overflows to {fmt(result)} ({LARGEST})"


def first_words(quantity: str, result: float, only_nan: bool) -> str:
    """What the first inf or nan of a pass means: "the first value that is not finite; ..."."""
    if only_nan:  # an inf came before: this is the first nan
        return f"the first nan {quantity}; almost everything computed from a nan is nan"
    if math.isnan(result):
        return (f"the first {quantity} that is not finite; almost everything computed from a "
                f"nan is nan")
    return f"the first {quantity} that is not finite; what is computed from it may be inf or nan"

"""Argument checks shared across nn: each returns the argument or raises an error that names it.

nn checks every argument where it is given, so a mistake is reported in a sentence that names
the bad value and what was expected, not as a puzzling failure deep inside training. `what`
names the argument as the user wrote it, e.g. "SGD lr" or "fit epochs".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real

from autograd import Value


def positive_int(x: object, what: str) -> int:
    """x as an int, after a TypeError if it is not one (bools are not) or a ValueError if < 1."""
    if isinstance(x, bool) or not isinstance(x, Integral):
        raise TypeError(f"{what} must be an int, got {type(x).__name__}: {x!r}")
    if x < 1:
        raise ValueError(f"{what} must be at least 1, got {x}")
    return int(x)


def non_negative(x: object, what: str, high: float | None = None) -> float:
    """x as a float, after a TypeError if it is not a number or a ValueError if < 0 (or > high)."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what} must be a number, got {type(x).__name__}: {x!r}")
    if not x >= 0:  # also refuses nan
        raise ValueError(f"{what} must be >= 0, got {x!r}")
    if high is not None and x > high:
        raise ValueError(f"{what} must be between 0 and {high}, got {x!r}")
    return float(x)


def finite_non_negative(x: object, what: str, high: float | None = None) -> float:
    """As non_negative, and a ValueError for inf: for rates and factors, which must be finite.

    An infinite learning rate is as meaningless as a nan one: SGD(lr=inf) turns every weight
    into inf or nan on its first step.
    """
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what} must be a number, got {type(x).__name__}: {x!r}")
    try:
        finite = math.isfinite(x)
    except OverflowError:  # an int too large for a float, e.g. 10**400
        finite = False
    if not finite:
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    return non_negative(x, what, high)


def flag(x: object, what: str) -> bool:
    """x itself, after a TypeError if it is not True or False."""
    if not isinstance(x, bool):
        raise TypeError(f"{what} must be True or False, got {x!r}")
    return x


def value_list(params: object, who: str) -> list[Value]:
    """params as a list of Values, after a TypeError naming what was given instead."""
    if isinstance(params, (Value, str, bytes)) or not isinstance(params, Iterable):
        hint = "; did you mean model.parameters()?" if hasattr(params, "parameters") else ""
        raise TypeError(f"{who} takes a list of Values, got {type(params).__name__}{hint}")
    params = list(params)
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{who} takes Values, got {type(p).__name__} at index {i}")
    return params

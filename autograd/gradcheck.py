"""Check backpropagation against the definition of a derivative.

The central difference (f(x + h) - f(x - h)) / 2h approaches df/dx with an error of order h^2,
so it is an independent witness for every gradient backward computes. Where there is no
derivative to witness, the report says why instead: the point or the function's value there
is not finite, or the function has a kink (the slopes from the left and from the right differ).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from numbers import Real

from .value import Value


@dataclass(frozen=True)
class InputCheck:
    """The two gradients of one input, whether they agree, and why not, when there is a why.

    problem says, in words, what makes the check fail besides a plain mismatch of the two
    numbers: the input is not finite, f is not finite beside it, or f has no slope there.
    """

    index: int
    label: str
    data: float
    backprop: float
    numeric: float
    ok: bool
    problem: str = ""

    @property
    def abs_error(self) -> float:
        """|backprop - numeric|."""
        return abs(self.backprop - self.numeric)


@dataclass(frozen=True)
class GradcheckResult:
    """Per-input comparison; true when every input agrees within tolerance.

    problem says what is wrong with the point as a whole ("" when nothing): the function's
    value there is not finite.
    """

    output: float
    inputs: tuple[InputCheck, ...]
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when the function's value is finite and every input's gradients agree."""
        return not self.problem and all(check.ok for check in self.inputs)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "not ok" + (f": {self.problem}" if self.problem else "")
        lines = [f"gradcheck of f = {self.output:.6g}: {verdict}"]
        for c in self.inputs:
            status = "ok" if c.ok else "NOT OK" if c.problem else "MISMATCH"
            lines.append(
                f"  {c.label:>8} = {c.data:<12.6g} backprop {c.backprop:<14.8g} "
                f"numeric {c.numeric:<14.8g} error {c.abs_error:.2e} {status}"
            )
            if c.problem:
                lines.append(f"  {'':>8}   {c.problem}")
        return "\n".join(lines)


def gradcheck(
    f: Callable[..., Value],
    *inputs: float | Value,
    h: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> GradcheckResult:
    """Compare backprop gradients of f at `inputs` with central differences, input by input.

    f takes one Value per input and returns a Value. An input agrees when
    |backprop - numeric| <= atol + rtol * |numeric|, and its check is not ok, saying why, where
    f has no derivative to compare: at an input that is not finite, where f is not finite on
    either side of it, or at a kink. The result is not ok when f's value is not finite.
    """
    if not callable(f):
        raise TypeError(f"gradcheck needs a function of Values, got {type(f).__name__}")
    if not inputs:
        raise ValueError("gradcheck needs at least one input value")
    for name, x in (("h", h), ("rtol", rtol), ("atol", atol)):
        if not isinstance(x, Real) or not x >= 0 or (name == "h" and x == 0):
            raise ValueError(f"gradcheck {name} must be a positive number, got {x!r}")
    points = [float(x.data) if isinstance(x, Value) else float(_number(x)) for x in inputs]
    labels = [
        x.label if isinstance(x, Value) and x.label else f"x{i}" for i, x in enumerate(inputs)
    ]

    leaves = [Value(p, label=label) for p, label in zip(points, labels)]
    out = _call(f, leaves)
    out.backward()

    checks = []
    for i, leaf in enumerate(leaves):
        f_at = partial(_evaluate, f, points, i)  # f with input i moved: f_at(x + h)
        x = points[i]
        up, down = f_at(x + h), f_at(x - h)
        numeric = (up - down) / (2 * h)
        problem = _no_derivative(f_at, labels[i], x, out.data, up, down, h, rtol, atol)
        close = abs(leaf.grad - numeric) <= atol + rtol * abs(numeric)  # False for a nan
        checks.append(InputCheck(i, labels[i], x, leaf.grad, numeric, close and not problem,
                                 problem))
    problem = "" if math.isfinite(out.data) else (
        f"the function's value is not finite there (f = {out.data})")
    return GradcheckResult(out.data, tuple(checks), problem)


def _no_derivative(f_at: Callable[[float], float], label: str, x: float, fx: float,
                   up: float, down: float, h: float, rtol: float, atol: float) -> str:
    """Why f has no derivative in input `label` = x for the central difference to check, or ""
    (fx, up and down are f at x, x + h and x - h; f_at(t) is f with this input at t)."""
    if not math.isfinite(x):
        return f"{label} = {x} is not a finite number: there is no slope to check there"
    for side, moved, value in (("-", x - h, down), ("+", x + h, up)):
        if not math.isfinite(value):
            return (f"f is not finite at {label} {side} h = {moved!r} (f = {value}): the central "
                    f"difference needs f on both sides")
    if not math.isfinite(fx):
        return ""  # the result as a whole says so
    # The slopes from the left and from the right, (f(x) - f(x - h)) / h and
    # (f(x + h) - f(x)) / h, differ by about f''(x) * h where f is smooth: halving h halves
    # their difference. At a kink they differ by the jump in slope, however small h is.
    # Rounding f's values to floats moves a slope by up to about 2 eps |f| / h, so the
    # difference of the slopes with h / 2 by up to `rounding`. A difference counts when it is
    # over the check's tolerance by four times that: then a smooth f's shrinks to at most
    # 1/2 + 1/4 of it.
    left, right = (fx - down) / h, (up - fx) / h
    rounding = 8 * sys.float_info.epsilon * max(abs(fx), abs(up), abs(down)) / h
    if not abs(right - left) > atol + rtol * max(abs(left), abs(right)) + 4 * rounding:
        return ""
    half = h / 2
    half_left, half_right = (fx - f_at(x - half)) / half, (f_at(x + half) - fx) / half
    if not abs(half_right - half_left) > 0.75 * abs(right - left):
        return ""  # the difference shrank with h: f curves there, smoothly
    return (f"not differentiable at {label} = {x!r}: the slope from the left is "
            f"{_rounded(left)!r} and from the right is {_rounded(right)!r}")


def _rounded(slope: float) -> float:
    """slope to 6 significant digits, as (f(x + h) - f(x)) / h is only that close anyway."""
    return float(f"{slope:.6g}")


def _number(x: object) -> float:
    if not isinstance(x, Real):
        raise TypeError(f"gradcheck inputs must be numbers or Values, got {type(x).__name__}")
    return float(x)


def _call(f: Callable[..., Value], leaves: list[Value]) -> Value:
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    return out


def _evaluate(f: Callable[..., Value], points: list[float], i: int, moved: float) -> float:
    """f at `points` with input i moved to `moved`."""
    shifted = list(points)
    shifted[i] = moved
    return _call(f, [Value(p) for p in shifted]).data

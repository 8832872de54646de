"""Check backpropagation against the definition of a derivative.

The central difference (f(x + h) - f(x - h)) / 2h approaches df/dx with an error of order h^2,
so it is an independent witness for every gradient backward computes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real

from .value import Value


@dataclass(frozen=True)
class InputCheck:
    """The two gradients of one input and whether they agree."""

    index: int
    label: str
    data: float
    backprop: float
    numeric: float
    ok: bool

    @property
    def abs_error(self) -> float:
        """|backprop - numeric|."""
        return abs(self.backprop - self.numeric)


@dataclass(frozen=True)
class GradcheckResult:
    """Per-input comparison; true when every input agrees within tolerance."""

    output: float
    inputs: tuple[InputCheck, ...]

    @property
    def ok(self) -> bool:
        """True when every input's gradients agree."""
        return all(check.ok for check in self.inputs)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [f"gradcheck of f = {self.output:.6g}: {'ok' if self.ok else 'MISMATCH'}"]
        for c in self.inputs:
            lines.append(
                f"  {c.label:>8} = {c.data:<12.6g} backprop {c.backprop:<14.8g} "
                f"numeric {c.numeric:<14.8g} error {c.abs_error:.2e} {'ok' if c.ok else 'MISMATCH'}"
            )
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
    |backprop - numeric| <= atol + rtol * |numeric|.
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
        up = _evaluate(f, points, i, points[i] + h)
        down = _evaluate(f, points, i, points[i] - h)
        numeric = (up - down) / (2 * h)
        close = abs(leaf.grad - numeric) <= atol + rtol * abs(numeric)
        both_nan = math.isnan(leaf.grad) and math.isnan(numeric)
        checks.append(InputCheck(i, labels[i], points[i], leaf.grad, numeric, close or both_nan))
    return GradcheckResult(out.data, tuple(checks))


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

"""Dropout: randomly silence some values while training, so no unit can rely on another.

In training mode each value is zeroed with probability p and the survivors are scaled by
1 / (1 - p), which keeps the expected value of every output equal to its input. In eval mode
dropout does nothing, so a trained model gives the same answer every time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Real

import numpy as np

from autograd import Value

from .module import Module
from .rng import make_rng


class Dropout(Module):
    """Zero each input with probability p in training mode; the identity in eval mode.

    Takes a list of Values (or numbers) and returns a list of the same length. The zeroed
    ones are computed as x * 0, so they stay in the graph and receive a gradient of 0.
    """

    def __init__(
        self, p: float = 0.5, seed: int | None = None, rng: np.random.Generator | None = None
    ) -> None:
        if isinstance(p, bool) or not isinstance(p, Real):
            raise TypeError(f"dropout probability p must be a number, got {type(p).__name__}")
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability p must be between 0 and 1, got {p}")
        self.p = float(p)
        self.rng = make_rng(seed, rng)

    def __call__(self, x: Sequence[Value | float]) -> list[Value | float]:
        """In training: each x_i * mask_i / (1 - p), mask_i 0 with probability p; else x as is."""
        if isinstance(x, (Value, Real, str, bytes)) or not isinstance(x, Iterable):
            raise TypeError(f"Dropout takes a list of Values, got {type(x).__name__}")
        x = list(x)
        for i, xi in enumerate(x):
            if not isinstance(xi, (Value, Real)):
                raise TypeError(f"Dropout input {i} must be a Value or a number, got {xi!r}")
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return [xi * 0.0 for xi in x]  # everything dropped (and no division by 1 - p = 0)
        scale = 1.0 / (1.0 - self.p)  # E[mask * scale] = (1 - p) * 1 / (1 - p) = 1
        keep = self.rng.random(len(x)) >= self.p  # True with probability 1 - p
        return [xi * (scale if kept else 0.0) for xi, kept in zip(x, keep)]

    def extra_repr(self) -> str:
        return f"p={self.p}"

"""Random numbers, reproducibly: everything in nn that draws them takes `seed=` or `rng=`.

The same seed gives the same weights, the same dropout masks and the same data sets, on any
machine: each draw comes from a numpy Generator, never from a hidden global one.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np


def make_rng(
    seed: int | None = None, rng: np.random.Generator | None = None
) -> np.random.Generator:
    """The generator to draw from: `rng` itself, a new one seeded with `seed`, or a fresh one."""
    if seed is not None and rng is not None:
        raise ValueError("give either seed or rng, not both")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}: {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be 0 or more, got {seed}")
    return np.random.default_rng(int(seed))

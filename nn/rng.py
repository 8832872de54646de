"""Random numbers, reproducibly: everything in nn that draws them takes `seed=` or `rng=`.

The same seed gives the same weights, the same dropout masks and the same data sets, on any
machine: each draw comes from a numpy Generator. Given neither seed nor rng, nn draws from its
default generator, which starts from DEFAULT_SEED in every new Python process, so a program
gives the same numbers on every run; manual_seed(n) starts it again from n.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

DEFAULT_SEED = 0
"""Where nn's default generator starts in every new Python process."""

# nn's default generator: one stream for the whole process, as PyTorch and numpy have one.
# A fresh seed for each model instead would make every unseeded model start the same, so
# "twenty random starts" would be one start twenty times. manual_seed() reseeds it in place,
# so modules holding it (Dropout) follow the new seed too.
_default = np.random.default_rng(DEFAULT_SEED)


def manual_seed(seed: int) -> None:
    """Start nn's default generator again from `seed`: the draws that follow repeat exactly."""
    _default.bit_generator.state = np.random.default_rng(_checked_seed(seed)).bit_generator.state


def make_rng(
    seed: int | None = None, rng: np.random.Generator | None = None
) -> np.random.Generator:
    """The generator to draw from: `rng` itself, a new one seeded with `seed`, or nn's default."""
    if seed is not None and rng is not None:
        raise ValueError("give either seed or rng, not both")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    if seed is None:
        return _default
    return np.random.default_rng(_checked_seed(seed))


def _checked_seed(seed: object) -> int:
    """seed as an int of 0 or more, or a TypeError / ValueError naming it."""
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}: {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be 0 or more, got {seed}")
    return int(seed)

"""Small seeded data sets in two dimensions, for training and drawing decision boundaries.

Each function returns (X, y) as numpy arrays: X of shape (n, 2) with float64 points, y of
shape (n,) with integer class labels 0, 1, ... The same seed gives the same points. Models
take a point as it is (`model(X[i])`); `X.tolist()` gives plain Python floats.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from .rng import make_rng


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: label 0 on the upper arc, label 1 on the lower one.

    The upper arc is (cos t, sin t) and the lower (1 - cos t, 0.5 - sin t) for t in [0, pi],
    each point moved by Gaussian noise of standard deviation `noise`; the order is shuffled.
    """
    n, noise, rng = _check(n, noise, seed, "make_moons")
    n_upper = n // 2
    t_upper = np.linspace(0.0, math.pi, n_upper)
    t_lower = np.linspace(0.0, math.pi, n - n_upper)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    labels = np.array([0] * n_upper + [1] * (n - n_upper))
    return _noisy_shuffle(np.concatenate([upper, lower]), labels, noise, rng)


def make_circles(
    n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two rings around the origin: label 0 on the circle of radius 1, label 1 on radius factor."""
    n, noise, rng = _check(n, noise, seed, "make_circles")
    if isinstance(factor, bool) or not isinstance(factor, Real) or not 0 < factor < 1:
        raise ValueError(f"make_circles factor must be between 0 and 1, got {factor!r}")
    n_outer = n // 2
    t_outer = np.linspace(0.0, 2 * math.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * math.pi, n - n_outer, endpoint=False)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = factor * np.stack([np.cos(t_inner), np.sin(t_inner)], axis=1)
    labels = np.array([0] * n_outer + [1] * (n - n_outer))
    return _noisy_shuffle(np.concatenate([outer, inner]), labels, noise, rng)


def make_xor(
    n: int = 100, noise: float = 0.0, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in the square [-1, 1]^2; label 1 where x and y have opposite signs.

    No straight line separates the classes: the smallest problem that needs a hidden layer.
    The noise moves the points after they are labelled.
    """
    n, noise, rng = _check(n, noise, seed, "make_xor")
    points = rng.uniform(-1.0, 1.0, size=(n, 2))
    labels = (points[:, 0] * points[:, 1] < 0).astype(np.int64)
    return points + rng.normal(0.0, noise, size=(n, 2)), labels


def make_blobs(
    n: int = 100, centers: int = 3, std: float = 0.5, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters with labels 0 .. centers - 1, centred evenly on a circle of radius 2."""
    n, std, rng = _check(n, std, seed, "make_blobs", "std")
    if isinstance(centers, bool) or not isinstance(centers, Integral) or not 1 <= centers <= n:
        raise ValueError(f"make_blobs centers must be a whole number from 1 to n, got {centers!r}")
    labels = np.arange(n) % centers  # as even a split as n allows
    angles = 2 * math.pi * labels / centers
    middles = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return _noisy_shuffle(middles, labels, std, rng)


def _check(
    n: object, noise: object, seed: object, who: str, noise_name: str = "noise"
) -> tuple[int, float, np.random.Generator]:
    """n, the noise level and a generator, after checking them."""
    if isinstance(n, bool) or not isinstance(n, Integral):
        raise TypeError(f"{who} n must be an int, got {type(n).__name__}: {n!r}")
    if n < 2:
        raise ValueError(f"{who} n must be at least 2 (one point per class), got {n}")
    what = f"{who} {noise_name}"
    if isinstance(noise, bool) or not isinstance(noise, Real):
        raise TypeError(f"{what} must be a number, got {type(noise).__name__}: {noise!r}")
    if not noise >= 0:
        raise ValueError(f"{what} must be >= 0, got {noise!r}")
    return int(n), float(noise), make_rng(seed)


def _noisy_shuffle(
    points: np.ndarray, labels: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The points moved by Gaussian noise, then points and labels shuffled together."""
    points = points + rng.normal(0.0, noise, size=points.shape)
    order = rng.permutation(len(points))
    return points[order], labels[order].astype(np.int64)

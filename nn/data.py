"""Small seeded data sets, and the two chores of training on them: splitting and batching.

Each make_* function returns (X, y) as numpy arrays: X of shape (n, 2) with float64 points, y
of shape (n,) with integer class labels 0, 1, ... (make_sine: X of shape (n, 1) and float
targets y). The same seed gives the same points. Models take a point as it is (`model(X[i])`);
`X.tolist()` gives plain Python floats. A test set the model never trains on tells whether it
learned the pattern or memorized the points (train_test_split); batches() deals mini-batches.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from numbers import Integral, Real

import numpy as np

from .checks import flag, non_negative
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


def make_spirals(
    n: int = 100, classes: int = 2, turns: float = 1.0, noise: float = 0.05, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Spiral arms winding out of the origin, one per class: hard for a straight line, or two.

    Arm k is r * (cos a, sin a) with r from 0.1 to 1 and a = 2 pi (turns * r + k / classes):
    the arms turn `turns` times and are evenly spaced; Gaussian noise then moves each point.
    """
    n, noise, rng = _check(n, noise, seed, "make_spirals")
    if isinstance(classes, bool) or not isinstance(classes, Integral) or not 2 <= classes <= n:
        raise ValueError(
            f"make_spirals classes must be a whole number from 2 to n, got {classes!r}"
        )
    if isinstance(turns, bool) or not isinstance(turns, Real) or not turns > 0:
        raise ValueError(f"make_spirals turns must be a number above 0, got {turns!r}")
    labels = np.arange(n) % classes  # as even a split as n allows
    radius = np.empty(n)
    for k in range(classes):
        arm = labels == k
        radius[arm] = np.linspace(0.1, 1.0, int(arm.sum()))
    angle = 2 * math.pi * (turns * radius + labels / classes)
    points = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _noisy_shuffle(points, labels, noise, rng)


def make_sine(
    n: int = 50, noise: float = 0.1, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D regression problem: y = sin(x) plus Gaussian noise, for x uniform in [-pi, pi].

    X has shape (n, 1) (one input per example, so `model(X[i])` works) and is sorted, which
    makes plotting the curve easy; y has shape (n,) and holds float64 targets.
    """
    n, noise, rng = _check(n, noise, seed, "make_sine")
    x = np.sort(rng.uniform(-math.pi, math.pi, size=n))
    return x[:, None], np.sin(x) + rng.normal(0.0, noise, size=n)


def train_test_split(
    X: Sequence | np.ndarray,
    y: Sequence | np.ndarray,
    test_size: float = 0.25,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the examples and hold out a fraction: (X_train, X_test, y_train, y_test).

    As scikit-learn's function of the same name: test_size is the fraction (between 0 and 1)
    of examples kept for testing, rounded, with at least one example on each side.
    """
    X, y = _examples(X, y, "train_test_split")
    if isinstance(test_size, bool) or not isinstance(test_size, Real) or not 0 < test_size < 1:
        raise ValueError(
            f"train_test_split test_size must be a fraction between 0 and 1, got {test_size!r}"
        )
    if len(X) < 2:
        raise ValueError(f"train_test_split needs at least 2 examples, got {len(X)}")
    n_test = min(max(round(len(X) * test_size), 1), len(X) - 1)
    order = make_rng(seed).permutation(len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def batches(
    X: Sequence | np.ndarray,
    y: Sequence | np.ndarray,
    batch_size: int,
    shuffle: bool = True,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Deal (X_batch, y_batch) mini-batches of batch_size examples; the last may be smaller.

    With shuffle, each call deals the examples in a new random order (one epoch); every
    example appears exactly once per call, unless drop_last leaves out a last, smaller batch
    (batch normalization cannot measure the spread of a batch of one).
    """
    X, y = _examples(X, y, "batches")
    if isinstance(batch_size, bool) or not isinstance(batch_size, Integral):
        raise TypeError(f"batches batch_size must be an int, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batches batch_size must be at least 1, got {batch_size}")
    flag(shuffle, "batches shuffle")
    flag(drop_last, "batches drop_last")
    order = make_rng(seed, rng).permutation(len(X)) if shuffle else np.arange(len(X))
    for start in range(0, len(X), batch_size):
        chosen = order[start : start + batch_size]
        if drop_last and len(chosen) < batch_size:
            return
        yield X[chosen], y[chosen]


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 handwritten digits, 8x8 pixels: X (1797, 64) in [0, 1], y in 0..9.

    The images ship inside scikit-learn (nothing is downloaded). Pixel darkness, 0 to 16 in
    the original, is divided by 16. Needs the `digits` extra: pip install 'chainrule[digits]'.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn, which is not installed; install it with "
            "pip install 'chainrule[digits]' (or pip install scikit-learn)"
        ) from None
    digits = sklearn_load_digits()
    return digits.data.astype(np.float64) / 16.0, digits.target.astype(np.int64)


def _examples(X: object, y: object, who: str) -> tuple[np.ndarray, np.ndarray]:
    """X and y as numpy arrays with one entry per example, after checking they agree."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{who} takes sequences of examples, got a single number")
    if len(X) != len(y):
        raise ValueError(f"{who} got {len(X)} inputs X but {len(y)} targets y")
    if len(X) == 0:
        raise ValueError(f"{who} got no examples")
    return X, y


def _check(
    n: object, noise: object, seed: object, who: str, noise_name: str = "noise"
) -> tuple[int, float, np.random.Generator]:
    """n, the noise level and a generator, after checking them."""
    if isinstance(n, bool) or not isinstance(n, Integral):
        raise TypeError(f"{who} n must be an int, got {type(n).__name__}: {n!r}")
    if n < 2:
        raise ValueError(f"{who} n must be at least 2 (one point per class), got {n}")
    return int(n), non_negative(noise, f"{who} {noise_name}"), make_rng(seed)


def _noisy_shuffle(
    points: np.ndarray, labels: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The points moved by Gaussian noise, then points and labels shuffled together."""
    points = points + rng.normal(0.0, noise, size=points.shape)
    order = rng.permutation(len(points))
    return points[order], labels[order].astype(np.int64)

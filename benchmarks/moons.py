"""The benchmark step, written for each engine: MLP(2, [16, 16, 1]) on 100 two-moons points.

One step is micrograd's demo: scores for all points, max-margin loss + L2 (alpha 1e-4),
backward, and an SGD update of all 337 parameters. Every engine starts from the same weights,
so their first losses must agree (run.py checks). The numpy and PyTorch versions hold the
weights as matrices and the batch as one array: the speed a scalar engine can hope to approach.
"""

from __future__ import annotations

import math
import random

import numpy as np

import nn
from autograd.compiled import trace

SIZES = [2, 16, 16, 1]
ALPHA = 1e-4  # L2 strength, as in micrograd's demo
LR = 0.05  # a fixed learning rate: the benchmark runs hundreds of steps


def moons_data() -> tuple[list[list[float]], list[int]]:
    """100 points of two moons (nn.make_moons, seed 1) and their labels as -1 or +1."""
    X, y = nn.make_moons(100, noise=0.1, seed=1)
    return X.tolist(), [2 * int(label) - 1 for label in y]


def initial_weights(seed: int = 2) -> list[float]:
    """One starting weight per parameter, in micrograd's (and nn's) order: for each layer, for
    each neuron, its weights then its bias. Uniform in [-1, 1] as micrograd draws them."""
    rng = random.Random(seed)
    weights = []
    for nin, nout in zip(SIZES, SIZES[1:]):
        for _ in range(nout):
            weights += [rng.uniform(-1, 1) for _ in range(nin)] + [0.0]
    return weights


class ChainruleEager:
    """chainrule's eager engine: the graph is rebuilt on every step (the readable core).

    fused: each neuron's weighted sum as one node (nn.MLP(..., fused=True)) rather than a
    product node per weight and a sum node; the same numbers.
    """

    def __init__(self, points: list, labels: list, weights: list[float],
                 fused: bool = False) -> None:
        self.model = nn.MLP(2, SIZES[1:], fused=fused)
        self.model.load_state_dict(dict(zip(self.model.state_dict(), weights)))
        self.points, self.labels = points, labels
        self.optimizer = nn.SGD(self.model.parameters(), lr=LR)

    def loss(self, points: list) -> object:
        scores = [self.model(x) for x in points]
        return nn.hinge(scores, self.labels) + nn.l2_penalty(self.model.parameters(), ALPHA)

    def step(self) -> float:
        loss = self.loss(self.points)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.data


class ChainruleCompiled(ChainruleEager):
    """The same step through the compiled replay: one line differs from ChainruleEager.step."""

    def __init__(self, points: list, labels: list, weights: list[float]) -> None:
        super().__init__(points, labels, weights)
        self.X = np.array(points)  # the replay reads arguments as arrays; lists work too
        self.compiled_loss = trace(self.loss, self.X)

    def step(self) -> float:
        loss = self.compiled_loss(self.X)  # was: loss = self.loss(self.points)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.data


class NumpyBatched:
    """The same step on batched numpy arrays, with the backward pass written out by hand."""

    def __init__(self, points: list, labels: list, weights: list[float]) -> None:
        self.X = np.array(points)
        self.y = np.array(labels, dtype=float)
        self.params = _as_matrices(weights, np.array)

    def step(self) -> float:
        W1, b1, W2, b2, W3, b3 = self.params
        X, y, n = self.X, self.y, len(self.y)
        z1 = X @ W1 + b1                                  # forward
        h1 = np.maximum(z1, 0.0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0.0)
        scores = (h2 @ W3 + b3)[:, 0]
        margins = 1.0 - y * scores
        loss = np.maximum(margins, 0.0).mean() + ALPHA * sum((p * p).sum() for p in self.params)
        d_scores = (np.where(margins > 0, -y, 0.0) / n)[:, None]   # backward
        dz2 = (d_scores @ W3.T) * (z2 > 0)
        dz1 = (dz2 @ W2.T) * (z1 > 0)
        grads = (X.T @ dz1, dz1.sum(0), h1.T @ dz2, dz2.sum(0), h2.T @ d_scores, d_scores.sum(0))
        for p, g in zip(self.params, grads):               # SGD, with the L2 gradient 2*alpha*p
            p -= LR * (g + 2 * ALPHA * p)
        return float(loss)


class TorchBatched:
    """The same step in PyTorch: batched tensors, autograd and torch.optim.SGD."""

    def __init__(self, points: list, labels: list, weights: list[float]) -> None:
        import torch

        # One thread: for matrices this small it is the fastest, and idle worker threads spin
        # on the second core, slowing whichever case runs next.
        torch.set_num_threads(1)
        self.torch = torch
        self.X = torch.tensor(points, dtype=torch.float64)
        self.y = torch.tensor(labels, dtype=torch.float64)
        self.params = _as_matrices(weights, lambda a: torch.tensor(a, dtype=torch.float64,
                                                                   requires_grad=True))
        self.optimizer = torch.optim.SGD(self.params, lr=LR)

    def step(self) -> float:
        W1, b1, W2, b2, W3, b3 = self.params
        h1 = (self.X @ W1 + b1).relu()
        h2 = (h1 @ W2 + b2).relu()
        scores = (h2 @ W3 + b3)[:, 0]
        loss = (1.0 - self.y * scores).relu().mean() + ALPHA * sum((p * p).sum()
                                                                   for p in self.params)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()


def _as_matrices(weights: list[float], make) -> list:
    """The flat weight list as [W1, b1, W2, b2, W3, b3], W of shape (nin, nout)."""
    matrices, start = [], 0
    for nin, nout in zip(SIZES, SIZES[1:]):
        block = np.array(weights[start:start + nout * (nin + 1)]).reshape(nout, nin + 1)
        matrices += [make(np.ascontiguousarray(block[:, :nin].T)), make(block[:, nin].copy())]
        start += nout * (nin + 1)
    return matrices


def relative_difference(a: float, b: float) -> float:
    """|a - b| relative to the larger of the two."""
    return abs(a - b) / max(abs(a), abs(b), math.ulp(0.0))

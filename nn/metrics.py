"""Metrics: numbers that say how training goes, read off the model without changing it.

accuracy() counts right answers, which the loss only hints at. gradient_norms() measures how
much gradient reaches each layer: in a deep net of sigmoids it shrinks layer by layer on the
way back (vanishing gradients), with large weights it can grow (exploding gradients).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real

from autograd import Value

from .module import Module


def predicted_class(output: Value | float | Sequence[Value | float]) -> int:
    """The class an output stands for: its largest score's index, or for one score 1 if > 0."""
    if isinstance(output, (Value, Real)):
        return int(float(output) > 0)
    scores = [float(s) for s in output]
    if not scores:
        raise ValueError("predicted_class got an empty list of scores")
    return max(range(len(scores)), key=scores.__getitem__)  # the first of equal scores wins


def accuracy(outputs: Iterable, targets: Iterable) -> float:
    """The fraction of examples whose predicted class is the target class.

    outputs: one model output per example, a list of class scores (targets are class indices)
    or a single score (positive means class 1; targets may be 0/1 or -1/+1, where a target
    above 0 is the positive class, so the labels of the hinge loss work as they are).
    """
    outputs, targets = list(outputs), list(targets)
    if len(outputs) != len(targets):
        raise ValueError(f"accuracy got {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError("accuracy got no outputs: there is nothing to count")
    right = 0
    for output, target in zip(outputs, targets):
        if isinstance(output, (Value, Real)):  # one score: compare the sides of 0
            right += (float(output) > 0) == (float(target) > 0)
        else:
            right += predicted_class(output) == int(target)
    return right / len(outputs)


def gradient_norms(model: Module) -> dict[str, float]:
    """The length (2-norm) of the gradient of each part of the model, by submodule name.

    For an MLP the parts are its layers: {"layers.0": 0.8, "layers.1": 0.05, ...}; the
    model's own parameters, if it has any, come under "". Read it after backward().
    """
    if not isinstance(model, Module):
        raise TypeError(f"gradient_norms takes a Module, got {type(model).__name__}")
    parts = [("", [p for _, p in model.own_parameters()])]
    parts += [(name, module.parameters()) for name, module in model.submodules()]
    return {
        name: math.hypot(*(float(p.grad) for p in params))  # sqrt(g0 ** 2 + g1 ** 2 + ...)
        for name, params in parts
        if params
    }

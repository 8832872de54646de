"""Gradient clipping: cap the gradients before a step, so one bad batch cannot fling the model.

By norm: if the gradient vector, all parameters together, is longer than max_norm, shrink it
to that length; its direction is kept. By value: cut each gradient into [-clip, clip].
Call either between loss.backward() and optimizer.step().
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value

from .checks import non_negative, value_list


def clip_grad_norm(params: Iterable[Value], max_norm: float) -> float:
    """Scale all grads so their joint 2-norm is at most max_norm; return the norm before.

    As torch.nn.utils.clip_grad_norm_: with norm = sqrt(sum of grad ** 2), every grad is
    multiplied by max_norm / (norm + 1e-6) when that is below 1 (the 1e-6 avoids 0 / 0).
    """
    params = value_list(params, "clip_grad_norm")
    max_norm = non_negative(max_norm, "clip_grad_norm max_norm")
    # sqrt(g0**2 + g1**2 + ...), without overflow; float(), as a grad may be a Value
    norm = math.hypot(*(float(p.grad) for p in params))
    scale = max_norm / (norm + 1e-6)
    if scale < 1:
        for p in params:
            p.grad = p.grad * scale
    return norm


def clip_grad_value(params: Iterable[Value], clip: float) -> None:
    """Clamp every grad into [-clip, clip], each on its own (this can turn the direction)."""
    params = value_list(params, "clip_grad_value")
    clip = non_negative(clip, "clip_grad_value clip")
    for p in params:
        p.grad = min(max(float(p.grad), -clip), clip)  # a Value grad: clamp its number

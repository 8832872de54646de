"""The op table again, on numpy arrays: each primitive's forward rule and local derivatives.

The compiled replay runs one rule over many nodes at once, so every rule here takes arrays
(one entry per node) instead of floats. Each entry mirrors its entry in autograd/ops.py line
for line, including the IEEE results for special inputs, and the tests check the two against
each other for every primitive: a new primitive without an entry here fails them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import ops


@dataclass(frozen=True)
class ArrayRule:
    """One primitive on arrays: forward(*inputs, *params) and local_grads(*inputs, out, *params).

    local_grads returns one array (or a number, for a constant slope) per input, like ops.py.
    """

    forward: Callable[..., np.ndarray]
    local_grads: Callable[..., tuple]


def _where_special(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """A mask of the entries where numpy's pow may disagree with C's: zero, inf or nan around."""
    return (a == 0) | ~np.isfinite(a) | ~np.isfinite(out)


def _pow(a: np.ndarray, n) -> np.ndarray:
    """a ** n elementwise, with the same special values as ops._pow (C99 pow).

    numpy's power takes shortcuts (n = 0.5 becomes sqrt, so (-0.0) ** 0.5 is -0.0 and
    (-inf) ** 0.5 is nan, where C's pow gives 0.0 and inf). Those rare entries are recomputed
    with the engine's own scalar rule, so the two engines agree on them too.
    """
    out = np.power(a, n)
    special = _where_special(a, out)
    if special.any():
        exponents = np.broadcast_to(n, a.shape)[special]
        out[special] = [ops._pow(x, e) for x, e in zip(a[special].tolist(), exponents.tolist())]
    return out


def _log(a: np.ndarray) -> np.ndarray:
    return np.log(a)  # IEEE: log(0) = -inf, log(negative) = nan, as ops._log


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # The same two forms as ops._sigmoid, each where its exp() cannot overflow.
    positive = 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x)
    return np.where(x >= 0, positive, e / (1.0 + e))


def _softplus(x: np.ndarray) -> np.ndarray:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), as ops._softplus; nan stays nan.
    return np.where(0.0 > x, 0.0, x) + np.log1p(np.exp(-np.abs(x)))


def _sign(a: np.ndarray) -> np.ndarray:
    # ops._sign: 1, -1, or 0 at the kink; nan gives 0 there (np.sign would give nan)
    return np.where(a > 0, 1.0, np.where(a < 0, -1.0, 0.0))


# The table, keyed like ops.PRIMITIVES. Comments give the forward expression of each entry.
ARRAY_RULES: dict[str, ArrayRule] = {
    "add": ArrayRule(  # out = a + b
        forward=lambda a, b: a + b,
        local_grads=lambda a, b, out: (1.0, 1.0),
    ),
    # out = t0 + t1 + ... + tn, added left to right as ops._sum adds them (on arrays too). The
    # fused replay computes sum nodes as SumGroups (program.py), which add in the same order;
    # this entry runs them op by op (trace(fn, fuse=False)).
    "sum": ArrayRule(
        forward=lambda *terms: ops._sum(terms),
        local_grads=lambda *terms_and_out: (1.0,) * (len(terms_and_out) - 1),
    ),
    "mul": ArrayRule(  # out = a * b
        forward=lambda a, b: a * b,
        local_grads=lambda a, b, out: (b, a),
    ),
    # out = b + w0 * x0 + w1 * x1 + ..., added left to right by ops._weighted_sum, which runs
    # on arrays as it is; slopes 1 for b, xi for wi and wi for xi. As with "sum", the fused
    # replay computes these nodes as SumGroups (program.py); this entry runs them op by op.
    "weighted_sum": ArrayRule(
        forward=lambda bias, *pairs: ops._weighted_sum(bias, pairs),
        local_grads=lambda bias, *pairs_and_out: ops._weighted_sum_slopes(pairs_and_out[:-1]),
    ),
    "pow": ArrayRule(  # out = a ** n, n a constant; for n = 0 the slope is 0, also at a = 0
        forward=lambda a, n: _pow(a, n),
        local_grads=lambda a, out, n: (0.0 if n == 0 else n * _pow(a, n - 1),),
    ),
    "vpow": ArrayRule(  # out = a ** b; slopes 0 where the formulas give 0 * inf, as in ops.py
        forward=lambda a, b: _pow(a, b),
        local_grads=lambda a, b, out: (
            np.where(b == 0, 0.0, b * _pow(a, b - 1)),
            np.where((a == 0) & (b >= 0), 0.0, out * _log(a)),
        ),
    ),
    "exp": ArrayRule(  # out = e ** a
        forward=np.exp,
        local_grads=lambda a, out: (out,),
    ),
    "log": ArrayRule(  # out = log(a)
        forward=_log,
        local_grads=lambda a, out: (_pow(a, -1.0),),
    ),
    "tanh": ArrayRule(  # out = tanh(a)
        forward=np.tanh,
        local_grads=lambda a, out: (1 - out * out,),
    ),
    "sigmoid": ArrayRule(  # out = sigmoid(a)
        forward=_sigmoid,
        local_grads=lambda a, out: (out * (1 - out),),
    ),
    "relu": ArrayRule(  # out = max(a, 0), written as Python's max(a, 0.0) evaluates it
        forward=lambda a: np.where(0.0 > a, 0.0, a),
        local_grads=lambda a, out: (np.where(a > 0, 1.0, 0.0),),
    ),
    "leaky_relu": ArrayRule(  # out = slope * a if a < 0 else a
        forward=lambda a, slope: np.where(a < 0, slope * a, a),
        local_grads=lambda a, out, slope: (np.where(a > 0, 1.0, slope),),
    ),
    "softplus": ArrayRule(  # out = log(1 + e ** a)
        forward=_softplus,
        local_grads=lambda a, out: (_sigmoid(a),),
    ),
    "sin": ArrayRule(  # out = sin(a); sin(inf) is nan
        forward=np.sin,
        local_grads=lambda a, out: (np.cos(a),),
    ),
    "cos": ArrayRule(  # out = cos(a)
        forward=np.cos,
        local_grads=lambda a, out: (-np.sin(a),),
    ),
    "abs": ArrayRule(  # out = |a|
        forward=np.abs,
        local_grads=lambda a, out: (_sign(a),),
    ),
}

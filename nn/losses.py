"""Losses: one number that says how wrong the predictions are, built from Values.

Training lowers the loss by following its gradient, so each loss here is written as plain
arithmetic on Values and backward() differentiates it. Where a formula would overflow for
large inputs (exp(1000)), it is rewritten into an equal one that cannot (softplus, logsumexp).
Losses over several examples return their mean.
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral, Real

from autograd import Value, logsumexp, name_scope, relu, softplus, total

from .checks import non_negative, value_list


def mse(predictions: Value | Iterable[Value | float], targets: float | Iterable[float]) -> Value:
    """Mean squared error: mean((prediction - target) ** 2).

    Takes one prediction and one target, or equally long lists of them.
    """
    predictions = _as_list(predictions, "mse predictions")
    targets = _as_list(targets, "mse targets")
    _same_length(predictions, targets, "mse", "predictions", "targets")
    return _mean([(p - t) ** 2 for p, t in zip(predictions, targets)])


def binary_cross_entropy_with_logits(
    logits: Value | Iterable[Value | float], targets: float | Iterable[float]
) -> Value:
    """Binary cross-entropy of sigmoid(logit) against targets in [0, 1], computed stably.

    With p = sigmoid(z): loss = -(y log p + (1 - y) log(1 - p)). Since log sigmoid(z) =
    -softplus(-z), log(1 - sigmoid(z)) = -softplus(z) and softplus(-z) = softplus(z) - z,
    this is loss = softplus(z) - y * z: no log of 0 and no exp overflow, even at z = +-1000.
    """
    logits = _as_list(logits, "binary_cross_entropy_with_logits logits")
    targets = _as_list(targets, "binary_cross_entropy_with_logits targets")
    _same_length(logits, targets, "binary_cross_entropy_with_logits", "logits", "targets")
    for i, y in enumerate(_numbers_only(targets, "binary_cross_entropy_with_logits targets")):
        if not 0 <= y <= 1:
            raise ValueError(
                f"binary cross-entropy targets must be in [0, 1], got {y!r} at index {i}"
            )
    return _mean([softplus(z) - y * z for z, y in zip(logits, targets)])


def cross_entropy(
    logits: Iterable[Value | float] | Iterable[Iterable[Value | float]],
    target: int | Iterable[int],
) -> Value:
    """Softmax cross-entropy: -log softmax(logits)[target] = logsumexp(logits) - logits[target].

    One example: a list of class scores and the index of the right class. A batch: a list of
    such lists and a list of indices; the result is the mean over the examples.
    logsumexp subtracts the largest logit before exponentiating, so no exp can overflow.
    """
    if _is_index(target):
        return _cross_entropy_one(_as_list(logits, "cross_entropy logits", scalar=False), target)
    if isinstance(target, (Value, Real, str, bytes)):  # a float or a bool is no class index
        raise TypeError(f"cross_entropy target must be a class index (int), got {target!r}")
    rows = _as_list(logits, "cross_entropy logits", scalar=False, numbers=False)
    targets = _as_list(target, "cross_entropy targets", numbers=False)
    _same_length(rows, targets, "cross_entropy", "rows of logits", "targets")
    losses = []
    for i, (row, t) in enumerate(zip(rows, targets)):
        row = _as_list(row, f"cross_entropy logits row {i}", scalar=False)
        losses.append(_cross_entropy_one(row, t))
    return _mean(losses)


def hinge(scores: Value | Iterable[Value | float], labels: float | Iterable[float]) -> Value:
    """The max-margin (SVM) loss of micrograd's demo: mean(relu(1 - label * score)).

    Labels are -1 or +1. An example costs nothing once its score has the right sign with a
    margin of at least 1, and costs linearly more the further it is from that.
    """
    scores = _as_list(scores, "hinge scores")
    labels = _as_list(labels, "hinge labels")
    _same_length(scores, labels, "hinge", "scores", "labels")
    for i, y in enumerate(_numbers_only(labels, "hinge labels")):
        if y not in (-1, 1):
            raise ValueError(
                f"hinge labels must be -1 or +1, got {y!r} at index {i} "
                "(for 0/1 labels use 2 * y - 1)"
            )
    return _mean([relu(1 - y * s) for s, y in zip(scores, labels)])


def l1_penalty(params: Iterable[Value], alpha: float) -> Value:
    """alpha * sum(|p|): pushes weights to exactly 0 (sparse models)."""
    params, alpha = _penalty_arguments(params, alpha, "l1_penalty")
    with name_scope("l1_penalty"):  # one step at a walkthrough's top level, a box in drawings
        return alpha * total([abs(p) for p in params])


def l2_penalty(params: Iterable[Value], alpha: float) -> Value:
    """alpha * sum(p ** 2), as micrograd's demo: pulls every weight towards 0 (weight decay).

    Its gradient is 2 * alpha * p. (There is no 1/2 in front, unlike some textbooks.)
    """
    params, alpha = _penalty_arguments(params, alpha, "l2_penalty")
    with name_scope("l2_penalty"):  # one step at a walkthrough's top level, a box in drawings
        return alpha * total([p * p for p in params])


# --- helpers ---------------------------------------------------------------------------------


def _mean(terms: list[Value | float]) -> Value:
    """(t0 + t1 + ... + tn) / n."""
    return total(terms) * (1.0 / len(terms))


def _as_list(x: object, what: str, scalar: bool = True, numbers: bool = True) -> list:
    """x as a non-empty list: a single Value or number becomes [x] when scalar is True.

    With numbers True, every item must be a Value or a real number.
    """
    if isinstance(x, (Value, Real)) and not isinstance(x, bool):
        if scalar:
            return [x]
        raise TypeError(f"{what} must be a list, got {type(x).__name__}: {x!r}")
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        raise TypeError(f"{what} must be a Value, a number or a list, got {type(x).__name__}")
    items = list(x)
    if not items:
        raise ValueError(f"{what} is empty")
    if numbers:
        for i, item in enumerate(items):
            if isinstance(item, bool) or not isinstance(item, (Value, Real)):
                raise TypeError(
                    f"{what} must hold Values or numbers, got {type(item).__name__} at index {i}"
                )
    return items


def _numbers_only(items: list, what: str) -> list:
    """items, after checking that none is a Value: targets and labels are plain numbers."""
    for i, item in enumerate(items):
        if isinstance(item, Value):
            raise TypeError(f"{what} must be plain numbers, got a Value at index {i}")
    return items


def _is_index(x: object) -> bool:
    """True for an int (or numpy integer) that is not a bool."""
    return isinstance(x, Integral) and not isinstance(x, bool)


def _same_length(a: list, b: list, fn: str, a_name: str, b_name: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{fn} got {len(a)} {a_name} but {len(b)} {b_name}")


def _cross_entropy_one(logits: list, target: object) -> Value:
    """logsumexp(logits) - logits[target] for one example."""
    if not _is_index(target):
        raise TypeError(f"cross_entropy target must be a class index (int), got {target!r}")
    if not 0 <= target < len(logits):
        raise ValueError(
            f"cross_entropy target {target} is out of range for {len(logits)} classes "
            f"(expected 0 to {len(logits) - 1})"
        )
    # -log(e^z_t / sum_j e^z_j) = log(sum_j e^z_j) - z_t
    return logsumexp(logits) - logits[int(target)]


def _penalty_arguments(params: object, alpha: object, fn: str) -> tuple[list[Value], float]:
    """params as a non-empty list of Values and alpha as a float >= 0, or a clear error."""
    params = value_list(params, fn)
    if not params:
        raise ValueError(f"{fn} got no parameters (an exhausted generator?)")
    return params, non_negative(alpha, f"{fn} alpha")

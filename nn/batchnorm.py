"""Batch normalization: rescale every activation by the statistics of the current mini-batch.

For each feature j, over the examples of a batch: x_hat = (x - mean) / sqrt(var + eps), then
out = gamma_j * x_hat + beta_j, with gamma and beta learned. The mean and variance are Values
computed from the batch, so backward also flows through them: each example's gradient depends
on the other examples. In eval mode, running averages of the statistics stand in for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral, Real

from autograd import Value, total

from .module import Module


class BatchNorm(Module):
    """Normalize num_features activations over a mini-batch, then scale and shift them.

    The same computation as torch.nn.BatchNorm1d. Call it on a whole batch, a list of rows
    with num_features numbers or Values each; it returns a list of rows of the same shape.
    Training: statistics from the batch (it needs at least 2 rows), and the running averages
    move towards them: running = (1 - momentum) * running + momentum * batch statistic (the
    running variance uses the unbiased batch variance, sum / (n - 1), as torch does).
    Eval: the running averages, so one example at a time gives the same answer every time.
    """

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        if isinstance(num_features, bool) or not isinstance(num_features, Integral):
            raise TypeError(f"BatchNorm num_features must be an int, got {num_features!r}")
        if num_features < 1:
            raise ValueError(f"BatchNorm num_features must be at least 1, got {num_features}")
        for name, x in (("momentum", momentum), ("eps", eps)):
            if isinstance(x, bool) or not isinstance(x, Real):
                raise TypeError(f"BatchNorm {name} must be a number, got {x!r}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNorm momentum must be between 0 and 1, got {momentum!r}")
        if not eps > 0:
            raise ValueError(f"BatchNorm eps must be above 0, got {eps!r}")
        self.num_features = int(num_features)
        self.momentum = float(momentum)
        self.eps = float(eps)
        features = range(self.num_features)
        self.gamma = [Value(1.0, label=f"gamma{j}") for j in features]  # scale, learned
        self.beta = [Value(0.0, label=f"beta{j}") for j in features]  # shift, learned
        self.running_mean = [Value(0.0, label=f"running_mean{j}") for j in features]
        self.running_var = [Value(1.0, label=f"running_var{j}") for j in features]
        self.tag_parameters()

    def own_parameters(self) -> list[tuple[str, Value]]:
        """The scales "gamma.0", "gamma.1", ..., then the shifts "beta.0", "beta.1", ..."""
        return [(f"gamma.{j}", g) for j, g in enumerate(self.gamma)] + [
            (f"beta.{j}", b) for j, b in enumerate(self.beta)
        ]

    def own_buffers(self) -> list[tuple[str, Value]]:
        """The running statistics: "running_mean.j" and "running_var.j" for each feature j."""
        return [(f"running_mean.{j}", m) for j, m in enumerate(self.running_mean)] + [
            (f"running_var.{j}", v) for j, v in enumerate(self.running_var)
        ]

    def __call__(self, batch: Sequence[Sequence[Value | float]]) -> list[list[Value]]:
        """gamma * (x - mean) / sqrt(var + eps) + beta for every x, feature by feature."""
        rows = _check_batch(batch, self.num_features, self.training)
        columns = []
        for j in range(self.num_features):
            column = [row[j] for row in rows]  # feature j of every example
            if self.training:
                mean = _mean(column)
                centered = [x - mean for x in column]
                var = _mean([c * c for c in centered])  # biased: divided by n, as torch does
                self._update_running(j, float(mean), float(var), len(column))
            else:  # plain numbers: constants in the graph, nothing flows back to them
                mean, var = self.running_mean[j].data, self.running_var[j].data
                centered = [x - mean for x in column]
            inverse_std = (var + self.eps) ** -0.5  # 1 / sqrt(var + eps)
            columns.append([self.gamma[j] * (c * inverse_std) + self.beta[j] for c in centered])
        return [list(row) for row in zip(*columns)]  # back from columns to rows

    def _update_running(self, j: int, mean: float, var: float, n: int) -> None:
        """Move feature j's running averages towards this batch's mean and unbiased variance."""
        m = self.momentum
        self.running_mean[j].data = (1 - m) * self.running_mean[j].data + m * mean
        self.running_var[j].data = (1 - m) * self.running_var[j].data + m * var * n / (n - 1)

    def extra_repr(self) -> str:
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}"


def _mean(xs: list) -> Value:
    """(x0 + x1 + ... + xn) / n, the sum as one node."""
    return total(xs) * (1.0 / len(xs))


def _check_batch(batch: object, num_features: int, training: bool) -> list[list]:
    """The batch as a list of rows of num_features numbers or Values, or a clear error."""
    if isinstance(batch, (Value, Real, str, bytes)) or not isinstance(batch, Iterable):
        raise TypeError(f"BatchNorm takes a batch (a list of rows), got {type(batch).__name__}")
    rows = []
    for i, row in enumerate(batch):
        if isinstance(row, (Value, Real, str, bytes)) or not isinstance(row, Iterable):
            raise TypeError(
                f"BatchNorm takes a list of rows, each a list of {num_features} numbers or "
                f"Values; row {i} is a {type(row).__name__}"
            )
        row = list(row)
        if len(row) != num_features:
            raise ValueError(f"BatchNorm expects {num_features} features, row {i} has {len(row)}")
        for x in row:
            if isinstance(x, bool) or not isinstance(x, (Value, Real)):
                raise TypeError(f"BatchNorm row {i} holds {x!r}, not a number or a Value")
        rows.append(row)
    if not rows:
        raise ValueError("BatchNorm got an empty batch")
    if training and len(rows) < 2:
        raise ValueError(
            f"BatchNorm in training mode needs at least 2 rows per batch to measure a "
            f"variance, got {len(rows)}; call .eval() to normalize single examples, and in "
            f"training leave out a last batch of one (nn.fit(..., drop_last=True))"
        )
    return rows

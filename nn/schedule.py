"""Learning-rate schedules: change an optimizer's lr as training goes on.

Big steps early cover ground fast; small steps late settle into a minimum. A schedule
computes the learning rate for epoch t from the starting rate (a closed formula of t) and
writes it into `optimizer.lr` each time you call `scheduler.step()`, as torch.optim does.
"""

from __future__ import annotations

import math

from .checks import finite_non_negative, positive_int
from .optim import Optimizer


class LRScheduler:
    """The base of every schedule: step() advances one epoch and sets optimizer.lr.

    base_lr is the optimizer's lr when the schedule was made; last_epoch counts step() calls.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__} takes an Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self.last_lr = optimizer.lr

    def lr_at(self, epoch: int) -> float:
        """The learning rate for `epoch` (0 is the start)."""
        raise NotImplementedError(f"{type(self).__name__} does not define lr_at()")

    def step(self) -> None:
        """Move to the next epoch and set the optimizer's learning rate for it."""
        self.last_epoch += 1
        self.last_lr = self.lr_at(self.last_epoch)
        self.optimizer.lr = self.last_lr

    def get_last_lr(self) -> float:
        """The learning rate the last step() set (a float: chainrule has one parameter group)."""
        return self.last_lr


class StepLR(LRScheduler):
    """Multiply the learning rate by gamma every step_size epochs.

    lr = base_lr * gamma ** (t // step_size), for epoch t.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = positive_int(step_size, "StepLR step_size")
        self.gamma = finite_non_negative(gamma, "StepLR gamma")
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        """base_lr * gamma ** (epoch // step_size)."""
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by gamma every epoch: lr = base_lr * gamma ** t."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = finite_non_negative(gamma, "ExponentialLR gamma")
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        """base_lr * gamma ** epoch."""
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """Glide from base_lr down to eta_min along half a cosine over t_max epochs.

    lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / t_max)) / 2: flat at the start,
    steepest in the middle, flat again at eta_min when t = t_max. Stepping past t_max climbs
    back up the cosine, as torch's does; stop stepping at t_max to stay at eta_min.
    """

    def __init__(self, optimizer: Optimizer, t_max: int, eta_min: float = 0.0) -> None:
        self.t_max = positive_int(t_max, "CosineAnnealingLR t_max")
        self.eta_min = finite_non_negative(eta_min, "CosineAnnealingLR eta_min")
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        """eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / t_max)) / 2."""
        cosine = math.cos(math.pi * epoch / self.t_max)  # 1 at the start, -1 at t_max
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + cosine) / 2

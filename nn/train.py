"""fit(): the training loop written out once, with the chores that every real run needs.

Each epoch deals the training set in mini-batches, and each batch is one step: forward,
loss, backward, optimizer step. Around that loop: validation after every epoch, a History of
plain numbers, early stopping that restores the best weights, checkpoints through save(), and
Ctrl-C, which ends training cleanly and keeps the best model and the history so far.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from numbers import Real
from typing import TextIO

import numpy as np

from autograd import Value, dead_relus, gc_paused, no_grad

from .checks import flag, positive_int
from .clip import clip_grad_norm
from .data import batches
from .layers import Layer
from .metrics import gradient_norms
from .module import Module
from .optim import Optimizer
from .progress import Progress, progress_bar
from .rng import make_rng
from .schedule import LRScheduler

# The shapes of the functions fit() takes:
#   loss_fn(outputs, targets) -> Value      the mean loss of a batch, e.g. nn.mse, nn.hinge
#   metric(outputs, targets) -> float       a number to watch, e.g. nn.accuracy
#   forward(inputs) -> outputs              one output per input row; default: model(x) each
LossFunction = Callable[[list, list], Value]
Metric = Callable[[list, list], float]
Forward = Callable[[list], list]


@dataclass
class History:
    """What happened during fit(): one number per epoch for each name, and how it ended.

    metrics: {"loss": [...], "accuracy": [...], "val_loss": [...], "lr": [...], ...}. Training
    numbers are means over the epoch's batches (the model changes as the epoch goes on); the
    "val_" numbers are measured on the validation set after the epoch, in eval mode.
    grad_norms: one gradient_norms(model) dict per step, before clipping (if recorded).
    monitor, best, best_epoch: the number that decides which weights are best, its best value
    and the epoch (counted from 1) where it was reached.
    stop_reason: "finished", "early stopping", "stopped by a callback", "interrupted",
    "loss is not finite", or, when a layer of relus is dead, e.g. "every relu in layers.1 is
    off for every input, so no step can turn them on again" (see autograd.dead_relus).
    """

    metrics: dict[str, list[float]] = field(default_factory=dict)
    grad_norms: list[dict[str, float]] = field(default_factory=list)
    monitor: str = "loss"
    best: float | None = None
    best_epoch: int | None = None
    stop_reason: str = "finished"

    def __getitem__(self, name: str) -> list[float]:
        """history["val_loss"] is history.metrics["val_loss"]."""
        if name not in self.metrics:
            raise KeyError(f"the history has no {name!r}; it has {', '.join(self.metrics)}")
        return self.metrics[name]

    @property
    def epochs(self) -> int:
        """How many epochs were run (a diverged or interrupted one included)."""
        return len(self.metrics.get("loss", []))

    @property
    def interrupted(self) -> bool:
        """True when Ctrl-C (KeyboardInterrupt) ended training."""
        return self.stop_reason == "interrupted"

    def record(self, numbers: Mapping[str, float]) -> None:
        """Append one epoch's numbers."""
        for name, value in numbers.items():
            self.metrics.setdefault(name, []).append(value)


@dataclass
class TrainingState:
    """What a callback is given after each epoch. Set stop = True to end training there."""

    model: Module
    optimizer: Optimizer
    history: History
    epoch: int  # the epoch just finished, counted from 1
    stop: bool = False


def fit(
    model: Module,
    loss_fn: LossFunction,
    optimizer: Optimizer,
    X: Sequence | np.ndarray,
    y: Sequence | np.ndarray,
    *,
    epochs: int = 10,
    batch_size: int | None = None,
    drop_last: bool = False,
    validation: tuple[Sequence | np.ndarray, Sequence | np.ndarray] | None = None,
    metrics: Mapping[str, Metric] | None = None,
    penalty: Callable[[], Value] | None = None,
    clip_norm: float | None = None,
    scheduler: LRScheduler | None = None,
    monitor: str | None = None,
    patience: int | None = None,
    restore_best: bool = True,
    checkpoint: str | os.PathLike | None = None,
    record_grad_norms: bool = False,
    forward: Forward | None = None,
    callbacks: Sequence[Callable[[TrainingState], object]] = (),
    progress: bool | TextIO = False,
    seed: int | None = None,
) -> History:
    """Train `model` on inputs X and targets y, and return the History of the run.

    Each step: outputs = forward(batch inputs); loss = loss_fn(outputs, batch targets), plus
    penalty() if given (e.g. an L2 penalty: recorded losses leave it out); backward; clip the
    gradient's norm to clip_norm if given; optimizer.step(). After each epoch: the validation
    set, if given, is evaluated; scheduler.step(); callbacks run.

    batch_size: examples per step (None: the whole set, in order; else shuffled by seed).
    drop_last: skip the last batch of an epoch when it is smaller than batch_size (batch
    normalization needs at least 2 examples in a batch).
    metrics: name -> metric, e.g. {"accuracy": nn.accuracy}, recorded for training and
    validation. monitor: the recorded name that decides the best weights ("val_loss" when
    there is validation data, else "loss"); names ending in "loss" are better when lower,
    the others when higher. patience: stop after this many epochs without a new best (None:
    never early). restore_best: end with the best weights, however training ended (for a
    training number and one batch per epoch, the weights before that epoch's step, which is
    what its loss measured).
    checkpoint: a path where every new best model is saved (model.save); that its folder
    exists and is writable is checked before the first epoch. progress: True to show
    progress on stderr, or a stream to show it on: in a terminal, a bar with the numbers on
    lines below it; elsewhere, one line per epoch. A loss that turns inf or nan stops
    training, and so does an epoch in which every relu of a layer was off for every input:
    such a layer passes no gradient back, so no step can turn it on again (stop_reason names
    the layer).
    """
    _check_fit_arguments(
        model, optimizer, epochs, batch_size, patience, clip_norm, progress, scheduler, callbacks
    )
    if checkpoint is not None:  # checked now, not when the first best model is saved
        _check_checkpoint(checkpoint)
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or len(X) != len(y) or len(X) == 0:
        raise ValueError(
            f"fit needs as many targets y as inputs X (at least one), got {X.shape} and {y.shape}"
        )
    if validation is not None:  # checked now, not after a first epoch of training
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError(f"fit validation must be a pair (X_val, y_val), got {validation!r}")
        X_val, y_val = np.asarray(validation[0]), np.asarray(validation[1])
        if X_val.ndim == 0 or len(X_val) != len(y_val) or len(X_val) == 0:
            raise ValueError(
                f"fit validation needs as many targets y_val as inputs X_val (at least one), "
                f"got {X_val.shape} and {y_val.shape}"
            )
        if X_val.shape[1:] != X.shape[1:]:
            raise ValueError(
                f"fit validation inputs have shape {X_val.shape[1:]} each, but the training "
                f"inputs {X.shape[1:]}"
            )
        validation = (X_val, y_val)
    if isinstance(metrics, (str, bytes)) or not isinstance(metrics, (Mapping, type(None))):
        raise TypeError(
            f"fit metrics must map names to functions, e.g. {{'accuracy': nn.accuracy}}, "
            f"got {type(metrics).__name__}"
        )
    metrics = dict(metrics or {})
    forward = forward or _one_example_at_a_time(model)
    monitor = monitor or ("val_loss" if validation is not None else "loss")
    _check_monitor(monitor, metrics, validation is not None)
    lower_is_better = monitor.endswith("loss")
    batch_size = batch_size or len(X)
    shuffle = batch_size < len(X)  # one batch of everything: no need to shuffle
    rng = make_rng(seed)
    flag(drop_last, "fit drop_last")
    if drop_last and batch_size > len(X):
        raise ValueError(f"fit drop_last with batch_size {batch_size} would drop all "
                         f"{len(X)} examples; use a batch_size of at most {len(X)}")
    steps_per_epoch = len(X) // batch_size if drop_last else math.ceil(len(X) / batch_size)
    # With one step per epoch, the epoch's training numbers measure the weights the step
    # started from (the forward pass comes before the step): those weights earned them. With
    # several steps, training numbers average over the epoch and the epoch's last weights
    # stand for them. "val_" numbers always measure the weights after the epoch.
    monitors_start_of_epoch = steps_per_epoch == 1 and not monitor.startswith("val_")
    bar = _progress_display(progress, epochs, steps_per_epoch)
    relu_layers = [layer.parameters() for _, layer in model.named_modules()
                   if isinstance(layer, Layer) and layer.activation == "relu"]
    history = History(monitor=monitor)
    best_state = None
    epochs_without_best = 0
    was_training = model.training

    try:
        for epoch in range(1, epochs + 1):
            model.train()
            start_of_epoch = model.state_dict() if monitors_start_of_epoch else None
            totals = dict.fromkeys(["loss", *metrics], 0.0)  # sums weighted by batch size
            seen = 0
            diverged = False
            dead = ""  # while every step of the epoch found a layer of relus all off: which
            for X_batch, y_batch in batches(X, y, batch_size, shuffle=shuffle, rng=rng,
                                            drop_last=drop_last):
                inputs, targets = X_batch.tolist(), y_batch.tolist()
                # The step builds a graph of tens of thousands of Values and drops it: with no
                # cycles in it, the cyclic collector would only re-scan it (autograd.gc_paused).
                with gc_paused():
                    outputs = forward(inputs)  # forward pass: the graph is recorded
                    loss = loss_fn(outputs, targets)
                    objective = loss + penalty() if penalty is not None else loss
                    seen += len(targets)
                    totals["loss"] += loss.data * len(targets)
                    for name, metric in metrics.items():
                        totals[name] += metric(outputs, targets) * len(targets)
                    if not math.isfinite(objective.data):
                        diverged = True
                        break  # diverged: stepping along an inf or nan gradient would ruin all
                    optimizer.zero_grad()
                    objective.backward()  # backward pass: every parameter's .grad
                    if dead is not None:
                        dead = _still_dead(objective, optimizer.params, relu_layers, dead,
                                           penalized=penalty is not None)
                    if record_grad_norms:
                        history.grad_norms.append(gradient_norms(model))
                    if clip_norm is not None:
                        clip_grad_norm(optimizer.params, clip_norm)
                    optimizer.step()
                    del outputs, loss, objective  # freed here, while the collector rests
                bar.step({name: total / seen for name, total in totals.items()})

            numbers = {name: total / seen for name, total in totals.items()}
            if validation is not None:
                measured = evaluate(model, loss_fn, *validation, metrics=metrics, forward=forward)
                numbers.update({f"val_{name}": value for name, value in measured.items()})
            numbers["lr"] = optimizer.lr
            history.record(numbers)
            bar.epoch(epoch, numbers)
            if diverged:
                history.stop_reason = "loss is not finite"
                break
            if scheduler is not None:
                scheduler.step()

            value = numbers[monitor]
            if math.isfinite(value) and (
                history.best is None or _better(value, history.best, lower_is_better)
            ):
                history.best, history.best_epoch = value, epoch
                best_state = start_of_epoch or model.state_dict()  # a copy, as plain numbers
                epochs_without_best = 0
                if checkpoint is not None:
                    _save_state(model, best_state, checkpoint)
            else:
                epochs_without_best += 1

            state = TrainingState(model, optimizer, history, epoch)
            for callback in callbacks:
                callback(state)
            if state.stop:
                history.stop_reason = "stopped by a callback"
                break
            if patience is not None and epochs_without_best >= patience:
                history.stop_reason = "early stopping"
                break
            if dead:  # no gradient got through that layer all epoch, and none ever will
                history.stop_reason = f"{dead}, so " + (
                    "the loss sends them no gradient: only the penalty moves their weights, "
                    "towards 0" if penalty is not None else "no step can turn them on again")
                break
    except KeyboardInterrupt:  # Ctrl-C: keep what was learned, return what happened
        history.stop_reason = "interrupted"
    finally:
        bar.close()
        model.train(was_training)

    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return history


def predict(model: Module, X: Sequence | np.ndarray, forward: Forward | None = None) -> list:
    """The model's outputs for inputs X, in eval mode and without recording a graph."""
    forward = forward or _one_example_at_a_time(model)
    with _eval_mode(model), no_grad():
        return forward(np.asarray(X).tolist())


def evaluate(
    model: Module,
    loss_fn: LossFunction,
    X: Sequence | np.ndarray,
    y: Sequence | np.ndarray,
    metrics: Mapping[str, Metric] | None = None,
    forward: Forward | None = None,
) -> dict[str, float]:
    """{"loss": ..., and each metric}: the model measured on (X, y), in eval mode."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"evaluate needs as many targets as inputs, got {len(X)} and {len(y)}")
    outputs = predict(model, X, forward)
    targets = y.tolist()
    numbers = {"loss": loss_fn(outputs, targets).data}
    for name, metric in (metrics or {}).items():
        numbers[name] = metric(outputs, targets)
    return numbers


# --- helpers ---------------------------------------------------------------------------------


def _one_example_at_a_time(model: Module) -> Forward:
    """The default forward: model(x) for each input row x."""

    def forward(inputs: list) -> list:
        return [model(x) for x in inputs]

    return forward


def _still_dead(objective: Value, params: Sequence[Value], relu_layers: list[list[Value]],
                so_far: str, penalized: bool = False) -> str | None:
    """The sentence naming the layers whose every relu was off for every input of this step, if
    every earlier step of the epoch found the same (so_far: "" for the first step); else None.

    A dead layer leaves a gradient of exactly 0 on each of its parameters (and on all
    parameters when nothing else is trained), so the graph is searched only then: the usual
    step costs a look at a gradient or two. A penalty (penalized) gives every parameter a
    gradient of its own, 2 * alpha * w for L2, dead or not: then the graph is searched, on an
    epoch's first step and then only while every step has found the same dead layer.
    """
    some_layer_silent = any(all(p.grad == 0.0 for p in layer) for layer in relu_layers)
    if not penalized and not some_layer_silent and any(p.grad != 0.0 for p in params):
        return None
    dead = dead_relus(objective)
    return dead if dead is not None and so_far in ("", dead) else None


def _save_state(model: Module, state: dict[str, float], path: str | os.PathLike) -> None:
    """model.save(path) as if the model held `state`; the model keeps its own numbers."""
    current = model.state_dict()
    model.load_state_dict(state)
    try:
        model.save(path)
    finally:
        model.load_state_dict(current)


@contextmanager
def _eval_mode(model: Module) -> Iterator[None]:
    """Eval mode inside the block, then back to the mode the model was in."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _better(value: float, best: float, lower_is_better: bool) -> bool:
    """Is value better than best?"""
    return value < best if lower_is_better else value > best


class _Silent:
    """The progress display when none was asked for."""

    def step(self, numbers: Mapping[str, float]) -> None:
        pass

    def epoch(self, epoch: int, numbers: Mapping[str, float]) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_display(progress: bool | TextIO, epochs: int, steps_per_epoch: int) -> Progress:
    """No display, a bar on stderr (True) or a bar on the given stream."""
    if progress is False or progress is None:
        return _Silent()
    stream = sys.stderr if progress is True else progress
    return progress_bar(epochs, steps_per_epoch, stream)


def _check_fit_arguments(
    model: object,
    optimizer: object,
    epochs: object,
    batch_size: object,
    patience: object,
    clip_norm: object,
    progress: object,
    scheduler: object,
    callbacks: object,
) -> None:
    """A TypeError or ValueError naming the first bad argument of fit(), if any."""
    if not isinstance(model, Module):
        raise TypeError(f"fit trains a Module, got {type(model).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit takes an Optimizer such as nn.SGD, got {type(optimizer).__name__}")
    positive_int(epochs, "fit epochs")
    for name, x in (("batch_size", batch_size), ("patience", patience)):
        if x is not None:  # None: the whole set in one batch; never stop early
            positive_int(x, f"fit {name}")
    if clip_norm is not None and (isinstance(clip_norm, bool) or not isinstance(clip_norm, Real)):
        raise TypeError(f"fit clip_norm must be a number, got {clip_norm!r}")
    if not (isinstance(progress, bool) or progress is None or hasattr(progress, "write")):
        raise TypeError(f"fit progress must be True, False or a stream, got {progress!r}")
    if scheduler is not None and not isinstance(scheduler, LRScheduler):
        raise TypeError(
            f"fit scheduler must be an LRScheduler such as nn.StepLR, got "
            f"{type(scheduler).__name__}: {scheduler!r}"
        )
    # a list or tuple: a generator would be used up by this check, its callbacks never run
    if not isinstance(callbacks, (list, tuple)) or not all(callable(c) for c in callbacks):
        raise TypeError(
            f"fit callbacks must be a list of functions of a TrainingState, got {callbacks!r}"
            + ("; put it in a list" if callable(callbacks) else "")
        )


def _check_checkpoint(path: object) -> None:
    """An error now if model.save(path) could not write there later.

    The folder must exist and be writable, and the path must not be a folder itself.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"fit checkpoint must be a file path, got {type(path).__name__}: {path!r}")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"fit checkpoint {path!r} is a folder; give the path of a file in it, e.g. "
            f"{os.path.join(path, 'best.json')!r}"
        )
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"fit checkpoint {path!r}: the folder {folder!r} does not exist; create it first "
            f"(os.makedirs)"
        )
    # save() creates a temporary file in the folder and renames it: both need write access
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"fit checkpoint {path!r}: the folder {folder!r} is not writable")


def _check_monitor(monitor: str, metrics: Mapping[str, Metric], has_validation: bool) -> None:
    """A ValueError when `monitor` names nothing that fit() will record."""
    names = ["loss", *metrics]
    if has_validation:
        names += [f"val_{name}" for name in names]
    if monitor not in names:
        raise ValueError(f"fit cannot monitor {monitor!r}; it records {', '.join(names)}")

"""Pictures of training: loss curves, decision boundaries, fitted curves and gradient norms.

Each function draws one picture with matplotlib (the `plot` extra, imported on first use)
and returns its Figure: a notebook shows it inline, `path=` saves it as a PNG, and `ax=`
draws into an axes of a figure of your own, so several pictures can share one figure.
Figures are made without pyplot, so no window opens and no global state piles up.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .module import Module
from .train import Forward, History, predict

# One color per class, as in matplotlib's "tab10", and a paler one for its region.
CLASS_COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


def plot_history(
    history: History,
    names: Sequence[str] | None = None,
    title: str | None = None,
    path: str | os.PathLike | None = None,
) -> Any:
    """One panel per recorded number (loss, accuracy, ...): training solid, validation dashed.

    names: the numbers to show, e.g. ["loss"] (default: every one but "lr"). A dotted line
    marks the best epoch when fit() tracked one.
    """
    if not isinstance(history, History):
        raise TypeError(f"plot_history takes a History (from fit), got {type(history).__name__}")
    if not history.epochs:  # e.g. Ctrl-C during the first epoch
        raise ValueError("plot_history got a History without a finished epoch: nothing to draw")
    names = (
        list(names)
        if names is not None
        else [name for name in history.metrics if name != "lr" and not name.startswith("val_")]
    )
    for name in names:
        history[name]  # a KeyError that lists what the history has
    figure = _new_figure((4.6 * len(names), 3.6))
    axes = figure.subplots(1, len(names), squeeze=False)[0]
    epochs = list(range(1, history.epochs + 1))
    for ax, name in zip(axes, names):
        ax.plot(epochs, history[name], label=f"training {name}", color="C0")
        if f"val_{name}" in history.metrics:
            ax.plot(epochs, history[f"val_{name}"], "--", label=f"validation {name}", color="C1")
        if history.best_epoch is not None and history.monitor.removeprefix("val_") == name:
            ax.axvline(
                history.best_epoch,
                color="0.5",
                ls=":",
                label=f"best {history.monitor} (epoch {history.best_epoch})",
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        if name.endswith("loss") and _spans_decades(history[name]):
            ax.set_yscale("log")
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    return _finish(figure, path)


def plot_runs(
    histories: Mapping[str, History],
    name: str = "loss",
    ax: Any = None,
    log_scale: bool = True,
    title: str | None = None,
    path: str | os.PathLike | None = None,
) -> Any:
    """One curve of `name` per run, to compare runs (learning rates, optimizers, seeds).

    A run that diverged (its value became inf or nan, or grew past 1000 times the largest
    starting value) is labelled so; its curve stops at the top of the chart, marked "x".
    """
    figure, ax = _figure_and_axes(ax, (6.4, 4.2))
    starts = [h[name][0] for h in histories.values() if h[name] and math.isfinite(h[name][0])]
    ceiling = 1000 * max(starts) if starts and max(starts) > 0 else math.inf
    any_diverged = False
    for i, (label, history) in enumerate(histories.items()):
        values = np.array(history[name], dtype=float)
        off_chart = ~np.isfinite(values) | (values > ceiling)
        color = f"C{i % 10}"
        if off_chart.any():
            any_diverged = True
            cut = int(np.argmax(off_chart))  # the first epoch off the chart
            shown = np.where(off_chart[: cut + 1], ceiling, values[: cut + 1])
            ax.plot(np.arange(1, cut + 2), shown, color=color, label=f"{label}  (diverged)")
            ax.plot([cut + 1], [ceiling], "x", color=color, ms=9, mew=2)
        else:
            ax.plot(np.arange(1, len(values) + 1), values, color=color, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(name)
    if log_scale:
        ax.set_yscale("log")
    if any_diverged:
        ax.set_ylim(top=ceiling * (3 if log_scale else 1.05))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return _finish(figure, path)


def plot_decision_boundary(
    model: Module,
    X: Sequence | np.ndarray,
    y: Sequence | np.ndarray,
    ax: Any = None,
    forward: Forward | None = None,
    resolution: int = 60,
    title: str | None = None,
    path: str | os.PathLike | None = None,
) -> Any:
    """The plane coloured by the class the model predicts, with the 2-D points on top.

    A model with one output score predicts the larger label where the score is above 0 (the
    black line is score = 0); one with several predicts the class of the largest score.
    resolution: grid points per side (the model runs resolution ** 2 times).
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary draws 2-D points, got X of shape {X.shape}")
    figure, ax = _figure_and_axes(ax, (5.2, 4.6))
    xs, ys = _grid_axes(X, resolution)
    grid = np.array([[x, y_] for y_ in ys for x in xs])
    outputs = predict(model, grid, forward)
    labels = np.unique(y)
    shape = (len(ys), len(xs))
    if isinstance(outputs[0], (list, tuple)):  # class scores: the largest one wins
        scores = np.array([[float(s) for s in o] for o in outputs])
        for k in range(scores.shape[1]):
            # class k's margin: its score minus the best other score, > 0 where k wins
            others = np.delete(scores, k, axis=1).max(axis=1, initial=-np.inf)
            margin = (scores[:, k] - others).reshape(shape)
            if margin.max() > 0:
                top = margin.max() + 1.0
                ax.contourf(
                    xs, ys, margin, levels=[0.0, top], colors=[CLASS_COLORS[k % 10]], alpha=0.25
                )
    else:  # one score: its sign picks the class; the black line is score = 0
        score = np.array([float(o) for o in outputs]).reshape(shape)
        bound = abs(score).max() + 1.0
        ax.contourf(xs, ys, score, levels=[-bound, 0.0, bound], colors=CLASS_COLORS[:2], alpha=0.25)
        if score.min() < 0 < score.max():
            ax.contour(xs, ys, score, levels=[0.0], colors="black", linewidths=1.2)
    signed = bool((labels < 0).any()) if labels.dtype.kind in "iuf" else False
    for k, label in enumerate(labels):
        chosen = y == label
        ax.scatter(
            X[chosen, 0],
            X[chosen, 1],
            s=22,
            color=CLASS_COLORS[k % 10],
            edgecolors="white",
            linewidths=0.5,
            label=f"class {_label_text(label, signed)}",
        )
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(fontsize="small", loc="upper right")
    if title:
        ax.set_title(title)
    return _finish(figure, path)


def plot_regression(
    model: Module,
    X: Sequence | np.ndarray,
    y: Sequence | np.ndarray,
    ax: Any = None,
    forward: Forward | None = None,
    truth: Callable[[np.ndarray], np.ndarray] | None = None,
    label: str = "model",
    title: str | None = None,
    path: str | os.PathLike | None = None,
) -> Any:
    """For one input: the data points, the model's curve and, if given, the true curve."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 2 or X.shape[1] != 1:
        raise ValueError(f"plot_regression draws 1-D inputs, got X of shape {X.shape}")
    figure, ax = _figure_and_axes(ax, (6.0, 4.0))
    margin = 0.05 * (X.max() - X.min() or 1.0)
    xs = np.linspace(X.min() - margin, X.max() + margin, 200)
    if truth is not None:
        ax.plot(xs, truth(xs), color="0.6", lw=3, alpha=0.6, label="true curve")
    ax.scatter(X[:, 0], y, s=16, color="black", zorder=3, label="data")
    outputs = predict(model, xs[:, None], forward)
    ax.plot(xs, [float(o) for o in outputs], color="C3", lw=2, label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return _finish(figure, path)


def plot_grad_norms(
    norms: History | Sequence[Mapping[str, float]],
    ax: Any = None,
    title: str | None = None,
    path: str | os.PathLike | None = None,
) -> Any:
    """The gradient norm of each layer at every step, on a log scale.

    norms: a History from fit(record_grad_norms=True), or a list of gradient_norms() dicts.
    Curves far apart mean the layers learn at very different speeds: the lowest lines are
    the layers the gradient hardly reaches (vanishing), the highest may be exploding.
    """
    steps = norms.grad_norms if isinstance(norms, History) else list(norms)
    if not steps:
        raise ValueError("plot_grad_norms got no gradient norms; use fit(record_grad_norms=True)")
    figure, ax = _figure_and_axes(ax, (6.4, 4.2))
    names = list(steps[0])
    colors = _shades(len(names))
    for name, color in zip(names, colors):
        values = [step.get(name, math.nan) for step in steps]
        ax.plot(range(1, len(steps) + 1), values, color=color, label=name or "(model)")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("gradient norm")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", ncol=2 if len(names) > 5 else 1)
    if title:
        ax.set_title(title)
    return _finish(figure, path)


# --- helpers ---------------------------------------------------------------------------------


def _new_figure(size: tuple[float, float]) -> Any:
    """A Figure not known to pyplot: it is drawn with Agg and freed like any object."""
    from matplotlib.figure import Figure

    _show_figures_in_notebooks(Figure)
    return Figure(figsize=size, layout="constrained")


def _show_figures_in_notebooks(figure_class: type) -> None:
    """In IPython or Jupyter, display a returned Figure as a PNG (pyplot's job, unused here)."""
    ipython = sys.modules.get("IPython")  # only if the program already runs in IPython
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    from IPython.core.pylabtools import print_figure

    png = shell.display_formatter.formatters["image/png"]
    png.for_type(figure_class, lambda figure: print_figure(figure, "png"))


def _figure_and_axes(ax: Any, size: tuple[float, float]) -> tuple[Any, Any]:
    """The axes to draw into and its figure: the given ones, or a new figure's."""
    if ax is not None:
        return ax.figure, ax
    figure = _new_figure(size)
    return figure, figure.add_subplot()


def _finish(figure: Any, path: str | os.PathLike | None) -> Any:
    """Save the figure to path as an image if a path is given; return it."""
    if path is not None:
        figure.savefig(os.fspath(path), dpi=100)
    return figure


def _grid_axes(X: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced x and y values covering the points with a margin."""
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int of at least 2, got {resolution!r}")
    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.1 * (high - low) + 1e-9
    return (
        np.linspace(low[0] - margin[0], high[0] + margin[0], resolution),
        np.linspace(low[1] - margin[1], high[1] + margin[1], resolution),
    )


def _label_text(label: object, signed: bool) -> str:
    """A class label for a legend: 1 rather than 1.0, and +1 beside -1 (hinge labels)."""
    number = float(label)
    if number.is_integer():
        return f"{int(number):+d}" if signed else str(int(number))
    return str(label)


def _spans_decades(values: Sequence[float]) -> bool:
    """True when positive finite values range over more than a factor of 30 (use a log axis)."""
    finite = [v for v in values if math.isfinite(v) and v > 0]
    return len(finite) == len(values) and bool(finite) and max(finite) > 30 * min(finite)


def _shades(n: int) -> list:
    """n colors from dark (the input side) to light (the output side)."""
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(0.9 * i / max(n - 1, 1)) for i in range(n)]

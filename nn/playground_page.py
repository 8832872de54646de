"""The playground: a model of yours training live in one offline web page.

Python records what one training example does, once: the graph of Values from the inputs,
the weights and the target to the loss, as a flat program of op-table primitives. The page
(playground.js) interprets that program over Float64Arrays, forward and backward, and moves
the weights with the same optimizer rules as nn.optim, for as long as the learner lets it.
The derivative rules come from one place: each primitive's JavaScript twin in the page is
checked against autograd.ops.PRIMITIVES by the tests, and the page's weights after N steps
against the weights this engine computes.
"""

from __future__ import annotations

import base64
import json
import math
import os
import secrets
from collections.abc import Callable, Sequence
from importlib import resources
from numbers import Integral, Real

import numpy as np

from autograd import PRIMITIVES, Value, topological_order, walkthrough, write_atomically

from .data import (
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)
from .layers import MLP
from .losses import binary_cross_entropy_with_logits, hinge, mse
from .module import FILE_FORMAT, FILE_VERSION, Module
from .optim import SGD, Adam, Optimizer

PAGE_FORMAT = "chainrule.playground"  # the "format" field of the data a page carries

# The losses a playground trains with, by name. Each takes a list of outputs and a list of
# targets and returns their mean, as nn.losses does.
LOSSES: dict[str, Callable] = {
    "hinge": hinge,  # classes 0/1 as labels -1/+1: mean(relu(1 - label * score))
    "bce": binary_cross_entropy_with_logits,  # classes 0/1: mean(softplus(z) - y * z)
    "mse": mse,  # regression: mean((prediction - target) ** 2)
}
CLASSIFICATION_LOSSES = ("hinge", "bce")
OPTIMIZERS = ("sgd", "adam")
DATASETS = ("moons", "circles", "xor", "spirals", "blobs")
SCRIPTS = ("playground.js", "playground_view.js", "playground_neuron.js")  # engine, views
GRID = 32  # the page evaluates the model on GRID x GRID points of the input plane


# --- the program: what one example does, as op-table primitives ------------------------------


def example_program(model: Module, nin: int, loss: str, label: float | None) -> dict:
    """The graph of one example's loss as a flat program the page interprets.

    Nodes come in topological order, each one of
        ["x", k]                 input k of the example
        ["y"]                    the example's target (regression)
        ["p", k]                 parameter k of model.parameters()
        ["c", number]            a constant
        [op, [inputs], [params]] a primitive of autograd.ops, reading earlier nodes.
    A classification loss checks that its labels are plain numbers, so a class's label is
    traced into the program as a constant: there is one program per class (label given).
    """
    inputs = [Value(0.0, label=f"x{k}") for k in range(nin)]
    target = Value(0.0, label="y") if label is None else float(label)
    prediction = model(inputs)
    if not isinstance(prediction, Value):
        raise ValueError(f"a playground trains a model with one output, but {model.signature()}"
                         f" has {len(prediction)}")
    out = LOSSES[loss]([prediction], [target])  # total([l]) * (1 / 1): one example's mean
    order = topological_order(out)
    index = {node: i for i, node in enumerate(order)}
    params = {p: k for k, p in enumerate(model.parameters())}
    where = {x: k for k, x in enumerate(inputs)}
    nodes: list[list] = []
    neurons: dict[str, int] = {}  # "layers.i.neurons.j" -> its output: the last node it made
    for node in order:
        if node.op is not None:
            nodes.append([node.op.name, [index[i] for i in node.inputs], list(node.params)])
            if node.scope.count(".") == 3:
                neurons[node.scope] = index[node]
        elif node in where:
            nodes.append(["x", where[node]])
        elif node is target:
            nodes.append(["y"])
        elif node in params:
            nodes.append(["p", params[node]])
        else:
            nodes.append(["c", node.data])
    return {"nodes": nodes, "prediction": index[prediction], "loss": index[out],
            "neurons": [[int(s.split(".")[1]), int(s.split(".")[3]), i]
                        for s, i in sorted(neurons.items(), key=_scope_key)]}


def _scope_key(item: tuple[str, int]) -> tuple[int, int]:
    parts = item[0].split(".")
    return int(parts[1]), int(parts[3])


def targets_for(loss: str, y: Sequence[float]) -> list[float]:
    """The numbers the loss compares outputs with: classes 0/1 become -1/+1 for hinge."""
    if loss == "hinge":
        return [2.0 * float(t) - 1.0 for t in y]
    return [float(t) for t in y]


# --- a neuron's own graph, for the page's drill-down ------------------------------------------


def neuron_walkthrough(model: MLP, layer: int, j: int, x: Sequence[float]):
    """The stepper's walkthrough of neuron j of `layer` for the example x, at the model's
    present weights: out = activation(b + w0 * x0 + ...), its inputs x0, x1, ... being what
    the layers before it give for x (leaves labelled x0, x1, ...)."""
    inputs = [float(v) for v in x]
    for earlier in model.layers[:layer]:
        inputs = [v.data for v in earlier.forward(inputs)]
    neuron = model.layers[layer].neurons[j]
    return walkthrough(neuron([Value(v, label=f"x{m}") for m, v in enumerate(inputs)]))


def neuron_graphs(model: MLP) -> list[dict]:
    """Each neuron's graph as the stepper names it: the page computes its numbers and
    narrates its steps. Nodes in the stepper's order, each [name, kind, op, inputs, params,
    scope, source], source being ["p", k] for parameter k, ["x", m] for input m, or None."""
    position = {id(p): k for k, p in enumerate(model.parameters())}
    graphs = []
    for layer, module in enumerate(model.layers):
        for j, neuron in enumerate(module.neurons):
            graph = neuron_walkthrough(model, layer, j, [0.0] * model.nin).graph
            nodes = []
            for node in graph.nodes:
                source = None
                if node.kind != "op" and node.scope:  # a parameter of this neuron
                    own = neuron.b if node.label == "b" else neuron.w[int(node.label[1:])]
                    source = ["p", position[id(own)]]
                elif node.kind != "op":
                    source = ["x", int(node.label[1:])]
                nodes.append([node.name, node.kind, node.op, list(node.inputs),
                              list(node.params), node.scope, source])
            graphs.append({"layer": layer, "j": j, "nodes": nodes})
    return graphs


# --- the seeded order of mini-batches, the same in Python and in the page ---------------------
# A 32-bit xorshift generator, in integer arithmetic that JavaScript repeats exactly
# (Math.imul and >>> 0 there, & 0xFFFFFFFF here): epoch e of seed s deals the examples in a
# Fisher-Yates shuffle drawn from the generator started at a mix of s and e.

MASK = 0xFFFFFFFF


def _start(seed: int, epoch: int) -> int:
    state = (((seed + 1) * 0x9E3779B1) ^ ((epoch + 1) * 0x85EBCA77)) & MASK
    return state or 1  # xorshift never leaves 0


def _next(state: int) -> int:
    state ^= (state << 13) & MASK
    state ^= state >> 17
    state ^= (state << 5) & MASK
    return state


def epoch_order(n: int, seed: int, epoch: int) -> list[int]:
    """The order in which epoch `epoch` deals n examples (the page deals the same)."""
    order = list(range(n))
    state = _start(seed, epoch)
    for i in range(n - 1, 0, -1):
        state = _next(state)
        j = state % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def batch_indices(n: int, batch_size: int | None, seed: int, step: int) -> list[int]:
    """The examples of training step `step` (0, 1, ...): all n in order for batch_size None,
    else the step's slice of its epoch's shuffled order (the last batch may be smaller)."""
    if batch_size is None or batch_size >= n:
        return list(range(n))
    per_epoch = math.ceil(n / batch_size)
    epoch, k = divmod(step, per_epoch)
    return epoch_order(n, seed, epoch)[k * batch_size:(k + 1) * batch_size]


def make_optimizer(model: Module, name: str, lr: float, momentum: float = 0.0) -> Optimizer:
    """The nn.optim optimizer the page's `name` stands for."""
    if name == "sgd":
        return SGD(model.parameters(), lr=lr, momentum=momentum)
    return Adam(model.parameters(), lr=lr)


def train_steps(model: Module, X, y, loss: str, optimizer: Optimizer, steps: int,
                batch_size: int | None = None, seed: int = 0) -> list[float]:
    """Train in Python as the page trains: step k uses batch_indices(len(X), batch_size, seed,
    k). The reference the page's weights are compared with; returns each step's loss."""
    X, targets = np.asarray(X, dtype=float).tolist(), targets_for(loss, y)
    losses = []
    for step in range(steps):
        chosen = batch_indices(len(X), batch_size, seed, step)
        out = LOSSES[loss]([model(X[i]) for i in chosen], [targets[i] for i in chosen])
        optimizer.zero_grad()
        out.backward()
        optimizer.step()
        losses.append(out.data)
    return losses


# --- the page's data --------------------------------------------------------------------------


class Playground:
    """A playground: shows itself in a notebook (_repr_html_) and saves one HTML file."""

    def __init__(self, spec: dict, picture: str) -> None:
        self.spec = spec  # everything the page needs, as JSON-ready data
        self.picture = picture  # a static SVG of the model's start, for untrusted notebooks

    def html(self) -> str:
        """The whole page: one self-contained HTML document."""
        return PAGE.format(title="chainrule playground", style=_asset("playground.css"),
                           body=self._body(static=False))

    def _repr_html_(self) -> str:
        """The notebook's view: the live playground when the notebook is trusted, else a
        picture and a line saying how to get the live view (Jupyter strips scripts)."""
        return f"<style>{_asset('playground.css')}</style>{self._body(static=True)}"

    def _body(self, static: bool) -> str:
        uid = "crpg-" + secrets.token_hex(4)  # ids unique per rendered output
        data = json.dumps(self.spec, separators=(",", ":"), allow_nan=False)
        data = data.replace("</", "<\\/")  # no "</script>" can end the data early
        picture = ""
        if static:
            source = "data:image/svg+xml;base64," + base64.b64encode(
                self.picture.encode()).decode()
            picture = (f'<div class="crpg-static" id="{uid}-static"><img alt="the model and '
                       f'its data before training" src="{source}" width="320" height="320">'
                       f"<p>This is a picture. To train the model live here, trust the "
                       f"notebook (File, Trust Notebook) and run the cell again.</p></div>")
        script = "\n".join(_asset(name) for name in SCRIPTS).replace("</", "<\\/")
        # A page of its own takes the keys from the start; in a notebook the learner clicks in.
        focus = "" if static else f"document.getElementById({uid!r}).focus();"
        return (f'{picture}<div class="crpg" id="{uid}"></div>'
                f'<script type="application/json" id="{uid}-data">{data}</script>'
                f"<script>{script}\nchainrulePlayground.start(document.getElementById({uid!r}), "
                f"JSON.parse(document.getElementById({uid + '-data'!r}).textContent), "
                f"document.getElementById({uid + '-static'!r}));{focus}</script>")

    def save(self, path: str | os.PathLike) -> None:
        """Write the page to `path` atomically (a temporary file, then a rename)."""
        write_atomically(path, self.html().encode("utf-8"))


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{style}</style></head>
<body>{body}</body></html>
"""


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def playground(model: Module, X, y, loss: str = "auto", optimizer: str = "adam",
               lr: float | None = None, momentum: float = 0.0, batch_size: int | None = None,
               X_test=None, y_test=None, seed: int = 0) -> Playground:
    """A playground of `model` learning (X, y): shows inline in a notebook, .save() writes it.

    model: an MLP with 1 or 2 inputs and one output. y: classes 0/1 (decision boundary) or
    numbers (a regression curve, for 1 input). loss: "hinge", "bce", "mse" or "auto" (hinge
    for classes, mse otherwise). optimizer: "sgd" (with momentum) or "adam"; lr: its learning
    rate (default 0.1 for sgd, 0.01 for adam). batch_size: None trains on every example each
    step, else mini-batches in an order seeded by seed. X_test, y_test: shown, never trained on.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"playground takes an nn.MLP, got {type(model).__name__}")
    if model.nin not in (1, 2):
        raise ValueError(f"a playground draws the input plane, so the model takes 1 or 2 "
                         f"inputs; {model.signature()} takes {model.nin}")
    if model.nouts[-1] != 1:
        raise ValueError(f"a playground trains a model with one output, but "
                         f"{model.signature()} has {model.nouts[-1]}")
    X, y = _examples(X, y, model.nin, "X", "y")
    has_test = X_test is not None or y_test is not None
    if has_test:
        X_test, y_test = _examples(X_test, y_test, model.nin, "X_test", "y_test")
    classes = bool(np.all((y == 0) | (y == 1)))
    if loss == "auto":
        loss = "hinge" if classes else "mse"
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)} or 'auto', got {loss!r}")
    if loss in CLASSIFICATION_LOSSES and not classes:
        bad = next(t for t in y.tolist() if t not in (0, 1))
        raise ValueError(f"loss {loss!r} needs class labels 0 or 1 in y, got {bad!r}; for "
                         f"numbers use loss='mse'")
    if loss == "mse" and model.nin != 1 and not classes:
        raise ValueError("a regression playground draws a curve over one input: give the "
                         f"model 1 input, not {model.nin}")
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    lr = (0.1 if optimizer == "sgd" else 0.01) if lr is None else lr
    _check_hyperparameters(model, optimizer, lr, momentum)
    if batch_size is not None and (isinstance(batch_size, bool)
                                   or not isinstance(batch_size, Integral) or batch_size < 1):
        raise ValueError(f"batch_size must be None (every example) or a whole number of at "
                         f"least 1, got {batch_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0, got {seed!r}")

    task = "classification" if loss in CLASSIFICATION_LOSSES else "regression"
    if task == "classification":
        labels = {"0": targets_for(loss, [0])[0], "1": targets_for(loss, [1])[0]}
        programs = {cls: example_program(model, model.nin, loss, t) for cls, t in labels.items()}
    else:
        programs = {"any": example_program(model, model.nin, loss, None)}
    names = [name for name, _ in model.named_parameters()]
    spec = {
        "format": PAGE_FORMAT, "version": 1, "task": task, "loss": loss,
        "optimizer": {"name": optimizer, "lr": float(lr), "momentum": float(momentum),
                      "betas": [0.9, 0.999], "eps": 1e-8},
        "batchSize": None if batch_size is None else int(batch_size), "seed": int(seed),
        "train": {"X": X.tolist(), "y": y.tolist()},
        "test": {"X": X_test.tolist(), "y": y_test.tolist()} if has_test else None,
        "extent": _extent(X, X_test if has_test else None),
        "grid": GRID,
        "model": {"class": type(model).__name__, "signature": model.signature(),
                  "sizes": [model.nin] + list(model.nouts), "fileFormat": FILE_FORMAT,
                  "fileVersion": FILE_VERSION,
                  "activations": [str(layer.neurons[0].activation) for layer in model.layers]},
        "params": {"names": names, "values": [p.data for p in model.parameters()]},
        "programs": programs,
        "neuronGraphs": neuron_graphs(model),
        "rules": {name: op.rule for name, op in PRIMITIVES.items()},
    }
    return Playground(spec, static_picture(model, spec))


def _check_hyperparameters(model: Module, name: str, lr: object, momentum: object) -> None:
    """Bad hyperparameters fail here with nn.optim's own messages."""
    if isinstance(lr, bool) or not isinstance(lr, Real) or not lr > 0 or not math.isfinite(lr):
        raise ValueError(f"lr (the learning rate) must be a number above 0, got {lr!r}")
    if name == "sgd":
        SGD(model.parameters(), lr=lr, momentum=momentum)


def _examples(X: object, y: object, nin: int, x_name: str, y_name: str
              ) -> tuple[np.ndarray, np.ndarray]:
    """X as an (n, nin) float array and y as n finite numbers, or a clear error."""
    try:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{x_name} and {y_name} must be arrays of numbers") from None
    if X.ndim != 2 or X.shape[1] != nin:
        raise ValueError(f"{x_name} must have shape (n, {nin}) for a model with {nin} inputs, "
                         f"got shape {X.shape}")
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"{y_name} must hold one number per row of {x_name} ({len(X)}), got "
                         f"shape {y.shape}")
    if len(X) == 0:
        raise ValueError(f"{x_name} holds no examples")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError(f"{x_name} and {y_name} must hold finite numbers (no nan or inf)")
    return X, y


def _extent(X: np.ndarray, X_test: np.ndarray | None) -> list[list[float]]:
    """[low, high] of each input, over train and test points, with a margin of 10%."""
    points = X if X_test is None else np.concatenate([X, X_test])
    low, high = points.min(axis=0), points.max(axis=0)
    margin = np.maximum((high - low) * 0.1, 0.5)
    return [[float(a), float(b)] for a, b in zip(low - margin, high + margin)]


# --- the static picture ----------------------------------------------------------------------

CLASS_FILLS = ("#f6c9a8", "#b9d3ee")  # class 0 (orange) and class 1 (blue) regions
CLASS_POINTS = ("#e8772e", "#2f6fb5")


def static_picture(model: Module, spec: dict, cells: int = 24, size: int = 320) -> str:
    """An SVG of the data over the model's regions (or curve) at its present weights."""
    (x0, x1), *rest = spec["extent"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
             f'viewBox="0 0 {size} {size}"><rect width="{size}" height="{size}" fill="#fff"/>']
    train = spec["train"]
    if spec["task"] == "classification":
        y0, y1 = rest[0]
        side = size / cells
        for i in range(cells):
            for j in range(cells):
                a = x0 + (i + 0.5) / cells * (x1 - x0)
                b = y1 - (j + 0.5) / cells * (y1 - y0)
                above = model([a, b]).data > 0  # hinge scores and bce logits: class 1 above 0
                parts.append(f'<rect x="{i * side:.1f}" y="{j * side:.1f}" width="{side + .5:.1f}"'
                             f' height="{side + .5:.1f}" fill="{CLASS_FILLS[int(above)]}"/>')
        for (a, b), t in zip(train["X"], train["y"]):
            cx, cy = (a - x0) / (x1 - x0) * size, (y1 - b) / (y1 - y0) * size
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" '
                         f'fill="{CLASS_POINTS[int(t)]}" stroke="#fff" stroke-width="0.6"/>')
    else:
        ys = train["y"]
        low, high = min(ys), max(ys)
        pad = max((high - low) * 0.1, 0.5)
        low, high = low - pad, high + pad

        def to_xy(a: float, b: float) -> str:
            return f"{(a - x0) / (x1 - x0) * size:.1f},{(high - b) / (high - low) * size:.1f}"

        curve = " ".join(to_xy(a, model([a]).data)
                         for a in np.linspace(x0, x1, 60).tolist())
        parts.append(f'<polyline points="{curve}" fill="none" stroke="#2f6fb5" '
                     f'stroke-width="2"/>')
        for (a,), t in zip(train["X"], ys):
            cx, cy = to_xy(a, t).split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="#e8772e"/>')
    parts.append("</svg>")
    return "".join(parts)


# --- the file and the command line -------------------------------------------------------------


def export_playground(model: Module, X, y, path: str | os.PathLike, **options) -> Playground:
    """Write playground(model, X, y, **options) to `path` as one HTML file, atomically."""
    page = playground(model, X, y, **options)
    page.save(path)
    return page


def dataset(name: str, n: int = 200, noise: float | None = None, seed: int = 0
            ) -> tuple[np.ndarray, np.ndarray]:
    """One of the playground's data sets by name: two classes, 0 and 1, in the plane."""
    makers = {"moons": make_moons, "circles": make_circles, "xor": make_xor,
              "spirals": make_spirals, "blobs": lambda n, noise, seed: make_blobs(
                  n, centers=2, std=noise, seed=seed)}
    if name not in makers:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    defaults = {"moons": 0.1, "circles": 0.05, "xor": 0.0, "spirals": 0.05, "blobs": 0.5}
    return makers[name](n, noise=defaults[name] if noise is None else noise, seed=seed)


def command_page(data: str, layers: str, points: int, noise: float | None, activation: str,
                 loss: str, optimizer: str, lr: float | None, batch_size: int | None,
                 seed: int) -> Playground:
    """The playground `chainrule playground` writes: a data set, an MLP and its settings."""
    sizes = _layer_sizes(layers)
    if sizes[0] != 2:
        raise ValueError(f"--layers must start with 2, the data sets' 2 inputs, got {layers!r}")
    if sizes[-1] != 1:
        raise ValueError(f"--layers must end with 1, the one output whose sign is the class, "
                         f"got {layers!r}")
    if isinstance(points, bool) or not isinstance(points, Integral) or points < 8:
        raise ValueError(f"--points must be at least 8 (a quarter are kept for testing), "
                         f"got {points!r}")
    if lr is not None and not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"--lr must be a number above 0, got {lr!r}")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {batch_size!r}")
    if seed < 0:
        raise ValueError(f"--seed must be 0 or more, got {seed!r}")
    if noise is not None and not (noise >= 0 and math.isfinite(noise)):
        raise ValueError(f"--noise must be a number of at least 0, got {noise!r}")
    X, y = dataset(data, points, noise, seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=seed)
    model = MLP(2, sizes[1:], activation=activation, seed=seed)
    return playground(model, X_train, y_train, loss=loss, optimizer=optimizer, lr=lr,
                      batch_size=batch_size, X_test=X_test, y_test=y_test, seed=seed)


def _layer_sizes(text: str) -> list[int]:
    """"2,8,8,1" as [2, 8, 8, 1], or a ValueError naming the text."""
    parts = text.split(",")
    if len(parts) < 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"--layers takes layer sizes separated by commas, inputs first, such "
                         f"as 2,8,8,1 (each a whole number above 0), got {text!r}")
    return [int(p) for p in parts]

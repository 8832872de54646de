"""Vanishing and exploding gradients, and gradient clipping.

Backward multiplies local gradients layer after layer. A sigmoid's local gradient is at most
1/4, so in a deep sigmoid net the gradient shrinks at every layer on its way to the input:
the first layers hardly learn (vanishing). relu passes gradient through unchanged where it
is on, and with He initialization the gradient keeps its size; with weights too large, every
layer multiplies it up instead (exploding). Exploding also happens in time: a step that
overshoots makes a bigger error, hence a bigger gradient and a bigger step. Clipping the
gradient's norm bounds every step and breaks that loop.

    python demos/gradients.py [--out DIR] [--quick]

writes vanishing.png and clipping.png to DIR (default out/gradients).
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from notice import Claim, claim, report

import nn

DEPTH = 8  # hidden layers
WIDTH = 8  # neurons per hidden layer
CLIPPING_EPOCHS = 24


def deep_net(activation: str, seed: int = 0, scale: float = 1.0) -> nn.MLP:
    """DEPTH hidden layers of WIDTH neurons; scale multiplies every initial weight."""
    model = nn.MLP(2, [WIDTH] * DEPTH + [1], activation=activation, seed=seed)
    for p in model.parameters():
        p.data *= scale
    return model


def norms_at_start(model: nn.MLP, X: np.ndarray) -> list[float]:
    """d output / d weights: each layer's gradient norm, input side first, mean over points."""
    total = np.zeros(len(model.layers))
    for x in X.tolist():
        model.zero_grad()
        model(x).backward()  # the gradient of the network's output itself, for one point
        total += list(nn.gradient_norms(model).values())
    return (total / len(X)).tolist()


def layer_changes(before: dict[str, float], model: nn.MLP) -> list[float]:
    """How far each layer's weights moved in training, relative to where they started."""
    changes = []
    for i, layer in enumerate(model.layers):
        names = [f"layers.{i}.{name}" for name, _ in layer.named_parameters()]
        moved = math.hypot(*(model.state_dict()[n] - before[n] for n in names))
        changes.append(moved / math.hypot(*(before[n] for n in names)))
    return changes


def total_norms(history: nn.History) -> list[float]:
    """The norm of the whole gradient at every step: sqrt of the sum of the layers' squares."""
    return [math.hypot(*step.values()) for step in history.grad_norms]


def vanishing_picture(X, y, epochs: int, out: Path) -> tuple[Path, list[Claim]]:
    """Gradient norms per layer for three nets; how much the sigmoid and relu nets learn."""
    nets = {
        "sigmoid (Xavier init)": deep_net("sigmoid"),
        "relu (He init)": deep_net("relu"),
        "relu, weights 2.5x too large": deep_net("relu", scale=2.5),
    }
    figure = Figure(figsize=(15, 4.6), layout="constrained")
    by_layer, moved, curves = figure.subplots(1, 3)
    layers = range(1, DEPTH + 2)
    norms, moved_by = {}, {}
    print("gradient norm per layer at the start (input side first):")
    for label, model in nets.items():
        norms[label] = norms_at_start(model, X)
        by_layer.plot(layers, norms[label], "o-", label=label)
        print(f"  {label:30s} " + " ".join(f"{n:8.1e}" for n in norms[label]))
    by_layer.set_yscale("log")
    by_layer.set_xlabel("layer (1 = next to the input)")
    by_layer.set_ylabel("norm of d output / d layer's weights")
    by_layer.set_title(f"at the start: gradient reaching each of {DEPTH + 1} layers")
    by_layer.grid(alpha=0.3)
    by_layer.legend(fontsize="small")

    runs = {}
    print(f"\ntraining the sigmoid and the relu net for {epochs} epochs (SGD with momentum):")
    for i, label in enumerate(("sigmoid (Xavier init)", "relu (He init)")):
        model = deep_net(label.split()[0])
        before = model.state_dict()
        optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
        runs[label] = nn.fit(
            model,
            nn.hinge,
            optimizer,
            X,
            y,
            epochs=epochs,
            batch_size=16,
            metrics={"accuracy": nn.accuracy},
            restore_best=False,
            seed=0,
        )
        moved_by[label] = layer_changes(before, model)
        moved.plot(layers, moved_by[label], "o-", color=f"C{i}", label=label)
        print(
            f"  {label}: loss {runs[label]['loss'][0]:.3f} -> {runs[label]['loss'][-1]:.3f}, "
            f"accuracy {runs[label]['accuracy'][-1]:.0%}"
        )
    moved.set_yscale("log")
    moved.set_xlabel("layer (1 = next to the input)")
    moved.set_ylabel("|weights after - before| / |before|")
    moved.set_title("after training: how much each layer learned")
    moved.grid(alpha=0.3)
    moved.legend(fontsize="small")
    nn.plot_runs(runs, ax=curves, log_scale=False, title="training loss (max-margin)")
    path = out / "vanishing.png"
    figure.savefig(path, dpi=80)
    return path, vanishing_claims(norms, moved_by, runs)


def vanishing_claims(norms: dict, moved_by: dict, runs: dict) -> list[Claim]:
    """What vanishing.png shows, from its numbers."""
    sigmoid, relu, large = norms
    fade = norms[sigmoid][-1] / norms[sigmoid][0]
    spread = max(norms[relu]) / min(norms[relu])
    blow = min(norms[large]) / max(norms[relu])
    change = {label: history["loss"][0] - history["loss"][-1] for label, history in runs.items()}
    span = {label: f"{history['loss'][0]:.3f} -> {history['loss'][-1]:.3f}"
            for label, history in runs.items()}
    return [
        claim(
            fade > 100,
            f"in the sigmoid net the first layer gets {fade:.0f} times less gradient than the "
            f"last: every sigmoid passes back at most 1/4.",
            f"in the sigmoid net the first layer gets {fade:.1f} times less gradient than the "
            f"last.",
        ),
        claim(
            spread < 10 and blow > 100,
            f"relu with He initialization keeps it level (the layers' gradients within a "
            f"factor {spread:.1f}); with weights 2.5 times too large every layer's gradient is "
            f"at least {blow:.0f} times relu's largest: exploding.",
            f"relu's layers' gradients spread by a factor {spread:.1f}; with weights 2.5 times "
            f"too large they are {blow:.1f} times relu's largest.",
        ),
        claim(
            moved_by[sigmoid][0] < moved_by[relu][0] and change[relu] > abs(change[sigmoid]),
            f"so the sigmoid net's first layer moves less in training ({moved_by[sigmoid][0]:.1e}"
            f" of its size, relu's {moved_by[relu][0]:.1e}) and its loss hardly changes "
            f"({span[sigmoid]}; relu's {span[relu]}).",
            f"the sigmoid net's first layer moved {moved_by[sigmoid][0]:.1e} of its size "
            f"(relu's {moved_by[relu][0]:.1e}); its loss went {span[sigmoid]}, relu's "
            f"{span[relu]}.",
        ),
    ]


def clipping_picture(X, y, epochs: int, out: Path) -> tuple[Path, list[Claim]]:
    """MLP(2, [8, 8, 1]) trained by SGD with lr 0.5, with and without clipping."""
    runs = {}
    for label, clip in (("no clipping", None), ("clip_norm = 1", 1.0)):
        model = nn.MLP(2, [8, 8, 1], activation="tanh", seed=0)
        runs[label] = nn.fit(
            model,
            nn.mse,
            nn.SGD(model.parameters(), lr=0.5),
            X,
            y,
            epochs=epochs,
            batch_size=16,
            clip_norm=clip,
            metrics={"accuracy": nn.accuracy},
            record_grad_norms=True,
            restore_best=False,
            seed=0,
        )
        history = runs[label]
        print(
            f"  {label:13s}: loss {history['loss'][0]:.3g} -> {history['loss'][-1]:.3g}, "
            f"accuracy {history['accuracy'][-1]:.0%}"
        )
    figure = Figure(figsize=(11, 4.4), layout="constrained")
    losses, norms = figure.subplots(1, 2)
    nn.plot_runs(runs, ax=losses, title="mean squared error, SGD with lr 0.5")
    for i, (label, history) in enumerate(runs.items()):
        norms.plot(
            range(1, len(history.grad_norms) + 1),
            total_norms(history),
            color=f"C{i}",
            label=f"{label} (norm before clipping)",
        )
    norms.axhline(1.0, color="C1", ls=":", label="clipped steps use a gradient of norm <= 1")
    norms.set_yscale("log")
    for ax, values in (
        (losses, runs["no clipping"]["loss"]),
        (norms, total_norms(runs["no clipping"])),
    ):
        if max(values) > 1e4:  # the run without clipping leaves the chart upwards
            ax.set_ylim(1e-2, 1e4)
            ax.text(
                0.5,
                0.93,
                f"no clipping: up to {max(values):.0e}, off the chart",
                transform=ax.transAxes,
                ha="center",
                color="C0",
                fontsize="small",
            )
    norms.set_xlabel("step")
    norms.set_ylabel("norm of the whole gradient")
    norms.set_title("how big the gradient is, step by step")
    norms.grid(alpha=0.3)
    norms.legend(fontsize="small", loc="center right")
    losses.legend(fontsize="small", loc="center right")
    path = out / "clipping.png"
    figure.savefig(path, dpi=80)
    wild, clipped = runs["no clipping"]["loss"], runs["clip_norm = 1"]["loss"]
    return path, [claim(
        max(wild) > 100 * wild[0] and clipped[-1] < clipped[0],
        f"without clipping the loss explodes, from {wild[0]:.3g} to as much as {max(wild):.2g}: "
        f"an overshooting step makes a bigger error, whose bigger gradient makes a bigger "
        f"step. Clipped, every step is at most lr * 1 long, and the same run trains "
        f"({clipped[0]:.3g} -> {clipped[-1]:.3g}).",
        f"without clipping the loss goes {wild[0]:.3g} -> {wild[-1]:.3g} (at most "
        f"{max(wild):.3g}); clipped {clipped[0]:.3g} -> {clipped[-1]:.3g}.",
    )]


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "gradients"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer points and epochs (tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n, epochs = (16, 2) if args.quick else (48, 12)
    X, labels = nn.make_moons(n, noise=0.1, seed=0)
    y = 2 * labels - 1  # -1/+1 for the hinge loss

    print(f"{DEPTH} hidden layers of {WIDTH} neurons, {n} points of two moons\n")
    vanishing, claims = vanishing_picture(X, y, epochs, out)
    # The small network trains fast: the clipping runs use all 48 points in both modes, long
    # enough for the unclipped run to blow up.
    X, labels = nn.make_moons(48, noise=0.1, seed=0)
    print("\nMLP(2, [8, 8, 1]) with tanh, mean squared error, SGD with a large lr of 0.5:")
    clipping, clipping_claims = clipping_picture(X, 2.0 * labels - 1, CLIPPING_EPOCHS, out)
    print(f"\npicture: {vanishing} (left: the gradient reaching each layer at the start;")
    print("  middle: how far each layer's weights moved in training; right: the loss)")
    print(f"picture: {clipping} (the loss and the gradient's norm, with and without clipping)")
    return report(claims + clipping_claims)


if __name__ == "__main__":
    main()

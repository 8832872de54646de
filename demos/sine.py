"""Regression: a network learns a curve, y = sin(x), from noisy samples.

Classification picks a class; regression predicts a number. The network has one input, x,
one output, its guess for y, and two hidden layers of tanh neurons; the loss is the mean
squared error between guesses and targets. Each tanh neuron contributes a smooth S-shaped
piece, and training bends and shifts the pieces until their sum follows the sine.

    python demos/sine.py [--out DIR] [--quick]

writes sine.png to DIR (default out/sine).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from notice import Claim, claim, report

import nn


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "sine"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer points and epochs (tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n, epochs = (20, 30) if args.quick else (40, 150)

    X, y = nn.make_sine(n, noise=0.1, seed=0)
    model = nn.MLP(1, [12, 12, 1], activation="tanh", seed=0)
    grid = np.linspace(-np.pi, np.pi, 100)[:, None]
    shown = sorted({1, epochs // 10, epochs // 3, epochs})  # epochs whose curve is drawn
    curves = {}

    def keep_curve(state: nn.TrainingState) -> None:
        """A fit() callback: remember the model's curve at the epochs to be shown."""
        if state.epoch in shown:
            curves[state.epoch] = [o.data for o in nn.predict(state.model, grid)]

    print(f"model: {model}")
    print(f"data:  {n} noisy samples of sin(x); Adam on the mean squared error\n")
    history = nn.fit(
        model,
        nn.mse,
        nn.Adam(model.parameters(), lr=0.01),
        X,
        y,
        epochs=epochs,
        batch_size=10,
        callbacks=[keep_curve],
        restore_best=False,
        seed=0,
    )
    for epoch in shown:
        print(f"  epoch {epoch:4d}: mean squared error {history['loss'][epoch - 1]:.4f}")
    truth_error = float(np.mean((np.sin(X[:, 0]) - y) ** 2))
    print(f"  (the noise alone costs {truth_error:.4f}: even sin(x) itself scores that)")

    figure = Figure(figsize=(12, 4.4), layout="constrained")
    fits, losses = figure.subplots(1, 2)
    fits.plot(grid[:, 0], np.sin(grid[:, 0]), color="0.7", lw=4, label="sin(x), the truth")
    fits.scatter(X[:, 0], y, s=16, color="black", zorder=3, label="noisy samples")
    colors = [(0.85 - 0.85 * k / max(len(shown) - 1, 1),) * 3 for k in range(len(shown))]
    for epoch, color in zip(shown, colors):
        fits.plot(
            grid[:, 0],
            curves[epoch],
            color=color if epoch != epochs else "C3",
            lw=2 if epoch == epochs else 1.2,
            label=f"the network after epoch {epoch}",
        )
    fits.set_xlabel("x")
    fits.set_ylabel("y")
    fits.set_title("the network's curve as training goes on")
    fits.legend(fontsize="small")
    fits.grid(alpha=0.3)
    epochs_axis = range(1, history.epochs + 1)
    losses.plot(epochs_axis, history["loss"], label="training loss")
    losses.axhline(truth_error, color="0.5", ls=":", label="the noise's share: sin(x)'s own error")
    losses.set_yscale("log")
    losses.set_xlabel("epoch")
    losses.set_ylabel("mean squared error")
    losses.set_title("the loss falls to the level of the noise")
    losses.legend(fontsize="small")
    losses.grid(alpha=0.3)
    path = out / "sine.png"
    figure.savefig(path, dpi=80)
    print(f"\npicture: {path}")
    print("  left: the network's curve at a few epochs; right: the training loss, and the error")
    print("  that sin(x) itself makes on the noisy samples.")
    truth = np.sin(grid[:, 0])
    # how far each drawn curve is from sin(x), on average over the grid
    distance = {epoch: float(np.mean(np.abs(np.array(curve) - truth)))
                for epoch, curve in curves.items()}
    first, last = min(distance), max(distance)
    losses = history["loss"]
    return report([
        claim(
            distance[last] < distance[first],
            f"the curve bends towards sin(x): on average it is {distance[first]:.3f} away "
            f"after epoch {first} and {distance[last]:.3f} after epoch {last}.",
            f"the curve is {distance[first]:.3f} from sin(x) after epoch {first} and "
            f"{distance[last]:.3f} after epoch {last}: it did not come closer.",
        ),
        claim(
            losses[-1] < losses[0] and losses[-1] > 0.5 * truth_error,
            f"the loss falls from {losses[0]:.3f} to {losses[-1]:.4f}, "
            f"{losses[-1] / truth_error:.1f} times the {truth_error:.4f} that the noise costs "
            f"sin(x) itself: the rest of the way down would mean memorizing the noise.",
            f"the loss goes from {losses[0]:.3f} to {losses[-1]:.4f}, against the "
            f"{truth_error:.4f} that the noise costs sin(x) itself.",
        ),
    ])


if __name__ == "__main__":
    main()

"""Regularization: an overfitting network, then L2, dropout and early stopping.

With 193 parameters and 10 noisy samples, a network can pass through every sample, noise
and all: the training loss goes to 0 while the error on new samples from the same curve
(the validation set) climbs. That is overfitting. Three cures: an L2 penalty (pull every
weight towards 0, which favours smooth curves), dropout (silence random neurons at every
step, so no neuron can rely on a precise partner), and early stopping (watch the validation
loss and keep the weights from its best epoch). demos/penalties.py puts L1 beside L2.

    python demos/regularization.py [--out DIR] [--quick]

writes regularization.png to DIR (default out/regularization).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from notice import Claim, claim, report

import nn
from autograd import Value


class DropoutMLP(nn.Module):
    """An MLP with tanh hidden layers and Dropout(p) after each of them."""

    def __init__(self, sizes: list[int], p: float, seed: int) -> None:
        self.layers = [
            nn.Layer(
                sizes[i],
                sizes[i + 1],
                activation="tanh" if i < len(sizes) - 2 else "linear",
                seed=seed + i,
            )
            for i in range(len(sizes) - 1)
        ]
        self.drops = [nn.Dropout(p, seed=seed + i) for i in range(len(sizes) - 2)]
        self.tag_parameters()

    def submodules(self) -> list[tuple[str, nn.Module]]:
        """The layers, then the dropouts (which have no parameters)."""
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)] + [
            (f"drops.{i}", drop) for i, drop in enumerate(self.drops)
        ]

    def __call__(self, x: list) -> Value:
        """Each hidden layer's outputs go through its dropout; the last layer gives one Value."""
        for layer, drop in zip(self.layers, self.drops):
            x = drop(layer(x))
        return self.layers[-1](x)[0]


def network() -> nn.MLP:
    """The same over-sized network, from the same start, for every run."""
    return nn.MLP(1, [12, 12, 1], activation="tanh", seed=0)


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=os.path.join("out", "regularization"), help="output folder"
    )
    parser.add_argument("--quick", action="store_true", help="the same run (for the tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    epochs = 120  # overfitting takes time to show: --quick trains as long, in seconds

    X, y = nn.make_sine(10, noise=0.3, seed=5)  # the training set: 10 noisy samples
    X_val, y_val = nn.make_sine(12, noise=0.3, seed=100)
    common = {"epochs": epochs, "validation": (X_val, y_val)}

    def train(model: nn.Module, **options) -> nn.History:
        optimizer = nn.Adam(model.parameters(), lr=0.05)
        return nn.fit(model, nn.mse, optimizer, X, y, **common, **options)

    models, runs = {}, {}
    models["no regularization"] = network()
    runs["no regularization"] = train(models["no regularization"], restore_best=False)
    l2 = network()
    models["L2 penalty (alpha 0.003)"] = l2
    runs["L2 penalty (alpha 0.003)"] = train(
        l2, penalty=lambda: nn.l2_penalty(l2.parameters(), 0.003), restore_best=False
    )
    models["dropout (p 0.1)"] = DropoutMLP([1, 12, 12, 1], p=0.1, seed=0)
    runs["dropout (p 0.1)"] = train(models["dropout (p 0.1)"], restore_best=False)
    models["early stopping"] = network()
    runs["early stopping"] = train(models["early stopping"], patience=max(epochs // 8, 3))

    print(
        f"{len(X)} noisy training samples of sin(x), {len(X_val)} validation samples, "
        f"a network of {network().num_parameters()} parameters"
    )
    finals, train_losses = {}, {}
    for name, history in runs.items():
        final = finals[name] = nn.evaluate(models[name], nn.mse, X_val, y_val)["loss"]
        train_loss = train_losses[name] = nn.evaluate(models[name], nn.mse, X, y)["loss"]
        note = (
            f" (stopped at epoch {history.epochs}, weights of epoch {history.best_epoch})"
            if history.stop_reason == "early stopping"
            else ""
        )
        print(f"  {name:26s} training mse {train_loss:.3f}, validation mse {final:.3f}{note}")

    figure = Figure(figsize=(16, 8), layout="constrained")
    top, bottom = figure.subfigures(2, 1, height_ratios=[1, 1.1])
    for ax, (name, model) in zip(top.subplots(1, 4, sharey=True), models.items()):
        nn.plot_regression(model, X, y, ax=ax, truth=np.sin, label="the network")
        ax.scatter(X_val[:, 0], y_val, s=14, color="C0", alpha=0.6, label="validation samples")
        ax.set_ylim(-2, 2)
        final = nn.evaluate(model, nn.mse, X_val, y_val)["loss"]
        ax.set_title(f"{name}\nvalidation mse {final:.3f}", fontsize="medium")
        ax.legend(fontsize="x-small", loc="lower right")
    left, right = bottom.subplots(1, 2)
    left.plot(
        range(1, epochs + 1), runs["no regularization"]["loss"], color="C3", label="training loss"
    )
    left.plot(
        range(1, epochs + 1),
        runs["no regularization"]["val_loss"],
        color="C0",
        label="validation loss",
    )
    best = runs["early stopping"].best_epoch
    left.axvline(best, color="0.4", ls=":", label=f"early stopping keeps epoch {best}")
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_ylabel("mean squared error")
    left.set_title("no regularization: the training loss falls, the validation loss turns up")
    left.legend(fontsize="small")
    left.grid(alpha=0.3)
    nn.plot_runs(
        runs,
        name="val_loss",
        ax=right,
        title="validation loss of each run (early stopping ends early)",
    )
    right.set_ylabel("validation mse")
    path = out / "regularization.png"
    figure.savefig(path, dpi=70)
    print(f"\npicture: {path}")
    print("  top: what each network predicts, with the training and validation samples;")
    print("  bottom left: the training and validation loss without regularization; bottom")
    print("  right: the validation loss of each run.")
    return report(regularization_claims(runs, finals, train_losses))


def regularization_claims(runs: dict, finals: dict, train_losses: dict) -> list[Claim]:
    """What the runs show, from their losses."""
    none = "no regularization"
    val = runs[none]["val_loss"]
    lowest = int(np.argmin(val))
    better = [name for name in finals if name != none and finals[name] < finals[none]]
    others = [name for name in finals if name != none]
    stopped = runs["early stopping"]
    return [
        claim(
            val[-1] > 1.2 * val[lowest] and train_losses[none] < finals[none],
            f"without regularization the network overfits: the validation loss is lowest at "
            f"epoch {lowest + 1} ({val[lowest]:.3f}) and then climbs to {val[-1]:.3f}, while "
            f"the training loss ends at {train_losses[none]:.3f}.",
            f"without regularization the validation loss goes from {val[lowest]:.3f} (epoch "
            f"{lowest + 1}) to {val[-1]:.3f}: no clear overfitting in this run.",
        ),
        claim(
            len(better) == len(others),
            "each cure ends with a lower validation loss than no cure ("
            + ", ".join(f"{name} {finals[name]:.3f}" for name in others)
            + f", against {finals[none]:.3f}).",
            f"{', '.join(better) or 'no cure'} ended with a lower validation loss than no cure "
            f"({finals[none]:.3f}); "
            + ", ".join(f"{name} {finals[name]:.3f}" for name in others) + ".",
        ),
        claim(
            stopped.stop_reason == "early stopping",
            f"early stopping ended training at epoch {stopped.epochs} of {len(val)} and kept "
            f"the weights of epoch {stopped.best_epoch}, its best validation loss.",
            f"early stopping did not stop early ({stopped.stop_reason}).",
        ),
    ]


if __name__ == "__main__":
    main()

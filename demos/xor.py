"""XOR: why a network needs a hidden layer.

A single neuron draws one straight line through the plane and calls one side class 1. XOR's
class 1 sits in two opposite corners (x and y of opposite signs), and no straight line puts
both corners on one side: the best a single neuron can do is about 3 points in 4. A hidden
layer of 4 tanh neurons draws 4 lines, and the output neuron combines the regions they cut.

    python demos/xor.py [--out DIR] [--quick]

writes xor.png to DIR (default out/xor).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from notice import Claim, claim, report

import nn


def train(model: nn.MLP, X: np.ndarray, y: np.ndarray, epochs: int) -> nn.History:
    """Adam on the binary cross-entropy of the model's score (a logit) against labels 0/1."""
    optimizer = nn.Adam(model.parameters(), lr=0.05)
    return nn.fit(
        model,
        nn.binary_cross_entropy_with_logits,
        optimizer,
        X,
        y,
        epochs=epochs,
        metrics={"accuracy": nn.accuracy},
    )


def draw_hidden_lines(ax, layer: nn.Layer) -> None:
    """Each hidden neuron's line w0 * x + w1 * y + b = 0, where its weighted sum changes sign."""
    x_low, x_high = ax.get_xlim()
    xs = np.linspace(x_low, x_high, 2)
    for j, neuron in enumerate(layer.neurons):
        w0, w1, b = neuron.w[0].data, neuron.w[1].data, neuron.b.data
        if abs(w1) < 1e-9:
            continue  # a vertical line; rare enough to leave out
        ax.plot(
            xs,
            -(w0 * xs + b) / w1,
            "--",
            color="0.3",
            lw=1,
            label="hidden neurons' lines" if j == 0 else None,
        )
    ax.set_xlim(x_low, x_high)
    ax.legend(fontsize="small", loc="upper right")


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "xor"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer points and epochs (tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n, epochs, resolution = (40, 60, 30) if args.quick else (100, 200, 60)

    X, y = nn.make_xor(n, seed=0)
    single = nn.MLP(2, [1], seed=0)  # one neuron: score = w0 * x + w1 * y + b
    hidden = nn.MLP(2, [4, 1], activation="tanh", seed=0)  # 4 hidden neurons, then 1
    runs = {
        f"one neuron ({single.num_parameters()} parameters)": train(single, X, y, epochs),
        f"4 hidden neurons ({hidden.num_parameters()} parameters)": train(hidden, X, y, epochs),
    }
    single_acc, hidden_acc = (history["accuracy"][-1] for history in runs.values())
    print(f"XOR, {n} points: class 1 where x and y have opposite signs")
    print(f"  one neuron, no hidden layer: accuracy {single_acc:.0%} after {epochs} epochs")
    print(f"  a hidden layer of 4 tanh neurons: accuracy {hidden_acc:.0%}")

    figure = Figure(figsize=(15, 4.6), layout="constrained")
    left, middle, right = figure.subplots(1, 3)
    nn.plot_decision_boundary(
        single,
        X,
        y,
        ax=left,
        resolution=resolution,
        title=f"no hidden layer: one straight line ({single_acc:.0%})",
    )
    nn.plot_decision_boundary(
        hidden,
        X,
        y,
        ax=middle,
        resolution=resolution,
        title=f"one hidden layer of 4 neurons ({hidden_acc:.0%})",
    )
    draw_hidden_lines(middle, hidden.layers[0])
    nn.plot_runs(
        runs,
        name="loss",
        ax=right,
        log_scale=False,
        title="binary cross-entropy while training (Adam)",
    )
    figure.suptitle("XOR: one line cannot separate opposite corners; a hidden layer can")
    path = out / "xor.png"
    figure.savefig(path, dpi=80)
    print(f"\npicture: {path}")
    print("  left: the single neuron's line; middle: each dashed line is where one hidden")
    print("  neuron switches sign, and the output neuron adds up those half-planes; right:")
    print("  the loss of both while training.")
    single_loss, hidden_loss = (history["loss"] for history in runs.values())
    return report([
        claim(
            single_acc <= 0.8,
            f"one neuron, one straight line, classifies only {single_acc:.0%} of the points: "
            f"no line puts both opposite corners on one side.",
            f"one neuron classifies {single_acc:.0%} of the points.",
        ),
        claim(
            hidden_acc > single_acc,
            f"4 hidden neurons classify {hidden_acc:.0%}: their lines cut the plane into "
            f"regions that the output neuron combines into the two corners.",
            f"4 hidden neurons classify {hidden_acc:.0%}, no better than one neuron.",
        ),
        claim(
            hidden_loss[-1] < single_loss[-1] and single_loss[-1] > 0.5 * single_loss[0],
            f"the one-neuron loss stalls ({single_loss[0]:.3f} -> {single_loss[-1]:.3f}) while "
            f"the hidden layer's keeps falling ({hidden_loss[0]:.3f} -> {hidden_loss[-1]:.3f}).",
            f"the one-neuron loss goes {single_loss[0]:.3f} -> {single_loss[-1]:.3f}, the hidden "
            f"layer's {hidden_loss[0]:.3f} -> {hidden_loss[-1]:.3f}.",
        ),
    ])


if __name__ == "__main__":
    main()

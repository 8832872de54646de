"""Batch normalization: the same deep sigmoid network trained with and without it.

A sigmoid is steep only near 0, and a deep stack of them squeezes the signal layer after
layer: the gradient that reaches the first layers is tiny, and training crawls. Batch
normalization rescales every neuron's weighted sum, over each mini-batch, to mean 0 and
variance 1 (then lets training pick a scale gamma and a shift beta), so each sigmoid works
in its steep middle and the gradient keeps its size on the way back.

    python demos/batchnorm.py [--out DIR] [--quick]

writes batchnorm.png to DIR (default out/batchnorm).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from matplotlib.figure import Figure
from notice import Claim, claim, report

import nn
from autograd import Value


class DeepSigmoidNet(nn.Module):
    """depth hidden layers of width sigmoid neurons, each sum batch-normalized if asked.

    A layer computes z = w . x + b for every neuron; with batch normalization z goes through
    BatchNorm before the sigmoid. It works on whole batches: forward_batch(rows).
    """

    def __init__(self, depth: int, width: int, batchnorm: bool, seed: int = 0) -> None:
        sizes = [2] + [width] * depth
        self.layers = [
            nn.Layer(sizes[i], sizes[i + 1], activation="linear", seed=seed + i)
            for i in range(depth)
        ]
        self.norms = [nn.BatchNorm(width) for _ in range(depth)] if batchnorm else []
        self.out = nn.Layer(width, 1, activation="linear", seed=seed + depth)
        self.tag_parameters()

    def submodules(self) -> list[tuple[str, nn.Module]]:
        """The hidden layers, their batch norms (if any), then the output layer."""
        return (
            [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]
            + [(f"norms.{i}", norm) for i, norm in enumerate(self.norms)]
            + [("out", self.out)]
        )

    def forward_batch(self, rows: list[list[float]]) -> list[Value]:
        """One score per row; batch normalization needs the whole batch at once."""
        for i, layer in enumerate(self.layers):
            sums = [layer(x) for x in rows]  # z = w . x + b, per example and neuron
            if self.norms:
                sums = self.norms[i](sums)  # per neuron: mean 0, variance 1 over the batch
            rows = [[z.sigmoid() for z in row] for row in sums]
        return [self.out(x)[0] for x in rows]


def layer_norms(net: DeepSigmoidNet, X, y) -> list[float]:
    """The gradient norm of each hidden layer's weights after one backward of the loss."""
    net.zero_grad()
    nn.hinge(net.forward_batch(X.tolist()), y.tolist()).backward()
    norms = nn.gradient_norms(net)
    return [norms[f"layers.{i}"] for i in range(len(net.layers))]


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "batchnorm"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer points and epochs (tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n, epochs, depth, resolution = (32, 8, 4, 20) if args.quick else (48, 12, 6, 45)

    X, labels = nn.make_moons(n, noise=0.1, seed=0)
    y = 2 * labels - 1
    nets = {
        "without batch norm": DeepSigmoidNet(depth, 8, batchnorm=False),
        "with batch norm": DeepSigmoidNet(depth, 8, batchnorm=True),
    }
    figure = Figure(figsize=(16, 4.4), layout="constrained")
    gradients, losses, *boundaries = figure.subplots(1, 4)
    runs, first_layer, finals = {}, {}, {}
    print(
        f"{depth} hidden layers of 8 sigmoid neurons, {n} points of two moons, "
        f"SGD with momentum, batches of 12, {epochs} epochs:"
    )
    for i, (name, net) in enumerate(nets.items()):
        norms = layer_norms(net, X, y)
        gradients.semilogy(range(1, depth + 1), norms, "o-", color=f"C{i}", label=name)
        optimizer = nn.SGD(net.parameters(), lr=0.1, momentum=0.9)
        runs[name] = nn.fit(
            net,
            nn.hinge,
            optimizer,
            X,
            y,
            epochs=epochs,
            batch_size=12,
            forward=net.forward_batch,
            metrics={"accuracy": nn.accuracy},
            restore_best=False,
            seed=0,
        )
        # The curve plots the training loss: each epoch's mean over its batches, in training
        # mode (batch norm normalizes with each batch's own mean and variance) while the
        # weights still move. evaluate() scores the final weights on all points in eval mode
        # (batch norm uses its running averages), so the two numbers differ.
        final = finals[name] = nn.evaluate(
            net, nn.hinge, X, y, metrics={"accuracy": nn.accuracy}, forward=net.forward_batch
        )
        first_layer[name] = norms[0]
        print(
            f"  {name:18s}: first layer's gradient {norms[0]:.1e}, last {norms[-1]:.1e}; "
            f"training loss {runs[name]['loss'][0]:.3f} -> {runs[name]['loss'][-1]:.3f} "
            f"(epoch means, as plotted); final weights in eval mode: loss {final['loss']:.3f}, "
            f"accuracy {final['accuracy']:.0%}"
        )
        nn.plot_decision_boundary(
            net,
            X,
            y,
            ax=boundaries[i],
            forward=net.forward_batch,
            resolution=resolution,
            title=f"{name}\naccuracy {final['accuracy']:.0%} (eval mode)",
        )
    gradients.set_xlabel("hidden layer (1 = next to the input)")
    gradients.set_ylabel("gradient norm of the layer's weights")
    gradients.set_title("at the start:\ngradient reaching each layer")
    gradients.grid(alpha=0.3)
    gradients.legend(fontsize="small")
    nn.plot_runs(
        runs,
        ax=losses,
        log_scale=False,
        title="training loss (max-margin)\nmean of each epoch, training mode",
    )
    path = out / "batchnorm.png"
    figure.savefig(path, dpi=75)
    print(f"\npicture: {path}")
    print("  left: the gradient reaching each layer at the start; middle: the training loss,")
    print("  each epoch's mean in training mode; right: what each network predicts in eval mode")
    print("  (batch norm then uses the running averages it kept while training).")
    return report(batchnorm_claims(first_layer, runs, finals, depth))


def span(history: nn.History) -> str:
    """'from a to b': the training loss of the first and of the last epoch."""
    return f"from {history['loss'][0]:.3f} to {history['loss'][-1]:.3f}"


def batchnorm_claims(first_layer: dict, runs: dict, finals: dict, depth: int) -> list[Claim]:
    """What the two runs show, from their numbers."""
    without, with_bn = "without batch norm", "with batch norm"
    ratio = first_layer[with_bn] / first_layer[without]
    drop = {name: history["loss"][0] - history["loss"][-1] for name, history in runs.items()}
    return [
        claim(
            ratio > 10,
            f"at the start the first of {depth} sigmoid layers gets {ratio:.0f} times more "
            f"gradient with batch norm ({first_layer[with_bn]:.1e}) than without "
            f"({first_layer[without]:.1e}), where it fades on the way back.",
            f"at the start the first layer gets only {ratio:.1f} times more gradient with batch "
            f"norm ({first_layer[with_bn]:.1e}) than without ({first_layer[without]:.1e}).",
        ),
        claim(
            drop[with_bn] > 2 * max(drop[without], 0.0),
            f"so the normalized network learns: its training loss goes {span(runs[with_bn])} "
            f"while the other's goes {span(runs[without])}.",
            f"the training loss goes {span(runs[with_bn])} with batch norm and "
            f"{span(runs[without])} without: no clear difference in this run.",
        ),
        claim(
            finals[with_bn]["accuracy"] > finals[without]["accuracy"],
            f"in eval mode the final weights classify {finals[with_bn]['accuracy']:.0%} of the "
            f"points with batch norm and {finals[without]['accuracy']:.0%} without (eval "
            f"losses {finals[with_bn]['loss']:.3f} and {finals[without]['loss']:.3f}; the "
            f"curve shows training losses, which average over each epoch in training mode).",
            f"in eval mode the final weights classify {finals[with_bn]['accuracy']:.0%} of the "
            f"points with batch norm and {finals[without]['accuracy']:.0%} without.",
        ),
    ]


if __name__ == "__main__":
    main()

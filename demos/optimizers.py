"""Optimizers: SGD, momentum, Nesterov, RMSprop, Adam and AdamW on the same problems.

All of them step against the gradient; they differ in how far and in which direction.
In a long narrow valley plain SGD zig-zags across the steep walls and crawls along the
flat floor. Momentum keeps a running sum of past gradients, so the zig-zags cancel and the
steps along the floor add up (Nesterov looks one step ahead before adding). RMSprop and
Adam divide each parameter's step by the recent size of its gradient, so steep and flat
directions move at the same pace; AdamW adds weight decay that shrinks the weights directly.

    python demos/optimizers.py [--out DIR] [--quick]

writes optimizers.png to DIR (default out/optimizers).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import nn
from autograd import Value

# Each optimizer with settings that suit the valley, then settings that suit the network.
VALLEY = {
    "SGD": lambda p: nn.SGD(p, lr=0.45),
    "momentum": lambda p: nn.SGD(p, lr=0.1, momentum=0.9),
    "Nesterov": lambda p: nn.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "RMSprop": lambda p: nn.RMSprop(p, lr=0.1),
    "Adam": lambda p: nn.Adam(p, lr=0.2),
    "AdamW": lambda p: nn.AdamW(p, lr=0.2, weight_decay=0.1),
}
NETWORK = {
    "SGD": lambda p: nn.SGD(p, lr=0.1),
    "momentum": lambda p: nn.SGD(p, lr=0.1, momentum=0.9),
    "Nesterov": lambda p: nn.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "RMSprop": lambda p: nn.RMSprop(p, lr=0.01),
    "Adam": lambda p: nn.Adam(p, lr=0.02),
    "AdamW": lambda p: nn.AdamW(p, lr=0.02, weight_decay=0.01),
}
START = (-4.5, 1.5)


def valley(x: Value | float, y: Value | float) -> Value | float:
    """A long narrow valley, 100 times more curved across (y) than along (x); minimum at 0."""
    return 0.02 * x * x + 2 * y * y


def descend(make: Callable, steps: int) -> list[tuple[float, float]]:
    """The path of an optimizer on the valley from START; backward() gives each gradient."""
    x, y = Value(START[0]), Value(START[1])
    optimizer = make([x, y])
    path = [(x.data, y.data)]
    for _ in range(steps):
        optimizer.zero_grad()
        valley(x, y).backward()
        optimizer.step()
        path.append((x.data, y.data))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "optimizers"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer points and epochs (tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n, epochs, steps = (16, 5, 40) if args.quick else (48, 25, 60)

    figure = Figure(figsize=(16, 4.8), layout="constrained")
    paths, valley_losses, network_losses = figure.subplots(1, 3)
    xs, ys = np.meshgrid(np.linspace(-5, 1.5, 200), np.linspace(-2, 2, 200))
    paths.contour(
        xs, ys, valley(xs, ys), levels=np.geomspace(0.01, 10, 12), colors="0.8", linewidths=0.8
    )
    print(f"the valley 0.02 x² + 2 y², {steps} steps from {START}:")
    for i, (name, make) in enumerate(VALLEY.items()):
        path = np.array(descend(make, steps))
        losses = [valley(x, y) for x, y in path]
        paths.plot(path[:, 0], path[:, 1], "o-", ms=2, lw=1, color=f"C{i}", label=name)
        valley_losses.plot(losses, color=f"C{i}", label=name)
        print(f"  {name:9s} ends at loss {losses[-1]:.2e}")
    paths.plot(*START, "ks", ms=6, label="start")
    paths.plot(0, 0, "k*", ms=12, label="minimum")
    paths.set_xlim(-5, 1.5)
    paths.set_ylim(-2, 2)
    paths.set_xlabel("x (the flat direction)")
    paths.set_ylabel("y (the steep direction)")
    paths.set_title("paths down a narrow valley")
    paths.legend(fontsize="small", loc="lower right", ncols=2)
    valley_losses.set_yscale("log")
    valley_losses.set_xlabel("step")
    valley_losses.set_ylabel("loss")
    valley_losses.set_title("loss on the valley")
    valley_losses.grid(alpha=0.3)
    valley_losses.legend(fontsize="small")

    X, y = nn.make_moons(n, noise=0.1, seed=0)
    runs = {}
    print(f"\nMLP(2, [8, 8, 1]) on {n} points of two moons, the same start for each optimizer:")
    for name, make in NETWORK.items():
        model = nn.MLP(2, [8, 8, 1], seed=0)
        runs[name] = nn.fit(
            model,
            nn.hinge,
            make(model.parameters()),
            X,
            2 * y - 1,
            epochs=epochs,
            batch_size=16,
            metrics={"accuracy": nn.accuracy},
            restore_best=False,
            seed=0,
        )
        print(
            f"  {name:9s} loss {runs[name]['loss'][-1]:.3f}, accuracy "
            f"{runs[name]['accuracy'][-1]:.0%} after {epochs} epochs"
        )
    nn.plot_runs(runs, ax=network_losses, title="training a network (max-margin loss)")
    path = out / "optimizers.png"
    figure.savefig(path, dpi=75)
    print(f"\npicture: {path}")
    print("  left: SGD bounces between the steep walls and crawls along the floor; momentum")
    print("  overshoots, then rolls along; RMSprop and Adam head straight for the minimum, each")
    print("  coordinate moving at its own pace. Middle and right: the losses on the valley and")
    print("  on a real network (each optimizer with its own usual learning rate).")


if __name__ == "__main__":
    main()

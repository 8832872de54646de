"""Optimizers: SGD, momentum, Nesterov, RMSprop, Adam and AdamW on the same problems.

All of them step against the gradient; they differ in how far and in which direction.
In a long narrow valley plain SGD zig-zags across the steep walls and crawls along the
flat floor. Momentum keeps a running sum of past gradients, so the zig-zags cancel and the
steps along the floor add up (Nesterov looks one step ahead before adding). RMSprop and
Adam divide each parameter's step by the recent size of its gradient, so steep and flat
directions move at the same pace; Adam adds momentum to that, so it can overshoot and circle
the minimum; AdamW adds weight decay that shrinks the weights directly.

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
from notice import Claim, claim, report

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


def detour(path: np.ndarray) -> float:
    """How much longer the path is than the straight line from its start to its end (1: none)."""
    walked = np.sum(np.hypot(*np.diff(path, axis=0).T))
    return float(walked / np.hypot(*(path[-1] - path[0])))


def crossings(path: np.ndarray) -> int:
    """How many times the path crosses the valley's floor (y changes sign)."""
    return int(np.sum(np.sign(path[:-1, 1]) * np.sign(path[1:, 1]) < 0))


def valley_claims(paths: dict[str, np.ndarray], steps: int) -> list[Claim]:
    """What the paths down the valley show, from their numbers."""
    final = {name: valley(*path[-1]) for name, path in paths.items()}
    detours = {name: detour(path) for name, path in paths.items()}
    ranked = sorted(final, key=final.get)
    straightest = min(detours, key=detours.get)
    swing = min(paths["Adam"][:, 1].min(), paths["AdamW"][:, 1].min())  # START has y > 0
    return [
        claim(
            ranked[-1] == "SGD",
            f"SGD crosses the valley's floor {crossings(paths['SGD'])} times and ends highest "
            f"(loss {final['SGD']:.1e} after {steps} steps): its learning rate must stay small "
            f"for the steep walls, so it crawls along the flat floor.",
            f"SGD crosses the valley's floor {crossings(paths['SGD'])} times, yet "
            f"{ranked[-1]} ends highest (loss {final[ranked[-1]]:.1e} after {steps} steps).",
        ),
        claim(
            final["momentum"] < final["SGD"],
            f"momentum ends below SGD ({final['momentum']:.1e} against {final['SGD']:.1e}): "
            f"the zig-zags cancel and the steps along the floor add up.",
            f"momentum ends above SGD ({final['momentum']:.1e} against {final['SGD']:.1e}).",
        ),
        claim(
            straightest == "RMSprop",
            f"RMSprop takes the straightest path (its length {detours['RMSprop']:.2f} times the "
            f"straight line from start to end): dividing each step by the recent size of its "
            f"gradient moves the steep and the flat direction at the same pace.",
            f"the straightest path is {straightest}'s (its length {detours[straightest]:.2f} "
            f"times the straight line), not RMSprop's ({detours['RMSprop']:.2f}).",
        ),
        claim(
            swing < 0,
            f"Adam and AdamW, which add momentum to that, swing past the floor (down to y = "
            f"{swing:.2f}) and arc back around the minimum.",
            f"Adam and AdamW stay on their side of the floor (y never below {swing:.2f}).",
        ),
        Claim(
            "lowest to highest after the valley run: "
            + ", ".join(f"{name} {final[name]:.1e}" for name in ranked) + ".",
            True,
        ),
    ]


def network_claim(runs: dict[str, nn.History], epochs: int) -> Claim:
    """Whether every optimizer that does more than plain SGD ends below it on the network."""
    final = {name: history["loss"][-1] for name, history in runs.items()}
    ranked = sorted(final, key=final.get)
    worse = [name for name in final if name != "SGD" and final[name] >= final["SGD"]]
    return claim(
        not worse,
        f"on the network every other optimizer ends below plain SGD after {epochs} epochs "
        f"({final['SGD']:.3f}); {ranked[0]} lowest, at {final[ranked[0]]:.3f}.",
        f"on the network {', '.join(worse)} ended no lower than plain SGD "
        f"({final['SGD']:.3f}) after {epochs} epochs; {ranked[0]} lowest, at "
        f"{final[ranked[0]]:.3f}.",
    )


def main(argv: list[str] | None = None) -> list[Claim]:
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
    paths_taken = {}
    for i, (name, make) in enumerate(VALLEY.items()):
        path = paths_taken[name] = np.array(descend(make, steps))
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
    print("  left: the paths down the valley; middle: the loss along them; right: the losses")
    print("  training a real network (each optimizer with its own usual learning rate).")
    return report(valley_claims(paths_taken, steps) + [network_claim(runs, epochs)])


if __name__ == "__main__":
    main()

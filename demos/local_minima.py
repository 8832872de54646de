"""Local minima: the same network, trained from different random starts, ends in different places.

A network's loss is not a bowl with one bottom. Gradient descent only ever goes downhill
from where it starts, so it stops in whichever valley (or flat plain) the starting weights
lead to. Here a network with 3 hidden relu neurons separates two rings: 3 lines can fence
in the inner ring, but only if training puts them around it; from some starts a neuron dies
(its relu is off for every point) or two neurons duplicate each other, and the loss gets
stuck higher up.

    python demos/local_minima.py [--out DIR] [--quick]

writes local_minima.png to DIR (default out/local_minima).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from matplotlib.figure import Figure

import nn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "local_minima"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer seeds and epochs (tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n, seeds, epochs, resolution = (30, 3, 30, 25) if args.quick else (60, 8, 150, 50)

    X, y = nn.make_circles(n, noise=0.08, factor=0.5, seed=0)
    print(
        f"MLP(2, [3, 1]) on {n} points of two rings, Adam for {epochs} epochs from "
        f"{seeds} random starts (seeds 0 to {seeds - 1}):"
    )
    runs, models = {}, {}
    for seed in range(seeds):
        model = nn.MLP(2, [3, 1], seed=seed)  # only the starting weights differ
        history = nn.fit(
            model,
            nn.binary_cross_entropy_with_logits,
            nn.Adam(model.parameters(), lr=0.05),
            X,
            y,
            epochs=epochs,
            metrics={"accuracy": nn.accuracy},
            restore_best=False,
        )
        runs[f"seed {seed}"], models[f"seed {seed}"] = history, model
        print(
            f"  seed {seed}: loss {history['loss'][-1]:.3f}, accuracy {history['accuracy'][-1]:.0%}"
        )
    ranked = sorted(runs, key=lambda name: runs[name]["loss"][-1])
    best, worst = ranked[0], ranked[-1]

    figure = Figure(figsize=(16, 4.4), layout="constrained")
    curves, finals, best_ax, worst_ax = figure.subplots(1, 4)
    nn.plot_runs(runs, ax=curves, title="the same network from different starts")
    finals.bar(
        range(len(ranked)),
        [runs[name]["loss"][-1] for name in ranked],
        color=[f"C{int(name.split()[1]) % 10}" for name in ranked],
    )
    finals.set_xticks(range(len(ranked)), [name.replace("seed ", "") for name in ranked])
    finals.set_xlabel("seed, best first")
    finals.set_ylabel(f"loss after {epochs} epochs")
    finals.set_title("where each start ended")
    finals.grid(alpha=0.3, axis="y")
    for ax, name in ((best_ax, best), (worst_ax, worst)):
        history = runs[name]
        nn.plot_decision_boundary(
            models[name],
            X,
            y,
            ax=ax,
            resolution=resolution,
            title=f"{name}: loss {history['loss'][-1]:.2f}, accuracy {history['accuracy'][-1]:.0%}",
        )
    path = out / "local_minima.png"
    figure.savefig(path, dpi=75)
    print(f"\npicture: {path}")
    print("  left: every run goes downhill, but they level off at different heights;")
    print(f"  right: the best start ({best}) fences in the inner ring, the worst ({worst})")
    print("  settled where no small step lowers the loss. Trying several seeds and keeping")
    print("  the best, or using a wider network (more ways down), are the usual remedies.")


if __name__ == "__main__":
    main()

"""Local minima: the same network, trained from different random starts, ends in different places.

A network's loss is not a bowl with one bottom. Gradient descent only ever goes downhill
from where it starts, so it stops in whichever valley (or flat plain) the starting weights
lead to. Here a network with 3 hidden relu neurons separates two rings: 3 lines can fence
in the inner ring, but only if training puts them around it; from some starts a neuron dies
(its relu is off for every point) or two neurons duplicate each other, and the loss gets
stuck higher up. And a long flat stretch is not always the end: a run can creep along a
plateau for many epochs and then find its way down.

    python demos/local_minima.py [--out DIR] [--quick]

writes local_minima.png to DIR (default out/local_minima).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from matplotlib.figure import Figure
from notice import Claim, claim, report

import nn

SETTLED = 30  # epochs: a run has settled when its loss hardly moved over its last SETTLED


def plateau_then_drop(
    losses: list[float], flat: float = 0.07, at_least: int = 40, within: int = 30
) -> tuple[int, int, int] | None:
    """The first plateau followed by a sharp drop in a loss curve: epochs (start, end, drop end).

    A plateau: at least `at_least` epochs in which no 10 consecutive epochs lower the loss by
    `flat` (7%) or more. A drop: within `within` epochs after the plateau, the loss halves.
    Epochs count from 1; None when the curve has no such place.
    """
    # creeping[t]: the 10 epochs from epoch t+1 lowered the loss by less than `flat`
    creeping = [losses[t + 10] > (1 - flat) * losses[t] for t in range(len(losses) - 10)]
    start = None
    for t, creeps in enumerate(creeping + [False]):
        if creeps:
            start = t if start is None else start
            continue
        if start is not None and t + 9 - start >= at_least:  # epochs start+1 .. t+9 crept
            # the plateau ends where the loss first falls `flat` below its level at t
            end = next((e for e in range(t + 1, len(losses))
                        if losses[e] < (1 - flat) * losses[t]), len(losses)) - 1
            drop_end = min(end + within, len(losses) - 1)
            if losses[drop_end] < 0.5 * losses[end]:
                return start + 1, end + 1, drop_end + 1
        start = None
    return None


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "local_minima"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="coarser pictures (tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # The whole run takes seconds; --quick draws coarser boundaries of the same training (the
    # plateau below takes 100 epochs to show).
    n, seeds, epochs, resolution = (60, 8, 150, 25) if args.quick else (60, 8, 150, 50)

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
    drops = {name: plateau_then_drop(history["loss"]) for name, history in runs.items()}
    drops = {name: found for name, found in drops.items() if found}
    for name, (start, end, drop_end) in list(drops.items())[:1]:
        loss = runs[name]["loss"]
        curves.plot(range(start, end + 1), loss[start - 1:end], color="gold", lw=7, alpha=0.5,
                    zorder=0, label=f"{name}: plateau")
        curves.plot(range(end, drop_end + 1), loss[end - 1:drop_end], color="C3", lw=7,
                    alpha=0.3, zorder=0, label=f"{name}: then a drop")
        curves.legend(fontsize="small", ncols=2)
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
    print("  left: the loss of every start; middle: where each ended; right: what the best and")
    print("  the worst start predict. Trying several seeds and keeping the best, or a wider")
    print("  network (more ways down), are the usual remedies.")
    return report(minima_claims(runs, drops, best, worst))


def minima_claims(runs: dict, drops: dict, best: str, worst: str) -> list[Claim]:
    """What the runs show, from their loss curves."""
    final = {name: history["loss"][-1] for name, history in runs.items()}
    tail = runs[worst]["loss"][-SETTLED - 1:]
    moved = abs(tail[0] - tail[-1]) / tail[0]
    claims = [
        claim(
            final[worst] > 2 * final[best],
            f"the same network from {len(runs)} starts ends at losses from {final[best]:.3f} "
            f"({best}) to {final[worst]:.3f} ({worst}): where it starts decides which valley "
            f"it ends in.",
            f"the {len(runs)} starts end at similar losses, {final[best]:.3f} to "
            f"{final[worst]:.3f}.",
        ),
        claim(
            moved < 0.01 and runs[worst]["accuracy"][-1] < runs[best]["accuracy"][-1],
            f"{worst} has settled, not merely slowed: its loss moved {moved:.1%} in its last "
            f"{SETTLED} epochs, at accuracy {runs[worst]['accuracy'][-1]:.0%} against "
            f"{best}'s {runs[best]['accuracy'][-1]:.0%}.",
            f"{worst}'s loss still moved {moved:.1%} in its last {SETTLED} epochs: it may "
            f"only be slow, not stuck.",
        ),
    ]
    if drops:
        name, (start, end, drop_end) = next(iter(drops.items()))
        loss = runs[name]["loss"]
        claims.append(Claim(
            f"{name} crept along a plateau from epoch {start} to {end} (loss {loss[start - 1]:.2f}"
            f" to {loss[end - 1]:.2f}), then dropped to {loss[drop_end - 1]:.2f} by epoch "
            f"{drop_end} (marked on the left): a long flat stretch is not always a minimum, so "
            f"a run stopped there would have been judged stuck too early.",
            True,
        ))
    else:
        claims.append(Claim("no run crept along a plateau and then dropped sharply.", False))
    return claims


if __name__ == "__main__":
    main()

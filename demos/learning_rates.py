"""Learning rates: too small, about right, too large.

Gradient descent steps w <- w - lr * dloss/dw. Too small a learning rate creeps: every step
is right but tiny. About right, the loss falls fast. Too large, each step jumps past the
bottom of the valley to a steeper place on the other side, whose bigger gradient makes an
even bigger jump: the loss grows without end (divergence).

    python demos/learning_rates.py [--out DIR] [--quick]

writes learning_rates.png to DIR (default out/learning_rates).
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

PARABOLA_RATES = {"too small (0.05)": 0.05, "about right (0.4)": 0.4, "too large (1.05)": 1.05}
NETWORK_RATES = {"too small (0.003)": 0.003, "about right (0.1)": 0.1, "too large (0.6)": 0.6}


def descend_parabola(lr: float, steps: int) -> list[float]:
    """Gradient descent on loss(w) = w ** 2 from w = 1, the gradient found by backward()."""
    w = Value(1.0)
    path = [w.data]
    for _ in range(steps):
        w.grad = 0.0
        loss = w * w
        loss.backward()  # w.grad = dloss/dw = 2w
        w.data -= lr * w.grad
        path.append(w.data)
    return path


def draw_parabola(ax, steps: int) -> dict[float, float]:
    """The paths of the three learning rates on the parabola; where each ended."""
    ws = np.linspace(-1.6, 1.6, 200)
    ax.plot(ws, ws**2, color="0.6", lw=2, label="loss(w) = w²")
    ends = {}
    for i, (label, lr) in enumerate(PARABOLA_RATES.items()):
        path = np.array(descend_parabola(lr, steps))
        ends[lr] = float(path[-1])
        ax.plot(path, path**2, "o-", color=f"C{i}", ms=4, lw=1, label=label)
        print(f"  parabola, lr {lr}: w = 1 -> {path[-1]:.3g} after {steps} steps")
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-0.05, 2.6)
    ax.set_xlabel("w")
    ax.set_ylabel("loss")
    ax.set_title(f"{steps} steps of gradient descent from w = 1")
    ax.legend(fontsize="small", loc="upper center")
    ax.grid(alpha=0.3)
    return ends


def stop_if_exploding(state: nn.TrainingState) -> None:
    """A fit() callback: stop once the loss is a million times too big, nothing more to see."""
    state.stop = state.history["loss"][-1] > 1e6


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=os.path.join("out", "learning_rates"), help="output folder"
    )
    parser.add_argument("--quick", action="store_true", help="fewer points and epochs (tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n, epochs = (24, 8) if args.quick else (60, 40)

    figure = Figure(figsize=(12, 4.6), layout="constrained")
    parabola, network = figure.subplots(1, 2)
    ends = draw_parabola(parabola, steps=8)

    X, y = nn.make_moons(n, noise=0.15, seed=0)
    runs = {}
    for label, lr in NETWORK_RATES.items():
        model = nn.MLP(2, [8, 8, 1], activation="tanh", seed=0)  # the same start every time
        runs[label] = nn.fit(
            model,
            nn.mse,
            nn.SGD(model.parameters(), lr=lr),
            X,
            2.0 * y - 1,
            epochs=epochs,
            batch_size=15,
            metrics={"accuracy": nn.accuracy},
            restore_best=False,
            callbacks=[stop_if_exploding],
            seed=0,
        )
        history = runs[label]
        print(
            f"  network, lr {lr}: mean loss of the first epoch {history['loss'][0]:.3g}, "
            f"of the last {history['loss'][-1]:.3g}, after {history.epochs} epochs "
            f"({history.stop_reason})"
        )
    nn.plot_runs(runs, ax=network, title=f"MLP(2, [8, 8, 1]) on {n} moons points, plain SGD")
    network.set_ylabel("mean squared error")
    figure.suptitle("the learning rate: how far each step goes along the negative gradient")
    path = out / "learning_rates.png"
    figure.savefig(path, dpi=80)
    print(f"\npicture: {path}")
    print("  left: 8 steps on loss(w) = w² at each learning rate; right: the same three rates")
    print("  training a network (a run that diverges leaves the chart, marked x; a fit()")
    print("  callback stops it once its loss passes 1e6).")
    return report(rate_claims(ends, runs))


def rate_claims(ends: dict[float, float], runs: dict[str, nn.History]) -> list[Claim]:
    """What the parabola and the network show, from their numbers."""
    small, right, large = PARABOLA_RATES.values()
    first = {label: history["loss"][0] for label, history in runs.items()}
    last = {label: history["loss"][-1] for label, history in runs.items()}
    creep, good, wild = NETWORK_RATES
    return [
        claim(
            0.01 < abs(ends[small]) < 1 and abs(ends[right]) < 1e-3 and abs(ends[large]) > 1,
            f"on the parabola, from w = 1: lr {small} creeps to w = {ends[small]:.2f}, lr "
            f"{right} reaches {ends[right]:.1e}, and lr {large} overshoots to the other side, "
            f"further out every step, to {ends[large]:.2f}: it diverges.",
            f"on the parabola, from w = 1: lr {small} ends at {ends[small]:.2g}, lr {right} at "
            f"{ends[right]:.2g}, lr {large} at {ends[large]:.2g}.",
        ),
        claim(
            last[creep] > 1.5 * last[good] and last[wild] > first[wild],
            f"training the network, {good} ends lowest ({first[good]:.3f} -> "
            f"{last[good]:.3f}); {creep} creeps ({first[creep]:.3f} -> {last[creep]:.3f}, "
            f"{last[creep] / last[good]:.1f} times higher); {wild} blows up "
            f"({first[wild]:.3g} -> {last[wild]:.3g}, {runs[wild].stop_reason}).",
            f"training the network: {creep} {first[creep]:.3g} -> {last[creep]:.3g}, {good} "
            f"{first[good]:.3g} -> {last[good]:.3g}, {wild} {first[wild]:.3g} -> "
            f"{last[wild]:.3g}.",
        ),
    ]


if __name__ == "__main__":
    main()

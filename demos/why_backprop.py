"""Why backpropagation: the gradient of every weight for the price of about one more pass.

Without backprop, the obvious way to find d loss / d w is to nudge w and see how the loss
moves: (loss(w + h) - loss(w)) / h, finite differences. That costs one forward pass per
parameter, so a network with a million weights needs a million passes per step. Backprop
gets all of them from one forward and one backward pass, whatever the number of weights.
And without any gradient at all, an evolution strategy can still search by trial and error:
try a random change of every weight, keep it if the loss went down (demos/gradient_free.py
races a genetic algorithm and a particle swarm against backprop).

    python demos/why_backprop.py [--out DIR] [--quick]

writes why_backprop.png to DIR (default out/why_backprop).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from notice import Claim, claim, report

import nn
from autograd import no_grad


def batch_loss(model: nn.MLP, points: list, targets: list):
    """The mean squared error of the model on a small batch."""
    return nn.mse([model(p) for p in points], targets)


def backprop_gradient(model: nn.MLP, points: list, targets: list) -> list[float]:
    """Every d loss / d w from one forward and one backward pass."""
    model.zero_grad()
    batch_loss(model, points, targets).backward()
    return [p.grad for p in model.parameters()]


def finite_difference_gradient(
    model: nn.MLP, points: list, targets: list, h: float = 1e-6
) -> list[float]:
    """d loss / d w ~ (loss(w + h) - loss(w)) / h: one more forward pass for every parameter."""
    with no_grad():  # only numbers are needed: no graph
        base = batch_loss(model, points, targets).data
        gradient = []
        for p in model.parameters():
            p.data += h
            gradient.append((batch_loss(model, points, targets).data - base) / h)
            p.data -= h
    return gradient


def seconds(fn, *args) -> float:
    """The shortest of three timings of fn(*args) (the others were slowed by something else)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def evolution_strategy(
    model: nn.MLP, points: list, targets: list, budget: float, seed: int = 0
) -> tuple[list[float], list[float]]:
    """(1+1) evolution strategy for `budget` seconds: (times, losses) of every trial.

    Add Gaussian noise of size sigma to every weight; keep the change if the loss fell,
    else undo it. sigma grows after a success and shrinks after a failure (the 1/5 rule:
    it settles where about one trial in five succeeds). No gradient is ever computed.
    """
    rng = np.random.default_rng(seed)
    params = model.parameters()
    with no_grad():
        best = nn.hinge([model(p) for p in points], targets).data
        sigma, start = 0.1, time.perf_counter()
        times, losses = [0.0], [best]
        while time.perf_counter() - start < budget:
            old = [p.data for p in params]
            for p, step in zip(params, rng.normal(0.0, sigma, size=len(params))):
                p.data += float(step)
            loss = nn.hinge([model(p) for p in points], targets).data
            if loss < best:
                best, sigma = loss, sigma * 1.5
            else:
                for p, x in zip(params, old):
                    p.data = x
                sigma *= 1.5**-0.25
            times.append(time.perf_counter() - start)
            losses.append(best)
    return times, losses


def gradient_descent(
    model: nn.MLP, points: list, targets: list, budget: float
) -> tuple[list[float], list[float]]:
    """SGD with momentum on the backprop gradient for `budget` seconds: (times, losses)."""
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    start = time.perf_counter()
    times, losses = [], []
    while not times or times[-1] < budget:
        loss = nn.hinge([model(p) for p in points], targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
        losses.append(loss.data)
    return [0.0] + times[:-1], losses  # each loss belongs to the weights before its step


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "why_backprop"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="smaller networks (tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    widths, budget = ([2, 4, 6], 0.6) if args.quick else ([2, 4, 8, 12, 16], 3.0)

    X, y = nn.make_moons(8, noise=0.1, seed=0)
    points, targets = X.tolist(), (2.0 * y - 1).tolist()
    sizes, backprop_times, difference_times, disagreements = [], [], [], []
    print("one gradient of the loss on 8 points, MLP(2, [h, h, 1]):")
    for h in widths:
        model = nn.MLP(2, [h, h, 1], activation="tanh", seed=0)
        exact = backprop_gradient(model, points, targets)
        start = time.perf_counter()
        estimate = finite_difference_gradient(model, points, targets)
        difference_times.append(time.perf_counter() - start)  # slow enough to time once
        disagreement = max(abs(a - b) for a, b in zip(exact, estimate))
        disagreements.append(disagreement)
        sizes.append(model.num_parameters())
        backprop_times.append(seconds(backprop_gradient, model, points, targets))
        print(
            f"  h = {h:2d}: {sizes[-1]:4d} parameters, backprop {backprop_times[-1] * 1e3:7.1f} "
            f"ms, finite differences {difference_times[-1] * 1e3:8.1f} ms "
            f"({difference_times[-1] / backprop_times[-1]:5.1f}x), largest difference "
            f"between the two gradients {disagreement:.1e}"
        )

    X, y = nn.make_moons(40, noise=0.1, seed=1)
    points, labels = X.tolist(), (2 * y - 1).tolist()
    gd = gradient_descent(nn.MLP(2, [8, 1], seed=0), points, labels, budget)
    es = evolution_strategy(nn.MLP(2, [8, 1], seed=0), points, labels, budget)
    print(f"\nMLP(2, [8, 1]) on 40 points of two moons, {budget} seconds each:")
    print(
        f"  gradient descent (backprop): {len(gd[0])} steps, loss {gd[1][0]:.3f} -> {gd[1][-1]:.3f}"
    )
    print(
        f"  evolution strategy (no gradient): {len(es[0]) - 1} trials, loss {es[1][0]:.3f} -> "
        f"{es[1][-1]:.3f}"
    )

    figure = Figure(figsize=(12, 4.6), layout="constrained")
    cost, race = figure.subplots(1, 2)
    cost.loglog(
        sizes,
        difference_times,
        "o-",
        color="C3",
        label="finite differences: one forward pass per parameter",
    )
    cost.loglog(
        sizes, backprop_times, "o-", color="C0", label="backprop: one forward, one backward"
    )
    for n, fd, bp in zip(sizes, difference_times, backprop_times):
        cost.annotate(
            f"{fd / bp:.0f}x",
            (n, fd),
            textcoords="offset points",
            xytext=(-8, 6),
            fontsize="small",
            color="C3",
        )
    cost.set_xticks(sizes, [str(n) for n in sizes])
    cost.minorticks_off()
    cost.set_ylim(top=max(difference_times) * 3)
    cost.set_xlabel("number of parameters")
    cost.set_ylabel("seconds for one gradient")
    cost.set_title("the price of one gradient grows with the parameters,\nunless it is backprop")
    cost.legend(fontsize="small")
    cost.grid(alpha=0.3, which="both")
    race.plot(*gd, color="C0", label="gradient descent, gradient by backprop")
    race.plot(*es, color="C2", label="evolution strategy: random trials, keep the better")
    race.set_xlabel("seconds")
    race.set_ylabel("max-margin loss")
    race.set_title("the same time budget, with and without the gradient")
    race.legend(fontsize="small")
    race.grid(alpha=0.3)
    path = out / "why_backprop.png"
    figure.savefig(path, dpi=80)
    print(f"\npicture: {path}")
    print("  left: the time of one gradient, both ways, by network size; right: the loss of")
    print("  gradient descent and of an evolution strategy in the same time.")
    ratios = [fd / bp for fd, bp in zip(difference_times, backprop_times)]
    return report([
        claim(
            max(disagreements) < 1e-4,
            f"both ways give the same gradient, up to {max(disagreements):.0e} (the finite "
            f"differences' own error, from h = 1e-6).",
            f"the two gradients differ by up to {max(disagreements):.0e}.",
        ),
        claim(
            ratios[-1] > ratios[0],
            f"finite differences pay a forward pass per parameter, so their cost grows with "
            f"the network: {ratios[0]:.0f}x backprop's at {sizes[0]} parameters, "
            f"{ratios[-1]:.0f}x at {sizes[-1]}; real networks have millions.",
            f"finite differences cost {ratios[0]:.0f}x backprop's at {sizes[0]} parameters and "
            f"{ratios[-1]:.0f}x at {sizes[-1]}.",
        ),
        claim(
            gd[1][-1] < es[1][-1],
            f"in the same {budget} s, gradient descent gets the loss to {gd[1][-1]:.3f} and "
            f"trial and error to {es[1][-1]:.3f}: each trial probes one random direction, "
            f"while the gradient says at once which way is downhill for every weight.",
            f"in the same {budget} s, gradient descent gets the loss to {gd[1][-1]:.3f} and "
            f"trial and error to {es[1][-1]:.3f}.",
        ),
    ])


if __name__ == "__main__":
    main()

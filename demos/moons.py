"""Train a small neural network on two moons, as in micrograd's demo, and watch it learn.

An MLP(2, [16, 16, 1]) with relu hidden layers scores each point of a seeded two-moons data
set; the max-margin loss (plus a little L2) says how wrong the scores are, backward() finds
the gradient of that loss for all 337 parameters, and SGD with a decaying learning rate
steps downhill. Within 100 steps every training point is classified correctly.

    python demos/moons.py [--out DIR] [--quick]

prints the training and the decision boundary in characters, and with matplotlib (the
`plot` extra) also writes moons.png to DIR (default out/moons).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from notice import Claim, claim, report

import nn
from autograd import gc_paused, no_grad

STEPS = 100


def accuracy(scores: list, labels: list[int]) -> float:
    """The fraction of points whose score has the sign of their label (-1 or +1)."""
    return sum((s.data > 0) == (y > 0) for s, y in zip(scores, labels)) / len(labels)


def draw_boundary(model: nn.MLP, points: list[list[float]], labels: list[int]) -> str:
    """The plane in characters: '.' where the model says -1, '#' where +1, points as o and x."""
    width, height = 64, 20
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    left, right, bottom, top = min(xs) - 0.3, max(xs) + 0.3, min(ys) - 0.3, max(ys) + 0.3
    rows = []
    with no_grad():  # evaluation only: no graph to record
        for r in range(height):
            y = top - (r + 0.5) * (top - bottom) / height
            row = []
            for c in range(width):
                x = left + (c + 0.5) * (right - left) / width
                row.append("#" if model([x, y]).data > 0 else ".")
            rows.append(row)
    for (x, y), label in zip(points, labels):
        c = int((x - left) / (right - left) * width)
        r = int((top - y) / (top - bottom) * height)
        rows[r][c] = "x" if label > 0 else "o"
    return "\n".join("".join(row) for row in rows)


def draw_pictures(
    model: nn.MLP, points: list, labels: list, history: nn.History, out: Path, resolution: int
) -> Path | None:
    """moons.png: the decision boundary beside the loss and accuracy; None without matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    figure = Figure(figsize=(11, 4.4), layout="constrained")
    boundary, curves = figure.subplots(1, 2)
    nn.plot_decision_boundary(
        model,
        points,
        labels,
        ax=boundary,
        resolution=resolution,
        title="what the trained network predicts",
    )
    steps = range(1, len(history["loss"]) + 1)
    loss_line = curves.plot(steps, history["loss"], color="C0", label="loss (max-margin + L2)")
    curves.set_xlabel("step (one pass over all points)")
    curves.set_ylabel("loss", color="C0")
    right = curves.twinx()
    accuracy_line = right.plot(steps, history["accuracy"], color="C2", label="accuracy")
    right.set_ylabel("accuracy", color="C2")
    right.set_ylim(0, 1.05)
    curves.set_title("training: the loss falls, the accuracy climbs")
    curves.grid(alpha=0.3)
    curves.legend(handles=loss_line + accuracy_line, loc="center right", fontsize="small")
    path = out / "moons.png"
    figure.savefig(path, dpi=90)
    return path


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "moons"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer points and steps (tests)")
    args = parser.parse_args(argv)
    steps = 8 if args.quick else STEPS

    X, y = nn.make_moons(40 if args.quick else 100, noise=0.1, seed=1)
    points = X.tolist()
    labels = [2 * int(label) - 1 for label in y]  # 0/1 -> -1/+1, as the hinge loss wants
    # fused: each neuron's weighted sum b + w0*x0 + w1*x1 + ... is one node of the graph, not
    # a product node per weight and a sum node. The numbers are the same; training is about
    # twice as fast. (demos/walkthrough.py and the stepper keep the products, to show them.)
    model = nn.MLP(2, [16, 16, 1], seed=2, fused=True)
    optimizer = nn.SGD(model.parameters(), lr=1.0)
    print(f"model: {model}")
    print(f"data:  {len(points)} points of two moons, labels -1 and +1\n")

    history = nn.History()  # the numbers of every step, for the picture
    start = time.perf_counter()
    # Every step builds a graph of ~8,000 Values (~38,000 unfused) and drops it. With no
    # reference cycles in it, reference counting frees each graph at once; resting Python's
    # cyclic collector, which would only re-scan it, makes the steps faster (nn.fit does too).
    with gc_paused():
        for step in range(steps):
            optimizer.lr = 1.0 - 0.9 * step / steps  # decay from 1.0 to 0.1, as micrograd does
            scores = [model(point) for point in points]
            data_loss = nn.hinge(scores, labels)
            loss = data_loss + nn.l2_penalty(model.parameters(), alpha=1e-4)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            acc = accuracy(scores, labels)
            history.record({"loss": loss.data, "accuracy": acc})
            if step % 10 == 0 or step == steps - 1:
                print(f"step {step:3d}  loss {loss.data:.4f}  accuracy {acc:6.1%}  "
                      f"lr {optimizer.lr:.3f}")
    seconds = time.perf_counter() - start
    print(
        f"\n{steps} steps in {seconds:.1f} s ({seconds / steps:.2f} s per step of forward, "
        f"backward and update over {len(points)} points)"
    )
    print("\ndecision boundary (o: label -1, x: label +1; '.' and '#': the model's answer)\n")
    print(draw_boundary(model, points, labels))

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = draw_pictures(model, points, labels, history, out, 30 if args.quick else 50)
    if path is None:
        print("\nfor a picture, install matplotlib: pip install 'chainrule[plot]'")
    else:
        print(
            f"\npicture: {path} (the regions the network assigns to each class, and how the "
            f"loss and accuracy changed step by step)"
        )
    losses, accuracies = history["loss"], history["accuracy"]
    return report([
        claim(
            losses[-1] < losses[0],
            f"the loss falls from {losses[0]:.3f} to {losses[-1]:.3f} in {steps} steps, each "
            f"one a forward pass, a backward pass and an SGD update of all "
            f"{model.num_parameters()} parameters.",
            f"the loss went from {losses[0]:.3f} to {losses[-1]:.3f}: it did not fall.",
        ),
        claim(
            accuracies[-1] > accuracies[0],
            f"the accuracy climbs from {accuracies[0]:.0%} to {accuracies[-1]:.0%}"
            + (": every training point is on its side of the boundary." if accuracies[-1] == 1
               else f" of the {len(points)} points."),
            f"the accuracy went from {accuracies[0]:.0%} to {accuracies[-1]:.0%}.",
        ),
    ])


if __name__ == "__main__":
    main()

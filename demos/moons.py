"""Train a small neural network on two moons, as in micrograd's demo, and watch it learn.

An MLP(2, [16, 16, 1]) with relu hidden layers scores each point of a seeded two-moons data
set; the max-margin loss (plus a little L2) says how wrong the scores are, backward() finds
the gradient of that loss for all 337 parameters, and SGD with a decaying learning rate
steps downhill. Within 100 steps every training point is classified correctly.
"""

from __future__ import annotations

import time

import nn
from autograd import no_grad

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


def main() -> None:
    X, y = nn.make_moons(100, noise=0.1, seed=1)
    points = X.tolist()
    labels = [2 * int(label) - 1 for label in y]  # 0/1 -> -1/+1, as the hinge loss wants
    model = nn.MLP(2, [16, 16, 1], seed=2)
    optimizer = nn.SGD(model.parameters(), lr=1.0)
    print(f"model: {model}")
    print(f"data:  {len(points)} points of two moons, labels -1 and +1\n")

    start = time.perf_counter()
    for step in range(STEPS):
        optimizer.lr = 1.0 - 0.9 * step / STEPS  # decay from 1.0 to 0.1, as micrograd does
        scores = [model(point) for point in points]
        data_loss = nn.hinge(scores, labels)
        loss = data_loss + nn.l2_penalty(model.parameters(), alpha=1e-4)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        acc = accuracy(scores, labels)
        if step % 10 == 0 or step == STEPS - 1:
            print(
                f"step {step:3d}  loss {loss.data:.4f}  accuracy {acc:6.1%}  lr {optimizer.lr:.3f}"
            )
    seconds = time.perf_counter() - start
    print(
        f"\n{STEPS} steps in {seconds:.1f} s ({seconds / STEPS:.2f} s per step of forward, "
        f"backward and update over {len(points)} points)"
    )
    print("\ndecision boundary (o: label -1, x: label +1; '.' and '#': the model's answer)\n")
    print(draw_boundary(model, points, labels))


if __name__ == "__main__":
    main()

"""Newton's method against gradient descent, with second derivatives from chainrule.

Gradient descent steps along -f'(x) with a learning rate chosen by hand. Newton's method uses
the curvature too: near a minimum f is close to a parabola, and the parabola's minimum is at
x - f'(x) / f''(x). The second derivative comes from `grad(grad(f))` (1-D) and `hessian(f)`
(2-D), both computed by backpropagating through the gradient's own graph.

    python demos/newton.py [--out DIR] [--quick]

writes newton_1d.png and newton_2d.png to DIR (default out/newton).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure  # draws to files, no screen needed

from autograd import Value, grad, hessian


def f1(x: Value) -> Value:
    """A 1-D function with two valleys; both methods start at x = 2, above the right one."""
    return x**4 - 3 * x**2 + x * 0.5 + 4


def rosenbrock(x: Value, y: Value) -> Value:
    """The classic curved valley: minimum 0 at (1, 1), steep walls, a flat floor."""
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def descend_1d(x: float, steps: int, lr: float) -> list[float]:
    """Gradient descent: x <- x - lr * f'(x)."""
    path = [x]
    df = grad(f1)
    for _ in range(steps):
        x = x - lr * df(x)
        path.append(x)
    return path


def newton_1d(x: float, steps: int) -> list[float]:
    """Newton's method: x <- x - f'(x) / f''(x), the minimum of the local parabola."""
    path = [x]
    df, d2f = grad(f1), grad(grad(f1))
    for _ in range(steps):
        x = x - df(x) / d2f(x)
        path.append(x)
    return path


def descend_2d(p: tuple[float, float], steps: int, lr: float) -> list[tuple[float, float]]:
    """Gradient descent in 2-D."""
    path = [p]
    df = grad(rosenbrock, (0, 1))
    for _ in range(steps):
        gx, gy = df(*p)
        p = (p[0] - lr * gx, p[1] - lr * gy)
        path.append(p)
    return path


def newton_2d(p: tuple[float, float], steps: int) -> list[tuple[float, float]]:
    """Newton in 2-D: solve H d = grad f and step p <- p - d."""
    path = [p]
    df, h = grad(rosenbrock, (0, 1)), hessian(rosenbrock)
    for _ in range(steps):
        step = np.linalg.solve(np.array(h(*p)), np.array(df(*p)))
        p = (p[0] - step[0], p[1] - step[1])
        path.append(p)
    return path


def value_1d(x: float) -> float:
    return f1(Value(x)).data


def value_2d(p: tuple[float, float]) -> float:
    return rosenbrock(Value(p[0]), Value(p[1])).data


def plot_1d(out: Path, steps: int) -> None:
    gd = descend_1d(2.0, steps, lr=0.02)
    nt = newton_1d(2.0, steps)
    best = min(value_1d(x) for x in nt + gd)
    xs = np.linspace(-2.0, 2.2, 400)
    fig = Figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    left.plot(xs, [value_1d(x) for x in xs], color="0.4", label="f(x)")
    left.plot(gd, [value_1d(x) for x in gd], "o-", ms=3, label="gradient descent (lr 0.02)")
    left.plot(nt, [value_1d(x) for x in nt], "s-", ms=4, label="Newton")
    left.set_title("f(x) = x^4 - 3x^2 + x/2 + 4")
    left.set_xlabel("x")
    left.legend()
    right.semilogy([value_1d(x) - best + 1e-16 for x in gd], "o-", ms=3,
                   label="gradient descent")
    right.semilogy([value_1d(x) - best + 1e-16 for x in nt], "s-", ms=4, label="Newton")
    right.set_title("distance to the minimum value")
    right.set_xlabel("step")
    right.legend()
    fig.tight_layout()
    fig.savefig(out / "newton_1d.png", dpi=90)
    print(f"1-D: after {steps} steps gradient descent is at x = {gd[-1]:.6f}, "
          f"Newton at x = {nt[-1]:.6f} (f'' from grad(grad(f)))")


def plot_2d(out: Path, steps: int) -> None:
    start = (-1.2, 1.0)
    gd = descend_2d(start, steps * 250, lr=0.001)
    nt = newton_2d(start, steps)
    xs, ys = np.meshgrid(np.linspace(-1.6, 1.6, 240), np.linspace(-3.6, 2.0, 240))
    zs = rosenbrock(xs, ys)  # on numpy arrays, every point of the grid at once
    fig = Figure(figsize=(6.5, 5))
    ax = fig.subplots()
    ax.contour(xs, ys, np.log10(zs + 1e-3), levels=25, cmap="Greys", linewidths=0.6)
    ax.plot(*zip(*gd), ".-", ms=2, lw=0.8, label=f"gradient descent, {len(gd) - 1} steps")
    ax.plot(*zip(*nt), "s-", ms=4, label=f"Newton, {len(nt) - 1} steps")
    ax.plot([1], [1], "k*", ms=12, label="minimum (1, 1)")
    ax.set_title("Rosenbrock's valley: Newton uses the Hessian")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "newton_2d.png", dpi=90)
    print(f"2-D: gradient descent reaches f = {value_2d(gd[-1]):.2e} in {len(gd) - 1} steps; "
          f"Newton f = {value_2d(nt[-1]):.2e} in {len(nt) - 1} (Hessian from hessian(f))")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "newton"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer steps (for tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    steps = 6 if args.quick else 12
    plot_1d(out, steps)
    plot_2d(out, steps)
    print(f"pictures in {out}/")


if __name__ == "__main__":
    main()

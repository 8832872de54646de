"""Newton's method against gradient descent, with second derivatives from chainrule.

Gradient descent steps along -f'(x) with a learning rate chosen by hand. Newton's method uses
the curvature too: near a minimum f is close to a parabola, and the parabola's minimum is at
x - f'(x) / f''(x). The second derivative comes from `grad(grad(f))` (1-D) and `hessian(f)`
(2-D), both computed by backpropagating through the gradient's own graph.

    python demos/newton.py [--out DIR] [--quick]

writes newton_1d.png and newton_2d.png to DIR (default out/newton).

Both methods only see the function near where they stand: started at x = 2, in the right-hand
valley, both settle in its bottom, a local minimum, and never find the lower valley on the left.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure  # draws to files, no screen needed
from notice import Claim, claim, report

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
    """f1 at the number x."""
    return f1(Value(x)).data


def value_2d(p: tuple[float, float]) -> float:
    """Rosenbrock's function at the point p."""
    return rosenbrock(Value(p[0]), Value(p[1])).data


def minima_1d() -> list[float]:
    """Where f1 has its minima, lowest value first.

    f1'(x) = 4x^3 - 6x + 1/2 is 0 at three places; the two where f1''(x) = 12x^2 - 6 > 0 are
    minima (the middle one is the hump between the valleys).
    """
    d2f = grad(grad(f1))
    critical = [float(r.real) for r in np.roots([4.0, 0.0, -6.0, 0.5]) if abs(r.imag) < 1e-12]
    return sorted((x for x in critical if d2f(x) > 0), key=value_1d)


def plot_1d(out: Path, steps: int) -> tuple[Path, list[Claim]]:
    """newton_1d.png: both methods on f1 from x = 2, and what they show."""
    gd = descend_1d(2.0, steps, lr=0.02)
    nt = newton_1d(2.0, steps)
    global_min, local_min = minima_1d()
    best = value_1d(local_min)  # the minimum both are heading for
    xs = np.linspace(-2.0, 2.2, 400)
    fig = Figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    left.plot(xs, [value_1d(x) for x in xs], color="0.4", label="f(x)")
    left.plot(gd, [value_1d(x) for x in gd], "o-", ms=3, label="gradient descent (lr 0.02)")
    left.plot(nt, [value_1d(x) for x in nt], "s-", ms=4, label="Newton")
    left.plot([global_min], [value_1d(global_min)], "k*", ms=12,
              label=f"global minimum, x = {global_min:.2f}")
    left.plot([local_min], [value_1d(local_min)], "kv", ms=8,
              label=f"local minimum, x = {local_min:.2f}")
    left.set_title("f(x) = x^4 - 3x^2 + x/2 + 4")
    left.set_xlabel("x")
    left.set_ylabel("f(x)")
    left.legend(fontsize="small")
    right.semilogy([value_1d(x) - best + 1e-16 for x in gd], "o-", ms=3,
                   label="gradient descent")
    right.semilogy([value_1d(x) - best + 1e-16 for x in nt], "s-", ms=4, label="Newton")
    right.set_title(f"distance to the local minimum's value f({local_min:.2f})")
    right.set_xlabel("step")
    right.set_ylabel("f(x) - f(local minimum)")
    right.legend()
    fig.tight_layout()
    path = out / "newton_1d.png"
    fig.savefig(path, dpi=90)
    print(f"1-D: after {steps} steps gradient descent is at x = {gd[-1]:.6f}, "
          f"Newton at x = {nt[-1]:.6f} (f'' from grad(grad(f)))")
    print(f"picture: {path}")

    def nearest(x: float) -> float:
        return min((global_min, local_min), key=lambda m: abs(x - m))

    both_local = nearest(gd[-1]) == nearest(nt[-1]) == local_min
    claims = [
        claim(
            abs(nt[-1] - local_min) < abs(gd[-1] - local_min),
            f"after {steps} steps Newton is {abs(nt[-1] - local_min):.1e} from the bottom of "
            f"its valley, gradient descent {abs(gd[-1] - local_min):.1e}: the curvature f'' "
            f"tells Newton how far to step.",
            f"after {steps} steps gradient descent is closer to the bottom of its valley "
            f"({abs(gd[-1] - local_min):.1e}) than Newton ({abs(nt[-1] - local_min):.1e}).",
        ),
        claim(
            both_local,
            f"both land in the local minimum near x = {local_min:.2f} (f = "
            f"{value_1d(local_min):.2f}), not the global one near x = {global_min:.2f} (f = "
            f"{value_1d(global_min):.2f}): from x = 2 each follows its own valley down, and "
            f"neither can see the lower valley beyond the hump.",
            f"gradient descent ends near x = {nearest(gd[-1]):.2f} and Newton near x = "
            f"{nearest(nt[-1]):.2f}; the global minimum is near x = {global_min:.2f}.",
        ),
    ]
    return path, claims


def plot_2d(out: Path, steps: int) -> tuple[Path, list[Claim]]:
    """newton_2d.png: both methods on Rosenbrock's valley from (-1.2, 1), and what they show."""
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
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="lower right")
    fig.tight_layout()
    path = out / "newton_2d.png"
    fig.savefig(path, dpi=90)
    f_gd, f_nt = value_2d(gd[-1]), value_2d(nt[-1])
    print(f"2-D: gradient descent reaches f = {f_gd:.2e} in {len(gd) - 1} steps; "
          f"Newton f = {f_nt:.2e} in {len(nt) - 1} (Hessian from hessian(f))")
    print(f"picture: {path}")
    return path, [claim(
        f_nt < f_gd,
        f"on Rosenbrock's curved valley Newton reaches f = {f_nt:.1e} in {len(nt) - 1} steps; "
        f"gradient descent, whose learning rate must suit the steep walls, is still at "
        f"{f_gd:.1e} after {len(gd) - 1}.",
        f"on Rosenbrock's valley gradient descent reaches f = {f_gd:.1e} in {len(gd) - 1} "
        f"steps, below Newton's {f_nt:.1e} in {len(nt) - 1}.",
    )]


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "newton"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer steps (for tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    steps = 6 if args.quick else 12
    _, claims_1d = plot_1d(out, steps)
    _, claims_2d = plot_2d(out, steps)
    return report(claims_1d + claims_2d)


if __name__ == "__main__":
    main()

"""The second derivative of tanh: a gradient is a graph too, so it can be drawn and stepped.

`backward(create_graph=True)` records how the gradient dy/dx was computed, as Values. That
graph can be differentiated again (d2y/dx2), drawn like any other graph and stepped through
one chain-rule step at a time. The plot shows tanh with its first and second derivatives,
both computed by backpropagation: `grad(f)` and `grad(grad(f))`.

    python demos/second_derivative.py [--out DIR] [--quick]

writes tanh_derivatives.png, gradient_graph.svg (and .png) and gradient_walkthrough.html.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from matplotlib.figure import Figure
from notice import Claim, claim, report

from autograd import DotNotFoundError, Value, draw, export_html, grad


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "second_derivative"))
    parser.add_argument("--quick", action="store_true", help="fewer plot points (for tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    # y = tanh(x) at x = 0.5, and dy/dx as a graph of its own.
    x = Value(0.5, label="x")
    y = x.tanh()
    y.label = "y"
    y.backward(create_graph=True)
    dy_dx = x.grad  # 1 - tanh(x)**2, built from Values
    dy_dx.label = "dy/dx"
    t = math.tanh(0.5)
    print(f"y = tanh(0.5) = {y.data:.6f}")
    print(f"dy/dx = 1 - tanh(x)**2 = {dy_dx.data:.6f}   (check: {1 - t * t:.6f})")

    first = abs(dy_dx.data - (1 - t * t))
    x.grad = 0.0  # the next backward adds into x.grad: start it from zero
    dy_dx.backward()
    second = abs(x.grad - (-2 * t * (1 - t * t)))
    print(f"d2y/dx2 = -2 tanh(x) (1 - tanh(x)**2) = {x.grad:.6f}   "
          f"(check: {-2 * t * (1 - t * t):.6f})")

    try:
        drawing = draw(dy_dx, local_grads=True)
        drawing.save(out / "gradient_graph.svg")
        drawing.save(out / "gradient_graph.png")
        print(f"pictures of the graph of dy/dx: {out / 'gradient_graph.svg'} and "
              f"{out / 'gradient_graph.png'}")
    except DotNotFoundError as error:
        (out / "gradient_graph.dot").write_text(error.source)
        print(f"Graphviz is missing, so no picture of the graph: {error}")
    export_html(dy_dx, out / "gradient_walkthrough.html")
    print(f"step through how d2y/dx2 is computed: {out / 'gradient_walkthrough.html'}")

    # tanh and its first two derivatives, every number from backpropagation.
    n = 41 if args.quick else 201
    xs = [-3 + 6 * i / (n - 1) for i in range(n)]
    f = lambda v: v.tanh()  # noqa: E731
    d1, d2 = grad(f), grad(grad(f))
    fig = Figure(figsize=(7.5, 4.2))
    ax = fig.subplots()
    ax.plot(xs, [math.tanh(v) for v in xs], label="tanh(x)")
    ax.plot(xs, [d1(v) for v in xs], label="grad(tanh): 1 - tanh(x)^2")
    ax.plot(xs, [d2(v) for v in xs], label="grad(grad(tanh)): -2 tanh(x) (1 - tanh(x)^2)")
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_xlabel("x")
    ax.set_title("tanh and its derivatives, by backpropagation through gradients")
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "tanh_derivatives.png", dpi=90)
    print(f"picture of tanh, tanh' and tanh'': {out / 'tanh_derivatives.png'}")
    # tanh' peaks at x = 0 (where tanh is steepest) and tanh'' is 0 there: read from the grid
    peak = xs[max(range(n), key=lambda i: d1(xs[i]))]
    return report([
        claim(
            first < 1e-12 and second < 1e-12,
            f"backpropagating through the gradient's own graph gives d2y/dx2 = {x.grad:.6f}, "
            f"as the closed form -2 tanh(x) (1 - tanh(x)**2) does (they differ by "
            f"{second:.1g}; dy/dx by {first:.1g}).",
            f"d2y/dx2 from the graph differs from the closed form by {second:.1e}.",
        ),
        claim(
            abs(peak) < 1e-9 and abs(d2(peak)) < 1e-12,
            f"in the picture tanh' peaks at x = {abs(peak):.0f}, where tanh is steepest, and "
            f"tanh'' crosses 0 there.",
            f"in the picture tanh' peaks at x = {peak:.3f}.",
        ),
    ])


if __name__ == "__main__":
    main()

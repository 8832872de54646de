"""Forward mode against reverse mode: two ways to sum the chain rule's paths.

df/dx is a sum over every path from x to f of the product of the local derivatives along it.
Forward mode (jvp) pushes one input's tangent through the graph: one pass per input. Reverse
mode (backward) pulls the output's gradient back: one pass gives every input's derivative.
For one output and n inputs, reverse mode does n times less work; this demo counts it.

    python demos/forward_vs_reverse.py [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

from matplotlib.figure import Figure

from autograd import Value, jvp, topological_order, total


def make_function(n: int, seed: int = 0):
    """f(x1..xn): a small two-layer tanh network of n inputs and one output."""
    rng = random.Random(seed)
    hidden = [[rng.uniform(-1, 1) for _ in range(n)] for _ in range(8)]
    top = [rng.uniform(-1, 1) for _ in range(8)]

    def f(*xs: Value) -> Value:
        h = [total([w * x for w, x in zip(row, xs)]).tanh() for row in hidden]
        return total([w * hj for w, hj in zip(top, h)])

    return f


def edges(out: Value) -> int:
    """How many multiply-adds one pass of the chain rule makes: one per edge."""
    return sum(len(node.inputs) for node in topological_order(out))


def compare(n: int) -> tuple[int, int, float, float]:
    """Counted work and measured time of all n partial derivatives, both ways."""
    f = make_function(n)
    point = [0.1 * (i % 7) - 0.3 for i in range(n)]

    start = time.perf_counter()
    xs = [Value(p) for p in point]
    out = f(*xs)
    out.backward()  # reverse: one backward pass fills in every x.grad
    reverse_time = time.perf_counter() - start
    reverse_ops = edges(out)

    start = time.perf_counter()
    forward = []
    for i in range(n):  # forward: one pass per input direction e_i
        tangent = [1.0 if j == i else 0.0 for j in range(n)]
        forward.append(jvp(f, point, tangent)[1])
    forward_time = time.perf_counter() - start
    forward_ops = n * reverse_ops

    for x, d in zip(xs, forward):  # both ways sum the same paths
        assert abs(x.grad - d) <= 1e-12 * max(1.0, abs(d))
    return reverse_ops, forward_ops, reverse_time, forward_time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "forward_vs_reverse"))
    parser.add_argument("--quick", action="store_true", help="fewer sizes (for tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [1, 2, 4, 8, 16] if args.quick else [1, 2, 4, 8, 16, 32, 64, 128]
    rows = []
    print(f"{'inputs':>7} {'reverse ops':>12} {'forward ops':>12} {'reverse s':>10} "
          f"{'forward s':>10}")
    for n in sizes:
        rows.append(compare(n))
        r_ops, f_ops, r_t, f_t = rows[-1]
        print(f"{n:>7} {r_ops:>12} {f_ops:>12} {r_t:>10.4f} {f_t:>10.4f}")

    fig = Figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    left.loglog(sizes, [r[0] for r in rows], "o-", label="reverse mode: 1 backward pass")
    left.loglog(sizes, [r[1] for r in rows], "s-", label="forward mode: n jvp passes")
    left.set_xlabel("number of inputs n")
    left.set_ylabel("multiply-adds for all n partials")
    left.set_title("work, counted")
    left.legend()
    right.loglog(sizes, [r[2] for r in rows], "o-", label="reverse mode")
    right.loglog(sizes, [r[3] for r in rows], "s-", label="forward mode")
    right.set_xlabel("number of inputs n")
    right.set_ylabel("seconds")
    right.set_title("time, measured (includes building the graph)")
    right.legend()
    fig.tight_layout()
    fig.savefig(out / "forward_vs_reverse.png", dpi=90)
    print(f"picture in {out}/forward_vs_reverse.png")


if __name__ == "__main__":
    main()

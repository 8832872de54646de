"""Forward mode against reverse mode: two ways to sum the chain rule's paths.

df/dx is a sum over every path from x to f of the product of the local derivatives along it.
Forward mode (jvp) pushes one input's tangent through the graph: one pass gives the
derivative of every output with respect to that one input. Reverse mode (backward) pulls one
output's gradient back: one pass gives that output's derivative with respect to every input.
So for n inputs and one output (a loss) reverse mode does n times less work, and for one
input and m outputs (here the m states of a trajectory, each built on the one before)
forward mode does about m/2 times less; this demo counts both.

    python demos/forward_vs_reverse.py [--out DIR] [--quick]

writes forward_vs_reverse.png to DIR (default out/forward_vs_reverse).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

from matplotlib.figure import Figure
from notice import Claim, claim, report

from autograd import Value, gradients, jvp, topological_order, total

HIDDEN = 8  # tanh units between the inputs and the outputs


def many_inputs(n: int, seed: int = 0):
    """f(x1..xn): a small two-layer tanh network of n inputs and one output."""
    rng = random.Random(seed)
    hidden = [[rng.uniform(-1, 1) for _ in range(n)] for _ in range(HIDDEN)]
    top = [rng.uniform(-1, 1) for _ in range(HIDDEN)]

    def f(*xs: Value) -> Value:
        h = [total([w * x for w, x in zip(row, xs)]).tanh() for row in hidden]
        return total([w * hj for w, hj in zip(top, h)])

    return f


def many_outputs(m: int, seed: int = 0):
    """g(x) = (y1..ym): a trajectory of m steps from y0 = x, every state an output.

    y(k+1) = y(k) + 0.1 tanh(a_k y(k) + b_k), as a simulation steps through time: each output
    builds on the one before, so the graphs of the outputs share all their earlier steps.
    """
    rng = random.Random(seed)
    steps = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(m)]

    def g(x: Value) -> list[Value]:
        states = []
        for a, b in steps:
            x = x + 0.1 * (a * x + b).tanh()
            states.append(x)
        return states

    return g


def edges(*outputs: Value) -> int:
    """How many multiply-adds one pass of the chain rule over these outputs' graph makes."""
    seen: set = set()
    return sum(len(node.inputs) for out in outputs for node in topological_order(out, seen=seen))


def compare_many_inputs(n: int) -> tuple[int, int, float, float, float]:
    """All n partials of one output, both ways: counted work, measured time, disagreement."""
    f = many_inputs(n)
    point = [0.1 * (i % 7) - 0.3 for i in range(n)]

    start = time.perf_counter()
    xs = [Value(p) for p in point]
    out = f(*xs)
    out.backward()  # reverse: one backward pass fills in every x.grad
    reverse_time = time.perf_counter() - start

    start = time.perf_counter()
    forward = []
    for i in range(n):  # forward: one pass per input direction e_i
        tangent = [1.0 if j == i else 0.0 for j in range(n)]
        forward.append(jvp(f, point, tangent)[1])
    forward_time = time.perf_counter() - start

    reverse_ops = edges(out)
    disagreement = max(abs(x.grad - d) for x, d in zip(xs, forward))  # the same paths summed
    return reverse_ops, n * reverse_ops, reverse_time, forward_time, disagreement


def compare_many_outputs(m: int) -> tuple[int, int, float, float, float]:
    """The derivative of each of m outputs by the one input, both ways (as above)."""
    g = many_outputs(m)

    start = time.perf_counter()
    x = Value(0.4)
    outputs = g(x)
    reverse = [gradients(y, [x])[0] for y in outputs]  # reverse: one backward pass per output
    reverse_time = time.perf_counter() - start

    start = time.perf_counter()
    _, forward = jvp(g, [0.4], [1.0])  # forward: one pass along dx = 1 carries every output
    forward_time = time.perf_counter() - start

    reverse_ops = sum(edges(y) for y in outputs)  # each backward pass walks its output's graph
    disagreement = max(abs(r - d) for r, d in zip(reverse, forward))
    return reverse_ops, edges(*outputs), reverse_time, forward_time, disagreement


def draw_row(work, seconds, sizes: list[int], rows: list, what: str) -> None:
    """One row of the picture: counted work and measured time against the size."""
    work.loglog(sizes, [r[0] for r in rows], "o-", label="reverse mode (backward)")
    work.loglog(sizes, [r[1] for r in rows], "s-", label="forward mode (jvp)")
    work.set_xlabel(f"number of {what}")
    work.set_ylabel("multiply-adds for every derivative")
    work.legend()
    seconds.loglog(sizes, [r[2] for r in rows], "o-", label="reverse mode")
    seconds.loglog(sizes, [r[3] for r in rows], "s-", label="forward mode")
    seconds.set_xlabel(f"number of {what}")
    seconds.set_ylabel("seconds")
    seconds.legend()


def print_table(sizes: list[int], rows: list, what: str) -> None:
    print(f"{what:>8} {'reverse ops':>12} {'forward ops':>12} {'reverse s':>10} {'forward s':>10}")
    for size, (r_ops, f_ops, r_t, f_t, _) in zip(sizes, rows):
        print(f"{size:>8} {r_ops:>12} {f_ops:>12} {r_t:>10.4f} {f_t:>10.4f}")


def mode_claims(sizes: list[int], inputs: list, outputs: list) -> list[Claim]:
    """Which mode wins in each case, at the largest size, by counted work and measured time."""
    n = sizes[-1]
    (r_ops, f_ops, r_t, f_t, _), (r_ops2, f_ops2, r_t2, f_t2, _) = inputs[-1], outputs[-1]
    largest = max(row[4] for row in inputs + outputs)
    return [
        claim(
            f_ops > r_ops and f_t > r_t,
            f"{n} inputs, one output: reverse mode needs {f_ops / r_ops:.0f} times fewer "
            f"multiply-adds ({r_ops} against {f_ops}) and is {f_t / r_t:.0f} times faster: one "
            f"backward pass gives all {n} partials, forward mode needs a pass per input.",
            f"{n} inputs, one output: reverse mode {r_ops} multiply-adds in {r_t:.4f} s, "
            f"forward mode {f_ops} in {f_t:.4f} s.",
        ),
        claim(
            r_ops2 > f_ops2 and r_t2 > f_t2,
            f"one input, {n} outputs: forward mode needs {r_ops2 / f_ops2:.0f} times fewer "
            f"multiply-adds ({f_ops2} against {r_ops2}) and is {r_t2 / f_t2:.0f} times "
            f"faster: one jvp pass carries the input's tangent to every output, reverse mode "
            f"needs a backward pass per output.",
            f"one input, {n} outputs: forward mode {f_ops2} multiply-adds in {f_t2:.4f} s, "
            f"reverse mode {r_ops2} in {r_t2:.4f} s.",
        ),
        claim(
            largest < 1e-12,
            f"both modes give the same derivatives (largest difference {largest:.1e}): they "
            f"sum the same paths, in a different order.",
            f"the two modes' derivatives differ by up to {largest:.1e}.",
        ),
    ]


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "forward_vs_reverse"))
    parser.add_argument("--quick", action="store_true", help="fewer sizes (for tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [1, 2, 4, 8, 16] if args.quick else [1, 2, 4, 8, 16, 32, 64, 128]

    inputs = [compare_many_inputs(n) for n in sizes]
    print("n inputs, one output: all n partial derivatives")
    print_table(sizes, inputs, "inputs")
    outputs = [compare_many_outputs(m) for m in sizes]
    print("\none input, m outputs: the derivative of every output")
    print_table(sizes, outputs, "outputs")

    fig = Figure(figsize=(11, 8), layout="constrained")
    (work_in, time_in), (work_out, time_out) = fig.subplots(2, 2)
    draw_row(work_in, time_in, sizes, inputs, "inputs n (one output)")
    draw_row(work_out, time_out, sizes, outputs, "outputs m (one input)")
    work_in.set_title("many inputs, one output: work, counted")
    time_in.set_title("many inputs, one output: time, measured")
    work_out.set_title("one input, many outputs: work, counted")
    time_out.set_title("one input, many outputs: time, measured")
    path = out / "forward_vs_reverse.png"
    fig.savefig(path, dpi=80)
    print(f"\npicture: {path} (top: a loss of many inputs, where reverse mode wins; bottom: "
          f"many outputs of one input, where forward mode wins; times include building the "
          f"graph)")
    return report(mode_claims(sizes, inputs, outputs))


if __name__ == "__main__":
    main()

"""Draw two computation graphs: one neuron, step by step, and a small MLP with each neuron
collapsed into one box. These are the README's pictures.

The neuron is micrograd's: o = tanh(x1*w1 + x2*w2 + b) with x1=2, x2=0, w1=-3, w2=1 and
b=6.8813735870195432, so that o = 0.7071 and do/dn = 1 - o**2 = 0.5 exactly.

    python demos/draw_graphs.py [--out DIR]

writes neuron.svg, neuron.png, mlp.svg and mlp.png to DIR (default out/draw_graphs); needs
the Graphviz program `dot`. `--out docs/images` refreshes the README's pictures.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from notice import Claim, claim, report

import nn
from autograd import Value, draw


def neuron() -> tuple[Value, list[Value]]:
    """o = tanh(x1*w1 + x2*w2 + b), every node labelled, after backward; and (w1, w2, b)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    both = x1w1 + x2w2
    both.label = "x1*w1 + x2*w2"
    n = both + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, [w1, w2, b]


def mlp_loss() -> tuple[Value, nn.MLP]:
    """The squared error of MLP(2, [4, 4, 1]) on one point, after backward."""
    model = nn.MLP(2, [4, 4, 1], seed=1)
    x = [Value(0.5, label="x0"), Value(-1.5, label="x1")]
    loss = nn.mse(model(x), 1.0)
    loss.label = "loss"
    loss.backward()
    return loss, model


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "draw_graphs"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="accepted for the demo tests")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    o, parameters = neuron()
    neuron_drawing = draw(o, local_grads=True, parameters=parameters)
    loss, model = mlp_loss()
    mlp_drawing = draw(loss, collapse="neurons", parameters=model, show_constants=False)
    for name, drawing in (("neuron", neuron_drawing), ("mlp", mlp_drawing)):
        for suffix in ("svg", "png"):
            path = drawing.save(out / f"{name}.{suffix}")
            print(f"wrote picture {path}")
    w1, w2, b = parameters
    # o = tanh(n), do/dn = 1 - o**2; n = x1*w1 + x2*w2 + b, so do/dw1 = x1 * do/dn = 2 * 0.5
    # and do/dw2 = x2 * do/dn = 0: x2 = 0 cuts w2 off
    return report([
        claim(
            abs(o.data - 0.5**0.5) < 1e-9 and abs(b.grad - 0.5) < 1e-9,
            f"in neuron.png, o = {o.data:.4f} and do/db = do/dn = 1 - o**2 = {b.grad:.4f}.",
            f"in neuron.png, o = {o.data:.4f} and do/db = {b.grad:.4f}.",
        ),
        claim(
            abs(w1.grad - 1.0) < 1e-9 and w2.grad == 0.0,
            f"do/dw1 = x1 * do/dn = {w1.grad:.4f}, but do/dw2 = x2 * do/dn = {w2.grad:.4f}: "
            f"with x2 = 0, changing w2 changes nothing.",
            f"do/dw1 = {w1.grad:.4f} and do/dw2 = {w2.grad:.4f}.",
        ),
        Claim(
            f"mlp.png draws each of the {sum(len(layer.neurons) for layer in model.layers)} "
            f"neurons of MLP(2, [4, 4, 1]) as one box, its loss {loss.data:.4f}.",
            True,
        ),
    ])


if __name__ == "__main__":
    main()

"""Step through backpropagation: Karpathy's L = (a*b + c) * f, a neuron, a training step.

Prints the tape of L (the forward program, then one chain-rule statement per edge) and why
∂L/∂a is 6, then writes three self-contained walkthrough pages to open in any browser:

    python demos/walkthrough.py [--out DIR] [--screenshots DIR]

writes karpathy.html, neuron.html and training.html to DIR (default out/walkthrough); needs
the Graphviz program `dot`. --screenshots also saves the README's pictures of the pages
(needs Playwright and Chromium, as the tests do).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nn
from autograd import Value, gradients, topological_order
from autograd.stepper import export_html, training_walkthrough, walkthrough

ROOT = Path(__file__).resolve().parent.parent
# The documentation's build imports this file by its path: demos/ is then not on sys.path,
# and notice.py, beside this file, has to be found from here.
sys.path.insert(0, str(ROOT / "demos"))
from notice import Claim, claim, report  # noqa: E402


def karpathy() -> Value:
    """L = (a*b + c) * f with a=2, b=-3, c=10, f=-2, every node labelled, as in micrograd."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L


def neuron() -> Value:
    """o = tanh(x1*w1 + x2*w2 + b), with b chosen so that o = 0.7071 and do/dn = 0.5."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def training_step():
    """One SGD step of MLP(2, [2, 1]) on one point, walked through (this really trains it)."""
    model = nn.MLP(2, [2, 1], activation="tanh", seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    loss = nn.mse(model([1.0, -2.0]), 0.5)
    loss.label = "loss"
    return training_walkthrough(loss, optimizer)


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path("out") / "walkthrough"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="accepted for the demo tests")
    parser.add_argument("--screenshots", metavar="DIR",
                        help="also save pictures of the pages there (e.g. docs/images)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    L = karpathy()
    walk = walkthrough(L)
    print(walk.tape())
    print()
    print(walk.explain("a"))
    print()

    pages = {
        "karpathy": export_html(walk, out / "karpathy.html", title="L = (a*b + c) * f"),
        "neuron": export_html(neuron(), out / "neuron.html",
                              title="A neuron: o = tanh(x1*w1 + x2*w2 + b)"),
        "training": export_html(training_step(), out / "training.html",
                                title="One training step of MLP(2, [2, 1]) with SGD"),
    }
    for path in pages.values():
        print(f"wrote page {path}")
    if args.screenshots:
        screenshots(pages, Path(args.screenshots))
    leaves = {node.label: node for node in topological_order(L) if not node.inputs}
    da, dc = gradients(L, [leaves["a"], leaves["c"]])
    # L = (a*b + c) * f: dL/da = b * f = (-3)(-2) = 6 and dL/dc = f = -2
    return report([
        claim(
            L.data == -8.0 and da == 6.0,
            f"L = {L.data:g}, and ∂L/∂a = ∂L/∂d · ∂d/∂e · ∂e/∂a = f · 1 · b = {da:g}: raising a "
            f"by a little raises L by 6 times as much.",
            f"L = {L.data:g} and ∂L/∂a = {da:g}.",
        ),
        claim(
            dc == -2.0,
            f"∂L/∂c = ∂L/∂d · ∂d/∂c = f · 1 = {dc:g}: d = e + c passes its gradient to c "
            f"unchanged.",
            f"∂L/∂c = {dc:g}.",
        ),
    ])


def screenshots(pages: dict[str, Path], folder: Path) -> None:
    """Pictures of the pages at telling steps, as a learner sees them (1280 x 720)."""
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    shots = [  # (page, picture, keys to press, practice answer to type)
        ("karpathy", "stepper-page.png", ["ArrowRight"] * 9, None),
        ("neuron", "stepper-practice.png", ["b", "ArrowRight"], "0.5"),
        ("training", "stepper-training.png", ["End"] + ["ArrowLeft"] * 4, None),
    ]
    arguments = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=arguments)
        for page_name, picture, keys, answer in shots:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(pages[page_name].resolve().as_uri())
            page.wait_for_selector(".cr-live")
            if answer is not None:
                page.check('[data-part="practice"]')
            for key in keys:
                page.keyboard.press(key)
            if answer is not None:  # the question is up: answer it
                page.fill('[data-part="answer"]', answer)
                page.keyboard.press("Enter")
            page.screenshot(path=str(folder / picture))
            print(f"wrote picture {folder / picture}")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()

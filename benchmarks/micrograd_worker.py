"""The reference engine's side of the benchmarks: micrograd, run in its own virtual environment.

run.py starts this script with benchmarks/.venv-micrograd/bin/python and talks to it over
stdin/stdout, one JSON object a line, so micrograd's steps can be interleaved with chainrule's
in the same run. It imports nothing but micrograd, the standard library and worker.py (no
numpy there).
"""

import json
import sys
from functools import partial

from micrograd.engine import Value
from micrograd.nn import MLP
from worker import engine_cases, serve  # benchmarks/worker.py: this script's folder is on sys.path


def moons_model(setup: dict) -> tuple:
    """micrograd's MLP with the benchmark's starting weights, and the points as lists."""
    model = MLP(2, setup["sizes"][1:])
    for p, w in zip(model.parameters(), setup["weights"]):
        p.data = w
    return model, setup["points"], setup["labels"]


def moons_step(model, points: list, labels: list, alpha: float, lr: float) -> float:
    """One step of micrograd's demo: max-margin loss + L2, backward, SGD. Returns the loss."""
    inputs = [list(map(Value, point)) for point in points]
    scores = list(map(model, inputs))
    losses = [(1 + -y * s).relu() for y, s in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data


def deep_chain(n: int) -> str:
    """Build and backpropagate a chain of n additions; micrograd recurses, so it may fail."""
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y + 1.0
    try:
        y.backward()
    except RecursionError:
        return "RecursionError"
    return "ok"


def main() -> None:
    setup = json.loads(sys.stdin.readline())
    model, points, labels = moons_model(setup)
    step = partial(moons_step, model, points, labels, setup["alpha"], setup["lr"])
    cases = engine_cases(step, Value)
    cases["chain"] = lambda request: {"result": deep_chain(request["n"])}
    serve(cases)


if __name__ == "__main__":
    main()

"""Gradient-free training: a genetic algorithm and a particle swarm against backpropagation.

All three train the same small network, MLP(d, [4, 1]), from the same starting weights, on
two moons. A genetic algorithm keeps a population of weight vectors: the fitter ones (lower
loss) are crossed and mutated into the next generation. Particle swarm optimisation flies a
swarm of weight vectors through weight space, each pulled towards the best point it has seen
and the best any particle has seen. Neither computes a gradient: each learns only from loss
values, one evaluation (a forward pass over the data) per candidate.

Backprop learns from the gradient: one backward pass gives all n partial derivatives, the
direction downhill for every weight at once, for about the cost of one more forward pass. A
loss value is one number whatever n is: it says how good a candidate is, not which way to
move each of n weights, and a random change of n weights is less likely to point downhill
the larger n is. So the more weights, the more one gradient tells that one loss value does
not, and backprop's lead grows with the network. To measure that, the demo trains on the
moons' two coordinates (d = 2), then with extra inputs that carry only noise (d = 16): the
same task with more weights to set, and counts the evaluations each method needs to halve
its loss.

Where gradient-free methods still make sense: objectives with no useful gradient (accuracy
itself, a simulator, a black box, discrete choices such as a network's architecture), tiny
parameter counts, and hyperparameters (a learning rate is tuned by trying values, not by
differentiating).

    python demos/gradient_free.py [--out DIR] [--quick]

writes gradient_free.png to DIR (default out/gradient_free).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from notice import Claim, claim, report

import nn
from autograd import no_grad

# A record of a run: after each step, (loss evaluations so far, seconds so far, best loss).
Trace = list[tuple[int, float, float]]
METHODS = ("backprop", "genetic algorithm", "particle swarm")
COLORS = {"backprop": "C0", "genetic algorithm": "C2", "particle swarm": "C1"}


class Problem:
    """The network and its data: the loss of any weight vector, and a count of evaluations."""

    def __init__(self, points: list, labels: list) -> None:
        self.model = nn.MLP(len(points[0]), [4, 1], activation="tanh", seed=0, fused=True)
        self.params = self.model.parameters()
        self.start = np.array([p.data for p in self.params])  # every method starts here
        self.points, self.labels = points, labels
        self.evaluations = 0

    def set_weights(self, weights: np.ndarray) -> None:
        """Put a weight vector into the network."""
        for p, w in zip(self.params, weights):
            p.data = float(w)

    def forward(self):
        """The loss of the network's current weights, as a Value: one forward pass."""
        scores = [self.model(p) for p in self.points]
        return nn.binary_cross_entropy_with_logits(scores, self.labels)

    def loss(self, weights: np.ndarray) -> float:
        """The loss of the network with these weights, as a number; counted."""
        self.set_weights(weights)
        self.evaluations += 1
        with no_grad():  # a number is all a gradient-free method gets
            return self.forward().data


def backprop(problem: Problem, budget: int, seed: int) -> tuple[Trace, np.ndarray]:
    """Adam on the backprop gradient until `budget` evaluations are spent.

    A step is one forward pass and one backward pass; the backward pass costs about as much as
    the forward one, so a step counts as 2 evaluations (the wall-time plot needs no such rule).
    """
    optimizer = nn.Adam(problem.params, lr=0.05)
    start, trace = time.perf_counter(), []
    best, best_weights = float("inf"), problem.start
    while problem.evaluations + 2 <= budget:
        loss = problem.forward()
        problem.evaluations += 2
        if loss.data < best:  # the loss of the weights before this step
            best, best_weights = loss.data, np.array([p.data for p in problem.params])
        optimizer.zero_grad()
        loss.backward()  # all n partial derivatives at once
        optimizer.step()
        trace.append((problem.evaluations, time.perf_counter() - start, best))
    return trace, best_weights


def genetic_algorithm(
    problem: Problem, budget: int, seed: int, size: int = 20, sigma: float = 0.3
) -> tuple[Trace, np.ndarray]:
    """A genetic algorithm over weight vectors until `budget` evaluations are spent.

    Each generation: the 2 best vectors pass on unchanged (elitism); every other child takes
    each weight from one of two parents, each parent the better of two picked at random
    (tournament selection), then about 1 weight in 5 gets Gaussian noise of size sigma
    (mutation).
    """
    rng = np.random.default_rng(seed)
    n = len(problem.start)
    population = problem.start + rng.normal(0.0, sigma, (size, n))
    population[0] = problem.start
    start, trace = time.perf_counter(), []
    fitness = np.array([problem.loss(w) for w in population])
    trace.append((problem.evaluations, time.perf_counter() - start, fitness.min()))

    def tournament() -> np.ndarray:
        a, b = rng.choice(size, 2, replace=False)
        return population[a] if fitness[a] < fitness[b] else population[b]

    while problem.evaluations + size - 2 <= budget:
        elite = population[np.argsort(fitness)[:2]]
        children = []
        for _ in range(size - 2):
            mother, father = tournament(), tournament()
            child = np.where(rng.random(n) < 0.5, mother, father)  # uniform crossover
            child = child + rng.normal(0.0, sigma, n) * (rng.random(n) < 0.2)  # mutation
            children.append(child)
        population = np.vstack([elite, children])
        # the elite's losses are known: only the children are evaluated
        fitness = np.concatenate([np.sort(fitness)[:2], [problem.loss(w) for w in children]])
        trace.append((problem.evaluations, time.perf_counter() - start, fitness.min()))
    return trace, population[np.argmin(fitness)]


def particle_swarm(
    problem: Problem, budget: int, seed: int, size: int = 20, inertia: float = 0.7,
    pull: float = 1.5,
) -> tuple[Trace, np.ndarray]:
    """Particle swarm optimisation over weight vectors until `budget` evaluations are spent.

    Each particle x moves with velocity v: v <- inertia v + pull r1 (own best - x) + pull r2
    (swarm's best - x), r1 and r2 uniform random in [0, 1] per weight; then x <- x + v.
    """
    rng = np.random.default_rng(seed)
    n = len(problem.start)
    x = problem.start + rng.normal(0.0, 0.3, (size, n))
    x[0] = problem.start
    v = np.zeros_like(x)
    start, trace = time.perf_counter(), []
    own_best, own_loss = x.copy(), np.array([problem.loss(w) for w in x])
    trace.append((problem.evaluations, time.perf_counter() - start, own_loss.min()))
    while problem.evaluations + size <= budget:
        swarm_best = own_best[np.argmin(own_loss)]
        r1, r2 = rng.random(x.shape), rng.random(x.shape)
        v = inertia * v + pull * r1 * (own_best - x) + pull * r2 * (swarm_best - x)
        x = x + v
        loss = np.array([problem.loss(w) for w in x])
        better = loss < own_loss
        own_best[better], own_loss[better] = x[better], loss[better]
        trace.append((problem.evaluations, time.perf_counter() - start, own_loss.min()))
    return trace, own_best[np.argmin(own_loss)]


TRAINERS: dict[str, Callable] = {
    "backprop": backprop,
    "genetic algorithm": genetic_algorithm,
    "particle swarm": particle_swarm,
}


def step_cost(problem: Problem, repeats: int = 7) -> float:
    """A forward and backward pass's time over a forward pass's (the fastest of `repeats`)."""
    forward = both = float("inf")
    for _ in range(repeats):
        begin = time.perf_counter()
        with no_grad():
            problem.forward()
        forward = min(forward, time.perf_counter() - begin)
        begin = time.perf_counter()
        loss = problem.forward()
        problem.model.zero_grad()
        loss.backward()
        both = min(both, time.perf_counter() - begin)
    return both / forward


def accuracy(problem: Problem, weights: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """The fraction of points (labels 0/1) whose score is positive exactly where the label is 1."""
    problem.set_weights(weights)
    with no_grad():
        return float(np.mean([(problem.model(p).data > 0) == (t == 1) for p, t in zip(X, y)]))


def moons_with_noise(n: int, inputs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points of two moons, each with inputs - 2 more coordinates of pure noise; labels 0/1."""
    X, y = nn.make_moons(n, noise=0.1, seed=seed)
    noise = np.random.default_rng(seed).normal(0.0, 0.5, (n, inputs - 2))
    return np.hstack([X, noise]), y


def evaluations_to(trace: Trace, target: float) -> int | None:
    """The loss evaluations a run spent before its best loss fell below target (None: never)."""
    return next((evaluations for evaluations, _, loss in trace if loss < target), None)


def draw(runs: dict, sizes: dict[int, int], budget: int, out: Path) -> Path:
    """gradient_free.png: loss by evaluations and by seconds per size, the gap, the accuracy."""
    figure = Figure(figsize=(15, 4.2 * len(sizes)), layout="constrained")
    axes = figure.subplots(len(sizes), 3, squeeze=False)
    for row, (inputs, n) in enumerate(sizes.items()):
        by_evaluations, by_seconds = axes[row][0], axes[row][1]
        for method in METHODS:
            evaluations, seconds, losses = zip(*runs[inputs][method]["trace"])
            by_evaluations.plot(evaluations, losses, color=COLORS[method], label=method)
            by_seconds.plot(seconds, losses, color=COLORS[method], label=method)
        for ax in (by_evaluations, by_seconds):
            ax.axhline(runs[inputs]["target"], color="0.5", ls=":", label="half the first loss")
            ax.set_yscale("log")
            ax.set_ylabel("best loss so far (cross-entropy)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize="small")
        by_evaluations.set_title(f"MLP({inputs}, [4, 1]), {n} parameters: loss by evaluations")
        by_evaluations.set_xlabel("loss evaluations (a backprop step counts 2)")
        by_seconds.set_title(f"{n} parameters: loss by wall time")
        by_seconds.set_xlabel("seconds")
    gap, bars = axes[0][2], axes[1][2]
    counts = list(sizes.values())
    for method in METHODS:
        needed = [evaluations_to(runs[d][method]["trace"], runs[d]["target"]) for d in sizes]
        reached = [(c, e) for c, e in zip(counts, needed) if e is not None]
        gap.plot(*zip(*reached), "o-", color=COLORS[method], label=method)
    gap.set_xscale("log")
    gap.set_yscale("log")
    gap.set_xticks(counts, [str(c) for c in counts])
    gap.minorticks_off()
    gap.set_xlabel("number of parameters")
    gap.set_ylabel("loss evaluations")
    gap.set_title("the gap: evaluations to halve the loss")
    gap.grid(alpha=0.3)
    gap.legend(fontsize="small")
    width = 0.8 / len(METHODS)
    for i, method in enumerate(METHODS):
        bars.bar(
            np.arange(len(sizes)) + (i - 1) * width,
            [runs[d][method]["accuracy"] for d in sizes],
            width,
            color=COLORS[method],
            label=method,
        )
    bars.set_xticks(range(len(sizes)), [f"{n} parameters" for n in counts])
    bars.set_ylim(0, 1.3)
    bars.set_ylabel("accuracy on the training points")
    bars.set_title(f"final accuracy, after {budget} evaluations")
    bars.legend(fontsize="small", loc="upper left", ncols=3)
    for row in range(2, len(sizes)):  # the rows below the second have no third panel
        axes[row][2].axis("off")
    path = out / "gradient_free.png"
    figure.savefig(path, dpi=70)
    return path


def gradient_free_claims(runs: dict, sizes: dict[int, int], costs: dict[int, float],
                         budget: int) -> list[Claim]:
    """What the runs show, from their numbers."""
    small, large = min(sizes), max(sizes)
    n_small, n_large = sizes[small], sizes[large]
    needed = {d: {m: evaluations_to(runs[d][m]["trace"], runs[d]["target"]) for m in METHODS}
              for d in sizes}

    def times(d: int, method: str) -> float | None:
        """How many times backprop's evaluations a method needed to halve the loss."""
        if needed[d][method] is None or needed[d]["backprop"] is None:
            return None
        return needed[d][method] / needed[d]["backprop"]

    def said(d: int, method: str) -> str:
        ratio = times(d, method)
        if ratio is None:
            return f"did not halve it within {budget} evaluations"
        return f"{needed[d][method]} evaluations, {ratio:.1f}x backprop's {needed[d]['backprop']}"

    growing = [m for m in METHODS[1:] if None not in (times(small, m), times(large, m))
               and times(large, m) > times(small, m)]
    final = {m: runs[large][m]["loss"] for m in METHODS}
    best_large = min(METHODS, key=final.get)
    overtakes = []  # how soon backprop, in evaluations and seconds, beat each rival's end
    for method in METHODS[1:]:
        for evaluations, seconds, loss in runs[large]["backprop"]["trace"]:
            if loss < final[method]:
                overtakes.append(f"the {method}'s after {evaluations} ({seconds:.2f} s)")
                break
    accuracies = {m: runs[large][m]["accuracy"] for m in METHODS}
    small_final = {m: runs[small][m]["loss"] for m in METHODS}
    best_small = min(METHODS, key=small_final.get)
    small_text = ", ".join(f"{m} {small_final[m]:.3f}" for m in METHODS)
    costs_text = " and ".join(f"{costs[d]:.1f}x at {sizes[d]} parameters" for d in sizes)
    return [
        claim(
            max(costs.values()) < 4,
            f"a backprop step (forward and backward) took {costs_text}, in time, a forward "
            f"pass alone: all n partial derivatives for about the price of one more pass, "
            f"whatever n.",
            f"a backprop step (forward and backward) took {costs_text}, in time, a forward "
            f"pass alone.",
        ),
        claim(
            len(growing) == 2,
            f"the gap grows with the parameters: to halve the loss the genetic algorithm "
            f"needed {said(small, 'genetic algorithm')} at {n_small} parameters and "
            f"{said(large, 'genetic algorithm')} at {n_large}; the swarm "
            f"{said(small, 'particle swarm')}, then {said(large, 'particle swarm')}.",
            f"to halve the loss the genetic algorithm needed {said(small, 'genetic algorithm')}"
            f" at {n_small} parameters and {said(large, 'genetic algorithm')} at {n_large}; "
            f"the swarm {said(small, 'particle swarm')}, then {said(large, 'particle swarm')}"
            f": the gap did not grow for every method.",
        ),
        claim(
            best_large == "backprop" and len(overtakes) == 2,
            f"at {n_large} parameters backprop ends lowest ({final['backprop']:.4f}) and "
            f"reaches the others' final losses early: " + " and ".join(overtakes)
            + f" of {budget} evaluations.",
            f"at {n_large} parameters {best_large} ends lowest ({final[best_large]:.4f}; "
            f"backprop {final['backprop']:.4f}).",
        ),
        claim(
            accuracies["backprop"] >= max(accuracies.values()),
            f"at {n_large} parameters backprop classifies {accuracies['backprop']:.0%} of the "
            f"points right, the genetic algorithm "
            f"{accuracies['genetic algorithm']:.0%}, the swarm "
            f"{accuracies['particle swarm']:.0%}.",
            f"at {n_large} parameters backprop classifies {accuracies['backprop']:.0%} of the "
            f"points right, below the genetic algorithm's "
            f"{accuracies['genetic algorithm']:.0%} or the swarm's "
            f"{accuracies['particle swarm']:.0%}.",
        ),
        Claim(
            f"at {n_small} parameters the {best_small} ends lowest ({small_text}): with this "
            f"few weights, trying candidates keeps up with the gradient."
            if best_small != "backprop" else
            f"at {n_small} parameters backprop ends lowest too ({small_text}).",
            True,
        ),
    ]


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=os.path.join("out", "gradient_free"), help="output folder"
    )
    parser.add_argument("--quick", action="store_true", help="two sizes, fewer evaluations")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    inputs_list, budget = ((2, 16), 500) if args.quick else ((2, 8, 16), 1200)

    runs: dict[int, dict] = {}
    sizes: dict[int, int] = {}
    costs: dict[int, float] = {}
    print(f"MLP(d, [4, 1]) with tanh on 24 points of two moons (d - 2 inputs of noise), "
          f"cross-entropy, {budget} loss evaluations for each method, the same start for all:")
    for inputs in inputs_list:
        X, y = moons_with_noise(24, inputs, seed=0)
        runs[inputs] = {}
        for method, train in TRAINERS.items():
            problem = Problem(X.tolist(), y.tolist())
            trace, weights = train(problem, budget, seed=0)
            runs[inputs][method] = {
                "trace": trace,
                "loss": trace[-1][2],
                "accuracy": accuracy(problem, weights, X, y),
            }
        sizes[inputs] = len(problem.start)
        runs[inputs]["target"] = problem.loss(problem.start) / 2  # halve the first loss
        costs[inputs] = step_cost(problem)
        print(f"  d = {inputs}, {sizes[inputs]} parameters:")
        for method in METHODS:
            run = runs[inputs][method]
            needed = evaluations_to(run["trace"], runs[inputs]["target"])
            print(f"    {method:18s} loss {run['loss']:.4f} after {run['trace'][-1][0]} "
                  f"evaluations in {run['trace'][-1][1]:.2f} s; halved after "
                  f"{needed or 'more'} evaluations; accuracy {run['accuracy']:.0%}")
    path = draw(runs, sizes, budget, out)
    print(f"\npicture: {path}")
    print("  rows: one network size each; left: the best loss so far by evaluations, middle: by")
    print("  seconds; right: the evaluations each method needed to halve the loss, by network")
    print("  size, and the final accuracies. Gradient-free methods still make sense where there")
    print("  is no useful gradient (accuracy itself, a simulator, a black box, discrete")
    print("  choices), for a handful of parameters, and for hyperparameters, which are tuned")
    print("  by trying values.")
    return report(gradient_free_claims(runs, sizes, costs, budget))


if __name__ == "__main__":
    main()

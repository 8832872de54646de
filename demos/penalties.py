"""L1 against L2: sparse weights against small ones; and a learning-rate schedule.

A penalty added to the loss pulls the weights towards 0. L2, alpha * sum(w²), pulls with a
force 2 alpha w that fades as w shrinks: weights get small but rarely exactly 0. L1,
alpha * sum(|w|), pulls with the same force alpha whatever the size of w: a weight the data
does not need is pushed all the way to 0 (a sparse model). Here 2 of 10 inputs carry the
signal and 8 carry noise; L1 switches the noise inputs off.

With a constant learning rate, the last steps are as big as the first, and mini-batch noise
keeps the weights jittering. A schedule that shrinks the learning rate as training goes on
(cosine annealing here: lr = 0.1 (1 + cos(pi t / T)) / 2 at epoch t of T) keeps the big
early steps and lets the weights settle at the end: the loss curve flattens lower.

    python demos/penalties.py [--out DIR] [--quick]

writes penalties.png to DIR (default out/penalties).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from notice import Claim, claim, report

import nn

INPUTS, SIGNAL = 10, 2  # inputs 0 and 1 carry the signal; the other 8 are noise
NEAR_ZERO = 0.01  # a weight this close to 0 counts as switched off
# name: (penalty, learning rate, cosine schedule or not)
PENALTIES = {
    "no penalty": (None, 0.05, False),
    "L2": ("L2", 0.05, False),
    "L1": ("L1", 0.05, False),
}
SCHEDULES = {
    "constant lr 0.1": (None, 0.1, False),
    "cosine schedule from lr 0.1": (None, 0.1, True),
}


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(x0) + x1/2 plus a little noise; x2..x9 are noise the model should ignore."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, INPUTS))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] + rng.normal(0, 0.05, n)
    return X, y


def first_layer(model: nn.MLP) -> np.ndarray:
    """The first layer's weights as a (hidden, inputs) array: row j holds neuron j's weights."""
    return np.array([[w.data for w in neuron.w] for neuron in model.layers[0].neurons])


def weights(model: nn.MLP) -> np.ndarray:
    """Every weight of the model (the biases left out: penalties are about weights)."""
    return np.concatenate([[w.data for w in neuron.w]
                           for layer in model.layers for neuron in layer.neurons])


def train(
    X, y, epochs: int, penalty: str | None, lr: float, schedule: bool
) -> tuple[nn.MLP, nn.History]:
    """MLP(10, [8, 1]) by SGD in batches of 10, with an L1 or L2 penalty, with a schedule."""
    model = nn.MLP(INPUTS, [8, 1], activation="tanh", seed=0)
    optimizer = nn.SGD(model.parameters(), lr=lr, momentum=0.9)
    # the penalties are on the weights only, as weight decay usually is
    ws = [w for layer in model.layers for neuron in layer.neurons for w in neuron.w]
    penalties = {
        None: None,
        "L1": lambda: nn.l1_penalty(ws, 0.003),
        "L2": lambda: nn.l2_penalty(ws, 0.003),
    }
    history = nn.fit(
        model,
        nn.mse,
        optimizer,
        X,
        y,
        epochs=epochs,
        batch_size=10,
        penalty=penalties[penalty],
        scheduler=nn.CosineAnnealingLR(optimizer, t_max=epochs) if schedule else None,
        restore_best=False,
        seed=0,
    )
    return model, history


def draw(models: dict, runs: dict, out: Path) -> Path:
    """penalties.png: the weights of each run, the noise inputs' weights, the loss curves."""
    figure = Figure(figsize=(16, 4.6), layout="constrained")
    histogram, inputs, curves = figure.subplots(1, 3)
    bins = np.linspace(-1.2, 1.2, 49)
    for name, color in (("no penalty", "0.6"), ("L2", "C0"), ("L1", "C3")):
        histogram.hist(weights(models[name]), bins=bins, histtype="step", lw=2, color=color,
                       label=f"{name}: {near_zero(models[name])} weights within {NEAR_ZERO} of 0")
    histogram.set_xlabel("weight")
    histogram.set_ylabel("number of weights")
    histogram.set_title("all weights after training")
    histogram.legend(fontsize="small")
    for i, (name, color) in enumerate((("no penalty", "0.6"), ("L2", "C0"), ("L1", "C3"))):
        off = np.mean(np.abs(first_layer(models[name])) < NEAR_ZERO, axis=0)  # per input
        inputs.bar(np.arange(INPUTS) + (i - 1) * 0.27, off, 0.27, color=color, label=name)
    inputs.axvline(SIGNAL - 0.5, color="0.3", ls=":")
    inputs.set_xticks(range(INPUTS), ["x0", "x1"] + [f"x{i}\nnoise" for i in range(2, INPUTS)])
    inputs.set_ylim(0, 1.05)
    inputs.set_ylabel(f"share of its 8 weights within {NEAR_ZERO} of 0")
    inputs.set_title("first layer: which inputs are switched off")
    inputs.legend(fontsize="small")
    nn.plot_runs({name: runs[name] for name in SCHEDULES}, ax=curves,
                 title="no penalty: constant learning rate or a schedule")
    curves.set_ylabel("mean squared error")
    path = out / "penalties.png"
    figure.savefig(path, dpi=75)
    return path


def near_zero(model: nn.MLP) -> int:
    """How many of the model's weights are within NEAR_ZERO of 0."""
    return int(np.sum(np.abs(weights(model)) < NEAR_ZERO))


def share_off(model: nn.MLP, noise: bool) -> float:
    """The share of the first layer's weights from the noise (or signal) inputs near 0."""
    columns = first_layer(model)[:, SIGNAL:] if noise else first_layer(model)[:, :SIGNAL]
    return float(np.mean(np.abs(columns) < NEAR_ZERO))


def penalty_claims(models: dict, runs: dict, epochs: int) -> list[Claim]:
    """What the runs show, from their weights and losses."""
    count = {name: near_zero(models[name]) for name in PENALTIES}
    size = {name: float(np.mean(np.abs(weights(models[name])))) for name in PENALTIES}
    total = len(weights(models["L1"]))
    off = {name: share_off(models[name], noise=True) for name in PENALTIES}
    signal_off = share_off(models["L1"], noise=False)
    last = {name: runs[name]["loss"][-1] for name in runs}
    tail = max(epochs // 5, 2)  # the wobble of the loss over the last fifth of training
    wobble = {name: float(np.std(runs[name]["loss"][-tail:])) for name in runs}
    constant, scheduled = SCHEDULES
    return [
        claim(
            count["L1"] > count["L2"] and count["L1"] > count["no penalty"],
            f"L1 leaves {count['L1']} of the {total} weights within {NEAR_ZERO} of 0, L2 "
            f"{count['L2']} and no penalty {count['no penalty']}: L1's pull does not fade "
            f"near 0, so it switches weights off.",
            f"L1 leaves {count['L1']} weights within {NEAR_ZERO} of 0, no more than L2 "
            f"({count['L2']}) or no penalty ({count['no penalty']}).",
        ),
        claim(
            size["L2"] < size["no penalty"],
            f"L2 makes the weights small rather than zero: their mean size is {size['L2']:.3f}"
            f" against {size['no penalty']:.3f} without a penalty.",
            f"with L2 the weights' mean size is {size['L2']:.3f}, not below the "
            f"{size['no penalty']:.3f} without a penalty.",
        ),
        claim(
            off["L1"] > off["L2"] and off["L1"] > signal_off,
            f"L1 switches off mostly weights the task does not need: {off['L1']:.0%} of the "
            f"first layer's weights from the noise inputs x2..x9 are near 0 (with L2 "
            f"{off['L2']:.0%}), and {signal_off:.0%} of those from x0 and x1.",
            f"with L1 {off['L1']:.0%} of the first layer's weights from the noise inputs are "
            f"near 0 (with L2 {off['L2']:.0%}), and {signal_off:.0%} of those from x0 and x1.",
        ),
        claim(
            last[scheduled] < last[constant] and wobble[scheduled] < wobble[constant],
            f"with the cosine schedule the loss curve settles lower and steadier: "
            f"{last[scheduled]:.4f} at the end against {last[constant]:.4f} at a constant "
            f"learning rate, wobbling {wobble[scheduled]:.1e} over the last {tail} epochs "
            f"against {wobble[constant]:.1e}.",
            f"with the cosine schedule the loss ends at {last[scheduled]:.4f} (wobble "
            f"{wobble[scheduled]:.1e}) against {last[constant]:.4f} ({wobble[constant]:.1e}) "
            f"at a constant learning rate.",
        ),
    ]


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "penalties"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="fewer epochs (tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # The runs take a few seconds: --quick trains the same ones.
    epochs = 30

    X, y = make_data(60, seed=0)
    models, runs = {}, {}
    print(f"MLP({INPUTS}, [8, 1]) on 60 samples of y = sin(x0) + x1/2 (x2..x9: noise), SGD with "
          f"momentum 0.9, batches of 10, {epochs} epochs; penalties 0.003 * sum(|w|) (L1) or "
          f"0.003 * sum(w²) (L2):")
    for name, (penalty, lr, schedule) in {**PENALTIES, **SCHEDULES}.items():
        models[name], runs[name] = train(X, y, epochs, penalty, lr, schedule)
        print(f"  {name:28s} mse {runs[name]['loss'][-1]:.4f}, {near_zero(models[name]):3d} "
              f"weights within {NEAR_ZERO} of 0, mean |w| "
              f"{np.mean(np.abs(weights(models[name]))):.3f}")
    path = draw(models, runs, out)
    print(f"\npicture: {path}")
    print("  left: how the weights spread; middle: for each input, the share of its weights into")
    print("  the first layer that are near 0; right: the loss at a constant learning rate and")
    print("  with a cosine schedule (no penalty).")
    return report(penalty_claims(models, runs, epochs))


if __name__ == "__main__":
    main()

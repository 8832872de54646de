"""Train an MLP to read handwritten digits, at array speed, with the compiled replay.

The training step (the network and a softmax cross-entropy) is arithmetic on Values, traced
once by autograd.compiled.trace into a numpy program and replayed on every mini-batch of
scikit-learn's 8x8 digits. Needs the `digits` extra: pip install 'chainrule[digits]'.

    python demos/digits.py [--out DIR] [--quick] [--epochs N]

writes digits.png to DIR (default out/digits): the loss and test accuracy by epoch, and 24
test digits with the network's answers, its mistakes among them when it made any.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from notice import Claim, claim, report

import nn
from autograd import log_softmax, no_grad, total
from autograd.compiled import trace
from nn.progress import progress_bar

EPOCHS = 12
BATCH = 32
TEST = 357  # digits held out to measure accuracy on; this leaves 1440 = 45 batches of 32
CHUNK = 21  # test digits scored per call (357 = 17 x 21): one shape, so one trace
SHOWN = 24  # test digits in the picture


def digits_to_show(labels, answers, count: int = SHOWN) -> list[int]:
    """Indices of `count` test digits to show: up to a third of them mistakes, if there are any.

    The first few test digits are usually all right, which would hide what the network gets
    wrong; so the mistakes come first (in test order), then the right answers fill the rest.
    """
    wrong = [i for i, (label, answer) in enumerate(zip(labels, answers)) if answer != label]
    right = [i for i, (label, answer) in enumerate(zip(labels, answers)) if answer == label]
    shown = wrong[: count // 3]
    return sorted(shown + right[: count - len(shown)])


def main(argv: list[str] | None = None) -> list[Claim]:
    parser = argparse.ArgumentParser(description="Train an MLP on 8x8 digits, compiled.")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default {EPOCHS}")
    parser.add_argument("--quick", action="store_true", help="2 epochs, for a quick check")
    parser.add_argument("--out", default=os.path.join("out", "digits"), help="output folder")
    args = parser.parse_args(argv)
    epochs = 2 if args.quick else args.epochs
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    X, y = nn.load_digits()  # X: (1797, 64) pixels in [0, 1]; y: the digit, 0 to 9
    order = np.random.default_rng(0).permutation(len(X))
    X_test, y_test = X[order[:TEST]], y[order[:TEST]]
    X_train, y_train = X[order[TEST:]], y[order[TEST:]]
    one_hot = np.eye(10)  # row d: 1 at position d, 0 elsewhere

    # 64 pixels -> 32 relu units -> 10 scores. fused: each neuron's weighted sum is one node,
    # so the trace records 9,613 nodes instead of 85,389 and takes a second or two less; the
    # compiled program, and so every number, is the same as without it.
    model = nn.MLP(64, [32, 10], seed=0, fused=True)
    optimizer = nn.Adam(model.parameters(), lr=0.01)
    print(f"model: {model}")
    print(f"data:  {len(X_train)} training and {len(X_test)} test digits of 8x8 pixels\n")

    def batch_loss(images, targets):
        """Mean cross-entropy: -sum_k target_k * log softmax(scores)_k, targets one-hot.

        The targets arrive as Values like the images, so one trace serves every batch.
        """
        losses = [-total([t * p for t, p in zip(target, log_softmax(model.forward(image)))])
                  for image, target in zip(images, targets)]
        return total(losses) * (1.0 / len(losses))

    def batch_scores(images):
        """The ten scores of each image."""
        return [model.forward(image) for image in images]

    train_step = trace(batch_loss)  # each traced on first use, once per batch shape
    scores = trace(batch_scores)

    def guesses(images: np.ndarray) -> list[int]:
        """The digit with the highest score, for each image."""
        answers = []
        with no_grad():  # forward only
            for start in range(0, len(images), CHUNK):
                chunk = scores(images[start:start + CHUNK])
                answers += [max(range(10), key=lambda d, row=row: row[d].data) for row in chunk]
        return answers

    def accuracy(images: np.ndarray, labels: np.ndarray) -> float:
        return sum(int(g == label) for g, label in zip(guesses(images), labels)) / len(images)

    start = time.perf_counter()
    steps_per_epoch = -(-len(X_train) // BATCH)
    bar = progress_bar(epochs, steps_per_epoch, sys.stderr)  # stdout keeps the report
    history = {"loss": [], "test accuracy": []}
    for epoch in range(1, epochs + 1):
        loss_sum = 0.0
        for images, labels in nn.batches(X_train, y_train, BATCH, seed=epoch):
            loss = train_step(images, one_hot[labels])  # was: loss = batch_loss(...)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.data * len(labels)
            bar.step({"loss": loss.data})
        history["loss"].append(loss_sum / len(X_train))
        history["test accuracy"].append(accuracy(X_test, y_test))
        bar.epoch(epoch, {name: values[-1] for name, values in history.items()})
    bar.close()

    seconds = time.perf_counter() - start
    answers = guesses(X_test)
    final = sum(int(a == label) for a, label in zip(answers, y_test)) / len(y_test)
    print(f"\ntest accuracy {final:.1%} after {epochs} epochs in "
          f"{seconds:.1f} s, tracing included")
    print(train_step.summary())
    shown = digits_to_show(y_test, answers)
    picture = plot(history, X_test[shown], y_test[shown], [answers[i] for i in shown], out)
    print(f"\npicture of the training and of {len(shown)} test digits: {picture}")
    mistakes = [i for i, (a, label) in enumerate(zip(answers, y_test)) if a != label]
    shown_wrong = [i for i in shown if i in mistakes]
    accuracies = history["test accuracy"]
    return report([
        claim(
            accuracies[-1] > accuracies[0] and history["loss"][-1] < history["loss"][0],
            f"the training loss falls from {history['loss'][0]:.3f} to "
            f"{history['loss'][-1]:.3f} and the test accuracy climbs from {accuracies[0]:.1%} "
            f"to {accuracies[-1]:.1%} over {epochs} epochs, on digits the network never "
            f"trained on.",
            f"the test accuracy went from {accuracies[0]:.1%} to {accuracies[-1]:.1%} over "
            f"{epochs} epochs.",
        ),
        claim(
            bool(shown_wrong) or not mistakes,
            f"the network gets {len(mistakes)} of the {len(y_test)} test digits wrong; "
            f"{len(shown_wrong)} of them are among the {len(shown)} shown, their answers in "
            f"red."
            if mistakes else
            f"the network gets every one of the {len(y_test)} test digits right.",
            f"none of the network's {len(mistakes)} mistakes is among the digits shown.",
        ),
    ])


def plot(history: dict, images: np.ndarray, labels: np.ndarray, answers: list[int],
         out: Path) -> Path:
    """Loss and accuracy by epoch, and test digits with the network's answers."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.4))
    grid = fig.add_gridspec(3, 12)
    curves = fig.add_subplot(grid[:, :4])
    epochs = range(1, len(history["loss"]) + 1)
    curves.plot(epochs, history["loss"], "o-", label="training loss")
    curves.plot(epochs, history["test accuracy"], "s-", label="test accuracy")
    curves.set_xlabel("epoch")
    curves.set_xticks(list(epochs))
    curves.set_ylim(0, max(1.05, max(history["loss"]) * 1.05))
    curves.legend()
    curves.set_title("training, compiled")
    for i, (image, label, answer) in enumerate(zip(images, labels, answers)):
        ax = fig.add_subplot(grid[i // 8, 4 + i % 8])
        ax.imshow(image.reshape(8, 8), cmap="gray_r")
        if answer == label:
            ax.set_title(f"{answer}", color="green", fontsize=11)
        else:
            ax.set_title(f"{answer} (is {label})", color="red", fontsize=10)
        ax.axis("off")
    fig.suptitle("test digits and the network's answers (red: wrong, the true digit in brackets)",
                 x=0.68, fontsize=10)
    fig.tight_layout()
    path = out / "digits.png"
    fig.savefig(path, dpi=90)
    return path


if __name__ == "__main__":
    main()

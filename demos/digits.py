"""Train an MLP to read handwritten digits, at array speed, with the compiled replay.

The training step (the network and a softmax cross-entropy) is arithmetic on Values, traced
once by autograd.compiled.trace into a numpy program and replayed on every mini-batch of
scikit-learn's 8x8 digits. Needs the `digits` extra: pip install 'chainrule[digits]'.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import nn
from autograd import log_softmax, no_grad
from autograd.compiled import trace
from nn.progress import progress_bar

EPOCHS = 12
BATCH = 32
TEST = 357  # digits held out to measure accuracy on; this leaves 1440 = 45 batches of 32
CHUNK = 21  # test digits scored per call (357 = 17 x 21): one shape, so one trace


def main() -> None:
    parser = argparse.ArgumentParser(description="Train an MLP on 8x8 digits, compiled.")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default {EPOCHS}")
    parser.add_argument("--quick", action="store_true", help="2 epochs, for a quick check")
    args = parser.parse_args()
    epochs = 2 if args.quick else args.epochs

    X, y = nn.load_digits()  # X: (1797, 64) pixels in [0, 1]; y: the digit, 0 to 9
    order = np.random.default_rng(0).permutation(len(X))
    X_test, y_test = X[order[:TEST]], y[order[:TEST]]
    X_train, y_train = X[order[TEST:]], y[order[TEST:]]
    one_hot = np.eye(10)  # row d: 1 at position d, 0 elsewhere

    model = nn.MLP(64, [32, 10], seed=0)  # 64 pixels -> 32 relu units -> 10 scores
    optimizer = nn.Adam(model.parameters(), lr=0.01)
    print(f"model: {model}")
    print(f"data:  {len(X_train)} training and {len(X_test)} test digits of 8x8 pixels\n")

    def batch_loss(images, targets):
        """Mean cross-entropy: -sum_k target_k * log softmax(scores)_k, targets one-hot.

        The targets arrive as Values like the images, so one trace serves every batch.
        """
        losses = [-sum(t * p for t, p in zip(target, log_softmax(model.forward(image))))
                  for image, target in zip(images, targets)]
        return sum(losses) * (1.0 / len(losses))

    def batch_scores(images):
        """The ten scores of each image."""
        return [model.forward(image) for image in images]

    train_step = trace(batch_loss)  # each traced on first use, once per batch shape
    scores = trace(batch_scores)

    def accuracy(images: np.ndarray, labels: np.ndarray) -> float:
        right = 0
        with no_grad():  # forward only
            for start in range(0, len(images), CHUNK):
                chunk = scores(images[start:start + CHUNK])
                guesses = [max(range(10), key=lambda d, row=row: row[d].data) for row in chunk]
                right += sum(int(g == label) for g, label in zip(guesses, labels[start:]))
        return right / len(images)

    start = time.perf_counter()
    steps_per_epoch = -(-len(X_train) // BATCH)
    bar = progress_bar(epochs, steps_per_epoch, sys.stdout)
    for epoch in range(1, epochs + 1):
        total = 0.0
        for images, labels in nn.batches(X_train, y_train, BATCH, seed=epoch):
            loss = train_step(images, one_hot[labels])  # was: loss = batch_loss(...)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.data * len(labels)
            bar.step({"loss": loss.data})
        bar.epoch(epoch, {"loss": total / len(X_train), "test accuracy": accuracy(X_test, y_test)})
    bar.close()

    seconds = time.perf_counter() - start
    print(f"\ntest accuracy {accuracy(X_test, y_test):.1%} after {epochs} epochs in "
          f"{seconds:.1f} s, tracing included")
    print(train_step.summary())


if __name__ == "__main__":
    main()

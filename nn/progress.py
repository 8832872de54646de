"""Progress bars for fit(): how far training has come and the latest numbers, on a stream.

A presentation surface, kept apart from the training loop: fit() only calls step(), epoch()
and close(), and writes nothing unless asked to. With tqdm installed (the `progress` extra)
the bar is tqdm's; without it, one plain line per epoch, which also reads well in a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TextIO


class Progress(Protocol):
    """What fit() tells a progress display."""

    def step(self, numbers: Mapping[str, float]) -> None:
        """One optimizer step is done; numbers: the running loss (and metrics) of the epoch."""

    def epoch(self, epoch: int, numbers: Mapping[str, float]) -> None:
        """Epoch `epoch` (from 1) is done; numbers: its loss, metrics and validation results."""

    def close(self) -> None:
        """Training is over (finished, stopped early or interrupted)."""


class TextProgress:
    """One line per epoch, e.g. "epoch  3/20  loss 0.4123  accuracy 0.85  val_loss 0.5"."""

    def __init__(self, epochs: int, stream: TextIO) -> None:
        self.epochs = epochs
        self.stream = stream

    def step(self, numbers: Mapping[str, float]) -> None:
        """Nothing: a line per step would drown the epochs."""

    def epoch(self, epoch: int, numbers: Mapping[str, float]) -> None:
        """Write the epoch's line."""
        width = len(str(self.epochs))
        self.stream.write(f"epoch {epoch:{width}d}/{self.epochs}  {format_numbers(numbers)}\n")
        self.stream.flush()

    def close(self) -> None:
        """Nothing to tidy up."""


class TqdmProgress:
    """A tqdm bar over every optimizer step of the run, with the latest numbers beside it."""

    def __init__(self, epochs: int, steps_per_epoch: int, stream: TextIO) -> None:
        from tqdm import tqdm  # the optional extra, loaded only when a bar is wanted

        self.epochs = epochs
        self.bar = tqdm(
            total=epochs * steps_per_epoch, file=stream, unit="step", dynamic_ncols=True
        )
        self.last_epoch: Mapping[str, float] = {}

    def step(self, numbers: Mapping[str, float]) -> None:
        """Advance the bar by one step and show the epoch's running numbers."""
        self.bar.set_postfix_str(format_numbers({**self.last_epoch, **numbers}), refresh=False)
        self.bar.update(1)

    def epoch(self, epoch: int, numbers: Mapping[str, float]) -> None:
        """Show the finished epoch's numbers (validation included) until the next one."""
        self.last_epoch = numbers
        self.bar.set_description(f"epoch {epoch}/{self.epochs}", refresh=False)
        self.bar.set_postfix_str(format_numbers(numbers))

    def close(self) -> None:
        """Close the bar, leaving its last state on screen."""
        self.bar.close()


def progress_bar(epochs: int, steps_per_epoch: int, stream: TextIO) -> Progress:
    """A TqdmProgress when tqdm is installed, else a TextProgress, writing to stream."""
    try:
        import tqdm  # noqa: F401  (only to learn whether it is installed)
    except ImportError:
        return TextProgress(epochs, stream)
    return TqdmProgress(epochs, steps_per_epoch, stream)


def format_numbers(numbers: Mapping[str, float]) -> str:
    """ "loss 0.4123  accuracy 0.85": each number with 4 significant digits."""
    return "  ".join(f"{name} {value:.4g}" for name, value in numbers.items())

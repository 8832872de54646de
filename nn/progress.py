"""Progress displays for fit(): how far training has come and the latest numbers, on a stream.

A presentation surface, kept apart from the training loop: fit() only calls step(), epoch()
and close(), and writes nothing unless asked to. In a terminal, with tqdm installed (the
`progress` extra), a bar over the run's steps with the numbers on lines of their own below
it, so that each one shows in full at any width. Anywhere else (a file, a pipe, a notebook's
captured stream) or without tqdm, one plain line per epoch, which reads well in a log.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol, TextIO

TERMINAL_WIDTH = 80  # when a terminal does not say how wide it is


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
    """A tqdm bar over every optimizer step of the run, and the latest numbers below it.

    The numbers get lines of their own (tqdm's `position`s 1, 2, ...): on the bar's line, a
    terminal of 80 columns would leave the bar one character wide and cut the numbers off.
    """

    def __init__(self, epochs: int, steps_per_epoch: int, stream: TextIO) -> None:
        from tqdm import tqdm  # the optional extra, loaded only when a bar is wanted

        self.tqdm = tqdm
        self.epochs = epochs
        self.stream = stream
        self.bar = tqdm(total=epochs * steps_per_epoch, file=stream, unit="step",
                        desc=f"epoch 1/{epochs}", dynamic_ncols=True, position=0)
        self.lines: list = []  # one tqdm per line of numbers, shown as its text only
        self.last_epoch: Mapping[str, float] = {}
        self.numbers: Mapping[str, float] = {}

    def step(self, numbers: Mapping[str, float]) -> None:
        """Advance the bar by one step; show the epoch's running numbers when tqdm redraws."""
        self.numbers = {**self.last_epoch, **numbers}
        if self.bar.update(1):  # tqdm redraws a few times a second, not at every step
            self._show()

    def epoch(self, epoch: int, numbers: Mapping[str, float]) -> None:
        """Show the finished epoch's numbers (validation included) until the next one."""
        self.last_epoch = self.numbers = numbers
        self.bar.set_description(f"epoch {min(epoch + 1, self.epochs)}/{self.epochs}",
                                 refresh=False)
        self.bar.refresh()
        self._show()

    def close(self) -> None:
        """Close the bar and the lines of numbers, leaving their last state on screen."""
        self._show()
        self.bar.close()
        for line in self.lines:
            line.close()

    def _show(self) -> None:
        """Write the numbers on as many lines below the bar as the terminal's width needs."""
        texts = wrapped(
            [f"{name} {value:.4g}" for name, value in self.numbers.items()],
            _width(self.stream) - 1,  # a full last column would wrap in some terminals
        )
        while len(self.lines) < len(texts):
            self.lines.append(self.tqdm(total=0, file=self.stream, bar_format="{desc}",
                                        position=len(self.lines) + 1, dynamic_ncols=True))
        for line, text in zip(self.lines, texts + [""] * len(self.lines)):
            line.set_description_str(text)


def progress_bar(epochs: int, steps_per_epoch: int, stream: TextIO) -> Progress:
    """A TqdmProgress on a terminal when tqdm is installed, else a TextProgress."""
    try:
        import tqdm  # noqa: F401  (only to learn whether it is installed)
    except ImportError:
        return TextProgress(epochs, stream)
    if not _is_terminal(stream):  # a file or a pipe: a bar's redrawn frames would pile up
        return TextProgress(epochs, stream)
    return TqdmProgress(epochs, steps_per_epoch, stream)


def format_numbers(numbers: Mapping[str, float]) -> str:
    """ "loss 0.4123  accuracy 0.85": each number with 4 significant digits."""
    return "  ".join(f"{name} {value:.4g}" for name, value in numbers.items())


def wrapped(items: list[str], width: int) -> list[str]:
    """The items joined by two spaces, on as few lines of at most `width` characters as fit
    them (an item longer than a line gets a line of its own)."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += "  " + item
        else:
            lines.append(item)
    return lines


def _is_terminal(stream: TextIO) -> bool:
    """Does the stream write to a terminal? (A stream without isatty is taken for a file.)"""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _width(stream: TextIO) -> int:
    """The width of the terminal the stream writes to, in columns."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or TERMINAL_WIDTH
    except (AttributeError, OSError, ValueError):  # no file number, or not a terminal
        return TERMINAL_WIDTH

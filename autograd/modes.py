"""The engine's switches: gradient recording, anomaly detection and name scopes.

These are the only global state in chainrule, one documented switch each:
- `no_grad()`: operations compute numbers but record no graph (for evaluation);
- `detect_anomaly()`: the first non-finite value or gradient raises, naming where it came from;
- `name_scope(name)`: nodes created inside are tagged with the name (nn tags each module's work).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class _Switches:
    """The current state of every switch; one instance, `switches`."""

    __slots__ = ("grad_enabled", "anomaly", "scope")

    def __init__(self) -> None:
        self.grad_enabled = True  # record a graph for backward?
        self.anomaly = False  # check every value and gradient for inf and nan?
        self.scope = ""  # dotted name of the module whose work is being recorded


switches = _Switches()


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block, operations build no graph: results are leaves without history."""
    previous = switches.grad_enabled
    switches.grad_enabled = False
    try:
        yield
    finally:
        switches.grad_enabled = previous


@contextmanager
def enable_grad() -> Iterator[None]:
    """Turn graph recording back on inside a `no_grad()` block."""
    previous = switches.grad_enabled
    switches.grad_enabled = True
    try:
        yield
    finally:
        switches.grad_enabled = previous


def is_grad_enabled() -> bool:
    """True when operations are recording a graph."""
    return switches.grad_enabled


class AnomalyError(FloatingPointError):
    """Raised in anomaly mode at the first operation or gradient that is not finite."""


@contextmanager
def detect_anomaly(enabled: bool = True) -> Iterator[None]:
    """Raise AnomalyError at the first non-finite value or gradient inside this block.

    Nodes created inside also remember the file:line of the user code that created them.
    """
    previous = switches.anomaly
    switches.anomaly = bool(enabled)
    try:
        yield
    finally:
        switches.anomaly = previous


def set_detect_anomaly(enabled: bool) -> None:
    """Switch anomaly detection on or off for the rest of the program."""
    switches.anomaly = bool(enabled)


def is_anomaly_enabled() -> bool:
    """True when anomaly detection is on."""
    return switches.anomaly


@contextmanager
def name_scope(name: str) -> Iterator[None]:
    """Tag the nodes created inside with `name` (nested scopes join with dots)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"name_scope needs a non-empty str name, got {name!r}")
    previous = switches.scope
    switches.scope = f"{previous}.{name}" if previous else name
    try:
        yield
    finally:
        switches.scope = previous


# Frames from these folders are the library's own; the creation site is the first frame
# outside them, i.e. the line of user code that asked for the operation.
_LIBRARY_DIRS = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep
    for path in (__file__, os.path.join(os.path.dirname(__file__), "..", "nn", "__init__.py"))
)


def creation_site() -> str | None:
    """The "file:line" of the innermost caller outside autograd and nn, or None."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_LIBRARY_DIRS) and not filename.startswith("<frozen"):
            return f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back
    return None

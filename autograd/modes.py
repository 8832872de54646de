"""The engine's switches: gradient recording, anomaly detection, name scopes; and gc_paused.

These are the only global state in chainrule, one documented switch each:
- `no_grad()`: operations compute numbers but record no graph (for evaluation);
- `detect_anomaly()`: the first non-finite value or gradient raises, naming where it came from;
- `name_scope(name)`: nodes created inside are tagged with the name (nn tags each module's work).

`Notes`, the record of what a node tells people (its label, scope, creation site and whether it
is a constant), lives here too: the switches decide what new nodes' notes say.

`gc_paused()` is the one block that touches Python's own state: it rests the cyclic garbage
collector while a graph is built and walked.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import ContextDecorator, contextmanager
from typing import NamedTuple


class Notes(NamedTuple):
    """What a node tells people rather than backward: its name, the module that made it, the
    line of code that made it, and whether it is a constant.

    Notes are immutable and shared: the nodes made in one name scope (or outside all scopes)
    hold the same Notes, and a node given a label or a scope gets Notes of its own, as does
    every node made in anomaly mode (each has its own site). So a Value keeps one slot for
    all four (read as Value.label, .scope, .site and .constant): four slots of its own would
    make each of the million nodes of a big graph a third larger.
    """

    label: str = ""
    scope: str = ""  # dotted name of the module whose work made the node (see name_scope)
    site: str | None = None  # "file:line" of the user code that made it (anomaly mode)
    constant: bool = False  # a number that an operator turned into a node


class _Switches:
    """The current state of every switch; one instance, `switches`."""

    __slots__ = ("grad_enabled", "anomaly", "notes", "constant_notes")

    def __init__(self) -> None:
        self.grad_enabled = True  # record a graph for backward?
        self.anomaly = False  # check every value and gradient for inf and nan?
        # The Notes of the nodes made now, and of the constants made now: both follow the
        # current name scope (name_scope changes them; notes.scope is the scope's dotted name).
        self.notes = Notes()
        self.constant_notes = Notes(constant=True)


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


class name_scope(ContextDecorator):  # lower case, like the other switches
    """Tag the nodes created inside with `name` (nested scopes join with dots).

    Use it as `with name_scope("encoder"):` or as a decorator, `@name_scope("encoder")`.
    A class rather than a @contextmanager generator because nn enters one per neuron per
    example, thousands per training step, and this costs a third as much.
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"name_scope needs a non-empty str name, got {name!r}")
        self.name = name
        self.saved: list[tuple[Notes, Notes]] = []  # switches' notes to go back to, per entry
        # The notes this scope gives nodes and constants, and the enclosing scope they were
        # made for: made again only when entered from another one. (A neuron's scope is
        # entered from its layer's, thousands of times per training step.)
        self.made_for: str | None = None
        self.made = (Notes(), Notes())

    def __enter__(self) -> None:
        outer_scope = switches.notes.scope
        self.saved.append((switches.notes, switches.constant_notes))
        if outer_scope != self.made_for:
            scope = f"{outer_scope}.{self.name}" if outer_scope else self.name
            self.made = (Notes(scope=scope), Notes(scope=scope, constant=True))
            self.made_for = outer_scope
        switches.notes, switches.constant_notes = self.made

    def __exit__(self, *exc_info: object) -> None:
        switches.notes, switches.constant_notes = self.saved.pop()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Rest Python's cyclic garbage collector inside this block; reference counting still frees.

    A graph of Values holds no reference cycles (a node refers only to its inputs, which
    existed before it), so reference counting frees a whole graph as soon as nothing refers to
    its output any more: the cyclic collector never has anything to find in it. Yet while a
    big graph is being built, the collector re-scans every node of it again and again, which
    costs a training step of an MLP a third to a half of its time, and makes building a
    million-node graph several times slower. nn.fit runs every step inside this block.

    Drop the graph before the block ends (let the names that hold it go out of scope), or the
    collector, once back, scans it once more. Cycles made inside the block are collected after
    it; gradients from backward(create_graph=True) make some (x.grad's graph holds w, and
    w.grad's holds x) until the gradients are set back to numbers.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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

"""The engine's switches: gradient recording, anomaly detection, name scopes; and gc_paused.

Three switches, each a block to run code in:
- `no_grad()`: operations compute numbers but record no graph (for evaluation);
- `detect_anomaly()`: the first non-finite value or gradient raises, naming where it came from;
- `name_scope(name)`: nodes created inside are tagged with the name (nn tags each module's work).

They hold per thread and per asyncio task (a context variable keeps them), as a program that
trains in one thread and evaluates in another needs.

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
from contextlib import AbstractContextManager, ContextDecorator, contextmanager
from contextvars import ContextVar
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


UNSCOPED, UNSCOPED_CONSTANT = Notes(), Notes(constant=True)  # the notes outside every scope


class _Mode:
    """The switches in force in one thread or task. Never changed: a switch makes a new one.

    grad_enabled: record a graph for backward?  anomaly: check every value and gradient for
    inf and nan?  notes and constant_notes: the Notes of the nodes and of the constants made
    now (name_scope changes them; notes.scope is the scope's dotted name).  outer: the mode
    the innermost name scope was entered from, which its exit goes back to.  ordinary:
    recording on and anomaly off, the common case that + and * handle themselves.
    """

    __slots__ = ("grad_enabled", "anomaly", "notes", "constant_notes", "outer", "ordinary")

    def __init__(self, grad_enabled: bool = True, anomaly: bool = False,
                 notes: Notes = UNSCOPED, constant_notes: Notes = UNSCOPED_CONSTANT,
                 outer: _Mode | None = None) -> None:
        self.grad_enabled = grad_enabled
        self.anomaly = anomaly
        self.notes = notes
        self.constant_notes = constant_notes
        self.outer = outer
        self.ordinary = grad_enabled and not anomaly

    def switched(self, *, grad_enabled: bool | None = None,
                 anomaly: bool | None = None) -> _Mode:
        """This mode with one switch set otherwise, in the same name scope."""
        return _Mode(self.grad_enabled if grad_enabled is None else grad_enabled,
                     self.anomaly if anomaly is None else anomaly,
                     self.notes, self.constant_notes, self.outer)


# The mode of the running thread or asyncio task. A context variable, not a global: each
# thread has a context of its own, and each asyncio task runs in a copy of the context of the
# code that created it. So a no_grad() block in one thread (or task) never turns recording off
# in another, as one shared switch would (a second thread building a graph meanwhile would get
# no gradients, silently). A new thread starts from the default mode: recording on, anomaly
# off, no scope, whatever the thread that started it was doing (see the README's Reliability).
_START = _Mode()  # recording on, anomaly off, no scope
_mode: ContextVar[_Mode] = ContextVar("chainrule_mode", default=_START)
# The engine reads the mode once per operation, through this bound method of the variable.
current_mode = _mode.get


@contextmanager
def _switched(switch: str, value: bool) -> Iterator[None]:
    """A block with one switch of this thread's (or task's) mode set to value, then set back.

    Only that switch goes back: a switch changed inside the block for good (by
    set_detect_anomaly) stays changed.
    """
    previous = getattr(current_mode(), switch)
    _mode.set(current_mode().switched(**{switch: value}))
    try:
        yield
    finally:
        _mode.set(current_mode().switched(**{switch: previous}))


def no_grad() -> AbstractContextManager[None]:
    """Inside this block, operations build no graph: results are leaves without history.

    Per thread and per asyncio task: other threads and tasks keep recording.
    """
    return _switched("grad_enabled", False)


def enable_grad() -> AbstractContextManager[None]:
    """Turn graph recording back on inside a `no_grad()` block."""
    return _switched("grad_enabled", True)


def is_grad_enabled() -> bool:
    """True when operations in this thread (or task) are recording a graph."""
    return current_mode().grad_enabled


class AnomalyError(FloatingPointError):
    """Raised in anomaly mode at the first operation or gradient that is not finite."""


def detect_anomaly(enabled: bool = True) -> AbstractContextManager[None]:
    """Raise AnomalyError at the first non-finite value or gradient inside this block.

    Nodes created inside also remember the file:line of the user code that created them.
    Per thread and per asyncio task, as no_grad is.
    """
    return _switched("anomaly", bool(enabled))


def set_detect_anomaly(enabled: bool) -> None:
    """Switch anomaly detection on or off from here on, in this thread (or asyncio task)."""
    _mode.set(current_mode().switched(anomaly=bool(enabled)))


def is_anomaly_enabled() -> bool:
    """True when anomaly detection is on in this thread (or task)."""
    return current_mode().anomaly


class name_scope(ContextDecorator):  # lower case, like the other switches
    """Tag the nodes created inside with `name` (nested scopes join with dots).

    Use it as `with name_scope("encoder"):` or as a decorator, `@name_scope("encoder")`.
    A class rather than a @contextmanager generator because nn enters one per neuron per
    example, thousands per training step, and this costs a third as much. One scope object
    may be entered from many threads at once (a model shared by threads): it keeps no stack
    of its own, since each mode it makes knows the mode to go back to (_Mode.outer).
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"name_scope needs a non-empty str name, got {name!r}")
        self.name = name
        # The mode this scope last made, and the mode it was entered from then: made again
        # only when entered from another one (a neuron's scope is entered from its layer's,
        # thousands of times per training step). One tuple, replaced whole, so that threads
        # sharing this scope never read half of an update.
        self.made: tuple[_Mode | None, _Mode] = (None, _Mode())

    def __enter__(self) -> None:
        outer = current_mode()
        made_from, inside = self.made
        if made_from is not outer:
            scope = f"{outer.notes.scope}.{self.name}" if outer.notes.scope else self.name
            # The nodes of one scope share one Notes record: keep the last one if it fits.
            if inside.notes.scope == scope:
                notes, constant_notes = inside.notes, inside.constant_notes
            else:
                notes, constant_notes = Notes(scope=scope), Notes(scope=scope, constant=True)
            inside = _Mode(outer.grad_enabled, outer.anomaly, notes, constant_notes, outer)
            self.made = (outer, inside)
        _mode.set(inside)

    def __exit__(self, *exc_info: object) -> None:
        inside = current_mode()
        outer = inside.outer
        if outer is None:
            raise RuntimeError(f"name_scope({self.name!r}) was left without being entered")
        if (outer.grad_enabled, outer.anomaly) != (inside.grad_enabled, inside.anomaly):
            outer = outer.switched(grad_enabled=inside.grad_enabled, anomaly=inside.anomaly)
        _mode.set(outer)  # a switch set inside the scope stays set, as it would without it


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

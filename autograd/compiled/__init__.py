"""Compiled replay: record a training step once, then rerun it at array speed with numpy.

The eager engine rebuilds the graph on every step. Here the step is traced once, turned into a
short program of numpy operations over all of its nodes at once, and replayed on new numbers,
writing gradients into the same parameters; the eager engine stays the reference it is checked
against. numpy is imported on first use, so `import autograd.compiled` stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["trace", "CompiledFunction", "Replayed", "TraceMismatch", "UnsupportedGraph",
           "supported_ops"]


def trace(fn: Callable[..., Any], *example_args: Any, check_every: int = 0,
          fuse: bool = True) -> Any:
    """Compile fn (a function of Values) into a CompiledFunction, like torch.jit.trace.

        loss_fn = trace(step_loss)        # step_loss(xs, ys) builds a loss from Values
        for epoch in range(100):
            loss = loss_fn(xs, ys)        # was: loss = step_loss(xs, ys)
            optimizer.zero_grad()
            loss.backward()               # fills p.grad for every parameter, as before
            optimizer.step()

    fn is called with its arguments as Values (numbers, or nested lists of Values for arrays)
    and must return a Value or lists/tuples of Values. The graph it builds is recorded once per
    shape of the arguments; with example_args it is traced right away, else on the first call.

    What becomes what: arguments are read anew on every call; leaf Values made outside fn
    (parameters) are read from .data on every call and receive .grad; every other number fn
    uses (a constant, a label read from a closure, anything computed from .data) is frozen at
    its traced value. Graphs that change with the numbers (an `if` on .data) cannot be
    replayed. So the first two calls of each traced shape, and every check_every-th call if
    check_every is not 0, are checked: fn runs eagerly too (the first call can reuse the trace
    itself), and TraceMismatch is raised if the graph, an output or a gradient differs.
    fuse=False replays op by op, without fusing sums (for teaching and testing).

    Threads may share a compiled function: calls take turns, each gets its own numbers, and
    a result can backpropagate until the thread that made it calls the function again.
    """
    from .replay import CompiledFunction  # imports numpy

    compiled = CompiledFunction(fn, check_every=check_every, fuse=fuse)
    if example_args:
        compiled.trace(*example_args)
    return compiled


def supported_ops() -> list[str]:
    """The names of the primitives the replay can run (each has an entry in rules.py)."""
    from .rules import ARRAY_RULES

    return list(ARRAY_RULES)


def __getattr__(name: str) -> Any:
    """The classes, imported (with numpy) when first asked for."""
    if name in ("CompiledFunction", "Replayed", "TraceMismatch"):
        from . import replay

        return getattr(replay, name)
    if name == "UnsupportedGraph":
        from .program import UnsupportedGraph

        return UnsupportedGraph
    raise AttributeError(f"module 'autograd.compiled' has no attribute {name!r}")

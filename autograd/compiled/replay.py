"""CompiledFunction: trace a function of Values once, then replay it on new numbers with numpy.

A call writes the arguments and the parameters' current .data into one buffer of values,
runs the program's groups in order (forward), and returns lightweight results. Their
backward() runs the pulls (the chain rule, grouped) and adds each parameter's gradient to its
.grad, exactly where the eager engine's backward() would: optimizers work unchanged.

Threads may share a compiled function: they take turns with its buffers (one lock), and a
result keeps the numbers its backward() needs until its own thread calls again (see _Replay).
The function itself, run eagerly to trace and to check, runs in one thread at a time.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from numbers import Real
from operator import attrgetter
from typing import Any

import numpy as np

from ..functional import gradients
from ..modes import enable_grad, is_anomaly_enabled, is_grad_enabled
from ..value import Value
from .program import (
    BackwardPlan,
    Program,
    as_index,
    backward_plan,
    build_program,
    graph_signature,
    record_graph,
    topological_order_of_all,
)

_data = attrgetter("data")  # a Value's number

# Tracing and checked calls run the function eagerly. It is the caller's code, written to run
# once at a time as an eager step does (nn's modules keep the state of their name scopes in
# themselves), so these runs take turns across threads, whichever compiled function makes
# them. Re-entrant: the function may call a compiled function, itself included.
_eager_runs = threading.RLock()


class TraceMismatch(ValueError):
    """A checked call found that replaying the traced graph would give a wrong answer."""


class Replayed:
    """One output of a compiled call: its number, and backward() as on a Value.

    data: the output's value; backward(grad=1.0) fills in the parameters' .grad (accumulating,
    as Value.backward does). Valid until the thread that made it calls the compiled function
    again on arguments of the same shape; calls from other threads do not change it.
    """

    __slots__ = ("data", "_call", "_output")

    def __init__(self, data: float, call: _Call, output: int) -> None:
        self.data = data
        self._call = call
        self._output = output

    def backward(self, grad: float = 1.0) -> None:
        """Add d(this output)/d(parameter) * grad to every parameter's .grad."""
        self._call.backward(self._output, grad)

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        return f"Replayed(data={self.data!r})"


class CompiledFunction:
    """A function of Values, traced once per argument shape and replayed with numpy.

    Call it like the function, with numbers or arrays of numbers (lists of lists work).
    It returns what the function returns, with each Value replaced by a Replayed.
    """

    def __init__(self, fn: Callable[..., Any], check_every: int = 0, fuse: bool = True) -> None:
        if not callable(fn):
            raise TypeError(f"trace() needs a function, got {type(fn).__name__}: {fn!r}")
        if isinstance(check_every, bool) or not isinstance(check_every, int) or check_every < 0:
            raise ValueError(f"check_every must be an int >= 0, got {check_every!r}")
        self.fn = fn
        self.check_every = check_every
        self.fuse = fuse
        self._replays: dict[tuple, _Replay] = {}  # argument shapes -> traced program
        self._lock = threading.Lock()  # held while a call uses a program's buffers

    def trace(self, *args: Any) -> Program:
        """Trace the function on these example arguments now (a call traces when needed)."""
        return self._replay_for(*_as_arrays(args)).program

    def summary(self) -> str:
        """How each traced shape was compiled: nodes, groups, levels."""
        lines = [f"{_shapes(key)}: {replay.program.summary()}"
                 for key, replay in list(self._replays.items())]
        return "\n".join(lines) if lines else "not traced yet"

    def __call__(self, *args: Any) -> Any:
        if is_anomaly_enabled():
            raise RuntimeError(
                "anomaly detection runs on the eager engine only: inside detect_anomaly(), "
                "call the function itself instead of its compiled version"
            )
        arrays, key = _as_arrays(args)
        replay = self._replay_for(arrays, key)
        checked, eager = replay.count_call(arrays, self.check_every)
        if checked and eager is None:
            eager = self._retrace_and_compare(replay, arrays)
        data, call = replay.run(arrays, is_grad_enabled(), eager)
        if eager is not None:
            _compare_outputs(data, [v.data for v in eager], "output")
        outputs = [Replayed(x, call, i) for i, x in enumerate(data)]
        return _rebuild(replay.template, outputs)

    # --- tracing ---------------------------------------------------------------------------

    def _replay_for(self, arrays: list[np.ndarray], key: tuple) -> _Replay:
        """The program traced for these arguments' shapes; traced now if there is none."""
        replay = self._replays.get(key)
        if replay is None:
            # Tracing runs the function, which is the caller's code: never under the lock.
            # Threads that trace one shape at once all use the trace stored first.
            replay = self._replays.setdefault(key, self._new_replay(arrays))
        return replay

    def _run_eagerly(self, arrays: list[np.ndarray]) -> tuple[Any, list[Value], list[Value]]:
        """Call the function on fresh leaf Values holding the arguments' numbers."""
        inputs = [Value(x) for a in arrays for x in a.ravel().tolist()]
        nested, start = [], 0
        for a in arrays:
            nested.append(_nest(inputs[start:start + a.size], a.shape))
            start += a.size
        try:
            with _eager_runs, enable_grad():
                result = self.fn(*nested)
        except (TypeError, ValueError) as error:
            if hasattr(error, "add_note"):  # Python 3.11+
                error.add_note("(raised while tracing for autograd.compiled: the function "
                               "received its arguments as Values; numbers it needs as plain "
                               "numbers, such as hinge labels, must come from outside it)")
            raise
        template, outputs = _flatten_outputs(result)
        return template, outputs, inputs

    def _new_replay(self, arrays: list[np.ndarray]) -> _Replay:
        template, outputs, inputs = self._run_eagerly(arrays)
        # An input's sample is its row (first index): arguments with one row per example,
        # such as inputs and targets, line up. Scalars belong to no sample.
        samples = [row if a.ndim else None for a in arrays
                   for row in np.arange(a.size) // (a.size // len(a) if a.ndim else 1)]
        graph = record_graph(outputs, inputs, fuse=self.fuse, samples=samples)
        # The trace keeps copies of the caller's arrays: changed in place later, they are new
        # arguments, not the traced ones.
        return _Replay(build_program(graph), template, outputs, [a.copy() for a in arrays],
                       self._lock)

    def _retrace_and_compare(self, replay: _Replay, arrays: list[np.ndarray]) -> list[Value]:
        """Run the function eagerly again and check that it built the same graph."""
        template, outputs, inputs = self._run_eagerly(arrays)
        if template != replay.template:
            raise TraceMismatch(
                f"the function returned {template!r} now but {replay.template!r} when traced; "
                f"a compiled function must return the same structure on every call"
            )
        problem = _structure_difference(replay.program, topological_order_of_all(outputs),
                                        inputs)
        if problem:
            raise TraceMismatch(
                f"the function built a different graph on these arguments than when it was "
                f"traced: {problem}. A compiled function must build the same graph every time: "
                f"Python branches on .data (if x.data > 0), loops over values and Values made "
                f"inside the function change it. Use a primitive (relu, abs) for the branch, "
                f"or run this function eagerly"
            )
        return outputs


class _Replay:
    """One traced program with its buffers, the number of calls, and cached backward plans.

    Threads take turns with the buffers: every use of them (a forward pass, a backward pass,
    adding to .grad) holds the compiled function's lock, under which no caller's code runs,
    so a call from inside the traced function cannot wait on itself. The buffers hold the
    numbers of one call, the owner. A call's results stay valid until its thread calls again;
    when another thread's call is about to overwrite them, the owner's slopes (all that its
    backward reads of its forward pass) are copied into it, and its backward() puts them back.
    A thread calling alone never copies anything: the owner is its own previous call, which
    its new call replaces.

    Why one set of buffers and a lock rather than buffers for each thread: a replay is many
    small numpy calls with Python in between, which hold the GIL for most of their time, so
    threads could not replay side by side anyway. Two threads each stepping a compiled moons
    step of its own (100 points at width 16, and 500 at width 32) took as long as the same
    steps one after the other, or longer. Buffers per thread would add memory and backward
    plans per thread, and no speed. The lock costs a call well under 1% of the moons step.
    """

    def __init__(self, program: Program, template: Any, trace_outputs: list[Value],
                 trace_arrays: list[np.ndarray], lock: threading.Lock) -> None:
        self.program = program
        self.template = template
        # Until the first call: the traced outputs, and the numbers they were computed from
        # (the arguments, copied, and the parameters' .data, which may change before the call)
        self.trace_outputs = trace_outputs
        self.trace_arrays = trace_arrays
        self.trace_params = list(map(_data, program.params))
        self.calls = 0
        self.lock = lock
        self.owner: _Call | None = None  # the call whose numbers the buffers hold
        self.latest = threading.local()  # .call: each thread's latest call
        self.plans: dict[int, BackwardPlan] = {}
        self.input_slots = as_index(program.input_slots.tolist())
        # The argument numbers the graph reads: all of them (None), or only some when fn
        # ignores a few (a feature it skips, an argument it never uses).
        n_numbers = sum(a.size for a in trace_arrays)
        used = program.input_positions
        self.used_inputs = None if np.array_equal(used, np.arange(n_numbers)) else used
        self.param_slots = as_index(program.param_slots.tolist())

    def count_call(self, arrays: list[np.ndarray],
                   check_every: int) -> tuple[bool, list[Value] | None]:
        """Count a new call and say whether it is checked: the first two calls are, and every
        check_every-th. A checked call that has the traced numbers is compared with the trace's
        own outputs (returned here); others (None) run the function again.
        """
        with self.lock:
            calls, self.calls = self.calls, self.calls + 1
            traced = self.trace_outputs
            if traced is not None and not self.has_traced_numbers(arrays):
                traced = None
            self.trace_outputs = self.trace_arrays = self.trace_params = None  # can go now
        if traced is not None:
            return True, traced
        return calls <= 1 or bool(check_every and calls % check_every == 0), None

    def has_traced_numbers(self, arrays: list[np.ndarray]) -> bool:
        """Are these arguments, and the parameters' numbers now, the ones traced?"""
        return (_same_arrays(arrays, self.trace_arrays)
                and list(map(_data, self.program.params)) == self.trace_params)

    def run(self, arrays: list[np.ndarray], with_grads: bool,
            eager: list[Value] | None) -> tuple[list[float], _Call]:
        """A new call: its forward pass, and the _Call its results refer to."""
        call = _Call(self, with_grads, eager)
        with self.lock:
            previous = getattr(self.latest, "call", None)
            if previous is not None:  # this thread's earlier results are replaced
                previous.replaced = True
                previous.saved = None
            self.latest.call = call
            self._set_owner_aside()
            data = self.forward(arrays, with_grads)
            self.owner = call
        return data, call

    def _set_owner_aside(self) -> None:
        """Before the buffers take another call's numbers: keep the owner's slopes in it,
        if its results can still backpropagate."""
        owner = self.owner
        if owner is not None and owner.with_grads and not owner.replaced:
            owner.saved = self.program.save_slopes()
        self.owner = None  # until the buffers hold a whole call's numbers again

    def forward(self, arrays: list[np.ndarray], with_grads: bool) -> list[float]:
        """Fill in every value (and local gradient) of the program; return the outputs."""
        program = self.program
        values = program.values
        if len(program.input_slots):
            numbers = np.concatenate([a.ravel() for a in arrays])
            if self.used_inputs is not None:
                numbers = numbers[self.used_inputs]
            values[self.input_slots] = numbers
        values[self.param_slots] = list(map(_data, program.params))  # each p.data, in C
        with np.errstate(all="ignore"):  # inf and nan propagate, as in the eager engine
            for group in program.groups:
                group.run(with_grads)
        return values[program.output_slots].tolist()

    def backward(self, call: _Call, output: int,
                 seed: float) -> tuple[BackwardPlan, list[float]]:
        """The chain rule over the plan for `output` from `call`'s forward pass: each
        parameter's d output/d p * seed."""
        with self.lock:
            if call.replaced:
                raise RuntimeError(
                    "this result came from an earlier call of the compiled function, which "
                    "its thread has called again since, replacing its results; call "
                    "backward() before calling the function again"
                )
            if self.owner is not call:  # another thread's call used the buffers since
                self._set_owner_aside()
                self.program.restore_slopes(call.saved)
                call.saved = None
                self.owner = call
            plan = self.plans.get(output)
            if plan is None:
                plan = self.plans[output] = backward_plan(self.program, output)
            grads = self.program.grads
            grads[plan.seed_slot] = seed  # d output/d output
            with np.errstate(all="ignore"):
                for pulls, push in plan.steps:
                    for pull in pulls:  # grad = the sum of the contributions of the node's edges
                        pull.run(self.program)
                    if push is not None:  # the chain rule: edges carry local_grad * upstream
                        push.push()
            return plan, grads[plan.param_grad_slots].tolist()

    def add_grads(self, params: list[Value], grads: list[float]) -> None:
        """p.grad += g for each parameter, one call's backward at a time (p.grad += g is a
        read and a write: two threads at once could lose one's gradient)."""
        with self.lock:
            for p, g in zip(params, grads):
                p.grad += g  # leaves accumulate, as in Value.backward


class _Call:
    """One compiled call, which its results' backward() refers to.

    replaced: its thread has called again (its results are no longer valid); saved: its
    slopes, copied out of the buffers while another call's numbers are in them.
    """

    def __init__(self, replay: _Replay, with_grads: bool, eager: list[Value] | None) -> None:
        self.replay = replay
        self.with_grads = with_grads
        self.eager = eager  # the same outputs computed eagerly, when this call is checked
        self.replaced = False
        self.saved: list[np.ndarray] | None = None

    def backward(self, output: int, seed: float) -> None:
        if not self.with_grads:
            raise RuntimeError("this result was computed under no_grad(): it has no graph "
                               "to backpropagate through")
        if isinstance(seed, bool) or not isinstance(seed, Real):
            raise TypeError(f"backward() takes a number, got {type(seed).__name__}: {seed!r}")
        plan, grads = self.replay.backward(self, output, float(seed))
        eager = self.eager
        if eager is not None:
            expected = gradients(eager[output], plan.params)
            self.eager = None  # checked once: let the eager graph go
            _compare_outputs(grads, [g * float(seed) for g in expected], "gradient")
        self.replay.add_grads(plan.params, grads)


# --- arguments and results -------------------------------------------------------------------


def _as_arrays(args: tuple) -> tuple[list[np.ndarray], tuple]:
    """Each argument as a float array, and the tuple of their shapes (which picks the trace)."""
    arrays = []
    for position, arg in enumerate(args):
        try:
            a = np.asarray(arg)
        except ValueError as error:  # ragged lists
            raise ValueError(f"argument {position} is not a rectangular array of numbers "
                             f"(lists of equal-length lists): {error}") from None
        if a.dtype == object or a.dtype.kind not in "biuf":
            kind = "Values" if _holds_value(arg) else f"{a.dtype} items"
            raise TypeError(
                f"argument {position} holds {kind}; a compiled function takes numbers or arrays "
                f"of numbers (its parameters are found by tracing, so pass data, not Values)"
            )
        if a.size == 0:
            raise ValueError(f"argument {position} is empty (shape {a.shape})")
        arrays.append(a.astype(float, copy=False))
    return arrays, tuple(a.shape for a in arrays)


def _same_arrays(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))


def _holds_value(x: object) -> bool:
    return isinstance(x, Value) or (isinstance(x, (list, tuple)) and any(map(_holds_value, x)))


def _nest(items: list, shape: tuple[int, ...]) -> Any:
    """items (in row-major order) as nested lists of the given shape; a scalar for shape ()."""
    if not shape:
        return items[0]
    for size in reversed(shape[1:]):
        items = [items[i:i + size] for i in range(0, len(items), size)]
    return items


def _flatten_outputs(result: Any) -> tuple[Any, list[Value]]:
    """The Values a function returned, in order, and a template to rebuild its structure.

    The template is an output's number for a Value, ("list" or "tuple", [items]) for a list
    or tuple, and ("dict", [(key, item), ...]) for a dict, in its order. Two calls return
    the same structure when their templates are equal (a dict's keys included). Subclasses
    (a namedtuple, an OrderedDict) come back as plain tuples, lists and dicts.
    """
    outputs: list[Value] = []

    def walk(x: Any) -> Any:
        if isinstance(x, Value):
            outputs.append(x)
            return len(outputs) - 1
        if isinstance(x, (list, tuple)):
            return ("tuple" if isinstance(x, tuple) else "list", [walk(item) for item in x])
        if isinstance(x, dict):
            for key in x:
                if isinstance(key, Value):  # it would hold the traced graph, and never be equal
                    raise TypeError(f"a compiled function's dict result must not have Values "
                                    f"as keys, got {key!r}; use names such as 'loss'")
            return ("dict", [(key, walk(item)) for key, item in x.items()])
        raise TypeError(
            f"a compiled function must return Values (or lists, tuples and dicts of them), got "
            f"{type(x).__name__}: {x!r}; a number computed from .data would be frozen at its "
            f"traced value, so return the Values and read their .data after the call"
        )

    template = walk(result)
    return template, outputs


def _rebuild(template: Any, outputs: list[Replayed]) -> Any:
    """The function's result structure with Replayed in place of each Value."""
    if isinstance(template, int):
        return outputs[template]
    kind, items = template
    if kind == "dict":
        return {key: _rebuild(item, outputs) for key, item in items}
    rebuilt = [_rebuild(item, outputs) for item in items]
    return tuple(rebuilt) if kind == "tuple" else rebuilt


def _shapes(key: tuple) -> str:
    return "(" + ", ".join(f"shape {s}" for s in key) + ")" if key else "(no arguments)"


# --- checks ----------------------------------------------------------------------------------

RTOL = 1e-9  # checked calls accept this relative difference (shifts such as logsumexp's max)


def _compare_outputs(replayed: list[float], eager: list[float], what: str) -> None:
    """Raise TraceMismatch when a replayed number differs from the eager engine's."""
    scale = max((abs(x) for x in eager if math.isfinite(x)), default=1.0) or 1.0
    for i, (r, e) in enumerate(zip(replayed, eager)):
        same = r == e or (math.isnan(r) and math.isnan(e))
        if not same and not abs(r - e) <= RTOL * max(abs(e), scale * 1e-3):
            raise TraceMismatch(
                f"{what} {i} is {r!r} in the replay but {e!r} when the function runs eagerly "
                f"on the same arguments: a number the function computed from .data, or read "
                f"from outside its arguments, was frozen when it was traced; pass it as an "
                f"argument (or compare with check_every=1 to find the call where it changed)"
            )


def _structure_difference(program: Program, order: list[Value], inputs: list[Value]) -> str:
    """A description of the first node where a new trace differs from the program's, or ""."""
    params = {p: k for k, p in enumerate(program.params)}
    new = graph_signature(order, params, {x: p for p, x in enumerate(inputs)})
    old = program.signature
    if len(new) != len(old):
        return f"it has {len(new)} nodes now but had {len(old)}"
    for i, (was, now) in enumerate(zip(old, new)):
        if was != now:
            scope = f" (in scope {order[i].scope!r})" if order[i].scope else ""
            return f"node {i}{scope} is {_describe(now)} now but was {_describe(was)}"
    return ""


def _describe(row: tuple) -> str:
    """A signature row in words: "relu reading nodes (3,)", "parameter 5", ..."""
    kind = row[0]
    if kind == "input":
        return f"argument number {row[1]}"
    if kind == "param":
        return f"parameter {row[1]}"
    if kind == "constant":
        return "a constant"
    if kind == "leaf":
        return "a Value made inside the function"
    return f"{kind}{row[1] or ''} reading nodes {row[2]}"

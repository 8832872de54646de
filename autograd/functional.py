"""Derivatives as functions: grad, value_and_grad, hessian, Hessian-vector and Jacobian-vector
products.

`grad(f)` is a new function that returns df/dx. Called with numbers it returns numbers; called
with Values (as another `grad` does) it returns Values that carry their own graph, so
`grad(grad(f))` is the second derivative. No second rule table is needed: the op table's
derivative rules, run on Values instead of floats, record the graph of each local gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Real

from .functions import total
from .graph import topological_order
from .modes import enable_grad
from .value import Value, chain_term, constant, local_grads_as_values


def gradients(output: Value, wrt: Sequence[Value], create_graph: bool = False) -> list:
    """d output / d x for each x in `wrt`, without touching any .grad.

    With create_graph=False the results are floats. With create_graph=True they are Values
    whose graphs lead back to the inputs, ready to be differentiated again. A node that output
    does not depend on has gradient 0.
    """
    if isinstance(output, Real):
        raise TypeError(
            f"gradients() needs a Value output, got the number {output!r}; if it is a "
            f"gradient, compute it with create_graph=True (or with grad()) so that it is a "
            f"Value with a graph"
        )
    if not isinstance(output, Value):
        raise TypeError(f"gradients() needs a Value output, got {type(output).__name__}")
    wrt = list(wrt)
    for x in wrt:
        if not isinstance(x, Value):
            raise TypeError(f"gradients() takes Values to differentiate by, got {x!r}")
    order = topological_order(output)
    grads: dict[int, float | Value] = {id(output): 1.0}  # d output / d output = 1
    with enable_grad():
        for out in reversed(order):  # every consumer of `out` comes before it
            upstream = grads.get(id(out))
            if upstream is None or not out.inputs:
                continue
            local = local_grads_as_values(out) if create_graph else out.local_grads
            for inp, local_grad in zip(out.inputs, local):
                term = chain_term(local_grad, upstream)  # d output/d inp along this edge
                grads[id(inp)] = grads[id(inp)] + term if id(inp) in grads else term
    result = [grads.get(id(x), 0.0) for x in wrt]
    if create_graph:  # a gradient that did not depend on anything is still a Value
        return [g if isinstance(g, Value) else constant(g) for g in result]
    return [float(g) for g in result]


def grad(f: Callable[..., Value], argnums: int | Sequence[int] = 0) -> Callable:
    """The function x -> df/dx (for argnums a tuple: a tuple of partial derivatives)."""
    gradient = value_and_grad(f, argnums)

    def df(*args):
        return gradient(*args)[1]

    df.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return df


def value_and_grad(f: Callable[..., Value], argnums: int | Sequence[int] = 0) -> Callable:
    """The function x -> (f(x), df/dx), computing both in one forward and one backward pass."""
    if not callable(f):
        raise TypeError(f"value_and_grad() needs a function, got {type(f).__name__}")
    single = isinstance(argnums, int)
    indices = (argnums,) if single else tuple(argnums)

    def f_and_df(*args):
        for i in indices:
            if not isinstance(i, int) or not -len(args) <= i < len(args):
                raise ValueError(f"argnums {argnums!r} does not fit {len(args)} argument(s)")
        # Numbers become fresh leaves; Values are used as they are, so an enclosing grad sees
        # the whole computation and can differentiate the result again.
        traced = any(isinstance(a, Value) for a in args)
        inputs, out = _evaluate(f, args)
        grads = gradients(out, [inputs[i] for i in indices], create_graph=traced)
        value = out if traced else out.data
        return value, (grads[0] if single else tuple(grads))

    return f_and_df


def hessian(f: Callable[..., Value]) -> Callable[..., list[list[float]]]:
    """The function x -> the matrix of second derivatives d2f/dxi dxj over all arguments."""

    def h(*args: float) -> list[list[float]]:
        inputs, out = _evaluate(f, args)
        first = gradients(out, inputs, create_graph=True)  # df/dxi, as Values
        return [gradients(df_dxi, inputs) for df_dxi in first]  # d(df/dxi)/dxj

    return h


def hvp(f: Callable[..., Value], primals: Sequence[float], tangents: Sequence[float]) -> list:
    """The Hessian of f at `primals` times the vector `tangents`, without forming the Hessian.

    H v = d/dx (grad f(x) . v): one backward pass with create_graph, then one more.
    """
    _check_tangents("hvp", primals, tangents)
    inputs, out = _evaluate(f, primals)
    first = gradients(out, inputs, create_graph=True)
    directional = total([g * float(v) for g, v in zip(first, tangents)])  # grad f . v, a Value
    return gradients(directional, inputs)


def jvp(f: Callable[..., Value | Sequence[Value]], primals: Sequence[float],
        tangents: Sequence[float]):
    """Forward mode: (f(x), the directional derivative of f at x along `tangents`).

    Each node carries a pair (value, tangent), a dual number: in topological order, a node's
    tangent is the sum over its inputs of local_grad * tangent(input), the chain rule applied
    from the inputs forward instead of from the output backward. One pass per direction, for
    any number of outputs: when f returns a list or tuple of Values, the result is a list of
    values and a list of their directional derivatives, one per output.
    """
    _check_tangents("jvp", primals, tangents)
    inputs = _leaves(primals)
    out = f(*inputs)
    several = isinstance(out, (list, tuple))
    outputs = list(out) if several else [out]
    for position, y in enumerate(outputs):
        if not isinstance(y, Value):
            where = f" at position {position}" if several else ""
            raise TypeError(f"the function must return a Value or a list of Values, got "
                            f"{type(y).__name__}{where}")
    tangent: dict[int, float] = {}
    for x, t in zip(inputs, tangents):
        tangent[id(x)] = tangent.get(id(x), 0.0) + float(t)
    # The outputs' graphs in one order, inputs before the nodes that use them: walks sharing
    # `seen` put a node that several outputs use in the order once, so its tangent is summed
    # once.
    seen: set = set()
    order = [node for y in outputs for node in topological_order(y, seen=seen)]
    for node in order:
        if node.inputs:
            tangent[id(node)] = sum(
                local_grad * tangent.get(id(inp), 0.0)
                for inp, local_grad in zip(node.inputs, node.local_grads)
            )
    values = [y.data for y in outputs]
    derivatives = [tangent.get(id(y), 0.0) for y in outputs]
    return (values, derivatives) if several else (values[0], derivatives[0])


def _evaluate(f: Callable[..., Value], args: Sequence[float | Value]) -> tuple[list, Value]:
    """f called on args, numbers made fresh leaves and Values kept: (the inputs, the output)."""
    inputs = _leaves(args)
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(f"the function must return a Value, got {type(out).__name__}")
    return inputs, out


def _leaves(args: Sequence[float | Value]) -> list[Value]:
    """args as Values: numbers become fresh leaves, Values are kept as they are."""
    inputs = []
    for position, x in enumerate(args):
        if not isinstance(x, (Value, Real)):
            raise TypeError(
                f"argument {position} must be a number or a Value, got {type(x).__name__}"
            )
        inputs.append(x if isinstance(x, Value) else Value(x))
    return inputs


def _check_tangents(name: str, primals: Sequence[float], tangents: Sequence[float]) -> None:
    if len(primals) != len(tangents):
        raise ValueError(f"{name} needs one tangent per primal, got {len(primals)} primals "
                         f"and {len(tangents)} tangents")

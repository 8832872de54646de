"""Composite operations shown as the learner wrote them: a - b, a / b, -a, sqrt(a), a - 2.

The engine has no subtraction or division: `a - b` records two primitives, m = -1 * b and
a + m (see Value.__sub__); `a / b` records p = b ** -1 and a * p; `-a` records -1 * a;
`sqrt(a)` records a ** 0.5; and `a - 2` records a + -2. `composites(order)` finds these shapes
in a graph, so that the renderer and the stepper can show each as the one operation that was
written, with the helper node (m, p, the -1) folded into it; their `primitives=True` shows
what the engine recorded instead.

A composite needs no derivative rule of its own. Its local derivatives are the chain rule
through the primitives it stands for: d(a - b)/db = d(a + m)/dm * d(-1 * b)/db = 1 * -1.
Numerically they are products of the recorded local derivatives; written out, they are the
primitives' rules called one after the other (on symbols, for the stepper's narration).

The shapes are recognised when a graph is shown, never recorded when it is built: + and *
run exactly as fast as before, and a Value stays as small. The price is that `a + -1 * b`,
written so, shows as a - b too: the same numbers, the same derivatives. (A product with an
input that is -1, w * x, is not taken for a negation: -a puts its -1 first.) Only a helper
that nothing else uses, made in the same scope, without a label, is folded; anything else is
shown as the primitives it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .ops import ADD, MUL, POW, PRIMITIVES, Primitive, power

# --- the composites: forward rules and local derivatives, each composed of primitives -------


def _sub_grads(a, b, out):
    # out = a + m with m = -1 * b: d out/da = 1, d out/db = d out/dm * dm/db = 1 * -1
    m = -1.0 * b
    d_a, d_m = ADD.local_grads(a, m, out)
    _, d_b = MUL.local_grads(-1.0, b, m)
    return d_a, d_m * d_b


def _div_grads(a, b, out):
    # out = a * p with p = b ** -1: d out/da = p, d out/db = d out/dp * dp/db = a * (-1 * b ** -2)
    p = power(b, -1.0)
    d_a, d_p = MUL.local_grads(a, p, out)
    (d_b,) = POW.local_grads(b, p, -1.0)
    return d_a, d_p * d_b


SUB = Primitive(
    name="sub", symbol="-", arity=2,
    forward=lambda a, b: ADD.forward(a, MUL.forward(-1.0, b)),
    local_grads=_sub_grads,
    rule="a - b is a + -1 * b, so d(a - b)/da = 1 and d(a - b)/db = 1 * -1 = -1",
)

SUB_NUMBER = Primitive(
    name="sub_number", symbol="-", arity=1, params=("c",),
    forward=lambda a, c: ADD.forward(a, -c),
    local_grads=lambda a, out, c: ADD.local_grads(a, -c, out)[:1],  # d(a + -c)/da = 1
    rule="a - c, for a number c, is a + -c, so d(a - c)/da = 1",
)

NEG = Primitive(
    name="neg", symbol="-", arity=1,
    forward=lambda a: MUL.forward(-1.0, a),
    local_grads=lambda a, out: MUL.local_grads(-1.0, a, out)[1:],  # d(-1 * a)/da = -1
    rule="-a is -1 * a, so d(-a)/da = -1",
)

DIV = Primitive(
    name="div", symbol="/", arity=2,
    forward=lambda a, b: MUL.forward(a, POW.forward(b, -1.0)),
    local_grads=_div_grads,
    rule="a / b is a * b ** -1, so d(a / b)/da = b ** -1 and d(a / b)/db = a * (-1 * b ** -2)",
)

SQRT = Primitive(
    name="sqrt", symbol="sqrt", arity=1,
    forward=lambda a: POW.forward(a, 0.5),
    local_grads=lambda a, out: POW.local_grads(a, out, 0.5),
    rule="sqrt(a) is a ** 0.5, so d sqrt(a)/da = 0.5 * a ** -0.5",
)

COMPOSITES: dict[str, Primitive] = {op.name: op for op in (SUB, SUB_NUMBER, NEG, DIV, SQRT)}

# Every operation a shown node may have: the primitives, and the composites made of them.
OPERATIONS: dict[str, Primitive] = {**PRIMITIVES, **COMPOSITES}


# --- finding them in a graph -----------------------------------------------------------------


@dataclass(frozen=True)
class Composite:
    """One composite found in a graph, at the position of the node it computes.

    inputs: positions (in the topological order) of what it was written with, in the order
    written; local_grads: d node / d each of them; params: a number it carries (the 2 of
    a - 2); folded: positions of the helper nodes it stands for, which are not shown.
    """

    op: Primitive
    inputs: tuple[int, ...]
    local_grads: tuple[float, ...]
    params: tuple[float, ...] = ()
    folded: tuple[int, ...] = ()


def composites(order: Sequence, keep: Iterable = ()) -> dict[int, Composite]:
    """position -> Composite, for each composite in `order` (Values in topological order).

    keep: Values never to fold into another node (the focus of a drawing, say).
    """
    index = {id(value): i for i, value in enumerate(order)}
    uses = Counter(id(inp) for value in order for inp in value.inputs)
    kept = {id(value) for value in keep}

    def private(helper, user) -> bool:  # may `helper` vanish into `user`?
        return (uses[id(helper)] == 1 and not helper.label and helper.scope == user.scope
                and id(helper) not in kept)

    def own(helper) -> tuple[int, ...]:  # a constant that only this helper used goes too
        return (index[id(helper)],) if uses[id(helper)] == 1 else ()

    found: dict[int, Composite] = {}
    folded: set[int] = set()
    for i, value in enumerate(order):  # a - b first: -1 * (b ** -1) is its b, not -1 / b
        if value.op is not ADD or len(value.local_grads) != 2:
            continue
        (a, helper), (d_a, d_helper) = value.inputs, value.local_grads
        if _negation(helper) and private(helper, value):
            minus_one, b = helper.inputs
            found[i] = Composite(SUB, (index[id(a)], index[id(b)]),
                                 (float(d_a), float(d_helper) * float(helper.local_grads[1])),
                                 folded=(index[id(helper)],) + own(minus_one))
            folded.update(found[i].folded)
    for i, value in enumerate(order):  # then a / b
        if i in folded or value.op is not MUL or len(value.local_grads) != 2:
            continue
        (a, helper), (d_a, d_helper) = value.inputs, value.local_grads
        if helper.op is POW and helper.params == (-1.0,) and private(helper, value):
            found[i] = Composite(DIV, (index[id(a)], index[id(helper.inputs[0])]),
                                 (float(d_a), float(d_helper) * float(helper.local_grads[0])),
                                 folded=(index[id(helper)],))
            folded.add(index[id(helper)])
    for i, value in enumerate(order):  # one input: -a, sqrt(a), a - 2, unless folded above
        if i in found or i in folded or not value.inputs:
            continue
        if _negation(value):
            found[i] = Composite(NEG, (index[id(value.inputs[1])],),
                                 (float(value.local_grads[1]),), folded=own(value.inputs[0]))
        elif value.op is POW and value.params == (0.5,):
            found[i] = Composite(SQRT, (index[id(value.inputs[0])],),
                                 (float(value.local_grads[0]),))
        elif (value.op is ADD and len(value.local_grads) == 2 and _negative_number(value.inputs[1])
              and id(value.inputs[1]) not in kept):
            number = value.inputs[1]
            found[i] = Composite(SUB_NUMBER, (index[id(value.inputs[0])],),
                                 (float(value.local_grads[0]),), params=(-number.data,),
                                 folded=own(number))
    return found


def _negation(value) -> bool:
    """Is `value` -1 * b, with the -1 a constant first (as -b and a - b record it)?"""
    return (value.op is MUL and len(value.local_grads) == 2 and value.inputs[0].constant
            and not value.inputs[0].label and value.inputs[0].data == -1.0)


def _negative_number(value) -> bool:
    """Is `value` a constant below zero (the -2 that a - 2 records)?"""
    return value.constant and not value.label and value.data < 0

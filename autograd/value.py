"""Value: one number that remembers how it was computed.

Every operation on Values creates a new Value (a node) that records the op, its inputs (an
ordered tuple: `a * a` has two edges to `a`) and the local gradient d out/d input for each of
them, as plain numbers. `backward()` then walks the graph from the output and applies the chain
rule: each input's grad grows by local_grad * upstream, where upstream is d output/d node.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable
from numbers import Real

from . import ops
from .graph import chain_rule_edges, topological_order
from .modes import AnomalyError, Notes, creation_site, current_mode, enable_grad
from .ops import Primitive


class Value:
    """A scalar node of a computation graph.

    data: the number; grad: d(output of the last backward)/d(this node), a float (a Value
    after backward(create_graph=True): use float(v.grad) where either may come);
    inputs: the Values this one was computed from; local_grads: d(this)/d(each input);
    op: the Primitive that made it (None for leaves); params: that op's constants;
    notes: what the node tells people (a Notes, shared by the nodes made in one name scope),
    each field also an attribute: label, a name for people; scope, the module that made it;
    site, file:line (anomaly mode); constant, True for a number an operator turned into a
    node. Set label or scope (never notes itself): the node then gets notes of its own.
    """

    __slots__ = ("data", "grad", "inputs", "local_grads", "op", "params", "notes",
                 "__weakref__")

    # Let numpy scalars defer to Value's reflected operators: np.float64(2) * v is a Value.
    __array_ufunc__ = None

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _as_float(data)
        if isinstance(label, tuple):  # micrograd's Value(data, _children, _op), for custom ops
            raise TypeError(
                "Value(data, label) takes no inputs: an operation here is an entry of the op "
                "table in autograd/ops.py (forward rule and local derivatives), not a closure"
            )
        _text(label, "label")
        self.grad = 0.0
        self.inputs: tuple[Value, ...] = ()
        self.local_grads: tuple = ()
        self.op: Primitive | None = None
        self.params: tuple = ()
        mode = current_mode()
        self.notes: Notes = mode.notes  # shared with the other nodes of this scope
        if label or mode.anomaly:  # then notes of its own
            site = creation_site() if mode.anomaly else None
            self.notes = self.notes._replace(label=label, site=site)

    # --- building the graph ------------------------------------------------------------------

    # self + other and self * other make nearly every node of a network, so their methods,
    # __add__ and __mul__, are not written here: _binary_operator, after the class, makes each
    # from its op table entry (ADD, MUL), with fewer steps than _apply. Every other operation
    # goes through _apply.

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return _apply(ops.VPOW, (self, exponent))
        if isinstance(exponent, Real):  # a constant exponent is a parameter of the op
            return _apply(ops.POW, (self,), (float(exponent),))
        return NotImplemented

    def __rpow__(self, base: float) -> Value:  # 2 ** v
        return _apply(ops.VPOW, (_operand(base, "**"), self))

    def exp(self) -> Value:
        """e ** self."""
        return _apply(ops.EXP, (self,))

    def log(self) -> Value:
        """Natural logarithm (nan below zero, -inf at zero, as IEEE floats do)."""
        return _apply(ops.LOG, (self,))

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _apply(ops.TANH, (self,))

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e ** -self)."""
        return _apply(ops.SIGMOID, (self,))

    def relu(self) -> Value:
        """max(self, 0)."""
        return _apply(ops.RELU, (self,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """self if self > 0 else slope * self."""
        if not isinstance(slope, Real) or isinstance(slope, bool):
            raise TypeError(f"leaky_relu slope must be a real number, got {slope!r}")
        return _apply(ops.LEAKY_RELU, (self,), (float(slope),))

    def softplus(self) -> Value:
        """log(1 + e ** self), computed without overflow."""
        return _apply(ops.SOFTPLUS, (self,))

    def sin(self) -> Value:
        """Sine."""
        return _apply(ops.SIN, (self,))

    def cos(self) -> Value:
        """Cosine."""
        return _apply(ops.COS, (self,))

    def abs(self) -> Value:
        """Absolute value."""
        return _apply(ops.ABS, (self,))

    # --- composites: built from the primitives above, so they need no derivative rule ---------

    def __neg__(self) -> Value:  # -a = -1 * a
        # The -1 comes first, as in `-1 * a`: drawings and the stepper show this shape as -a
        # (composites.py), and never mistake a product with an input that is -1 (w * x, with
        # x = -1) for a negation.
        return constant(-1.0) * self

    def __sub__(self, other: Value | float) -> Value:  # a - b = a + (-b)
        if isinstance(other, Real):  # a - 1 is a + -1: negate the number, not a node
            return self + -float(other)
        other = _as_value(other)
        return NotImplemented if other is None else self + (-other)

    def __rsub__(self, other: float) -> Value:  # 2 - a
        return _operand(other, "-") + (-self)

    def __truediv__(self, other: Value | float) -> Value:  # a / b = a * b ** -1
        if isinstance(other, Real):  # a / 2 is a * 0.5: invert the number, not a node
            return self * ops.power(float(other), -1.0)  # IEEE: a / 0 is a * inf
        other = _as_value(other)
        return NotImplemented if other is None else self * other**-1

    def __rtruediv__(self, other: float) -> Value:  # 2 / a
        return _operand(other, "/") * self**-1

    # Reflected operators run when the left operand is not a Value. They are the last resort,
    # so they raise a clear TypeError instead of returning NotImplemented.

    def __radd__(self, other: float) -> Value:  # 2 + a, and sum() which starts at 0
        return _operand(other, "+") + self

    def __rmul__(self, other: float) -> Value:  # 2 * a
        return _operand(other, "*") * self

    def __abs__(self) -> Value:
        return self.abs()

    def sqrt(self) -> Value:
        """Square root, as self ** 0.5."""
        return self**0.5

    def __float__(self) -> float:
        return self.data

    # --- micrograd's names, for code written for micrograd and its lecture ---------------------
    # _prev, _op and _backward() let that code (the lecture's draw_dot, its node-by-node
    # backward) run unchanged. chainrule's own code uses .inputs, .op and backward().

    @property
    def _prev(self) -> set[Value]:
        """The inputs as a set, as micrograd keeps them: a*a has {a} here, and two edges."""
        return set(self.inputs)

    @property
    def _op(self) -> str:
        """The op's name as micrograd spells it: '+', '*', '**2', 'ReLU', 'tanh', 'exp'.

        A constant exponent is part of the name ('**2', '**-1', '**0.5'), as micrograd writes
        it; relu is 'ReLU'. Other ops go by their symbol (.op.symbol); a leaf has ''.
        """
        if self.op is None:
            return ""
        if self.op is ops.POW:
            n = self.params[0]
            return f"**{int(n) if n.is_integer() else n}"  # 2.0 as micrograd's '**2'
        if self.op is ops.RELU:
            return "ReLU"
        return self.op.symbol

    def _backward(self) -> None:
        """This node's own step of the chain rule: inp.grad += local_grad * self.grad, per input.

        The manual step of micrograd's lecture: on a fresh graph (every grad still 0), set the
        output's grad to 1, then call _backward() on each node in reverse topological order
        (autograd.topological_order), and every grad is what backward() gives. Each node
        stores its local gradients as numbers, so this is backward()'s loop for one node. A
        leaf has no inputs: nothing to do. The stepper (autograd.step, autograd.walkthrough)
        narrates the same steps.
        """
        for inp, local_grad in zip(self.inputs, self.local_grads):
            inp.grad += local_grad * self.grad  # chain rule; += as inp may feed other nodes

    # --- backpropagation ---------------------------------------------------------------------

    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Fill in .grad of every node this one depends on with d self / d node.

        Leaf gradients accumulate across calls (call zero_grad between steps); intermediate
        gradients are recomputed from zero on every call, so they are always exact.
        With create_graph=True the gradients are Values with graphs of their own, so they
        can be differentiated again (see autograd.functional for grad of grad).
        """
        if not isinstance(grad, Real):
            raise TypeError(f"backward(grad) takes a number, got {type(grad).__name__}: {grad!r}")
        seed = _as_float(grad)
        # A leaf only receives a gradient, so backward walks the other nodes; except with
        # create_graph, which also turns the leaves' gradients into Values at the end.
        order = topological_order(self, leaves=bool(create_graph))
        for node in order:
            if node.inputs:  # (only create_graph's order holds leaves)
                node.grad = 0.0  # intermediates start over: only leaves accumulate
        self.grad += seed
        if create_graph:
            _backward_with_graph(order)
        elif current_mode().anomaly:
            _backward_checked(order)
        else:
            # The edges of graph.chain_rule_edges(order), walked without a generator, and
            # with an index k instead of zip(out.inputs, out.local_grads): a zip object and a
            # tuple per edge cost as much as the multiply-add (half the loop's instructions).
            for out in reversed(order):  # each node after every node that consumed it
                upstream = out.grad  # d self/d out, complete by now
                local_grads = out.local_grads
                k = 0
                for inp in out.inputs:
                    inp.grad += local_grads[k] * upstream  # chain rule; += as inp feeds many
                    k += 1

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        # A Value grad (after backward(create_graph=True)) shows only its number: its own grad
        # may lead back here (after (x * w).backward(create_graph=True), x.grad is w, w.grad x).
        grad = self.grad
        grad = f"Value(data={grad.data!r})" if isinstance(grad, Value) else repr(grad)
        return f"Value(data={self.data!r}, grad={grad}{label})"

    # --- notes for people: label, scope, site, constant (kept together in self.notes) --------

    @property
    def label(self) -> str:
        """A name for people ("" for none): drawings and the stepper show it."""
        return self.notes.label

    @label.setter
    def label(self, text: str) -> None:
        self.notes = self.notes._replace(label=_text(text, "label"))  # shared notes never change

    @property
    def scope(self) -> str:
        """The dotted name of the module that made this node ("" outside modules)."""
        return self.notes.scope

    @scope.setter
    def scope(self, path: str) -> None:  # nn sets each parameter's to its module's path
        self.notes = self.notes._replace(scope=_text(path, "scope"))

    @property
    def site(self) -> str | None:
        """The "file:line" of the user code that made this node, in anomaly mode; else None."""
        return self.notes.site

    @site.setter
    def site(self, _: object) -> None:
        raise AttributeError("Value.site is where the node was made, recorded in anomaly mode "
                             "(autograd.detect_anomaly); it cannot be set")

    @property
    def constant(self) -> bool:
        """True for a number an operator (or constant()) turned into a node."""
        return self.notes.constant

    @constant.setter
    def constant(self, _: object) -> None:
        raise AttributeError("Value.constant tells a number an operator turned into a node "
                             "(autograd.constant makes one); it cannot be set")

    # --- pickle and copy (the machinery is at the end of this file) -----------------------------

    def __reduce__(self) -> tuple:
        """How pickle and copy.deepcopy store this node, with its graph, without recursion."""
        return _reduce(self)

    def __copy__(self) -> Value:
        """copy.copy: a new node with this one's number, grad, inputs, op, params and notes."""
        return _node_from_fields(self.data, self.grad, self.inputs, self.local_grads, self.op,
                                 self.params, self.notes)


# --- helpers ---------------------------------------------------------------------------------


def _as_float(data: object) -> float:
    """data as a float, or a TypeError that names what it was."""
    if type(data) is float:  # the common case, checked cheaply first
        return data
    if isinstance(data, Real):
        try:
            return float(data)
        except OverflowError:  # an int beyond about 1.8e308
            raise ValueError(f"{data!r} is too large for a float (at most about 1.8e308)") from None
    if getattr(data, "ndim", None) == 0 and hasattr(data, "item"):  # a 0-d numpy array
        return _as_float(data.item())
    if isinstance(data, Value):
        raise TypeError(
            f"Value() takes a number, not another Value ({data!r}); use value.data for its number"
        )
    raise TypeError(
        f"Value data must be a real number (int, float or numpy scalar), "
        f"got {type(data).__name__}: {data!r}"
    )


def _text(text: object, field: str) -> str:
    """text, if it is a str; else a TypeError naming the Value field it was given for."""
    if not isinstance(text, str):
        raise TypeError(f"Value {field} must be a str, got {type(text).__name__}: {text!r}")
    return text


def constant(number: float) -> Value:
    """A number as a node of the graph: a leaf marked constant, so drawings tell it from a
    parameter. Operators turn the numbers they meet into these (in `2 * a`, the 2)."""
    if type(number) is not float:  # (a float, the common case, needs no checks)
        if isinstance(number, Value):
            raise TypeError(f"constant() takes a number, not a Value ({number!r})")
        try:
            number = _as_float(number)
        except TypeError:
            raise TypeError(f"constant() takes a real number, got {type(number).__name__}: "
                            f"{number!r}") from None
    return _record(None, number, (), (), (), True)  # a leaf, as Value(x) makes, but faster


def _as_value(x: object) -> Value | None:
    """x itself if a Value, a constant Value if a real number, else None (not an operand)."""
    if isinstance(x, Value):
        return x
    if type(x) is float or type(x) is int or isinstance(x, Real):
        return constant(x)
    return None


def _operand(x: object, symbol: str) -> Value:
    """x as a Value for a reflected operator, or a TypeError naming its type."""
    v = _as_value(x)
    if v is None:
        raise TypeError(
            f"unsupported operand for {symbol}: {type(x).__name__} {x!r} and Value; "
            f"the other operand must be a Value or a real number"
        )
    return v


def _apply(op: Primitive, inputs: tuple[Value, ...], params: tuple = ()) -> Value:
    """Run a primitive on Values: compute its output and its local gradients, record the node."""
    numbers = [x.data for x in inputs]
    data = op.forward(*numbers, *params)  # floats in, a float out
    local_grads = op.local_grads(*numbers, data, *params) if current_mode().grad_enabled else ()
    return _record(op, data, inputs, local_grads, params)


_new_value = Value.__new__  # a bare Value, for _record (and _binary_operator) to fill in


def _record(op: Primitive | None, data: float, inputs: tuple, local_grads: tuple,
            params: tuple = (), is_constant: bool = False) -> Value:
    """The node for `data`, computed by op from inputs, with d data/d input for each input.

    With op None and no inputs it is a leaf (constant() makes constants so). Under
    no_grad every node is a leaf with no history. In anomaly mode a node remembers the line
    of user code that made it, and an operation's non-finite result raises here.
    """
    # Not Value(data): data is a float already. Every slot is set here, as in Value.__init__,
    # twice in _binary_operator (the methods of + and *: the node and a number's leaf) and in
    # _node_from_fields (unpickling): a new slot goes into all five.
    mode = current_mode()
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.params = params
    out.notes = mode.constant_notes if is_constant else mode.notes
    if mode.grad_enabled:
        out.op = op
        out.inputs = inputs
        out.local_grads = local_grads
    else:
        out.op = None
        out.inputs = ()
        out.local_grads = ()
    if mode.anomaly:
        out.notes = out.notes._replace(site=creation_site())
        if op is not None and not math.isfinite(data):  # (op is None for a constant)
            raise AnomalyError(
                f"{op.name} produced {data} from inputs {_describe(inputs, params)}"
                f" at {out.site or 'an unknown place'}"
            )
    return out


def _binary_operator(op: Primitive) -> Callable[[Value, Value | float], Value]:
    """Value's method for `op`, a primitive of two inputs and no params: ADD gives __add__.

    It makes the node _apply(op, (self, other)) makes (a test compares them slot by slot), with
    fewer steps: no lists, op's two rules looked up once, and the node filled in here rather
    than by _record, which saves a call per node. A float operand's constant leaf is filled in
    here too, as constant() would make it: that saves two calls per number, nearly a tenth of
    what a deep chain of `y + 1.0` costs to build and backpropagate. The rules are taken from
    the op table when this module is imported, so an edited rule in autograd/ops.py takes
    effect at the next import (restart the Python session or notebook kernel), as any edit to
    the code does.
    """
    if op.arity != 2 or op.params:
        raise ValueError(f"{op.name}: an operator method needs an op of two inputs, no params")
    forward, local_grads = op.forward, op.local_grads

    def method(self: Value, other: Value | float) -> Value:
        mode = current_mode()  # the switches of this thread (or task)
        if not mode.ordinary:  # anomaly mode or no_grad, the rare cases: _apply has them
            other = _as_value(other)
            return NotImplemented if other is None else _apply(op, (self, other))
        if type(other) is not Value:
            if type(other) is float:  # a number (the 1.0 of y + 1.0): the leaf constant() makes
                leaf = _new_value(Value)
                leaf.data = other
                leaf.grad = 0.0
                leaf.params = ()
                leaf.notes = mode.constant_notes
                leaf.op = None
                leaf.inputs = ()
                leaf.local_grads = ()
                other = leaf
            else:
                other = _as_value(other)
                if other is None:
                    return NotImplemented  # Python then tries other's reflected operator
        x, y = self.data, other.data
        data = forward(x, y)
        out = _new_value(Value)  # every slot set, as _record sets them
        out.data = data
        out.grad = 0.0
        out.params = ()
        out.notes = mode.notes
        out.op = op
        out.inputs = (self, other)
        out.local_grads = local_grads(x, y, data)
        return out

    method.__name__ = f"__{op.name}__"
    method.__qualname__ = f"Value.__{op.name}__"
    method.__doc__ = f"self {op.symbol} other, as a new node: {op.rule}."
    return method


Value.__add__ = _binary_operator(ops.ADD)  # self + other
Value.__mul__ = _binary_operator(ops.MUL)  # self * other


def _describe(inputs: tuple[Value, ...], params: tuple = ()) -> str:
    """The input values of a node for error messages, e.g. "(a=2.0, -1.5)"."""
    parts = [f"{x.label}={x.data!r}" if x.label else repr(x.data) for x in inputs]
    parts += [repr(p) for p in params]
    return "(" + ", ".join(parts) + ")"


def _backward_checked(order: list[Value]) -> None:
    """Backward in anomaly mode: the same loop, raising at the first non-finite gradient."""
    for out, inp, local_grad in chain_rule_edges(order):
        inp.grad += local_grad * out.grad
        if not math.isfinite(inp.grad):
            raise _gradient_anomaly(out, inp.grad, local_grad)


def _gradient_anomaly(out: Value, grad: float, local_grad: object) -> AnomalyError:
    """The error for a gradient that turned inf or nan flowing back through `out`."""
    return AnomalyError(
        f"gradient became {float(grad)} flowing back through {out.op.name} with inputs "
        f"{_describe(out.inputs, out.params)} created at {out.site or 'an unknown place'}: "
        f"local gradient {float(local_grad)!r} times upstream gradient {float(out.grad)!r}"
    )


def local_grads_as_values(node: Value) -> tuple:
    """The node's local gradients recomputed as Values, by calling its rule on Values.

    The same rule that gave the numbers in node.local_grads, run on the input nodes and the
    node itself, records how each local gradient depends on them: the graph that makes a
    second derivative possible.
    """
    if node.op is None:
        return ()
    with enable_grad():
        return node.op.local_grads(*node.inputs, node, *node.params)


def chain_term(local_grad: float | Value, upstream: float | Value) -> float | Value:
    """local_grad * upstream, the chain rule along one edge; a number 1 is not multiplied.

    Gradient graphs then show only the real work: the output's own gradient, 1, would
    otherwise add a "* 1" node to every path.
    """
    if type(upstream) is float and upstream == 1.0:
        return local_grad
    if type(local_grad) is float and local_grad == 1.0:
        return upstream
    return local_grad * upstream


def _is_zero(x: float | Value) -> bool:
    return type(x) is float and x == 0.0


def _backward_with_graph(order: list[Value]) -> None:
    """Backward where every gradient is itself recorded as a graph of Values."""
    anomaly = current_mode().anomaly
    with enable_grad():
        for out in reversed(order):
            for inp, local_grad in zip(out.inputs, local_grads_as_values(out)):
                term = chain_term(local_grad, out.grad)
                # a new Value, not an update; a gradient still at 0 simply becomes the term
                inp.grad = term if _is_zero(inp.grad) else inp.grad + term
                if anomaly and not math.isfinite(float(inp.grad)):
                    raise _gradient_anomaly(out, inp.grad, local_grad)
    for node in order:  # a rule's plain number (a sum's 1, relu's 0) becomes a constant Value
        if not isinstance(node.grad, Value):
            node.grad = constant(node.grad)


# --- pickle and copy.deepcopy of a graph, without recursion ------------------------------------
#
# pickle (and copy.deepcopy) store an object as a function to call and its arguments, and store
# each argument the same way: a node's inputs, then theirs, and so on. A chain of 100,000 nodes
# would nest 100,000 calls deep, far past Python's recursion limit. So a node met on its own is
# stored as its whole graph, _graph_output([every node, inputs before the nodes that use them],
# gradient pairs, node). pickle stores that list item by item, and when it comes to a node, the
# node's inputs came before it: pickle's memo (each object is stored once, and referred to
# after) has them, so the node adds only its own fields, with no recursion. The memo also keeps
# identity: a node reached twice (a * a, a diamond, or two outputs of one graph pickled
# together) is one node again after loading.
#
# So a node stores itself in one of two ways: by its fields, when pickle reached it from such a
# list (or when it is a leaf), else as its whole graph. Each item of the list is an _InOrder,
# which pickle asks how to store just before it stores the item's node: it notes, for its
# thread, that its node comes next in order. The next node pickle stores reads the note and
# clears it. (A node already in pickle's memo is not asked again: the next item replaces the
# note.) One topological walk per node met on its own, none per node in a list: a chain of n
# nodes costs n steps, not n ** 2. (Each node of a long chain pickled on its own would cost a
# walk each: pickle the outputs, or a list that begins with them.) The note is a weak reference
# to the item, which lives as long as the pickling that holds it: an interrupted pickle.dumps
# leaves no note. One can outlast its pickling only if that stopped between an item and its
# node while something keeps the item (a Pickler object kept after its dump raised, or a
# traceback that keeps copy.deepcopy's frames): then the next node stored in that thread, if it
# is the note's node, is stored by its fields; its inputs, new to that pickle, each come as a
# graph of their own (one level deeper, no more), and a Value gradient of that one node would
# be left at 0.0 (see below).
#
# A gradient that is a Value (after backward(create_graph=True)) has a graph of its own, which
# can lead back here: after (x * w).backward(create_graph=True), x.grad is w and w.grad is x.
# Storing it with its node could nest gradient in gradient without end; so the list holds the
# gradients' graphs too (and their gradients', each node once), a node in the list is stored
# with 0.0 in place of a Value gradient, and the gradients follow the list as (node, gradient)
# pairs, when every node they name is stored.


class _PickleNote(threading.local):
    """Per thread: the list item whose node pickle stores next (a weak reference), or None."""

    next_in_order: weakref.ref | None = None


_pickle_note = _PickleNote()


class _InOrder:
    """An item of a pickled graph's list: its node is stored by the node's own fields."""

    __slots__ = ("node", "__weakref__")

    def __init__(self, node: Value) -> None:
        self.node = node

    def __reduce__(self) -> tuple:
        # pickle stores the node right after this call (or finds it in its memo). Loading
        # calls _same(node), so the loaded list holds the nodes themselves.
        _pickle_note.next_in_order = weakref.ref(self)
        return _same, (self.node,)


def _same(x: object) -> object:
    return x


def _reduce(node: Value) -> tuple:
    """Value.__reduce__: the node by its fields, when in order or a leaf; else its graph."""
    note = _pickle_note.next_in_order
    _pickle_note.next_in_order = None
    item = note() if note is not None else None
    if (item is not None and item.node is node) or (
        not node.inputs and not isinstance(node.grad, Value)
    ):
        # Its inputs are in pickle's memo (earlier in the list), or it has none. A Value
        # gradient comes in the pairs after the list: 0.0 stands in until then.
        grad = 0.0 if isinstance(node.grad, Value) else node.grad
        return _node_from_fields, (node.data, grad, node.inputs, node.local_grads, node.op,
                                   node.params, node.notes)
    order = _graph_and_gradients(node)
    value_grads = [(n, n.grad) for n in order if isinstance(n.grad, Value)]
    return _graph_output, ([_InOrder(n) for n in order], value_grads, node)


def _graph_and_gradients(node: Value) -> list[Value]:
    """The nodes `node` depends on and those its Value gradients depend on, and so on, each
    after its inputs, each once."""
    seen: set[Value] = set()
    order = topological_order(node, seen=seen)
    k = 0
    while k < len(order):  # the gradients of the nodes ordered so far, and theirs
        grad = order[k].grad
        if isinstance(grad, Value) and grad not in seen:
            order += topological_order(grad, seen=seen)
        k += 1
    return order


def _node_from_fields(data: float, grad: float, inputs: tuple, local_grads: tuple,
                      op: Primitive | None, params: tuple, notes: Notes) -> Value:
    """A node with these fields (how a pickled node is loaded; every slot is set here)."""
    node = _new_value(Value)
    node.data = data
    node.grad = grad
    node.inputs = inputs
    node.local_grads = local_grads
    node.op = op
    node.params = params
    node.notes = notes
    return node


def _graph_output(nodes: list[Value], value_grads: list[tuple[Value, Value]],
                  output: Value) -> Value:
    """A loaded graph's output, once the Value gradients are in place (`nodes`, all of the
    graph in order, was there so that pickle would store them in that order)."""
    for node, grad in value_grads:
        node.grad = grad
    return output

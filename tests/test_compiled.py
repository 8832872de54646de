"""The compiled replay, checked against the eager engine it must equal.

Every primitive of ops.PRIMITIVES has an array rule that matches its scalar rule, and a
replayed function gives the eager losses and gradients within 1e-12 relative: for each
primitive, for MLPs (fused neurons too) over several training steps, for reused nodes, with and
without fusion.
Graphs that change with the numbers are caught, and bad input fails with a clear error.
"""

from __future__ import annotations

import collections
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import PRIMITIVES, Value, detect_anomaly, no_grad, ops, relu, total, weighted_sum
from autograd.compiled import TraceMismatch, UnsupportedGraph, supported_ops, trace
from autograd.compiled.rules import ARRAY_RULES

ROOT = Path(__file__).resolve().parent.parent
RTOL = 1e-12


def assert_close(replayed: list[float], eager: list[float]) -> None:
    """Equal within RTOL relative to each number (nan equals nan)."""
    assert len(replayed) == len(eager)
    for r, e in zip(replayed, eager):
        if math.isnan(e):
            assert math.isnan(r)
        else:
            assert r == pytest.approx(e, rel=RTOL, abs=1e-300), (r, e)


def eager_and_replayed(fn, params: list[Value], *args, fuse: bool = True):
    """(loss, grads) from the eager engine and from a compiled replay, on the same args."""
    for p in params:
        p.grad = 0.0
    loss = fn(*[_as_values(a) for a in args])
    loss.backward()
    eager = (loss.data, [p.grad for p in params])
    for p in params:
        p.grad = 0.0
    compiled = trace(fn, fuse=fuse)
    result = compiled(*args)
    result.backward()
    return eager, (result.data, [p.grad for p in params])


def _as_values(a):
    array = np.asarray(a, dtype=float)
    if array.ndim == 0:
        return Value(float(array))
    return [_as_values(row) for row in array]


# --- the array rules mirror the op table -----------------------------------------------------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 0.3, -0.7, 30.0, -30.0, 800.0, -800.0,
           math.inf, -math.inf, math.nan]
PARAMS = {"pow": [(2.0,), (0.5,), (-1.0,), (3.0,), (-2.0,), (1.5,)], "leaky_relu": [(0.01,)]}


@pytest.mark.parametrize("name", list(PRIMITIVES))
def test_every_primitive_has_an_array_rule(name):
    assert name in ARRAY_RULES
    assert name in supported_ops()


@pytest.mark.parametrize("name", list(PRIMITIVES))
def test_array_rule_matches_the_scalar_rule(name):
    op = PRIMITIVES[name]
    rule = ARRAY_RULES[name]
    if op.arity == 1:
        inputs = [(a,) for a in SPECIAL]
    elif op.arity == 2:
        inputs = [(a, b) for a in SPECIAL for b in SPECIAL]
    else:  # any number of inputs (sum, weighted_sum): three, b + w0 * x0 for weighted_sum
        inputs = [(a, b, c) for a in SPECIAL for b in SPECIAL for c in SPECIAL]
    for params in PARAMS.get(name, [()]):
        columns = [np.array(column) for column in zip(*inputs)]
        with np.errstate(all="ignore"):
            out = rule.forward(*columns, *params)
            slopes = rule.local_grads(*columns, out, *params)
        for m, xs in enumerate(inputs):
            expected = op.forward(*xs, *params)
            assert_close([float(out[m])], [expected])
            for slope, want in zip(slopes, op.local_grads(*xs, expected, *params)):
                got = slope[m] if isinstance(slope, np.ndarray) else slope
                assert_close([float(got)], [float(want)])


def test_the_weighted_sum_rule_adds_from_the_left_as_the_scalar_rule():
    # b + w0 * x0 + w1 * x1 with b = 1e16 and both products 1.0: from the left each + 1.0
    # rounds away (1e16 + 1 is a tie, rounded to the even 1e16), so the sum is 1e16; adding
    # the products first would give 1e16 + 2. Other columns mix in signs, zeros and inf.
    rule, op = ARRAY_RULES["weighted_sum"], PRIMITIVES["weighted_sum"]
    rows = [(1e16, 1.0, 1.0, 2.0, 0.5), (-0.0, -0.0, 1.0, 0.0, -3.0),
            (0.3, -0.7, 2.5, math.inf, 0.0), (1.0, 30.0, -800.0, -1.0, math.nan)]
    columns = [np.array(column) for column in zip(*rows)]
    with np.errstate(all="ignore"):
        out = rule.forward(*columns)
        slopes = rule.local_grads(*columns, out)
    assert out[0] == 1e16
    for m, xs in enumerate(rows):
        expected = op.forward(*xs)
        assert repr(float(out[m])) == repr(expected)  # the same bits, -0.0 and nan included
        want = op.local_grads(*xs, expected)  # (1, x0, w0, x1, w1)
        got = [s[m] if isinstance(s, np.ndarray) else s for s in slopes]
        assert [repr(float(g)) for g in got] == [repr(float(g)) for g in want]


# --- each primitive, replayed over a batch ---------------------------------------------------


def _primitive_loss(name: str, w: Value, b: Value):
    """A loss that sends a batch of inputs through one primitive, with parameters on both sides."""

    def loss(xs):
        out = Value(0.0)
        for x in xs:
            z = x * w + b  # values in a range where every primitive is finite
            if name == "add":
                y = z + w
            elif name == "sum":  # a product, a term used twice and a constant among the terms
                y = total([z * w, z, 2.0, z])
            elif name == "mul":
                y = z * w
            elif name == "pow":
                y = z ** 3
            elif name == "vpow":
                y = (z * z + 1.0) ** w
            elif name == "log":
                y = (z * z + 1.0).log()
            elif name == "leaky_relu":
                y = z.leaky_relu(0.1)
            elif name == "weighted_sum":  # w a weight and an input, z read thrice, a constant
                y = weighted_sum([w, z, 2.0], [z, w, z], b)
            else:
                y = getattr(z, name)()
            out = out + y * x
        return out

    return loss


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "op-by-op"])
@pytest.mark.parametrize("name", list(PRIMITIVES))
def test_replay_equals_eager_for_every_primitive(name, fuse):
    w, b = Value(0.7), Value(-0.3)
    xs = [-1.5, -0.4, 0.0, 0.25, 0.9, 2.0]
    eager, replayed = eager_and_replayed(_primitive_loss(name, w, b), [w, b], xs, fuse=fuse)
    assert_close([replayed[0]], [eager[0]])
    assert_close(replayed[1], eager[1])


def test_the_test_above_uses_every_primitive():
    # out = the ops recorded by each case: a new primitive must get a case in _primitive_loss
    for name in PRIMITIVES:
        w, b = Value(0.7), Value(-0.3)
        out = _primitive_loss(name, w, b)([Value(0.5)])
        ops_used = {node.op.name for node in _nodes(out) if node.op is not None}
        assert name in ops_used


def _nodes(root: Value) -> list[Value]:
    from autograd import topological_order

    return topological_order(root)


# --- networks --------------------------------------------------------------------------------


def _moons_setup(seed: int = 0):
    X, y = nn.make_moons(40, noise=0.1, seed=1)
    labels = [2 * int(label) - 1 for label in y]
    model = nn.MLP(2, [8, 8, 1], seed=seed)
    return X, labels, model


def test_mlp_step_equals_eager_in_loss_and_every_gradient():
    X, labels, model = _moons_setup()

    def step_loss(points):
        scores = [model(p) for p in points]
        return nn.hinge(scores, labels) + nn.l2_penalty(model.parameters(), 1e-4)

    eager, replayed = eager_and_replayed(step_loss, model.parameters(), X)
    assert_close([replayed[0]], [eager[0]])
    assert_close(replayed[1], eager[1])


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "op-by-op"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_a_fused_neuron_mlp_step_equals_eager_in_loss_and_every_gradient(activation, fuse):
    # nn.MLP(..., fused=True) records each neuron's b + w0*x0 + ... as one weighted_sum node;
    # the replay runs it fused into a sum of products (fuse) or as the op itself (op by op).
    X, y = nn.make_moons(30, noise=0.1, seed=2)
    labels = [2 * int(label) - 1 for label in y]
    model = nn.MLP(2, [16, 16, 1], activation=activation, seed=5, fused=True)

    def step_loss(points):
        return nn.hinge([model(p) for p in points], labels) + nn.l2_penalty(
            model.parameters(), 1e-4)

    eager, replayed = eager_and_replayed(step_loss, model.parameters(), X, fuse=fuse)
    assert_close([replayed[0]], [eager[0]])
    assert_close(replayed[1], eager[1])
    if activation == "relu":  # only +, * and relu: the same numbers to the last bit
        assert replayed == eager


def test_a_fused_neuron_mlp_compiles_to_the_program_of_the_unfused_one():
    # With fuse, the unfused neuron's products and sum node become one sum of products, which
    # is what a weighted_sum node is: the same program, traced from far fewer nodes.
    X, labels, _ = _moons_setup()

    def hinge_loss(model):
        return lambda points: nn.hinge([model(p) for p in points], labels)

    fused_model = nn.MLP(2, [16, 16, 1], seed=0, fused=True)
    unfused = trace(hinge_loss(nn.MLP(2, [16, 16, 1], seed=0))).trace(X)
    fused = trace(hinge_loss(fused_model)).trace(X)
    assert fused.n_traced < unfused.n_traced / 3  # a node per neuron, not 2 * 16 + 1 of them
    assert (len(fused.groups), fused.levels) == (len(unfused.groups), unfused.levels)
    assert len(fused.reads) == len(unfused.reads)  # computed nodes
    # op by op, the weighted sums are a primitive of their own
    assert "weighted_sum" in trace(hinge_loss(fused_model), fuse=False).trace(X).summary()


@pytest.mark.parametrize("fused", [False, True], ids=["neurons", "fused neurons"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus", "leaky_relu"])
def test_mlp_training_with_compiled_steps_follows_the_eager_run(activation, fused):
    X, y = nn.make_moons(24, noise=0.1, seed=3)
    targets = [float(t) for t in y]

    def run(compiled: bool) -> tuple[list[float], list[float]]:
        model = nn.MLP(2, [6, 1], activation=activation, seed=4, fused=fused)
        optimizer = nn.Adam(model.parameters(), lr=0.05)

        def step_loss(points, ts):
            return nn.mse([model(p) for p in points], [t for t in ts])

        loss_fn = trace(step_loss) if compiled else None
        losses = []
        for _ in range(5):
            if compiled:
                loss = loss_fn(X, targets)
            else:
                loss = step_loss([[Value(a) for a in p] for p in X.tolist()],
                                 [Value(t) for t in targets])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.data)
        return losses, [p.data for p in model.parameters()]

    eager_losses, eager_params = run(compiled=False)
    replay_losses, replay_params = run(compiled=True)
    assert_close(replay_losses, eager_losses)
    assert_close(replay_params, eager_params)


def test_cross_entropy_with_one_hot_targets_as_arguments():
    from autograd import log_softmax

    model = nn.MLP(4, [5, 3], seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 4))
    onehot = np.eye(3)[rng.integers(0, 3, size=7)]

    def loss(xs, ts):
        rows = [sum(-t * lp for t, lp in zip(trow, log_softmax(model.forward(x))))
                for x, trow in zip(xs, ts)]
        return sum(rows) * (1.0 / len(rows))

    eager, replayed = eager_and_replayed(loss, model.parameters(), X, onehot)
    assert_close([replayed[0]], [eager[0]])
    assert_close(replayed[1], eager[1])


# --- reused nodes and shapes of graphs -------------------------------------------------------


def test_a_node_used_twice_by_one_op():
    w = Value(1.5)
    eager, replayed = eager_and_replayed(lambda x: (x * w) * (x * w) + w * w, [w], 2.0)
    # d/dw ((2w)^2 + w^2) = 8w + 2w = 15
    assert replayed == eager
    assert replayed[1] == [15.0]


def test_a_node_read_by_many_nodes_and_a_diamond():
    w, v = Value(0.5), Value(-1.25)

    def f(xs):
        shared = w * v + w  # read by every term below
        diamond = (shared + shared) * (shared * xs[0])
        return sum((shared * x).tanh() for x in xs) + diamond + (xs[1] + w) + (xs[1] + w)

    eager, replayed = eager_and_replayed(f, [w, v], [0.3, -0.8, 1.7])
    assert_close([replayed[0]], [eager[0]])
    assert_close(replayed[1], eager[1])


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "op-by-op"])
def test_weighted_sums_with_reused_weights_and_shared_inputs(fuse):
    w, v, b = Value(0.5), Value(-1.25), Value(0.1)

    def f(xs):
        # w is two weights of each node and v both a weight and an input; x and the hidden
        # values are read by several nodes, and the last sum's bias is a weighted sum as well.
        hidden = [weighted_sum([w, v, w], [x, x, v], b).tanh() for x in xs]
        bias = weighted_sum([v, w], [hidden[0], hidden[1]], hidden[2])
        return weighted_sum(hidden, [h * w for h in hidden], bias) + total(hidden)

    eager, replayed = eager_and_replayed(f, [w, v, b], [0.3, -0.8, 1.7], fuse=fuse)
    assert_close([replayed[0]], [eager[0]])
    assert_close(replayed[1], eager[1])


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "op-by-op"])
def test_a_sum_that_starts_with_a_weighted_sum_keeps_the_eager_order(fuse):
    # (v + w) + v*x + w*y + x = 1 + 1e16 + 1 - 1e16 + 1. From the left both ones before
    # -1e16 round away (1e16 + 1 is a tie, rounded to the even 1e16), so the loss is 1.0;
    # with the two products swapped it would be 1e16 - 1e16 + 1 + 1 = 2.0. Fused, the add
    # unrolls the weighted sum (read by nothing else) and that unrolls its bias, a sum read
    # only by it: one sum of five terms.
    w, v = Value(1e16), Value(1.0)

    def f(x, y):
        return weighted_sum([v, w], [x, y], total([v, w])) + x

    eager, replayed = eager_and_replayed(f, [w, v], 1.0, -1.0, fuse=fuse)
    assert replayed == eager
    assert replayed[0] == 1.0
    if fuse:
        assert len(trace(f).trace(1.0, -1.0).reads) == 1  # one computed node


def test_sums_whose_right_operand_is_also_a_sum_keep_the_eager_order():
    w = Value(1e16)
    # (w + x) + (y + z): the right sum is a term of its own, added after, as eagerly
    eager, replayed = eager_and_replayed(lambda x, y, z: (w + x) + (y + z) - w * 1.0,
                                         [w], 1.0, 1.0, -1.0)
    assert replayed == eager


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "op-by-op"])
def test_sum_nodes_of_any_length_keep_the_eager_order(fuse):
    # Next to 1e16, adding 1.0 or 3.0 rounds: v + w + x + x - 1e16 is 8.0 from the left but 9.0
    # from the right, so only the eager order gives the eager loss (and the eager gradient of
    # v, whose contributions are 1e16 and small numbers). Sums of different lengths sit at one
    # level, so they need groups of their own; `nested` (and the last sum) start with a sum,
    # which fusion unrolls into its terms.
    w, v = Value(1e16), Value(1.0)

    def f(x):
        short = total([v, x])
        middle = total([w * v, v, x, -w])
        long = total([v, w, x, x, -1e16])  # x twice, and a constant
        nested = total([total([w, v, v]), -w, x * v])
        return total([short, middle, long, nested]) * v

    eager, replayed = eager_and_replayed(f, [w, v], 3.0, fuse=fuse)
    assert replayed == eager


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "op-by-op"])
def test_a_sum_of_negative_zeros_keeps_its_sign_as_in_the_eager_engine(fuse):
    w = Value(-0.0)

    def f(x):
        return [total([w * x, w * x, w]), w * x + w]  # -0.0 + -0.0 (+ -0.0) is -0.0

    eager = [repr(out.data) for out in f(Value(1.0))]
    replayed = [repr(out.data) for out in trace(f, fuse=fuse)(1.0)]
    assert replayed == eager == ["-0.0", "-0.0"]


def test_gradients_accumulate_across_backward_calls_as_on_values():
    w = Value(3.0)
    f = trace(lambda x: w * x * 2.0)
    result = f(5.0)
    result.backward()
    result.backward()
    assert w.grad == 20.0  # 2 * (5 * 2)


def test_backward_takes_a_seed_gradient():
    w = Value(3.0)
    result = trace(lambda x: w * x)(5.0)
    result.backward(2.0)
    assert w.grad == 10.0


def test_backward_from_one_of_several_outputs():
    w = Value(0.5)

    def f(xs):
        scores = [w * x for x in xs]
        return (sum(s * s for s in scores), scores)

    loss, scores = trace(f)([1.0, 2.0])
    assert isinstance(scores, list) and len(scores) == 2
    assert scores[1].data == 1.0
    scores[1].backward()  # d(2w)/dw: the loss, which reads the scores, must not leak in
    assert w.grad == 2.0
    w.grad = 0.0
    loss.backward()  # d(w^2 + 4w^2)/dw = 10w = 5
    assert w.grad == 5.0


def test_a_function_may_return_a_dict_of_values():
    w = Value(0.5)

    def f(xs):
        scores = [w * x for x in xs]
        return {"scores": scores, "loss": sum(s * s for s in scores)}

    result = trace(f)([1.0, 2.0])
    assert list(result) == ["scores", "loss"] and isinstance(result["scores"], list)
    assert [s.data for s in result["scores"]] == [0.5, 1.0]
    result["loss"].backward()  # d(w^2 + 4w^2)/dw = 10w = 5
    assert w.grad == 5.0


def test_results_in_a_namedtuple_come_back_as_a_plain_tuple():
    w = Value(0.5)
    pair = collections.namedtuple("Pair", "first second")
    result = trace(lambda x: pair(w * x, [w + x]))(2.0)
    assert type(result) is tuple and result[0].data == 1.0 and result[1][0].data == 2.5


def test_a_dict_result_with_values_as_keys_is_an_error():
    w = Value(0.5)
    with pytest.raises(TypeError, match="must not have Values as keys"):
        trace(lambda x: {w * x: w * x})(1.0)


def test_a_dict_whose_keys_change_is_another_structure():
    w = Value(0.5)
    key = ["first"]
    compiled = trace(lambda x: {key[0]: w * x})
    assert compiled(1.0)["first"].data == 0.5
    key[0] = "second"
    with pytest.raises(TraceMismatch, match="same structure"):
        compiled(2.0)  # the second call is checked: it runs the function again


def test_infinities_and_nans_propagate_as_in_the_eager_engine():
    w = Value(-1.0)
    eager, replayed = eager_and_replayed(lambda x: (w * x).log() + (w * 0.0) ** -1.0, [w], 2.0)
    assert math.isnan(eager[0]) and math.isnan(replayed[0])
    assert_close(replayed[1], eager[1])


def test_each_argument_shape_gets_its_own_trace():
    w = Value(2.0)
    f = trace(lambda xs: sum(w * x for x in xs))
    assert f([1.0, 2.0]).data == 6.0
    assert f([1.0, 2.0, 3.0]).data == 12.0
    assert f(np.array([4.0, 5.0])).data == 18.0
    assert len(f.summary().splitlines()) == 2


def test_no_grad_calls_compute_values_only():
    w = Value(2.0)
    f = trace(lambda x: w * x)
    with no_grad():
        result = f(3.0)
    assert result.data == 6.0
    with pytest.raises(RuntimeError, match="no_grad"):
        result.backward()


def test_summary_describes_the_fusion():
    X, labels, model = _moons_setup()
    f = trace(lambda points: nn.hinge([model(p) for p in points], labels), X)
    assert "sum" in f.summary() and "relu" in f.summary() and "groups" in f.summary()


# --- graphs that change, and bad input -------------------------------------------------------


def test_a_python_branch_on_data_is_caught_on_the_first_replay():
    w = Value(1.0)

    def f(x):
        y = w * x
        return y.tanh() if y.data > 0 else y.sigmoid()  # the graph depends on the number

    compiled = trace(f)
    compiled(1.0).backward()
    with pytest.raises(TraceMismatch, match="different graph"):
        compiled(-1.0)


def test_relu_branches_inside_the_primitive_and_is_fine():
    w = Value(1.0)
    compiled = trace(lambda x: relu(w * x) * 3.0)
    for x in (1.0, -1.0, 2.0):
        w.grad = 0.0
        compiled(x).backward()
        assert w.grad == (3.0 * x if x > 0 else 0.0)


def test_data_frozen_from_a_closure_is_caught():
    w = Value(1.0)
    data = {"x": 2.0}
    compiled = trace(lambda: w * data["x"])
    compiled().backward()
    data["x"] = 5.0  # the traced 2.0 is baked into the graph as a constant
    with pytest.raises(TraceMismatch, match="frozen"):
        compiled()


def test_check_every_catches_a_later_change():
    w = Value(1.0)
    data = {"x": 2.0}
    compiled = trace(lambda: w * data["x"], check_every=3)
    for _ in range(2):
        compiled().backward()
    data["x"] = 5.0
    compiled()  # unchecked: call 3
    with pytest.raises(TraceMismatch):
        compiled()  # call 4 is checked


def test_returning_a_number_is_an_error():
    w = Value(1.0)
    with pytest.raises(TypeError, match="frozen"):
        trace(lambda x: (w * x, (w * x).data))(1.0)


def test_values_as_arguments_are_an_error():
    with pytest.raises(TypeError, match="pass data, not Values"):
        trace(lambda x: x * 2.0)([Value(1.0)])


def test_ragged_arguments_are_an_error():
    with pytest.raises(ValueError, match="rectangular"):
        trace(lambda x: x[0][0] * 2.0)([[1.0, 2.0], [3.0]])


def test_text_arguments_are_an_error():
    with pytest.raises(TypeError, match="argument 0"):
        trace(lambda x: x * 2.0)("abc")


def test_a_stale_result_cannot_backpropagate():
    w = Value(1.0)
    f = trace(lambda x: w * x)
    first = f(1.0)
    f(2.0)
    with pytest.raises(RuntimeError, match="earlier call"):
        first.backward()


def test_anomaly_mode_asks_for_the_eager_engine():
    w = Value(1.0)
    f = trace(lambda x: w * x, 1.0)
    with detect_anomaly(), pytest.raises(RuntimeError, match="eager"):
        f(1.0)


def test_an_op_without_an_array_rule_is_refused():
    from autograd.value import _apply

    cube = ops.Primitive(name="cube", symbol="cube", arity=1, forward=lambda a: a ** 3,
                         local_grads=lambda a, out: (3 * a * a,), rule="d a^3/da = 3 a^2")
    w = Value(2.0)
    with pytest.raises(UnsupportedGraph, match="cube"):
        trace(lambda x: _apply(cube, (w * x,)), 1.0)


def test_bad_options_are_errors():
    with pytest.raises(TypeError, match="function"):
        trace(3)
    with pytest.raises(ValueError, match="check_every"):
        trace(lambda: None, check_every=-1)


def test_importing_the_compiled_module_does_not_import_numpy():
    code = ("import sys, autograd.compiled; "
            "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "False"


def test_a_compiled_function_keeps_no_traced_values_alive():
    # Live Values are objects Python's garbage collector keeps scanning: a compiled step
    # must not keep its traced graph, or every eager step in the process slows down.
    import gc

    def live_values() -> int:
        gc.collect()
        return sum(type(o) is Value for o in gc.get_objects())

    X, labels, model = _moons_setup()
    before = live_values()  # the model's parameters, and whatever earlier tests left alive
    f = trace(lambda points: nn.hinge([model(p) for p in points], labels), X)
    for _ in range(3):
        f(X).backward()
    assert live_values() - before <= 10


def test_examples_given_to_trace_are_checked_on_other_arguments_too():
    w = Value(1.0)

    def f(x):
        y = w * x
        return y.tanh() if y.data > 0 else y.sigmoid()

    compiled = trace(f, 1.0)  # traced on 1.0; the first call differs: it is re-run and checked
    with pytest.raises(TraceMismatch):
        compiled(-1.0)


def test_changing_the_traced_example_in_place_changes_nothing_in_the_trace():
    # The trace keeps its own copy of the example: the caller's array, changed in place, is
    # new arguments, replayed (and checked) as such; the loss and every gradient are eager's.
    X, labels, model = _moons_setup()
    X0 = np.array(X)

    def step_loss(points):
        return nn.hinge([model(p) for p in points], labels)

    compiled = trace(step_loss, X0)
    X0 *= -2.0
    model.zero_grad()
    eager = step_loss(_as_values(X0))
    eager.backward()
    eager_grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    replayed = compiled(X0)
    replayed.backward()
    assert replayed.data == eager.data  # only +, *, relu: the same bits, as in the test below
    assert [p.grad for p in model.parameters()] == eager_grads


def test_a_traced_example_changed_in_place_that_changes_the_graph_is_caught():
    w = Value(1.0)

    def f(x):
        y = w * x[0]
        return y.tanh() if y.data > 0 else y.sigmoid()  # the graph depends on the number

    x0 = np.array([1.0])
    compiled = trace(f, x0)
    x0[0] = -1.0
    with pytest.raises(TraceMismatch, match="different graph"):
        compiled(x0)


def test_parameters_changed_after_tracing_are_read_by_the_first_call():
    # The trace computed w * x with w = 0.5; by the first call w is 3.0 (new weights loaded,
    # an optimizer step): the call replays 3.0 * 2.0 = 6.0, which is what eager gives too.
    w = Value(0.5)
    compiled = trace(lambda x: w * x, 2.0)
    w.data = 3.0
    result = compiled(2.0)
    result.backward()
    assert (result.data, w.grad) == (6.0, 2.0)


@pytest.mark.parametrize("as_argument", [True, False], ids=["data as argument", "closure"])
def test_an_mlp_step_is_the_eager_step_to_the_last_bit(as_argument):
    # The replay adds every sum and every gradient in the eager engine's order, so with only
    # +, *, relu (no transcendental functions, whose numpy versions may differ by an ulp) the
    # numbers are identical, whichever memory layout the data's shape leads to.
    X, labels, model = _moons_setup()
    points = X.tolist()

    def step_loss(xs):
        return nn.hinge([model(p) for p in xs], labels) + nn.l2_penalty(model.parameters(), 1e-4)

    if as_argument:
        compiled = trace(step_loss)
        run = lambda: compiled(X)  # noqa: E731
    else:
        compiled = trace(lambda: step_loss(points))
        run = compiled
    for _ in range(2):  # the second call is the first unchecked-layout replay after the trace
        model.zero_grad()
        eager = step_loss(points)
        eager.backward()
        eager_grads = [p.grad for p in model.parameters()]
        model.zero_grad()
        replayed = run()
        replayed.backward()
        assert replayed.data == eager.data
        assert [p.grad for p in model.parameters()] == eager_grads


@pytest.mark.parametrize("d", [-1, 1, -3])
def test_a_pull_reads_rows_that_step_evenly_through_strided_views(d):
    from types import SimpleNamespace

    from autograd.compiled.program import Pull, _tail

    rng = np.random.default_rng(0)
    buffer = rng.standard_normal(5000) * 10.0 ** rng.integers(-8, 8, 5000)  # order matters
    # 16 columns (nodes) in a shuffled order: 8 whose tails start 100 slots apart, 8 whose
    # start 37 apart; each tail steps by d for 10 rows, below 2 rows gathered from anywhere.
    starts = rng.permutation(np.r_[1000 + 100 * np.arange(8), 3000 + 37 * np.arange(8)])
    head = rng.integers(1, 5000, size=(2, 16))
    index = np.vstack([head, [starts + d * r for r in range(10)]]).astype(np.intp)
    order, tail = _tail(buffer, index)
    assert tail.head == 2 and len(tail.runs) == 2
    program = SimpleNamespace(contributions=buffer, grads=np.zeros(16))
    Pull(order, 16, index[:, order], tail.scratch, None, tail=tail).run(program)  # node m: slot m
    expected = np.add.reduce(buffer[index], axis=0)  # each column's rows, top to bottom
    assert program.grads.tolist() == expected.tolist()


def test_a_pull_gathers_when_strided_views_cannot_be_used_or_would_not_pay():
    from autograd.compiled.program import _tail

    buffer = np.arange(3000.0)
    starts = 1000 + 100 * np.arange(16)
    few_rows = np.array([starts - r for r in range(6)], dtype=np.intp)
    uneven = np.array([20, 31, 55, 60, 98, 150, 153, 190, 260, 277, 300, 340, 390, 401, 470, 480])
    scattered = np.array([uneven - r for r in range(10)], dtype=np.intp)  # starts: no even runs
    one_breaks = np.array([starts - r for r in range(10)], dtype=np.intp)
    one_breaks[5:, 7] += 50  # column 7 jumps below row 4: only 5 rows step evenly in all
    for index in (few_rows, scattered, one_breaks):
        assert _tail(buffer, index) is None


def test_a_layer_of_several_outputs_gets_every_gradient_of_each_as_eagerly():
    # Parameters read by every sample and by the L2 penalty, backward from each of 3 outputs,
    # with the pulls that read their tails through views. Each output's backward adds a
    # weight's contributions in the order of that output's own eager walk, which for the
    # second and third differs from the order of the trace of all three: the numbers are the
    # eager ones to the last bit.
    X, _ = nn.make_moons(9, noise=0.1, seed=3)
    model = nn.MLP(2, [16, 3], seed=1)

    def outputs(xs):
        scores = [model(x) for x in xs]
        penalty = nn.l2_penalty(model.parameters(), 1e-3)
        return [total([s[c] for s in scores]) + penalty for c in range(3)]

    compiled = trace(outputs)
    for _ in range(3):  # the third call is unchecked
        replayed = compiled(X)
        for c in range(3):
            model.zero_grad()
            outputs(X.tolist())[c].backward()
            eager = [p.grad for p in model.parameters()]
            model.zero_grad()
            replayed[c].backward()
            assert [p.grad for p in model.parameters()] == eager


def test_the_parameters_of_an_mlp_step_get_their_gradients_through_strided_views():
    from autograd.compiled.program import backward_plan

    X, labels, model = _moons_setup()
    compiled = trace(lambda xs: nn.hinge([model(p) for p in xs], labels)
                     + nn.l2_penalty(model.parameters(), 1e-4))
    plan = backward_plan(compiled.trace(X), 0)
    parameter_pulls = plan.steps[-1][0]
    assert [pull.tail is not None for pull in parameter_pulls] == [True]
    assert parameter_pulls[0].tail.head == 2  # the L2 penalty's two edges (p * p) per parameter


@pytest.mark.parametrize("fuse", [True, False])
def test_argument_numbers_the_function_never_reads_are_skipped(fuse):
    w, b = Value(0.5), Value(-0.3)

    def loss(X, unused):  # reads only the first column of X, and never `unused`
        return sum((w * row[0] + b) ** 2 for row in X) * (1.0 / len(X))

    f = trace(loss, fuse=fuse)
    for X in ([[1.0, 9.0], [2.0, 9.0], [3.0, 9.0]], [[4.0, 0.0], [-1.0, 0.0], [0.5, 7.0]]):
        eager, replayed = eager_and_replayed(loss, [w, b], X, [5.0, 6.0])
        assert_close([f(X, [5.0, 6.0]).data], [eager[0]])
        assert_close([replayed[0], *replayed[1]], [eager[0], *eager[1]])

"""The playground's engine in a real browser: its primitives against the op table, and its
training against Python's.

The page runs forward, backward and the optimizer in JavaScript. Each primitive's forward
rule and local derivatives must give the op table's numbers (autograd.ops.PRIMITIVES), and
after 100 steps in Chromium every weight must equal the weight nn's eager engine computes
from the same data, starting weights and hyperparameters.
"""

import math

import pytest
from playground_pages import open_playground_fixture  # noqa: F401 (the fixture open_playground)

import nn
from autograd.ops import PRIMITIVES
from nn.playground_page import batch_indices, epoch_order, make_optimizer, train_steps

INF, NAN = math.inf, math.nan
# Points for one-input primitives: signs, zeros, the edges where IEEE rules decide
# (overflow, log of 0 and of a negative, nan and the infinities).
POINTS = [-1000.0, -20.0, -3.5, -1.0, -0.5, -1e-300, -0.0, 0.0, 1e-300, 0.3, 1.0, 2.0, 20.0,
          710.0, INF, -INF, NAN]
PAIRS = [(a, b) for a in (-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, INF, NAN)
         for b in (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, INF, -INF, NAN)]
EXPONENTS = [0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, -0.5]


def cases():
    """(op name, inputs, params) at which every primitive is compared."""
    for name, op in PRIMITIVES.items():
        if name in ("add", "mul", "vpow"):
            yield from ((name, list(pair), []) for pair in PAIRS)
        elif name == "sum":
            yield from ((name, [a, b, c], []) for a, b, c in zip(POINTS, POINTS[3:], POINTS[6:]))
        elif name == "weighted_sum":
            yield from ((name, [a, b, c, d, e], []) for a, b, c, d, e in
                        zip(POINTS, POINTS[1:], POINTS[2:], POINTS[4:], POINTS[5:]))
        elif name == "pow":
            yield from ((name, [a], [n]) for a in POINTS for n in EXPONENTS)
        elif name == "leaky_relu":
            yield from ((name, [a], [0.01]) for a in POINTS)
        else:
            assert op.arity == 1, f"{name}: add its cases to this test"
            yield from ((name, [a], []) for a in POINTS)


def same(js: float, py: float) -> bool:
    """Equal to 1e-12 relative (nan equals nan; infinities must match exactly)."""
    if math.isnan(py) or math.isnan(js):
        return math.isnan(py) and math.isnan(js)
    if math.isinf(py) or math.isinf(js):
        return js == py
    return abs(js - py) <= 1e-12 * max(1.0, abs(py))


def to_json(x: float):
    """A float as JSON can carry it: nan and the infinities as strings."""
    return x if math.isfinite(x) else repr(x)


FROM_JSON = "(x) => typeof x === 'string' ? Number(x.replace('inf', 'Infinity')) : x"


def moons(n=60):
    return nn.make_moons(n, noise=0.1, seed=3)


def test_every_primitive_of_the_op_table_runs_in_the_page(open_playground):
    X, y = moons()
    page = open_playground(nn.MLP(2, [4, 1], seed=0), X, y)
    names = page.evaluate("Object.keys(chainrulePlayground.PRIMITIVES)")
    assert sorted(names) == sorted(PRIMITIVES)


def test_each_primitive_gives_the_op_tables_value_and_local_derivatives(open_playground):
    X, y = moons()
    page = open_playground(nn.MLP(2, [4, 1], seed=0), X, y)
    rows = list(cases())
    got = page.evaluate(
        "([rows, parse]) => { const p = eval(parse); return rows.map(([name, xs, ps]) => {"
        "  const args = xs.map(p), params = ps.map(p), op = chainrulePlayground.PRIMITIVES[name];"
        "  const out = op.forward(args, params);"
        "  return [out, op.localGrads(args, out, params)].flat().map("
        "    (v) => Number.isFinite(v) ? v : String(v)); }); }",
        [[[name, [to_json(x) for x in xs], ps] for name, xs, ps in rows], FROM_JSON])
    wrong = []
    for (name, xs, ps), numbers in zip(rows, got):
        numbers = [float(v) if not isinstance(v, str) else float(v.replace("Infinity", "inf"))
                   for v in numbers]
        op = PRIMITIVES[name]
        out = op.forward(*xs, *ps)
        expected = [out, *op.local_grads(*xs, out, *ps)]
        if len(numbers) != len(expected) or not all(map(same, numbers, expected)):
            wrong.append(f"{name}{tuple(xs)} params {ps}: page {numbers}, Python {expected}")
    assert wrong == [], "\n".join(wrong[:20])


def test_the_page_deals_mini_batches_in_pythons_seeded_order(open_playground):
    X, y = moons()
    page = open_playground(nn.MLP(2, [4, 1], seed=0), X, y)
    js = page.evaluate("[chainrulePlayground.epochOrder(37, 5, 0), "
                       "chainrulePlayground.epochOrder(37, 5, 1), "
                       "chainrulePlayground.batchIndices(37, 10, 7, 6)]")
    assert js == [epoch_order(37, 5, 0), epoch_order(37, 5, 1), batch_indices(37, 10, 7, 6)]
    assert sorted(js[0]) == list(range(37)) and js[0] != js[1]  # a shuffle, new each epoch


def test_mini_batches_cover_an_epoch_and_the_last_is_smaller():
    # 25 examples in batches of 10: steps 0, 1, 2 are one epoch of 10, 10 and 5 examples
    steps = [batch_indices(25, 10, seed=0, step=k) for k in range(3)]
    assert [len(s) for s in steps] == [10, 10, 5]
    assert sorted(sum(steps, [])) == list(range(25))


TRAININGS = {
    # (loss, optimizer, lr, momentum, batch size, activation)
    "sgd full batch, hinge": ("hinge", "sgd", 0.1, 0.0, None, "relu"),
    "sgd momentum mini-batches, bce": ("bce", "sgd", 0.05, 0.9, 16, "tanh"),
    "adam full batch, bce": ("bce", "adam", 0.01, 0.0, None, "tanh"),
    "adam mini-batches, hinge": ("hinge", "adam", 0.01, 0.0, 10, "relu"),
}


@pytest.mark.parametrize("name", TRAININGS)
def test_100_steps_in_the_page_give_pythons_weights(open_playground, name):
    loss, optimizer, lr, momentum, batch_size, activation = TRAININGS[name]
    X, y = moons(50)
    model = nn.MLP(2, [8, 8, 1], activation=activation, seed=1)
    page = open_playground(model, X, y, loss=loss, optimizer=optimizer, lr=lr,
                           momentum=momentum, batch_size=batch_size, seed=4)
    in_page = page.evaluate("() => { const t = document.querySelector('.crpg').playground"
                            ".trainer; for (let k = 0; k < 100; k++) t.trainStep();"
                            " return Array.from(t.params); }")
    train_steps(model, X, y, loss, make_optimizer(model, optimizer, lr, momentum), 100,
                batch_size=batch_size, seed=4)
    python = [p.data for p in model.parameters()]
    assert python != [p.data for p in nn.MLP(2, [8, 8, 1], activation=activation,
                                             seed=1).parameters()]  # it trained
    worst = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(in_page, python))
    assert worst <= 1e-9, f"largest relative difference {worst:.3g}"


def test_100_steps_of_a_regression_give_pythons_weights(open_playground):
    X, y = nn.make_sine(40, seed=2)
    model = nn.MLP(1, [8, 1], activation="tanh", seed=0)
    page = open_playground(model, X, y, optimizer="adam", lr=0.02)
    in_page = page.evaluate("() => { const t = document.querySelector('.crpg').playground"
                            ".trainer; for (let k = 0; k < 100; k++) t.trainStep();"
                            " return Array.from(t.params); }")
    train_steps(model, X, y, "mse", make_optimizer(model, "adam", 0.02), 100)
    for a, b in zip(in_page, [p.data for p in model.parameters()]):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-300)

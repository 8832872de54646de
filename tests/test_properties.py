"""Property-based tests: random expression graphs, checked against finite differences.

Hypothesis builds small programs: each step applies a smooth operation to earlier nodes
(leaves or results), so graphs have reuse, diamonds and long paths. Every program's
backprop gradients must match central differences.
"""

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, topological_order

# Smooth operations whose inputs stay in a range where finite differences are accurate.
UNARY = {
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "softplus": lambda a: a.softplus(),
    "square": lambda a: a**2,
    "exp_tanh": lambda a: a.tanh().exp(),
    "log1p_sq": lambda a: (1 + a * a).log(),
    "sqrt1p_sq": lambda a: (1 + a * a).sqrt(),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (2 + b.sigmoid()),
    "pow": lambda a, b: (1 + a.sigmoid()) ** b.tanh(),
}

step = st.one_of(
    st.tuples(st.sampled_from(sorted(UNARY)), st.integers(0, 1000)),
    st.tuples(st.sampled_from(sorted(BINARY)), st.integers(0, 1000), st.integers(0, 1000)),
)


def run_program(program, leaves):
    """Apply each step to earlier nodes (chosen by index modulo how many exist)."""
    nodes = list(leaves)
    for name, *picks in program:
        args = [nodes[i % len(nodes)] for i in picks]
        fn = UNARY.get(name) or BINARY[name]
        out = fn(*args)
        nodes.append((out * 0.5).tanh() * 4)  # squashed smoothly, so numbers stay moderate
    return sum(nodes[len(leaves):], nodes[-1] * 0.5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    points=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4),
    program=st.lists(step, min_size=1, max_size=10),
)
def test_random_graphs_match_finite_differences(points, program):
    result = gradcheck(lambda *xs: run_program(program, xs), *points, rtol=1e-4, atol=1e-6)
    assert result.ok, str(result)


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4),
    program=st.lists(step, min_size=1, max_size=10),
)
def test_topological_order_is_deterministic_and_valid(points, program):
    out = run_program(program, [Value(p) for p in points])
    order = topological_order(out)
    again = topological_order(out)
    assert [id(n) for n in order] == [id(n) for n in again]
    seen = set()
    for node in order:
        assert all(id(inp) in seen for inp in node.inputs)
        seen.add(id(node))


@settings(max_examples=60, deadline=None)
@given(points=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=3),
       program=st.lists(step, min_size=1, max_size=8))
def test_second_backward_doubles_leaf_gradients(points, program):
    leaves = [Value(p) for p in points]
    out = run_program(program, leaves)
    out.backward()
    first = [leaf.grad for leaf in leaves]
    out.backward()
    for leaf, g in zip(leaves, first):
        assert math.isclose(leaf.grad, 2 * g, rel_tol=1e-12, abs_tol=1e-15)

"""Graphs with inf and nan on every surface: the walkthrough, explain, the tape, the page, DOT.

Floats overflow to inf (exp(1000), 1e308 + 1e308) and inf + (-inf) is nan. Every surface shows
such a graph with inf and nan in its narration, says which step first made one, and never
raises; explain's sum over paths follows the same IEEE rules as backward.
"""

import base64
import gzip
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_module, require_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Value
from autograd.dot import to_dot
from autograd.stepper import Player, explain, export_html, walkthrough
from autograd.stepper.explain import path_sum
from autograd.stepper.terminal import screen

ROOT = Path(__file__).resolve().parent.parent


def chainrule(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "autograd", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def opposite_infinities():
    """out = exp(x) - exp(x) at x = 1000: inf - inf, so out is nan and so is ∂out/∂x."""
    x = Value(1000.0, label="x")
    out = x.exp() - x.exp()
    out.label = "out"
    return out, x


def overflowing_sum():
    """out = x*1e308 + x*1e308 at x = 1: each product is finite, their sum overflows to inf."""
    x = Value(1.0, label="x")
    out = x * 1e308 + x * 1e308
    out.label = "out"
    return out, x


# --- the path sum follows IEEE floats ---------------------------------------------------------


def test_the_path_sum_of_opposite_infinities_is_nan():
    assert math.isnan(path_sum([math.inf, -math.inf]))


def test_the_path_sum_that_overflows_is_inf():
    assert path_sum([1e308, 1e308]) == math.inf
    assert path_sum([-1e308, -1e308]) == -math.inf


def test_a_finite_path_sum_is_rounded_once():
    # 0.1 + 0.2 + 0.3 added left to right is 0.6000000000000001; fsum rounds only the exact sum.
    assert path_sum([0.1, 0.2, 0.3]) == 0.6


def test_a_path_is_multiplied_from_the_output_back_as_backward_multiplies():
    # out = ((x * 1e-320) * 1e-10) * 1e300: backward forms 1e-10 * 1e300 = 1e290 first, then
    # 1e-320 * 1e290 = 1e-30; from x outward, 1e-320 * 1e-10 would underflow to 0 first
    x = Value(1.0, label="x")
    out = x * 1e-320 * 1e-10 * 1e300
    explanation = explain(out, x)
    out.backward()
    assert explanation.path_sum == x.grad != 0.0


def test_explain_gives_nan_where_backward_gives_nan():
    out, x = opposite_infinities()
    explanation = explain(out, x)
    out.backward()
    assert math.isnan(x.grad)
    assert math.isnan(explanation.grad) and math.isnan(explanation.path_sum)
    assert "sum over 2 paths = nan: inf + (-inf) is nan" in str(explanation)


def test_explain_gives_inf_where_the_sum_overflows():
    out, x = overflowing_sum()
    explanation = explain(out, x)
    out.backward()
    assert explanation.path_sum == explanation.grad == x.grad == math.inf
    assert "1e308 + 1e308 overflows to inf" in str(explanation)


def test_explain_cannot_check_a_gradient_by_nudging_where_the_output_is_not_finite():
    out, x = overflowing_sum()
    explanation = explain(out, x)
    assert not explanation.checkable and not explanation.agrees
    assert str(explanation).endswith(
        "out goes from inf to inf, which is not finite, so a finite difference cannot check "
        "∂out/∂x here")


def test_explain_says_when_a_nudge_is_lost_in_rounding():
    x = Value(1e20, label="x")
    explanation = explain(x * 2.0, x)  # 1e20 + 1e-4 == 1e20: the output does not move
    assert not explanation.checkable
    assert "a nudge of 0.0001 is lost in rounding next to 1e20" in str(explanation)


def test_a_nan_gradient_next_to_a_nan_nudge_does_not_agree():
    x = Value(-1.0, label="x")
    explanation = explain(x.log().log(), x)  # log(log(-1 +- h)) is nan: nothing to compare
    assert math.isnan(explanation.grad) and math.isnan(explanation.numeric)
    assert not explanation.checkable and not explanation.agrees


def test_explain_says_why_the_paths_and_backward_differ_when_one_overflows():
    # backward: ∂out/∂a = 1e10 + (-1e10) = 0, so ∂out/∂x = 1e300 * 0 = 0; the paths multiply
    # first: 1e300 * 1e10 = inf and 1e300 * (-1e10) = -inf, whose sum is nan
    x = Value(1.0, label="x")
    a = x * 1e300
    out = a * 1e10 + a * -1e10
    explanation = explain(out, x)
    assert explanation.grad == 0.0 and math.isnan(explanation.path_sum)
    assert "the two differ because floats overflow in one order of operations" in str(
        explanation)


# --- the step model says where inf and nan first appear ---------------------------------------


def test_the_model_finds_the_first_inf_and_nan_of_each_pass():
    walk = walkthrough(opposite_infinities()[0])
    # forward: 1 t1 = exp(x) = inf, 2 t2 = inf, 3 out = t1 - t2 = inf - inf = nan;
    # backward: 4 seed, 5-6 to t1 and t2, 7 x gets -inf (from t2), 8 x gets -inf + inf = nan
    assert walk.first_nonfinite("forward") == 1
    assert walk.first_nonfinite("forward", nan=True) == 3
    assert walk.first_nonfinite("backward") == 7
    assert walk.first_nonfinite("backward", nan=True) == 8
    assert walk.first_nonfinite() == 1


def test_a_finite_walkthrough_has_no_first_inf():
    x = Value(2.0, label="x")
    walk = walkthrough(x * x)
    assert walk.first_nonfinite("forward") is None and walk.first_nonfinite("backward") is None
    assert not any("finite" in line for step in walk for line in step.lines)


def test_the_phase_must_be_forward_or_backward():
    with pytest.raises(ValueError, match="phase must be 'forward' or 'backward', got 'update'"):
        walkthrough(Value(1.0)).first_nonfinite("update")


def test_the_first_overflow_of_the_forward_pass_is_narrated():
    walk = walkthrough(opposite_infinities()[0])
    assert walk[1].lines[:2] == (
        "t1 = exp(x) = exp(1000.0) = inf",
        "exp(1000.0) overflows to inf (floats stop at about 1.8e308): the first value that is "
        "not finite; what is computed from it may be inf or nan",
    )
    assert len(walk[2].lines) == 1  # t2 = exp(x) = inf again: no longer the first


def test_the_first_nan_of_the_forward_pass_is_narrated():
    walk = walkthrough(opposite_infinities()[0])
    assert walk[3].lines[1] == (
        "inf - inf is nan (an infinity minus itself has no value): the first nan value; almost "
        "everything computed from a nan is nan")
    # the primitives the engine recorded: t2 * -1 = -inf, then inf + (-inf)
    primitives = walkthrough(opposite_infinities()[0], primitives=True)
    assert primitives[4].lines[1] == (
        "inf + (-inf) is nan (inf and -inf have no sum): the first nan value; almost everything "
        "computed from a nan is nan")


def test_the_first_infinite_gradient_names_the_local_derivative_that_made_it():
    walk = walkthrough(opposite_infinities()[0])
    assert walk[7].lines[0] == "∂out/∂x += ∂t2/∂x * ∂out/∂t2 = t2 * (-1.0) = inf * (-1.0) = -inf"
    assert walk[7].lines[3] == (
        "the local derivative ∂t2/∂x = t2 is inf: the first gradient that is not finite; what "
        "is computed from it may be inf or nan")


def test_inf_meeting_minus_inf_in_backward_is_narrated_as_the_first_nan_gradient():
    walk = walkthrough(opposite_infinities()[0])
    assert walk[8].lines[2] == "x.grad = -inf (from t2) + inf (from t1) = nan  (complete)"
    assert walk[8].lines[3] == (
        "-inf + inf is nan (inf and -inf have no sum): the first nan gradient; almost "
        "everything computed from a nan is nan")


def test_a_sum_of_gradients_that_overflows_is_narrated():
    walk = walkthrough(overflowing_sum()[0])
    # 3 out = 1e308 + 1e308 = inf; 8 x.grad = 1e308 (from t2) + 1e308 (from t1) = inf
    assert walk[3].lines[1].startswith("1e308 + 1e308 overflows to inf")
    assert walk[8].lines[3].startswith("1e308 + 1e308 overflows to inf (floats stop at about "
                                       "1.8e308): the first gradient that is not finite")


def test_zero_times_inf_is_narrated_as_nan():
    x, y = Value(0.0, label="x"), Value(0.0, label="y")
    walk = walkthrough(x.log() * y)  # log(0) = -inf, then -inf * 0 = nan
    assert walk[1].lines[1].startswith("log(0.0) is -inf (log(a) falls without bound as a "
                                       "nears 0): the first value that is not finite")
    assert walk[2].lines[1].startswith("-inf * 0.0 is nan (0 times an infinity has no value): "
                                       "the first nan value")


def test_an_input_given_as_inf_is_the_first_value():
    x = Value(math.inf, label="x")
    walk = walkthrough(x * 2.0)
    assert walk[0].lines[-1].startswith("x is given as inf: the first value that is not finite")


def test_the_done_step_says_where_inf_and_nan_first_appear():
    walk = walkthrough(opposite_infinities()[0])
    assert walk[-1].lines[-1] == (
        "Not every number is finite: the first value that is not finite is t1 (step 1), the "
        "first nan out (step 3); the first gradient that is not finite is ∂out/∂x (step 7), "
        "the first nan ∂out/∂x (step 8)")


def test_the_terminal_screen_shows_the_first_inf():
    text = screen(walkthrough(opposite_infinities()[0]), 1, width=200)
    assert "exp(1000.0) overflows to inf" in text and "the first value that is not finite" in text


# --- each surface of the bug report, for real ---------------------------------------------------


def test_html_of_opposite_infinities_is_written(tmp_path):
    require_program("dot")
    result = chainrule("html", "exp(x) - exp(x)", "x=1000", "-o", str(tmp_path / "a.html"))
    assert result.returncode == 0, result.stderr
    assert "inf + (-inf) is nan" in (tmp_path / "a.html").read_text()


def test_html_of_an_overflowing_sum_is_written(tmp_path):
    require_program("dot")
    result = chainrule("html", "x*1e308 + x*1e308", "x=1", "-o", str(tmp_path / "b.html"))
    assert result.returncode == 0, result.stderr
    assert "1e308 + 1e308 overflows to inf" in (tmp_path / "b.html").read_text()


def test_export_html_writes_a_graph_with_inf_and_nan(tmp_path):
    require_program("dot")
    path = export_html(opposite_infinities()[0], tmp_path / "walk.html")
    assert "the first nan gradient" in path.read_text()


def unpacked_player(html: str) -> str:
    """What a notebook's player carries packed (gzipped JSON in base64): its script, style and
    steps, as text."""
    text = re.search(r'chainruleUnpackPlayer\(root, "([^"]+)"', html).group(1)
    return gzip.decompress(base64.b64decode(text)).decode("utf-8")


def test_a_notebook_player_shows_where_the_first_nan_appears():
    require_program("dot")
    assert "the first nan gradient" in unpacked_player(Player(opposite_infinities()[0]).html())


def test_step_explain_prints_the_nan_sum_of_infinite_paths():
    result = chainrule("step", "exp(x) - exp(x)", "x=1000", "--explain", "x")
    assert result.returncode == 0, result.stderr
    assert "sum over 2 paths = nan: inf + (-inf) is nan (inf and -inf have no sum); backward " \
           "computes ∂out/∂x = nan" in result.stdout


def test_the_terminal_x_key_explains_a_nan_gradient():
    # from a pipe, each line is one key: g x goes to x's first step, then x explains x
    result = chainrule("step", "exp(x) - exp(x)", "x=1000", stdin="g x\nx\nq\n")
    assert result.returncode == 0, result.stderr
    assert "sum over 2 paths = nan" in result.stdout


def test_the_terminal_x_key_in_a_real_terminal():
    pexpect = require_module("pexpect")
    child = pexpect.spawn(sys.executable, ["-m", "autograd", "step", "x*1e308 + x*1e308", "x=1"],
                          cwd=str(ROOT), dimensions=(40, 160), encoding="utf-8", timeout=15,
                          env={"TERM": "xterm", "PATH": "/usr/bin:/bin"})
    child.expect("step 0 of 9")
    child.send("!")
    child.expect("step 3 is the first to produce inf or nan")
    child.send("$")
    child.expect("step 9 of 9")
    child.expect(r"the first gradient that is not finite is ∂out/∂x \(step 8\)")
    child.send("b")
    child.send("g")
    child.expect("go to")
    child.sendline("x")
    child.expect("step 7 of 9")
    child.send("x")
    child.expect(r"sum over 2 paths = inf: 1e308 \+ 1e308 overflows to inf")
    child.send(" ")
    child.expect("step 7 of 9")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


# --- random graphs of huge and tiny numbers -----------------------------------------------------

EDGES = [1e300, 1e308, -1e308, 1e-320, 0.0, -0.0, 1.0, -2.5, math.inf, math.nan]
UNARY = {
    "exp": Value.exp, "log": Value.log, "tanh": Value.tanh, "relu": Value.relu,
    "sigmoid": Value.sigmoid, "softplus": Value.softplus, "leaky_relu": Value.leaky_relu,
    "sin": Value.sin, "cos": Value.cos, "abs": abs, "neg": lambda a: -a,
    "square": lambda a: a ** 2, "reciprocal": lambda a: a ** -1, "sqrt": Value.sqrt,
}
BINARY = {
    "+": lambda a, b: a + b, "*": lambda a, b: a * b, "-": lambda a, b: a - b,
    "/": lambda a, b: a / b, "**": lambda a, b: a ** b,
}


@st.composite
def graphs(draw):
    """A small graph over 1-3 inputs of huge, tiny and ordinary numbers; nodes may be reused."""
    count = draw(st.integers(1, 3))
    inputs = [Value(draw(st.sampled_from(EDGES)), label=f"x{i}") for i in range(count)]
    nodes = list(inputs)
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            op = UNARY[draw(st.sampled_from(sorted(UNARY)))]
            nodes.append(op(draw(st.sampled_from(nodes))))
        else:
            op = BINARY[draw(st.sampled_from(sorted(BINARY)))]
            nodes.append(op(draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))))
    return nodes[-1]


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.fixture(scope="module")
def page_dir(tmp_path_factory):
    require_program("dot")
    return tmp_path_factory.mktemp("pages")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(out=graphs())
def test_every_surface_takes_any_graph_of_huge_and_tiny_numbers(out, page_dir):
    written = walkthrough(out)  # a - b, a / b as written: one node each
    for index in range(len(written)):
        written.state(index)
        screen(written, index)
    written.tape()
    to_dot(out, local_grads=True)
    export_html(written, page_dir / "walk.html")
    final = written.state(len(written) - 1).grads
    for node in written.graph.nodes:  # the page's "why" sums what the steps computed
        if node.kind != "constant":
            explanation = written.explain(node.id)
            str(explanation)
            assert same(explanation.grad, final[node.id])
    # As the engine recorded it, every gradient is backward's, exactly. (As written, a / b's
    # local derivative a * (-1 * b ** -2) is multiplied out before the upstream gradient, not
    # after as backward does: near the ends of the float range one order can overflow where
    # the other does not, and elsewhere the two can differ in the last bit.)
    walk = walkthrough(out, primitives=True)
    screen(walk, len(walk) - 1)
    explanations = {node.id: walk.explain(node.id) for node in walk.graph.nodes
                    if node.kind != "constant"}
    for explanation in explanations.values():
        str(explanation)
    out.backward()
    for node_id, explanation in explanations.items():
        value = walk.graph.values[node_id]
        assert same(explanation.grad, value.grad), (explanation.node, explanation.grad, value.grad)
        factors = [local for path in explanation.paths for _, local in path.factors]
        if all(local == 0 or 1e-20 <= abs(local) <= 1e20 for local in factors):
            # Paths have at most 7 edges here, so no partial product or sum over- or
            # underflows: the two sums differ only by rounding, a few ulps of the sum of the
            # paths' sizes (the error bound of any order of evaluating a sum of products).
            scale = math.fsum(abs(path.product) for path in explanation.paths)
            assert abs(explanation.path_sum - value.grad) <= 1e-12 * scale
    to_dot(out, local_grads=True)

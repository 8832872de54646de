"""The command line's expression language: what it builds, and every way it refuses input.

Nothing is ever evaluated as Python: an expression is a whitelist of syntax turned into Value
operations, and each refusal points at the part of the text that caused it.
"""

import ast
import math
import sys

import pytest

from autograd import ExpressionError, Value, parse_expression, topological_order
from autograd.expression import MAX_LENGTH, variable_name

NEURON = {"x": 2.0, "w": -3.0, "b": 6.8813735870195432}


def test_a_neuron_gives_its_gradients():
    out, leaves = parse_expression("tanh(x*w + b)", NEURON)
    out.backward()
    # tanh(0.8814) = 0.7071; d out/d(x*w + b) = 1 - 0.7071^2 = 0.5; d/dx = 0.5 * w = -1.5
    assert out.data == pytest.approx(0.7071067811865476)
    assert list(leaves) == ["x", "w", "b"]
    assert leaves["x"].grad == pytest.approx(-1.5)
    assert leaves["w"].grad == pytest.approx(1.0)
    assert leaves["b"].grad == pytest.approx(0.5)


def test_a_variable_used_twice_is_one_leaf():
    out, leaves = parse_expression("x*x", {"x": 3.0})
    out.backward()
    assert out.inputs == (leaves["x"], leaves["x"])
    assert leaves["x"].grad == 6.0  # d(x*x)/dx = 2x


def test_nodes_are_labelled_with_their_text():
    out, leaves = parse_expression("tanh(x*w  +  b)", NEURON)
    labels = [node.label for node in topological_order(out)]
    assert labels == ["x", "w", "x*w", "b", "x*w + b", "tanh(x*w + b)"]


def test_labels_can_be_left_off():
    out, _ = parse_expression("tanh(x*w + b)", NEURON, label_nodes=False)
    assert out.label == ""


def test_numbers_become_constants_and_negative_numbers_stay_whole():
    out, leaves = parse_expression("-3 * x", {"x": 2.0})
    three, x = out.inputs
    assert three.constant and three.data == -3.0  # the number -3, not 3 * -1
    assert x is leaves["x"] and out.data == -6.0


def test_a_number_exponent_is_a_parameter_of_pow():
    out, leaves = parse_expression("x ** -2", {"x": 2.0})
    assert out.op.name == "pow" and out.params == (-2.0,)
    out.backward()
    assert leaves["x"].grad == pytest.approx(-0.25)  # -2 * x^-3 = -2/8


def test_a_variable_exponent_uses_vpow():
    out, _ = parse_expression("x ** y", {"x": 2.0, "y": 3.0})
    assert out.op.name == "vpow" and out.data == 8.0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("-x ** 2", -4.0),  # Python's precedence: -(x ** 2)
        ("x / 4 - 1", -0.5),
        ("+x", 2.0),
        ("sqrt(x * 8)", 4.0),
        ("abs(-x)", 2.0),
        ("exp(0) + log(1) + sin(0) + cos(0)", 2.0),
        ("relu(-x) + sigmoid(0) + softplus(0)", 0.5 + math.log(2)),
        ("leaky_relu(-x) + leaky_relu(-x, 0.5)", -0.02 - 1.0),
        ("total(1, x * 3, -x, 0.5)", 5.5),
        ("  x  ", 2.0),
        ("(x +\n 1)", 3.0),
        ("7", 7.0),
    ],
)
def test_what_expressions_compute(text, expected):
    out, _ = parse_expression(text, {"x": 2.0})
    assert isinstance(out, Value)
    assert out.data == pytest.approx(expected)


def test_total_is_one_sum_node_with_a_term_per_argument():
    out, leaves = parse_expression("tanh(total(b, w0 * x0, w1 * x1))",
                                   {"b": 0.5, "w0": 1.0, "x0": 2.0, "w1": -1.0, "x1": 3.0})
    z = out.inputs[0]
    assert z.op.name == "sum" and len(z.inputs) == 3 and z.inputs[0] is leaves["b"]
    assert z.data == 0.5 + 2.0 - 3.0


def test_only_used_variables_are_returned():
    _, leaves = parse_expression("x + 1", {"x": 1.0, "unused": 2.0})
    assert list(leaves) == ["x"]


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message, column, width",
    [
        ("__import__('os')", "__import__ is not a function of the expression language", 0, 10),
        ("x.__class__", "attribute access (a.b) cannot be used", 0, 11),
        ("tanh(x).real", "attribute access", 0, 12),
        ("(lambda: x)()", "only the functions", 1, 9),
        ("lambda: x", "lambda cannot be used", 0, 9),
        ("x[0]", "subscripts (a[i]) cannot be used", 0, 4),
        ("[x for x in y]", "comprehensions cannot be used", 0, 14),
        ("sum(x for x in y)", "sum is not a function", 0, 3),
        ("q * 2", "q has no value (the variables given are: w, x)", 0, 1),
        ("x + ww", "did you mean w?", 4, 2),
        ("tanh", "tanh is a function: call it", 0, 4),
        ("foo(x)", "foo is not a function", 0, 3),
        ("x(2)", "x is a variable, not a function", 0, 1),
        ("tanh(x, w)", "tanh takes 1 argument, got 2", 0, 10),
        ("tanh(x=1)", "takes no keyword arguments", 5, 3),
        ("total(x)", "total takes two or more terms, got 1", 0, 8),
        ("leaky_relu(x, w)", "the slope of leaky_relu must be a number", 14, 1),
        ("x ^ 2", "the operator ^ is not part of the expression language", 2, 1),
        ("x % 2", "the operator %", 2, 1),
        ("(x) // 2", "the operator //", 4, 2),
        ("x if w else 1", "conditional expressions", 0, 13),
        ("x < w", "comparisons cannot be used", 0, 5),
        ("x and w", "and / or cannot be used", 0, 7),
        ("not x", "the operator not", 0, 5),
        ("(y := 2)", "assignments (:=) cannot be used", 1, 6),
        ("x, w", "tuples (a, b) cannot be used", 0, 4),
        ("'text'", "strings cannot be used", 0, 6),
        ("f'{x}'", "strings cannot be used", 0, 6),
        ("True", "True and False are not numbers", 0, 4),
        ("2j", "complex numbers cannot be used", 0, 2),
        ("1e999", "too large for a float", 0, 5),
        ("x +", "not a valid expression", 3, 1),
        ("x = 2", "not a valid expression", 0, 1),
    ],
)
def test_refusals_point_at_the_problem(text, message, column, width):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text, {"x": 1.0, "w": 2.0})
    error = caught.value
    assert message in str(error)
    if error.column is not None and "not a valid expression" not in message:
        assert (error.column, error.width) == (column, width)
    assert error.pointer().splitlines()[0].strip() == text.strip().splitlines()[0].strip()


def test_the_pointer_marks_the_bad_part():
    with pytest.raises(ExpressionError) as caught:
        parse_expression("  tanh(q*w + b)", NEURON)  # leading spaces are stripped first
    assert str(caught.value).splitlines()[1:] == ["  tanh(q*w + b)", "       ^"]
    assert caught.value.unknown_name == "q"


def test_a_problem_on_a_later_line_points_at_that_line():
    with pytest.raises(ExpressionError) as caught:
        parse_expression("(x +\n  2 ^ 3)", {"x": 1.0})
    assert caught.value.line == 2
    assert caught.value.pointer() == "    2 ^ 3)\n      ^"


def test_the_empty_expression_is_refused():
    with pytest.raises(ExpressionError, match="the expression is empty"):
        parse_expression("   ", {})


def test_a_too_deep_expression_is_refused_not_crashed():
    with pytest.raises(ExpressionError, match="too long or nested too deeply"):
        parse_expression("-" * 9_990 + "x", {"x": 1.0})  # short enough, but 9,990 levels deep


def test_a_long_chain_is_built_without_recursion():
    out, leaves = parse_expression("x" + " + x" * 500, {"x": 1.0})
    out.backward()
    assert out.data == 501.0 and leaves["x"].grad == 501.0


@pytest.mark.parametrize(
    "variables, error, message",
    [
        ({"2x": 1.0}, ValueError, "'2x' is not a variable name: use letters, digits and _"),
        ({"lambda": 1.0}, ValueError, "'lambda' is a Python keyword, not a variable name: pick "
                                      "another name, such as lambda_"),
        ({"None": 1.0}, ValueError, "'None' is a Python keyword"),
        ({"tanh": 1.0}, ValueError, "'tanh' is taken by the function tanh(), so it is not a "
                                    "variable name: pick another name, such as tanh_"),
        ({"𝐞𝐱𝐩": 1.0}, ValueError, "'𝐞𝐱𝐩' (it reads as exp) is taken by the function exp()"),
        ({"x": 1.0, "𝐱": 2.0}, ValueError, "variable x is given twice"),
        ({3: 1.0}, TypeError, "a variable name must be a str, got int: 3"),
        ({"x": "1"}, TypeError, "variable x must be a real number, got str"),
        ({"x": True}, TypeError, "got bool"),
        ({"x": math.nan}, ValueError, "variable x must be a finite number, got nan"),
        ({"x": math.inf}, ValueError, "finite number, got inf"),
    ],
)
def test_bad_variables_are_refused(variables, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_expression("1", variables)


def test_text_and_variables_must_have_the_right_types():
    with pytest.raises(TypeError, match="an expression must be a str"):
        parse_expression(b"x", {"x": 1.0})
    with pytest.raises(TypeError, match="variables must be a dict"):
        parse_expression("x", [("x", 1.0)])


# --- names: read alike in the text and in the variables ----------------------------------------


@pytest.mark.parametrize("name", ["x", "𝐱", "ｘ", "ﬁ", "ℌ", "Ⅸ", "x\u0301", "变量", "_"])
def test_a_variable_name_reads_as_pythons_parser_reads_it(name):
    assert variable_name(name) == ast.parse(name, mode="eval").body.id  # both are NFKC


def test_a_name_pythons_parser_refuses_is_refused():
    with pytest.raises(SyntaxError):
        ast.parse("x²", mode="eval")  # NFKC would make it x2, but ² cannot be in a name
    with pytest.raises(ValueError, match="'x²' is not a variable name"):
        variable_name("x²")


def test_a_styled_letter_gives_the_plain_letter_its_value():
    out, leaves = parse_expression("x + 1", {"𝐱": 1.0})  # 𝐱 is MATHEMATICAL BOLD SMALL X
    assert out.data == 2.0 and list(leaves) == ["x"] and leaves["x"].label == "x"


def test_a_styled_letter_in_the_text_takes_the_plain_letters_value():
    out, leaves = parse_expression("𝐱 * 3", {"x": 2.0})
    assert out.data == 6.0 and list(leaves) == ["x"]


# --- control characters and the pointer ------------------------------------------------------


@pytest.mark.parametrize(
    "text, pointer",
    [
        ("x + \x1b[5mq", ["  x + \\x1b[5mq", "      ^^^^"]),  # ESC, shown as \x1b
        ("x\x00 + 1", ["  x\\x00 + 1", "   ^^^^"]),  # NUL: Python's own parser stops at it
        ("(x + 1 # \x07\n)", ["  (x + 1 # \\x07", "           ^^^^"]),  # a bell, in a comment
    ],
)
def test_a_control_character_is_refused_and_shown_written_out(text, pointer):
    with pytest.raises(ExpressionError, match="cannot be part of an expression") as caught:
        parse_expression(text, {"x": 1.0})
    assert str(caught.value).splitlines()[1:] == pointer


def test_the_caret_stays_under_the_problem_after_a_tab():
    with pytest.raises(ExpressionError) as caught:
        parse_expression("x +\tq", {"x": 1.0})  # the tab is shown as \t, two columns
    assert caught.value.pointer() == "  x +\\tq\n       ^"


def test_the_caret_stays_under_the_problem_after_wide_characters():
    with pytest.raises(ExpressionError) as caught:
        parse_expression("变量 + q", {"变量": 1.0})  # each of 变 and 量 fills two columns
    assert caught.value.pointer() == "  变量 + q\n         ^"


def test_a_problem_after_a_line_break_python_does_not_count_is_on_the_right_line():
    with pytest.raises(ExpressionError) as caught:
        parse_expression("(x +\f q)", {"x": 1.0})  # a form feed is white space, not a line
    assert (caught.value.line, caught.value.column) == (1, 6)
    assert caught.value.pointer() == "  (x +\\x0c q)\n           ^"  # 2 + 4 + 4 + 1 columns


# --- size: a limit, and labels in linear time ------------------------------------------------


def test_an_expression_over_the_length_limit_is_refused_without_parsing():
    text = "total(" + ", ".join(["x*x"] * 10_000) + ")"  # 50,005 characters
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text, {"x": 1.0})
    assert str(caught.value) == (
        "the expression has 50,005 characters, more than the 10,000 the expression language "
        "takes: it is for graphs small enough to read; build a larger graph in Python from "
        "Values")  # no pointer: echoing 50,000 characters would help nobody


def test_an_expression_at_the_length_limit_is_built():
    text = "total(" + ", ".join(["x*x"] * 1_999) + ")"
    assert len(text) == MAX_LENGTH
    out, leaves = parse_expression(text, {"x": 1.0})
    out.backward()
    assert out.data == 1_999.0 and leaves["x"].grad == 2 * 1_999  # d(x*x)/dx = 2x per term


def test_labels_are_the_text_each_node_came_from():
    text = "(变量 * 𝐱 +\r\n  tanh(𝐱))"  # wide and 4-byte characters, a Windows line break
    out, _ = parse_expression(text, {"x": 1.0, "变量": 2.0})
    tree = ast.parse(text, mode="eval")
    expected = {" ".join(ast.get_source_segment(text, node).split())
                for node in ast.walk(tree) if isinstance(node, (ast.BinOp, ast.Call))}
    labels = {v.label for v in topological_order(out) if v.op is not None}
    assert labels == expected == {"变量 * 𝐱", "tanh(𝐱)", "变量 * 𝐱 + tanh(𝐱)"}


def lines_run(text: str) -> int:
    """How many lines of Python code parse_expression runs for `text` (a count, not a time)."""
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        parse_expression(text, {"x": 1.0})
    finally:
        sys.settrace(None)
    return count


def test_labelling_twice_the_terms_is_twice_the_work():
    # Each label is a slice of the text: work grows with the number of nodes. (Finding each
    # node's text by scanning the whole text would make twice the terms four times the work.)
    small = lines_run("total(" + ", ".join(["x*x"] * 100) + ")")
    large = lines_run("total(" + ", ".join(["x*x"] * 200) + ")")
    assert large < 2.5 * small  # linear work doubles (1.9x here); quadratic would be 4x

"""A tiny expression language for the command line: `tanh(x*w + b)` with x, w, b given numbers.

Text is parsed by Python's own parser (`ast`) and then checked against a short whitelist:
numbers, variable names, + - * / **, unary minus and calls to the engine's functions. Nothing
is ever evaluated as Python; the tree is walked by hand and each allowed node becomes Value
operations, so the graph that comes out is exactly the expression that was typed.

An expression is at most MAX_LENGTH (10,000) characters: the language is for graphs small
enough to read and step through; a larger graph is built in Python from Values. Names are read
as Python reads them, NFKC-normalised (𝐱 is x), in the text and in the variables alike.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from numbers import Real

from . import functions
from .text import columns, printable
from .value import Value, constant

MAX_LENGTH = 10_000  # characters; longer expressions are refused before they are parsed

# Control characters (Unicode's Cc) but the tab, newline, carriage return and form feed that
# Python reads as white space: refused, since Python lets them through in comments.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")

LINE_BREAK = re.compile(r"\r\n|\r|\n")  # where Python's parser starts a new line

# The functions an expression may call: name -> (function, how many arguments).
FUNCTIONS: dict[str, tuple[Callable[..., Value], int | None]] = {
    "exp": (functions.exp, 1),
    "log": (functions.log, 1),
    "tanh": (functions.tanh, 1),
    "sigmoid": (functions.sigmoid, 1),
    "relu": (functions.relu, 1),
    "softplus": (functions.softplus, 1),
    "sin": (functions.sin, 1),
    "cos": (functions.cos, 1),
    "sqrt": (functions.sqrt, 1),
    "abs": (abs, 1),  # abs(value) is Value.abs()
    "leaky_relu": (functions.leaky_relu, 2),  # leaky_relu(x) or leaky_relu(x, slope)
    "total": (lambda *terms: functions.total(terms), None),  # total(b, w0*x0, w1*x1): one sum
}

OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}

# Python syntax that parses but is not part of the language, and how to say so.
REFUSED = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "subscripts (a[i])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and / or",
    ast.IfExp: "conditional expressions (a if c else b)",
    ast.NamedExpr: "assignments (:=)",
    ast.List: "lists",
    ast.Tuple: "tuples (a, b)",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.JoinedStr: "strings",
    ast.Starred: "unpacking (*a)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}

REFUSED_OPERATORS = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<",
                     ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^",
                     ast.Not: "not", ast.Invert: "~"}

LANGUAGE = "numbers, variables, + - * / **, unary minus and calls to " + ", ".join(FUNCTIONS)


class ExpressionError(ValueError):
    """An expression that cannot be used, with where the problem is.

    message says what is wrong; text is the expression; line (from 1), column (from 0) and
    width mark the part to point at, or column is None when no single place is to blame.
    """

    def __init__(self, message: str, text: str, line: int = 1, column: int | None = None,
                 width: int = 1, unknown_name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.line = line
        self.column = column
        self.width = max(1, width)
        self.unknown_name = unknown_name  # set when a name has no value

    def pointer(self) -> str:
        """The offending line with carets under the problem ("" when there is no place).

        The line is shown with its control characters written out (ESC as \\x1b), and the
        carets are placed by the columns the text before and under them fills when shown.
        """
        lines = _lines(self.text)
        if self.column is None or not 1 <= self.line <= len(lines):
            return ""
        source = lines[self.line - 1]
        width = min(self.width, max(1, len(source) - self.column))
        before = printable(source[: self.column])
        under = printable(source[self.column: self.column + width])
        return (f"  {printable(source)}\n"
                f"  {' ' * columns(before)}{'^' * max(1, columns(under))}")

    def __str__(self) -> str:
        pointer = self.pointer()
        message = printable(self.message)
        return f"{message}\n{pointer}" if pointer else message


def parse_expression(
    text: str, variables: Mapping[str, float], *, label_nodes: bool = True
) -> tuple[Value, dict[str, Value]]:
    """Build the graph of `text`: (output Value, {name: leaf Value} for each variable it uses).

    Each variable becomes one leaf labelled with its name (`x*x` uses the same leaf twice);
    each number becomes a constant. With label_nodes, each operation's result is labelled
    with the text it came from, e.g. "x*w + b". Raises ExpressionError pointing at a problem,
    also for a text longer than MAX_LENGTH characters.
    """
    if not isinstance(text, str):
        raise TypeError(f"an expression must be a str, got {type(text).__name__}: {text!r}")
    numbers = _check_variables(variables)
    text = text.strip()  # Python's parser refuses leading spaces ("unexpected indent")
    tree = _parse(text)
    _check(tree, text, numbers)
    leaves = {name: Value(number, label=name) for name, number in numbers.items()}
    out = _evaluate(tree.body, _Source(text), leaves, label_nodes)
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return out, {name: leaf for name, leaf in leaves.items() if name in used}


def variable_name(name: str) -> str:
    """`name` as an expression reads it, NFKC-normalised as Python's parser does (𝐱 is x).

    A ValueError says why a name cannot be a variable's: not an identifier, a Python keyword
    (None and True included) or the name of one of the FUNCTIONS.
    """
    if not isinstance(name, str):
        raise TypeError(f"a variable name must be a str, got {type(name).__name__}: {name!r}")
    # Python reads every identifier in NFKC form (PEP 3131): the x of `𝐱 + 1` is "x".
    normal = unicodedata.normalize("NFKC", name)
    reads = f" (it reads as {normal})" if normal != name else ""
    if not name.isidentifier() or not normal.isidentifier():
        raise ValueError(f"{name!r} is not a variable name: use letters, digits and _, not "
                         f"starting with a digit")
    if keyword.iskeyword(normal):
        raise ValueError(f"{name!r}{reads} is a Python keyword, not a variable name: pick "
                         f"another name, such as {normal}_")
    if normal in FUNCTIONS:
        raise ValueError(f"{name!r}{reads} is taken by the function {normal}(), so it is not a "
                         f"variable name: pick another name, such as {normal}_")
    return normal


def _check_variables(variables: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(variables, Mapping):
        raise TypeError(f"variables must be a dict of name -> number, got "
                        f"{type(variables).__name__}")
    numbers = {}
    for given, number in variables.items():
        name = variable_name(given)
        if name in numbers:
            raise ValueError(f"variable {name} is given twice (as {given!r} and as a name that "
                             f"reads the same)")
        if isinstance(number, bool) or not isinstance(number, Real):
            raise TypeError(f"variable {name} must be a real number, got "
                            f"{type(number).__name__}: {number!r}")
        if not math.isfinite(number):
            raise ValueError(f"variable {name} must be a finite number, got {number!r}")
        numbers[name] = float(number)
    return numbers


def _parse(text: str) -> ast.Expression:
    if not text.strip():
        raise ExpressionError("the expression is empty; write one such as tanh(x*w + b)", text)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression has {len(text):,} characters, more than the {MAX_LENGTH:,} the "
            f"expression language takes: it is for graphs small enough to read; build a larger "
            f"graph in Python from Values", text)
    control = CONTROL.search(text)
    if control:  # found here, as Python's parser stops at a NUL without saying where
        before = _lines(text[: control.start()])
        raise ExpressionError(f"the control character {printable(control.group())} "
                              f"(U+{ord(control.group()):04X}) cannot be part of an expression",
                              text, len(before), len(before[-1]))
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as error:
        line = error.lineno or 1
        column = (error.offset or 1) - 1
        message = (error.msg or "invalid syntax").replace("Perhaps you forgot a comma?", "")
        message = message.strip().rstrip(".")
        raise ExpressionError(f"not a valid expression: {message}", text, line,
                              column) from None
    except (RecursionError, MemoryError):  # Python's parser has its limits
        raise ExpressionError("the expression is too long or nested too deeply for Python's "
                              "parser", text) from None


def _lines(text: str) -> list[str]:
    """The lines of text as Python's parser numbers them (from 1: line n is _lines(text)[n-1])."""
    return LINE_BREAK.split(text)


class _Source:
    """An expression's text, with the start of each line found once, so that the text of any
    node is one slice: labelling every node takes time linear in the text (plus the labels)."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")  # ast's columns count UTF-8 bytes
        self.starts = [0] + [m.end() for m in re.finditer(LINE_BREAK.pattern.encode(),
                                                         self.data)]

    def segment(self, node: ast.AST) -> str:
        """The text a node was parsed from, as ast.get_source_segment gives it."""
        start = self.starts[node.lineno - 1] + node.col_offset
        end = self.starts[node.end_lineno - 1] + node.end_col_offset
        return self.data[start:end].decode("utf-8")


# --- checking: every node must be on the whitelist ---------------------------------------------


def _column(text: str, line: int, byte_offset: int) -> int:
    """A column in characters from ast's column in UTF-8 bytes."""
    lines = _lines(text)
    source = lines[line - 1] if 1 <= line <= len(lines) else ""
    return len(source.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


def _where(node: ast.AST, text: str) -> tuple[int, int, int]:
    """(line, column, width) of a node, in characters; to the end of its line if it wraps."""
    line = node.lineno
    column = _column(text, line, node.col_offset)
    if node.end_lineno == line:
        return line, column, _column(text, line, node.end_col_offset) - column
    return line, column, len(_lines(text)[line - 1]) - column


def _refuse(message: str, node: ast.AST, text: str, unknown_name: str | None = None):
    line, column, width = _where(node, text)
    return ExpressionError(message, text, line, column, width, unknown_name)


def _refuse_operator(message: str, node: ast.BinOp, symbol: str, text: str):
    """An error pointing at the operator of a binary operation, between its two operands."""
    line, column, width = _where(node, text)
    between = node.left.end_lineno
    if node.right.lineno == between:  # look between the operands
        start = _column(text, between, node.left.end_col_offset)
        found = _lines(text)[between - 1].find(symbol, start)
        if found >= 0:
            line, column, width = between, found, len(symbol)
    return ExpressionError(message, text, line, column, width)


def _check(tree: ast.Expression, text: str, numbers: dict[str, float]) -> None:
    """Raise at the first node, in reading order, that the language does not allow."""
    stack = [tree.body]
    while stack:  # depth first, left to right, with an explicit stack: no recursion
        node = stack.pop()
        problem = _problem(node, text, numbers)
        if problem:
            raise problem
        stack.extend(reversed(_operands(node)))


def _problem(node: ast.AST, text: str, numbers: dict[str, float]) -> ExpressionError | None:
    """What is wrong with this node alone, or None."""
    if isinstance(node, ast.Constant):
        return _constant_problem(node, text)
    if isinstance(node, ast.Name):
        if node.id in numbers:
            return None
        if node.id in FUNCTIONS:
            return _refuse(f"{node.id} is a function: call it, as in {node.id}(x)", node, text)
        known = ", ".join(sorted(numbers)) or "none"
        close = difflib.get_close_matches(node.id, list(numbers) + list(FUNCTIONS), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return _refuse(f"{node.id} has no value (the variables given are: {known}){hint}",
                       node, text, unknown_name=node.id)
    if isinstance(node, ast.BinOp):
        if type(node.op) in OPERATORS:
            return None
        symbol = REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)
        hint = "; for a power write a ** b" if symbol == "^" else ""
        return _refuse_operator(f"the operator {symbol} is not part of the expression language "
                                f"(it has + - * / **){hint}", node, symbol, text)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            return None
        symbol = REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)
        return _refuse(f"the operator {symbol} is not part of the expression language", node,
                       text)
    if isinstance(node, ast.Call):
        return _call_problem(node, text, numbers)
    what = REFUSED.get(type(node), f"this kind of Python ({type(node).__name__})")
    return _refuse(f"{what} cannot be used in an expression; it may have {LANGUAGE}", node,
                   text)


def _constant_problem(node: ast.Constant, text: str) -> ExpressionError | None:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = {bool: "True and False are not numbers", str: "strings cannot be used",
                complex: "complex numbers cannot be used", bytes: "bytes cannot be used"}.get(
                    type(value), f"{value!r} cannot be used")
        return _refuse(f"{kind} in an expression; it may have {LANGUAGE}", node, text)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        return _refuse("this number is too large for a float (it would be inf)", node, text)
    return None


def _call_problem(node: ast.Call, text: str, numbers: dict[str, float]) -> ExpressionError | None:
    if not isinstance(node.func, ast.Name):
        return _refuse(f"only the functions {', '.join(FUNCTIONS)} can be called, by name",
                       node.func, text)
    name = node.func.id
    if name not in FUNCTIONS:
        what = f"{name} is a variable, not a function" if name in numbers else (
            f"{name} is not a function of the expression language")
        return _refuse(f"{what}; the functions are: {', '.join(FUNCTIONS)}", node.func, text)
    if node.keywords:
        return _refuse(f"{name}() takes no keyword arguments", node.keywords[0], text)
    arity = FUNCTIONS[name][1]
    if name == "leaky_relu":
        if len(node.args) not in (1, 2):
            return _refuse(f"leaky_relu takes 1 or 2 arguments (x, slope), got {len(node.args)}",
                           node, text)
        if len(node.args) == 2 and _literal(node.args[1]) is None:
            return _refuse("the slope of leaky_relu must be a number", node.args[1], text)
    elif arity is None:  # total(...): any number of terms, two at least
        if len(node.args) < 2:
            return _refuse(f"{name} takes two or more terms, got {len(node.args)}", node, text)
    elif len(node.args) != arity:
        return _refuse(f"{name} takes {arity} argument, got {len(node.args)}", node, text)
    return None


def _literal(node: ast.AST) -> float | None:
    """The number a literal such as 2, 0.5 or -3 stands for; None for anything else."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not (
            isinstance(node.value, bool)):
        return sign * float(node.value)
    return None


def _operands(node: ast.AST) -> list[ast.AST]:
    """The sub-expressions of a node, left to right."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


# --- building the graph ----------------------------------------------------------------------


def _evaluate(body: ast.AST, source: _Source, leaves: dict[str, Value], label_nodes: bool
              ) -> Value:
    """The Value of a checked tree, built bottom-up with an explicit stack (no recursion)."""
    results: dict[ast.AST, Value | float] = {}  # a literal stays a float until an op uses it
    stack = [(body, False)]
    while stack:
        node, operands_done = stack.pop()
        literal = _literal(node)
        if literal is not None:
            results[node] = literal  # -3 is the number -3, not 3 * -1
            continue
        if not operands_done:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(_operands(node)))
            continue
        operands = [results.pop(child) for child in _operands(node)]
        result = _apply(node, operands, leaves)
        if label_nodes and not result.label and all(result is not x for x in operands):
            result.label = " ".join(source.segment(node).split())
        results[node] = result
    out = results[body]
    return out if isinstance(out, Value) else Value(out)  # the whole expression is a number


def _as_operand(x: Value | float) -> Value:
    return x if isinstance(x, Value) else constant(x)  # a number written in it


def _apply(node: ast.AST, operands: list, leaves: dict[str, Value]) -> Value:
    """One node of the checked tree as Value operations on its operands' results."""
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _as_operand(operands[0])
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _as_operand(operands[0]), operands[1]
        if isinstance(node.op, ast.Pow):  # a number exponent is a parameter of pow: x ** 2
            return left ** right
        right = _as_operand(right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return left / right
    # a call: check() made sure it names a function with the right number of arguments
    function = FUNCTIONS[node.func.id][0]
    if node.func.id == "leaky_relu" and len(operands) == 2:
        return function(_as_operand(operands[0]), operands[1])  # the slope stays a number
    return function(*(_as_operand(x) for x in operands))

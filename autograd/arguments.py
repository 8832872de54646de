"""Reading the `chainrule` command line: NAME=VALUE pairs, the expression, and usage errors.

Every subcommand (cli.py's draw, the stepper's step and html) reads its arguments with these,
so a mistake reads the same whichever command it was made in: one line, `chainrule COMMAND:
error: ...`, then two lines pointing at the place for a mistake in the expression.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

from .expression import FUNCTIONS, MAX_LENGTH, ExpressionError, parse_expression, variable_name
from .text import printable
from .value import Value

LANGUAGE_NOTE = (f"The expression may use numbers, variables, + - * / **, unary minus and the "
                 f"functions {' '.join(FUNCTIONS)}, in at most {MAX_LENGTH:,} characters. A "
                 f"variable's name is not a Python keyword or one of those functions. Put `--` "
                 f"before an expression that starts with '-'.")


PRIMITIVES_HELP = ("show a - b, x / y, -x and sqrt(x) as the engine's primitives (-1 * b, "
                   "then a + that; y ** -1, then x * that) rather than as written")


class UsageError(Exception):
    """A mistake on the command line, reported as `chainrule: error: ...` with status 2.

    pointer: the lines that point at the mistake in the expression (see ExpressionError).
    """

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.pointer = pointer


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, with user text in its error messages written out printably."""

    def error(self, message: str):
        """Print the usage and `prog: error: message` on one line, and exit with status 2."""
        super().error(printable(message))


def parse_assignments(texts: Sequence[str]) -> dict[str, float]:
    """{"x": 2.0, ...} from ["x=2", ...]; a UsageError names the first bad one.

    Names are read as the expression reads them (variable_name: 𝐱=1 gives x its value).
    """
    values: dict[str, float] = {}
    given: dict[str, str] = {}  # name -> the text that gave it
    for text in texts:
        name, equals, number = text.partition("=")
        name, number = name.strip(), number.strip()
        if not equals or not name:
            raise UsageError(f"expected NAME=VALUE after the expression, such as x=2, got "
                             f"{text!r}")
        try:
            name = variable_name(name)
        except ValueError as error:
            raise UsageError(f"{text!r}: {error}") from None
        if name in values:
            raise UsageError(f"{name} is given twice: {given[name]!r} and {text!r}")
        given[name] = text
        try:
            value = float(number)
        except ValueError:
            raise UsageError(f"{text!r}: {number!r} is not a number (write it like 2, -0.5 or "
                             f"1e-3)") from None
        if not math.isfinite(value):
            raise UsageError(f"{text!r}: give {name} a finite number, not {number}")
        values[name] = value
    return values


def parse_command_expression(text: str, values: dict[str, float], label_nodes: bool = True
                             ) -> tuple[Value, dict[str, Value]]:
    """parse_expression for a command: a UsageError, telling how to give a missing name a value."""
    try:
        return parse_expression(text, values, label_nodes=label_nodes)
    except ExpressionError as error:
        message = error.message
        if error.unknown_name:
            message += f"; give it one on the command line: {error.unknown_name}=VALUE"
        raise UsageError(message, error.pointer()) from None

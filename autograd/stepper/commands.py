"""The stepper's command-line subcommands: `chainrule step` and `chainrule html`.

    chainrule step "tanh(x*w + b)" x=2 w=-3 b=6.88
    chainrule html "tanh(x*w + b)" x=2 w=-3 b=6.88 -o walk.html

cli.py registers them with `add_commands`; the expression is read by arguments.py (and
expression.py), as for `chainrule draw`, so it is never run as Python.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..arguments import (
    LANGUAGE_NOTE,
    PRIMITIVES_HELP,
    UsageError,
    parse_assignments,
    parse_command_expression,
)
from ..naming import for_stream
from ..text import printable

if TYPE_CHECKING:
    from ..value import Value

STEP_EXAMPLE = 'chainrule step "tanh(x*w + b)" x=2 w=-3 b=6.88'
HTML_EXAMPLE = 'chainrule html "tanh(x*w + b)" x=2 w=-3 b=6.88 -o walk.html'


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register `step` and `html` with the chainrule parser's subcommands."""
    step = commands.add_parser(
        "step",
        help="step through an expression's forward and backward pass in the terminal",
        description="Walk through the graph of an expression one operation forward and one "
        "chain-rule step backward at a time, each step narrated with its numbers. Keys: n "
        "next, p previous, f/b jump to the forward/backward pass, g go to a node, x explain, "
        "t tape, r practice, q quit. Without a terminal, each input line is one key.",
        epilog=f"example: {STEP_EXAMPLE}\n\n{LANGUAGE_NOTE}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _expression_arguments(step)
    step.add_argument("--practice", action="store_true",
                      help="type each gradient before it is shown")
    step.add_argument("--tape", action="store_true",
                      help="print the whole computation as numbered statements and stop")
    step.add_argument("--explain", metavar="NAME",
                      help="print why d out/d NAME is what it is (every path, and a check)")
    step.set_defaults(run=run_step)

    page = commands.add_parser(
        "html",
        help="write a self-contained web page that steps through an expression",
        description="Write one HTML file (no network, no server needed) that steps through "
        "the expression's graph: the graph laid out once, each step highlighted and "
        "narrated, with buttons, a slider, arrow keys and a practice mode.",
        epilog=f"example: {HTML_EXAMPLE}\n\n{LANGUAGE_NOTE}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _expression_arguments(page)
    page.add_argument("-o", "--output", default="walkthrough.html", metavar="FILE",
                      help="the page to write (default: walkthrough.html)")
    page.add_argument("--title", default="", help="the page's title (default: the expression)")
    page.add_argument("--practice", action="store_true",
                      help="start in practice mode: type each gradient before it is shown")
    page.add_argument("--direction", choices=["LR", "TB"], default="LR",
                      help="lay the graph out left to right (LR, the default) or top to bottom")
    page.set_defaults(run=run_html)


def _expression_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", help='the expression, e.g. "tanh(x*w + b)"')
    parser.add_argument("values", nargs="*", metavar="NAME=VALUE",
                        help="a value for a variable")
    parser.add_argument("--max-nodes", type=int, default=500, metavar="N",
                        help="refuse graphs with more nodes than this (default: 500)")
    parser.add_argument("--focus", metavar="NAME",
                        help="follow one variable: only the steps on the paths from NAME to "
                        "the output, ending with their sum, d out/d NAME")
    parser.add_argument("--primitives", action="store_true", help=PRIMITIVES_HELP)


def run_step(args: argparse.Namespace) -> int:
    """chainrule step: the terminal stepper (or, with --tape / --explain, one printout)."""
    from . import step, walkthrough

    walk = _walkthrough(args, walkthrough, _output(args))
    if args.tape:
        print(for_stream(walk.tape(), sys.stdout))  # ∂, or d(...) where it cannot be printed
        return 0
    if args.explain:
        try:
            print(for_stream(printable(str(walk.explain(args.explain)), keep="\n"), sys.stdout))
        except ValueError as error:
            raise UsageError(str(error)) from None
        return 0
    step(walk, title=f"out = {' '.join(args.expression.split())}", practice=args.practice)
    return 0


def run_html(args: argparse.Namespace) -> int:
    """chainrule html: write the walkthrough page."""
    from ..drawing import DotNotFoundError
    from . import walkthrough
    from .model import other_form
    from .page import write_page

    out = _output(args)
    walk = _walkthrough(args, walkthrough, out)
    other = other_form(out, walk, args.primitives, args.max_nodes)
    title = args.title or f"out = {' '.join(args.expression.split())}"
    try:
        path = write_page(walk, args.output, title=title, practice=args.practice,
                          direction=args.direction, other=other, primitives=args.primitives)
    except (DotNotFoundError, OSError) as error:
        why = printable(str(error), keep="\n")  # the advice on installing Graphviz has lines
        print(f"chainrule: cannot write {printable(args.output)}: {why}", file=sys.stderr)
        return 1
    print(f"wrote {printable(str(path))} ({len(walk) - 1} steps): open it in a browser")
    return 0


def _output(args: argparse.Namespace) -> Value:
    """The output of the expression on the command line, its intermediates named t1, t2, ..."""
    out, _ = parse_command_expression(args.expression, parse_assignments(args.values),
                                      label_nodes=False)
    return out


def _walkthrough(args: argparse.Namespace, walkthrough, out: Value):
    """The walkthrough of `out`, the command line's expression, or a UsageError saying why not."""
    try:
        return walkthrough(out, max_nodes=args.max_nodes, primitives=args.primitives,
                           focus=args.focus)
    except ValueError as error:  # too large a graph, or --focus names no node of it
        raise UsageError(str(error)) from None

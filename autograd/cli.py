"""The `chainrule` command: type an expression, get its gradients and a drawing of its graph.

    chainrule draw "tanh(x*w + b)" x=2 w=-3 b=6.8813735870195432 -o neuron.svg

Each subcommand is one function taking the parsed arguments and returning an exit status;
this is a surface, so it prints. Expressions are parsed safely by expression.py, never run.
Every mistake on the command line is one line on stderr, `chainrule COMMAND: error: ...`
(then two lines pointing at the place, for a mistake in the expression), and exit status 2,
as argparse does; user text in it has its control characters written out.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .arguments import (
    LANGUAGE_NOTE,
    PRIMITIVES_HELP,
    ArgumentParser,
    UsageError,
    parse_assignments,
    parse_command_expression,
)
from .dot import MAX_NODES, MAX_PIXELS
from .naming import derivative, for_stream, format_number
from .stepper.commands import add_commands
from .text import printable

EXAMPLE = 'chainrule draw "tanh(x*w + b)" x=2 w=-3 b=6.8813735870195432 -o neuron.svg'


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: one subparser per command (more commands can be added here)."""
    parser = ArgumentParser(
        prog="chainrule",
        description="See backpropagation: compute an expression's gradients and draw its graph.",
        epilog=f"example: {EXAMPLE}",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    draw = commands.add_parser(
        "draw",
        help="draw the computation graph of an expression and print its gradients",
        description="Compute an expression, backpropagate from it, print d(output)/d(variable) "
        "for each variable and draw the graph with its values and gradients.",
        epilog=f"example: {EXAMPLE}\n\n{LANGUAGE_NOTE}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    draw.add_argument("expression", help='the expression, e.g. "tanh(x*w + b)"')
    draw.add_argument("values", nargs="*", metavar="NAME=VALUE", help="a value for a variable")
    draw.add_argument("-o", "--output", default="graph.svg", metavar="FILE",
                      help="where to draw: .svg, .png, .pdf or .dot (default: graph.svg)")
    draw.add_argument("--direction", choices=["LR", "TB"], default="LR",
                      help="left to right (LR, the default) or top to bottom (TB)")
    draw.add_argument("--local-grads", action="store_true",
                      help="write the local derivative d out / d input on each edge")
    draw.add_argument("--no-color", action="store_true", help="do not colour the gradients")
    draw.add_argument("--no-legend", action="store_true", help="leave out the legend")
    draw.add_argument("--hide-constants", action="store_true",
                      help="fold constants into the operations that use them")
    draw.add_argument("--focus", metavar="NAME",
                      help="draw only the paths from this variable to the output")
    draw.add_argument("--max-nodes", type=int, default=MAX_NODES, metavar="N",
                      help=f"refuse to draw more nodes than this (default: {MAX_NODES}); "
                      f"a drawing longer than {MAX_PIXELS:,} pixels is refused too")
    draw.add_argument("--primitives", action="store_true", help=PRIMITIVES_HELP)
    draw.set_defaults(run=run_draw)

    add_commands(commands)  # step and html: the stepper's own commands
    add_installed_commands(commands)  # playground, from nn
    return parser


# Commands that other packages add. `nn` adds `playground` (a page where a model trains), but
# autograd never imports nn: nn names its function under this entry-point group in the
# package's metadata (pyproject.toml), and the command line finds it there when installed.
COMMAND_GROUP = "chainrule.commands"


def add_installed_commands(commands: argparse._SubParsersAction) -> None:
    """Let each function registered under COMMAND_GROUP add its subcommand.

    Such a command writes one file, `args.output`. A ValueError or TypeError from its run
    function is a mistake in the arguments (a usage error); an OSError means the file could not
    be written.
    """
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda entry: entry.name):
        entry.load()(commands)
        command = commands.choices[entry.name]
        command.set_defaults(run=_writes_a_file(command.get_default("run")))


def _writes_a_file(run):
    """An installed command's run function, with its outcome reported as ours are."""
    def run_and_report(args: argparse.Namespace) -> int:
        shown = printable(args.output)
        try:
            run(args)
        except (ValueError, TypeError) as error:
            raise UsageError(str(error)) from None
        except OSError as error:
            print(f"chainrule: cannot write {shown}: {printable(str(error))}", file=sys.stderr)
            return 1
        print(f"wrote {shown}: open it in a browser")
        return 0
    return run_and_report


def run_draw(args: argparse.Namespace) -> int:
    """chainrule draw: parse, backpropagate, draw, then print the gradients and save.

    Every usage error is found before anything is printed, so that it is all the output.
    """
    from .dot import GraphTooLargeError
    from .drawing import INSTALL_DOT, DotNotFoundError, draw  # loaded only when drawing

    variables = parse_assignments(args.values)
    # intermediates are unlabelled, so the drawing names them t1, t2, ... as the stepper does
    out, leaves = parse_command_expression(args.expression, variables, label_nodes=False)
    unused = [name for name in variables if name not in leaves]
    out.backward()

    output = Path(args.output)
    try:
        drawing = draw(out, direction=args.direction, local_grads=args.local_grads,
                       color_grads=not args.no_color, legend=not args.no_legend,
                       show_constants=not args.hide_constants, focus=args.focus,
                       max_nodes=args.max_nodes, primitives=args.primitives)
    except GraphTooLargeError as error:  # the same advice, spelled as this command's flags
        over = (f"would have {error.nodes:,} nodes, over --max-nodes {error.limit:,} (Graphviz "
                f"takes about 0.5 s for 1,000 nodes and minutes for 10,000)"
                if error.limit is not None and error.nodes > error.limit else
                f"would be over {MAX_PIXELS:,} pixels long, too big to read")
        raise UsageError(
            f"this drawing {over}. Draw less: --focus NAME draws only the paths from NAME to "
            f"the output, --hide-constants folds the constants; or raise --max-nodes."
        ) from None
    except (ValueError, TypeError) as error:  # e.g. an unknown --focus
        raise UsageError(str(error)) from None
    failure = ""
    shown = printable(str(output))
    try:
        drawing.save(output)
    except DotNotFoundError as error:
        failure = f"chainrule: cannot write {shown}: {INSTALL_DOT.format(format=error.format)}"
        try:
            fallback = printable(str(drawing.save(output.with_suffix(".dot"))))  # no dot needed
        except OSError as why:
            failure += f"\nThe DOT text cannot be written either: {printable(str(why))}"
        else:
            failure += (f"\nThe DOT text is in {fallback}; once Graphviz is installed, render "
                        f"it with\n  dot -T{error.format} {fallback} -o {shown}")
    except ValueError as error:  # a suffix that is no format
        raise UsageError(str(error)) from None
    except OSError as error:
        failure = f"chainrule: cannot write {shown}: {printable(str(error))}"

    print(f"out = {printable(' '.join(args.expression.split()))} = {format_number(out.data, 6)}")
    slopes = {name: derivative("out", name) for name in leaves}
    width = max((len(slope) for slope in slopes.values()), default=0)
    for name, leaf in leaves.items():  # 6 significant digits: -1.4999999999999993 is -1.5
        print(for_stream(f"{slopes[name]:<{width}} = {format_number(leaf.grad, 6):<12} ({name} = "
                         f"{format_number(leaf.data, 6)})", sys.stdout))
    for name in unused:
        print(f"note: {name} is given a value but the expression does not use it",
              file=sys.stderr)
    if failure:
        print(failure, file=sys.stderr)
        return 1
    print(f"wrote {shown}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chainrule command line; returns the exit status (0 ok, 1 failed, 2 misused)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    try:
        unknown = [text for text in extra if text.startswith("-")]
        if unknown:
            raise UsageError(f"unrecognized arguments: {' '.join(unknown)}")
        if hasattr(args, "values"):  # NAME=VALUE pairs written after an option
            args.values += extra
        return args.run(args)
    except UsageError as error:
        print(f"chainrule {args.command}: error: {printable(str(error))}", file=sys.stderr)
        if error.pointer:
            print(error.pointer, file=sys.stderr)
        return 2


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chainrule")
    except PackageNotFoundError:  # run from a checkout without installing
        return "(not installed)"

"""`chainrule playground`: the command that writes a playground page.

    chainrule playground --data moons --layers 2,8,8,1 -o play.html

The `chainrule` command line lives in autograd, which never imports nn, so nn adds this
command itself: pyproject.toml names `add_command` under the entry-point group
`chainrule.commands`, and autograd/cli.py calls it with its table of subcommands. The command
line reports what `run` raises: a ValueError or TypeError as a usage error, an OSError as a
file it could not write.
"""

from __future__ import annotations

import argparse

from .playground_page import command_page

EXAMPLE = "chainrule playground --data moons --layers 2,8,8,1 -o play.html"


def add_command(commands: argparse._SubParsersAction) -> None:
    """Add `chainrule playground` to the command line's subcommands."""
    play = commands.add_parser(
        "playground",
        help="write a web page where a network trains live on a 2-D data set",
        description="Write one HTML file (no network, no server needed) where an MLP trains "
        "in the browser on a data set of two classes: the decision boundary, the loss and "
        "accuracy, every neuron's output and every weight, each open to its numbers.",
        epilog=f"example: {EXAMPLE}",
    )
    play.add_argument("--data", default="moons",
                      choices=["moons", "circles", "xor", "spirals", "blobs"],
                      help="the data set (default: moons)")
    play.add_argument("--layers", default="2,8,8,1", metavar="SIZES",
                      help="the layer sizes, inputs first and one output last (default: 2,8,8,1)")
    play.add_argument("--points", type=int, default=200, metavar="N",
                      help="how many points, a quarter of them kept for testing (default: 200)")
    play.add_argument("--noise", type=float, metavar="X",
                      help="the data set's noise (default: the data set's own)")
    play.add_argument("--activation", default="tanh",
                      choices=["relu", "tanh", "sigmoid", "leaky_relu", "softplus"],
                      help="the hidden layers' activation (default: tanh)")
    play.add_argument("--loss", default="hinge", choices=["hinge", "bce"],
                      help="hinge (max-margin) or bce (cross-entropy of logits) (default: hinge)")
    play.add_argument("--optimizer", default="adam", choices=["sgd", "adam"],
                      help="the optimizer (default: adam)")
    play.add_argument("--lr", type=float, metavar="RATE",
                      help="the learning rate (default: 0.1 for sgd, 0.01 for adam)")
    play.add_argument("--batch-size", type=int, metavar="N",
                      help="examples per step (default: every training point)")
    play.add_argument("--seed", type=int, default=0,
                      help="seed of the data, the starting weights and the batches (default: 0)")
    play.add_argument("-o", "--output", default="playground.html", metavar="FILE",
                      help="the page to write (default: playground.html)")
    play.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Build the data set and the model from the arguments, and write the page."""
    page = command_page(args.data, args.layers, args.points, args.noise, args.activation,
                        args.loss, args.optimizer, args.lr, args.batch_size, args.seed)
    page.save(args.output)

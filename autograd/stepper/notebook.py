"""The walkthrough player inline in a Jupyter notebook: `Player(loss)` as the last line of a cell.

It is the web page's player (page.py), each in its own shadow root, so that several players on
one page never touch each other's elements and the notebook's styles never reach them. It
starts as a static picture of the finished graph and a sentence on how to get the live player,
which its script replaces: an untrusted notebook, which runs no scripts, keeps a clean picture
and no controls that do nothing. With the focus in the player, its keys are its own: the
notebook's shortcuts wait until Escape hands the focus back to the cell.
"""

from __future__ import annotations

import secrets

from ..value import Value
from .model import MAX_NODES, Walkthrough, as_walkthrough
from .page import player_html


class Player:
    """A walkthrough of the graph behind `output` (or a Walkthrough), shown inline by Jupyter.

    practice: ask for each gradient before showing it; direction: "LR" or "TB"; levels and
    collapse: step a network module by module, as walkthrough() does (a network opens at its
    top level, and each step opens into the level below); focus: start following a node;
    sample: start with one example of a batch; primitives: step the engine's primitives
    (a - b as a + (-1 * b)) rather than the composites as written. (A notebook's player has
    no switch between the two, which would double its output: that is the page's.)
    """

    def __init__(self, output: Value | Walkthrough, *, practice: bool = False,
                 direction: str = "LR", max_nodes: int = MAX_NODES,
                 collapse: str | int | None = None, levels: bool | None = None,
                 focus: Value | str | None = None, sample: int | None = None,
                 primitives: bool = False) -> None:
        if direction not in ("LR", "TB"):
            raise ValueError(f"direction must be 'LR' or 'TB', got {direction!r}")
        self.walk = as_walkthrough(output, max_nodes, collapse, levels, focus, sample,
                                   primitives)
        self.practice = bool(practice)
        self.direction = direction

    def html(self) -> str:
        """The player as HTML: a static picture, and the script that makes it live."""
        token = f"cr{secrets.token_hex(4)}"  # random: outputs of earlier sessions stay apart
        return player_html(self.walk, token, practice=self.practice, direction=self.direction,
                           static_picture=True)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """What Jupyter shows: the player, or, without Graphviz, the tape and how to install it."""
        from ..drawing import DotNotFoundError

        try:
            return {"text/html": self.html(), "text/plain": repr(self)}
        except DotNotFoundError as error:
            return {"text/plain": f"{error}\n\n{self.walk.tape()}"}

    def __repr__(self) -> str:
        graph = self.walk.graph
        top = f", {len(self.walk.top)} at the top level" if self.walk.leveled else ""
        if self.walk.focus is not None:
            top += f", following {graph.nodes[self.walk.focus].name}"
        if self.walk.sample is not None:
            top += f", sample {self.walk.sample}"
        return (f"<Player: a walkthrough of {graph.root.name}, {len(graph.nodes)} nodes, "
                f"{len(self.walk) - 1} steps{top}>")

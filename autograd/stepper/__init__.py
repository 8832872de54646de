"""The stepper: walk a graph one operation forward and one chain-rule step backward at a time.

`walkthrough(value)` turns the graph behind a Value into a list of narrated steps (model.py,
pure data); the surfaces draw them: `step(value)` in a terminal, `export_html(value, path)` as
one self-contained web page, `Player(value)` inline in a notebook. `explain(value, node)` takes
one gradient apart into its paths. None of them changes the Values you pass in.
"""

from .explain import Explanation, explain
from .model import Graph, Node, State, Step, Walkthrough, snapshot, walkthrough
from .notebook import Player
from .page import export_html
from .practice import grade
from .terminal import step
from .training import training_walkthrough

__all__ = [
    "Explanation", "Graph", "Node", "Player", "State", "Step", "Walkthrough", "explain",
    "export_html", "grade", "snapshot", "step", "training_walkthrough", "walkthrough",
]

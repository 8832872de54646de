"""chainrule's eager engine on the benchmark's side: a process of its own, as micrograd has.

The garbage collector's work grows with every object alive in a process, so each scalar
engine runs in a process that imports only what a learner's script would (autograd and nn),
not PyTorch and the other references. run.py talks to it over stdin/stdout, one JSON object
a line, the same protocol as micrograd_worker.py.
"""

import json
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import moons  # noqa: E402
from timing import timed  # noqa: E402

from autograd import Value  # noqa: E402


def build_nodes(n: int) -> Value:
    """Create about n nodes (the same loop as micrograd_worker.build_nodes) and return the
    last, which holds them all: the worker frees them after the timing."""
    a, b = Value(0.5), Value(-0.25)
    for _ in range(n // 2):
        a = a * b + b
    return a


def main() -> None:
    setup = json.loads(sys.stdin.readline())
    engine = moons.ChainruleEager(setup["points"], setup["labels"], setup["weights"])
    for line in sys.stdin:
        request = json.loads(line)
        kind = request["case"]
        reply: dict = {}
        if kind in ("moons", "moons_gc_off"):
            reply["loss"], reply["seconds"] = timed(engine.step, kind == "moons_gc_off")
        elif kind in ("nodes", "nodes_gc_off"):
            n = request["n"]
            last, reply["seconds"] = timed(partial(build_nodes, n), kind == "nodes_gc_off")
            del last  # the n nodes are freed here, after the timing
        elif kind == "quit":
            break
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()

"""What both benchmark workers share: the cases they answer, how they time them, and the loop
that answers run.py.

chainrule_worker.py and micrograd_worker.py each run one scalar engine in a process of its
own. The cases every engine answers, and the timing, are written once here, so that both are
measured doing the same work in the same way. micrograd's worker runs in its own virtual
environment, so this file needs nothing but the standard library.

The protocol: run.py writes one JSON object a line; the first is the setup (the worker reads
it itself), each later one a request {"case": name, ...} answered with one JSON line, until
{"case": "quit"}.
"""

import gc
import json
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any


def timed(step: Callable[[], Any], gc_paused: bool) -> tuple[Any, float]:
    """What step() returned and the seconds it took; with gc_paused, the collector is off."""
    if gc_paused:
        gc.collect()
        gc.disable()
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    gc.enable()
    if gc_paused:
        gc.collect()  # outside the timing: the garbage the step left, if it made cycles
    return result, seconds


def build_nodes(value_type: type, n: int) -> Any:
    """Create about n nodes of an engine whose scalar class is value_type, and return the
    last, which holds them all."""
    a, b = value_type(0.5), value_type(-0.25)
    for _ in range(n // 2):
        a = a * b + b
    return a


def moons_case(step: Callable[[], float], gc_paused: bool, request: dict) -> dict:
    """One training step: the loss it returned and its seconds."""
    loss, seconds = timed(step, gc_paused)
    return {"loss": loss, "seconds": seconds}


def nodes_case(value_type: type, gc_paused: bool, request: dict) -> dict:
    """The seconds to create request["n"] nodes; they are freed after the timing."""
    last, seconds = timed(partial(build_nodes, value_type, request["n"]), gc_paused)
    del last
    gc.collect()  # nodes that form cycles (micrograd's) are freed here too, untimed
    return {"seconds": seconds}


def engine_cases(step: Callable[[], float], value_type: type) -> dict[str, Callable]:
    """The cases every scalar engine answers: its moons step and node creation, each with
    the collector running and paused ("_gc_off")."""
    return {
        "moons": partial(moons_case, step, False),
        "moons_gc_off": partial(moons_case, step, True),
        "nodes": partial(nodes_case, value_type, False),
        "nodes_gc_off": partial(nodes_case, value_type, True),
    }


def serve(cases: dict[str, Callable[[dict], dict]]) -> None:
    """Answer run.py's requests on stdin, each with its case's reply, until "quit"."""
    for line in sys.stdin:
        request = json.loads(line)
        if request["case"] == "quit":
            break
        print(json.dumps(cases[request["case"]](request)), flush=True)

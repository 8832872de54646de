"""How a worker times one request: the same function for every engine, so they are timed alike.

Both chainrule_worker.py and micrograd_worker.py import it; micrograd's worker runs in its own
virtual environment, so this file needs nothing but the standard library.
"""

import gc
import time
from collections.abc import Callable
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

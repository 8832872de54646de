"""Time and memory of chainrule's eager engine, each case in a fresh process (run by run.py).

`memory.py chain N` builds a chain of N additions, backpropagates and releases it (`chain-paused
N` does it inside autograd.gc_paused()); `memory.py steps N` runs N training steps of a small MLP
to see that memory stays flat. Prints one JSON object; memory is the resident set size from
/proc, and the peak the kernel's high-water mark.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import time
import weakref
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nn  # noqa: E402
from autograd import Value, gc_paused  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """The resident set size of this process now, in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 1e6


def peak_mb() -> float:
    """The largest resident set size this process has had, in MB: the kernel's high-water mark
    VmHWM. (Not getrusage's ru_maxrss, which also holds the parent's resident set at the fork
    that started this process: run.py's, hundreds of MB once PyTorch is loaded.)"""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6  # reported in kB, which are KiB
    raise RuntimeError("/proc/self/status has no VmHWM line")


def chain(n: int) -> dict:
    """Build y = x + 1 + 1 + ... (n additions), backpropagate, then drop the graph."""
    before = rss_mb()
    start = time.perf_counter()
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y + 1.0
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    grad = x.grad
    peak = peak_mb()
    output = weakref.ref(y)
    del y
    freed = time.perf_counter()
    freed_at_once = output() is None  # by reference counting, before any collection
    gc.collect()
    after = rss_mb()
    return {"n": n, "build_s": built - start, "backward_s": done - built,
            "free_s": freed - done, "freed_at_once": freed_at_once, "grad": grad,
            "rss_before_mb": before, "peak_mb": peak, "rss_after_mb": after,
            "rss_trimmed_mb": rss_after_trim()}


def rss_after_trim() -> float | None:
    """The resident set size once the C allocator hands its free memory back, in MB.

    Some of what a dropped graph occupied stays with glibc's malloc, free but kept for reuse
    (how much depends on the order of big allocations); malloc_trim returns it to the system,
    which tells freed memory from memory still in use. None where there is no glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    libc.malloc_trim(0)
    return rss_mb()


def chain_paused(n: int) -> dict:
    """chain(n) with Python's cyclic collector resting, as autograd.gc_paused() does it."""
    with gc_paused():
        return chain(n)


def steps(n: int) -> dict:
    """n eager training steps of MLP(2, [8, 1]) on 20 points; RSS after 10% and after all."""
    X, y = nn.make_moons(20, noise=0.1, seed=1)
    points, labels = X.tolist(), [2 * int(label) - 1 for label in y]
    model = nn.MLP(2, [8, 1], seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.05)
    samples = {}
    for step in range(1, n + 1):
        loss = nn.hinge([model(p) for p in points], labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step in (n // 10, n):
            samples[step] = rss_mb()
    return {"n": n, "rss_mb_by_step": samples}


if __name__ == "__main__":
    kind, count = sys.argv[1], int(sys.argv[2])
    cases = {"chain": chain, "chain-paused": chain_paused, "steps": steps}
    print(json.dumps(cases[kind](count)))

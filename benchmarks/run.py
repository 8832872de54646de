"""chainrule's benchmarks: `make bench`, or `python benchmarks/run.py [--rounds N] [--quick]`.

Every case runs in the same session, interleaved round by round, so that a busy machine slows
all of them alike; the report gives medians, and ratios taken round by round against micrograd
(the reference engine, installed from PyPI into benchmarks/.venv-micrograd and run in a
subprocess) and batched numpy; PyTorch joins when it is installed. Its tables are Markdown,
for the README.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import moons  # noqa: E402

import nn  # noqa: E402

MICROGRAD = "micrograd==0.1.0"
# The eager step with the cyclic collector resting, which is how nn.fit runs every step
# (autograd.gc_paused): the figure a training run sees.
PAUSED = "chainrule eager, GC paused (as nn.fit runs it)"
# micrograd's graphs are cycles (each node's _backward closure refers to the node), so with the
# collector paused they pile up; the worker collects them after each step, outside the timing.
MICROGRAD_PAUSED = "micrograd, GC paused (its cycles collected after, untimed)"
MICROGRAD_VENV = HERE / ".venv-micrograd"
FUSED = "chainrule eager, fused neurons"  # nn.MLP(..., fused=True): a node per neuron
FUSED_PAUSED = FUSED + ", GC paused"
CHAIN_RUNS = 3  # fresh processes per collector setting for the deep chain


# --- the reference engine in its own environment ---------------------------------------------


# Which interpreter a Python is: its version line (which names the build's date and compiler)
# and where it is installed. IDENTIFY prints, run by another Python, what interpreter()
# returns here (a test checks that the two agree). Two builds of CPython 3.11 can run this
# engine a fifth faster or slower depending on how they were compiled, so the engines must
# share one.
IDENTIFY = "import sys; print(sys.version); print(sys.base_prefix)"


def interpreter() -> str:
    """This interpreter's version line and base prefix, as IDENTIFY prints them."""
    return f"{sys.version}\n{sys.base_prefix}\n"


def runs_on_this_interpreter(python: Path, *modules: str) -> bool:
    """Whether `python` exists, imports `modules`, and is this interpreter (or a venv of it)."""
    imports = "".join(f"import {module}; " for module in modules)
    try:
        found = subprocess.run([str(python), "-c", imports + IDENTIFY], capture_output=True,
                               text=True)
    except OSError:  # missing, or not a program this machine can run
        return False
    return found.returncode == 0 and found.stdout == interpreter()


def micrograd_python() -> Path:
    """The Python of benchmarks/.venv-micrograd, creating it and installing micrograd first.

    It is made again if it lacks micrograd or was made by another interpreter (after `make
    clean` and a .venv of another Python, say), so that micrograd runs on chainrule's."""
    python = MICROGRAD_VENV / "bin" / "python"
    if runs_on_this_interpreter(python, "micrograd"):
        return python
    print(f"installing {MICROGRAD} into {MICROGRAD_VENV} (missing, without micrograd, or "
          f"made by another interpreter) ...", file=sys.stderr)
    # --clear: venv leaves an existing bin/python link alone, even one to another interpreter
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(MICROGRAD_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    MICROGRAD], check=True)
    return python


class Worker:
    """An engine in a process of its own, running one case per request, so that cases can be
    interleaved and each scalar engine's garbage collector sees only its own objects."""

    def __init__(self, engine: str, python: Path | str, script: str, setup: dict,
                 paused: bool) -> None:
        self.engine = engine
        self.paused = paused  # time its steps with the cyclic collector paused?
        self.moons_case = "moons_gc_off" if paused else "moons"
        self.process = subprocess.Popen([str(python), str(HERE / script)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._send(setup)

    def _send(self, message: dict) -> None:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def ask(self, case: str, **arguments) -> dict:
        self._send({"case": case, **arguments})
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self._send({"case": "quit"})
        self.process.wait(timeout=30)


# --- timing ----------------------------------------------------------------------------------


def per_step(step: Callable[[], object], repeat: int) -> float:
    """Seconds per call of step, over `repeat` calls back to back."""
    start = time.perf_counter()
    for _ in range(repeat):
        step()
    return (time.perf_counter() - start) / repeat


def interleaved(cases: dict[str, Callable[[], float]], rounds: int,
                probes: list[float] | None = None) -> dict[str, list[float]]:
    """The seconds of each case in every round, running every case once per round in rotating
    order. With a list of probes, the machine's own speed is timed before every case too (see
    machine_probe) and appended to it."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            if probes is not None:
                probes.append(machine_probe())
            times[name].append(cases[name]())
        print(f"  round {r + 1}/{rounds} done", file=sys.stderr)
    return times


def machine_probe() -> float:
    """Seconds for a fixed loop of plain Python that uses neither chainrule nor numpy.

    A shared machine speeds up and slows down by itself: timed between the cases, this loop
    shows how far it moved during a run, which is how far a figure that is not a ratio (nodes
    per second, the chain's seconds) can move with it. The loop only computes: it allocates
    no memory that the operating system would have to hand over, which would add noise.
    """
    start = time.perf_counter()
    total = 0.0
    for i in range(100_000):  # about 5 to 15 ms
        total += i * 0.5
    return time.perf_counter() - start


def machine_speed(probes: list[float]) -> str:
    """One sentence on how the machine's speed moved over the probes taken during a run.

    It compares the median and the slowest tenth with the fastest probe, not the slowest
    probe, which a single interruption decides.
    """
    if len(probes) < 2:
        return "(the machine's own speed was not probed often enough to say how it moved)"
    fastest = min(probes)
    one_in_ten = statistics.quantiles(probes, n=10)[-1]  # the 90th percentile
    return (f"A fixed loop of plain Python, timed {len(probes)} times between the cases, took "
            f"{milliseconds(fastest)} at its fastest; its median time was "
            f"{statistics.median(probes) / fastest:.1f} times that, and one time in ten over "
            f"{one_in_ten / fastest:.1f} times: the machine's own speed moved that much during "
            f"the run. Ratios taken round by round mostly share its spells; times and rates "
            f"move with them.")


def medians(times: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(t) for name, t in times.items()}


def bests(times: dict[str, list[float]]) -> dict[str, float]:
    """Each case's fastest round: on a shared machine, noise only ever adds time."""
    return {name: min(t) for name, t in times.items()}


def round_ratios(times: dict[str, list[float]], reference: str,
                 speed_up: bool = True) -> dict[str, float]:
    """For each case, the median over rounds of the ratio of reference's time to its time in
    that round (speed_up), or of its time to reference's (speed_up=False).

    A shared machine can run at two speeds, switching every few seconds. Two cases timed in
    the same round (a few seconds) mostly share the speed, so their ratio holds still; a ratio
    of two medians moves whenever the slow spells fall on more rounds of one case than the
    other (a short step, timed in a slow spell, is a slow sample; a long one averages it).
    """
    pairs = {name: zip(times[reference], case_times, strict=True)
             for name, case_times in times.items()}
    return {name: statistics.median(r / t if speed_up else t / r for r, t in rounds)
            for name, rounds in pairs.items()}


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


# --- the cases -------------------------------------------------------------------------------


def moons_cases(rounds: int, setup: dict, workers: dict[str, Worker],
                probes: list[float]) -> tuple[dict[str, list[float]], list[str]]:
    """The training step of the issue on every engine; also checks that they agree.

    setup holds the points, labels and starting weights the workers were given too; workers
    has a process for each scalar engine and collector setting (see start_workers); probes
    gets the machine's speed before each case (see interleaved).
    """
    points, labels, weights = setup["points"], setup["labels"], setup["weights"]
    engines = {
        "chainrule compiled": moons.ChainruleCompiled(points, labels, weights),
        "batched numpy": moons.NumpyBatched(points, labels, weights),
    }
    notes = []
    try:
        engines["PyTorch (batched)"] = moons.TorchBatched(points, labels, weights)
    except ImportError:
        notes.append("PyTorch is not installed (`make torch`): its row is missing")

    # The first step from the same weights: every engine must compute the same loss.
    first = {name: engine.step() for name, engine in engines.items()}
    for name, worker in workers.items():
        first[name] = worker.ask(worker.moons_case)["loss"]  # (and each process warms up)
    worst = max(moons.relative_difference(x, first["micrograd"]) for x in first.values())
    notes.append(f"first-step losses agree across engines to {worst:.1e} relative "
                 f"(loss {first['micrograd']:.6f})")
    if worst > 1e-9:
        raise SystemExit(f"engines disagree on the first loss: {first}")
    engines["chainrule compiled"].step()  # the checked call after tracing, outside the timing

    fast = {"chainrule compiled": 50, "batched numpy": 200, "PyTorch (batched)": 100}
    cases: dict[str, Callable[[], float]] = {
        name: lambda worker=worker: worker.ask(worker.moons_case)["seconds"]
        for name, worker in workers.items()
    }
    for name, engine in engines.items():
        repeat = fast.get(name, 1)
        cases[name] = lambda engine=engine, repeat=repeat: per_step(engine.step, repeat)
    return interleaved(cases, rounds, probes), notes


def throughput_cases(rounds: int, workers: dict[str, Worker], probes: list[float],
                     n: int = 200_000) -> dict[str, tuple[float, float, float]]:
    """Nodes created per second by the same loop in each engine (a = a * b + b, n nodes): the
    median rate, the best round's, and the rate as a multiple of micrograd's in the same round
    (median)."""
    cases = {}
    for name, worker in workers.items():
        if worker.engine == FUSED:  # the same nodes as the plain eager engine's
            continue
        case = "nodes_gc_off" if worker.paused else "nodes"
        name = worker.engine + (", GC paused" if worker.paused else "")
        cases[name] = lambda worker=worker, case=case: worker.ask(case, n=n)["seconds"]
    times = interleaved(cases, rounds, probes)
    ratios = round_ratios(times, "micrograd")
    fastest = bests(times)
    return {name: (n / seconds, n / fastest[name], ratios[name])
            for name, seconds in medians(times).items()}


def start_workers(setup: dict) -> dict[str, Worker]:
    """A process for each scalar engine, with its collector running and paused.

    Separate processes, because a paused micrograd step is followed by a full collection of
    its cycles (outside the timing), which empties the heap: a default step right after it in
    the same process runs faster than it does in a training loop, which never collects by hand.
    """
    workers = {}
    for name, engine, paused in (("micrograd", "micrograd", False),
                                 (MICROGRAD_PAUSED, "micrograd", True),
                                 ("chainrule eager", "chainrule eager", False),
                                 (PAUSED, "chainrule eager", True),
                                 (FUSED, FUSED, False),
                                 (FUSED_PAUSED, FUSED, True)):
        python, script = ((micrograd_python(), "micrograd_worker.py") if engine == "micrograd"
                          else (sys.executable, "chainrule_worker.py"))
        workers[name] = Worker(engine, python, script, setup | {"fused": engine == FUSED},
                               paused)
    return workers


def memory_case(kind: str, n: int) -> dict:
    """benchmarks/memory.py in a fresh process (so that its peak memory is its own)."""
    out = subprocess.run([sys.executable, str(HERE / "memory.py"), kind, str(n)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def chain_cases(n: int, rounds: int,
                probes: list[float]) -> dict[str, tuple[dict, dict]]:
    """The deep chain with the collector paused and running, `rounds` fresh processes each,
    interleaved; for each setting the run with the median total time and the fastest run."""
    runs: dict[str, list[dict]] = {"GC paused (autograd.gc_paused)": [], "GC running": []}
    for _ in range(rounds):
        for name, kind in zip(runs, ("chain-paused", "chain")):
            probes.append(machine_probe())
            runs[name].append(memory_case(kind, n))
    ranked = {name: sorted(results, key=lambda r: r["build_s"] + r["backward_s"])
              for name, results in runs.items()}
    return {name: (results[rounds // 2], results[0]) for name, results in ranked.items()}


def drawing_case(rounds: int) -> dict[str, float] | None:
    """Time to draw MLP(2, [16, 16, 1])'s graph for one point, collapsed to its neurons."""
    if shutil.which("dot") is None:
        return None
    from autograd.dot import to_dot
    from autograd.drawing import Drawing

    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = model([0.5, -0.5])
    loss.backward()

    def text() -> float:
        return per_step(lambda: to_dot(loss, collapse="neurons", parameters=model), 1)

    def svg() -> float:
        source = to_dot(loss, collapse="neurons", parameters=model)
        return per_step(lambda: Drawing(source).svg(), 1)

    return medians(interleaved({"DOT text": text, "dot program (SVG)": svg}, max(3, rounds // 2)))


def playground_case() -> dict:
    """benchmarks/playground.py in a fresh process: the page training in headless Chromium."""
    out = subprocess.run([sys.executable, str(HERE / "playground.py")], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


# --- the report ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per case")
    parser.add_argument("--quick", action="store_true", help="3 rounds, smaller memory cases")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds

    points, labels = moons.moons_data()
    setup = {"sizes": moons.SIZES, "weights": moons.initial_weights(), "points": points,
             "labels": labels, "alpha": moons.ALPHA, "lr": moons.LR}
    workers = start_workers(setup)
    try:
        print("moons step: MLP(2, [16, 16, 1]), 100 points, max-margin + L2, forward + "
              "backward + SGD", file=sys.stderr)
        probes: list[float] = []  # the machine's own speed, timed between the cases
        step_times, notes = moons_cases(rounds, setup, workers, probes)
        print("node throughput", file=sys.stderr)
        rates = throughput_cases(rounds, workers, probes)
        chain_failure = workers["micrograd"].ask("chain", n=1000)["result"]
    finally:
        for worker in workers.values():
            worker.close()
    length = 300_000 if args.quick else 1_000_000
    chains = chain_cases(length, CHAIN_RUNS, probes)
    flat = memory_case("steps", 200 if args.quick else 1000)
    drawing = drawing_case(rounds)
    playground = playground_case()

    # Times are medians over the rounds; ratios are taken round by round (see round_ratios),
    # and their median is printed. On a shared machine noise only ever adds time, so each
    # case's best round is printed too.
    step = medians(step_times)
    best = bests(step_times)
    speedup = round_ratios(step_times, "micrograd")
    vs_numpy = round_ratios(step_times, "batched numpy", speed_up=False)
    print(f"\nEvery engine ran on Python {sys.version}, installed in {sys.base_prefix}.")
    print(f"\n{machine_speed(probes)}")
    print(f"\n## One training step ({rounds} interleaved rounds)\n")
    for note in notes:
        print(f"- {note}")
    print("\n| engine | time per step (median) | best round | speed-up vs micrograd | "
          "time / batched numpy |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, seconds in sorted(step.items(), key=lambda item: -item[1]):
        print(f"| {name} | {milliseconds(seconds)} | {milliseconds(best[name])} | "
              f"{speedup[name]:.1f}x | {vs_numpy[name]:.1f}x |")
    eager_ratio = step["micrograd"] / step[PAUSED]
    fused_ratio = step["micrograd"] / step[FUSED_PAUSED]
    compiled_ratio = step["chainrule compiled"] / step["batched numpy"]
    print("\nEach ratio is the median over rounds of the ratio of the two cases' times in the "
          f"same round. As ratios of medians instead: {eager_ratio:.1f}x for the eager step as "
          f"nn.fit runs it ({fused_ratio:.1f}x with fused neurons), {compiled_ratio:.1f}x "
          f"numpy's time for the compiled replay.")
    gc_share = {"micrograd": 1 - step[MICROGRAD_PAUSED] / step["micrograd"],
                "chainrule eager": 1 - step[PAUSED] / step["chainrule eager"]}
    print(f"\nShare of the step spent in the garbage collector: micrograd "
          f"{gc_share['micrograd']:.0%}, chainrule eager {gc_share['chainrule eager']:.0%}.")

    print("\n## Nodes created per second (a = a * b + b)\n")
    print("| engine | nodes per second (median) | best round | vs micrograd |\n"
          "| --- | ---: | ---: | ---: |")
    for name, (rate, best_rate, ratio) in rates.items():
        print(f"| {name} | {rate / 1e6:.2f} million | {best_rate / 1e6:.2f} million | "
              f"{ratio:.1f}x |")

    print(f"\n## A chain of {length:,} additions (chainrule eager, fresh processes; the median "
          f"of {CHAIN_RUNS} runs each)\n")
    print("| collector | build | backward | total | fastest run's total | free | peak memory | "
          "memory after | after malloc_trim |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, (chain, fastest) in chains.items():
        trimmed = chain["rss_trimmed_mb"]
        print(f"| {name} | {chain['build_s']:.2f} s | {chain['backward_s']:.2f} s | "
              f"{chain['build_s'] + chain['backward_s']:.2f} s | "
              f"{fastest['build_s'] + fastest['backward_s']:.2f} s | {chain['free_s']:.2f} s | "
              f"{chain['peak_mb'] - chain['rss_before_mb']:.0f} MB over "
              f"{chain['rss_before_mb']:.0f} | {chain['rss_after_mb']:.0f} MB | "
              + (f"{trimmed:.0f} MB |" if trimmed is not None else "(no glibc) |"))
    grads = sorted({chain["grad"] for chain, _ in chains.values()})  # the runs shown above
    print(f"\n- d y/d x = {', '.join(map(str, grads))} (1 expected)")
    print(f"- micrograd on a chain of 1,000 additions: {chain_failure}")
    rss = flat["rss_mb_by_step"]
    print(f"- memory over {flat['n']} eager training steps of a small MLP: "
          + ", ".join(f"{mb:.1f} MB after step {s}" for s, mb in rss.items()))

    if drawing:
        print("\n## Drawing MLP(2, [16, 16, 1]) collapsed to neurons\n")
        for name, seconds in drawing.items():
            print(f"- {name}: {milliseconds(seconds)}")
    else:
        print("\n(drawing not timed: Graphviz's `dot` is not installed)")

    if "skipped" in playground:
        print(f"\n(the playground page not timed: {playground['skipped']})")
    else:
        print("\n## The playground page: MLP(2, [16, 16, 1]) on 100 points in headless Chromium\n")
        print("| | steps per second | work per step (median) | slowest step |\n"
              "| --- | ---: | ---: | ---: |")
        for name, row in playground.items():
            print(f"| {name} | {row['steps per second']:.0f} | {row['median ms']:.1f} ms | "
                  f"{row['slowest ms']:.1f} ms |")
        drawn, bare = playground["with views"], playground["training only"]
        share = drawn["steps per second"] / bare["steps per second"]
        print(f"\nWith the views redrawn after every step (a frame each, as the page plays at "
              f"speed 1), training runs at {share:.2f} of its speed without them. Target: at "
              f"least 30 steps per second, and every step's work within 60 ms.")


if __name__ == "__main__":
    main()

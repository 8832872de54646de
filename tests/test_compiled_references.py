"""What the benchmarks compare is the same computation, and the compiled digits demo trains.

benchmarks/moons.py writes the moons step for each engine; a speed ratio only means something
if they all compute the same step. From the same weights, the eager engine, the compiled
replay, batched numpy and PyTorch must give the same losses and the same weights after SGD.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import assert_png, require_module

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import moons  # noqa: E402


def _weights_after(engine) -> list[float]:
    if isinstance(engine, moons.ChainruleEager):
        return [p.data for p in engine.model.parameters()]
    flat = []  # back to nn's order: for each neuron, its weights then its bias
    for W, b in zip(engine.params[::2], engine.params[1::2]):
        W, b = np.asarray(W.detach() if hasattr(W, "detach") else W), np.asarray(
            b.detach() if hasattr(b, "detach") else b)
        for j in range(W.shape[1]):
            flat += list(W[:, j]) + [b[j]]
    return flat


def _engines() -> list[type]:
    engines = [moons.ChainruleCompiled, moons.NumpyBatched]
    try:
        import torch  # noqa: F401

        engines.append(moons.TorchBatched)
    except ImportError:
        pass
    return engines


@pytest.mark.parametrize("engine_class", _engines(), ids=lambda c: c.__name__)
def test_every_benchmark_engine_computes_the_eager_step(engine_class):
    points, labels = moons.moons_data()
    weights = moons.initial_weights()
    eager = moons.ChainruleEager(points, labels, weights)
    other = engine_class(points, labels, weights)
    for _ in range(3):
        assert other.step() == pytest.approx(eager.step(), rel=1e-12)
    assert _weights_after(other) == pytest.approx(_weights_after(eager), rel=1e-9, abs=1e-12)


def test_the_compiled_step_is_the_eager_step_to_the_last_bit():
    points, labels = moons.moons_data()
    weights = moons.initial_weights()
    eager = moons.ChainruleEager(points, labels, weights)
    compiled = moons.ChainruleCompiled(points, labels, weights)
    for _ in range(3):
        assert compiled.step() == eager.step()
    assert _weights_after(compiled) == _weights_after(eager)


def test_the_digits_demo_learns_in_its_quick_mode(tmp_path):
    require_module("sklearn", "install the digits extra: pip install 'chainrule[digits]'")
    result = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "digits.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert_png(tmp_path / "digits.png")
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", result.stdout).group(1))
    assert accuracy >= 85.0  # after 2 of the 12 epochs; the full run reaches 95% and more


@pytest.mark.parametrize("case", ["chain", "chain-paused"])
def test_the_memory_benchmark_backpropagates_a_deep_chain_and_lets_it_go(case):
    # benchmarks/memory.py in a small size: the numbers it reports are right, whichever way
    # the collector is set (the times themselves are for `make bench`, never asserted here).
    import json

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "memory.py"), case, "20000"],
                         capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    assert report["n"] == 20000 and report["grad"] == 1.0
    assert report["freed_at_once"]  # the graph went with its last name, no collector needed
    if report["rss_trimmed_mb"] is not None:  # glibc, as on Linux: freed memory handed back
        assert 0 < report["rss_trimmed_mb"] <= report["peak_mb"]


def test_the_memory_benchmark_peak_is_its_own_not_its_parents():
    # run.py, which starts memory.py, holds hundreds of MB; a small chain's peak stays small.
    import json

    parent = bytearray(300_000_000)
    parent[::4096] = b"x" * len(parent[::4096])  # touch every page: all of it resident
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "memory.py"),
                          "chain-paused", "20000"], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    assert report["rss_before_mb"] <= report["peak_mb"] < 200  # (the process: about 40 MB)
    del parent


@pytest.mark.parametrize("fused", [False, True])
def test_the_chainrule_benchmark_worker_answers_each_case(fused):
    # benchmarks/chainrule_worker.py as run.py drives it: a setup line, then one request a
    # line; its moons step is the eager step (the same first loss), its node case builds.
    # With fused neurons the worker's model is fused, and the losses are the same.
    import json

    points, labels = moons.moons_data()
    setup = {"points": points, "labels": labels, "weights": moons.initial_weights(),
             "fused": fused}
    requests = [{"case": "moons"}, {"case": "moons_gc_off"}, {"case": "nodes", "n": 2000},
                {"case": "nodes_gc_off", "n": 2000}, {"case": "quit"}]
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "chainrule_worker.py")], check=True,
        input="\n".join(json.dumps(line) for line in [setup] + requests) + "\n",
        capture_output=True, text=True, timeout=120)
    replies = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(replies) == 4 and all(reply["seconds"] > 0 for reply in replies)
    eager = moons.ChainruleEager(points, labels, moons.initial_weights())  # unfused
    assert replies[0]["loss"] == eager.step()
    assert replies[1]["loss"] == eager.step()  # the second step, from the updated weights


@pytest.mark.parametrize("fused", [False, True])
def test_the_chainrule_benchmark_worker_builds_the_model_its_setup_asks_for(fused, monkeypatch):
    import io
    import json

    import chainrule_worker

    points, labels = moons.moons_data()
    setup = {"points": points, "labels": labels, "weights": moons.initial_weights(),
             "fused": fused}
    served = {}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(setup) + "\n"))
    monkeypatch.setattr(chainrule_worker, "serve", served.update)
    chainrule_worker.main()
    step = served["moons"].args[0]  # the engine's bound step method
    assert step.__self__.model.fused is fused


def _stand_in_python(path: Path, version: str, base_prefix: str) -> Path:
    """A program that answers run.IDENTIFY as a Python of that version and place would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\ncat <<'END'\n{version}\n{base_prefix}\nEND\n")
    path.chmod(0o755)
    return path


def test_the_benchmark_knows_the_interpreter_a_python_runs_on(tmp_path):
    # Two builds of CPython 3.11 run these engines a fifth faster or slower: micrograd must
    # run on chainrule's. The same version line from another place is another interpreter,
    # and so is another build (another version line) in the same place.
    import run

    assert run.runs_on_this_interpreter(Path(sys.executable), "numpy")
    assert not run.runs_on_this_interpreter(Path(sys.executable), "no_module_of_this_name")
    assert not run.runs_on_this_interpreter(tmp_path / "no_python_here")
    assert not run.runs_on_this_interpreter(Path(__file__))  # not a program
    same = _stand_in_python(tmp_path / "same", sys.version, sys.base_prefix)
    assert run.runs_on_this_interpreter(same)  # (the stand-in answers as it should)
    elsewhere = _stand_in_python(tmp_path / "elsewhere", sys.version, "/opt/another-python")
    rebuilt = _stand_in_python(tmp_path / "rebuilt", "3.11.2 (main, Apr 28 2025) [GCC 12.2.0]",
                               sys.base_prefix)
    assert not run.runs_on_this_interpreter(elsewhere)
    assert not run.runs_on_this_interpreter(rebuilt)


def test_the_benchmark_makes_micrograd_s_environment_again_for_another_interpreter(
        tmp_path, monkeypatch):
    import run

    venv = tmp_path / ".venv-micrograd"
    monkeypatch.setattr(run, "MICROGRAD_VENV", venv)
    ran = []  # the commands that would make the environment; the check itself really runs
    real_run = subprocess.run

    def recording_run(command, **options):
        if "-c" in command:
            return real_run(command, **options)
        ran.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(run.subprocess, "run", recording_run)
    _stand_in_python(venv / "bin" / "python", sys.version, "/opt/another-python")
    assert run.micrograd_python() == venv / "bin" / "python"
    assert ran[0] == [sys.executable, "-m", "venv", "--clear", str(venv)]
    assert ran[1][1:4] == ["-m", "pip", "install"] and ran[1][-1] == run.MICROGRAD
    ran.clear()
    _stand_in_python(venv / "bin" / "python", sys.version, sys.base_prefix)  # as if made here
    run.micrograd_python()
    assert ran == []  # kept as it is


def test_benchmark_ratios_are_taken_round_by_round():
    # Slow spells in rounds 2 and 3 hit both cases, one in round 5 only the short one: each
    # round but the last still says 10x. The ratio of the two medians would say 5x.
    import run

    times = {"micrograd": [1.0, 2.0, 2.0, 1.0, 1.0], "eager": [0.1, 0.2, 0.2, 0.1, 0.2]}
    ratios = run.round_ratios(times, "micrograd")
    assert ratios == {"micrograd": 1.0, "eager": pytest.approx(10.0)}
    medians = run.medians(times)
    assert medians["micrograd"] / medians["eager"] == pytest.approx(5.0)
    # time / reference, round by round: with an even number of rounds, the median of these
    # is not 1 / the median of the speed-ups
    even = {"numpy": [1.0, 1.0, 1.0, 1.0], "replay": [4.0, 4.0, 5.0, 6.0]}
    assert run.round_ratios(even, "numpy", speed_up=False)["replay"] == pytest.approx(4.5)


def test_the_benchmark_times_the_machine_itself_before_every_case(monkeypatch):
    # The machine's own speed moves on a shared host: the report says how far it moved during
    # the run, from a plain-Python loop timed just before each case.
    import run

    ran = []
    monkeypatch.setattr(run, "machine_probe", lambda: ran.append("probe") or 0.005)
    cases = {"one": lambda: ran.append("one") or 1.0, "two": lambda: ran.append("two") or 2.0}
    probes = []
    assert run.interleaved(cases, 2, probes) == {"one": [1.0] * 2, "two": [2.0] * 2}
    assert ran == ["probe", "one", "probe", "two", "probe", "two", "probe", "one"]  # rotating
    assert probes == [0.005] * 4
    ran.clear()
    assert run.interleaved(cases, 1) == {"one": [1.0], "two": [2.0]}  # no probes asked for
    assert ran == ["one", "two"]


def test_the_machine_s_speed_is_told_from_the_fastest_probe_the_median_and_the_slowest_tenth():
    import run

    assert 0 < run.machine_probe() < 1  # the real loop
    # 19 probes: the median is the 10th fastest (8 ms), the slowest tenth starts at the 18th
    # (12 ms); the single slowest one (100 ms), one interruption, must not set the figure
    probes = [0.004] + [0.008] * 16 + [0.012, 0.1]
    sentence = run.machine_speed(probes)
    assert "timed 19 times" in sentence and "took 4 ms at its fastest" in sentence
    assert "median time was 2.0 times that, and one time in ten over 3.0 times" in sentence
    assert "25" not in sentence
    assert "not probed" in run.machine_speed([0.004])


class _StandInWorker:
    """A benchmark worker that answers every request with the next of its times."""

    def __init__(self, engine: str, paused: bool, times: list[float]) -> None:
        self.engine, self.paused, self.times = engine, paused, iter(times)

    def ask(self, case: str, **arguments) -> dict:
        return {"seconds": next(self.times)}


def test_node_throughput_reports_the_median_and_the_best_round(monkeypatch):
    import run

    monkeypatch.setattr(run, "machine_probe", lambda: 0.005)
    workers = {"micrograd": _StandInWorker("micrograd", False, [1.0, 4.0, 2.0]),
               "paused": _StandInWorker("chainrule eager", True, [0.2, 0.1, 0.4]),
               "fused": _StandInWorker(run.FUSED, False, [])}  # the same nodes: not asked
    rates = run.throughput_cases(3, workers, [], n=100)
    # the median round's rate, the best round's, and the median of the ratios round by round
    # (5, 40 and 5; the ratio of the medians would say 10)
    assert rates == {"micrograd": (50.0, 100.0, 1.0),
                     "chainrule eager, GC paused": (500.0, 1000.0, pytest.approx(5.0))}


def test_the_deep_chain_reports_its_median_and_its_fastest_run(monkeypatch):
    import run

    probes_before = []
    monkeypatch.setattr(run, "machine_probe", lambda: probes_before.append(1) or 0.005)
    totals = {"chain-paused": iter([3.0, 1.0, 2.0]), "chain": iter([6.0, 4.0, 5.0])}

    def stand_in(kind, n):
        return {"build_s": next(totals[kind]), "backward_s": 0.5, "kind": kind}

    monkeypatch.setattr(run, "memory_case", stand_in)
    probes = []
    chains = run.chain_cases(1000, 3, probes)
    (paused, paused_fastest), (running, running_fastest) = chains.values()
    assert (paused["build_s"], paused_fastest["build_s"]) == (2.0, 1.0)
    assert (running["build_s"], running_fastest["build_s"]) == (5.0, 4.0)
    assert paused["kind"] == "chain-paused" and running["kind"] == "chain"
    assert len(probes) == len(probes_before) == 6  # one before each run

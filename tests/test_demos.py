"""Every demo runs in its quick mode, writes real pictures, says where, and ends with what to
notice: sentences computed from its own run, each of which must hold for that run."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import assert_png, require_module, require_program

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "demos"))  # the demos import their shared notice.py

# Each demo, the pictures its quick mode writes, and what it needs beyond the core.
DEMOS = {
    "moons": (["moons.png"], ["matplotlib"]),
    "xor": (["xor.png"], ["matplotlib"]),
    "sine": (["sine.png"], ["matplotlib"]),
    "learning_rates": (["learning_rates.png"], ["matplotlib"]),
    "optimizers": (["optimizers.png"], ["matplotlib"]),
    "gradients": (["vanishing.png", "clipping.png"], ["matplotlib"]),
    "regularization": (["regularization.png"], ["matplotlib"]),
    "penalties": (["penalties.png"], ["matplotlib"]),
    "local_minima": (["local_minima.png"], ["matplotlib"]),
    "why_backprop": (["why_backprop.png"], ["matplotlib"]),
    "gradient_free": (["gradient_free.png"], ["matplotlib"]),
    "batchnorm": (["batchnorm.png"], ["matplotlib"]),
    "newton": (["newton_1d.png", "newton_2d.png"], ["matplotlib"]),
    "forward_vs_reverse": (["forward_vs_reverse.png"], ["matplotlib"]),
    "second_derivative": (["tanh_derivatives.png", "gradient_graph.png"], ["matplotlib", "dot"]),
    "digits": (["digits.png"], ["matplotlib", "sklearn"]),
    "draw_graphs": (["neuron.png", "mlp.png"], ["dot"]),
    "walkthrough": ([], ["dot"]),
}


@dataclass
class Run:
    """What one quick run of a demo left: its printed text, its claims and its folder."""

    stdout: str
    claims: list
    out: Path


def _require(needs: list[str]) -> None:
    for need in needs:
        if need == "dot":
            require_program("dot")
        else:
            require_module(need)


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory) -> dict[str, Run]:
    """Each demo's quick run, made once on first use and shared by the tests of this file."""
    runs: dict[str, Run] = {}

    def run(name: str) -> Run:
        if name not in runs:
            _require(DEMOS[name][1])
            out = tmp_path_factory.mktemp(name)
            spec = importlib.util.spec_from_file_location(f"demo_{name}", ROOT / "demos" /
                                                          f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                claims = module.main(["--out", str(out), "--quick"])
            runs[name] = Run(printed.getvalue(), claims, out)
        return runs[name]

    return run


@pytest.mark.parametrize("name", DEMOS)
def test_demo_writes_its_pictures_and_says_where(quick_runs, name):
    run = quick_runs(name)
    for picture in DEMOS[name][0]:
        assert_png(run.out / picture)
        assert str(run.out / picture) in run.stdout  # the demo says where it is
    assert sorted(p.name for p in run.out.glob("*.png")) == sorted(DEMOS[name][0])


@pytest.mark.parametrize("name", DEMOS)
def test_demo_ends_with_what_to_notice(quick_runs, name):
    # The last lines are the claims, one "  - " item each, in the order main() returned them.
    run = quick_runs(name)
    assert run.claims, f"{name} makes no claims about its run"
    tail = run.stdout.rsplit("\nwhat to notice:\n", 1)
    assert len(tail) == 2, f"{name} prints no 'what to notice:'"
    items = [" ".join(item.split()) for item in tail[1].split("  - ")[1:]]
    assert items == [" ".join(c.text.split()) for c in run.claims]


@pytest.mark.parametrize("name", DEMOS)
def test_every_claim_of_the_quick_run_holds(quick_runs, name):
    # A claim's text is phrased from the result, so it is never false; `holds` says whether
    # the run showed what the demo is there to show, and in the quick run it must.
    failed = [c.text for c in quick_runs(name).claims if not c.holds]
    assert not failed, f"{name}: " + " | ".join(failed)


def test_second_derivative_demo_draws_and_steps_a_gradient_graph(quick_runs):
    run = quick_runs("second_derivative")
    assert "d2y/dx2 = -2 tanh(x) (1 - tanh(x)**2) = -0.726862" in run.stdout
    svg = (run.out / "gradient_graph.svg").read_text()
    assert "dy/dx" in svg and "tanh" in svg
    page = (run.out / "gradient_walkthrough.html").read_text()
    assert page.lower().startswith("<!doctype html>")


def test_a_demo_runs_as_a_script(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "newton.py"), "--out", str(tmp_path), "--quick"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "what to notice:" in result.stdout


def test_draw_graphs_writes_to_out_by_default(tmp_path):
    # Run from an empty folder without --out: the pictures land in ./out/draw_graphs, as every
    # demo's land in ./out/<name>, and nothing else is written (not the docs' pictures).
    require_program("dot")
    result = subprocess.run([sys.executable, str(ROOT / "demos" / "draw_graphs.py")],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [f"out/draw_graphs/{name}" for name in
                       ("mlp.png", "mlp.svg", "neuron.png", "neuron.svg")]


def test_make_demos_runs_every_demo():
    # The Makefile's DEMOS list names every demo script (notice.py is their shared helper).
    makefile = (ROOT / "Makefile").read_text()
    listed = makefile.split("DEMOS :=", 1)[1].split("\n\n", 1)[0].replace("\\", " ").split()
    scripts = {p.stem for p in (ROOT / "demos").glob("*.py")} - {"notice"}
    assert sorted(listed) == sorted(scripts)


def load_demo(name: str):
    """A demo's module, imported from demos/ (its main() not run)."""
    spec = importlib.util.spec_from_file_location(f"demo_{name}", ROOT / "demos" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_digits_shows_mistakes_when_there_are_any():
    # 30 test digits, wrong at 25 and 28: the first 24 alone would show no mistake
    digits = load_demo("digits") if importlib.util.find_spec("sklearn") else None
    if digits is None:
        pytest.skip("scikit-learn is not installed")
    labels = [i % 10 for i in range(30)]
    answers = [(label + 1) % 10 if i in (25, 28) else label for i, label in enumerate(labels)]
    shown = digits.digits_to_show(labels, answers, count=24)
    assert len(shown) == 24 and {25, 28} <= set(shown)


def test_digits_without_mistakes_shows_the_first_digits():
    digits = load_demo("digits") if importlib.util.find_spec("sklearn") else None
    if digits is None:
        pytest.skip("scikit-learn is not installed")
    assert digits.digits_to_show(list(range(30)), list(range(30)), count=24) == list(range(24))


def test_plateau_then_drop_finds_a_long_flat_stretch_followed_by_a_fall():
    # 20 epochs of fast fall, 60 flat at 0.5 (less than 7% per 10 epochs), then halving in 10
    losses = [1.0 * 0.97**t for t in range(20)] + [0.5] * 60 + [0.5 * 0.9**t for t in range(20)]
    start, end, drop_end = load_demo("local_minima").plateau_then_drop(losses)
    assert (start, end) == (21, 81)  # epoch 81 is the last at 0.5 (epochs count from 1)
    assert losses[drop_end - 1] < 0.25


def test_plateau_then_drop_ignores_a_steady_fall_and_a_plateau_that_stays():
    plateau_then_drop = load_demo("local_minima").plateau_then_drop
    assert plateau_then_drop([0.95**t for t in range(100)]) is None  # 40% per 10 epochs
    assert plateau_then_drop([1.0] * 20 + [0.5] * 80) is None  # flat to the end: stuck


def test_newton_finds_both_minima_of_its_function():
    # f'(x) = 4x^3 - 6x + 1/2 = 0 at about -1.264, 0.084 and 1.181; f'' = 12x^2 - 6 > 0 at
    # the outer two, and f(-1.264) = 1.13 < f(1.181) = 2.35, so the global minimum comes first
    global_min, local_min = load_demo("newton").minima_1d()
    assert global_min == pytest.approx(-1.2645, abs=1e-3)
    assert local_min == pytest.approx(1.1807, abs=1e-3)

"""Every demo runs to completion in its quick mode and writes real pictures."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import assert_png, require_program

ROOT = Path(__file__).resolve().parent.parent


def run_demo(script: str, out: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "demos" / script), "--out", str(out), "--quick", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("script, pictures", [
    ("newton.py", ["newton_1d.png", "newton_2d.png"]),
    ("forward_vs_reverse.py", ["forward_vs_reverse.png"]),
])
def test_demo_writes_its_pictures(tmp_path, script, pictures):
    stdout = run_demo(script, tmp_path)
    assert "picture" in stdout
    for name in pictures:
        assert_png(tmp_path / name)


def test_second_derivative_demo_draws_and_steps_a_gradient_graph(tmp_path):
    require_program("dot")
    stdout = run_demo("second_derivative.py", tmp_path)
    assert "d2y/dx2 = -2 tanh(x) (1 - tanh(x)**2) = -0.726862" in stdout
    assert_png(tmp_path / "tanh_derivatives.png")
    assert_png(tmp_path / "gradient_graph.png")
    svg = (tmp_path / "gradient_graph.svg").read_text()
    assert "dy/dx" in svg and "tanh" in svg
    page = (tmp_path / "gradient_walkthrough.html").read_text()
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")


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

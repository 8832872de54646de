"""The training demos: each runs to completion in its quick mode and writes real pictures."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import assert_png, require_module

ROOT = Path(__file__).resolve().parent.parent

DEMOS = [
    ("moons.py", ["moons.png"]),
    ("xor.py", ["xor.png"]),
    ("sine.py", ["sine.png"]),
    ("learning_rates.py", ["learning_rates.png"]),
    ("optimizers.py", ["optimizers.png"]),
    ("gradients.py", ["vanishing.png", "clipping.png"]),
    ("regularization.py", ["regularization.png"]),
    ("local_minima.py", ["local_minima.png"]),
    ("why_backprop.py", ["why_backprop.png"]),
    ("batchnorm.py", ["batchnorm.png"]),
]


@pytest.mark.parametrize("script, pictures", DEMOS, ids=[script for script, _ in DEMOS])
def test_training_demo_writes_its_pictures_and_says_where(tmp_path, script, pictures):
    require_module("matplotlib", "pip install 'chainrule[plot]'")
    result = subprocess.run(
        [sys.executable, str(ROOT / "demos" / script), "--out", str(tmp_path), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "picture" in result.stdout
    for name in pictures:
        assert_png(tmp_path / name)
        assert str(tmp_path / name) in result.stdout  # the demo says where it is
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(pictures)

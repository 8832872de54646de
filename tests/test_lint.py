"""The code passes ruff's checks (PEP 8, imports, likely bugs), as `make lint` runs them."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import require_module

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    require_module("ruff", "pip install ruff (a test extra)")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "autograd", "nn", "tests", "demos", "benchmarks"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr

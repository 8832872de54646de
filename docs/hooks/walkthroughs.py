"""MkDocs hook: the stepping page's live walkthroughs, made by the engine at build time.

After the site is built, demos/walkthrough.py writes its three walkthrough pages (Karpathy's
L = (a*b + c) * f, a neuron, a training step) into site/walkthroughs/, where the stepping
page shows them in frames. They are made fresh from the code on every build, never stored.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def on_post_build(config, **_: object) -> None:
    spec = importlib.util.spec_from_file_location("walkthrough_demo",
                                                  ROOT / "demos" / "walkthrough.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    with contextlib.redirect_stdout(io.StringIO()):  # the demo prints its tape; not here
        demo.main(["--out", str(Path(config["site_dir"]) / "walkthroughs")])

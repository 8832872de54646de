"""Training speed of the playground page in headless Chromium (run by run.py, or alone).

MLP(2, [16, 16, 1]) on the 100 two-moons points of moons.py, the whole set each step, max-
margin loss and SGD, as the page trains it: each step is forward, backward and the update in
JavaScript, then the views redraw (decision boundary, curves, 35 neuron thumbnails, 304
edges), which is the most the page ever draws per step. Prints one JSON object: steps per
second (a frame after each step, as the page plays at speed 1) and the milliseconds of work
per step (median and slowest), and the same for training without redrawing.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import moons  # noqa: E402

import nn  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu"]
WARMUP, TIMED = 20, 200

# Each step is followed by a frame, as when the page plays: the browser renders what the step
# drew before the next one starts. times: the JavaScript work of each step (training and
# drawing); the wall time, frames included, gives the steps per second.
TIME_STEPS = """async ([warmup, timed, redraw]) => {
  const pg = document.querySelector('.crpg').playground;
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const times = [];
  let begin = 0;
  for (let k = 0; k < warmup + timed; k++) {
    if (k === warmup) begin = performance.now();
    const start = performance.now();
    pg.trainer.trainStep();
    if (redraw) { pg.trainer.record(); pg.draw(); }
    if (k >= warmup) times.push(performance.now() - start);
    if (redraw) await frame();
  }
  return [times, performance.now() - begin];
}"""


def measure() -> dict:
    """Per-step times in the page, with and without the views redrawing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed (pip install playwright)"}
    chromium = shutil.which("chromium")
    if chromium is None:
        return {"skipped": "chromium is not on PATH (sudo apt-get install chromium)"}
    points, labels = moons.moons_data()
    model = nn.MLP(2, list(moons.SIZES[1:]), seed=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "play.html"
        nn.export_playground(model, points, [1 if t > 0 else 0 for t in labels], path,
                             loss="hinge", optimizer="sgd", lr=moons.LR)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_selector(".crpg-live")
            drawn = page.evaluate(TIME_STEPS, [WARMUP, TIMED, True])
            bare = page.evaluate(TIME_STEPS, [WARMUP, TIMED * 5, False])
            browser.close()
    result = {}
    for name, (times, wall) in (("with views", drawn), ("training only", bare)):
        result[name] = {"steps per second": 1000 * len(times) / wall,
                        "median ms": statistics.median(times), "slowest ms": max(times)}
    return result


if __name__ == "__main__":
    print(json.dumps(measure()))

"""fit()'s progress display: in a terminal of 80 columns, a bar and every number in full;
written to a file or a pipe, one clean line per epoch; always on stderr."""

import io
import os
import subprocess
import sys
from pathlib import Path

from nn.progress import TextProgress, TqdmProgress, progress_bar, wrapped
from tests.conftest import require_module

ROOT = Path(__file__).resolve().parent.parent

# Three epochs of four steps, with validation data, an accuracy and a schedule that halves the
# learning rate after each epoch: lr is 0.1, 0.05, then 0.025 in epoch 3.
TRAINING = """
import nn
X, y = nn.make_moons(40, seed=0)
X_val, y_val = nn.make_moons(20, seed=1)
model = nn.MLP(2, [4, 1])
optimizer = nn.SGD(model.parameters(), lr=0.1)
nn.fit(model, nn.hinge, optimizer, X, 2 * y - 1, epochs=3, batch_size=10,
       validation=(X_val, 2 * y_val - 1), metrics={"accuracy": nn.accuracy},
       scheduler=nn.StepLR(optimizer, step_size=1, gamma=0.5), progress=True)
"""


def run_piped(tmp_path: Path) -> tuple[str, str]:
    """Run TRAINING with stdout and stderr sent to files; what each file got."""
    with open(tmp_path / "out", "w") as out, open(tmp_path / "err", "w") as err:
        subprocess.run([sys.executable, "-c", TRAINING], stdout=out, stderr=err, cwd=ROOT,
                       timeout=120, check=True)
    return (tmp_path / "out").read_text(), (tmp_path / "err").read_text()


def final_screen(columns: int) -> list[str]:
    """Run TRAINING in a real terminal of 24 rows and `columns` columns; the screen at the end,
    as a terminal shows it (pyte plays the bar's carriage returns and cursor moves)."""
    pexpect = require_module("pexpect")
    pyte = require_module("pyte")
    child = pexpect.spawn(sys.executable, ["-c", TRAINING], cwd=str(ROOT),
                          dimensions=(24, columns), encoding="utf-8", timeout=120,
                          env={**os.environ, "TERM": "xterm-256color"})
    try:
        written = child.read()  # until the program ends
    finally:
        child.close(force=True)
    screen = pyte.Screen(columns, 24)
    pyte.Stream(screen).feed(written)
    return [row.rstrip() for row in screen.display if row.strip()]


def test_piped_progress_is_one_line_per_epoch_on_stderr(tmp_path):
    require_module("tqdm")  # with tqdm installed, a file still gets lines, not a bar
    out, err = run_piped(tmp_path)
    assert out == ""
    assert "\r" not in err
    lines = err.splitlines()
    assert [line.split("  ")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert lines[2].endswith("lr 0.025")


def test_a_terminal_of_80_columns_shows_the_bar_and_every_number_in_full(tmp_path):
    require_module("tqdm")
    # the piped run gives the same numbers (same seeds): its last line is what to see, in full
    last_line = run_piped(tmp_path)[1].splitlines()[-1]
    numbers = last_line.removeprefix("epoch 3/3  ")
    for name in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert f"{name} " in numbers
    screen = final_screen(80)
    assert len(screen) == 2, screen
    bar, shown = screen
    assert bar.startswith("epoch 3/3: 100%|█") and "█| 12/12 [" in bar
    assert bar.count("█") >= 20  # a bar, not the one-character stub of a crowded line
    assert shown == numbers


def test_numbers_wider_than_the_terminal_go_on_more_lines(tmp_path):
    require_module("tqdm")
    numbers = run_piped(tmp_path)[1].splitlines()[-1].removeprefix("epoch 3/3  ")
    screen = final_screen(40)
    # the numbers, packed onto lines of at most 39 characters, none of them cut
    assert screen[1:] == wrapped(numbers.split("  "), 39)
    assert all(len(row) <= 39 for row in screen[1:])


def test_progress_bar_draws_a_bar_only_on_a_terminal():
    require_module("tqdm", "pip install 'chainrule[progress]'")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(progress_bar(2, 4, io.StringIO()), TextProgress)
    bar = progress_bar(2, 4, Terminal())
    assert isinstance(bar, TqdmProgress)
    bar.close()


def test_wrapped_packs_items_onto_lines_of_a_width():
    # "loss 1  acc 2" is 13 characters; adding "  lr 3" would make 19, over 15
    assert wrapped(["loss 1", "acc 2", "lr 3"], 15) == ["loss 1  acc 2", "lr 3"]
    assert wrapped(["a_very_long_item", "b"], 5) == ["a_very_long_item", "b"]


def test_the_digits_demo_keeps_its_progress_off_stdout(tmp_path):
    require_module("sklearn", "pip install 'chainrule[digits]'")
    require_module("matplotlib")
    result = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "digits.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stdout and "epoch 1/2" not in result.stdout
    epochs = [line.split("  ")[0] for line in result.stderr.splitlines()
              if line.startswith("epoch")]
    assert epochs == ["epoch 1/2", "epoch 2/2"]  # quick mode: two epochs, a line each

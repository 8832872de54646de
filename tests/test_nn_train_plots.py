"""nn.plots: every picture is a Figure that saves as a PNG, draws into a given axes, and shows
inline in a notebook; matplotlib stays unloaded until a picture is asked for."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
from tests.conftest import assert_png, require_module

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def trained():
    """A small model on two moons, with the history of its training."""
    X, y = nn.make_moons(30, noise=0.1, seed=0)
    labels = 2 * y - 1
    model = nn.MLP(2, [6, 1], seed=0)
    history = nn.fit(
        model,
        nn.hinge,
        nn.SGD(model.parameters(), lr=0.2, momentum=0.9),
        X,
        labels,
        epochs=4,
        batch_size=10,
        validation=(X, labels),
        metrics={"accuracy": nn.accuracy},
        record_grad_norms=True,
        seed=0,
    )
    return model, X, labels, history


def test_importing_nn_does_not_load_matplotlib():
    code = "import sys, nn; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "False"


def test_history_plot_has_a_panel_per_number_and_saves_a_png(trained, tmp_path):
    require_module("matplotlib")
    *_, history = trained
    figure = nn.plot_history(history, path=tmp_path / "history.png")
    assert [ax.get_ylabel() for ax in figure.axes] == ["loss", "accuracy"]
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert labels[:2] == ["training loss", "validation loss"]
    assert_png(tmp_path / "history.png")


def test_decision_boundary_plot(trained, tmp_path):
    require_module("matplotlib")
    model, X, labels, _ = trained
    figure = nn.plot_decision_boundary(
        model, X, labels, resolution=20, title="moons", path=tmp_path / "boundary.png"
    )
    ax = figure.axes[0]
    assert ax.get_title() == "moons"
    assert ax.get_legend_handles_labels()[1] == ["class -1", "class +1"]
    assert_png(tmp_path / "boundary.png")


def test_decision_boundary_of_class_scores(tmp_path):
    require_module("matplotlib")
    X, y = nn.make_blobs(30, centers=3, seed=0)
    model = nn.MLP(2, [4, 3], seed=0)
    nn.plot_decision_boundary(model, X, y, resolution=15, path=tmp_path / "blobs.png")
    assert_png(tmp_path / "blobs.png")


def test_plots_draw_into_a_given_axes():
    require_module("matplotlib")
    from matplotlib.figure import Figure

    figure = Figure()
    left, right = figure.subplots(1, 2)
    X, y = nn.make_sine(10, seed=0)
    model = nn.MLP(1, [4, 1], activation="tanh", seed=0)
    assert nn.plot_regression(model, X, y, ax=left, truth=np.sin) is figure
    assert len(left.lines) == 2  # the true curve and the model's
    history = nn.History(metrics={"loss": [3.0, 2.0, 1.0]})
    assert nn.plot_runs({"a": history, "b": history}, ax=right) is figure
    assert right.get_legend_handles_labels()[1] == ["a", "b"]


def test_a_diverged_run_is_marked(tmp_path):
    require_module("matplotlib")
    runs = {
        "fine": nn.History(metrics={"loss": [2.0, 1.0]}),
        "too fast": nn.History(metrics={"loss": [2.0, 50.0, float("inf")]}),
    }
    figure = nn.plot_runs(runs, path=tmp_path / "runs.png")
    assert figure.axes[0].get_legend_handles_labels()[1] == ["fine", "too fast  (diverged)"]


def test_gradient_norm_plot_has_a_line_per_layer(trained, tmp_path):
    require_module("matplotlib")
    *_, history = trained
    figure = nn.plot_grad_norms(history, path=tmp_path / "norms.png")
    assert figure.axes[0].get_legend_handles_labels()[1] == ["layers.0", "layers.1"]
    assert figure.axes[0].get_yscale() == "log"
    assert_png(tmp_path / "norms.png")


def test_plot_errors_name_the_problem():
    require_module("matplotlib")
    with pytest.raises(ValueError, match="record_grad_norms"):
        nn.plot_grad_norms(nn.History())
    with pytest.raises(ValueError, match="2-D points, got X of shape"):
        nn.plot_decision_boundary(nn.MLP(1, [1]), [[1.0]], [0])
    with pytest.raises(TypeError, match="takes a History"):
        nn.plot_history({"loss": [1.0]})
    with pytest.raises(ValueError, match="without a finished epoch"):
        nn.plot_history(nn.History())  # Ctrl-C during the first epoch leaves it empty


def test_a_figure_shows_inline_in_a_notebook():
    require_module("matplotlib")
    nbformat = require_module("nbformat")
    nbclient = require_module("nbclient")
    source = "import nn\nnn.plot_runs({'run': nn.History(metrics={'loss': [3.0, 2.0, 1.0]})})"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    [output] = notebook.cells[0].outputs
    assert "image/png" in output["data"]

"""The playground from Python and from the command line: what it accepts, what it refuses,
the file it writes and how a notebook shows it."""

import json
import re

import pytest
from conftest import execute_cells

import nn
from autograd.cli import main
from nn.playground_page import command_page, dataset


def moons(n=40):
    return nn.make_moons(n, noise=0.1, seed=0)


def model2(**options):
    return nn.MLP(2, [4, 1], seed=0, **options)


def spec_of(page_html: str) -> dict:
    """The data a page carries, parsed back."""
    text = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', page_html,
                     re.S).group(1)
    return json.loads(text.replace("<\\/", "</"))


# --- bad input ---------------------------------------------------------------------------------

BAD_CALLS = {
    "not an MLP": (lambda: nn.playground(nn.Neuron(2), *moons()), TypeError, "nn.MLP"),
    "three inputs": (lambda: nn.playground(nn.MLP(3, [1]), [[0, 0, 0]], [1]), ValueError,
                     "1 or 2 inputs"),
    "two outputs": (lambda: nn.playground(nn.MLP(2, [2]), *moons()), ValueError, "one output"),
    "X of the wrong width": (lambda: nn.playground(model2(), [[1.0, 2.0, 3.0]], [1]),
                             ValueError, "shape (n, 2)"),
    "y of another length": (lambda: nn.playground(model2(), [[1.0, 2.0]], [0, 1]),
                            ValueError, "one number per row"),
    "nan in X": (lambda: nn.playground(model2(), [[float("nan"), 2.0]], [1]), ValueError,
                 "finite"),
    "text in X": (lambda: nn.playground(model2(), [["a", "b"]], [1]), TypeError,
                  "arrays of numbers"),
    "unknown loss": (lambda: nn.playground(model2(), *moons(), loss="l7"), ValueError,
                     "'l7'"),
    "hinge on numbers": (lambda: nn.playground(model2(), [[0.0, 1.0]], [0.5], loss="hinge"),
                         ValueError, "class labels 0 or 1"),
    "unknown optimizer": (lambda: nn.playground(model2(), *moons(), optimizer="lbfgs"),
                          ValueError, "'lbfgs'"),
    "negative lr": (lambda: nn.playground(model2(), *moons(), lr=-0.1), ValueError, "-0.1"),
    "zero batch": (lambda: nn.playground(model2(), *moons(), batch_size=0), ValueError,
                   "batch_size"),
    "negative momentum": (lambda: nn.playground(model2(), *moons(), optimizer="sgd",
                                                momentum=-1), ValueError, "momentum"),
    "test set without targets": (lambda: nn.playground(model2(), *moons(), X_test=[[0, 0]]),
                                 ValueError, "y_test"),
}


@pytest.mark.parametrize("case", BAD_CALLS)
def test_bad_input_is_refused_with_a_message_naming_it(case):
    call, error, words = BAD_CALLS[case]
    with pytest.raises(error, match=re.escape(words)):
        call()


# --- the page --------------------------------------------------------------------------------


def test_the_page_carries_the_data_the_weights_and_one_program_per_class():
    X, y = moons()
    model = model2()
    spec = spec_of(nn.playground(model, X, y).html())
    assert spec["train"]["X"] == X.tolist() and spec["train"]["y"] == y.tolist()
    assert spec["params"]["values"] == [p.data for p in model.parameters()]
    assert spec["params"]["names"] == [name for name, _ in model.named_parameters()]
    assert sorted(spec["programs"]) == ["0", "1"]  # hinge's label is traced into each one
    assert spec["loss"] == "hinge"  # "auto" for classes 0 and 1


def test_the_program_is_the_example_graph_in_op_table_primitives():
    # MLP(2, [1]) with a linear output: loss = mean(relu(1 - label * (b + w0*x0 + w1*x1))),
    # where 1 - t is 1 + (-1 * t) and the mean of one term is that term times 1 / 1
    spec = nn.playground(nn.MLP(2, [1], seed=0), [[1.0, 2.0]], [1]).spec
    ops = [row[0] for row in spec["programs"]["1"]["nodes"] if isinstance(row[1], list)]
    assert ops == ["mul", "mul", "sum", "mul", "mul", "add", "relu", "mul"]


def test_export_playground_writes_one_self_contained_file(tmp_path):
    path = tmp_path / "play.html"
    nn.export_playground(model2(), *moons(), path)
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script src" not in page and "<link" not in page and "http://" not in page.replace(
        "http://www.w3.org/2000/svg", "")
    assert [p.name for p in tmp_path.iterdir()] == ["play.html"]  # no temporary left behind


def test_export_into_a_missing_folder_fails_naming_the_path(tmp_path):
    path = tmp_path / "nowhere" / "play.html"
    with pytest.raises(OSError, match="nowhere"):
        nn.export_playground(model2(), *moons(), path)


def test_the_page_for_a_16_16_network_on_200_points_is_at_most_1_5_mb(tmp_path):
    X, y = dataset("moons", 200, seed=0)
    path = tmp_path / "play.html"
    nn.export_playground(nn.MLP(2, [16, 16, 1], seed=0), X, y, path)
    assert path.stat().st_size <= 1.5e6


def test_a_regression_page_has_one_program_with_the_target_as_an_input():
    X, y = nn.make_sine(10, seed=0)
    spec = nn.playground(nn.MLP(1, [4, 1], seed=0), X, y).spec
    assert spec["task"] == "regression" and spec["loss"] == "mse"
    assert list(spec["programs"]) == ["any"]
    assert ["y"] in spec["programs"]["any"]["nodes"]


# --- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["moons", "circles", "xor", "spirals", "blobs"])
def test_chainrule_playground_writes_a_page_for_each_data_set(tmp_path, capsys, data):
    path = tmp_path / "play.html"
    assert main(["playground", "--data", data, "--layers", "2,4,1", "--points", "40",
                 "-o", str(path)]) == 0
    spec = spec_of(path.read_text())
    assert len(spec["train"]["X"]) == 30 and len(spec["test"]["X"]) == 10  # a quarter held out
    assert f"wrote {path}" in capsys.readouterr().out


def test_chainrule_playground_options_reach_the_page(tmp_path):
    path = tmp_path / "play.html"
    main(["playground", "--layers", "2,5,3,1", "--activation", "relu", "--loss", "bce",
          "--optimizer", "sgd", "--lr", "0.3", "--batch-size", "8", "--seed", "2",
          "--noise", "0.2", "--points", "60", "-o", str(path)])
    spec = spec_of(path.read_text())
    assert spec["model"]["sizes"] == [2, 5, 3, 1]
    assert spec["model"]["activations"] == ["relu", "relu", "linear"]
    assert (spec["loss"], spec["optimizer"]["name"], spec["optimizer"]["lr"]) == ("bce", "sgd", 0.3)
    assert (spec["batchSize"], spec["seed"]) == (8, 2)
    X, _ = dataset("moons", 60, 0.2, seed=2)
    assert sorted(map(tuple, spec["train"]["X"] + spec["test"]["X"])) == sorted(
        map(tuple, X.tolist()))


BAD_COMMANDS = {
    "--layers 2,x,1": "--layers takes layer sizes",
    "--layers 3,8,1": "must start with 2",
    "--layers 2,8,2": "must end with 1",
    "--points 3": "--points must be at least 8",
    "--noise -1": "--noise must be a number of at least 0",
    "--lr 0": "--lr must be a number above 0",
    "--batch-size 0": "--batch-size must be at least 1",
    "--seed -1": "--seed must be 0 or more",
}


@pytest.mark.parametrize("command", BAD_COMMANDS)
def test_chainrule_playground_refuses_bad_options_in_one_line(command, capsys, tmp_path):
    path = tmp_path / "p.html"
    assert main(["playground", *command.split(), "-o", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule playground: error: ") and BAD_COMMANDS[command] in err
    assert err.count("\n") == 1 and not path.exists()


def test_chainrule_playground_names_the_data_sets_it_knows(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["playground", "--data", "moon"])
    assert exit.value.code == 2
    assert "invalid choice: 'moon'" in capsys.readouterr().err


def test_command_page_keeps_a_quarter_of_the_points_for_testing():
    page = command_page("xor", "2,4,1", 100, None, "tanh", "hinge", "adam", None, None, 0)
    assert (len(page.spec["train"]["X"]), len(page.spec["test"]["X"])) == (75, 25)


# --- the notebook --------------------------------------------------------------------------------


def test_a_notebook_shows_the_playground_and_a_picture_for_untrusted_views(tmp_path):
    outputs = execute_cells([
        "import nn\n"
        "X, y = nn.make_moons(30, seed=0)\n"
        "nn.playground(nn.MLP(2, [3, 1], seed=0), X, y)",
    ], tmp_path)
    (result,) = outputs[0]
    html = result["data"]["text/html"]
    # the picture survives Jupyter's sanitizer (an <img> with a data: URI); the script,
    # which replaces it with the live view, runs only in a trusted notebook
    assert re.search(r'<img [^>]*src="data:image/svg\+xml;base64,', html)
    assert "trust the notebook" in html
    assert "chainrulePlayground.start(" in html

"""The `chainrule` command, run for real: the installed console script and `python -m autograd`
as subprocesses, on good input and bad, with and without Graphviz.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd.cli import main
from autograd.text import printable
from tests.conftest import require_program

ROOT = Path(__file__).resolve().parent.parent
NEURON = ["tanh(x*w + b)", "x=2", "w=-3", "b=6.8813735870195432"]


def chainrule_script() -> str:
    """The console script pip installed beside this Python."""
    return require_program(str(Path(sys.executable).parent / "chainrule"),
                           how="install chainrule first: pip install -e .")


def run(args, cwd, env=None, module=False):
    command = [sys.executable, "-m", "autograd"] if module else [chainrule_script()]
    return subprocess.run(command + list(args), cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def test_draw_prints_gradients_and_writes_svg(tmp_path):
    require_program("dot")
    result = run(["draw", *NEURON, "-o", "neuron.svg"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "out = tanh(x*w + b) = 0.707107",
        "∂out/∂x = -1.5         (x = 2.0)",
        "∂out/∂w = 1.0          (w = -3.0)",
        "∂out/∂b = 0.5          (b = 6.88137)",
        "wrote neuron.svg",
    ]
    root = ET.parse(tmp_path / "neuron.svg").getroot()
    ids = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert {"n0", "n1", "n2_op", "n5", "n5_op", "e5_0"} <= ids


def test_python_dash_m_autograd_runs_the_same_command(tmp_path):
    result = run(["draw", "x*x", "x=3", "-o", "square.dot", "--local-grads"], cwd=tmp_path,
                 module=True)
    assert result.returncode == 0, result.stderr
    assert "∂out/∂x = 6.0" in result.stdout  # d(x*x)/dx = 2x
    assert 'label="3.0"' in (tmp_path / "square.dot").read_text()  # each edge's local grad is x


def test_draw_on_an_ascii_stream_writes_derivatives_in_plain_letters(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = run(["draw", "x*x", "x=3", "-o", "square.dot"], cwd=tmp_path, env=env, module=True)
    assert result.returncode == 0, result.stderr
    assert "d(out)/d(x) = 6.0" in result.stdout


def test_values_may_come_after_options(tmp_path):
    code = main(["draw", "x*w", "x=2", "-o", str(tmp_path / "g.dot"), "w=5", "--no-legend"])
    assert code == 0 and (tmp_path / "g.dot").exists()


def test_help_lists_the_draw_command():
    result = run(["--help"], cwd=ROOT)
    assert result.returncode == 0 and "draw" in result.stdout
    result = run(["draw", "--help"], cwd=ROOT)
    assert "NAME=VALUE" in result.stdout and "--local-grads" in result.stdout
    assert "in at most 10,000 characters" in result.stdout  # the expression's size limit


@pytest.mark.parametrize(
    "args, message",
    [
        (["__import__('os')"], "__import__ is not a function of the expression language"),
        (["__import__('os').system('echo hacked')"], "only the functions exp, log, tanh"),
        (["x.__class__", "x=1"], "attribute access (a.b) cannot be used"),
        (["(lambda: 1)()"], "only the functions"),
        (["x[0]", "x=1"], "subscripts (a[i]) cannot be used"),
        (["[x for x in y]"], "comprehensions cannot be used"),
        (["tanh(x*w + b)", "x=1", "w=2"], "b has no value (the variables given are: w, x); "
                                         "give it one on the command line: b=VALUE"),
        (["x*2", "x=abc"], "'x=abc': 'abc' is not a number"),
        (["x*2", "x=nan"], "give x a finite number"),
        (["x*2", "x"], "expected NAME=VALUE"),
        (["x*2", "2x=1"], "is not a variable name"),
        (["x*2", "x=1", "x=2"], "x is given twice"),
        (["x ^ 2", "x=1"], "for a power write a ** b"),
        (["x*2", "x=1", "-o", "graph.jpeg"], "use .svg, .png, .pdf or .dot"),
        (["x*2", "x=1", "--focus", "nope"], "focus 'nope' names no node here"),
        (["x*2", "x=1", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_input_is_refused_with_a_pointed_message(tmp_path, capsys, args, message):
    assert main(["draw", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule draw: error: ")
    assert message in err
    assert not list(tmp_path.iterdir())


def test_a_refusal_from_the_real_script_shows_a_caret(tmp_path):
    result = run(["draw", "x + __import__('os')", "x=1"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[1:] == ["  x + __import__('os')", "      ^^^^^^^^^^"]
    assert not list(tmp_path.iterdir())  # nothing ran, nothing was written


def test_no_command_is_a_usage_error():
    result = run([], cwd=ROOT)
    assert result.returncode == 2 and "required: COMMAND" in result.stderr


def test_an_unused_value_is_noted(tmp_path, capsys):
    assert main(["draw", "x*2", "x=1", "y=5", "-o", str(tmp_path / "g.dot")]) == 0
    assert "note: y is given a value but the expression does not use it" in capsys.readouterr().err


def test_over_the_node_budget_the_options_are_named(tmp_path, capsys):
    assert main(["draw", "tanh(x*w + b)", "x=1", "w=1", "b=1", "--max-nodes", "3",
                 "-o", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert "over --max-nodes 3" in err and "--focus NAME" in err and "focus=" not in err


def test_without_dot_the_command_explains_and_keeps_the_dot_text(tmp_path):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    env = {"PATH": str(empty)}  # and the code under test, wherever it is imported from
    env.update({k: v for k, v in os.environ.items() if k == "PYTHONPATH"})
    result = run(["draw", *NEURON, "-o", "neuron.svg"], cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "∂out/∂x = -1.5" in result.stdout  # the gradients are printed anyway
    assert "sudo apt-get install graphviz" in result.stderr
    assert "brew install graphviz" in result.stderr
    assert "dot -Tsvg neuron.dot -o neuron.svg" in result.stderr
    assert (tmp_path / "neuron.dot").read_text().startswith('digraph "chainrule"')
    assert not (tmp_path / "neuron.svg").exists()


# --- every mistake is one line: NAME=VALUE in every command ----------------------------------

COMMAND_OPTIONS = {"draw": ["-o", "g.dot"], "step": ["--tape"], "html": ["-o", "g.html"]}


@pytest.mark.parametrize("command", sorted(COMMAND_OPTIONS))
@pytest.mark.parametrize(
    "values, message",
    [
        (["exp=1"], "'exp=1': 'exp' is taken by the function exp(), so it is not a variable "
                    "name: pick another name, such as exp_"),
        (["if=1"], "'if=1': 'if' is a Python keyword, not a variable name: pick another name, "
                   "such as if_"),
        (["None=1"], "'None=1': 'None' is a Python keyword, not a variable name: pick another "
                     "name, such as None_"),
        (["x y=1"], "'x y=1': 'x y' is not a variable name: use letters, digits and _, not "
                    "starting with a digit"),
        (["x=1", "𝐱=2"], "x is given twice: 'x=1' and '𝐱=2'"),  # 𝐱 reads as x
        (["x=1e"], "'x=1e': '1e' is not a number (write it like 2, -0.5 or 1e-3)"),
    ],
)
def test_a_bad_assignment_is_one_line_and_status_2(tmp_path, monkeypatch, capsys, command,
                                                   values, message):
    monkeypatch.chdir(tmp_path)
    assert main([command, "x+1", *values, *COMMAND_OPTIONS[command]]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"chainrule {command}: error: {message}\n")
    assert not list(tmp_path.iterdir())


def test_a_styled_letter_in_an_assignment_names_the_plain_letter(capsys):
    assert main(["step", "x+1", "𝐱=1", "--tape"]) == 0
    assert "   1  out = x + 1 = 1.0 + 1 = 2.0" in capsys.readouterr().out


def test_a_mistake_found_while_drawing_is_the_only_output(tmp_path, capsys):
    assert main(["draw", "x*2", "x=1", "-o", str(tmp_path / "g.jpeg")]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # the gradients are printed only once the drawing can be made
    assert len(err.splitlines()) == 1 and "use .svg, .png, .pdf or .dot" in err


# --- user text reaches the terminal with its control characters written out ------------------


def test_printable_writes_out_what_a_terminal_would_obey():
    assert printable("a\x1b[5mb\x00\t\u202e") == "a\\x1b[5mb\\x00\\t\\u202e"
    assert printable("two\nlines", keep="\n") == "two\nlines"
    assert printable("tanh(x*w + b) 变量 é") == "tanh(x*w + b) 变量 é"  # printable: untouched


def test_a_label_that_reorders_text_is_printed_written_out(tmp_path, capsys):
    # U+202E (right-to-left override) is allowed in a comment; the label keeps the comment.
    assert main(["draw", "(x # \u202e\n + 1)", "x=1", "-o", str(tmp_path / "g.dot")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "out = (x # \\u202e + 1) = 2.0"


def test_an_unknown_option_is_written_out(capsys):
    assert main(["draw", "x", "x=1", "--\x1b[5m"]) == 2
    assert capsys.readouterr().err == (
        "chainrule draw: error: unrecognized arguments: --\\x1b[5m\n")


def test_argparse_errors_write_user_text_out(capsys):
    with pytest.raises(SystemExit) as exit:  # --no could be --no-color or --no-legend
        main(["draw", "x", "x=1", "--no=\x1b[5m"])
    err = capsys.readouterr().err
    assert exit.value.code == 2 and "\x1b" not in err
    assert err.splitlines()[-1] == ("chainrule draw: error: ambiguous option: --no=\\x1b[5m "
                                    "could match --no-color, --no-legend")


def test_a_40_kb_expression_is_refused_with_the_limit(capsys):
    text = "total(" + ", ".join(["x*x"] * 10_000) + ")"
    assert main(["step", text, "x=1", "--tape"]) == 2
    assert "the expression has 50,005 characters, more than the 10,000" in capsys.readouterr().err

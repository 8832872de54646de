"""`chainrule step` and `chainrule html` from the command line, as a learner types them."""

import io
import os
import subprocess
import sys
from pathlib import Path

from conftest import require_module, require_program

ROOT = Path(__file__).resolve().parent.parent
NEURON = ["tanh(x*w + b)", "x=2", "w=-3", "b=6.88"]


def chainrule(*args, stdin="", env=None):
    return subprocess.run([sys.executable, "-m", "autograd", *args], input=stdin, env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_a_terminal_that_cannot_print_partial_signs_gets_plain_derivatives():
    # ∂out/∂x would raise UnicodeEncodeError on an ASCII stream: it reads d(out)/d(x) there
    ascii_env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    tape = chainrule("step", "x*y", "x=2", "y=3", "--tape", env=ascii_env)
    assert tape.returncode == 0, tape.stderr
    assert "   3  d(out)/d(x) += y * d(out)/d(out) = 3.0 * 1.0 = 3.0" in tape.stdout
    stepped = chainrule("step", "x*y", "x=2", "y=3", stdin="b\nn\nq\n", env=ascii_env)
    assert stepped.returncode == 0, stepped.stderr
    assert "d(out)/d(x) += y * d(out)/d(out)" in stepped.stdout and "∂" not in stepped.stdout
    explained = chainrule("step", "x*y", "x=2", "y=3", "--explain", "x", env=ascii_env)
    assert "backward computes d(out)/d(x) = 3.0" in explained.stdout


def test_step_tape_prints_the_program_forward_then_backward():
    result = chainrule("step", *NEURON, "--tape")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == ["forward:", "   1  t1 = x * w = 2.0 * (-3.0) = -6.0",
                         "   2  t2 = t1 + b = -6.0 + 6.88 = 0.88",
                         "   3  out = tanh(t2) = tanh(0.88) = 0.7064"]
    assert lines[-1] == "   9  ∂out/∂w += ∂t1/∂w * ∂out/∂t1 = x * 0.501 = 2.0 * 0.501 = 1.002"


def test_step_explain_sums_the_paths_and_checks_them():
    result = chainrule("step", "x*x + x", "x=3", "--explain", "x")
    assert result.returncode == 0, result.stderr
    assert "sum over 3 paths = 7.0; backward computes ∂out/∂x = 7.0" in result.stdout
    assert result.stdout.rstrip().endswith("agrees")


def test_step_reads_keys_from_a_pipe():
    result = chainrule("step", *NEURON, stdin="b\nn\nq\n")
    assert result.returncode == 0, result.stderr
    assert "step 5 of 10 (backward)" in result.stdout
    assert "∂out/∂t2 += (1 - out * out) * ∂out/∂out = (1 - 0.7064 * 0.7064) * 1.0" in result.stdout


def test_step_in_a_real_terminal():
    pexpect = require_module("pexpect")
    child = pexpect.spawn(sys.executable, ["-m", "autograd", "step", *NEURON], cwd=str(ROOT),
                          dimensions=(30, 100), encoding="utf-8", timeout=15,
                          env={"TERM": "xterm", "PATH": "/usr/bin:/bin"})
    child.expect(r"chainrule step: out = tanh\(x\*w \+ b\) +step 0 of 10")
    child.send("b")
    child.expect("∂out/∂out = 1")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_html_writes_one_self_contained_page(tmp_path):
    require_program("dot")
    page = tmp_path / "walk.html"
    result = chainrule("html", *NEURON, "-o", str(page))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {page} (10 steps): open it in a browser\n"
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "chainruleMount" in text
    assert "http://" not in text.replace("http://www.w3.org/", "")  # nothing to fetch
    assert "<title>out = tanh(x*w + b)</title>" in text


def test_bad_expressions_are_refused_with_a_pointer():
    result = chainrule("step", "__import__('os').system('echo hacked')", "--tape")
    assert result.returncode == 2
    assert "hacked" not in result.stdout + result.stderr.replace("echo hacked", "")
    result = chainrule("html", "tanh(x*w + q)", "x=2", "w=-3")
    assert result.returncode == 2
    assert "q has no value" in result.stderr and "q=VALUE" in result.stderr


def test_unknown_node_for_explain_names_the_nodes():
    result = chainrule("step", "x*y", "x=1", "y=2", "--explain", "z")
    assert result.returncode == 2
    assert "no node is named 'z'; the names are: x, y, out" in result.stderr


def test_the_walkthrough_demo_writes_its_pages(tmp_path):
    require_program("dot")
    result = subprocess.run([sys.executable, str(ROOT / "demos" / "walkthrough.py"), "--out",
                             str(tmp_path), "--quick"], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "   9  ∂L/∂a += ∂e/∂a * ∂L/∂e = b * (-2.0) = -3.0 * (-2.0) = 6.0" in result.stdout
    for name in ("karpathy", "neuron", "training"):
        assert (tmp_path / f"{name}.html").read_text().startswith("<!DOCTYPE html>")


# --- user text with control characters: written out on every terminal surface ----------------

# A label and a title holding terminal escapes the stepper never sends itself: ESC [5m (blink)
# and ESC ] 0 ; ... BEL (set the window title).
ESCAPING = """
from autograd import Value
from autograd.stepper.terminal import step
x = Value(2.0, label="x\\x1b[5m")
y = x * x
y.label = "y"
step(y, title="title\\x1b]0;pwned\\x07")
"""


def labelled_with_an_escape():
    from autograd import Value

    x = Value(2.0, label="x\x1b[5m")
    y = x * x
    y.label = "y"
    return y


def test_the_tape_writes_control_characters_out():
    from autograd.stepper import walkthrough

    tape = walkthrough(labelled_with_an_escape()).tape()
    assert "\x1b" not in tape
    assert "   1  y = x\\x1b[5m * x\\x1b[5m = 2.0 * 2.0 = 4.0" in tape.splitlines()


def test_the_screen_writes_control_characters_out():
    from autograd.stepper import walkthrough
    from autograd.stepper.terminal import screen

    walk = walkthrough(labelled_with_an_escape())
    for index in range(len(walk)):
        text = screen(walk, index, title="t\x07", message="stopped at x\x1b[5m", color=True)
        assert "\x1b[5m" not in text and "\x07" not in text  # its own colours remain
    assert "x\\x1b[5m" in text and "chainrule step: t\\x07" in text


def test_the_terminal_stepper_writes_control_characters_out():
    pexpect = require_module("pexpect")
    child = pexpect.spawn(sys.executable, ["-c", ESCAPING], cwd=str(ROOT), dimensions=(30, 100),
                          encoding="utf-8", timeout=15,
                          env={"TERM": "xterm", "PATH": "/usr/bin:/bin"})
    child.logfile_read = seen = io.StringIO()
    child.expect_exact("chainrule step: title\\x1b]0;pwned\\x07")
    child.send("n")
    child.expect_exact("y = x\\x1b[5m * x\\x1b[5m")
    child.send("t")  # the tape, paged
    child.expect_exact("   1  y = x\\x1b[5m * x\\x1b[5m = 2.0 * 2.0 = 4.0")
    child.send("q")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "\x1b[5m" not in seen.getvalue() and "\x07" not in seen.getvalue()

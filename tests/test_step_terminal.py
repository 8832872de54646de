"""The terminal stepper, driven through a real pseudo-terminal as a learner would use it.

Keys go in one at a time (arrow keys as escape sequences), the screen comes back with its
colours; a second test scripts the stepper through a pipe, one command per line.
"""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import require_module

from autograd import Value
from autograd.stepper import walkthrough
from autograd.stepper.terminal import screen

ROOT = Path(__file__).resolve().parent.parent

KARPATHY = textwrap.dedent("""
    from autograd import Value
    from autograd.stepper.terminal import step
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b; e.label = "e"
    d = e + c; d.label = "d"
    L = d * f; L.label = "L"
    step(L, title="L = (a*b + c) * f")
    print("grads untouched:", a.grad, b.grad)
""")

# A fused MLP: each neuron's b + w0*x0 + w1*x1 is one weighted_sum node. Its inputs 2 and -1
# become constants; the first neuron's numbers are set so that its sum is 0.1 + 1.0 + 0.25.
FUSED_MLP = textwrap.dedent("""
    import nn
    from autograd.stepper.terminal import step
    model = nn.MLP(2, [2, 1], activation="tanh", seed=0, fused=True)
    first = model.layers[0].neurons[0]
    first.b.data, first.w[0].data, first.w[1].data = 0.1, 0.5, -0.25
    loss = nn.mse(model([2.0, -1.0]), 1.0)
    loss.label = "loss"
    step(loss, title="fused MLP")
""")
FIRST_SUM = "L0.N0.b + L0.N0.w0 * 2 + L0.N0.w1 * (-1)"

RIGHT_ARROW, LEFT_ARROW = "\x1b[C", "\x1b[D"


@pytest.fixture
def terminal():
    pexpect = require_module("pexpect")
    child = pexpect.spawn(sys.executable, ["-c", KARPATHY], cwd=str(ROOT), dimensions=(40, 100),
                          env={"TERM": "xterm-256color", "PATH": "/usr/bin:/bin"},
                          encoding="utf-8", timeout=10)
    child.expect("step 0 of 11")
    yield child
    child.close(force=True)


def test_keys_move_through_forward_and_backward(terminal):
    terminal.send("n")
    terminal.expect(r"step 1 of 11 \(forward\)")
    terminal.expect(r"e = a \* b = 2\.0 \* \(-3\.0\) = -6\.0")
    terminal.send("b")
    terminal.expect(r"step 4 of 11 \(backward\)")
    terminal.expect("∂L/∂L = 1")
    terminal.send(RIGHT_ARROW)
    terminal.expect(r"∂L/∂d \+= f \* ∂L/∂L = -2\.0 \* 1\.0 = -2\.0")
    terminal.send(LEFT_ARROW)
    terminal.expect("step 4 of 11")
    terminal.send("q")
    terminal.expect("grads untouched: 0.0 0.0")


def test_go_to_a_node_then_explain_it(terminal):
    terminal.send("g")
    terminal.expect("go to")
    terminal.sendline("a")
    terminal.expect("stopped at a")
    terminal.send("g")
    terminal.sendline("a")  # g again: a's next step, in backward
    terminal.expect(r"step 9 of 11")
    terminal.expect(r"∂L/∂a \+= ∂e/∂a \* ∂L/∂e = b \* \(-2\.0\) = -3\.0 \* \(-2\.0\) = 6\.0")
    terminal.send("x")
    terminal.expect(r"a -> e -> d -> L: ∂e/∂a \* ∂d/∂e \* ∂L/∂d = -3\.0 \* 1\.0 \* \(-2\.0\)")
    terminal.expect("agrees")
    terminal.send(" ")  # any key goes back
    terminal.expect("step 9 of 11")


def test_practice_asks_before_revealing(terminal):
    terminal.send("b")
    terminal.expect("step 4 of 11")
    terminal.send("r")
    terminal.expect("practice mode on")
    terminal.send("n")
    terminal.expect(r"practice, step 5: ∂L/∂d = \?")
    terminal.sendline("-2")
    terminal.expect("right: -2.0")
    terminal.send("n")
    terminal.expect(r"∂L/∂f = \?")
    terminal.sendline("3")
    terminal.expect(r"not quite: it is 4\.0\. ∂L/∂f = d = 4\.0")


def test_the_current_row_is_highlighted(terminal):
    terminal.send("n")
    terminal.expect("\x1b\\[7m> e +a \\* b")  # reverse video on the node computed now


def test_commands_can_come_from_a_pipe():
    script = "n\nn\ng b\nt\nq\n"
    result = subprocess.run([sys.executable, "-c", KARPATHY], input=script, capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "step 2 of 11 (forward)" in result.stdout
    assert "stopped at b" in result.stdout
    assert "   9  ∂L/∂a += ∂e/∂a * ∂L/∂e = b * (-2.0) = -3.0 * (-2.0) = 6.0" in result.stdout
    assert "\x1b[" not in result.stdout  # no colours into a pipe


def test_a_fused_neuron_steps_as_b_plus_w_times_x():
    pexpect = require_module("pexpect")
    child = pexpect.spawn(sys.executable, ["-c", FUSED_MLP], cwd=str(ROOT),
                          dimensions=(40, 200), env={"TERM": "xterm-256color",
                                                     "PATH": "/usr/bin:/bin"},
                          encoding="utf-8", timeout=10)
    try:
        child.expect("step 0 of 26")
        child.send("n")  # t1, the first neuron's weighted sum: one node, one step
        child.expect(r"step 1 of 26 \(forward\)")
        child.expect(re.escape(f"t1 = {FIRST_SUM} = 0.1 + 0.5 * 2 + (-0.25) * (-1) = 1.35"))
        child.send("g")
        child.expect("go to")
        child.sendline("L0.N0.w0")  # its backward step: ∂t1/∂w0 = x0, the 2
        child.expect(r"step \d+ of 26 \(backward\)")
        child.expect(re.escape("∂loss/∂L0.N0.w0 += ∂t1/∂L0.N0.w0 * "
                               "∂loss/∂t1 = 2 * "))
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_a_fused_mlps_tape_writes_each_neuron_out():
    result = subprocess.run([sys.executable, "-c", FUSED_MLP], input="t\nq\n",
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    tape = " ".join(result.stdout.split())  # long statements are wrapped to the screen width
    assert f" 1 t1 = {FIRST_SUM} = 0.1 + 0.5 * 2 + (-0.25) * (-1) = 1.35 " in tape
    # the weight of the constant input -1 gets d t1/d w1 = -1 times the upstream gradient
    assert " ∂loss/∂L0.N0.w1 += ∂t1/∂L0.N0.w1 * ∂loss/∂t1 = -1 * " in tape
    # the second layer's neuron: d t5/d w0 is its input t2, d t5/d t2 its weight w0
    assert " ∂loss/∂L1.N0.w0 += ∂t5/∂L1.N0.w0 * ∂loss/∂t5 = t2 * " in tape
    assert " ∂loss/∂t2 += ∂t5/∂t2 * ∂loss/∂t5 = L1.N0.w0 * " in tape


def test_a_graph_taller_than_the_screen_shows_a_window_around_the_current_node():
    x = Value(1.0, label="x")
    out = x
    for i in range(60):
        out = out * 1.01
        out.label = f"y{i}"
    walk = walkthrough(out)
    text = screen(walk, walk.find("y30"), width=80, height=24)
    assert "> y30" in text
    assert "y0 " not in text and "more nodes not shown" in text
    assert len(text.splitlines()) <= 24


def test_a_constant_alone_has_a_screen_too():
    constant = (Value(2.0) * 3).inputs[1]  # the 3: a constant Value that * made
    walk = walkthrough(constant)
    assert "Done" in screen(walk, len(walk) - 1)  # no table rows at all, and no crash

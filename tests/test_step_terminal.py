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


def spawn(script: str, columns: int = 100, timeout: int = 10):
    """The script running in a real pseudo-terminal of 40 lines."""
    pexpect = require_module("pexpect")
    return pexpect.spawn(sys.executable, ["-c", script], cwd=str(ROOT), dimensions=(40, columns),
                         env={"TERM": "xterm-256color", "PATH": "/usr/bin:/bin"},
                         encoding="utf-8", timeout=timeout)


@pytest.fixture
def terminal():
    child = spawn(KARPATHY)
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


def practising(terminal):
    """Practice mode on at the seed step: the next key asks for ∂L/∂d (= f = -2.0)."""
    terminal.send("b")
    terminal.expect("step 4 of 11")
    terminal.send("r")
    terminal.expect("practice mode on")


def test_practice_asks_before_revealing(terminal):
    practising(terminal)
    terminal.send("n")
    terminal.expect(r"practice, step 5: ∂L/∂d = \?")
    terminal.sendline("-2")
    terminal.expect("right: -2.0")
    terminal.expect("score: 1 of 1 right first try")


def test_the_score_stays_on_the_screen_while_practising(terminal):
    practising(terminal)
    terminal.send("n")
    terminal.sendline("-2")
    terminal.expect("right: -2.0")
    terminal.send("p")  # back to the seed step: no question, the score still shown
    terminal.expect(r"step 4 of 11")
    terminal.expect("score: 1 of 1 right first try")


def test_the_question_marks_the_asked_node_and_the_sender_and_hides_the_step(terminal):
    practising(terminal)
    terminal.send("n")
    # the screen of step 5 while it asks: d marked > with a ? for its grad, L marked * (it
    # sends d its gradient), and neither the narration nor d's number shown yet
    terminal.expect(r"step 5 of 11 \(backward\)")
    terminal.expect(r"> d +e \+ c +4\.0 +\?")
    terminal.expect(r"\* L +d \* f +-8\.0 +1\.0")
    terminal.expect(r"practice: ∂L/∂d = \?")
    terminal.expect(r"practice, step 5")
    assert "-2.0 * 1.0" not in terminal.before


def test_text_that_is_not_a_number_asks_again(terminal):
    practising(terminal)
    terminal.send("n")
    terminal.expect(r"practice, step 5: ∂L/∂d = \?")
    terminal.sendline("abc")
    terminal.expect('"abc" is not a number: type one, such as -1.5 or 0.25')
    terminal.expect(r"practice, step 5: ∂L/∂d = \?")  # the same question again
    terminal.sendline("-2")
    terminal.expect("right: -2.0")
    terminal.expect("score: 1 of 1 right first try")  # abc was no try


def test_a_wrong_answer_gets_a_retry_then_a_hint_then_the_answer(terminal):
    practising(terminal)
    terminal.send("n")
    terminal.sendline("2")
    terminal.expect("not quite: try again")
    terminal.expect(r"practice, step 5")
    terminal.sendline("3")
    # the hint: the chain rule with the numbers filled in, the last product left to do
    terminal.expect(r"not quite\. Hint: ∂L/∂d = f \* ∂L/∂L = -2\.0 \* 1\.0, because L = d \* f")
    terminal.sendline("4")
    terminal.expect(r"∂L/∂d \+= f \* ∂L/∂L = -2\.0 \* 1\.0 = -2\.0")  # the step, then
    terminal.expect("it is -2.0, worked out above")
    terminal.expect("score: 0 of 1 right first try, 1 shown")


def test_an_answer_is_right_at_the_precision_it_is_typed_in():
    # ∂tanh(x)/∂x at 0.5 = 1 - tanh(0.5)**2 = 0.786448: 0.77 is wrong (0.79 at two decimals,
    # and 2% off), 0.8 is right at one decimal
    child = spawn("from autograd import Value\nfrom autograd.stepper.terminal import step\n"
                  "step(Value(0.5, label='x').tanh())")
    child.expect("step 0 of 4")
    child.send("b")
    child.send("r")
    child.send("n")
    child.expect(r"practice, step 3: ∂out/∂x = \?")
    child.sendline("0.77")
    child.expect("not quite: try again")
    child.sendline("0.8")
    child.expect("right: 0.786448")
    child.expect("score: 0 of 1 right first try, 1 on the second try")
    child.close(force=True)


def test_the_score_counts_how_each_question_was_settled_and_ends_with_a_summary(terminal):
    practising(terminal)
    # ∂L/∂d right, ∂L/∂f right, ∂L/∂e after a hint, ∂L/∂c on a second try, ∂L/∂a shown,
    # ∂L/∂b right: 3 of 6 first try
    for keys in (["-2"], ["4"], ["h", "-2"], ["5", "-2"], ["s"], ["-4"]):
        terminal.send("n")
        terminal.expect("practice, step")
        for typed in keys:
            terminal.sendline(typed)
            terminal.expect(r"score: |Hint|try again")
    terminal.send("n")
    terminal.expect("Done: every gradient is known")
    terminal.expect("practice done: 3 of 6 right first try, 1 on the second try, "
                    "1 after a hint, 1 shown")
    terminal.send("q")
    terminal.expect("practice: 3 of 6 right first try")


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
    child = spawn(FUSED_MLP, columns=200)
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


# The network learners train, on four two-moons points: stepped in levels.
MOONS = textwrap.dedent("""
    import nn
    from autograd.stepper.terminal import step
    X, y = nn.make_moons(4, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.hinge([model(list(row)) for row in X], [2 * int(t) - 1 for t in y])
    loss.label = "loss"
    step(loss)
""")


@pytest.fixture
def moons_terminal():
    child = spawn(MOONS, timeout=30)
    child.expect(r"step 0 of 28 \(start\)")
    child.expect(r"level: top \(29 steps\)")
    yield child
    child.close(force=True)


def test_a_network_opens_at_its_top_level_and_steps_open_and_close(moons_terminal):
    terminal = moons_terminal
    terminal.send("nn")
    terminal.expect(r"step 2 of 28 \(forward\)")
    terminal.expect(r"layers\.1 \(call 1 of 4\) computes 16 values")
    terminal.expect(r"\(o opens this step: 16 steps\)")
    terminal.send("o")
    terminal.expect(r"step 0 of 15 \(forward\)")
    terminal.expect(r"level: top \(29 steps\) > layers\.1 \(call 1 of 4\), forward \(16 steps\)")
    terminal.expect(r"neurons\.0 computes t\d+ = ")
    terminal.send("nnno")
    terminal.expect(r"step 0 of 17 \(forward\)")
    terminal.expect(r"> neurons\.3, forward\s+\(18\s+steps\)")  # the breadcrumb may wrap
    terminal.expect(r"t\d+ = L1\.N3\.w0 \* t\d+")
    terminal.send("o")
    terminal.expect("this step is one operation: there is nothing below it to open")
    terminal.send("u")
    terminal.expect(r"step 3 of 15 \(forward\)")
    terminal.send("u")
    terminal.expect(r"step 2 of 28 \(forward\)")
    terminal.send("u")
    terminal.expect("this is the top level")
    terminal.send("q")


def test_the_end_of_a_level_says_how_to_go_back_up(moons_terminal):
    terminal = moons_terminal
    terminal.send("bno")  # the seed, then the loss's backward step, opened
    terminal.expect(r"loss, backward \(\d+ steps\)")
    terminal.send("$n")
    terminal.expect(r"this is the last step of this level \(u goes back up\)")


def test_going_to_a_node_opens_the_levels_down_to_its_step(moons_terminal):
    terminal = moons_terminal
    terminal.send("g")
    terminal.expect("go to")
    terminal.sendline("L0.N5.w1")
    terminal.expect(r"level: top \(29 steps\) > layers\.0 \(call 4 of 4\), backward \(16 steps\)")
    terminal.expect(r"neurons\.5, backward \(6 steps\)")  # 2 products, the sum, relu
    terminal.expect(r"∂loss/∂L0\.N5\.w1 \+= ")
    terminal.expect("stopped at L0.N5.w1")


def test_following_a_parameter_in_the_terminal_ends_with_its_path_sum():
    # F and a name follow it; $ goes to the last step; F and nothing follows none again
    keys = "F\nL2.N0.w3\n$\nF\n\nq\n"
    result = subprocess.run([sys.executable, "-c", MOONS], input=keys, capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    screens = result.stdout.split("chainrule step: ")
    following = next(s for s in screens if "Done: ∂loss/∂L2.N0.w3" in s)
    assert "following L2.N0.w3: 48 of the 5288 steps" in following
    assert "level: top (13 steps)" in following
    text = " ".join(following.split())
    assert ("sum over 4 paths = -0.09422; backward computes ∂loss/∂L2.N0.w3 = "
            "-0.09422") in text
    assert "level: top (29 steps)" in screens[-1] and "following" not in screens[-1]


def test_one_example_of_the_batch_in_the_terminal():
    result = subprocess.run([sys.executable, "-c", MOONS], input="F\n1\nq\n",
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    last = result.stdout.split("chainrule step: ")[-1]
    assert "sample 1: 1325 of the 5288 steps, this example's" in last
    assert "level: top (11 steps)" in last
    assert "Sample 1: its call of each layer, and the loss computed from them" in last

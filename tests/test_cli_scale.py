"""The command line at scale: `chainrule draw` refuses a drawing too big to read, and
`chainrule step` and `chainrule html` follow one variable with --focus NAME."""

from autograd.cli import main
from tests.conftest import require_program

KARPATHY = ["tanh(x*w + b)", "x=2", "w=-3", "b=6.88"]


def test_draw_refuses_a_drawing_too_long_to_read(tmp_path, capsys):
    # 80 sines in a row: 161 nodes, under --max-nodes, but 80 ranks of a box and a circle
    # (about 150 points, 300 pixels each) make some 24,000 pixels
    expression = "sin(" * 80 + "x" + ")" * 80
    assert main(["draw", expression, "x=1", "-o", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule draw: error: this drawing would be over 10,000 pixels "
                          "long, too big to read. Draw less: --focus NAME")
    assert len(err.splitlines()) == 1 and not (tmp_path / "g.svg").exists()


def test_step_focus_keeps_only_the_steps_on_the_paths_from_the_variable(capsys):
    assert main(["step", *KARPATHY, "--tape", "--focus", "t1"]) == 0
    tape = capsys.readouterr().out
    # forward from t1: t2 and out; backward to t1: out, t2, t1 (never x, w or b)
    assert "t1 = x * w" not in tape and "t2 = t1 + b" in tape
    assert "∂out/∂t1 +=" in tape and "∂out/∂w" not in tape


def test_a_followed_tape_ends_with_the_path_sum(capsys):
    # out = tanh(x*w + b) * x: x reaches out directly and through t1, and its gradient is the
    # sum of what each route sends back
    assert main(["step", "tanh(x*w + b) * x", "x=2", "w=-3", "b=6.88", "--tape", "--focus",
                 "x"]) == 0
    tape = capsys.readouterr().out.splitlines()
    assert tape[-3:] == [
        "path sum:",
        "  11  sum over 2 paths = -2.299; backward computes ∂out/∂x = -2.299",
        "      by route: x.grad = -3.006 (through t1) + 0.7064 (through out) = -2.299"]


def test_step_focus_on_an_unknown_name_is_a_one_line_usage_error(capsys):
    assert main(["step", *KARPATHY, "--focus", "q"]) == 2
    err = capsys.readouterr().err
    assert err == ("chainrule step: error: no node is named 'q'; the names are: x, w, t1, b, "
                   "t2, out\n")


def test_html_focus_writes_the_page_of_the_followed_variable(tmp_path, capsys):
    require_program("dot")
    whole, focused = tmp_path / "whole.html", tmp_path / "focused.html"
    assert main(["html", *KARPATHY, "-o", str(whole)]) == 0
    assert main(["html", *KARPATHY, "--focus", "w", "-o", str(focused)]) == 0
    out = capsys.readouterr().out.splitlines()
    # following w leaves out the steps off its paths (b's and x's gradients): 8, not 10
    assert out == [f"wrote {whole} (10 steps): open it in a browser",
                   f"wrote {focused} (8 steps): open it in a browser"]


def test_html_focus_on_an_unknown_name_writes_nothing(tmp_path, capsys):
    page = tmp_path / "walk.html"
    assert main(["html", *KARPATHY, "--focus", "q", "-o", str(page)]) == 2
    assert capsys.readouterr().err.startswith("chainrule html: error: no node is named 'q'")
    assert not page.exists()

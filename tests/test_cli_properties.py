"""The `chainrule` command over its whole argument space: every run succeeds or is a usage error.

Hypothesis builds argument lists from the real parser: a subcommand, an expression (from a
small grammar, or junk text with unicode and control characters), NAME=VALUE pairs good and
bad, and the subcommand's own options with good and bad values, in any order. Each list runs
through `autograd.cli.main` in this process (files go to a temporary folder; the stepper reads
its keys from an empty input, so it draws one screen and stops). The rule every run obeys:

- exit status 0, or 2; never a traceback and never another status. (Status 1 means the
  machine failed: a file could not be written, Graphviz is missing. The options here write
  only into a writable folder, and `dot` is installed, so 1 does not occur.)
- on status 2, stdout is empty and stderr is one line `chainrule[ COMMAND]: error: MESSAGE`,
  preceded by argparse's usage lines when argparse found the mistake, and followed by the two
  lines of a pointer (the expression's line, then carets) when the mistake is in the
  expression;
- whatever the status, no output holds a control character but newlines: user text is shown
  with them written out (ESC as \\x1b).

A few real runs of the installed script check the cases of the original report end to end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from autograd.cli import build_parser, main
from autograd.expression import FUNCTIONS
from tests.conftest import require_program

# --- what the command line is made of, from the real parser -----------------------------------


def subcommands() -> dict[str, argparse.ArgumentParser]:
    """The chainrule parser's subcommands, by name."""
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


COMMANDS = subcommands()
OUTPUTS = ["g.svg", "g.dot", "g.png", "g.pdf", "g.gv", "g.html", "g.jpeg", "g", "G.SVG"]

# Text a user might paste by mistake: letters from other scripts, look-alike letters that
# NFKC turns into ASCII, control characters (ESC starts a terminal escape; NUL; a bell), and
# characters that move the cursor or reorder text (carriage return, bidi override).
JUNK = st.text(st.sampled_from(list("x y(),.=+-*/^%[]'\"#_0129eé变𝐱ﬁ") +
                                ["\x1b", "\x00", "\x07", "\t", "\n", "\r", "\u202e", "\x7f"]),
               max_size=16)
GOOD_NAMES = ["x", "y", "w", "b", "x1", "_", "𝐱", "ｙ", "ﬁ", "match"]
BAD_NAMES = ["if", "None", "True", "lambda", *FUNCTIONS, "2x", "x y", "", "x-1", "\x1b"]
NAMES = st.sampled_from(GOOD_NAMES) | st.sampled_from(BAD_NAMES) | JUNK
GOOD_NUMBERS = st.sampled_from(["1", "-2.5", "0.5", "1e3", "3", "0", "1_000", "١"])
NUMBERS = GOOD_NUMBERS | st.sampled_from(["1e999", "nan", "-inf", "abc", "", "0x10"]) | JUNK


def expressions(clean: bool) -> st.SearchStrategy[str]:
    """Expressions of a small grammar: only what the language has, or anything (and junk)."""
    leaf = st.sampled_from(["x", "y", "w", "b", "𝐱", "ﬁ", "2", "0.5", "-3", "1e3"])
    binary = st.sampled_from(["+", "-", "*", "/", "**"])
    called = st.sampled_from(sorted(FUNCTIONS))
    if not clean:
        leaf |= st.sampled_from(["q", "1e999", "True", "'s'", "2j", "x.real", "[x]"])
        binary |= st.sampled_from(["%", "^", "//", "<", " and ", ", "])
        called |= st.sampled_from(["foo", "__import__", "x"])

    def combine(operand):  # one level of the grammar
        return st.one_of(
            st.tuples(operand, binary, operand).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
            operand.map(lambda a: f"-{a}"),
            operand.map(lambda a: f"({a})"),
            st.tuples(called, st.lists(operand, min_size=1, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"),
        )

    grammar = st.recursive(leaf, combine, max_leaves=8)
    return grammar if clean else grammar | JUNK


def option_values(action: argparse.Action, clean: bool, names: list[str]
                  ) -> st.SearchStrategy[list[str]]:
    """One use of an option: its flag, with a value drawn for what it takes (bad ones too)."""
    flag = st.sampled_from(action.option_strings)
    if action.nargs == 0:  # --local-grads, --tape, --help, --version
        return flag.map(lambda f: [f])
    if action.dest == "output":
        value = st.sampled_from(OUTPUTS[:6] if clean else OUTPUTS)
    elif action.choices:
        value = st.sampled_from(sorted(action.choices))
        value = value if clean else value | JUNK
    elif action.type is int:
        value = st.integers(20, 2000).map(str)
        value = value if clean else st.integers(-3, 20).map(str) | st.sampled_from(
            ["", "x", "1.5", "9" * 30])
    else:  # --focus, --explain, --title: a node's name, or anything
        value = st.sampled_from(names) if clean and names else NAMES
    return st.tuples(flag, value).map(list) | st.tuples(flag, value).map(
        lambda t: [f"{t[0]}={t[1]}"])


@st.composite
def command_lines(draw) -> list[str]:
    """A chainrule command line: a subcommand, an expression, values and options, in any order.

    Half the lines are clean: an expression of the language, a good value for each of its
    names, options with good values; these get as far as drawing or stepping. The others mix
    in mistakes: junk, bad names and numbers, bad option values.
    """
    clean = draw(st.booleans())
    command = draw(st.sampled_from(sorted(COMMANDS)))
    expression = draw(expressions(clean))
    spelled = {unicodedata.normalize("NFKC", name): name  # one spelling of each: 𝐱 or x
               for name in re.findall(r"[^\W\d]\w*", expression)}
    names = sorted(name for normal, name in spelled.items() if normal not in FUNCTIONS)
    words = [f"{name}={draw(GOOD_NUMBERS)}" for name in names]
    if not clean:
        words = [word for word in words if draw(st.integers(0, 9))]  # a few left out
        words += draw(st.lists(st.tuples(NAMES, NUMBERS).map("=".join) | NAMES, max_size=2))
    options = [a for a in COMMANDS[command]._actions
               if a.option_strings and a.dest not in ("help", "version")]
    for action in draw(st.lists(st.sampled_from(options), max_size=3, unique=True)):
        words += draw(option_values(action, clean, names))
    if not clean and not draw(st.integers(0, 19)):  # once in a while, help or version
        words.append(draw(st.sampled_from(["-h", "--help", "--version"])))
    words = draw(st.permutations(words))
    if clean or draw(st.integers(0, 3)):  # most lines put the expression first, as help shows
        return [command, expression, *words]
    return [command, *draw(st.permutations([expression, *words]))]


# --- the property ------------------------------------------------------------------------------

ERROR_LINE = re.compile(r"chainrule( [a-z]+)?: error: \S.*")


def run_main(argv: list[str], folder: Path) -> tuple[int, str, str]:
    """main(argv) in this process, in `folder`, with no input: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            contextlib.chdir(folder), mock.patch.object(sys, "stdin", io.StringIO("")):
        try:
            status = main(argv)
        except SystemExit as exit:  # argparse's usage errors, --help and --version
            status = exit.code
    return status, out.getvalue(), err.getvalue()


def check_usage_error(out: str, err: str) -> None:
    """The status-2 output: one error line, after argparse's usage, before a pointer."""
    assert out == ""
    lines = err.splitlines()
    errors = [i for i, line in enumerate(lines) if ERROR_LINE.fullmatch(line)]
    assert len(errors) == 1, err
    usage, after = lines[: errors[0]], lines[errors[0] + 1:]
    if usage:  # argparse: "usage: chainrule ...", wrapped lines indented
        assert usage[0].startswith("usage: chainrule") and all(
            line.startswith(" ") for line in usage[1:]), err
    if after:  # the pointer under an expression
        assert len(after) == 2 and after[0].startswith("  "), err
        assert re.fullmatch(r"  *\^+", after[1]), err


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=command_lines())
def test_every_command_line_succeeds_or_is_a_one_line_usage_error(argv):
    require_program("dot")
    with tempfile.TemporaryDirectory() as folder:
        status, out, err = run_main(argv, Path(folder))
    event(f"{argv[0]} exit {status}")  # --hypothesis-show-statistics shows the mix
    assert "Traceback" not in err
    assert status in (0, 2), (status, err)
    raw = [ch for ch in out + err if not ch.isprintable() and ch != "\n"]
    assert not raw, (raw, (out + err)[-400:])
    if status == 2:
        check_usage_error(out, err)


# --- the original report's cases, run for real ----------------------------------------------


def chainrule(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed `chainrule` script, run in `cwd`."""
    script = require_program(str(Path(sys.executable).parent / "chainrule"),
                             how="install chainrule first: pip install -e .")
    return subprocess.run([script, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_script_refuses_reserved_names_in_one_line(tmp_path):
    cases = [("draw", "exp=1", "-o", "g.dot"), ("draw", "if=1", "-o", "g.dot"),
             ("draw", "None=1", "-o", "g.dot"), ("step", "exp=1", "--tape"),
             ("html", "None=1", "-o", "g.html")]
    for command, *rest in cases:
        result = chainrule(command, "x+1", *rest, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        name = rest[0].partition("=")[0]
        [line] = result.stderr.splitlines()
        assert line.startswith(f"chainrule {command}: error: '{name}=1': '{name}' is ")
        assert "pick another name" in line
    assert not list(tmp_path.iterdir())


def test_the_script_reads_a_styled_letter_as_its_plain_letter(tmp_path):
    result = chainrule("draw", "x+1", "𝐱=1", "-o", "g.dot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "∂out/∂x = 1.0" in result.stdout  # 𝐱 is x, in the text and in the assignment alike


def test_the_script_shows_control_characters_written_out(tmp_path):
    result = chainrule("draw", "x + \x1b[5mq", "x=1", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[1:] == ["  x + \\x1b[5mq", "      ^^^^"]
    assert "\x1b" not in result.stderr


def test_the_script_refuses_a_40_kb_expression_at_once(tmp_path):
    text = "total(" + ", ".join(["x*x"] * 10_000) + ")"  # 50,005 characters
    result = chainrule("draw", text, "x=1", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("chainrule draw: error: the expression has 50,005 characters, "
                             "more than the 10,000 the expression language takes: it is for "
                             "graphs small enough to read; build a larger graph in Python "
                             "from Values\n")

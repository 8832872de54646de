"""The terminal stepper: a walkthrough one keypress at a time, in any terminal (also over SSH).

The screen is a pure function of the walkthrough and a step index (`screen()`): a table of the
nodes with the values and gradients known so far, then the step's narration. `step(value)`
runs the loop around it: it reads keys, moves, explains and asks practice questions. Without a
terminal (input from a pipe) each line of input is one command, so the stepper can be scripted.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from typing import TextIO

from ..naming import derivative_stream
from ..text import printable
from ..value import Value
from .model import MAX_NODES, Walkthrough, as_walkthrough, forward_expression, grade
from .symbols import fmt

HELP = """\
keys
  n, space, enter, right arrow   next step
  p, backspace, left arrow       previous step
  f / b                          jump to the first forward / backward step
  home / end (or 0 / $)          jump to the first / last step
  g                              go to a step number or to a node by name (a breakpoint)
  !                              run to the first value or gradient that is inf or nan
  x                              explain the current node's gradient: every path, and a check
  t                              the tape: the whole computation as numbered statements
  r                              practice mode on/off: type each gradient before you see it
  q                              quit
Marks: > the node this step is about; * the node passing its gradient back."""

FOOTER = "[n]ext [p]rev [f]orward [b]ackward [g]o [x]plain [t]ape p[r]actice [q]uit [?]help"

BOLD, REVERSE, DIM, RESET = "\x1b[1m", "\x1b[7m", "\x1b[2m", "\x1b[0m"
GREEN, RED = "\x1b[32m", "\x1b[31m"


def step(output: Value | Walkthrough, *, title: str = "", practice: bool = False,
         start: int = 0, max_nodes: int = MAX_NODES, collapse: str | int | None = None,
         input: TextIO | None = None, output_to: TextIO | None = None) -> None:
    """Step through the graph behind `output` in this terminal, until q (or end of input).

    `output` may also be a Walkthrough, such as a training_walkthrough(); collapse steps
    module by module ("neurons", "layers"), as walkthrough() does.
    """
    walk = as_walkthrough(output, max_nodes, collapse)
    Session(walk, title=title, practice=practice, input=input, output=output_to).run(start)


# --- the screen ------------------------------------------------------------------------------


def screen(walk: Walkthrough, index: int, width: int = 100, height: int = 40,
           color: bool = False, title: str = "", message: str = "") -> str:
    """The text of the screen at step `index`: node table, narration and the key line.

    Names, titles and messages are user text, shown with their control characters written
    out (ESC as \\x1b): only the screen's own colours reach the terminal as escapes.
    """
    step = walk[index]
    width = max(width, 40)
    header = printable(_header(walk, index, title))
    narration = [_paint(printable(step.title), BOLD, color)]
    for line in step.lines:
        narration += textwrap.wrap(printable(line), width - 2, initial_indent="  ",
                                   subsequent_indent="      ") or [""]
    tail = [] if not message else textwrap.wrap(printable(message), width)
    room = max(height - len(narration) - len(tail) - 6, 3)
    rule = "-" * min(width, 100)
    lines = [header, rule, *_table(walk, index, width, room, color), rule, *narration]
    if tail:
        lines += ["", *tail]
    lines += [rule, _clip(FOOTER, width)]
    return "\n".join(lines)


def _header(walk: Walkthrough, index: int, title: str) -> str:
    kind = walk[index].kind
    phase = {"start": "start", "forward": "forward", "seed": "backward", "backward": "backward",
             "done": "done", "update": "update", "zero_grad": "update"}.get(kind, kind)
    name = title or walk.graph.root.name
    return f"chainrule step: {name}    step {index} of {len(walk) - 1} ({phase})"


def _table(walk: Walkthrough, index: int, width: int, room: int, color: bool) -> list[str]:
    """One row per node (constants left out): name, definition, value and grad so far."""
    graph = walk.graph
    state = walk.state(index)
    step = walk[index]
    sender = step.edge[0] if step.edge else None
    rows = [n for n in graph.nodes if n.kind != "constant"]
    names = {n.id: printable(n.name) for n in rows}
    definitions = {n.id: printable(forward_expression(graph, n).names) if n.kind == "op"
                   else "(given)" for n in rows}
    name_w = min(max([4, *(len(name) for name in names.values())]), 24)  # none: a constant
    def_w = min(max([11, *(len(definitions[n.id]) for n in rows)]), 30)
    lines = [f"  {'node':<{name_w}}  {'computed as':<{def_w}}  {'value':>10}  {'grad':>10}"]
    shown = _window(rows, step.node, room - 1)
    for node in shown:
        mark = ">" if node.id == step.node else "*" if node.id == sender else " "
        value, grad = state.values[node.id], state.grads[node.id]
        value_text = "" if value is None else fmt(value)
        grad_text = "" if grad is None else fmt(grad)
        text = (f"{mark} {_cut(names[node.id], name_w):<{name_w}}  "
                f"{_cut(definitions[node.id], def_w):<{def_w}}  {value_text:>10}  {grad_text:>10}")
        text = _clip(text, width)
        if mark == ">":
            text = _paint(text, REVERSE, color)
        elif mark == "*":
            text = _paint(text, BOLD, color)
        lines.append(text)
    if len(shown) < len(rows):
        lines.append(f"  ({len(rows) - len(shown)} more nodes not shown; g goes to a node)")
    if sender is not None:
        lines.append(_paint("  > receives a gradient from  * ", DIM, color))
    return lines


def _window(rows: list, current: int | None, room: int) -> list:
    """The rows that fit, centred on the current node."""
    if len(rows) <= room:
        return rows
    room = max(room - 1, 1)  # one line says how many are hidden
    position = next((i for i, n in enumerate(rows) if n.id == current), 0)
    first = min(max(position - room // 2, 0), len(rows) - room)
    return rows[first: first + room]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color else text


# --- the interactive loop --------------------------------------------------------------------


class Session:
    """One stepping session: where we are, and the loop that reads keys and redraws."""

    def __init__(self, walk: Walkthrough, title: str = "", practice: bool = False,
                 input: TextIO | None = None, output: TextIO | None = None) -> None:
        self.walk = walk
        self.title = title
        self.practice = practice
        self.input = input or sys.stdin
        self.output = derivative_stream(output or sys.stdout)  # ∂, or d(...) if it cannot
        self.keys = _Keys(self.input, self.output)
        self.color = self.keys.interactive and _wants_color(self.output)
        self.index = 0
        self.answered: set[int] = set()  # practice questions already asked

    def run(self, start: int = 0) -> None:
        """Show step `start`, then follow keys until q or the end of input."""
        self.index = min(max(start, 0), len(self.walk) - 1)
        message = "press ? for help" if self.keys.interactive else ""
        with self.keys:
            while True:
                self.draw(message)
                key = self.keys.read()
                if key in ("q", "Q", "ctrl-d", ""):
                    break
                message = self.handle(key)

    def draw(self, message: str = "") -> None:
        """Redraw the whole screen for the current step."""
        size = shutil.get_terminal_size((100, 40))
        text = screen(self.walk, self.index, size.columns, size.lines - 1, self.color,
                      self.title, message)
        if self.keys.interactive:
            self.output.write("\x1b[H\x1b[2J" + text.replace("\n", "\x1b[K\n") + "\n")
        else:
            self.output.write(text + "\n\n")
        self.output.flush()

    def handle(self, key: str) -> str:
        """Act on one key; returns a message to show under the narration."""
        last = len(self.walk) - 1
        if key in ("n", " ", "enter", "right", "j", "down"):
            if self.index == last:
                return "this is the last step (p goes back, q quits)"
            return self.move(self.index + 1)
        if key in ("p", "left", "backspace", "k", "up"):
            return self.move(self.index - 1) if self.index > 0 else "this is the first step"
        if key in ("home", "0"):
            return self.move(0)
        if key in ("end", "$"):
            return self.move(last)
        if key == "f":
            return self.move(self.walk.first("forward") if len(self.walk.graph.nodes) > 1 else 0)
        if key == "b":
            return self.move(self.walk.first("seed"))
        if key == "g":
            return self.go(self.keys.line("go to (a step number or a node name): "))
        if key == "!":
            found = self.walk.first_nonfinite()
            if found is None:
                return "every value and gradient in this graph is finite"
            return self.move(found) or f"step {found} is the first to produce inf or nan"
        if key == "x":
            return self.explain()
        if key == "t":
            self.page(self.walk.tape())
            return ""
        if key == "r":
            self.practice = not self.practice
            return ("practice mode on: you type each gradient before it is shown"
                    if self.practice else "practice mode off")
        if key in ("?", "h"):
            self.page(HELP)
            return ""
        return f"unknown key {key!r}; press ? for help"

    def move(self, index: int) -> str:
        """Go to step `index`, asking its practice question first when practice is on."""
        index = min(max(index, 0), len(self.walk) - 1)
        target = self.walk[index]
        if (self.practice and index == self.index + 1 and target.question
                and index not in self.answered):
            self.answered.add(index)
            typed = self.keys.line(f"practice, step {index}: {target.question} ")
            if typed is None:
                return ""
            _, verdict = grade(target, typed)
            self.index = index
            return verdict
        self.index = index
        return ""

    def go(self, typed: str | None) -> str:
        """A step number, or a node's name: the next step about that node (wrapping around)."""
        if not typed:
            return ""
        typed = typed.strip()
        if typed.lstrip("-").isdigit():
            number = int(typed)
            if not 0 <= number < len(self.walk):
                return f"there is no step {number}: steps go from 0 to {len(self.walk) - 1}"
            return self.move(number)
        try:
            found = self.walk.find(typed, after=self.index)
            if found is None:
                found = self.walk.find(typed)
        except ValueError as error:
            return str(error)
        if found is None:
            return f"{typed} is a given number: no step computes it or sends it a gradient"
        self.index = found
        return f"stopped at {typed} (g again finds its next step)"

    def explain(self) -> str:
        """Show why the current node's gradient is what it is."""
        node = self.walk[self.index].node
        if node is None:
            return "this step is about no single node; go to one first"
        self.page(str(self.walk.explain(node)))
        return ""

    def page(self, text: str) -> None:
        """Show a long text (help, tape, explanation) a screenful at a time."""
        size = shutil.get_terminal_size((100, 40))
        lines = []
        for line in text.splitlines():
            lines += textwrap.wrap(printable(line), size.columns, subsequent_indent="      ",
                                   drop_whitespace=False) or [""]
        if not self.keys.interactive:
            self.output.write("\n".join(lines) + "\n\n")
            return
        room = max(size.lines - 3, 5)
        for first in range(0, len(lines), room):
            screenful = "\n".join(lines[first: first + room])
            more = first + room < len(lines)
            note = "(space: more, q: back)" if more else "(press any key to go back)"
            self.output.write("\x1b[H\x1b[2J" + screenful.replace("\n", "\x1b[K\n")
                              + f"\n\n{note}\n")
            self.output.flush()
            if self.keys.read() in ("q", "") or not more:
                return


def _wants_color(stream: TextIO) -> bool:
    """Colour only on a terminal that has it, and never when NO_COLOR is set."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM", "") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


class _Keys:
    """Single keypresses from a terminal, or one command per line from anything else."""

    ESCAPES = {"[A": "up", "[B": "down", "[C": "right", "[D": "left", "[H": "home",
               "[F": "end", "[1~": "home", "[4~": "end", "OH": "home", "OF": "end"}

    def __init__(self, stream: TextIO, echo: TextIO) -> None:
        self.stream = stream
        self.echo = echo  # where prompts go
        self.interactive = False
        self._saved = None
        self._pending: list[str] = []
        try:
            import termios  # noqa: F401 (POSIX only: elsewhere, commands come line by line)

            self.interactive = stream.isatty()
        except (ImportError, AttributeError, ValueError):
            self.interactive = False

    def __enter__(self) -> _Keys:
        if self.interactive:
            import termios
            import tty

            fd = self.stream.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)  # keys arrive one at a time, unechoed; Ctrl-C still works
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            import termios

            termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, self._saved)
            self._saved = None

    def read(self) -> str:
        """The next key: a character, or a name such as "left", "enter"; "" at end of input."""
        if not self.interactive:
            if not self._pending:
                line = self.stream.readline()
                if not line:
                    return ""
                command = line.strip()
                self._pending = [command[:1] or "enter"]
                if command[1:].strip():  # "g b" is g, then the answer "b"
                    self._pending.append("\n" + command[1:].strip())
            return self._pending.pop(0)
        data = os.read(self.stream.fileno(), 1)
        if not data:
            return ""
        if data == b"\x1b":
            return self._escape()
        if data in (b"\r", b"\n"):
            return "enter"
        if data in (b"\x7f", b"\x08"):
            return "backspace"
        if data == b"\x04":
            return "ctrl-d"
        return data.decode("utf-8", errors="replace")

    def _escape(self) -> str:
        """Read the rest of an escape sequence (arrow keys send ESC [ C and friends)."""
        import select

        fd = self.stream.fileno()
        sequence = ""
        while len(sequence) < 4 and select.select([fd], [], [], 0.05)[0]:
            sequence += os.read(fd, 1).decode("ascii", errors="replace")
            if sequence in self.ESCAPES:
                return self.ESCAPES[sequence]
        return "escape"

    def line(self, prompt: str) -> str | None:
        """A line typed after `prompt`, with echo on; None at end of input."""
        self.echo.write(printable(prompt))  # a practice question names nodes
        self.echo.flush()
        if not self.interactive:
            if self._pending and self._pending[0].startswith("\n"):
                answer = self._pending.pop(0)[1:]
            else:
                answer = self.stream.readline()
                if not answer:
                    return None
            self.echo.write(printable(answer.strip()) + "\n")
            return answer.strip()
        import termios

        fd = self.stream.fileno()
        cbreak = termios.tcgetattr(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, self._saved)  # echo and line editing on
        try:
            data = os.read(fd, 4096)  # in line mode, one read returns one typed line
            return None if not data else data.decode("utf-8", errors="replace").strip()
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, cbreak)

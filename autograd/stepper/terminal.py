"""The terminal stepper: a walkthrough one keypress at a time, in any terminal (also over SSH).

The screen is a pure function of the walkthrough, a level and a step index (`screen()`): where
you are (the levels above, for a network), a table of the level's values and gradients known
so far, then the step's narration. `step(value)` runs the loop around it: it reads keys, moves,
opens and closes levels, explains and asks practice questions. Without a terminal (input from a
pipe) each line of input is one command, so the stepper can be scripted.
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
from .levels import Level, level_items
from .model import (
    MAX_NODES,
    Walkthrough,
    as_walkthrough,
    focused,
    forward_expression,
    sampled,
)
from .practice import Question, Score
from .symbols import fmt

HELP = """\
keys
  n, space, enter, right arrow   next step
  p, backspace, left arrow       previous step
  f / b                          jump to the first forward / backward step
  home / end (or 0 / $)          jump to the first / last step
  o / u                          open this step into the level below / go back up a level
  F                              follow a node: only the steps on its paths to the output
                                 (or a number: one example of a batch; nothing: all steps)
  g                              go to a step number or to a node by name (a breakpoint)
  !                              run to the first value or gradient that is inf or nan
  x                              explain the current node's gradient: every path, and a check
  t                              the tape: the whole computation as numbered statements
  r                              practice mode on/off: type each gradient before you see it;
                                 a wrong answer gets another try, then a hint (h), then the
                                 answer (s: show me at any time); the score is kept
  q                              quit
Marks: > the node this step is about; * the node passing its gradient back.
A network is stepped in levels: each call of a layer is one step at the top, which o opens
into a step per neuron, and a neuron into a step per operation; u goes back up."""

FOOTER = "[n]ext [p]rev [f]orward [b]ackward [g]o [x]plain [t]ape p[r]actice [q]uit [?]help"
LEVELS_FOOTER = "[n]ext [p]rev [o]pen [u]p [f]wd [b]wd [g]o [x]plain [t]ape p[r]actice [q]uit [?]"

BOLD, REVERSE, DIM, RESET = "\x1b[1m", "\x1b[7m", "\x1b[2m", "\x1b[0m"
GREEN, RED = "\x1b[32m", "\x1b[31m"


def step(output: Value | Walkthrough, *, title: str = "", practice: bool = False,
         start: int = 0, max_nodes: int = MAX_NODES, collapse: str | int | None = None,
         levels: bool | None = None, focus: Value | str | None = None,
         sample: int | None = None, primitives: bool = False, input: TextIO | None = None,
         output_to: TextIO | None = None) -> None:
    """Step through the graph behind `output` in this terminal, until q (or end of input).

    `output` may also be a Walkthrough, such as a training_walkthrough(); levels and collapse
    step a network module by module, focus follows one node and sample steps one example, as
    walkthrough() does, and primitives steps the engine's primitives (a - b as a + (-1 * b)).
    start: a step of the top level.
    """
    walk = as_walkthrough(output, max_nodes, collapse, levels, focus, sample, primitives)
    Session(walk, title=title, practice=practice, input=input, output=output_to).run(start)


# --- the screen ------------------------------------------------------------------------------


def screen(walk: Walkthrough, index: int, width: int = 100, height: int = 40,
           color: bool = False, title: str = "", message: str = "",
           level: Level | int = 0, asking: bool = False) -> str:
    """The text of the screen at step `index` of a level (the top one unless given).

    asking: the step's practice question is up, so the step's node and edge are marked but
    its number is not shown yet (a ? in its place), nor its narration.
    Names, titles and messages are user text, shown with their control characters written
    out (ESC as \\x1b): only the screen's own colours reach the terminal as escapes.
    """
    level = walk.level(level)
    step = level[index]
    width = max(width, 40)
    header = [printable(_header(walk, level, index, title))]
    if walk.focus is not None:
        header.append(printable(f"following {walk.graph.nodes[walk.focus].name}: "
                                f"{len(walk) - 2} of the {len(walk.whole) - 2} steps, those on "
                                f"its paths (F and Enter follows none)"))
    if walk.sample is not None:
        header.append(f"sample {walk.sample}: {len(walk) - 2} of the {len(walk.whole) - 2} "
                      f"steps, this example's (F and Enter: every example)")
    if walk.leveled:
        header += textwrap.wrap(printable(breadcrumb(walk, level)), width,
                                subsequent_indent="  ")
    narration = [_paint(printable(step.title), BOLD, color)]
    lines = list(step.lines)
    if asking:
        question = walk[step.first].question
        narration = [_paint(printable(f"practice: {question}"), BOLD, color)]
        lines = []
    if step.opens is not None:
        lines.append(f"(o opens this step: {_steps(len(walk.levels[step.opens]))})")
    for line in lines:
        narration += textwrap.wrap(printable(line), width - 2, initial_indent="  ",
                                   subsequent_indent="      ") or [""]
    tail = [wrapped for line in message.splitlines()
            for wrapped in textwrap.wrap(printable(line), width)]
    room = max(height - len(narration) - len(tail) - len(header) - 5, 3)
    rule = "-" * min(width, 100)
    table = _table(walk, level, index, width, room, color, asking)
    lines = [*header, rule, *table, rule, *narration]
    if tail:
        lines += ["", *tail]
    lines += [rule, _clip(LEVELS_FOOTER if walk.leveled else FOOTER, width)]
    return "\n".join(lines)


def breadcrumb(walk: Walkthrough, level: Level) -> str:
    """Where a level is, with the number of steps of each level on the way down to it."""
    return "level: " + " > ".join(f"{lv.name} ({_steps(len(lv))})" for lv in walk.path(level))


def _steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def _header(walk: Walkthrough, level: Level, index: int, title: str) -> str:
    kind = level[index].kind
    phase = {"start": "start", "forward": "forward", "seed": "backward", "backward": "backward",
             "done": "done", "update": "update", "zero_grad": "update"}.get(kind, kind)
    name = title or walk.graph.root.name
    return f"chainrule step: {name}    step {index} of {len(level) - 1} ({phase})"


def _table(walk: Walkthrough, level: Level, index: int, width: int, room: int,
           color: bool, asking: bool = False) -> list[str]:
    """One row per value the level shows (constants left out): name, definition, numbers.

    asking: the numbers known before the step, and a ? for the one it asks for.
    """
    graph = walk.graph
    step = level[index]
    state = walk.state(step.first - 1 if asking else step.last)
    items = level_items(graph, walk.groups, level.group)
    current, sender = _marked(walk, items, step)
    rows = [k for k, item in enumerate(items)
            if item.kind != "input" or graph.nodes[item.node].kind != "constant"]
    names, definitions = {}, {}
    for k in rows:
        item = items[k]
        if item.kind == "inputs":
            names[k] = f"{len(item.members)} values"
            definitions[k] = ", ".join(printable(graph.nodes[i].name) for i in item.members)
        elif item.kind == "group":
            group = walk.groups[item.group]
            names[k] = printable(group.name)
            definitions[k] = (f"{len(group.outputs)} values, {len(group.ops)} ops"
                              if item.node is None else f"{len(group.ops)} operations")
        else:
            node = graph.nodes[item.node]
            names[k] = printable(node.name)
            definitions[k] = (printable(forward_expression(graph, node).names) if item.kind == "op"
                              else "(given)" if node.kind != "op" else "(computed before)")
    name_w = min(max([4, *(len(name) for name in names.values())]), 24)  # none: a constant
    def_w = min(max([11, *(len(text) for text in definitions.values())]), 30)
    lines = [f"  {'node':<{name_w}}  {'computed as':<{def_w}}  {'value':>10}  {'grad':>10}"]
    shown = _window(rows, current, room - 1)
    for k in shown:
        node = items[k].node
        mark = ">" if k == current else "*" if k == sender else " "
        value = None if node is None else state.values[node]
        grad = None if node is None else state.grads[node]
        value_text = "" if value is None else fmt(value)
        grad_text = "?" if asking and k == current else "" if grad is None else fmt(grad)
        text = (f"{mark} {_cut(names[k], name_w):<{name_w}}  "
                f"{_cut(definitions[k], def_w):<{def_w}}  {value_text:>10}  {grad_text:>10}")
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


def _marked(walk: Walkthrough, items, step) -> tuple[int | None, int | None]:
    """The item a level step is about, and the item sending it a gradient (or None)."""
    if step.group is not None:
        return next(k for k, item in enumerate(items) if item.group == step.group), None
    edge = walk[step.first].edge

    def item_of(node: int | None) -> int | None:  # a group shows its output too: 2nd choice
        found = [k for k, item in enumerate(items) if item.node == node and node is not None]
        return min(found, key=lambda k: items[k].kind == "group", default=None)

    return item_of(step.node), item_of(edge[0]) if edge else None


def _window(rows: list[int], current: int | None, room: int) -> list[int]:
    """The rows that fit, centred on the current one."""
    if len(rows) <= room:
        return rows
    room = max(room - 1, 1)  # one line says how many are hidden
    position = next((i for i, k in enumerate(rows) if k == current), 0)
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
    """One stepping session: where we are (a level and a step of it), and the loop around it."""

    def __init__(self, walk: Walkthrough, title: str = "", practice: bool = False,
                 input: TextIO | None = None, output: TextIO | None = None) -> None:
        self.walk = walk
        self.title = title
        self.practice = practice
        self.input = input or sys.stdin
        self.output = derivative_stream(output or sys.stdout)  # ∂, or d(...) if it cannot
        self.keys = _Keys(self.input, self.output)
        self.color = self.keys.interactive and _wants_color(self.output)
        self.level = walk.top
        self.index = 0
        self.answered: set[int] = set()  # practice questions already asked (ordinary steps)
        self.score = Score()

    def run(self, start: int = 0) -> None:
        """Show step `start` of the top level, then follow keys until q or the end of input."""
        self.index = min(max(start, 0), len(self.level) - 1)
        message = "press ? for help" if self.keys.interactive else ""
        with self.keys:
            while True:
                self.draw(message)
                key = self.keys.read()
                if key in ("q", "Q", "ctrl-d", ""):
                    break
                message = self.handle(key)
        if self.score.asked:
            self.output.write(f"practice: {self.score.summary()}\n")
            self.output.flush()

    def draw(self, message: str = "", asking: int | None = None) -> None:
        """Redraw the whole screen for the current step, or for step `asking` while its
        practice question is up."""
        size = shutil.get_terminal_size((100, 40))
        if self.practice and self.score.asked:  # the running score, under any message
            message = "\n".join(line for line in (message, self.score_line()) if line)
        text = screen(self.walk, self.index if asking is None else asking, size.columns,
                      size.lines - 1, self.color, self.title, message, self.level,
                      asking=asking is not None)
        if self.keys.interactive:
            self.output.write("\x1b[H\x1b[2J" + text.replace("\n", "\x1b[K\n") + "\n")
        else:
            self.output.write(text + "\n\n")
        self.output.flush()

    def handle(self, key: str) -> str:
        """Act on one key; returns a message to show under the narration."""
        last = len(self.level) - 1
        if key in ("n", " ", "enter", "right", "j", "down"):
            if self.index == last:
                return ("this is the last step (p goes back, q quits)" if self.level.parent is None
                        else "this is the last step of this level (u goes back up)")
            return self.move(self.index + 1)
        if key in ("p", "left", "backspace", "k", "up"):
            return self.move(self.index - 1) if self.index > 0 else "this is the first step"
        if key in ("home", "0"):
            return self.move(0)
        if key in ("end", "$"):
            return self.move(last)
        if key in ("f", "b"):
            kinds = ("forward",) if key == "f" else ("seed", "backward")
            found = next((s.index for s in self.level if s.kind in kinds), None)
            if found is None:
                return f"this level has no {'forward' if key == 'f' else 'backward'} step"
            return self.move(found)
        if key == "F":
            return self.follow(self.keys.line(
                "follow (a name, or an example's number; nothing: all steps): "))
        if key == "o":
            return self.open()
        if key == "u":
            return self.up()
        if key == "g":
            return self.go(self.keys.line("go to (a step number or a node name): "))
        if key == "!":
            found = self.walk.first_nonfinite()
            if found is None:
                return "every value and gradient in this graph is finite"
            return self.show(found) or f"step {found} is the first to produce inf or nan"
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

    def follow(self, typed: str | None) -> str:
        """Follow the node named `typed`, or step the example numbered so; "": every step."""
        whole = self.walk.whole or self.walk
        if typed is None:
            return ""
        typed = typed.strip()
        try:
            if not typed:
                self.walk = whole
            elif typed.isdigit():
                self.walk = sampled(whole, int(typed))
            else:
                self.walk = focused(whole, typed)
        except ValueError as error:
            return str(error)
        self.level, self.index = self.walk.top, 0
        self.answered = set()
        return ""

    def open(self) -> str:
        """Go down into the level of the current step's parts."""
        step = self.level[self.index]
        if step.opens is None:
            return "this step is one operation: there is nothing below it to open"
        self.level, self.index = self.walk.levels[step.opens], 0
        return ""

    def up(self) -> str:
        """Go back up to the step that opened this level."""
        if self.level.parent is None:
            return "this is the top level" + (" (o opens a step)" if self.walk.leveled else "")
        self.level, self.index = self.walk.levels[self.level.parent], self.level.at
        return ""

    def show(self, ordinary: int) -> str:
        """Go to the level and step that show ordinary step `ordinary` on its own."""
        self.level, self.index = self.walk.locate(ordinary)
        return ""

    def move(self, index: int) -> str:
        """Go to step `index` of this level, asking its practice question first when asked to."""
        index = min(max(index, 0), len(self.level) - 1)
        target = self.level[index]
        question = self.walk[target.first] if target.opens is None else None
        if (self.practice and index == self.index + 1 and question is not None
                and question.question and target.first not in self.answered):
            return self.ask(index)
        self.index = index
        return ""

    def ask(self, index: int) -> str:
        """Ask step `index`'s practice question until it is settled (or put away with q), the
        step's node and edge marked; then show the step."""
        step = self.walk[self.level[index].first]
        question = Question(step, self.score)
        message = ""
        while True:
            if self.keys.interactive or not message:  # into a pipe: the screen once
                self.draw(message, asking=index)
            else:
                self.output.write(message + "\n")
            typed = self.keys.line(f"practice, step {index}: {step.question} "
                                   f"(h: a hint, s: show me, q: later) ")
            if typed is None or typed.lower() == "q":
                return "the question is put away; n asks it again"
            if typed.lower() in ("h", "hint"):
                reply = question.hint()
            elif typed.lower() in ("s", "show me", "show"):
                reply = question.show()
            else:
                reply = question.answer(typed)
            if reply.settled:
                self.answered.add(step.index)
                self.index = index
                return reply.text
            message = reply.text

    def score_line(self) -> str:
        """The running score; at the top level's last step, how the questions went."""
        done = self.level.parent is None and self.index == len(self.level) - 1
        return f"{'practice done' if done else 'score'}: {self.score.summary()}"

    def go(self, typed: str | None) -> str:
        """A step number of this level, or a node's name: the next step about that node."""
        if not typed:
            return ""
        typed = typed.strip()
        if typed.lstrip("-").isdigit():
            number = int(typed)
            if not 0 <= number < len(self.level):
                return f"there is no step {number}: steps go from 0 to {len(self.level) - 1}"
            return self.move(number)
        try:
            found = self.walk.find(typed, after=self.level[self.index].last)
            if found is None:
                found = self.walk.find(typed)
        except ValueError as error:
            return str(error)
        if found is None:
            return f"{typed} is a given number: no step computes it or sends it a gradient"
        self.show(found)
        return f"stopped at {typed} (g again finds its next step)"

    def explain(self) -> str:
        """Show why the current node's gradient is what it is."""
        node = self.level[self.index].node
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

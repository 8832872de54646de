"""Exercises a learner answers with a number, checked against what the engine computed.

An Exercise holds a question, the answer the engine computed (never typed in by hand) and a
hint: the rule that applies. `check(answer)` returns a Verdict (right, close, not quite, not
answered yet, or not a number) and never raises for anything a learner may type, so a lesson
run top to bottom unattended shows "not answered yet" under each exercise.

Answers typed by hand are rounded, so an answer is right when it agrees with the engine to the
significant digits the exercise asks for: at 2 digits, 0.2 is right for 0.1966 (it is off by
0.0034, less than half a unit of the second digit, 0.005). Right to one digit fewer (but at
least one) is close.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real

from .dot import format_number
from .value import Value

# Float noise: a difference this small never makes an answer wrong (an engine value such as
# 0.1 + 0.2 - 0.3 = 5.6e-17 is 0 to anyone typing it). It is far below any digit people type.
NOISE = 1e-9

UNANSWERED = "unanswered"
INVALID = "invalid"
WRONG = "wrong"
CLOSE = "close"
RIGHT = "right"

# How each status looks in a notebook: a mark, and the colour of the bar beside the text.
# The background is a see-through tint of that colour, readable on light and dark pages.
_LOOKS = {
    RIGHT: ("\u2713", "46, 125, 50"),  # a tick, green
    CLOSE: ("\u2248", "230, 145, 0"),  # "almost equal", amber
    WRONG: ("\u2717", "198, 40, 40"),  # a cross, red
    INVALID: ("?", "198, 40, 40"),
    UNANSWERED: ("\u2026", "120, 120, 120"),  # an ellipsis, grey
}


@dataclass(frozen=True, repr=False)
class Verdict:
    """What the checker says about one answer: a status and a sentence for the learner.

    status is "right", "close", "wrong", "unanswered" or "invalid"; only "right" is correct.
    """

    status: str
    message: str

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.status == RIGHT

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:  # a shell shows the sentence itself, as a notebook does
        return self.message

    def _repr_html_(self) -> str:
        mark, rgb = _LOOKS[self.status]
        return (f'<div class="cr-verdict cr-{self.status}" style="border-left: 4px solid '
                f'rgb({rgb}); background: rgba({rgb}, 0.10); padding: 0.4em 0.8em; '
                f'margin: 0.2em 0">{mark} {html.escape(self.message)}</div>')


class Exercise:
    """A question whose answer is a number the engine computed.

    answer: that number, or a function of no arguments that computes it (run the first time
    the answer is needed, then kept). hint: the rule that applies, shown when an answer is
    not right. digits: how many significant digits must agree for an answer to be right.
    """

    def __init__(self, question: str, answer: float | Callable[[], float], hint: str,
                 digits: int = 3) -> None:
        if not isinstance(question, str) or not question.strip():
            raise TypeError(f"an exercise's question is a non-empty str, got {question!r}")
        if not isinstance(hint, str) or not hint.strip():
            raise TypeError(f"an exercise's hint is a non-empty str (the rule that applies), "
                            f"got {hint!r}")
        if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 15:
            raise ValueError(f"digits is the number of significant digits to check, an int "
                             f"from 1 to 15, got {digits!r}")
        if not callable(answer):
            answer = _engine_number(answer)
        self.question = question
        self.hint = hint
        self.digits = digits
        self._answer = answer

    @property
    def expected(self) -> float:
        """The engine's answer (computed now if it was given as a function)."""
        if callable(self._answer):
            self._answer = _engine_number(self._answer())
        return self._answer

    def check(self, answer: object) -> Verdict:
        """Whether `answer` is right, with a hint when it is not; never raises."""
        if answer is Ellipsis or answer is None:
            return Verdict(UNANSWERED, "Not answered yet: replace the ... with your answer "
                                       "and run the cell again.")
        typed = _typed_number(answer)
        if isinstance(typed, Verdict):
            return typed
        expected = self.expected
        hint = f"Hint: {self.hint}"
        if math.isnan(expected) or math.isinf(expected) or not math.isfinite(typed):
            # nan and the infinities are right only as themselves (inf - inf is nan)
            same = typed == expected or (math.isnan(typed) and math.isnan(expected))
            if same:
                return Verdict(RIGHT, f"Right: {format_number(expected)}.")
            return Verdict(WRONG, f"Not quite. {hint}")
        error = abs(typed - expected)
        tolerance = self.tolerance()
        digits = _count(self.digits, "significant digit")
        if error <= NOISE * max(1.0, abs(expected)):
            return Verdict(RIGHT, f"Right: {format_number(expected, 6)}.")
        if error <= tolerance:
            return Verdict(RIGHT, f"Right to {digits}; the engine's value is "
                                  f"{format_number(expected, 6)}.")
        if error <= 10 * tolerance and self.digits > 1:  # right to one digit fewer
            return Verdict(CLOSE, f"Close, but not right to {digits}: check the last digit "
                                  f"and the rounding. {hint}")
        if expected != 0 and abs(-typed - expected) <= tolerance:
            return Verdict(WRONG, f"Not quite: the size is right, the sign is not. {hint}")
        return Verdict(WRONG, f"Not quite. {hint}")

    def tolerance(self) -> float:
        """How far from the engine's answer a right answer may be.

        Half a unit of the last significant digit asked for: an answer within it rounds to
        the same digits (0.2 is 0.1966 to 2 digits; unit 0.01, so |error| <= 0.005). The bound
        is widened by a hair so that both roundings of a tie (0.2 and 0.3 for 0.25 at 1 digit)
        count, and never narrower than float noise.
        """
        expected = self.expected
        if expected == 0 or not math.isfinite(expected):
            return NOISE
        unit = 10.0 ** (math.floor(math.log10(abs(expected))) - self.digits + 1)
        return max(0.5 * unit * (1 + 1e-9), NOISE * abs(expected))

    def __repr__(self) -> str:
        return f"Exercise: {self.question}\n{self._enough()}"

    def _repr_html_(self) -> str:
        return (f'<div class="cr-exercise" style="border-left: 4px solid rgb(66, 100, 200); '
                f'background: rgba(66, 100, 200, 0.08); padding: 0.4em 0.8em; margin: 0.2em 0">'
                f'<strong>Exercise.</strong> {html.escape(self.question)}<br>'
                f'<small>{html.escape(self._enough())}</small></div>')

    def _enough(self) -> str:
        verb = "is" if self.digits == 1 else "are"
        return f"Type a number: {_count(self.digits, 'significant digit')} {verb} enough."


def _engine_number(x: object) -> float:
    """The engine's answer as a float, or a TypeError for the lesson's author."""
    if isinstance(x, Value):
        raise TypeError(f"an exercise's answer is a number, not a Value ({x!r}): pass its "
                        f".data or .grad")
    if not isinstance(x, Real) or isinstance(x, bool):
        raise TypeError(f"an exercise's answer is a number (or a function returning one), "
                        f"got {type(x).__name__}: {x!r}")
    return float(x)


def _typed_number(answer: object) -> float | Verdict:
    """The learner's answer as a float, or an "invalid" Verdict saying what to type instead."""
    example = "type a number, such as -1.5 or 0.25"
    if isinstance(answer, bool):
        return Verdict(INVALID, f"{answer} is a truth value, not a number: {example}.")
    if isinstance(answer, Real):
        return float(answer)
    if isinstance(answer, Value):
        return Verdict(INVALID, f"That is a Value (data={answer.data!r}, grad={answer.grad!r}): "
                                f"give the number you mean, its .data or its .grad.")
    if isinstance(answer, str):
        try:
            float(answer)
        except ValueError:
            return Verdict(INVALID, f"{answer!r} is text, not a number: {example}.")
        return Verdict(INVALID, f"{answer!r} is text in quotes: type the number without the "
                                f"quotes, {answer.strip()}.")
    shown = repr(answer)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return Verdict(INVALID, f"That is a {type(answer).__name__} ({shown}), not a number: "
                            f"{example}.")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

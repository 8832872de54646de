"""Practice: the stepper asks for each gradient before it shows it, and teaches as it asks.

A question is asked until it is settled. A wrong answer gets a second try; a second wrong
answer gets a hint (the chain rule with the numbers filled in, left to multiply); a third
wrong answer, or "show me" at any time, shows the answer. Text that is not a number is no
answer: the question is asked again. A score counts how each question was settled, and the
summary says so: "7 of 9 right first try, 2 after a hint".

An answer is right at the precision it is typed in: 0.2 is right for 0.1966, which is 0.2 to
one decimal, as long as the digits typed reach the answer's first significant digit (0 is not
right for 0.3, nor 1 for 0.6). An answer within 1% of the engine's is right too, so that
arithmetic on the rounded numbers the surfaces show counts.

The terminal calls these functions; the page and the notebook get the same rule and sentences
as data (`page_rules`), which player.js follows, so every surface says the same thing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from .model import Step
from .symbols import fmt

REL_TOL = 0.01  # within 1% of the engine's answer: hand arithmetic on numbers rounded for show
NOISE = 1e-9  # float noise: 0.1 + 0.2 - 0.3 = 5.6e-17 is 0 to anyone typing it
# What a learner may type as a number: 2, -0.25, .5, 1.5e-3; also nan, inf, -inf, infinity.
NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
SPECIAL = r"[+-]?(inf|infinity)|nan"

# How a question was settled, and how the summary says it.
OUTCOMES = (("first", "right first try"), ("second", "on the second try"),
            ("hint", "after a hint"), ("shown", "shown"))

# Every sentence practice says; {typed}, {answer} and {hint} are filled in.
MESSAGES = {
    "not_a_number": '"{typed}" is not a number: type one, such as -1.5 or 0.25',
    "right": "right: {answer}",
    "retry": "not quite: try again",
    "hint": "not quite. Hint: {hint}",
    "asked_hint": "Hint: {hint}",
    "shown": "it is {answer}, worked out above",
}


def read_number(typed: str) -> tuple[float, int | None] | None:
    """The number typed, and the decimal place of its last digit (-1 for 0.2, 0 for 2, 2 for
    1.5e3; None for nan and the infinities); None if it is not a number."""
    text = typed.strip()
    if re.fullmatch(SPECIAL, text, flags=re.IGNORECASE):
        return float(text), None
    if not re.fullmatch(NUMBER, text):
        return None
    return float(text), Decimal(text).as_tuple().exponent


def accepts(typed: str, answer: float) -> bool:
    """Whether `typed` is right for `answer` at the precision it is typed in (see the top)."""
    number = read_number(typed)
    if number is None:
        return False
    guess, place = number
    if math.isnan(answer) or math.isinf(answer) or place is None:
        # nan and the infinities are right only as themselves (inf - inf is nan, not 0)
        return guess == answer or (math.isnan(guess) and math.isnan(answer))
    error = abs(guess - answer)
    if error <= REL_TOL * abs(answer) + NOISE:
        return True
    # rounded to the digits typed: within half a unit of the last one (and a hair more, so
    # that both roundings of a tie count), when that digit is no coarser than the answer's first
    return answer != 0 and place <= _leading_place(answer) and error <= 0.5 * 10.0 ** place * (
        1 + 1e-9)


def _leading_place(x: float) -> int:
    """The decimal place of x's first significant digit: -1 for 0.1966, 0 for 2.4."""
    return math.floor(math.log10(abs(x)))


@dataclass(frozen=True)
class Reply:
    """What practice says to one answer: a kind (one of MESSAGES' keys), the sentence, and
    whether the question is settled (the stepper moves on to the step)."""

    kind: str
    text: str
    settled: bool


@dataclass
class Score:
    """How each question asked so far was settled: outcome -> count."""

    counts: dict[str, int] = field(default_factory=lambda: {key: 0 for key, _ in OUTCOMES})

    @property
    def asked(self) -> int:
        """How many questions were settled."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """"7 of 9 right first try, 2 after a hint": every outcome that happened."""
        (first, phrase), *others = OUTCOMES
        parts = [f"{self.counts[first]} of {self.asked} {phrase}"]
        parts += [f"{self.counts[key]} {phrase}" for key, phrase in others if self.counts[key]]
        return ", ".join(parts)


class Question:
    """One practice question, asked until it is settled: tries, the hint, the score."""

    def __init__(self, step: Step, score: Score) -> None:
        if step.answer is None:
            raise ValueError(f"step {step.index} ({step.kind}) asks no question")
        self.step = step
        self.score = score
        self.tries = 0  # wrong answers so far (text that is not a number is not one)
        self.hinted = False
        self.settled = False

    def answer(self, typed: str) -> Reply:
        """Grade one typed answer and say what comes next: again, a hint, or the answer."""
        if read_number(typed) is None:
            return self._reply("not_a_number", typed=typed.strip())
        if accepts(typed, self.step.answer):
            outcome = "hint" if self.hinted else "first" if self.tries == 0 else "second"
            return self._settle(outcome, "right")
        self.tries += 1
        if self.tries == 1 and not self.hinted:
            return self._reply("retry")
        if not self.hinted:
            self.hinted = True
            return self._reply("hint")
        return self.show()

    def hint(self) -> Reply:
        """The hint, asked for."""
        self.hinted = True
        return self._reply("asked_hint")

    def show(self) -> Reply:
        """Show me: the answer (the step, shown next, works it out)."""
        return self._settle("shown", "shown")

    def _settle(self, outcome: str, kind: str) -> Reply:
        self.settled = True
        self.score.counts[outcome] += 1
        return self._reply(kind)

    def _reply(self, kind: str, typed: str = "") -> Reply:
        text = MESSAGES[kind].format(typed=typed, answer=fmt(self.step.answer, 6),
                                     hint=self.step.hint)
        return Reply(kind, text, self.settled)


def grade(step: Step, typed: str) -> tuple[bool, str]:
    """One answer to a step's question, graded at once: whether it is right, and what to say
    (the answer and how it is worked out, when it is not)."""
    reply = Question(step, Score()).answer(typed)
    if reply.kind in ("right", "not_a_number"):
        return reply.kind == "right", reply.text
    return False, f"not quite: it is {fmt(step.answer, 6)}. {step.hint}"


def page_rules() -> dict:
    """The rule and the sentences, for player.js: it grades and speaks as Question does."""
    return {"relTol": REL_TOL, "noise": NOISE, "number": NUMBER, "special": SPECIAL,
            "outcomes": [list(outcome) for outcome in OUTCOMES], "messages": MESSAGES}

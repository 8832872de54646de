"""Practice mode's rule and its teaching, apart from any surface: what counts as right, and
what is said after each answer (a retry, a hint with the numbers, the answer), and the score.

The page and the notebook follow the same rule in JavaScript; test_step_page.py checks that
they agree with `accepts` on CASES.
"""

import math

import pytest

from autograd import Value
from autograd.stepper import walkthrough
from autograd.stepper.practice import Question, Score, accepts, read_number
from tests.conftest import karpathy

# (typed, the engine's answer, right?)
CASES = [
    ("0.2", 0.19661193, True),  # 0.1966 to one decimal is 0.2
    ("0.20", 0.19661193, True),
    ("0.197", 0.19661193, True),
    ("0.1966", 0.19661193, True),
    ("0.196612", 0.19661193, True),
    ("0.19", 0.19661193, False),  # 0.1966 to two decimals is 0.20, and 0.19 is 3% off
    ("-0.2", 0.19661193, False),
    ("0", 0.3, False),  # a whole number does not reach 0.3's first digit
    ("1", 0.6, False),
    ("2", 2.4, True),  # 2.4 to a whole number is 2
    ("3", 2.4, False),
    ("0.3", 0.25, True),  # a tie: both roundings of 0.25 to one decimal count
    ("0.2", 0.25, True),
    ("0.35", 0.25, False),
    ("4.269", 4.272, True),  # 0.07% off: worked out from rounded numbers, within 1%
    ("4.2", 4.272, False),  # 4.3 to one decimal, and 1.7% off
    (".5", 0.5, True),
    ("+0.5", 0.5, True),
    ("5e-1", 0.5, True),
    ("1.5e3", 1504.0, True),  # 1.5e3 to hundreds: 1500
    ("2.4e-4", 0.000244140625, True),  # a vanishing gradient, by its own digits
    ("0", 0.000244140625, False),
    ("0", 0.0, True),
    ("0", 0.1 + 0.2 - 0.3, True),  # 5.6e-17 is float noise
    ("1e-6", 0.0, False),
    ("inf", math.inf, True),
    ("Infinity", math.inf, True),
    ("-inf", math.inf, False),  # |-inf - inf| is inf: right only as itself
    ("1e308", math.inf, False),
    ("nan", math.nan, True),
    ("0", math.nan, False),
    ("abc", 1.0, False),
    ("", 0.0, False),
    ("1,5", 1.5, False),
    ("0x10", 16.0, False),
    ("1_000", 1000.0, False),
]


@pytest.mark.parametrize(("typed", "answer", "right"), CASES)
def test_an_answer_is_right_at_the_precision_it_is_typed_in(typed, answer, right):
    assert accepts(typed, answer) is right


def test_a_number_is_read_with_the_place_of_its_last_digit():
    assert read_number(" 0.25 ") == (0.25, -2)
    assert read_number("1.5e3") == (1500.0, 2)
    assert read_number("-inf") == (-math.inf, None)
    assert read_number("six") is None


def question(step_index=9):
    """∂L/∂a of Karpathy's L = (a*b + c) * f, at step 9: ∂e/∂a * ∂L/∂e = -3.0 * (-2.0) = 6.0."""
    L, _ = karpathy()
    score = Score()
    return Question(walkthrough(L)[step_index], score), score


def test_text_that_is_not_a_number_asks_again_and_costs_no_try():
    asked, score = question()
    reply = asked.answer("six")
    assert (reply.kind, reply.settled) == ("not_a_number", False)
    assert reply.text == '"six" is not a number: type one, such as -1.5 or 0.25'
    assert asked.answer("6").kind == "right"
    assert score.counts["first"] == 1


def test_a_first_wrong_answer_gets_another_try():
    asked, _ = question()
    reply = asked.answer("-6")
    assert (reply.kind, reply.text, reply.settled) == ("retry", "not quite: try again", False)


def test_a_second_wrong_answer_gets_the_chain_rule_with_the_numbers_filled_in():
    asked, _ = question()
    asked.answer("-6")
    reply = asked.answer("5")
    assert reply.kind == "hint" and not reply.settled
    assert reply.text.startswith("not quite. Hint: ∂L/∂a = ∂e/∂a * ∂L/∂e = b * (-2.0) = "
                                 "-3.0 * (-2.0), because e = a * b, and d(a * b)/da = b")
    assert "6.0" not in reply.text  # the last multiplication is the learner's


def test_a_wrong_answer_after_the_hint_shows_the_answer():
    asked, score = question()
    for typed in ("-6", "5"):
        asked.answer(typed)
    reply = asked.answer("7")
    assert (reply.kind, reply.text, reply.settled) == ("shown", "it is 6.0, worked out above",
                                                       True)
    assert score.counts["shown"] == 1


def test_a_hint_asked_for_and_show_me_work_at_any_time():
    asked, score = question()
    assert asked.hint().text.startswith("Hint: ∂L/∂a = ")
    assert asked.answer("6").kind == "right"
    assert score.counts["hint"] == 1
    shown, score = question()
    assert shown.show().settled and score.counts["shown"] == 1


def test_an_accumulating_gradients_hint_says_what_it_already_holds():
    x = Value(2.0, label="x")
    walk = walkthrough(x * x + x)  # step 6 adds ∂t1/∂x * ∂out/∂t1 = 2.0 * 1.0 to x.grad = 1.0
    assert walk[6].hint.startswith("∂out/∂x += ∂t1/∂x * ∂out/∂t1 = x * 1.0 = 2.0 * 1.0")
    assert walk[6].hint.endswith("; then add the 1.0 that x.grad already holds")


def test_the_summary_counts_every_outcome_that_happened():
    score = Score()
    score.counts.update(first=7, hint=2)
    assert score.summary() == "7 of 9 right first try, 2 after a hint"
    score.counts.update(second=1, shown=1)
    assert score.summary() == ("7 of 11 right first try, 1 on the second try, 2 after a hint, "
                               "1 shown")


def test_a_step_without_a_question_cannot_be_asked():
    L, _ = karpathy()
    with pytest.raises(ValueError, match="step 0 \\(start\\) asks no question"):
        Question(walkthrough(L)[0], Score())

"""The exercise checker: right, close, wrong, unanswered and bad answers, in a shell and a notebook.

An answer is right when it agrees with the engine to the significant digits asked for (within
half a unit of the last one), close when it is right to one digit fewer, and anything a
learner may type gets a verdict, never a traceback.
"""

import math

import pytest

from autograd import PRIMITIVES, Value
from autograd.exercises import Exercise, Verdict

TANH_RULE = PRIMITIVES["tanh"].rule


def slope_of_tanh_at_half() -> Exercise:
    # 1 - tanh(0.5)**2 = 0.786448..., asked to 2 digits: 0.79; half a unit of the 2nd digit
    # is 0.005, so right is within 0.005 of it and close within 0.05.
    x = Value(0.5)
    x.tanh().backward()
    return Exercise("d tanh(x)/dx at x = 0.5?", answer=x.grad, hint=TANH_RULE, digits=2)


def test_the_engines_own_answer_is_right():
    exercise = slope_of_tanh_at_half()
    verdict = exercise.check(exercise.expected)
    assert verdict.status == "right" and verdict.correct and bool(verdict)
    assert str(verdict) == "Right: 0.786448."


def test_an_answer_rounded_to_the_digits_asked_for_is_right_and_shows_the_exact_value():
    verdict = slope_of_tanh_at_half().check(0.79)  # off by 0.0036 < 0.005
    assert verdict.correct
    assert str(verdict) == "Right to 2 significant digits; the engine's value is 0.786448."


def test_both_roundings_of_a_tie_are_right():
    # 0.25 to 1 digit is 0.2 or 0.3 (half to even, half up): both are 0.05 away
    exercise = Exercise("sigmoid'(0)?", answer=0.25, hint="s(0) * (1 - s(0))", digits=1)
    assert exercise.check(0.2).correct and exercise.check(0.3).correct
    assert not exercise.check(0.35).correct


def test_an_answer_right_to_one_digit_fewer_is_close_with_the_hint():
    verdict = slope_of_tanh_at_half().check(0.77)  # off by 0.016: right to 1 digit (0.8)
    assert verdict.status == "close" and not verdict.correct
    assert "not right to 2 significant digits" in str(verdict)
    assert str(verdict).endswith(f"Hint: {TANH_RULE}")


def test_one_digit_asked_for_has_no_close_band():
    # "right to 0 digits" means nothing: 6 for 3 paths is plainly wrong
    exercise = Exercise("How many paths?", answer=3, hint="count them", digits=1)
    assert exercise.check(6).status == "wrong"


def test_a_wrong_answer_is_not_quite_with_the_rule_as_hint():
    verdict = slope_of_tanh_at_half().check(0.5)
    assert verdict.status == "wrong" and not verdict.correct
    assert str(verdict) == f"Not quite. Hint: {TANH_RULE}"


def test_the_right_size_with_the_wrong_sign_is_pointed_out():
    verdict = slope_of_tanh_at_half().check(-0.79)
    assert verdict.status == "wrong"
    assert "the size is right, the sign is not" in str(verdict)


@pytest.mark.parametrize("blank", [..., None])
def test_the_placeholder_is_not_answered_yet(blank):
    verdict = slope_of_tanh_at_half().check(blank)
    assert verdict.status == "unanswered" and not verdict.correct
    assert str(verdict).startswith("Not answered yet: replace the ...")


@pytest.mark.parametrize(("typed", "says"), [
    ("0.79", "'0.79' is text in quotes: type the number without the quotes, 0.79."),
    ("abc", "'abc' is text, not a number"),
    ([0.79], "That is a list ([0.79]), not a number"),
    (True, "True is a truth value, not a number"),
    (1 + 2j, "That is a complex ((1+2j)), not a number"),
    (Value(0.79), "That is a Value (data=0.79, grad=0.0): give the number you mean"),
])
def test_an_answer_that_is_not_a_number_gets_a_message_not_a_traceback(typed, says):
    verdict = slope_of_tanh_at_half().check(typed)
    assert verdict.status == "invalid" and not verdict.correct
    assert says in str(verdict)


def test_a_long_bad_answer_is_shortened_in_the_message():
    verdict = slope_of_tanh_at_half().check(list(range(100)))
    assert len(str(verdict)) < 120 and "..." in str(verdict)


def test_numpy_numbers_are_answers():
    np = pytest.importorskip("numpy")
    assert slope_of_tanh_at_half().check(np.float32(0.79)).correct
    assert slope_of_tanh_at_half().check(np.int64(1)).status == "wrong"


def test_zero_is_right_only_as_zero_give_or_take_float_noise():
    exercise = Exercise("relu'(-1)?", answer=0.0, hint="0 for a < 0")
    assert exercise.check(0).correct
    assert exercise.check(0.1 + 0.2 - 0.3).correct  # 5.6e-17: float noise
    assert exercise.check(1e-6).status == "wrong"


def test_a_tiny_answer_is_judged_by_its_own_digits():
    # a vanishing gradient: 2.44e-4 to 2 digits is 0.00024, and 0 is not it
    exercise = Exercise("0.25 ** 6?", answer=0.25 ** 6, hint="multiply", digits=2)
    assert exercise.check(0.00024).correct
    assert exercise.check(0).status == "wrong"


def test_nan_and_infinity_are_right_only_as_themselves():
    nan = Exercise("log(-1)?", answer=math.nan, hint="IEEE")
    assert nan.check(math.nan).correct and not nan.check(0).correct
    inf = Exercise("1 / 0?", answer=math.inf, hint="IEEE")
    assert inf.check(math.inf).correct
    assert not inf.check(-math.inf).correct and not inf.check(1e308).correct
    assert not slope_of_tanh_at_half().check(math.inf).correct


def test_a_function_answer_runs_once_when_first_needed():
    calls = []

    def engine():
        calls.append(1)
        return 6.0

    exercise = Exercise("d(a*a)/da at 3?", answer=engine, hint="two edges")
    assert calls == []
    assert exercise.check(6).correct and exercise.check(6.0).correct
    assert exercise.expected == 6.0 and calls == [1]


def test_a_verdict_reads_the_same_in_a_shell_and_shows_as_html_in_a_notebook():
    verdict = slope_of_tanh_at_half().check(0.79)
    assert repr(verdict) == str(verdict)
    html = verdict._repr_html_()
    assert html.startswith('<div class="cr-verdict cr-right"')
    assert "engine&#x27;s value is 0.786448" in html  # escaped text


def test_an_exercise_shows_its_question_and_how_precise_to_be():
    exercise = Exercise("Is 1 < 2 & 3 > 2?", answer=1, hint="yes", digits=1)
    assert repr(exercise) == ("Exercise: Is 1 < 2 & 3 > 2?\n"
                              "Type a number: 1 significant digit is enough.")
    assert "Is 1 &lt; 2 &amp; 3 &gt; 2?" in exercise._repr_html_()
    assert "3 significant digits are enough" in repr(Exercise("q", answer=1, hint="h"))


def test_every_status_has_a_look():
    statuses = {slope_of_tanh_at_half().check(a).status for a in (0.79, 0.77, 0.5, ..., "x")}
    assert statuses == {"right", "close", "wrong", "unanswered", "invalid"}
    for status in statuses:
        assert f"cr-{status}" in Verdict(status, "text")._repr_html_()


@pytest.mark.parametrize(("arguments", "error", "says"), [
    (dict(question="", answer=1.0, hint="h"), TypeError, "question is a non-empty str"),
    (dict(question="q", answer=1.0, hint=""), TypeError, "hint is a non-empty str"),
    (dict(question="q", answer="1", hint="h"), TypeError, "got str: '1'"),
    (dict(question="q", answer=True, hint="h"), TypeError, "got bool"),
    (dict(question="q", answer=Value(1.0), hint="h"), TypeError, "pass its .data or .grad"),
    (dict(question="q", answer=1.0, hint="h", digits=0), ValueError, "from 1 to 15, got 0"),
    (dict(question="q", answer=1.0, hint="h", digits=2.0), ValueError, "got 2.0"),
])
def test_a_badly_made_exercise_fails_when_made(arguments, error, says):
    with pytest.raises(error) as raised:
        Exercise(**arguments)
    assert says in str(raised.value)


def test_a_function_answer_that_returns_no_number_fails_when_asked():
    exercise = Exercise("q", answer=lambda: Value(2.0), hint="h")
    with pytest.raises(TypeError, match="not a Value"):
        _ = exercise.expected

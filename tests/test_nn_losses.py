"""Losses: hand-derived values and gradients, stability at extreme logits, bad input."""

import math

import pytest

from autograd import Value, gradcheck
from nn import binary_cross_entropy_with_logits, cross_entropy, hinge, l1_penalty, l2_penalty, mse

bce = binary_cross_entropy_with_logits


def values(*xs: float) -> list[Value]:
    return [Value(x) for x in xs]


# --- mean squared error ----------------------------------------------------------------------


def test_mse_is_the_mean_of_squared_differences():
    p = values(1.0, 2.0, 4.0)
    loss = mse(p, [1.0, 0.0, 1.0])  # (0 + 4 + 9) / 3
    assert loss.data == pytest.approx(13 / 3)
    loss.backward()  # d/dp_i = 2 (p_i - t_i) / n
    assert [v.grad for v in p] == pytest.approx([0.0, 4 / 3, 2.0])


def test_mse_of_one_prediction_and_one_target():
    p = Value(3.0)
    loss = mse(p, 1.0)
    loss.backward()
    assert (loss.data, p.grad) == (4.0, 4.0)


def test_a_loss_of_plain_numbers_is_still_a_value():
    loss = mse([1.0, 2.0], [0.0, 0.0])
    assert isinstance(loss, Value) and loss.data == 2.5


# --- binary cross-entropy from logits --------------------------------------------------------


def test_bce_matches_the_textbook_formula_at_moderate_logits():
    for z, y in [(0.7, 1.0), (-1.3, 0.0), (2.0, 0.25)]:
        p = 1 / (1 + math.exp(-z))
        textbook = -(y * math.log(p) + (1 - y) * math.log(1 - p))
        assert bce(Value(z), y).data == pytest.approx(textbook, rel=1e-12)


def test_bce_at_zero_logit_is_log_2():
    # sigmoid(0) = 1/2, so the loss is -log(1/2) whatever the label
    assert bce(Value(0.0), 1.0).data == pytest.approx(math.log(2))
    assert bce(Value(0.0), 0.0).data == pytest.approx(math.log(2))


def test_bce_gradient_is_sigmoid_minus_target():
    # d/dz (softplus(z) - y z) = sigmoid(z) - y, divided by n for the mean
    z = values(0.5, -2.0)
    bce(z, [1.0, 0.0]).backward()
    sigmoid = lambda x: 1 / (1 + math.exp(-x))
    assert z[0].grad == pytest.approx((sigmoid(0.5) - 1) / 2)
    assert z[1].grad == pytest.approx((sigmoid(-2.0) - 0) / 2)


@pytest.mark.parametrize(
    "z, y, loss, grad",
    [
        (1000.0, 1.0, 0.0, 0.0),  # confidently right: no loss, no push
        (1000.0, 0.0, 1000.0, 1.0),  # confidently wrong: loss = z, slope sigmoid(z) - 0 = 1
        (-1000.0, 0.0, 0.0, 0.0),
        (-1000.0, 1.0, 1000.0, -1.0),  # slope sigmoid(-1000) - 1 = -1
    ],
)
def test_bce_is_finite_and_exact_at_extreme_logits(z, y, loss, grad):
    logit = Value(z)
    out = bce(logit, y)
    out.backward()
    assert out.data == loss
    assert logit.grad == grad


# --- softmax cross-entropy -------------------------------------------------------------------


def test_cross_entropy_is_minus_log_softmax_of_the_target():
    logits = values(1.0, 2.0, 3.0)
    loss = cross_entropy(logits, 0)
    total = math.exp(1) + math.exp(2) + math.exp(3)
    assert loss.data == pytest.approx(-math.log(math.exp(1) / total))
    loss.backward()  # d/dz_j = softmax(z)_j - [j == target]
    softmax = [math.exp(k) / total for k in (1, 2, 3)]
    assert [v.grad for v in logits] == pytest.approx([softmax[0] - 1, softmax[1], softmax[2]])


def test_cross_entropy_of_uniform_logits_is_log_of_the_class_count():
    assert cross_entropy([0.0] * 4, 2).data == pytest.approx(math.log(4))


def test_cross_entropy_is_stable_at_extreme_logits():
    logits = values(1000.0, -1000.0, 0.0)
    loss = cross_entropy(logits, 1)  # logsumexp is 1000, so the loss is 1000 - (-1000)
    loss.backward()
    assert loss.data == 2000.0
    assert [v.grad for v in logits] == [1.0, -1.0, 0.0]


def test_batched_cross_entropy_is_the_mean_over_examples():
    rows = [values(1.0, 2.0), values(0.5, -0.5, 0.0)]  # rows may differ in length
    batch = cross_entropy(rows, [1, 2])
    one = cross_entropy(rows[0], 1).data
    two = cross_entropy(rows[1], 2).data
    assert batch.data == pytest.approx((one + two) / 2)


# --- max-margin hinge ------------------------------------------------------------------------


def test_hinge_is_the_mean_of_relu_of_one_minus_label_times_score():
    scores = values(2.0, 0.5, -0.5)
    loss = hinge(scores, [1, 1, 1])  # relu(1-2) + relu(1-0.5) + relu(1+0.5) = 0 + 0.5 + 1.5
    assert loss.data == pytest.approx(2.0 / 3)
    loss.backward()  # -y / n where the margin is violated, else 0
    assert [v.grad for v in scores] == pytest.approx([0.0, -1 / 3, -1 / 3])


def test_hinge_with_negative_labels():
    scores = values(-3.0, 0.2)
    loss = hinge(scores, [-1, -1])  # relu(1-3) + relu(1+0.2) = 1.2
    assert loss.data == pytest.approx(0.6)


def test_hinge_rejects_zero_one_labels_and_says_how_to_convert():
    with pytest.raises(ValueError, match=r"-1 or \+1, got 0 at index 1 .*2 \* y - 1"):
        hinge(values(1.0, 2.0), [1, 0])


# --- penalties -------------------------------------------------------------------------------


def test_l2_penalty_is_alpha_times_the_sum_of_squares():
    params = values(3.0, -4.0)
    penalty = l2_penalty(params, alpha=0.1)  # 0.1 * (9 + 16)
    penalty.backward()  # d/dp = 2 * alpha * p
    assert penalty.data == pytest.approx(2.5)
    assert [p.grad for p in params] == pytest.approx([0.6, -0.8])


def test_l1_penalty_is_alpha_times_the_sum_of_absolute_values():
    params = values(3.0, -4.0)
    penalty = l1_penalty(params, alpha=0.5)  # 0.5 * (3 + 4)
    penalty.backward()  # d/dp = alpha * sign(p)
    assert penalty.data == pytest.approx(3.5)
    assert [p.grad for p in params] == [0.5, -0.5]


def test_penalties_take_a_generator_of_parameters():
    assert l2_penalty((v for v in values(1.0, 2.0)), 1.0).data == 5.0


# --- gradients against central differences ---------------------------------------------------

GRADCHECKS = {
    "mse": lambda a, b, c: mse([a, b, c], [0.3, -1.0, 2.0]),
    "bce": lambda a, b, c: bce([a, b, c], [1.0, 0.0, 0.3]),
    "cross_entropy": lambda a, b, c: cross_entropy([a, b, c], 2),
    "cross_entropy_batch": lambda a, b, c: cross_entropy([[a, b], [b, c, a]], [0, 1]),
    "hinge": lambda a, b, c: hinge([a, b, c], [1, -1, 1]),
    "l1": lambda a, b, c: l1_penalty([a, b, c], 0.3),
    "l2": lambda a, b, c: l2_penalty([a, b, c], 0.3),
}


@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_loss_gradients_match_central_differences(name):
    # points chosen away from the kinks of relu and abs
    result = gradcheck(GRADCHECKS[name], 0.7, -1.6, 0.45)
    assert result.ok, str(result)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: mse(values(1.0, 2.0), [1.0]), ValueError, "mse got 2 predictions but 1 targets"),
        (lambda: mse([], []), ValueError, "empty"),
        (lambda: mse(values(1.0), ["1"]), TypeError, "got str at index 0"),
        (lambda: mse("ab", [1.0, 2.0]), TypeError, "got str"),
        (lambda: mse(None, 1.0), TypeError, "got NoneType"),
        (lambda: bce(values(1.0), [2.0]), ValueError, r"in \[0, 1\], got 2.0 at index 0"),
        (lambda: bce(values(1.0), [Value(1.0)]), TypeError, "plain numbers"),
        (lambda: cross_entropy(values(1.0, 2.0), 2), ValueError, "out of range for 2 classes"),
        (lambda: cross_entropy(values(1.0, 2.0), -1), ValueError, "out of range"),
        (lambda: cross_entropy(values(1.0, 2.0), 1.0), TypeError, "class index"),
        (lambda: cross_entropy(values(1.0, 2.0), True), TypeError, "class index"),
        (lambda: cross_entropy([values(1.0, 2.0)], [0, 1]), ValueError, "1 rows of logits but 2"),
        (lambda: cross_entropy([values(1.0, 2.0)], [0.5]), TypeError, "class index"),
        (lambda: hinge(values(1.0), [0.5]), ValueError, "-1 or"),
        (lambda: l2_penalty([], 0.1), ValueError, "no parameters"),
        (lambda: l2_penalty([1.0], 0.1), TypeError, "takes Values, got float"),
        (lambda: l2_penalty(values(1.0), -0.1), ValueError, "alpha must be >= 0, got -0.1"),
        (lambda: l1_penalty(values(1.0), "0.1"), TypeError, "alpha must be a number"),
    ],
)
def test_bad_loss_arguments_say_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_passing_a_model_instead_of_its_parameters_suggests_the_fix():
    from nn import MLP

    with pytest.raises(TypeError, match=r"did you mean model.parameters\(\)"):
        l2_penalty(MLP(2, [1], seed=0), 0.1)

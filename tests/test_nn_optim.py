"""Optimizers, learning-rate schedules and gradient clipping, on tiny hand-computed cases."""

import json
import math

import pytest

from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    RMSprop,
    StepLR,
    clip_grad_norm,
    clip_grad_value,
)


def run(optimizer, p: Value, grads: list[float]) -> list[float]:
    """Step `optimizer` once per gradient in `grads` (as if backward had set it); p after each."""
    trace = []
    for g in grads:
        p.grad = g
        optimizer.step()
        trace.append(p.data)
    return trace


# --- SGD -------------------------------------------------------------------------------------


def test_sgd_steps_against_the_gradient():
    p = Value(1.0)
    assert run(SGD([p], lr=0.1), p, [0.5]) == [pytest.approx(0.95)]  # 1 - 0.1 * 0.5


def test_sgd_momentum_accumulates_a_running_sum_of_gradients():
    # b1 = 1; b2 = 0.9*1 + 1 = 1.9; b3 = 0.9*1.9 + 1 = 2.71; p -= 0.1 * b each step
    p = Value(1.0)
    assert run(SGD([p], lr=0.1, momentum=0.9), p, [1.0, 1.0, 1.0]) == pytest.approx(
        [0.9, 0.71, 0.439]
    )


def test_sgd_dampening_scales_new_gradients_after_the_first_step():
    # b1 = g = 1 (no dampening on the first step); b2 = 0.9*1 + (1 - 0.5)*1 = 1.4
    p = Value(0.0)
    assert run(SGD([p], lr=1.0, momentum=0.9, dampening=0.5), p, [1.0, 1.0]) == pytest.approx(
        [-1.0, -2.4]
    )


def test_sgd_nesterov_steps_with_the_gradient_plus_momentum_times_the_buffer():
    # step 1: b = 1, g + 0.9 b = 1.9; step 2: b = 0.9*1 + 1 = 1.9, g + 0.9 b = 2.71
    p = Value(1.0)
    trace = run(SGD([p], lr=0.1, momentum=0.9, nesterov=True), p, [1.0, 1.0])
    assert trace == pytest.approx([0.81, 0.539])


def test_sgd_weight_decay_adds_decay_times_the_weight_to_the_gradient():
    p = Value(2.0)  # g = 0.5 + 0.1 * 2 = 0.7; p = 2 - 0.1 * 0.7
    assert run(SGD([p], lr=0.1, weight_decay=0.1), p, [0.5]) == [pytest.approx(1.93)]


# --- Adam, AdamW -----------------------------------------------------------------------------


def test_adam_first_step_moves_each_parameter_by_about_lr():
    # m_hat = g and v_hat = g**2 after one step, so p -= lr * g / (|g| + eps)
    big, small = Value(1.0), Value(1.0)
    optimizer = Adam([big, small], lr=0.1)
    big.grad, small.grad = 1000.0, 0.001
    optimizer.step()
    assert big.data == pytest.approx(1 - 0.1 * 1000 / (1000 + 1e-8), rel=1e-15)
    assert small.data == pytest.approx(1 - 0.1 * 0.001 / (0.001 + 1e-8), rel=1e-15)


def test_adam_second_step_uses_bias_corrected_running_means():
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    p = Value(1.0)
    trace = run(Adam([p], lr=lr, betas=(b1, b2), eps=eps), p, [2.0, -1.0])
    m = b1 * (1 - b1) * 2.0 + (1 - b1) * -1.0  # 0.08
    v = b2 * (1 - b2) * 4.0 + (1 - b2) * 1.0  # 0.004996
    m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
    first = 1 - lr * 2.0 / (2.0 + eps)
    assert trace == pytest.approx([first, first - lr * m_hat / (math.sqrt(v_hat) + eps)])


def test_adam_keeps_per_parameter_state():
    p = Value(1.0)
    optimizer = Adam([p], lr=0.1)
    run(optimizer, p, [2.0, -1.0])
    state = optimizer.state[p]
    assert state["step"] == 2
    assert state["exp_avg"] == pytest.approx(0.08)
    assert state["exp_avg_sq"] == pytest.approx(0.004996)


def test_adamw_shrinks_the_weight_but_adam_folds_decay_into_the_gradient():
    # AdamW: p = 1 * (1 - 0.1 * 0.1) = 0.99, then the Adam step of about lr: 0.89
    # Adam: g = 2 + 0.1 * 1 = 2.1, and the first step is about lr whatever g is: 0.9
    decoupled, coupled = Value(1.0), Value(1.0)
    run(AdamW([decoupled], lr=0.1, weight_decay=0.1), decoupled, [2.0])
    run(Adam([coupled], lr=0.1, weight_decay=0.1), coupled, [2.0])
    assert decoupled.data == pytest.approx(0.89)
    assert coupled.data == pytest.approx(0.9)


def test_adamw_default_weight_decay_is_torchs():
    assert AdamW([Value(1.0)]).hyperparameters["weight_decay"] == 0.01


# --- RMSprop ---------------------------------------------------------------------------------


def test_rmsprop_divides_by_the_root_of_the_running_mean_square():
    # s = (1 - 0.99) * 2**2 = 0.04; p = 1 - 0.01 * 2 / sqrt(0.04)
    p = Value(1.0)
    assert run(RMSprop([p], lr=0.01), p, [2.0]) == [pytest.approx(0.9)]


def test_rmsprop_centered_subtracts_the_squared_running_mean():
    # a = 0.01 * 2 = 0.02; d = sqrt(0.04 - 0.02**2) = sqrt(0.0396)
    p = Value(1.0)
    trace = run(RMSprop([p], lr=0.01, centered=True), p, [2.0])
    assert trace == [pytest.approx(1 - 0.01 * 2 / math.sqrt(0.0396))]


def test_rmsprop_momentum_accumulates_the_scaled_gradients():
    # step 1: b = 2 / 0.2 = 10; step 2: s = 0.99*0.04 + 0.01*4 = 0.0796, b = 0.9*10 + 2/sqrt(s)
    p = Value(1.0)
    trace = run(RMSprop([p], lr=0.01, momentum=0.9), p, [2.0, 2.0])
    assert trace == pytest.approx([0.9, 0.9 - 0.01 * (9 + 2 / math.sqrt(0.0796))])


# --- the Optimizer shape ---------------------------------------------------------------------


def test_zero_grad_clears_the_gradients_of_its_parameters():
    params = [Value(1.0), Value(2.0)]
    for p in params:
        p.grad = 3.0
    SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_an_optimizer_updates_every_parameter_of_a_model():
    model = MLP(2, [3, 1], seed=0)
    before = [p.data for p in model.parameters()]
    optimizer = SGD(model.parameters(), lr=0.1)
    for p in model.parameters():
        p.grad = 1.0
    optimizer.step()
    assert [p.data for p in model.parameters()] == pytest.approx([x - 0.1 for x in before])


def test_lr_can_be_read_and_set():
    optimizer = SGD([Value(1.0)], lr=0.1)
    optimizer.lr = 0.05
    assert optimizer.lr == 0.05 == optimizer.hyperparameters["lr"]
    with pytest.raises(ValueError, match="lr must be >= 0, got -1"):
        optimizer.lr = -1


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.1),
        lambda ps: AdamW(ps, lr=0.1),
        lambda ps: RMSprop(ps, lr=0.1, momentum=0.5, centered=True),
    ],
)
def test_a_restored_state_dict_continues_exactly_as_the_original(make):
    grads = [[0.5, -1.0], [0.25, 2.0], [-1.5, 0.75]]
    original = [Value(1.0), Value(-2.0)]
    optimizer = make(original)
    for step_grads in grads[:2]:
        for p, g in zip(original, step_grads):
            p.grad = g
        optimizer.step()
    saved = optimizer.state_dict()

    copy = [Value(p.data) for p in original]
    restored = make(copy)
    restored.load_state_dict(saved)
    for params, opt in ((original, optimizer), (copy, restored)):
        for p, g in zip(params, grads[2]):
            p.grad = g
        opt.step()
    assert [p.data for p in copy] == [p.data for p in original]


MAKERS = {
    "SGD": lambda ps: SGD(ps, lr=0.1),
    "SGD momentum": lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "SGD nesterov": lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda ps: Adam(ps, lr=0.1, betas=(0.8, 0.99), weight_decay=0.01),
    "AdamW": lambda ps: AdamW(ps, lr=0.1),
    "RMSprop": lambda ps: RMSprop(ps, lr=0.1),
    "RMSprop centered momentum": lambda ps: RMSprop(ps, lr=0.1, momentum=0.5, centered=True),
}
GRADS = [[0.5, -1.0], [0.25, 2.0], [-1.5, 0.75], [1e-3, -3.0], [2.0, 0.1]]


def step_with(optimizer, params: list[Value], grads: list[float]) -> None:
    for p, g in zip(params, grads):
        p.grad = g
    optimizer.step()


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS)
def test_a_state_dict_survives_a_json_round_trip_and_continues_bit_for_bit(make):
    original = [Value(1.0), Value(-2.0)]
    optimizer = make(original)
    for grads in GRADS[:2]:
        step_with(optimizer, original, grads)
    # JSON turns the int keys of "state" into text ("0") and the betas tuple into a list
    text = json.dumps(optimizer.state_dict())
    copy = [Value(p.data) for p in original]
    restored = make(copy)
    restored.load_state_dict(json.loads(text))
    assert restored.state_dict() == optimizer.state_dict()
    for grads in GRADS[2:]:  # both copies take the same three steps, to the last bit
        step_with(optimizer, original, grads)
        step_with(restored, copy, grads)
        assert [p.data for p in copy] == [p.data for p in original]


def test_state_dict_is_a_copy():
    p = Value(1.0)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    run(optimizer, p, [1.0])
    saved = optimizer.state_dict()
    saved["state"][0]["momentum_buffer"] = 99.0
    saved["hyperparameters"]["lr"] = 99.0
    assert optimizer.state[p]["momentum_buffer"] == 1.0
    assert optimizer.lr == 0.1


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s.pop("state"), "keys 'state' and 'hyperparameters'"),
        (lambda s: s["hyperparameters"].pop("momentum"), "exactly the keys"),
        (lambda s: s["hyperparameters"].update(lr=-0.5), "lr must be >= 0"),
        (lambda s: s["state"].update({5: {"momentum_buffer": 1.0}}), "state key 5"),
        (
            lambda s: s["state"].update({0: {"exp_avg": 1.0}}),
            r"parameter 0 must be a dict with the keys \['momentum_buffer'\]",
        ),
        (lambda s: s["state"].update({0: {"momentum_buffer": "1"}}), "must be a number"),
    ],
)
def test_a_bad_optimizer_state_dict_is_rejected_and_changes_nothing(change, message):
    p = Value(1.0)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    run(optimizer, p, [1.0])
    good = optimizer.state_dict()
    bad = optimizer.state_dict()
    bad["hyperparameters"]["lr"] = 0.7  # would show if the bad dict were half-loaded
    change(bad)
    with pytest.raises((ValueError, TypeError), match=message):
        optimizer.load_state_dict(bad)
    assert optimizer.state_dict() == good


def adam_after_a_step() -> Adam:
    p = Value(1.0)
    optimizer = Adam([p], lr=0.1)
    run(optimizer, p, [1.0])
    return optimizer


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s.update(state={"00": s["state"][0]}), "state key '00' is not a parameter"),
        (lambda s: s.update(state={"-0": s["state"][0]}), "state key '-0' is not a parameter"),
        (lambda s: s.update(state={"1": s["state"][0]}), "state key '1' is not a parameter"),
        (lambda s: s.update(state={0.0: s["state"][0]}), "state key 0.0 is not a parameter"),
        (lambda s: s["state"].update({"0": s["state"][0]}), "parameter 0 is given twice"),
        (lambda s: s["state"][0].update(step=-1), "'step' of parameter 0 counts steps"),
        (lambda s: s["state"][0].update(step=1.5), "must be an int >= 0, got 1.5"),
        (lambda s: s["state"][0].update(exp_avg_sq=-1e-3), "exp_avg_sq.*must be >= 0"),
        (lambda s: s["state"][0].update(exp_avg=10**400), "too large for a float"),
        (lambda s: s["hyperparameters"].update(eps=math.inf), "Adam eps must be a finite"),
    ],
)
def test_a_malformed_adam_state_dict_is_rejected_and_changes_nothing(change, message):
    optimizer = adam_after_a_step()
    good = optimizer.state_dict()
    bad = optimizer.state_dict()
    bad["hyperparameters"]["lr"] = 0.7  # would show if the bad dict were half-loaded
    change(bad)
    with pytest.raises(ValueError, match=message):
        optimizer.load_state_dict(bad)
    assert optimizer.state_dict() == good


# Every number an optimizer takes, with a maker that sets it to x: each must refuse nan, inf
# and -inf, which would turn the weights into nan or inf on the first step.
HYPERPARAMETERS = {
    "SGD lr": lambda ps, x: SGD(ps, lr=x),
    "SGD momentum": lambda ps, x: SGD(ps, momentum=x),
    "SGD dampening": lambda ps, x: SGD(ps, dampening=x),
    "SGD weight_decay": lambda ps, x: SGD(ps, weight_decay=x),
    "Adam lr": lambda ps, x: Adam(ps, lr=x),
    "Adam betas[0]": lambda ps, x: Adam(ps, betas=(x, 0.999)),
    "Adam betas[1]": lambda ps, x: Adam(ps, betas=(0.9, x)),
    "Adam eps": lambda ps, x: Adam(ps, eps=x),
    "Adam weight_decay": lambda ps, x: Adam(ps, weight_decay=x),
    "AdamW lr": lambda ps, x: AdamW(ps, lr=x),
    "AdamW betas[0]": lambda ps, x: AdamW(ps, betas=(x, 0.999)),
    "AdamW betas[1]": lambda ps, x: AdamW(ps, betas=(0.9, x)),
    "AdamW eps": lambda ps, x: AdamW(ps, eps=x),
    "AdamW weight_decay": lambda ps, x: AdamW(ps, weight_decay=x),
    "RMSprop lr": lambda ps, x: RMSprop(ps, lr=x),
    "RMSprop alpha": lambda ps, x: RMSprop(ps, alpha=x),
    "RMSprop eps": lambda ps, x: RMSprop(ps, eps=x),
    "RMSprop weight_decay": lambda ps, x: RMSprop(ps, weight_decay=x),
    "RMSprop momentum": lambda ps, x: RMSprop(ps, momentum=x),
    "StepLR gamma": lambda ps, x: StepLR(SGD(ps), step_size=1, gamma=x),
    "ExponentialLR gamma": lambda ps, x: ExponentialLR(SGD(ps), gamma=x),
    "CosineAnnealingLR eta_min": lambda ps, x: CosineAnnealingLR(SGD(ps), t_max=2, eta_min=x),
}


@pytest.mark.parametrize("x", [math.inf, -math.inf, math.nan], ids=["inf", "-inf", "nan"])
@pytest.mark.parametrize("name", HYPERPARAMETERS)
def test_every_hyperparameter_refuses_nan_and_infinities_naming_itself_and_the_value(name, x):
    with pytest.raises(ValueError) as error:
        HYPERPARAMETERS[name]([Value(1.0)], x)
    assert str(error.value).startswith(f"{name} must be")
    assert str(error.value).endswith(f"got {x!r}")


def test_the_learning_rate_cannot_be_set_to_infinity():
    optimizer = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="SGD lr must be a finite number, got inf"):
        optimizer.lr = math.inf
    assert optimizer.lr == 0.1


def test_a_huge_integer_learning_rate_is_refused_as_not_finite():
    with pytest.raises(ValueError, match="SGD lr must be a finite number"):
        SGD([Value(1.0)], lr=10**400)  # no float holds it: float() would raise OverflowError


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda ps: SGD(ps, lr=-0.1), ValueError, "SGD lr must be >= 0, got -0.1"),
        (lambda ps: SGD(ps, lr=math.nan), ValueError, "SGD lr must be a finite number, got nan"),
        (lambda ps: SGD(ps, lr="0.1"), TypeError, "lr must be a number, got str"),
        (lambda ps: SGD(ps, momentum=-0.9), ValueError, "momentum must be >= 0, got -0.9"),
        (lambda ps: SGD(ps, dampening=1.5), ValueError, "dampening must be between 0 and 1"),
        (lambda ps: SGD(ps, weight_decay=-1e-4), ValueError, "weight_decay must be >= 0"),
        (lambda ps: SGD(ps, nesterov=True), ValueError, "nesterov=True needs momentum > 0"),
        (
            lambda ps: SGD(ps, momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            "and dampening 0",
        ),
        (lambda ps: SGD(ps, nesterov=1), TypeError, "nesterov must be True or False"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be in \[0, 1\)"),
        (lambda ps: Adam(ps, betas=(-0.1, 0.9)), ValueError, r"betas\[0\] must be in \[0, 1\)"),
        (lambda ps: Adam(ps, betas=0.9), TypeError, "betas must be a pair"),
        (lambda ps: Adam(ps, eps=-1e-8), ValueError, "Adam eps must be >= 0"),
        (lambda ps: Adam(ps, weight_decay=-1), ValueError, "Adam weight_decay must be >= 0"),
        (lambda ps: AdamW(ps, lr=-1), ValueError, "AdamW lr must be >= 0"),
        (lambda ps: RMSprop(ps, alpha=1.5), ValueError, "alpha must be between 0 and 1"),
        (lambda ps: RMSprop(ps, eps=-1), ValueError, "RMSprop eps must be >= 0"),
        (lambda ps: RMSprop(ps, momentum=-1), ValueError, "RMSprop momentum must be >= 0"),
        (lambda ps: RMSprop(ps, centered="yes"), TypeError, "centered must be True or False"),
    ],
)
def test_bad_hyperparameters_raise_naming_the_value(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0)])


@pytest.mark.parametrize(
    "params, error, message",
    [
        ([], ValueError, "empty list of parameters"),
        ([Value(1.0), 2.0], TypeError, "parameters must be Values, got float at index 1"),
        (Value(1.0), TypeError, "takes a list of Values"),
        (MLP(2, [1], seed=0), TypeError, r"did you mean model.parameters\(\)"),
    ],
)
def test_bad_parameter_lists_raise(params, error, message):
    with pytest.raises(error, match=message):
        SGD(params, lr=0.1)


def test_the_same_parameter_twice_is_refused():
    p = Value(1.0)
    with pytest.raises(ValueError, match="same parameter twice"):
        Adam([p, p])


# --- learning-rate schedules -----------------------------------------------------------------


def lrs(scheduler, steps: int) -> list[float]:
    """The learning rate after each of `steps` calls to scheduler.step()."""
    trace = []
    for _ in range(steps):
        scheduler.step()
        trace.append(scheduler.get_last_lr())
    return trace


def test_step_lr_multiplies_by_gamma_every_step_size_epochs():
    optimizer = SGD([Value(1.0)], lr=1.0)
    assert lrs(StepLR(optimizer, step_size=2, gamma=0.5), 5) == [1.0, 0.5, 0.5, 0.25, 0.25]
    assert optimizer.lr == 0.25


def test_exponential_lr_multiplies_by_gamma_every_epoch():
    optimizer = SGD([Value(1.0)], lr=2.0)
    assert lrs(ExponentialLR(optimizer, gamma=0.5), 3) == [1.0, 0.5, 0.25]


def test_cosine_annealing_follows_half_a_cosine_down_to_eta_min():
    optimizer = SGD([Value(1.0)], lr=1.0)
    trace = lrs(CosineAnnealingLR(optimizer, t_max=4, eta_min=0.2), 4)
    # 0.2 + 0.8 * (1 + cos(pi * t / 4)) / 2 for t = 1..4
    expected = [0.2 + 0.8 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(1, 5)]
    assert trace == pytest.approx(expected)
    assert trace[1] == pytest.approx(0.6) and trace[3] == pytest.approx(0.2)


def test_a_schedule_changes_the_step_the_optimizer_takes():
    p = Value(0.0)
    optimizer = SGD([p], lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.1)
    p.grad = 1.0
    optimizer.step()  # lr 1
    scheduler.step()
    optimizer.step()  # lr 0.1
    assert p.data == pytest.approx(-1.1)


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda o: StepLR(o, step_size=0), ValueError, "step_size must be at least 1"),
        (lambda o: StepLR(o, step_size=1.5), TypeError, "step_size must be an int"),
        (lambda o: ExponentialLR(o, gamma=-0.5), ValueError, "gamma must be >= 0"),
        (lambda o: CosineAnnealingLR(o, t_max=0), ValueError, "t_max must be at least 1"),
        (lambda o: CosineAnnealingLR(o, t_max=10, eta_min=-1), ValueError, "eta_min must be"),
        (lambda o: StepLR([Value(1.0)], step_size=1), TypeError, "takes an Optimizer"),
    ],
)
def test_bad_schedule_arguments_raise(make, error, message):
    with pytest.raises(error, match=message):
        make(SGD([Value(1.0)], lr=1.0))


# --- gradient clipping -----------------------------------------------------------------------


def with_grads(*grads: float) -> list[Value]:
    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = g
    return params


def test_clip_grad_norm_scales_a_long_gradient_to_max_norm_and_returns_the_old_norm():
    params = with_grads(3.0, 4.0)  # norm 5
    assert clip_grad_norm(params, max_norm=1.0) == 5.0
    assert [p.grad for p in params] == pytest.approx([0.6, 0.8])  # same direction, length 1


def test_clip_grad_norm_leaves_a_short_gradient_alone():
    params = with_grads(3.0, 4.0)
    assert clip_grad_norm(params, max_norm=10.0) == 5.0
    assert [p.grad for p in params] == [3.0, 4.0]


def test_clip_grad_norm_does_not_overflow_on_huge_gradients():
    params = with_grads(3e200, 4e200)
    assert clip_grad_norm(params, max_norm=1.0) == pytest.approx(5e200)
    assert [p.grad for p in params] == pytest.approx([0.6, 0.8])


def test_clip_grad_value_clamps_each_gradient():
    params = with_grads(3.0, -4.0, 0.2)
    clip_grad_value(params, 0.5)
    assert [p.grad for p in params] == [0.5, -0.5, 0.2]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: clip_grad_norm(with_grads(1.0), -1.0), ValueError, "max_norm must be >= 0"),
        (lambda: clip_grad_value(with_grads(1.0), "1"), TypeError, "clip must be a number"),
        (lambda: clip_grad_norm([1.0], 1.0), TypeError, "takes Values, got float"),
    ],
)
def test_bad_clipping_arguments_raise(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- gradients that are Values (after backward(create_graph=True)) ---------------------------


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1), lambda ps: RMSprop(ps, lr=0.1)])
def test_a_step_after_create_graph_moves_the_number_and_keeps_data_a_float(make):
    w = Value(3.0)
    (w * w).backward(create_graph=True)  # w.grad = 2w = 6, a Value
    expected = Value(3.0)
    expected.grad = 6.0
    make([w]).step()
    make([expected]).step()
    assert type(w.data) is float and w.data == expected.data


def test_clipping_reads_the_numbers_of_gradients_that_are_values():
    w, b = Value(3.0), Value(4.0)
    (w * w / 2 + b * b / 2).backward(create_graph=True)  # grads w = 3 and b = 4, as Values
    assert clip_grad_norm([w, b], max_norm=1.0) == 5.0
    assert [float(p.grad) for p in (w, b)] == pytest.approx([0.6, 0.8])
    clip_grad_value([w, b], 0.7)
    assert [float(p.grad) for p in (w, b)] == pytest.approx([0.6, 0.7])

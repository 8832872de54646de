"""nn against PyTorch in float64: losses, optimizer steps on an MLP, schedules and clipping.

The same numbers go into both libraries and the results must agree to about 1e-12. Runs
wherever torch is importable (`make torch` installs the CPU build); under CI=true a missing
torch fails instead of skipping.
"""

import math

import pytest

import nn
from autograd import Value
from tests.conftest import require_module

# --- losses ----------------------------------------------------------------------------------

LOGITS = [0.7, -1.6, 0.45, 3.0, -0.2, 1000.0, -1000.0]
TARGETS01 = [1.0, 0.0, 0.3, 1.0, 0.0, 0.0, 1.0]
SIGNS = [1, -1, 1, 1, -1, -1, 1]


def compare(ours: Value, inputs: list[Value], theirs, tensor) -> None:
    """Loss values and gradients with respect to every input agree."""
    ours.backward()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), rel=1e-12, abs=1e-14)
    assert [v.grad for v in inputs] == pytest.approx(tensor.grad.tolist(), rel=1e-12, abs=1e-14)


def ours_and_theirs(torch, numbers: list[float]):
    values = [Value(x) for x in numbers]
    tensor = torch.tensor(numbers, dtype=torch.float64, requires_grad=True)
    return values, tensor


def test_mse_matches_pytorch():
    torch = require_module("torch")
    values, tensor = ours_and_theirs(torch, LOGITS[:5])
    targets = [0.5, -1.0, 2.0, 0.0, 0.25]
    expected = torch.nn.functional.mse_loss(tensor, torch.tensor(targets, dtype=torch.float64))
    compare(nn.mse(values, targets), values, expected, tensor)


def test_binary_cross_entropy_with_logits_matches_pytorch_even_at_1000():
    torch = require_module("torch")
    values, tensor = ours_and_theirs(torch, LOGITS)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        tensor, torch.tensor(TARGETS01, dtype=torch.float64)
    )
    compare(nn.binary_cross_entropy_with_logits(values, TARGETS01), values, expected, tensor)


def test_cross_entropy_matches_pytorch_on_a_batch_with_extreme_logits():
    torch = require_module("torch")
    rows = [[0.7, -1.6, 0.45], [1000.0, -1000.0, 3.0], [-0.2, 0.0, 999.0]]
    targets = [2, 1, 0]
    values, tensor = ours_and_theirs(torch, [x for row in rows for x in row])
    value_rows = [values[i : i + 3] for i in range(0, 9, 3)]
    expected = torch.nn.functional.cross_entropy(tensor.view(3, 3), torch.tensor(targets))
    compare(nn.cross_entropy(value_rows, targets), values, expected, tensor)


def test_hinge_matches_pytorch():
    torch = require_module("torch")
    values, tensor = ours_and_theirs(torch, LOGITS[:5])
    labels = SIGNS[:5]
    expected = torch.relu(1 - torch.tensor(labels, dtype=torch.float64) * tensor).mean()
    compare(nn.hinge(values, labels), values, expected, tensor)


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_penalties_match_pytorch(kind):
    torch = require_module("torch")
    values, tensor = ours_and_theirs(torch, LOGITS[:5])
    if kind == "l1":
        ours, expected = nn.l1_penalty(values, 0.3), 0.3 * tensor.abs().sum()
    else:
        ours, expected = nn.l2_penalty(values, 0.3), 0.3 * (tensor * tensor).sum()
    compare(ours, values, expected, tensor)


# --- one optimizer step after another, on an MLP ---------------------------------------------

OPTIMIZERS = {
    "sgd": ("SGD", dict(lr=0.1)),
    "sgd_momentum": ("SGD", dict(lr=0.1, momentum=0.9)),
    "sgd_dampening": ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    "sgd_nesterov": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    "sgd_weight_decay": ("SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.01)),
    "adam": ("Adam", dict(lr=0.01)),
    "adam_weight_decay": ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    "adamw": ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    "rmsprop": ("RMSprop", dict(lr=0.01)),
    "rmsprop_momentum_centered": (
        "RMSprop",
        dict(lr=0.01, alpha=0.9, momentum=0.8, centered=True, weight_decay=0.01),
    ),
}
STEPS = 3  # the second and third steps exercise momentum buffers and running averages


def torch_copy(torch, model: nn.MLP) -> list:
    """(weight matrix, bias vector, activation) per layer, holding the MLP's numbers."""
    layers = []
    for layer in model.layers:
        weight = [[w.data for w in neuron.w] for neuron in layer.neurons]
        bias = [neuron.b.data for neuron in layer.neurons]
        layers.append(
            (
                torch.tensor(weight, dtype=torch.float64, requires_grad=True),
                torch.tensor(bias, dtype=torch.float64, requires_grad=True),
                layer.activation,
            )
        )
    return layers


def torch_forward(torch, layers: list, X):
    activations = {"relu": torch.relu, "tanh": torch.tanh, "linear": lambda h: h}
    h = X
    for weight, bias, activation in layers:
        h = activations[activation](h @ weight.T + bias)
    return h[:, 0]


def flat(layers: list) -> list[float]:
    """The torch parameters in the order of MLP.parameters(): per neuron, weights then bias."""
    numbers = []
    for weight, bias, _ in layers:
        for row, b in zip(weight.tolist(), bias.tolist()):
            numbers += row + [b]
    return numbers


@pytest.mark.parametrize("case", sorted(OPTIMIZERS))
def test_optimizer_steps_on_an_mlp_match_pytorch(case):
    torch = require_module("torch")
    name, settings = OPTIMIZERS[case]
    X, y = nn.make_moons(12, noise=0.1, seed=0)
    targets = y.astype(float).tolist()
    model = nn.MLP(2, [6, 5, 1], activation=["tanh", "relu", "linear"], seed=3)
    layers = torch_copy(torch, model)
    torch_params = [t for weight, bias, _ in layers for t in (weight, bias)]
    initial = [p.data for p in model.parameters()]

    ours = getattr(nn, name)(model.parameters(), **settings)
    theirs = getattr(torch.optim, name)(torch_params, **settings)
    X_t = torch.tensor(X, dtype=torch.float64)
    y_t = torch.tensor(targets, dtype=torch.float64)
    for _ in range(STEPS):
        loss = nn.binary_cross_entropy_with_logits([model(x) for x in X.tolist()], targets)
        loss = loss + nn.l2_penalty(model.parameters(), 1e-3)
        ours.zero_grad()
        loss.backward()
        ours.step()

        scores = torch_forward(torch, layers, X_t)
        expected = torch.nn.functional.binary_cross_entropy_with_logits(scores, y_t)
        expected = expected + 1e-3 * sum((t * t).sum() for t in torch_params)
        theirs.zero_grad()
        expected.backward()
        theirs.step()

        assert loss.data == pytest.approx(expected.item(), rel=1e-12)
        ours_now = [p.data for p in model.parameters()]
        assert ours_now == pytest.approx(flat(layers), rel=1e-10, abs=1e-12)
    assert all(now != before for now, before in zip(ours_now, initial))  # every one moved


# --- schedules and clipping ------------------------------------------------------------------

SCHEDULES = {
    "StepLR": dict(step_size=3, gamma=0.5),
    "ExponentialLR": dict(gamma=0.9),
    "CosineAnnealingLR": dict(T_max=7, eta_min=0.01),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_match_pytorch_over_twenty_epochs(name):
    torch = require_module("torch")
    settings = SCHEDULES[name]
    ours_settings = {("t_max" if k == "T_max" else k): v for k, v in settings.items()}
    ours = getattr(nn, name)(nn.SGD([Value(1.0)], lr=0.5), **ours_settings)
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    theirs = getattr(torch.optim.lr_scheduler, name)(optimizer, **settings)
    for _ in range(20):
        optimizer.step()  # torch warns when the schedule steps before the optimizer
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr()[0], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_pytorch(max_norm):
    torch = require_module("torch")
    grads = [0.3, -1.2, 2.5, 0.0, -0.7]
    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = g
    tensor = torch.zeros(len(grads), dtype=torch.float64, requires_grad=True)
    tensor.grad = torch.tensor(grads, dtype=torch.float64)
    norm = nn.clip_grad_norm(params, max_norm)
    expected = torch.nn.utils.clip_grad_norm_([tensor], max_norm)
    assert norm == pytest.approx(expected.item(), rel=1e-14)
    assert [p.grad for p in params] == pytest.approx(tensor.grad.tolist(), rel=1e-14)
    assert math.isclose(math.hypot(*(p.grad for p in params)), min(max_norm, norm), rel_tol=1e-5)

"""BatchNorm: batch statistics with gradients through them, running statistics, train/eval,
buffers in state_dict and files, PyTorch parity, and a network that trains with it in fit()."""

import math

import numpy as np
import pytest

import nn
from autograd import Value
from tests.conftest import require_module

BATCH = [[1.0, -2.0], [2.0, 0.5], [4.0, 3.0], [-1.0, 1.0]]  # 4 examples, 2 features


def column(rows, j):
    return [row[j] for row in rows]


def test_in_training_each_feature_comes_out_with_mean_0_and_variance_1():
    out = nn.BatchNorm(2)(BATCH)
    assert len(out) == 4 and all(len(row) == 2 for row in out)
    for j in range(2):
        values = [v.data for v in column(out, j)]
        assert sum(values) / 4 == pytest.approx(0.0, abs=1e-12)
        var = float(np.var(column(BATCH, j)))
        # out = (x - mean) / sqrt(var + eps), so mean(out ** 2) = var / (var + eps)
        assert sum(v * v for v in values) / 4 == pytest.approx(var / (var + 1e-5), rel=1e-12)


def test_gamma_and_beta_scale_and_shift():
    norm = nn.BatchNorm(1)
    norm.gamma[0].data, norm.beta[0].data = 3.0, 0.5
    out = [row[0].data for row in norm([[0.0], [2.0]])]
    # mean 1, var 1: x_hat = -1 / sqrt(1 + eps) and +1 / sqrt(1 + eps)
    assert out == pytest.approx([0.5 - 3 / math.sqrt(1 + 1e-5), 0.5 + 3 / math.sqrt(1 + 1e-5)])


def test_the_gradient_flows_through_the_batch_statistics():
    # Moving every x by the same amount changes nothing after normalization, so whatever the
    # loss, the gradients of one feature's inputs sum to 0: a path through mean and var.
    xs = [[Value(row[0])] for row in BATCH]
    out = nn.BatchNorm(1)(xs)
    loss = sum(w * row[0] for w, row in zip([0.3, -1.2, 2.0, 0.7], out))
    loss.backward()
    grads = [row[0].grad for row in xs]
    assert sum(grads) == pytest.approx(0.0, abs=1e-12)
    assert any(abs(g) > 0.1 for g in grads)


def test_running_statistics_move_towards_the_batch_statistics():
    norm = nn.BatchNorm(2, momentum=0.1)
    norm(BATCH)
    for j in range(2):
        values = column(BATCH, j)
        unbiased = float(np.var(values, ddof=1))  # the running variance uses n - 1, as torch
        assert norm.running_mean[j].data == pytest.approx(0.1 * float(np.mean(values)))
        assert norm.running_var[j].data == pytest.approx(0.9 * 1.0 + 0.1 * unbiased)


def test_in_eval_mode_the_running_statistics_are_used_and_one_example_is_fine():
    norm = nn.BatchNorm(1)
    norm.running_mean[0].data, norm.running_var[0].data = 2.0, 4.0
    norm.eval()
    [[out]] = norm([[3.0]])
    assert out.data == pytest.approx((3.0 - 2.0) / math.sqrt(4.0 + 1e-5))
    assert norm.running_mean[0].data == 2.0  # eval mode leaves them alone


def test_training_mode_needs_two_examples():
    with pytest.raises(ValueError, match="at least 2 rows per batch.*got 1; call .eval()"):
        nn.BatchNorm(2)([[1.0, 2.0]])


def test_running_statistics_are_buffers_not_parameters():
    norm = nn.BatchNorm(2)
    assert [name for name, _ in norm.named_parameters()] == [
        "gamma.0",
        "gamma.1",
        "beta.0",
        "beta.1",
    ]
    assert [name for name, _ in norm.named_buffers()] == [
        "running_mean.0",
        "running_mean.1",
        "running_var.0",
        "running_var.1",
    ]
    assert list(norm.state_dict()) == [name for name, _ in norm.named_parameters()] + [
        name for name, _ in norm.named_buffers()
    ]


def test_save_and_load_bring_back_the_running_statistics(tmp_path):
    norm = nn.BatchNorm(2)
    norm(BATCH)
    norm.save(tmp_path / "norm.json")
    again = nn.BatchNorm(2)
    again.load(tmp_path / "norm.json")
    assert again.state_dict() == norm.state_dict()
    assert again.running_var[1].data != 1.0


def test_buffers_of_submodules_get_dotted_names():
    net = BatchNormNet(2, 3)
    assert [name for name, _ in net.named_buffers()][:2] == [
        "norm.running_mean.0",
        "norm.running_mean.1",
    ]


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: nn.BatchNorm(0), ValueError, "num_features must be at least 1"),
        (lambda: nn.BatchNorm(2.0), TypeError, "num_features must be an int"),
        (lambda: nn.BatchNorm(2, momentum=1.5), ValueError, "momentum"),
        (lambda: nn.BatchNorm(2, eps=0), ValueError, "eps"),
        (lambda: nn.BatchNorm(2)([[1.0, 2.0], [3.0]]), ValueError, "row 1 has 1"),
        (lambda: nn.BatchNorm(2)([1.0, 2.0]), TypeError, "row 0 is a float"),
        (lambda: nn.BatchNorm(1)([["a"], [1.0]]), TypeError, "row 0 holds 'a'"),
        (lambda: nn.BatchNorm(1)([]), ValueError, "empty batch"),
    ],
)
def test_bad_arguments_raise_naming_them(make, error, message):
    with pytest.raises(error, match=message):
        make()


# --- against PyTorch -------------------------------------------------------------------------


def test_batchnorm_matches_torch_batchnorm1d_forward_backward_and_running_stats():
    torch = require_module("torch")
    rng = np.random.default_rng(0)
    data = rng.normal(1.0, 2.0, size=(6, 3))
    weights = rng.normal(size=(6, 3))  # loss = sum(weights * out)
    ours = nn.BatchNorm(3, momentum=0.2)
    theirs = torch.nn.BatchNorm1d(3, momentum=0.2, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([1.5, -0.5, 2.0], dtype=torch.float64))
        theirs.bias.copy_(torch.tensor([0.1, 0.2, -0.3], dtype=torch.float64))
    for j, (g, b) in enumerate(zip([1.5, -0.5, 2.0], [0.1, 0.2, -0.3])):
        ours.gamma[j].data, ours.beta[j].data = g, b

    xs = [[Value(x) for x in row] for row in data.tolist()]
    out = ours(xs)
    sum(w * o for wrow, orow in zip(weights.tolist(), out) for w, o in zip(wrow, orow)).backward()
    x_t = torch.tensor(data, requires_grad=True)
    out_t = theirs(x_t)
    (out_t * torch.tensor(weights)).sum().backward()

    assert np.allclose(
        [[o.data for o in row] for row in out], out_t.detach().numpy(), rtol=0, atol=1e-12
    )
    assert np.allclose([[x.grad for x in row] for row in xs], x_t.grad.numpy(), rtol=0, atol=1e-12)
    assert np.allclose([g.grad for g in ours.gamma], theirs.weight.grad.numpy(), atol=1e-12)
    assert np.allclose([b.grad for b in ours.beta], theirs.bias.grad.numpy(), atol=1e-12)
    assert np.allclose([m.data for m in ours.running_mean], theirs.running_mean.numpy(), atol=1e-12)
    assert np.allclose([v.data for v in ours.running_var], theirs.running_var.numpy(), atol=1e-12)

    ours.eval()
    theirs.eval()
    test = rng.normal(size=(2, 3))
    assert np.allclose(
        [[o.data for o in row] for row in ours(test.tolist())],
        theirs(torch.tensor(test)).detach().numpy(),
        rtol=0,
        atol=1e-12,
    )


# --- in a network, trained by fit() ----------------------------------------------------------


class BatchNormNet(nn.Module):
    """Layer (no activation) -> BatchNorm -> tanh -> Layer: a module that works on batches."""

    def __init__(self, nin: int, hidden: int) -> None:
        self.hidden = nn.Layer(nin, hidden, activation="linear", seed=0)
        self.norm = nn.BatchNorm(hidden)
        self.out = nn.Layer(hidden, 1, activation="linear", seed=1)
        self.tag_parameters()

    def submodules(self):
        return [("hidden", self.hidden), ("norm", self.norm), ("out", self.out)]

    def forward_batch(self, rows):
        z = self.norm([self.hidden(x) for x in rows])
        return [self.out([v.tanh() for v in row])[0] for row in z]


def test_a_network_with_batchnorm_trains_in_fit_and_gets_its_best_buffers_back():
    X, y = nn.make_moons(32, noise=0.1, seed=0)
    net, seen = BatchNormNet(2, 6), []
    history = nn.fit(
        net,
        nn.hinge,
        nn.SGD(net.parameters(), lr=0.1, momentum=0.9),
        X,
        2 * y - 1,
        epochs=10,
        batch_size=8,
        forward=net.forward_batch,
        seed=0,
        validation=(X, 2 * y - 1),
        metrics={"accuracy": nn.accuracy},
        callbacks=[lambda state: seen.append(state.model.state_dict())],
    )
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.7  # evaluated in eval mode, on running statistics
    assert history.best_epoch == 9  # epoch 10 was worse: its weights and buffers are undone
    assert net.state_dict() == seen[8] != seen[9]  # buffers restored as well


def test_drop_last_lets_batchnorm_train_when_the_last_batch_would_hold_one_example():
    X, y = nn.make_moons(25, noise=0.1, seed=0)  # batches of 12, 12 and 1
    net = BatchNormNet(2, 4)

    def train(**options):
        return nn.fit(net, nn.hinge, nn.SGD(net.parameters(), lr=0.1), X, 2 * y - 1, epochs=2,
                      batch_size=12, forward=net.forward_batch, seed=0, **options)

    with pytest.raises(ValueError, match="drop_last=True"):
        train()
    history = train(drop_last=True)
    assert history.epochs == 2


def test_batches_drop_last_leaves_out_only_a_smaller_last_batch():
    X, y = np.arange(10).reshape(5, 2), np.arange(5)
    assert [len(b) for b, _ in nn.batches(X, y, 2, shuffle=False, drop_last=True)] == [2, 2]
    assert [len(b) for b, _ in nn.batches(X, y, 5, shuffle=False, drop_last=True)] == [5]
    with pytest.raises(TypeError, match="drop_last"):
        list(nn.batches(X, y, 2, drop_last="yes"))

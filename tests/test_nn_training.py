"""Dropout, the seeded data sets, and a short seeded training run whose loss falls."""

import math

import numpy as np
import pytest

import nn
from autograd import Value
from nn import MLP, SGD, Adam, Dropout

# --- dropout ---------------------------------------------------------------------------------


def test_dropout_in_eval_mode_returns_its_inputs_unchanged():
    x = [Value(float(i)) for i in range(10)]
    drop = Dropout(0.5, seed=0)
    drop.eval()
    assert all(out is xi for out, xi in zip(drop(x), x))


def test_dropout_in_training_zeroes_some_and_scales_the_rest_by_one_over_keep():
    x = [Value(1.0) for _ in range(1000)]
    out = Dropout(0.25, seed=0)(x)
    kept = [v.data for v in out if v.data != 0]
    assert set(kept) == {1 / 0.75}
    assert len(kept) / len(x) == pytest.approx(0.75, abs=0.04)


def test_dropout_keeps_the_mean_on_average():
    x = [Value(2.0) for _ in range(4000)]
    out = Dropout(0.5, seed=1)(x)
    assert sum(v.data for v in out) / len(out) == pytest.approx(2.0, rel=0.05)


def test_dropped_inputs_stay_in_the_graph_with_zero_gradient():
    x = [Value(1.0) for _ in range(50)]
    out = Dropout(0.5, seed=0)(x)
    sum(out).backward()
    # d out_i / d x_i is the mask times the scale: 0 or 2
    assert {xi.grad for xi in x} == {0.0, 2.0}
    assert all((xi.grad == 0.0) == (o.data == 0.0) for xi, o in zip(x, out))


def test_dropout_with_the_same_seed_drops_the_same_positions():
    x = [Value(1.0) for _ in range(100)]
    first = [v.data for v in Dropout(0.5, seed=3)(x)]
    second = [v.data for v in Dropout(0.5, seed=3)(x)]
    assert first == second
    assert first != [v.data for v in Dropout(0.5, seed=4)(x)]


def test_dropout_draws_a_new_mask_on_every_call():
    drop = Dropout(0.5, seed=0)
    x = [Value(1.0) for _ in range(100)]
    assert [v.data for v in drop(x)] != [v.data for v in drop(x)]


def test_dropout_zero_and_one_are_the_identity_and_all_zeros():
    x = [Value(3.0), Value(-1.0)]
    assert [v.data for v in Dropout(0.0)(x)] == [3.0, -1.0]
    assert [v.data for v in Dropout(1.0)(x)] == [0.0, 0.0]


@pytest.mark.parametrize(
    "p, error", [(-0.1, ValueError), (1.5, ValueError), (math.nan, ValueError), ("0.5", TypeError)]
)
def test_dropout_probability_is_checked(p, error):
    with pytest.raises(error, match="dropout probability p"):
        Dropout(p)


def test_dropout_takes_a_list():
    with pytest.raises(TypeError, match="takes a list of Values, got Value"):
        Dropout(0.5)(Value(1.0))
    with pytest.raises(TypeError, match="input 1 must be a Value or a number"):
        Dropout(0.5)([Value(1.0), "x"])


# --- data sets -------------------------------------------------------------------------------

MAKERS = [nn.make_moons, nn.make_circles, nn.make_xor, nn.make_blobs]


@pytest.mark.parametrize("make", MAKERS)
def test_data_sets_have_the_documented_shapes_and_types(make):
    X, y = make(51, seed=0)
    assert X.shape == (51, 2) and X.dtype == np.float64
    assert y.shape == (51,) and y.dtype == np.int64
    assert set(y.tolist()) >= {0, 1}


@pytest.mark.parametrize("make", MAKERS)
def test_the_same_seed_gives_the_same_data(make):
    X1, y1 = make(30, seed=7)
    X2, y2 = make(30, seed=7)
    X3, _ = make(30, seed=8)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = nn.make_moons(40, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert len(upper) == len(lower) == 20
    # upper arc: radius 1 around (0, 0), y >= 0; lower arc: radius 1 around (1, 0.5), y <= 0.5
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0) and (upper[:, 1] >= 0).all()
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()


def test_xor_labels_are_one_where_the_signs_differ():
    X, y = nn.make_xor(200, seed=0)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))


def test_circles_without_noise_have_radius_one_and_factor():
    X, y = nn.make_circles(20, noise=0.0, factor=0.3, seed=0)
    radii = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radii[y == 0], 1.0) and np.allclose(radii[y == 1], 0.3)


def test_blobs_have_one_label_per_center():
    _, y = nn.make_blobs(90, centers=3, seed=0)
    assert np.bincount(y).tolist() == [30, 30, 30]


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: nn.make_moons(1), ValueError),
        (lambda: nn.make_moons(10.0), TypeError),
        (lambda: nn.make_moons(10, noise=-0.1), ValueError),
        (lambda: nn.make_moons(10, seed="a"), TypeError),
        (lambda: nn.make_circles(10, factor=1.5), ValueError),
        (lambda: nn.make_blobs(10, centers=0), ValueError),
    ],
)
def test_bad_data_arguments_raise(call, error):
    with pytest.raises(error):
        call()


# --- training --------------------------------------------------------------------------------


def test_a_seeded_training_run_lowers_the_loss_the_same_way_every_time():
    def train() -> list[float]:
        X, y = nn.make_moons(30, noise=0.1, seed=0)
        points, labels = X.tolist(), [2 * int(t) - 1 for t in y]
        model = MLP(2, [8, 8, 1], seed=0)
        optimizer = SGD(model.parameters(), lr=0.5, momentum=0.5)
        losses = []
        for _ in range(15):
            loss = nn.hinge([model(p) for p in points], labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.data)
        return losses

    losses = train()
    assert losses[-1] < 0.5 * losses[0]
    assert train() == losses  # seeded: bit-for-bit the same run


def test_a_model_learns_xor_with_adam_and_cross_entropy():
    X, y = nn.make_xor(40, seed=1)
    model = MLP(2, [8, 2], activation="tanh", seed=1)
    optimizer = Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        loss = nn.cross_entropy([model(x) for x in X.tolist()], y.tolist())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    predictions = [int(a.data < b.data) for a, b in (model(x) for x in X.tolist())]
    assert np.mean(np.array(predictions) == y) >= 0.9

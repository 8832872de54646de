"""The data toolkit: spirals, the sine curve, train/test split, mini-batches and the digits."""

import math
import sys

import numpy as np
import pytest

import nn
from tests.conftest import require_module

# --- spirals and the sine curve --------------------------------------------------------------


def test_spirals_have_the_documented_shapes_types_and_classes():
    X, y = nn.make_spirals(61, classes=3, seed=0)
    assert X.shape == (61, 2) and X.dtype == np.float64
    assert y.shape == (61,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [21, 20, 20]  # as even a split as 61 allows


def test_spirals_without_noise_wind_out_from_radius_0_1_to_1():
    X, y = nn.make_spirals(40, classes=2, turns=1.0, noise=0.0, seed=0)
    for k in (0, 1):
        radii = np.sort(np.hypot(*X[y == k].T))
        assert radii[0] == pytest.approx(0.1) and radii[-1] == pytest.approx(1.0)
    # arm k at radius r has angle 2 pi (turns * r + k / classes): arm 1 is arm 0 turned by pi
    arm0, arm1 = X[y == 0], X[y == 1]
    r0, r1 = np.hypot(*arm0.T), np.hypot(*arm1.T)
    assert np.allclose(arm0[np.argsort(r0)], -arm1[np.argsort(r1)])


def test_the_same_seed_gives_the_same_spirals_and_sine():
    assert np.array_equal(nn.make_spirals(30, seed=4)[0], nn.make_spirals(30, seed=4)[0])
    assert not np.array_equal(nn.make_spirals(30, seed=4)[0], nn.make_spirals(30, seed=5)[0])
    X1, y1 = nn.make_sine(30, seed=4)
    X2, y2 = nn.make_sine(30, seed=4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)


def test_sine_has_one_sorted_input_per_example_and_float_targets():
    X, y = nn.make_sine(25, noise=0.0, seed=1)
    assert X.shape == (25, 1) and y.shape == (25,) and y.dtype == np.float64
    assert np.all(np.diff(X[:, 0]) >= 0)
    assert X.min() >= -math.pi and X.max() <= math.pi
    assert np.allclose(y, np.sin(X[:, 0]))  # no noise: exactly the curve


def test_sine_noise_has_the_requested_size():
    X, y = nn.make_sine(4000, noise=0.2, seed=0)
    assert np.std(y - np.sin(X[:, 0])) == pytest.approx(0.2, rel=0.05)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: nn.make_spirals(10, classes=1), ValueError, "classes"),
        (lambda: nn.make_spirals(10, turns=0), ValueError, "turns"),
        (lambda: nn.make_spirals(10, noise=-1), ValueError, "noise"),
        (lambda: nn.make_sine(1), ValueError, "at least 2"),
        (lambda: nn.make_sine(10, noise="a"), TypeError, "noise"),
    ],
)
def test_bad_generator_arguments_raise_naming_them(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- train_test_split ------------------------------------------------------------------------


def test_split_keeps_every_example_exactly_once_with_its_target():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, test_size=0.3, seed=0)
    assert len(X_test) == len(y_test) == 3 and len(X_train) == len(y_train) == 7
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(10))
    for Xs, ys in ((X_train, y_train), (X_test, y_test)):
        assert np.array_equal(Xs[:, 0], 2.0 * ys)  # rows moved together with their targets


def test_split_is_seeded_and_shuffles():
    y = np.arange(50)
    first = nn.train_test_split(y, y, seed=3)[3]
    assert np.array_equal(first, nn.train_test_split(y, y, seed=3)[3])
    assert not np.array_equal(first, np.sort(first))


def test_split_leaves_at_least_one_example_on_each_side():
    X_train, X_test, _, _ = nn.train_test_split([[1.0], [2.0]], [0, 1], test_size=0.01)
    assert len(X_train) == len(X_test) == 1


def test_split_takes_lists_too():
    X_train, X_test, y_train, y_test = nn.train_test_split(
        [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1], seed=0
    )
    assert isinstance(X_train, np.ndarray) and X_train.shape == (3, 1)


@pytest.mark.parametrize(
    "args, message",
    [
        (([[1.0], [2.0]], [0]), "2 inputs X but 1 targets y"),
        (([[1.0], [2.0]], [0, 1], 1.5), "test_size"),
        (([[1.0], [2.0]], [0, 1], 0), "test_size"),
        (([[1.0]], [0]), "at least 2"),
    ],
)
def test_split_rejects_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        nn.train_test_split(*args)


# --- batches ---------------------------------------------------------------------------------


def test_batches_deal_every_example_once_in_batches_of_the_given_size():
    X = np.arange(10.0)[:, None]
    y = np.arange(10)
    dealt = list(nn.batches(X, y, batch_size=4, seed=0))
    assert [len(yb) for _, yb in dealt] == [4, 4, 2]
    assert sorted(np.concatenate([yb for _, yb in dealt]).tolist()) == list(range(10))
    assert all(np.array_equal(Xb[:, 0], yb) for Xb, yb in dealt)


def test_batches_without_shuffle_keep_the_order():
    y = np.arange(7)
    dealt = [yb.tolist() for _, yb in nn.batches(y, y, 3, shuffle=False)]
    assert dealt == [[0, 1, 2], [3, 4, 5], [6]]


def test_batches_from_one_generator_deal_a_new_order_each_epoch():
    y = np.arange(30)
    rng = np.random.default_rng(0)
    first = np.concatenate([yb for _, yb in nn.batches(y, y, 10, rng=rng)])
    second = np.concatenate([yb for _, yb in nn.batches(y, y, 10, rng=rng)])
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("size, error", [(0, ValueError), (2.0, TypeError), (True, TypeError)])
def test_batches_check_the_batch_size(size, error):
    with pytest.raises(error, match="batch_size"):
        list(nn.batches([1, 2], [1, 2], size))


# --- the digits ------------------------------------------------------------------------------


def test_load_digits_says_which_extra_to_install_without_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` fail
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"scikit-learn.*chainrule\[digits\]"):
        nn.load_digits()


def test_load_digits_gives_1797_images_of_64_pixels_in_0_1():
    require_module("sklearn", "pip install 'chainrule[digits]'")
    X, y = nn.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    assert y.dtype == np.int64 and sorted(set(y.tolist())) == list(range(10))

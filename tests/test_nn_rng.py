"""Reproducible by default: without a seed, nn draws from its default generator, which starts
from nn.DEFAULT_SEED in every new process, so the same program gives the same numbers on every
run; nn.manual_seed(n) starts it again from n."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nn

ROOT = Path(__file__).resolve().parent.parent

# A program that draws everything nn draws without being given a seed: weights, a data set,
# the shuffled batches of fit and the masks of dropout.
UNSEEDED_PROGRAM = """
import nn
X, y = nn.make_moons(20)
model = nn.MLP(2, [4, 1])
history = nn.fit(model, nn.hinge, nn.SGD(model.parameters(), lr=0.1), X, 2 * y - 1,
                 epochs=2, batch_size=7)
mask = nn.Dropout(0.5)([1.0] * 8)
print(repr([X.sum(), *model.state_dict().values(), *history["loss"], *mask]))
"""


def run(program: str) -> str:
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    return done.stdout


def test_the_same_unseeded_program_gives_the_same_numbers_in_every_new_process():
    assert run(UNSEEDED_PROGRAM) == run(UNSEEDED_PROGRAM)


def test_an_unseeded_model_in_a_new_process_starts_from_the_default_seed():
    program = "import nn; print(repr(list(nn.MLP(2, [3, 1]).state_dict().values())))"
    expected = nn.MLP(2, [3, 1], rng=np.random.default_rng(nn.DEFAULT_SEED)).state_dict()
    assert run(program).strip() == repr(list(expected.values()))


def test_manual_seed_repeats_the_draws_that_follow():
    nn.manual_seed(5)
    first = [nn.MLP(2, [3, 1]).state_dict() for _ in range(2)]
    nn.manual_seed(5)
    assert [nn.MLP(2, [3, 1]).state_dict() for _ in range(2)] == first


def test_after_manual_seed_n_an_unseeded_model_is_the_one_seed_n_gives():
    nn.manual_seed(5)
    assert nn.MLP(2, [3, 1]).state_dict() == nn.MLP(2, [3, 1], seed=5).state_dict()


def test_unseeded_models_made_one_after_another_differ():
    assert nn.MLP(2, [3, 1]).state_dict() != nn.MLP(2, [3, 1]).state_dict()


def test_dropout_made_before_manual_seed_follows_the_new_seed():
    dropout = nn.Dropout(0.5)  # holds the default generator itself
    nn.manual_seed(9)
    first = dropout([1.0] * 16)  # each 0.0 or 2.0
    nn.manual_seed(9)
    assert dropout([1.0] * 16) == first


@pytest.mark.parametrize(
    "seed, error, message",
    [(-1, ValueError, "seed must be 0 or more, got -1"), (1.5, TypeError, "seed must be an int"),
     (True, TypeError, "seed must be an int, got bool"), ("3", TypeError, "got str: '3'")],
)
def test_manual_seed_refuses_what_is_not_a_seed(seed, error, message):
    with pytest.raises(error, match=message):
        nn.manual_seed(seed)

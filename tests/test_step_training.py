"""A whole training iteration of a tiny MLP, stepped: forward, loss, backward, update, zero grad.

The walkthrough really trains, so it is checked against the same iteration run by hand on an
identical model: the same gradients, the same new parameters, and zero gradients at the end.
"""

import pytest

import nn
from autograd.stepper import training_walkthrough


def tiny(seed=0, optimizer=nn.SGD, **settings):
    model = nn.MLP(2, [2, 1], activation="tanh", seed=seed)
    loss = nn.mse(model([1.0, -2.0]), 0.5)
    loss.label = "loss"
    return model, optimizer(model.parameters(), **settings), loss


def by_hand(optimizer=nn.SGD, **settings):
    """The same iteration without the stepper: (gradients, new parameter values)."""
    model, opt, loss = tiny(optimizer=optimizer, **settings)
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    opt.step()
    return grads, [p.data for p in model.parameters()]


def test_the_steps_run_forward_backward_update_then_zero_grad():
    model, opt, loss = tiny(lr=0.1)
    walk = training_walkthrough(loss, opt)
    kinds = [s.kind for s in walk]
    assert kinds[0] == "start" and kinds[-1] == "done"
    order = [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]]
    assert order == ["start", "forward", "seed", "backward", "update", "zero_grad", "done"]
    assert kinds.count("update") == len(model.parameters()) == 9


def test_updates_are_the_optimizers_own_numbers():
    model, opt, loss = tiny(lr=0.1)
    walk = training_walkthrough(loss, opt)
    grads, new_values = by_hand(lr=0.1)
    assert [p.data for p in model.parameters()] == new_values
    updates = [s for s in walk if s.kind == "update"]
    assert [s.values[0][1] for s in updates] == new_values
    before_update = walk.state(updates[0].index - 1).grads
    ids = [walk.graph.find(p).id for p in model.parameters()]
    assert [before_update[i] for i in ids] == pytest.approx(grads, rel=1e-12)


def test_sgd_updates_are_written_out_with_their_numbers():
    _, opt, loss = tiny(lr=0.1)
    walk = training_walkthrough(loss, opt)
    step = walk[walk.find("L1.N0.b", kind="update")]
    # b starts at 0; its gradient is ∂loss/∂b = 2 * (prediction - 0.5), about -1.061
    assert step.lines[0] == ("L1.N0.b -= lr * L1.N0.b.grad: "
                             "0.0 - 0.1 * (-1.061) = 0.1061")
    assert step.question == "L1.N0.b after the update = ?"


def test_other_optimizers_show_before_and_after():
    model, opt, loss = tiny(optimizer=nn.Adam, lr=0.01)
    walk = training_walkthrough(loss, opt)
    _, new_values = by_hand(optimizer=nn.Adam, lr=0.01)
    updates = [s for s in walk if s.kind == "update"]
    assert [s.values[0][1] for s in updates] == new_values
    assert "Adam(9 parameters" in updates[0].lines[1] and updates[0].answer is None


def test_gradients_end_at_zero_in_the_model_and_on_screen():
    model, opt, loss = tiny(lr=0.1)
    walk = training_walkthrough(loss, opt)
    assert all(p.grad == 0.0 for p in model.parameters())
    final = walk.state(len(walk) - 1).grads
    assert all(final[walk.graph.find(p).id] == 0.0 for p in model.parameters())


def test_stale_gradients_are_refused():
    model, opt, loss = tiny(lr=0.1)
    model.parameters()[0].grad = 0.5
    with pytest.raises(ValueError, match="call optimizer.zero_grad"):
        training_walkthrough(loss, opt)


def test_something_that_is_not_an_optimizer_is_refused():
    _, _, loss = tiny(lr=0.1)
    with pytest.raises(TypeError, match="needs an optimizer with params"):
        training_walkthrough(loss, object())

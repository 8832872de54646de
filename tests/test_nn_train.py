"""fit(): history, validation, early stopping that restores the best weights, checkpoints,
Ctrl-C, callbacks, divergence, clipping, schedules and argument checks; evaluate and predict.
"""

import io
import math
import os
import signal
import sys

import numpy as np
import pytest

import nn
from autograd import Value
from tests.conftest import require_module

# The smallest run whose validation loss first falls, then rises: a line y = w * x + b,
# starting at 0, is trained towards y = 2x while the validation set follows y = x. On the way
# from w = 0 to w = 2 the validation loss is lowest near w = 1, then grows again.
X_TRAIN, Y_TRAIN = [[1.0], [2.0]], [2.0, 4.0]
X_VAL, Y_VAL = [[1.0], [2.0]], [1.0, 2.0]


def line() -> nn.Neuron:
    model = nn.Neuron(1, activation="linear", seed=0)
    model.load_state_dict({"w.0": 0.0, "b": 0.0})
    return model


def snapshots(into: list):
    """A callback that keeps the weights after every epoch (into[epoch - 1])."""
    return lambda state: into.append(state.model.state_dict())


def fit_line(**options) -> tuple[nn.Neuron, nn.History, list]:
    model, seen = line(), []
    callbacks = [snapshots(seen), *options.pop("callbacks", [])]
    history = nn.fit(
        model,
        nn.mse,
        nn.SGD(model.parameters(), lr=0.02),
        X_TRAIN,
        Y_TRAIN,
        validation=(X_VAL, Y_VAL),
        callbacks=callbacks,
        **options,
    )
    return model, history, seen


# --- history ---------------------------------------------------------------------------------


def test_fit_records_one_number_per_epoch_for_loss_metrics_validation_and_lr():
    X, y = nn.make_xor(24, seed=0)
    model = nn.MLP(2, [6, 2], activation="tanh", seed=0)
    history = nn.fit(
        model,
        nn.cross_entropy,
        nn.Adam(model.parameters(), lr=0.05),
        X,
        y,
        epochs=5,
        batch_size=8,
        validation=(X[:8], y[:8]),
        metrics={"accuracy": nn.accuracy},
        seed=0,
    )
    assert list(history.metrics) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert all(len(values) == 5 for values in history.metrics.values())
    assert history.epochs == 5 and history.stop_reason == "finished"
    assert history["lr"] == [0.05] * 5
    assert all(0 <= a <= 1 for a in history["accuracy"] + history["val_accuracy"])


def test_a_seeded_fit_with_mini_batches_is_repeatable_and_lowers_the_loss():
    def run() -> list[float]:
        X, y = nn.make_moons(40, noise=0.1, seed=0)
        model = nn.MLP(2, [8, 1], seed=0)
        optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return nn.fit(model, nn.hinge, optimizer, X, 2 * y - 1, epochs=8, batch_size=10, seed=1)[
            "loss"
        ]

    losses = run()
    assert losses[-1] < 0.6 * losses[0]
    assert run() == losses  # same seeds: bit for bit the same run


def test_the_recorded_loss_leaves_the_penalty_out_but_training_feels_it():
    def train(alpha: float) -> tuple[nn.Neuron, nn.History, list]:
        model, seen = line(), []
        penalty = lambda: nn.l2_penalty(model.parameters(), alpha)  # noqa: E731
        history = nn.fit(
            model,
            nn.mse,
            nn.SGD(model.parameters(), lr=0.02),
            X_TRAIN,
            Y_TRAIN,
            epochs=3,
            penalty=penalty,
            restore_best=False,
            callbacks=[snapshots(seen)],
        )
        return model, history, seen

    plain, plain_history, _ = train(0.0)
    decayed, decayed_history, seen = train(1.0)
    # at w = b = 0 the mse is (2 ** 2 + 4 ** 2) / 2 = 10 and the penalty is 0 either way
    assert plain_history["loss"][0] == decayed_history["loss"][0] == 10.0
    assert abs(decayed.w[0].data) < abs(plain.w[0].data)  # weight decay held w back
    # one step per epoch: epoch 3's loss is the bare mse of the weights after epoch 2
    w, b = seen[1]["w.0"], seen[1]["b"]
    expected = ((w * 1 + b - 2) ** 2 + (w * 2 + b - 4) ** 2) / 2
    assert decayed_history["loss"][2] == pytest.approx(expected, rel=1e-12)


def test_history_lookup_names_what_it_has():
    history = nn.History(metrics={"loss": [1.0]})
    with pytest.raises(KeyError, match="has no 'accuracy'; it has loss"):
        history["accuracy"]


# --- best weights and early stopping ---------------------------------------------------------


def test_early_stopping_stops_after_patience_epochs_without_a_better_val_loss():
    _, history, _ = fit_line(epochs=50, patience=3)
    assert history.stop_reason == "early stopping"
    assert history.epochs == history.best_epoch + 3
    val = history["val_loss"]
    assert history.best == min(val) == val[history.best_epoch - 1]
    assert all(v > history.best for v in val[history.best_epoch :])


def test_early_stopping_restores_the_weights_of_the_best_epoch():
    model, history, seen = fit_line(epochs=50, patience=3)
    assert model.state_dict() == seen[history.best_epoch - 1]
    assert model.state_dict() != seen[-1]  # training went on past the best, then went back


def test_restore_best_false_keeps_the_last_weights():
    model, history, seen = fit_line(epochs=50, patience=3, restore_best=False)
    assert model.state_dict() == seen[-1] != seen[history.best_epoch - 1]


def test_without_patience_fit_runs_every_epoch_and_still_ends_with_the_best_weights():
    model, history, seen = fit_line(epochs=12)
    assert history.epochs == 12 and history.stop_reason == "finished"
    assert history.best_epoch < 12
    assert model.state_dict() == seen[history.best_epoch - 1]


def test_a_higher_is_better_metric_can_be_monitored():
    X, y = nn.make_xor(20, seed=2)
    model = nn.MLP(2, [4, 2], activation="tanh", seed=0)
    history = nn.fit(
        model,
        nn.cross_entropy,
        nn.Adam(model.parameters(), lr=0.05),
        X,
        y,
        epochs=6,
        validation=(X, y),
        metrics={"accuracy": nn.accuracy},
        monitor="val_accuracy",
    )
    assert history.monitor == "val_accuracy"
    assert history.best == max(history["val_accuracy"])
    assert history["val_accuracy"].index(history.best) == history.best_epoch - 1  # first best


def test_without_validation_the_training_loss_is_monitored():
    model = line()
    history = nn.fit(model, nn.mse, nn.SGD(model.parameters(), lr=0.02), X_TRAIN, Y_TRAIN, epochs=4)
    assert history.monitor == "loss" and history.best == min(history["loss"])


def test_with_one_step_per_epoch_the_training_loss_keeps_the_weights_that_earned_it(tmp_path):
    # A whole-batch epoch measures its loss in the forward pass, before its step: epoch 1's
    # loss is that of the starting weights w = b = 0, mean(2**2, 4**2) = 10. lr 0.5 diverges,
    # so epoch 1 stays the best and the weights to keep are those zeros, not the first step.
    model, path = line(), tmp_path / "best.json"
    optimizer = nn.SGD(model.parameters(), lr=0.5)
    history = nn.fit(model, nn.mse, optimizer, X_TRAIN, Y_TRAIN, epochs=4, checkpoint=path)
    assert history.best_epoch == 1 and history.best == 10.0
    assert model.state_dict() == {"w.0": 0.0, "b": 0.0}
    assert nn.evaluate(model, nn.mse, X_TRAIN, Y_TRAIN)["loss"] == history.best
    saved = nn.Neuron(1, activation="linear")
    saved.load(path)
    assert saved.state_dict() == model.state_dict()


def test_checkpoint_holds_the_best_model(tmp_path):
    path = tmp_path / "best.json"
    model, history, seen = fit_line(epochs=20, checkpoint=path)
    saved = line()
    saved.load(path)
    assert saved.state_dict() == seen[history.best_epoch - 1] == model.state_dict()


@pytest.fixture
def steps(monkeypatch) -> list:
    """A list that gets an entry at every optimizer step (the step itself does nothing)."""
    taken = []
    monkeypatch.setattr(nn.SGD, "step", lambda self: taken.append(1))
    return taken


def fit_with_checkpoint(checkpoint) -> None:
    model = line()
    optimizer = nn.SGD(model.parameters(), lr=0.02)
    nn.fit(model, nn.mse, optimizer, X_TRAIN, Y_TRAIN, epochs=2, checkpoint=checkpoint)


@pytest.mark.parametrize(
    "where, error, message",
    [
        ("missing/best.json", FileNotFoundError, r"the folder '.*missing' does not exist"),
        ("", IsADirectoryError, "is a folder; give the path of a file in it, e.g. '.*best.json'"),
    ],
)
def test_a_checkpoint_that_cannot_be_written_is_refused_before_the_first_epoch(
    tmp_path, steps, where, error, message
):
    with pytest.raises(error, match=message):
        fit_with_checkpoint(tmp_path / where)
    assert steps == []


def test_a_checkpoint_in_a_read_only_folder_is_refused_before_the_first_epoch(
    tmp_path, monkeypatch, steps
):
    # a stand-in for a read-only folder: the tests may run as root, who may write anywhere
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(PermissionError, match=r"the folder '.*' is not writable"):
        fit_with_checkpoint(tmp_path / "best.json")
    assert steps == []


def test_a_checkpoint_must_be_a_path(steps):
    with pytest.raises(TypeError, match="fit checkpoint must be a file path, got int: 3"):
        fit_with_checkpoint(3)
    assert steps == []


# --- interrupting ----------------------------------------------------------------------------


def interrupt_at(epoch: int):
    def callback(state: nn.TrainingState) -> None:
        if state.epoch == epoch:
            raise KeyboardInterrupt

    return callback


def test_ctrl_c_keeps_the_history_so_far_and_the_best_model():
    model, history, seen = fit_line(epochs=50, callbacks=[interrupt_at(6)])
    assert history.interrupted and history.stop_reason == "interrupted"
    assert history.epochs == 6 and len(history["val_loss"]) == 6
    assert history.best_epoch < 6  # the validation loss had started to rise
    assert model.state_dict() == seen[history.best_epoch - 1]


def test_ctrl_c_in_the_middle_of_an_epoch_keeps_the_finished_epochs():
    calls = []

    def loss_fn(outputs, targets):
        calls.append(1)
        if len(calls) == 5:  # the 5th batch: epoch 3 (2 batches per epoch), first batch
            raise KeyboardInterrupt
        return nn.mse(outputs, targets)

    model = line()
    history = nn.fit(
        model,
        loss_fn,
        nn.SGD(model.parameters(), lr=0.02),
        X_TRAIN,
        Y_TRAIN,
        epochs=10,
        batch_size=1,
    )
    assert history.interrupted and history.epochs == 2


def test_a_real_sigint_is_handled_like_ctrl_c():
    def press_ctrl_c(state: nn.TrainingState) -> None:
        if state.epoch == 6:
            os.kill(os.getpid(), signal.SIGINT)  # Python raises KeyboardInterrupt soon after

    # A process started in the background may inherit SIGINT as ignored; Ctrl-C in a terminal
    # reaches Python's own handler, which raises KeyboardInterrupt: install that one here.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        model, history, seen = fit_line(epochs=50, callbacks=[press_ctrl_c])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert history.interrupted and 6 <= history.epochs <= 7
    assert model.state_dict() == seen[history.best_epoch - 1]


def test_fit_puts_the_model_back_in_the_mode_it_found_it():
    model = line().eval()
    nn.fit(
        model,
        nn.mse,
        nn.SGD(model.parameters(), lr=0.02),
        X_TRAIN,
        Y_TRAIN,
        epochs=1,
        callbacks=[interrupt_at(1)],
    )
    assert model.training is False


# --- callbacks, divergence, clipping, schedules ----------------------------------------------


def test_a_callback_can_stop_training():
    def stop_at_3(state: nn.TrainingState) -> None:
        state.stop = state.epoch == 3

    _, history, _ = fit_line(epochs=10, callbacks=[stop_at_3])
    assert history.epochs == 3 and history.stop_reason == "stopped by a callback"


def test_a_loss_that_turns_infinite_stops_training_without_stepping():
    model = line()
    optimizer = nn.SGD(model.parameters(), lr=1e300)  # the first step flings w to about -1e301
    history = nn.fit(model, nn.mse, optimizer, X_TRAIN, Y_TRAIN, epochs=10, restore_best=False)
    assert history.stop_reason == "loss is not finite"
    assert history.epochs == 2 and math.isinf(history["loss"][-1])
    assert math.isfinite(model.w[0].data)  # no step was taken along the infinite gradient


def test_clip_norm_caps_each_step():
    # y = 1000 x: the first gradient of w is huge; clipped to norm 1, SGD moves w at most lr
    model = line()
    nn.fit(
        model,
        nn.mse,
        nn.SGD(model.parameters(), lr=0.1),
        [[1.0]],
        [1000.0],
        epochs=3,
        clip_norm=1.0,
        restore_best=False,
    )
    assert 0 < model.w[0].data <= 0.3 + 1e-12


def test_gradient_norms_are_recorded_per_step_before_clipping():
    X, y = nn.make_moons(12, seed=0)
    model = nn.MLP(2, [4, 4, 1], seed=0)
    history = nn.fit(
        model,
        nn.hinge,
        nn.SGD(model.parameters(), lr=0.1),
        X,
        2 * y - 1,
        epochs=2,
        batch_size=4,
        record_grad_norms=True,
        clip_norm=1e-9,
    )
    assert len(history.grad_norms) == 6  # 3 steps per epoch
    assert list(history.grad_norms[0]) == ["layers.0", "layers.1", "layers.2"]
    assert max(history.grad_norms[0].values()) > 1e-9  # measured before clipping


def test_the_scheduler_steps_once_per_epoch_and_the_history_shows_each_epochs_lr():
    model = line()
    optimizer = nn.SGD(model.parameters(), lr=0.02)
    history = nn.fit(
        model,
        nn.mse,
        optimizer,
        X_TRAIN,
        Y_TRAIN,
        epochs=3,
        scheduler=nn.StepLR(optimizer, step_size=1, gamma=0.5),
    )
    assert history["lr"] == [0.02, 0.01, 0.005]


# --- evaluate, predict, forward --------------------------------------------------------------


def test_predict_runs_in_eval_mode_without_recording_a_graph():
    model = nn.MLP(2, [3, 1], seed=0)
    outputs = nn.predict(model, [[1.0, 2.0], [0.5, -1.0]])
    assert len(outputs) == 2 and all(o.inputs == () for o in outputs)
    assert outputs[0].data == model([1.0, 2.0]).data
    assert model.training is True


def test_evaluate_measures_loss_and_metrics():
    model = line()
    model.load_state_dict({"w.0": 1.0, "b": 0.0})
    numbers = nn.evaluate(model, nn.mse, X_TRAIN, Y_TRAIN, metrics={"double": lambda o, t: 2.0})
    assert numbers == {"loss": (1.0 + 4.0) / 2, "double": 2.0}  # errors 1 and 2


def test_fit_uses_the_given_forward_for_whole_batches():
    batch_sizes = []
    model = line()

    def forward(inputs):
        batch_sizes.append(len(inputs))
        return [model(x) for x in inputs]

    nn.fit(
        model,
        nn.mse,
        nn.SGD(model.parameters(), lr=0.02),
        [[1.0]] * 5,
        [1.0] * 5,
        epochs=1,
        batch_size=2,
        forward=forward,
    )
    assert batch_sizes == [2, 2, 1]


def test_fit_steps_with_the_collector_resting_and_frees_each_graph_inside():
    import gc
    import weakref

    model, collector_on, graphs = line(), [], []

    def forward(inputs):
        collector_on.append(gc.isenabled())
        outputs = [model(x) for x in inputs]
        graphs.append(weakref.ref(outputs[0]))
        return outputs

    def check_graph_freed(state):  # runs after the step, with the collector back
        assert gc.isenabled() and graphs[-1]() is None

    nn.fit(model, nn.mse, nn.SGD(model.parameters(), lr=0.02), X_TRAIN, Y_TRAIN, epochs=2,
           batch_size=1, forward=forward, callbacks=[check_graph_freed])
    assert collector_on == [False] * 4 and gc.isenabled()
    assert [graph() for graph in graphs] == [None] * 4


# --- progress --------------------------------------------------------------------------------


def test_progress_without_tqdm_writes_one_line_per_epoch_to_the_stream(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    stream = io.StringIO()
    model = line()
    nn.fit(
        model,
        nn.mse,
        nn.SGD(model.parameters(), lr=0.02),
        X_TRAIN,
        Y_TRAIN,
        epochs=3,
        progress=stream,
    )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("epoch 1/3  loss 10  lr 0.02")  # mse at w = b = 0: 10


def test_progress_with_tqdm_draws_a_bar_on_a_terminal_stream():
    require_module("tqdm", "pip install 'chainrule[progress]'")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    model = line()
    nn.fit(
        model,
        nn.mse,
        nn.SGD(model.parameters(), lr=0.02),
        X_TRAIN,
        Y_TRAIN,
        epochs=2,
        batch_size=1,
        progress=stream,
    )
    text = stream.getvalue()
    assert "4/4" in text and "epoch 2/2" in text and "loss" in text


def test_fit_writes_nothing_unless_asked(capsys):
    model = line()
    nn.fit(model, nn.mse, nn.SGD(model.parameters(), lr=0.02), X_TRAIN, Y_TRAIN, epochs=2)
    assert capsys.readouterr() == ("", "")


# --- arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"epochs": 0}, ValueError, "epochs must be at least 1"),
        ({"epochs": 2.5}, TypeError, "epochs must be an int"),
        ({"batch_size": 0}, ValueError, "batch_size must be at least 1"),
        ({"patience": 0}, ValueError, "patience"),
        ({"monitor": "val_loss"}, ValueError, "cannot monitor 'val_loss'; it records loss"),
        ({"monitor": "accuracy"}, ValueError, "cannot monitor 'accuracy'"),
        ({"progress": "yes"}, TypeError, "progress"),
        ({"clip_norm": "1"}, TypeError, "clip_norm"),
    ],
)
def test_bad_fit_arguments_raise_naming_them(options, error, message):
    model = line()
    with pytest.raises(error, match=message):
        nn.fit(model, nn.mse, nn.SGD(model.parameters(), lr=0.1), X_TRAIN, Y_TRAIN, **options)


def test_fit_checks_its_data():
    model = line()
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="as many targets y as inputs X"):
        nn.fit(model, nn.mse, optimizer, [[1.0], [2.0]], [1.0])
    with pytest.raises(TypeError, match="validation must be a pair"):
        nn.fit(model, nn.mse, optimizer, X_TRAIN, Y_TRAIN, validation=(X_VAL,))


def test_fit_checks_the_validation_data_before_training():
    model = line()
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    with pytest.raises(
        ValueError, match=r"as many targets y_val as inputs X_val.*\(2, 1\) and \(1,\)"
    ):
        nn.fit(model, nn.mse, optimizer, X_TRAIN, Y_TRAIN, validation=(X_VAL, [1.0]))
    with pytest.raises(ValueError, match=r"validation inputs have shape \(2,\) each"):
        nn.fit(model, nn.mse, optimizer, X_TRAIN, Y_TRAIN, validation=([[1.0, 2.0]], [1.0]))
    assert model.state_dict() == {"w.0": 0.0, "b": 0.0}  # not one step was taken


def test_fit_metrics_must_be_named():
    model = line()
    with pytest.raises(TypeError, match="metrics must map names to functions.*got list"):
        nn.fit(model, nn.mse, nn.SGD(model.parameters()), X_TRAIN, Y_TRAIN, metrics=[nn.mse])


def test_fit_wants_a_module_and_an_optimizer():
    model = line()
    with pytest.raises(TypeError, match="fit trains a Module, got function"):
        nn.fit(lambda x: x, nn.mse, nn.SGD(model.parameters()), X_TRAIN, Y_TRAIN)
    with pytest.raises(TypeError, match="Optimizer such as nn.SGD, got list"):
        nn.fit(model, nn.mse, [Value(1.0)], X_TRAIN, Y_TRAIN)


def test_fit_takes_numpy_arrays_and_lists_alike():
    runs = []
    for X, y in ((X_TRAIN, Y_TRAIN), (np.array(X_TRAIN), np.array(Y_TRAIN))):
        model = line()
        runs.append(
            nn.fit(model, nn.mse, nn.SGD(model.parameters(), lr=0.02), X, y, epochs=2)["loss"]
        )
    assert runs[0] == runs[1]


def test_fit_names_a_bad_scheduler_or_callbacks():
    model = line()
    optimizer = nn.SGD(model.parameters(), lr=0.01)
    with pytest.raises(TypeError, match="scheduler must be an LRScheduler"):
        nn.fit(model, nn.mse, optimizer, X_TRAIN, Y_TRAIN, epochs=1, scheduler=3)
    with pytest.raises(TypeError, match="put it in a list"):
        nn.fit(model, nn.mse, optimizer, X_TRAIN, Y_TRAIN, epochs=1, callbacks=print)
    with pytest.raises(TypeError, match="callbacks must be a list"):
        nn.fit(model, nn.mse, optimizer, X_TRAIN, Y_TRAIN, epochs=1, callbacks=[3])
    for not_a_list in (5, (c for c in [print])):  # a generator would be used up by the check
        with pytest.raises(TypeError, match="callbacks must be a list"):
            nn.fit(model, nn.mse, optimizer, X_TRAIN, Y_TRAIN, epochs=1, callbacks=not_a_list)

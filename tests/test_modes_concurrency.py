"""The switches hold per thread and per asyncio task: no_grad, anomaly mode and name scopes in
one never change what another records.

Each test forces the interleaving it is about with events (threads) or awaits (tasks), so it
fails the same way every time on a shared switch, rather than now and then.
"""

import asyncio
import contextvars
import math
import sys
import threading

import pytest
from conftest import execute_cells

import nn
from autograd import (
    AnomalyError,
    Value,
    detect_anomaly,
    is_anomaly_enabled,
    is_grad_enabled,
    name_scope,
    no_grad,
    set_detect_anomaly,
)

# Python 3.14 can start threads in a copy of their starter's context (the free-threaded build
# does so by default); before it, and by default, a new thread starts from an empty context.
THREADS_INHERIT = bool(getattr(sys.flags, "thread_inherit_context", 0))


def run_in_thread(body, *args):
    """Run body(*args) in a new thread and return what it returned (or raise what it raised)."""
    result = {}

    def target():
        try:
            result["value"] = body(*args)
        except BaseException as error:  # handed back to the test's own thread
            result["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    return thread, result


def joined(thread, result, timeout=30):
    thread.join(timeout)
    assert not thread.is_alive(), "the thread did not finish"
    if "error" in result:
        raise result["error"]
    return result.get("value")


def run_coroutine(coroutine):
    """asyncio.run(coroutine) in a thread of its own, whose context starts fresh.

    (A thread, because the test session's browser keeps an event loop running in the main
    thread, where asyncio.run refuses to start another.)
    """
    return joined(*run_in_thread(asyncio.run, coroutine))


def gradient_of_square(x0: float) -> float:
    """d(x*x)/dx at x0, built and walked in the calling thread: 2 * x0."""
    x = Value(x0)
    (x * x).backward()
    return x.grad


def test_a_thread_records_while_another_is_inside_no_grad():
    inside, done = threading.Event(), threading.Event()

    def evaluating():
        with no_grad():
            inside.set()
            done.wait(10)
            return (Value(3.0) * 2).inputs  # still no graph here

    thread, result = run_in_thread(evaluating)
    assert inside.wait(10)
    assert is_grad_enabled()
    assert gradient_of_square(3.0) == 6.0  # recorded, though the other thread is in no_grad
    done.set()
    assert joined(thread, result) == ()


def test_no_grad_entered_and_left_by_two_threads_out_of_step_leaves_recording_on():
    # A enters, B enters, A leaves, B leaves: a shared switch restored by each in turn would
    # end up off (A restores "on", then B restores what it saw on entry: "off").
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with no_grad():
            a_in.set()
            b_in.wait(10)
        a_out.set()
        return gradient_of_square(1.0)

    def b():
        a_in.wait(10)
        with no_grad():
            b_in.set()
            a_out.wait(10)
            inside = is_grad_enabled()
        return inside, gradient_of_square(2.0)

    threads = [run_in_thread(a), run_in_thread(b)]
    assert joined(*threads[0]) == 2.0
    assert joined(*threads[1]) == (False, 4.0)
    assert is_grad_enabled() and gradient_of_square(5.0) == 10.0


def test_anomaly_mode_in_one_thread_does_not_raise_in_another():
    inside, done = threading.Event(), threading.Event()

    def watching():
        with detect_anomaly():
            inside.set()
            done.wait(10)
            with pytest.raises(AnomalyError):
                Value(1000.0).exp()  # exp(1000) overflows to inf: raises here

    thread, result = run_in_thread(watching)
    assert inside.wait(10)
    assert not is_anomaly_enabled()
    assert Value(1000.0).exp().data == math.inf  # IEEE floats here, no error
    done.set()
    joined(thread, result)


def test_set_detect_anomaly_holds_for_the_thread_that_set_it():
    def switch_on():
        set_detect_anomaly(True)
        return is_anomaly_enabled()

    assert joined(*run_in_thread(switch_on)) is True
    assert not is_anomaly_enabled()


def test_one_scope_object_entered_from_two_threads_tags_each_threads_nodes():
    # nn shares its scope objects between calls, so two threads running one model enter the
    # same scope objects at once, each from its own enclosing scope.
    neuron = name_scope("neurons.0")
    a_in, b_in, b_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with name_scope("a"), neuron:
            a_in.set()
            b_in.wait(10)
            first = (Value(1.0) * 2).scope
            b_out.wait(10)
            second = (Value(1.0) * 2).scope
        return first, second, (Value(1.0) * 2).scope

    def b():
        a_in.wait(10)
        with name_scope("b"), neuron:
            b_in.set()
            mine = (Value(1.0) * 2).scope
        b_out.set()
        return mine, (Value(1.0) * 2).scope

    threads = [run_in_thread(a), run_in_thread(b)]
    assert joined(*threads[0]) == ("a.neurons.0", "a.neurons.0", "")
    assert joined(*threads[1]) == ("b.neurons.0", "")
    assert (Value(1.0) * 2).scope == ""


def train(seed: int, steps: int = 3) -> list[list[float]]:
    """Three SGD steps of a small MLP on four points; the gradients of each step."""
    model = nn.MLP(2, [4, 4, 1], activation="tanh", seed=seed)
    points = [([0.0, 1.0], 1.0), ([1.0, 0.0], -1.0), ([1.0, 1.0], 1.0), ([-1.0, 0.5], -1.0)]
    history = []
    for _ in range(steps):
        loss = sum((model(x) - y) ** 2 for x, y in points)
        model.zero_grad()
        loss.backward()
        history.append([p.grad for p in model.parameters()])
        with no_grad():  # evaluation in the middle of training, as fit does
            assert not model([0.5, 0.5]).inputs
        for p in model.parameters():
            p.data -= 0.05 * p.grad
        scopes = {node.scope for node in loss.inputs[0].inputs}
        assert all(s == "" or s.startswith("layers.") for s in scopes), scopes
    return history


def test_four_threads_training_separate_models_get_the_single_threaded_gradients(
        rapid_thread_switches):
    alone = [train(seed) for seed in range(4)]
    threads = [run_in_thread(train, seed) for seed in range(4)]
    together = [joined(*thread, timeout=120) for thread in threads]
    assert together == alone  # bit for bit
    assert is_grad_enabled() and (Value(1.0) * 2).scope == ""


def test_four_threads_running_one_model_keep_every_scope(rapid_thread_switches):
    model = nn.MLP(2, [8, 8, 1], seed=0)
    start = threading.Barrier(4)

    def forward_scopes(together=True):
        if together:
            start.wait(10)  # all four running at once
        scopes = set()
        for k in range(50):
            output = model([0.1 * k, -0.2])
            scopes |= {node.scope for node in output.inputs[0].inputs}
        return scopes

    expected = forward_scopes(together=False)
    threads = [run_in_thread(forward_scopes) for _ in range(4)]
    assert [joined(*thread, timeout=120) for thread in threads] == [expected] * 4
    assert (Value(1.0) * 2).scope == ""


@pytest.mark.skipif(THREADS_INHERIT, reason="this Python starts threads in their starter's "
                    "context (sys.flags.thread_inherit_context)")
def test_a_thread_started_inside_no_grad_starts_recording_with_no_scope_or_anomaly():
    # What a new thread inherits: nothing. It starts from the defaults, as in PyTorch.
    with no_grad(), detect_anomaly(), name_scope("outer"):
        thread, result = run_in_thread(
            lambda: (is_grad_enabled(), is_anomaly_enabled(), (Value(1.0) * 2).scope))
        assert joined(thread, result) == (True, False, "")


def test_a_thread_run_in_a_copy_of_the_context_keeps_its_starters_switches():
    # The way to hand a thread the switches of the code that starts it: contextvars.
    with no_grad(), name_scope("outer"):
        context = contextvars.copy_context()
    thread, result = run_in_thread(
        context.run, lambda: (is_grad_enabled(), (Value(1.0) * 2).scope))
    assert joined(thread, result) == (False, "outer")


def test_coroutines_interleaving_no_grad_each_see_their_own():
    async def evaluate(entered, other_entered):
        with no_grad():
            entered.set()
            await other_entered.wait()  # the other task enters and runs meanwhile
            inside = (Value(2.0) * 3).inputs
        await asyncio.sleep(0)
        return inside, gradient_of_square(2.0)

    async def train_meanwhile(entered):
        await entered.wait()
        return is_grad_enabled(), gradient_of_square(3.0)

    async def main():
        a_in, b_in = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(evaluate(a_in, b_in), evaluate(b_in, a_in),
                                    train_meanwhile(a_in))

    first, second, meanwhile = run_coroutine(main())
    assert first == second == ((), 4.0)
    assert meanwhile == (True, 6.0)
    assert is_grad_enabled()


def test_coroutines_interleaving_anomaly_mode_and_scopes_each_see_their_own():
    async def task(name, ready, go):
        with name_scope(name), detect_anomaly(name == "watched"):
            ready.set()
            await go.wait()
            y = Value(1000.0) * 2
            try:
                y.exp()
                raised = False
            except AnomalyError:
                raised = True
        return y.scope, raised

    async def main():
        events = [asyncio.Event() for _ in range(3)]
        go = asyncio.Event()
        tasks = [asyncio.create_task(task(n, e, go))
                 for n, e in zip(["watched", "free", "other"], events)]
        for event in events:
            await event.wait()  # all three inside their blocks at once
        go.set()
        return await asyncio.gather(*tasks)

    assert run_coroutine(main()) == [("watched", True), ("free", False), ("other", False)]
    assert not is_anomaly_enabled() and (Value(1.0) * 2).scope == ""


def test_a_task_created_inside_no_grad_keeps_the_switches_it_was_created_with():
    # asyncio runs each task in a copy of the context it was created in.
    async def main():
        with no_grad():
            task = asyncio.create_task(asyncio.sleep(0, result=None))
            inner = asyncio.create_task(_recording())
        await task
        return await inner, is_grad_enabled()

    async def _recording():
        await asyncio.sleep(0)  # runs after main has left no_grad
        return is_grad_enabled()

    assert run_coroutine(main()) == (False, True)


def test_set_detect_anomaly_in_one_notebook_cell_holds_in_the_next(tmp_path):
    # A notebook's cells run in one context, so a switch set in a cell stays set.
    cells = ["from autograd import set_detect_anomaly, is_anomaly_enabled, no_grad",
             "set_detect_anomaly(True)",
             "print(is_anomaly_enabled())",
             "set_detect_anomaly(False)\nprint(is_anomaly_enabled())"]
    outputs = execute_cells(cells, tmp_path)
    assert [o[0]["text"] for o in outputs[2:]] == ["True\n", "False\n"]

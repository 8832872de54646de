"""A compiled function called from several threads gives each call its own, right numbers.

The replay computes in buffers it keeps between calls. Calls from other threads must not
change a call's outputs or the gradients its backward() adds, and a result stays valid until
the thread that made it calls the function again, whatever other threads do in between.

The model here computes exactly: its weights are multiples of 1/8, its inputs multiples of 1/4,
and it only adds, multiplies, takes relu and a mean over 8 points, so every loss and gradient is
a short binary fraction with no rounding. Gradients added up in any order then give the same
bits, and a gradient lost or taken from another call shows.
"""

from __future__ import annotations

import threading
import time

import numpy as np

import nn
from autograd import Value, no_grad
from autograd.compiled import trace

LABELS = [1, -1, 1, -1, 1, -1, 1, -1]


def exact_model() -> nn.MLP:
    """An MLP whose weights are multiples of 1/8 in [-1, 1]."""
    model = nn.MLP(2, [4, 4, 1], seed=0)
    for p in model.parameters():
        p.data = round(p.data * 8) / 8
    return model


def exact_inputs(count: int) -> list[np.ndarray]:
    """count batches of 8 points whose coordinates are multiples of 1/4 in [-2, 2]."""
    rng = np.random.default_rng(0)
    return [rng.integers(-8, 9, size=(8, 2)) / 4 for _ in range(count)]


def step_loss_of(model: nn.MLP):
    return lambda points: nn.hinge([model(p) for p in points], LABELS)


def one_call(compiled, model: nn.MLP, X: np.ndarray) -> tuple[float, list[float]]:
    """The loss and the gradients of one call, from a single thread."""
    model.zero_grad()
    result = compiled(X)
    result.backward()
    return result.data, [p.grad for p in model.parameters()]


def in_threads(work, count: int) -> None:
    """Run work(t) for t = 0, 1, ... count - 1, each in a thread of its own, all starting
    together; then raise the first exception any of them raised."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(t: int) -> None:
        start.wait()
        try:
            work(t)
        except BaseException as error:  # noqa: BLE001 - raised again in the main thread
            errors.append(error)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]


def test_the_test_model_computes_exactly():
    # Gradients added in two orders give the same bits, as this file's checks assume.
    model, inputs = exact_model(), exact_inputs(3)
    compiled = trace(step_loss_of(model))
    grads = [one_call(compiled, model, X)[1] for X in inputs]
    forwards = [sum(g) for g in zip(*grads)]
    backwards = [sum(reversed(g)) for g in zip(*grads)]
    assert forwards == backwards
    assert any(g != 0.0 for g in forwards)


def test_four_threads_get_the_single_threaded_results_bit_for_bit(rapid_thread_switches):
    model, inputs = exact_model(), exact_inputs(10)
    reference = trace(step_loss_of(model))
    single = [one_call(reference, model, X) for X in inputs]  # one thread, one call at a time
    threads, calls = 4, 150
    plan = [[(t + 3 * i) % len(inputs) for i in range(calls)] for t in range(threads)]
    # Every call's gradients add up in p.grad; exactly, so in any order: their plain sum.
    expected_grads = [0.0] * len(model.parameters())
    for k in (k for row in plan for k in row):
        expected_grads = [e + g for e, g in zip(expected_grads, single[k][1])]

    # Not traced yet: the threads trace it together. Every 5th call of each is checked: it runs
    # the function eagerly while the other threads replay.
    compiled = trace(step_loss_of(model), check_every=5)
    model.zero_grad()
    losses: list[list[float]] = [[] for _ in range(threads)]

    def work(t: int) -> None:
        for k in plan[t]:
            result = compiled(inputs[k])
            time.sleep(0)  # let the other threads call between this call and its backward
            result.backward()
            losses[t].append(result.data)

    in_threads(work, threads)  # raises what any thread raised
    assert losses == [[single[k][0] for k in row] for row in plan]
    assert [p.grad for p in model.parameters()] == expected_grads


def test_threads_that_trace_and_check_at_once_run_the_function_one_at_a_time(
        rapid_thread_switches):
    # Tracing and checked calls run the function eagerly; it is the caller's code, written to
    # run once at a time (nn's modules keep their name scopes' state in themselves).
    w = Value(0.5)
    running, most = [0], [0]

    def f(x):
        running[0] += 1
        most[0] = max(most[0], running[0])
        time.sleep(0)  # let the other threads run now, were they allowed to
        y = (w * x).tanh()
        running[0] -= 1
        return y

    compiled = trace(f, check_every=1)  # every call is checked: runs f

    def work(t: int) -> None:
        for x in range(20):
            compiled(x / 10).backward()

    in_threads(work, 4)
    assert most[0] == 1


def test_a_result_keeps_its_numbers_when_another_thread_calls_in_between():
    model, (X1, X2) = exact_model(), exact_inputs(2)
    compiled = trace(step_loss_of(model))
    (loss1, grads1), (loss2, grads2) = one_call(compiled, model, X1), one_call(compiled, model, X2)
    model.zero_grad()
    mine = compiled(X1)
    theirs = []
    in_threads(lambda t: theirs.append(compiled(X2)), 1)
    mine.backward()
    assert mine.data == loss1
    assert [p.grad for p in model.parameters()] == grads1
    model.zero_grad()
    theirs[0].backward()  # the other thread's result is still valid too: it made no new call
    assert theirs[0].data == loss2
    assert [p.grad for p in model.parameters()] == grads2


def test_a_result_keeps_its_gradients_when_another_thread_calls_under_no_grad():
    # A call under no_grad() computes no local gradients, but it still computes the forward
    # pass in the shared buffers, which the earlier result's backward pass reads.
    model, (X1, X2) = exact_model(), exact_inputs(2)
    compiled = trace(step_loss_of(model))
    _, grads1 = one_call(compiled, model, X1)
    one_call(compiled, model, X2)  # past the checked calls
    model.zero_grad()
    mine = compiled(X1)

    def evaluate(t: int) -> None:
        with no_grad():
            compiled(X2)

    in_threads(evaluate, 1)
    mine.backward()
    assert [p.grad for p in model.parameters()] == grads1


def test_the_function_may_call_its_compiled_self_while_it_is_traced():
    # Tracing runs the function, which here calls the compiled function on another shape. The
    # buffers' lock is never held while the caller's code runs, and the lock that makes eager
    # runs take turns is re-entrant: the inner call does not wait forever on the outer one.
    w = Value(2.0)
    compiled = None

    def f(x):
        if not isinstance(x, list):  # the inner call's argument, a number
            return w * x
        inner = compiled(3.0).data  # 6.0, frozen into the outer trace as a constant
        return w * x[0] + inner

    compiled = trace(f)
    results = []
    worker = threading.Thread(target=lambda: results.append(compiled([1.0]).data), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert results == [8.0]  # 2 * 1 + 6

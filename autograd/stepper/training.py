"""One whole training iteration as a walkthrough: forward, loss, backward, update, zero grad.

Unlike a plain walkthrough, this one really trains: it runs loss.backward(), the optimizer's
step() and zero_grad(), and records what each did to every parameter, so the numbers on the
screen are the ones the optimizer computed. Any optimizer with torch.optim's shape works
(params, step(), zero_grad()); plain SGD's update is also written out with its numbers.
"""

from __future__ import annotations

import math

from ..relus import dead_relus
from ..value import Value
from .model import (
    MAX_NODES,
    Graph,
    Step,
    Walkthrough,
    backward_steps,
    done_step,
    forward_steps,
    snapshot,
)
from .symbols import fmt, number_factor


def training_walkthrough(loss: Value, optimizer: object, max_nodes: int = MAX_NODES
                         ) -> Walkthrough:
    """Train once from `loss` (backward, optimizer.step(), zero_grad()) and return the steps.

    The parameters must start with zero gradients (call optimizer.zero_grad() before the
    forward pass), so that the gradients shown are the ones the update uses.
    """
    params = list(getattr(optimizer, "params", None) or [])
    if not params or not all(callable(getattr(optimizer, m, None)) for m in ("step", "zero_grad")):
        raise TypeError(f"a training walkthrough needs an optimizer with params, step() and "
                        f"zero_grad(), such as nn.SGD(model.parameters(), lr=0.1); got "
                        f"{type(optimizer).__name__}")
    stale = [p for p in params if p.grad != 0]
    if stale:
        raise ValueError(
            f"{len(stale)} parameters already hold a gradient (the first is {stale[0]!r}); "
            f"backward() adds to it, so call optimizer.zero_grad() before the forward pass"
        )
    graph = snapshot(loss, max_nodes)
    steps = forward_steps(graph)
    steps += backward_steps(graph, start=len(steps))

    # Really train, recording each parameter's number before and after the update.
    loss.backward()
    dead = dead_relus(loss)  # a layer whose every relu is off for every input (or None)
    every_grad_zero = all(float(p.grad) == 0 for p in params)
    in_graph = [(p, graph.find(p)) for p in params if _in(graph, p)]
    before = [(p.data, p.grad) for p, _ in in_graph]
    optimizer.step()
    for (p, node), (old, grad) in zip(in_graph, before):
        steps.append(_update_step(len(steps), optimizer, node.name, node.id, old, grad, p.data))
    optimizer.zero_grad()
    steps.append(Step(
        index=len(steps), kind="zero_grad", title="optimizer.zero_grad()",
        grads=tuple((node.id, 0.0) for _, node in in_graph),
        lines=("optimizer.zero_grad(): every parameter's grad is set back to 0",
               "backward() adds to .grad, so without this the next iteration's gradients "
               "would pile onto this one's"),
    ))
    walk = Walkthrough(graph, steps)
    moved = [f"{node.name}: {fmt(old)} -> {fmt(p.data)}"
             for (p, node), (old, _) in zip(in_graph, before)]
    start = f"one training iteration: {graph.root.name} was {fmt(graph.root.data)}; "
    why = ("a relu that is off passes no gradient back: nothing before it learns, and no step "
           "can turn it on again (a dead relu)")
    if dead and every_grad_zero:
        summary = (start + f"{dead}, so every gradient is 0", why)
    else:
        summary = (start + f"{len(in_graph)} parameters moved against their gradients",)
        summary += (f"{dead}: {why}",) if dead else ()
    summary += tuple(moved[:12])
    if len(moved) > 12:
        summary += (f"... and {len(moved) - 12} more",)
    steps.append(done_step(graph, walk, len(steps), lines=summary,
                           title="Done: one training iteration"))
    return Walkthrough(graph, steps)


def _in(graph: Graph, value: Value) -> bool:
    return any(v is value for v in graph.values)


def _update_step(index: int, optimizer: object, name: str, node: int, old: float, grad: float,
                 new: float) -> Step:
    """One parameter's update, with SGD's rule written out when it is plain SGD."""
    settings = getattr(optimizer, "hyperparameters", {})
    lr = settings.get("lr")
    plain_sgd = (type(optimizer).__name__ == "SGD" and lr is not None
                 and not settings.get("momentum") and not settings.get("weight_decay"))
    if plain_sgd and math.isclose(new, old - lr * grad, rel_tol=1e-12, abs_tol=1e-15):
        statement = (f"{name} -= lr * {name}.grad: {fmt(old)} - {fmt(lr)} * "
                     f"{number_factor(grad)} = {fmt(new)}")
        why = ("a small step against the gradient: where the gradient is positive, lowering "
               "the parameter lowers the loss")
        question, answer = f"{name} after the update = ?", new
        hint = f"new = old - lr * grad = {fmt(old)} - {fmt(lr)} * {number_factor(grad)}"
    else:
        statement = f"{name}: {fmt(old)} -> {fmt(new)}  (grad {fmt(grad)})"
        rule = (type(optimizer).__doc__ or "").strip().splitlines()
        why = f"{optimizer!r}: {rule[0] if rule else 'its own update rule'}"
        question, answer, hint = "", None, ""
    return Step(index=index, kind="update", title=f"update {name}", node=node,
                values=((node, new),), lines=(statement, why),
                question=question, answer=answer, hint=hint)

"""Scopes, read: the module a node was made in, and the module box it goes into when collapsed.

A node's `.scope` is the dotted path of the modules whose work made it (autograd.name_scope;
nn uses it), e.g. "layers.0.neurons.3". Read as steps, a number belongs to the name before it:
that scope has two steps, layers.0 and neurons.3. Collapsing a graph cuts every scope after a
step, and the nodes whose cut scopes are the same go into one module box. The renderer
(dot.py) and the stepper (stepper/collapse.py) both cut with `module_of`, so a collapsed
drawing and a collapsed walkthrough always show the same modules.
"""

from __future__ import annotations

from collections.abc import Iterable


def scope_steps(scope: str) -> list[str]:
    """The steps of a scope: a number joins the name before it ("layers.0.w" -> layers.0, w)."""
    steps: list[str] = []
    for part in scope.split(".") if scope else []:
        if part.isdigit() and steps:
            steps[-1] += "." + part
        else:
            steps.append(part)
    return steps


def step_names(scopes: Iterable[str]) -> list[str]:
    """The names of the steps in these scopes, sorted: "layers.0.neurons.3" has layers, neurons."""
    return sorted({step.split(".")[0] for scope in scopes for step in scope_steps(scope)})


def check_collapse(collapse: object) -> None:
    """A ValueError unless `collapse` is a step name or a number of steps >= 1."""
    is_count = isinstance(collapse, int) and not isinstance(collapse, bool) and collapse >= 1
    if not is_count and not (isinstance(collapse, str) and collapse):
        raise ValueError(f"collapse must be a step name such as 'neurons' or 'layers', or a "
                         f"number of steps >= 1, got {collapse!r}")


def module_of(scope: str, collapse: int | str) -> str:
    """The module box a node of this scope goes into at this collapse ("" for none).

    A step name cuts the scope after the first step of that name: at "neurons",
    "layers.0.neurons.3.x" goes into layers.0.neurons.3, and "layers.0" (no neuron) into
    none. A number n keeps the first n steps of a scope at least n steps deep: at 2,
    "layers.0.neurons.3.x" goes into layers.0.neurons.3 too, and "layers.0", one step deep,
    into none, as at "neurons". So a network's collapse="neurons" is collapse=2.
    """
    steps = scope_steps(scope)
    if isinstance(collapse, int):
        return ".".join(steps[:collapse]) if len(steps) >= collapse else ""
    names = [step.split(".")[0] for step in steps]
    return ".".join(steps[: names.index(collapse) + 1]) if collapse in names else ""


def no_module_error(collapse: int | str, scopes: Iterable[str]) -> ValueError:
    """The error for a collapse that matches no module of a graph, saying which would."""
    scopes = [scope for scope in scopes if scope]
    if not scopes:
        known = "no node has a scope (nodes get one inside autograd.name_scope)"
    else:
        known = f"the step names here are {', '.join(step_names(scopes))}"
        if isinstance(collapse, int):
            deepest = max(len(scope_steps(scope)) for scope in scopes)
            known = f"its scopes are at most {deepest} steps deep, and {known}"
    return ValueError(f"collapse={collapse!r} matches no module in this graph: {known}")

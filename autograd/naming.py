"""Names and numbers for people: how every surface writes a node, a number and a derivative.

The renderer (dot.py), the stepper (its snapshot, so the tape, the terminal, the page and the
notebook) and the `chainrule` command all call these functions, so a node reads the same in a
drawing, a step, the tape and the page.

A number (`format_number`) has 4 significant digits and is written as Python writes a float:
2.0, -3.0, 0.7071, 1.235e6, 3e-7, nan; a zero is 0.0 whatever its sign, since -0.0 (relu's
gradient times a negative upstream) equals 0.0 and its sign would only puzzle a reader. A
number written into a formula as a constant of the code (`constant_text`) drops a whole
number's ".0": a ** 2, -1 * b.

A node (`node_names`) is called, in this order of preference:
- a parameter of a module (a leaf that nn, or a name_scope, made inside a module): the path of
  its module, shortened, then its own name. Each step of the path that is a name and a number
  is written as the name's capitalised first letter (or letters, as many as tell the graph's
  step names apart) and the number: the weight w0 of neuron 3 of layer 1,
  layers.1.neurons.3.w0, is L1.N3.w0. Its full dotted name is its `full` name, which the
  surfaces show on hover and in legends;
- its label, if no other node has it (a label that several nodes share is qualified by each
  one's scope, as a parameter is, and numbered #2, #3, ... if still shared);
- the output, if unlabelled: out;
- a result of an operation: t1, t2, ... in the order the forward pass computed them. A
  composite written as one operation (a - b, see composites.py) is numbered as one; the helper
  the engine recorded for it (-1 * b), seen only with primitives=True, is called by the
  composite's name and a prime: t3' for the -1 * b of t3 = a - b;
- another leaf: v1, v2, ...; a constant: its number.

A derivative (`derivative`) is written with ∂, which no name contains: ∂L/∂d, ∂(x y)/∂x. Where
∂ cannot be printed (an ASCII stream), `plain_derivatives` writes d(L)/d(d) instead.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from .composites import composites
from .scopes import scope_steps

# --- numbers ---------------------------------------------------------------------------------


def format_number(x: float, digits: int = 4) -> str:
    """x to `digits` significant digits as Python writes floats, never rounded to zero:
    0.7071, -3.0, 3e-7, 1.235e6."""
    if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:  # -0.0 too: equal to 0.0, and written as it
        return "0.0"
    text = f"{x:.{digits}g}"
    mantissa, has_exponent, exponent = text.partition("e")
    if has_exponent:  # "3e-07" -> "3e-7", "1.235e+06" -> "1.235e6"
        return f"{mantissa}e{int(exponent)}"
    return text if "." in text else text + ".0"  # "2" -> "2.0"


def constant_text(x: float) -> str:
    """A constant as written in a formula: 2 and -1 rather than 2.0 and -1.0."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e6:
        return str(int(x))
    return format_number(x)


# --- derivatives -----------------------------------------------------------------------------

DERIVATIVE = "∂"
_PLAIN_NAME = re.compile(r"[\w.#\[\]']+")  # a name that needs no parentheses after ∂


def derivative(of: str, wrt: str) -> str:
    """d of / d wrt, written with ∂: ∂L/∂a, or ∂(x y)/∂x when a name is more than a word."""
    return f"{DERIVATIVE}{_operand(of)}/{DERIVATIVE}{_operand(wrt)}"


def _operand(name: str) -> str:
    return name if _PLAIN_NAME.fullmatch(name) else f"({name})"


_DERIVATIVE_OPERAND = re.compile(rf"{DERIVATIVE}(\([^()]*\)|{_PLAIN_NAME.pattern})")


def plain_derivatives(text: str) -> str:
    """text with each ∂ written as d and its name in parentheses: ∂L/∂d is d(L)/d(d)."""
    return _DERIVATIVE_OPERAND.sub(
        lambda m: "d" + (m.group(1) if m.group(1).startswith("(") else f"({m.group(1)})"), text)


def prints_derivatives(stream: TextIO) -> bool:
    """Can `stream` print ∂? (UTF-8 streams can; an ASCII or Latin-1 one cannot.)"""
    try:
        DERIVATIVE.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def for_stream(text: str, stream: TextIO) -> str:
    """text as `stream` can print it: with ∂ if it can, else with plain_derivatives."""
    return text if prints_derivatives(stream) else plain_derivatives(text)


def derivative_stream(stream: TextIO) -> TextIO:
    """`stream` itself if it can print ∂, else the same stream writing d(L)/d(x) for ∂L/∂x."""
    return stream if prints_derivatives(stream) else _PlainDerivatives(stream)


class _PlainDerivatives:
    """A text stream's stand-in that writes every text through plain_derivatives."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(plain_derivatives(text))

    def __getattr__(self, name: str):  # flush, isatty, fileno, encoding: the stream's own
        return getattr(self._stream, name)


# --- nodes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """The name of every node of a graph, by position in its topological order.

    short: what every surface shows (L1.N3.w0, t4, x); full: the full dotted name where it
    says more ("layers.1.neurons.3.w0"), else "". abbreviations: step name -> its short form
    ({"layers": "L", "neurons": "N"}), which `module` uses and a legend can explain.
    """

    short: tuple[str, ...]
    full: tuple[str, ...]
    abbreviations: Mapping[str, str]

    def module(self, scope: str) -> str:
        """A module's short name: "layers.0.neurons.3" is L0.N3."""
        return _short_path(scope_steps(scope), self.abbreviations)

    def legend(self) -> str:
        """What the short forms stand for, e.g. "L = layers, N = neurons" ("" if none)."""
        return ", ".join(f"{short} = {name}" for name, short in self.abbreviations.items())


def node_names(order: Sequence, parameters: Mapping[int, str] | None = None) -> Names:
    """The names of the nodes of `order` (Values in topological order, the output last).

    parameters: id(Value) -> its dotted name in a model ("layers.1.neurons.3.w.0"), for
    nodes to name as parameters even outside a scope; the dotted name is then their full name.
    """
    parameters = parameters or {}
    # the modules' paths: every scope, and each model name without its last step (w.0)
    modules = {v.scope for v in order}
    modules.update(".".join(scope_steps(parameters[id(v)])[:-1]) for v in order
                   if id(v) in parameters)
    abbreviations = _abbreviations(modules)
    short = [""] * len(order)
    full = [""] * len(order)
    prefix = [""] * len(order)  # the module path of an unlabelled parameter, before its number
    for i, value in enumerate(order):
        path = parameters.get(id(value), "")
        if value.constant and not value.label:
            short[i] = constant_text(value.data)
        elif not value.inputs and not value.constant and (path or value.scope):
            short[i], full[i], prefix[i] = _parameter_name(value, path, abbreviations)
        elif value.label:
            short[i] = value.label
    # A label that several nodes share is qualified by each one's scope, as parameters are.
    shared = Counter(short[i] for i, value in enumerate(order) if value.label)
    for i, value in enumerate(order):
        if value.label and short[i] == value.label and shared[value.label] > 1 and value.scope:
            module = _short_path(scope_steps(value.scope), abbreviations)
            short[i], full[i] = f"{module}.{value.label}", f"{value.scope}.{value.label}"
    # the op a composite folds (the -1 * b of a - b) is named after it, not numbered
    helpers = {j: i for i, composite in composites(order).items() for j in composite.folded
               if order[j].inputs and not short[j]}
    _number_unnamed(order, short, prefix, helpers)
    for j, i in helpers.items():
        short[j] = short[i] + "'"
    _make_unique(order, short)
    return Names(tuple(short), tuple(full), abbreviations)


def _parameter_name(value, path: str, abbreviations: Mapping[str, str]
                    ) -> tuple[str, str, str]:
    """(short, full, prefix) of a parameter: its module's path shortened, then its own name.

    The own name is its label, else the last step of its name in the model (w.0 is w0); with
    neither, short is "" and prefix the module's path, for `_number_unnamed` to number it.
    """
    if path:  # its name in the model: "layers.1.neurons.3.w.0" is module steps, then w.0
        steps = scope_steps(path)
        module, own = steps[:-1], steps[-1].replace(".", "")
    else:  # its scope (nn's tag_parameters sets it to its module's path), then its label
        module, own = scope_steps(value.scope), ""
    own = value.label or own
    full = path or (f"{value.scope}.{own}" if own else "")
    module_short = _short_path(module, abbreviations)
    if not own:
        return "", full, module_short + "." if module_short else ""
    return (f"{module_short}.{own}" if module_short else own), full, ""


def _number_unnamed(order: Sequence, short: list[str], prefix: list[str],
                    skip: Mapping[int, int]) -> None:
    """Name the nodes still unnamed but those to skip: the output "out"; results t1, t2, ...;
    leaves v1, v2, ...

    Numbers go in topological order and skip names already taken; an unlabelled parameter's
    number follows its module's path (L0.N3.v1).
    """
    taken = set(short)
    counters = {"t": 0, "v": 0}
    last = len(order) - 1
    for i, value in enumerate(order):
        if short[i] or i in skip:
            continue
        if i == last and not prefix[i] and "out" not in taken:
            short[i] = "out"
        else:
            letter = "t" if value.inputs else "v"
            while not short[i] or short[i] in taken:
                counters[letter] += 1
                short[i] = f"{prefix[i]}{letter}{counters[letter]}"
        taken.add(short[i])


def _make_unique(order: Sequence, short: list[str]) -> None:
    """Number the second and later nodes of a name still shared: x, x#2, x#3 (not constants)."""
    seen: Counter = Counter()
    taken = set(short)
    for i, value in enumerate(order):
        if value.constant and not value.label:
            continue  # a constant is its number: 2 may stand in several places
        seen[short[i]] += 1
        if seen[short[i]] > 1:
            count = seen[short[i]]
            while f"{short[i]}#{count}" in taken:
                count += 1
            short[i] = f"{short[i]}#{count}"
            taken.add(short[i])


def _abbreviations(paths: set[str]) -> dict[str, str]:
    """Each numbered step name of these paths -> its short form: the fewest first letters,
    capitalised, that tell it from the others ("layers" L and "neurons" N; "layers" La and
    "linear" Li)."""
    names = sorted({step.split(".")[0] for path in paths for step in scope_steps(path)
                    if "." in step})
    result = {}
    for name in names:
        length = 1
        while any(other != name and other[:length].lower() == name[:length].lower()
                  for other in names) and length < len(name):
            length += 1
        result[name] = name[:length].capitalize()
    return result


def _short_path(steps: Sequence[str], abbreviations: Mapping[str, str]) -> str:
    """A path of steps, shortened: layers.1, neurons.3 is L1.N3."""
    return ".".join(_short_step(step, abbreviations) for step in steps)


def _short_step(step: str, abbreviations: Mapping[str, str]) -> str:
    """One step of a path, shortened: layers.1 is L1; a step without a number stays as it is."""
    name, _, number = step.partition(".")
    return f"{abbreviations.get(name, name)}{number}" if number else step

"""Module: the base of every network part, and how its parameters are found, saved and loaded.

A module owns some parameters (Values an optimizer updates) and some submodules, and says so
explicitly: `own_parameters()` and `submodules()` return (name, thing) lists, and everything
else (dotted names, zero_grad, train/eval, state_dict, save/load) is built on those two lists.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from numbers import Real

from autograd import Value, write_atomically

from .checks import positive_int

FILE_FORMAT = "chainrule.nn"  # the "format" field of a saved model file
FILE_VERSION = 1  # the "version" field; bumped when the layout of the file changes

# The largest file load() reads, unless given another max_bytes. A saved parameter takes
# about 55 bytes, one line such as
#     "layers.1.neurons.511.w.511": -0.012345678901234567,
# (its dotted name, and the shortest text that reads back as its float: up to 24 characters).
# 64 MiB thus holds over a million parameters, more than a model of scalar Values can train:
# each parameter is a Value of about 280 bytes, and one forward pass builds more Values per
# example than the model has parameters. Parsing takes about 12 bytes of memory per byte of
# file, so the limit also keeps a load under a gigabyte, and a wrong path (a dataset, a log,
# /dev/zero) fails at once.
MAX_FILE_BYTES = 64 * 2**20
_CHUNK_BYTES = 2**20  # how much of a file load() reads at a time


class Module:
    """Base class of Neuron, Layer, MLP, Dropout and your own network parts.

    A subclass lists what it owns by overriding two methods, written out by hand:

        def own_parameters(self):  # the Values this module itself holds
            return [("w.0", self.w[0]), ("w.1", self.w[1]), ("b", self.b)]

        def submodules(self):  # the modules it is made of, each with a name
            return [("layers.0", self.layers[0]), ("layers.1", self.layers[1])]

    Names join with dots into a path: parameter "w.1" of submodule "neurons.3" of submodule
    "layers.0" is "layers.0.neurons.3.w.1". Scope tagging follows the same paths: a module
    calls submodule "layers.0" inside `autograd.name_scope("layers.0")`, so every node computed
    there has `.scope` "layers.0..." (relative to where the outermost model was called), and
    `tag_parameters()`, called at the end of `__init__`, sets each parameter's own `.scope` to
    the path of the module that owns it (setting a Value's `.scope` changes that Value alone).
    """

    training = True  # the default; train() and eval() set it on each module instance

    def own_parameters(self) -> list[tuple[str, Value]]:
        """The (name, Value) pairs this module holds itself, not counting submodules."""
        return []

    def submodules(self) -> list[tuple[str, Module]]:
        """The (name, module) pairs this module is made of."""
        return []

    def own_buffers(self) -> list[tuple[str, Value]]:
        """The (name, Value) pairs of numbers this module keeps but no optimizer trains.

        BatchNorm's running statistics are buffers: part of the state that is saved and
        loaded, never in parameters(). Most modules have none.
        """
        return []

    def extra_repr(self) -> str:
        """The constructor arguments shown by repr(), e.g. "2, 16, activation='relu'"."""
        return ""

    # --- finding parameters ------------------------------------------------------------------

    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """This module and every module inside it, each with its dotted path ("" for this one)."""
        found = [(prefix, self)]
        for name, module in self.submodules():
            if not isinstance(module, Module):
                raise TypeError(
                    f"{type(self).__name__}.submodules() listed {name!r} as a "
                    f"{type(module).__name__}, which is not a Module"
                )
            found += module.named_modules(_join(prefix, name))
        return found

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, e.g. "layers.0.neurons.3.w.1", in a fixed order."""
        found = []
        seen_names = set()
        for path, module in self.named_modules():
            for name, parameter in module.own_parameters():
                full_name = _join(path, name)
                if not isinstance(parameter, Value):
                    raise TypeError(
                        f"parameter {full_name!r} is a {type(parameter).__name__}, not a Value"
                    )
                if full_name in seen_names:
                    raise ValueError(f"two parameters are both named {full_name!r}")
                seen_names.add(full_name)
                found.append((full_name, parameter))
        return found

    def named_buffers(self) -> list[tuple[str, Value]]:
        """Every buffer with its dotted name, e.g. "norms.0.running_mean.3", in a fixed order."""
        return [
            (_join(path, name), buffer)
            for path, module in self.named_modules()
            for name, buffer in module.own_buffers()
        ]

    def parameters(self) -> list[Value]:
        """Every parameter (weights and biases), in the order of named_parameters()."""
        return [parameter for _, parameter in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many parameters the module has."""
        return len(self.named_parameters())

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0, ready for the next backward()."""
        for parameter in self.parameters():
            parameter.grad = 0.0

    def tag_parameters(self) -> None:
        """Set each parameter's .scope to the path of the module that owns it.

        Call it at the end of __init__: the outermost constructor runs it last, so paths are
        relative to the outermost model, e.g. "layers.0.neurons.3" for "layers.0.neurons.3.b".
        """
        for path, module in self.named_modules():
            for _, parameter in module.own_parameters():
                parameter.scope = path

    # --- training and evaluation -------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Put this module and all its submodules in training mode (or eval mode if False)."""
        if not isinstance(mode, bool):
            raise TypeError(f"train() takes True or False, got {mode!r}")
        for _, module in self.named_modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Put this module and all its submodules in evaluation mode (Dropout does nothing)."""
        return self.train(False)

    # --- state_dict: the parameters as plain numbers ------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """The numbers of the parameters, then of the buffers (if any), by dotted name."""
        return {name: value.data for name, value in self._named_state()}

    def _named_state(self) -> list[tuple[str, Value]]:
        """named_parameters() followed by named_buffers(): everything state_dict() holds."""
        return self.named_parameters() + self.named_buffers()

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter and buffer from `state` (name -> number), as state_dict() gives.

        Everything is checked first: the names must be exactly this model's (no missing, no
        unexpected) and every value a real number. On any error nothing changes.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict takes a mapping of parameter names to numbers, "
                f"got {type(state).__name__}"
            )
        named = self._named_state()
        for key in state:
            if not isinstance(key, str):
                raise TypeError(f"state_dict keys must be parameter names (str), got {key!r}")
        problem = _compare_names([name for name, _ in named], list(state))
        if problem:
            raise ValueError(f"cannot load the state_dict into {self.signature()}: {problem}")
        numbers = {}
        for name, _ in named:
            value = state[name]
            if isinstance(value, bool) or not isinstance(value, Real):  # numpy scalars are Real
                raise TypeError(
                    f"state_dict value for {name!r} must be a real number, "
                    f"got {type(value).__name__}: {value!r}"
                )
            numbers[name] = _to_float(value, f"state_dict value for {name!r}")
        for name, parameter in named:  # every check passed: now change the model
            parameter.data = numbers[name]

    # --- files -------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the parameters to `path` as JSON, atomically: a crash leaves the old file intact.

        The "parameters" object holds all of state_dict() (buffers too, where a model has any).
        Floats are written as Python's repr, which reads back to the identical float. A model
        with a nan or infinite parameter is refused with a ValueError naming it: its training
        diverged, and load() refuses such numbers too. Writing goes through a temporary file
        beside `path` (see autograd.files.write_atomically): an error names `path` and leaves
        no temporary, and a file that is replaced keeps its permissions.
        """
        path = os.fsdecode(path)  # a str, pathlib.Path or bytes path, as open() takes
        state = self.state_dict()
        for name, x in state.items():
            if not math.isfinite(x):
                raise ValueError(
                    f"cannot save {self.signature()} to {path}: parameter {name!r} is {x!r}, "
                    f"and a model file holds finite numbers only (a nan or infinite weight "
                    f"means training diverged: try a smaller learning rate, or clip_norm)"
                )
        document = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "class": type(self).__name__,
            "model": self.signature(),
            "parameters": state,
        }
        text = json.dumps(document, indent=1, allow_nan=False) + "\n"
        write_atomically(path, text.encode("utf-8"))

    def load(self, path: str | os.PathLike, *, max_bytes: int = MAX_FILE_BYTES) -> None:
        """Read parameters saved by save() into this model; on any error the model is unchanged.

        Raises FileNotFoundError (or another OSError) when the file cannot be read, and
        ValueError, naming the file, when it is longer than max_bytes (MAX_FILE_BYTES, 64 MiB,
        unless given: over a million parameters), is not a model file (not UTF-8, not JSON,
        nested too deeply, or without the fields save() writes), holds a number that is not
        finite (NaN, Infinity or 1e999, which save() never writes), or holds another
        architecture.
        """
        path = os.fsdecode(path)  # a str, pathlib.Path or bytes path, as open() takes
        max_bytes = positive_int(max_bytes, "load max_bytes")
        document = _parse_json(_read_text(path, max_bytes), path)
        state = _decode_document(document, path, type(self).__name__)
        named = self._named_state()
        problem = _compare_names([name for name, _ in named], list(state))
        if problem:
            raise ValueError(
                f"{path} holds {document.get('model', 'a model')} with {len(state)} parameters, "
                f"which does not fit this {self.signature()} with {len(named)}: {problem}"
            )
        self.load_state_dict(state)

    def signature(self) -> str:
        """The class and its constructor arguments, e.g. "Layer(2, 16, activation='relu')"."""
        return f"{type(self).__name__}({self.extra_repr()})"

    def __repr__(self) -> str:
        count = self.num_parameters()
        return f"{self.signature()}  # {count} parameter{'' if count == 1 else 's'}"


# --- helpers ---------------------------------------------------------------------------------


def _join(prefix: str, name: str) -> str:
    """A dotted path: _join("layers.0", "b") is "layers.0.b"; _join("", "b") is "b"."""
    return f"{prefix}.{name}" if prefix else name


def _compare_names(expected: list[str], given: list[str]) -> str:
    """A sentence listing missing and unexpected names, or "" when the two sets agree."""
    given_set, expected_set = set(given), set(expected)
    missing = [name for name in expected if name not in given_set]
    unexpected = [name for name in given if name not in expected_set]
    parts = []
    for kind, names in (("missing", missing), ("unexpected", unexpected)):
        if names:
            noun = "parameter name" if len(names) == 1 else "parameter names"
            parts.append(f"{len(names)} {kind} {noun} ({_some(names)})")
    return "; ".join(parts)


def _some(names: list[str], limit: int = 4) -> str:
    """The first few names, then "..." when there are more."""
    shown = ", ".join(names[:limit])
    return shown + (", ..." if len(names) > limit else "")


def _to_float(x: Real, what: str) -> float:
    """float(x), or a ValueError for an integer too large for a float (float(10**400))."""
    try:
        return float(x)
    except OverflowError:
        raise ValueError(f"{what} is {x}, too large for a float") from None


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object as a dict, refusing the same key twice (json would keep the last)."""
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one JSON object")
        result[key] = value
    return result


def _read_text(path: str, max_bytes: int) -> str:
    """The UTF-8 text of the file at `path`, after a ValueError if it is over max_bytes long.

    A regular file's size is known before it is read. A pipe or a device such as /dev/zero
    has no size, so the file is read in chunks and given up one byte past the limit: memory
    stays bounded whatever `path` is. (Opening a named pipe waits for a writer, as it does
    for any program that reads one.)
    """
    size = os.stat(path).st_size
    if size > max_bytes:
        raise ValueError(_too_long(path, f"{size:,} bytes", max_bytes))
    data = bytearray()
    with open(path, "rb") as f:
        while len(data) <= max_bytes:
            chunk = f.read(min(_CHUNK_BYTES, max_bytes + 1 - len(data)))
            if not chunk:
                break
            data += chunk
    if len(data) > max_bytes:
        raise ValueError(_too_long(path, f"more than {max_bytes:,} bytes", max_bytes))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not a chainrule model file: not UTF-8 ({error})") from None


def _too_long(path: str, size: str, max_bytes: int) -> str:
    """The message for a file over load()'s limit."""
    return (
        f"{path} is {size} long, over the limit of {max_bytes:,} bytes for a model file; "
        f"if it is one, raise the limit: model.load(path, max_bytes=...)"
    )


def _parse_json(text: str, path: str) -> object:
    """json.loads(text), with every way it can fail turned into a ValueError naming `path`."""
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a chainrule model file: invalid JSON ({error})") from None
    except RecursionError:  # json reads nested arrays and objects by recursion
        raise ValueError(
            f"{path} is not a chainrule model file: its JSON is nested too deeply to read"
        ) from None
    except ValueError as error:  # a key twice, or an integer of more than 4300 digits
        raise ValueError(f"{path} is not a valid chainrule model file: {error}") from None


def _decode_document(document: object, path: str, class_name: str) -> dict[str, float]:
    """The parameters of a parsed model file, after checking its format and class."""
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise ValueError(f"{path} is not a chainrule model file (no format {FILE_FORMAT!r})")
    version = document.get("version")
    if version != FILE_VERSION:
        raise ValueError(
            f"{path} has format version {version!r}; this chainrule reads version {FILE_VERSION}"
        )
    if document.get("class") != class_name:
        raise ValueError(
            f"{path} holds a {document.get('class')!r} model, but this model is a {class_name!r}"
        )
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise ValueError(f"{path} has no 'parameters' object")
    state = {}
    for name, x in parameters.items():
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError(f"{path}: parameter {name!r} has the value {x!r}, not a number")
        number = _to_float(x, f"{path}: parameter {name!r}")
        if not math.isfinite(number):  # NaN, Infinity, or a literal too large, as 1e999
            raise ValueError(
                f"{path}: parameter {name!r} is {number!r}, and a model file holds finite "
                f"numbers only (save() refuses a model with a nan or infinite parameter)"
            )
        state[name] = number
    return state

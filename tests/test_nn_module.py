"""nn.Module: parameter discovery and names, scopes, train/eval, state_dict, save and load."""

import fcntl
import json
import math
import os
import re
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograd import Value, files, name_scope
from nn import MLP, Dropout, Layer, Module, Neuron, module

ROOT = Path(__file__).resolve().parent.parent  # subprocesses import this copy of nn


def bits(x: float) -> bytes:
    """The exact bytes of a float: tells -0.0 from 0.0 and catches any rounding."""
    return struct.pack("<d", x)


def same_state(a: dict, b: dict) -> bool:
    """Two state_dicts with the same names, in the same order, and bit-identical numbers."""
    return list(a) == list(b) and all(bits(a[k]) == bits(b[k]) for k in a)


# --- counting and naming parameters ----------------------------------------------------------


def test_mlp_parameter_count_is_weights_plus_biases_of_every_layer():
    # 2*16 + 16 + 16*16 + 16 + 16*1 + 1 = 337
    model = MLP(2, [16, 16, 1], seed=0)
    assert len(model.parameters()) == 337
    assert model.num_parameters() == 337


def test_neuron_and_layer_parameter_counts():
    assert len(Neuron(5, seed=0).parameters()) == 6  # 5 weights and a bias
    assert len(Layer(3, 4, seed=0).parameters()) == 16  # 4 neurons of 3 weights and a bias


def test_parameter_names_are_dotted_paths():
    model = MLP(2, [4, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert "layers.0.neurons.3.w.1" in names
    assert len(names) == len(set(names)) == 2 * 4 + 4 + 4 + 1


def test_parameter_names_are_stable_across_instances_and_calls():
    a, b = MLP(3, [5, 2], seed=1), MLP(3, [5, 2], seed=2)
    assert [n for n, _ in a.named_parameters()] == [n for n, _ in b.named_parameters()]
    assert a.named_parameters() == a.named_parameters()


def test_named_parameters_hold_the_very_values_the_model_uses():
    model = MLP(2, [3, 1], seed=0)
    named = dict(model.named_parameters())
    assert named["layers.0.neurons.2.w.1"] is model.layers[0].neurons[2].w[1]
    assert named["layers.1.neurons.0.b"] is model.layers[1].neurons[0].b


def test_parameters_are_labelled_for_drawings():
    neuron = Neuron(3, seed=0)
    assert [p.label for p in neuron.parameters()] == ["w0", "w1", "w2", "b"]


def test_a_module_without_parameters_has_none():
    assert Dropout(0.5).parameters() == []
    assert Module().parameters() == []


class Pair(Module):
    """A hand-written module: two layers and a scale parameter, listed explicitly."""

    def __init__(self):
        self.first = Layer(2, 3, seed=0)
        self.second = Layer(3, 1, activation="linear", seed=1)
        self.drop = Dropout(0.5, seed=0)
        self.scale = Value(2.0, label="scale")
        self.tag_parameters()

    def own_parameters(self):
        return [("scale", self.scale)]

    def submodules(self):
        return [("first", self.first), ("drop", self.drop), ("second", self.second)]

    def __call__(self, x):
        with name_scope("first"):
            h = self.first(x)
        with name_scope("drop"):
            h = self.drop(h)
        with name_scope("second"):
            return self.second(h)[0] * self.scale


def test_custom_modules_list_their_parts_explicitly():
    names = [name for name, _ in Pair().named_parameters()]
    assert names[0] == "scale"
    assert names[1:4] == ["first.neurons.0.w.0", "first.neurons.0.w.1", "first.neurons.0.b"]
    assert names[-1] == "second.neurons.0.b"
    assert len(names) == 1 + 9 + 4


def test_a_submodule_that_is_not_a_module_is_a_type_error():
    class Broken(Module):
        def submodules(self):
            return [("layer", [1, 2])]

    with pytest.raises(TypeError, match="'layer'.*not a Module"):
        Broken().parameters()


def test_a_parameter_that_is_not_a_value_is_a_type_error():
    class Broken(Module):
        def own_parameters(self):
            return [("w", 1.0)]

    with pytest.raises(TypeError, match="'w' is a float, not a Value"):
        Broken().parameters()


def test_two_parameters_with_one_name_are_rejected():
    class Broken(Module):
        def own_parameters(self):
            return [("w", Value(1.0)), ("w", Value(2.0))]

    with pytest.raises(ValueError, match="both named 'w'"):
        Broken().named_parameters()


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# --- scopes: nodes and parameters carry their module's path ----------------------------------


def test_nodes_computed_inside_a_neuron_carry_its_path_as_scope():
    model = MLP(2, [4, 1], seed=0)
    out = model([0.5, -1.0])
    assert out.scope == "layers.1.neurons.0"
    # out = act(b + w0*x0 + ...): walk back to nodes of layer 0
    scopes = set()
    stack = [out]
    while stack:
        node = stack.pop()
        if node.op is not None:
            scopes.add(node.scope)
        stack.extend(node.inputs)
    assert scopes == {f"layers.0.neurons.{j}" for j in range(4)} | {"layers.1.neurons.0"}


def test_parameters_carry_the_path_of_the_module_that_owns_them():
    model = MLP(2, [4, 1], seed=0)
    for name, p in model.named_parameters():
        owner = name.rsplit(".w.", 1)[0] if ".w." in name else name.rsplit(".", 1)[0]
        assert p.scope == owner
    assert model.layers[0].neurons[3].w[1].scope == "layers.0.neurons.3"


def test_a_model_called_inside_a_scope_nests_under_it():
    model = MLP(2, [2, 1], seed=0)
    with name_scope("encoder"):
        out = model([1.0, 2.0])
    assert out.scope == "encoder.layers.1.neurons.0"


def test_a_lone_neuron_has_the_empty_scope():
    neuron = Neuron(2, seed=0)
    assert neuron.b.scope == ""
    assert neuron([1.0, 2.0]).scope == ""


# --- train and eval --------------------------------------------------------------------------


def test_train_and_eval_set_the_flag_on_every_submodule():
    model = Pair()
    assert all(m.training for _, m in model.named_modules())
    assert model.eval() is model
    assert not any(m.training for _, m in model.named_modules())
    model.train()
    assert all(m.training for _, m in model.named_modules())


def test_train_takes_only_a_bool():
    with pytest.raises(TypeError, match="True or False"):
        MLP(2, [1], seed=0).train("no")


def test_eval_turns_dropout_off_inside_a_model():
    model = Pair()
    model.eval()
    assert model([1.0, 2.0]).data == model([1.0, 2.0]).data


# --- repr ------------------------------------------------------------------------------------


def test_repr_reads_like_the_constructor_with_the_parameter_count():
    assert repr(MLP(2, [16, 16, 1], seed=0)) == (
        "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')  # 337 parameters"
    )
    assert repr(Layer(2, 3, activation="tanh", seed=0)) == (
        "Layer(2, 3, activation='tanh')  # 9 parameters"
    )
    assert repr(Neuron(1, seed=0)) == "Neuron(1, activation='relu')  # 2 parameters"
    assert repr(Dropout(0.25)) == "Dropout(p=0.25)  # 0 parameters"


# --- state_dict ------------------------------------------------------------------------------


def test_state_dict_maps_names_to_numbers_in_parameter_order():
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert list(state.values()) == [p.data for p in model.parameters()]


def test_load_state_dict_copies_another_models_numbers():
    a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    b.load_state_dict(a.state_dict())
    assert same_state(a.state_dict(), b.state_dict())
    assert a([0.3, 0.7]).data == b([0.3, 0.7]).data


def test_load_state_dict_accepts_ints_and_numpy_numbers():
    import numpy as np

    model = Neuron(2, seed=0)
    model.load_state_dict({"w.0": 1, "w.1": np.float32(0.5), "b": np.float64(-2.0)})
    assert model.state_dict() == {"w.0": 1.0, "w.1": 0.5, "b": -2.0}
    assert all(type(x) is float for x in model.state_dict().values())


@pytest.mark.parametrize(
    "change, error, message",
    [
        (
            lambda s: s.pop("layers.1.neurons.0.b"),
            ValueError,
            r"1 missing parameter name \(layers.1.neurons.0.b\)",
        ),
        (lambda s: s.update(extra=1.0), ValueError, r"1 unexpected parameter name \(extra\)"),
        (
            lambda s: s.update({"layers.0.neurons.0.b": "0.5"}),
            TypeError,
            "'layers.0.neurons.0.b' must be a real number, got str",
        ),
        (lambda s: s.update({"layers.0.neurons.0.b": None}), TypeError, "got NoneType"),
        (lambda s: s.update({"layers.0.neurons.0.b": True}), TypeError, "got bool"),
        (lambda s: s.update({"layers.0.neurons.0.b": [1.0]}), TypeError, "got list"),
        (lambda s: s.update({3: 1.0}), TypeError, "keys must be parameter names"),
    ],
)
def test_a_bad_state_dict_is_rejected_and_changes_nothing(change, error, message):
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    bad = {name: 7.0 for name in before}  # would change every parameter, if it were loaded
    change(bad)
    with pytest.raises(error, match=message):
        model.load_state_dict(bad)
    assert same_state(model.state_dict(), before)


def test_load_state_dict_wants_a_mapping():
    with pytest.raises(TypeError, match="mapping"):
        Neuron(1, seed=0).load_state_dict([("w.0", 1.0), ("b", 0.0)])


# --- save and load ---------------------------------------------------------------------------

TRICKY = [0.1 + 0.2, 1e-308, -0.0, 5e-324, 1.7976931348623157e308, -1 / 3, 2.0**-1074, 1e16 + 1]


def tricky_model() -> Layer:
    """A layer whose parameters hold floats that a careless format would round or flip."""
    layer = Layer(3, 2, seed=0)  # 8 parameters
    names = [name for name, _ in layer.named_parameters()]
    layer.load_state_dict(dict(zip(names, TRICKY)))
    return layer


def test_save_then_load_gives_bit_identical_parameters(tmp_path):
    saved = tricky_model()
    saved.save(tmp_path / "model.json")
    loaded = Layer(3, 2, seed=99)
    loaded.load(tmp_path / "model.json")
    assert same_state(loaded.state_dict(), saved.state_dict())
    assert bits(loaded.state_dict()["neurons.0.w.2"]) == bits(-0.0)


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf])
def test_save_refuses_a_nan_or_infinite_parameter_naming_it(tmp_path, x):
    path = tmp_path / "m.json"
    Neuron(2, seed=0).save(path)
    old_bytes = path.read_bytes()
    model = Neuron(2, seed=1)
    model.load_state_dict({"w.0": 0.5, "w.1": x, "b": 0.0})
    with pytest.raises(ValueError, match=rf"parameter 'w.1' is {x!r}, and a model file holds"):
        model.save(path)
    assert path.read_bytes() == old_bytes  # the last good save is kept
    assert os.listdir(tmp_path) == ["m.json"]


def test_a_saved_file_is_strict_json_of_plain_numbers(tmp_path):
    tricky_model().save(tmp_path / "m.json")
    # no NaN or Infinity literals: any JSON parser reads it
    document = json.loads(
        (tmp_path / "m.json").read_text(), parse_constant=lambda c: pytest.fail(c)
    )
    assert all(type(x) is float for x in document["parameters"].values())


def test_the_file_records_format_version_class_model_and_names(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    model.save(tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text())
    assert document["format"] == "chainrule.nn"
    assert document["version"] == 1
    assert document["class"] == "MLP"
    assert document["model"] == "MLP(2, [2, 1], activation='relu', output_activation='linear')"
    assert list(document["parameters"]) == list(model.state_dict())


def test_save_replaces_an_existing_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [2, 1], seed=0).save(path)
    model = MLP(2, [2, 1], seed=1)
    model.save(path)
    assert os.listdir(tmp_path) == ["m.json"]
    check = MLP(2, [2, 1], seed=2)
    check.load(path)
    assert same_state(check.state_dict(), model.state_dict())


def test_save_through_a_symbolic_link_writes_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "models").mkdir()
    target, link = tmp_path / "models" / "m.json", tmp_path / "latest.json"
    MLP(2, [2, 1], seed=0).save(target)
    link.symlink_to(target)
    model = MLP(2, [2, 1], seed=1)
    model.save(link)
    assert link.is_symlink() and link.resolve() == target
    check = MLP(2, [2, 1], seed=2)
    check.load(target)
    assert same_state(check.state_dict(), model.state_dict())
    assert sorted(os.listdir(tmp_path)) == ["latest.json", "models"]
    assert os.listdir(tmp_path / "models") == ["m.json"]  # no temporary left beside it


def test_save_and_load_take_a_bytes_path_as_open_does(tmp_path):
    path = os.fsencode(tmp_path / "m.json")
    model = MLP(2, [2, 1], seed=0)
    model.save(path)
    check = MLP(2, [2, 1], seed=1)
    check.load(path)
    assert same_state(check.state_dict(), model.state_dict())
    with pytest.raises(TypeError, match="not int"):
        model.save(3)


def test_save_accepts_a_str_path(tmp_path):
    path = str(tmp_path / "m.json")
    Neuron(1, seed=0).save(path)
    assert os.path.exists(path)


def disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


def permission_denied(path, *args, **kwargs):
    raise PermissionError(13, "Permission denied", path)


def interrupted(*args, **kwargs):
    raise KeyboardInterrupt


class FullDisk:
    """A file whose write() fails as on a full disk; everything else is the real file's."""

    def __init__(self, file):
        self.file = file

    def write(self, text):
        disk_full()

    def __getattr__(self, name):
        return getattr(self.file, name)


def real_open_then_full_disk(*args, **kwargs):
    return FullDisk(open(*args, **kwargs))


# Ways a save can fail, each installed with monkeypatch.setattr(where, name, replacement). The
# test runs as any user, root included, so permissions are refused by stand-ins, not chmod.
SAVE_FAILURES = {
    "creating the temporary": (files, "open", permission_denied),  # found before builtins
    "writing": (files, "open", real_open_then_full_disk),
    "fsync": (os, "fsync", disk_full),
    "chmod": (os, "chmod", permission_denied),
    "replace": (os, "replace", disk_full),
}


@pytest.mark.parametrize("failure", SAVE_FAILURES)
def test_a_failed_save_names_the_target_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path, monkeypatch, failure
):
    path = tmp_path / "m.json"
    MLP(2, [2, 1], seed=0).save(path)
    old_bytes = path.read_bytes()
    where, name, replacement = SAVE_FAILURES[failure]
    monkeypatch.setattr(where, name, replacement, raising=False)
    with pytest.raises(OSError) as error:
        MLP(2, [2, 1], seed=1).save(path)
    monkeypatch.undo()
    assert error.value.filename == str(path)  # not the hidden temporary's name
    assert ".tmp" not in str(error.value)
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["m.json"]


def test_a_refused_save_stays_a_permission_error(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "open", permission_denied, raising=False)
    with pytest.raises(PermissionError, match=r"\[Errno 13\] Permission denied: '.*m.json'$"):
        Neuron(1, seed=0).save(tmp_path / "m.json")


def test_an_interrupted_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    MLP(2, [2, 1], seed=0).save(path)
    old_bytes = path.read_bytes()
    monkeypatch.setattr(os, "fsync", interrupted)  # Ctrl-C after the write, before the rename
    with pytest.raises(KeyboardInterrupt):
        MLP(2, [2, 1], seed=1).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["m.json"]


def test_a_save_into_a_missing_folder_names_the_target_and_leaves_no_files(tmp_path):
    target = tmp_path / "nowhere" / "m.json"
    with pytest.raises(FileNotFoundError) as error:
        Neuron(1, seed=0).save(target)
    assert error.value.filename == str(target)
    assert os.listdir(tmp_path) == []


# --- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_saving_over_a_file_keeps_its_permissions(tmp_path, mode):
    path = tmp_path / "m.json"
    Neuron(1, seed=0).save(path)
    os.chmod(path, mode)
    Neuron(1, seed=1).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path):
    umask = os.umask(0o027)
    try:
        Neuron(1, seed=0).save(tmp_path / "m.json")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "m.json").stat().st_mode) == 0o666 & ~0o027  # 0o640


# --- temporaries left by killed saves --------------------------------------------------------

# A save killed at the worst moment: its temporary is written and fsynced, and the process
# dies by SIGKILL (no cleanup code runs) just before the rename.
KILLED_SAVE = """
import os, signal
from nn import MLP
os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
MLP(2, [8, 1], seed=1).save({path!r})
"""


def temporaries(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def age(path, seconds: float) -> None:
    """Set the file's times `seconds` into the past."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_next_save_removes_the_temporary_of_a_killed_save(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [8, 1], seed=0).save(path)
    old_bytes = path.read_bytes()
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_SAVE.format(path=str(path))],
        cwd=ROOT,
    )
    assert killed.returncode == -signal.SIGKILL
    assert path.read_bytes() == old_bytes  # the old file is intact
    (orphan,) = temporaries(tmp_path)
    assert re.fullmatch(r"\.m\.json\.[0-9a-f]{8}\.tmp", orphan)
    age(tmp_path / orphan, 10)  # past the two seconds between a writer's create and lock
    MLP(2, [8, 1], seed=2).save(path)
    assert os.listdir(tmp_path) == ["m.json"]


def test_a_temporary_still_locked_by_its_writer_is_left_alone(tmp_path):
    path = tmp_path / "m.json"
    busy = tmp_path / ".m.json.0123abcd.tmp"  # as a save under way in another process
    with open(busy, "w") as writer:
        fcntl.flock(writer, fcntl.LOCK_EX)
        age(busy, 10)  # a slow writer: old, but alive
        Neuron(1, seed=0).save(path)
        assert busy.exists()
    Neuron(1, seed=0).save(path)  # its writer is gone: now it is an orphan
    assert not busy.exists()


def test_only_old_temporaries_of_the_same_target_are_removed(tmp_path):
    keep = [
        ".m.json.0123abcd.tmp",  # unlocked, but a moment old: its writer may not have locked it
        ".other.json.0123abcd.tmp",  # another target's
        ".m.json.notmine.tmp",  # not a name save() makes
        "m.json.0123abcd.tmp",
    ]
    for name in keep:
        (tmp_path / name).write_text("{")
    for name in keep[1:]:
        age(tmp_path / name, 10)
    Neuron(1, seed=0).save(tmp_path / "m.json")
    assert sorted(os.listdir(tmp_path)) == sorted([*keep, "m.json"])


def test_saves_of_one_target_from_two_threads_all_succeed(tmp_path):
    path = tmp_path / "m.json"
    errors = []

    def save_often(seed):
        try:
            for _ in range(30):
                MLP(2, [4, 1], seed=seed).save(path)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=save_often, args=(seed,)) for seed in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert os.listdir(tmp_path) == ["m.json"]
    MLP(2, [4, 1], seed=3).load(path)  # one whole file, from one of them


def saved_then_edited(tmp_path, edit) -> str:
    """The path of a file saved from MLP(2, [2, 1]), its JSON document changed by `edit`."""
    path = tmp_path / "edited.json"
    MLP(2, [2, 1], seed=5).save(path)
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    return str(path)


def set_parameter(value):
    """An edit that sets one parameter of the document to `value`."""
    return lambda document: document["parameters"].update({"layers.0.neurons.0.b": value})


def bad_file(tmp_path, case: str) -> str:
    """The path of a file that MLP(2, [2, 1]).load must refuse, for each case below."""
    path = tmp_path / "bad.json"
    if case in TEXTS:
        path.write_bytes(TEXTS[case])
    elif case in EDITS:
        return saved_then_edited(tmp_path, EDITS[case])
    elif case == "duplicate key":  # json.loads alone would silently keep the second value
        text = open(saved_then_edited(tmp_path, lambda document: None)).read()
        path.write_text(text.replace('"layers.0.neurons.0.w.1"', '"layers.0.neurons.0.w.0"'))
    elif case == "1e999":  # a number too large for a float: json reads it as inf
        text = open(saved_then_edited(tmp_path, set_parameter(12345.0))).read()
        path.write_text(text.replace("12345.0", "1e999"))
    else:  # a real model file, from another architecture
        ARCHITECTURES[case].save(path)
    return str(path)


TEXTS = {
    "empty": b"",
    "truncated": b'{"format": "chainrule.nn", "ver',
    "not json": b"w0 = 0.5\n",
    "not utf-8": b"\xff\xfe\x00",
    "a list": b"[1, 2, 3]",
    # valid JSON, but json.loads reads nesting by recursion and raises RecursionError
    "deeply nested lists": b"[" * 100_000 + b"]" * 100_000,
    "deeply nested objects": b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
}
EDITS = {
    "other format": lambda document: document.update(format="torch"),
    "newer version": lambda document: document.update(version=2),
    "other class": lambda document: document.update({"class": "Layer"}),
    "no parameters": lambda document: document.pop("parameters"),
    "text value": set_parameter("zero"),
    "bool value": set_parameter(True),
    "null value": set_parameter(None),
    "NaN": set_parameter(math.nan),  # json.dumps writes the literals NaN, Infinity, -Infinity
    "Infinity": set_parameter(math.inf),
    "-Infinity": set_parameter(-math.inf),
    "the text nan": set_parameter("nan"),
    "missing parameter": lambda document: document["parameters"].pop("layers.1.neurons.0.b"),
    "extra parameter": lambda document: document["parameters"].update(extra=1.0),
}
ARCHITECTURES = {"wider layers": MLP(2, [3, 1]), "deeper model": MLP(2, [2, 2, 1])}
BAD_FILES = [*TEXTS, *EDITS, "duplicate key", "1e999", *ARCHITECTURES]


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_rejected_with_a_value_error_and_the_model_untouched(tmp_path, case):
    path = bad_file(tmp_path, case)
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError) as error:
        model.load(path)
    assert same_state(model.state_dict(), before)
    assert str(error.value).startswith(path)  # a sentence that names the file


def test_a_mismatched_architecture_names_both_models(tmp_path):
    MLP(2, [3, 1], seed=0).save(tmp_path / "wide.json")
    with pytest.raises(ValueError) as error:
        MLP(2, [2, 1], seed=0).load(tmp_path / "wide.json")
    message = str(error.value)
    assert "holds MLP(2, [3, 1], activation='relu', output_activation='linear') with 13" in message
    assert "this MLP(2, [2, 1], activation='relu', output_activation='linear') with 9" in message
    assert "4 unexpected parameter names (layers.0.neurons.2.w.0, " in message


def test_loading_into_another_class_says_which_classes(tmp_path):
    Layer(2, 1, seed=0).save(tmp_path / "layer.json")
    with pytest.raises(ValueError, match="'Layer' model, but this model is a 'MLP'"):
        MLP(2, [1], seed=0).load(tmp_path / "layer.json")


def test_a_missing_file_raises_file_not_found_and_changes_nothing(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "absent.json")
    assert same_state(model.state_dict(), before)


@pytest.mark.parametrize(
    "case, message",
    [
        ("deeply nested lists", "its JSON is nested too deeply to read"),
        ("NaN", r"parameter 'layers.0.neurons.0.b' is nan, and a model file holds finite"),
        ("Infinity", "parameter 'layers.0.neurons.0.b' is inf"),
        ("-Infinity", "parameter 'layers.0.neurons.0.b' is -inf"),
        ("1e999", "parameter 'layers.0.neurons.0.b' is inf"),
    ],
)
def test_deep_nesting_and_non_finite_numbers_are_refused_saying_why(tmp_path, case, message):
    with pytest.raises(ValueError, match=message):
        MLP(2, [2, 1], seed=0).load(bad_file(tmp_path, case))


# --- the size limit of load ------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_by_its_size_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    MLP(2, [2, 1], seed=0).save(path)
    size = path.stat().st_size
    model = MLP(2, [2, 1], seed=1)
    before = model.state_dict()
    fail = lambda *args: pytest.fail("the file was opened")  # noqa: E731
    monkeypatch.setattr(module, "open", fail, raising=False)  # found before the builtin open
    with pytest.raises(ValueError) as error:
        model.load(path, max_bytes=size - 1)
    assert str(error.value) == (
        f"{path} is {size:,} bytes long, over the limit of {size - 1:,} bytes for a model "
        f"file; if it is one, raise the limit: model.load(path, max_bytes=...)"
    )
    assert same_state(model.state_dict(), before)


def test_a_file_of_exactly_max_bytes_loads(tmp_path):
    path = tmp_path / "m.json"
    saved = MLP(2, [2, 1], seed=0)
    saved.save(path)
    loaded = MLP(2, [2, 1], seed=1)
    loaded.load(path, max_bytes=path.stat().st_size)
    assert same_state(loaded.state_dict(), saved.state_dict())


def test_the_default_limit_holds_a_million_parameters():
    # A long line of a saved MLP(784, [1000, 1000, 10]): one of its longest names and a
    # float's longest repr, indented by one space, with ": " and ",\n" (56 bytes)
    line = ' "layers.1.neurons.999.w.999": -1.2345678901234567e-100,\n'
    assert len(line) * 1_000_000 < module.MAX_FILE_BYTES


# Loads /dev/zero in a process whose memory is capped at 1 GiB, so that a load that ignored
# the limit would fail there with a MemoryError instead of eating this machine's memory.
LOAD_DEV_ZERO = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
from nn import MLP
try:
    MLP(2, [2, 1], seed=0).load("/dev/zero")
except ValueError as error:
    print(error)
"""


def test_an_endless_device_is_read_only_up_to_the_default_limit():
    # /dev/zero has no size and never ends: load reads MAX_FILE_BYTES + 1 bytes and stops
    done = subprocess.run(
        [sys.executable, "-c", LOAD_DEV_ZERO],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.startswith("/dev/zero is more than 67,108,864 bytes long"), done.stderr


def test_an_endless_pipe_is_read_only_up_to_the_limit(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write_forever():
        try:
            with open(fifo, "wb") as f:
                while True:
                    f.write(b"[" * 65536)
        except BrokenPipeError:  # the reader gave up and closed its end
            pass

    writer = threading.Thread(target=write_forever, daemon=True)
    writer.start()
    try:
        with pytest.raises(ValueError, match="pipe is more than 100,000 bytes long"):
            MLP(2, [2, 1], seed=0).load(fifo, max_bytes=100_000)
    finally:  # if load never opened the pipe, the writer still waits for a reader: be one
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(timeout=10)
    assert not writer.is_alive()


@pytest.mark.parametrize("max_bytes, error", [(0, ValueError), (1.5, TypeError), (None, TypeError)])
def test_max_bytes_must_be_a_positive_int(tmp_path, max_bytes, error):
    Neuron(1, seed=0).save(tmp_path / "m.json")
    with pytest.raises(error, match="load max_bytes must be"):
        Neuron(1, seed=0).load(tmp_path / "m.json", max_bytes=max_bytes)

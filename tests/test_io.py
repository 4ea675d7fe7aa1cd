"""lab.io: the bytes of every download and the strict checks of every upload.

Each bad file is checked twice: its message (naming the problem) and that loading it
through the session leaves the net, trainer, settings and data bit for bit as they were.
"""

import ast
import csv
import io
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from lab import io as lio
from lab.equations import stage_equations
from lab.stages import build_stages
from lab.state import Settings, View, current_pass, make_data, new_lab, reset
from nncore import ACTIVATIONS, MLP, Trainer, datasets

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- helpers
def bits(arrays) -> list[bytes]:
    return [np.ascontiguousarray(a, dtype=np.float64).tobytes() for a in arrays]


def trained_lab(steps: int = 37):
    lab = new_lab()
    lab.trainer.step(steps)
    return lab


def snapshot(lab) -> dict:
    """Everything an upload may change, as comparable values (arrays as bytes)."""
    d = lab.data
    return {"W": bits(lab.net.W), "b": bits(lab.net.b), "net": id(lab.net),
            "trainer": id(lab.trainer), "steps": lab.trainer.steps,
            "epoch": lab.trainer.epoch, "hist": repr(lab.trainer.history),
            "settings": lab.settings, "data": bits([d.X_train, d.Y_train, d.X_test, d.Y_test]),
            "generation": lab.generation, "running": lab.running,
            "last_step": lab.last_step, "notice": lab.notice,
            "custom": getattr(lab, "custom_data_name", None)}


def good_weights(lab=None) -> dict:
    lab = lab or trained_lab()
    return json.loads(lio.weights_json(lab.net, lab.settings, lab.trainer.steps,
                                       lab.trainer.epoch))


def dumps(obj) -> bytes:
    return json.dumps(obj).encode()


def with_(**changes) -> bytes:
    obj = good_weights(new_lab())
    obj.update(changes)
    return dumps(obj)


def without(key) -> bytes:
    obj = good_weights(new_lab())
    del obj[key]
    return dumps(obj)


def v1_with(**changes) -> bytes:
    """A good version 1 file (no "features") with these changes."""
    obj = good_weights(new_lab())
    for key in ("features", "regularization", "reg_rate"):  # version 2's
        del obj[key]
    obj.update(version=1, **changes)
    return dumps(obj)


def edit(path, value) -> bytes:
    """A good file with one nested entry replaced, e.g. path ("W", 1, 0, 2)."""
    obj = good_weights(new_lab())
    target = obj
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    return dumps(obj)


def fresh_weights() -> bytes:
    """The weights file of a fresh session (seed 0, step 0)."""
    lab = new_lab()
    return lio.weights_json(lab.net, lab.settings, 0, 0)


def replace_text(old: str, new: str) -> bytes:
    text = fresh_weights().decode()
    assert old in text
    return text.replace(old, new, 1).encode()


def in_b1(token: str) -> bytes:
    """A good file whose b⁽¹⁾[0] (0.0 at the start) is written as ``token``."""
    return replace_text("[0.0, 0.0, 0.0]", f"[{token}, 0.0, 0.0]")


# ---------------------------------------------------------------- weights: download
def test_weights_json_has_the_documented_fields():
    lab = trained_lab()
    obj = json.loads(lio.weights_json(lab.net, lab.settings, lab.trainer.steps,
                                      lab.trainer.epoch))
    assert list(obj) == ["format", "version", "sizes", "features", "regularization",
                         "reg_rate", "activation", "settings", "steps", "epoch", "W", "b"]
    assert obj["format"] == "backprop-lab-weights" and obj["version"] == 2
    assert obj["sizes"] == [2, 3, 4, 2] and obj["activation"] == "tanh"
    assert obj["features"] == ["x1", "x2"]
    assert obj["settings"] == {k: list(v) if isinstance(v, tuple) else v
                               for k, v in asdict(lab.settings).items()}
    assert (obj["steps"], obj["epoch"]) == (37, lab.trainer.epoch)
    assert [np.shape(w) for w in obj["W"]] == [(3, 2), (4, 3), (2, 4)]
    assert [np.shape(v) for v in obj["b"]] == [(3,), (4,), (2,)]


def test_weights_round_trip_bit_for_bit_including_awkward_floats():
    lab = trained_lab()
    # values whose short decimal forms are easy to get wrong
    lab.net.W[0][0, 0] = -0.0
    lab.net.W[0][0, 1] = 5e-324           # the smallest subnormal
    lab.net.W[1][0, 0] = 1.0 / 3.0
    lab.net.W[1][0, 1] = np.nextafter(1.0, 2.0)
    lab.net.b[2][0] = -lio.MAX_WEIGHT           # the largest size a file may hold
    lab.net.b[2][1] = np.nextafter(lio.MAX_WEIGHT, 0.0)
    wf = lio.parse_weights(lio.weights_json(lab.net, lab.settings, 3, 0))
    assert bits(wf.W) == bits(lab.net.W) and bits(wf.b) == bits(lab.net.b)
    assert np.signbit(wf.W[0][0, 0])
    assert (wf.activation, wf.steps, wf.epoch, wf.version) == ("tanh", 3, 0, 2)
    assert wf.settings == {k: list(v) if isinstance(v, tuple) else v
                           for k, v in asdict(lab.settings).items()}


def test_upload_cap_is_the_config_value():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert lio.MAX_UPLOAD_MB == config["server"]["maxUploadSize"]
    assert lio.upload_bytes_limit() == config["server"]["maxUploadSize"] * 2**20


def test_download_reset_upload_restores_the_weights_bit_for_bit():
    lab = trained_lab(120)
    raw = lio.weights_json(lab.net, lab.settings, lab.trainer.steps, lab.trainer.epoch)
    saved_W, saved_b = bits(lab.net.W), bits(lab.net.b)
    reset(lab)
    assert bits(lab.net.W) != saved_W
    gen = lab.generation
    lab.running = True
    notice = lio.load_weights(lab, lio.parse_weights(raw), "w.json")
    assert bits(lab.net.W) == saved_W and bits(lab.net.b) == saved_b
    # training restarts from these weights at epoch 0 with the current settings
    t = lab.trainer
    assert t.net is lab.net and (t.steps, t.epoch) == (0, 0)
    assert (t.lr, t.batch_size, t.momentum) == (lab.settings.lr, lab.settings.batch_size,
                                                lab.settings.momentum)
    assert lab.generation == gen + 1 and not lab.running and lab.last_step is None
    assert notice == lab.notice and "w.json" in notice and "120 steps" in notice
    assert "epoch 0" in notice


def test_a_load_replaces_a_trained_trainer_with_a_new_one_at_epoch_0():
    lab = trained_lab(300)
    old = lab.trainer
    assert old.epoch > 0 and old.history.epoch
    raw = lio.weights_json(lab.net, lab.settings, old.steps, old.epoch)
    lio.load_weights(lab, lio.parse_weights(raw))
    t = lab.trainer
    assert t is not old and t.net is lab.net
    assert (t.steps, t.epoch, t.history.epoch) == (0, 0, [])
    assert t.latest["train_loss"] == pytest.approx(lab.net.loss(lab.data.X_train,
                                                                lab.data.Y_train), rel=1e-12)


def test_training_after_a_load_continues_from_the_loaded_weights():
    lab = trained_lab(50)
    raw = lio.weights_json(lab.net, lab.settings, 50, lab.trainer.epoch)
    other = new_lab(Settings(seed=5))
    lio.load_weights(other, lio.parse_weights(raw))
    other.trainer.step(10)
    # the same ten steps from a fresh network holding the same weights
    ref = MLP.from_params(lio.parse_weights(raw).W, lio.parse_weights(raw).b)
    d, s = other.data, other.settings
    Trainer(ref, d.X_train, d.Y_train, d.X_test, d.Y_test, lr=s.lr, batch_size=s.batch_size,
            momentum=s.momentum, seed=s.seed).step(10)
    assert bits(other.net.W) == bits(ref.W)


# ---------------------------------------------------------------- weights: bad files
LONG = "<b>**x**</b> :red[y] $z$ " + "x" * 500
BAD_WEIGHTS = {
    "empty": (b"", "is empty"),
    "blank": (b"  \n\t ", "is empty"),
    "random bytes": (bytes(range(256)) * 4, "not UTF-8"),
    "latin-1": ('{"format": "café"}'.encode("latin-1"), "not UTF-8"),
    "utf-16": (json.dumps({"format": "backprop-lab-weights"}).encode("utf-16"), "UTF-16"),
    "nul": (b'{"format": "a\x00"}', "NUL"),
    "not json": (b'{"format": ', "not valid JSON"),
    "trailing junk": (b"{} {}", "not valid JSON"),
    "a list": (b"[1, 2, 3]", "must hold a JSON object, got a list"),
    "a number": (b"3", "must hold a JSON object, got a number"),
    "wrong format": (with_(format="keras"), '"format" must be "backprop-lab-weights"'),
    "no format": (without("format"), "not a Backprop Lab weights file"),
    "version 3": (with_(version=3), 'Unsupported "version" 3: this app reads versions 1 and 2'),
    "version text": (with_(version="1"), 'Unsupported "version" "1"'),
    "version bool": (with_(version=True), 'Unsupported "version" true'),
    "no W": (without("W"), 'lacks "W"'),
    "no b": (without("b"), 'lacks "b"'),
    "unknown key": (with_(extra=1), 'Unknown key "extra"'),
    "sizes": (with_(sizes=[3, 3, 4, 2]), '"sizes" must be [2 (one per feature), 0 to 4'),
    "sizes bool": (with_(sizes=[2, 3, 4, True]), '"sizes" must be [2 (one per feature)'),
    "sizes deep": (with_(sizes=[2, 3, 3, 3, 3, 3, 2]), "0 to 4 hidden widths"),
    "sizes wide": (with_(sizes=[2, 9, 2]), "widths of 1 to 8"),
    "sizes outputs": (with_(sizes=[2, 3, 4, 3]), "1 or 2 outputs"),
    "shape differs": (with_(sizes=[2, 3, 3, 2]), "W⁽²⁾ must be 3×3, got 4×3"),
    "features": (with_(features=["x3"]), '"features" must be a list of one or more of'),
    "features twice": (with_(features=["x1", "x1"]), "(each once)"),
    "no features": (without("features"), 'The file lacks "features"'),
    "v1 sizes": (v1_with(sizes=[2, 3, 3, 2]), "in a version 1 file"),
    "v1 features": (with_(version=1), 'Unknown key "features"; version 1 has'),
    "settings hidden": (with_(settings={"hidden": [3, "4"]}), '"settings"."hidden" must be'),
    "activation": (with_(activation="softmax"), '"activation" must be one of tanh'),
    "activation type": (with_(activation=1), '"activation" must be one of'),
    "W not a list": (with_(W={"a": 1}), '"W" must be a list of 3 layers, got an object'),
    "two layers": (edit(("W",), good_weights(new_lab())["W"][:2]), "list of 3 layers, got 2"),
    "W2 transposed": (edit(("W", 1), np.zeros((3, 4)).tolist()), "W⁽²⁾ must be 4×3, got 3×4"),
    "W1 ragged": (edit(("W", 0, 1), [0.1]), "W⁽¹⁾ must be 3×2, got 3 rows of lengths [1, 2]"),
    "W3 flat": (edit(("W", 2), [0.1] * 8), "W⁽³⁾ must be 2×4"),
    "W string": (edit(("W", 1, 2, 0), "0.5"),
                 'W⁽²⁾[2][0] must be a number, got the string "0.5"'),
    "W bool": (edit(("W", 0, 0, 0), True), "W⁽¹⁾[0][0] must be a number, got true"),
    "W null": (edit(("W", 2, 1, 3), None), "W⁽³⁾[1][3] must be a number, got null"),
    "b length": (edit(("b", 1), [0.0] * 3), "b⁽²⁾ must have 4 numbers, got 3"),
    "b nested": (edit(("b", 0), [[0.0]] * 3), "b⁽¹⁾[0] must be a number, got a list"),
    "b bool": (edit(("b", 2, 1), False), "b⁽³⁾[1] must be a number, got false"),
    "NaN": (in_b1("NaN"), "NaN"),
    "Infinity": (in_b1("Infinity"), "Infinity"),
    "-Infinity": (in_b1("-Infinity"), "-Infinity"),
    "overflow": (in_b1("1e400"), "b⁽¹⁾[0] is 1e400, too large"),
    "huge int": (in_b1("9" * 5000), "b⁽¹⁾[0] is an integer of 5,000 digits, too large"),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "more than 8 deep"),
    "deep in W": (edit(("W", 0, 0, 0), [[[[[[0.0]]]]]]), "more than 8 deep"),
    "duplicate key": (replace_text('"version": 2,', '"version": 2, "version": 2,'),
                      'The key "version" appears twice'),
    "settings type": (with_(settings={"lr": "fast"}), '"settings"."lr" must be float'),
    "settings key": (with_(settings={"colour": 1}), '"settings" has an unknown name "colour"'),
    "settings not object": (with_(settings=[1]), '"settings" must be an object'),
    "settings activation": (with_(settings={"activation": "relu"}), "differs from"),
    "negative steps": (with_(steps=-1), '"steps" must be a whole number'),
    "float epoch": (with_(epoch=1.5), '"epoch" must be a whole number'),
    "oversize": (with_(format="backprop-lab-weights") + b" " * 2**20, "the limit is 1,048,576"),
    "hostile text": (with_(format=LONG), "not a Backprop Lab weights file"),
}


@pytest.mark.parametrize("name", list(BAD_WEIGHTS))
def test_bad_weights_file_is_named_and_changes_nothing(name):
    raw, expected = BAD_WEIGHTS[name]
    lab = trained_lab()
    before = snapshot(lab)
    with pytest.raises(lio.UploadError) as err:
        lio.load_weights(lab, lio.parse_weights(raw), "bad.json")
    message = str(err.value)
    assert expected in message, message
    assert len(message) < 400 and "x" * (lio.SHOW + 1) not in message
    assert snapshot(lab) == before


def test_a_file_for_another_activation_is_refused_and_changes_nothing():
    other = new_lab(Settings(activation="sigmoid"))
    raw = lio.weights_json(other.net, other.settings, 0, 0)
    lab = trained_lab()
    before = snapshot(lab)
    wf = lio.parse_weights(raw)  # a valid file ...
    with pytest.raises(lio.UploadError, match="trained with activation sigmoid; the app is "
                                              "set to tanh. Choose sigmoid"):
        lio.load_weights(lab, wf)  # ... for another network
    assert snapshot(lab) == before


# Weights beyond ±MAX_WEIGHT: refused, naming the entry, its size and the limit. (Python
# reads a JSON integer of any length exactly; up to 4300 digits it then has a value, and
# float64 holds none beyond 309 digits.)
LIMIT = "too large: every weight and bias must lie within ±1,000,000"
TOO_LARGE = {
    "W3 1e155": (edit(("W", 2, 0, 0), 1e155), f"W⁽³⁾[0][0] is 1e+155, {LIMIT}"),
    "W3 -1e300": (edit(("W", 2, 1, 3), -1e300), f"W⁽³⁾[1][3] is -1e+300, {LIMIT}"),
    "W1 max float": (edit(("W", 0, 0, 0), 1.7976931348623157e308),
                     f"W⁽¹⁾[0][0] is 1.7976931348623157e+308, {LIMIT}"),
    "b2 1e150": (edit(("b", 1, 2), 1e150), f"b⁽²⁾[2] is 1e+150, {LIMIT}"),
    "just over": (edit(("W", 1, 3, 2), 1000000.0000000001), "W⁽²⁾[3][2] is 1000000.0000000001"),
    "int just over": (edit(("b", 0, 0), 10**6 + 1), f"b⁽¹⁾[0] is 1000001, {LIMIT}"),
    "int of 310 digits": (in_b1("1" + "0" * 309), f"b⁽¹⁾[0] is an integer of 310 digits, {LIMIT}"),
    "int of 4300 digits": (in_b1("-" + "9" * 4300),
                           f"b⁽¹⁾[0] is an integer of 4,300 digits, {LIMIT}"),
    "steps beyond 2**53": (with_(steps=2**53), ('"steps" must be a whole number from 0 to '
                                               "9,007,199,254,740,991")),
    "epoch of 400 digits": (with_(epoch=10**400), '"epoch" must be a whole number from 0 to'),
}


@pytest.mark.parametrize("name", list(TOO_LARGE))
def test_a_number_too_large_is_refused_by_name_and_changes_nothing(name):
    raw, expected = TOO_LARGE[name]
    lab = trained_lab()
    before = snapshot(lab)
    with pytest.raises(lio.UploadError) as err:
        lio.load_weights(lab, lio.parse_weights(raw), "big.json")
    message = str(err.value)
    assert expected in message, message
    assert len(message) < 400 and not re.search(r"\d{20}", message)  # no wall of digits
    assert snapshot(lab) == before


def test_weights_at_the_limit_load():
    obj = good_weights(new_lab())
    obj["W"][0] = [[1e6, -1e6], [10**6, -10**6], [0, 5e-324]]  # floats and integers
    lab = new_lab()
    wf = lio.parse_weights(dumps(obj))
    lio.load_weights(lab, wf)
    assert lab.net.W[0].tolist() == [[1e6, -1e6], [1e6, -1e6], [0.0, 5e-324]]
    obj["steps"] = 2**53 - 1
    assert "saved after 9,007,199,254,740,991 steps" in lio.load_weights(
        lab, lio.parse_weights(dumps(obj)))


def test_the_size_cap_holds_for_a_direct_call():
    raw = fresh_weights()
    assert lio.parse_weights(raw, max_bytes=len(raw)).version == 2
    with pytest.raises(lio.UploadError, match="limit is"):
        lio.parse_weights(raw, max_bytes=len(raw) - 1)


# What a message says a bad value is: true, false and null name themselves; other values
# are named by their kind, then shown.
GOT = {
    "true in W": (edit(("W", 0, 0, 0), True), "W⁽¹⁾[0][0] must be a number, got true."),
    "false in b": (edit(("b", 2, 1), False), "b⁽³⁾[1] must be a number, got false."),
    "null in W": (edit(("W", 2, 1, 3), None), "W⁽³⁾[1][3] must be a number, got null."),
    "string in W": (edit(("W", 1, 2, 0), "abc"),
                    'W⁽²⁾[2][0] must be a number, got the string "abc".'),
    "list in b": (edit(("b", 0, 1), [1, 2]), "b⁽¹⁾[1] must be a number, got a list [1, 2]."),
    "object in b": (edit(("b", 1, 0), {"a": 1}),
                    'b⁽²⁾[0] must be a number, got an object {"a": 1}.'),
    "W is true": (with_(W=True), '"W" must be a list of 3 layers, got true.'),
    "b is null": (with_(b=None), '"b" must be a list of 3 layers, got null.'),
    "b is a string": (with_(b="abc"), '"b" must be a list of 3 layers, got the string "abc".'),
    "W2 is null": (edit(("W", 1), None), ("W⁽²⁾ must be 4×3 (a list of 4 rows of 3 numbers), "
                                          "got null.")),
    "b1 is false": (edit(("b", 0), False), "b⁽¹⁾ must be a list of 3 numbers, got false."),
    "steps false": (with_(steps=False), ('"steps" must be a whole number from 0 to '
                                         '9,007,199,254,740,991, got false.')),
    "epoch 1.5": (with_(epoch=1.5), ('"epoch" must be a whole number from 0 to '
                                     '9,007,199,254,740,991, got the number 1.5.')),
    "settings null": (with_(settings=None), '"settings" must be an object, got null.'),
    "settings lr true": (with_(settings={"lr": True}),
                         '"settings"."lr" must be float, got true.'),
    "file is true": (b"true", "The file must hold a JSON object, got true."),
    "file is null": (b"null", "The file must hold a JSON object, got null."),
    "file is 1e400": (b"1e400", "The file must hold a JSON object, got a number."),
    "version 1e400": (with_(version=10**400), ('Unsupported "version" an integer of 401 '
                                               "digits: this app reads versions 1 and 2.")),
}


@pytest.mark.parametrize("name", list(GOT))
def test_a_bad_value_is_named_as_a_person_would_name_it(name):
    raw, expected = GOT[name]
    with pytest.raises(lio.UploadError) as err:
        lio.parse_weights(raw)
    assert str(err.value) == expected


def test_no_message_names_a_kind_twice_or_as_true_false():
    for raw, _ in list(BAD_WEIGHTS.values()) + list(GOT.values()):
        with pytest.raises(lio.UploadError) as err:
            lio.parse_weights(raw)
        message = str(err.value)
        assert "true/false" not in message and "null null" not in message, message
        assert not re.search(r"\b(true|false|null) \1\b", message), message


def test_messages_escape_markdown_and_names_are_reduced():
    assert lio.md_escape("**a** :red[b] $c$ <i>") == r"\*\*a\*\* \:red\[b\] \$c\$ \<i\>"
    assert lio.safe_name("../<b>evil</b>:$x$.json") == "..__b_evil__b___x_.json"
    assert lio.safe_name("a" * 100) == "a" * 40 and lio.safe_name("") == "upload"


# ---------------------------------------------------------------- history CSV
def test_history_csv_has_every_recorded_epoch_bit_for_bit():
    lab = new_lab()
    for _ in range(4):
        lab.trainer.step_epoch()
    h = lab.trainer.history
    rows = list(csv.reader(io.StringIO(lio.history_csv(h).decode())))
    assert rows[0] == ["epoch", "train_loss", "test_loss", "train_acc", "test_acc",
                       "grad_norm_W1", "grad_norm_W2", "grad_norm_W3", "saturation_1",
                       "saturation_2"]
    assert len(rows) == 1 + len(h.epoch) == 5
    for i, r in enumerate(rows[1:]):
        assert int(r[0]) == h.epoch[i]
        got = [float(v) for v in r[1:]]
        want = [h.train_loss[i], h.test_loss[i], h.train_acc[i], h.test_acc[i],
                *h.grad_norm[i], *h.saturation[i]]
        assert bits([got]) == bits([want])


def test_history_csv_leaves_missing_series_empty():
    d = make_data(Settings())
    t = Trainer(MLP(), d.X_train, d.Y_train)  # no test set: no test series
    t.step_epoch()
    rows = list(csv.reader(io.StringIO(lio.history_csv(t.history).decode())))
    assert len(rows) == 2 and rows[1][2] == rows[1][4] == ""
    assert rows[1][1] != "" and rows[1][3] != ""
    empty = list(csv.reader(io.StringIO(lio.history_csv(new_lab().trainer.history).decode())))
    assert len(empty) == 1  # the header only, before the first epoch


# ---------------------------------------------------------------- equations
@pytest.mark.parametrize("form,k", [("sample", 0), ("sample", 3), ("sample", 7),
                                    ("batch", 6), ("batch", 10), ("batch", 11)])
def test_equations_markdown_holds_every_equation_of_the_stage(form, k):
    lab = trained_lab()
    idx = np.array([5]) if form == "sample" else np.array([5, 6, 7])
    view = View(form, idx)
    md = lio.equations_markdown(lab, view, k).decode()
    stage = build_stages(3, form)[k]
    eqs = stage_equations(stage, current_pass(lab, view))
    assert md.startswith(f"# Stage {k + 1}/12: {stage.title}\n")
    assert view.what in md
    blocks = md.split("$$")[1::2]
    assert [b.strip() for b in blocks] == [t for e in eqs for t in (e.symbolic, e.numeric,
                                                                    e.shapes)]


# ---------------------------------------------------------------- forward script
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_forward_script_reproduces_the_network(tmp_path, activation):
    lab = new_lab(Settings(activation=activation, seed=3))
    lab.trainer.step(40)
    src = lio.forward_script(lab.net).decode()
    imports = [n for n in ast.walk(ast.parse(src)) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [a.name for n in imports for a in n.names] == ["numpy"]
    path = tmp_path / "forward.py"
    path.write_text(src)
    # -I: isolated, so the script cannot reach lab or nncore through the repository
    out = subprocess.run([sys.executable, "-I", str(path)], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path, check=True).stdout
    lines = out.strip().splitlines()
    assert len(lines) == len(lio.SCRIPT_X)
    X = np.array([json.loads(ln.split("x =")[1].split("y_hat =")[0]) for ln in lines])
    Y = np.array([json.loads(ln.split("y_hat =")[1]) for ln in lines])
    assert np.array_equal(X, np.array(lio.SCRIPT_X))
    np.testing.assert_allclose(Y, lab.net.forward(X).A[-1], rtol=0, atol=1e-12)
    # its weights are the network's, bit for bit
    probe = (f"import runpy; m = runpy.run_path({str(path)!r}); "
             "print([a.tobytes().hex() for a in m['W'] + m['b']])")
    hexes = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True,
                           timeout=60, check=True).stdout
    assert ast.literal_eval(hexes) == [a.tobytes().hex() for a in lab.net.W + lab.net.b]


# ---------------------------------------------------------------- dataset upload
def csv_bytes(rows, header="x1,x2,label", sep="\n") -> bytes:
    return (sep.join([header] + [",".join(str(v) for v in r) for r in rows]) + sep).encode()


def xor_rows(n=40):
    X, Y = datasets.make("xor", n=n, noise=0.05, seed=1)
    return [(repr(float(x[0])), repr(float(x[1])), int(np.argmax(y))) for x, y in zip(X, Y)]


def test_a_good_dataset_trains_like_the_built_in_sets():
    rows = xor_rows(60)
    lab = new_lab(Settings(data_seed=3, test_fraction=0.3))
    lab.trainer.step(20)
    gen = lab.generation
    df = lio.parse_dataset(csv_bytes(rows))
    notice = lio.load_dataset(lab, df, "my xor.csv")
    X = np.array([[float(r[0]), float(r[1])] for r in rows])
    Y = np.eye(2)[[r[2] for r in rows]]  # class 1 → [1, 0], as nncore.datasets
    (Xtr, Ytr), (Xte, Yte) = datasets.split(X, Y, test_fraction=lab.settings.test_fraction,
                                            seed=lab.settings.data_seed)
    d = lab.data
    assert bits([d.X_train, d.Y_train, d.X_test, d.Y_test]) == bits([Xtr, Ytr, Xte, Yte])
    assert (lab.trainer.steps, lab.generation) == (0, gen + 1)
    assert lab.trainer.X.shape == Xtr.shape and lab.uploaded[0] == "my xor.csv" and lab.using_upload
    assert "60 points from my xor.csv (42 for training, 18 for testing)" in notice
    assert "label 0 is class 1 (orange), label 1 class 2 (blue)" in notice
    lab.trainer.step(5)
    assert lab.trainer.steps == 5


@pytest.mark.parametrize("labels,classes", [(("0", "1"), ("0", "1")),
                                            (("-1", "1"), ("-1", "1")),
                                            (("10", "9"), ("9", "10")),
                                            (("dog", "cat"), ("cat", "dog")),
                                            (("1.0", "0"), ("0", "1.0")),
                                            # not strict numbers: text order
                                            (("1_0", "9"), ("1_0", "9"))])
def test_two_labels_map_to_classes_in_sorted_order(labels, classes):
    rows = [(0.1 * i, -0.1 * i, labels[i % 2]) for i in range(10)]
    df = lio.parse_dataset(csv_bytes(rows))
    assert df.classes == classes
    assert list(df.labels) == [classes.index(labels[i % 2]) for i in range(10)]
    assert np.array_equal(df.Y, np.eye(2)[df.labels])


def test_header_case_spaces_bom_crlf_and_blank_lines_are_tolerated():
    rows = xor_rows(20)
    raw = b"\xef\xbb\xbf" + csv_bytes(rows, header=" X1 , x2,LABEL ", sep="\r\n\r\n")
    df = lio.parse_dataset(raw)
    assert df.X.shape == (20, 2) and df.X[3, 1] == float(rows[3][1])


def rows_with(i, row, n=20):
    rows = [(0.1, 0.2, k % 2) for k in range(n)]
    rows[i] = row
    return csv_bytes(rows)


BAD_DATA = {
    "empty": (b"", "is empty"),
    "random bytes": (bytes(range(256)) * 4, "not UTF-8"),
    "latin-1": (csv_bytes([(0.1, 0.2, "café")] * 10 + [(0.1, 0.2, "b")]).decode()
                .encode("latin-1"), "not UTF-8"),
    "utf-16": (csv_bytes(xor_rows(20)).decode().encode("utf-16"), "UTF-16"),
    "nul": (b"x1,x2,label\n0,0,\x001\n", "NUL"),
    "header": (csv_bytes(xor_rows(20), header="a,b,c"), "header x1,x2,label, got \"a,b,c\""),
    "no header": (csv_bytes(xor_rows(20), header="0.1,0.2,1"), "header x1,x2,label"),
    "too few": (csv_bytes(xor_rows(20)[:9]), "has 9 data rows; at least 10"),
    "too many": (csv_bytes([(0.0, 0.0, k % 2) for k in range(5001)]), "more than 5000 rows"),
    "text": (rows_with(4, ("abc", 0.1, 1)), ("Line 6: x1 must be a number, got \"abc\"; write "
                                            "it like -0.125, 3, .5 or 1e-3.")),
    # what Python's float() reads but a person may not mean: refused, never guessed
    "underscore": (rows_with(4, ("0_1", 0.1, 1)), ("Line 6: x1 must be a number, got \"0_1\"; "
                                                  "write it like -0.125, 3, .5 or 1e-3.")),
    "arabic-indic": (rows_with(0, (0.1, "\u0663", 1)),
                     "Line 2: x2 must be a number, got \"\u0663\"; write it as 3 (ASCII"),
    "fullwidth": (rows_with(0, ("\uff10.5", 0.1, 1)), "write it as 0.5 (ASCII"),
    "unicode minus": (rows_with(0, ("\u22120.5", 0.1, 1)), "write it as -0.5 (ASCII"),
    "no-break space": (rows_with(0, ("\u00a00.5", 0.1, 1)), "write it as 0.5 (ASCII"),
    "decimal comma": (rows_with(0, ('"0,5"', 0.1, 1)), "got \"0,5\"; write it like -0.125"),
    "nan": (rows_with(0, (0.1, "nan", 1)), "Line 2: x2 must be a number, got \"nan\""),
    "inf": (rows_with(1, ("-inf", 0.1, 1)), "Line 3: x1 must be a number, got \"-inf\""),
    "overflow": (rows_with(1, ("1e999", 0.1, 1)), "x1 must be a finite number, got \"1e999\""),
    "far": (rows_with(2, (7.5, 0.1, 1)), "x1 = 7.5 lies outside [−5, 5]"),
    "short row": (rows_with(3, (0.1, 1)), "Line 5 must have 3 values (x1, x2, label), got 2"),
    "long row": (rows_with(3, (0.1, 0.2, 1, 4)), "got 4"),
    "empty label": (rows_with(3, (0.1, 0.2, " ")), "Line 5: the label is empty"),
    "one class": (csv_bytes([(0.1, 0.2, 1)] * 12), "only one class (\"1\")"),
    "three classes": (csv_bytes([(0.1, 0.2, k % 3) for k in range(12)]), "3 classes"),
    "bad quoting": (b"x1,x2,label\n" + b'0.1,0.2,"a"b\n' * 12, "not valid CSV"),
    "huge field": (b"x1,x2,label\n" + b'"' + b"1" * 200_000 + b'",0,1\n', "not valid CSV"),
    "oversize": (csv_bytes(xor_rows(20)) + b"\n" * 2**20, "the limit is 1,048,576"),
    "hostile label": (csv_bytes([(0.1, 0.2, ("0", LONG, "y")[k % 3]) for k in range(12)]),
                      "The label column has 3 classes"),
}


@pytest.mark.parametrize("name", list(BAD_DATA))
def test_bad_dataset_is_named_and_changes_nothing(name):
    raw, expected = BAD_DATA[name]
    lab = trained_lab()
    before = snapshot(lab)
    with pytest.raises(lio.UploadError) as err:
        lio.load_dataset(lab, lio.parse_dataset(raw), "bad.csv")
    message = str(err.value)
    assert expected in message, message
    assert len(message) < 400 and "x" * (lio.SHOW + 1) not in message
    assert snapshot(lab) == before


# ------------------------------------------------------- weights of other network shapes
def test_a_version_1_file_still_loads_as_the_2342_network():
    obj = good_weights(new_lab())
    obj["version"] = 1
    for key in ("features", "regularization", "reg_rate"):
        del obj[key]
    obj["settings"] = {k: v for k, v in obj["settings"].items()
                       if k not in ("hidden", "features", "regularization", "reg_rate")}
    wf = lio.parse_weights(dumps(obj))
    assert (wf.version, wf.sizes, wf.features) == (1, (2, 3, 4, 2), ("x1", "x2"))
    lab = new_lab()
    lio.load_weights(lab, wf)
    assert bits(lab.net.W) == bits([np.array(w) for w in obj["W"]])


def shaped_lab(**kw):
    from dataclasses import replace as _replace

    from lab.state import Settings
    return new_lab(_replace(Settings(), **kw))


def test_a_file_of_another_shape_round_trips_and_loads_into_that_network():
    kw = {"hidden": (8, 1, 5), "features": ("x2", "x1sq", "sin1"), "regularization": "L1",
          "reg_rate": 0.01}
    lab = shaped_lab(**kw)
    lab.trainer.step(15)
    raw = lio.weights_json(lab.net, lab.settings, lab.trainer.steps, lab.trainer.epoch)
    wf = lio.parse_weights(raw)
    assert wf.sizes == (3, 8, 1, 5, 2) and wf.features == ("x2", "x1sq", "sin1")
    assert wf.settings["hidden"] == [8, 1, 5] and wf.settings["regularization"] == "L1"
    other = shaped_lab(**kw)
    lio.load_weights(other, wf)
    assert bits(other.net.W) == bits(lab.net.W) and bits(other.net.b) == bits(lab.net.b)
    assert other.net.regularization == "L1"  # the penalty is the session's setting
    with pytest.raises(lio.UploadError, match=r"for the network 3-8-1-5-2 fed x₂, x₁², sin x₁; "
                                              r"the app is set to 2-3-4-2 fed x₁, x₂"):
        lio.load_weights(new_lab(), wf)
    same_sizes = shaped_lab(hidden=(8, 1, 5), features=("x1", "x2", "x1x2"))
    with pytest.raises(lio.UploadError, match="fed x₁, x₂, x₁x₂"):
        lio.load_weights(same_sizes, wf)  # same widths, other features: refused too


def test_a_version_2_file_names_its_penalty_and_refuses_a_bad_one():
    lab = shaped_lab(regularization="L1", reg_rate=0.03)
    raw = lio.weights_json(lab.net, lab.settings, 0, 0)
    obj = json.loads(raw)
    assert (obj["regularization"], obj["reg_rate"]) == ("L1", 0.03)
    assert lio.parse_weights(raw).penalty == ("L1", 0.03)
    for bad, says in (({"regularization": "L3"}, "one of none, L1, L2"),
                      ({"reg_rate": -1}, "reg_rate must be"),
                      ({"reg_rate": True}, '"reg_rate" must be a number'),
                      ({"regularization": "none", "reg_rate": 0.5}, "must be 0 without")):
        with pytest.raises(lio.UploadError, match=says):
            lio.parse_weights(dumps({**obj, **bad}))
    del obj["regularization"], obj["reg_rate"]  # optional: a file without them has none
    assert lio.parse_weights(dumps(obj)).penalty == ("none", 0.0)

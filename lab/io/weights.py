"""The weights file: the JSON the app saves (schema: docs/weights-schema.md, version 2; a
version 1 file, the 2-3-4-2 network fed (x₁, x₂), is still read),
and the strict reading of one uploaded. Floats are written with ``repr`` (the shortest text
that reads back to the same float64), so a file read back gives the weights bit for bit;
a bad file raises :class:`UploadError` naming the field and the limit, and changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

import numpy as np

from nncore import ACTIVATIONS, FEATURES, MLP
from nncore.features import DEFAULT as DEFAULT_FEATURES
from nncore.features import TEXT
from nncore.penalty import check_penalty

from ..state import LAYERS, SIZES, WIDTH, Lab, Settings, start_from
from .json_values import (
    _depth,
    _is_num,
    _json_float,
    _json_int,
    _magnitude,
    _no_constants,
    _object,
    _TooLarge,
    described,
    kind_of,
)
from .text import UploadError, quoted, safe_name, upload_bytes_limit, upload_text

FORMAT = "backprop-lab-weights"
VERSION = 2
MAX_DEPTH = 8  # a valid weights file nests 4 deep: {"W": [matrix [row [number]]]}
# The largest |w| or |b| a weights file may hold. With |x| ≤ MAX_ABS_X, an unbounded σ
# (relu, identity) and γ ≤ 10, weights of size B give |ŷ| ≲ 132 B³, a loss ≲ 3.5e4 B⁶,
# gradients ≲ 1.1e4 B⁵, new weights after one SGD step ≲ 1.1e5 B⁵, and the loss after
# that step (the lesson and "Your turn" compute it) ≲ 5e34 B³⁰: finite in float64
# (< 1.8e308) only while B ≲ 1.3e9. 1e6 leaves a margin of 1e93 on that last number and
# is still far above the weights training reaches here (of order 1 to 10).
# docs/weights-schema.md has the derivation; the views print such numbers as 1.2×10⁴⁰.
MAX_WEIGHT = 1e6
MAX_COUNT = 2**53 - 1  # "steps", "epoch": the largest whole number every JSON reader keeps exact
SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")

# ---------------------------------------------------------------- weights: download
def weights_json(net: MLP, settings: Settings, steps: int, epoch: int) -> bytes:
    """The network and settings as JSON (schema: docs/weights-schema.md, version 2).

    net.W[q-1] = W^(q) (n_q, n_{q-1}) is written as a list of rows, net.b[q-1] = b^(q)
    (n_q,) as a list; every float with repr, so reading it back gives the same bits.
    Raises ValueError if a weight is NaN or infinite (JSON has no such numbers).
    """
    s = {f.name: getattr(settings, f.name) for f in fields(Settings)}
    s = {k: list(v) if isinstance(v, tuple) else v for k, v in s.items()}
    head = {"format": FORMAT, "version": VERSION, "sizes": list(net.sizes),
            "features": list(settings.features), "regularization": net.regularization,
            "reg_rate": net.reg_rate, "activation": net.activation,
            "settings": s, "steps": int(steps),
            "epoch": int(epoch)}
    lines = [f"  {json.dumps(k)}: {json.dumps(v, allow_nan=False)}," for k, v in head.items()]
    W = ",\n".join("    " + json.dumps(w.tolist(), allow_nan=False) for w in net.W)
    b = ",\n".join("    " + json.dumps(v.tolist(), allow_nan=False) for v in net.b)
    return ("{\n" + "\n".join(lines) + f'\n  "W": [\n{W}\n  ],\n  "b": [\n{b}\n  ]\n}}\n'
            ).encode("utf-8")


# ---------------------------------------------------------------- weights: upload
@dataclass(frozen=True)
class WeightsFile:
    """A checked weights file: W[q-1] = W^(q) of shape (n_q, n_{q-1}), b[q-1] = b^(q) of
    shape (n_q,), float64 and finite; settings as written (informative only)."""

    version: int
    activation: str
    sizes: tuple[int, ...]
    features: tuple[str, ...]
    penalty: tuple[str, float]  # the weight penalty it was trained with (informative)
    W: list[np.ndarray]
    b: list[np.ndarray]
    settings: dict
    steps: int | None
    epoch: int | None


_REQUIRED = ("format", "version", "sizes", "activation", "W", "b")
_OPTIONAL = ("settings", "steps", "epoch")
_REQUIRED_2 = ("features",)  # and version 2 requires these too; it may have these:
_OPTIONAL_2 = ("regularization", "reg_rate")


def _weight(x, where: str) -> float:
    """An entry of W or b: a number (not true/false) within ±MAX_WEIGHT, as a float64.
    Compared before any conversion: Python compares an int of any length exactly."""
    if isinstance(x, _TooLarge) or (_is_num(x) and not abs(x) <= MAX_WEIGHT):
        raise UploadError(f"{where} is {_magnitude(x)}, too large: every weight and bias must "
                          f"lie within ±{MAX_WEIGHT:,.0f} (docs/weights-schema.md says why).")
    if not _is_num(x):
        raise UploadError(f"{where} must be a number, got {described(x)}.")
    return float(x)


def _matrix(v, name: str, rows: int, cols: int) -> np.ndarray:
    """v as a (rows, cols) float64 array; the message names the first problem."""
    want = f"{name} must be {rows}×{cols} (a list of {rows} rows of {cols} numbers)"
    if not isinstance(v, list) or not all(isinstance(r, list) for r in v):
        raise UploadError(f"{want}, got {described(v)}.")
    widths = {len(r) for r in v}
    if len(v) != rows or widths != {cols}:
        got = f"{len(v)}×{widths.pop()}" if len(widths) == 1 else \
            f"{len(v)} rows of lengths {sorted(widths)}"
        raise UploadError(f"{name} must be {rows}×{cols}, got {got}.")
    return np.array([[_weight(x, f"{name}[{i}][{j}]") for j, x in enumerate(r)]
                     for i, r in enumerate(v)], dtype=np.float64)


def _vector(v, name: str, n: int) -> np.ndarray:
    if not isinstance(v, list):
        raise UploadError(f"{name} must be a list of {n} numbers, got {described(v)}.")
    if len(v) != n:
        raise UploadError(f"{name} must have {n} numbers, got {len(v)}.")
    return np.array([_weight(x, f"{name}[{i}]") for i, x in enumerate(v)], dtype=np.float64)


def _json_count(obj: dict, key: str) -> int | None:
    v = obj.get(key)
    if v is not None and (not isinstance(v, int) or isinstance(v, bool)
                          or not 0 <= v <= MAX_COUNT):
        raise UploadError(f'"{key}" must be a whole number from 0 to {MAX_COUNT:,}, got '
                          f"{described(v)}.")
    return v


def _settings(v) -> dict:
    """The informative settings: known names with values of the right type."""
    if not isinstance(v, dict):
        raise UploadError(f'"settings" must be an object, got {described(v)}.')
    types = {f.name: f.type for f in fields(Settings)}
    for k, x in v.items():
        if k not in types:
            raise UploadError(f'"settings" has an unknown name {quoted(k)}; known: '
                              + ", ".join(types) + ".")
        ok = (isinstance(x, str) and len(x) <= 40 if types[k] == "str" else
              isinstance(x, int) and not isinstance(x, bool) if types[k] == "int" else
              isinstance(x, list) and len(x) <= 8 and all(
                  isinstance(i, int) and not isinstance(i, bool) for i in x)
              if types[k] == "tuple[int, ...]" else
              isinstance(x, list) and len(x) <= 8 and all(
                  isinstance(i, str) and len(i) <= 40 for i in x)
              if types[k] == "tuple[str, ...]" else _is_num(x))
        if not ok:
            raise UploadError(f'"settings"."{k}" must be {types[k]}, got {described(x)}.')
    return dict(v)


def parse_weights(raw: bytes, max_bytes: int | None = None) -> WeightsFile:
    """Check a weights file strictly; return its arrays or raise :class:`UploadError`.

    raw : the file's bytes (at most ``max_bytes``, default the app's upload cap). Checks,
    in order: size, UTF-8, nesting depth, JSON syntax (no NaN/Infinity, no duplicate
    keys), the object's keys, format, version (1: sizes = [2, 3, 4, 2]; 2: "features" and
    sizes = [number of features, 0 to 4 hidden widths of 1 to 8, 1 or 2]), activation, then
    W^(q) (n_q, n_{q-1}) and b^(q) (n_q,) entry by entry: numbers (not true/false) within
    ±MAX_WEIGHT; "steps" and "epoch" whole numbers from 0 to MAX_COUNT.
    """
    text = upload_text(raw, upload_bytes_limit() if max_bytes is None else max_bytes,
                 "weights file")
    if _depth(text) > MAX_DEPTH:
        raise UploadError(f"The file nests lists or objects more than {MAX_DEPTH} deep; a "
                          "weights file nests 4 deep.")
    try:
        obj = json.loads(text, parse_constant=_no_constants, parse_float=_json_float,
                         parse_int=_json_int, object_pairs_hook=_object)
    except json.JSONDecodeError as e:
        raise UploadError(f"The file is not valid JSON: {e.msg} at line {e.lineno}, "
                          f"column {e.colno}.") from None
    except RecursionError:  # guarded by _depth; kept so no input can crash the app
        raise UploadError("The file nests too deeply.") from None
    if not isinstance(obj, dict):
        raise UploadError(f"The file must hold a JSON object, got {kind_of(obj)}.")
    missing = [k for k in _REQUIRED if k not in obj]
    if obj.get("format") != FORMAT:
        raise UploadError(f'This is not a Backprop Lab weights file: "format" must be '
                          f'"{FORMAT}", got {quoted(obj.get("format"))}.')
    v = obj.get("version")
    if v not in (1, VERSION) or not isinstance(v, int) or isinstance(v, bool):
        raise UploadError(f'Unsupported "version" {quoted(v)}: this app reads versions 1 '
                          f"and {VERSION}.")
    if v == VERSION:
        missing += [k for k in _REQUIRED_2 if k not in obj]
    if missing:
        raise UploadError("The file lacks " + ", ".join(f'"{k}"' for k in missing) + ".")
    keys = _REQUIRED + _OPTIONAL + (_REQUIRED_2 + _OPTIONAL_2 if v == VERSION else ())
    unknown = [k for k in obj if k not in keys]
    if unknown:
        raise UploadError(f"Unknown key {quoted(unknown[0])}; version {v} has "
                          + ", ".join(keys) + ".")
    feats = _features(obj["features"]) if v == VERSION else DEFAULT_FEATURES
    penalty = _penalty(obj.get("regularization", "none"), obj.get("reg_rate", 0.0))
    sizes = _sizes(obj["sizes"], v, feats)
    act = obj["activation"]
    if not isinstance(act, str) or act not in ACTIVATIONS:
        raise UploadError(f'"activation" must be one of {", ".join(ACTIVATIONS)}, got '
                          f"{quoted(act)}.")
    L = len(sizes) - 1
    for key in ("W", "b"):
        if not isinstance(obj[key], list) or len(obj[key]) != L:
            n = len(obj[key]) if isinstance(obj[key], list) else described(obj[key])
            raise UploadError(f'"{key}" must be a list of {L} layers, got {n}.')
    W = [_matrix(obj["W"][q], f"W{f'({q + 1})'.translate(SUP)}", sizes[q + 1], sizes[q])
         for q in range(L)]
    b = [_vector(obj["b"][q], f"b{f'({q + 1})'.translate(SUP)}", sizes[q + 1])
         for q in range(L)]
    settings = _settings(obj.get("settings", {}))
    if settings.get("activation", act) != act:
        raise UploadError(f'"settings"."activation" ({quoted(settings["activation"])}) '
                          f'differs from "activation" ({act}).')
    return WeightsFile(version=v, activation=act, sizes=sizes, features=feats,
                       penalty=penalty, W=W, b=b,
                       settings=settings,
                       steps=_json_count(obj, "steps"), epoch=_json_count(obj, "epoch"))


def _features(v) -> tuple[str, ...]:
    if (not isinstance(v, list) or not v or len(v) > len(FEATURES)
            or any(not isinstance(f, str) or f not in FEATURES for f in v)
            or len(set(v)) != len(v)):
        raise UploadError(f'"features" must be a list of one or more of {", ".join(FEATURES)} '
                          f"(each once), got {described(v)}.")
    return tuple(f for f in FEATURES if f in v)


def _penalty(kind, rate) -> tuple[str, float]:
    if isinstance(rate, bool) or not _is_num(rate):
        raise UploadError(f'"reg_rate" must be a number, got {described(rate)}.')
    try:
        return check_penalty(kind, rate)
    except ValueError as e:
        raise UploadError(f'"regularization" and "reg_rate": {e}.') from None


def _sizes(v, version: int, feats: tuple[str, ...]) -> tuple[int, ...]:
    """The layer widths: version 1 only the 2-3-4-2 network; version 2 the features'
    count, 0 to 4 hidden widths of 1 to 8, and 1 or 2 outputs."""
    ints = isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
    if version == 1:
        if not ints or v != list(SIZES):
            raise UploadError(f'"sizes" must be {list(SIZES)} in a version 1 file (the '
                              f"2-3-4-2 network), got {described(v)}.")
        return SIZES
    if not (ints and LAYERS[0] + 2 <= len(v) <= LAYERS[1] + 2 and v[0] == len(feats)
            and all(WIDTH[0] <= x <= WIDTH[1] for x in v[1:-1]) and v[-1] in (1, 2)):
        raise UploadError(f'"sizes" must be [{len(feats)} (one per feature), {LAYERS[0]} to '
                          f"{LAYERS[1]} hidden widths of {WIDTH[0]} to {WIDTH[1]}, 1 or 2 "
                          f"outputs], got {described(v)}.")
    return tuple(v)


def shape_words(sizes, feats) -> str:
    """A network in words: "2-3-4-2 fed x₁, x₂"."""
    return "-".join(map(str, sizes)) + " fed " + ", ".join(TEXT[f] for f in feats)


def load_weights(lab: Lab, wf: WeightsFile, name: str = "the file") -> str:
    """Put the file's weights into ``lab.net`` (in place) and restart training from them
    at epoch 0 with the current settings; returns (and sets) the notice.

    The sidebar owns the activation: a file for another activation raises
    :class:`UploadError` and changes nothing.
    """
    have = (lab.net.sizes, lab.settings.features)
    if (wf.sizes, wf.features) != have:
        raise UploadError(f"These weights are for the network {shape_words(wf.sizes, wf.features)}"
                          f"; the app is set to {shape_words(*have)}. Set the network and its "
                          "input features in the sidebar to the file's, then load it again.")
    if wf.activation != lab.settings.activation:
        raise UploadError(f"These weights were trained with activation {wf.activation}; the "
                          f"app is set to {lab.settings.activation}. Choose {wf.activation} "
                          "under Hidden activation σ, then load the file again.")
    start_from(lab, wf.W, wf.b)
    was = f" (saved after {wf.steps:,} steps)" if wf.steps else ""
    lab.notice = (f"Loaded the weights from {safe_name(name)}{was}; training restarts from "
                  "them at epoch 0 with the current settings.")
    return lab.notice

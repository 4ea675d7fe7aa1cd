"""Export and import: the bytes of every download and the strict parsing of every upload.

No Streamlit here (numpy, json, csv, io and the standard library), so every byte a user
downloads and every check an upload goes through is unit-tested directly.

Downloads: :func:`weights_json` (weights and settings, schema in docs/weights-schema.md),
:func:`history_csv`, :func:`equations_markdown`, :func:`forward_script`.
Uploads: :func:`parse_weights` and :func:`parse_dataset` turn bytes into checked arrays or
raise :class:`UploadError` with one message naming the problem; :func:`load_weights` and
:func:`load_dataset` then change the session, and only then: a bad file changes nothing.
Floats are written with ``repr`` (the shortest text that reads back to the same float64),
so a download read back gives the weights bit for bit.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, fields

import numpy as np

from nncore import ACTIVATIONS, MLP, History, datasets

from .numbers import how_to_write, strict_float
from .state import SIZES, Data, Lab, Settings, start_from, use_data

FORMAT = "backprop-lab-weights"
VERSION = 1
MAX_UPLOAD_MB = 1  # .streamlit/config.toml [server] maxUploadSize (a test keeps them equal)
MAX_DEPTH = 8  # a valid weights file nests 4 deep: {"W": [matrix [row [number]]]}
SHOW = 80  # at most this many characters of a bad value appear in a message
MIN_ROWS, MAX_ROWS = 10, 5000
MAX_ABS_X = 5.0  # the built-in sets live in [-1, 1]²; farther points saturate tanh at once
# The largest |w| or |b| a weights file may hold. With |x| ≤ MAX_ABS_X, an unbounded σ
# (relu, identity) and γ ≤ 10, weights of size B give |ŷ| ≲ 132 B³, a loss ≲ 3.5e4 B⁶,
# gradients ≲ 1.1e4 B⁵, new weights after one SGD step ≲ 1.1e5 B⁵, and the loss after
# that step (the lesson and "Your turn" compute it) ≲ 5e34 B³⁰: finite in float64
# (< 1.8e308) only while B ≲ 1.3e9. 1e6 leaves a margin of 1e93 on that last number and
# is still far above the weights training reaches here (of order 1 to 10).
# docs/weights-schema.md has the derivation; the views print such numbers as 1.2×10⁴⁰.
MAX_WEIGHT = 1e6
MAX_COUNT = 2**53 - 1  # "steps", "epoch": the largest whole number every JSON reader keeps exact
LONG_INT = 309  # more digits than any float64 has: such an integer is kept as text, not read
CSV_HEADER = ("x1", "x2", "label")
SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


class UploadError(ValueError):
    """An upload that cannot be used; ``str(err)`` is the message for the user (plain
    text, user-provided parts already truncated to :data:`SHOW` characters)."""


# ---------------------------------------------------------------- small helpers
def _r(v) -> str:
    """A float64 as the shortest text that reads back to the same bits."""
    return repr(float(v))


def _cut(s: str) -> str:
    """User-provided text for a message: one line, at most SHOW characters."""
    s = s.replace("\n", " ").replace("\r", " ")
    return s if len(s) <= SHOW else s[:SHOW - 1] + "…"


def _show(v) -> str:
    """A user-provided JSON value for a message, as JSON text (cut to SHOW characters)."""
    try:
        return _cut(json.dumps(v, ensure_ascii=False))
    except (TypeError, ValueError):
        return _cut(repr(v))


_KINDS = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}


def _kind(v) -> str:
    """The kind of a JSON value, for "got a list": true, false and null are their own kind."""
    if v is None or isinstance(v, bool):
        return _show(v)
    if isinstance(v, _TooLarge):
        return "a number"
    return _KINDS.get(type(v), type(v).__name__)


def _got(v) -> str:
    """A user-provided JSON value for "…, got <this>.": its kind, then the value itself
    (cut to SHOW characters): the string "abc", the number 3, a list [1, 2]; true, false
    and null say it all alone."""
    if v is None or isinstance(v, bool):
        return _show(v)
    if isinstance(v, (int, float, _TooLarge)):
        shown = _magnitude(v)
        return shown if shown.startswith("an integer") else f"the number {shown}"
    kind = {str: "the string"}.get(type(v), _kind(v))
    return f"{kind} {_show(v)}"


def md_escape(text: str) -> str:
    """Backslash before every ASCII punctuation character: Streamlit's markdown (and its
    :emoji:, :color[…] and $math$ extensions) then shows the text literally."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def safe_name(name: str, limit: int = 40) -> str:
    """An uploaded file's name reduced to letters, digits, ``._-`` and spaces (at most
    ``limit`` characters): safe to show anywhere without escaping."""
    s = re.sub(r"[^A-Za-z0-9._\- ]", "_", str(name or ""))[:limit].strip()
    return s or "upload"


def upload_bytes_limit(max_mb: float = MAX_UPLOAD_MB) -> int:
    """The size cap in bytes: Streamlit's MB are 2²⁰ bytes."""
    return int(max_mb * 1024 * 1024)


def _text(raw: bytes, max_bytes: int, what: str) -> str:
    """The upload as text: size cap, not empty, UTF-8 (a UTF-8 BOM is allowed)."""
    if not isinstance(raw, (bytes, bytearray)):
        raise UploadError(f"The {what} must be given as bytes, got {type(raw).__name__}.")
    if len(raw) > max_bytes:
        raise UploadError(f"The {what} is {len(raw):,} bytes; the limit is {max_bytes:,} "
                          f"bytes ({max_bytes / 2**20:g} MB, server.maxUploadSize).")
    if not raw.strip():
        raise UploadError(f"The {what} is empty.")
    try:
        text = bytes(raw).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        hint = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise UploadError(f"The {what} is not UTF-8 text{hint}: byte {e.start} cannot be "
                          "read. Save it as UTF-8.") from None
    if "\x00" in text:
        raise UploadError(f"The {what} contains NUL characters: it is not a text file.")
    return text


# ---------------------------------------------------------------- weights: download
def weights_json(net: MLP, settings: Settings, steps: int, epoch: int) -> bytes:
    """The network and settings as JSON (schema: docs/weights-schema.md, version 1).

    net.W[q-1] = W^(q) (n_q, n_{q-1}) is written as a list of rows, net.b[q-1] = b^(q)
    (n_q,) as a list; every float with repr, so reading it back gives the same bits.
    Raises ValueError if a weight is NaN or infinite (JSON has no such numbers).
    """
    s = {f.name: getattr(settings, f.name) for f in fields(Settings)}
    head = {"format": FORMAT, "version": VERSION, "sizes": list(net.sizes),
            "activation": net.activation, "settings": s, "steps": int(steps),
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
    W: list[np.ndarray]
    b: list[np.ndarray]
    settings: dict
    steps: int | None
    epoch: int | None


_REQUIRED = ("format", "version", "sizes", "activation", "W", "b")
_OPTIONAL = ("settings", "steps", "epoch")


def _no_constants(name: str):
    raise UploadError(f"The file contains {name}: every number must be finite "
                      "(JSON has no NaN or Infinity).")


class _TooLarge:
    """A JSON number beyond float64 (1e400, or an integer of more than LONG_INT digits),
    kept as its text: whichever check meets it names its place in the file, and no
    integer of thousands of digits is ever converted."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return _magnitude(self)


def _float(s: str) -> float | _TooLarge:
    v = float(s)
    return v if math.isfinite(v) else _TooLarge(s)


def _int(s: str) -> int | _TooLarge:
    return _TooLarge(s) if len(s.lstrip("-")) > LONG_INT else int(s)


def _magnitude(x) -> str:
    """A number for a message, as the file wrote it (a float by repr), except an integer
    of more than 20 digits, named by its length: no wall of digits."""
    text = x.text if isinstance(x, _TooLarge) else repr(x) if isinstance(x, float) else str(x)
    digits = text.lstrip("-")
    if digits.isdigit() and len(digits) > 20:
        return f"an integer of {len(digits):,} digits"
    return _cut(text)


def _object(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise UploadError(f"The key {_show(k)} appears twice in one object.")
        obj[k] = v
    return obj


def _depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings."""
    depth = deepest = 0
    for ch in re.sub(r'"(?:[^"\\]|\\.)*"', '""', text):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _weight(x, where: str) -> float:
    """An entry of W or b: a number (not true/false) within ±MAX_WEIGHT, as a float64.
    Compared before any conversion: Python compares an int of any length exactly."""
    if isinstance(x, _TooLarge) or (_is_num(x) and not abs(x) <= MAX_WEIGHT):
        raise UploadError(f"{where} is {_magnitude(x)}, too large: every weight and bias must "
                          f"lie within ±{MAX_WEIGHT:,.0f} (docs/weights-schema.md says why).")
    if not _is_num(x):
        raise UploadError(f"{where} must be a number, got {_got(x)}.")
    return float(x)


def _matrix(v, name: str, rows: int, cols: int) -> np.ndarray:
    """v as a (rows, cols) float64 array; the message names the first problem."""
    want = f"{name} must be {rows}×{cols} (a list of {rows} rows of {cols} numbers)"
    if not isinstance(v, list) or not all(isinstance(r, list) for r in v):
        raise UploadError(f"{want}, got {_got(v)}.")
    widths = {len(r) for r in v}
    if len(v) != rows or widths != {cols}:
        got = f"{len(v)}×{widths.pop()}" if len(widths) == 1 else \
            f"{len(v)} rows of lengths {sorted(widths)}"
        raise UploadError(f"{name} must be {rows}×{cols}, got {got}.")
    return np.array([[_weight(x, f"{name}[{i}][{j}]") for j, x in enumerate(r)]
                     for i, r in enumerate(v)], dtype=np.float64)


def _vector(v, name: str, n: int) -> np.ndarray:
    if not isinstance(v, list):
        raise UploadError(f"{name} must be a list of {n} numbers, got {_got(v)}.")
    if len(v) != n:
        raise UploadError(f"{name} must have {n} numbers, got {len(v)}.")
    return np.array([_weight(x, f"{name}[{i}]") for i, x in enumerate(v)], dtype=np.float64)


def _count(obj: dict, key: str) -> int | None:
    v = obj.get(key)
    if v is not None and (not isinstance(v, int) or isinstance(v, bool)
                          or not 0 <= v <= MAX_COUNT):
        raise UploadError(f'"{key}" must be a whole number from 0 to {MAX_COUNT:,}, got '
                          f"{_got(v)}.")
    return v


def _settings(v) -> dict:
    """The informative settings: known names with values of the right type."""
    if not isinstance(v, dict):
        raise UploadError(f'"settings" must be an object, got {_got(v)}.')
    types = {f.name: f.type for f in fields(Settings)}
    for k, x in v.items():
        if k not in types:
            raise UploadError(f'"settings" has an unknown name {_show(k)}; known: '
                              + ", ".join(types) + ".")
        ok = (isinstance(x, str) and len(x) <= 40 if types[k] == "str" else
              isinstance(x, int) and not isinstance(x, bool) if types[k] == "int" else
              _is_num(x))
        if not ok:
            raise UploadError(f'"settings"."{k}" must be {types[k]}, got {_got(x)}.')
    return dict(v)


def parse_weights(raw: bytes, max_bytes: int | None = None) -> WeightsFile:
    """Check a weights file strictly; return its arrays or raise :class:`UploadError`.

    raw : the file's bytes (at most ``max_bytes``, default the app's upload cap). Checks,
    in order: size, UTF-8, nesting depth, JSON syntax (no NaN/Infinity, no duplicate
    keys), the object's keys, format, version, sizes = [2, 3, 4, 2], activation, then
    W^(q) (n_q, n_{q-1}) and b^(q) (n_q,) entry by entry: numbers (not true/false) within
    ±MAX_WEIGHT; "steps" and "epoch" whole numbers from 0 to MAX_COUNT.
    """
    text = _text(raw, upload_bytes_limit() if max_bytes is None else max_bytes,
                 "weights file")
    if _depth(text) > MAX_DEPTH:
        raise UploadError(f"The file nests lists or objects more than {MAX_DEPTH} deep; a "
                          "weights file nests 4 deep.")
    try:
        obj = json.loads(text, parse_constant=_no_constants, parse_float=_float,
                         parse_int=_int, object_pairs_hook=_object)
    except json.JSONDecodeError as e:
        raise UploadError(f"The file is not valid JSON: {e.msg} at line {e.lineno}, "
                          f"column {e.colno}.") from None
    except RecursionError:  # guarded by _depth; kept so no input can crash the app
        raise UploadError("The file nests too deeply.") from None
    if not isinstance(obj, dict):
        raise UploadError(f"The file must hold a JSON object, got {_kind(obj)}.")
    missing = [k for k in _REQUIRED if k not in obj]
    if obj.get("format") != FORMAT:
        raise UploadError(f'This is not a Backprop Lab weights file: "format" must be '
                          f'"{FORMAT}", got {_show(obj.get("format"))}.')
    v = obj.get("version")
    if v != VERSION or not isinstance(v, int) or isinstance(v, bool):
        raise UploadError(f'Unsupported "version" {_show(v)}: this app reads version '
                          f"{VERSION}.")
    if missing:
        raise UploadError("The file lacks " + ", ".join(f'"{k}"' for k in missing) + ".")
    unknown = [k for k in obj if k not in _REQUIRED + _OPTIONAL]
    if unknown:
        raise UploadError(f"Unknown key {_show(unknown[0])}; version {VERSION} has "
                          + ", ".join(_REQUIRED + _OPTIONAL) + ".")
    if obj["sizes"] != list(SIZES) or any(isinstance(x, bool) for x in obj["sizes"]):
        raise UploadError(f'"sizes" must be {list(SIZES)} (this app\'s 2-3-4-2 network), '
                          f"got {_show(obj['sizes'])}.")
    act = obj["activation"]
    if not isinstance(act, str) or act not in ACTIVATIONS:
        raise UploadError(f'"activation" must be one of {", ".join(ACTIVATIONS)}, got '
                          f"{_show(act)}.")
    L = len(SIZES) - 1
    for key in ("W", "b"):
        if not isinstance(obj[key], list) or len(obj[key]) != L:
            n = len(obj[key]) if isinstance(obj[key], list) else _got(obj[key])
            raise UploadError(f'"{key}" must be a list of {L} layers, got {n}.')
    W = [_matrix(obj["W"][q], f"W{f'({q + 1})'.translate(SUP)}", SIZES[q + 1], SIZES[q])
         for q in range(L)]
    b = [_vector(obj["b"][q], f"b{f'({q + 1})'.translate(SUP)}", SIZES[q + 1])
         for q in range(L)]
    settings = _settings(obj.get("settings", {}))
    if settings.get("activation", act) != act:
        raise UploadError(f'"settings"."activation" ({_show(settings["activation"])}) '
                          f'differs from "activation" ({act}).')
    return WeightsFile(version=v, activation=act, W=W, b=b, settings=settings,
                       steps=_count(obj, "steps"), epoch=_count(obj, "epoch"))


def load_weights(lab: Lab, wf: WeightsFile, name: str = "the file") -> str:
    """Put the file's weights into ``lab.net`` (in place) and restart training from them
    at epoch 0 with the current settings; returns (and sets) the notice.

    The sidebar owns the activation: a file for another activation raises
    :class:`UploadError` and changes nothing.
    """
    if wf.activation != lab.settings.activation:
        raise UploadError(f"These weights were trained with activation {wf.activation}; the "
                          f"app is set to {lab.settings.activation}. Choose {wf.activation} "
                          "under Hidden activation σ, then load the file again.")
    start_from(lab, wf.W, wf.b)
    was = f" (saved after {wf.steps:,} steps)" if wf.steps else ""
    lab.notice = (f"Loaded the weights from {safe_name(name)}{was}; training restarts from "
                  "them at epoch 0 with the current settings.")
    return lab.notice


# ---------------------------------------------------------------- other downloads
def history_csv(history: History, L: int = len(SIZES) - 1) -> bytes:
    """The training history as CSV, one row per recorded epoch: epoch, train_loss,
    test_loss, train_acc, test_acc, grad_norm_W1 … grad_norm_W{L} (‖∂L/∂W^(q)‖ on the
    training set), saturation_1 … saturation_{L-1} (share of saturated hidden units).
    A series that was not recorded (no test set) leaves its cells empty."""
    cols = (["epoch", "train_loss", "test_loss", "train_acc", "test_acc"]
            + [f"grad_norm_W{q}" for q in range(1, L + 1)]
            + [f"saturation_{q}" for q in range(1, L)])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(cols)

    def cell(series, i, j=None):
        if i >= len(series):
            return ""
        v = series[i] if j is None else (series[i][j] if j < len(series[i]) else None)
        return "" if v is None else _r(v)

    h = history
    for i, e in enumerate(h.epoch):
        w.writerow([str(int(e))]
                   + [cell(getattr(h, s), i) for s in cols[1:5]]
                   + [cell(h.grad_norm, i, q) for q in range(L)]
                   + [cell(h.saturation, i, q) for q in range(L - 1)])
    return out.getvalue().encode("utf-8")


def equations_markdown(lab: Lab, view, stage_index: int) -> bytes:
    """The current stage's equations with the live numbers, as Markdown with LaTeX:
    a heading (stage, title, what flows through), then per equation its symbolic,
    numeric and shapes lines, each a ``$$ … $$`` block. view : lab.state.View."""
    from .equations import stage_equations
    from .stages import build_stages
    from .state import current_pass

    stages = build_stages(lab.net.L, view.form)
    k = min(max(int(stage_index), 0), len(stages) - 1)
    stage, p = stages[k], current_pass(lab, view)
    form = "one sample, column vectors" if view.form == "sample" else \
        "mini-batch, row vectors"
    lines = [f"# Stage {k + 1}/{len(stages)}: {stage.title}", "",
             (f"What flows through: {view.what} ({form}). Network 2-3-4-2, activation "
              f"{p.activation}, learning rate γ = {p.lr:g}, loss L = {p.loss:.6g}; "
              f"training step {lab.trainer.steps}, epoch {lab.trainer.epoch}. Numbers are "
              "rounded to 3 decimals."), ""]
    for i, eq in enumerate(stage_equations(stage, p), 1):
        lines += [f"## Equation {i}", "", "Symbolic:", "", "$$", eq.symbolic, "$$", "",
                  "With the numbers:", "", "$$", eq.numeric, "$$", "",
                  "Shapes:", "", "$$", eq.shapes, "$$", ""]
    return "\n".join(lines).encode("utf-8")


_SIGMA_SRC = {
    "tanh": "np.tanh(z)",
    "sigmoid": "0.5 * (1.0 + np.tanh(0.5 * z))",  # through tanh: never overflows
    "relu": "np.maximum(z, 0.0)",
    "identity": "z",
}
SCRIPT_X = ((0.5, -0.5), (-0.8, 0.3), (0.0, 0.0))  # the sample inputs the script prints


def forward_script(net: MLP) -> bytes:
    """A stand-alone Python script (numpy only) with these weights as literals (repr,
    bit-exact) and ``forward(X)``: X (N, 2) → Ŷ (N, 2), Z^(q) = A^(q-1) W^(q)ᵀ + b^(q)ᵀ,
    A^(q) = σ(Z^(q)), linear output. Run as a script it prints Ŷ for SCRIPT_X."""
    def lit(a: np.ndarray) -> str:
        if a.ndim == 1:
            return "[" + ", ".join(_r(v) for v in a) + "]"
        return "[\n        " + ",\n        ".join(lit(r) for r in a) + ",\n    ]"

    W = "".join(f"    np.array({lit(w)}),  # W^({q + 1}): {w.shape}\n"
                for q, w in enumerate(net.W))
    b = "".join(f"    np.array({lit(v)}),  # b^({q + 1}): {v.shape}\n"
                for q, v in enumerate(net.b))
    X = "[" + ", ".join("[" + ", ".join(_r(v) for v in x) + "]" for x in SCRIPT_X) + "]"
    src = f'''"""The forward pass of a Backprop Lab network, sizes {tuple(net.sizes)}, hidden
activation {net.activation}, linear output. Needs only numpy: python this_file.py

W[q-1] is W^(q) of shape (n_q, n_(q-1)); b[q-1] is b^(q) of shape (n_q,).
The weights are written with repr, so they are the exported float64 values bit for bit.
"""

import numpy as np

W = [
{W}]
b = [
{b}]


def sigma(z):
    """The hidden activation, {net.activation}."""
    return {_SIGMA_SRC[net.activation]}


def forward(X):
    """Y_hat (N, {net.sizes[-1]}) for X (N, {net.sizes[0]}):
    Z^(q) = A^(q-1) W^(q)^T + b^(q)^T, A^(q) = sigma(Z^(q)); the last layer is linear."""
    A = np.atleast_2d(np.asarray(X, dtype=np.float64))
    for q in range(len(W)):
        Z = A @ W[q].T + b[q]
        A = Z if q == len(W) - 1 else sigma(Z)
    return A


if __name__ == "__main__":
    X = np.array({X})
    for x, y in zip(X, forward(X)):
        print("x =", [float(v) for v in x], "y_hat =", [float(v) for v in y])
'''
    return src.encode("utf-8")


# ---------------------------------------------------------------- dataset upload
@dataclass(frozen=True)
class DatasetFile:
    """A checked dataset: X (n, 2) finite inputs in [-MAX_ABS_X, MAX_ABS_X]²; labels (n,)
    in {0, 1} (class 1, class 2); classes: the file's two label texts, class 1's first."""

    X: np.ndarray
    labels: np.ndarray
    classes: tuple[str, str]

    @property
    def Y(self) -> np.ndarray:
        """One-hot targets (n, 2) as nncore.datasets makes them: 0 → [1, 0], 1 → [0, 1]."""
        Y = np.zeros((self.labels.size, 2))
        Y[np.arange(self.labels.size), self.labels] = 1.0
        return Y


def _finite(s: str, line: int, col: str) -> float:
    """x1 or x2 of a row: a strict number (:func:`lab.numbers.strict_float`), finite, in
    range; else the message names the line, the column and how to write it."""
    v = strict_float(s)
    if v is None:
        raise UploadError(f"Line {line}: {col} must be a number, got {_show(s)}; "
                          f"{how_to_write(s)}.")
    if not math.isfinite(v):  # 1e999
        raise UploadError(f"Line {line}: {col} must be a finite number, got {_show(s)}.")
    if abs(v) > MAX_ABS_X:
        raise UploadError(f"Line {line}: {col} = {_cut(s)} lies outside [−{MAX_ABS_X:g}, "
                          f"{MAX_ABS_X:g}]. The built-in sets live in [−1, 1]²: rescale "
                          "x1 and x2 (e.g. divide by the largest |x|).")
    return v


def _class_order(values: list[str]) -> tuple[str, str]:
    """The two distinct labels, class 1 first: numeric order when both are finite strict
    numbers ("0" < "1", "-1" < "1", "9" < "10"), else text order ("cat" < "dog")."""
    nums = {s: strict_float(s) for s in values}
    if all(v is not None and math.isfinite(v) for v in nums.values()) and \
            len(set(nums.values())) == 2:
        return tuple(sorted(values, key=nums.get))
    return tuple(sorted(values))


def parse_dataset(raw: bytes, max_bytes: int | None = None) -> DatasetFile:
    """Check a dataset CSV strictly; return its arrays or raise :class:`UploadError`.

    Format: UTF-8, a header ``x1,x2,label`` (case and spaces around names ignored), then
    MIN_ROWS … MAX_ROWS rows of two finite numbers in [−MAX_ABS_X, MAX_ABS_X], written in
    plain decimal or scientific notation in ASCII (:mod:`lab.numbers`), and a label with
    exactly two distinct values (blank lines are skipped).
    """
    text = _text(raw, upload_bytes_limit() if max_bytes is None else max_bytes,
                 "dataset file")
    rows = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = None
        for rec in reader:
            if not any(c.strip() for c in rec):
                continue
            if header is None:
                header = [c.strip().lower() for c in rec]
                if tuple(header) != CSV_HEADER:
                    raise UploadError("The first line must be the header x1,x2,label, got "
                                      f"{_show(','.join(rec))}.")
                continue
            n = reader.line_num
            if len(rows) >= MAX_ROWS:
                raise UploadError(f"The file has more than {MAX_ROWS} rows; the limit is "
                                  f"{MAX_ROWS}.")
            if len(rec) != 3:
                raise UploadError(f"Line {n} must have 3 values (x1, x2, label), got "
                                  f"{len(rec)}: {_show(','.join(rec))}.")
            label = rec[2].strip()
            if not label:
                raise UploadError(f"Line {n}: the label is empty.")
            rows.append((_finite(rec[0], n, "x1"), _finite(rec[1], n, "x2"), _cut(label)))
    except csv.Error as e:
        raise UploadError(f"The file is not valid CSV: {_cut(str(e))}.") from None
    if len(rows) < MIN_ROWS:
        raise UploadError(f"The file has {len(rows)} data rows; at least {MIN_ROWS} are "
                          "needed.")
    values = sorted({r[2] for r in rows})
    if len(values) != 2:
        shown = ", ".join(_show(v) for v in values[:5]) + (", …" if len(values) > 5 else "")
        what = "only one class" if len(values) == 1 else f"{len(values)} classes"
        raise UploadError(f"The label column has {what} ({_cut(shown)}); the network has 2 "
                          "outputs: exactly two classes are needed.")
    classes = _class_order(values)
    X = np.array([r[:2] for r in rows], dtype=np.float64)
    labels = np.array([classes.index(r[2]) for r in rows], dtype=np.int64)
    return DatasetFile(X=X, labels=labels, classes=classes)


def load_dataset(lab: Lab, df: DatasetFile, name: str = "upload.csv") -> str:
    """Make the file the training data: split it like the built-in sets (test_fraction
    and data_seed from the settings), reset training; returns (and sets) the notice.
    The file stays in ``lab.uploaded`` (safe name, file) after a built-in set replaces it,
    so that :func:`use_upload` can bring it back."""
    lab.uploaded = (safe_name(name), df)
    return use_upload(lab)


def use_upload(lab: Lab) -> str:
    """Train on the last uploaded dataset again (split with the current test fraction and
    data seed); a new run. Returns (and sets) the notice."""
    name, df = lab.uploaded
    (Xtr, Ytr), (Xte, Yte) = datasets.split(df.X, df.Y,
                                            test_fraction=lab.settings.test_fraction,
                                            seed=lab.settings.data_seed)
    use_data(lab, Data(Xtr, Ytr, Xte, Yte), upload=True)
    lab.notice = (f"Loaded {df.X.shape[0]} points from {name} ({Xtr.shape[0]} for "
                  f"training, {Xte.shape[0]} for testing), label {safe_name(df.classes[0], 20)} is "
                  f"class 1 (orange), label {safe_name(df.classes[1], 20)} class 2 (blue); "
                  "training was reset.")
    return lab.notice

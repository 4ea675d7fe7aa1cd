"""Shareable links: the URL parameters that reproduce a screen, and their strict parsing.

Pure Python (no Streamlit), so every field and every hostile value is unit-tested.
The widgets keep their own values in the URL with Streamlit's ``bind="query-params"``;
this module holds the widgets' domains (the panels build their widgets from them) and
checks the link a session *opened* with, because the binding alone is lax: it takes
``noise=0.23`` (off the slider's grid), cuts ``sample_index=3.5`` to 3 and reads
Unicode digits as numbers. A value this module rejects is reset to its default and
named on screen; nothing of it is shown unescaped.

``steps`` is not a widget: it is the number of training steps done, replayed on
opening (training is deterministic for given settings), at most ``MAX_REPLAY_STEPS``.
What the settings cannot replay (loaded weights, a setting changed after some steps, a
single SGD step) the run's journal carries: ``log`` and ``w0`` (lab/journal.py).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from nncore import ACTIVATIONS, FEATURES, REGULARIZATIONS, datasets
from nncore.features import TEXT

from .io import MAX_WEIGHT
from .journal import MAX_LOG_CHARS, Journal, parse_log, parse_start
from .player.protocol import DEFAULT_RATE, STEP_RATES
from .stages import build_stages
from .state import HIDDEN, LAYERS, WIDTH, Settings

# ------------------------------------------------------------------ widget domains
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128)
N_SAMPLES = (50, 1000, 50)  # min, max, step
NOISE = (0.0, 0.5, 0.05)
TEST_FRACTION = (0.1, 0.5, 0.05)
MOMENTUM = (0.0, 0.99, 0.01)
SEED_MAX = 2**31 - 1
EPOCHS_LIMIT = (1, 1_000_000)
VIEW_BATCH = (2, 8)
WIDTH_DEFAULTS = (*HIDDEN, 4, 4)  # the width widgets' defaults: today's net, then 4 each
REG_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
REG_RATE_DEFAULT = 0.01  # the rate widget's value until moved (used once a penalty is on)
N_STAGES = len(build_stages(LAYERS[1] + 1))  # the deepest network's
TABS = ("Backprop, step by step", "Lesson", "Train", "Gradient check", "Derivation")
FORMS = ("sample", "batch")
MAX_REPLAY_STEPS = 50_000  # ~1–2 s of training on a small server when a link is opened
MAX_VALUE_CHARS = 40  # longer values are not even parsed (``log`` and ``w0`` excepted)

def n_params(sizes) -> int:
    return sum((a + 1) * b for a, b in itertools.pairwise(sizes))


MAX_N_PARAMS = n_params((len(FEATURES), *[WIDTH[1]] * LAYERS[1], 2))

_DIGITS = re.compile(r"[0-9]{1,10}")
_DECIMAL = re.compile(r"[0-9]{1,5}(\.[0-9]{1,6})?")


class Rejected(ValueError):
    """A parameter value outside its widget's domain; the message says what is allowed."""


def grid(lo: float, hi: float, step: float) -> tuple[float, ...]:
    """The values a slider from ``lo`` to ``hi`` in ``step``s can take (rounded like its
    labels, so 0.1 + 2·0.05 is 0.2, not 0.20000000000000004)."""
    n = round((hi - lo) / step)
    return tuple(round(lo + i * step, 10) for i in range(n + 1))


def _int_in(lo: int, hi: int, step: int = 1) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not _DIGITS.fullmatch(raw):
            raise Rejected(f"a whole number from {lo} to {hi}")
        v = int(raw)
        if not lo <= v <= hi or (v - lo) % step:
            raise Rejected(f"a whole number from {lo} to {hi}"
                           + (f" in steps of {step}" if step > 1 else ""))
        return v
    return parse


def _on_grid(values: Sequence[float]) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        if _DECIMAL.fullmatch(raw):
            v = float(raw)
            for g in values:
                if abs(v - g) <= 1e-9:
                    return g
        shown = ", ".join(f"{g:g}" for g in values[:4]) + (", …" if len(values) > 4 else "")
        raise Rejected(f"one of {shown} (up to {values[-1]:g})")
    return parse


def _choice(options: Sequence[str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in options:
            raise Rejected("one of " + ", ".join(options))
        return raw
    return parse


def _flag(raw: str) -> bool:
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise Rejected("true or false (or 1 or 0)")


_BY_TEXT = {t: f for f, t in TEXT.items()}


def _features(raws: Sequence[str]) -> tuple[str, ...]:
    """A multi-choice, written as the widget writes it: once per chosen feature, by its
    label (x₁, x₁², sin x₂, …); each at most once, at least one."""
    if not raws or any(r not in _BY_TEXT for r in raws) or len(set(raws)) != len(raws):
        raise Rejected("one or more of " + ", ".join(TEXT.values()) + ", each once")
    return tuple(f for f in FEATURES if TEXT[f] in raws)


def features_text(value: tuple[str, ...]) -> list[str]:
    """The features as a link writes them: their labels."""
    return [TEXT[f] for f in value]


@dataclass(frozen=True)
class Field:
    """One link parameter: its name (the widget key), how to parse it, its default, and
    whether a widget bound to the URL owns it (``steps`` is not a widget). ``multi``: the
    parameter may repeat (a multi-choice widget), and ``parse`` takes the list."""

    name: str
    parse: Callable[[str], object]
    default: object
    widget: bool = True
    max_chars: int = MAX_VALUE_CHARS
    multi: bool = False
    text: Callable[[object], object] | None = None  # how a link writes it (to_param if None)


def _log(raw: str) -> list:
    try:
        return parse_log(raw, _on_grid(LEARNING_RATES), _on_grid(BATCH_SIZES),
                         _on_grid(grid(*MOMENTUM)), MAX_WEIGHT)
    except ValueError as why:
        raise Rejected(str(why)) from None


def _start(raw: str):
    try:
        return parse_start(raw, MAX_N_PARAMS, MAX_WEIGHT)  # as an uploaded file's
    except ValueError as why:
        raise Rejected(str(why)) from None


def fields(n_lessons: int = 1) -> dict[str, Field]:
    """Every link parameter, by name."""
    d = Settings()
    f = [
        Field("dataset", _choice(datasets.NAMES + datasets.REGRESSION), d.dataset),
        Field("n_samples", _int_in(*N_SAMPLES), d.n),
        Field("noise", _on_grid(grid(*NOISE)), d.noise),
        Field("test_fraction", _on_grid(grid(*TEST_FRACTION)), d.test_fraction),
        Field("activation", _choice(tuple(ACTIVATIONS)), d.activation),
        Field("seed", _int_in(0, SEED_MAX), d.seed),
        Field("layers", _int_in(*LAYERS), len(HIDDEN)),
        *[Field(f"width{i + 1}", _int_in(*WIDTH), WIDTH_DEFAULTS[i]) for i in range(LAYERS[1])],
        Field("features", _features, d.features, multi=True, text=features_text),
        Field("regularization", _choice(REGULARIZATIONS), d.regularization),
        Field("reg_rate", _on_grid(REG_RATES), REG_RATE_DEFAULT),
        Field("lr", _on_grid(LEARNING_RATES), d.lr),
        Field("batch_size", _on_grid(BATCH_SIZES), d.batch_size),
        Field("momentum", _on_grid(grid(*MOMENTUM)), d.momentum),
        Field("epochs_limit", _int_in(*EPOCHS_LIMIT), d.epochs_limit),
        Field("tab", _choice(TABS), TABS[0]),
        Field("form", _choice(FORMS), "sample"),
        Field("stage", _int_in(1, N_STAGES), 1),
        Field("sample_index", _int_in(0, N_SAMPLES[1] - 1), 0),
        Field("view_batch_size", _int_in(*VIEW_BATCH), 4),
        Field("lesson", _int_in(1, max(1, n_lessons)), 1),
        Field("presenter", _flag, False),
        Field("train_speed", _on_grid(STEP_RATES), DEFAULT_RATE),
        Field("show_test", _flag, True),
        Field("discretize", _flag, False),
        Field("steps", _int_in(0, 10**10 - 1), 0, widget=False),
        Field("data_seed", _int_in(0, SEED_MAX), d.data_seed, widget=False),
        Field("log", _log, [], widget=False, max_chars=MAX_LOG_CHARS),
        Field("w0", _start, None, widget=False, max_chars=-(-8 * MAX_N_PARAMS // 3) * 4),
    ]
    return {x.name: x for x in f}


def link_sizes(values: Mapping[str, object]) -> tuple[int, ...]:
    """The network a link's accepted values describe (their defaults for the rest)."""
    f = fields()
    get = lambda name: values.get(name, f[name].default)
    hidden = [get(f"width{i + 1}") for i in range(get("layers"))]
    outputs = 1 if datasets.is_regression(get("dataset")) else 2
    return (len(get("features")), *hidden, outputs)


def to_param(value: object) -> str:
    """A value as a link writes it (what ``Field.parse`` reads back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass
class LinkCheck:
    """What a link asked for: ``values`` (accepted, parsed), ``ignored`` (name → why, for
    known names whose value was refused), ``unknown`` (names the app does not know,
    already shortened and made safe to show) and ``notes`` (accepted with a change)."""

    values: dict[str, object] = field(default_factory=dict)
    ignored: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def message(self) -> str:
        """One line for the page ('' if the link was clean); plain text, safe to show."""
        parts = [f"{name} (expected {why})" for name, why in self.ignored.items()]
        if self.unknown:
            parts.append("unknown " + ", ".join(self.unknown[:5])
                         + (f" and {len(self.unknown) - 5} more" if len(self.unknown) > 5 else ""))
        text = ""
        if parts:
            text = "Some link parameters were ignored and set to their defaults: " + \
                "; ".join(parts) + "."
        return " ".join([text] + self.notes).strip()


NOTE = "link_note"  # after a link was rewritten to what it means: what was ignored in it


def canonical(check: LinkCheck) -> dict[str, str]:
    """The link as this app writes it: every accepted parameter in its canonical text
    (``presenter=1`` as ``presenter=true``, ``noise=0.20`` as ``noise=0.2``), nothing
    refused. Opening it gives the same screen, and every widget takes its value from it."""
    out = {}
    known = fields()
    for name, value in check.values.items():
        f = known.get(name)
        if f is not None and f.text is not None:
            text = f.text(value)
        elif name == "log":
            text = Journal(entries=value).params().get("log", "")
        elif name == "w0":
            text = Journal(start=value).params()["w0"]
        else:
            text = to_param(value)
        if text:
            out[name] = text
    return out


def note_of(check: LinkCheck) -> str:
    """What a rewritten link tells the page it opens: the refused names, ``unknown`` if
    there were unknown ones, ``steps_cut`` if the steps were cut (dot-separated)."""
    tokens = list(check.ignored)
    if check.unknown:
        tokens.append("unknown")
    if check.notes:
        tokens.append("steps_cut")
    return ".".join(tokens)


def read_note(text: str, n_lessons: int = 1) -> LinkCheck:
    """The message of a rewritten link's note (what its :func:`note_of` said): each known
    name with the values it takes; anything else in the note is left out."""
    known = fields(n_lessons)
    out = LinkCheck()
    for token in text.split(".")[:len(known) + 2]:
        if token in known:
            try:
                known[token].parse("")
            except Rejected as why:
                out.ignored[token] = str(why)
        elif token == "unknown":
            out.unknown.append("parameters")
        elif token == "steps_cut":
            out.notes.append(f"The link asked for more training steps than links replay: "
                             f"training was replayed to {MAX_REPLAY_STEPS:,} at most.")
    return out


def shown_param_name(name: str) -> str:
    """A parameter name as it may be shown: letters, digits and _ only, at most 24."""
    if not name:
        return "(empty)"
    clean = re.sub(r"[^A-Za-z0-9_]", "?", name[:24])
    return clean + ("…" if len(name) > 24 else "")


def parse_link(params: Mapping[str, Sequence[str]], n_lessons: int = 1) -> LinkCheck:
    """Check a link's parameters (name → every value given for it, in order).

    A known name with exactly one value inside its domain is accepted; repeated names,
    over-long values, NaN, huge numbers, wrong types and Unicode digits are ignored with
    the reason. ``steps`` above ``MAX_REPLAY_STEPS`` is cut to it, with a note.
    """
    known = fields(n_lessons)
    out = LinkCheck()
    for name, raws in params.items():
        f = known.get(name)
        if f is None:
            out.unknown.append(shown_param_name(name))
            continue
        raws = list(raws)
        if f.multi:  # the widget writes the name once per chosen value
            refused = (f"at most {len(FEATURES)} short values" if len(raws) > len(FEATURES)
                       or any(len(r) > f.max_chars for r in raws) else "")
            given = raws
        else:
            refused = (f"one value, got {len(raws)}" if len(raws) != 1 else
                       f"at most {f.max_chars} characters" if len(raws[0]) > f.max_chars
                       else "")
            given = raws[0] if raws else ""
        if refused:
            out.ignored[name] = refused
            continue
        try:
            out.values[name] = f.parse(given)
        except Rejected as why:
            out.ignored[name] = str(why)
    steps = out.values.get("steps")
    if isinstance(steps, int) and steps > MAX_REPLAY_STEPS:
        out.values["steps"] = MAX_REPLAY_STEPS
        out.notes.append(f"The link asked for {steps:,} training steps; links replay at most "
                         f"{MAX_REPLAY_STEPS:,}, so training was replayed to "
                         f"{MAX_REPLAY_STEPS:,}.")
    start = out.values.get("w0")
    if start is not None and start.size != n_params(link_sizes(out.values)):
        del out.values["w0"]
        out.ignored["w0"] = f"{n_params(link_sizes(out.values))} weights (the link's network)"
    log = out.values.get("log")
    if log and log[-1].at > out.values.get("steps", 0):
        del out.values["log"]
        out.ignored["log"] = "entries within the link's steps"
    return out

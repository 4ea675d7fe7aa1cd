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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from nncore import ACTIVATIONS, datasets

from .stages import build_stages

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
N_STAGES = len(build_stages(3))
TABS = ("Backprop, step by step", "Lesson", "Train", "Gradient check", "Derivation")
FORMS = ("sample", "batch")
MAX_REPLAY_STEPS = 50_000  # ~1–2 s of training on a small server when a link is opened
MAX_VALUE_CHARS = 40  # longer values are not even parsed

_DIGITS = re.compile(r"[0-9]{1,10}")
_DECIMAL = re.compile(r"[0-9]{1,3}(\.[0-9]{1,6})?")


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


@dataclass(frozen=True)
class Field:
    """One link parameter: its name (the widget key), how to parse it, its default, and
    whether a widget bound to the URL owns it (``steps`` is not a widget)."""

    name: str
    parse: Callable[[str], object]
    default: object
    widget: bool = True


def fields(n_lessons: int = 1) -> dict[str, Field]:
    """Every link parameter, by name."""
    f = [
        Field("dataset", _choice(datasets.NAMES), "xor"),
        Field("n_samples", _int_in(*N_SAMPLES), 400),
        Field("noise", _on_grid(grid(*NOISE)), 0.1),
        Field("test_fraction", _on_grid(grid(*TEST_FRACTION)), 0.3),
        Field("activation", _choice(tuple(ACTIVATIONS)), "tanh"),
        Field("seed", _int_in(0, SEED_MAX), 0),
        Field("lr", _on_grid(LEARNING_RATES), 0.1),
        Field("batch_size", _on_grid(BATCH_SIZES), 32),
        Field("momentum", _on_grid(grid(*MOMENTUM)), 0.9),
        Field("epochs_limit", _int_in(*EPOCHS_LIMIT), 10_000),
        Field("tab", _choice(TABS), TABS[0]),
        Field("form", _choice(FORMS), "sample"),
        Field("stage", _int_in(1, N_STAGES), 1),
        Field("sample_index", _int_in(0, N_SAMPLES[1] - 1), 0),
        Field("view_batch_size", _int_in(*VIEW_BATCH), 4),
        Field("lesson", _int_in(1, max(1, n_lessons)), 1),
        Field("presenter", _flag, False),
        Field("steps", _int_in(0, 10**10 - 1), 0, widget=False),
        Field("data_seed", _int_in(0, SEED_MAX), 0, widget=False),
    ]
    return {x.name: x for x in f}


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


def safe_name(name: str) -> str:
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
            out.unknown.append(safe_name(name))
            continue
        raws = list(raws)
        if len(raws) != 1:
            out.ignored[name] = f"one value, got {len(raws)}"
            continue
        raw = raws[0]
        if len(raw) > MAX_VALUE_CHARS:
            out.ignored[name] = f"at most {MAX_VALUE_CHARS} characters"
            continue
        try:
            out.values[name] = f.parse(raw)
        except Rejected as why:
            out.ignored[name] = str(why)
    steps = out.values.get("steps")
    if isinstance(steps, int) and steps > MAX_REPLAY_STEPS:
        out.values["steps"] = MAX_REPLAY_STEPS
        out.notes.append(f"The link asked for {steps:,} training steps; links replay at most "
                         f"{MAX_REPLAY_STEPS:,}, so training was replayed to "
                         f"{MAX_REPLAY_STEPS:,}.")
    return out

"""What a training run did that its settings alone cannot replay: the run's journal.

A link replays training: the same seed, data and settings give the same steps bit for bit.
Three things break that, and the journal records each, so that a link carries them:

* weights loaded from a file: the run starts from them (``start``, θ in ``MLP.get_flat``
  order), not from the seed's initial weights;
* a training setting (learning rate, batch size, momentum) changed after some steps: a
  :class:`Trained` entry says which settings the steps up to then were trained with (the
  steps after the last entry use the settings in the link);
* "Apply one SGD step" on some rows: a :class:`OneStep` entry, after the steps it followed;
* a weight set by hand: an :class:`Edit` entry, after the steps it followed.

Every entry closes the span of steps before it with a :class:`Trained` entry when steps
were trained since the last entry, so each span's settings are explicit.

In a link the entries are ``log=t120_0.1_32_0.9~s120_0.1_7`` (``t<steps>_<lr>_<batch
size>_<momentum>``, ``s<after steps>_<lr>_<rows joined by ->``, ``w<after steps>_<q>_<i>_<j>_
<value>`` for W^(q)[i, j] set to value) and the start weights are
``w0=`` base64url of their float64 bytes. Pure: no Streamlit.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass, field

import numpy as np

MAX_ENTRIES = 64  # a link carries at most this many entries (a longer log is not linked)
MAX_LOG_CHARS = 2000
_TRAINED = re.compile(r"t([0-9]{1,10})_([0-9.]{1,10})_([0-9]{1,4})_([0-9.]{1,10})")
_ONE_STEP = re.compile(r"s([0-9]{1,10})_([0-9.]{1,10})_([0-9]{1,4}(?:-[0-9]{1,4}){0,15})")
_EDIT = re.compile(r"w([0-9]{1,10})_([1-9])_([0-9]{1,2})_([0-9]{1,2})_(-?[0-9][0-9.e+-]{0,23})")


@dataclass(frozen=True)
class Trained:
    """The steps up to ``until`` (trainer steps, counted from the run's start) were trained
    with these settings."""

    until: int
    lr: float
    batch_size: int
    momentum: float

    @property
    def at(self) -> int:
        return self.until

    def text(self) -> str:
        return f"t{self.until}_{self.lr:g}_{self.batch_size}_{self.momentum:g}"


@dataclass(frozen=True)
class OneStep:
    """One SGD step θ ← θ − γ∇L on the training ``rows`` with learning rate ``lr``, taken
    after ``at`` trainer steps (it is not one of them: the trainer's count stays)."""

    at: int
    lr: float
    rows: tuple[int, ...]

    def text(self) -> str:
        return f"s{self.at}_{self.lr:g}_" + "-".join(str(r) for r in self.rows)


@dataclass(frozen=True)
class Edit:
    """W^(q)[i, j] (0-based i, j) set by hand to ``value``, after ``at`` trainer steps."""

    at: int
    q: int
    i: int
    j: int
    value: float

    def text(self) -> str:
        return f"w{self.at}_{self.q}_{self.i}_{self.j}_{self.value!r}"


@dataclass
class Journal:
    """A run's start weights (None: the seed's) and its entries, oldest first."""

    start: np.ndarray | None = None
    entries: list = field(default_factory=list)

    @property
    def boundary(self) -> int:
        """The trainer step the last entry stands at (0 with none)."""
        return self.entries[-1].at if self.entries else 0

    def close_span(self, steps: int, lr: float, batch_size: int, momentum: float) -> None:
        """The steps since the last entry, up to ``steps``, were trained with these settings."""
        if steps > self.boundary:
            self.entries.append(Trained(int(steps), float(lr), int(batch_size),
                                        float(momentum)))

    def truncate(self, steps: int) -> None:
        """Training went back to ``steps``: entries beyond it never happened."""
        self.entries = [e for e in self.entries if e.at <= steps]

    def params(self) -> dict[str, str]:
        """The link parameters: ``log`` (entries) and ``w0`` (start weights), each only when
        there is something to say; {} for a run that its settings replay."""
        out = {}
        if self.entries:
            out["log"] = "~".join(e.text() for e in self.entries)
        if self.start is not None:
            raw = np.ascontiguousarray(self.start, "<f8").tobytes()
            out["w0"] = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        return out

    def linkable(self) -> bool:
        text = self.params().get("log", "")
        return len(self.entries) <= MAX_ENTRIES and len(text) <= MAX_LOG_CHARS


def parse_log(text: str, parse_lr, parse_batch, parse_momentum,
              max_weight: float = math.inf) -> list:
    """A link's ``log`` as entries; raises ValueError with what is expected. The parse_*
    functions check a setting against its widget's domain (lab.links); an edited weight
    must be finite and at most ``max_weight`` in size (the layer and unit are checked
    against the network when the link is replayed)."""
    if len(text) > MAX_LOG_CHARS:
        raise ValueError(f"at most {MAX_LOG_CHARS} characters")
    entries, last = [], 0
    for item in text.split("~"):
        if m := _TRAINED.fullmatch(item):
            e = Trained(int(m[1]), parse_lr(m[2]), int(parse_batch(m[3])),
                        parse_momentum(m[4]))
        elif m := _ONE_STEP.fullmatch(item):
            e = OneStep(int(m[1]), parse_lr(m[2]), tuple(int(r) for r in m[3].split("-")))
        elif m := _EDIT.fullmatch(item):
            try:
                v = float(m[5])
            except ValueError:
                v = math.nan
            if not abs(v) <= max_weight:  # (NaN too)
                raise ValueError(f"an edited weight of at most {max_weight:g} in size")
            e = Edit(int(m[1]), int(m[2]), int(m[3]), int(m[4]), v)
        else:
            raise ValueError("entries like t120_0.1_32_0.9, s120_0.1_7 or w120_1_0_1_0.5, "
                             "joined by ~")
        if e.at < last or (isinstance(e, Trained) and e.at == last and entries):
            raise ValueError("entries in the order of their steps")
        last = e.at
        entries.append(e)
    if len(entries) > MAX_ENTRIES:
        raise ValueError(f"at most {MAX_ENTRIES} entries")
    return entries


def parse_start(text: str, n_params: int, max_abs: float) -> np.ndarray:
    """A link's ``w0``: base64url of 1 … n_params little-endian float64, finite, |v| ≤
    max_abs (the caller checks the count against the link's network)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("base64url text")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raise ValueError("base64url text") from None
    if not raw or len(raw) % 8 or len(raw) > 8 * n_params:
        raise ValueError(f"at most {n_params} float64 values")
    theta = np.frombuffer(raw, "<f8").astype(np.float64)
    if not np.all(np.isfinite(theta)) or np.any(np.abs(theta) > max_abs):
        raise ValueError(f"finite weights of magnitude at most {max_abs:g}")
    return theta

"""Session access shared by the panels."""

from __future__ import annotations

import functools
from dataclasses import asdict

import streamlit as st

from ..links import Rejected, fields
from ..state import DATA_FIELDS, Data, Lab, Settings, View, change, make_data, new_lab, view_indices


def cached_data(settings: Settings) -> Data:
    """Datasets are pure functions of their settings: generate each once."""
    return _data_cache()(settings)


@functools.cache
def _data_cache():
    # made on first use, inside a run: the server imports this module (app.py's st.App)
    # before its runtime exists, and a cache made then would log that it found none
    return st.cache_data(max_entries=32, show_spinner=False)(make_data)


def get_lab() -> Lab:
    """The session's Lab, created once (never reset by a rerun). Changing it needs its
    lock (the page's script holds it; callbacks take it with :func:`locked`)."""
    if "lab" not in st.session_state:
        s = Settings()
        lab = new_lab(s, cached_data(s))
        lab.guarded = True
        st.session_state["lab"] = lab
    return st.session_state["lab"]


def locked(callback):
    """A widget callback that runs holding the session's lock. Streamlit runs callbacks
    before the script, outside its ``with lab.lock``; a pull answered beside the app
    (lab/player/route.py) must not change the session at the same time."""
    @functools.wraps(callback)
    def run(*args, **kwargs):
        lab = st.session_state.get("lab")
        if lab is None:
            return callback(*args, **kwargs)
        with lab.lock:
            return callback(*args, **kwargs)
    return run


def apply_settings(lab: Lab, new: Settings) -> str:
    """Bring the Lab to the settings the widgets hold; returns the notice ('' if none)."""
    if new == lab.settings:
        return ""
    old = lab.settings
    data = cached_data(new) if any(getattr(old, f) != getattr(new, f) for f in DATA_FIELDS) \
        else None
    return change(lab, data=data, **asdict(new))


def stored_view(lab: Lab) -> View:
    """What the step-by-step view shows, from its widgets' kept values, for panels drawn
    where those widgets are not (another tab, the sidebar): form, sample, batch size."""
    form = widget_value("form")
    n = lab.data.X_train.shape[0]
    return View(form, view_indices(n, form, int(widget_value("sample_index")),
                                   int(widget_value("view_batch_size"))))


def stored_stage_index() -> int:
    """The step view's stage as a 0-based index (its widget counts 1 … 12, like the URL)."""
    return max(int(widget_value("stage")), 1) - 1


def widget_value(key: str):
    """The value of the URL-bound widget ``key``, also where it is not drawn yet: its kept
    value, or before it was ever drawn, what the address says (checked like every link
    value: a refused one counts as the default)."""
    value = st.session_state.get(key)
    if value is None:
        f = fields()[key]
        try:
            value = f.parse(st.query_params[key]) if key in st.query_params else f.default
        except Rejected:
            value = f.default
    return value

"""Session access shared by the panels."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from ..state import DATA_FIELDS, Data, Lab, Settings, View, change, make_data, new_lab, view_indices


@st.cache_data(max_entries=32, show_spinner=False)
def cached_data(settings: Settings) -> Data:
    """Datasets are pure functions of their settings: generate each once."""
    return make_data(settings)


def get_lab() -> Lab:
    """The session's Lab, created once (never reset by a rerun)."""
    if "lab" not in st.session_state:
        s = Settings()
        st.session_state["lab"] = new_lab(s, cached_data(s))
    return st.session_state["lab"]


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
    s = st.session_state
    form = s.get("form") if s.get("form") in ("sample", "batch") else "sample"
    n = lab.data.X_train.shape[0]
    return View(form, view_indices(n, form, int(s.get("sample_index") or 0),
                                   int(s.get("view_batch_size") or 4)))


def stored_stage_index() -> int:
    """The step view's stage as a 0-based index (its widget counts 1 … 12, like the URL)."""
    return max(int(st.session_state.get("stage") or 1), 1) - 1

"""Session access shared by the panels."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from ..state import DATA_FIELDS, Data, Lab, Settings, change, make_data, new_lab


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

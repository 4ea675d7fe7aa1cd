"""Session access shared by the panels."""

from __future__ import annotations

import streamlit as st

from ..state import Data, Lab, Settings, make_data, new_lab


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

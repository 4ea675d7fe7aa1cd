"""What a presenter key does on the open tab (presenter.py listens for the keys)."""

from __future__ import annotations

import streamlit as st

from ..links import TABS
from ..stages import build_stages
from ..state import Lab
from ..training import step_batch, toggle
from . import lesson, network_view


def on_key(lab: Lab, name: str) -> None:
    """``name``: "prev", "next", "play" or "step", for the tab that is open."""
    tab = st.session_state.get("tab", TABS[0])
    if tab == TABS[0]:
        network_view.on_key(len(build_stages(lab.net.L)), name)
    elif tab == "Lesson" and name in ("prev", "next"):
        lesson._move(-1 if name == "prev" else 1, len(lesson.steps_of(lab)))
    elif tab == "Train" and name == "play":
        toggle(lab)
    elif tab == "Train" and name == "step":
        step_batch(lab)

"""The player's two Streamlit elements, registered once at import (see __init__.py)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_HERE = Path(__file__).resolve().parent


def _read(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


PLAYER = st.components.v2.component("backprop_lab.player", html=_read("player.html"),
                                    css=_read("player.css"), js=_read("player.js"))
FEED = st.components.v2.component("backprop_lab.feed", js=_read("feed.js"))


"""The player's two Streamlit elements, registered once at import (see __init__.py).

The player's script is one module joined from js/: the wire format, the network's forward
pass, the drawing, the pointer, where a pull goes, then the player itself (the only file
with an export)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_JS = Path(__file__).resolve().parent / "js"
PLAYER_SCRIPT = ("wire.js", "net.js", "draw.js", "pick.js", "pull.js", "player.js")


def _read(name: str) -> str:
    return (_JS / name).read_text(encoding="utf-8")


PLAYER = st.components.v2.component(
    "backprop_lab.player", html=_read("player.html"), css=_read("player.css"),
    js="\n".join(_read(name) for name in PLAYER_SCRIPT))
FEED = st.components.v2.component("backprop_lab.feed", js=_read("feed.js"))

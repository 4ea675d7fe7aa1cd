"""Presenter mode, for a classroom projector at 1024×768: larger type and figures, the
sidebar collapsed, only the step view's controls a class needs, and the keyboard:
← and → move through the stages, space plays and pauses."""

from __future__ import annotations

import streamlit as st

KEYS_JS = """
export default function ({ setTriggerValue }) {
  const R = (globalThis.__bplKeys ??= { handler: null, send: null });
  R.send = setTriggerValue;  // the newest element's, after any remount
  if (R.handler) return;
  R.handler = (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable], [role=slider]"))
      return;  // typing an answer, or moving a slider, is not a command
    const key = { ArrowRight: "next", ArrowLeft: "prev", " ": "play" }[e.key];
    if (!key) return;
    e.preventDefault();
    R.send("key", key);
  };
  document.addEventListener("keydown", R.handler);
}
"""
_KEYS = st.components.v2.component("backprop_lab.keys", js=KEYS_JS)

STYLE = """<style>
html { font-size: 19px; }
.block-container { padding-top: 3.2rem !important; }
[data-testid=stMain] button { min-height: 3rem; font-size: 1.1rem; }
[data-testid=stMain] [data-testid=stMarkdownContainer] p { font-size: 1.05rem; }
.st-key-presenter_hidden { display: none; }
</style>"""


def presenter_toggle() -> bool:
    """The sidebar switch (``?presenter=1`` in a link)."""
    return st.sidebar.toggle("Presenter mode", value=False, key="presenter",
                             bind="query-params",
                             help="For a projector: larger type, the sidebar closed, only the "
                                  "stage controls; ← → move through the stages, space plays")


def presenter_style() -> None:
    st.html(STYLE)


def stage_keys(on_key) -> None:
    """Listen to ← → and space on the page; ``on_key(name)`` gets "prev", "next", "play"."""
    def changed() -> None:
        name = (st.session_state.get("stage_keys") or {}).get("key")
        if name in ("prev", "next", "play"):
            on_key(name)
    _KEYS(key="stage_keys", height=0, on_key_change=changed)

"""Presenter mode, for a classroom projector (1024×768, 720p): larger type and figures, the
sidebar collapsed, only the controls a class needs, and the keyboard on every tab:

* step by step: ← and → move through the stages, space plays and pauses;
* Lesson: ← and → move through the steps;
* Train: space plays and pauses, . takes one step;
* ? shows these keys.
"""

from __future__ import annotations

import streamlit as st

from .common import locked

KEYS_JS = """
export default function ({ setTriggerValue }) {
  const R = (globalThis.__bplKeys ??= { handler: null, send: null });
  R.send = setTriggerValue;  // the newest element's, after any remount
  if (R.handler) return;
  R.handler = (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.composedPath ? e.composedPath()[0] : e.target;
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable], [role=slider]"))
      return;  // typing an answer, or moving a slider, is not a command
    const key = { ArrowRight: "next", ArrowLeft: "prev", " ": "play", ".": "step", "?": "help" }[e.key];
    if (!key) return;
    e.preventDefault();
    R.send("key", key);
  };
  document.addEventListener("keydown", R.handler);
}
"""
_KEYS = st.components.v2.component("backprop_lab.keys", js=KEYS_JS)

KEYS = (("←  →", "previous / next stage (step by step), previous / next step (Lesson)"),
        ("space", "play or pause the stages (step by step), the training (Train)"),
        (".", "one SGD step (Train)"),
        ("?", "these keys"))

STYLE = """<style>
html { font-size: 19px; }
.block-container { padding-top: 2.6rem !important; }
[data-testid=stMain] button { min-height: 2.4rem; font-size: 1.05rem; }
[data-testid=stMain] [data-testid=stMarkdownContainer] p { font-size: 1.05rem; }
.st-key-presenter_hidden { display: none; }
[data-testid=stMain] [data-testid=stVerticalBlock] { gap: 0.7rem; }
</style>"""


def presenter_toggle() -> bool:
    """The sidebar switch (``?presenter=1`` in a link)."""
    return st.sidebar.toggle("Presenter mode", value=False, key="presenter",
                             bind="query-params",
                             help="For a projector: larger type, the sidebar closed, only the "
                                  "controls a class needs; keys on every tab (? lists them)")


def presenter_style() -> None:
    st.html(STYLE)


@st.dialog("Presenter keys")
def _keys_help() -> None:
    st.table({"key": [k for k, _ in KEYS], "does": [d for _, d in KEYS]})


def presenter_keys(on_key) -> None:
    """Listen to the keys on the page; ``on_key(name)`` gets "prev", "next", "play" or
    "step" (the open tab decides what it does); "?" opens the list of keys."""
    @locked
    def changed() -> None:
        name = (st.session_state.get("presenter_keys") or {}).get("key")
        if name == "help":
            st.session_state["_keys_help"] = True
        elif name in ("prev", "next", "play", "step"):
            on_key(name)
    _KEYS(key="presenter_keys", height=0, on_key_change=changed)
    if st.session_state.pop("_keys_help", False):
        _keys_help()

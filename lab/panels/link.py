"""Shareable links, the Streamlit side: check the link a session opened with, replay its
training steps, keep ``steps`` and ``data_seed`` in the URL, and a "Copy link" button.

The widgets write their own values to the URL (``bind="query-params"``). Streamlit
applies a bound value when the widget is first created, even one this app refuses
(``noise=0.23``); so after the first run the widgets' values are compared with what
:func:`lab.links.parse_link` accepted and, where they differ, set right and the page
rerun once (a widget's value can be set only before it is drawn in a run).
"""

from __future__ import annotations

import html
from dataclasses import replace

import streamlit as st

from ..links import LinkCheck, fields, parse_link
from ..state import Lab, change
from .common import cached_data

_CHECK, _FIX, _REPLAY = "_link", "_link_fix", "_link_replay"

COPY_JS = """
export default function ({ parentElement }) {
  const button = parentElement.querySelector("button");
  const said = parentElement.querySelector("span");
  button.onclick = async () => {
    const url = window.location.href;
    try {
      await navigator.clipboard.writeText(url);
      said.textContent = "Copied: paste it to share this screen.";
    } catch (e) {
      said.textContent = "Copy this address from the browser's address bar.";
    }
    globalThis.__bplCopied = url;
  };
}
"""
COPY_HTML = ("<div class='copy-link'><button type='button'>Copy link</button> <span></span>"
             "</div>")
COPY_CSS = (".copy-link button{font:inherit;padding:.35rem .8rem;border-radius:.5rem;"
            "border:1px solid var(--st-border-color, #ccc);background:transparent;"
            "color:inherit;cursor:pointer}.copy-link span{font-size:.85rem;opacity:.8}")
_COPY = st.components.v2.component("backprop_lab.copy_link", html=COPY_HTML, css=COPY_CSS,
                                   js=COPY_JS)


def n_lessons() -> int:
    try:
        from ..lesson import LESSON
    except ImportError:
        return 1
    return len(LESSON)


def open_link(lab: Lab) -> LinkCheck:
    """At the top of every run, before any widget: apply the corrections decided at the
    end of the last run; on a session's first run, check its link (and set the data's
    random draw, ``data_seed``, which no widget owns)."""
    for key, value in st.session_state.pop(_FIX, {}).items():
        st.session_state[key] = value
    check = st.session_state.get(_CHECK)
    if check is None:
        raw = {k: st.query_params.get_all(k) for k in st.query_params}
        check = parse_link(raw, n_lessons())
        st.session_state[_CHECK] = check
        st.session_state[_REPLAY] = int(check.values.get("steps", 0))
        data_seed = check.values.get("data_seed")
        if isinstance(data_seed, int) and data_seed != lab.settings.data_seed:
            new = replace(lab.settings, data_seed=data_seed)
            change(lab, data=cached_data(new), data_seed=data_seed)
    return check


def settle_link(lab: Lab) -> None:
    """At the end of a run: correct bound widgets that took a refused value; once they
    hold the link's values, replay its training steps; then write ``steps`` and
    ``data_seed`` to the URL and show what was ignored."""
    check: LinkCheck = st.session_state[_CHECK]
    known = fields(n_lessons())
    n_train = lab.data.X_train.shape[0]
    idx = check.values.get("sample_index")
    if isinstance(idx, int) and idx >= n_train:
        del check.values["sample_index"]
        check.ignored["sample_index"] = f"a row of the training set, 0 … {n_train - 1}"
    fix = {}
    for name, f in known.items():
        if not f.widget or name not in st.session_state:
            continue  # not a widget, or its widget has not been drawn yet
        if _pending_done(name) or not (name in check.values or name in check.ignored):
            continue
        want = check.values.get(name, f.default)
        if _same(st.session_state[name], want):
            _mark_done(name)
        else:
            fix[name] = want
    if fix:
        for name in fix:
            _mark_done(name)
        st.session_state[_FIX] = fix
        st.rerun()
    steps = st.session_state.get(_REPLAY, 0)
    if steps:
        st.session_state[_REPLAY] = 0
        t = lab.trainer
        t.step(max(0, steps - t.steps))
        if t.diverged:
            check.notes.append("Replaying the link's training diverged: " + t.message)
        else:  # also what a reconnect after a server restart says: the link rebuilt it
            st.session_state["_link_replayed"] = (f"Opened from a link: training was "
                                                  f"replayed to step {t.steps:,} "
                                                  f"(epoch {t.epoch}).")
        st.rerun()  # this run drew the weights from before the replay: draw them again
    _write("steps", lab.trainer.steps)
    _write("data_seed", lab.settings.data_seed)
    text = check.message()
    replayed = st.session_state.get("_link_replayed", "")
    if (text or replayed) and not st.session_state.get("_link_said"):
        st.session_state["_link_said"] = True
        st.toast(html.escape(f"{replayed} {text}".strip())[:300], icon=":material/link:")
    if text:
        st.sidebar.warning(html.escape(text), icon=":material/link_off:")


def copy_link_button() -> None:
    """A button that puts the page's address (with every setting in it) on the clipboard."""
    _COPY(key="copy_link", height=40)


def _same(have, want) -> bool:
    if isinstance(want, float) or isinstance(have, float):
        try:
            return abs(float(have) - float(want)) <= 1e-12
        except (TypeError, ValueError):
            return False
    return have == want


def _pending_done(name: str) -> bool:
    return name in st.session_state.setdefault("_link_done", set())


def _mark_done(name: str) -> None:
    st.session_state.setdefault("_link_done", set()).add(name)


def _write(name: str, value: int) -> None:
    """A number no widget owns, kept in the URL (left out at its default, 0)."""
    if value:
        if st.query_params.get(name) != str(value):
            st.query_params[name] = str(value)
    elif name in st.query_params:
        del st.query_params[name]

"""Shareable links, the Streamlit side: check the link a session opened with, replay its
training, keep ``steps``, ``data_seed`` and the run's journal (``log``, ``w0``) in the
URL, and a "Copy link" button.

The widgets write their own values to the URL (``bind="query-params"``) and take their
first value from it. Streamlit's binding is lax (it takes ``noise=0.23``, off the
slider's grid) and strict where this app is not (``presenter=1``); so a link whose
parameters are not all in this app's canonical form (:func:`lab.links.canonical`) is
opened again at once, rewritten to what it means, with a note of what was ignored
(``link_note``). No widget's value is ever set behind its back.

While training plays, the trainer runs ahead of the screen and the URL's ``steps`` is the
one of the last full rerun; the Copy link button asks the player for the step on screen
and puts that in the link it copies.
"""

from __future__ import annotations

import html
from dataclasses import replace
from urllib.parse import urlencode

import streamlit as st

from ..lesson import STEPS, lesson_steps
from ..links import NOTE, LinkCheck, canonical, fields, link_sizes, note_of, parse_link, read_note
from ..replay import replay
from ..state import Lab, Settings, change
from .common import cached_data

_CHECK, _REPLAY = "_link", "_link_replay"

COPY_JS = """
export default function ({ parentElement }) {
  const button = parentElement.querySelector("button");
  const said = parentElement.querySelector("span");
  button.onclick = async () => {
    const url = new URL(window.location.href);
    const frame = globalThis.__bpl?.player?.frame?.();
    if (frame) url.searchParams.set("steps", String(frame.step));
    try {
      await navigator.clipboard.writeText(url.href);
      said.textContent = "Copied: paste it to share this screen.";
    } catch (e) {
      said.textContent = "Copy this address from the browser's address bar.";
    }
    globalThis.__bplCopied = url.href;
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


REDIRECT_JS = """
export default function ({ data }) {
  if (data && typeof data.query === "string") window.location.replace(window.location.pathname + data.query);
}
"""
_REDIRECT = st.components.v2.component("backprop_lab.redirect", js=REDIRECT_JS)


def open_link(lab: Lab) -> LinkCheck:
    """At the top of a session's first run, before any widget: check its link. A link not
    in canonical form is opened again, rewritten (the run stops here); else the data's
    random draw (``data_seed``, which no widget owns) is set and the replay is kept for
    :func:`settle_link`."""
    check = st.session_state.get(_CHECK)
    if check is not None:
        return check
    raw = {k: st.query_params.get_all(k) for k in st.query_params}
    note = raw.pop(NOTE, [""])[-1]
    check = parse_link(raw, len(STEPS))
    n_train = cached_data(_link_settings(lab, check)).X_train.shape[0]
    if isinstance(check.values.get("sample_index"), int) and check.values["sample_index"] >= n_train:
        del check.values["sample_index"]
        check.ignored["sample_index"] = f"a row of the training set, 0 … {n_train - 1}"
    n_steps = len(lesson_steps(len(link_sizes(check.values)) - 1))  # its network's lesson
    if isinstance(check.values.get("lesson"), int) and check.values["lesson"] > n_steps:
        del check.values["lesson"]
        check.ignored["lesson"] = f"a step of this network's lesson, 1 … {n_steps}"
    want = canonical(check)
    multi = {name for name, f in fields().items() if f.multi}
    if want != {k: v if k in multi else v[-1] for k, v in raw.items()
                if len(v) == 1 or k in multi}:
        query = urlencode({**want, NOTE: note_of(check) or "none"}, doseq=True)
        _REDIRECT(key="link_redirect", data={"query": "?" + query}, height=0)
        st.stop()
    if note:  # opened again, rewritten: what the first opening ignored
        said = read_note(note, n_steps)
        check.ignored, check.unknown, check.notes = said.ignored, said.unknown, said.notes
    st.session_state[_CHECK] = check
    v = check.values
    st.session_state[_REPLAY] = (int(v.get("steps", 0)), v.get("log", []), v.get("w0"))
    if v.get("data_seed", lab.settings.data_seed) != lab.settings.data_seed:
        new = replace(lab.settings, data_seed=v["data_seed"])
        change(lab, data=cached_data(new), data_seed=v["data_seed"])
    return check


def _link_settings(lab: Lab, check: LinkCheck) -> Settings:
    """The data settings a link asks for (for the size of its training set)."""
    v = check.values
    return replace(lab.settings, dataset=v.get("dataset", lab.settings.dataset),
                   n=v.get("n_samples", lab.settings.n),
                   test_fraction=v.get("test_fraction", lab.settings.test_fraction),
                   noise=v.get("noise", lab.settings.noise),
                   data_seed=v.get("data_seed", lab.settings.data_seed))


def settle_link(lab: Lab) -> None:
    """At the end of a run: once, replay the link's training; then write ``steps``,
    ``data_seed`` and the journal to the URL and show what the link had ignored."""
    check: LinkCheck = st.session_state[_CHECK]
    steps, log, start = st.session_state.get(_REPLAY, (0, [], None))
    if steps or log or start is not None:
        st.session_state[_REPLAY] = (0, [], None)
        problem = replay(lab, steps, log, start)
        if problem:
            check.notes.append(problem)
        else:  # also what a reconnect after a server restart says: the link rebuilt it
            t = lab.trainer
            st.session_state["_link_replayed"] = (f"Opened from a link: training was "
                                                  f"replayed to step {t.steps:,} "
                                                  f"(epoch {t.epoch}).")
        st.rerun()  # this run drew the weights from before the replay: draw them again
    _write(NOTE, "")
    _write("steps", lab.trainer.steps)
    _write("data_seed", lab.settings.data_seed)
    write_journal(lab)
    text = check.message()
    replayed = st.session_state.get("_link_replayed", "")
    if (text or replayed) and not st.session_state.get("_link_said"):
        st.session_state["_link_said"] = True
        st.toast(html.escape(f"{replayed} {text}".strip())[:300], icon=":material/link:")
    if text:
        st.sidebar.warning(html.escape(text), icon=":material/link_off:")


def write_journal(lab: Lab) -> None:
    """The run's journal in the URL (``log``, ``w0``; absent when the settings replay the
    run). Also from the player's fragment: a setting changed while playing is noted there."""
    params = lab.journal.params() if lab.journal.linkable() else {}
    for name in ("log", "w0"):
        _write(name, params.get(name, ""))


def link_differences(lab: Lab) -> list[str]:
    """What a link copied now would open differently, in words ([] if nothing)."""
    out = []
    if lab.using_upload:
        out.append(f"your uploaded data ({lab.uploaded[0]}) is not in links: the link opens "
                   f"the built-in {lab.settings.dataset} data, with other numbers")
    if not lab.journal.linkable():
        out.append(f"this run changed its settings or took single steps {len(lab.journal.entries)}"
                   " times, more than a link carries: the link replays its steps at the "
                   "current settings, with other numbers")
    return out


def copy_link_button(lab: Lab) -> None:
    """A button that puts the page's address (with every setting in it) on the clipboard,
    and, before it is pressed, what that link would not reproduce."""
    _COPY(key="copy_link", height=40)
    for why in link_differences(lab):
        st.caption(f"A copied link differs: {why}.")


def _write(name: str, value) -> None:
    """A value no widget owns, kept in the URL (left out when 0 or empty)."""
    if value:
        if st.query_params.get(name) != str(value):
            st.query_params[name] = str(value)
    elif name in st.query_params:
        del st.query_params[name]

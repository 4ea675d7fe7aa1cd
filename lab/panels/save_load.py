"""Panel: save and load. Four downloads (weights and settings, training history, this
stage's equations, a NumPy forward-pass script) and two uploads (weights, a dataset).

Made for the sidebar (~260 px): full-width buttons, one column. The downloads are one small
element of our own: a click sends which file and, while training plays, which step the
player shows; the file of exactly that step comes back with the rerun (lab/downloads.py)
and the browser saves it. An upload is applied once, in its ``on_change`` callback (a file
uploader keeps its file across reruns), and a bad file changes nothing: its message stays
under the uploader, escaped, until the file is removed or replaced.
"""

from __future__ import annotations

import base64

import streamlit as st

from ..downloads import FILES, make
from ..io import (
    UploadError,
    load_dataset,
    load_weights,
    md_escape,
    parse_dataset,
    parse_weights,
    upload_bytes_limit,
)
from ..state import Lab
from .common import locked, stored_stage_index, stored_view

DOWNLOADS_JS = """
export default function ({ data, parentElement, setTriggerValue }) {
  const R = (globalThis.__bplDownloads ??= { clicks: 0, saved: null });
  const box = parentElement.querySelector(".bpl-downloads");
  for (const [file, label] of data.buttons) {
    let b = box.querySelector(`button[data-file="${file}"]`);
    if (!b) {
      b = document.createElement("button");
      b.type = "button"; b.dataset.file = file;
      b.onclick = () => setTriggerValue("get", {
        file, at: globalThis.__bpl?.player?.frame?.() ?? null, nonce: `${Date.now()}-${++R.clicks}` });
      box.appendChild(b);
    }
    if (b.textContent !== "⤓ " + label) b.textContent = "⤓ " + label;
  }
  const f = data.file;
  const said = parentElement.querySelector(".bpl-downloads-said");
  said.textContent = f && f.error ? f.error : "";
  if (f && f.b64 && f.nonce !== R.saved) {
    R.saved = f.nonce;
    const bin = atob(f.b64), u8 = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([u8], { type: f.mime }));
    a.download = f.name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    globalThis.__bplSaved = { name: f.name, step: f.step, nonce: f.nonce };
    setTriggerValue("saved", f.nonce);  // the server may forget the file now
  }
}
"""
DOWNLOADS_HTML = "<div class='bpl-downloads'></div><div class='bpl-downloads-said' role='status'></div>"
DOWNLOADS_CSS = (
    ".bpl-downloads{display:flex;flex-direction:column;gap:.5rem}"
    ".bpl-downloads button{font:inherit;font-size:.95rem;padding:.4rem .75rem;width:100%;"
    "text-align:center;border-radius:.5rem;border:1px solid var(--st-border-color, #ccc);"
    "background:var(--st-background-color, #fff);color:inherit;cursor:pointer}"
    ".bpl-downloads button:hover{border-color:var(--st-primary-color, #1f5fbf)}"
    ".bpl-downloads-said{color:#b71c1c;font-size:.9rem}")
_DOWNLOADS = st.components.v2.component("backprop_lab.downloads", html=DOWNLOADS_HTML,
                                        css=DOWNLOADS_CSS, js=DOWNLOADS_JS)
_FILE = "_download"  # the file a click asked for, sent with the element's data until saved

UPLOADS = ("upload_weights", "upload_data")


def _result_key(key: str) -> str:
    return f"{key}_result"


@locked
def _on_upload(lab: Lab, key: str) -> None:
    """Apply the uploader's new file once; remember the outcome for the panel to show."""
    f = st.session_state.get(key)
    if f is None:  # the file was removed: forget its message
        st.session_state.pop(_result_key(key), None)
        return
    done = st.session_state.get(_result_key(key))
    if done is not None and done[0] == f.file_id:  # this very upload was applied already
        return
    limit = upload_bytes_limit(st.get_option("server.maxUploadSize"))
    try:
        if key == "upload_weights":
            load_weights(lab, parse_weights(f.getvalue(), limit), f.name)
        else:
            load_dataset(lab, parse_dataset(f.getvalue(), limit), f.name)
        outcome = ("success", lab.notice)
    except UploadError as e:
        outcome = ("error", str(e))
    st.session_state[_result_key(key)] = (f.file_id, *outcome)


def _show_result(key: str) -> None:
    done = st.session_state.get(_result_key(key))
    if done is None:
        return
    _, kind, text = done
    if kind == "error":
        st.error(md_escape(text), icon=":material/error:")
    else:
        st.success(md_escape(text), icon=":material/check_circle:")


@locked
def _on_get(lab: Lab) -> None:
    """A click on a download: make the file of the step the player shows (or of now)."""
    req = (st.session_state.get("downloads") or {}).get("get")
    if not isinstance(req, dict) or req.get("file") not in FILES:
        return
    nonce = str(req.get("nonce", ""))[:40]
    try:
        name, mime, raw = make(lab, req["file"], stored_view(lab), stored_stage_index(),
                               req.get("at"))
    except ValueError as e:  # a weight JSON cannot hold (NaN): training undoes such steps
        st.session_state[_FILE] = {"nonce": nonce, "error": f"Not saved: {e}"}
        return
    st.session_state[_FILE] = {"nonce": nonce, "name": name, "mime": mime,
                               "b64": base64.b64encode(raw).decode("ascii")}


@locked
def _on_saved() -> None:
    """The page saved the file: forget it. Until then every rerun sends it again (the page
    saves a nonce once), so a rerun that follows at once, before the page drew the one
    with the file, cannot lose it."""
    nonce = (st.session_state.get("downloads") or {}).get("saved")
    if (st.session_state.get(_FILE) or {}).get("nonce") == nonce:
        st.session_state.pop(_FILE, None)


def save_load_panel(lab: Lab) -> None:
    """The downloads and uploads, one column."""
    t = lab.trainer
    st.caption("Downloads are of the frame on screen: the step the player shows."
               if lab.running else f"Downloads are of this moment: step {t.steps}, epoch "
               f"{t.epoch}.")
    k = stored_stage_index()
    buttons = [[key, label.format(stage=k + 1)] for key, (label, _, _) in FILES.items()]
    _DOWNLOADS(key="downloads", data={"buttons": buttons, "file": st.session_state.get(_FILE)},
               on_get_change=lambda: _on_get(lab), on_saved_change=_on_saved)
    st.file_uploader("Load weights (.json)", type=["json"], key="upload_weights",
                     on_change=_on_upload, args=(lab, "upload_weights"),
                     help="A file saved above. Training restarts from its weights at epoch 0 "
                          "with the current settings")
    _show_result("upload_weights")
    st.file_uploader("Load a dataset (.csv)", type=["csv"], key="upload_data",
                     on_change=_on_upload, args=(lab, "upload_data"),
                     help="Header x1,x2,label; 10 to 5000 rows; x in [−5, 5]; two classes "
                          "(numbers in numeric order, else text order: the first is class 1)")
    _show_result("upload_data")

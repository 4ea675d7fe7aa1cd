"""Panel: live SGD training. Streamlit buttons control it; the player draws it.

The server trains only when the browser's player pulls snapshots (``live_feed``, in a
fragment: a pull reruns only that fragment); everything else on the tab is drawn in the
browser from those snapshots (lab/player). Full reruns (buttons, sidebar) hand the player
the exact current weights, so a paused picture is exactly ``lab.net``.
"""

from __future__ import annotations

import streamlit as st

from ..player.component import FEED, PLAYER
from ..player.protocol import DEFAULT_RATE, STEP_RATES, prefetch, sync
from ..player.view import player_data
from ..state import Lab
from ..training import pull, settle, step_batch, step_epoch, toggle
from .common import locked, widget_value
from .link import write_journal

RATE_KEY = "train_speed"
PLAYER_SHOWN = "_player_shown"  # the Train tab has opened in this page: the player lives


def rate() -> float:
    """The speed in SGD steps per second: the value of the ``train_speed`` widget (kept
    while the Train tab is closed)."""
    return float(st.session_state.get(RATE_KEY, DEFAULT_RATE))


@locked
def _on_rate(lab: Lab) -> None:
    if lab.running:  # the player goes on from its frame at the new speed
        sync(lab).new_stream(keep_marks=True)


def _trigger(name: str):
    return (st.session_state.get("live_player") or {}).get(name)


@locked
def _on_pick(lab: Lab) -> None:
    """A click on a training point of the decision map picks it for the step-by-step tab."""
    i = _trigger("pick")
    if isinstance(i, int) and 0 <= i < lab.data.X_train.shape[0]:
        st.session_state["sample_index"] = i


@locked
def _on_pull(lab: Lab) -> None:
    pull(lab, (st.session_state.get("live_feed") or {}).get("pull"), rate())


def training_panel(lab: Lab) -> None:
    """The controls (the player and its feed follow the tabs: :func:`player_panel`)."""
    c = st.columns([1.1, 1, 1.2, 2.1, 1.5], vertical_alignment="bottom")
    c[0].button("Pause" if lab.running else "Play", key="play", on_click=locked(toggle), args=(lab,),
                icon=":material/pause:" if lab.running else ":material/play_arrow:",
                type="primary", width="stretch",
                help="Train continuously; the sidebar settings apply at once")
    c[1].button("Step", key="step", on_click=locked(step_batch), args=(lab,), width="stretch",
                help="One mini-batch SGD step")
    c[2].button("Step epoch", key="step_epoch", on_click=locked(step_epoch), args=(lab,),
                width="stretch", help="Train to the end of the current epoch")
    c[3].select_slider("Speed (SGD steps per second)", STEP_RATES, value=DEFAULT_RATE,
                       key=RATE_KEY, on_change=_on_rate, args=(lab,), persist_state="session",
                       bind="query-params",
                       format_func=str,  # also its text in the address: ?train_speed=3000
                       help="1 shows every step in slow motion; above 60 steps/s each "
                            "frame shows several steps")
    c[4].toggle("Test data", value=True, key="show_test", bind="query-params",
                persist_state="session",
                help="Draw the held-out test points (hollow) on the map")
    c[4].toggle("Discretize", value=False, key="discretize", bind="query-params",
                persist_state="session",
                help="The map in two colours: the class the network picks at each point")
    t = lab.trainer
    if t.diverged and not lab.running:  # (while running: the player has not got there)
        st.error(t.message + " Press **Reset weights** in the sidebar to start again.",
                 icon=":material/error:")


def player_panel(lab: Lab, visible: bool, scale: float = 1.0) -> None:
    """The player and its feed, below the tabs: drawn on every run from the first time
    the Train tab opens (``visible``), hidden while another tab is open. Tabs are lazy (a
    closed tab's elements leave the page), so inside the Train tab the player would be
    mounted again each time Train reopens; here it is mounted once per page. It neither
    pulls nor draws while hidden (player.js), so a hidden player costs nothing.
    ``scale``: the size of its text (presenter mode)."""
    if visible:
        st.session_state[PLAYER_SHOWN] = True
    if not st.session_state.get(PLAYER_SHOWN):
        return  # the first page load draws no player
    sample = st.session_state.get("sample_index")
    with st.container(key="player_box"):
        PLAYER(key="live_player",
               data=player_data(lab, rate(), sample if isinstance(sample, int) else None, scale,
                                widget_value("show_test"), widget_value("discretize")),
               on_pick_change=lambda: _on_pick(lab),
               on_settle_change=locked(lambda: settle(lab, _trigger("settle"))),
               on_resync_change=lambda: None)  # the rerun itself brings the page
        _feed(lab)
    # (a <style>-only st.html goes to the page's event container, not next to the player)
    st.html("<style>.st-key-player_box{display:none}</style>" if not visible
            else "<style>.st-key-player_box{display:block}</style>")


@st.fragment
@locked
def _feed(lab: Lab) -> None:
    ps = sync(lab)
    FEED(key="live_feed", data=ps.reply, height=0, on_pull_change=lambda: _on_pull(lab))
    write_journal(lab)  # a setting changed while playing starts where the player restarted
    prefetch(lab, rate())  # the reply has left: train what the next pull will ask for
